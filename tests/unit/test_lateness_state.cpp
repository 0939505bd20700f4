// LatenessState: distinct purchase periods, merging and the versioned byte
// format of clv.lateness_agg's state.
#include "clv/trend/lateness.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace clv::trend {
namespace {

constexpr std::int64_t kDay = 86400LL * 1000000;

LatenessSettings daily_settings(std::int64_t as_of_day) {
  LatenessSettings s;
  s.as_of = as_of_day * kDay;
  s.as_of_local = as_of_day * kDay;
  s.unit_us = kDay;
  return s;
}

// Purchases on days 1, 3 (twice), 7 and one after as_of (day 10).
LatenessState sample() {
  LatenessState state(daily_settings(10));
  for (std::int64_t day : {3, 1, 3, 7, 12}) state.add(day * kDay, day * kDay + 3600);
  return state;
}

LatenessState decode(const std::string& bytes) {
  return LatenessState::deserialize(bytes.data(), bytes.size());
}

void put_i64(std::string& bytes, std::size_t at, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(bits >> (8 * i));
}

TEST(LatenessState, MedianGapOfDistinctPeriods) {
  // Periods 1, 3, 7: gaps 2 and 4, median 3; 3 days since the last purchase.
  EXPECT_DOUBLE_EQ(*sample().result(), 1.0);
  LatenessState one(daily_settings(10));
  one.add(kDay, kDay);
  EXPECT_FALSE(one.result());
  EXPECT_THROW(LatenessState(LatenessSettings{}), std::invalid_argument);
}

TEST(LatenessState, SerialisationRoundTrip) {
  LatenessState state = sample();
  const std::string bytes = state.serialize();
  LatenessState copy = decode(bytes);
  EXPECT_TRUE(copy.settings() == state.settings());
  EXPECT_EQ(copy.result(), state.result());
  EXPECT_EQ(copy.serialize(), bytes);

  LatenessState empty(daily_settings(10));
  const std::string empty_bytes = empty.serialize();
  EXPECT_TRUE(decode(empty_bytes).empty());
}

TEST(LatenessState, FormatIsLittleEndianAndVersioned) {
  LatenessState state(daily_settings(10));
  state.add(kDay, kDay);
  const std::string bytes = state.serialize();
  ASSERT_EQ(bytes.size(), 4u + 3 * 8u + 8u + 8u);
  EXPECT_EQ(bytes.substr(0, 3), "CLG");
  EXPECT_EQ(bytes[3], lateness_state_version);
  EXPECT_EQ(bytes[28], 1);  // count, low byte first
  EXPECT_EQ(bytes[36], 1);  // period 1, low byte first
  EXPECT_EQ(bytes[43], 0);
}

TEST(LatenessState, MergeAddsPeriodsAndRefusesOtherSettings) {
  LatenessState left(daily_settings(10));
  left.add(kDay, kDay);
  LatenessState right(daily_settings(10));
  right.add(7 * kDay, 7 * kDay);
  right.add(3 * kDay, 3 * kDay);
  left.merge(right);
  EXPECT_EQ(left.serialize(), sample().serialize());
  left.merge(left);
  EXPECT_EQ(left.serialize(), sample().serialize());
  EXPECT_THROW(left.merge(LatenessState(daily_settings(11))), std::invalid_argument);
}

TEST(LatenessState, MalformedBytesThrow) {
  const std::string good = sample().serialize();  // periods 1, 3, 7
  const std::size_t periods = 36;

  for (std::size_t size = 0; size < good.size(); ++size)
    EXPECT_THROW(decode(good.substr(0, size)), std::invalid_argument) << size << " bytes";
  EXPECT_THROW(decode(good + '\0'), std::invalid_argument);
  EXPECT_THROW(LatenessState::deserialize(nullptr, 0), std::invalid_argument);

  std::string bad = good;
  bad[0] = 'X';
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  bad[3] = lateness_state_version + 1;  // a future version
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, 20, 0);  // unit of zero
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, 20, -kDay);
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, 28, 4);  // count larger than the payload
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, 28, std::numeric_limits<std::int64_t>::max());  // absurd count
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, periods + 8, 1);  // not after the previous period
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, periods + 16, 3);  // a repeated period
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_i64(bad, periods + 16, 11);  // after as_of's period
  EXPECT_THROW(decode(bad), std::invalid_argument);
}

TEST(LatenessState, EveryBitFlipThrowsOrDecodesCanonically) {
  const std::string good = sample().serialize();
  for (std::size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      try {
        LatenessState state = decode(bad);
        EXPECT_EQ(state.serialize(), bad);
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

}  // namespace
}  // namespace clv::trend
