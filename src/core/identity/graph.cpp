#include "clv/identity/graph.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace clv::identity {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

uint64_t pair_key(uint32_t low, uint32_t high) {
  return (static_cast<uint64_t>(low) << 32) | high;
}

LinkRules no_rules() {
  LinkRules rules;
  rules.block_junk = false;
  return rules;
}

int64_t checked_fresh_id(const ClusterIdGenerator& next_cluster_id) {
  const int64_t id = next_cluster_id();
  if (id < 0) throw std::range_error("cluster id generator returned a negative id");
  return id;
}

bool by_identifier(const ClusterAssignment& x, const ClusterAssignment& y) {
  return x.identifier < y.identifier;
}

}  // namespace

IdentityGraph::IdentityGraph(std::optional<LinkRules> rules, ClusterIdGenerator next_cluster_id,
                             InterruptPoll poll)
    : forest_(rules ? std::move(*rules) : no_rules()),
      next_cluster_id_(std::move(next_cluster_id)),
      poll_(std::move(poll)) {
  if (!next_cluster_id_) throw std::invalid_argument("IdentityGraph needs a cluster id generator");
}

uint32_t IdentityGraph::node(std::string_view identifier, bool& added) {
  const uint32_t id = names_.intern(identifier, added);
  if (added) {
    forest_.add_node(identifier);
    cluster_id_.push_back(kUnassigned);
    stored_cluster_id_.push_back(kUnassigned);
    next_member_.push_back(id);
  }
  return id;
}

int64_t IdentityGraph::fresh_cluster_id() {
  return checked_fresh_id(next_cluster_id_);
}

void IdentityGraph::load_member(std::string_view identifier, int64_t cluster_id) {
  if (cluster_id < 0) throw std::invalid_argument("cluster ids must be non-negative");
  bool added;
  const uint32_t id = node(identifier, added);
  if (!added) {
    if (stored_cluster_id_[id] != cluster_id) {
      throw std::invalid_argument("identifier '" + std::string(identifier) +
                                  "' loaded with two cluster ids");
    }
    return;
  }
  stored_cluster_id_[id] = cluster_id;
  auto [it, first_member] = loaded_cluster_node_.emplace(cluster_id, id);
  if (first_member) {
    cluster_id_[id] = cluster_id;
    return;
  }
  const uint32_t other_root = forest_.find(it->second);
  join_member_lists(other_root, id);
  cluster_id_[forest_.join_unchecked(other_root, id)] = cluster_id;
}

void IdentityGraph::load_edge(std::string_view a, std::string_view b) {
  const uint32_t node_a = names_.find(a), node_b = names_.find(b);
  if (node_a == Interner::kNotFound || node_b == Interner::kNotFound) {
    throw std::invalid_argument("loaded edge ('" + std::string(a) + "', '" + std::string(b) +
                                "') has an endpoint that is not a loaded member");
  }
  if (forest_.find(node_a) != forest_.find(node_b)) {
    throw std::invalid_argument("loaded edge ('" + std::string(a) + "', '" + std::string(b) +
                                "') joins two different clusters");
  }
  if (node_a == node_b) return;
  if (known_edges_.insert(pair_key(std::min(node_a, node_b), std::max(node_a, node_b))).second) {
    forest_.count_link(node_a, node_b);
  }
}

std::optional<int64_t> IdentityGraph::cluster_of(std::string_view identifier) {
  const uint32_t id = names_.find(identifier);
  if (id == Interner::kNotFound) return std::nullopt;
  const int64_t cluster = cluster_id_[forest_.find(id)];
  return cluster == kUnassigned ? std::nullopt : std::optional<int64_t>(cluster);
}

