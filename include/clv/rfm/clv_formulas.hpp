// Closed-form customer-lifetime-value formulas. Out-of-domain arguments throw
// std::invalid_argument; a result that overflows a double throws
// std::range_error.
#pragma once

namespace clv {

// Average order value x purchases per year x expected lifespan in years.
double simple_clv(double avg_order_value, double purchases_per_year, double lifespan_years);

// Gross margin earned minus direct costs to serve minus acquisition cost.
double historical_clv(double gross_margin, double direct_costs, double acquisition_cost);

// Margin per period m with retention rate r and discount rate d, summed over
// an infinite horizon from the next period on: m * r / (1 + d - r).
double retention_clv(double margin_per_period, double retention_rate, double discount_rate);

}  // namespace clv
