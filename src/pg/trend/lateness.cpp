// clv.lateness_agg(ts, as_of [, unit]): time since the last purchase over the
// median gap between the customer's distinct purchase periods, as a
// parallel-safe aggregate. The state, its byte format and the final
// computation are the core's clv::trend::BasicLatenessState
// (clv/trend/lateness.hpp); periods of `unit` default to one day.
#include "common/postgres.hpp"

#include <optional>
#include <string>
#include <utility>

#include "clv/trend/lateness.hpp"
#include "common/aggregate.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_lateness_transfn);
PG_FUNCTION_INFO_V1(clv_lateness_finalfn);
}

namespace {

using Alloc = clv_pg::PallocAllocator<int64_t>;
using Lateness = clv::trend::BasicLatenessState<Alloc>;

// Raw arguments as given, so that later rows are checked cheaply.
struct RawArgs {
  TimestampTz as_of = 0;
  Interval unit{};
  const pg_tz* zone = nullptr;  // nullptr: the session's TimeZone
  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && unit.time == o.unit.time && unit.day == o.unit.day &&
           unit.month == o.unit.month && zone == o.zone;
  }
};

struct LatenessAggState {
  LatenessAggState(const RawArgs& raw, Lateness acc) : raw(raw), acc(std::move(acc)) {}
  LatenessAggState(const LatenessAggState& other, const Alloc& alloc)
      : raw(other.raw), acc(other.acc, alloc) {}
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
  Lateness acc;
};

Interval one_day() {
  Interval unit{};
  unit.day = 1;
  return unit;
}

// The transition function's argument holding the time zone, when given:
// (state, ts, as_of, unit, zone).
constexpr int kZoneArg = 4;

// (as_of [, unit [, time_zone]]); the time zone as resolved by the caller's
// C frame.
RawArgs raw_args(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(2)) throw std::invalid_argument("as_of must not be NULL");
  RawArgs raw;
  raw.as_of = PG_GETARG_TIMESTAMPTZ(2);
  raw.unit = one_day();
  if (PG_NARGS() > 3) {
    if (PG_ARGISNULL(3)) throw std::invalid_argument("unit must not be NULL");
    raw.unit = *PG_GETARG_INTERVAL_P(3);
  }
  if (PG_NARGS() > kZoneArg) raw.zone = clv_pg::cached_time_zone();
  return raw;
}

clv::trend::LatenessSettings settings_of(const RawArgs& raw) {
  clv::trend::LatenessSettings s;
  s.as_of = raw.as_of;
  s.as_of_local = clv_pg::local_microseconds(raw.as_of, "as_of", raw.zone);
  s.unit_us = clv_pg::period_microseconds(&raw.unit, "unit");
  return s;
}

// Aggregate arguments: ts, as_of [, unit].
struct LatenessPolicy {
  using State = LatenessAggState;
  // Its buffers come from the context's allocator (Alloc).
  static constexpr bool kStateInContext = true;

  static State create(MemoryContext context, FunctionCallInfo fcinfo) {
    const RawArgs raw = raw_args(fcinfo);
    return State(raw, Lateness(settings_of(raw), Alloc(context)));
  }
  static void check(const State& state, FunctionCallInfo fcinfo) {
    if (state.raw == raw_args(fcinfo)) return;
    throw std::invalid_argument(
        state.raw.zone != nullptr
            ? "as_of, unit and time_zone must be the same for every row of a group"
            : "as_of and unit must be the same for every row of a group");
  }
  static State copy(const State& other, MemoryContext context) {
    return State(other, Alloc(context));
  }
  static void merge(State& into, const State& other) { into.acc.merge(other.acc); }
  // Bytes: the core's lateness state (clv/trend/lateness.hpp).
  static std::string serialize(State& state) { return state.acc.serialize(); }
  static State deserialize(const char* data, size_t size, MemoryContext context) {
    return State(RawArgs{}, Lateness::deserialize(data, size, Alloc(context)));
  }
};

using LatenessAgg = clv_pg::Aggregate<LatenessPolicy>;

}  // namespace

extern "C" {

// NULL timestamps and those after as_of are skipped. Every row's arguments
// are checked, constants or not.
Datum clv_lateness_transfn(PG_FUNCTION_ARGS) {
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  // The row's zone equals the state's (checked).
  const pg_tz* zone = PG_NARGS() > kZoneArg ? clv_pg::time_zone_arg(fcinfo, kZoneArg) : nullptr;
  return LatenessAgg::transition(fcinfo, "clv_lateness_transfn", clv_pg::kNoConstantArgs,
                                 [&](LatenessAggState& state) {
                                   if (!has_ts) return;
                                   // Infinite timestamps are errors even after as_of, as in
                                   // clv.rfm_agg.
                                   state.acc.add(ts, clv_pg::local_microseconds(ts, "ts", zone));
                                 });
}

Datum clv_lateness_finalfn(PG_FUNCTION_ARGS) {
  return LatenessAgg::finalize(fcinfo, [&](LatenessAggState& state) -> Datum {
    const std::optional<double> late = clv_pg::guarded([&] { return state.acc.result(); });
    if (!late) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*late);
  });
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(LatenessAgg, clv_lateness, "clv.lateness_state")
