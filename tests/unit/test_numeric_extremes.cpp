// Numeric extremes in the core: checked arithmetic, readable numbers in
// messages, overflowing sums, the trend at extreme values, and the byte
// formats of the lateness, trend and model-fit states (round trips and
// strict decoding).
#include "clv/common/checked.hpp"
#include "clv/common/format.hpp"
#include "clv/trend/lateness.hpp"
#include "clv/models/data.hpp"
#include "clv/models/fit_state.hpp"
#include "clv/rfm/rfm.hpp"
#include "clv/trend/accumulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace clv {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kDay = 86400LL * 1000000;

TEST(CheckedArithmetic, AddsWithinBigint) {
  EXPECT_EQ(checked_add(kInt64Max - 1, 1, "x"), kInt64Max);
  EXPECT_EQ(checked_add(kInt64Min, kInt64Max, "x"), -1);
  EXPECT_EQ(checked_count_add(kInt64Max - 5, 5, "x"), static_cast<std::uint64_t>(kInt64Max));
  EXPECT_EQ(to_bigint(static_cast<std::uint64_t>(kInt64Max), "x"), kInt64Max);
}

TEST(CheckedArithmetic, OverflowIsRangeErrorNamingTheValue) {
  EXPECT_THROW(checked_add(kInt64Max, 1, "x"), std::range_error);
  EXPECT_THROW(checked_add(kInt64Min, -1, "x"), std::range_error);
  EXPECT_THROW(checked_count_add(1ULL << 62, 1ULL << 62, "x"), std::range_error);
  EXPECT_THROW(checked_count_add(1ULL << 63, 0, "x"), std::range_error);
  try {
    to_bigint(1ULL << 63, "the number of customers");
    FAIL();
  } catch (const std::range_error& e) {
    EXPECT_STREQ(e.what(), "the number of customers does not fit in a bigint");
  }
}

TEST(CheckedArithmetic, FiniteResult) {
  EXPECT_EQ(finite_result(1e308, "x"), 1e308);
  EXPECT_THROW(finite_result(1e308 * 10, "x"), std::range_error);
  EXPECT_THROW(finite_result(std::nan(""), "x"), std::range_error);
}

TEST(Format, NumbersAsPostgreSqlPrintsThem) {
  EXPECT_EQ(format_number(-2147483648.0), "-2147483648");
  EXPECT_EQ(format_number(1e308), "1e+308");
  EXPECT_EQ(format_number(0.5), "0.5");
  EXPECT_EQ(format_number(std::nan("")), "NaN");
  EXPECT_EQ(format_number(-HUGE_VAL), "-Infinity");
}

TEST(Format, ShortTextsStayAsTheyAre) {
  EXPECT_EQ(shorten_number_text("123.45"), "123.45");
  EXPECT_EQ(shorten_number_text("-9223372036854775808"), "-9223372036854775808");
}

TEST(Format, LongDecimalsInShortScientificForm) {
  EXPECT_EQ(shorten_number_text("1" + std::string(400, '0')), "1e+400");
  EXPECT_EQ(shorten_number_text("-1" + std::string(399, '7')), "-1.777778e+399");
  EXPECT_EQ(shorten_number_text("2" + std::string(308, '0') + ".000000"), "2e+308");
  EXPECT_EQ(shorten_number_text("9999999" + std::string(30, '9')), "1e+37");
  EXPECT_EQ(shorten_number_text("0." + std::string(389, '0') + "1234"), "1.234e-390");
  EXPECT_EQ(shorten_number_text("0." + std::string(40, '0')), "0");
}

TEST(Format, OtherLongTextsCutWithAnEllipsis) {
  const std::string text = "not a number at all, and long enough to cut";
  EXPECT_EQ(shorten_number_text(text), text.substr(0, kMaxNumberText) + "...");
}

TEST(CompensatedSum, OverflowThrowsInsteadOfNaN) {
  CompensatedSum sum;
  sum.add(1e308);
  EXPECT_THROW(sum.add(1e308), std::range_error);
  CompensatedSum negative;
  negative.add(-1e308);
  EXPECT_THROW(negative.add(-1e308), std::range_error);
  CompensatedSum a, b;
  a.add(1e308);
  b.add(1e308);
  EXPECT_THROW(a.add(b), std::range_error);
  CompensatedSum fits;
  fits.add(1e308);
  fits.add(-1e308);
  fits.add(5e307);
  EXPECT_EQ(fits.value(), 5e307);
}

TEST(RfmAccumulator, OverflowingTotalIsRangeError) {
  RfmSettings s{10 * kDay, 10 * kDay, kDay, kDay};
  RfmAccumulator<> acc(s);
  acc.add(1 * kDay, 1 * kDay, 1e308);
  EXPECT_THROW(acc.add(2 * kDay, 2 * kDay, 1e308), std::range_error);
}

