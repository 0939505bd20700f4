// Numbers in error messages, spelled as PostgreSQL spells them.
#pragma once

#include <cmath>
#include <sstream>
#include <string>

namespace clv {

inline std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  std::ostringstream out;
  out.precision(15);
  out << v;
  return out.str();
}

}  // namespace clv
