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

#include "clv/models/covariates.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "models/arg_cache.hpp"
#include "models/btyd.hpp"
#include "models/fit_aggregate.hpp"
#include "models/float8_values.hpp"
#include "models/score_parts.hpp"

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
using clv_pg::ScoreMemo;

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
// model reads its arrays once; and, for the scoring memos, the distinct
// customer models seen, numbered.
struct CovariateCallSite {
  // First: score_memo and memo_warmed_up read fn_extra as an ArgTypeCache.
  clv_pg::ArgTypeCache scores;
  size_t raw_size;  // 0: no model cached
  char* raw;
  double base[4];
  double* gammas;  // purchase, then dropout coefficients
  size_t covariates;
  ScoreMemo* groups;  // a customer's parameters -> their number
  double last_group;
};

// At most this many distinct customer models get memo entries per call site
// (a categorical covariate has a few; a continuous one as many as customers,
// where remembering does not pay).
constexpr double kMaxGroups = 4096;

CovariateCallSite* call_site(FunctionCallInfo fcinfo) {
  if (fcinfo->flinfo->fn_extra == nullptr)
    fcinfo->flinfo->fn_extra =
        MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CovariateCallSite));
  return static_cast<CovariateCallSite*>(fcinfo->flinfo->fn_extra);
}

template <class Params>
models::CovariateView<Params> cached_view(FunctionCallInfo fcinfo, CovariateCallSite* site) {
  const auto* raw = reinterpret_cast<const struct varlena*>(DatumGetPointer(PG_GETARG_DATUM(0)));
  const bool plain = !VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw);
  const size_t raw_size = plain ? VARSIZE_ANY_EXHDR(raw) : 0;
  if (raw_size == 0 || raw_size != site->raw_size ||
      memcmp(VARDATA_ANY(raw), site->raw, raw_size) != 0) {
    CovariateModelValues model;
    read_covariate_model(PG_GETARG_HEAPTUPLEHEADER(0), model);
    const auto view = view_of<Params>(model);
    if (site->raw != nullptr) pfree(site->raw);
    if (site->gammas != nullptr) pfree(site->gammas);
    site->raw_size = 0;
    site->raw = nullptr;
    site->covariates = view.covariates;
    site->gammas = static_cast<double*>(
        MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(double) * (2 * view.covariates + 1)));
    std::copy(view.gamma_purchase, view.gamma_purchase + view.covariates, site->gammas);
    std::copy(view.gamma_dropout, view.gamma_dropout + view.covariates,
              site->gammas + view.covariates);
    std::copy(model.base, model.base + 4, site->base);
    if (raw_size != 0) {
      site->raw = static_cast<char*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, raw_size));
      memcpy(site->raw, VARDATA_ANY(raw), raw_size);
      site->raw_size = raw_size;
    }
  }
  return {{site->base[0], site->base[1], site->base[2], site->base[3]},
          site->gammas,
          site->gammas + site->covariates,
          site->covariates};
}

// The number of the customer's model among those this call site has seen
// (the memos' third key), or 0 when there are too many to remember. Their
// scales (alpha and beta; alpha, a and b) tell them apart: the shapes are
// the base model's. The base model is the memos' context, so a new model
// empties them, and the numbers restart. A C frame.
double group_of(FunctionCallInfo fcinfo, CovariateCallSite* site,
                const std::array<double, 4>& customer) {
  if (site->groups == nullptr) {
    site->groups =
        static_cast<ScoreMemo*>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ScoreMemo)));
    site->groups->memory = fcinfo->flinfo->fn_mcxt;
    site->groups->start(ScoreMemo::kFirstBits);
    std::memcpy(site->groups->context, site->base, sizeof site->base);
  } else if (std::memcmp(site->groups->context, site->base, sizeof site->base) != 0) {
    site->groups->clear();
    site->last_group = 0;
    std::memcpy(site->groups->context, site->base, sizeof site->base);
  }
  const auto key = clv_pg::memo_key(customer[1], customer[2], customer[3]);
  double group;
  if (site->groups->find(key, &group)) return group;
  if (site->last_group >= kMaxGroups) return 0;
  group = ++site->last_group;
  site->groups->store(key, group);
  return group;
}

// The customer's model, its memo group (0: no memo) and the base model's
// fields (the memos' context).
template <class M>
struct Customer {
  typename M::Params params;
  double group;
  std::array<double, 4> base;
};

template <class M>
Customer<M> customer_of(FunctionCallInfo fcinfo, int covariates_arg) {
  CovariateCallSite* site = call_site(fcinfo);
  const auto view = cached_view<typename M::Params>(fcinfo, site);
  const clv_pg::Float8Values z =
      clv_pg::float8_values(PG_GETARG_DATUM(covariates_arg), "covariates");
  Customer<M> out;
  out.params = clv_pg::guarded([&] { return customer_params(view, z); });
  out.base = fields(view.base);
  out.group = clv_pg::memo_warmed_up(fcinfo) ? group_of(fcinfo, site, fields(out.params)) : 0;
  return out;
}

template <class M>
Datum p_alive_with_covariates(FunctionCallInfo fcinfo) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3);
  const Customer<M> c = customer_of<M>(fcinfo, 4);
  PG_RETURN_FLOAT8(
      clv_pg::p_alive_of<M>(fcinfo, c.group != 0, c.base, c.params, x, t_x, T, c.group));
}

template <class M>
Datum expected_purchases_with_covariates(FunctionCallInfo fcinfo) {
  const double x = PG_GETARG_FLOAT8(1), t_x = PG_GETARG_FLOAT8(2), T = PG_GETARG_FLOAT8(3),
               horizon = PG_GETARG_FLOAT8(4);
  const Customer<M> c = customer_of<M>(fcinfo, 5);
  const bool memoize = c.group != 0;
  const double alive = clv_pg::p_alive_of<M>(fcinfo, memoize, c.base, c.params, x, t_x, T, c.group);
  const double if_alive = clv_pg::if_alive_part(
      fcinfo, memoize, clv_pg::memo_context(c.base, horizon), x, T,
      [&] {
        double out;
        M::expected_purchases_if_alive_at(c.params, x, T, &horizon, 1, &out);
        return out;
      },
      c.group);
  // alive is in [0, 1] and if_alive finite: so is the product.
  PG_RETURN_FLOAT8(alive * if_alive);
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
        data.add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), z.values,
                 static_cast<size_t>(z.count), weight);
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
  return p_alive_with_covariates<clv_pg::ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_cov_p_alive(PG_FUNCTION_ARGS) {
  return p_alive_with_covariates<clv_pg::BgNbd>(fcinfo);
}

Datum clv_pareto_nbd_cov_expected_purchases(PG_FUNCTION_ARGS) {
  return expected_purchases_with_covariates<clv_pg::ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_cov_expected_purchases(PG_FUNCTION_ARGS) {
  return expected_purchases_with_covariates<clv_pg::BgNbd>(fcinfo);
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(CovariateFit, clv_covariate_fit, "clv.covariate_fit_state")
