// S3 multipart uploads. Parts are stored as files; completing an upload makes them the
// object's segments without copying a byte.

#include <charconv>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"
#include "s3/s3_http.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"
#include "s3/s3_sse.h"

namespace gureum::s3 {
namespace {

constexpr int kMaxParts = 10000;
constexpr uint64_t kMaxPartSize = 5ull << 30;

Result<int> PartNumber(const json& in) {
  int64_t n = in.contains("PartNumber") ? in["PartNumber"].get<int64_t>() : 0;
  if (n < 1 || n > kMaxParts) {
    return Fail(
        errors::InvalidArgument("Part number must be an integer between 1 and 10000, "
                                "inclusive",
                                "partNumber", std::to_string(n)));
  }
  return static_cast<int>(n);
}

std::optional<ChecksumAlgorithm> UploadAlgorithm(const Upload& upload) {
  if (!upload.meta.contains("ChecksumAlgorithm")) return std::nullopt;
  return ParseChecksumAlgorithm(upload.meta["ChecksumAlgorithm"].get<std::string>());
}

json PartChecksum(const Staged& staged, std::optional<ChecksumAlgorithm> algorithm) {
  if (!algorithm) return json();
  auto it = staged.checksums.find(*algorithm);
  if (it == staged.checksums.end()) return json();
  return json{{"Algorithm", ChecksumAlgorithmName(*algorithm)},
              {"Value", Base64Encode(it->second)}};
}

std::string MemberFor(ChecksumAlgorithm a) {
  return "Checksum" + std::string(ChecksumAlgorithmName(a));
}

// encoding-type=url, as the object listings answer it: percent-encoded, '/' kept, spaces as '+'
// (a literal "%20" in a key is "%2520" once encoded, so only spaces become "%20").
std::string UrlEncoded(const std::string& text, bool url) {
  if (!url) return text;
  std::string encoded = UriEncode(text, false);
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded.compare(i, 3, "%20") == 0) {
      out += '+';
      i += 2;
    } else {
      out += encoded[i];
    }
  }
  return out;
}

}  // namespace

Result<json> S3Service::CreateMultipartUpload(const RequestContext& ctx, const json& in) {
  std::string key = Str(in, "Key");
  if (key.size() > 1024) return Fail(errors::KeyTooLong());
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  GUREUM_TRY(json meta, MetaFromRequest(in, *ctx.request));
  GUREUM_RETURN_IF_ERROR(PrepareSse(meta, in, bucket));
  GUREUM_TRY(auto grants, WriteAclGrants(store_, accounts_, bucket, in));
  if (grants) meta["Grants"] = std::move(*grants);
  meta["OwnerAccount"] = ctx.principal.account_id;
  GUREUM_RETURN_IF_ERROR(ApplyObjectLock(store_, bucket, meta, ctx.now));
  if (auto algorithm = OptStr(in, "ChecksumAlgorithm")) {
    auto parsed = ParseChecksumAlgorithm(*algorithm);
    if (!parsed) {
      return Fail(
          errors::InvalidRequest("Checksum algorithm provided is unsupported. Please try "
                                 "again with any of the valid types: [CRC32, CRC32C, "
                                 "CRC64NVME, SHA1, SHA256]"));
    }
    meta["ChecksumAlgorithm"] = std::string(ChecksumAlgorithmName(*parsed));
  }
  // Newer clients choose COMPOSITE or FULL_OBJECT checksums for the whole upload. The default
  // is COMPOSITE, but for CRC64NVME, which S3 only computes over the full object.
  std::string algorithm_name = meta.value("ChecksumAlgorithm", std::string());
  auto type_header = ctx.request->headers.Get("x-amz-checksum-type");
  if (type_header && algorithm_name.empty()) {
    return Fail(
        errors::InvalidRequest("The x-amz-checksum-type header can only be used with the "
                               "x-amz-checksum-algorithm header."));
  }
  std::string type = type_header                     ? std::string(*type_header)
                     : algorithm_name == "CRC64NVME" ? "FULL_OBJECT"
                                                     : "COMPOSITE";
  if (type != "COMPOSITE" && type != "FULL_OBJECT") {
    return Fail(errors::InvalidRequest("Value for x-amz-checksum-type header is invalid."));
  }
  if (type == "FULL_OBJECT" && (algorithm_name == "SHA1" || algorithm_name == "SHA256")) {
    return Fail(errors::InvalidRequest("The FULL_OBJECT checksum type cannot be used with the " +
                                       ToLower(algorithm_name) + " checksum algorithm."));
  }
  if (type == "COMPOSITE" && algorithm_name == "CRC64NVME") {
    return Fail(
        errors::InvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme "
                               "checksum algorithm."));
  }
  meta["ChecksumType"] = type;
  GUREUM_TRY(Upload upload, store_.CreateUpload(bucket, key, std::move(meta)));
  json out = {{"Bucket", bucket.name}, {"Key", key}, {"UploadId", upload.upload_id}};
  AddSseMembers(out, upload.meta);
  if (upload.meta.contains("ChecksumAlgorithm")) {
    out["ChecksumAlgorithm"] = upload.meta["ChecksumAlgorithm"];
  }
  return out;
}

