// clv.log_likelihood(model, inputs... [, weight]): the log-likelihood of a
// model's parameters on the rows, overloaded in SQL on the model types. The
// state is a float8 sum (combined by float8pl), so the aggregate runs in
// parallel and in two stages on Citus; each row costs one evaluation of the
// customer's likelihood.
#include "common/postgres.hpp"

#include <array>

#include "clv/common/checked.hpp"
#include "clv/models/bgbb.hpp"
#include "clv/models/bgnbd.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "common/guard.hpp"
#include "models/arg_cache.hpp"
#include "models/row_weight.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_bgnbd_log_likelihood_transfn);
PG_FUNCTION_INFO_V1(clv_mbgnbd_log_likelihood_transfn);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_log_likelihood_transfn);
PG_FUNCTION_INFO_V1(clv_gamma_gamma_log_likelihood_transfn);
PG_FUNCTION_INFO_V1(clv_bgbb_log_likelihood_transfn);
}

namespace {

namespace models = clv::models;

// Arguments: the sum so far, the model, `inputs` inputs, an optional weight.
// A row with a NULL input or weight is skipped; a NULL model is an error
// (a sum without it would read as a likelihood).
template <size_t K, class RowLogLikelihood>
Datum transition(FunctionCallInfo fcinfo, int inputs, RowLogLikelihood row_log_likelihood) {
  const double sum = PG_ARGISNULL(0) ? 0 : PG_GETARG_FLOAT8(0);
  if (PG_ARGISNULL(1))
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the model must not be NULL")));
  bool has_row = true;
  for (int i = 2; i < 2 + inputs; ++i) has_row = has_row && !PG_ARGISNULL(i);
  const int64 weight = clv_pg::row_weight(fcinfo, 2 + inputs, has_row);
  if (!has_row) PG_RETURN_FLOAT8(sum);
  const std::array<double, K> params = clv_pg::model_fields<K>(fcinfo, 1, 0);
  PG_RETURN_FLOAT8(clv_pg::guarded([&] {
    const double row = row_log_likelihood(params, fcinfo);
    return clv::finite_result(sum + static_cast<double>(weight) * row, "the log-likelihood");
  }));
}

// BG/NBD, MBG/NBD and Pareto/NBD: (frequency, recency, t); the model's
// log_likelihood is found by argument-dependent lookup on its Params.
template <class Params>
Datum rfm_transition(FunctionCallInfo fcinfo) {
  return transition<4>(fcinfo, 3, [](const std::array<double, 4>& p, FunctionCallInfo fcinfo) {
    return log_likelihood(Params{p[0], p[1], p[2], p[3]}, PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3),
                          PG_GETARG_FLOAT8(4));
  });
}

}  // namespace

extern "C" {

Datum clv_bgnbd_log_likelihood_transfn(PG_FUNCTION_ARGS) {
  return rfm_transition<models::bgnbd::Params>(fcinfo);
}

Datum clv_mbgnbd_log_likelihood_transfn(PG_FUNCTION_ARGS) {
  return rfm_transition<models::mbgnbd::Params>(fcinfo);
}

Datum clv_pareto_nbd_log_likelihood_transfn(PG_FUNCTION_ARGS) {
  return rfm_transition<models::pareto_nbd::Params>(fcinfo);
}

Datum clv_gamma_gamma_log_likelihood_transfn(PG_FUNCTION_ARGS) {
  return transition<3>(fcinfo, 2, [](const std::array<double, 3>& p, FunctionCallInfo fcinfo) {
    return models::gamma_gamma::log_likelihood({p[0], p[1], p[2]}, PG_GETARG_FLOAT8(2),
                                               PG_GETARG_FLOAT8(3));
  });
}

Datum clv_bgbb_log_likelihood_transfn(PG_FUNCTION_ARGS) {
  return transition<4>(fcinfo, 3, [](const std::array<double, 4>& p, FunctionCallInfo fcinfo) {
    return models::bgbb::log_likelihood({p[0], p[1], p[2], p[3]}, PG_GETARG_INT32(2),
                                        PG_GETARG_INT32(3), PG_GETARG_INT32(4));
  });
}

}  // extern "C"
