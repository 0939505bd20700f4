// The models with time-invariant covariates (clv/models/covariates.hpp): the
// fit aggregates clv.pareto_nbd_cov_fit and clv.bgnbd_cov_fit, and
// clv.for_customer(model, covariates), the model of one customer, a
// clv.pareto_nbd or clv.bgnbd that every scoring function takes.
#include "common/postgres.hpp"

extern "C" {
#include "utils/typcache.h"
}

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "clv/models/covariates.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "models/fit_aggregate.hpp"
#include "models/float8_values.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_covariate_fit_transfn);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_cov_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_bgnbd_cov_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_for_customer);
PG_FUNCTION_INFO_V1(clv_bgnbd_for_customer);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_cov_p_alive);
PG_FUNCTION_INFO_V1(clv_bgnbd_cov_p_alive);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_cov_expected_purchases);
PG_FUNCTION_INFO_V1(clv_bgnbd_cov_expected_purchases);
}

namespace {

using namespace clv_pg::fits;

using CovariateFit = clv_pg::Aggregate<FitPolicy<models::CovariateRfmData, 4>>;

// The fields of a fit with covariates: the base parameters, gamma_purchase,
// gamma_dropout, then as fit_result with k = 4 + 2 x covariates.
template <class Params>
Datum covariate_fit_result(FunctionCallInfo fcinfo,
                           const models::FitResult<models::CovariateParams<Params>>& fit) {
  const auto base = fields(fit.params.base);
  const int k = static_cast<int>(base.size() + 2 * fit.params.gamma_purchase.size());
  clv_pg::CompositeBuilder row(fcinfo, 13);
  for (double p : base) row.add_float8(p);
  row.add_float8_array(fit.params.gamma_purchase);
  row.add_float8_array(fit.params.gamma_dropout);
  const double ll = fit.log_likelihood;
  row.add_float8(ll);
  row.add_int64(static_cast<int64>(fit.n));
  row.add_bool(fit.converged);
  row.add_int32(fit.evaluations);
  row.add_float8(2.0 * k - 2 * ll);
  row.add_float8(k * std::log(static_cast<double>(fit.n)) - 2 * ll);
  row.add_float8_matrix(fit.covariance, k);
  return row.datum();
}

template <class FitFn>
Datum covariate_model_final(FunctionCallInfo fcinfo, FitFn fit, const char* model) {
  return CovariateFit::finalize(fcinfo, [&](CovariateFit::State& state) -> Datum {
    if (state.data.customers() == 0) PG_RETURN_NULL();
    models::FitOptions options;
    options.penalizer = state.penalizer;
    auto result = clv_pg::guarded([&] {
      return checked_fit([&] { return fit(state.data, options, clv_pg::interrupts()); },
                         kRepeatBuyersHint);
    });
    warn_unless_converged(result.converged, model, result.evaluations, result.limit);
    return covariate_fit_result(fcinfo, result);
  });
}

// The attribute types of clv.pareto_nbd_cov and clv.bgnbd_cov, in order.
constexpr Oid kCovariateModelTypes[] = {
    FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8OID,
    INT8OID,   BOOLOID,   INT4OID,   FLOAT8OID, FLOAT8OID,      FLOAT8ARRAYOID};
constexpr int kCovariateModelFields = sizeof kCovariateModelTypes / sizeof kCovariateModelTypes[0];

// What the C frame reads from the model with covariates.
struct CovariateModelValues {
  double base[4];
  clv_pg::Float8Values gamma_purchase, gamma_dropout;
  Datum fit[6];  // log_likelihood, n_customers, converged, iterations, aic, bic
  bool fit_null[6];
};

void read_covariate_model(HeapTupleHeader header, CovariateModelValues& out) {
  const Oid type = HeapTupleHeaderGetTypeId(header);
  TupleDesc desc = lookup_rowtype_tupdesc(type, HeapTupleHeaderGetTypMod(header));
  bool matches = desc->natts == kCovariateModelFields;
  for (int i = 0; matches && i < kCovariateModelFields; ++i)
    matches = TupleDescAttr(desc, i)->atttypid == kCovariateModelTypes[i] &&
              !TupleDescAttr(desc, i)->attisdropped;
  if (!matches) {
    ReleaseTupleDesc(desc);
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("%s is not a model type of clv_ext", format_type_be(type)),
                    errhint("The extension's types must not be altered: ALTER TYPE them back, or "
                            "drop and create the extension again.")));
  }
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(header);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = header;
  Datum values[kCovariateModelFields];
  bool nulls[kCovariateModelFields];
  heap_deform_tuple(&tuple, desc, values, nulls);
  for (int i = 0; i < 6; ++i)
    if (nulls[i])
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
               errmsg("model parameter %s is NULL", NameStr(TupleDescAttr(desc, i)->attname))));
  ReleaseTupleDesc(desc);
  for (int i = 0; i < 4; ++i) out.base[i] = DatumGetFloat8(values[i]);
  out.gamma_purchase = clv_pg::float8_values(values[4], "gamma_purchase");
  out.gamma_dropout = clv_pg::float8_values(values[5], "gamma_dropout");
  for (int i = 0; i < 6; ++i) {
    out.fit[i] = values[6 + i];
    out.fit_null[i] = nulls[6 + i];
  }
}