Result<http::Response> S3Service::UploadPart(const RequestContext& ctx, const json& in,
                                             const http::Request& request, http::BodySource& body) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  GUREUM_TRY(int number, PartNumber(in));
  GUREUM_TRY(Upload upload, store_.GetUpload(bucket.name, Str(in, "Key"), Str(in, "UploadId")));
  if (!request.content_length && !request.chunked_transfer) {
    return Fail(errors::MissingContentLength());
  }
  GUREUM_TRY(auto customer, CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Write));
  GUREUM_RETURN_IF_ERROR(CheckUploadKey(upload.meta, customer));
  GUREUM_TRY(auto data_key, KeyForWrite(upload.meta, customer, sse_));
  auto algorithm = UploadAlgorithm(upload);
  GUREUM_TRY(Staged staged, store_.Stage(body, RequestedChecksums(request, algorithm), kMaxPartSize,
                                         data_key ? &*data_key : nullptr));
  if (auto digests = VerifyDigests(request, staged); !digests) {
    store_.Discard(staged);
    return Fail(digests.error());
  }
  json checksum = PartChecksum(staged, algorithm);
  GUREUM_TRY(PartRecord part, store_.CommitPart(upload, number, std::move(staged), checksum));
  http::Response response;
  response.headers.Add("ETag", Quoted(part.etag));
  AddSseHeaders(response.headers, upload.meta);
  if (!checksum.is_null()) {
    auto a = ParseChecksumAlgorithm(checksum["Algorithm"].get<std::string>());
    response.headers.Add(std::string(ChecksumHeaderName(*a)), checksum["Value"].get<std::string>());
  }
  return response;
}

