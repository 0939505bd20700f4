#include "clv/models/covariates.hpp"

#include "clv/common/bytes.hpp"
#include "clv/common/checked.hpp"
#include "clv/common/format.hpp"
#include "clv/models/fit_state.hpp"

#include "covariate_fit.hpp"
#include "exact_bits.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace clv::models {

namespace {

const char kCovariateDataTag[3] = {'C', 'M', 'V'};
constexpr std::uint8_t kDataVersion = 1;
using detail::from_bits;
using detail::key_bits;

// A row's values (z..., x, t_x, T) with its weight.
using Entry = std::pair<std::vector<double>, std::uint64_t>;

}  // namespace

void validate_covariates(const double* z, std::size_t count) {
  if (count == 0) throw std::invalid_argument("covariates must not be empty");
  if (count > kMaxCovariates)
    throw std::invalid_argument(std::to_string(count) + " covariates are more than the " +
                                std::to_string(kMaxCovariates) + " supported");
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(z[i]))
      throw std::invalid_argument("covariate " + std::to_string(i + 1) + " " + format_number(z[i]) +
                                  " is not finite");
}

std::size_t CovariateRfmData::KeyHash::operator()(const std::vector<std::uint64_t>& bits) const {
  return detail::hash_bits(bits.data(), bits.size());
}

void CovariateRfmData::add(double x, double t_x, double T, const double* z, std::size_t count,
                           std::uint64_t weight) {
  validate_rfm(x, t_x, T);
  validate_covariates(z, count);
  if (covariates_ != 0 && count != covariates_)
    throw std::invalid_argument("every row needs the same number of covariates (" +
                                std::to_string(covariates_) + ", not " + std::to_string(count) +
                                ")");
  if (weight == 0) return;
  customers_ = checked_count_add(customers_, weight, "the number of customers");
  covariates_ = count;
  std::vector<std::uint64_t> key;
  key.reserve(count + 3);
  for (std::size_t k = 0; k < count; ++k) key.push_back(key_bits(z[k]));
  for (double v : {x, t_x, T}) key.push_back(key_bits(v));
  rows_[std::move(key)] += weight;  // cannot overflow: at most customers_
}

void CovariateRfmData::merge(const CovariateRfmData& other) {
  if (other.customers_ == 0) return;
  if (covariates_ != 0 && other.covariates_ != covariates_)
    throw std::invalid_argument("cannot combine rows with " + std::to_string(covariates_) +
                                " and with " + std::to_string(other.covariates_) + " covariates");
  customers_ = checked_count_add(customers_, other.customers_, "the number of customers");
  covariates_ = other.covariates_;
  for (const auto& [key, weight] : other.rows_) rows_[key] += weight;
}

std::vector<CovariateRfmData::Group> CovariateRfmData::groups() const {
  std::vector<Entry> entries;
  entries.reserve(rows_.size());
  for (const auto& [key, weight] : rows_) {
    std::vector<double> values(key.size());
    std::transform(key.begin(), key.end(), values.begin(), from_bits);
    entries.emplace_back(std::move(values), weight);
  }
  std::sort(entries.begin(), entries.end());
  std::vector<Group> out;
  for (const auto& [values, weight] : entries) {
    const auto z_end = values.begin() + static_cast<std::ptrdiff_t>(covariates_);
    if (out.empty() || !std::equal(out.back().z.begin(), out.back().z.end(), values.begin()))
      out.push_back({std::vector<double>(values.begin(), z_end), {}});
    out.back().data.add(z_end[0], z_end[1], z_end[2], weight);
  }
  return out;
}

RfmData CovariateRfmData::pooled() const {
  RfmData out;
  for (const auto& [key, weight] : rows_)
    out.add(from_bits(key[covariates_]), from_bits(key[covariates_ + 1]),
            from_bits(key[covariates_ + 2]), weight);
  return out;
}

std::string CovariateRfmData::serialize() const {
  ByteWriter out;
  write_header(out, kCovariateDataTag, kDataVersion);
  out.u64(covariates_);
  out.u64(rows_.size());
  for (const auto& group : groups())
    for (const auto& row : group.data.rows()) {
      for (double v : group.z) out.f64(v);
      out.f64(row.x);
      out.f64(row.t_x);
      out.f64(row.T);
      out.u64(row.weight);
    }
  return out.take();
}

