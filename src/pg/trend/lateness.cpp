// clv.lateness_agg(ts, as_of [, unit]): time since the last purchase over the
// median gap between the customer's distinct purchase periods, as a
// parallel-safe aggregate. The state, its byte format and the final
// computation are the core's clv::trend::BasicLatenessState
// (clv/lateness_state.hpp); periods of `unit` default to one day.
#include "common/postgres.hpp"

#include <optional>
#include <utility>

#include "clv/trend/lateness.hpp"
#include "common/aggregate.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_lateness_transfn);
PG_FUNCTION_INFO_V1(clv_lateness_combinefn);
PG_FUNCTION_INFO_V1(clv_lateness_serialfn);
PG_FUNCTION_INFO_V1(clv_lateness_deserialfn);
PG_FUNCTION_INFO_V1(clv_lateness_finalfn);
}

namespace {

using Alloc = clv_pg::PallocAllocator<int64_t>;
using Lateness = clv::trend::BasicLatenessState<Alloc>;

// Raw arguments as given, so that later rows are checked cheaply.
struct RawArgs {
  TimestampTz as_of = 0;
  Interval unit{};
  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && unit.time == o.unit.time && unit.day == o.unit.day &&
           unit.month == o.unit.month;
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

clv::trend::LatenessSettings settings_of(const RawArgs& raw) {
  clv::trend::LatenessSettings s;
  s.as_of = raw.as_of;
  s.as_of_local = clv_pg::local_microseconds(raw.as_of, "as_of");
  s.unit_us = clv_pg::period_microseconds(&raw.unit, "unit");
  return s;
}

}  // namespace

extern "C" {

// (state, ts, as_of [, unit]); NULL timestamps and those after as_of are skipped.
Datum clv_lateness_transfn(PG_FUNCTION_ARGS) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_lateness_transfn");
  auto* state =
      PG_ARGISNULL(0) ? nullptr : reinterpret_cast<LatenessAggState*>(PG_GETARG_POINTER(0));
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  clv_pg::guarded([&] {
    const RawArgs raw = raw_args(fcinfo);
    if (state == nullptr) {
      state = clv_pg::make_in_context<LatenessAggState>(context, raw,
                                                        Lateness(settings_of(raw), Alloc(context)));
    } else if (!(state->raw == raw)) {
      throw std::invalid_argument("as_of and unit must be the same for every row of a group");
    }
    if (!has_ts) return;
    // Infinite timestamps are errors even after as_of, as in clv.rfm_agg.
    state->acc.add(ts, clv_pg::local_microseconds(ts, "ts"));
  });
  PG_RETURN_POINTER(state);
}

Datum clv_lateness_combinefn(PG_FUNCTION_ARGS) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_lateness_combinefn");
  auto* left =
      PG_ARGISNULL(0) ? nullptr : reinterpret_cast<LatenessAggState*>(PG_GETARG_POINTER(0));
  auto* right =
      PG_ARGISNULL(1) ? nullptr : reinterpret_cast<LatenessAggState*>(PG_GETARG_POINTER(1));
  if (right == nullptr) PG_RETURN_POINTER(left);
  clv_pg::guarded([&] {
    if (left == nullptr) {
      // Never hand back the other argument: copy it into our context.
      left = clv_pg::make_in_context<LatenessAggState>(context, *right, Alloc(context));
    } else {
      left->acc.merge(right->acc);
    }
  });
  PG_RETURN_POINTER(left);
}

// Bytes: the core's lateness state (clv/lateness_state.hpp).
Datum clv_lateness_serialfn(PG_FUNCTION_ARGS) {
  auto* state = reinterpret_cast<LatenessAggState*>(PG_GETARG_POINTER(0));
  bytea* out = nullptr;
  clv_pg::guarded([&] { out = clv_pg::to_bytea(state->acc.serialize()); });
  PG_RETURN_BYTEA_P(out);
}

// The rebuilt state lives in the current (per-input) context, like the
// built-in aggregates' deserialized states; combine copies what it keeps.
Datum clv_lateness_deserialfn(PG_FUNCTION_ARGS) {
  clv_pg::aggregate_context(fcinfo, "clv_lateness_deserialfn");
  MemoryContext context = CurrentMemoryContext;
  bytea* bytes = PG_GETARG_BYTEA_PP(0);
  LatenessAggState* state = nullptr;
  clv_pg::guarded([&] {
    state = clv_pg::make_in_context<LatenessAggState>(
        context, RawArgs{},
        Lateness::deserialize(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), Alloc(context)));
  });
  PG_RETURN_POINTER(state);
}

Datum clv_lateness_finalfn(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto* state = reinterpret_cast<LatenessAggState*>(PG_GETARG_POINTER(0));
  const std::optional<double> late = clv_pg::guarded([&] { return state->acc.result(); });
  if (!late) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(*late);
}

}  // extern "C"
