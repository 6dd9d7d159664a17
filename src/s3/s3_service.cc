// S3's buckets, access rules shared by every handler, and the operation table.

#include "s3/s3_service.h"

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "protocol/xml_writer.h"
#include "s3/lifecycle.h"
#include "s3/s3_acl.h"
#include "s3/s3_errors.h"
#include "s3/s3_http.h"
#include "s3/s3_internal.h"

namespace gureum::s3 {

S3Service::S3Service(ObjectStore& store, auth::AccountStore& accounts,
                     auth::CredentialStore& credentials, std::string default_region,
                     SseSettings sse)
    : store_(store),
      accounts_(accounts),
      credentials_(credentials),
      default_region_(std::move(default_region)),
      sse_(std::move(sse)) {}

json S3Service::OwnerJson(std::string_view account_id) {
  auto account = accounts_.Find(account_id);
  if (!account) return json{{"ID", std::string(account_id)}};
  return json{{"ID", account->canonical_user_id}, {"DisplayName", account->name}};
}

Result<Bucket> S3Service::BucketFor(const RequestContext& ctx, std::string_view name, bool write) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(name));
  if (ctx.principal.account_id == bucket.account_id) return bucket;
  // Other accounts and anonymous callers: the bucket's ACL decides (bucket policies join this
  // decision with IAM enforcement), unless the public access block ignores public grants.
  GUREUM_TRY(json grants, BucketGrants(bucket));
  if (IgnoresPublicAcls(store_, name)) grants = WithoutPublicGrants(grants);
  bool authenticated = ctx.principal.type != auth::PrincipalType::Anonymous;
  if (!GrantsAllow(grants, ctx.principal.account_id, authenticated, write ? "WRITE" : "READ")) {
    return Fail(errors::AccessDenied());
  }
  return bucket;
}

bool CanReadObject(const RequestContext& ctx, const Bucket& bucket, const ObjectRecord& object) {
  if (ctx.principal.account_id == bucket.account_id) return true;
  bool authenticated = ctx.principal.type != auth::PrincipalType::Anonymous;
  std::string writer = object.meta.value("OwnerAccount", bucket.account_id);
  if (authenticated && writer == ctx.principal.account_id) return true;
  json grants;
  if (object.meta.contains("Grants")) {
    grants = object.meta["Grants"];
  } else {
    json owner = {{"AccountId", writer}};
    grants = CannedGrants(object.meta.value("Acl", std::string("private")), owner,
                          json{{"AccountId", bucket.account_id}});
  }
  return GrantsAllow(grants, ctx.principal.account_id, authenticated, "READ");
}

