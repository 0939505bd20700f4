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

#include "clv/bytes.hpp"

namespace clv {

// Floor division for possibly negative wall-clock times (dates before 2000).
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

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
  // Throws std::invalid_argument unless periods and units are positive.
  void validate() const;
};

// A sum whose result does not depend on the order of its terms in practice
// (Neumaier's compensated summation: the rounding error of every addition is
// carried in `compensation`), so parallel and serial aggregation agree to the
// last bit. NaN sum = no known term yet (NULL amounts; NaN input is rejected).
struct CompensatedSum {
  double sum = std::numeric_limits<double>::quiet_NaN();
  double compensation = 0;

  bool known() const { return !std::isnan(sum); }
  double value() const { return sum + compensation; }

  void add(double x) {
    if (!known()) {
      sum = x;
      return;
    }
    const double t = sum + x;
    compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  void add(const CompensatedSum& other) {
    if (!other.known()) return;
    add(other.sum);
    compensation += other.compensation;
  }
};

// One purchase period and its summed value.
struct PeriodValue {
  int64_t period;
  CompensatedSum value;
};

// The distinct purchase periods of one customer with their summed values.
// Appends are O(1); entries are sorted and merged lazily, when the buffer has
// doubled since the last compaction or when results are read.
template <class Alloc = std::allocator<PeriodValue>>
class PeriodLedger {
 public:
  explicit PeriodLedger(const Alloc& alloc = Alloc()) : entries_(alloc) {}
  PeriodLedger(const PeriodLedger& other, const Alloc& alloc)
      : entries_(other.entries_, alloc), compacted_size_(other.compacted_size_) {}

  // value absent = a purchase of unknown value.
  void add(int64_t period, std::optional<double> value) {
    if (entries_.empty() || entries_.back().period != period) {
      entries_.push_back(PeriodValue{period, CompensatedSum{}});
      if (value) entries_.back().value.add(*value);
      if (entries_.size() >= 2 * compacted_size_ + 64) compact();
      return;
    }
    if (value) entries_.back().value.add(*value);
  }

  void merge(const PeriodLedger& other) {
    entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end());
    compact();
  }

  // Sorts by period and sums entries of the same period.
  void compact() {
    std::sort(entries_.begin(), entries_.end(),
              [](const PeriodValue& a, const PeriodValue& b) { return a.period < b.period; });
    size_t out = 0;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (out > 0 && entries_[out - 1].period == entries_[i].period) {
        entries_[out - 1].value.add(entries_[i].value);
      } else {
        entries_[out++] = entries_[i];
      }
    }
    entries_.resize(out);
    compacted_size_ = out;
  }

  // Sorted, distinct periods; call compact() first.
  const auto& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  void append_to(ByteWriter& out) const;
  void read_from(ByteReader& in);

 private:
  std::vector<PeriodValue, Alloc> entries_;
  size_t compacted_size_ = 0;
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

template <class Alloc = std::allocator<PeriodValue>>
class RfmAccumulator;
template <class Alloc>
RfmAccumulator<Alloc> read_rfm_body(ByteReader& in, const Alloc& alloc);

