#pragma once
// The daemon clock. Every module reads time from here, never from the system directly, so that
// tests can freeze or advance time (POST /_gureum/clock) and check presign expiry, credential
// expiry and lifecycle rules without sleeping. Thread-safe; reads are lock-free.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gureum {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Duration = std::chrono::system_clock::duration;

  // Real time plus any offset, or the frozen instant.
  TimePoint Now() const;
  bool frozen() const { return frozen_.load(std::memory_order_acquire); }
  // Stops time at `at`. Now() returns exactly `at` until Advance/Unfreeze/Reset.
  void Freeze(TimePoint at);
  // Lets time run again from the current (possibly shifted) instant.
  void Unfreeze();
  // Moves time forward (or back, if negative) whether frozen or running.
  void Advance(Duration by);
  // Real time again: no offset, not frozen.
  void Reset();

 private:
  static int64_t SystemNanos();
  std::atomic<bool> frozen_{false};
  std::atomic<int64_t> frozen_at_ns_{0};
  std::atomic<int64_t> offset_ns_{0};
};

}  // namespace gureum
