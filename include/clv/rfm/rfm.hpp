// RFM summaries in the buy-till-you-die convention (Fader & Hardie; the
// lifetimes library's transaction summary).
//
// The core knows nothing of time zones: the caller hands it each transaction's
// timestamp (an opaque, ordered int64 such as PostgreSQL's microseconds) and
// its local wall-clock time in microseconds, from which purchase periods are
// cut. Periods are counted from the wall-clock origin (0 = 2000-01-01 00:00
// local), so one-day periods are calendar days.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "clv/common/bytes.hpp"
#include "clv/common/checked.hpp"
#include "clv/common/periods.hpp"
#include "clv/common/sums.hpp"

namespace clv {

// What an RFM summary is computed against; constant within one group.
struct RfmSettings {
  int64_t as_of = 0;        // transactions with ts > as_of are not counted
  int64_t as_of_local = 0;  // as_of on the local wall clock, microseconds
  int64_t period_us = 0;    // length of a purchase period
  int64_t unit_us = 0;      // unit in which recency and t are expressed

  bool operator==(const RfmSettings& o) const {
    return as_of == o.as_of && as_of_local == o.as_of_local && period_us == o.period_us &&
           unit_us == o.unit_us;
  }
  // Throws std::invalid_argument unless the unit is positive and periods
  // last at least a second.
  void validate() const;
};

// The distinct purchase periods of one customer, each with a flag telling
// whether any of its amounts was known (not NULL), packed into one int64 key
// (period * 2 + known): 8 bytes a period keeps many groups in work_mem.
// Appends are O(1); keys are sorted and merged lazily, when the buffer has
// doubled since the last compaction or when results are read.
template <class Alloc = std::allocator<int64_t>>
class PeriodSet {
 public:
  explicit PeriodSet(const Alloc& alloc = Alloc()) : heap_(alloc) {}
  PeriodSet(const PeriodSet& other, const Alloc& alloc)
      : heap_(other.heap_, alloc),
        last_key_(other.last_key_),
        size_(other.size_),
        compacted_size_(other.compacted_size_) {
    std::copy(other.inline_, other.inline_ + kInline, inline_);
  }
  // Copying would alias nothing, but a copy without an allocator is a mistake.
  PeriodSet(const PeriodSet&) = delete;
  PeriodSet& operator=(const PeriodSet&) = delete;
  PeriodSet(PeriodSet&&) = default;
  PeriodSet& operator=(PeriodSet&&) = default;

  // |period| < 2^62, which RfmSettings::validate guarantees for wall-clock times.
  // Compares with a copy of the last key kept in this object, so appending
  // only writes to the key buffer: in a hash aggregate over many groups a
  // read there is a cache miss on every row.
  void add(int64_t period, bool known) {
    if (size_ > 0 && period_of(last_key_) == period) {
      if (known && (last_key_ & 1) == 0) data()[size_ - 1] = ++last_key_;
      return;
    }
    last_key_ = period * 2 + (known ? 1 : 0);
    push(last_key_);
    if (size_ >= 2 * compacted_size_ + 64) compact();
  }

  void merge(const PeriodSet& other) {
    const int64_t* keys = other.data();
    for (uint32_t i = 0; i < other.size_; ++i) push(keys[i]);
    compact();
  }

  // Sorts the keys and merges those of one period.
  void compact() {
    int64_t* keys = data();
    std::sort(keys, keys + size_);
    size_t out = 0;
    for (size_t i = 0; i < size_; ++i) {
      if (out > 0 && period_of(keys[out - 1]) == period_of(keys[i])) {
        keys[out - 1] |= keys[i] & 1;
      } else {
        keys[out++] = keys[i];
      }
    }
    size_ = static_cast<uint32_t>(out);
    if (on_heap()) heap_.resize(out);
    compacted_size_ = size_;
    if (out > 0) last_key_ = keys[out - 1];
  }

  // The accessors below require compact() first.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t first() const { return period_of(data()[0]); }
  int64_t last() const { return period_of(data()[size_ - 1]); }
  bool first_known() const { return (data()[0] & 1) != 0; }
  size_t known_count() const {
    return static_cast<size_t>(
        std::count_if(data(), data() + size_, [](int64_t k) { return (k & 1) != 0; }));
  }

  void append_to(ByteWriter& out) const;
  void read_from(ByteReader& in);

 private:
  // Most customers buy in few periods: their keys live inside the state,
  // next to the other fields. Past that they move to a heap buffer that
  // starts large enough to skip the small regrowth steps.
  // (kInline keeps the whole aggregate state within a 256-byte palloc chunk.)
  static constexpr size_t kInline = 4;
  static constexpr size_t kFirstHeapCapacity = 32;

  static int64_t period_of(int64_t key) { return key >> 1; }  // arithmetic shift: floor
  bool on_heap() const { return size_ > kInline || !heap_.empty(); }
  int64_t* data() { return on_heap() ? heap_.data() : inline_; }
  const int64_t* data() const { return on_heap() ? heap_.data() : inline_; }

