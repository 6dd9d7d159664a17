// S3 lifecycle rules on untrusted JSON: whether a rule's filter selects an object, and when a
// rule of N days falls due.
// Input layout:
//   bytes 0-7:   the object's creation time, seconds (little-endian, kept within 1970-2255)
//   bytes 8-15:  a number of days (little-endian, any int64)
//   bytes 16-23: the object's size (little-endian)
//   then the object's key up to the first '\n', its tags ("k=v&k2=v2") up to the next '\n',
//   and a lifecycle rule (JSON) in the rest.
// RuleMatches must answer (never throw) for any JSON; a rule without a filter selects every
// object, and Filter.Prefix / Filter.And.Prefix must hold for what a rule selects.
// DueAfterDays must be the first midnight UTC at or after creation + days (never before it,
// less than a day after it), or the clock's end for days beyond its range.
//   ./build/dev/tests/fuzz/s3_lifecycle_fuzz tests/fuzz/corpus/s3_lifecycle_fuzz

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gureum/core/encoding.h"

#include "s3/lifecycle.h"

namespace {

using gureum::s3::LifecycleEngine;
using nlohmann::json;
using std::chrono::days;
using SystemTime = std::chrono::system_clock::time_point;

uint64_t Le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void CheckDue(SystemTime created, int64_t n) {
  SystemTime due = LifecycleEngine::DueAfterDays(created, n);
  if (due == SystemTime::max() || due == SystemTime::min()) {
    // Only for day counts that leave (or nearly leave) the clock's range, about 292 years
    // either side of 1970.
    int64_t first = std::chrono::floor<days>(created.time_since_epoch()).count();
    int64_t end = std::chrono::duration_cast<days>(SystemTime::max().time_since_epoch()).count();
    int64_t begin = std::chrono::duration_cast<days>(SystemTime::min().time_since_epoch()).count();
    bool beyond =
        due == SystemTime::max() ? n > 0 && n > end - 3 - first : n < 0 && n < begin + 3 - first;
    if (!beyond) __builtin_trap();
    return;
  }
  // The exact due time, added in whole days so that days(n) never overflows on its own.
  int64_t first = std::chrono::floor<days>(created.time_since_epoch()).count();
  SystemTime exact(days(first + n) + (created.time_since_epoch() - days(first)));
  if (due < exact || due - exact >= days(1)) __builtin_trap();
  if (std::chrono::floor<days>(due) != due) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 24) return 0;
  uint64_t seconds = Le64(data) % 9000000000ull;  // up to 2255, inside the clock's range
  int64_t n = static_cast<int64_t>(Le64(data + 8));
  SystemTime created{std::chrono::seconds(seconds)};
  CheckDue(created, n);
  CheckDue(created, n % 100000);
  CheckDue(created, n % 400);

  std::string_view text(reinterpret_cast<const char*>(data) + 24, size - 24);
  size_t eol = text.find('\n');
  if (eol == std::string_view::npos) return 0;
  gureum::s3::ObjectRecord object;
  object.key = std::string(text.substr(0, eol));
  object.size = Le64(data + 16);
  object.last_modified = created;
  text.remove_prefix(eol + 1);
  eol = text.find('\n');
  if (eol == std::string_view::npos) return 0;
  if (auto params = gureum::ParseQueryString(text.substr(0, eol), true)) {
    json tags = json::array();
    for (const auto& [k, v] : *params) {
      // Tag text is UTF-8 in the store; invalid sequences could not be stored.
      json tag = {{"Key", k}, {"Value", v}};
      try {
        (void)tag.dump();
      } catch (const json::exception&) {
        continue;
      }
      tags.push_back(std::move(tag));
    }
    if (!tags.empty()) object.meta["Tags"] = std::move(tags);
  }
  text.remove_prefix(eol + 1);
  json rule = json::parse(text, nullptr, false);
  if (rule.is_discarded()) return 0;

  bool matches = LifecycleEngine::RuleMatches(rule, object);
  if (rule.is_object() && !rule.contains("Filter") && !rule.contains("Prefix") && !matches) {
    __builtin_trap();
  }
  if (matches && rule.is_object() && rule.contains("Filter") && rule["Filter"].is_object()) {
    const json& filter = rule["Filter"];
    for (const json* holder : {&filter, filter.contains("And") ? &filter["And"] : nullptr}) {
      if (holder == nullptr || !holder->is_object() || !holder->contains("Prefix")) continue;
      const json& prefix = (*holder)["Prefix"];
      if (!prefix.is_string() || !gureum::StartsWith(object.key, prefix.get<std::string>())) {
        __builtin_trap();
      }
    }
  }
  // A copy of the rule with its filter wrapped in "And" selects the same objects.
  if (rule.is_object() && rule.contains("Filter") && rule["Filter"].is_object() &&
      !rule["Filter"].contains("And") && !rule["Filter"].contains("Tag")) {
    json wrapped = rule;
    wrapped["Filter"] = json{{"And", rule["Filter"]}};
    if (LifecycleEngine::RuleMatches(wrapped, object) != matches) __builtin_trap();
  }
  return 0;
}
