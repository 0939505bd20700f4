// clv.rfm_agg and clv.rfm_holdout_agg: transition, combine, serialize,
// deserialize and final functions. The state is a C++ accumulator living in
// the aggregate's memory context (see clv/rfm.hpp for the semantics).
#include "common/postgres.hpp"

#include <optional>

#include "clv/rfm/rfm.hpp"
#include "common/aggregate.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "common/local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_rfm_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_combinefn);
PG_FUNCTION_INFO_V1(clv_rfm_serialfn);
PG_FUNCTION_INFO_V1(clv_rfm_deserialfn);
PG_FUNCTION_INFO_V1(clv_rfm_finalfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_combinefn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_serialfn);
PG_FUNCTION_INFO_V1(clv_rfm_holdout_deserialfn);
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

  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && observation_end == o.observation_end && unit.time == o.unit.time &&
           unit.day == o.unit.day && unit.month == o.unit.month && period.time == o.period.time &&
           period.day == o.period.day && period.month == o.period.month;
  }
};

Interval one_day() {
  Interval i{};
  i.day = 1;
  return i;
}

// Reads (as_of [, observation_end], [unit [, period]]) from argument `first` on.
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
  return a;
}

clv::RfmSettings settings_of(const RawArgs& a) {
  clv::RfmSettings s;
  s.as_of = a.as_of;
  s.as_of_local = clv_pg::local_microseconds(a.as_of, "as_of");
  s.unit_us = clv_pg::interval_microseconds(&a.unit, "unit");
  s.period_us = clv_pg::period_microseconds(&a.period);
  return s;
}

template <class Accumulator>
struct AggState {
  template <class... Args>
  AggState(const RawArgs& raw, Args&&... args) : acc(std::forward<Args>(args)...), raw(raw) {}
  // True when as_of, unit and period are constants of the query: then rows
  // need no check that they stay the same.
  bool args_constant = false;
  Accumulator acc;
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
};

using RfmState = AggState<Rfm>;
using RfmHoldoutState = AggState<RfmHoldout>;

RfmState* new_state(MemoryContext context, const RawArgs& raw) {
  return clv_pg::make_in_context<RfmState>(context, raw, settings_of(raw), Alloc(context));
}

RfmHoldoutState* new_holdout_state(MemoryContext context, const RawArgs& raw) {
  const int64_t end_local = clv_pg::local_microseconds(raw.observation_end, "observation_end");
  return clv_pg::make_in_context<RfmHoldoutState>(context, raw, settings_of(raw),
                                                  raw.observation_end, end_local, Alloc(context));
}

// The first row fixes the arguments; later rows must agree with it.
template <class State>
void check_same_args(const State& state, const RawArgs& raw) {
  if (state.raw == raw) return;
  throw std::invalid_argument("as_of, unit and period must be the same for every row of a group");
}

// Shared transition: amount is already a double (or NULL).
template <class State, class NewState>
Datum transition(FunctionCallInfo fcinfo, bool holdout, std::optional<double> amount,
                 NewState new_state_fn, const char* name) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, name);
  auto* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<State*>(PG_GETARG_POINTER(0));
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  const bool fresh = state == nullptr;
  clv_pg::guarded([&] {
    if (fresh) {
      state = new_state_fn(context, raw_args(fcinfo, 3, holdout));
    } else if (!state->args_constant) {
      check_same_args(*state, raw_args(fcinfo, 3, holdout));
    }
    if (has_ts) state->acc.add(ts, clv_pg::local_microseconds(ts, "ts"), amount);
  });
  if (fresh) state->args_constant = clv_pg::constant_args(fcinfo, 2);
  PG_RETURN_POINTER(state);
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

template <class State>
Datum combine(FunctionCallInfo fcinfo, const char* name) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, name);
  auto* left = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<State*>(PG_GETARG_POINTER(0));
  auto* right = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<State*>(PG_GETARG_POINTER(1));
  if (right == nullptr) PG_RETURN_POINTER(left);
  clv_pg::guarded([&] {
    if (left == nullptr) {
      // Never hand back the other argument: copy it into our context.
      left = clv_pg::make_in_context<State>(context, right->raw, right->acc, Alloc(context));
    } else {
      left->acc.merge(right->acc);
    }
  });
  PG_RETURN_POINTER(left);
}