// Running RFM summary of one customer (one aggregate group).
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
        first_ts_(other.first_ts_),
        last_ts_(other.last_ts_) {}

  const RfmSettings& settings() const { return settings_; }
  bool empty() const { return n_orders_ == 0; }

  // One transaction at ts (local wall clock local_us); amount absent = NULL.
  // Transactions after as_of are ignored.
  void add(int64_t ts, int64_t local_us, std::optional<double> amount) {
    if (ts > settings_.as_of) return;
    if (amount) {
      require_finite_amount(*amount);
      total_.add(*amount);
    }
    periods_.add(floor_div(local_us, settings_.period_us), amount);
    if (n_orders_ == 0 || ts < first_ts_) first_ts_ = ts;
    if (n_orders_ == 0 || ts > last_ts_) last_ts_ = ts;
    ++n_orders_;
  }

  // Combines a partial summary of the same group (parallel aggregation).
  void merge(const RfmAccumulator& other) {
    if (!(settings_ == other.settings_))
      throw std::invalid_argument("cannot combine RFM states with different settings");
    if (other.n_orders_ == 0) return;
    if (n_orders_ == 0 || other.first_ts_ < first_ts_) first_ts_ = other.first_ts_;
    if (n_orders_ == 0 || other.last_ts_ > last_ts_) last_ts_ = other.last_ts_;
    n_orders_ += other.n_orders_;
    total_.add(other.total_);
    periods_.merge(other.periods_);
  }

  // The summary; requires !empty().
  RfmResult result() {
    periods_.compact();
    const auto& p = periods_.entries();
    RfmResult r;
    if (p.size() - 1 > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw std::range_error("frequency does not fit in an integer");
    r.frequency = static_cast<int32_t>(p.size() - 1);
    // 128-bit arithmetic: period starts of states read from bytes may lie
    // anywhere in the int64 range.
    const double unit = static_cast<double>(settings_.unit_us);
    const __int128 first_start = static_cast<__int128>(p.front().period) * settings_.period_us;
    const __int128 last_start = static_cast<__int128>(p.back().period) * settings_.period_us;
    r.recency = static_cast<double>(last_start - first_start) / unit;
    r.t = static_cast<double>(settings_.as_of_local - first_start) / unit;
    r.monetary = mean_known_value(p, 1);
    if (r.frequency == 0) r.monetary = 0.0;
    r.n_orders = n_orders_;
    if (total_.known()) r.total_amount = total_.value();
    r.first_ts = first_ts_;
    r.last_ts = last_ts_;
    return r;
  }

  std::string serialize() const;
  static RfmAccumulator deserialize(ByteReader& in, const Alloc& alloc = Alloc());
  void append_to(ByteWriter& out) const;

  // Mean of the known period values from index `from` on; none known = NULL.
  template <class Vec>
  static std::optional<double> mean_known_value(const Vec& periods, size_t from) {
    double sum = 0;
    size_t known = 0;
    for (size_t i = from; i < periods.size(); ++i) {
      if (!periods[i].value.known()) continue;
      sum += periods[i].value.value();
      ++known;
    }
    if (known == 0) return std::nullopt;
    return sum / static_cast<double>(known);
  }

 private:
  friend RfmAccumulator read_rfm_body<Alloc>(ByteReader& in, const Alloc& alloc);

  RfmSettings settings_;
  PeriodLedger<Alloc> periods_;
  int64_t n_orders_ = 0;
  CompensatedSum total_;
  int64_t first_ts_ = 0;
  int64_t last_ts_ = 0;
};

// Calibration summary up to calibration_end plus the purchases in
// (calibration_end, observation_end], as for calibration/holdout validation.
template <class Alloc = std::allocator<PeriodValue>>
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
        holdout_(other.holdout_, alloc) {}

  bool empty() const { return calibration_.empty(); }

  void add(int64_t ts, int64_t local_us, std::optional<double> amount) {
    if (ts <= calibration_.settings().as_of) {
      calibration_.add(ts, local_us, amount);
    } else if (ts <= observation_end_) {
      if (amount) require_finite_amount(*amount);
      holdout_.add(floor_div(local_us, calibration_.settings().period_us), amount);
    }
  }

  void merge(const RfmHoldoutAccumulator& other) {
    if (observation_end_ != other.observation_end_ ||
        observation_end_local_ != other.observation_end_local_)
      throw std::invalid_argument("cannot combine RFM holdout states with different settings");
    calibration_.merge(other.calibration_);
    holdout_.merge(other.holdout_);
  }

  // Requires !empty(): customers first seen in the holdout have no row.
  RfmHoldoutResult result() {
    RfmHoldoutResult r;
    r.calibration = calibration_.result();
    holdout_.compact();
    const auto& p = holdout_.entries();
    if (p.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw std::range_error("holdout frequency does not fit in an integer");
    r.frequency_holdout = static_cast<int32_t>(p.size());
    r.monetary_holdout = RfmAccumulator<Alloc>::mean_known_value(p, 0);
    if (p.empty()) r.monetary_holdout = 0.0;
    const auto& s = calibration_.settings();
    r.duration_holdout =
        static_cast<double>(observation_end_local_ - s.as_of_local) / static_cast<double>(s.unit_us);
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
  PeriodLedger<Alloc> holdout_;
};

}  // namespace clv

#include "clv/rfm_serialize.hpp"
