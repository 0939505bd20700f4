// Scoring functions of the probabilistic models, overloaded in SQL on the
// model's composite type: clv.p_alive, clv.expected_purchases,
// clv.expected_purchases_new, clv.prob_purchases, clv.predicted_clv,
// clv.expected_spend, clv.sbg_survival, clv.sbg_retention.
#include "common/postgres.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "clv/models/bgnbd.hpp"
#include "clv/models/clv.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "common/guard.hpp"
#include "models/arg_cache.hpp"
#include "models/btyd.hpp"
#include "models/score_parts.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_bgnbd_p_alive);
PG_FUNCTION_INFO_V1(clv_mbgnbd_p_alive);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_p_alive);
PG_FUNCTION_INFO_V1(clv_bgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(clv_mbgnbd_expected_purchases);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases);
PG_FUNCTION_INFO_V1(clv_bgnbd_expected_purchases_new);
PG_FUNCTION_INFO_V1(clv_mbgnbd_expected_purchases_new);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_expected_purchases_new);
PG_FUNCTION_INFO_V1(clv_bgnbd_prob_purchases);
PG_FUNCTION_INFO_V1(clv_bgnbd_conditional_prob_purchases);
PG_FUNCTION_INFO_V1(clv_mbgnbd_prob_purchases);
PG_FUNCTION_INFO_V1(clv_mbgnbd_conditional_prob_purchases);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_prob_purchases);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_conditional_prob_purchases);
PG_FUNCTION_INFO_V1(clv_bgnbd_predicted_clv);
PG_FUNCTION_INFO_V1(clv_mbgnbd_predicted_clv);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_predicted_clv);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_dert);
PG_FUNCTION_INFO_V1(clv_gamma_gamma_expected_spend);
PG_FUNCTION_INFO_V1(clv_sbg_survival);
PG_FUNCTION_INFO_V1(clv_sbg_retention);
}

namespace {

namespace models = clv::models;
using clv_pg::BgNbd;
using clv_pg::MbgNbd;
using clv_pg::model_fields;
using clv_pg::ParetoNbd;

using clv_pg::if_alive_part;
using clv_pg::memo_context;
using clv_pg::memo_key;
using clv_pg::MemoSlot;
using clv_pg::p_alive_of;
using clv_pg::ScoreMemo;

template <class M>
Datum p_alive(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), t = PG_GETARG_FLOAT8(3);
  PG_RETURN_FLOAT8(
      p_alive_of<M>(fcinfo, clv_pg::memo_warmed_up(fcinfo), fields, M::params(fields), x, t_x, t));
}

template <class M>
Datum expected_purchases(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), t = PG_GETARG_FLOAT8(3);
  const double horizon = PG_GETARG_FLOAT8(4);
  const bool memoize = clv_pg::memo_warmed_up(fcinfo);
  const double alive = p_alive_of<M>(fcinfo, memoize, fields, M::params(fields), x, t_x, t);
  const double if_alive = if_alive_part(fcinfo, memoize, memo_context(fields, horizon), x, t, [&] {
    double out;
    M::expected_purchases_if_alive_at(M::params(fields), x, t, &horizon, 1, &out);
    return out;
  });
  // alive is in [0, 1] and if_alive finite: so is the product.
  PG_RETURN_FLOAT8(alive * if_alive);
}

template <class M>
Datum expected_purchases_new(FunctionCallInfo fcinfo) {
  const auto params = M::params(model_fields<4>(fcinfo, 0, 0));
  const double horizon = PG_GETARG_FLOAT8(1);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return M::expected_purchases_new(params, horizon); }));
}

template <class M>
Datum prob_purchases(FunctionCallInfo fcinfo) {
  const auto params = M::params(model_fields<4>(fcinfo, 0, 0));
  const int32 n = PG_GETARG_INT32(1);
  const double horizon = PG_GETARG_FLOAT8(2);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] {
    if (n < 0) throw std::invalid_argument("n must be >= 0");
    return M::prob_purchases(params, n, horizon);
  }));
}

