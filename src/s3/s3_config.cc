// Bucket sub-resources S3 stores and returns (tagging, CORS, website, lifecycle, encryption,
// policy, public access block, ownership controls, notifications, logging, request payment,
// accelerate, Object Lock), and ACLs on buckets and objects.

#include <set>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_acl.h"
#include "s3/s3_errors.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"

namespace gureum::s3 {
namespace {

using Validator = Status (*)(const Bucket&, const json&);

// One stored sub-resource: its Put/Get/Delete operations and how they map to the store.
struct ConfigResource {
  const char* kind;  // key in s3_bucket_configs
  const char* put;   // operation names ("" when S3 has none)
  const char* get;
  const char* del;
  const char* payload;   // the Put input member holding the document
  const char* wrap;      // the Get output member holding it ("" when its members are the output)
  const char* xml_root;  // the Get document's root element when not wrapped
  const char* missing_code;  // error when absent ("" to answer `missing_default`)
  const char* missing_message;
  const char* missing_default;  // JSON answered when absent and there is no error
  Validator validate;
};

Status NoValidation(const Bucket&, const json&) { return Ok(); }

AwsError Invalid(std::string message) { return errors::InvalidArgument(std::move(message)); }

Status ValidateTagging(const Bucket&, const json& doc) {
  const json& tags = doc.value("TagSet", json::array());
  if (tags.is_array() && tags.size() > 50) {
    return Fail(errors::Make("BadRequest", "Bucket tag count cannot be greater than 50", 400));
  }
  GUREUM_RETURN_IF_ERROR(ValidateTagSet(tags, 50));
  for (const auto& t : tags) {
    if (StartsWith(t.value("Key", std::string()), "aws:")) {
      return Fail(
          errors::Make("InvalidTag", "System tags cannot be added/updated by requester", 400));
    }
  }
  return Ok();
}

Status ValidateCors(const Bucket&, const json& doc) {
  const json& rules = doc.value("CORSRules", json::array());
  if (rules.empty() || rules.size() > 100) return Fail(errors::MalformedXml());
  static const std::set<std::string> kMethods = {"GET", "PUT", "POST", "DELETE", "HEAD"};
  for (const auto& rule : rules) {
    const json& methods = rule.value("AllowedMethods", json::array());
    const json& origins = rule.value("AllowedOrigins", json::array());
    if (methods.empty() || origins.empty()) return Fail(errors::MalformedXml());
    for (const auto& m : methods) {
      if (kMethods.count(m.get<std::string>()) == 0) {
        return Fail(
            errors::InvalidRequest("Found unsupported HTTP method in CORS config. "
                                   "Unsupported method is " +
                                   m.get<std::string>()));
      }
    }
    for (const auto& o : origins) {
      const std::string& origin = o.get_ref<const std::string&>();
      if (std::count(origin.begin(), origin.end(), '*') > 1) {
        return Fail(errors::InvalidRequest("AllowedOrigin \"" + origin +
                                           "\" can not have more than one wildcard."));
      }
    }
  }
  return Ok();
}

Status ValidateWebsite(const Bucket&, const json& doc) {
  bool redirect_all = doc.contains("RedirectAllRequestsTo");
  if (redirect_all) {
    if (doc.contains("IndexDocument") || doc.contains("ErrorDocument") ||
        doc.contains("RoutingRules")) {
      return Fail(
          Invalid("RedirectAllRequestsTo cannot be provided in conjunction with other "
                  "Routing/Redirection configurations."));
    }
    if (Str(doc["RedirectAllRequestsTo"], "HostName").empty()) return Fail(errors::MalformedXml());
    return Ok();
  }
  if (!doc.contains("IndexDocument")) {
    return Fail(
        Invalid("A value for IndexDocument Suffix must be provided if "
                "RedirectAllRequestsTo is empty"));
  }
  std::string suffix = Str(doc["IndexDocument"], "Suffix");
  if (suffix.empty() || suffix.find('/') != std::string::npos) {
    return Fail(Invalid("The IndexDocument Suffix is not well formed"));
  }
  return Ok();
}

Status ValidateLifecycle(const Bucket&, const json& doc) {
  const json& rules = doc.value("Rules", json::array());
  if (rules.empty() || rules.size() > 1000) return Fail(errors::MalformedXml());
  std::set<std::string> ids;
  for (const auto& rule : rules) {
    std::string status = Str(rule, "Status");
    if (status != "Enabled" && status != "Disabled") return Fail(errors::MalformedXml());
    std::string id = Str(rule, "ID");
    if (id.size() > 255) return Fail(Invalid("ID length should not exceed allowed limit of 255"));
    if (!id.empty() && !ids.insert(id).second) {
      return Fail(Invalid("Rule ID must be unique. Found same ID for more than one rule"));
    }
    bool action = rule.contains("Expiration") || rule.contains("Transitions") ||
                  rule.contains("NoncurrentVersionExpiration") ||
                  rule.contains("NoncurrentVersionTransitions") ||
                  rule.contains("AbortIncompleteMultipartUpload");
    if (!action) {
      return Fail(Invalid("At least one action needs to be specified in a rule"));
    }
    // Dates are midnights UTC; infrequent-access classes need objects 30 days old.
    auto at_midnight = [](const json& action) {
      if (!action.is_object() || !action.contains("Date")) return true;
      auto date = action["Date"].is_string() ? ParseIso8601(action["Date"].get<std::string>())
                                             : std::nullopt;
      return date && std::chrono::floor<std::chrono::days>(*date) == *date;
    };
    if (rule.contains("Expiration") && !at_midnight(rule["Expiration"])) {
      return Fail(Invalid("'Date' must be at midnight GMT"));
    }
    for (const auto& t : rule.value("Transitions", json::array())) {
      if (!at_midnight(t)) return Fail(Invalid("'Date' must be at midnight GMT"));
      std::string storage_class = Str(t, "StorageClass");
      if (t.contains("Days") && t["Days"].is_number_integer() && t["Days"].get<int64_t>() < 30 &&
          (storage_class == "STANDARD_IA" || storage_class == "ONEZONE_IA")) {
        return Fail(
            Invalid("'Days' in Transition action must be greater than or equal to 30 "
                    "for storageClass '" +
                    storage_class + "'"));
      }
    }
    if (rule.contains("Expiration")) {
      const json& e = rule["Expiration"];
      int set = e.contains("Days") + e.contains("Date") + e.contains("ExpiredObjectDeleteMarker");
      if (set != 1) return Fail(errors::MalformedXml());
      if (e.contains("Days") && e["Days"].get<int64_t>() <= 0) {
        return Fail(Invalid("'Days' for Expiration action must be a positive integer"));
      }
    }
  }
  return Ok();
}

Status ValidateEncryption(const Bucket&, const json& doc) {
  const json& rules = doc.value("Rules", json::array());
  if (rules.empty()) return Fail(errors::MalformedXml());
  for (const auto& rule : rules) {
    if (!rule.contains("ApplyServerSideEncryptionByDefault")) continue;
    std::string algorithm = Str(rule["ApplyServerSideEncryptionByDefault"], "SSEAlgorithm");
    if (algorithm != "AES256" && algorithm != "aws:kms" && algorithm != "aws:kms:dsse") {
      return Fail(errors::MalformedXml());
    }
  }
  return Ok();
}

Status ValidateOwnership(const Bucket&, const json& doc) {
  const json& rules = doc.value("Rules", json::array());
  if (rules.size() != 1) return Fail(errors::MalformedXml());
  std::string ownership = Str(rules[0], "ObjectOwnership");
  if (ownership != "BucketOwnerPreferred" && ownership != "ObjectWriter" &&
      ownership != "BucketOwnerEnforced") {
    return Fail(errors::MalformedXml());
  }
  return Ok();
}

Status ValidateRequestPayment(const Bucket&, const json& doc) {
  std::string payer = Str(doc, "Payer");
  if (payer != "Requester" && payer != "BucketOwner") return Fail(errors::MalformedXml());
  return Ok();
}

Status ValidateAccelerate(const Bucket& bucket, const json& doc) {
  std::string status = Str(doc, "Status");
  if (status != "Enabled" && status != "Suspended") return Fail(errors::MalformedXml());
  if (bucket.name.find('.') != std::string::npos) {
    return Fail(
        errors::InvalidRequest("S3 Transfer Acceleration is not supported for buckets "
                               "with periods (.) in their names"));
  }
  return Ok();
}

Status ValidateObjectLock(const Bucket& bucket, const json& doc) {
  if (!bucket.object_lock) {
    return Fail(errors::Make("InvalidBucketState",
                             "Object Lock configuration cannot be enabled on existing buckets",
                             409));
  }
  if (doc.contains("Rule")) {
    const json& retention = doc["Rule"].value("DefaultRetention", json::object());
    std::string mode = Str(retention, "Mode");
    if (mode != "GOVERNANCE" && mode != "COMPLIANCE") return Fail(errors::MalformedXml());
    if (retention.contains("Days") == retention.contains("Years")) {
      return Fail(errors::MalformedXml());
    }
  }
  return Ok();
}

constexpr ConfigResource kResources[] = {
    {"tagging", "PutBucketTagging", "GetBucketTagging", "DeleteBucketTagging", "Tagging", "",
     "Tagging", "NoSuchTagSet", "The TagSet does not exist", "", ValidateTagging},
    {"cors", "PutBucketCors", "GetBucketCors", "DeleteBucketCors", "CORSConfiguration", "",
     "CORSConfiguration", "NoSuchCORSConfiguration", "The CORS configuration does not exist", "",
     ValidateCors},
    {"website", "PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite",
     "WebsiteConfiguration", "", "WebsiteConfiguration", "NoSuchWebsiteConfiguration",
     "The specified bucket does not have a website configuration", "", ValidateWebsite},
    {"lifecycle", "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration",
     "DeleteBucketLifecycle", "LifecycleConfiguration", "", "LifecycleConfiguration",
     "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", "",
     ValidateLifecycle},
    {"encryption", "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
     "ServerSideEncryptionConfiguration", "ServerSideEncryptionConfiguration", "", "", "",
     // Every bucket encrypts with SSE-S3 unless told otherwise (S3's default since 2023).
     R"({"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},
         "BucketKeyEnabled":false}]})",
     ValidateEncryption},
    {"public-access-block", "PutPublicAccessBlock", "GetPublicAccessBlock",
     "DeletePublicAccessBlock", "PublicAccessBlockConfiguration", "PublicAccessBlockConfiguration",
     "", "NoSuchPublicAccessBlockConfiguration",
     "The public access block configuration was not found", "", NoValidation},
    {"ownership", "PutBucketOwnershipControls", "GetBucketOwnershipControls",
     "DeleteBucketOwnershipControls", "OwnershipControls", "OwnershipControls", "",
     "OwnershipControlsNotFoundError", "The bucket ownership controls were not found", "",
     ValidateOwnership},
    {"notification", "PutBucketNotificationConfiguration", "GetBucketNotificationConfiguration", "",
     "NotificationConfiguration", "", "NotificationConfiguration", "", "", "{}", NoValidation},
    {"logging", "PutBucketLogging", "GetBucketLogging", "", "BucketLoggingStatus", "",
     "BucketLoggingStatus", "", "", "{}", NoValidation},
    {"request-payment", "PutBucketRequestPayment", "GetBucketRequestPayment", "",
     "RequestPaymentConfiguration", "", "RequestPaymentConfiguration", "", "",
     R"({"Payer":"BucketOwner"})", ValidateRequestPayment},
    {"accelerate", "PutBucketAccelerateConfiguration", "GetBucketAccelerateConfiguration", "",
     "AccelerateConfiguration", "", "AccelerateConfiguration", "", "", "{}", ValidateAccelerate},
    {"object-lock", "PutObjectLockConfiguration", "GetObjectLockConfiguration", "",
     "ObjectLockConfiguration", "ObjectLockConfiguration", "",
     "ObjectLockConfigurationNotFoundError",
     "Object Lock configuration does not exist for this "
     "bucket",
     "", ValidateObjectLock},
};

