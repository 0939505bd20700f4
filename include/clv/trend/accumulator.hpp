// Aggregate state of clv.trend_agg: per-period sums of one customer's amounts.
//
// Rows are appended as (period, amount); consecutive rows of the same period
// add into the last entry, and the unsorted tail is compacted (sorted and
// merged) when it grows as large as the sorted part, so memory stays within
// about twice the number of distinct periods and appends are amortised
// O(log n). Rows arriving in period order never trigger a sort.
//
// Merging is exact in practice: each per-period sum is a double-double (see
// PeriodSum), which represents the exact total as long as a period's amounts
// span fewer than ~105 bits (e.g. cents up to 10^13 per period). Its leading
// double is then the correctly rounded total, whatever the order of rows and
// the split into partial states, so parallel and serial plans agree bit for bit.
//
// Serialised form (clv/bytes.hpp encoding; version 1):
//   "CTR" 1 | uint64 count | count x (int64 period, float64 sum, float64 compensation)
// with periods strictly increasing. deserialize() checks all of it (header,
// sizes, order, finiteness, the double-double invariant, no trailing bytes)
// and throws std::invalid_argument otherwise.
//
// The allocator lets the boundary keep the entries in a PostgreSQL memory
// context; std::bad_alloc from it propagates.
#pragma once

#include "clv/common/bytes.hpp"
#include "clv/common/format.hpp"
#include "clv/rfm/rfm.hpp"
#include "clv/trend/trend.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace clv::trend {

inline const char trend_state_tag[3] = {'C', 'T', 'R'};
constexpr std::uint8_t trend_state_version = 1;
constexpr std::size_t period_sum_bytes = 24;

// std::invalid_argument unless `entry` is finite, normalised and (when there
// is a previous entry) in a later period.
void check_period_sum(const PeriodSum& entry, const PeriodSum* previous);

// `total` += `amount`, keeping the double-double invariant. std::range_error
// when the sum overflows.
void add_to_period_sum(PeriodSum& total, double amount);

template <class Allocator = std::allocator<PeriodSum>>
class BasicTrendAccumulator {
 public:
  using allocator_type =
      typename std::allocator_traits<Allocator>::template rebind_alloc<PeriodSum>;

  explicit BasicTrendAccumulator(const allocator_type& allocator = allocator_type())
      : entries_(allocator) {}
  // Copies `other` into memory from `allocator` (e.g. the aggregate context).
  BasicTrendAccumulator(const BasicTrendAccumulator& other, const allocator_type& allocator)
      : entries_(other.entries_, allocator), sorted_size_(other.sorted_size_) {}

  // Adds one purchase. std::invalid_argument for a NaN or infinite amount,
  // std::range_error when the period's sum overflows.
  void add(std::int64_t period, double amount) {
    if (!std::isfinite(amount))
      throw std::invalid_argument("amount " + format_number(amount) + " is not a finite number");
    if (!entries_.empty() && entries_.back().period == period) {
      add_to_period_sum(entries_.back(), amount);
      return;
    }
    append(PeriodSum{period, amount, 0.0});
  }

  // Adds every per-period sum of `other` (the combine step of parallel plans).
  void merge(const BasicTrendAccumulator& other) {
    if (&other == this) {
      const BasicTrendAccumulator copy(*this);
      merge(copy);
      return;
    }
    for (const PeriodSum& entry : other.entries_) {
      if (!entries_.empty() && entries_.back().period == entry.period) {
        add_to_period_sum(entries_.back(), entry.sum);
        add_to_period_sum(entries_.back(), entry.compensation);
      } else {
        append(entry);
      }
    }
  }

  bool empty() const { return entries_.empty(); }

  // Sorts and merges the entries. Only the representation changes, never the
  // logical content, hence const (the members are mutable).
  void compact() const {
    if (sorted_size_ == entries_.size()) return;
    const auto tail = entries_.begin() + static_cast<std::ptrdiff_t>(sorted_size_);
    std::sort(tail, entries_.end(),
              [](const PeriodSum& a, const PeriodSum& b) { return a.period < b.period; });
    Entries merged(entries_.get_allocator());
    merged.reserve(entries_.size());
    std::size_t sorted_at = 0;
    std::size_t tail_at = sorted_size_;
    while (sorted_at < sorted_size_ || tail_at < entries_.size()) {
      const bool take_sorted =
          tail_at == entries_.size() ||
          (sorted_at < sorted_size_ && entries_[sorted_at].period <= entries_[tail_at].period);
      const PeriodSum& next = take_sorted ? entries_[sorted_at++] : entries_[tail_at++];
      if (!merged.empty() && merged.back().period == next.period) {
        add_to_period_sum(merged.back(), next.sum);
        add_to_period_sum(merged.back(), next.compensation);
      } else {
        merged.push_back(next);
      }
    }
    entries_.swap(merged);
    sorted_size_ = entries_.size();
  }

