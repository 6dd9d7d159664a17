#pragma once
// Helpers shared by the S3 handler files (not part of the module's interface).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gureum/core/checksum.h"
#include "gureum/service/service.h"

#include "auth/accounts.h"
#include "s3/object_store.h"

namespace gureum::s3 {

using nlohmann::json;

// A string member of a decoded input, or "" / nullopt.
std::string Str(const json& in, const char* name);
std::optional<std::string> OptStr(const json& in, const char* name);
// "\"<etag>\"", as S3 writes ETags in headers and XML.
std::string Quoted(std::string_view etag);

// Whether the caller may read an object of a bucket it reached (owner, or the object's ACL).
bool CanReadObject(const service::RequestContext& ctx, const Bucket& bucket,
                   const ObjectRecord& object);
// CanReadObject, with the bucket's public access block applied: IgnorePublicAcls makes grants
// to AllUsers and AuthenticatedUsers ineffective.
bool CanReadObjectAcl(ObjectStore& store, const service::RequestContext& ctx, const Bucket& bucket,
                      const ObjectRecord& object);
// The ACL a write (PutObject, CreateMultipartUpload, CopyObject, POST) asks for, checked against
// the bucket's ownership controls and public access block: the explicit grants of its
// x-amz-grant-* headers, or nullopt when it asks for none or a canned ACL only.
Result<std::optional<json>> WriteAclGrants(ObjectStore& store, auth::AccountStore& accounts,
                                           const Bucket& bucket, const json& in);
// Whether the bucket's public access block sets IgnorePublicAcls.
bool IgnoresPublicAcls(ObjectStore& store, std::string_view bucket);
// The bucket's default encryption (ApplyServerSideEncryptionByDefault), or null.
json DefaultEncryptionRule(ObjectStore& store, std::string_view bucket);

// The checksums a write must compute: announced in x-amz-checksum-<alg> headers, in
// x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm, or as an x-amz-trailer.
std::vector<ChecksumAlgorithm> RequestedChecksums(const http::Request& request,
                                                  std::optional<ChecksumAlgorithm> also);
// Checks Content-MD5 and x-amz-checksum-* of a buffered request body (context.body);
// `required`: one of them must be present (DeleteObjects).
Status VerifyBodyDigests(const service::RequestContext& ctx, bool required);
// Checks Content-MD5 and x-amz-checksum-* header values against what was computed.
Status VerifyDigests(const http::Request& request, const Staged& staged);
// {"Algorithm", "Value" (base64), "Type"} for the first checksum computed, or null.
json ChecksumJson(const Staged& staged, std::string_view type);

// The metadata S3 keeps from a write request's headers (content type and friends, user
// metadata, tags, canned ACL, storage class...), as ObjectRecord::meta. Errors on bad values.
Result<json> MetaFromRequest(const json& in, const http::Request& request);
// Object Lock on a new version: explicit retention needs a lock-enabled bucket; otherwise the
// bucket's default retention (if any) is applied to `meta`.
Status ApplyObjectLock(ObjectStore& store, const Bucket& bucket, json& meta, SystemTime now);
// Parses "k1=v1&k2=v2" (x-amz-tagging) into a TagSet array; InvalidTag on bad tags.
Result<json> ParseTaggingHeader(std::string_view header);
// Checks a TagSet (S3's limits: 10 tags, keys up to 128 and values up to 256 characters).
Status ValidateTagSet(const json& tag_set, size_t max_tags);

// Response headers describing an object (GET/HEAD), without Content-Length.
void AddObjectHeaders(http::Response& response, const ObjectRecord& record, const Bucket& bucket,
                      bool checksum_mode);

}  // namespace gureum::s3
