#include "clv/identity/resolver.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "clv/identity/hash.hpp"

namespace clv::identity {
namespace {

constexpr uint32_t kNone = UINT32_MAX;

uint64_t pair_key(uint32_t low, uint32_t high) {
  return (static_cast<uint64_t>(low) << 32) | high;
}
uint32_t pair_low(uint64_t key) {
  return static_cast<uint32_t>(key >> 32);
}
uint32_t pair_high(uint64_t key) {
  return static_cast<uint32_t>(key);
}

RejectedEdge make_rejection(std::string_view a, std::string_view b, std::string rule) {
  if (b < a) std::swap(a, b);
  return {std::string(a), std::string(b), std::move(rule)};
}

}  // namespace

ResolvedIdentity Resolution::operator[](size_t position) const {
  // Rows follow byte order, so their bytes lie all over the arena.
  constexpr size_t kPrefetchDistance = 8;
  if (position + kPrefetchDistance < order_.size())
    __builtin_prefetch(order_[position + kPrefetchDistance].entry);
  const Member member = order_[position];
  const Cluster& cluster = clusters_[member.cluster];
  return {Interner::view_at(member.entry), cluster.id, names_.view(cluster.key), cluster.size};
}

size_t Resolution::bytes_used() const {
  return names_.bytes_used() + order_.capacity() * sizeof(Member) +
         clusters_.capacity() * sizeof(Cluster);
}

Resolver::Resolver(ResolverOptions options)
    : rules_(std::move(options.rules)), poll_(std::move(options.poll)), ticker_(poll_) {
  if (rules_) limited_ = std::make_unique<LimitedUnionFind>(*rules_);
}

void Resolver::reserve(size_t identifiers, size_t edges) {
  names_.reserve(identifiers);
  if (limited_) {
    limited_->reserve(identifiers);
    pending_.reserve(edges);
  } else {
    plain_.reserve(identifiers);
  }
}

void Resolver::reserve_for_edges(double expected_edges) {
  constexpr double kMostIdentifiers = 1 << 20;
  const double identifiers = std::min(1.5 * std::max(expected_edges, 0.0), kMostIdentifiers);
  reserve(static_cast<size_t>(identifiers), static_cast<size_t>(identifiers / 1.5));
}

size_t Resolver::bytes_used() const {
  return names_.bytes_used() + (limited_ ? limited_->bytes_used() : plain_.bytes_used()) +
         pending_.capacity() * sizeof(uint64_t);
}

size_t Resolver::finish_bytes() const {
  const size_t sort_bytes = names_.size() * Interner::kSortBytesPerIdentifier;
  return sort_bytes - std::min(sort_bytes, names_.table_bytes());
}

uint32_t Resolver::node(std::string_view identifier) {
  bool added;
  const uint32_t id = names_.intern(identifier, added);
  if (added) {
    if (limited_) {
      limited_->add_node(identifier);
    } else {
      plain_.grow_to(id + size_t{1});
    }
  }
  return id;
}

void Resolver::add_identifier(std::string_view identifier) {
  ticker_.tick();
  if (identifier.empty()) {
    ++empty_identifiers_;
  } else if (!limited_ || !limited_->is_blocked(identifier)) {
    node(identifier);
  }
}

void Resolver::add_edge(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    if (a.empty()) ++empty_identifiers_;
    if (b.empty()) ++empty_identifiers_;
    if (!a.empty()) add_identifier(a);
    if (!b.empty()) add_identifier(b);
    return;
  }
  ticker_.tick();
  if (limited_) {
    const bool a_blocked = limited_->is_blocked(a), b_blocked = limited_->is_blocked(b);
    if (a_blocked || b_blocked) {
      if (!a_blocked) node(a);
      if (!b_blocked) node(b);
      rejected_.push_back(make_rejection(a, b, "blocked_value"));
      return;
    }
  }
  const uint32_t node_a = node(a), node_b = node(b);
  if (node_a == node_b) return;
  if (limited_) {
    pending_.push_back(pair_key(std::min(node_a, node_b), std::max(node_a, node_b)));
  } else {
    plain_.unite(node_a, node_b);
  }
}

void Resolver::add_edges(const std::string_view* ends, size_t count) {
  // Link rules decide per identifier before interning; batching is for the
  // plain resolution, where every identifier is interned.
  if (limited_) {
    for (size_t i = 0; i < count; ++i) add_edge(ends[2 * i], ends[2 * i + 1]);
    return;
  }
  constexpr size_t kEdgesPerBatch = 256;
  std::string_view present[2 * kEdgesPerBatch];
  uint32_t ids[2 * kEdgesPerBatch];
  for (size_t begin = 0; begin < count; begin += kEdgesPerBatch) {
    const size_t n = std::min(kEdgesPerBatch, count - begin);
    size_t interned = 0;
    for (size_t k = 2 * begin; k < 2 * (begin + n); ++k) {
      if (ends[k].empty()) {
        ++empty_identifiers_;
      } else {
        present[interned++] = ends[k];
      }
    }
    names_.intern_many(present, interned, ids);
    plain_.grow_to(names_.size());
    size_t next = 0;
    for (size_t k = 2 * begin; k < 2 * (begin + n); k += 2) {
      ticker_.tick();
      if (ends[k].empty() || ends[k + 1].empty()) {
        next += !ends[k].empty() + !ends[k + 1].empty();
        continue;
      }
      plain_.unite(ids[next], ids[next + 1]);
      next += 2;
    }
  }
}

