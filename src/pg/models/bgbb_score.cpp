// Scoring functions of the BG/BB model, overloaded in SQL on clv.bgbb:
// clv.p_alive, clv.expected_purchases, clv.prob_purchases, clv.dert.
#include "common/postgres.hpp"

#include <array>

#include "clv/models/bgbb.hpp"
#include "common/guard.hpp"
#include "models/arg_cache.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_bgbb_p_alive);
PG_FUNCTION_INFO_V1(clv_bgbb_expected_purchases);
PG_FUNCTION_INFO_V1(clv_bgbb_prob_purchases);
PG_FUNCTION_INFO_V1(clv_bgbb_dert);
}

namespace {

clv::models::bgbb::Params bgbb_params(FunctionCallInfo fcinfo) {
  const std::array<double, 4> f = clv_pg::model_fields<4>(fcinfo, 0, 0);
  return {f[0], f[1], f[2], f[3]};
}

}  // namespace

extern "C" {

Datum clv_bgbb_p_alive(PG_FUNCTION_ARGS) {
  const auto params = bgbb_params(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return clv::models::bgbb::p_alive(params, x, t_x, n); }));
}

Datum clv_bgbb_expected_purchases(PG_FUNCTION_ARGS) {
  const auto params = bgbb_params(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  const int32 n_future = PG_GETARG_INT32(4);
  PG_RETURN_FLOAT8(clv_pg::guarded(
      [&] { return clv::models::bgbb::expected_purchases(params, x, t_x, n, n_future); }));
}

Datum clv_bgbb_prob_purchases(PG_FUNCTION_ARGS) {
  const auto params = bgbb_params(fcinfo);
  const int32 x = PG_GETARG_INT32(1), n = PG_GETARG_INT32(2);
  PG_RETURN_FLOAT8(
      clv_pg::guarded([&] { return clv::models::bgbb::prob_purchases(params, x, n); }));
}

Datum clv_bgbb_dert(PG_FUNCTION_ARGS) {
  const auto params = bgbb_params(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  const double discount_rate = PG_GETARG_FLOAT8(4);
  PG_RETURN_FLOAT8(
      clv_pg::guarded([&] { return clv::models::bgbb::dert(params, x, t_x, n, discount_rate); }));
}

}  // extern "C"
