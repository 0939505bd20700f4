#include "clv/identity/limited_union_find.hpp"

#include <utility>

namespace clv::identity {

LimitedUnionFind::LimitedUnionFind(LinkRules rules) : rules_(std::move(rules)) {
  hub_active_ = rules_.hub_limit > 0;
  // Configured types are registered first, in name order, so the limited
  // types are always checked in the same order.
  for (const auto& [name, rule] : rules_.types) {
    const uint32_t id = type_id(name);
    TypeInfo& info = types_[id];
    info.priority = rule.priority;
    info.max_per_cluster = rule.max_per_cluster;
    if (rule.hub_limit > 0) info.hub_limit = rule.hub_limit;
    if (rule.max_per_cluster > 0) {
      info.limited_slot = static_cast<int>(limited_max_.size());
      limited_max_.push_back(rule.max_per_cluster);
      limited_type_.push_back(id);
    }
    has_priorities_ |= rule.priority != 0;
    hub_active_ |= info.hub_limit > 0;
  }
  track_types_ = has_priorities_ || hub_active_ || !limited_max_.empty();
  if (!limited_max_.empty()) count_pool_.assign(limited_max_.size(), 0);  // block 0 unused
}

uint32_t LimitedUnionFind::type_id(std::string_view type) {
  auto it = type_ids_.find(type);
  if (it != type_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(types_.size());
  TypeInfo info;
  info.name = std::string(type);
  info.hub_limit = rules_.hub_limit;
  types_.push_back(std::move(info));
  type_ids_.emplace(std::string(type), id);
  return id;
}

uint32_t LimitedUnionFind::add_node(std::string_view identifier) {
  const auto node = static_cast<uint32_t>(forest_.size());
  forest_.grow_to(node + size_t{1});
  if (track_types_) node_type_.push_back(type_id(identifier_type(identifier)));
  if (!limited_max_.empty()) count_block_.push_back(0);
  return node;
}

void LimitedUnionFind::reserve(size_t nodes) {
  forest_.reserve(nodes);
  if (track_types_) node_type_.reserve(nodes);
  if (!limited_max_.empty()) count_block_.reserve(nodes);
}

bool LimitedUnionFind::is_blocked(std::string_view identifier) const {
  const std::string_view value = identifier_value(identifier);
  if (rules_.block_junk && is_junk(value)) return true;
  const std::string_view type = identifier_type(identifier);
  if (!rules_.types.empty()) {
    auto it = rules_.types.find(type);
    if (it != rules_.types.end() && it->second.blocked_values.count(value) > 0) return true;
  }
  return rules_.blocked_by && rules_.blocked_by(type, value);
}

int LimitedUnionFind::priority(uint32_t node) const {
  return has_priorities_ ? types_[node_type_[node]].priority : 0;
}

uint32_t LimitedUnionFind::type_count(uint32_t root, size_t slot) const {
  const uint32_t block = count_block_[root];
  if (block != 0) return count_pool_[block * limited_max_.size() + slot];
  return types_[node_type_[root]].limited_slot == static_cast<int>(slot) ? 1 : 0;
}

// O(number of limited types), independent of the clusters' sizes.
void LimitedUnionFind::merge_type_counts(uint32_t survivor, uint32_t absorbed) {
  const size_t width = limited_max_.size();
  if (width == 0) return;
  if (count_block_[survivor] == 0) {
    uint32_t block;
    if (free_blocks_.empty()) {
      block = static_cast<uint32_t>(count_pool_.size() / width);
      count_pool_.resize(count_pool_.size() + width, 0);
    } else {
      block = free_blocks_.back();
      free_blocks_.pop_back();
    }
    for (size_t slot = 0; slot < width; ++slot) {
      count_pool_[block * width + slot] = type_count(survivor, slot);
    }
    count_block_[survivor] = block;
  }
  const uint32_t target = count_block_[survivor];
  for (size_t slot = 0; slot < width; ++slot) {
    count_pool_[target * width + slot] += type_count(absorbed, slot);
  }
  if (count_block_[absorbed] != 0) {
    free_blocks_.push_back(count_block_[absorbed]);
    count_block_[absorbed] = 0;
  }
}

// Only links to the type whose limit the node reached are refused: its links
// to other types must not depend on whether they come in the same batch.
bool LimitedUnionFind::hub_refuses(uint32_t node, uint32_t neighbour_type, Rejection& why) {
  const uint32_t limit = types_[neighbour_type].hub_limit;
  if (limit == 0) return false;
  auto it = degrees_.find((static_cast<uint64_t>(node) << 32) | neighbour_type);
  if (it == degrees_.end() || it->second < limit) return false;
  why = {Rejection::Rule::kHub, neighbour_type};
  return true;
}

void LimitedUnionFind::count_link(uint32_t a, uint32_t b) {
  if (!hub_active_) return;
  ++degree(a, node_type_[b]);
  ++degree(b, node_type_[a]);
}

LinkOutcome LimitedUnionFind::link(uint32_t a, uint32_t b) {
  LinkOutcome out{LinkOutcome::Kind::kRejected, forest_.find(a), forest_.find(b), 0};
  if (hub_active_ && (hub_refuses(a, node_type_[b], out.rejection) ||
                      hub_refuses(b, node_type_[a], out.rejection))) {
    return out;
  }
  if (out.root_a == out.root_b) {
    count_link(a, b);
    out.kind = LinkOutcome::Kind::kSameCluster;
    out.root = out.root_a;
    return out;
  }
  if (rules_.max_cluster_size > 0 &&
      uint64_t{forest_.root_size(out.root_a)} + forest_.root_size(out.root_b) >
          rules_.max_cluster_size) {
    out.rejection = {Rejection::Rule::kMaxClusterSize};
    return out;
  }
  for (size_t slot = 0; slot < limited_max_.size(); ++slot) {
    if (uint64_t{type_count(out.root_a, slot)} + type_count(out.root_b, slot) >
        limited_max_[slot]) {
      out.rejection = {Rejection::Rule::kMaxPerCluster, limited_type_[slot]};
      return out;
    }
  }
  out.root = join_unchecked(out.root_a, out.root_b);
  count_link(a, b);
  out.kind = LinkOutcome::Kind::kMerged;
  return out;
}

uint32_t LimitedUnionFind::join_unchecked(uint32_t a, uint32_t b) {
  const uint32_t root_a = forest_.find(a), root_b = forest_.find(b);
  if (root_a == root_b) return root_a;
  const uint32_t root = forest_.unite_roots(root_a, root_b);
  merge_type_counts(root, root == root_a ? root_b : root_a);
  return root;
}

std::string LimitedUnionFind::rule_name(const Rejection& rejection) const {
  switch (rejection.rule) {
    case Rejection::Rule::kBlockedValue:
      return "blocked_value";
    case Rejection::Rule::kMaxPerCluster:
      return "max_per_cluster:" + types_[rejection.type].name;
    case Rejection::Rule::kMaxClusterSize:
      return "max_cluster_size";
    case Rejection::Rule::kHub:
      return "hub:" + types_[rejection.type].name;
  }
  return "unknown";
}

size_t LimitedUnionFind::bytes_used() const {
  return forest_.bytes_used() + node_type_.capacity() * sizeof(uint32_t) +
         count_block_.capacity() * sizeof(uint32_t) + count_pool_.capacity() * sizeof(uint32_t) +
         degrees_.size() * (sizeof(uint64_t) + sizeof(uint32_t) + 2 * sizeof(void*)) +
         degrees_.bucket_count() * sizeof(void*);
}

}  // namespace clv::identity
