#include "clv/rfm/clv_formulas.hpp"

#include "clv/common/format.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace clv {

namespace {

void require_finite(const char* name, double v) {
  if (std::isfinite(v)) return;
  throw std::invalid_argument(std::string(name) + " " + format_number(v) +
                              " is not a finite number");
}

void require(bool ok, const char* name, double v, const char* domain) {
  if (ok) return;
  throw std::invalid_argument(std::string(name) + " " + format_number(v) +
                              " is out of range: it must be " + domain);
}

double finite_result(const char* function, double v) {
  if (!std::isfinite(v)) throw std::range_error(std::string(function) + " result is out of range");
  return v;
}

}  // namespace

double simple_clv(double avg_order_value, double purchases_per_year, double lifespan_years) {
  require_finite("avg_order_value", avg_order_value);
  require_finite("purchases_per_year", purchases_per_year);
  require_finite("lifespan_years", lifespan_years);
  require(purchases_per_year >= 0, "purchases_per_year", purchases_per_year, ">= 0");
  require(lifespan_years >= 0, "lifespan_years", lifespan_years, ">= 0");
  return finite_result("simple_clv", avg_order_value * purchases_per_year * lifespan_years);
}

double historical_clv(double gross_margin, double direct_costs, double acquisition_cost) {
  require_finite("gross_margin", gross_margin);
  require_finite("direct_costs", direct_costs);
  require_finite("acquisition_cost", acquisition_cost);
  return finite_result("historical_clv", gross_margin - direct_costs - acquisition_cost);
}

double retention_clv(double margin_per_period, double retention_rate, double discount_rate) {
  require_finite("margin_per_period", margin_per_period);
  require_finite("retention_rate", retention_rate);
  require_finite("discount_rate", discount_rate);
  require(retention_rate >= 0 && retention_rate < 1, "retention_rate", retention_rate, "in [0, 1)");
  require(discount_rate > -1, "discount_rate", discount_rate, "greater than -1");
  // The discounted series m * sum_k (r / (1 + d))^k converges only when r < 1 + d.
  if (1 + discount_rate - retention_rate <= 0) {
    throw std::invalid_argument(
        "retention_rate " + format_number(retention_rate) + " must be below 1 + discount_rate (" +
        format_number(1 + discount_rate) + ") for the discounted value to be finite");
  }
  return finite_result("retention_clv",
                       margin_per_period * retention_rate / (1 + discount_rate - retention_rate));
}

}  // namespace clv
