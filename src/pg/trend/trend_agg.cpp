// clv.trend_agg(ts, amount float8|numeric, as_of, period [, window_periods,
// min_periods, min_relative_slope, slope_significance]) -> clv.trend:
// transition, combine, serialize, deserialize and final functions. The state
// is a clv::trend::BasicTrendAccumulator (per-period sums, see
// clv/trend_accumulator.hpp) in the aggregate's memory context.
//
// Periods are cut like clv.rfm_agg: floor(local_us / period_us), local_us the
// wall clock of the session TimeZone since 2000-01-01 00:00. Rows after as_of
// and NULL timestamps are skipped; a NULL amount is a purchase worth 0.
#include "common/postgres.hpp"

#include <optional>
#include <string>
#include <utility>

#include "clv/rfm/rfm.hpp"
#include "clv/trend/trend.hpp"
#include "clv/trend/accumulator.hpp"
#include "common/aggregate.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_trend_transfn);
PG_FUNCTION_INFO_V1(clv_trend_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_trend_finalfn);
}

namespace {

using Alloc = clv_pg::PallocAllocator<clv::trend::PeriodSum>;
using Accumulator = clv::trend::BasicTrendAccumulator<Alloc>;

// The aggregate's constant arguments as they were given: comparing them is
// cheaper than converting them again for every row.
struct RawArgs {
  TimestampTz as_of = 0;
  Interval period{};
  bool has_options = false;
  int32 window_periods = 0;
  int32 min_periods = 0;
  double min_relative_slope = 0;
  double slope_significance = 0;
  const pg_tz* zone = nullptr;  // nullptr: the session's TimeZone

  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && period.time == o.period.time && period.day == o.period.day &&
           period.month == o.period.month && has_options == o.has_options &&
           window_periods == o.window_periods && min_periods == o.min_periods &&
           min_relative_slope == o.min_relative_slope &&
           slope_significance == o.slope_significance && zone == o.zone;
  }
};

using TrendSettings = clv::trend::TrendSettings;
using TrendAggState = clv::trend::BasicTrendAggState<Alloc>;

// The core's state (settings and accumulator, clv/trend_accumulator.hpp)
// with the arguments as given.
struct TrendState {
  TrendState(TrendAggState agg, const RawArgs& raw) : agg(std::move(agg)), raw(raw) {}
  TrendState(const TrendState& other, const Alloc& alloc)
      : agg{other.agg.settings, Accumulator(other.agg.acc, alloc)}, raw(other.raw) {}
  TrendAggState agg;
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
};

// Transition function argument counts of the forms with a time zone (the
// last argument): (state, ts, amount, as_of, period, zone) and the same with
// the four thresholds before the zone.
constexpr int kNargsWithZone = 6;
constexpr int kNargsWithThresholdsAndZone = 10;

int zone_arg(FunctionCallInfo fcinfo) {
  return PG_NARGS() == kNargsWithZone || PG_NARGS() == kNargsWithThresholdsAndZone ? PG_NARGS() - 1
                                                                                   : -1;
}

// Arguments 3.. of the transition function (as_of, period [, thresholds]
// [, time_zone]); the time zone as resolved by the caller's C frame.
RawArgs raw_args(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(3)) throw std::invalid_argument("as_of must not be NULL");
  if (PG_ARGISNULL(4)) throw std::invalid_argument("period must not be NULL");
  RawArgs raw;
  raw.as_of = PG_GETARG_TIMESTAMPTZ(3);
  raw.period = *PG_GETARG_INTERVAL_P(4);
  if (zone_arg(fcinfo) >= 0) raw.zone = clv_pg::cached_time_zone();
  if (PG_NARGS() >= 9) {
    static const char* const names[] = {"window_periods", "min_periods", "min_relative_slope",
                                        "slope_significance"};
    for (int i = 5; i < 9; ++i)
      if (PG_ARGISNULL(i))
        throw std::invalid_argument(std::string(names[i - 5]) + " must not be NULL");
    raw.has_options = true;
    raw.window_periods = PG_GETARG_INT32(5);
    raw.min_periods = PG_GETARG_INT32(6);
    raw.min_relative_slope = PG_GETARG_FLOAT8(7);
    raw.slope_significance = PG_GETARG_FLOAT8(8);
  }
  return raw;
}

