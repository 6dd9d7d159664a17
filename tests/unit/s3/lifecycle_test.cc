// Lifecycle due times: creation plus the rule's days, rounded up to the next midnight UTC, and
// safe for day counts at the edges of the clock's range.
#include "s3/lifecycle.h"

#include <gtest/gtest.h>

#include "gureum/core/time_format.h"

namespace gureum::s3 {
namespace {

using std::chrono::days;
using SystemTime = std::chrono::system_clock::time_point;

SystemTime At(const char* iso) { return *ParseIso8601(iso); }

TEST(LifecycleDueTest, RoundsUpToMidnightUtc) {
  // S3: an object created 2026-11-25 10:00 with a 1-day rule expires 2026-11-27 00:00.
  EXPECT_EQ(LifecycleEngine::DueAfterDays(At("2026-11-25T10:00:00Z"), 1),
            At("2026-11-27T00:00:00Z"));
  EXPECT_EQ(LifecycleEngine::DueAfterDays(At("2026-11-25T00:00:00Z"), 30),
            At("2026-12-25T00:00:00Z"));
}

TEST(LifecycleDueTest, LargeCountsInsideTheRangeDoNotOverflow) {
  // -131587 days is ~360 years: as nanoseconds on its own it overflows, but added to a time in
  // 2255 it lands in 1895, inside the clock's range.
  SystemTime created = At("2255-01-01T12:00:00Z");
  SystemTime due = LifecycleEngine::DueAfterDays(created, -131587);
  EXPECT_EQ(due, At("1894-09-24T00:00:00Z"));
  EXPECT_EQ(LifecycleEngine::DueAfterDays(created, 400000), SystemTime::max());
  EXPECT_EQ(LifecycleEngine::DueAfterDays(created, -400000), SystemTime::min());
}

}  // namespace
}  // namespace gureum::s3
