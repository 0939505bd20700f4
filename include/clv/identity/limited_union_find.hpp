// Union-find that enforces LinkRules on every link: the common engine of
// one-shot resolution (Resolver) and incremental ingest (IdentityGraph).
//
// Callers decide the order of links (sorted, so decisions do not depend on
// arrival order) and pass each distinct link once; hub degrees count accepted
// links only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "clv/identity/rules.hpp"
#include "clv/identity/union_find.hpp"

namespace clv::identity {

struct Rejection {
  enum class Rule : uint8_t { kBlockedValue, kMaxPerCluster, kMaxClusterSize, kHub };
  Rule rule;
  uint32_t type = 0;  // for kMaxPerCluster and kHub
};

struct LinkOutcome {
  enum class Kind : uint8_t { kMerged, kSameCluster, kRejected };
  Kind kind;
  uint32_t root_a;  // roots before the link
  uint32_t root_b;
  uint32_t root;  // root after the link
  Rejection rejection{};
};

class LimitedUnionFind {
 public:
  explicit LimitedUnionFind(LinkRules rules);

  // Registers the next node (its id is size()) for this identifier.
  uint32_t add_node(std::string_view identifier);
  size_t size() const { return forest_.size(); }
  void reserve(size_t nodes);

  // Whether a link touching this identifier is refused outright.
  bool is_blocked(std::string_view identifier) const;
  // The rule priority of the node's type (0 for types without a rule).
  int priority(uint32_t node) const;
  bool has_priorities() const { return has_priorities_; }

  // Links two nodes if every rule allows it.
  LinkOutcome link(uint32_t a, uint32_t b);
  // Joins without checks, for state loaded from storage. Returns the new root.
  uint32_t join_unchecked(uint32_t a, uint32_t b);
  // Counts an already accepted (loaded) link towards hub degrees.
  void count_link(uint32_t a, uint32_t b);

  uint32_t find(uint32_t node) { return forest_.find(node); }
  const UnionFind& forest() const { return forest_; }
  uint32_t root_size(uint32_t root) const { return forest_.root_size(root); }
  // 'blocked_value', 'max_per_cluster:<type>', 'max_cluster_size', 'hub:<type>'.
  std::string rule_name(const Rejection& rejection) const;
  size_t bytes_used() const;

 private:
  struct TypeInfo {
    std::string name;
    int priority = 0;
    uint32_t max_per_cluster = 0;
    uint32_t hub_limit = 0;
    int limited_slot = -1;  // index among the types with max_per_cluster
  };

  uint32_t type_id(std::string_view type);
  uint32_t type_count(uint32_t root, size_t slot) const;
  void merge_type_counts(uint32_t survivor, uint32_t absorbed);
  bool hub_refuses(uint32_t node, uint32_t neighbour_type, Rejection& why);
  uint32_t& degree(uint32_t node, uint32_t neighbour_type) {
    return degrees_[(static_cast<uint64_t>(node) << 32) | neighbour_type];
  }

  LinkRules rules_;
  UnionFind forest_;
  bool track_types_ = false;
  bool has_priorities_ = false;
  bool hub_active_ = false;
  std::map<std::string, uint32_t, std::less<>> type_ids_;
  std::vector<TypeInfo> types_;
  std::vector<uint32_t> node_type_;     // empty unless track_types_
  std::vector<uint32_t> limited_max_;   // per limited slot: its max_per_cluster
  std::vector<uint32_t> limited_type_;  // per limited slot: its type id
  // Per-root counts of limited types, materialised only for roots of merged
  // clusters: count_block_[root] indexes a block of limited_max_.size()
  // counters in count_pool_ (0 = a never-merged singleton).
  std::vector<uint32_t> count_block_;
  std::vector<uint32_t> count_pool_;
  std::vector<uint32_t> free_blocks_;
  std::unordered_map<uint64_t, uint32_t> degrees_;  // (node, neighbour type) -> links
};

}  // namespace clv::identity