// Only the owner reads and changes a bucket's configuration (IAM policies widen this later).
Result<Bucket> OwnedBucket(ObjectStore& store, const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store.GetBucket(Str(in, "Bucket")));
  if (ctx.principal.account_id != bucket.account_id) return Fail(errors::AccessDenied());
  return bucket;
}

service::OperationSpec Spec(std::string name, service::JsonHandler handler,
                            std::string xml_root = {}) {
  service::OperationSpec spec;
  spec.name = std::move(name);
  spec.handler = [handler = std::move(handler)](const RequestContext& ctx,
                                                const json& in) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(VerifyBodyDigests(ctx, false));
    return handler(ctx, in);
  };
  spec.allow_anonymous = true;
  spec.xml_root = std::move(xml_root);
  return spec;
}

// S3 answers a few configuration writes with 204 No Content where the model says 200
// (PutBucketPolicy, PutBucketTagging): run the JSON handler and answer with an empty 204.
service::OperationSpec NoContent(service::OperationSpec spec) {
  spec.raw_handler = [handler = std::move(spec.handler)](
                         const RequestContext& ctx, const json& in, const http::Request&,
                         http::BodySource&) -> Result<http::Response> {
    GUREUM_TRY(json out, handler(ctx, in));
    (void)out;
    http::Response response;
    response.status = 204;
    return response;
  };
  spec.handler = nullptr;
  return spec;
}

}  // namespace

