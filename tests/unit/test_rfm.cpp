#include "clv/rfm/rfm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {

constexpr int64_t kDay = 86400LL * 1000000;

clv::RfmSettings daily_as_of(int64_t day, int64_t unit_days = 1) {
  clv::RfmSettings s;
  s.as_of = day * kDay;
  s.as_of_local = day * kDay;
  s.period_us = kDay;
  s.unit_us = unit_days * kDay;
  return s;
}

TEST(FloorDiv, RoundsTowardsMinusInfinity) {
  EXPECT_EQ(clv::floor_div(7, 2), 3);
  EXPECT_EQ(clv::floor_div(-7, 2), -4);
  EXPECT_EQ(clv::floor_div(-8, 2), -4);
  EXPECT_EQ(clv::floor_div(0, 5), 0);
}

TEST(Rfm, SamePeriodPurchasesCountOnce) {
  clv::RfmAccumulator<> acc(daily_as_of(10));
  acc.add(1 * kDay + 5, 1 * kDay + 5, 10.0);
  acc.add(1 * kDay + 9, 1 * kDay + 9, 5.0);  // same day: one purchase of 15
  acc.add(4 * kDay, 4 * kDay, 20.0);
  acc.add(4 * kDay + 1, 4 * kDay + 1, 2.0);  // day 4 is worth 22
  acc.add(6 * kDay, 6 * kDay, 30.0);
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 2);
  EXPECT_DOUBLE_EQ(r.recency, 5.0);
  EXPECT_DOUBLE_EQ(r.t, 9.0);
  EXPECT_DOUBLE_EQ(*r.monetary, (22.0 + 30.0) / 2);
  EXPECT_EQ(r.n_orders, 5);
  EXPECT_DOUBLE_EQ(*r.total_amount, 67.0);
  EXPECT_EQ(r.first_ts, 1 * kDay + 5);
  EXPECT_EQ(r.last_ts, 6 * kDay);
}

TEST(Rfm, AsOfBoundaryIsInclusive) {
  clv::RfmAccumulator<> acc(daily_as_of(10));
  acc.add(2 * kDay, 2 * kDay, 1.0);
  acc.add(10 * kDay, 10 * kDay, 2.0);          // exactly as_of: counted
  acc.add(10 * kDay + 1, 10 * kDay + 1, 4.0);  // after as_of: ignored
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 1);
  EXPECT_EQ(r.n_orders, 2);
  EXPECT_DOUBLE_EQ(*r.total_amount, 3.0);
  EXPECT_DOUBLE_EQ(r.recency, 8.0);
  EXPECT_DOUBLE_EQ(r.t, 8.0);
}

TEST(Rfm, OnlyLaterTransactionsLeaveItEmpty) {
  clv::RfmAccumulator<> acc(daily_as_of(1));
  acc.add(5 * kDay, 5 * kDay, 1.0);
  EXPECT_TRUE(acc.empty());
}

TEST(Rfm, RefundsReduceTheirPeriod) {
  clv::RfmAccumulator<> acc(daily_as_of(10));
  acc.add(0, 0, 50.0);
  acc.add(3 * kDay, 3 * kDay, 40.0);
  acc.add(3 * kDay + 1, 3 * kDay + 1, -15.0);
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 1);
  EXPECT_DOUBLE_EQ(*r.monetary, 25.0);
  EXPECT_DOUBLE_EQ(*r.total_amount, 75.0);
}

TEST(Rfm, NullAmountsCountPurchasesButNotValue) {
  clv::RfmAccumulator<> acc(daily_as_of(10));
  acc.add(0, 0, 10.0);
  acc.add(2 * kDay, 2 * kDay, std::nullopt);
  acc.add(5 * kDay, 5 * kDay, 30.0);
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 2);
  EXPECT_DOUBLE_EQ(*r.monetary, 30.0);  // the NULL-valued period has no known value
  EXPECT_DOUBLE_EQ(*r.total_amount, 40.0);

  clv::RfmAccumulator<> unknown(daily_as_of(10));
  unknown.add(0, 0, std::nullopt);
  unknown.add(kDay, kDay, std::nullopt);
  auto u = unknown.result();
  EXPECT_EQ(u.frequency, 1);
  EXPECT_FALSE(u.monetary.has_value());
  EXPECT_FALSE(u.total_amount.has_value());
}

TEST(Rfm, OneTimeBuyerHasZeroMonetary) {
  clv::RfmAccumulator<> acc(daily_as_of(7, 7));
  acc.add(0, 0, 99.0);
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 0);
  EXPECT_DOUBLE_EQ(*r.monetary, 0.0);
  EXPECT_DOUBLE_EQ(r.recency, 0.0);
  EXPECT_DOUBLE_EQ(r.t, 1.0);
}

TEST(Rfm, PeriodsBeforeTheOriginUseFloor) {
  // 1997 lies before the 2000-01-01 origin: negative wall-clock times.
  clv::RfmAccumulator<> acc(daily_as_of(0));
  acc.add(-3 * kDay + 100, -3 * kDay + 100, 1.0);  // day -3
  acc.add(-1, -1, 1.0);                            // day -1
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 1);
  EXPECT_DOUBLE_EQ(r.recency, 2.0);
  EXPECT_DOUBLE_EQ(r.t, 3.0);
}