std::string Str(const json& in, const char* name) {
  auto it = in.find(name);
  return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::string> OptStr(const json& in, const char* name) {
  auto it = in.find(name);
  if (it == in.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string Quoted(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

// ---- Buckets ----

Result<json> S3Service::CreateBucket(const RequestContext& ctx, const json& in) {
  if (ctx.principal.type == auth::PrincipalType::Anonymous) return Fail(errors::AccessDenied());
  std::string name = Str(in, "Bucket");
  if (!IsValidBucketName(name)) return Fail(errors::InvalidBucketName(name));
  // The region signed for decides, as S3's regional endpoints do: outside us-east-1 the
  // constraint must name that region. us-east-1 (the global endpoint) takes any constraint.
  std::string endpoint_region = ctx.region.empty() ? default_region_ : ctx.region;
  std::string constraint;
  if (in.contains("CreateBucketConfiguration")) {
    constraint = Str(in["CreateBucketConfiguration"], "LocationConstraint");
  }
  if (constraint == "us-east-1") {
    return Fail(errors::Make("InvalidLocationConstraint",
                             "The specified location-constraint is not valid", 400)
                    .With("LocationConstraint", constraint));
  }
  std::string region = constraint.empty() ? "us-east-1" : constraint;
  if (endpoint_region != "us-east-1" && region != endpoint_region) {
    return Fail(errors::Make("IllegalLocationConstraintException",
                             constraint.empty()
                                 ? "The unspecified location constraint is incompatible for the "
                                   "region specific endpoint this request was sent to."
                                 : "The " + constraint +
                                       " location constraint is incompatible for the region "
                                       "specific endpoint this request was sent to.",
                             400));
  }
  Bucket bucket;
  bucket.name = name;
  bucket.account_id = ctx.principal.account_id;
  bucket.region = region;
  bucket.object_lock = in.value("ObjectLockEnabledForBucket", false);
  if (bucket.object_lock) bucket.versioning = "Enabled";  // Object Lock implies versioning
  auto created = store_.CreateBucket(bucket);
  if (!created) {
    // us-east-1 keeps its legacy answer: creating a bucket you own again succeeds.
    if (created.error().code() == "BucketAlreadyOwnedByYou" && region == "us-east-1") {
      return json{{"Location", "/" + name}};
    }
    return Fail(created.error());
  }
  GUREUM_TRY(auto explicit_grants, GrantsFromRequest(in, accounts_));
  if (explicit_grants || in.contains("ACL")) {
    json owner = OwnerWithAccount(bucket.account_id);
    GUREUM_TRY(json grants, GrantsForWrite(ctx, in, owner, owner));
    GUREUM_RETURN_IF_ERROR(store_.PutConfig(name, "acl", grants.dump()));
  }
  if (auto ownership = OptStr(in, "ObjectOwnership")) {
    json controls = {{"Rules", json::array({json{{"ObjectOwnership", *ownership}}})}};
    GUREUM_RETURN_IF_ERROR(store_.PutConfig(name, "ownership", controls.dump()));
  }
  return json{{"Location", "/" + name}};
}

Result<json> S3Service::DeleteBucket(const RequestContext& ctx, const json& in) {
  std::string name = Str(in, "Bucket");
  GUREUM_TRY(Bucket bucket, store_.GetBucket(name));
  if (ctx.principal.account_id != bucket.account_id) return Fail(errors::AccessDenied());
  GUREUM_RETURN_IF_ERROR(store_.DeleteBucket(name));
  return json::object();
}

Result<http::Response> S3Service::HeadBucket(const RequestContext& ctx, const json& in,
                                             const http::Request&, http::BodySource&) {
  GUREUM_TRY(Bucket found, store_.GetBucket(Str(in, "Bucket")));
  // S3 names the bucket's region even when it refuses access to it.
  auto bucket = BucketFor(ctx, found.name, false);
  if (!bucket) {
    AwsError error = bucket.error();
    error.WithHeader("x-amz-bucket-region", found.region);
    return Fail(std::move(error));
  }
  http::Response response;
  response.headers.Add("x-amz-bucket-region", bucket->region);
  response.headers.Add("x-amz-access-point-alias", "false");
  return response;
}

Result<json> S3Service::ListBuckets(const RequestContext& ctx, const json&) {
  if (ctx.principal.type == auth::PrincipalType::Anonymous) return Fail(errors::AccessDenied());
  GUREUM_TRY(auto buckets, store_.ListBuckets(ctx.principal.account_id));
  // Newer clients page and filter (max-buckets, prefix, continuation-token, bucket-region).
  std::string prefix, token, region_filter;
  int max_buckets = 10000;
  if (ctx.request != nullptr) {
    if (auto query = ParseQueryString(ctx.request->query, false)) {
      if (auto p = FindParam(*query, "prefix")) prefix = *p;
      if (auto t = FindParam(*query, "continuation-token")) token = *t;
      if (auto r = FindParam(*query, "bucket-region")) region_filter = *r;
      if (auto m = FindParam(*query, "max-buckets")) {
        max_buckets = std::atoi(std::string(*m).c_str());
        if (max_buckets < 1 || max_buckets > 10000) {
          return Fail(errors::InvalidArgument("Argument max-buckets must be between 1 and 10000",
                                              "max-buckets", *m));
        }
      }
    }
  }
  json list = json::array();
  std::string last;
  bool truncated = false;
  for (const auto& b : buckets) {
    if (!StartsWith(b.name, prefix) || (!token.empty() && b.name <= token)) continue;
    if (!region_filter.empty() && b.region != region_filter) continue;
    if (static_cast<int>(list.size()) == max_buckets) {
      truncated = true;
      break;
    }
    list.push_back(json{{"Name", b.name},
                        {"CreationDate", FormatIso8601(b.created, true)},
                        {"BucketRegion", b.region}});
    last = b.name;
  }
  json out = {{"Buckets", list}, {"Owner", OwnerJson(ctx.principal.account_id)}};
  if (truncated) out["ContinuationToken"] = last;
  if (!prefix.empty()) out["Prefix"] = prefix;
  return out;
}

Result<http::Response> S3Service::GetBucketLocation(const RequestContext& ctx, const json& in,
                                                    const http::Request&, http::BodySource&) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  if (ctx.principal.account_id != bucket.account_id) return Fail(errors::AccessDenied());
  // The region is the document's text; us-east-1 is an empty element (S3's legacy answer).
  protocol::XmlWriter w;
  w.Declaration();
  if (bucket.region == "us-east-1") {
    w.Raw("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>");
  } else {
    w.Open("LocationConstraint", "http://s3.amazonaws.com/doc/2006-03-01/");
    w.Text(bucket.region);
    w.Close("LocationConstraint");
  }
  http::Response response;
  response.headers.Add("Content-Type", "application/xml");
  response.body = w.Take();
  return response;
}

Result<json> S3Service::GetBucketVersioning(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), false));
  json out = json::object();
  if (!bucket.versioning.empty()) out["Status"] = bucket.versioning;
  return out;
}