TEST(TrendExtremes, HugeFiniteValuesGiveFiniteStatistics) {
  trend::TrendAccumulator acc;
  for (int i = 0; i < 40; ++i) acc.add(i, 1e308 - i * 1e305);
  const trend::TrendResult r = acc.finalize(39);
  ASSERT_TRUE(r.slope && r.relative_slope && r.r_squared && r.recent_mean && r.previous_mean);
  EXPECT_NEAR(*r.slope / -1e305, 1.0, 1e-9);
  EXPECT_NEAR(*r.r_squared, 1.0, 1e-9);
  EXPECT_NEAR(*r.recent_mean / (1e308 - 38 * 1e305), 1.0, 1e-12);
  EXPECT_TRUE(std::isfinite(*r.relative_slope));
}

TEST(TrendExtremes, ScalingLeavesOrdinaryResultsBitForBit) {
  // The same series scaled by 2^600 gives the same statistics scaled back.
  trend::TrendAccumulator small, huge;
  const double values[] = {3, 0, 7.25, 1, 9, 2.5, 11, 4, 13, 6};
  for (int i = 0; i < 10; ++i) {
    small.add(i, values[i]);
    huge.add(i, std::ldexp(values[i], 600));
  }
  const trend::TrendResult a = small.finalize(9), b = huge.finalize(9);
  EXPECT_EQ(std::ldexp(*a.slope, 600), *b.slope);
  EXPECT_EQ(*a.relative_slope, *b.relative_slope);
  EXPECT_EQ(*a.r_squared, *b.r_squared);
  EXPECT_EQ(std::ldexp(*a.recent_mean, 600), *b.recent_mean);
  EXPECT_EQ(*a.slope_p_value, *b.slope_p_value);
}

TEST(TrendExtremes, SlopeBeyondDoubleIsRangeError) {
  trend::TrendAccumulator acc;
  acc.add(0, -1e308);
  acc.add(1, 1e308);
  EXPECT_THROW(acc.finalize(1), std::range_error);
}

trend::TrendSettings some_trend_settings() {
  trend::TrendSettings s;
  s.as_of = 40 * kDay;
  s.as_of_local = 40 * kDay + 3600LL * 1000000;
  s.period_us = kDay;
  s.options.window_periods = 4;
  s.options.min_relative_slope = 0.125;
  return s;
}

TEST(TrendAggState, RoundTrip) {
  trend::BasicTrendAggState<> state{some_trend_settings(), trend::BasicTrendAccumulator<>()};
  state.acc.add(3, 10);
  state.acc.add(7, 2.5);
  const std::string bytes = state.serialize();
  const auto back = trend::BasicTrendAggState<>::deserialize(bytes.data(), bytes.size());
  EXPECT_TRUE(back.settings == state.settings);
  EXPECT_EQ(back.serialize(), bytes);
}

TEST(TrendAggState, DecodingIsStrict) {
  trend::BasicTrendAggState<> state{some_trend_settings(), trend::BasicTrendAccumulator<>()};
  state.acc.add(3, 10);
  const std::string bytes = state.serialize();
  using State = trend::BasicTrendAggState<>;
  EXPECT_THROW(State::deserialize(bytes.data(), bytes.size() - 1), std::invalid_argument);
  std::string newer = bytes;
  newer[3] = 2;  // a newer settings version
  EXPECT_THROW(State::deserialize(newer.data(), newer.size()), std::invalid_argument);
  state.acc.add(41, 1);  // after as_of's period
  const std::string late = state.serialize();
  EXPECT_THROW(State::deserialize(late.data(), late.size()), std::invalid_argument);
  trend::BasicTrendAggState<> short_period{some_trend_settings(), trend::BasicTrendAccumulator<>()};
  short_period.settings.period_us = 999999;
  const std::string bad = short_period.serialize();
  EXPECT_THROW(State::deserialize(bad.data(), bad.size()), std::invalid_argument);
}

trend::LatenessSettings some_lateness_settings() {
  return trend::LatenessSettings{100 * kDay, 100 * kDay, kDay};
}

TEST(LatenessState, ResultAndRoundTrip) {
  trend::LatenessState state(some_lateness_settings());
  for (int day : {10, 20, 20, 30, 40}) state.add(day * kDay, day * kDay + 5);
  state.add(200 * kDay, 200 * kDay);  // after as_of: ignored
  // Median gap 10 days, last purchase 60 days before as_of.
  ASSERT_TRUE(state.result());
  EXPECT_DOUBLE_EQ(*state.result(), 6.0);
  const std::string bytes = state.serialize();
  const trend::LatenessState back = trend::LatenessState::deserialize(bytes.data(), bytes.size());
  EXPECT_EQ(back.result(), state.result());
  trend::LatenessState copy = trend::LatenessState::deserialize(bytes.data(), bytes.size());
  EXPECT_EQ(copy.serialize(), bytes);
}

