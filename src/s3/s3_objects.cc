// S3 objects: writes, reads (ranges, conditions, parts), deletes, copies, tags, attributes.

#include <algorithm>
#include <set>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_acl.h"
#include "s3/s3_errors.h"
#include "s3/s3_http.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"
#include "s3/s3_sse.h"

namespace gureum::s3 {
namespace {

constexpr uint64_t kMaxSinglePut = 5ull << 30;   // 5 GiB in one PUT
constexpr uint64_t kInMemoryLimit = 256 * 1024;  // smaller reads skip the streaming machinery
constexpr size_t kMaxKeyBytes = 1024;

const std::set<std::string>& StorageClasses() {
  static const std::set<std::string> classes = {
      "STANDARD",       "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
      "GLACIER",        "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
      "EXPRESS_ONEZONE"};
  return classes;
}

const std::set<std::string>& CannedAcls() {
  static const std::set<std::string> acls = {
      "private",       "public-read",       "public-read-write",        "authenticated-read",
      "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control"};
  return acls;
}

AwsError InvalidTag(std::string message) {
  return errors::Make("InvalidTag", std::move(message), 400);
}

Status CheckKey(std::string_view key) {
  if (key.size() > kMaxKeyBytes) return Fail(errors::KeyTooLong());
  return Ok();
}

std::optional<std::string_view> VersionParam(const json& in) {
  auto it = in.find("VersionId");
  if (it == in.end() || !it->is_string()) return std::nullopt;
  return std::string_view(it->get_ref<const std::string&>());
}

// The delete-marker answers: 404 NoSuchKey for the current version, 405 when addressed by id.
AwsError DeleteMarkerError(const ObjectRecord& r, bool by_version, std::string_view method) {
  AwsError e =
      by_version ? errors::MethodNotAllowed(method, "DeleteMarker") : errors::NoSuchKey(r.key);
  e.WithHeader("x-amz-delete-marker", "true");
  e.WithHeader("x-amz-version-id", r.version_id);
  return e;
}

}  // namespace

bool IgnoresPublicAcls(ObjectStore& store, std::string_view bucket) {
  auto block = store.GetConfig(bucket, "public-access-block");
  if (!block || !*block) return false;
  json doc = json::parse(**block, nullptr, false);
  return doc.is_object() && doc.value("IgnorePublicAcls", false);
}

json DefaultEncryptionRule(ObjectStore& store, std::string_view bucket) {
  auto config = store.GetConfig(bucket, "encryption");
  if (!config || !*config) return nullptr;
  json doc = json::parse(**config, nullptr, false);
  if (!doc.is_object() || !doc.contains("Rules") || !doc["Rules"].is_array()) return nullptr;
  for (const auto& rule : doc["Rules"]) {
    if (rule.contains("ApplyServerSideEncryptionByDefault")) {
      return rule["ApplyServerSideEncryptionByDefault"];
    }
  }
  return nullptr;
}

Result<std::optional<CustomerKey>> S3Service::PrepareSse(json& meta, const json& in,
                                                         const Bucket& bucket) {
  GUREUM_TRY(auto customer, CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Write));
  GUREUM_RETURN_IF_ERROR(
      ApplySse(meta, in, customer, sse_, DefaultEncryptionRule(store_, bucket.name)));
  return customer;
}

bool CanReadObjectAcl(ObjectStore& store, const service::RequestContext& ctx, const Bucket& bucket,
                      const ObjectRecord& object) {
  if (!CanReadObject(ctx, bucket, object)) return false;
  if (ctx.principal.account_id == bucket.account_id) return true;
  if (!IgnoresPublicAcls(store, bucket.name)) return true;
  // Decide again without the public grants.
  bool authenticated = ctx.principal.type != auth::PrincipalType::Anonymous;
  std::string writer = object.meta.value("OwnerAccount", bucket.account_id);
  if (authenticated && writer == ctx.principal.account_id) return true;
  json grants =
      object.meta.contains("Grants")
          ? object.meta["Grants"]
          : CannedGrants(object.meta.value("Acl", std::string("private")),
                         json{{"AccountId", writer}}, json{{"AccountId", bucket.account_id}});
  return GrantsAllow(WithoutPublicGrants(grants), ctx.principal.account_id, authenticated, "READ");
}