// P(alive) through the memo of tail integrals; the probability if alive
// remembered by (frequency, t) for this n and horizon.
template <class M>
Datum conditional_prob_purchases(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const int32 n = PG_GETARG_INT32(1);
  const double x = PG_GETARG_FLOAT8(2), t_x = PG_GETARG_FLOAT8(3), t = PG_GETARG_FLOAT8(4);
  const double horizon = PG_GETARG_FLOAT8(5);
  if (n < 0) ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("n must be >= 0")));
  const bool memoize = clv_pg::memo_warmed_up(fcinfo);
  const double alive = p_alive_of<M>(fcinfo, memoize, fields, M::params(fields), x, t_x, t);
  const double if_alive = if_alive_part(
      fcinfo, memoize, memo_context(fields, static_cast<double>(n), horizon), x, t,
      [&] { return M::conditional_prob_purchases_if_alive(M::params(fields), n, x, t, horizon); });
  PG_RETURN_FLOAT8(alive * if_alive + (n == 0 ? 1 - alive : 0.0));
}

// Whole discounting steps in the horizon; throws unless horizon is a
// multiple of step.
int whole_steps(double horizon, double step) {
  if (!(step > 0) || !std::isfinite(step)) throw std::invalid_argument("step must be positive");
  if (!(horizon >= 0) || !std::isfinite(horizon))
    throw std::invalid_argument("horizon must be a finite number >= 0");
  const double steps = std::round(horizon / step);
  if (std::fabs(steps * step - horizon) > 1e-9 * std::max(1.0, horizon) || steps > 1e6)
    throw std::invalid_argument("horizon must be a whole number of steps (at most a million)");
  return static_cast<int>(steps);
}

// clv.predicted_clv(model, gamma_gamma, frequency, recency, t, monetary,
// horizon, discount_rate, step): the lifetimes library's convention.
//
// The value is the Gamma-Gamma spend times P(alive) times the discounted
// expected purchases if alive, which depend on (frequency, t) only and are
// memoized by them.
template <class M>
Datum predicted_clv(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const auto gg = model_fields<3>(fcinfo, 1, 1);
  const double x = PG_GETARG_FLOAT8(2), t_x = PG_GETARG_FLOAT8(3), t = PG_GETARG_FLOAT8(4);
  const double monetary = PG_GETARG_FLOAT8(5), horizon = PG_GETARG_FLOAT8(6);
  const double discount_rate = PG_GETARG_FLOAT8(7), step = PG_GETARG_FLOAT8(8);
  const bool memoize = clv_pg::memo_warmed_up(fcinfo);
  const double spend = clv_pg::guarded([&] {
    const double value = models::gamma_gamma::expected_spend({gg[0], gg[1], gg[2]}, x, monetary);
    if (!std::isfinite(value)) throw std::invalid_argument("expected spend must be finite");
    return value;
  });
  const double alive = p_alive_of<M>(fcinfo, memoize, fields, M::params(fields), x, t_x, t);
  const double per_unit_spend =
      if_alive_part(fcinfo, memoize, memo_context(fields, horizon, discount_rate, step), x, t, [&] {
        const int steps = whole_steps(horizon, step);
        const auto params = M::params(fields);
        // Up to a million steps, in batches that share the series
        // coefficients: poll before every batch.
        return models::predicted_clv(
            [&](const double* horizons, std::size_t count, double* out) {
              clv_pg::interrupt_poll();
              M::expected_purchases_if_alive_at(params, x, t, horizons, count, out);
            },
            1.0, steps, step, discount_rate);
      });
  PG_RETURN_FLOAT8(clv_pg::guarded([&] {
    const double value = spend * alive * per_unit_spend;
    if (!std::isfinite(value))
      throw std::range_error(
          "predicted CLV is out of the range of double precision for these inputs");
    return value;
  }));
}

}  // namespace

