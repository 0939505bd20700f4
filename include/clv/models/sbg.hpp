// Shifted-beta-geometric retention model (Fader & Hardie 2007, "How to project
// customer retention"): a contract customer churns at the end of each period
// with probability theta ~ Beta(alpha, beta).
//
// Data: CohortData with active_t = customers active at the start of period t,
// t = 0..T (active_0 = the cohort). Lost in period t >= 1 is active_{t-1} -
// active_t with P(churn in t) = B(alpha+1, beta+t-1)/B(alpha, beta); the
// active_T still active contribute S(T) = B(alpha, beta+T)/B(alpha, beta).
// A result or gradient that leaves the range of double precision (extreme
// parameters) throws std::range_error.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <vector>

namespace clv::models::sbg {

struct Params {
  double alpha, beta;
};

// Throws std::invalid_argument unless the periods are 0, 1, ..., T with
// non-increasing counts, std::domain_error when the data cannot identify the
// model (fewer than 2 periods, an empty cohort, nobody lost).
double log_likelihood(const Params& params, const CohortData& data,
                      std::vector<double>* gradient = nullptr);
FitResult<Params> fit(const CohortData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

// S(t) = P(still active after t periods), t a non-negative integer.
double survival(const Params& params, double period);
// r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1 integer.
double retention(const Params& params, double period);

}  // namespace clv::models::sbg