Result<json> S3Service::PutBucketVersioning(const RequestContext& ctx, const json& in) {
  std::string name = Str(in, "Bucket");
  GUREUM_TRY(Bucket bucket, store_.GetBucket(name));
  if (ctx.principal.account_id != bucket.account_id) return Fail(errors::AccessDenied());
  std::string status = in.contains("VersioningConfiguration")
                           ? Str(in["VersioningConfiguration"], "Status")
                           : std::string();
  if (status != "Enabled" && status != "Suspended") return Fail(errors::MalformedXml());
  if (status == "Suspended" && bucket.object_lock) {
    return Fail(errors::Make("InvalidBucketState",
                             "An Object Lock configuration is present on this bucket, so the "
                             "versioning state cannot be changed.",
                             409));
  }
  GUREUM_RETURN_IF_ERROR(store_.SetVersioning(name, status));
  return json::object();
}

// ---- Registration ----

// Content-MD5 and x-amz-checksum-* of a buffered body (bucket configuration documents,
// DeleteObjects). Streamed bodies are checked as they are stored.
Status VerifyBodyDigests(const RequestContext& ctx, bool required) {
  if (ctx.request == nullptr) return Ok();
  const http::Headers& headers = ctx.request->headers;
  bool any = false;
  if (auto md5 = headers.Get("Content-MD5")) {
    any = true;
    auto raw = Base64Decode(Trim(*md5));
    if (!raw || raw->size() != 16) return Fail(errors::InvalidDigest());
    if (*raw != Md5(ctx.body)) {
      return Fail(
          errors::BadDigest("The Content-MD5 you specified did not match what we "
                            "received."));
    }
  }
  for (const auto& [name, value] : headers.entries()) {
    auto algorithm = ChecksumFromHeaderName(name);
    if (!algorithm) continue;
    any = true;
    if (ChecksumBase64(*algorithm, ctx.body) != Trim(value)) {
      return Fail(errors::BadDigest("The " + std::string(ChecksumAlgorithmName(*algorithm)) +
                                    " you specified did not match the calculated checksum."));
    }
  }
  if (required && !any) {
    return Fail(errors::InvalidRequest("Missing required header for this request: Content-MD5"));
  }
  return Ok();
}

namespace {

using service::OperationSpec;

template <class F>
OperationSpec Json(std::string name, F handler, std::string xml_root = {}) {
  OperationSpec spec;
  // DeleteObjects must carry an integrity check of its body (S3: Content-MD5 or a checksum).
  bool digest_required = name == "DeleteObjects";
  spec.name = std::move(name);
  spec.handler = [handler = std::move(handler), digest_required](const RequestContext& ctx,
                                                                 const json& in) -> Result<json> {
    GUREUM_RETURN_IF_ERROR(VerifyBodyDigests(ctx, digest_required));
    return handler(ctx, in);
  };
  spec.allow_anonymous = true;  // S3 decides per bucket and object (ACLs, policies)
  spec.xml_root = std::move(xml_root);
  return spec;
}

template <class F>
OperationSpec Raw(std::string name, F handler, bool streaming) {
  OperationSpec spec;
  spec.name = std::move(name);
  spec.raw_handler = std::move(handler);
  spec.allow_anonymous = true;
  spec.streaming_body = streaming;
  return spec;
}

}  // namespace

