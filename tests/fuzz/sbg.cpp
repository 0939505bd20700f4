// Shifted-beta-geometric likelihood, survival and retention with parameters
// and a cohort decoded from the input (mostly non-increasing survivor counts
// over consecutive periods, sometimes arbitrary ones; parameters mostly valid
// over wide ranges, sometimes arbitrary doubles). Checks: every call returns a
// finite value in its range (survival and retention in [0, 1]) or throws a
// documented exception; log_likelihood's gradient is finite whenever its
// value is.
#include "clv/models/sbg.hpp"

#include "fuzz_support.hpp"

#include <vector>

using namespace clv::models;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const sbg::Params params{in.positive(), in.positive()};

  CohortData cohort;
  const bool arbitrary = in.byte() >= 240;
  uint64_t active = in.u64() >> (in.byte() % 64);
  const int periods = in.byte() % 16;
  for (int t = 0; t < periods; ++t) {
    const uint64_t period = arbitrary ? in.u64() : static_cast<uint64_t>(t);
    fuzz::documented("CohortData::add", [&] { cohort.add(period, active); });
    active = arbitrary ? in.u64() : active - (active >> (in.byte() % 64));
  }
  fuzz::documented("sbg::log_likelihood", [&] {
    std::vector<double> gradient;
    fuzz::check_finite("sbg::log_likelihood", sbg::log_likelihood(params, cohort, &gradient));
    for (double g : gradient) fuzz::check_finite("sbg::log_likelihood gradient", g);
  });

  const double period = in.count(20);
  fuzz::documented("sbg::survival", [&] {
    fuzz::check_probability("sbg::survival", sbg::survival(params, period));
  });
  fuzz::documented("sbg::retention", [&] {
    fuzz::check_probability("sbg::retention", sbg::retention(params, period));
  });
  return 0;
}
