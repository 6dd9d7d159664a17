// S3 listings: ListObjects (v1), ListObjectsV2 and ListObjectVersions.

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"

namespace gureum::s3 {
namespace {

constexpr int kMaxKeys = 1000;

// encoding-type=url: S3 percent-encodes keys and prefixes in the response (spaces as '+').
std::string Encode(const std::string& text, bool url) {
  if (!url) return text;
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

Result<bool> UrlEncoding(const json& in) {
  auto encoding = OptStr(in, "EncodingType");
  if (!encoding) return false;
  if (*encoding != "url") {
    return Fail(errors::InvalidArgument("Invalid Encoding Method specified in Request",
                                        "encoding-type", *encoding));
  }
  return true;
}

Result<int> MaxKeys(const json& in, const char* member) {
  if (!in.contains(member)) return kMaxKeys;
  int64_t n = in[member].get<int64_t>();
  if (n < 0) {
    return Fail(
        errors::InvalidArgument("Provided max-keys not an integer or within integer "
                                "range",
                                "max-keys", std::to_string(n)));
  }
  return static_cast<int>(std::min<int64_t>(n, kMaxKeys));
}

json ChecksumAlgorithmList(const ObjectRecord& r) {
  if (!r.meta.contains("Checksum")) return json();
  return json::array({r.meta["Checksum"].value("Algorithm", std::string())});
}

}  // namespace

Result<json> S3Service::ListObjectsV2(const RequestContext& ctx, const json& in) {
  std::string name = Str(in, "Bucket");
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, name, false));
  GUREUM_TRY(bool url, UrlEncoding(in));
  GUREUM_TRY(int max_keys, MaxKeys(in, "MaxKeys"));
  ListQuery query;
  query.prefix = Str(in, "Prefix");
  query.delimiter = Str(in, "Delimiter");
  query.max_keys = max_keys;
  query.start_after = Str(in, "StartAfter");
  std::string token = Str(in, "ContinuationToken");
  if (in.contains("ContinuationToken")) {
    auto decoded = Base64Decode(token);
    if (!decoded || decoded->substr(0, 2) != "1:") {
      return Fail(errors::InvalidArgument("The continuation token provided is incorrect",
                                          "continuation-token", token));
    }
    query.start_after = std::max(query.start_after, decoded->substr(2));
  }
  GUREUM_TRY(ListResult listed, store_.List(name, query));
  bool fetch_owner = in.value("FetchOwner", false);
  json contents = json::array();
  for (const auto& o : listed.objects) {
    json entry = {{"Key", Encode(o.key, url)},
                  {"LastModified", FormatIso8601(o.last_modified, true)},
                  {"ETag", Quoted(o.etag)},
                  {"Size", o.size},
                  {"StorageClass", o.storage_class}};
    if (json algorithms = ChecksumAlgorithmList(o); !algorithms.is_null()) {
      entry["ChecksumAlgorithm"] = algorithms;
    }
    if (fetch_owner) {
      entry["Owner"] = OwnerJson(o.meta.value("OwnerAccount", bucket.account_id));
    }
    contents.push_back(entry);
  }
  json prefixes = json::array();
  for (const auto& p : listed.common_prefixes) prefixes.push_back(json{{"Prefix", Encode(p, url)}});
  json out = {{"IsTruncated", listed.truncated},
              {"Name", name},
              {"Prefix", Encode(query.prefix, url)},
              {"MaxKeys", max_keys},
              {"KeyCount", listed.objects.size() + listed.common_prefixes.size()}};
  if (!contents.empty()) out["Contents"] = contents;
  if (!prefixes.empty()) out["CommonPrefixes"] = prefixes;
  if (!query.delimiter.empty()) out["Delimiter"] = Encode(query.delimiter, url);
  if (url) out["EncodingType"] = "url";
  if (in.contains("ContinuationToken")) out["ContinuationToken"] = token;
  if (in.contains("StartAfter")) out["StartAfter"] = Encode(Str(in, "StartAfter"), url);
  if (listed.truncated) out["NextContinuationToken"] = Base64Encode("1:" + listed.next_marker);
  return out;
}

