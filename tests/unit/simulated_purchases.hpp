// The purchases of one simulated buy-till-you-die customer, shared by the
// recovery tests: exponential gaps at rate lambda until the age T or the
// customer's death; with geometric dropout (BG/NBD) the customer also
// leaves with probability drop after each purchase.
#pragma once

#include <random>

namespace clv_test {

struct SimulatedHistory {
  double x, t_x;  // repeat purchases, time of the last one
};

inline SimulatedHistory simulate_purchases(std::mt19937_64& rng, double lambda, double death,
                                           bool geometric_dropout, double drop, double T) {
  std::exponential_distribution<double> gap(lambda);
  std::bernoulli_distribution dies(drop);
  double t = 0, last = 0, x = 0;
  while (true) {
    t += gap(rng);
    if (t > T || t > death) break;
    ++x;
    last = t;
    if (geometric_dropout && dies(rng)) break;
  }
  return {x, last};
}

}  // namespace clv_test
