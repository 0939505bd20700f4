// Fits on the CDNOW sample (2,357 customers, weeks, 39-week calibration) must
// reproduce the published estimates. The data is the bundled calibration
// summary data/cdnow/cdnow_customers_summary_with_transactions.csv (see
// data/cdnow/README.md), read by peer_data.hpp.
#include "clv/models/bgnbd.hpp"
#include "clv/models/gamma_gamma.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/sbg.hpp"

#include <gtest/gtest.h>

#include "peer_data.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace clv::models;
using namespace clv_test;

template <class Fit>
double milliseconds_per_fit(Fit fit) {
  const int repeats = 20;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) fit();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
             .count() /
         repeats;
}

TEST(ModelsCdnow, DataLoads) {
  ASSERT_EQ(cdnow().size(), 2357u);
  EXPECT_EQ(cdnow_rfm().customers(), 2357u);
}

TEST(ModelsCdnow, BgNbdMatchesFaderHardieLee2005) {
  const RfmData data = cdnow_rfm();
  const auto fit = bgnbd::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.r, 0.243, 0.0005);
  EXPECT_NEAR(fit.params.alpha, 4.414, 0.0005 * 4.414 * 2);
  EXPECT_NEAR(fit.params.a, 0.793, 0.0005);
  EXPECT_NEAR(fit.params.b, 2.426, 0.0005 * 2.426 * 2);
  EXPECT_NEAR(fit.log_likelihood, -9582.4, 0.05);
  EXPECT_EQ(fit.n, 2357u);
  EXPECT_NEAR(bgnbd::expected_purchases(fit.params, 2, 30.43, 38.86, 39), 1.226, 0.0005);
  std::printf("BG/NBD CDNOW: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.3f evaluations=%d\n",
              fit.params.r, fit.params.alpha, fit.params.a, fit.params.b, fit.log_likelihood,
              fit.evaluations);
  std::printf("BG/NBD CDNOW fit: %.2f ms\n", milliseconds_per_fit([&] { bgnbd::fit(data); }));
}

TEST(ModelsCdnow, ParetoNbdMatchesFaderHardieNote) {
  const RfmData data = cdnow_rfm();
  const auto fit = pareto_nbd::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.r, 0.553, 0.0005);
  EXPECT_NEAR(fit.params.alpha, 10.578, 0.0005 * 10.578 * 2);
  EXPECT_NEAR(fit.params.s, 0.606, 0.0005);
  EXPECT_NEAR(fit.params.beta, 11.669, 0.0005 * 11.669 * 2);
  EXPECT_NEAR(fit.log_likelihood, -9595.0, 0.05);
  std::printf("Pareto/NBD CDNOW: r=%.4f alpha=%.4f s=%.4f beta=%.4f LL=%.3f evaluations=%d\n",
              fit.params.r, fit.params.alpha, fit.params.s, fit.params.beta, fit.log_likelihood,
              fit.evaluations);
  std::printf("Pareto/NBD CDNOW fit: %.2f ms\n",
              milliseconds_per_fit([&] { pareto_nbd::fit(data); }));
}

TEST(ModelsCdnow, MbgNbdMatchesBTYDplus) {
  const auto fit = mbgnbd::fit(cdnow_rfm());
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.r, 0.525, 0.0005);
  EXPECT_NEAR(fit.params.alpha, 6.183, 0.0005 * 6.183 * 2);
  EXPECT_NEAR(fit.params.a, 0.891, 0.0005);
  EXPECT_NEAR(fit.params.b, 1.614, 0.0005 * 1.614 * 2);
  std::printf("MBG/NBD CDNOW: r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.3f\n", fit.params.r,
              fit.params.alpha, fit.params.a, fit.params.b, fit.log_likelihood);
}

