// Gamma-Gamma likelihood and expected spend with parameters and (x, m_x)
// pairs decoded from the input (mostly valid values over wide ranges,
// sometimes arbitrary doubles). Checks: every call returns a finite value
// (expected spend >= 0: it may underflow to 0) or throws a documented
// exception; log_likelihood's gradient is finite whenever its value is.
#include "clv/models/gamma_gamma.hpp"

#include "fuzz_support.hpp"

#include <vector>

using namespace clv::models;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const gamma_gamma::Params params{in.positive(), in.positive(), in.positive()};

  SpendData spend;
  const int customers = 1 + in.byte() % 4;
  for (int i = 0; i < customers; ++i) {
    const double x = in.count(10), m_x = in.positive();
    fuzz::documented("SpendData::add", [&] { spend.add(x, m_x, 1 + in.byte()); });
  }
  fuzz::documented("gamma_gamma::log_likelihood", [&] {
    std::vector<double> gradient;
    fuzz::check_finite("gamma_gamma::log_likelihood",
                       gamma_gamma::log_likelihood(params, spend, &gradient));
    for (double g : gradient) fuzz::check_finite("gamma_gamma::log_likelihood gradient", g);
  });

  const double x = in.count(10), m_x = in.positive();
  fuzz::documented("gamma_gamma::expected_spend", [&] {
    const double e = gamma_gamma::expected_spend(params, x, m_x);
    fuzz::check_finite("gamma_gamma::expected_spend", e);
    fuzz::check(e >= 0, "gamma_gamma::expected_spend < 0: " + fuzz::show(e));
  });
  return 0;
}