  void push(int64_t key) {
    if (!on_heap()) {
      if (size_ < kInline) {
        inline_[size_++] = key;
        return;
      }
      heap_.reserve(kFirstHeapCapacity);
      heap_.assign(inline_, inline_ + size_);
    }
    if (size_ == std::numeric_limits<uint32_t>::max())
      throw std::range_error("too many purchase periods in one group");
    heap_.push_back(key);
    ++size_;
  }

  std::vector<int64_t, Alloc> heap_;  // all keys once there are more than kInline
  int64_t inline_[kInline];
  int64_t last_key_ = 0;  // == the last key when not empty
  uint32_t size_ = 0;
  uint32_t compacted_size_ = 0;
};

// The figures of clv.rfm. Optional fields are SQL NULLs.
struct RfmResult {
  int32_t frequency = 0;
  double recency = 0;
  double t = 0;
  std::optional<double> monetary;
  int64_t n_orders = 0;
  std::optional<double> total_amount;
  int64_t first_ts = 0;
  int64_t last_ts = 0;
};

// Holdout figures of clv.rfm_holdout, next to the calibration RfmResult.
struct RfmHoldoutResult {
  RfmResult calibration;
  int32_t frequency_holdout = 0;
  std::optional<double> monetary_holdout;
  double duration_holdout = 0;
};

// Throws std::invalid_argument naming the value unless it is finite.
void require_finite_amount(double amount);

// Distinct periods as an int32 count; throws std::range_error past that.
int32_t period_count(size_t periods);

// Throws std::range_error: a group's order count does not fit in a bigint.
[[noreturn]] void order_count_overflows();

// Mean of `sum` over `known` periods: NULL when none is known.
inline std::optional<double> mean_of(const CompensatedSum& sum, size_t known) {
  if (known == 0 || !sum.known()) return std::nullopt;
  return sum.value() / static_cast<double>(known);
}

template <class Alloc = std::allocator<int64_t>>
class RfmAccumulator;
template <class Alloc>
RfmAccumulator<Alloc> read_rfm_body(ByteReader& in, const Alloc& alloc);

// Running RFM summary of one customer (one aggregate group). Besides the set
// of periods it keeps the total and the value of the earliest period, so the
// mean of the repeat periods is (total - first) / known repeat periods.
template <class Alloc>
class RfmAccumulator {
 public:
  RfmAccumulator(const RfmSettings& settings, const Alloc& alloc = Alloc())
      : settings_(settings), periods_(alloc) {
    settings_.validate();
  }
  // A copy whose memory comes from alloc.
  RfmAccumulator(const RfmAccumulator& other, const Alloc& alloc)
      : settings_(other.settings_),
        periods_(other.periods_, alloc),
        n_orders_(other.n_orders_),
        total_(other.total_),
        first_period_(other.first_period_),
        first_value_(other.first_value_),
        first_ts_(other.first_ts_),
        last_ts_(other.last_ts_) {}

  const RfmSettings& settings() const { return settings_; }
  bool empty() const { return n_orders_ == 0; }

  // One transaction at ts (local wall clock local_us); amount absent = NULL.
  // Transactions after as_of are ignored.
  void add(int64_t ts, int64_t local_us, std::optional<double> amount) {
    if (ts > settings_.as_of) return;
    if (n_orders_ == std::numeric_limits<int64_t>::max()) order_count_overflows();
    if (amount) {
      require_finite_amount(*amount);
      total_.add(*amount);
    }
    const int64_t period = floor_div(local_us, settings_.period_us);
    periods_.add(period, amount.has_value());
    if (n_orders_ == 0 || period < first_period_) {
      first_period_ = period;
      first_value_ = CompensatedSum{};
    }
    if (period == first_period_ && amount) first_value_.add(*amount);
    if (n_orders_ == 0 || ts < first_ts_) first_ts_ = ts;
    if (n_orders_ == 0 || ts > last_ts_) last_ts_ = ts;
    ++n_orders_;
  }

  // Combines a partial summary of the same group (parallel aggregation).
  void merge(const RfmAccumulator& other) {
    if (!(settings_ == other.settings_))
      throw std::invalid_argument("cannot combine RFM states with different settings");
    if (other.n_orders_ == 0) return;
    // Counts of states read from bytes may be anywhere in the int64 range.
    if (other.n_orders_ > std::numeric_limits<int64_t>::max() - n_orders_) order_count_overflows();
    if (n_orders_ == 0 || other.first_period_ < first_period_) {
      first_period_ = other.first_period_;
      first_value_ = other.first_value_;
    } else if (other.first_period_ == first_period_) {
      first_value_.add(other.first_value_);
    }
    if (n_orders_ == 0 || other.first_ts_ < first_ts_) first_ts_ = other.first_ts_;
    if (n_orders_ == 0 || other.last_ts_ > last_ts_) last_ts_ = other.last_ts_;
    n_orders_ += other.n_orders_;
    total_.add(other.total_);
    periods_.merge(other.periods_);
  }