Result<json> S3Service::UploadPartCopy(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  GUREUM_TRY(int number, PartNumber(in));
  GUREUM_TRY(Upload upload, store_.GetUpload(bucket.name, Str(in, "Key"), Str(in, "UploadId")));
  GUREUM_TRY(CopySource source, ParseCopySource(Str(in, "CopySource")));
  GUREUM_TRY(Bucket source_bucket, BucketFor(ctx, source.bucket, false));
  std::optional<std::string_view> version;
  if (source.version_id) version = *source.version_id;
  GUREUM_TRY(ObjectRecord src, store_.GetObject(source_bucket.name, source.key, version));
  if (!CanReadObjectAcl(store_, ctx, source_bucket, src)) return Fail(errors::AccessDenied());
  if (src.delete_marker) return Fail(errors::NoSuchKey(source.key));
  GUREUM_TRY(auto source_customer, CustomerKeyFrom(in, KeyHeaders::CopySource, KeyUse::Read));
  GUREUM_TRY(auto source_key, KeyForRead(src.meta, source_customer, sse_));
  GUREUM_TRY(auto customer, CustomerKeyFrom(in, KeyHeaders::Object, KeyUse::Write));
  GUREUM_RETURN_IF_ERROR(CheckUploadKey(upload.meta, customer));
  GUREUM_TRY(auto data_key, KeyForWrite(upload.meta, customer, sse_));
  GUREUM_RETURN_IF_ERROR(
      CheckReadConditions(ctx.request->headers, "x-amz-copy-source-", src.etag, src.last_modified));
  uint64_t offset = 0, length = src.size;
  if (auto range = OptStr(in, "CopySourceRange")) {
    // "bytes=first-last", both required and inside the source.
    std::string_view r = *range;
    size_t dash = r.find('-');
    uint64_t first = 0, last = 0;
    bool ok = StartsWith(r, "bytes=") && dash != std::string_view::npos;
    if (ok) {
      auto a = std::from_chars(r.data() + 6, r.data() + dash, first);
      auto b = std::from_chars(r.data() + dash + 1, r.data() + r.size(), last);
      ok = a.ec == std::errc() && a.ptr == r.data() + dash && b.ec == std::errc() &&
           b.ptr == r.data() + r.size() && first <= last && last < src.size;
    }
    if (!ok) {
      return Fail(
          errors::InvalidArgument("Range specified is not valid for source object of "
                                  "size: " +
                                      std::to_string(src.size),
                                  "x-amz-copy-source-range", *range));
    }
    offset = first;
    length = last - first + 1;
  }
  auto algorithm = UploadAlgorithm(upload);
  std::vector<ChecksumAlgorithm> algorithms;
  if (algorithm) algorithms.push_back(*algorithm);
  GUREUM_TRY(Staged staged,
             store_.StageCopy(src, offset, length, algorithms, source_key ? &*source_key : nullptr,
                              data_key ? &*data_key : nullptr));
  json checksum = PartChecksum(staged, algorithm);
  GUREUM_TRY(PartRecord part, store_.CommitPart(upload, number, std::move(staged), checksum));
  json result = {{"ETag", Quoted(part.etag)},
                 {"LastModified", FormatIso8601(part.last_modified, true)}};
  if (!checksum.is_null()) {
    result["Checksum" + checksum["Algorithm"].get<std::string>()] = checksum["Value"];
  }
  json out = {{"CopyPartResult", result}};
  AddSseMembers(out, upload.meta);
  if (!source_bucket.versioning.empty()) out["CopySourceVersionId"] = src.version_id;
  return out;
}

