// Disjoint sets over dense uint32 ids: path halving and union by size.
//
// Written here rather than taken from boost::disjoint_sets because that one
// links by rank: identity resolution needs every root's member count anyway
// (cluster_size, max_cluster_size, the survivor rule), so linking by that size
// saves Boost's separate rank array (8 bytes per id in all instead of 9-12),
// and nodes are appended one at a time as identifiers are first seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "clv/identity/big_array.hpp"

namespace clv::identity {

class UnionFind {
 public:
  UnionFind() = default;
  explicit UnionFind(size_t n) { grow_to(n); }

  size_t size() const { return parent_.size(); }
  void reserve(size_t n) {
    parent_.reserve(n);
    size_.reserve(n);
  }
  // Adds singleton sets until there are n elements.
  void grow_to(size_t n) {
    for (auto id = static_cast<uint32_t>(parent_.size()); id < n; ++id) {
      parent_.push_back(id);
      size_.push_back(1);
    }
  }

  uint32_t find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  bool is_root(uint32_t x) const { return parent_[x] == x; }
  // For walks that know the next elements: x's parent (often its root), and
  // a request to bring x's entry into the cache.
  uint32_t parent(uint32_t x) const { return parent_[x]; }
  void prefetch(uint32_t x) const { __builtin_prefetch(&parent_[x]); }
  // Member count of the set whose root is `root`.
  uint32_t root_size(uint32_t root) const { return size_[root]; }

  // Joins two distinct roots; the larger set's root survives (ties: the smaller
  // id, so the outcome does not depend on argument order). Returns the new root.
  uint32_t unite_roots(uint32_t a, uint32_t b) {
    if (size_[a] < size_[b] || (size_[a] == size_[b] && b < a)) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return a;
  }
  // Joins the sets of x and y; returns the root of the joined set.
  uint32_t unite(uint32_t x, uint32_t y) {
    const uint32_t a = find(x), b = find(y);
    return a == b ? a : unite_roots(a, b);
  }

  size_t bytes_used() const {
    return parent_.capacity() * sizeof(uint32_t) + size_.capacity() * sizeof(uint32_t);
  }

 private:
  BigVector<uint32_t> parent_;
  BigVector<uint32_t> size_;
};

}  // namespace clv::identity
