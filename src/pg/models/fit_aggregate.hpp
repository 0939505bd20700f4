// The pieces the fit aggregates share (fit.cpp; covariates.cpp for the fits
// with covariates): the aggregate policy of the fit states, the transition
// step with its optional penalizer and weight, checks of a fit's result, and
// its warning and fields.
#pragma once

#include "common/postgres.hpp"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>

#include "clv/common/checked.hpp"
#include "clv/models/bgbb.hpp"
#include "clv/models/bgnbd.hpp"
#include "clv/models/covariates.hpp"
#include "clv/models/fit_state.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "common/aggregate.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "models/row_weight.hpp"

namespace clv_pg::fits {

namespace models = clv::models;

// The aggregate's arguments: `Inputs` inputs, then an optional penalizer.
template <class Data, int Inputs>
struct FitPolicy {
  using State = models::FitState<Data>;
  static constexpr int penalizer_arg = Inputs + 1;  // of the transition function

  static double penalizer(FunctionCallInfo fcinfo) {
    return PG_NARGS() > penalizer_arg ? PG_GETARG_FLOAT8(penalizer_arg) : 0.0;
  }
  static State create(MemoryContext, FunctionCallInfo fcinfo) {
    const double p = penalizer(fcinfo);
    models::validate_penalizer(p);
    State state;
    state.penalizer = p;
    return state;
  }
  static void check(const State& state, FunctionCallInfo fcinfo) {
    if (state.penalizer != penalizer(fcinfo))
      throw std::invalid_argument("penalizer must be the same for every row of a group");
  }
  static State copy(const State& other, MemoryContext) { return other; }
  static void merge(State& into, const State& other) { into.merge(other); }
  // Bytes: the core's fit state (clv/models/fit_state.hpp).
  static std::string serialize(State& state) { return state.serialize(); }
  static State deserialize(const char* data, size_t size, MemoryContext) {
    return State::deserialize(std::string_view(data, size));
  }
};

// The arguments: `inputs` inputs, then an optional penalizer and an optional
// weight. Rows with a NULL in any of the inputs are skipped; a NULL
// penalizer is an error on every row.
template <class Agg, class AddRow>
Datum fit_transition(FunctionCallInfo fcinfo, int inputs, const char* name, AddRow add_row) {
  bool has_row = true;
  for (int i = 1; i <= inputs; ++i) has_row = has_row && !PG_ARGISNULL(i);
  const int penalizer_arg = inputs + 1;
  if (PG_NARGS() > penalizer_arg && PG_ARGISNULL(penalizer_arg))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("penalizer must not be NULL")));
  const int64 weight = clv_pg::row_weight(fcinfo, inputs + 2, has_row);
  return Agg::transition(fcinfo, name, clv_pg::kNoConstantArgs, [&](typename Agg::State& state) {
    if (has_row) add_row(state.data, fcinfo, static_cast<uint64_t>(weight));
  });
}

inline std::array<double, 4> fields(const models::bgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}
inline std::array<double, 4> fields(const models::mbgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}
inline std::array<double, 4> fields(const models::pareto_nbd::Params& p) {
  return {p.r, p.alpha, p.s, p.beta};
}
inline std::array<double, 3> fields(const models::gamma_gamma::Params& p) {
  return {p.p, p.q, p.v};
}
inline std::array<double, 4> fields(const models::bgbb::Params& p) {
  return {p.alpha, p.beta, p.gamma, p.delta};
}
inline std::array<double, 2> fields(const models::sbg::Params& p) {
  return {p.alpha, p.beta};
}
// A model with covariates: the base parameters (the coefficients are
// bounded by the optimiser, so always finite).
template <class Params>
auto fields(const models::CovariateParams<Params>& p) {
  return fields(p.base);
}

inline constexpr const char* kLogLikelihood = "the log-likelihood of the fit";

// Runs a fit inside guarded(). Unidentifiable data is an input problem: say
// what the model needs. A parameter or log-likelihood that overflowed
// (extreme inputs) is an error, not a result of +-Infinity, and says so
// rather than naming the special function that overflowed.
template <class Fit>
auto checked_fit(Fit fit, const char* hint) {
  try {
    auto result = fit();
    for (double p : fields(result.params)) clv::finite_result(p, "a fitted parameter");
    clv::finite_result(result.log_likelihood, kLogLikelihood);
    clv::to_bigint(result.n, "the number of customers");
    return result;
  } catch (const std::domain_error& e) {
    throw clv_pg::PgError(ERRCODE_INVALID_PARAMETER_VALUE, e.what(), "", hint);
  } catch (const std::overflow_error&) {
    throw std::range_error(std::string(kLogLikelihood) +
                           " is out of the range of double precision");
  }
}

inline constexpr const char* kRepeatBuyersHint =
    "The model needs several customers, some of them with repeat purchases (frequency > 0).";

// limit: the fit's description of the model's limit it stopped at, if any;
// has_penalizer: whether the fit aggregate takes a penalizer (sBG does not).
inline void warn_unless_converged(bool converged, const char* model, int evaluations,
                                  const std::string& limit, bool has_penalizer = true) {
  if (converged) return;
  if (limit.empty())
    ereport(WARNING, (errmsg("%s fit did not converge after %d evaluations", model, evaluations),
                      has_penalizer ? errhint("Check the inputs' units, or add a small penalizer.")
                                    : errhint("Check the inputs.")));
  else
    ereport(WARNING,
            (errmsg("%s fit did not converge: the likelihood keeps rising towards a limit of the "
                    "model (%s)",
                    model, limit.c_str()),
             has_penalizer ? errhint("The data sit at that limit, where the model's parameters "
                                     "are not identified; a penalizer keeps them finite.")
                           : errhint("The data sit at that limit, where the model's parameters "
                                     "are not identified.")));
}

// The fields of a fit result: the parameters, log_likelihood, n_customers,
// converged, iterations, then AIC and BIC with k parameters and N =
// n_customers, and the parameters' covariance matrix (checked_fit made sure
// that n fits in a bigint). Under the SQL of 0.5.0, before ALTER EXTENSION
// UPDATE, the types of the older models end at iterations.
template <class Params>
Datum fit_result(FunctionCallInfo fcinfo, const models::FitResult<Params>& fit) {
  const auto params = fields(fit.params);
  const int k = static_cast<int>(params.size());
  clv_pg::CompositeBuilder row(fcinfo, k + 7, k + 4);
  for (double p : params) row.add_float8(p);
  const double ll = fit.log_likelihood;
  row.add_float8(ll);
  row.add_int64(static_cast<int64>(fit.n));
  row.add_bool(fit.converged);
  row.add_int32(fit.evaluations);
  if (row.complete()) return row.datum();
  row.add_float8(2.0 * k - 2 * ll);
  row.add_float8(k * std::log(static_cast<double>(fit.n)) - 2 * ll);
  row.add_float8_matrix(fit.covariance, k);
  return row.datum();
}

}  // namespace clv_pg::fits