Result<json> S3Service::CompleteMultipartUpload(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  std::string key = Str(in, "Key");
  GUREUM_TRY(Upload upload, store_.GetUpload(bucket.name, key, Str(in, "UploadId")));
  std::vector<CompletedPart> parts;
  if (in.contains("MultipartUpload") && in["MultipartUpload"].contains("Parts")) {
    for (const auto& p : in["MultipartUpload"]["Parts"]) {
      CompletedPart part;
      part.number = static_cast<int>(p.value("PartNumber", int64_t{0}));
      part.etag = Str(p, "ETag");
      parts.push_back(std::move(part));
    }
  }
  WriteConditions conditions;
  if (auto v = ctx.request->headers.Get("If-None-Match"))
    conditions.if_none_match = std::string(*v);
  if (auto v = ctx.request->headers.Get("If-Match")) conditions.if_match = std::string(*v);

  // Checksums: COMPOSITE is the checksum of the parts' checksums, "-<count>"; the parts must
  // all carry one. Computed before the commit so a bad part list changes nothing.
  auto algorithm = UploadAlgorithm(upload);
  json object_checksum;
  if (algorithm) {
    GUREUM_TRY(auto stored, store_.ListParts(upload));
    std::map<int, const PartRecord*> by_number;
    for (const auto& p : stored) by_number[p.number] = &p;
    std::string concatenated;
    std::vector<std::pair<std::string, uint64_t>> digests;
    bool complete = true;
    for (const auto& p : parts) {
      auto it = by_number.find(p.number);
      if (it == by_number.end() || it->second->checksum.is_null()) {
        complete = false;
        break;
      }
      auto raw = Base64Decode(it->second->checksum.value("Value", std::string()));
      if (!raw) {
        complete = false;
        break;
      }
      concatenated += *raw;
      digests.emplace_back(*raw, it->second->size);
    }
    std::string type = upload.meta.value("ChecksumType", std::string("COMPOSITE"));
    if (complete && !parts.empty() && type == "COMPOSITE") {
      object_checksum = {
          {"Algorithm", ChecksumAlgorithmName(*algorithm)},
          {"Value", ChecksumBase64(*algorithm, concatenated) + "-" + std::to_string(parts.size())},
          {"Type", "COMPOSITE"}};
    } else if (complete && !parts.empty() && type == "FULL_OBJECT") {
      // The checksum of the whole object, combined from the parts' CRCs without reading them.
      auto combined = CombineCrcs(*algorithm, digests);
      if (!combined) {
        return Fail(
            errors::InvalidRequest("The FULL_OBJECT checksum type is only available for "
                                   "CRC32, CRC32C and CRC64NVME"));
      }
      object_checksum = {{"Algorithm", ChecksumAlgorithmName(*algorithm)},
                         {"Value", Base64Encode(*combined)},
                         {"Type", "FULL_OBJECT"}};
    }
  }
  Upload with_checksum = upload;
  if (!object_checksum.is_null()) with_checksum.meta["Checksum"] = object_checksum;
  with_checksum.meta.erase("ChecksumAlgorithm");
  with_checksum.meta.erase("ChecksumType");
  GUREUM_TRY(ObjectRecord record, store_.CompleteUpload(bucket, with_checksum, parts, conditions));
  std::string host = ctx.host.empty() ? "localhost" : ctx.host;
  json out = {{"Location", "http://" + host + "/" + bucket.name + "/" + UriEncode(key, false)},
              {"Bucket", bucket.name},
              {"Key", key},
              {"ETag", Quoted(record.etag)}};
  AddSseMembers(out, record.meta);
  if (!bucket.versioning.empty()) out["VersionId"] = record.version_id;
  if (!object_checksum.is_null()) {
    out[MemberFor(*algorithm)] = object_checksum["Value"];
    out["ChecksumType"] = object_checksum["Type"];
  }
  return out;
}

Result<json> S3Service::AbortMultipartUpload(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), true));
  GUREUM_TRY(Upload upload, store_.GetUpload(bucket.name, Str(in, "Key"), Str(in, "UploadId")));
  GUREUM_RETURN_IF_ERROR(store_.AbortUpload(upload));
  return json::object();
}

Result<json> S3Service::ListParts(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), false));
  GUREUM_TRY(Upload upload, store_.GetUpload(bucket.name, Str(in, "Key"), Str(in, "UploadId")));
  GUREUM_TRY(auto parts, store_.ListParts(upload));
  int64_t marker = in.value("PartNumberMarker", int64_t{0});
  int64_t max_parts = std::clamp<int64_t>(in.value("MaxParts", int64_t{1000}), 0, 1000);
  json list = json::array();
  bool truncated = false;
  int last = 0;
  for (const auto& p : parts) {
    if (p.number <= marker) continue;
    if (static_cast<int64_t>(list.size()) == max_parts) {
      truncated = true;
      break;
    }
    json entry = {{"PartNumber", p.number},
                  {"LastModified", FormatIso8601(p.last_modified, true)},
                  {"ETag", Quoted(p.etag)},
                  {"Size", p.size}};
    if (p.checksum.is_object()) {
      entry["Checksum" + p.checksum.value("Algorithm", std::string())] = p.checksum["Value"];
    }
    list.push_back(entry);
    last = p.number;
  }
  json owner = OwnerJson(upload.meta.value("OwnerAccount", bucket.account_id));
  json out = {{"Bucket", bucket.name},
              {"Key", upload.key},
              {"UploadId", upload.upload_id},
              {"PartNumberMarker", marker},
              {"MaxParts", max_parts},
              {"IsTruncated", truncated},
              {"Initiator", owner},
              {"Owner", owner},
              {"StorageClass", upload.meta.value("StorageClass", std::string("STANDARD"))}};
  if (!list.empty()) out["Parts"] = list;
  if (truncated || last != 0) out["NextPartNumberMarker"] = last;
  if (upload.meta.contains("ChecksumAlgorithm")) {
    out["ChecksumAlgorithm"] = upload.meta["ChecksumAlgorithm"];
    out["ChecksumType"] = upload.meta.value("ChecksumType", std::string("COMPOSITE"));
  }
  return out;
}

