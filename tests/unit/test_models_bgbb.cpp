// BG/BB (Fader, Hardie & Shang 2010): the likelihood against the
// probabilities of every purchase sequence, its gradient against finite
// differences, the scoring functions against direct sums over the model's
// per-period probabilities, and the fit against the paper's estimates.
#include "clv/models/bgbb.hpp"

#include <gtest/gtest.h>

#include "peer_data.hpp"

#include <array>
#include <cmath>
#include <string>
#include <stdexcept>
#include <vector>

namespace {

using namespace clv::models;
using namespace clv_test;

const bgbb::Params kParams{1.204, 0.750, 0.657, 2.783};

// B(p, q + k) / B(p, q) as a product: B(p, q+1)/B(p, q) = q/(p+q).
double beta_shift(double p, double q, int k) {
  double r = 1;
  for (int j = 0; j < k; ++j) r *= (q + j) / (p + q + j);
  return r;
}
// E[u^k (1-u)^m] for u ~ Beta(p, q), as a product of ratios.
double beta_moment(double p, double q, int k, int m) {
  double r = 1;
  for (int j = 0; j < k; ++j) r *= (p + j) / (p + q + j);
  return r * beta_shift(p + k, q, m);
}

// P(a given sequence of n opportunities with purchases at the positions in
// `buys`) summed over the latent time of death, from the Beta moments:
// alive at opportunity t means surviving t death draws, so dying before
// opportunity i + 1 (after i lives) has probability E[theta (1-theta)^i].
double sequence_probability(const bgbb::Params& p, const std::vector<int>& seq) {
  const int n = static_cast<int>(seq.size());
  double total = 0;
  for (int lives = 0; lives <= n; ++lives) {
    int x = 0;
    bool possible = true;
    for (int t = 0; t < n; ++t) {
      if (t >= lives && seq[t]) possible = false;
      if (t < lives && seq[t]) ++x;
    }
    if (!possible) continue;
    const double purchases = beta_moment(p.alpha, p.beta, x, lives - x);
    const double survival =
        lives == n ? beta_moment(p.gamma, p.delta, 0, n) : beta_moment(p.gamma, p.delta, 1, lives);
    total += purchases * survival;
  }
  return total;
}

TEST(Bgbb, LikelihoodIsTheProbabilityOfTheSequence) {
  for (int n = 1; n <= 8; ++n) {
    double sum = 0;
    for (int mask = 0; mask < (1 << n); ++mask) {
      std::vector<int> seq(n);
      int x = 0, t_x = 0;
      for (int t = 0; t < n; ++t) {
        seq[t] = (mask >> t) & 1;
        if (seq[t]) {
          ++x;
          t_x = t + 1;
        }
      }
      const double l = std::exp(bgbb::log_likelihood(kParams, x, t_x, n));
      EXPECT_NEAR(l, sequence_probability(kParams, seq), 1e-14 + 1e-12 * l) << n << " " << mask;
      sum += l;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12) << n;
  }
}

TEST(Bgbb, LikelihoodSmallCases) {
  const auto& p = kParams;
  const double ab = p.alpha + p.beta, gd = p.gamma + p.delta;
  EXPECT_NEAR(std::exp(bgbb::log_likelihood(p, 1, 1, 1)), p.alpha / ab * p.delta / gd, 1e-15);
  EXPECT_NEAR(std::exp(bgbb::log_likelihood(p, 0, 0, 1)), p.beta / ab * p.delta / gd + p.gamma / gd,
              1e-15);
}

TEST(Bgbb, GradientMatchesFiniteDifferences) {
  DiscreteData data;
  data.add(0, 0, 6, 30);
  data.add(1, 1, 6, 10);
  data.add(2, 5, 6, 4);
  data.add(6, 6, 6, 12);
  data.add(3, 40, 50, 2);
  for (const bgbb::Params& p :
       {kParams, bgbb::Params{0.3, 4.0, 2.5, 0.4}, bgbb::Params{10.0, 0.2, 1.0, 30.0}}) {
    std::vector<double> g;
    bgbb::log_likelihood(p, data, &g);
    const double theta[4] = {std::log(p.alpha), std::log(p.beta), std::log(p.gamma),
                             std::log(p.delta)};
    for (int j = 0; j < 4; ++j) {
      const double h = 1e-5;
      double up[4], down[4];
      for (int k = 0; k < 4; ++k) up[k] = down[k] = theta[k];
      up[j] += h;
      down[j] -= h;
      auto at = [&](const double* t) {
        return bgbb::log_likelihood(
            {std::exp(t[0]), std::exp(t[1]), std::exp(t[2]), std::exp(t[3])}, data);
      };
      const double fd = (at(up) - at(down)) / (2 * h);
      EXPECT_NEAR(g[j], fd, 1e-6 * (1 + std::fabs(fd))) << j;
    }
  }
}

TEST(Bgbb, ProbPurchasesSumsToOneWithTheClosedFormMean) {
  for (const bgbb::Params& p :
       {kParams, bgbb::Params{0.3, 4.0, 2.5, 0.4}, bgbb::Params{2.0, 1.0, 1.0, 3.0}}) {
    for (int n : {0, 1, 2, 6, 25, 200}) {
      double sum = 0, mean = 0;
      for (int x = 0; x <= n; ++x) {
        const double q = bgbb::prob_purchases(p, x, n);
        sum += q;
        mean += x * q;
      }
      EXPECT_NEAR(sum, 1.0, 1e-11) << n;
      EXPECT_NEAR(mean, bgbb::expected_purchases_new(p, n), 1e-10 * (1 + mean)) << n;
      EXPECT_EQ(bgbb::prob_purchases(p, n + 1, n), 0.0);
    }
  }
}

// E[purchases at opportunities n+1 .. n+m | data] directly: the posterior
// weight of (p, theta) is p^x (1-p)^(n-x) (1-theta)^n / L on the alive
// branch, and a purchase at n+j needs n+j lives and a purchase.
double expected_purchases_direct(const bgbb::Params& p, int x, int t_x, int n, int m) {
  const double l = std::exp(bgbb::log_likelihood(p, x, t_x, n));
  double sum = 0;
  for (int j = 1; j <= m; ++j)
    sum += beta_moment(p.alpha, p.beta, x + 1, n - x) * beta_moment(p.gamma, p.delta, 0, n + j);
  return sum / l;
}

TEST(Bgbb, ExpectedPurchasesMatchesDirectSum) {
  for (double gamma : {0.657, 1.0, 1.0 + 1e-9, 1.0 - 1e-7, 1.0 + 3e-4, 1.0 - 0.009, 1.02, 4.0}) {
    const bgbb::Params p{1.204, 0.750, gamma, 2.783};
    for (auto [x, t_x, n] :
         {std::array<int, 3>{0, 0, 6}, {1, 1, 6}, {3, 5, 6}, {6, 6, 6}, {2, 30, 60}}) {
      for (int m : {0, 1, 5, 40}) {
        const double direct = expected_purchases_direct(p, x, t_x, n, m);
        EXPECT_NEAR(bgbb::expected_purchases(p, x, t_x, n, m), direct, 1e-11 * (1 + direct))
            << gamma << " " << x << " " << t_x << " " << n << " " << m;
      }
    }
    // New customers: E[X(n)] = sum_t P(alive at t) E[p].
    double direct = 0;
    for (int t = 1; t <= 30; ++t)
      direct += p.alpha / (p.alpha + p.beta) * beta_moment(p.gamma, p.delta, 0, t);
    EXPECT_NEAR(bgbb::expected_purchases_new(p, 30), direct, 1e-11) << gamma;
  }
}

// DERT against a truncated direct sum of the discounted expected purchases
// of each future opportunity.
TEST(Bgbb, DertMatchesDiscountedDirectSum) {
  for (double gamma : {0.657, 1.0, 3.0}) {
    const bgbb::Params p{1.204, 0.750, gamma, 2.783};
    for (auto [x, t_x, n] : {std::array<int, 3>{0, 0, 6}, {3, 5, 6}, {6, 6, 6}, {2, 30, 60}}) {
      for (double d : {0.5, 0.1, 0.02}) {
        const double l = std::exp(bgbb::log_likelihood(p, x, t_x, n));
        const double purchase = beta_moment(p.alpha, p.beta, x + 1, n - x);
        double direct = 0, alive = beta_moment(p.gamma, p.delta, 0, n), discount = 1;
        for (int j = 1; j <= 4000; ++j) {
          alive *= (p.delta + n + j - 1) / (p.gamma + p.delta + n + j - 1);
          discount /= 1 + d;
          direct += purchase * alive * discount;
        }
        direct /= l;
        EXPECT_NEAR(bgbb::dert(p, x, t_x, n, d), direct, 1e-12 * (1 + direct))
            << gamma << " " << x << " " << t_x << " " << n << " " << d;
      }
    }
  }
  EXPECT_THROW(bgbb::dert(kParams, 1, 1, 6, 0), std::invalid_argument);
  EXPECT_THROW(bgbb::dert(kParams, 1, 1, 6, NAN), std::invalid_argument);
  EXPECT_THROW(bgbb::dert(kParams, 1, 1, 6, 1e-9), std::invalid_argument);
}

TEST(Bgbb, PAliveMatchesPosterior) {
  for (auto [x, t_x, n] : {std::array<int, 3>{0, 0, 6}, {1, 1, 6}, {3, 5, 6}, {6, 6, 6}}) {
    const double l = std::exp(bgbb::log_likelihood(kParams, x, t_x, n));
    const double alive = beta_moment(kParams.alpha, kParams.beta, x, n - x) *
                         beta_moment(kParams.gamma, kParams.delta, 0, n + 1);
    EXPECT_NEAR(bgbb::p_alive(kParams, x, t_x, n), alive / l, 1e-14);
  }
  // t_x == n: the likelihood is the alive term alone.
  EXPECT_DOUBLE_EQ(bgbb::p_alive(kParams, 6, 6, 6),
                   (kParams.delta + 6) / (kParams.gamma + kParams.delta + 6));
}

TEST(Bgbb, ValidatesInputs) {
  EXPECT_THROW(bgbb::p_alive(kParams, 3, 2, 6), std::invalid_argument);    // x > t_x
  EXPECT_THROW(bgbb::p_alive(kParams, 2, 7, 6), std::invalid_argument);    // t_x > n
  EXPECT_THROW(bgbb::p_alive(kParams, 0, 1, 6), std::invalid_argument);    // t_x without x
  EXPECT_THROW(bgbb::p_alive(kParams, 0, 0, 0), std::invalid_argument);    // n < 1
  EXPECT_THROW(bgbb::p_alive(kParams, 1, 1.5, 6), std::invalid_argument);  // not an integer
  EXPECT_THROW(bgbb::p_alive(kParams, 0, 0, 2147483647.0), std::invalid_argument);
  EXPECT_THROW(bgbb::p_alive({1, 1, -1, 1}, 0, 0, 6), std::invalid_argument);
  EXPECT_THROW(bgbb::p_alive({1, 1, NAN, 1}, 0, 0, 6), std::invalid_argument);
  EXPECT_THROW(bgbb::expected_purchases(kParams, 0, 0, 6, -1), std::invalid_argument);
  EXPECT_THROW(bgbb::prob_purchases(kParams, 0, 1e6), std::invalid_argument);
  DiscreteData data;
  EXPECT_THROW(data.add(7, 7, 6), std::invalid_argument);
  data.add(0, 0, 6, 5);
  EXPECT_THROW(bgbb::fit(data), std::domain_error);  // nobody with a repeat transaction
}

TEST(Bgbb, LongHistoriesAreFast) {
  // The largest n: one term per opportunity, no logarithms per term.
  const double n = kMaxDiscretePeriods;
  const double p = bgbb::p_alive(kParams, 3, 10, n);
  EXPECT_GE(p, 0.0);
  EXPECT_LE(p, 1.0);
  EXPECT_GT(bgbb::expected_purchases(kParams, 3, 10, n, 2147483647.0), 0.0);
}

TEST(Bgbb, StateRoundTrip) {
  DiscreteData data;
  data.add(1, 2, 6, 3);
  data.add(0, 0, 6, 2);
  const DiscreteData back = DiscreteData::deserialize(data.serialize());
  EXPECT_EQ(back.serialize(), data.serialize());
  EXPECT_EQ(back.customers(), 5u);
  std::string bytes = data.serialize();
  bytes[4 + 8 + 8] = 0x7f;  // corrupt the first row's t_x (0)
  EXPECT_THROW(DiscreteData::deserialize(bytes), std::invalid_argument);
}

// Fader, Hardie & Shang (2010), table 2 / BTYD's donationsSummary: the
// 1995 cohort of 11,104 donors over 6 annual repeat-donation opportunities.
TEST(Bgbb, DonationsReproducesThePaper) {
  const DiscreteData data = donations();
  EXPECT_EQ(data.customers(), 11104u);
  const auto fit = bgbb::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.alpha, 1.204, 5e-4);
  EXPECT_NEAR(fit.params.beta, 0.750, 5e-4);
  EXPECT_NEAR(fit.params.gamma, 0.657, 5e-4);
  EXPECT_NEAR(fit.params.delta, 2.783, 5e-4);
  // The log-likelihood at the optimum is the paper's parameters' own.
  EXPECT_NEAR(fit.log_likelihood, bgbb::log_likelihood({1.204, 0.750, 0.657, 2.783}, data), 1.0);
  EXPECT_GE(fit.log_likelihood, bgbb::log_likelihood({1.204, 0.750, 0.657, 2.783}, data));
}

}  // namespace