namespace {

// Reads the object the request addresses, enforcing read access and delete-marker rules.
Result<ObjectRecord> ReadableObject(ObjectStore& store, const service::RequestContext& ctx,
                                    const Bucket& bucket, std::string_view key,
                                    std::optional<std::string_view> version,
                                    std::string_view method) {
  GUREUM_TRY(ObjectRecord record, store.GetObject(bucket.name, key, version));
  if (!CanReadObjectAcl(store, ctx, bucket, record)) {
    // A bucket policy may open the object to everyone.
    GUREUM_TRY(auto policy, store.GetConfig(bucket.name, "policy"));
    if (!policy || !PolicyAllowsAnonymous(*policy, "s3:GetObject",
                                          "arn:aws:s3:::" + bucket.name + "/" + record.key)) {
      return Fail(errors::AccessDenied());
    }
  }
  if (record.delete_marker) return Fail(DeleteMarkerError(record, version.has_value(), method));
  return record;
}

// Content-MD5, or a checksum sent as a header or announced as a trailer.
bool HasBodyDigest(const http::Request& request) {
  if (request.headers.Has("Content-MD5")) return true;
  for (const auto& [name, value] : request.headers.entries()) {
    if (ChecksumFromHeaderName(name)) return true;
  }
  auto trailer = request.headers.Get("x-amz-trailer");
  return trailer && ChecksumFromHeaderName(Trim(*trailer)).has_value();
}

// Object Lock protects versions addressed by id; deleting without one only adds a marker.
Status CheckDeleteAllowed(ObjectStore& store, const service::RequestContext& ctx,
                          const Bucket& bucket, std::string_view key,
                          std::optional<std::string_view> version) {
  if (!bucket.object_lock || !version) return Ok();
  auto record = store.GetObject(bucket.name, key, version);
  if (!record) return Ok();  // deleting what is not there succeeds
  bool bypass =
      ctx.request != nullptr &&
      EqualsIgnoreCase(ctx.request->headers.GetOr("x-amz-bypass-governance-retention", ""), "true");
  return CheckObjectLock(*record, bypass, ctx.now);
}

}  // namespace

// ---- Helpers shared with the multipart handlers ----

Status ApplyObjectLock(ObjectStore& store, const Bucket& bucket, json& meta, SystemTime now) {
  bool asked = meta.contains("ObjectLockMode") || meta.contains("ObjectLockRetainUntilDate") ||
               meta.contains("ObjectLockLegalHoldStatus");
  if (!bucket.object_lock) {
    if (asked) return Fail(errors::InvalidRequest("Bucket is missing Object Lock Configuration"));
    return Ok();
  }
  if (meta.contains("ObjectLockMode") != meta.contains("ObjectLockRetainUntilDate")) {
    return Fail(
        errors::InvalidArgument("x-amz-object-lock-retain-until-date and "
                                "x-amz-object-lock-mode must both be supplied"));
  }
  if (meta.contains("ObjectLockMode")) return Ok();
  // The bucket's default retention applies to versions written without their own.
  GUREUM_TRY(auto config, store.GetConfig(bucket.name, "object-lock"));
  if (!config) return Ok();
  json rule = json::parse(*config, nullptr, false).value("Rule", json::object());
  const json& retention = rule.value("DefaultRetention", json::object());
  if (!retention.contains("Mode")) return Ok();
  int64_t days = retention.contains("Days") ? retention["Days"].get<int64_t>()
                                            : retention.value("Years", int64_t{0}) * 365;
  meta["ObjectLockMode"] = retention["Mode"];
  meta["ObjectLockRetainUntilDate"] = FormatIso8601(now + std::chrono::hours(24 * days), true);
  return Ok();
}

std::vector<ChecksumAlgorithm> RequestedChecksums(const http::Request& request,
                                                  std::optional<ChecksumAlgorithm> also) {
  std::vector<ChecksumAlgorithm> out;
  auto add = [&](ChecksumAlgorithm a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  };
  if (also) add(*also);
  for (const auto& [name, value] : request.headers.entries()) {
    if (auto a = ChecksumFromHeaderName(name)) add(*a);
  }
  for (const char* header : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
    if (auto v = request.headers.Get(header)) {
      if (auto a = ParseChecksumAlgorithm(*v)) add(*a);
    }
  }
  if (auto trailer = request.headers.Get("x-amz-trailer")) {
    if (auto a = ChecksumFromHeaderName(Trim(*trailer))) add(*a);
  }
  return out;
}