void AddConfigOperations(std::vector<service::OperationSpec>& ops, S3Service* s3) {
  for (const ConfigResource& r : kResources) {
    ObjectStore& store = s3->store();
    service::OperationSpec put =
        Spec(r.put, [&store, &r](const RequestContext& ctx, const json& in) -> Result<json> {
          GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
          auto doc = in.find(r.payload);
          if (doc == in.end() || !doc->is_object()) return Fail(errors::MalformedXml());
          GUREUM_RETURN_IF_ERROR(r.validate(bucket, *doc));
          GUREUM_RETURN_IF_ERROR(store.PutConfig(bucket.name, r.kind, doc->dump()));
          return json::object();
        });
    ops.push_back(std::string_view(r.kind) == "tagging" ? NoContent(std::move(put))
                                                        : std::move(put));
    ops.push_back(Spec(
        r.get,
        [&store, &r](const RequestContext& ctx, const json& in) -> Result<json> {
          GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
          GUREUM_TRY(auto stored, store.GetConfig(bucket.name, r.kind));
          json doc;
          if (stored) {
            doc = json::parse(*stored, nullptr, false);
          } else if (std::string_view(r.kind) == "object-lock" && bucket.object_lock) {
            // A bucket created with Object Lock reports it before any default retention is set.
            doc = json{{"ObjectLockEnabled", "Enabled"}};
          } else if (*r.missing_code != '\0') {
            return Fail(
                errors::NoSuchConfiguration(r.missing_code, r.missing_message, bucket.name));
          } else {
            doc = json::parse(r.missing_default, nullptr, false);
          }
          if (*r.wrap != '\0') return json{{r.wrap, doc}};
          return doc;
        },
        r.xml_root));
    if (*r.del != '\0') {
      ops.push_back(
          Spec(r.del, [&store, &r](const RequestContext& ctx, const json& in) -> Result<json> {
            GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
            GUREUM_RETURN_IF_ERROR(store.DeleteConfig(bucket.name, r.kind));
            return json::object();
          }));
    }
  }

  // Bucket policies are JSON documents, kept as sent. (Evaluated with IAM enforcement.)
  ObjectStore& store = s3->store();
  ops.push_back(NoContent(
      Spec("PutBucketPolicy", [&store](const RequestContext& ctx, const json& in) -> Result<json> {
        GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
        std::string policy = Str(in, "Policy");
        json doc = json::parse(policy, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || Trim(policy).front() != '{') {
          return Fail(errors::Make("MalformedPolicy",
                                   "Policies must be valid JSON and the first byte must be '{'",
                                   400));
        }
        if (!doc.contains("Statement")) {
          return Fail(errors::Make("MalformedPolicy", "Missing required field Statement", 400));
        }
        GUREUM_RETURN_IF_ERROR(store.PutConfig(bucket.name, "policy", policy));
        return json::object();
      })));
  ops.push_back(
      Spec("GetBucketPolicy", [&store](const RequestContext& ctx, const json& in) -> Result<json> {
        GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
        GUREUM_TRY(auto policy, store.GetConfig(bucket.name, "policy"));
        if (!policy) {
          return Fail(errors::NoSuchConfiguration("NoSuchBucketPolicy",
                                                  "The bucket policy does not exist", bucket.name));
        }
        return json{{"Policy", *policy}};
      }));
  ops.push_back(Spec("DeleteBucketPolicy",
                     [&store](const RequestContext& ctx, const json& in) -> Result<json> {
                       GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
                       GUREUM_RETURN_IF_ERROR(store.DeleteConfig(bucket.name, "policy"));
                       return json::object();
                     }));
  ops.push_back(Spec(
      "GetBucketPolicyStatus", [&store](const RequestContext& ctx, const json& in) -> Result<json> {
        GUREUM_TRY(Bucket bucket, OwnedBucket(store, ctx, in));
        GUREUM_TRY(auto policy, store.GetConfig(bucket.name, "policy"));
        if (!policy) {
          return Fail(errors::NoSuchConfiguration("NoSuchBucketPolicy",
                                                  "The bucket policy does not exist", bucket.name));
        }
        // Public when a statement allows everyone ("*") without conditions.
        json doc = json::parse(*policy, nullptr, false);
        bool is_public = false;
        json statements = doc.value("Statement", json::array());
        if (statements.is_object()) statements = json::array({statements});
        for (const auto& st : statements) {
          const json& principal = st.value("Principal", json());
          bool everyone =
              principal == "*" || (principal.is_object() && principal.value("AWS", json()) == "*");
          if (st.value("Effect", std::string()) == "Allow" && everyone &&
              !st.contains("Condition")) {
            is_public = true;
          }
        }
        return json{{"PolicyStatus", {{"IsPublic", is_public}}}};
      }));

  S3Service* s = s3;
  ops.push_back(Spec(
      "GetBucketAcl",
      [s](const RequestContext& ctx, const json& in) { return s->GetBucketAcl(ctx, in); },
      "AccessControlPolicy"));
  ops.push_back(Spec("PutBucketAcl", [s](const RequestContext& ctx, const json& in) {
    return s->PutBucketAcl(ctx, in);
  }));
  ops.push_back(Spec(
      "GetObjectAcl",
      [s](const RequestContext& ctx, const json& in) { return s->GetObjectAcl(ctx, in); },
      "AccessControlPolicy"));
  ops.push_back(Spec("PutObjectAcl", [s](const RequestContext& ctx, const json& in) {
    return s->PutObjectAcl(ctx, in);
  }));
}