Result<json> S3Service::ListMultipartUploads(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, Str(in, "Bucket"), false));
  std::string prefix = Str(in, "Prefix");
  std::string delimiter = Str(in, "Delimiter");
  std::string key_marker = Str(in, "KeyMarker");
  std::string upload_marker = Str(in, "UploadIdMarker");
  int64_t max_uploads = std::clamp<int64_t>(in.value("MaxUploads", int64_t{1000}), 0, 1000);
  bool url = false;
  if (auto encoding = OptStr(in, "EncodingType")) {
    if (*encoding != "url") {
      return Fail(errors::InvalidArgument("Invalid Encoding Method specified in Request",
                                          "encoding-type", *encoding));
    }
    url = true;
  }
  GUREUM_TRY(auto uploads, store_.ListUploads(bucket.name, prefix));
  json list = json::array();
  json prefixes = json::array();
  std::string last_prefix, next_key, next_upload;
  bool truncated = false;
  bool past_marker = key_marker.empty();
  for (const auto& u : uploads) {
    if (!past_marker) {
      // After key-marker; within it, after upload-id-marker.
      if (u.key < key_marker) continue;
      if (u.key == key_marker) {
        if (upload_marker.empty()) continue;
        if (u.upload_id == upload_marker) {
          past_marker = true;
        }
        continue;
      }
      past_marker = true;
    }
    std::string_view rest = std::string_view(u.key).substr(prefix.size());
    size_t d = delimiter.empty() ? std::string_view::npos : rest.find(delimiter);
    if (static_cast<int64_t>(list.size() + prefixes.size()) == max_uploads) {
      truncated = true;
      break;
    }
    if (d != std::string_view::npos) {
      std::string cp = prefix + std::string(rest.substr(0, d + delimiter.size()));
      if (cp != last_prefix) {
        prefixes.push_back(json{{"Prefix", UrlEncoded(cp, url)}});
        last_prefix = cp;
      }
      continue;
    }
    json owner = OwnerJson(u.meta.value("OwnerAccount", bucket.account_id));
    list.push_back(json{{"UploadId", u.upload_id},
                        {"Key", UrlEncoded(u.key, url)},
                        {"Initiated", FormatIso8601(u.initiated, true)},
                        {"StorageClass", u.meta.value("StorageClass", std::string("STANDARD"))},
                        {"Owner", owner},
                        {"Initiator", owner}});
    next_key = u.key;
    next_upload = u.upload_id;
  }
  json out = {{"Bucket", bucket.name},           {"KeyMarker", UrlEncoded(key_marker, url)},
              {"UploadIdMarker", upload_marker}, {"MaxUploads", max_uploads},
              {"IsTruncated", truncated},        {"Prefix", UrlEncoded(prefix, url)}};
  if (!delimiter.empty()) out["Delimiter"] = UrlEncoded(delimiter, url);
  if (url) out["EncodingType"] = "url";
  if (!list.empty()) out["Uploads"] = list;
  if (!prefixes.empty()) out["CommonPrefixes"] = prefixes;
  if (truncated) {
    out["NextKeyMarker"] = UrlEncoded(next_key, url);
    out["NextUploadIdMarker"] = next_upload;
  }
  return out;
}

}  // namespace gureum::s3
