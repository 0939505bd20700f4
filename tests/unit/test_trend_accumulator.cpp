// TrendAccumulator: exact per-period sums, merging, compaction and serialisation.
#include "clv/trend/accumulator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace clv::trend {
namespace {

struct Row {
  std::int64_t period;
  double amount;
};

std::vector<Row> random_rows(std::mt19937_64& random, std::size_t count, bool cents) {
  std::uniform_real_distribution<double> raw(0.0, 1000.0);
  std::vector<Row> rows;
  for (std::size_t i = 0; i < count; ++i) {
    const double amount =
        cents ? static_cast<double>(random() % 100000) / 100.0 - 100.0 : raw(random);
    rows.push_back({static_cast<std::int64_t>(random() % 400) - 200, amount});
  }
  return rows;
}

void expect_same_sums(const TrendAccumulator& a, const TrendAccumulator& b) {
  const auto& left = a.period_sums();
  const auto& right = b.period_sums();
  ASSERT_EQ(left.size(), right.size());
  for (std::size_t i = 0; i < left.size(); ++i) {
    EXPECT_EQ(left[i].period, right[i].period);
    EXPECT_EQ(left[i].sum, right[i].sum) << "period " << left[i].period;
    EXPECT_EQ(left[i].compensation, right[i].compensation) << "period " << left[i].period;
  }
}

void expect_same_result(const TrendResult& a, const TrendResult& b) {
  EXPECT_EQ(a.periods, b.periods);
  EXPECT_EQ(a.slope, b.slope);
  EXPECT_EQ(a.relative_slope, b.relative_slope);
  EXPECT_EQ(a.r_squared, b.r_squared);
  EXPECT_EQ(a.recent_mean, b.recent_mean);
  EXPECT_EQ(a.previous_mean, b.previous_mean);
  EXPECT_EQ(a.change_point, b.change_point);
  EXPECT_EQ(a.direction, b.direction);
  EXPECT_EQ(a.sup_f, b.sup_f);
}

TEST(TrendAccumulator, RejectsNonFiniteAmountsNamingThem) {
  TrendAccumulator accumulator;
  try {
    accumulator.add(1, std::nan(""));
    FAIL() << "NaN accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  try {
    accumulator.add(1, -std::numeric_limits<double>::infinity());
    FAIL() << "-infinity accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("-Infinity"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(accumulator.empty());
}

TEST(TrendAccumulator, OverflowingSumIsARangeError) {
  TrendAccumulator accumulator;
  accumulator.add(1, 1e308);
  EXPECT_THROW(accumulator.add(1, 1e308), std::range_error);
}

TEST(TrendAccumulator, SumsAreExactWhateverTheOrder) {
  TrendAccumulator forward, backward;
  for (double amount : {1e16, 1.0, -1e16}) forward.add(7, amount);
  for (double amount : {1.0, -1e16, 1e16}) backward.add(7, amount);
  EXPECT_EQ(forward.period_sums().at(0).sum, 1.0);
  expect_same_sums(forward, backward);

  TrendAccumulator cents;
  for (int i = 0; i < 10; ++i) cents.add(1, 0.1);
  EXPECT_EQ(cents.period_sums().at(0).sum, 1.0);  // naive summation gives 0.9999999999999999
}

TEST(TrendAccumulator, OutOfOrderRowsCompactIntoSortedDistinctPeriods) {
  std::mt19937_64 random(1);
  const std::vector<Row> rows = random_rows(random, 20000, true);
  TrendAccumulator accumulator;
  std::map<std::int64_t, long long> cents_by_period;
  for (const Row& row : rows) {
    accumulator.add(row.period, row.amount);
    cents_by_period[row.period] += std::llround(row.amount * 100);
  }
  const auto& sums = accumulator.period_sums();
  ASSERT_EQ(sums.size(), cents_by_period.size());
  std::size_t i = 0;
  for (const auto& [period, cents] : cents_by_period) {
    EXPECT_EQ(sums[i].period, period);
    EXPECT_NEAR(sums[i].sum, static_cast<double>(cents) / 100.0, 1e-9);
    ++i;
  }
}

TEST(TrendAccumulator, MergedRandomSplitsEqualOnePass) {
  std::mt19937_64 random(42);
  for (int round = 0; round < 30; ++round) {
    const std::vector<Row> rows = random_rows(random, 3000, round % 2 == 0);
    TrendAccumulator single;
    for (const Row& row : rows) single.add(row.period, row.amount);

    const std::size_t parts = 2 + random() % 7;
    std::vector<TrendAccumulator> partial(parts);
    for (const Row& row : rows) partial[random() % parts].add(row.period, row.amount);
    std::shuffle(partial.begin(), partial.end(), random);
    TrendAccumulator combined;
    for (const TrendAccumulator& part : partial) {
      const std::string bytes = part.serialize();  // as between parallel workers
      combined.merge(TrendAccumulator::deserialize(bytes.data(), bytes.size()));
    }
    expect_same_sums(single, combined);
    expect_same_result(single.finalize(250), combined.finalize(250));
  }
}

TEST(TrendAccumulator, MergeWithEmptyAndSelf) {
  TrendAccumulator accumulator, empty;
  accumulator.add(3, 1.5);
  accumulator.add(1, 2.0);
  accumulator.merge(empty);
  empty.merge(accumulator);
  expect_same_sums(accumulator, empty);
  accumulator.merge(accumulator);
  const auto& sums = accumulator.period_sums();
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[0].sum, 4.0);
  EXPECT_EQ(sums[1].sum, 3.0);
}

TEST(TrendAccumulator, SerialisationRoundTrip) {
  std::mt19937_64 random(7);
  TrendAccumulator accumulator;
  for (const Row& row : random_rows(random, 500, false)) accumulator.add(row.period, row.amount);
  accumulator.add(std::numeric_limits<std::int64_t>::min(), 1.0);
  accumulator.add(std::numeric_limits<std::int64_t>::max(), -2.0);
  const std::string bytes = accumulator.serialize();
  const TrendAccumulator copy = TrendAccumulator::deserialize(bytes.data(), bytes.size());
  expect_same_sums(accumulator, copy);
  EXPECT_EQ(copy.serialize(), bytes);

  const std::string empty_bytes = TrendAccumulator().serialize();
  EXPECT_TRUE(TrendAccumulator::deserialize(empty_bytes.data(), empty_bytes.size()).empty());
}

TEST(TrendAccumulator, FormatIsLittleEndianAndVersioned) {
  TrendAccumulator accumulator;
  accumulator.add(0x0102030405060708, 1.0);
  const std::string bytes = accumulator.serialize();
  ASSERT_EQ(bytes.size(), 4u + 8u + 24u);
  EXPECT_EQ(bytes.substr(0, 3), "CTR");
  EXPECT_EQ(bytes[3], 1);
  EXPECT_EQ(bytes[4], 1);   // count, low byte first
  EXPECT_EQ(bytes[12], 8);  // period, low byte first
  EXPECT_EQ(bytes[19], 1);
}

TrendAccumulator decode(const std::string& bytes) {
  return TrendAccumulator::deserialize(bytes.data(), bytes.size());
}

void put_f64(std::string& bytes, std::size_t at, double value) {
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(bits >> (8 * i));
}

TEST(TrendAccumulator, MalformedBytesThrow) {
  TrendAccumulator accumulator;
  accumulator.add(1, 10.0);
  accumulator.add(5, 20.0);
  const std::string good = accumulator.serialize();
  const std::size_t second_entry = 12 + 24;

  for (std::size_t size = 0; size < good.size(); ++size)
    EXPECT_THROW(decode(good.substr(0, size)), std::invalid_argument) << size << " bytes";
  EXPECT_THROW(decode(good + '\0'), std::invalid_argument);
  EXPECT_THROW(TrendAccumulator::deserialize(nullptr, 0), std::invalid_argument);

  std::string bad = good;
  bad[0] = 'X';
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  bad[3] = 2;  // a future version
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  bad[4] = 3;  // count larger than the payload
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  bad[11] = '\x7f';  // absurd count
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  bad[second_entry] = 1;  // period 5 -> 1: not after the previous period
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_f64(bad, second_entry + 8, std::nan(""));
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_f64(bad, second_entry + 16, std::numeric_limits<double>::infinity());
  EXPECT_THROW(decode(bad), std::invalid_argument);
  bad = good;
  put_f64(bad, second_entry + 16, 1.0);  // compensation not below half an ulp of the sum
  EXPECT_THROW(decode(bad), std::invalid_argument);
}

TEST(TrendAccumulator, EveryBitFlipThrowsOrDecodesToAValidState) {
  TrendAccumulator accumulator;
  for (std::int64_t period = 0; period < 6; ++period) accumulator.add(period * 3, 10.0 + period);
  const std::string good = accumulator.serialize();
  for (std::size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[byte] = static_cast<char>(bad[byte] ^ (1 << bit));
      try {
        const TrendAccumulator state = decode(bad);
        EXPECT_EQ(state.serialize(), bad);  // canonical: what decodes re-encodes identically
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

// Counts allocations, standing in for the boundary's memory-context allocator.
template <class T>
struct CountingAllocator {
  using value_type = T;
  explicit CountingAllocator(int* count) : allocations(count) {}
  template <class U>
  CountingAllocator(const CountingAllocator<U>& other) : allocations(other.allocations) {}
  T* allocate(std::size_t n) {
    ++*allocations;
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  template <class U>
  bool operator==(const CountingAllocator<U>& other) const {
    return allocations == other.allocations;
  }
  template <class U>
  bool operator!=(const CountingAllocator<U>& other) const {
    return !(*this == other);
  }
  int* allocations;
};

TEST(TrendAccumulator, UsesTheGivenAllocator) {
  using Accumulator = BasicTrendAccumulator<CountingAllocator<PeriodSum>>;
  int allocations = 0;
  const CountingAllocator<PeriodSum> allocator(&allocations);
  Accumulator accumulator(allocator);
  for (std::int64_t period = 2000; period > 0; --period) accumulator.add(period, 1.0);
  EXPECT_EQ(accumulator.period_sums().size(), 2000u);
  EXPECT_GT(allocations, 0);

  int copies = 0;
  const Accumulator copy(accumulator, CountingAllocator<PeriodSum>(&copies));
  const std::string bytes = copy.serialize();
  const Accumulator decoded =
      Accumulator::deserialize(bytes.data(), bytes.size(), CountingAllocator<PeriodSum>(&copies));
  EXPECT_EQ(decoded.serialize(), bytes);
  EXPECT_EQ(copies, 2);
}

}  // namespace
}  // namespace clv::trend