Status VerifyDigests(const http::Request& request, const Staged& staged) {
  if (auto md5 = request.headers.Get("Content-MD5")) {
    auto raw = Base64Decode(Trim(*md5));
    if (!raw || raw->size() != 16) return Fail(errors::InvalidDigest());
    if (*raw != staged.md5) {
      return Fail(errors::BadDigest("The Content-MD5 you specified did not match what we "
                                    "received.")
                      .With("ExpectedDigest", std::string(Trim(*md5)))
                      .With("CalculatedDigest", Base64Encode(staged.md5)));
    }
  }
  for (const auto& [algorithm, digest] : staged.checksums) {
    auto sent = request.headers.Get(ChecksumHeaderName(algorithm));
    if (!sent) continue;
    // A value that is no digest of this algorithm at all is a bad header, not a mismatch.
    auto raw = Base64Decode(Trim(*sent));
    if (!raw || raw->size() != digest.size()) {
      return Fail(errors::InvalidRequest("Value for " + std::string(ChecksumHeaderName(algorithm)) +
                                         " header is invalid."));
    }
    if (*raw != digest) {
      return Fail(errors::BadDigest("The " + std::string(ChecksumAlgorithmName(algorithm)) +
                                    " you specified did not match the calculated checksum."));
    }
  }
  return Ok();
}

json ChecksumJson(const Staged& staged, std::string_view type) {
  if (staged.checksums.empty()) return json();
  const auto& [algorithm, digest] = *staged.checksums.begin();
  return json{{"Algorithm", ChecksumAlgorithmName(algorithm)},
              {"Value", Base64Encode(digest)},
              {"Type", type}};
}

Status ValidateTagSet(const json& tag_set, size_t max_tags) {
  if (!tag_set.is_array()) return Fail(errors::MalformedXml());
  if (tag_set.size() > max_tags) {
    return Fail(errors::Make(
        "BadRequest", "Object tags cannot be greater than " + std::to_string(max_tags), 400));
  }
  std::set<std::string> keys;
  for (const auto& tag : tag_set) {
    std::string key = Str(tag, "Key");
    std::string value = Str(tag, "Value");
    if (key.empty() || key.size() > 128) {
      return Fail(InvalidTag("The TagKey you have provided is invalid"));
    }
    if (value.size() > 256) return Fail(InvalidTag("The TagValue you have provided is invalid"));
    if (!keys.insert(key).second) {
      return Fail(InvalidTag("Cannot provide multiple Tags with the same key"));
    }
  }
  return Ok();
}

Result<json> ParseTaggingHeader(std::string_view header) {
  auto params = ParseQueryString(header, true);
  if (!params) return Fail(InvalidTag("The x-amz-tagging header is not valid URL encoding"));
  json tag_set = json::array();
  for (const auto& [k, v] : *params) tag_set.push_back(json{{"Key", k}, {"Value", v}});
  GUREUM_RETURN_IF_ERROR(ValidateTagSet(tag_set, 10));
  return tag_set;
}

Result<json> MetaFromRequest(const json& in, const http::Request& request) {
  json meta = json::object();
  meta["ContentType"] = in.value("ContentType", std::string("binary/octet-stream"));
  for (const char* name :
       {"CacheControl", "ContentDisposition", "ContentLanguage", "WebsiteRedirectLocation"}) {
    if (auto v = OptStr(in, name)) meta[name] = *v;
  }
  // aws-chunked is the transfer's encoding, not the object's.
  if (auto encoding = OptStr(in, "ContentEncoding")) {
    std::string kept;
    size_t pos = 0;
    while (pos <= encoding->size()) {
      size_t comma = encoding->find(',', pos);
      if (comma == std::string::npos) comma = encoding->size();
      std::string_view item = Trim(std::string_view(*encoding).substr(pos, comma - pos));
      if (!item.empty() && item != "aws-chunked") {
        if (!kept.empty()) kept += ",";
        kept += item;
      }
      pos = comma + 1;
    }
    if (!kept.empty()) meta["ContentEncoding"] = kept;
  }
  // Expires is kept as sent: S3 stores and returns the header's text.
  if (auto expires = request.headers.Get("Expires")) meta["Expires"] = std::string(*expires);
  if (in.contains("Metadata") && in["Metadata"].is_object() && !in["Metadata"].empty()) {
    meta["Metadata"] = in["Metadata"];
    size_t bytes = 0;
    for (auto& [k, v] : in["Metadata"].items()) bytes += k.size() + v.get<std::string>().size();
    if (bytes > 2048) {
      return Fail(errors::Make("MetadataTooLarge",
                               "Your metadata headers exceed the maximum allowed metadata size",
                               400)
                      .With("Size", std::to_string(bytes))
                      .With("MaxSizeAllowed", "2048"));
    }
  }
  if (auto storage_class = OptStr(in, "StorageClass")) {
    if (StorageClasses().count(*storage_class) == 0) {
      return Fail(
          errors::Make("InvalidStorageClass", "The storage class you specified is not valid", 400)
              .With("StorageClassRequested", *storage_class));
    }
    meta["StorageClass"] = *storage_class;
  }
  if (auto acl = OptStr(in, "ACL")) {
    if (CannedAcls().count(*acl) == 0) {
      return Fail(errors::InvalidArgument("", "x-amz-acl", *acl));
    }
    meta["Acl"] = *acl;
  }
  if (auto tagging = OptStr(in, "Tagging")) {
    GUREUM_TRY(json tags, ParseTaggingHeader(*tagging));
    if (!tags.empty()) meta["Tags"] = tags;
  }
  for (const char* name :
       {"ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus"}) {
    if (auto v = OptStr(in, name)) meta[name] = *v;
  }
  return meta;
}

