#include "gureum/core/clock.h"

namespace gureum {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

int64_t Clock::SystemNanos() {
  return duration_cast<nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Clock::TimePoint Clock::Now() const {
  int64_t ns = frozen_.load(std::memory_order_acquire)
                   ? frozen_at_ns_.load(std::memory_order_acquire)
                   : SystemNanos() + offset_ns_.load(std::memory_order_acquire);
  return TimePoint(duration_cast<Duration>(nanoseconds(ns)));
}

void Clock::Freeze(TimePoint at) {
  frozen_at_ns_.store(duration_cast<nanoseconds>(at.time_since_epoch()).count());
  frozen_.store(true, std::memory_order_release);
}

void Clock::Unfreeze() {
  if (!frozen_.load()) return;
  // Keep the shifted instant continuous: running time resumes where the frozen clock stood.
  offset_ns_.store(frozen_at_ns_.load() - SystemNanos());
  frozen_.store(false, std::memory_order_release);
}

void Clock::Advance(Duration by) {
  int64_t ns = duration_cast<nanoseconds>(by).count();
  if (frozen_.load()) {
    frozen_at_ns_.fetch_add(ns);
  } else {
    offset_ns_.fetch_add(ns);
  }
}

void Clock::Reset() {
  offset_ns_.store(0);
  frozen_.store(false, std::memory_order_release);
}

}  // namespace gureum
