#include "s3/lifecycle.h"

#include <map>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "gureum/core/encoding.h"
#include "gureum/core/time_format.h"

namespace gureum::s3 {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::floor;

// Rules are stored as validated, but a malformed one must select nothing rather than throw.
std::optional<std::string> StringMember(const json& object, const char* name) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// A string member the rule may set: absent passes, a string must be a prefix of `key`,
// anything else selects nothing.
bool PrefixMatches(const json& object, const std::string& key) {
  if (!object.is_object() || !object.contains("Prefix")) return true;
  auto prefix = StringMember(object, "Prefix");
  return prefix && StartsWith(key, *prefix);
}

bool HasTag(const ObjectRecord& object, const json& tag) {
  auto key = StringMember(tag, "Key");
  if (!key) return false;
  std::string value = StringMember(tag, "Value").value_or(std::string());
  auto tags = object.meta.find("Tags");
  if (tags == object.meta.end() || !tags->is_array()) return false;
  for (const auto& t : *tags) {
    if (StringMember(t, "Key") == key &&
        StringMember(t, "Value").value_or(std::string()) == value) {
      return true;
    }
  }
  return false;
}

bool SizeMatches(const json& filter, const ObjectRecord& object) {
  auto bound = [&](const char* name) -> std::optional<uint64_t> {
    const json& v = filter[name];
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<uint64_t>();
    return std::nullopt;
  };
  if (filter.contains("ObjectSizeGreaterThan")) {
    auto min = bound("ObjectSizeGreaterThan");
    if (!min || !(object.size > *min)) return false;
  }
  if (filter.contains("ObjectSizeLessThan")) {
    auto max = bound("ObjectSizeLessThan");
    if (!max || !(object.size < *max)) return false;
  }
  return true;
}

std::optional<SystemTime> DateOf(const json& action) {
  auto date = StringMember(action, "Date");
  if (!date) return std::nullopt;
  return ParseIso8601(*date);
}

}  // namespace

SystemTime LifecycleEngine::DueAfterDays(SystemTime created, int64_t n) {
  // Counted in whole days first, so that no number of days overflows the clock's range: a due
  // time beyond it is never reached (and one before it has long passed).
  const int64_t first_day = floor<days>(created.time_since_epoch()).count();
  // (duration_cast truncates without converting back: floor<days> of the extremes overflows.)
  const int64_t max_day =
      std::chrono::duration_cast<days>(SystemTime::max().time_since_epoch()).count() - 2;
  const int64_t min_day =
      std::chrono::duration_cast<days>(SystemTime::min().time_since_epoch()).count() + 2;
  if (n > max_day - first_day) return SystemTime::max();
  if (n < min_day - first_day) return SystemTime::min();
  // Not `created + days(n)`: that converts days(n) to the clock's nanoseconds first, which
  // overflows for counts beyond ~292 years even when the sum is in range.
  const auto time_of_day = created.time_since_epoch() - days(first_day);
  SystemTime due(days(first_day + n) + time_of_day);
  auto midnight = floor<days>(due);
  return midnight == due ? due : SystemTime(midnight + days(1));
}

bool LifecycleEngine::RuleMatches(const json& rule, const ObjectRecord& object) {
  if (!rule.is_object()) return false;
  if (!PrefixMatches(rule, object.key)) return false;
  if (!rule.contains("Filter")) return true;
  const json& filter = rule["Filter"];
  if (!filter.is_object()) return filter.is_null();
  if (!PrefixMatches(filter, object.key)) return false;
  if (filter.contains("Tag") && !HasTag(object, filter["Tag"])) return false;
  if (!SizeMatches(filter, object)) return false;
  if (filter.contains("And")) {
    const json& all = filter["And"];
    if (!all.is_object()) return false;
    if (!PrefixMatches(all, object.key)) return false;
    if (all.contains("Tags")) {
      const json& tags = all["Tags"];
      if (!tags.is_array()) return false;
      for (const auto& tag : tags) {
        if (!HasTag(object, tag)) return false;
      }
    }
    if (!SizeMatches(all, object)) return false;
  }
  return true;
}