void AddObjectHeaders(http::Response& response, const ObjectRecord& record, const Bucket& bucket,
                      bool checksum_mode) {
  const json& m = record.meta;
  auto& h = response.headers;
  h.Add("Last-Modified", FormatHttpDate(record.last_modified));
  h.Add("ETag", Quoted(record.etag));
  h.Add("Accept-Ranges", "bytes");
  h.Add("Content-Type", m.value("ContentType", std::string("binary/octet-stream")));
  static const std::pair<const char*, const char*> kHeaders[] = {
      {"CacheControl", "Cache-Control"},
      {"ContentDisposition", "Content-Disposition"},
      {"ContentEncoding", "Content-Encoding"},
      {"ContentLanguage", "Content-Language"},
      {"Expires", "Expires"},
      {"WebsiteRedirectLocation", "x-amz-website-redirect-location"},
      {"ObjectLockMode", "x-amz-object-lock-mode"},
      {"ObjectLockRetainUntilDate", "x-amz-object-lock-retain-until-date"},
      {"ObjectLockLegalHoldStatus", "x-amz-object-lock-legal-hold"},
  };
  for (const auto& [member, header] : kHeaders) {
    if (m.contains(member) && m[member].is_string()) h.Add(header, m[member].get<std::string>());
  }
  if (m.contains("Metadata") && m["Metadata"].is_object()) {
    for (auto& [k, v] : m["Metadata"].items()) h.Add("x-amz-meta-" + k, v.get<std::string>());
  }
  AddSseHeaders(h, m);
  if (record.storage_class != "STANDARD") h.Add("x-amz-storage-class", record.storage_class);
  if (!bucket.versioning.empty()) h.Add("x-amz-version-id", record.version_id);
  if (m.contains("Tags") && m["Tags"].is_array() && !m["Tags"].empty()) {
    h.Add("x-amz-tagging-count", std::to_string(m["Tags"].size()));
  }
  if (checksum_mode && m.contains("Checksum") && m["Checksum"].is_object()) {
    const json& c = m["Checksum"];
    auto algorithm = ParseChecksumAlgorithm(c.value("Algorithm", std::string()));
    if (algorithm) {
      h.Add(std::string(ChecksumHeaderName(*algorithm)), c.value("Value", std::string()));
      h.Add("x-amz-checksum-type", c.value("Type", std::string("FULL_OBJECT")));
    }
  }
}

// ---- Writes ----

Result<http::Response> S3Service::PutObject(const RequestContext& ctx, const json& in,
                                            const http::Request& request, http::BodySource& body) {
  std::string key = Str(in, "Key");
  GUREUM_RETURN_IF_ERROR(CheckKey(key));
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  if (!request.content_length && !request.chunked_transfer) {
    return Fail(errors::MissingContentLength());
  }
  GUREUM_TRY(json meta, MetaFromRequest(in, request));
  GUREUM_TRY(auto customer, PrepareSse(meta, in, bucket));
  GUREUM_TRY(auto data_key, KeyForWrite(meta, customer, sse_));
  GUREUM_TRY(auto grants, WriteAclGrants(store_, accounts_, bucket, in));
  if (grants) meta["Grants"] = std::move(*grants);
  meta["OwnerAccount"] = ctx.principal.account_id;
  GUREUM_RETURN_IF_ERROR(ApplyObjectLock(store_, bucket, meta, ctx.now));
  // A version that Object Lock will protect (its own headers or the bucket's default retention)
  // must arrive with an integrity check of its body.
  if ((meta.contains("ObjectLockMode") || meta.contains("ObjectLockLegalHoldStatus")) &&
      !HasBodyDigest(request)) {
    return Fail(
        errors::InvalidRequest("Content-MD5 OR x-amz-checksum- HTTP header is required for Put "
                               "Object requests with Object Lock parameters"));
  }

  GUREUM_TRY(Staged staged, store_.Stage(body, RequestedChecksums(request, std::nullopt),
                                         kMaxSinglePut, data_key ? &*data_key : nullptr));
  if (auto digests = VerifyDigests(request, staged); !digests) {
    store_.Discard(staged);
    return Fail(digests.error());
  }
  json checksum = ChecksumJson(staged, "FULL_OBJECT");
  if (!checksum.is_null()) meta["Checksum"] = checksum;

  ObjectRecord record;
  record.etag = HexEncode(staged.md5);
  record.meta = std::move(meta);
  record.storage_class = record.meta.value("StorageClass", std::string("STANDARD"));
  WriteConditions conditions;
  if (auto v = request.headers.Get("If-None-Match")) {
    if (Trim(*v) != "*") {
      store_.Discard(staged);
      return Fail(errors::Make("NotImplemented",
                               "A header you provided implies functionality that is not "
                               "implemented",
                               501)
                      .With("Header", "If-None-Match"));
    }
    conditions.if_none_match = "*";
  }
  if (auto v = request.headers.Get("If-Match")) conditions.if_match = std::string(*v);

  GUREUM_TRY(ObjectRecord committed,
             store_.CommitObject(bucket, key, std::move(staged), std::move(record), conditions));
  http::Response response;
  response.headers.Add("ETag", Quoted(committed.etag));
  AddSseHeaders(response.headers, committed.meta);
  if (!bucket.versioning.empty()) response.headers.Add("x-amz-version-id", committed.version_id);
  if (!checksum.is_null()) {
    auto algorithm = ParseChecksumAlgorithm(checksum["Algorithm"].get<std::string>());
    response.headers.Add(std::string(ChecksumHeaderName(*algorithm)),
                         checksum["Value"].get<std::string>());
    response.headers.Add("x-amz-checksum-type", "FULL_OBJECT");
  }
  return response;
}

