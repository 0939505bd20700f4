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

namespace bgbb = clv::models::bgbb;

// The model's fields (the memo's context) and its parameters.
struct Model {
  std::array<double, 4> fields;
  bgbb::Params params;
};

Model model_of(FunctionCallInfo fcinfo) {
  const std::array<double, 4> f = clv_pg::model_fields<4>(fcinfo, 0, 0);
  return {f, {f[0], f[1], f[2], f[3]}};
}

// A score is a function of the integers of the customer's history and the
// call's context, and discrete histories are few (at most (n+1)(n+2)/2 for n
// opportunities; 22 for the 11,104 donors of the donations data), each
// costing sums of beta functions: a warmed-up call site remembers them by
// the history. Only inputs that scored without error are stored, so a hit
// needs no validation.
template <size_t N, class Compute>
double remembered(FunctionCallInfo fcinfo, const std::array<double, N>& context, int32 a, int32 b,
                  int32 c, Compute compute) {
  clv_pg::ScoreMemo* memo = clv_pg::memo_warmed_up(fcinfo)
                                ? clv_pg::score_memo(fcinfo, clv_pg::MemoSlot::if_alive, context)
                                : nullptr;
  const auto key = clv_pg::memo_key(a, b, c);
  double value;
  if (memo != nullptr && memo->find(key, &value)) return value;
  value = clv_pg::guarded(compute);
  if (memo != nullptr) memo->store(key, value);
  return value;
}

}  // namespace

extern "C" {

Datum clv_bgbb_p_alive(PG_FUNCTION_ARGS) {
  const Model m = model_of(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  PG_RETURN_FLOAT8(
      remembered(fcinfo, m.fields, x, t_x, n, [&] { return bgbb::p_alive(m.params, x, t_x, n); }));
}

Datum clv_bgbb_expected_purchases(PG_FUNCTION_ARGS) {
  const Model m = model_of(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  const int32 n_future = PG_GETARG_INT32(4);
  PG_RETURN_FLOAT8(remembered(fcinfo, clv_pg::memo_context(m.fields, n_future), x, t_x, n, [&] {
    return bgbb::expected_purchases(m.params, x, t_x, n, n_future);
  }));
}

Datum clv_bgbb_prob_purchases(PG_FUNCTION_ARGS) {
  const Model m = model_of(fcinfo);
  const int32 x = PG_GETARG_INT32(1), n = PG_GETARG_INT32(2);
  PG_RETURN_FLOAT8(
      remembered(fcinfo, m.fields, x, n, 0, [&] { return bgbb::prob_purchases(m.params, x, n); }));
}

Datum clv_bgbb_dert(PG_FUNCTION_ARGS) {
  const Model m = model_of(fcinfo);
  const int32 x = PG_GETARG_INT32(1), t_x = PG_GETARG_INT32(2), n = PG_GETARG_INT32(3);
  const double discount_rate = PG_GETARG_FLOAT8(4);
  PG_RETURN_FLOAT8(remembered(fcinfo, clv_pg::memo_context(m.fields, discount_rate), x, t_x, n,
                              [&] { return bgbb::dert(m.params, x, t_x, n, discount_rate); }));
}

}  // extern "C"
