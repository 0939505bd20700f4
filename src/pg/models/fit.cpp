// Fit aggregates of the probabilistic models: clv.bgnbd_fit, clv.mbgnbd_fit,
// clv.pareto_nbd_fit, clv.gamma_gamma_fit, clv.sbg_fit, clv.bgbb_fit. The state is the
// core's compressed data (identical inputs stored once with a weight), so the
// fit in the final function costs as much as the distinct inputs.
#include "common/postgres.hpp"

#include <array>
#include <cmath>
#include <string>
#include <string_view>

#include "clv/common/checked.hpp"
#include "clv/models/bgbb.hpp"
#include "clv/models/bgnbd.hpp"
#include "clv/models/data.hpp"
#include "clv/models/fit_state.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"
#include "common/aggregate.hpp"
#include "common/aggregate_entry_points.hpp"
#include "common/composite.hpp"
#include "common/guard.hpp"
#include "models/row_weight.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_rfm_fit_transfn);
PG_FUNCTION_INFO_V1(clv_spend_fit_transfn);
PG_FUNCTION_INFO_V1(clv_cohort_fit_transfn);
PG_FUNCTION_INFO_V1(clv_bgnbd_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_mbgnbd_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_gamma_gamma_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_sbg_fit_finalfn);
PG_FUNCTION_INFO_V1(clv_discrete_fit_transfn);
PG_FUNCTION_INFO_V1(clv_bgbb_fit_finalfn);
}

namespace {

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

// BG/BB's (frequency, recency, n_periods [, weight]): no penalizer, so the
// state's is always 0.
struct DiscreteFitPolicy {
  using State = models::FitState<models::DiscreteData>;
  static State create(MemoryContext, FunctionCallInfo) { return State(); }
  static void check(const State&, FunctionCallInfo) {}
  static State copy(const State& other, MemoryContext) { return other; }
  static void merge(State& into, const State& other) { into.merge(other); }
  static std::string serialize(State& state) { return state.serialize(); }
  static State deserialize(const char* data, size_t size, MemoryContext) {
    return State::deserialize(std::string_view(data, size));
  }
};

using RfmFit = clv_pg::Aggregate<FitPolicy<models::RfmData, 3>>;
using DiscreteFit = clv_pg::Aggregate<DiscreteFitPolicy>;
using SpendFit = clv_pg::Aggregate<FitPolicy<models::SpendData, 2>>;
using CohortFit = clv_pg::Aggregate<FitPolicy<models::CohortData, 2>>;
using RfmState = RfmFit::State;
using SpendState = SpendFit::State;
using CohortState = CohortFit::State;

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

std::array<double, 4> fields(const models::bgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}
std::array<double, 4> fields(const models::mbgnbd::Params& p) {
  return {p.r, p.alpha, p.a, p.b};
}
std::array<double, 4> fields(const models::pareto_nbd::Params& p) {
  return {p.r, p.alpha, p.s, p.beta};
}
std::array<double, 3> fields(const models::gamma_gamma::Params& p) {
  return {p.p, p.q, p.v};
}
std::array<double, 4> fields(const models::bgbb::Params& p) {
  return {p.alpha, p.beta, p.gamma, p.delta};
}
std::array<double, 2> fields(const models::sbg::Params& p) {
  return {p.alpha, p.beta};
}

constexpr const char* kLogLikelihood = "the log-likelihood of the fit";

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

constexpr const char* kRepeatBuyersHint =
    "The model needs several customers, some of them with repeat purchases (frequency > 0).";

// limit: the fit's description of the model's limit it stopped at, if any;
// has_penalizer: whether the fit aggregate takes a penalizer (sBG does not).
void warn_unless_converged(bool converged, const char* model, int evaluations,
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

// BG/NBD, MBG/NBD and Pareto/NBD share their inputs and the shape of their result.
template <class Params, class FitFn>
Datum rfm_model_final(FunctionCallInfo fcinfo, FitFn fit, const char* model) {
  return RfmFit::finalize(fcinfo, [&](RfmState& state) -> Datum {
    if (state.data.customers() == 0) PG_RETURN_NULL();
    models::FitOptions options;
    options.penalizer = state.penalizer;
    auto result = clv_pg::guarded([&] {
      return checked_fit([&] { return fit(state.data, options, clv_pg::interrupts()); },
                         kRepeatBuyersHint);
    });
    warn_unless_converged(result.converged, model, result.evaluations, result.limit);
    return fit_result(fcinfo, result);
  });
}

}  // namespace

extern "C" {

Datum clv_rfm_fit_transfn(PG_FUNCTION_ARGS) {
  return fit_transition<RfmFit>(
      fcinfo, 3, "clv_rfm_fit_transfn",
      [](models::RfmData& data, FunctionCallInfo fcinfo, uint64_t weight) {
        data.add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3), weight);
      });
}

Datum clv_spend_fit_transfn(PG_FUNCTION_ARGS) {
  return fit_transition<SpendFit>(
      fcinfo, 2, "clv_spend_fit_transfn",
      [](models::SpendData& data, FunctionCallInfo fcinfo, uint64_t weight) {
        data.add(PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2), weight);
      });
}

