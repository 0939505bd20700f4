// clv.rfm_agg and clv.rfm_holdout_agg: transition, combine, serialize,
// deserialize and final functions. The state is a C++ accumulator living in
// the aggregate's memory context (see clv/rfm.hpp for the semantics).
#include "common/postgres.hpp"

#include <optional>
#include <type_traits>
#include <string>
#include <utility>

#include "clv/rfm/rfm.hpp"
#include "common/aggregate.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_rfm_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_finalfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_finalfn);
}

namespace {

using Alloc = clv_pg::PallocAllocator<int64_t>;
using Rfm = clv::RfmAccumulator<Alloc>;
using RfmHoldout = clv::RfmHoldoutAccumulator<Alloc>;

// The aggregate's constant arguments as they were given: comparing them is
// cheaper than converting them again for every row.
struct RawArgs {
  TimestampTz as_of;
  TimestampTz observation_end;
  Interval unit;
  Interval period;
  const pg_tz* zone;  // nullptr: the session's TimeZone

  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && observation_end == o.observation_end && unit.time == o.unit.time &&
           unit.day == o.unit.day && unit.month == o.unit.month && period.time == o.period.time &&
           period.day == o.period.day && period.month == o.period.month && zone == o.zone;
  }
};

Interval one_day() {
  Interval i{};
  i.day = 1;
  return i;
}

// Reads (as_of [, observation_end], [unit [, period [, time_zone]]]) from
// argument `first` on; the time zone as resolved by the caller's C frame.
RawArgs raw_args(FunctionCallInfo fcinfo, int first, bool holdout) {
  RawArgs a{};
  int next = first;
  if (PG_ARGISNULL(next))
    throw std::invalid_argument(holdout ? "calibration_end must not be NULL"
                                        : "as_of must not be NULL");
  a.as_of = PG_GETARG_TIMESTAMPTZ(next++);
  if (holdout) {
    if (PG_ARGISNULL(next)) throw std::invalid_argument("observation_end must not be NULL");
    a.observation_end = PG_GETARG_TIMESTAMPTZ(next++);
  }
  a.unit = one_day();
  a.period = one_day();
  if (PG_NARGS() > next) {
    if (PG_ARGISNULL(next)) throw std::invalid_argument("unit must not be NULL");
    a.unit = *PG_GETARG_INTERVAL_P(next);
  }
  ++next;
  if (PG_NARGS() > next) {
    if (PG_ARGISNULL(next)) throw std::invalid_argument("period must not be NULL");
    a.period = *PG_GETARG_INTERVAL_P(next);
  }
  ++next;
  if (PG_NARGS() > next) a.zone = clv_pg::cached_time_zone();
  return a;
}

clv::RfmSettings settings_of(const RawArgs& a) {
  clv::RfmSettings s;
  s.as_of = a.as_of;
  s.as_of_local = clv_pg::local_microseconds(a.as_of, "as_of", a.zone);
  s.unit_us = clv_pg::interval_microseconds(&a.unit, "unit");
  s.period_us = clv_pg::period_microseconds(&a.period);
  return s;
}

template <class Accumulator>
struct AggState {
  template <class... Args>
  AggState(const RawArgs& raw, Args&&... args) : acc(std::forward<Args>(args)...), raw(raw) {}
  Accumulator acc;
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
};

Rfm new_accumulator(MemoryContext context, const RawArgs& raw) {
  return Rfm(settings_of(raw), Alloc(context));
}

RfmHoldout new_accumulator_holdout(MemoryContext context, const RawArgs& raw) {
  const int64_t end_local =
      clv_pg::local_microseconds(raw.observation_end, "observation_end", raw.zone);
  return RfmHoldout(settings_of(raw), raw.observation_end, end_local, Alloc(context));
}

// The aggregate's arguments: ts, amount, then those of raw_args.
template <class Accumulator, bool Holdout>
struct RfmPolicy {
  using State = AggState<Accumulator>;
  // Its buffers come from the context's allocator (Alloc).
  static constexpr bool kStateInContext = true;