Result<json> S3Service::ListObjects(const RequestContext& ctx, const json& in) {
  std::string name = Str(in, "Bucket");
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, name, false));
  GUREUM_TRY(bool url, UrlEncoding(in));
  GUREUM_TRY(int max_keys, MaxKeys(in, "MaxKeys"));
  ListQuery query;
  query.prefix = Str(in, "Prefix");
  query.delimiter = Str(in, "Delimiter");
  query.start_after = Str(in, "Marker");
  query.max_keys = max_keys;
  GUREUM_TRY(ListResult listed, store_.List(name, query));
  json contents = json::array();
  for (const auto& o : listed.objects) {
    contents.push_back(json{{"Key", Encode(o.key, url)},
                            {"LastModified", FormatIso8601(o.last_modified, true)},
                            {"ETag", Quoted(o.etag)},
                            {"Size", o.size},
                            {"StorageClass", o.storage_class},
                            {"Owner", OwnerJson(o.meta.value("OwnerAccount", bucket.account_id))}});
  }
  json prefixes = json::array();
  for (const auto& p : listed.common_prefixes) prefixes.push_back(json{{"Prefix", Encode(p, url)}});
  json out = {{"IsTruncated", listed.truncated},
              {"Marker", Encode(query.start_after, url)},
              {"Name", name},
              {"Prefix", Encode(query.prefix, url)},
              {"MaxKeys", max_keys}};
  if (!contents.empty()) out["Contents"] = contents;
  if (!prefixes.empty()) out["CommonPrefixes"] = prefixes;
  if (!query.delimiter.empty()) out["Delimiter"] = Encode(query.delimiter, url);
  if (url) out["EncodingType"] = "url";
  // S3 returns NextMarker only with a delimiter; without one, clients use the last key.
  if (listed.truncated && !query.delimiter.empty()) {
    out["NextMarker"] = Encode(listed.next_marker, url);
  }
  return out;
}

Result<json> S3Service::ListObjectVersions(const RequestContext& ctx, const json& in) {
  std::string name = Str(in, "Bucket");
  GUREUM_TRY(Bucket bucket, BucketFor(ctx, name, false));
  GUREUM_TRY(bool url, UrlEncoding(in));
  GUREUM_TRY(int max_keys, MaxKeys(in, "MaxKeys"));
  VersionListQuery query;
  query.prefix = Str(in, "Prefix");
  query.delimiter = Str(in, "Delimiter");
  query.key_marker = Str(in, "KeyMarker");
  query.version_id_marker = Str(in, "VersionIdMarker");
  query.max_keys = max_keys;
  if (!query.version_id_marker.empty() && query.key_marker.empty()) {
    return Fail(
        errors::InvalidArgument("A version-id marker cannot be specified without a key "
                                "marker.",
                                "version-id-marker", query.version_id_marker));
  }
  GUREUM_TRY(VersionListResult listed, store_.ListVersions(name, query));
  json versions = json::array();
  json markers = json::array();
  for (const auto& v : listed.versions) {
    json owner = OwnerJson(v.meta.value("OwnerAccount", bucket.account_id));
    if (v.delete_marker) {
      markers.push_back(json{{"Owner", owner},
                             {"Key", Encode(v.key, url)},
                             {"VersionId", v.version_id},
                             {"IsLatest", v.latest},
                             {"LastModified", FormatIso8601(v.last_modified, true)}});
      continue;
    }
    json entry = {{"ETag", Quoted(v.etag)},
                  {"Size", v.size},
                  {"StorageClass", v.storage_class},
                  {"Key", Encode(v.key, url)},
                  {"VersionId", v.version_id},
                  {"IsLatest", v.latest},
                  {"LastModified", FormatIso8601(v.last_modified, true)},
                  {"Owner", owner}};
    if (json algorithms = ChecksumAlgorithmList(v); !algorithms.is_null()) {
      entry["ChecksumAlgorithm"] = algorithms;
    }
    versions.push_back(entry);
  }
  json prefixes = json::array();
  for (const auto& p : listed.common_prefixes) prefixes.push_back(json{{"Prefix", Encode(p, url)}});
  json out = {{"IsTruncated", listed.truncated},
              {"KeyMarker", Encode(query.key_marker, url)},
              {"VersionIdMarker", query.version_id_marker},
              {"Name", name},
              {"Prefix", Encode(query.prefix, url)},
              {"MaxKeys", max_keys}};
  if (!versions.empty()) out["Versions"] = versions;
  if (!markers.empty()) out["DeleteMarkers"] = markers;
  if (!prefixes.empty()) out["CommonPrefixes"] = prefixes;
  if (!query.delimiter.empty()) out["Delimiter"] = Encode(query.delimiter, url);
  if (url) out["EncodingType"] = "url";
  if (listed.truncated) {
    out["NextKeyMarker"] = Encode(listed.next_key_marker, url);
    if (!listed.next_version_id_marker.empty()) {
      out["NextVersionIdMarker"] = listed.next_version_id_marker;
    }
  }
  return out;
}

}  // namespace gureum::s3
