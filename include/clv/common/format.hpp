// Numbers in error messages, spelled as PostgreSQL spells them and short
// enough to read: doubles with 15 significant digits ("1e+308", "-2147483648"),
// NaN and infinities by name, and decimal texts of any length (a numeric with
// 400 digits) in short scientific form.
#pragma once

#include <cmath>
#include <sstream>
#include <string>
#include <string_view>

namespace clv {

inline std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  std::ostringstream out;
  out.precision(15);
  out << v;
  return out.str();
}

// Texts of at most this many characters are printed as they are.
constexpr std::size_t kMaxNumberText = 24;

// `text` as given when it is short; a longer plain decimal ("-123.45", as
// numeric_out prints it) in scientific form with at most 7 significant
// digits ("1e+400", "-1.234568e+399", "1e-390"); any other long text cut
// after kMaxNumberText characters with an ellipsis.
std::string shorten_number_text(std::string_view text);

}  // namespace clv