Datum clv_cohort_fit_transfn(PG_FUNCTION_ARGS) {
  return fit_transition<CohortFit>(fcinfo, 2, "clv_cohort_fit_transfn",
                                   [](models::CohortData& data, FunctionCallInfo fcinfo, uint64_t) {
                                     const int32 period = PG_GETARG_INT32(1);
                                     const int64 active = PG_GETARG_INT64(2);
                                     if (period < 0)
                                       throw std::invalid_argument("period must be >= 0");
                                     if (active < 0)
                                       throw std::invalid_argument("active must be >= 0");
                                     data.add(static_cast<uint64_t>(period),
                                              static_cast<uint64_t>(active));
                                   });
}

Datum clv_bgnbd_fit_finalfn(PG_FUNCTION_ARGS) {
  return rfm_model_final<models::bgnbd::Params>(fcinfo, models::bgnbd::fit, "BG/NBD");
}

Datum clv_mbgnbd_fit_finalfn(PG_FUNCTION_ARGS) {
  return rfm_model_final<models::mbgnbd::Params>(fcinfo, models::mbgnbd::fit, "MBG/NBD");
}

Datum clv_pareto_nbd_fit_finalfn(PG_FUNCTION_ARGS) {
  return rfm_model_final<models::pareto_nbd::Params>(fcinfo, models::pareto_nbd::fit, "Pareto/NBD");
}

Datum clv_gamma_gamma_fit_finalfn(PG_FUNCTION_ARGS) {
  return SpendFit::finalize(fcinfo, [&](SpendState& state) -> Datum {
    if (state.data.customers() == 0) PG_RETURN_NULL();
    models::FitOptions options;
    options.penalizer = state.penalizer;
    auto result = clv_pg::guarded([&] {
      return checked_fit(
          [&] { return models::gamma_gamma::fit(state.data, options, clv_pg::interrupts()); },
          "The Gamma-Gamma model needs several customers with repeat purchases (frequency > 0).");
    });
    warn_unless_converged(result.converged, "Gamma-Gamma", result.evaluations, result.limit);
    return fit_result(fcinfo, result);
  });
}

Datum clv_sbg_fit_finalfn(PG_FUNCTION_ARGS) {
  return CohortFit::finalize(fcinfo, [&](CohortState& state) -> Datum {
    bool empty = clv_pg::guarded([&] { return state.data.rows().empty(); });
    if (empty) PG_RETURN_NULL();
    models::FitOptions options;
    options.penalizer = state.penalizer;
    auto result = clv_pg::guarded([&] {
      return checked_fit(
          [&] { return models::sbg::fit(state.data, options, clv_pg::interrupts()); },
          "The sBG model needs the active counts of at least two consecutive periods, starting at "
          "period 0, with some customers lost.");
    });
    warn_unless_converged(result.converged, "sBG", result.evaluations, result.limit, false);
    return fit_result(fcinfo, result);
  });
}

// A row with a NULL input or weight is skipped; a weight below 1 is an error.
Datum clv_discrete_fit_transfn(PG_FUNCTION_ARGS) {
  bool has_row = !PG_ARGISNULL(1) && !PG_ARGISNULL(2) && !PG_ARGISNULL(3);
  const int64 weight = clv_pg::row_weight(fcinfo, 4, has_row);
  const int32 x = has_row ? PG_GETARG_INT32(1) : 0, t_x = has_row ? PG_GETARG_INT32(2) : 0,
              n = has_row ? PG_GETARG_INT32(3) : 0;
  return DiscreteFit::transition(fcinfo, "clv_discrete_fit_transfn", clv_pg::kNoConstantArgs,
                                 [&](DiscreteFit::State& state) {
                                   if (has_row)
                                     state.data.add(x, t_x, n, static_cast<uint64_t>(weight));
                                 });
}

Datum clv_bgbb_fit_finalfn(PG_FUNCTION_ARGS) {
  return DiscreteFit::finalize(fcinfo, [&](DiscreteFit::State& state) -> Datum {
    if (state.data.customers() == 0) PG_RETURN_NULL();
    auto result = clv_pg::guarded([&] {
      return checked_fit(
          [&] { return models::bgbb::fit(state.data, {}, clv_pg::interrupts()); },
          "The BG/BB model needs several customers, some of them with repeat transactions "
          "(frequency > 0).");
    });
    warn_unless_converged(result.converged, "BG/BB", result.evaluations, result.limit, false);
    return fit_result(fcinfo, result);
  });
}

}  // extern "C"

CLV_AGGREGATE_STATE_FUNCTIONS(DiscreteFit, clv_discrete_fit, "clv.discrete_fit_state")
CLV_AGGREGATE_STATE_FUNCTIONS(RfmFit, clv_rfm_fit, "clv.rfm_fit_state")
CLV_AGGREGATE_STATE_FUNCTIONS(SpendFit, clv_spend_fit, "clv.spend_fit_state")
CLV_AGGREGATE_STATE_FUNCTIONS(CohortFit, clv_cohort_fit, "clv.cohort_fit_state")
