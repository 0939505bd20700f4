// The three buy-till-you-die models behind one interface, for the scoring
// and diagnostic templates.
#pragma once

#include <array>

#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"

namespace clv_pg {

namespace models = clv::models;

struct BgNbd {
  using Params = models::bgnbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::bgnbd::p_alive;
  static constexpr auto expected_purchases = models::bgnbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::bgnbd::expected_purchases_if_alive_at;
  static constexpr bool kTailIntegrals = false;  // P(alive): a few logarithms
  static constexpr auto expected_purchases_new = models::bgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::bgnbd::prob_purchases;
  static constexpr auto conditional_prob_purchases = models::bgnbd::conditional_prob_purchases;
  static constexpr auto conditional_prob_purchases_if_alive =
      models::bgnbd::conditional_prob_purchases_if_alive;
};
struct MbgNbd {
  using Params = models::mbgnbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr auto p_alive = models::mbgnbd::p_alive;
  static constexpr auto expected_purchases = models::mbgnbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::mbgnbd::expected_purchases_if_alive_at;
  static constexpr bool kTailIntegrals = false;  // P(alive): a few logarithms
  static constexpr auto expected_purchases_new = models::mbgnbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::mbgnbd::prob_purchases;
  static constexpr auto conditional_prob_purchases = models::mbgnbd::conditional_prob_purchases;
  static constexpr auto conditional_prob_purchases_if_alive =
      models::mbgnbd::conditional_prob_purchases_if_alive;
};
struct ParetoNbd {
  using Params = models::pareto_nbd::Params;
  static Params params(const std::array<double, 4>& f) { return {f[0], f[1], f[2], f[3]}; }
  static constexpr double (*p_alive)(const Params&, double, double,
                                     double) = models::pareto_nbd::p_alive;
  static double p_alive_with(const Params& params, double x, double t_x, double T,
                             const models::pareto_nbd::LogTailOf& tail) {
    return models::pareto_nbd::p_alive(params, x, t_x, T, tail);
  }
  static constexpr auto log_tail = models::pareto_nbd::log_tail;
  static constexpr auto expected_purchases = models::pareto_nbd::expected_purchases;
  static constexpr auto expected_purchases_if_alive_at =
      models::pareto_nbd::expected_purchases_if_alive_at;
  // P(alive) from tail integrals, worth remembering by (frequency, t).
  static constexpr bool kTailIntegrals = true;
  static constexpr auto expected_purchases_new = models::pareto_nbd::expected_purchases_new;
  static constexpr auto prob_purchases = models::pareto_nbd::prob_purchases;
  static constexpr auto conditional_prob_purchases = models::pareto_nbd::conditional_prob_purchases;
  static constexpr auto conditional_prob_purchases_if_alive =
      models::pareto_nbd::conditional_prob_purchases_if_alive;
};

}  // namespace clv_pg