// ---- Reads ----

namespace {

// The response-* query parameters of GET and HEAD and the headers they override.
constexpr std::pair<const char*, const char*> kResponseOverrides[] = {
    {"ResponseContentType", "Content-Type"},
    {"ResponseContentLanguage", "Content-Language"},
    {"ResponseExpires", "Expires"},
    {"ResponseCacheControl", "Cache-Control"},
    {"ResponseContentDisposition", "Content-Disposition"},
    {"ResponseContentEncoding", "Content-Encoding"},
};

// GET and HEAD share everything but the body.
Result<http::Response> ServeObject(S3Service& s3, ObjectStore& store,
                                   const service::RequestContext& ctx, const json& in,
                                   const http::Request& request, const Bucket& bucket, bool head) {
  std::string key = Str(in, "Key");
  auto version = VersionParam(in);
  std::string_view method = head ? "HEAD" : "GET";
  if (ctx.principal.type == auth::PrincipalType::Anonymous) {
    for (const auto& [member, header] : kResponseOverrides) {
      if (in.contains(member)) {
        return Fail(errors::InvalidRequest(
            "Request specific response headers cannot be used for anonymous GET requests."));
      }
    }
  }
  GUREUM_TRY(auto customer, CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Read));
  // An overwrite may remove the files of the version just read: read it again then.
  for (int attempt = 0;; ++attempt) {
    GUREUM_TRY(ObjectRecord record, ReadableObject(store, ctx, bucket, key, version, method));
    GUREUM_TRY(auto data_key, KeyForRead(record.meta, customer, s3.sse()));
    const DataKey* key_ptr = data_key ? &*data_key : nullptr;
    if (auto conditions =
            CheckReadConditions(request.headers, "", record.etag, record.last_modified);
        !conditions) {
      AwsError error = conditions.error();
      // 304 still describes the object it stands for.
      if (error.http_status() == 304) {
        error.WithHeader("ETag", Quoted(record.etag));
        error.WithHeader("Last-Modified", FormatHttpDate(record.last_modified));
      }
      return Fail(std::move(error));
    }
    if (in.contains("PartNumber") && request.headers.Get("Range")) {
      return Fail(errors::InvalidRequest(
          "Cannot specify both Range header and partNumber query parameter"));
    }

    uint64_t offset = 0, length = record.size;
    bool partial = false;
    int parts_count = 0;
    if (in.contains("PartNumber")) {
      int64_t part = in["PartNumber"].get<int64_t>();
      const json& sizes =
          record.meta.contains("PartSizes") ? record.meta["PartSizes"] : json::array();
      parts_count = sizes.empty() ? 1 : static_cast<int>(sizes.size());
      if (part < 1 || part > parts_count) {
        return Fail(errors::Make("InvalidPartNumber",
                                 "The requested partnumber is not "
                                 "satisfiable",
                                 416)
                        .With("PartNumberRequested", std::to_string(part))
                        .With("ActualPartCount", std::to_string(parts_count)));
      }
      if (!sizes.empty()) {
        for (int64_t i = 0; i < part - 1; ++i) offset += sizes[i]["Size"].get<uint64_t>();
        length = sizes[part - 1]["Size"].get<uint64_t>();
        partial = true;
      }
    } else if (auto range_header = request.headers.Get("Range")) {
      GUREUM_TRY(auto range, ParseRange(*range_header, record.size));
      if (range) {
        offset = range->start;
        length = range->length;
        partial = true;
      }
    }

    http::Response response;
    bool checksum_mode =
        EqualsIgnoreCase(request.headers.GetOr("x-amz-checksum-mode", ""), "ENABLED") && !partial;
    AddObjectHeaders(response, record, bucket, checksum_mode);
    if (parts_count > 0) response.headers.Add("x-amz-mp-parts-count", std::to_string(parts_count));
    if (partial) {
      response.status = 206;
      response.headers.Add("Content-Range", "bytes " + std::to_string(offset) + "-" +
                                                std::to_string(offset + length - 1) + "/" +
                                                std::to_string(record.size));
    }
    // response-* query parameters override the stored headers.
    for (const auto& [member, header] : kResponseOverrides) {
      if (!in.contains(member) || !in[member].is_string()) continue;
      std::string value = in[member].get<std::string>();
      // response-expires is decoded as a timestamp (ISO 8601 here); the header is an HTTP date.
      if (header == std::string_view("Expires")) {
        if (auto t = ParseIso8601(value)) value = FormatHttpDate(*t);
      }
      response.headers.Set(header, value);
    }
    if (head) {
      response.content_length_override = length;
      return response;
    }
    if (length <= kInMemoryLimit) {
      auto data = store.Read(record, offset, length, key_ptr);
      if (!data && attempt < 2) continue;
      if (!data) return Fail(data.error());
      response.body = std::move(*data);
      return response;
    }
    auto reader = store.Open(record, offset, length, key_ptr);
    if (!reader) {
      if (attempt < 2) continue;
      return Fail(ErrorCode::InternalError, "the object changed while being read");
    }
    response.stream = std::move(reader);
    response.stream_length = length;
    return response;
  }
}

}  // namespace