void RegisterS3(service::ServiceRegistry& registry, std::shared_ptr<S3Service> s3) {
  using namespace std::placeholders;
  S3Service* s = s3.get();
  auto json_op = [s](auto method) {
    return [s, method](const RequestContext& ctx, const json& in) { return (s->*method)(ctx, in); };
  };
  auto raw_op = [s](auto method) {
    return [s, method](const RequestContext& ctx, const json& in, const http::Request& request,
                       http::BodySource& body) { return (s->*method)(ctx, in, request, body); };
  };
  service::ServiceModule module;
  module.model_key = "s3";
  auto& ops = module.operations;
  ops.push_back(Json("CreateBucket", json_op(&S3Service::CreateBucket)));
  ops.push_back(Json("DeleteBucket", json_op(&S3Service::DeleteBucket)));
  ops.push_back(Raw("HeadBucket", raw_op(&S3Service::HeadBucket), false));
  ops.push_back(Json("ListBuckets", json_op(&S3Service::ListBuckets), "ListAllMyBucketsResult"));
  ops.push_back(Raw("GetBucketLocation", raw_op(&S3Service::GetBucketLocation), false));
  ops.push_back(Json("GetBucketVersioning", json_op(&S3Service::GetBucketVersioning),
                     "VersioningConfiguration"));
  ops.push_back(Json("PutBucketVersioning", json_op(&S3Service::PutBucketVersioning)));

  ops.push_back(Raw("PutObject", raw_op(&S3Service::PutObject), true));
  ops.push_back(Raw("GetObject", raw_op(&S3Service::GetObject), false));
  ops.push_back(Raw("HeadObject", raw_op(&S3Service::HeadObject), false));
  ops.push_back(Json("DeleteObject", json_op(&S3Service::DeleteObject)));
  ops.push_back(Json("DeleteObjects", json_op(&S3Service::DeleteObjects), "DeleteResult"));
  ops.push_back(Json("CopyObject", json_op(&S3Service::CopyObject)));
  ops.push_back(Json("GetObjectAttributes", json_op(&S3Service::GetObjectAttributes),
                     "GetObjectAttributesResponse"));
  ops.push_back(Json("GetObjectTagging", json_op(&S3Service::GetObjectTagging), "Tagging"));
  ops.push_back(Json("PutObjectTagging", json_op(&S3Service::PutObjectTagging)));
  ops.push_back(Json("DeleteObjectTagging", json_op(&S3Service::DeleteObjectTagging)));

  ops.push_back(Json("ListObjects", json_op(&S3Service::ListObjects), "ListBucketResult"));
  ops.push_back(Json("ListObjectsV2", json_op(&S3Service::ListObjectsV2), "ListBucketResult"));
  ops.push_back(
      Json("ListObjectVersions", json_op(&S3Service::ListObjectVersions), "ListVersionsResult"));

  ops.push_back(Json("CreateMultipartUpload", json_op(&S3Service::CreateMultipartUpload),
                     "InitiateMultipartUploadResult"));
  ops.push_back(Raw("UploadPart", raw_op(&S3Service::UploadPart), true));
  ops.push_back(Json("UploadPartCopy", json_op(&S3Service::UploadPartCopy)));
  ops.push_back(Json("CompleteMultipartUpload", json_op(&S3Service::CompleteMultipartUpload),
                     "CompleteMultipartUploadResult"));
  ops.push_back(Json("AbortMultipartUpload", json_op(&S3Service::AbortMultipartUpload)));
  ops.push_back(Json("ListParts", json_op(&S3Service::ListParts), "ListPartsResult"));
  ops.push_back(Json("ListMultipartUploads", json_op(&S3Service::ListMultipartUploads),
                     "ListMultipartUploadsResult"));

  AddConfigOperations(ops, s);
  ops.push_back(Json("GetObjectRetention", json_op(&S3Service::GetObjectRetention)));
  ops.push_back(Json("PutObjectRetention", json_op(&S3Service::PutObjectRetention)));
  ops.push_back(Json("GetObjectLegalHold", json_op(&S3Service::GetObjectLegalHold)));
  ops.push_back(Json("PutObjectLegalHold", json_op(&S3Service::PutObjectLegalHold)));
  ops.push_back(Raw("CorsPreflight", raw_op(&S3Service::CorsPreflight), false));
  ops.push_back(Raw("WebsiteRequest", raw_op(&S3Service::WebsiteRequest), false));
  ops.push_back(Raw("PostObject", raw_op(&S3Service::PostObject), true));
  // These can copy gigabytes or touch thousands of records in one request.
  for (auto& op : ops) {
    if (op.name == "CopyObject" || op.name == "UploadPartCopy" || op.name == "DeleteObjects" ||
        op.name == "CompleteMultipartUpload") {
      op.long_running = true;
    }
  }
  module.synthetic = [s](const http::Request& request, bool website) {
    return s->SyntheticOperation(request, website);
  };
  module.decorate = [s](const http::Request& request, std::string_view path,
                        http::Response& response) { s->DecorateCors(request, path, response); };

  auto lifecycle = std::make_shared<LifecycleEngine>(s3->store());
  module.tick = [lifecycle](Clock::TimePoint now) { lifecycle->Run(now); };
  module.reset = [s3]() { return s3->store().Reset(); };
  registry.Register(std::move(module));
}

}  // namespace gureum::s3
