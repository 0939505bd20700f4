#include "clv/common/format.hpp"

#include <cstdlib>
#include <string>

namespace clv {

namespace {

constexpr std::size_t kSignificantDigits = 7;

std::string cut_with_ellipsis(std::string_view text) {
  return std::string(text.substr(0, kMaxNumberText)) + "...";
}

}  // namespace

std::string shorten_number_text(std::string_view text) {
  if (text.size() <= kMaxNumberText) return std::string(text);
  const bool negative = text.front() == '-';
  const std::string_view unsigned_text = text.substr(negative ? 1 : 0);
  const std::size_t point = unsigned_text.find('.');
  const std::string_view integer_part = unsigned_text.substr(0, point);
  const std::string_view fraction_part =
      point == std::string_view::npos ? std::string_view() : unsigned_text.substr(point + 1);
  const std::string digits = std::string(integer_part) + std::string(fraction_part);
  if (integer_part.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    return cut_with_ellipsis(text);
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return negative ? "-0" : "0";

  // Decimal exponent of the first significant digit.
  long exponent = static_cast<long>(integer_part.size()) - 1 - static_cast<long>(first);
  std::string mantissa = digits.substr(first, kSignificantDigits);
  // Round half up on the first dropped digit, carrying through nines.
  if (first + kSignificantDigits < digits.size() && digits[first + kSignificantDigits] >= '5') {
    std::size_t i = mantissa.size();
    while (i > 0 && mantissa[i - 1] == '9') mantissa[--i] = '0';
    if (i == 0) {
      mantissa.insert(mantissa.begin(), '1');
      mantissa.pop_back();
      ++exponent;
    } else {
      ++mantissa[i - 1];
    }
  }
  while (mantissa.size() > 1 && mantissa.back() == '0') mantissa.pop_back();

  std::string out = negative ? "-" : "";
  out += mantissa[0];
  if (mantissa.size() > 1) out += "." + mantissa.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  out += std::to_string(std::labs(exponent));
  return out;
}

}  // namespace clv