Result<http::Response> S3Service::GetObject(const RequestContext& ctx, const json& in,
                                            const http::Request& request, http::BodySource&) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  return ServeObject(*this, store_, ctx, in, request, bucket, false);
}

Result<http::Response> S3Service::HeadObject(const RequestContext& ctx, const json& in,
                                             const http::Request& request, http::BodySource&) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  return ServeObject(*this, store_, ctx, in, request, bucket, true);
}

// ---- Deletes ----

Result<json> S3Service::DeleteObject(const RequestContext& ctx, const json& in) {
  std::string key = Str(in, "Key");
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  GUREUM_RETURN_IF_ERROR(CheckDeleteAllowed(store_, ctx, bucket, key, VersionParam(in)));
  GUREUM_TRY(DeleteOutcome outcome, store_.DeleteObject(bucket, key, VersionParam(in)));
  json out = json::object();
  if (outcome.delete_marker) out["DeleteMarker"] = true;
  if (!outcome.version_id.empty() && !bucket.versioning.empty()) {
    out["VersionId"] = outcome.version_id;
  }
  return out;
}

Result<json> S3Service::DeleteObjects(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  const json& request = in.contains("Delete") ? in["Delete"] : json::object();
  if (!request.contains("Objects") || !request["Objects"].is_array()) {
    return Fail(errors::MalformedXml());
  }
  const json& objects = request["Objects"];
  if (objects.size() > 1000) return Fail(errors::MalformedXml());
  bool quiet = request.value("Quiet", false);
  json deleted = json::array();
  json failed = json::array();
  for (const auto& item : objects) {
    std::string key = Str(item, "Key");
    auto version = OptStr(item, "VersionId");
    std::optional<std::string_view> version_view;
    if (version) version_view = *version;
    Result<DeleteOutcome> outcome = Fail(errors::AccessDenied());
    if (auto allowed = CheckDeleteAllowed(store_, ctx, bucket, key, version_view); !allowed) {
      outcome = Fail(allowed.error());
    } else {
      outcome = store_.DeleteObject(bucket, key, version_view);
    }
    if (!outcome) {
      json error = {
          {"Key", key}, {"Code", outcome.error().code()}, {"Message", outcome.error().message()}};
      if (version) error["VersionId"] = *version;
      failed.push_back(error);
      continue;
    }
    if (quiet) continue;
    json entry = {{"Key", key}};
    if (version) entry["VersionId"] = *version;
    if (outcome->delete_marker) {
      // The marker created, or the one removed by version (S3 names it in both fields).
      entry["DeleteMarker"] = true;
      entry["DeleteMarkerVersionId"] = outcome->version_id;
    }
    deleted.push_back(entry);
  }
  json out = json::object();
  if (!deleted.empty()) out["Deleted"] = deleted;
  if (!failed.empty()) out["Errors"] = failed;
  return out;
}