std::array<double, 4> fields(const models::pareto_nbd::Params& p) {
  return {p.r, p.alpha, p.s, p.beta};
}
std::array<double, 4> fields(const models::bgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}

// The customer's model: its own parameters, the fit's statistics, no
// covariance (it belongs to the model with covariates).
template <class Params>
Datum customer_model(FunctionCallInfo fcinfo, const CovariateModelValues& model, const Params& p) {
  clv_pg::CompositeBuilder row(fcinfo, 11);
  for (double v : fields(p)) row.add_float8(v);
  constexpr Oid types[6] = {FLOAT8OID, INT8OID, BOOLOID, INT4OID, FLOAT8OID, FLOAT8OID};
  for (int i = 0; i < 6; ++i) {
    if (model.fit_null[i])
      row.add_null(types[i]);
    else if (types[i] == FLOAT8OID)
      row.add_float8(DatumGetFloat8(model.fit[i]));
    else if (types[i] == INT8OID)
      row.add_int64(DatumGetInt64(model.fit[i]));
    else if (types[i] == BOOLOID)
      row.add_bool(DatumGetBool(model.fit[i]));
    else
      row.add_int32(DatumGetInt32(model.fit[i]));
  }
  row.add_float8_matrix({}, 4);
  return row.datum();
}

// The customer's own parameters from the core.
models::pareto_nbd::Params customer_params(
    const models::CovariateView<models::pareto_nbd::Params>& model, const clv_pg::Float8Values& z) {
  return models::pareto_nbd::for_customer(model, z.values, static_cast<size_t>(z.count));
}
models::bgnbd::Params customer_params(const models::CovariateView<models::bgnbd::Params>& model,
                                      const clv_pg::Float8Values& z) {
  return models::bgnbd::for_customer(model, z.values, static_cast<size_t>(z.count));
}

// The model's coefficients as the core's view of them, or an error when the
// two arrays differ in length. A C frame.
template <class Params>
models::CovariateView<Params> view_of(const CovariateModelValues& model) {
  if (model.gamma_purchase.count != model.gamma_dropout.count)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("a model needs as many dropout as purchase coefficients")));
  return {{model.base[0], model.base[1], model.base[2], model.base[3]},
          model.gamma_purchase.values,
          model.gamma_dropout.values,
          static_cast<size_t>(model.gamma_purchase.count)};
}

template <class Params>
Datum for_customer(FunctionCallInfo fcinfo) {
  CovariateModelValues model;
  read_covariate_model(PG_GETARG_HEAPTUPLEHEADER(0), model);
  const auto view = view_of<Params>(model);
  const clv_pg::Float8Values z = clv_pg::float8_values(PG_GETARG_DATUM(1), "covariates");
  const Params p = clv_pg::guarded([&] { return customer_params(view, z); });
  return customer_model(fcinfo, model, p);
}

// Per call site (fn_extra): the model with covariates last read, by its raw
// bytes, with copies of its coefficients, so that scoring a table against one
// model reads its arrays once.
struct CovariateModelCache {
  size_t raw_size = 0;  // 0: nothing cached
  char* raw = nullptr;
  double base[4];
  double* gammas = nullptr;  // purchase, then dropout coefficients
  size_t covariates = 0;
};

template <class Params>
models::CovariateView<Params> cached_view(FunctionCallInfo fcinfo) {
  auto* cache = static_cast<CovariateModelCache*>(fcinfo->flinfo->fn_extra);
  if (cache == nullptr) {
    cache = static_cast<CovariateModelCache*>(
        MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CovariateModelCache)));
    fcinfo->flinfo->fn_extra = cache;
  }
  const auto* raw = reinterpret_cast<const struct varlena*>(DatumGetPointer(PG_GETARG_DATUM(0)));
  const bool plain = !VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw);
  const size_t raw_size = plain ? VARSIZE_ANY_EXHDR(raw) : 0;
  if (raw_size == 0 || raw_size != cache->raw_size ||
      memcmp(VARDATA_ANY(raw), cache->raw, raw_size) != 0) {
    CovariateModelValues model;
    read_covariate_model(PG_GETARG_HEAPTUPLEHEADER(0), model);
    const auto view = view_of<Params>(model);
    if (cache->raw != nullptr) pfree(cache->raw);
    if (cache->gammas != nullptr) pfree(cache->gammas);
    cache->raw_size = 0;
    cache->raw = nullptr;
    cache->covariates = view.covariates;
    cache->gammas = static_cast<double*>(
        MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * (2 * view.covariates + 1)));
    std::copy(view.gamma_purchase, view.gamma_purchase + view.covariates, cache->gammas);
    std::copy(view.gamma_dropout, view.gamma_dropout + view.covariates,
              cache->gammas + view.covariates);
    std::copy(model.base, model.base + 4, cache->base);
    if (raw_size != 0) {
      cache->raw = static_cast<char*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, raw_size));
      memcpy(cache->raw, VARDATA_ANY(raw), raw_size);
      cache->raw_size = raw_size;
    }
  }
  return {{cache->base[0], cache->base[1], cache->base[2], cache->base[3]},
          cache->gammas,
          cache->gammas + cache->covariates,
          cache->covariates};
}