// ---- ACLs ----

json S3Service::OwnerWithAccount(std::string_view account_id) {
  json owner = OwnerJson(account_id);
  owner["AccountId"] = std::string(account_id);
  return owner;
}

Result<json> S3Service::BucketGrants(const Bucket& bucket) {
  GUREUM_TRY(auto stored, store_.GetConfig(bucket.name, "acl"));
  if (stored) {
    json grants = json::parse(*stored, nullptr, false);
    if (grants.is_array()) return grants;
  }
  json owner = OwnerWithAccount(bucket.account_id);
  return CannedGrants("private", owner, owner);
}

json S3Service::ObjectGrants(const Bucket& bucket, const ObjectRecord& object) {
  if (object.meta.contains("Grants")) return object.meta["Grants"];
  json owner = OwnerWithAccount(object.meta.value("OwnerAccount", bucket.account_id));
  return CannedGrants(object.meta.value("Acl", std::string("private")), owner,
                      OwnerWithAccount(bucket.account_id));
}

Result<json> S3Service::GrantsForWrite(const RequestContext& ctx, const json& in, const json& owner,
                                       const json& bucket_owner) {
  GUREUM_TRY(auto explicit_grants, GrantsFromRequest(in, accounts_));
  auto canned = OptStr(in, "ACL");
  if (canned && explicit_grants) {
    return Fail(
        errors::InvalidRequest("Specifying both Canned ACLs and Header Grants is not "
                               "allowed"));
  }
  if (explicit_grants) return *explicit_grants;
  if (canned) {
    if (!IsCannedAcl(*canned)) return Fail(errors::InvalidArgument("", "x-amz-acl", *canned));
    return CannedGrants(*canned, owner, bucket_owner);
  }
  (void)ctx;
  return Fail(
      errors::Make("MissingSecurityHeader", "Your request was missing a required header", 400)
          .With("MissingHeaderName", "x-amz-acl"));
}