LifecycleReport LifecycleEngine::Run(SystemTime now) {
  LifecycleReport report;
  auto buckets = store_.ListAllBuckets();
  if (!buckets) {
    spdlog::warn("lifecycle: {}", buckets.error().message());
    return report;
  }
  for (const auto& bucket : *buckets) {
    auto config = store_.GetConfig(bucket.name, "lifecycle");
    if (!config || !*config) continue;
    json doc = json::parse(**config, nullptr, false);
    json rules = json::array();
    for (const auto& rule : doc.value("Rules", json::array())) {
      if (rule.value("Status", std::string()) == "Enabled") rules.push_back(rule);
    }
    if (!rules.empty()) ApplyToBucket(bucket, rules, now, report);
  }
  if (report.expired + report.delete_markers_removed + report.noncurrent_expired +
          report.uploads_aborted + report.transitioned >
      0) {
    spdlog::info(
        "lifecycle: expired {} objects, removed {} delete markers, {} noncurrent versions, "
        "aborted {} uploads, transitioned {}",
        report.expired, report.delete_markers_removed, report.noncurrent_expired,
        report.uploads_aborted, report.transitioned);
  }
  return report;
}

void LifecycleEngine::ApplyToBucket(const Bucket& bucket, const json& rules, SystemTime now,
                                    LifecycleReport& report) {
  // Every version, grouped by key, newest first.
  std::map<std::string, std::vector<ObjectRecord>> keys;
  VersionListQuery query;
  for (;;) {
    auto page = store_.ListVersions(bucket.name, query);
    if (!page) return;
    for (auto& v : page->versions) keys[v.key].push_back(std::move(v));
    if (!page->truncated) break;
    query.key_marker = page->next_key_marker;
    query.version_id_marker = page->next_version_id_marker;
  }
  for (auto& [key, versions] : keys) {
    if (versions.empty()) continue;
    const ObjectRecord current = versions.front();
    bool current_gone = false;
    for (const auto& rule : rules) {
      // Current version: expiration and transitions.
      if (!current_gone && current.latest && !current.delete_marker && RuleMatches(rule, current)) {
        if (rule.contains("Expiration")) {
          const json& e = rule["Expiration"];
          std::optional<SystemTime> due = DateOf(e);
          if (e.contains("Days"))
            due = DueAfterDays(current.last_modified, e["Days"].get<int64_t>());
          if (due && *due <= now && store_.DeleteObject(bucket, key, std::nullopt)) {
            ++report.expired;
            current_gone = true;
          }
        }
        std::string target;
        SystemTime target_due{};
        for (const auto& t : rule.value("Transitions", json::array())) {
          std::optional<SystemTime> due = DateOf(t);
          if (t.contains("Days"))
            due = DueAfterDays(current.last_modified, t["Days"].get<int64_t>());
          if (due && *due <= now && *due >= target_due) {
            target = t.value("StorageClass", std::string());
            target_due = *due;
          }
        }
        if (!current_gone && !target.empty() && current.storage_class != target &&
            store_.SetStorageClass(current, target)) {
          ++report.transitioned;
        }
      }
      // A delete marker with nothing behind it.
      if (current.latest && current.delete_marker && versions.size() == 1 &&
          rule.contains("Expiration") &&
          rule["Expiration"].value("ExpiredObjectDeleteMarker", false) &&
          RuleMatches(rule, current)) {
        if (store_.DeleteObject(bucket, key, std::string_view(current.version_id))) {
          ++report.delete_markers_removed;
        }
      }
      // Noncurrent versions: each became noncurrent when the next newer one was written.
      if (rule.contains("NoncurrentVersionExpiration")) {
        const json& n = rule["NoncurrentVersionExpiration"];
        int64_t keep = n.value("NewerNoncurrentVersions", int64_t{0});
        int64_t seen = 0;
        for (size_t i = 1; i < versions.size(); ++i) {
          const ObjectRecord& v = versions[i];
          if (v.latest || !RuleMatches(rule, v)) continue;
          if (++seen <= keep) continue;
          if (!n.contains("NoncurrentDays")) continue;
          SystemTime due =
              DueAfterDays(versions[i - 1].last_modified, n["NoncurrentDays"].get<int64_t>());
          if (due <= now && store_.DeleteObject(bucket, key, std::string_view(v.version_id))) {
            ++report.noncurrent_expired;
          }
        }
      }
    }
  }
  // Incomplete multipart uploads.
  auto uploads = store_.ListUploads(bucket.name, "");
  if (!uploads) return;
  for (const auto& upload : *uploads) {
    for (const auto& rule : rules) {
      if (!rule.contains("AbortIncompleteMultipartUpload")) continue;
      ObjectRecord probe;
      probe.key = upload.key;
      if (!RuleMatches(rule, probe)) continue;
      int64_t d = rule["AbortIncompleteMultipartUpload"].value("DaysAfterInitiation", int64_t{0});
      if (DueAfterDays(upload.initiated, d) <= now && store_.AbortUpload(upload)) {
        ++report.uploads_aborted;
        break;
      }
    }
  }
}

}  // namespace gureum::s3
