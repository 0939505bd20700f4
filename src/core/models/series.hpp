// Limits shared by the series of the special functions (special.cpp,
// hyp2f1.cpp); private to the core.
#pragma once

namespace clv::models::detail {

constexpr int kMaxSeriesTerms = 100000;
constexpr double kSeriesEpsilon = 1e-17;
// Rescale running series terms above this to keep them finite.
constexpr double kRescaleAbove = 1e250;

}  // namespace clv::models::detail
