// BG/BB likelihood and scoring with parameters and histories decoded from the
// input (mostly valid histories with n up to 2^10, sometimes arbitrary
// integers; parameters mostly valid over wide ranges, sometimes arbitrary
// doubles). Checks: every call returns a finite value in its range
// (probabilities in [0, 1], expectations >= 0) or throws a documented
// exception; log_likelihood's gradient is finite whenever its value is.
#include "clv/models/bgbb.hpp"

#include "fuzz_support.hpp"

#include <vector>

using namespace clv::models;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const bgbb::Params params{in.positive(), in.positive(), in.positive(), in.positive()};
  double x, t_x, n;
  if (in.byte() >= 240) {
    x = in.count(10);
    t_x = in.count(10);
    n = in.count(10);
  } else {
    const uint64_t periods = 1 + in.u64() % 1024, last = in.u64() % (periods + 1);
    n = static_cast<double>(periods);
    t_x = static_cast<double>(last);
    x = last == 0 ? 0 : static_cast<double>(1 + in.u64() % last);
  }
  DiscreteData discrete;
  fuzz::documented("DiscreteData::add", [&] { discrete.add(x, t_x, n, 1 + in.byte()); });
  fuzz::documented("DiscreteData::add", [&] { discrete.add(0, 0, n, 1 + in.byte()); });
  fuzz::documented("bgbb::log_likelihood", [&] {
    std::vector<double> gradient;
    fuzz::check_finite("bgbb::log_likelihood", bgbb::log_likelihood(params, discrete, &gradient));
    for (double g : gradient) fuzz::check_finite("bgbb::log_likelihood gradient", g);
  });
  fuzz::documented("bgbb::p_alive", [&] {
    fuzz::check_probability("bgbb::p_alive", bgbb::p_alive(params, x, t_x, n));
  });
  const double future = in.count(31);
  fuzz::documented("bgbb::expected_purchases", [&] {
    const double e = bgbb::expected_purchases(params, x, t_x, n, future);
    fuzz::check_finite("bgbb::expected_purchases", e);
    fuzz::check(e >= 0, "bgbb::expected_purchases negative");
  });
  fuzz::documented("bgbb::prob_purchases", [&] {
    fuzz::check_probability("bgbb::prob_purchases", bgbb::prob_purchases(params, x, n));
  });
  const double rate = in.positive();
  fuzz::documented("bgbb::dert", [&] {
    const double e = bgbb::dert(params, x, t_x, n, rate);
    fuzz::check_finite("bgbb::dert", e);
    fuzz::check(e >= 0, "bgbb::dert negative");
  });
  return 0;
}