// ---- Copies ----

Result<json> S3Service::CopyObject(const RequestContext& ctx, const json& in) {
  std::string key = Str(in, "Key");
  GUREUM_RETURN_IF_ERROR(CheckKey(key));
  GUREUM_TRY(CopySource source, ParseCopySource(Str(in, "CopySource")));
  GUREUM_TRY(Bucket source_bucket, BucketFor(ctx, source.bucket, false));
  std::optional<std::string_view> source_version;
  if (source.version_id) source_version = *source.version_id;
  auto found = store_.GetObject(source_bucket.name, source.key, source_version);
  if (!found) return Fail(found.error());
  ObjectRecord src = std::move(*found);
  if (!CanReadObjectAcl(store_, ctx, source_bucket, src)) return Fail(errors::AccessDenied());
  if (src.delete_marker) {
    if (source_version) {
      return Fail(
          errors::InvalidRequest("The source of a copy request may not specifically "
                                 "refer to a delete marker by version id."));
    }
    return Fail(errors::NoSuchKey(source.key));
  }
  GUREUM_TRY(auto source_customer, CustomerKeyFrom(in, KeyHeaders::CopySource, KeyUse::Read));
  GUREUM_TRY(auto source_key, KeyForRead(src.meta, source_customer, sse_));
  GUREUM_RETURN_IF_ERROR(
      CheckReadConditions(ctx.request->headers, "x-amz-copy-source-", src.etag, src.last_modified));
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));

  std::string directive = in.value("MetadataDirective", std::string("COPY"));
  std::string tagging_directive = in.value("TaggingDirective", std::string("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return Fail(errors::InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive",
                                        directive));
  }
  json meta;
  if (directive == "REPLACE") {
    GUREUM_TRY(meta, MetaFromRequest(in, *ctx.request));
  } else {
    meta = src.meta;
    meta.erase("PartSizes");
    meta.erase("Acl");
    meta.erase("Grants");
    meta.erase("Checksum");
    for (const char* name : {"StorageClass", "WebsiteRedirectLocation"}) {
      if (auto v = OptStr(in, name)) meta[name] = *v;
    }
    if (auto acl = OptStr(in, "ACL")) meta["Acl"] = *acl;
  }
  if (tagging_directive == "REPLACE") {
    meta.erase("Tags");
    if (auto tagging = OptStr(in, "Tagging")) {
      GUREUM_TRY(json tags, ParseTaggingHeader(*tagging));
      if (!tags.empty()) meta["Tags"] = tags;
    }
  } else if (src.meta.contains("Tags")) {
    meta["Tags"] = src.meta["Tags"];
  }
  bool same_object = source_bucket.name == bucket.name && source.key == key && !source_version;
  bool changes = directive == "REPLACE" || in.contains("StorageClass") ||
                 in.contains("WebsiteRedirectLocation") || in.contains("ServerSideEncryption") ||
                 in.contains("SSECustomerAlgorithm");
  if (same_object && !changes) {
    return Fail(errors::InvalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or encryption "
        "attributes."));
  }
  // The copy is encrypted as this request (or the destination bucket's default) says, whatever
  // protected the source.
  GUREUM_TRY(auto customer, PrepareSse(meta, in, bucket));
  GUREUM_TRY(auto data_key, KeyForWrite(meta, customer, sse_));
  GUREUM_TRY(auto grants, WriteAclGrants(store_, accounts_, bucket, in));
  if (grants) meta["Grants"] = std::move(*grants);
  meta["OwnerAccount"] = ctx.principal.account_id;
  GUREUM_RETURN_IF_ERROR(ApplyObjectLock(store_, bucket, meta, ctx.now));

  // The copy keeps the source's checksum algorithm unless the request names another.
  std::optional<ChecksumAlgorithm> algorithm;
  if (auto requested = OptStr(in, "ChecksumAlgorithm")) {
    algorithm = ParseChecksumAlgorithm(*requested);
  } else if (src.meta.contains("Checksum")) {
    algorithm = ParseChecksumAlgorithm(src.meta["Checksum"].value("Algorithm", std::string()));
  }
  std::vector<ChecksumAlgorithm> algorithms;
  if (algorithm) algorithms.push_back(*algorithm);
  GUREUM_TRY(Staged staged,
             store_.StageCopy(src, 0, src.size, algorithms, source_key ? &*source_key : nullptr,
                              data_key ? &*data_key : nullptr));
  json checksum = ChecksumJson(staged, "FULL_OBJECT");
  if (!checksum.is_null()) meta["Checksum"] = checksum;
  ObjectRecord record;
  record.etag = HexEncode(staged.md5);
  record.storage_class = meta.value("StorageClass", std::string("STANDARD"));
  record.meta = std::move(meta);
  GUREUM_TRY(ObjectRecord committed,
             store_.CommitObject(bucket, key, std::move(staged), std::move(record), {}));
  json result = {{"ETag", Quoted(committed.etag)},
                 {"LastModified", FormatIso8601(committed.last_modified, true)}};
  if (!checksum.is_null()) {
    result[std::string("Checksum") + checksum["Algorithm"].get<std::string>()] = checksum["Value"];
  }
  json out = {{"CopyObjectResult", result}};
  AddSseMembers(out, committed.meta);
  if (!bucket.versioning.empty()) out["VersionId"] = committed.version_id;
  if (!source_bucket.versioning.empty()) out["CopySourceVersionId"] = src.version_id;
  return out;
}