IngestReport IdentityGraph::ingest(const std::vector<Edge>& batch) {
  InterruptTicker ticker(poll_);
  IngestReport report;
  std::vector<uint32_t> touched;  // new nodes and endpoints of merges

  struct Candidate {
    int priority;
    uint32_t low;  // the byte-wise smaller identifier
    uint32_t high;
  };
  std::vector<Candidate> candidates;
  for (const auto& [a, b] : batch) {
    ticker.tick();
    if (a.empty() || b.empty()) continue;  // NULL/empty identifiers are the caller's to filter
    // An over-long identifier is refused before the link rules see it (no
    // pattern is matched against megabytes of text).
    const bool a_long = too_long(a), b_long = too_long(b);
    const bool a_blocked = a_long || forest_.is_blocked(a);
    const bool b_blocked = b_long || forest_.is_blocked(b);
    bool a_added = false, b_added = false;
    const uint32_t node_a = a_blocked ? kNone : node(a, a_added);
    const uint32_t node_b = b_blocked ? kNone : node(b, b_added);
    if (a_added) touched.push_back(node_a);
    if (b_added) touched.push_back(node_b);
    if (a_blocked || b_blocked) {
      const char* rule = a_long || b_long ? "identifier_too_long" : "blocked_value";
      report.rejected.push_back(b < a ? RejectedEdge{std::string(b), std::string(a), rule}
                                      : RejectedEdge{std::string(a), std::string(b), rule});
      continue;
    }
    if (node_a == node_b) continue;
    const bool a_first = a < b;
    const uint32_t low = a_first ? node_a : node_b, high = a_first ? node_b : node_a;
    if (known_edges_.count(pair_key(std::min(low, high), std::max(low, high)))) continue;
    candidates.push_back({std::max(forest_.priority(low), forest_.priority(high)), low, high});
  }
  // Byte order through ranks: one radix-style sort of the identifiers, then
  // integer comparisons instead of string comparisons per candidate pair.
  std::vector<uint32_t> rank(names_.size());
  {
    const BigVector<uint32_t> sorted = names_.ids_in_byte_order(poll_);
    for (uint32_t position = 0; position < sorted.size(); ++position)
      rank[sorted[position]] = position;
  }
  std::sort(candidates.begin(), candidates.end(), [&rank](const Candidate& x, const Candidate& y) {
    if (x.priority != y.priority) return x.priority > y.priority;
    return std::make_pair(rank[x.low], rank[x.high]) < std::make_pair(rank[y.low], rank[y.high]);
  });
  candidates.erase(std::unique(candidates.begin(), candidates.end(),
                               [](const Candidate& x, const Candidate& y) {
                                 return x.low == y.low && x.high == y.high;
                               }),
                   candidates.end());

  for (const Candidate& edge : candidates) {
    ticker.tick();
    const LinkOutcome outcome = forest_.link(edge.low, edge.high);
    if (outcome.kind == LinkOutcome::Kind::kRejected) {
      report.rejected.push_back({std::string(names_.view(edge.low)),
                                 std::string(names_.view(edge.high)),
                                 forest_.rule_name(outcome.rejection)});
      continue;
    }
    known_edges_.insert(pair_key(std::min(edge.low, edge.high), std::max(edge.low, edge.high)));
    report.accepted_edges.emplace_back(names_.view(edge.low), names_.view(edge.high));
    if (outcome.kind != LinkOutcome::Kind::kMerged) continue;

    const uint32_t absorbed = outcome.root == outcome.root_a ? outcome.root_b : outcome.root_a;
    const uint64_t absorbed_size = forest_.root_size(absorbed);
    const uint64_t survivor_size = forest_.root_size(outcome.root) - absorbed_size;
    const uint64_t size_a = absorbed == outcome.root_a ? absorbed_size : survivor_size;
    const uint64_t size_b = absorbed == outcome.root_b ? absorbed_size : survivor_size;
    const int64_t cluster_a = cluster_id_[outcome.root_a], cluster_b = cluster_id_[outcome.root_b];
    int64_t merged = cluster_a == kUnassigned ? cluster_b : cluster_a;
    if (cluster_a != kUnassigned && cluster_b != kUnassigned) {
      const bool a_survives = size_a > size_b || (size_a == size_b && cluster_a < cluster_b);
      merged = a_survives ? cluster_a : cluster_b;
      report.merges.push_back({a_survives ? cluster_b : cluster_a, merged,
                               std::string(names_.view(edge.low)),
                               std::string(names_.view(edge.high))});
    }
    cluster_id_[outcome.root] = merged;
    join_member_lists(outcome.root_a, outcome.root_b);
    touched.push_back(edge.low);
  }

  // One entry per final cluster touched by the batch.
  for (uint32_t& node_id : touched) node_id = forest_.find(node_id);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());

  // Components of new identifiers only: fresh ids in order of their smallest
  // identifier, so the assignment does not depend on the batch order.
  std::vector<std::pair<std::string_view, uint32_t>> unassigned;  // (smallest member, root)
  for (uint32_t root : touched) {
    if (cluster_id_[root] != kUnassigned) continue;
    std::string_view smallest = names_.view(root);
    for (uint32_t m = next_member_[root]; m != root; m = next_member_[m]) {
      ticker.tick();
      smallest = std::min(smallest, names_.view(m));
    }
    unassigned.emplace_back(smallest, root);
  }
  std::sort(unassigned.begin(), unassigned.end());
  for (const auto& [smallest, root] : unassigned) cluster_id_[root] = fresh_cluster_id();

  for (uint32_t root : touched) {
    uint32_t m = root;
    do {
      ticker.tick();
      if (stored_cluster_id_[m] == kUnassigned) report.new_identifiers.emplace_back(names_.view(m));
      if (stored_cluster_id_[m] != cluster_id_[root]) {
        stored_cluster_id_[m] = cluster_id_[root];
        report.changed.push_back({std::string(names_.view(m)), cluster_id_[root]});
      }
      m = next_member_[m];
    } while (m != root);
  }
  std::sort(report.new_identifiers.begin(), report.new_identifiers.end());
  std::sort(report.changed.begin(), report.changed.end(), by_identifier);
  std::sort(report.rejected.begin(), report.rejected.end(),
            [](const RejectedEdge& x, const RejectedEdge& y) {
              return std::tie(x.a, x.b, x.rule) < std::tie(y.a, y.b, y.rule);
            });
  report.rejected.erase(std::unique(report.rejected.begin(), report.rejected.end()),
                        report.rejected.end());
  return report;
}