  // The summary; requires !empty().
  RfmResult result() {
    periods_.compact();
    RfmResult r;
    r.frequency = period_count(periods_.size() - 1);
    // 128-bit arithmetic: period starts of states read from bytes may lie
    // anywhere in the int64 range.
    const double unit = static_cast<double>(settings_.unit_us);
    const __int128 first_start = static_cast<__int128>(periods_.first()) * settings_.period_us;
    const __int128 last_start = static_cast<__int128>(periods_.last()) * settings_.period_us;
    r.recency = static_cast<double>(last_start - first_start) / unit;
    r.t = static_cast<double>(settings_.as_of_local - first_start) / unit;
    if (r.frequency == 0) {
      r.monetary = 0.0;
    } else {
      CompensatedSum repeat_value = total_;
      if (first_value_.known()) repeat_value.add(-first_value_.value());
      r.monetary = mean_of(repeat_value, periods_.known_count() - (periods_.first_known() ? 1 : 0));
    }
    r.n_orders = n_orders_;
    if (total_.known()) r.total_amount = total_.value();
    r.first_ts = first_ts_;
    r.last_ts = last_ts_;
    return r;
  }

  std::string serialize() const;
  static RfmAccumulator deserialize(ByteReader& in, const Alloc& alloc = Alloc());
  void append_to(ByteWriter& out) const;

 private:
  friend RfmAccumulator read_rfm_body<Alloc>(ByteReader& in, const Alloc& alloc);

  RfmSettings settings_;
  PeriodSet<Alloc> periods_;
  int64_t n_orders_ = 0;
  CompensatedSum total_;
  int64_t first_period_ = 0;
  CompensatedSum first_value_;  // of first_period_
  int64_t first_ts_ = 0;
  int64_t last_ts_ = 0;
};

// Calibration summary up to calibration_end plus the purchases in
// (calibration_end, observation_end], as for calibration/holdout validation.
template <class Alloc = std::allocator<int64_t>>
class RfmHoldoutAccumulator {
 public:
  // settings.as_of is the calibration end.
  RfmHoldoutAccumulator(const RfmSettings& settings, int64_t observation_end,
                        int64_t observation_end_local, const Alloc& alloc = Alloc())
      : calibration_(settings, alloc),
        observation_end_(observation_end),
        observation_end_local_(observation_end_local),
        holdout_(alloc) {
    if (observation_end < settings.as_of)
      throw std::invalid_argument("observation_end must not be before calibration_end");
  }
  // A copy whose memory comes from alloc.
  RfmHoldoutAccumulator(const RfmHoldoutAccumulator& other, const Alloc& alloc)
      : calibration_(other.calibration_, alloc),
        observation_end_(other.observation_end_),
        observation_end_local_(other.observation_end_local_),
        holdout_(other.holdout_, alloc),
        holdout_total_(other.holdout_total_) {}

  bool empty() const { return calibration_.empty(); }

  void add(int64_t ts, int64_t local_us, std::optional<double> amount) {
    if (ts <= calibration_.settings().as_of) {
      calibration_.add(ts, local_us, amount);
    } else if (ts <= observation_end_) {
      if (amount) {
        require_finite_amount(*amount);
        holdout_total_.add(*amount);
      }
      holdout_.add(floor_div(local_us, calibration_.settings().period_us), amount.has_value());
    }
  }

  void merge(const RfmHoldoutAccumulator& other) {
    if (observation_end_ != other.observation_end_ ||
        observation_end_local_ != other.observation_end_local_)
      throw std::invalid_argument("cannot combine RFM holdout states with different settings");
    calibration_.merge(other.calibration_);
    holdout_.merge(other.holdout_);
    holdout_total_.add(other.holdout_total_);
  }

  // Requires !empty(): customers first seen in the holdout have no row.
  RfmHoldoutResult result() {
    RfmHoldoutResult r;
    r.calibration = calibration_.result();
    holdout_.compact();
    r.frequency_holdout = period_count(holdout_.size());
    r.monetary_holdout = holdout_.empty() ? 0.0 : mean_of(holdout_total_, holdout_.known_count());
    const auto& s = calibration_.settings();
    // 128-bit difference: both ends of states read from bytes may lie anywhere
    // in the int64 range.
    r.duration_holdout =
        static_cast<double>(static_cast<__int128>(observation_end_local_) - s.as_of_local) /
        static_cast<double>(s.unit_us);
    return r;
  }

  std::string serialize() const;
  static RfmHoldoutAccumulator deserialize(ByteReader& in, const Alloc& alloc = Alloc());

 private:
  RfmHoldoutAccumulator(RfmAccumulator<Alloc>&& calibration, int64_t observation_end,
                        int64_t observation_end_local, const Alloc& alloc)
      : calibration_(std::move(calibration)),
        observation_end_(observation_end),
        observation_end_local_(observation_end_local),
        holdout_(alloc) {}

  RfmAccumulator<Alloc> calibration_;
  int64_t observation_end_;
  int64_t observation_end_local_;
  PeriodSet<Alloc> holdout_;
  CompensatedSum holdout_total_;
};

}  // namespace clv

#include "clv/rfm/serialize.hpp"
