// S3 Object Lock: retention (GOVERNANCE and COMPLIANCE) and legal holds on object versions,
// and the rule that protects locked versions from deletion.

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

#include "s3/s3_errors.h"
#include "s3/s3_internal.h"
#include "s3/s3_service.h"

namespace gureum::s3 {
namespace {

AwsError NoLockConfiguration() {
  return errors::Make("NoSuchObjectLockConfiguration",
                      "The specified object does not have a ObjectLock configuration", 404);
}

AwsError BucketNotLocked() {
  return errors::InvalidRequest("Bucket is missing Object Lock Configuration");
}

bool Bypass(const RequestContext& ctx) {
  return ctx.request != nullptr &&
         EqualsIgnoreCase(ctx.request->headers.GetOr("x-amz-bypass-governance-retention", ""),
                          "true");
}

}  // namespace

Status CheckObjectLock(const ObjectRecord& record, bool bypass_governance, SystemTime now) {
  const json& m = record.meta;
  if (m.value("ObjectLockLegalHoldStatus", std::string()) == "ON") {
    return Fail(errors::AccessDenied("Access Denied because object protected by object lock."));
  }
  if (!m.contains("ObjectLockRetainUntilDate")) return Ok();
  auto until = ParseIso8601(m["ObjectLockRetainUntilDate"].get<std::string>());
  if (!until || *until <= now) return Ok();
  std::string mode = m.value("ObjectLockMode", std::string());
  if (mode == "GOVERNANCE" && bypass_governance) return Ok();
  return Fail(errors::AccessDenied("Access Denied because object protected by object lock."));
}

Result<ObjectRecord> S3Service::LockableVersion(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(Bucket bucket, store_.GetBucket(Str(in, "Bucket")));
  if (ctx.principal.account_id != bucket.account_id) return Fail(errors::AccessDenied());
  if (!bucket.object_lock) return Fail(BucketNotLocked());
  auto version = OptStr(in, "VersionId");
  GUREUM_TRY(ObjectRecord record,
             store_.GetObject(bucket.name, Str(in, "Key"),
                              version ? std::optional<std::string_view>(*version) : std::nullopt));
  if (record.delete_marker) {
    return Fail(errors::MethodNotAllowed("PUT", "DeleteMarker"));
  }
  return record;
}

Result<json> S3Service::GetObjectRetention(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(ObjectRecord record, LockableVersion(ctx, in));
  if (!record.meta.contains("ObjectLockMode")) return Fail(NoLockConfiguration());
  return json{{"Retention",
               {{"Mode", record.meta["ObjectLockMode"]},
                {"RetainUntilDate", record.meta["ObjectLockRetainUntilDate"]}}}};
}

Result<json> S3Service::PutObjectRetention(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(ObjectRecord record, LockableVersion(ctx, in));
  const json& retention = in.value("Retention", json::object());
  std::string mode = Str(retention, "Mode");
  auto until = OptStr(retention, "RetainUntilDate");
  if ((mode.empty()) != (!until.has_value()) ||
      (!mode.empty() && mode != "GOVERNANCE" && mode != "COMPLIANCE")) {
    return Fail(errors::MalformedXml());
  }
  auto new_until = until ? ParseIso8601(*until) : std::nullopt;
  if (new_until && *new_until <= ctx.now) {
    return Fail(errors::InvalidArgument("The retain until date must be in the future!"));
  }
  // An active retention may be extended; shortening or removing it needs GOVERNANCE plus the
  // bypass header, and COMPLIANCE never allows it.
  const json& m = record.meta;
  if (m.contains("ObjectLockRetainUntilDate")) {
    auto current = ParseIso8601(m["ObjectLockRetainUntilDate"].get<std::string>());
    bool active = current && *current > ctx.now;
    bool weaker =
        !new_until || *new_until < *current ||
        (m.value("ObjectLockMode", std::string()) == "COMPLIANCE" && mode == "GOVERNANCE");
    if (active && weaker) {
      bool governance = m.value("ObjectLockMode", std::string()) == "GOVERNANCE";
      if (!governance || !Bypass(ctx)) {
        return Fail(errors::AccessDenied("Access Denied because object protected by object lock."));
      }
    }
  }
  json meta = record.meta;
  if (mode.empty()) {
    meta.erase("ObjectLockMode");
    meta.erase("ObjectLockRetainUntilDate");
  } else {
    meta["ObjectLockMode"] = mode;
    meta["ObjectLockRetainUntilDate"] = FormatIso8601(*new_until, true);
  }
  GUREUM_RETURN_IF_ERROR(store_.UpdateMeta(record, meta));
  return json::object();
}

Result<json> S3Service::GetObjectLegalHold(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(ObjectRecord record, LockableVersion(ctx, in));
  if (!record.meta.contains("ObjectLockLegalHoldStatus")) return Fail(NoLockConfiguration());
  return json{{"LegalHold", {{"Status", record.meta["ObjectLockLegalHoldStatus"]}}}};
}

Result<json> S3Service::PutObjectLegalHold(const RequestContext& ctx, const json& in) {
  GUREUM_TRY(ObjectRecord record, LockableVersion(ctx, in));
  std::string status = Str(in.value("LegalHold", json::object()), "Status");
  if (status != "ON" && status != "OFF") return Fail(errors::MalformedXml());
  json meta = record.meta;
  meta["ObjectLockLegalHoldStatus"] = status;
  GUREUM_RETURN_IF_ERROR(store_.UpdateMeta(record, meta));
  return json::object();
}

}  // namespace gureum::s3