// Rewrites the buffered edges in rank space (rank = position in byte order),
// where sorting by (smaller, larger) identifier is an integer sort, orders them
// by priority, dedupes and applies them.
void Resolver::decide_buffered_edges(const BigVector<uint32_t>& rank) {
  for (uint64_t& edge : pending_) {
    const uint32_t a = rank[pair_low(edge)], b = rank[pair_high(edge)];
    edge = pair_key(std::min(a, b), std::max(a, b));
    ticker_.tick();
  }
  std::sort(pending_.begin(), pending_.end());
  pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
  BigVector<uint32_t> by_rank(rank.size());
  for (uint32_t id = 0; id < rank.size(); ++id) by_rank[rank[id]] = id;
  if (limited_->has_priorities()) {
    auto edge_priority = [&](uint64_t edge) {
      return std::max(limited_->priority(by_rank[pair_low(edge)]),
                      limited_->priority(by_rank[pair_high(edge)]));
    };
    std::stable_sort(pending_.begin(), pending_.end(),
                     [&](uint64_t x, uint64_t y) { return edge_priority(x) > edge_priority(y); });
  }
  for (uint64_t edge : pending_) {
    ticker_.tick();
    const uint32_t a = by_rank[pair_low(edge)], b = by_rank[pair_high(edge)];
    const LinkOutcome outcome = limited_->link(a, b);
    if (outcome.kind == LinkOutcome::Kind::kRejected) {
      rejected_.push_back(
          make_rejection(names_.view(a), names_.view(b), limited_->rule_name(outcome.rejection)));
    }
  }
  BigVector<uint64_t>().swap(pending_);
}

Resolution Resolver::finish() {
  // Every identifier is in: the hash table's memory goes to the sort.
  names_.release_table();
  const BigVector<uint32_t> sorted = names_.ids_in_byte_order(poll_);
  const size_t n = sorted.size();
  BigVector<uint32_t> scratch(n);  // first rank of each id, then cluster of each root
  if (limited_) {
    for (uint32_t position = 0; position < n; ++position) scratch[sorted[position]] = position;
    decide_buffered_edges(scratch);
  }
  auto find = [this](uint32_t id) { return limited_ ? limited_->find(id) : plain_.find(id); };
  auto root_size = [this](uint32_t root) {
    return limited_ ? limited_->root_size(root) : plain_.root_size(root);
  };

  Resolution out;
  // Walking identifiers in byte order meets every cluster first at its key, so
  // clusters are numbered in key order, each gets a contiguous output range
  // (its size is known from the union-find), and its members arrive in order.
  std::fill(scratch.begin(), scratch.end(), kNone);
  BigVector<uint32_t>& cluster_of_root = scratch;
  out.order_.resize(n);
  BigVector<uint32_t> next_position;
  uint32_t assigned = 0;
  // The walk visits ids in byte order, i.e. all over the union-find: ask the
  // memory early for the parent entry of an id a little ahead, and once that
  // is in, for its parent's entry and cluster slot (a root after the path
  // halving of the unions, nearly always).
  const UnionFind& forest = limited_ ? limited_->forest() : plain_;
  constexpr size_t kAhead = 16;
  for (size_t position = 0; position < n; ++position) {
    if (position + kAhead < n) {
      forest.prefetch(sorted[position + kAhead]);
      names_.prefetch_entry(sorted[position + kAhead]);
    }
    if (position + kAhead / 2 < n) {
      const uint32_t parent = forest.parent(sorted[position + kAhead / 2]);
      forest.prefetch(parent);
      __builtin_prefetch(&cluster_of_root[parent]);
    }
    // A few ahead, the cluster of an id seen before is known: ask for its
    // next output position, and for the output slot itself.
    if (position + kAhead / 4 < n) {
      const uint32_t cluster = cluster_of_root[forest.parent(sorted[position + kAhead / 4])];
      if (cluster != kNone) __builtin_prefetch(&next_position[cluster]);
    }
    if (position + kAhead / 8 < n) {
      const uint32_t cluster = cluster_of_root[forest.parent(sorted[position + kAhead / 8])];
      if (cluster != kNone) __builtin_prefetch(&out.order_[next_position[cluster]], 1);
    }
    const uint32_t id = sorted[position];
    ticker_.tick();
    const uint32_t root = find(id);
    uint32_t& cluster = cluster_of_root[root];
    if (cluster == kNone) {
      cluster = static_cast<uint32_t>(out.clusters_.size());
      const uint32_t size = root_size(root);
      out.clusters_.push_back({id, size, cluster_id_for_key(names_.view(id))});
      next_position.push_back(assigned);
      assigned += size;
    }
    out.order_[next_position[cluster]++] = {names_.entry(id), cluster};
  }

  std::sort(rejected_.begin(), rejected_.end(), [](const RejectedEdge& x, const RejectedEdge& y) {
    return std::tie(x.a, x.b, x.rule) < std::tie(y.a, y.b, y.rule);
  });
  rejected_.erase(std::unique(rejected_.begin(), rejected_.end()), rejected_.end());
  out.rejected_ = std::move(rejected_);
  out.empty_identifiers_ = empty_identifiers_;
  out.names_ = std::move(names_);

  names_ = Interner();
  plain_ = UnionFind();
  if (rules_) limited_ = std::make_unique<LimitedUnionFind>(*rules_);
  rejected_.clear();
  empty_identifiers_ = 0;
  return out;
}

}  // namespace clv::identity