CovariateRfmData CovariateRfmData::deserialize(std::string_view bytes) {
  ByteReader in(bytes.data(), bytes.size());
  in.expect_header(kCovariateDataTag, kDataVersion);
  const std::uint64_t covariates = in.u64();
  if (covariates > kMaxCovariates) throw std::invalid_argument("state has too many covariates");
  const std::uint64_t n = in.count(8 * (covariates + 4));
  if ((n > 0) != (covariates > 0))
    throw std::invalid_argument("state's number of covariates does not match its rows");
  CovariateRfmData data;
  std::vector<double> z(covariates);
  for (std::uint64_t i = 0; i < n; ++i) {
    for (double& v : z) v = in.f64();
    const double x = in.f64(), t_x = in.f64(), T = in.f64();
    const std::uint64_t weight = in.u64();
    if (weight == 0) throw std::invalid_argument("state holds a row with weight 0");
    detail::decoded_count_add(data.customers_, weight);
    const std::size_t before = data.rows_.size();
    data.add(x, t_x, T, z, weight);
    if (data.rows_.size() == before) throw std::invalid_argument("state holds a duplicate row");
  }
  in.expect_end();
  return data;
}

namespace detail {

double covariate_log_likelihood(const CovariateLayout& layout, const GroupLogLikelihood& group_ll,
                                const std::vector<double>& theta, double* grad) {
  const std::size_t p = layout.covariates;
  const double* gamma_purchase = theta.data() + kBaseParameters;
  const double* gamma_dropout = gamma_purchase + p;
  if (grad) std::fill(grad, grad + theta.size(), 0.0);
  double ll = 0;
  for (std::size_t g = 0; g < layout.z.size(); ++g) {
    const std::vector<double>& z = layout.z[g];
    double effect_purchase = 0, effect_dropout = 0;
    for (std::size_t k = 0; k < p; ++k) {
      effect_purchase += gamma_purchase[k] * z[k];
      effect_dropout += gamma_dropout[k] * z[k];
    }
    double theta_g[kBaseParameters], grad_g[kBaseParameters];
    std::copy(theta.begin(), theta.begin() + kBaseParameters, theta_g);
    for (const ScaledParameter& s : layout.scaled)
      theta_g[s.index] += s.sign * (s.dropout ? effect_dropout : effect_purchase);
    ll += group_ll(g, theta_g, grad ? grad_g : nullptr);
    if (!grad) continue;
    for (std::size_t i = 0; i < kBaseParameters; ++i) grad[i] += grad_g[i];
    for (const ScaledParameter& s : layout.scaled) {
      double* out = grad + kBaseParameters + (s.dropout ? p : 0);
      const double coefficient = s.sign * grad_g[s.index];
      for (std::size_t k = 0; k < p; ++k) out[k] += coefficient * z[k];
    }
  }
  return ll;
}

Optimum fit_covariates(const CovariateLayout& layout, const GroupLogLikelihood& group_ll,
                       const std::vector<std::vector<double>>& base_starts, double customers,
                       const std::vector<double>& base_penalty_scales, const FitOptions& options,
                       const InterruptPoll& poll) {
  std::vector<std::vector<double>> starts = base_starts;
  for (auto& start : starts) start.resize(kBaseParameters + 2 * layout.covariates, 0.0);
  std::vector<double> penalty_scales = base_penalty_scales;
  penalty_scales.resize(starts.front().size(), 1.0);
  auto ll = [&](const std::vector<double>& theta, std::vector<double>& gradient) {
    return covariate_log_likelihood(layout, group_ll, theta, gradient.data());
  };
  return maximize_log_likelihood(ll, customers, starts, penalty_scales, options, poll,
                                 kBaseParameters);
}

std::vector<std::string> covariate_parameter_names(const std::vector<std::string>& base,
                                                   std::size_t covariates) {
  std::vector<std::string> names = base;
  for (const char* process : {"gamma_purchase", "gamma_dropout"})
    for (std::size_t k = 1; k <= covariates; ++k)
      names.push_back(std::string(process) + "[" + std::to_string(k) + "]");
  return names;
}

double covariate_effect(const double* gamma, std::size_t covariates, const double* z,
                        std::size_t count) {
  if (count != covariates)
    throw std::invalid_argument("the model has " + std::to_string(covariates) +
                                " covariates, the customer " + std::to_string(count));
  validate_covariates(z, count);
  double effect = 0;
  for (std::size_t k = 0; k < count; ++k) effect += gamma[k] * z[k];
  if (!std::isfinite(effect))
    throw std::range_error("the covariates' effect is out of the range of double precision");
  return effect;
}

}  // namespace detail
}  // namespace clv::models
