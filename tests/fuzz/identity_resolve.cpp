// One-shot identity resolution (Resolver) and its explanation (shortest_path)
// over arbitrary identifiers: the input after its first byte is split at '\n'
// and consumed in pairs as edges; the first byte picks link rules (cluster
// size limit, per-type limit, hub limit, junk blocking); an odd input length
// feeds the edges through add_edges in batches instead of add_edge. Checks: the output
// is ordered by (cluster_key, identifier), each key is its cluster's smallest
// member, sizes and ids are consistent, no cluster exceeds max_cluster_size,
// the clusters are exactly the connected components of the edges not
// reported as rejected, and
// shortest_path returns a real path between members of one cluster.
#include "clv/identity/explain.hpp"
#include "clv/identity/hash.hpp"
#include "clv/identity/resolver.hpp"

#include "fuzz_support.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace clv::identity;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t config = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> parts;
  for (size_t start = 0; start <= input.size();) {
    size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    parts.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  std::vector<Edge> edges;
  for (size_t i = 0; i + 1 < parts.size(); i += 2) edges.emplace_back(parts[i], parts[i + 1]);

  ResolverOptions options;
  const bool with_rules = config & 1;
  if (with_rules) {
    LinkRules rules;
    rules.max_cluster_size = (config >> 1) & 7;  // 0 = unlimited
    rules.block_junk = config & 16;
    if (config & 32) rules.types["email"].max_per_cluster = 1;
    if (config & 64) rules.hub_limit = 2;
    if (config & 128) rules.types["device"].priority = 1;
    options.rules = rules;
  }
  Resolver resolver(std::move(options));
  if (size % 2 == 1) {
    std::vector<std::string_view> ends;
    for (const Edge& e : edges) {
      ends.push_back(e.first);
      ends.push_back(e.second);
    }
    for (size_t begin = 0; begin < edges.size(); begin += 5)
      resolver.add_edges(&ends[2 * begin], std::min<size_t>(5, edges.size() - begin));
  } else {
    for (const Edge& e : edges) resolver.add_edge(e.first, e.second);
  }
  const Resolution out = resolver.finish();

  std::map<std::string, std::string> key_of;  // identifier -> cluster key
  std::map<std::string, uint64_t> members;    // cluster key -> members seen
  for (size_t i = 0; i < out.size(); ++i) {
    const ResolvedIdentity r = out[i];
    fuzz::check(!r.identifier.empty(), "empty identifier in the output");
    fuzz::check(r.cluster_key <= r.identifier, "cluster key is not the smallest member");
    fuzz::check(r.cluster_id == cluster_id_for_key(r.cluster_key), "cluster id differs from key");
    if (i > 0) {
      const ResolvedIdentity p = out[i - 1];
      fuzz::check(p.cluster_key < r.cluster_key ||
                      (p.cluster_key == r.cluster_key && p.identifier < r.identifier),
                  "output not ordered by (cluster_key, identifier)");
    }
    key_of[std::string(r.identifier)] = std::string(r.cluster_key);
    ++members[std::string(r.cluster_key)];
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const ResolvedIdentity r = out[i];
    fuzz::check(key_of.count(std::string(r.cluster_key)) &&
                    key_of[std::string(r.cluster_key)] == r.cluster_key,
                "cluster key is not a member of its cluster");
    fuzz::check(members[std::string(r.cluster_key)] == r.cluster_size, "wrong cluster size");
  }
  fuzz::check(members.size() == out.cluster_count(), "wrong cluster count");
  if (with_rules && (config >> 1) & 7)
    for (const auto& [key, n] : members)
      fuzz::check(n <= ((config >> 1) & 7u), "cluster exceeds max_cluster_size");

  std::set<std::pair<std::string, std::string>> rejected;
  for (const RejectedEdge& r : out.rejected_edges()) rejected.emplace(r.a, r.b);
  std::vector<Edge> applied;
  for (const Edge& e : edges) {
    if (e.first.empty() || e.second.empty()) continue;
    const std::string a(std::min(e.first, e.second)), b(std::max(e.first, e.second));
    if (rejected.count({a, b})) continue;
    fuzz::check(key_of.count(a) && key_of.count(b) && key_of[a] == key_of[b],
                "ends of an applied edge are in different clusters");
    applied.push_back(e);
  }
  if (!with_rules) fuzz::check(out.rejected_edges().empty(), "edges rejected without rules");
  // Every cluster is a union of components of the applied edges; as many
  // components as clusters means the clusters are exactly those components.
  std::map<std::string, std::string> parent;
  for (const auto& entry : key_of) parent[entry.first] = entry.first;
  const auto root = [&](std::string s) {
    while (parent[s] != s) s = parent[s];
    return s;
  };
  size_t components = parent.size();
  for (const Edge& e : applied) {
    const std::string ra = root(std::string(e.first)), rb = root(std::string(e.second));
    if (ra != rb) {
      parent[ra] = rb;
      --components;
    }
  }
  fuzz::check(components == out.cluster_count(), "clusters are not the connected components");

  // Explain the first and last identifiers of the output.
  if (out.size() < 2) return 0;
  const std::string from(out[0].identifier), to(out[out.size() - 1].identifier);
  const auto path = shortest_path(applied, from, to);
  fuzz::check(path.has_value() == (key_of[from] == key_of[to]),
              "shortest_path disagrees with the clusters");
  if (path) {
    std::string at = from;
    for (size_t index : *path) {
      fuzz::check(index < applied.size(), "path index out of range");
      const Edge& e = applied[index];
      fuzz::check(e.first == at || e.second == at, "path is not connected");
      at = std::string(e.first == at ? e.second : e.first);
    }
    fuzz::check(at == to, "path does not end at its target");
  }
  return 0;
}