  static State create(MemoryContext context, FunctionCallInfo fcinfo) {
    const RawArgs raw = raw_args(fcinfo, 3, Holdout);
    if constexpr (Holdout) {
      return State(raw, new_accumulator_holdout(context, raw));
    } else {
      return State(raw, new_accumulator(context, raw));
    }
  }
  // The first row fixes the arguments; later rows must agree with it.
  static void check(const State& state, FunctionCallInfo fcinfo) {
    if (state.raw == raw_args(fcinfo, 3, Holdout)) return;
    throw std::invalid_argument(state.raw.zone != nullptr
                                    ? "as_of, unit, period and time_zone must be the same for "
                                      "every row of a group"
                                    : "as_of, unit and period must be the same for every row of "
                                      "a group");
  }
  static State copy(const State& other, MemoryContext context) {
    return State(other.raw, other.acc, Alloc(context));
  }
  static void merge(State& into, const State& other) { into.acc.merge(other.acc); }
  static std::string serialize(State& state) { return state.acc.serialize(); }
  static State deserialize(const char* data, size_t size, MemoryContext context) {
    clv::ByteReader in(data, size);
    return State(RawArgs{}, Accumulator::deserialize(in, Alloc(context)));
  }
};

using RfmAgg = clv_pg::Aggregate<RfmPolicy<Rfm, false>>;
using RfmHoldoutAgg = clv_pg::Aggregate<RfmPolicy<RfmHoldout, true>>;

// as_of [, observation_end], unit and period (from aggregate argument 2 on)
// are constants of most queries.
constexpr int kFirstSetting = 2;

// The transition function's argument holding the time zone, when given: the
// last of (state, ts, amount, as_of [, observation_end], unit, period, zone).
template <class Agg>
constexpr int kZoneArg = std::is_same_v<Agg, RfmHoldoutAgg> ? 7 : 6;

template <class Agg>
Datum transition(FunctionCallInfo fcinfo, std::optional<double> amount, const char* name) {
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  // The row's zone equals the state's (checked, or constant), and reading
  // it here spares each row a cache line of the state.
  const pg_tz* zone =
      PG_NARGS() > kZoneArg<Agg> ? clv_pg::time_zone_arg(fcinfo, kZoneArg<Agg>) : nullptr;
  return Agg::transition(fcinfo, name, kFirstSetting, [&](typename Agg::State& state) {
    if (has_ts) state.acc.add(ts, clv_pg::local_microseconds(ts, "ts", zone), amount);
  });
}

std::optional<double> float8_amount(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(2)) return std::nullopt;
  return PG_GETARG_FLOAT8(2);
}

// Called outside guarded(): the conversion may raise its own ERROR.
std::optional<double> numeric_amount(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(2)) return std::nullopt;
  return clv_pg::numeric_to_double(PG_GETARG_DATUM(2), "amount");
}

}  // namespace

extern "C" {

Datum clv_rfm_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmAgg>(fcinfo, float8_amount(fcinfo), "clv_rfm_transfn");
}

Datum clv_rfm_numeric_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmAgg>(fcinfo, numeric_amount(fcinfo), "clv_rfm_numeric_transfn");
}

Datum clv_rfm_finalfn(PG_FUNCTION_ARGS) {
  return RfmAgg::finalize(fcinfo, [&](RfmAgg::State& state) -> Datum {
    if (state.acc.empty()) PG_RETURN_NULL();
    clv::RfmResult r = clv_pg::guarded([&] { return state.acc.result(); });
    clv_pg::CompositeBuilder row(fcinfo, 8);
    clv_pg::add_rfm_fields(row, r);
    return row.datum();
  });
}

Datum clv_rfm_holdout_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmHoldoutAgg>(fcinfo, float8_amount(fcinfo), "clv_rfm_holdout_transfn");
}

Datum clv_rfm_holdout_numeric_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmHoldoutAgg>(fcinfo, numeric_amount(fcinfo),
                                   "clv_rfm_holdout_numeric_transfn");
}

Datum clv_rfm_holdout_finalfn(PG_FUNCTION_ARGS) {
  return RfmHoldoutAgg::finalize(fcinfo, [&](RfmHoldoutAgg::State& state) -> Datum {
    if (state.acc.empty()) PG_RETURN_NULL();
    clv::RfmHoldoutResult r = clv_pg::guarded([&] { return state.acc.result(); });
    clv_pg::CompositeBuilder row(fcinfo, 11);
    clv_pg::add_rfm_fields(row, r.calibration);
    row.add_int32(r.frequency_holdout);
    row.add_float8(r.monetary_holdout);
    row.add_float8(r.duration_holdout);
    return row.datum();
  });
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(RfmAgg, clv_rfm, "clv.rfm_state")
CLV_AGGREGATE_STATE_FUNCTIONS(RfmHoldoutAgg, clv_rfm_holdout, "clv.rfm_holdout_state")
