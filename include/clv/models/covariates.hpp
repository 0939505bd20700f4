// Time-invariant covariates in the Pareto/NBD and BG/NBD models (Fader &
// Hardie 2007, "Incorporating time-invariant covariates into the Pareto/NBD
// and BG/NBD models"), parameterised as CLVTools' static covariates. A
// customer with covariates z (one vector, used by both processes) has the
// scale parameters
//   Pareto/NBD  alpha_i = alpha exp(-gamma_purchase . z)
//               beta_i  = beta  exp(-gamma_dropout  . z)
//   BG/NBD      alpha_i = alpha exp(-gamma_purchase . z)
//               a_i = a exp(gamma_dropout . z),  b_i = b exp(gamma_dropout . z)
// and is otherwise the model without covariates (for_customer): a positive
// gamma_purchase raises the purchase rate; a positive gamma_dropout raises
// the Pareto/NBD dropout rate and concentrates the BG/NBD dropout
// probability around its mean a / (a + b). alpha, beta (a, b) are those of
// a customer with z = 0, so centred covariates keep them near the fit
// without covariates.
//
// The fit maximises the likelihood over (log r, log alpha, log s | log a,
// log beta | log b, gamma_purchase, gamma_dropout) with gamma = 0 from the
// fit without covariates and from moderate dropout shapes, keeping the
// better optimum; at a limit of the fit without covariates it returns that
// limit with gamma = 0 (FitResult::limit says so). The penalizer also adds
// penalizer * gamma^2 for every coefficient. The covariance matrix covers
// all 4 + 2p parameters in that order (natural r, alpha, ..., then the
// coefficients as they are).
#pragma once

#include "clv/models/bgnbd.hpp"
#include "clv/models/data.hpp"
#include "clv/models/fit.hpp"
#include "clv/models/pareto_nbd.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clv::models {

// The most covariates of a customer: every one costs two parameters and
// makes the information matrix larger by two rows and columns.
constexpr std::size_t kMaxCovariates = 64;

// Throws std::invalid_argument unless 1 <= count <= kMaxCovariates and every
// value is finite.
void validate_covariates(const double* z, std::size_t count);

// (frequency, recency, age) of customers with their covariates, identical
// rows stored once with a weight; every row has the same number of
// covariates (fixed by the first). Byte form (clv/common/bytes.hpp):
//   "CMV" 1 | covariates u64 | count u64 | count x (z f64 x covariates, x f64, t_x f64, T f64,
//   weight u64)
// rows in ascending order; deserialisation validates like add() and rejects
// duplicate rows, counts beyond a bigint, truncation and trailing bytes.
class CovariateRfmData {
 public:
  struct Group {
    std::vector<double> z;
    RfmData data;
  };

  void add(double x, double t_x, double T, const double* z, std::size_t count,
           std::uint64_t weight = 1);
  void add(double x, double t_x, double T, const std::vector<double>& z, std::uint64_t weight = 1) {
    add(x, t_x, T, z.data(), z.size(), weight);
  }
  void merge(const CovariateRfmData& other);
  std::size_t covariates() const { return covariates_; }  // 0 before the first row
  std::uint64_t customers() const { return customers_; }
  std::size_t distinct() const { return rows_.size(); }
  // Customers grouped by covariates, in ascending z order.
  std::vector<Group> groups() const;
  // Every customer, covariates dropped.
  RfmData pooled() const;
  std::string serialize() const;
  static CovariateRfmData deserialize(std::string_view bytes);

 private:
  struct KeyHash {
    std::size_t operator()(const std::vector<std::uint64_t>& bits) const;
  };
  // Key: the bits of (z..., x, t_x, T), -0.0 folded into 0.0.
  std::unordered_map<std::vector<std::uint64_t>, std::uint64_t, KeyHash> rows_;
  std::size_t covariates_ = 0;
  std::uint64_t customers_ = 0;
};

template <class Params>
struct CovariateParams {
  Params base;                                        // the scales at z = 0
  std::vector<double> gamma_purchase, gamma_dropout;  // one per covariate
};

// The same with the coefficients held elsewhere (a scorer's cached copy of a
// model value): covariates of each.
template <class Params>
struct CovariateView {
  Params base;
  const double* gamma_purchase;
  const double* gamma_dropout;
  std::size_t covariates;
};

namespace pareto_nbd {
using CovariateModel = CovariateParams<Params>;
// The Pareto/NBD of a customer with covariates z[0..count): throws
// std::invalid_argument unless count matches the model's covariates and z
// is finite, std::range_error if a scale leaves the range of double.
Params for_customer(const CovariateModel& model, const double* z, std::size_t count);
Params for_customer(const CovariateView<Params>& model, const double* z, std::size_t count);
double log_likelihood(const CovariateModel& model, const CovariateRfmData& data,
                      std::vector<double>* gradient = nullptr);
FitResult<CovariateModel> fit(const CovariateRfmData& data, const FitOptions& options = {},
                              const InterruptPoll& poll = {});
}  // namespace pareto_nbd

namespace bgnbd {
using CovariateModel = CovariateParams<Params>;
Params for_customer(const CovariateModel& model, const double* z, std::size_t count);
Params for_customer(const CovariateView<Params>& model, const double* z, std::size_t count);
double log_likelihood(const CovariateModel& model, const CovariateRfmData& data,
                      std::vector<double>* gradient = nullptr);
FitResult<CovariateModel> fit(const CovariateRfmData& data, const FitOptions& options = {},
                              const InterruptPoll& poll = {});
}  // namespace bgnbd

}  // namespace clv::models