// A score of the customer's own model (arguments: the model with
// covariates, the score's, then the covariates in argument covariates_arg).
template <class Params, class Score>
Datum score_with_covariates(FunctionCallInfo fcinfo, int covariates_arg, Score score) {
  const auto view = cached_view<Params>(fcinfo);
  const clv_pg::Float8Values z =
      clv_pg::float8_values(PG_GETARG_DATUM(covariates_arg), "covariates");
  const double value = clv_pg::guarded([&] { return score(customer_params(view, z)); });
  PG_RETURN_FLOAT8(value);
}

}  // namespace

extern "C" {

// (frequency, recency, t, covariates [, penalizer [, weight]]): a row with a
// NULL input (the covariates array included) is skipped; NULL elements are
// an error.
Datum clv_covariate_fit_transfn(PG_FUNCTION_ARGS) {
  const clv_pg::Float8Values z = PG_ARGISNULL(4)
                                     ? clv_pg::Float8Values{nullptr, 0}
                                     : clv_pg::float8_values(PG_GETARG_DATUM(4), "covariates");
  return fit_transition<CovariateFit>(
      fcinfo, 4, "clv_covariate_fit_transfn",
      [&](models::CovariateRfmData& data, FunctionCallInfo fcinfo, uint64_t weight) {
        data.add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3),
                 std::vector<double>(z.values, z.values + z.count), weight);
      });
}

Datum clv_pareto_nbd_cov_fit_finalfn(PG_FUNCTION_ARGS) {
  return covariate_model_final(
      fcinfo,
      [](const models::CovariateRfmData& data, const models::FitOptions& options,
         const clv::InterruptPoll& poll) { return models::pareto_nbd::fit(data, options, poll); },
      "Pareto/NBD");
}

Datum clv_bgnbd_cov_fit_finalfn(PG_FUNCTION_ARGS) {
  return covariate_model_final(
      fcinfo,
      [](const models::CovariateRfmData& data, const models::FitOptions& options,
         const clv::InterruptPoll& poll) { return models::bgnbd::fit(data, options, poll); },
      "BG/NBD");
}

Datum clv_pareto_nbd_for_customer(PG_FUNCTION_ARGS) {
  return for_customer<models::pareto_nbd::Params>(fcinfo);
}

Datum clv_bgnbd_for_customer(PG_FUNCTION_ARGS) {
  return for_customer<models::bgnbd::Params>(fcinfo);
}

Datum clv_pareto_nbd_cov_p_alive(PG_FUNCTION_ARGS) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3);
  return score_with_covariates<models::pareto_nbd::Params>(
      fcinfo, 4, [&](const auto& p) { return models::pareto_nbd::p_alive(p, x, t_x, T); });
}

Datum clv_bgnbd_cov_p_alive(PG_FUNCTION_ARGS) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3);
  return score_with_covariates<models::bgnbd::Params>(
      fcinfo, 4, [&](const auto& p) { return models::bgnbd::p_alive(p, x, t_x, T); });
}

Datum clv_pareto_nbd_cov_expected_purchases(PG_FUNCTION_ARGS) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3),
               horizon = PG_GETARG_FLOAT8(4);
  return score_with_covariates<models::pareto_nbd::Params>(fcinfo, 5, [&](const auto& p) {
    return models::pareto_nbd::expected_purchases(p, x, t_x, T, horizon);
  });
}

Datum clv_bgnbd_cov_expected_purchases(PG_FUNCTION_ARGS) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3),
               horizon = PG_GETARG_FLOAT8(4);
  return score_with_covariates<models::bgnbd::Params>(fcinfo, 5, [&](const auto& p) {
    return models::bgnbd::expected_purchases(p, x, t_x, T, horizon);
  });
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(CovariateFit, clv_covariate_fit, "clv.covariate_fit_state")