TEST(LatenessState, MergeKeepsDistinctPeriods) {
  trend::LatenessState a(some_lateness_settings()), b(some_lateness_settings());
  a.add(10 * kDay, 10 * kDay);
  b.add(10 * kDay, 10 * kDay);
  b.add(30 * kDay, 30 * kDay);
  a.merge(b);
  a.merge(a);
  EXPECT_DOUBLE_EQ(*a.result(), 70.0 / 20.0);
  trend::LatenessState other(trend::LatenessSettings{99 * kDay, 99 * kDay, kDay});
  EXPECT_THROW(a.merge(other), std::invalid_argument);
}

TEST(LatenessState, DecodingIsStrict) {
  trend::LatenessState state(some_lateness_settings());
  state.add(10 * kDay, 10 * kDay);
  state.add(20 * kDay, 20 * kDay);
  std::string bytes = state.serialize();
  using trend::LatenessState;
  EXPECT_THROW(LatenessState::deserialize(bytes.data(), bytes.size() - 1), std::invalid_argument);
  EXPECT_THROW(LatenessState::deserialize((bytes + "x").data(), bytes.size() + 1),
               std::invalid_argument);
  std::string unsorted = bytes;
  std::swap_ranges(unsorted.end() - 16, unsorted.end() - 8, unsorted.end() - 8);
  EXPECT_THROW(LatenessState::deserialize(unsorted.data(), unsorted.size()), std::invalid_argument);
  std::string zero_unit = bytes;
  for (int i = 20; i < 28; ++i) zero_unit[i] = 0;  // unit_us
  EXPECT_THROW(LatenessState::deserialize(zero_unit.data(), zero_unit.size()),
               std::invalid_argument);
  std::string after_as_of = bytes;
  after_as_of[after_as_of.size() - 2] = 0x7f;  // a period far after as_of
  EXPECT_THROW(LatenessState::deserialize(after_as_of.data(), after_as_of.size()),
               std::invalid_argument);
}

TEST(FitState, RoundTripWithHeader) {
  models::FitState<models::RfmData> state;
  state.penalizer = 0.25;
  state.data.add(2, 5, 10);
  state.data.add(0, 0, 10, 3);
  const std::string bytes = state.serialize();
  EXPECT_EQ(bytes.substr(0, 4), std::string("CMF\x01", 4));
  const auto back = models::FitState<models::RfmData>::deserialize(bytes);
  EXPECT_EQ(back.penalizer, 0.25);
  EXPECT_EQ(back.data.customers(), 4u);
  EXPECT_EQ(back.serialize(), bytes);

  models::FitState<models::CohortData> cohort;
  cohort.data.add(0, 10);
  cohort.data.add(1, 7);
  const std::string cohort_bytes = cohort.serialize();
  EXPECT_EQ(models::FitState<models::CohortData>::deserialize(cohort_bytes).serialize(),
            cohort_bytes);
}

TEST(FitState, DecodingIsStrict) {
  using State = models::FitState<models::SpendData>;
  State state;
  state.data.add(2, 10);
  const std::string bytes = state.serialize();
  EXPECT_THROW(State::deserialize(bytes.substr(4)), std::invalid_argument);  // no header
  std::string newer = bytes;
  newer[3] = 2;
  EXPECT_THROW(State::deserialize(newer), std::invalid_argument);
  std::string nan_penalizer = bytes;
  for (int i = 4; i < 12; ++i) nan_penalizer[i] = '\xff';
  EXPECT_THROW(State::deserialize(nan_penalizer), std::invalid_argument);
  EXPECT_THROW(State::deserialize(bytes.substr(0, 11)), std::invalid_argument);
  EXPECT_THROW(State::deserialize(bytes + "x"), std::invalid_argument);
  // The data of another model is refused.
  models::FitState<models::RfmData> rfm;
  EXPECT_THROW(State::deserialize(rfm.serialize()), std::invalid_argument);
}

TEST(FitState, DifferentPenalizersDoNotCombine) {
  models::FitState<models::RfmData> a, b;
  b.penalizer = 0.1;
  EXPECT_THROW(a.merge(b), std::invalid_argument);
}

TEST(CohortData, CountsStayWithinBigint) {
  models::CohortData data;
  data.add(0, 1ULL << 62);
  EXPECT_THROW(data.add(0, 1ULL << 62), std::range_error);
  models::CohortData big;
  big.add(0, static_cast<std::uint64_t>(kInt64Max));
  EXPECT_THROW(big.merge(big), std::range_error);
  std::string bytes = big.serialize();
  bytes[bytes.size() - 1] = '\xff';  // active count 2^64 - 1
  EXPECT_THROW(models::CohortData::deserialize(bytes), std::invalid_argument);
}

TEST(FitState, PenalizerValidation) {
  EXPECT_NO_THROW(models::validate_penalizer(0));
  EXPECT_THROW(models::validate_penalizer(-0.1), std::invalid_argument);
  EXPECT_THROW(models::validate_penalizer(HUGE_VAL), std::invalid_argument);
}

}  // namespace
}  // namespace clv
