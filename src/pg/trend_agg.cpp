// clv.trend_agg(ts, amount float8|numeric, as_of, period [, window_periods,
// min_periods, min_relative_slope, slope_significance]) -> clv.trend:
// transition, combine, serialize, deserialize and final functions. The state
// is a clv::trend::BasicTrendAccumulator (per-period sums, see
// clv/trend_accumulator.hpp) in the aggregate's memory context.
//
// Periods are cut like clv.rfm_agg: floor(local_us / period_us), local_us the
// wall clock of the session TimeZone since 2000-01-01 00:00. Rows after as_of
// and NULL timestamps are skipped; a NULL amount is a purchase worth 0.
#include "postgres.hpp"

#include <optional>
#include <string>
#include <utility>

#include "clv/bytes.hpp"
#include "clv/rfm.hpp"
#include "clv/trend.hpp"
#include "clv/trend_accumulator.hpp"
#include "aggregate.hpp"
#include "composite.hpp"
#include "guard.hpp"
#include "local_time.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_trend_transfn);
PG_FUNCTION_INFO_V1(clv_trend_numeric_transfn);
PG_FUNCTION_INFO_V1(clv_trend_combinefn);
PG_FUNCTION_INFO_V1(clv_trend_serialfn);
PG_FUNCTION_INFO_V1(clv_trend_deserialfn);
PG_FUNCTION_INFO_V1(clv_trend_finalfn);
}

namespace {

using Alloc = clv_pg::PallocAllocator<clv::trend::PeriodSum>;
using Accumulator = clv::trend::BasicTrendAccumulator<Alloc>;

// Format of the boundary's part of a serialized state (the settings); the
// core's accumulator follows with its own header.
constexpr char kSettingsTag[3] = {'C', 'T', 'A'};
constexpr uint8_t kSettingsVersion = 1;

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

  bool operator==(const RawArgs& o) const {
    return as_of == o.as_of && period.time == o.period.time && period.day == o.period.day &&
           period.month == o.period.month && has_options == o.has_options &&
           window_periods == o.window_periods && min_periods == o.min_periods &&
           min_relative_slope == o.min_relative_slope && slope_significance == o.slope_significance;
  }
};

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
  TrendState(const TrendSettings& settings, const RawArgs& raw, Accumulator acc)
      : settings(settings), raw(raw), acc(std::move(acc)) {}
  TrendState(const TrendState& other, const Alloc& alloc)
      : settings(other.settings), raw(other.raw), acc(other.acc, alloc) {}
  TrendSettings settings;
  RawArgs raw;  // as given; unset in states rebuilt from bytes, which only combine
  // True when as_of, period and the thresholds are constants of the query:
  // then rows need no check that they stay the same.
  bool args_constant = false;
  Accumulator acc;
};

// Arguments 3.. of the transition function (as_of, period [, thresholds]).
RawArgs raw_args(FunctionCallInfo fcinfo) {
  if (PG_ARGISNULL(3)) throw std::invalid_argument("as_of must not be NULL");
  if (PG_ARGISNULL(4)) throw std::invalid_argument("period must not be NULL");
  RawArgs raw;
  raw.as_of = PG_GETARG_TIMESTAMPTZ(3);
  raw.period = *PG_GETARG_INTERVAL_P(4);
  if (PG_NARGS() > 5) {
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
  s.as_of_local = clv_pg::local_microseconds(raw.as_of, "as_of");
  s.period_us = clv_pg::period_microseconds(&raw.period);
  if (s.period_us < 1000000) throw std::invalid_argument("period must be at least one second");
  if (raw.has_options) {
    s.options.window_periods = raw.window_periods;
    s.options.min_periods = raw.min_periods;
    s.options.min_relative_slope = raw.min_relative_slope;
    s.options.slope_significance = raw.slope_significance;
  }
  clv::trend::validate(s.options);
  return s;
}

Datum trend_transition(FunctionCallInfo fcinfo, std::optional<double> amount) {
  MemoryContext context = clv_pg::aggregate_context(fcinfo, "clv_trend_transfn");
  auto* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  const bool has_ts = !PG_ARGISNULL(1);
  const TimestampTz ts = has_ts ? PG_GETARG_TIMESTAMPTZ(1) : 0;
  const bool fresh = state == nullptr;
  clv_pg::guarded([&] {
    if (fresh) {
      const RawArgs raw = raw_args(fcinfo);
      state = clv_pg::make_in_context<TrendState>(context, settings_of(raw), raw,
                                                  Accumulator(Alloc(context)));
    } else if (!state->args_constant && !(state->raw == raw_args(fcinfo))) {
      throw std::invalid_argument(
          "as_of, period and the thresholds must be the same for every row of a group");
    }
    if (!has_ts) return;
    // Infinite timestamps are errors even after as_of, as in clv.rfm_agg.
    const int64_t local = clv_pg::local_microseconds(ts, "ts");
    if (ts > state->settings.as_of) return;
    state->acc.add(clv::floor_div(local, state->settings.period_us), amount.value_or(0.0));
  });
  // Aggregate arguments: ts, amount, as_of, period, thresholds.
  if (fresh) state->args_constant = clv_pg::constant_args(fcinfo, 2);
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
      // Never hand back the other argument: copy it into our context.
      left = clv_pg::make_in_context<TrendState>(context, *right, Alloc(context));
    } else {
      if (!(left->settings == right->settings))
        throw std::invalid_argument("cannot combine trend states with different settings");
      left->acc.merge(right->acc);
    }
  });
  PG_RETURN_POINTER(left);
}

// Bytes: "CTA" 1 | as_of, as_of_local, period_us, window_periods, min_periods
// (i64) | min_relative_slope, slope_significance (f64), all little-endian |
// the core's trend state ("CTR" 1 ..., clv/trend_accumulator.hpp).
Datum clv_trend_serialfn(PG_FUNCTION_ARGS) {
  auto* state = reinterpret_cast<TrendState*>(PG_GETARG_POINTER(0));
  bytea* out = nullptr;
  clv_pg::guarded([&] {
    clv::ByteWriter writer;
    clv::write_header(writer, kSettingsTag, kSettingsVersion);
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

// The rebuilt state lives in the current (per-input) context, like the
// built-in aggregates' deserialized states; combine copies what it keeps.
Datum clv_trend_deserialfn(PG_FUNCTION_ARGS) {
  clv_pg::aggregate_context(fcinfo, "clv_trend_deserialfn");
  MemoryContext context = CurrentMemoryContext;
  bytea* bytes = PG_GETARG_BYTEA_PP(0);
  TrendState* state = nullptr;
  clv_pg::guarded([&] {
    clv::ByteReader in(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
    in.expect_header(kSettingsTag, kSettingsVersion);
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
    Accumulator acc = Accumulator::deserialize(in, Alloc(context));
    // Transition functions never keep a purchase after as_of.
    const int64_t as_of_period = clv::floor_div(s.as_of_local, s.period_us);
    if (!acc.empty() && acc.period_sums().back().period > as_of_period)
      throw std::invalid_argument("state has a purchase after as_of");
    state = clv_pg::make_in_context<TrendState>(context, s, RawArgs{}, std::move(acc));
  });
  PG_RETURN_POINTER(state);
}

// NULL for a group without transactions at or before as_of.
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
    row.add_null(INT4OID);
  }
  row.add_text(clv::trend::direction_name(r.direction));
  return row.datum();
}

}  // extern "C"
