// The daemon clock: frozen, advanced and running time, as POST /_gureum/clock drives it.

#include "gureum/core/clock.h"

#include <chrono>

#include <gtest/gtest.h>

namespace gureum {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// `t` is `expected` give or take the time the test itself takes.
void ExpectNear(Clock::TimePoint t, Clock::TimePoint expected) {
  EXPECT_GE(t, expected - 5s);
  EXPECT_LE(t, expected + 5s);
}

Clock::TimePoint Instant() { return sys_days{2015y / August / 30} + 12h + 36min + 123456789ns; }

TEST(Clock, RunsWithTheSystemClockByDefault) {
  Clock clock;
  EXPECT_FALSE(clock.frozen());
  ExpectNear(clock.Now(), system_clock::now());
  Clock::TimePoint a = clock.Now();
  Clock::TimePoint b = clock.Now();
  EXPECT_LE(a, b);
}

TEST(Clock, FreezeStopsTimeExactly) {
  Clock clock;
  clock.Freeze(Instant());
  EXPECT_TRUE(clock.frozen());
  EXPECT_EQ(clock.Now(), Instant());
  EXPECT_EQ(clock.Now(), Instant());
  // Freezing again moves the frozen instant, even backwards.
  clock.Freeze(Instant() - 24h);
  EXPECT_EQ(clock.Now(), Instant() - 24h);
}

TEST(Clock, AdvanceWhileFrozen) {
  Clock clock;
  clock.Freeze(Instant());
  clock.Advance(1h);
  EXPECT_EQ(clock.Now(), Instant() + 1h);
  clock.Advance(-30min);
  EXPECT_EQ(clock.Now(), Instant() + 30min);
  clock.Advance(1ns);
  EXPECT_EQ(clock.Now(), Instant() + 30min + 1ns);
  EXPECT_TRUE(clock.frozen());
}

TEST(Clock, UnfreezeResumesFromTheFrozenInstant) {
  Clock clock;
  clock.Freeze(Instant());
  clock.Advance(10min);
  clock.Unfreeze();
  EXPECT_FALSE(clock.frozen());
  Clock::TimePoint now = clock.Now();
  EXPECT_GE(now, Instant() + 10min);
  EXPECT_LE(now, Instant() + 10min + 5s);
  // Unfreezing a running clock changes nothing.
  clock.Unfreeze();
  ExpectNear(clock.Now(), Instant() + 10min);
}

TEST(Clock, AdvanceWhileRunning) {
  Clock clock;
  clock.Advance(48h);
  EXPECT_FALSE(clock.frozen());
  ExpectNear(clock.Now(), system_clock::now() + 48h);
  clock.Advance(-72h);
  ExpectNear(clock.Now(), system_clock::now() - 24h);
}

TEST(Clock, FreezeIgnoresTheRunningOffsetAndUnfreezeReplacesIt) {
  Clock clock;
  clock.Advance(1000h);
  clock.Freeze(Instant());
  EXPECT_EQ(clock.Now(), Instant());
  clock.Unfreeze();
  ExpectNear(clock.Now(), Instant());
}

TEST(Clock, ResetReturnsToRealTime) {
  Clock clock;
  clock.Advance(1000h);
  clock.Reset();
  ExpectNear(clock.Now(), system_clock::now());
  clock.Freeze(Instant());
  clock.Reset();
  EXPECT_FALSE(clock.frozen());
  ExpectNear(clock.Now(), system_clock::now());
}

}  // namespace
}  // namespace gureum
