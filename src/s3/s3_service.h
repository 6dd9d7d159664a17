#pragma once
// Amazon S3: buckets, objects, multipart uploads, versions and bucket configuration, over the
// ObjectStore. Handlers are named after the S3 actions. Most take and return the JSON view of
// the S3 model (the REST-XML codec turns it into headers and XML); the data path (PutObject,
// UploadPart, GetObject, HeadObject) builds its responses itself to stream bodies.

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "gureum/service/service.h"

#include "auth/accounts.h"
#include "s3/object_store.h"
#include "s3/s3_sse.h"

namespace gureum::s3 {

class FormReader;

using nlohmann::json;
using service::RequestContext;

class S3Service {
 public:
  S3Service(ObjectStore& store, auth::AccountStore& accounts, auth::CredentialStore& credentials,
            std::string default_region, SseSettings sse = {});

  // Buckets
  Result<json> CreateBucket(const RequestContext& ctx, const json& in);
  Result<json> DeleteBucket(const RequestContext& ctx, const json& in);
  Result<http::Response> HeadBucket(const RequestContext& ctx, const json& in,
                                    const http::Request& request, http::BodySource&);
  Result<json> ListBuckets(const RequestContext& ctx, const json& in);
  Result<http::Response> GetBucketLocation(const RequestContext& ctx, const json& in,
                                           const http::Request& request, http::BodySource&);
  Result<json> GetBucketVersioning(const RequestContext& ctx, const json& in);
  Result<json> PutBucketVersioning(const RequestContext& ctx, const json& in);

  // Objects
  Result<http::Response> PutObject(const RequestContext& ctx, const json& in,
                                   const http::Request& request, http::BodySource& body);
  Result<http::Response> GetObject(const RequestContext& ctx, const json& in,
                                   const http::Request& request, http::BodySource& body);
  Result<http::Response> HeadObject(const RequestContext& ctx, const json& in,
                                    const http::Request& request, http::BodySource& body);
  Result<json> DeleteObject(const RequestContext& ctx, const json& in);
  Result<json> DeleteObjects(const RequestContext& ctx, const json& in);
  Result<json> CopyObject(const RequestContext& ctx, const json& in);
  Result<json> GetObjectAttributes(const RequestContext& ctx, const json& in);
  Result<json> GetObjectTagging(const RequestContext& ctx, const json& in);
  Result<json> PutObjectTagging(const RequestContext& ctx, const json& in);
  Result<json> DeleteObjectTagging(const RequestContext& ctx, const json& in);

  // Listing
  Result<json> ListObjects(const RequestContext& ctx, const json& in);
  Result<json> ListObjectsV2(const RequestContext& ctx, const json& in);
  Result<json> ListObjectVersions(const RequestContext& ctx, const json& in);

  // Multipart uploads
  Result<json> CreateMultipartUpload(const RequestContext& ctx, const json& in);
  Result<http::Response> UploadPart(const RequestContext& ctx, const json& in,
                                    const http::Request& request, http::BodySource& body);
  Result<json> UploadPartCopy(const RequestContext& ctx, const json& in);
  Result<json> CompleteMultipartUpload(const RequestContext& ctx, const json& in);
  Result<json> AbortMultipartUpload(const RequestContext& ctx, const json& in);
  Result<json> ListParts(const RequestContext& ctx, const json& in);
  Result<json> ListMultipartUploads(const RequestContext& ctx, const json& in);

  // ACLs
  Result<json> GetBucketAcl(const RequestContext& ctx, const json& in);
  Result<json> PutBucketAcl(const RequestContext& ctx, const json& in);
  Result<json> GetObjectAcl(const RequestContext& ctx, const json& in);
  Result<json> PutObjectAcl(const RequestContext& ctx, const json& in);

  // Object Lock
  Result<json> GetObjectRetention(const RequestContext& ctx, const json& in);
  Result<json> PutObjectRetention(const RequestContext& ctx, const json& in);
  Result<json> GetObjectLegalHold(const RequestContext& ctx, const json& in);
  Result<json> PutObjectLegalHold(const RequestContext& ctx, const json& in);

  // Browsers: CORS preflights, CORS headers on responses, website endpoints.
  Result<http::Response> CorsPreflight(const RequestContext& ctx, const json& in,
                                       const http::Request& request, http::BodySource& body);
  void DecorateCors(const http::Request& request, std::string_view path, http::Response& response);
  Result<http::Response> WebsiteRequest(const RequestContext& ctx, const json& in,
                                        const http::Request& request, http::BodySource& body);
  // Browser form uploads (POST to a bucket, multipart/form-data).
  Result<http::Response> PostObject(const RequestContext& ctx, const json& in,
                                    const http::Request& request, http::BodySource& body);
  // The operation for a request the S3 model does not describe, if any.
  std::optional<std::string> SyntheticOperation(const http::Request& request, bool website);

  ObjectStore& store() { return store_; }
  const SseSettings& sse() const { return sse_; }
  // {"ID", "DisplayName"} of an account, as S3 names owners.
  json OwnerJson(std::string_view account_id);

 private:
  // The bucket, if the caller may act on it with `write` or read access.
  Result<Bucket> BucketFor(const RequestContext& ctx, std::string_view name, bool write);
  json OwnerWithAccount(std::string_view account_id);
  Result<json> BucketGrants(const Bucket& bucket);
  json ObjectGrants(const Bucket& bucket, const ObjectRecord& object);
  Result<json> GrantsForWrite(const RequestContext& ctx, const json& in, const json& owner,
                              const json& bucket_owner);
  Status CheckAclsAllowed(const Bucket& bucket, const json& in);
  // The object version an ACL request addresses, if the caller holds `permission` (READ_ACP,
  // WRITE_ACP) on it; `grants` receives its current grants.
  Result<ObjectRecord> AclTarget(const RequestContext& ctx, const json& in, const Bucket& bucket,
                                 const char* permission, json& grants);
  // The SSE-C key of a write (if any), with the encryption it asks for (or the bucket's
  // default) recorded in `meta`.
  Result<std::optional<CustomerKey>> PrepareSse(json& meta, const json& in, const Bucket& bucket);
  Result<ObjectRecord> LockableVersion(const RequestContext& ctx, const json& in);
  Result<auth::Principal> PostPolicySigner(const std::map<std::string, std::string>& fields,
                                           const std::string& policy_b64,
                                           const RequestContext& ctx);
  Result<http::Response> StoreFormUpload(const RequestContext& ctx, const Bucket& bucket,
                                         const std::string& key, FormReader& form,
                                         const std::map<std::string, std::string>& fields,
                                         const json* policy);

  ObjectStore& store_;
  auth::AccountStore& accounts_;
  auth::CredentialStore& credentials_;
  std::string default_region_;
  SseSettings sse_;
};

// Whether a bucket policy lets anyone perform `action` ("s3:GetObject") on `resource`.
bool PolicyAllowsAnonymous(std::string_view policy, std::string_view action,
                           std::string_view resource);

// AccessDenied when Object Lock protects a version from deletion at `now`: a legal hold, or an
// unexpired retention (GOVERNANCE yields to x-amz-bypass-governance-retention).
Status CheckObjectLock(const ObjectRecord& record, bool bypass_governance, SystemTime now);

// Adds the bucket sub-resource and ACL operations (s3_config.cc).
void AddConfigOperations(std::vector<service::OperationSpec>& ops, S3Service* s3);

// Registers S3's operations (and its reset hook) with the daemon.
void RegisterS3(service::ServiceRegistry& registry, std::shared_ptr<S3Service> s3);

}  // namespace gureum::s3
