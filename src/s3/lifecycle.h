#pragma once
// S3 lifecycle rules, applied for real against the daemon clock: expiring current versions
// (adding delete markers in versioned buckets), removing expired delete markers, expiring
// noncurrent versions, aborting incomplete multipart uploads, and storage class transitions.
// Due times follow S3: creation time plus the rule's days, rounded up to the next midnight UTC.

#include <chrono>

#include <nlohmann/json.hpp>

#include "s3/object_store.h"

namespace gureum::s3 {

struct LifecycleReport {
  int expired = 0;                 // current versions expired
  int delete_markers_removed = 0;  // expired object delete markers removed
  int noncurrent_expired = 0;      // noncurrent versions removed
  int uploads_aborted = 0;         // incomplete multipart uploads aborted
  int transitioned = 0;            // storage class changes
};

class LifecycleEngine {
 public:
  explicit LifecycleEngine(ObjectStore& store) : store_(store) {}
  // Applies every bucket's enabled rules as of `now`. Thread-compatible: call from one thread.
  LifecycleReport Run(SystemTime now);

  // When an object created at `created` expires after `days` days.
  static SystemTime DueAfterDays(SystemTime created, int64_t days);
  // Whether a rule's filter (Prefix, Tag, And, size bounds; or the legacy Prefix) selects it.
  static bool RuleMatches(const nlohmann::json& rule, const ObjectRecord& object);

 private:
  void ApplyToBucket(const Bucket& bucket, const nlohmann::json& rules, SystemTime now,
                     LifecycleReport& report);
  ObjectStore& store_;
};

}  // namespace gureum::s3
