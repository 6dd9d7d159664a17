// POST Object: browser form uploads authorised by a signed POST policy (SigV4 or SigV2), or
// anonymous uploads to buckets that allow them.

#include <pugixml.hpp>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

#include "auth/sigv4.h"
#include "s3/form_upload.h"
#include "s3/s3_errors.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"

namespace gureum::s3 {
namespace {

constexpr uint64_t kMaxPostSize = 5ull << 30;

std::string Field(const std::map<std::string, std::string>& fields, const char* name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

// The form's "tagging" field is a <Tagging> document.
Result<json> TagsFromXml(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return Fail(errors::MalformedXml());
  json tags = json::array();
  for (auto tag : doc.child("Tagging").child("TagSet").children("Tag")) {
    tags.push_back(json{{"Key", tag.child_value("Key")}, {"Value", tag.child_value("Value")}});
  }
  GUREUM_RETURN_IF_ERROR(ValidateTagSet(tags, 10));
  return tags;
}

}  // namespace

Result<auth::Principal> S3Service::PostPolicySigner(const std::map<std::string, std::string>& f,
                                                    const std::string& policy_b64,
                                                    const RequestContext& ctx) {
  auto mismatch = [] {
    return Fail(errors::Make("SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature "
                             "you provided. Check your key and signing method.",
                             403));
  };
  auto lookup = [&](const std::string& key) -> Result<auth::Credential> {
    auto credential = credentials_.Find(key);
    if (!credential || !credential->active) {
      return Fail(errors::Make("InvalidAccessKeyId",
                               "The AWS Access Key Id you provided does not exist in our records.",
                               403)
                      .With("AWSAccessKeyId", key));
    }
    if (credential->session_token &&
        Field(f, "x-amz-security-token") != *credential->session_token) {
      return Fail(errors::Make("InvalidToken",
                               "The provided token is malformed or otherwise "
                               "invalid.",
                               400));
    }
    if (credential->expiration && ctx.now >= *credential->expiration) {
      return Fail(errors::Make("ExpiredToken", "The provided token has expired.", 400));
    }
    return *credential;
  };
  if (f.count("x-amz-signature")) {
    if (Field(f, "x-amz-algorithm") != "AWS4-HMAC-SHA256") {
      return Fail(errors::InvalidArgument("Only AWS4-HMAC-SHA256 is supported", "x-amz-algorithm",
                                          Field(f, "x-amz-algorithm")));
    }
    auto parsed = auth::ParseCredential(Field(f, "x-amz-credential"));
    if (!parsed) {
      return Fail(errors::InvalidArgument("Invalid credential", "x-amz-credential",
                                          Field(f, "x-amz-credential")));
    }
    GUREUM_TRY(auth::Credential credential, lookup(parsed->first));
    auto key = auth::DeriveSigningKey(credential.secret_access_key, parsed->second);
    if (!ConstantTimeEquals(auth::SignString(key, policy_b64),
                            ToLower(Field(f, "x-amz-signature")))) {
      return mismatch();
    }
    auth::Principal p = credential.principal;
    p.access_key_id = credential.access_key_id;
    return p;
  }
  GUREUM_TRY(auth::Credential credential, lookup(Field(f, "awsaccesskeyid")));
  if (!ConstantTimeEquals(Base64Encode(HmacSha1(credential.secret_access_key, policy_b64)),
                          Field(f, "signature"))) {
    return mismatch();
  }
  auth::Principal p = credential.principal;
  p.access_key_id = credential.access_key_id;
  return p;
}

Result<http::Response> S3Service::PostObject(const RequestContext& ctx, const json& in,
                                             const http::Request& request, http::BodySource& body) {
  auto boundary = FormBoundary(request.headers.GetOr("Content-Type", ""));
  if (!boundary) {
    return Fail(errors::Make("PreconditionFailed",
                             "Bucket POST must be of the enclosure-type multipart/form-data", 412)
                    .With("Condition",
                          "Bucket POST must be of the enclosure-type "
                          "multipart/form-data"));
  }
  FormReader form(body, *boundary);
  GUREUM_RETURN_IF_ERROR(form.ReadFields());
  std::map<std::string, std::string> fields = form.fields();
  std::string bucket_name = Str(in, "Bucket");
  fields["bucket"] = bucket_name;
  if (!fields.count("key")) {
    return Fail(
        errors::InvalidArgument("Bucket POST must contain a field named 'key'.  If it is "
                                "specified, please check the order of the fields.",
                                "key", ""));
  }
  std::string key = fields["key"];
  if (size_t at = key.find("${filename}"); at != std::string::npos) {
    key.replace(at, 11, form.filename());
  }
  if (key.empty() || key.size() > 1024) return Fail(errors::KeyTooLong());

  // Who signed the policy (nobody, for anonymous uploads to public-write buckets).
  RequestContext caller = ctx;
  std::string policy_b64 = Field(fields, "policy");
  bool signed_form = fields.count("x-amz-signature") || fields.count("signature");
  if (signed_form) {
    if (policy_b64.empty()) {
      return Fail(
          errors::InvalidArgument("Bucket POST must contain a field named 'policy'", "policy", ""));
    }
    GUREUM_TRY(caller.principal, PostPolicySigner(fields, policy_b64, ctx));
  }
  if (!policy_b64.empty()) {
    auto text = Base64Decode(policy_b64);
    json policy = text ? json::parse(*text, nullptr, false) : json();
    if (policy.is_discarded() || !policy.is_object()) {
      return Fail(errors::InvalidArgument("Invalid Policy: Invalid JSON.", "policy", ""));
    }
    GUREUM_RETURN_IF_ERROR(CheckPostPolicy(policy, fields, ctx.now));
    caller.request = &request;
    caller.host = ctx.host;
    GUREUM_TRY(Bucket bucket, BucketFor(caller, bucket_name, true));
    return StoreFormUpload(caller, bucket, key, form, fields, &policy);
  }
  GUREUM_TRY(Bucket bucket, BucketFor(caller, bucket_name, true));
  return StoreFormUpload(caller, bucket, key, form, fields, nullptr);
}

Result<http::Response> S3Service::StoreFormUpload(const RequestContext& ctx, const Bucket& bucket,
                                                  const std::string& key, FormReader& form,
                                                  const std::map<std::string, std::string>& fields,
                                                  const json* policy) {
  // The form's fields play the part of PutObject's headers.
  json in = json::object();
  std::string content_type = Field(fields, "content-type");
  if (content_type.empty()) content_type = form.file_content_type();
  if (!content_type.empty()) in["ContentType"] = content_type;
  static const std::pair<const char*, const char*> kFields[] = {
      {"cache-control", "CacheControl"},
      {"content-disposition", "ContentDisposition"},
      {"content-encoding", "ContentEncoding"},
      {"content-language", "ContentLanguage"},
      {"x-amz-storage-class", "StorageClass"},
      {"acl", "ACL"},
      {"x-amz-website-redirect-location", "WebsiteRedirectLocation"},
      {"x-amz-server-side-encryption", "ServerSideEncryption"},
      {"x-amz-server-side-encryption-aws-kms-key-id", "SSEKMSKeyId"},
      {"x-amz-server-side-encryption-customer-algorithm", "SSECustomerAlgorithm"},
      {"x-amz-server-side-encryption-customer-key", "SSECustomerKey"},
      {"x-amz-server-side-encryption-customer-key-md5", "SSECustomerKeyMD5"}};
  for (const auto& [field, member] : kFields) {
    if (fields.count(field)) in[member] = fields.at(field);
  }
  json metadata = json::object();
  for (const auto& [name, value] : fields) {
    if (StartsWith(name, "x-amz-meta-")) metadata[name.substr(11)] = value;
  }
  if (!metadata.empty()) in["Metadata"] = metadata;
  GUREUM_TRY(json meta, MetaFromRequest(in, *ctx.request));
  GUREUM_TRY(auto customer, PrepareSse(meta, in, bucket));
  GUREUM_TRY(auto data_key, KeyForWrite(meta, customer, sse_));
  GUREUM_TRY(auto grants, WriteAclGrants(store_, accounts_, bucket, in));
  if (grants) meta["Grants"] = std::move(*grants);
  if (fields.count("expires")) meta["Expires"] = fields.at("expires");
  if (fields.count("tagging")) {
    GUREUM_TRY(json tags, TagsFromXml(fields.at("tagging")));
    if (!tags.empty()) meta["Tags"] = tags;
  }
  meta["OwnerAccount"] = ctx.principal.account_id;

  std::vector<ChecksumAlgorithm> algorithms;
  for (const auto& [name, value] : fields) {
    if (auto a = ChecksumFromHeaderName(name)) algorithms.push_back(*a);
  }
  GUREUM_TRY(Staged staged,
             store_.Stage(form.file(), algorithms, kMaxPostSize, data_key ? &*data_key : nullptr));
  form.DrainRest();
  if (policy) {
    if (auto size_ok = CheckPostPolicySize(*policy, staged.size); !size_ok) {
      store_.Discard(staged);
      return Fail(size_ok.error());
    }
  }
  for (const auto& [algorithm, digest] : staged.checksums) {
    if (Base64Encode(digest) != Field(fields, std::string(ChecksumHeaderName(algorithm)).c_str())) {
      store_.Discard(staged);
      return Fail(errors::BadDigest("The " + std::string(ChecksumAlgorithmName(algorithm)) +
                                    " you specified did not match the calculated checksum."));
    }
  }
  json checksum = ChecksumJson(staged, "FULL_OBJECT");
  if (!checksum.is_null()) meta["Checksum"] = checksum;
  ObjectRecord record;
  record.etag = HexEncode(staged.md5);
  record.storage_class = meta.value("StorageClass", std::string("STANDARD"));
  record.meta = std::move(meta);
  GUREUM_TRY(ObjectRecord committed,
             store_.CommitObject(bucket, key, std::move(staged), std::move(record), {}));

  std::string host = ctx.host.empty() ? "localhost" : ctx.host;
  std::string location = "http://" + host + "/" + bucket.name + "/" + UriEncode(key, false);
  http::Response response;
  response.headers.Add("ETag", Quoted(committed.etag));
  response.headers.Add("Location", location);
  AddSseHeaders(response.headers, committed.meta);
  if (!bucket.versioning.empty()) response.headers.Add("x-amz-version-id", committed.version_id);
  std::string redirect = Field(fields, "success_action_redirect");
  if (redirect.empty()) redirect = Field(fields, "redirect");
  if (!redirect.empty()) {
    response.status = 303;
    response.headers.Set(
        "Location", redirect + (redirect.find('?') == std::string::npos ? "?" : "&") +
                        "bucket=" + UriEncode(bucket.name, true) + "&key=" + UriEncode(key, true) +
                        "&etag=" + UriEncode(Quoted(committed.etag), true));
    return response;
  }
  std::string status = Field(fields, "success_action_status");
  if (status == "200") return response;
  if (status == "201") {
    response.status = 201;
    response.headers.Add("Content-Type", "application/xml");
    std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>";
    XmlEscapeAppend(xml, location);
    xml += "</Location><Bucket>";
    XmlEscapeAppend(xml, bucket.name);
    xml += "</Bucket><Key>";
    XmlEscapeAppend(xml, key);
    xml += "</Key><ETag>";
    XmlEscapeAppend(xml, Quoted(committed.etag));
    xml += "</ETag></PostResponse>";
    response.body = std::move(xml);
    return response;
  }
  response.status = 204;
  return response;
}

}  // namespace gureum::s3