Result<json> S3Service::GetBucketAcl(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  GUREUM_TRY(json grants, BucketGrants(bucket));
  bool owner = ctx.principal.account_id == bucket.account_id;
  if (!owner && !GrantsAllow(grants, ctx.principal.account_id,
                             ctx.principal.type != auth::PrincipalType::Anonymous, "READ_ACP")) {
    return Fail(errors::AccessDenied());
  }
  return json{{"Owner", OwnerJson(bucket.account_id)}, {"Grants", grants}};
}

Result<json> S3Service::PutBucketAcl(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  GUREUM_TRY(json current, BucketGrants(bucket));
  bool owner = ctx.principal.account_id == bucket.account_id;
  if (!owner && !GrantsAllow(current, ctx.principal.account_id,
                             ctx.principal.type != auth::PrincipalType::Anonymous, "WRITE_ACP")) {
    return Fail(errors::AccessDenied());
  }
  GUREUM_RETURN_IF_ERROR(CheckAclsAllowed(bucket, in));
  json bucket_owner = OwnerWithAccount(bucket.account_id);
  GUREUM_TRY(json grants, GrantsForWrite(ctx, in, bucket_owner, bucket_owner));
  GUREUM_RETURN_IF_ERROR(store_.PutConfig(bucket.name, "acl", grants.dump()));
  return json::object();
}

