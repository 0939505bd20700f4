// Aggregate state of clv.lateness_agg: the distinct purchase periods of one
// customer, from which the final function computes the time since the last
// purchase over the median gap (clv::trend::median_gap_lateness).
//
// Periods are cut as clv.rfm_agg cuts them: index = floor(local_us / unit_us)
// on the local wall clock (microseconds since 2000-01-01 00:00 local); t is
// as_of in units since the start of the first purchase period.
//
// Serialised form (clv/bytes.hpp encoding; version 1):
//   "CLG" 1 | int64 as_of, as_of_local, unit_us | uint64 count |
//   count x int64 period, strictly increasing, none after as_of's period
// deserialize() checks all of it and throws std::invalid_argument otherwise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "clv/common/bytes.hpp"
#include "clv/rfm/rfm.hpp"
#include "clv/trend/trend.hpp"

namespace clv::trend {

inline const char lateness_state_tag[3] = {'C', 'L', 'G'};
constexpr std::uint8_t lateness_state_version = 1;

// What lateness is measured against; constant within one group.
struct LatenessSettings {
  std::int64_t as_of = 0;        // transactions with ts > as_of are not counted
  std::int64_t as_of_local = 0;  // as_of on the local wall clock, microseconds
  std::int64_t unit_us = 0;      // length of a period

  bool operator==(const LatenessSettings& o) const {
    return as_of == o.as_of && as_of_local == o.as_of_local && unit_us == o.unit_us;
  }
  // std::invalid_argument unless the unit is positive.
  void validate() const;
  std::int64_t as_of_period() const { return floor_div(as_of_local, unit_us); }
};

// Lateness of the sorted, distinct periods (at least two) at as_of; see
// median_gap_lateness for the errors.
std::optional<double> lateness_of_periods(const std::int64_t* periods, std::size_t count,
                                          const LatenessSettings& settings);

template <class Alloc = std::allocator<std::int64_t>>
class BasicLatenessState {
 public:
  explicit BasicLatenessState(const LatenessSettings& settings, const Alloc& alloc = Alloc())
      : settings_(settings), periods_(alloc) {
    settings_.validate();
  }
  // A copy whose memory comes from alloc (e.g. the aggregate context).
  BasicLatenessState(const BasicLatenessState& other, const Alloc& alloc)
      : settings_(other.settings_),
        periods_(other.periods_, alloc),
        compacted_size_(other.compacted_size_) {}

  const LatenessSettings& settings() const { return settings_; }
  bool empty() const { return periods_.empty(); }

  // A purchase at ts, local_us on the local wall clock; after as_of it is
  // ignored.
  void add(std::int64_t ts, std::int64_t local_us) {
    if (ts > settings_.as_of) return;
    const std::int64_t period = floor_div(local_us, settings_.unit_us);
    if (!periods_.empty() && periods_.back() == period) return;  // a run of one period
    periods_.push_back(period);
    // Amortised by doubling the threshold.
    if (periods_.size() >= std::max<std::size_t>(1024, 2 * compacted_size_)) compact();
  }

  // Adds the periods of `other` (the combine step of parallel plans).
  void merge(const BasicLatenessState& other) {
    if (!(settings_ == other.settings_))
      throw std::invalid_argument("cannot combine lateness states with different settings");
    if (&other == this) return;  // the same periods again change nothing
    periods_.insert(periods_.end(), other.periods_.begin(), other.periods_.end());
    compact();
  }

  // NULL with fewer than two distinct periods. Leaves the state as it is:
  // a final function may run more than once on the same state.
  std::optional<double> result() const {
    std::vector<std::int64_t> periods(periods_.begin(), periods_.end());
    sort_distinct(periods);
    if (periods.size() < 2) return std::nullopt;
    return lateness_of_periods(periods.data(), periods.size(), settings_);
  }

  std::string serialize() {
    compact();
    ByteWriter out;
    write_header(out, lateness_state_tag, lateness_state_version);
    out.i64(settings_.as_of);
    out.i64(settings_.as_of_local);
    out.i64(settings_.unit_us);
    out.u64(periods_.size());
    for (std::int64_t p : periods_) out.i64(p);
    return out.take();
  }

  static BasicLatenessState deserialize(ByteReader& in, const Alloc& alloc = Alloc()) {
    in.expect_header(lateness_state_tag, lateness_state_version);
    LatenessSettings s;
    s.as_of = in.i64();
    s.as_of_local = in.i64();
    s.unit_us = in.i64();
    if (s.unit_us <= 0) throw std::invalid_argument("lateness state has an invalid unit");
    BasicLatenessState state(s, alloc);
    const std::int64_t last_allowed = s.as_of_period();
    const std::uint64_t n = in.count(8);
    state.periods_.reserve(static_cast<std::size_t>(n));
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::int64_t p = in.i64();
      if (p > last_allowed)
        throw std::invalid_argument("lateness state has a purchase after as_of");
      if (!state.periods_.empty() && p <= state.periods_.back())
        throw std::invalid_argument("lateness state periods are not sorted and distinct");
      state.periods_.push_back(p);
    }
    in.expect_end();
    state.compacted_size_ = state.periods_.size();
    return state;
  }

  static BasicLatenessState deserialize(const void* data, std::size_t size,
                                        const Alloc& alloc = Alloc()) {
    ByteReader in(data, size);
    return deserialize(in, alloc);
  }

 private:
  template <class Vector>
  static void sort_distinct(Vector& periods) {
    std::sort(periods.begin(), periods.end());
    periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
  }
  void compact() {
    sort_distinct(periods_);
    compacted_size_ = periods_.size();
  }

  LatenessSettings settings_;
  std::vector<std::int64_t, Alloc> periods_;
  std::size_t compacted_size_ = 0;  // size after the last compact()
};

using LatenessState = BasicLatenessState<>;

}  // namespace clv::trend