  // The per-period sums, sorted by period and distinct.
  const std::vector<PeriodSum, allocator_type>& period_sums() const {
    compact();
    return entries_;
  }

  TrendResult finalize(std::int64_t as_of_period, const TrendOptions& options = {},
                       const InterruptPoll& poll = {}) const {
    compact();
    return finalize_trend(entries_.data(), entries_.size(), as_of_period, options, poll);
  }

  std::string serialize() const {
    compact();
    ByteWriter out;
    write_header(out, trend_state_tag, trend_state_version);
    out.u64(entries_.size());
    for (const PeriodSum& entry : entries_) {
      out.i64(entry.period);
      out.f64(entry.sum);
      out.f64(entry.compensation);
    }
    return out.take();
  }

  static BasicTrendAccumulator deserialize(ByteReader& in,
                                           const allocator_type& allocator = allocator_type()) {
    in.expect_header(trend_state_tag, trend_state_version);
    const std::uint64_t count = in.count(period_sum_bytes);
    BasicTrendAccumulator state(allocator);
    state.entries_.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) {
      const PeriodSum entry{in.i64(), in.f64(), in.f64()};
      check_period_sum(entry, state.entries_.empty() ? nullptr : &state.entries_.back());
      state.entries_.push_back(entry);
    }
    in.expect_end();
    state.sorted_size_ = state.entries_.size();
    return state;
  }

  static BasicTrendAccumulator deserialize(const void* data, std::size_t size,
                                           const allocator_type& allocator = allocator_type()) {
    ByteReader in(data, size);
    return deserialize(in, allocator);
  }

 private:
  using Entries = std::vector<PeriodSum, allocator_type>;

  // Below this many entries the unsorted tail is left alone.
  static constexpr std::size_t min_compaction_tail = 1024;

  void append(const PeriodSum& entry) {
    const bool stays_sorted = sorted_size_ == entries_.size() &&
                              (entries_.empty() || entries_.back().period < entry.period);
    entries_.push_back(entry);
    if (stays_sorted) {
      ++sorted_size_;
      return;
    }
    const std::size_t tail = entries_.size() - sorted_size_;
    if (tail >= std::max(sorted_size_, min_compaction_tail)) compact();
  }

  mutable Entries entries_;
  // entries_[0..sorted_size_) are sorted by period and distinct.
  mutable std::size_t sorted_size_ = 0;
};

using TrendAccumulator = BasicTrendAccumulator<>;

inline const char trend_settings_tag[3] = {'C', 'T', 'A'};
constexpr std::uint8_t trend_settings_version = 1;

// What clv.trend_agg computes a trend against; constant within one group.
// Bytes: "CTA" 1 | as_of, as_of_local, period_us, window_periods,
// min_periods (i64) | min_relative_slope, slope_significance (f64).
struct TrendSettings {
  std::int64_t as_of = 0;        // transactions with ts > as_of are not counted
  std::int64_t as_of_local = 0;  // as_of on the local wall clock, microseconds
  std::int64_t period_us = 0;    // at least a second
  TrendOptions options;          // the direction thresholds

  bool operator==(const TrendSettings& o) const;
  std::int64_t as_of_period() const;
  // std::invalid_argument naming the first bad setting.
  void validate() const;
  void append_to(ByteWriter& out) const;
  // Reads and validates what append_to wrote; std::invalid_argument otherwise.
  static TrendSettings read_from(ByteReader& in);
};

// The whole aggregate state: the settings, then the accumulator with its
// own header. deserialize() also checks that no purchase lies after as_of.
template <class Allocator = std::allocator<PeriodSum>>
struct BasicTrendAggState {
  using Accumulator = BasicTrendAccumulator<Allocator>;

  TrendSettings settings;
  Accumulator acc;

  std::string serialize() const {
    ByteWriter out;
    settings.append_to(out);
    return out.take() + acc.serialize();
  }

  static BasicTrendAggState deserialize(const void* data, std::size_t size,
                                        const Allocator& allocator = Allocator()) {
    ByteReader in(data, size);
    const TrendSettings settings = TrendSettings::read_from(in);
    Accumulator acc = Accumulator::deserialize(in, allocator);
    // Transition functions never keep a purchase after as_of.
    if (!acc.empty() && acc.period_sums().back().period > settings.as_of_period())
      throw std::invalid_argument("trend state has a purchase after as_of");
    return BasicTrendAggState{settings, std::move(acc)};
  }
};

}  // namespace clv::trend
