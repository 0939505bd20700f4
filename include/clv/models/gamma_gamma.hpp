// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using
// iso-value curves for customer base analysis"). A customer's transaction
// values are Gamma(p, nu) with nu ~ Gamma(q, v) across customers; fitted on
// customers with x > 0 repeat purchases of mean value m_x. A result or
// gradient that leaves the range of double precision (extreme parameters)
// throws std::range_error.
#pragma once

#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"

#include <vector>

namespace clv::models::gamma_gamma {

struct Params {
  double p, q, v;
};

// Weighted log-likelihood of the mean spends; gradient in (log p, log q, log v).
double log_likelihood(const Params& params, const SpendData& data,
                      std::vector<double>* gradient = nullptr);

// Throws std::domain_error with fewer than 2 customers with repeat purchases.
// log L of one customer's x repeat purchases of mean value m_x, validated
// like SpendData::add; 0 for x = 0 (the fit ignores those customers).
double log_likelihood(const Params& params, double x, double m_x);
FitResult<Params> fit(const SpendData& data, const FitOptions& options = {},
                      const InterruptPoll& poll = {});

// E[mean transaction value | x, m_x] = (p (v + x m_x)) / (p x + q - 1); for
// x = 0 the population mean p v / (q - 1) (m_x is then ignored). Throws
// std::domain_error when that expectation is infinite (p x + q <= 1).
double expected_spend(const Params& params, double x, double m_x);

}  // namespace clv::models::gamma_gamma