TrendSettings settings_of(const RawArgs& raw) {
  TrendSettings s;
  s.as_of = raw.as_of;
  s.as_of_local = clv_pg::local_microseconds(raw.as_of, "as_of", raw.zone);
  s.period_us = clv_pg::period_microseconds(&raw.period);
  if (raw.has_options) {
    s.options.window_periods = raw.window_periods;
    s.options.min_periods = raw.min_periods;
    s.options.min_relative_slope = raw.min_relative_slope;
    s.options.slope_significance = raw.slope_significance;
  }
  s.validate();
  return s;
}

struct TrendPolicy {
  using State = TrendState;
  // Its buffers come from the context's allocator (Alloc).
  static constexpr bool kStateInContext = true;

  static State create(MemoryContext context, FunctionCallInfo fcinfo) {
    const RawArgs raw = raw_args(fcinfo);
    return State(TrendAggState{settings_of(raw), Accumulator(Alloc(context))}, raw);
  }
  static void check(const State& state, FunctionCallInfo fcinfo) {
    if (state.raw == raw_args(fcinfo)) return;
    throw std::invalid_argument(
        state.raw.zone != nullptr
            ? "as_of, period, the thresholds and time_zone must be the same for every row of a "
              "group"
            : "as_of, period and the thresholds must be the same for every row of a group");
  }
  static State copy(const State& other, MemoryContext context) {
    return State(other, Alloc(context));
  }
  static void merge(State& into, const State& other) {
    if (!(into.agg.settings == other.agg.settings))
      throw std::invalid_argument("cannot combine trend states with different settings");
    into.agg.acc.merge(other.agg.acc);
  }
  // Bytes: the core's trend aggregate state (clv/trend_accumulator.hpp).
  // Serialising compacts the accumulator, which changes no result.
  static std::string serialize(State& state) { return state.agg.serialize(); }
  static State deserialize(const char* data, size_t size, MemoryContext context) {
    return State(TrendAggState::deserialize(data, size, Alloc(context)), RawArgs{});
  }
};

using TrendAgg = clv_pg::Aggregate<TrendPolicy>;

Datum trend_transition(FunctionCallInfo fcinfo, std::optional<double> amount) {
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  // The row's zone equals the state's (checked, or constant), and reading
  // it here spares each row a cache line of the state.
  const pg_tz* zone =
      zone_arg(fcinfo) >= 0 ? clv_pg::time_zone_arg(fcinfo, zone_arg(fcinfo)) : nullptr;
  // Aggregate arguments: ts, amount, as_of, period, thresholds, time zone.
  return TrendAgg::transition(fcinfo, "clv_trend_transfn", 2, [&](TrendState& state) {
    if (!has_ts) return;
    // Infinite timestamps are errors even after as_of, as in clv.rfm_agg.
    const int64_t local = clv_pg::local_microseconds(ts, "ts", zone);
    if (ts > state.agg.settings.as_of) return;
    state.agg.acc.add(clv::floor_div(local, state.agg.settings.period_us), amount.value_or(0.0));
  });
}

}  // namespace

extern "C" {

Datum clv_trend_transfn(PG_FUNCTION_ARGS) {
  return trend_transition(
      fcinfo, PG_ARGISNULL(2) ? std::nullopt : std::optional<double>(PG_GETARG_FLOAT8(2)));
}

// The conversion may raise its own ERROR: convert before any C++ work.
Datum clv_trend_numeric_transfn(PG_FUNCTION_ARGS) {
  std::optional<double> amount;
  if (!PG_ARGISNULL(2)) amount = clv_pg::numeric_to_double(PG_GETARG_DATUM(2), "amount");
  return trend_transition(fcinfo, amount);
}

// NULL for a group without transactions at or before as_of.
Datum clv_trend_finalfn(PG_FUNCTION_ARGS) {
  return TrendAgg::finalize(fcinfo, [&](TrendState& state) -> Datum {
    if (state.agg.acc.empty()) PG_RETURN_NULL();
    const clv::trend::TrendResult r = clv_pg::guarded([&] {
      return state.agg.acc.finalize(state.agg.settings.as_of_period(), state.agg.settings.options,
                                    clv_pg::interrupts());
    });
    clv_pg::CompositeBuilder row(fcinfo, 8);
    row.add_int32(r.periods);
    row.add_float8(r.slope);
    row.add_float8(r.relative_slope);
    row.add_float8(r.r_squared);
    row.add_float8(r.recent_mean);
    row.add_float8(r.previous_mean);
    if (r.change_point) {
      row.add_int32(*r.change_point);
    } else {
      row.add_null(INT4OID);
    }
    row.add_text(clv::trend::direction_name(r.direction));
    return row.datum();
  });
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(TrendAgg, clv_trend, "clv.trend_state")
