// clv.lateness_agg(ts, as_of [, unit]): time since the last purchase over the
// median gap between the customer's distinct purchase periods
// (clv::trend::median_gap_lateness), as a parallel-safe aggregate.
//
// Purchase times are cut into periods of `unit` (default one day) on the
// local wall clock, as clv.rfm_agg cuts them: index = floor(local_us /
// unit_us). The state keeps the distinct indexes; t is as_of in units.
#include "postgres.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "clv/bytes.hpp"
#include "clv/rfm.hpp"
#include "clv/trend.hpp"
#include "aggregate.hpp"
#include "guard.hpp"
#include "local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_lateness_transfn);
PG_FUNCTION_INFO_V1(clv_lateness_combinefn);
PG_FUNCTION_INFO_V1(clv_lateness_serialfn);
PG_FUNCTION_INFO_V1(clv_lateness_deserialfn);
PG_FUNCTION_INFO_V1(clv_lateness_finalfn);
}

namespace {

constexpr char kTag[3] = {'C', 'L', 'G'};
constexpr uint8_t kVersion = 1;

using Alloc = clv_pg::PallocAllocator<int64_t>;
using Periods = std::vector<int64_t, Alloc>;

// What lateness is measured against; constant within one group.
struct LatenessSettings {
  int64_t as_of = 0;        // transactions with ts > as_of are not counted
  int64_t as_of_local = 0;  // as_of on the local wall clock, microseconds
  int64_t unit_us = 0;
  bool operator==(const LatenessSettings& o) const {
    return as_of == o.as_of && as_of_local == o.as_of_local && unit_us == o.unit_us;
  }
};

// Raw arguments as given, so that later rows are checked cheaply.
struct RawArgs {
  TimestampTz as_of = 0;
  Interval unit{};
  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && unit.time == o.unit.time && unit.day == o.unit.day &&
           unit.month == o.unit.month;
  }
};

struct LatenessState {
  LatenessState(const LatenessSettings& settings, const RawArgs& raw, const Alloc& alloc)
      : settings(settings), raw(raw), periods(alloc) {}
  LatenessState(const LatenessState& other, const Alloc& alloc)
      : settings(other.settings),
        raw(other.raw),
        periods(other.periods, alloc),
        compact_size(other.compact_size) {}

  // Sorts and drops duplicate periods; amortised by doubling the threshold.
  void compact() {
    std::sort(periods.begin(), periods.end());
    periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
    compact_size = periods.size();
  }
  void add(int64_t period) {
    if (!periods.empty() && periods.back() == period) return;  // a run of one period
    periods.push_back(period);
    if (periods.size() >= std::max<std::size_t>(1024, 2 * compact_size)) compact();
  }

  LatenessSettings settings;
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
  Periods periods;
  std::size_t compact_size = 0;  // size after the last compact()
};

Interval one_day() {
  Interval unit{};
  unit.day = 1;
  return unit;
}

RawArgs raw_args(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(2)) throw std::invalid_argument("as_of must not be NULL");
  RawArgs raw;
  raw.as_of = PG_GETARG_TIMESTAMPTZ(2);
  raw.unit = one_day();
  if (PG_NARGS() > 3) {
    if (PG_ARGISNULL(3)) throw std::invalid_argument("unit must not be NULL");
    raw.unit = *PG_GETARG_INTERVAL_P(3);
  }
  return raw;
}

LatenessSettings settings_of(const RawArgs& raw) {
  LatenessSettings s;
  s.as_of = raw.as_of;
  s.as_of_local = clv_pg::local_microseconds(raw.as_of, "as_of");
  s.unit_us = clv_pg::period_microseconds(&raw.unit);
  return s;
}

}  // namespace

extern "C" {

// (state, ts, as_of [, unit]); NULL timestamps and those after as_of are skipped.
Datum clv_lateness_transfn(PG_FUNCTION_ARGS) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_lateness_transfn");
  auto* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<LatenessState*>(PG_GETARG_POINTER(0));
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  clv_pg::guarded([&] {
    const RawArgs raw = raw_args(fcinfo);
    if (state == nullptr) {
      state =
          clv_pg::make_in_context<LatenessState>(context, settings_of(raw), raw, Alloc(context));
    } else if (!(state->raw == raw)) {
      throw std::invalid_argument("as_of and unit must be the same for every row of a group");
    }
    if (!has_ts || ts > state->settings.as_of) return;
    const int64_t local = clv_pg::local_microseconds(ts, "ts");
    state->add(clv::floor_div(local, state->settings.unit_us));
  });
  PG_RETURN_POINTER(state);
}

