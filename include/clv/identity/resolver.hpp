// One-shot identity resolution: connected components of an edge list, each
// labelled by its smallest identifier (memcmp byte order) so the same edges in
// any order give the same output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "clv/common/errors.hpp"
#include "clv/identity/limited_union_find.hpp"
#include "clv/identity/interner.hpp"
#include "clv/identity/rules.hpp"
#include "clv/identity/union_find.hpp"

namespace clv::identity {

struct ResolvedIdentity {
  std::string_view identifier;
  int64_t cluster_id;            // cluster_id_for_key(cluster_key)
  std::string_view cluster_key;  // the cluster's smallest identifier
  uint64_t cluster_size;
};

// The output of Resolver::finish(): every identifier with its cluster, in
// order of (cluster_key, identifier). Views stay valid while it lives.
class Resolution {
 public:
  size_t size() const { return order_.size(); }
  // Rows are meant to be read in order: reading one also asks the memory for
  // the bytes of a row a little further on.
  ResolvedIdentity operator[](size_t position) const;
  size_t cluster_count() const { return clusters_.size(); }
  // Edges refused by the link rules, sorted by (a, b, rule); a < b.
  const std::vector<RejectedEdge>& rejected_edges() const { return rejected_; }
  // Identifiers passed as empty strings (skipped).
  uint64_t empty_identifiers() const { return empty_identifiers_; }
  // Heap bytes held, for benchmarks.
  size_t bytes_used() const;

 private:
  friend class Resolver;
  struct Cluster {
    uint32_t key;  // id of the smallest identifier
    uint32_t size;
    int64_t id;
  };
  Interner names_;
  struct Member {
    const char* entry;  // the identifier in names_ (Interner::entry)
    uint32_t cluster;   // index into clusters_
  };
  BigVector<Member> order_;  // in output order
  BigVector<Cluster> clusters_;
  std::vector<RejectedEdge> rejected_;
  uint64_t empty_identifiers_ = 0;
};

struct ResolverOptions {
  // Without rules every edge is applied; with rules edges are buffered and
  // decided together at finish(): highest priority first, then by
  // (smaller identifier, larger identifier), so the decisions do not depend on
  // the order or batching of add_edge calls.
  std::optional<LinkRules> rules;
  InterruptPoll poll;
};

class Resolver {
 public:
  explicit Resolver(ResolverOptions options = {});
  // Holds a ticker that refers to its own poll function.
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Links a and b. An empty side is counted and skipped (the other side is
  // still an identifier); a == b just records the identifier.
  void add_edge(std::string_view a, std::string_view b);
  // add_edge(ends[2i], ends[2i + 1]) for i < count, faster on large graphs
  // (the identifiers are interned in batches).
  void add_edges(const std::string_view* ends, size_t count);
  // Records an identifier that may have no edges (it forms a singleton).
  void add_identifier(std::string_view identifier);
  void reserve(size_t identifiers, size_t edges);
  // Sizes the tables for an expected number of edges (a planner's estimate,
  // which may be far off): about 1.5 identifiers per edge, at most 2^20 of
  // them, so an overestimate costs at most 32 MB (a 16 MB hash table).
  void reserve_for_edges(double expected_edges);

  size_t identifier_count() const { return names_.size(); }
  size_t bytes_used() const;
  // The heap bytes finish() takes on top of bytes_used() at its peak: the
  // byte-order sort's keys and their scratch copy, less the interner's hash
  // table, which finish() frees first.
  size_t finish_bytes() const;

  // Decides buffered edges and labels every identifier. Leaves the resolver
  // empty, ready for new edges. Polls for cancellation throughout.
  Resolution finish();

 private:
  // Interns an identifier that passed the blocklist; returns its node.
  uint32_t node(std::string_view identifier);
  void decide_buffered_edges(const BigVector<uint32_t>& rank);

  std::optional<LinkRules> rules_;
  InterruptPoll poll_;
  InterruptTicker ticker_;
  Interner names_;
  UnionFind plain_;                            // used without rules
  std::unique_ptr<LimitedUnionFind> limited_;  // used with rules
  BigVector<uint64_t> pending_;                // with rules: (smaller node << 32 | larger node)
  std::vector<RejectedEdge> rejected_;
  uint64_t empty_identifiers_ = 0;
};

}  // namespace clv::identity
