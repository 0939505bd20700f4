// The parts of a score that the scoring functions share (score.cpp, and the
// models with covariates in covariates.cpp): P(alive) with Pareto/NBD's tail
// integrals remembered per call site, and the part for a customer alive at t.
// Both need the call site's fn_extra to start with an ArgTypeCache.
#pragma once

#include "common/postgres.hpp"

#include <array>
#include <utility>

#include "common/guard.hpp"
#include "models/arg_cache.hpp"

namespace clv_pg {

// The customer's P(alive). It also validates (x, t_x, T), which the memo of
// expectations if alive, keyed by (x, T), relies on. Pareto/NBD's tail
// integrals are remembered by (x, t): found ones are used inside the guarded
// computation, new ones stored after it (a memo may grow, which may raise).
// params are the customer's: the model's own (fields, the memo's context), or
// a customer's of a model with covariates, told apart in the memo by group.
template <class M>
double p_alive_of(FunctionCallInfo fcinfo, bool memoize, const std::array<double, 4>& fields,
                  const typename M::Params& params, double x, double t_x, double t,
                  double group = 0) {
  if constexpr (!M::kTailIntegrals) {
    return guarded([&] { return M::p_alive(params, x, t_x, t); });
  } else {
    ScoreMemo* memo = memoize ? score_memo(fcinfo, MemoSlot::tail, fields) : nullptr;
    std::array<std::pair<ScoreMemo::Key, double>, 2> computed;
    size_t n_computed = 0;
    const double alive = guarded([&] {
      return M::p_alive_with(params, x, t_x, t, [&](double at) {
        const auto key = memo_key(x, at, group);
        double value;
        if (memo != nullptr && memo->find(key, &value)) return value;
        value = M::log_tail(params, x, at);
        computed[n_computed++] = {key, value};
        return value;
      });
    });
    if (memo != nullptr)
      for (size_t i = 0; i < n_computed; ++i) memo->store(computed[i].first, computed[i].second);
    return alive;
  }
}

// The part of a score for a customer alive at t, which depends on (x, t) and
// the call's context only: remembered by (x, t) in the call site's memo once
// it is warmed up, computed under the error guard otherwise.
template <size_t N, class Compute>
double if_alive_part(FunctionCallInfo fcinfo, bool memoize, const std::array<double, N>& context,
                     double x, double t, Compute compute, double group = 0) {
  ScoreMemo* memo = memoize ? score_memo(fcinfo, MemoSlot::if_alive, context) : nullptr;
  const auto key = memo_key(x, t, group);
  double value;
  if (memo != nullptr && memo->find(key, &value)) return value;
  value = guarded(compute);
  if (memo != nullptr) memo->store(key, value);
  return value;
}

}  // namespace clv_pg