Datum clv_lateness_combinefn(PG_FUNCTION_ARGS) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_lateness_combinefn");
  auto* left = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<LatenessState*>(PG_GETARG_POINTER(0));
  auto* right = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<LatenessState*>(PG_GETARG_POINTER(1));
  if (right == nullptr) PG_RETURN_POINTER(left);
  clv_pg::guarded([&] {
    if (left == nullptr) {
      left = clv_pg::make_in_context<LatenessState>(context, *right, Alloc(context));
    } else {
      if (!(left->settings == right->settings))
        throw std::invalid_argument("cannot combine lateness states with different settings");
      left->periods.insert(left->periods.end(), right->periods.begin(), right->periods.end());
      left->compact();
    }
  });
  PG_RETURN_POINTER(left);
}

// Bytes: "CLG", version 1, as_of, as_of_local, unit_us, count, the sorted
// distinct period indexes; all i64 little-endian.
Datum clv_lateness_serialfn(PG_FUNCTION_ARGS) {
  auto* state = reinterpret_cast<LatenessState*>(PG_GETARG_POINTER(0));
  bytea* out = nullptr;
  clv_pg::guarded([&] {
    state->compact();
    clv::ByteWriter writer;
    clv::write_header(writer, kTag, kVersion);
    writer.i64(state->settings.as_of);
    writer.i64(state->settings.as_of_local);
    writer.i64(state->settings.unit_us);
    writer.u64(state->periods.size());
    for (int64_t p : state->periods) writer.i64(p);
    out = clv_pg::to_bytea(writer.take());
  });
  PG_RETURN_BYTEA_P(out);
}

Datum clv_lateness_deserialfn(PG_FUNCTION_ARGS) {
  clv_pg::aggregate_context(fcinfo, "clv_lateness_deserialfn");
  bytea* bytes = PG_GETARG_BYTEA_PP(0);
  LatenessState* state = nullptr;
  clv_pg::guarded([&] {
    clv::ByteReader in(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
    in.expect_header(kTag, kVersion);
    LatenessSettings s;
    s.as_of = in.i64();
    s.as_of_local = in.i64();
    s.unit_us = in.i64();
    if (s.unit_us <= 0) throw std::invalid_argument("state has an invalid unit");
    const int64_t last_allowed = clv::floor_div(s.as_of_local, s.unit_us);
    const uint64_t n = in.count(8);
    state = clv_pg::make_in_context<LatenessState>(CurrentMemoryContext, s, RawArgs{},
                                                   Alloc(CurrentMemoryContext));
    state->periods.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      const int64_t p = in.i64();
      if (p > last_allowed) throw std::invalid_argument("state has a purchase after as_of");
      if (!state->periods.empty() && p <= state->periods.back())
        throw std::invalid_argument("state periods are not sorted and distinct");
      state->periods.push_back(p);
    }
    in.expect_end();
    state->compact_size = state->periods.size();
  });
  PG_RETURN_POINTER(state);
}

Datum clv_lateness_finalfn(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto* state = reinterpret_cast<LatenessState*>(PG_GETARG_POINTER(0));
  const std::optional<double> late = clv_pg::guarded([&]() -> std::optional<double> {
    if (state->periods.empty()) return std::nullopt;
    // Not compacted in place: the final function may be called again on the
    // same state (window aggregates, shared transition states).
    std::vector<int64_t> periods(state->periods.begin(), state->periods.end());
    std::sort(periods.begin(), periods.end());
    periods.erase(std::unique(periods.begin(), periods.end()), periods.end());
    if (periods.size() < 2) return std::nullopt;
    // Times in units from the first purchase period, so doubles stay exact.
    const int64_t first = periods.front();
    std::vector<double> times;
    times.reserve(periods.size());
    // In 128 bits: periods read from bytes may lie further apart than int64.
    for (int64_t p : periods)
      times.push_back(static_cast<double>(static_cast<__int128>(p) - first));
    const __int128 first_start = static_cast<__int128>(first) * state->settings.unit_us;
    const double t = static_cast<double>(state->settings.as_of_local - first_start) /
                     static_cast<double>(state->settings.unit_us);
    return clv::trend::median_gap_lateness(std::move(times), t);
  });
  if (!late) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(*late);
}

}  // extern "C"
