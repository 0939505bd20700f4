// The churn-trend scoring functions: lateness (frequency, recency, t),
// median_gap_lateness (what clv.lateness_agg's final function computes from
// its decoded purchase periods) and churn_risk, with mostly integral purchase
// times and sometimes arbitrary doubles. Checks: every call returns a finite,
// non-negative lateness (or NULL) and a churn risk, or throws a documented
// exception.
#include "clv/trend/trend.hpp"

#include "fuzz_support.hpp"

#include <optional>
#include <vector>

using namespace clv::trend;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  std::vector<double> times;
  const int n = in.byte() % 32;
  for (int i = 0; i < n; ++i) times.push_back(in.count(40));
  const double t = in.count(41);

  std::optional<double> median_late;
  fuzz::documented("median_gap_lateness", [&] {
    median_late = median_gap_lateness(times, t);
    if (median_late) {
      fuzz::check_finite("median_gap_lateness", *median_late);
      fuzz::check(*median_late >= 0, "median_gap_lateness < 0");
    }
  });

  const double frequency = in.count(10), recency = in.count(20) / 16, age = in.count(20) / 8;
  std::optional<double> late;
  fuzz::documented("lateness", [&] {
    late = lateness(frequency, recency, age);
    if (late) {
      fuzz::check_finite("lateness", *late);
      fuzz::check(*late >= 0, "lateness < 0");
    }
  });

  const double p_alive = in.byte() >= 240 ? in.raw_double() : in.fraction();
  const Direction directions[] = {Direction::rising, Direction::stable, Direction::declining,
                                  Direction::lapsed, Direction::new_customer};
  const Direction direction = directions[in.byte() % 5];
  fuzz::check(parse_direction(direction_name(direction)) == direction, "direction name round trip");
  fuzz::documented("churn_risk",
                   [&] { churn_risk(p_alive, in.byte() & 1 ? median_late : late, direction); });
  return 0;
}