template <class State>
Datum serialize(FunctionCallInfo fcinfo) {
  auto* state = reinterpret_cast<State*>(PG_GETARG_POINTER(0));
  bytea* out = nullptr;
  clv_pg::guarded([&] { out = clv_pg::to_bytea(state->acc.serialize()); });
  PG_RETURN_BYTEA_P(out);
}

// The rebuilt state lives in the current (per-input) context, like the
// built-in aggregates' deserialized states; combine copies what it keeps.
template <class State, class Accumulator>
Datum deserialize(FunctionCallInfo fcinfo, const char* name) {
  clv_pg::aggregate_context(fcinfo, name);
  MemoryContext context = CurrentMemoryContext;
  bytea* bytes = PG_GETARG_BYTEA_PP(0);
  State* state = nullptr;
  clv_pg::guarded([&] {
    clv::ByteReader in(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
    state = clv_pg::make_in_context<State>(context, RawArgs{},
                                           Accumulator::deserialize(in, Alloc(context)));
  });
  PG_RETURN_POINTER(state);
}

}  // namespace

extern "C" {

Datum clv_rfm_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmState>(fcinfo, false, float8_amount(fcinfo), new_state, "clv_rfm_transfn");
}

Datum clv_rfm_numeric_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmState>(fcinfo, false, numeric_amount(fcinfo), new_state,
                              "clv_rfm_numeric_transfn");
}

Datum clv_rfm_combinefn(PG_FUNCTION_ARGS) {
  return combine<RfmState>(fcinfo, "clv_rfm_combinefn");
}

Datum clv_rfm_serialfn(PG_FUNCTION_ARGS) {
  return serialize<RfmState>(fcinfo);
}

Datum clv_rfm_deserialfn(PG_FUNCTION_ARGS) {
  return deserialize<RfmState, Rfm>(fcinfo, "clv_rfm_deserialfn");
}

Datum clv_rfm_finalfn(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto* state = reinterpret_cast<RfmState*>(PG_GETARG_POINTER(0));
  if (state->acc.empty()) PG_RETURN_NULL();
  clv::RfmResult r = clv_pg::guarded([&] { return state->acc.result(); });
  clv_pg::CompositeBuilder row(fcinfo, 8);
  clv_pg::add_rfm_fields(row, r);
  return row.datum();
}

Datum clv_rfm_holdout_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmHoldoutState>(fcinfo, true, float8_amount(fcinfo), new_holdout_state,
                                     "clv_rfm_holdout_transfn");
}

Datum clv_rfm_holdout_numeric_transfn(PG_FUNCTION_ARGS) {
  return transition<RfmHoldoutState>(fcinfo, true, numeric_amount(fcinfo), new_holdout_state,
                                     "clv_rfm_holdout_numeric_transfn");
}

Datum clv_rfm_holdout_combinefn(PG_FUNCTION_ARGS) {
  return combine<RfmHoldoutState>(fcinfo, "clv_rfm_holdout_combinefn");
}

Datum clv_rfm_holdout_serialfn(PG_FUNCTION_ARGS) {
  return serialize<RfmHoldoutState>(fcinfo);
}

Datum clv_rfm_holdout_deserialfn(PG_FUNCTION_ARGS) {
  return deserialize<RfmHoldoutState, RfmHoldout>(fcinfo, "clv_rfm_holdout_deserialfn");
}

Datum clv_rfm_holdout_finalfn(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto* state = reinterpret_cast<RfmHoldoutState*>(PG_GETARG_POINTER(0));
  if (state->acc.empty()) PG_RETURN_NULL();
  clv::RfmHoldoutResult r = clv_pg::guarded([&] { return state->acc.result(); });
  clv_pg::CompositeBuilder row(fcinfo, 11);
  clv_pg::add_rfm_fields(row, r.calibration);
  row.add_int32(r.frequency_holdout);
  row.add_float8(r.monetary_holdout);
  row.add_float8(r.duration_holdout);
  return row.datum();
}

}  // extern "C"
