// Scoring functions of the probabilistic models, overloaded in SQL on the
// model's composite type: clv.p_alive, clv.expected_purchases,
// clv.expected_purchases_new, clv.prob_purchases, clv.predicted_clv,
// clv.expected_spend, clv.sbg_survival, clv.sbg_retention.
#include "postgres.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "clv/models/bgnbd.hpp"
#include "clv/models/clv.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "guard.hpp"
#include "model_args.hpp"

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
PG_FUNCTION_INFO_V1(clv_mbgnbd_prob_purchases);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_prob_purchases);
PG_FUNCTION_INFO_V1(clv_bgnbd_predicted_clv);
PG_FUNCTION_INFO_V1(clv_mbgnbd_predicted_clv);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_predicted_clv);
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

template <class M>
Datum p_alive(FunctionCallInfo fcinfo) {
  const auto params = M::params(model_fields<4>(fcinfo, 0, 0));
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), t = PG_GETARG_FLOAT8(3);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] { return M::p_alive(params, x, t_x, t); }));
}

template <class M>
Datum expected_purchases(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const auto params = M::params(fields);
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), t = PG_GETARG_FLOAT8(3);
  const double horizon = PG_GETARG_FLOAT8(4);
  clv_pg::ScoreMemo* memo = clv_pg::score_memo(fcinfo, fields);
  const auto key = clv_pg::memo_key(x, t_x, t, horizon);
  double value;
  if (memo != nullptr && memo->find(key, &value)) PG_RETURN_FLOAT8(value);
  value = clv_pg::guarded([&] { return M::expected_purchases(params, x, t_x, t, horizon); });
  if (memo != nullptr) memo->store(key, value);
  PG_RETURN_FLOAT8(value);
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
// The discounted expected purchases (the value per unit of spend) depend on
// the customer's (frequency, recency, t) but not on the spend, so they are
// memoized without it; the result is that times the Gamma-Gamma spend.
template <class M>
Datum predicted_clv(FunctionCallInfo fcinfo) {
  const auto fields = model_fields<4>(fcinfo, 0, 0);
  const auto params = M::params(fields);
  const auto gg = model_fields<3>(fcinfo, 1, 1);
  const double x = PG_GETARG_FLOAT8(2), t_x = PG_GETARG_FLOAT8(3), t = PG_GETARG_FLOAT8(4);
  const double monetary = PG_GETARG_FLOAT8(5), horizon = PG_GETARG_FLOAT8(6);
  const double discount_rate = PG_GETARG_FLOAT8(7), step = PG_GETARG_FLOAT8(8);
  clv_pg::ScoreMemo* memo = clv_pg::score_memo(fcinfo, fields);
  const auto key = clv_pg::memo_key(x, t_x, t, horizon, discount_rate, step);
  double per_unit_spend = 0;
  const bool known = memo != nullptr && memo->find(key, &per_unit_spend);
  const double value = clv_pg::guarded([&] {
    const double spend = models::gamma_gamma::expected_spend({gg[0], gg[1], gg[2]}, x, monetary);
    if (!std::isfinite(spend)) throw std::invalid_argument("expected spend must be finite");
    if (!known) {
      const int steps = whole_steps(horizon, step);
      // Up to a million steps, each an expected-purchases evaluation (a 2F1
      // series, or Pareto/NBD tail integrals): poll before every one.
      per_unit_spend = models::predicted_clv(
          [&](double h) {
            clv_pg::interrupt_poll();
            return M::expected_purchases(params, x, t_x, t, h);
          },
          1.0, steps, step, discount_rate);
    }
    return spend * per_unit_spend;
  });
  if (memo != nullptr && !known) memo->store(key, per_unit_spend);
  PG_RETURN_FLOAT8(value);
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

Datum clv_bgnbd_prob_purchases(PG_FUNCTION_ARGS) {
  return prob_purchases<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_prob_purchases(PG_FUNCTION_ARGS) {
  return prob_purchases<MbgNbd>(fcinfo);
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
