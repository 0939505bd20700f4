// Fit aggregates of the probabilistic models: clv.bgnbd_fit, clv.mbgnbd_fit,
// clv.pareto_nbd_fit, clv.gamma_gamma_fit, clv.sbg_fit, clv.bgbb_fit (the
// fits with covariates are in covariates.cpp). The state is the core's
// compressed data (identical inputs stored once with a weight), so the fit
// in the final function costs as much as the distinct inputs.
#include "common/postgres.hpp"

#include <string>
#include <string_view>

#include "clv/models/data.hpp"
#include "common/aggregate_entry_points.hpp"
#include "models/fit_aggregate.hpp"

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

using namespace clv_pg::fits;

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
  return rfm_model_final<models::bgnbd::Params>(
      fcinfo,
      [](const models::RfmData& data, const models::FitOptions& options,
         const clv::InterruptPoll& poll) { return models::bgnbd::fit(data, options, poll); },
      "BG/NBD");
}

Datum clv_mbgnbd_fit_finalfn(PG_FUNCTION_ARGS) {
  return rfm_model_final<models::mbgnbd::Params>(fcinfo, models::mbgnbd::fit, "MBG/NBD");
}

Datum clv_pareto_nbd_fit_finalfn(PG_FUNCTION_ARGS) {
  return rfm_model_final<models::pareto_nbd::Params>(
      fcinfo,
      [](const models::RfmData& data, const models::FitOptions& options,
         const clv::InterruptPoll& poll) { return models::pareto_nbd::fit(data, options, poll); },
      "Pareto/NBD");
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
