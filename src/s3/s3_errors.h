#pragma once
// S3's error codes with the HTTP statuses and messages S3 sends (the S3 model declares no
// statuses). Each names the resource the way S3's <Error> document does.

#include <string>
#include <string_view>

#include "gureum/core/error.h"

namespace gureum::s3::errors {

inline AwsError Make(std::string code, std::string message, int status) {
  return AwsError(std::move(code), std::move(message), status);
}

inline AwsError NoSuchBucket(std::string_view bucket) {
  return Make("NoSuchBucket", "The specified bucket does not exist", 404)
      .With("BucketName", std::string(bucket));
}
inline AwsError NoSuchKey(std::string_view key) {
  return Make("NoSuchKey", "The specified key does not exist.", 404).With("Key", std::string(key));
}
inline AwsError NoSuchVersion(std::string_view key, std::string_view version) {
  return Make("NoSuchVersion", "The specified version does not exist.", 404)
      .With("Key", std::string(key))
      .With("VersionId", std::string(version));
}
inline AwsError NoSuchUpload(std::string_view upload_id) {
  return Make("NoSuchUpload",
              "The specified upload does not exist. The upload ID may be invalid, or the upload "
              "may have been aborted or completed.",
              404)
      .With("UploadId", std::string(upload_id));
}
inline AwsError BucketAlreadyExists(std::string_view bucket) {
  return Make("BucketAlreadyExists",
              "The requested bucket name is not available. The bucket namespace is shared by all "
              "users of the system. Please select a different name and try again.",
              409)
      .With("BucketName", std::string(bucket));
}
inline AwsError BucketAlreadyOwnedByYou(std::string_view bucket) {
  return Make("BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own it.",
              409)
      .With("BucketName", std::string(bucket));
}
inline AwsError BucketNotEmpty(std::string_view bucket) {
  return Make("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
      .With("BucketName", std::string(bucket));
}
inline AwsError InvalidBucketName(std::string_view bucket) {
  return Make("InvalidBucketName", "The specified bucket is not valid.", 400)
      .With("BucketName", std::string(bucket));
}
inline AwsError AccessDenied(std::string message = "Access Denied") {
  return Make("AccessDenied", std::move(message), 403);
}
inline AwsError InvalidArgument(std::string message, std::string_view name = {},
                                std::string_view value = {}) {
  AwsError e = Make("InvalidArgument", std::move(message), 400);
  if (!name.empty()) e.With("ArgumentName", std::string(name));
  if (!name.empty()) e.With("ArgumentValue", std::string(value));
  return e;
}
inline AwsError InvalidRequest(std::string message) {
  return Make("InvalidRequest", std::move(message), 400);
}
inline AwsError MalformedXml() {
  return Make("MalformedXML",
              "The XML you provided was not well-formed or did not validate against our "
              "published schema",
              400);
}
inline AwsError PreconditionFailed(std::string_view condition) {
  return Make("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
              412)
      .With("Condition", std::string(condition));
}
inline AwsError NotModified() { return Make("NotModified", "Not Modified", 304); }
inline AwsError InvalidRange(std::string_view requested, uint64_t size) {
  return Make("InvalidRange", "The requested range is not satisfiable", 416)
      .With("RangeRequested", std::string(requested))
      .With("ActualObjectSize", std::to_string(size));
}
inline AwsError BadDigest(std::string message) {
  return Make("BadDigest", std::move(message), 400);
}
inline AwsError InvalidDigest() {
  return Make("InvalidDigest", "The Content-MD5 you specified is not valid.", 400);
}
inline AwsError KeyTooLong() { return Make("KeyTooLongError", "Your key is too long", 400); }
inline AwsError EntityTooSmall() {
  return Make("EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed object size.", 400);
}
inline AwsError EntityTooLarge() {
  return Make("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.",
              400);
}
inline AwsError InvalidPart(std::string_view part, std::string_view etag) {
  return Make("InvalidPart",
              "One or more of the specified parts could not be found.  The part may not have "
              "been uploaded, or the specified entity tag may not match the part's entity tag.",
              400)
      .With("PartNumber", std::string(part))
      .With("ETag", std::string(etag));
}
inline AwsError InvalidPartOrder() {
  return Make("InvalidPartOrder",
              "The list of parts was not in ascending order. Parts must be ordered by part "
              "number.",
              400);
}
inline AwsError MethodNotAllowed(std::string_view method, std::string_view resource_type) {
  return Make("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
      .With("Method", std::string(method))
      .With("ResourceType", std::string(resource_type));
}
inline AwsError NoSuchConfiguration(std::string code, std::string message,
                                    std::string_view bucket) {
  return Make(std::move(code), std::move(message), 404).With("BucketName", std::string(bucket));
}
inline AwsError MissingContentLength() {
  return Make("MissingContentLength", "You must provide the Content-Length HTTP header.", 411);
}

}  // namespace gureum::s3::errors