SplitReport split_cluster(int64_t cluster_id, const std::vector<std::string_view>& members,
                          const std::vector<Edge>& remaining_edges,
                          const ClusterIdGenerator& next_cluster_id, const InterruptPoll& poll) {
  InterruptTicker ticker(poll);
  Interner names;
  for (std::string_view member : members) names.intern(member);
  UnionFind forest(names.size());
  for (const auto& [a, b] : remaining_edges) {
    ticker.tick();
    const uint32_t node_a = names.find(a), node_b = names.find(b);
    if (node_a == Interner::kNotFound || node_b == Interner::kNotFound) {
      throw std::invalid_argument("edge ('" + std::string(a) + "', '" + std::string(b) +
                                  "') has an endpoint outside the cluster");
    }
    forest.unite(node_a, node_b);
  }

  // Parts numbered in order of their smallest identifier.
  const BigVector<uint32_t> sorted = names.ids_in_byte_order(poll);
  std::vector<uint32_t> part_of_root(names.size(), kNone);
  std::vector<uint32_t> part_keys;
  for (uint32_t id : sorted) {
    ticker.tick();
    uint32_t& part = part_of_root[forest.find(id)];
    if (part == kNone) {
      part = static_cast<uint32_t>(part_keys.size());
      part_keys.push_back(id);
    }
  }
  SplitReport report;
  if (part_keys.empty()) return report;

  auto part_size = [&](uint32_t part) { return forest.root_size(forest.find(part_keys[part])); };
  uint32_t kept = 0;  // strictly larger wins, so ties keep the smallest key
  for (uint32_t part = 1; part < part_keys.size(); ++part) {
    if (part_size(part) > part_size(kept)) kept = part;
  }
  std::vector<int64_t> part_ids(part_keys.size(), cluster_id);
  report.parts.push_back({cluster_id, std::string(names.view(part_keys[kept])), part_size(kept)});
  for (uint32_t part = 0; part < part_keys.size(); ++part) {
    if (part == kept) continue;
    part_ids[part] = checked_fresh_id(next_cluster_id);
    report.parts.push_back(
        {part_ids[part], std::string(names.view(part_keys[part])), part_size(part)});
  }
  for (uint32_t id : sorted) {
    const uint32_t part = part_of_root[forest.find(id)];
    if (part != kept) report.changed.push_back({std::string(names.view(id)), part_ids[part]});
  }
  return report;
}

}  // namespace clv::identity