TEST(Rfm, WeeklyPeriodsAndFractionalUnits) {
  clv::RfmSettings s = daily_as_of(28);
  s.period_us = 7 * kDay;
  s.unit_us = 7 * kDay;
  clv::RfmAccumulator<> acc(s);
  acc.add(1 * kDay, 1 * kDay, 1.0);    // week 0
  acc.add(6 * kDay, 6 * kDay, 1.0);    // week 0
  acc.add(15 * kDay, 15 * kDay, 1.0);  // week 2
  auto r = acc.result();
  EXPECT_EQ(r.frequency, 1);
  EXPECT_DOUBLE_EQ(r.recency, 2.0);
  EXPECT_DOUBLE_EQ(r.t, 4.0);
}

TEST(Rfm, RejectsNonFiniteAmountsAndBadSettings) {
  clv::RfmAccumulator<> acc(daily_as_of(10));
  EXPECT_THROW(acc.add(0, 0, std::nan("")), std::invalid_argument);
  EXPECT_THROW(acc.add(0, 0, INFINITY), std::invalid_argument);
  clv::RfmSettings bad = daily_as_of(10);
  bad.period_us = 0;
  EXPECT_THROW(clv::RfmAccumulator<> x(bad), std::invalid_argument);
  bad = daily_as_of(10);
  bad.period_us = 999999;  // periods shorter than a second are refused
  EXPECT_THROW(clv::RfmAccumulator<> x(bad), std::invalid_argument);
  bad = daily_as_of(10);
  bad.unit_us = -1;
  EXPECT_THROW(clv::RfmAccumulator<> x(bad), std::invalid_argument);
}

// Any split of the rows into partial states, merged, equals one pass.
TEST(Rfm, MergeOfRandomSplitsEqualsOnePass) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 50; ++trial) {
    clv::RfmAccumulator<> whole(daily_as_of(400, 7));
    clv::RfmAccumulator<> a(daily_as_of(400, 7)), b(daily_as_of(400, 7));
    int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      int64_t ts = static_cast<int64_t>(rng() % (420 * kDay)) - 10 * kDay;
      double amount = static_cast<double>(rng() % 10000) / 100.0;
      whole.add(ts, ts, amount);
      (rng() % 2 ? a : b).add(ts, ts, amount);
    }
    a.merge(b);
    if (whole.empty()) {
      EXPECT_TRUE(a.empty());
      continue;
    }
    auto x = whole.result(), y = a.result();
    EXPECT_EQ(x.frequency, y.frequency);
    EXPECT_DOUBLE_EQ(x.recency, y.recency);
    EXPECT_DOUBLE_EQ(x.t, y.t);
    // compensated sums: identical to the last bit, whatever the split
    EXPECT_EQ(*x.monetary, *y.monetary);
    EXPECT_EQ(x.n_orders, y.n_orders);
    EXPECT_EQ(*x.total_amount, *y.total_amount);
    EXPECT_EQ(x.first_ts, y.first_ts);
    EXPECT_EQ(x.last_ts, y.last_ts);
  }
}

TEST(Rfm, MergeRejectsDifferentSettings) {
  clv::RfmAccumulator<> a(daily_as_of(10)), b(daily_as_of(11));
  b.add(0, 0, 1.0);
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(RfmSerialize, RoundTrip) {
  clv::RfmAccumulator<> acc(daily_as_of(30));
  acc.add(0, 0, 1.5);
  acc.add(3 * kDay, 3 * kDay, std::nullopt);
  acc.add(9 * kDay, 9 * kDay, -2.0);
  std::string bytes = acc.serialize();
  clv::ByteReader in(bytes.data(), bytes.size());
  auto copy = clv::RfmAccumulator<>::deserialize(in);
  auto x = acc.result(), y = copy.result();
  EXPECT_EQ(x.frequency, y.frequency);
  EXPECT_DOUBLE_EQ(x.recency, y.recency);
  EXPECT_DOUBLE_EQ(x.t, y.t);
  EXPECT_DOUBLE_EQ(*x.monetary, *y.monetary);
  EXPECT_EQ(x.n_orders, y.n_orders);
  EXPECT_DOUBLE_EQ(*x.total_amount, *y.total_amount);
}

TEST(RfmSerialize, EveryTruncationAndCorruptionIsRejectedOrConsistent) {
  clv::RfmAccumulator<> acc(daily_as_of(30));
  acc.add(0, 0, 1.5);
  acc.add(3 * kDay, 3 * kDay, 2.0);
  const std::string bytes = acc.serialize();
  for (size_t n = 0; n < bytes.size(); ++n) {
    clv::ByteReader in(bytes.data(), n);
    EXPECT_THROW(clv::RfmAccumulator<>::deserialize(in), std::invalid_argument) << n;
  }
  std::string longer = bytes + "x";
  clv::ByteReader in_long(longer.data(), longer.size());
  EXPECT_THROW(clv::RfmAccumulator<>::deserialize(in_long), std::invalid_argument);
  // Flipping any byte either fails validation or yields a usable state.
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
    clv::ByteReader in(corrupt.data(), corrupt.size());
    try {
      auto s = clv::RfmAccumulator<>::deserialize(in);
      if (!s.empty()) (void)s.result();
    } catch (const std::invalid_argument&) {
    } catch (const std::range_error&) {
    }
  }
}