TEST(ModelsCdnow, GammaGammaMatchesFaderHardieLee2005) {
  const SpendData data = cdnow_spend();
  ASSERT_EQ(data.customers(), 946u);
  const auto fit = gamma_gamma::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_NEAR(fit.params.p, 6.25, 0.005);
  EXPECT_NEAR(fit.params.q, 3.74, 0.005);
  EXPECT_NEAR(fit.params.v, 15.44, 15.44e-3);  // lifetimes gets 15.45 on this file
  std::printf("Gamma-Gamma CDNOW: p=%.4f q=%.4f v=%.4f LL=%.3f\n", fit.params.p, fit.params.q,
              fit.params.v, fit.log_likelihood);
}

// Fader & Hardie 2007, "How to project customer retention", cohorts of 1,000.
sbg::Params fit_sbg(const std::vector<double>& percent_active) {
  CohortData data;
  for (std::size_t t = 0; t < percent_active.size(); ++t)
    data.add(t, static_cast<std::uint64_t>(std::lround(percent_active[t] * 10)));
  const auto fit = sbg::fit(data);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.n, 1000u);
  return fit.params;
}

TEST(ModelsCdnow, SbgMatchesFaderHardie2007) {
  const auto regular = fit_sbg({100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1});
  EXPECT_NEAR(regular.alpha, 0.704, 0.0005);
  EXPECT_NEAR(regular.beta, 1.182, 0.0005 * 1.182 * 2);
  const auto high_end = fit_sbg({100, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1});
  EXPECT_NEAR(high_end.alpha, 0.668, 0.0005);
  EXPECT_NEAR(high_end.beta, 3.806, 0.0005 * 3.806 * 2);
  std::printf("sBG regular: alpha=%.4f beta=%.4f; high end: alpha=%.4f beta=%.4f\n", regular.alpha,
              regular.beta, high_end.alpha, high_end.beta);
}

}  // namespace

namespace {

// The penalty acts on the parameters of the model in units of the largest
// age, so the same customers in weeks and in days (times 7) give the same
// forecasts over the same calendar span, and the time scales differ by 7.
template <class Fit, class Forecast>
void expect_unit_free_penalized_fit(Fit fit, Forecast expected_purchases_new, const char* model) {
  RfmData weeks, days;
  for (const auto& c : cdnow()) {
    weeks.add(c.x, c.t_x, c.T);
    days.add(c.x, 7 * c.t_x, 7 * c.T);
  }
  for (double penalizer : {0.1, 1.0}) {
    FitOptions options;
    options.penalizer = penalizer;
    const auto in_weeks = fit(weeks, options), in_days = fit(days, options);
    EXPECT_TRUE(in_weeks.converged && in_days.converged) << model << " " << penalizer;
    const double year_in_weeks = expected_purchases_new(in_weeks.params, 52.0);
    const double year_in_days = expected_purchases_new(in_days.params, 364.0);
    EXPECT_NEAR(year_in_days / year_in_weeks, 1.0, 1e-6) << model << " " << penalizer;
    EXPECT_NEAR(in_days.params.alpha / in_weeks.params.alpha, 7.0, 7e-5) << model;
    EXPECT_NEAR(in_days.params.r / in_weeks.params.r, 1.0, 1e-5) << model;
    std::printf("%s, penalizer %g: expected purchases in a year %.6f (weeks) %.6f (days)\n", model,
                penalizer, year_in_weeks, year_in_days);
  }
}

}  // namespace

TEST(ModelsCdnow, PenalizedFitsDoNotDependOnTheTimeUnit) {
  expect_unit_free_penalized_fit(
      [](const RfmData& d, const FitOptions& o) { return bgnbd::fit(d, o); },
      [](const bgnbd::Params& p, double t) { return bgnbd::expected_purchases_new(p, t); },
      "BG/NBD");
  expect_unit_free_penalized_fit(
      [](const RfmData& d, const FitOptions& o) { return mbgnbd::fit(d, o); },
      [](const mbgnbd::Params& p, double t) { return mbgnbd::expected_purchases_new(p, t); },
      "MBG/NBD");
  expect_unit_free_penalized_fit(
      [](const RfmData& d, const FitOptions& o) { return pareto_nbd::fit(d, o); },
      [](const pareto_nbd::Params& p, double t) {
        return pareto_nbd::expected_purchases_new(p, t);
      },
      "Pareto/NBD");
}
