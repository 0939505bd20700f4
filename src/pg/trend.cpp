// Churn trend in SQL: the clv.trend_agg aggregate and the clv.lateness,
// clv.churn_risk, clv.rfm_score and clv.rfm_segment functions.
#include "postgres.hpp"

#include <array>
#include <optional>
#include <string>

#include "clv/bytes.hpp"
#include "clv/rfm.hpp"
#include "clv/segments.hpp"
#include "clv/trend.hpp"
#include "clv/trend_accumulator.hpp"
#include "aggregate.hpp"
#include "composite.hpp"
#include "guard.hpp"
#include "local_time.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(clv_trend_transfn);
PG_FUNCTION_INFO_V1(clv_trend_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_trend_combinefn);
PG_FUNCTION_INFO_V1(clv_trend_serialfn);
PG_FUNCTION_INFO_V1(clv_trend_deserialfn);
PG_FUNCTION_INFO_V1(clv_trend_finalfn);
PG_FUNCTION_INFO_V1(clv_lateness);
PG_FUNCTION_INFO_V1(clv_churn_risk);
PG_FUNCTION_INFO_V1(clv_rfm_score);
PG_FUNCTION_INFO_V1(clv_rfm_segment);
}

namespace {

using Alloc = clv_pg::PallocAllocator<clv::trend::PeriodSum>;
using Accumulator = clv::trend::BasicTrendAccumulator<Alloc>;

// What a trend is computed against; constant within one group.
struct TrendSettings {
  int64_t as_of = 0;        // transactions with ts > as_of are not counted
  int64_t as_of_local = 0;  // as_of on the local wall clock, microseconds
  int64_t period_us = 0;
  clv::trend::TrendOptions options;  // the direction thresholds

  bool operator==(const TrendSettings& o) const {
    const auto& a = options;
    const auto& b = o.options;
    return as_of == o.as_of && as_of_local == o.as_of_local && period_us == o.period_us &&
           a.window_periods == b.window_periods && a.min_periods == b.min_periods &&
           a.min_relative_slope == b.min_relative_slope &&
           a.slope_significance == b.slope_significance;
  }
};

struct TrendState {
  TrendState(const TrendSettings& settings, Accumulator acc)
      : settings(settings), acc(std::move(acc)) {}
  TrendState(const TrendState& other, const Alloc& alloc)
      : settings(other.settings), acc(other.acc, alloc) {}
  TrendSettings settings;
  Accumulator acc;
};

TrendSettings settings_of(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(3)) throw std::invalid_argument("as_of must not be NULL");
  if (PG_ARGISNULL(4)) throw std::invalid_argument("period must not be NULL");
  TrendSettings s;
  s.as_of = PG_GETARG_TIMESTAMPTZ(3);
  s.as_of_local = clv_pg::local_microseconds(s.as_of, "as_of");
  s.period_us = clv_pg::period_microseconds(PG_GETARG_INTERVAL_P(4));
  if (s.period_us < 1000000) throw std::invalid_argument("period must be at least one second");
  // Optional thresholds: window_periods, min_periods, min_relative_slope,
  // slope_significance (the overload with all four).
  if (PG_NARGS() > 5) {
    for (int i = 5; i < 9; ++i)
      if (PG_ARGISNULL(i)) throw std::invalid_argument("trend thresholds must not be NULL");
    s.options.window_periods = PG_GETARG_INT32(5);
    s.options.min_periods = PG_GETARG_INT32(6);
    s.options.min_relative_slope = PG_GETARG_FLOAT8(7);
    s.options.slope_significance = PG_GETARG_FLOAT8(8);
    clv::trend::validate(s.options);
  }
  return s;
}

// A NULL amount counts as a purchase worth 0 (it keeps a customer from
// looking lapsed); NULL timestamps are skipped.
Datum trend_transition(FunctionCallInfo fcinfo, std::optional<double> amount) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_trend_transfn");
  auto* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  clv_pg::guarded([&] {
    const TrendSettings settings = settings_of(fcinfo);
    if (state == nullptr) {
      state = clv_pg::make_in_context<TrendState>(context, settings, Accumulator(Alloc(context)));
    } else if (!(state->settings == settings)) {
      throw std::invalid_argument("as_of and period must be the same for every row of a group");
    }
    if (!has_ts || ts > settings.as_of) return;
    const int64_t local = clv_pg::local_microseconds(ts, "ts");
    state->acc.add(clv::floor_div(local, settings.period_us), amount.value_or(0.0));
  });
  PG_RETURN_POINTER(state);
}

}  // namespace

extern "C" {

Datum clv_trend_transfn(PG_FUNCTION_ARGS) {
  return trend_transition(
      fcinfo, PG_ARGISNULL(2) ? std::nullopt : std::optional<double>(PG_GETARG_FLOAT8(2)));
}

// numeric_float8 may raise its own ERROR: convert before any C++ work.
Datum clv_trend_numeric_transfn(PG_FUNCTION_ARGS) {
  std::optional<double> amount;
  if (!PG_ARGISNULL(2))
    amount = DatumGetFloat8(DirectFunctionCall1(numeric_float8, PG_GETARG_DATUM(2)));
  return trend_transition(fcinfo, amount);
}

Datum clv_trend_combinefn(PG_FUNCTION_ARGS) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_trend_combinefn");
  auto* left = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  auto* right = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<TrendState*>(PG_GETARG_POINTER(1));
  if (right == nullptr) PG_RETURN_POINTER(left);
  clv_pg::guarded([&] {
    if (left == nullptr) {
      left = clv_pg::make_in_context<TrendState>(context, *right, Alloc(context));
    } else {
      if (!(left->settings == right->settings))
        throw std::invalid_argument("cannot combine trend states with different settings");
      left->acc.merge(right->acc);
    }
  });
  PG_RETURN_POINTER(left);
}