Result<ObjectRecord> S3Service::AclTarget(const RequestContext& ctx, const json& in,
                                          const Bucket& bucket, const char* permission,
                                          json& grants) {
  auto version = OptStr(in, "VersionId");
  GUREUM_TRY(ObjectRecord record,
             store_.GetObject(bucket.name, Str(in, "Key"),
                              version ? std::optional<std::string_view>(*version) : std::nullopt));
  if (record.delete_marker) return Fail(errors::NoSuchKey(record.key));
  grants = ObjectGrants(bucket, record);
  bool owner = ctx.principal.account_id == bucket.account_id;
  if (!owner && !GrantsAllow(grants, ctx.principal.account_id,
                             ctx.principal.type != auth::PrincipalType::Anonymous, permission)) {
    return Fail(errors::AccessDenied());
  }
  return record;
}

Result<json> S3Service::GetObjectAcl(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  json grants;
  GUREUM_TRY(ObjectRecord record, AclTarget(ctx, in, bucket, "READ_ACP", grants));
  json out = {{"Owner", OwnerJson(record.meta.value("OwnerAccount", bucket.account_id))},
              {"Grants", grants}};
  return out;
}

Result<json> S3Service::PutObjectAcl(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  json current;
  GUREUM_TRY(ObjectRecord record, AclTarget(ctx, in, bucket, "WRITE_ACP", current));
  GUREUM_RETURN_IF_ERROR(CheckAclsAllowed(bucket, in));
  json object_owner = OwnerWithAccount(record.meta.value("OwnerAccount", bucket.account_id));
  GUREUM_TRY(json grants,
             GrantsForWrite(ctx, in, object_owner, OwnerWithAccount(bucket.account_id)));
  json meta = record.meta;
  meta.erase("Acl");
  meta["Grants"] = grants;
  GUREUM_RETURN_IF_ERROR(store_.UpdateMeta(record, meta));
  return json::object();
}

namespace {

// BucketOwnerEnforced and BlockPublicAcls, for a request that asks for an ACL (canned `ACL`,
// x-amz-grant-* members or an AccessControlPolicy body).
Status CheckRequestedAcl(ObjectStore& store, auth::AccountStore& accounts, const Bucket& bucket,
                         const json& in) {
  // BucketOwnerEnforced disables ACLs: only bucket-owner-full-control is still accepted.
  GUREUM_TRY(auto ownership, store.GetConfig(bucket.name, "ownership"));
  if (ownership && ownership->find("BucketOwnerEnforced") != std::string::npos) {
    auto canned = OptStr(in, "ACL");
    if (!canned || *canned != "bucket-owner-full-control") {
      return Fail(
          errors::Make("AccessControlListNotSupported", "The bucket does not allow ACLs", 400));
    }
  }
  // BlockPublicAcls refuses ACLs that open the bucket or object to everyone.
  GUREUM_TRY(auto block, store.GetConfig(bucket.name, "public-access-block"));
  if (block) {
    json doc = json::parse(*block, nullptr, false);
    if (doc.is_object() && doc.value("BlockPublicAcls", false)) {
      auto canned = OptStr(in, "ACL");
      bool opens = canned && (*canned == "public-read" || *canned == "public-read-write" ||
                              *canned == "authenticated-read");
      GUREUM_TRY(auto grants, GrantsFromRequest(in, accounts));
      if (opens || (grants && GrantsArePublic(*grants))) return Fail(errors::AccessDenied());
    }
  }
  return Ok();
}

}  // namespace

Status S3Service::CheckAclsAllowed(const Bucket& bucket, const json& in) {
  return CheckRequestedAcl(store_, accounts_, bucket, in);
}

Result<std::optional<json>> WriteAclGrants(ObjectStore& store, auth::AccountStore& accounts,
                                           const Bucket& bucket, const json& in) {
  GUREUM_TRY(auto grants, GrantsFromRequest(in, accounts));
  if (!grants && !in.contains("ACL")) return std::optional<json>();
  if (grants && in.contains("ACL")) {
    return Fail(
        errors::InvalidRequest("Specifying both Canned ACLs and Header Grants is not "
                               "allowed"));
  }
  GUREUM_RETURN_IF_ERROR(CheckRequestedAcl(store, accounts, bucket, in));
  return grants;
}

}  // namespace gureum::s3
