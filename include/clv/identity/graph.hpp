// Incremental identity resolution with stable cluster ids.
//
// The caller keeps the graph in tables and, per ingest, loads only the
// clusters a batch touches: every member of each such cluster with its
// cluster_id, then the stored edges of the batch's stored identifiers (more
// edges of those clusters may be loaded; they change nothing). ingest()
// applies a batch under the link rules and reports what the caller must
// write back. Work is proportional to the loaded clusters and the batch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "clv/common/errors.hpp"
#include "clv/identity/limited_union_find.hpp"
#include "clv/identity/interner.hpp"
#include "clv/identity/rules.hpp"

namespace clv::identity {

// Hands out fresh cluster ids (e.g. nextval of a sequence); must return
// non-negative values never used before.
using ClusterIdGenerator = std::function<int64_t()>;

// Cluster from_cluster was absorbed into into_cluster by the edge (via_a, via_b).
struct ClusterMerge {
  int64_t from_cluster;
  int64_t into_cluster;
  std::string via_a;
  std::string via_b;
  bool operator==(const ClusterMerge& o) const {
    return from_cluster == o.from_cluster && into_cluster == o.into_cluster && via_a == o.via_a &&
           via_b == o.via_b;
  }
};

struct ClusterAssignment {
  std::string identifier;
  int64_t cluster_id;
  bool operator==(const ClusterAssignment& o) const {
    return identifier == o.identifier && cluster_id == o.cluster_id;
  }
};

struct IngestReport {
  std::vector<std::string> new_identifiers;  // sorted
  // In the order they happened; apply in sequence (a cluster may be absorbed
  // into one that is itself absorbed later in the same batch).
  std::vector<ClusterMerge> merges;
  std::vector<RejectedEdge> rejected;                               // in decision order
  std::vector<std::pair<std::string, std::string>> accepted_edges;  // new edges to store, a < b
  // Every identifier whose cluster_id changed or that is new, with its final
  // cluster_id; sorted by identifier.
  std::vector<ClusterAssignment> changed;
};

class IdentityGraph {
 public:
  // Without rules every edge is accepted.
  IdentityGraph(std::optional<LinkRules> rules, ClusterIdGenerator next_cluster_id,
                InterruptPoll poll = {});
  IdentityGraph(const IdentityGraph&) = delete;
  IdentityGraph& operator=(const IdentityGraph&) = delete;

  // Loads one stored member. Load whole clusters, so sizes and per-type
  // counts are right. Throws std::invalid_argument if the identifier is
  // already loaded with another cluster_id.
  void load_member(std::string_view identifier, int64_t cluster_id);
  // Loads one stored edge between members of the same cluster: it counts
  // towards its ends' hub degrees, and ingesting it again is a no-op, so load
  // every stored edge of the identifiers a batch names. Throws std::invalid_argument
  // for unknown endpoints or endpoints in different clusters.
  void load_edge(std::string_view a, std::string_view b);

  // Refuses, from the next ingest on, every batch edge naming an identifier
  // of more than max_bytes bytes (0: no limit, the default), with rule
  // 'identifier_too_long', before any link rule is looked at: the caller's
  // storage cannot hold longer ones. As with a blocked value, the edge's
  // other identifier is still added. Loaded members are not checked.
  void set_max_identifier_bytes(size_t max_bytes) { max_identifier_bytes_ = max_bytes; }

  // Applies a batch. Decisions do not depend on the order within the batch:
  // edges are sorted by priority desc, then (smaller, larger) identifier.
  // When two existing clusters merge the larger survives (ties: the smaller
  // cluster_id); components made only of new identifiers get fresh ids in
  // order of their smallest identifier.
  IngestReport ingest(const std::vector<Edge>& batch);

  std::optional<int64_t> cluster_of(std::string_view identifier);
  size_t identifier_count() const { return names_.size(); }

 private:
  static constexpr int64_t kUnassigned = -1;

  uint32_t node(std::string_view identifier, bool& added);
  int64_t& cluster_id_of_root(uint32_t root) { return cluster_id_[root]; }
  void join_member_lists(uint32_t a, uint32_t b) { std::swap(next_member_[a], next_member_[b]); }
  int64_t fresh_cluster_id();
  bool too_long(std::string_view identifier) const {
    return max_identifier_bytes_ > 0 && identifier.size() > max_identifier_bytes_;
  }

  LimitedUnionFind forest_;
  ClusterIdGenerator next_cluster_id_;
  InterruptPoll poll_;
  size_t max_identifier_bytes_ = 0;  // 0: no limit
  Interner names_;
  std::vector<int64_t> cluster_id_;         // valid at roots: the cluster's id or kUnassigned
  std::vector<int64_t> stored_cluster_id_;  // per node: as the caller last stored it
  std::vector<uint32_t> next_member_;       // circular member list of every set
  std::unordered_map<int64_t, uint32_t> loaded_cluster_node_;  // cluster_id -> a member
  std::unordered_set<uint64_t> known_edges_;                   // (smaller node << 32 | larger node)
};

// Splits one cluster after edge removal: `members` are all its identifiers and
// `remaining_edges` the edges it still has. The part with the most members keeps
// cluster_id (ties: the part holding the smallest identifier); the others get
// fresh ids in order of their smallest identifier.
struct ClusterPart {
  int64_t cluster_id;
  std::string cluster_key;  // smallest identifier
  uint64_t size;
};
struct SplitReport {
  std::vector<ClusterPart> parts;          // the kept part first, then the new ones
  std::vector<ClusterAssignment> changed;  // members that moved, sorted
};
SplitReport split_cluster(int64_t cluster_id, const std::vector<std::string_view>& members,
                          const std::vector<Edge>& remaining_edges,
                          const ClusterIdGenerator& next_cluster_id,
                          const InterruptPoll& poll = {});

}  // namespace clv::identity