// ---- Attributes and tags ----

Result<json> S3Service::GetObjectAttributes(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), false));
  auto version = VersionParam(in);
  GUREUM_TRY(auto customer, CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Read));
  GUREUM_TRY(ObjectRecord record,
             ReadableObject(store_, ctx, bucket, Str(in, "Key"), version, "GET"));
  if (auto key = KeyForRead(record.meta, customer, sse_); !key) return Fail(key.error());
  std::set<std::string> wanted;
  if (in.contains("ObjectAttributes") && in["ObjectAttributes"].is_array()) {
    for (const auto& a : in["ObjectAttributes"]) wanted.insert(a.get<std::string>());
  }
  if (wanted.empty()) {
    return Fail(errors::InvalidArgument("Invalid attribute name specified.",
                                        "x-amz-object-attributes", ""));
  }
  json out = {{"LastModified", FormatHttpDate(record.last_modified)}};
  if (!bucket.versioning.empty()) out["VersionId"] = record.version_id;
  if (wanted.count("ETag")) out["ETag"] = record.etag;
  if (wanted.count("ObjectSize")) out["ObjectSize"] = record.size;
  if (wanted.count("StorageClass")) out["StorageClass"] = record.storage_class;
  if (wanted.count("Checksum") && record.meta.contains("Checksum")) {
    const json& c = record.meta["Checksum"];
    out["Checksum"] = {{"Checksum" + c.value("Algorithm", std::string()), c["Value"]},
                       {"ChecksumType", c.value("Type", std::string("FULL_OBJECT"))}};
  }
  if (wanted.count("ObjectParts") && record.meta.contains("PartSizes")) {
    const json& sizes = record.meta["PartSizes"];
    json parts = json::array();
    for (const auto& p : sizes)
      parts.push_back(json{{"PartNumber", p["PartNumber"]}, {"Size", p["Size"]}});
    out["ObjectParts"] = {{"TotalPartsCount", sizes.size()},
                          {"PartNumberMarker", 0},
                          {"MaxParts", 1000},
                          {"IsTruncated", false},
                          {"Parts", parts}};
  }
  return out;
}

Result<json> S3Service::GetObjectTagging(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), false));
  auto version = VersionParam(in);
  GUREUM_TRY(ObjectRecord record,
             ReadableObject(store_, ctx, bucket, Str(in, "Key"), version, "GET"));
  json out = {{"TagSet", record.meta.contains("Tags") ? record.meta["Tags"] : json::array()}};
  if (!bucket.versioning.empty()) out["VersionId"] = record.version_id;
  return out;
}

Result<json> S3Service::PutObjectTagging(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  auto version = VersionParam(in);
  GUREUM_TRY(ObjectRecord record,
             ReadableObject(store_, ctx, bucket, Str(in, "Key"), version, "PUT"));
  json tag_set =
      in.contains("Tagging") ? in["Tagging"].value("TagSet", json::array()) : json::array();
  GUREUM_RETURN_IF_ERROR(ValidateTagSet(tag_set, 10));
  json meta = record.meta;
  if (tag_set.empty()) {
    meta.erase("Tags");
  } else {
    meta["Tags"] = tag_set;
  }
  GUREUM_RETURN_IF_ERROR(store_.UpdateMeta(record, meta));
  json out = json::object();
  if (!bucket.versioning.empty()) out["VersionId"] = record.version_id;
  return out;
}

Result<json> S3Service::DeleteObjectTagging(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  auto version = VersionParam(in);
  GUREUM_TRY(ObjectRecord record,
             ReadableObject(store_, ctx, bucket, Str(in, "Key"), version, "DELETE"));
  json meta = record.meta;
  meta.erase("Tags");
  GUREUM_RETURN_IF_ERROR(store_.UpdateMeta(record, meta));
  json out = json::object();
  if (!bucket.versioning.empty()) out["VersionId"] = record.version_id;
  return out;
}

}  // namespace gureum::s3
