// BG/NBD likelihood and scoring with parameters and customers decoded from
// the input (mostly valid values over wide ranges, sometimes arbitrary
// doubles). Checks: every call returns a finite value in its range
// (probabilities in [0, 1], expectations >= 0) or throws a documented
// exception; log_likelihood's gradient is finite whenever its value is.
#include "clv/models/bgnbd.hpp"
#include "clv/models/clv.hpp"

#include "fuzz_support.hpp"

#include <vector>

using namespace clv::models;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const bgnbd::Params params{in.positive(), in.positive(), in.positive(), in.positive()};

  RfmData rfm;
  const int customers = 1 + in.byte() % 4;
  for (int i = 0; i < customers; ++i) {
    double x, t_x, T;
    in.customer(x, t_x, T);
    fuzz::documented("RfmData::add", [&] { rfm.add(x, t_x, T, 1 + in.byte()); });
  }
  fuzz::documented("bgnbd::log_likelihood", [&] {
    std::vector<double> gradient;
    fuzz::check_finite("bgnbd::log_likelihood", bgnbd::log_likelihood(params, rfm, &gradient));
    for (double g : gradient) fuzz::check_finite("bgnbd::log_likelihood gradient", g);
  });

  double x, t_x, T;
  in.customer(x, t_x, T);
  const double horizon = in.positive();
  fuzz::documented("bgnbd::p_alive", [&] {
    fuzz::check_probability("bgnbd::p_alive", bgnbd::p_alive(params, x, t_x, T));
  });
  fuzz::documented("bgnbd::expected_purchases", [&] {
    const double e = bgnbd::expected_purchases(params, x, t_x, T, horizon);
    fuzz::check_finite("bgnbd::expected_purchases", e);
    fuzz::check(e >= 0, "bgnbd::expected_purchases < 0: " + fuzz::show(e));
  });
  fuzz::documented("bgnbd::expected_purchases_new", [&] {
    const double e = bgnbd::expected_purchases_new(params, horizon);
    fuzz::check_finite("bgnbd::expected_purchases_new", e);
    fuzz::check(e >= 0, "bgnbd::expected_purchases_new < 0: " + fuzz::show(e));
  });
  const double n = in.count(8);
  fuzz::documented("bgnbd::prob_purchases", [&] {
    fuzz::check_probability("bgnbd::prob_purchases", bgnbd::prob_purchases(params, n, horizon));
  });
  fuzz::documented("predicted_clv(bgnbd)", [&] {
    const auto purchases = [&](const double* horizons, std::size_t count, double* out) {
      bgnbd::expected_purchases_if_alive_at(params, x, T, horizons, count, out);
    };
    const double alive = bgnbd::p_alive(params, x, t_x, T);
    fuzz::check_finite("predicted_clv(bgnbd)",
                       alive * predicted_clv(purchases, 10.0, 1 + in.byte() % 3, horizon, 0.01));
  });
  return 0;
}
