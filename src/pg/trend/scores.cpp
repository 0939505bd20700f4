// Churn-trend scores: clv.lateness, clv.churn_risk, clv.rfm_score and
// clv.rfm_segment (rules in clv/trend.hpp and clv/segments.hpp).
#include "common/postgres.hpp"

#include <array>
#include <optional>
#include <string_view>

#include "clv/rfm/segments.hpp"
#include "clv/trend/trend.hpp"
#include "common/guard.hpp"

extern "C" {
#include "utils/array.h"

PG_FUNCTION_INFO_V1(clv_lateness);
PG_FUNCTION_INFO_V1(clv_churn_risk);
PG_FUNCTION_INFO_V1(clv_rfm_score);
PG_FUNCTION_INFO_V1(clv_rfm_segment);

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
