#include "clv/identity/rules.hpp"

#include <algorithm>

namespace clv::identity {
namespace {

std::string_view trim_ascii(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

char lower_ascii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view s, std::string_view lower) {
  return s.size() == lower.size() && std::equal(s.begin(), s.end(), lower.begin(),
                                                [](char a, char b) { return lower_ascii(a) == b; });
}

bool only_zero_like(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0-:") == std::string_view::npos;
}

bool placeholder_email(std::string_view s) {
  const size_t at = s.find('@');
  if (at == std::string_view::npos) return false;
  const std::string_view local = s.substr(0, at);
  for (std::string_view placeholder :
       {"noemail", "no-email", "no_email", "noreply", "no-reply", "donotreply"}) {
    if (equals_ignoring_case(local, placeholder)) return true;
  }
  return false;
}

}  // namespace

const std::vector<std::string_view>& default_junk_values() {
  static const std::vector<std::string_view> values = {
      "",    "null", "undefined", "unknown",         "anonymous",     "none",
      "n/a", "0",    "-1",        "[object object]", "test@test.com", "test@example.com"};
  return values;
}

const std::vector<std::string_view>& default_junk_patterns() {
  static const std::vector<std::string_view> patterns = {
      "^\\s*[0:-]+\\s*$", "^\\s*(noemail|no-email|no_email|noreply|no-reply|donotreply)@"};
  return patterns;
}

bool is_junk(std::string_view value) {
  const std::string_view trimmed = trim_ascii(value);
  for (std::string_view junk : default_junk_values()) {
    if (equals_ignoring_case(trimmed, junk)) return true;
  }
  return only_zero_like(trimmed) || placeholder_email(trimmed);
}

}  // namespace clv::identity