// Bytes: as_of, as_of_local, period_us, window_periods, min_periods (i64),
// min_relative_slope, slope_significance (f64), all little-endian, then the
// core's trend state format.
Datum clv_trend_serialfn(PG_FUNCTION_ARGS) {
  auto* state = reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  bytea* out = nullptr;
  clv_pg::guarded([&] {
    clv::ByteWriter writer;
    writer.i64(state->settings.as_of);
    writer.i64(state->settings.as_of_local);
    writer.i64(state->settings.period_us);
    writer.i64(state->settings.options.window_periods);
    writer.i64(state->settings.options.min_periods);
    writer.f64(state->settings.options.min_relative_slope);
    writer.f64(state->settings.options.slope_significance);
    out = clv_pg::to_bytea(writer.take() + state->acc.serialize());
  });
  PG_RETURN_BYTEA_P(out);
}

Datum clv_trend_deserialfn(PG_FUNCTION_ARGS) {
  clv_pg::aggregate_context(fcinfo, "clv_trend_deserialfn");
  bytea* bytes = PG_GETARG_BYTEA_PP(0);
  TrendState* state = nullptr;
  clv_pg::guarded([&] {
    clv::ByteReader in(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
    TrendSettings s;
    s.as_of = in.i64();
    s.as_of_local = in.i64();
    s.period_us = in.i64();
    if (s.period_us < 1000000) throw std::invalid_argument("state has an invalid period");
    const int64_t window = in.i64(), min_periods = in.i64();
    if (window < 1 || window > INT32_MAX || min_periods < 1 || min_periods > INT32_MAX)
      throw std::invalid_argument("state has invalid trend thresholds");
    s.options.window_periods = static_cast<int>(window);
    s.options.min_periods = static_cast<int>(min_periods);
    s.options.min_relative_slope = in.f64();
    s.options.slope_significance = in.f64();
    clv::trend::validate(s.options);
    const Alloc alloc(CurrentMemoryContext);
    state = clv_pg::make_in_context<TrendState>(CurrentMemoryContext, s,
                                                Accumulator::deserialize(in, alloc));
  });
  PG_RETURN_POINTER(state);
}

Datum clv_trend_finalfn(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  auto* state = reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  if (state->acc.empty()) PG_RETURN_NULL();
  const clv::trend::TrendResult r = clv_pg::guarded([&] {
    const int64_t as_of_period =
        clv::floor_div(state->settings.as_of_local, state->settings.period_us);
    return state->acc.finalize(as_of_period, state->settings.options, clv_pg::interrupts());
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
    row.add_null();
  }
  row.add_text(clv::trend::direction_name(r.direction));
  return row.datum();
}

Datum clv_lateness(PG_FUNCTION_ARGS) {
  const double frequency = PG_GETARG_FLOAT8(0), recency = PG_GETARG_FLOAT8(1);
  const double t = PG_GETARG_FLOAT8(2);
  const std::optional<double> late =
      clv_pg::guarded([&] { return clv::trend::lateness(frequency, recency, t); });
  if (!late) PG_RETURN_NULL();
  PG_RETURN_FLOAT8(*late);
}

// Not STRICT: lateness and direction may be unknown; NULL p_alive gives NULL.
Datum clv_churn_risk(PG_FUNCTION_ARGS) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  const double p_alive = PG_GETARG_FLOAT8(0);
  std::optional<double> lateness;
  if (!PG_ARGISNULL(1)) lateness = PG_GETARG_FLOAT8(1);
  const char* direction_text = PG_ARGISNULL(2) ? nullptr : text_to_cstring(PG_GETARG_TEXT_PP(2));
  const std::string_view risk = clv_pg::guarded([&] {
    std::optional<clv::trend::Direction> direction;
    if (direction_text != nullptr) direction = clv::trend::parse_direction(direction_text);
    return clv::trend::churn_risk_name(clv::trend::churn_risk(p_alive, lateness, direction));
  });
  PG_RETURN_TEXT_P(cstring_to_text_with_len(risk.data(), static_cast<int>(risk.size())));
}

// clv.rfm_score(value, breakpoints float8[4], higher_is_better): 1..5.
Datum clv_rfm_score(PG_FUNCTION_ARGS) {
  const double value = PG_GETARG_FLOAT8(0);
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(1);
  const bool higher_is_better = PG_GETARG_BOOL(2);
  Datum* elements;
  bool* nulls;
  int count;
  deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elements, &nulls,
                    &count);
  if (count != 4)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("breakpoints must have 4 elements (the 20/40/60/80%% quantiles), not %d",
                           count)));
  std::array<double, 4> breakpoints;
  for (int i = 0; i < 4; ++i) {
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("breakpoints must not contain NULL")));
    breakpoints[i] = DatumGetFloat8(elements[i]);
  }
  const auto order = higher_is_better ? clv::segments::ScoreOrder::higher_is_better
                                      : clv::segments::ScoreOrder::lower_is_better;
  PG_RETURN_INT32(
      clv_pg::guarded([&] { return clv::segments::quintile_score(value, breakpoints, order); }));
}

Datum clv_rfm_segment(PG_FUNCTION_ARGS) {
  const int32 r = PG_GETARG_INT32(0), f = PG_GETARG_INT32(1), m = PG_GETARG_INT32(2);
  const std::string_view name = clv_pg::guarded(
      [&] { return clv::segments::rfm_segment_name(clv::segments::rfm_segment(r, f, m)); });
  PG_RETURN_TEXT_P(cstring_to_text_with_len(name.data(), static_cast<int>(name.size())));
}

}  // extern "C"