// Found by fuzzing (tests/fuzz/rfm_state.cpp): combining states whose order
// counts, read from bytes, sum past INT64_MAX overflowed a signed integer.
TEST(RfmSerialize, CombiningHugeOrderCountsThrowsRangeError) {
  clv::RfmAccumulator<> acc(daily_as_of(30));
  acc.add(0, 0, 1.5);
  std::string bytes = acc.serialize();
  const size_t n_orders_at = 4 + 4 * 8;  // header, then the four settings
  const uint64_t huge = uint64_t{6} << 60;
  for (int i = 0; i < 8; ++i) bytes[n_orders_at + i] = static_cast<char>(huge >> (8 * i));
  clv::ByteReader in(bytes.data(), bytes.size());
  auto state = clv::RfmAccumulator<>::deserialize(in);
  EXPECT_EQ(state.result().n_orders, static_cast<int64_t>(huge));
  clv::RfmAccumulator<> copy(state, std::allocator<int64_t>());
  EXPECT_THROW(state.merge(copy), std::range_error);
  EXPECT_EQ(state.result().n_orders, static_cast<int64_t>(huge));  // unchanged

  std::string at_max = bytes;
  for (int i = 0; i < 8; ++i) at_max[n_orders_at + i] = static_cast<char>(i == 7 ? 0x7f : 0xff);
  clv::ByteReader in_max(at_max.data(), at_max.size());
  auto full = clv::RfmAccumulator<>::deserialize(in_max);
  EXPECT_THROW(full.add(kDay, kDay, 1.0), std::range_error);
}

TEST(RfmHoldout, SplitsCalibrationAndHoldout) {
  clv::RfmHoldoutAccumulator<> acc(daily_as_of(10), 20 * kDay, 20 * kDay);
  acc.add(1 * kDay, 1 * kDay, 5.0);
  acc.add(4 * kDay, 4 * kDay, 7.0);
  acc.add(12 * kDay, 12 * kDay, 3.0);
  acc.add(12 * kDay + 5, 12 * kDay + 5, 1.0);
  acc.add(15 * kDay, 15 * kDay, 8.0);
  acc.add(25 * kDay, 25 * kDay, 100.0);  // after the observation end
  auto r = acc.result();
  EXPECT_EQ(r.calibration.frequency, 1);
  EXPECT_DOUBLE_EQ(r.calibration.t, 9.0);
  EXPECT_EQ(r.frequency_holdout, 2);
  EXPECT_DOUBLE_EQ(*r.monetary_holdout, 6.0);
  EXPECT_DOUBLE_EQ(r.duration_holdout, 10.0);

  std::string bytes = acc.serialize();
  clv::ByteReader in(bytes.data(), bytes.size());
  auto copy = clv::RfmHoldoutAccumulator<>::deserialize(in).result();
  EXPECT_EQ(copy.frequency_holdout, 2);
  EXPECT_DOUBLE_EQ(*copy.monetary_holdout, 6.0);
}

// Found by fuzzing (tests/fuzz/rfm_holdout_state.cpp): the holdout duration
// subtracted the local calibration and observation ends of a decoded state in
// int64, which overflowed for ends far apart.
TEST(RfmHoldout, DurationOfExtremeDecodedEndsDoesNotOverflow) {
  clv::RfmSettings s = daily_as_of(10);
  s.as_of_local = std::numeric_limits<int64_t>::min() + 1;
  clv::RfmHoldoutAccumulator<> acc(s, 20 * kDay, std::numeric_limits<int64_t>::max());
  acc.add(1 * kDay, std::numeric_limits<int64_t>::min() + 1, 5.0);
  const std::string bytes = acc.serialize();
  clv::ByteReader in(bytes.data(), bytes.size());
  auto decoded = clv::RfmHoldoutAccumulator<>::deserialize(in);
  const double expected = std::ldexp(1.0, 64) / static_cast<double>(kDay);
  EXPECT_DOUBLE_EQ(decoded.result().duration_holdout, expected);
}

TEST(RfmHoldout, HoldoutOnlyCustomerIsEmpty) {
  clv::RfmHoldoutAccumulator<> acc(daily_as_of(10), 20 * kDay, 20 * kDay);
  acc.add(12 * kDay, 12 * kDay, 3.0);
  EXPECT_TRUE(acc.empty());
  EXPECT_THROW(clv::RfmHoldoutAccumulator<>(daily_as_of(10), 5 * kDay, 5 * kDay),
               std::invalid_argument);
}

}  // namespace
