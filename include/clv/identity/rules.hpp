// Link rules against over-merging, shared by one-shot and incremental
// resolution.
//
// An identifier "type:value" has the type before its first ':' and the value
// after it; an identifier without ':' has the empty type and is all value.
// Blocked values (the junk list and TypeRule::blocked_values) are matched
// against the value part, so 'email:null' and 'null' are both junk.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clv::identity {

using Edge = std::pair<std::string_view, std::string_view>;

// An input edge that was not applied, and the rule that refused it:
// 'blocked_value', 'max_per_cluster:<type>', 'max_cluster_size' or
// 'hub:<type>' (<type> is the type whose limit was exceeded); the persistent
// graph also refuses 'identifier_too_long' (IdentityGraph::set_max_identifier_bytes).
struct RejectedEdge {
  std::string a;
  std::string b;
  std::string rule;
  bool operator==(const RejectedEdge& o) const { return a == o.a && b == o.b && rule == o.rule; }
};

struct TypeRule {
  // Most distinct identifiers of this type one cluster may hold; 0 = unlimited.
  uint32_t max_per_cluster = 0;
  // Edges touching a higher-priority type are decided first.
  int priority = 0;
  // Most distinct identifiers of this type any one identifier may link to;
  // 0 = LinkRules::hub_limit.
  uint32_t hub_limit = 0;
  // Values (the part after "type:") that never link, compared byte for byte.
  std::set<std::string, std::less<>> blocked_values;
};

struct LinkRules {
  std::map<std::string, TypeRule, std::less<>> types;
  // Most members of one cluster; 0 = unlimited.
  uint64_t max_cluster_size = 0;
  // Default hub limit for every type without its own; 0 = no hub detection.
  uint32_t hub_limit = 0;
  // Block the values is_junk() recognises.
  bool block_junk = true;
  // Further blocking decided by the caller from an identifier's type and
  // value (e.g. a regular expression evaluated by the database); may throw.
  std::function<bool(std::string_view type, std::string_view value)> blocked_by;
};

inline std::string_view identifier_type(std::string_view identifier) {
  const size_t colon = identifier.find(':');
  return colon == std::string_view::npos ? std::string_view() : identifier.substr(0, colon);
}

inline std::string_view identifier_value(std::string_view identifier) {
  const size_t colon = identifier.find(':');
  return colon == std::string_view::npos ? identifier : identifier.substr(colon + 1);
}

// Placeholder values that must never link two customers. Compared after
// trimming ASCII whitespace and ignoring ASCII case; also junk: values made
// only of '0', '-' and ':' (all-zero UUIDs, MACs, phone numbers) and e-mail
// addresses whose local part is noemail / no-email / no_email / noreply /
// no-reply / donotreply.
bool is_junk(std::string_view value);

// The exact junk values above, lower case, for seeding a SQL blocklist table.
const std::vector<std::string_view>& default_junk_values();
// The pattern part of is_junk() as PostgreSQL case-insensitive regular
// expressions (for ~*), to seed a blocked_pattern column.
const std::vector<std::string_view>& default_junk_patterns();

}  // namespace clv::identity