extern "C" {

Datum clv_bgnbd_p_alive(PG_FUNCTION_ARGS) {
  return p_alive<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_p_alive(PG_FUNCTION_ARGS) {
  return p_alive<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_p_alive(PG_FUNCTION_ARGS) {
  return p_alive<ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_expected_purchases(PG_FUNCTION_ARGS) {
  return expected_purchases<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_expected_purchases(PG_FUNCTION_ARGS) {
  return expected_purchases<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_expected_purchases(PG_FUNCTION_ARGS) {
  return expected_purchases<ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_expected_purchases_new(PG_FUNCTION_ARGS) {
  return expected_purchases_new<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_expected_purchases_new(PG_FUNCTION_ARGS) {
  return expected_purchases_new<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_expected_purchases_new(PG_FUNCTION_ARGS) {
  return expected_purchases_new<ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_conditional_prob_purchases(PG_FUNCTION_ARGS) {
  return conditional_prob_purchases<BgNbd>(fcinfo);
}
Datum clv_bgnbd_prob_purchases(PG_FUNCTION_ARGS) {
  return prob_purchases<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_conditional_prob_purchases(PG_FUNCTION_ARGS) {
  return conditional_prob_purchases<MbgNbd>(fcinfo);
}
Datum clv_mbgnbd_prob_purchases(PG_FUNCTION_ARGS) {
  return prob_purchases<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_conditional_prob_purchases(PG_FUNCTION_ARGS) {
  return conditional_prob_purchases<ParetoNbd>(fcinfo);
}
Datum clv_pareto_nbd_prob_purchases(PG_FUNCTION_ARGS) {
  return prob_purchases<ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_predicted_clv(PG_FUNCTION_ARGS) {
  return predicted_clv<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_predicted_clv(PG_FUNCTION_ARGS) {
  return predicted_clv<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_predicted_clv(PG_FUNCTION_ARGS) {
  return predicted_clv<ParetoNbd>(fcinfo);
}

// P(alive) through the call site's memo of tail integrals, times the DERT
// of a customer alive at t, remembered by (frequency, t) like the
// expectations if alive: it depends on t through (beta + t) only.
Datum clv_pareto_nbd_dert(PG_FUNCTION_ARGS) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), t = PG_GETARG_FLOAT8(3);
  const double discount_rate = PG_GETARG_FLOAT8(4);
  const bool memoize = clv_pg::memo_warmed_up(fcinfo);
  const double alive =
      p_alive_of<ParetoNbd>(fcinfo, memoize, fields, ParetoNbd::params(fields), x, t_x, t);
  const double if_alive =
      if_alive_part(fcinfo, memoize, memo_context(fields, discount_rate), x, t, [&] {
        return models::pareto_nbd::dert_if_alive(ParetoNbd::params(fields), x, t, discount_rate);
      });
  PG_RETURN_FLOAT8(alive * if_alive);
}

Datum clv_gamma_gamma_expected_spend(PG_FUNCTION_ARGS) {
  const auto gg = model_fields<3>(fcinfo, 0, 0);
  const double x = PG_GETARG_FLOAT8(1), monetary = PG_GETARG_FLOAT8(2);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] {
    return models::gamma_gamma::expected_spend({gg[0], gg[1], gg[2]}, x, monetary);
  }));
}

Datum clv_sbg_survival(PG_FUNCTION_ARGS) {
  const auto f = model_fields<2>(fcinfo, 0, 0);
  const int32 period = PG_GETARG_INT32(1);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return models::sbg::survival({f[0], f[1]}, period); }));
}

Datum clv_sbg_retention(PG_FUNCTION_ARGS) {
  const auto f = model_fields<2>(fcinfo, 0, 0);
  const int32 period = PG_GETARG_INT32(1);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return models::sbg::retention({f[0], f[1]}, period); }));
}

}  // extern "C"
