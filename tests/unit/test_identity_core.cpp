// Interner, union-find and one-shot Resolver against a brute-force reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "clv/identity/big_array.hpp"
#include "clv/identity/hash.hpp"
#include "clv/identity/interner.hpp"
#include "clv/identity/resolver.hpp"
#include "clv/identity/union_find.hpp"

namespace clv::identity {
namespace {

using StringEdges = std::vector<std::pair<std::string, std::string>>;

struct Row {
  std::string identifier;
  int64_t cluster_id;
  std::string cluster_key;
  uint64_t cluster_size;
  bool operator==(const Row& o) const {
    return std::tie(identifier, cluster_id, cluster_key, cluster_size) ==
           std::tie(o.identifier, o.cluster_id, o.cluster_key, o.cluster_size);
  }
};

std::vector<Row> rows_of(const Resolution& resolution) {
  std::vector<Row> rows;
  for (size_t i = 0; i < resolution.size(); ++i) {
    const ResolvedIdentity r = resolution[i];
    rows.push_back(
        {std::string(r.identifier), r.cluster_id, std::string(r.cluster_key), r.cluster_size});
  }
  return rows;
}

std::vector<Row> resolve(const StringEdges& edges, ResolverOptions options = {}) {
  Resolver resolver(std::move(options));
  for (const auto& [a, b] : edges) resolver.add_edge(a, b);
  return rows_of(resolver.finish());
}

// Connected components by BFS over a map-based adjacency list.
std::vector<Row> reference(const StringEdges& edges) {
  std::map<std::string, std::vector<std::string>> adjacency;
  for (const auto& [a, b] : edges) {
    adjacency[a].push_back(b);
    adjacency[b].push_back(a);
  }
  std::map<std::string, std::string> key_of;
  std::map<std::string, uint64_t> size_of_key;
  for (const auto& [start, unused] : adjacency) {
    if (key_of.count(start)) continue;
    std::vector<std::string> component{start};
    key_of[start] = start;
    for (size_t i = 0; i < component.size(); ++i) {
      for (const std::string& next : adjacency[component[i]]) {
        if (key_of.emplace(next, start).second) component.push_back(next);
      }
    }
    size_of_key[start] = component.size();  // map order: start is the smallest
  }
  std::vector<Row> rows;
  for (const auto& [identifier, key] : key_of) {
    rows.push_back({identifier, cluster_id_for_key(key), key, size_of_key[key]});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
    return std::tie(x.cluster_key, x.identifier) < std::tie(y.cluster_key, y.identifier);
  });
  return rows;
}

StringEdges random_edges(size_t nodes, size_t edges, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, nodes - 1);
  StringEdges out;
  for (size_t i = 0; i < edges; ++i) {
    out.emplace_back("id:" + std::to_string(pick(rng)), "id:" + std::to_string(pick(rng)));
  }
  return out;
}

// Arrays of 2 MB or more start on a 2 MB boundary (whole huge pages); growing
// one across that size keeps its contents.
TEST(BigArray, LargeBlocksStartOnHugePageBoundaries) {
  BigVector<uint64_t> values;
  for (uint64_t i = 0; i < (uint64_t{3} << 20) / sizeof(uint64_t); ++i) values.push_back(i * 7);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(values.data()) % (size_t{2} << 20), 0u);
  for (uint64_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], i * 7);
  BigVector<uint32_t> small(10, 3);
  EXPECT_EQ(std::count(small.begin(), small.end(), 3u), 10);
}

TEST(IdentityHash, MatchesXxh64ReferenceVectors) {
  EXPECT_EQ(xxh64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh64("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(xxh64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(xxh64("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

TEST(IdentityHash, ClusterIdIsNonNegative) {
  for (int i = 0; i < 1000; ++i) EXPECT_GE(cluster_id_for_key("k" + std::to_string(i)), 0);
}

TEST(IdentityInterner, DenseIdsAndRoundTrip) {
  Interner names;
  std::vector<std::string> words;
  for (int i = 0; i < 5000; ++i) words.push_back(std::string(i % 300, 'x') + std::to_string(i));
  words.push_back("");
  words.push_back(std::string("nul\0byte", 8));
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(names.intern(words[i]), i);
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(names.intern(words[i]), i);
    EXPECT_EQ(names.find(words[i]), i);
    EXPECT_EQ(names.view(static_cast<uint32_t>(i)), words[i]);
  }
  EXPECT_EQ(names.find("absent"), Interner::kNotFound);
  EXPECT_EQ(names.size(), words.size());
  EXPECT_GT(names.bytes_used(), 0u);
}

TEST(IdentityInterner, InternManyEqualsInternInOrder) {
  // Repeats within one batch and across batches, and enough identifiers that
  // the table grows between batches.
  std::mt19937 rng(3);
  std::vector<std::string> words;
  for (int i = 0; i < 20000; ++i) words.push_back("w" + std::to_string(rng() % 7000));
  words.push_back("");
  Interner one, many;
  std::vector<uint32_t> expected;
  for (const std::string& w : words) expected.push_back(one.intern(w));
  std::vector<std::string_view> views(words.begin(), words.end());
  std::vector<uint32_t> ids(views.size(), Interner::kNotFound);
  for (size_t begin = 0; begin < views.size(); begin += 777) {
    many.intern_many(&views[begin], std::min<size_t>(777, views.size() - begin), &ids[begin]);
  }
  EXPECT_EQ(ids, expected);
  ASSERT_EQ(many.size(), one.size());
  for (uint32_t id = 0; id < one.size(); ++id) EXPECT_EQ(many.view(id), one.view(id));
}

TEST(IdentityInterner, ReleasedTableKeepsViewsAndOrderButRefusesLookups) {
  Interner names;
  for (std::string_view s : {"b", "a", "c"}) names.intern(s);
  const size_t before = names.bytes_used();
  names.release_table();
  EXPECT_EQ(names.table_bytes(), 0u);
  EXPECT_LT(names.bytes_used(), before);
  EXPECT_EQ(names.view(0), "b");
  std::vector<std::string> ordered;
  for (uint32_t id : names.ids_in_byte_order()) ordered.emplace_back(names.view(id));
  EXPECT_EQ(ordered, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_THROW(names.intern("d"), std::logic_error);
  EXPECT_THROW(names.find("a"), std::logic_error);
}

TEST(IdentityInterner, ByteOrderPutsPrefixFirstAndHighBytesLast) {
  Interner names;
  for (std::string_view s : {"b", "\xff", "ab", "a", "", "a\x80"}) names.intern(s);
  std::vector<std::string> ordered;
  for (uint32_t id : names.ids_in_byte_order()) ordered.emplace_back(names.view(id));
  EXPECT_EQ(ordered, (std::vector<std::string>{"", "a", "ab", "a\x80", "b", "\xff"}));
}

// Interns the words (repeats included) and expects ids_in_byte_order() to
// give the distinct words in std::string order.
void expect_byte_order_is_string_order(const std::vector<std::string>& words) {
  Interner names;
  for (const std::string& word : words) names.intern(word);
  std::vector<std::string> expected = words;
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  std::vector<std::string> ordered;
  for (uint32_t id : names.ids_in_byte_order()) ordered.emplace_back(names.view(id));
  EXPECT_EQ(ordered, expected);
}

TEST(IdentityInterner, ByteOrderMatchesStringSortOnLongSharedPrefixes) {
  std::mt19937 rng(5);
  std::vector<std::string> words;
  for (int i = 0; i < 3000; ++i) {
    std::string word(rng() % 40, 'p');  // long ties force several refinement rounds
    const size_t extra = rng() % 12;
    for (size_t k = 0; k < extra; ++k)
      word.push_back(static_cast<char>(rng() % 4 == 0 ? 0 : rng() % 256));
    words.push_back(word);
  }
  expect_byte_order_is_string_order(words);
}

TEST(IdentityInterner, ByteOrderMatchesStringSortOnTypedIdentifiers) {
  // Large ranges sharing typed prefixes take several scatter passes each.
  std::mt19937 rng(11);
  std::vector<std::string> words;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 60000; ++i) {
    std::string word;
    switch (i % 3) {
      case 0:
        word = "email:" + std::to_string(rng() % 1000000) + "@x.com";
        break;
      case 1:
        word = "device:";
        for (int k = 0; k < 32; ++k) word.push_back(hex[rng() % 16]);
        break;
      default:
        word = "cookie:" + std::to_string(rng() % 100000) + "-" + std::to_string(rng() % 3);
    }
    words.push_back(word);
  }
  expect_byte_order_is_string_order(words);
}

TEST(IdentityUnionFind, MatchesReferenceComponents) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const size_t n = 500;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<uint32_t> pick(0, n - 1);
    UnionFind forest(n);
    std::vector<std::vector<uint32_t>> adjacency(n);
    for (int i = 0; i < 300; ++i) {
      const uint32_t a = pick(rng), b = pick(rng);
      forest.unite(a, b);
      adjacency[a].push_back(b);
      adjacency[b].push_back(a);
    }
    std::vector<int> component(n, -1);
    for (uint32_t s = 0; s < n; ++s) {
      if (component[s] >= 0) continue;
      std::queue<uint32_t> queue;
      queue.push(s);
      component[s] = static_cast<int>(s);
      uint32_t members = 0;
      while (!queue.empty()) {
        const uint32_t v = queue.front();
        queue.pop();
        ++members;
        for (uint32_t w : adjacency[v]) {
          if (component[w] < 0) {
            component[w] = static_cast<int>(s);
            queue.push(w);
          }
        }
      }
      EXPECT_EQ(forest.root_size(forest.find(s)), members);
    }
    for (uint32_t a = 0; a < n; ++a) {
      for (uint32_t b = a + 1; b < n; b += 7) {
        EXPECT_EQ(forest.find(a) == forest.find(b), component[a] == component[b]);
      }
    }
  }
}

TEST(IdentityResolver, MatchesReferenceOnRandomGraphs) {
  for (auto [nodes, edges, seed] : {std::tuple<size_t, size_t, uint32_t>{10, 5, 1},
                                    {100, 60, 2},
                                    {1000, 700, 3},
                                    {1000, 1500, 4},
                                    {5000, 2500, 5}}) {
    const StringEdges input = random_edges(nodes, edges, seed);
    EXPECT_EQ(resolve(input), reference(input)) << nodes << " nodes, seed " << seed;
  }
}

TEST(IdentityResolver, ReserveForEdgesIsBoundedAndKeepsResults) {
  Resolver wild;
  wild.reserve_for_edges(1e15);  // a planner's wild overestimate
  EXPECT_LE(wild.bytes_used(), size_t{32} << 20);
  Resolver none;
  none.reserve_for_edges(-1);
  Resolver sized;
  sized.reserve_for_edges(3);
  for (Resolver* r : {&wild, &none, &sized}) {
    r->add_edge("b", "c");
    r->add_edge("a", "c");
    r->add_edge("d", "e");
    const Resolution out = r->finish();
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0].identifier, "a");
    EXPECT_EQ(out[2].cluster_key, "a");
    EXPECT_EQ(out[4].cluster_key, "d");
  }
}

TEST(IdentityResolver, SameOutputUnderShuffledAndFlippedEdges) {
  StringEdges input = random_edges(2000, 1500, 7);
  const std::vector<Row> expected = resolve(input);
  std::mt19937 rng(11);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(input.begin(), input.end(), rng);
    for (auto& edge : input) {
      if (rng() % 2) std::swap(edge.first, edge.second);
    }
    EXPECT_EQ(resolve(input), expected);
  }
}

TEST(IdentityResolver, AddEdgesEqualsAddEdge) {
  StringEdges input = random_edges(3000, 2500, 13);
  input.push_back({"", "lone"});
  input.push_back({"id:1", ""});
  input.push_back({"", ""});
  input.push_back({"id:2", "id:2"});
  std::vector<std::string_view> ends;
  for (const auto& [a, b] : input) {
    ends.push_back(a);
    ends.push_back(b);
  }
  for (bool with_rules : {false, true}) {
    ResolverOptions one_options, batch_options;
    if (with_rules) one_options.rules = batch_options.rules = LinkRules{};
    Resolver one(std::move(one_options)), batched(std::move(batch_options));
    for (const auto& [a, b] : input) one.add_edge(a, b);
    for (size_t begin = 0; begin < input.size(); begin += 600) {
      batched.add_edges(&ends[2 * begin], std::min<size_t>(600, input.size() - begin));
    }
    const Resolution expected = one.finish(), actual = batched.finish();
    EXPECT_EQ(rows_of(actual), rows_of(expected)) << with_rules;
    EXPECT_EQ(actual.empty_identifiers(), 4u);
  }
}

TEST(IdentityResolver, ShapesChainStarCycleSelfLoopDuplicates) {
  const StringEdges chain = {{"c", "d"}, {"a", "b"}, {"b", "c"}};
  const StringEdges star = {{"hub", "x1"}, {"x2", "hub"}, {"hub", "x3"}};
  const StringEdges cycle = {{"p", "q"}, {"q", "r"}, {"r", "p"}};
  const StringEdges loops = {{"s", "s"}, {"t", "u"}, {"t", "u"}, {"u", "t"}};
  for (const StringEdges& input : {chain, star, cycle, loops}) {
    EXPECT_EQ(resolve(input), reference(input));
  }
  const std::vector<Row> rows = resolve(loops);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (Row{"s", cluster_id_for_key("s"), "s", 1}));
  EXPECT_EQ(rows[1], (Row{"t", cluster_id_for_key("t"), "t", 2}));
  EXPECT_EQ(rows[2], (Row{"u", cluster_id_for_key("t"), "t", 2}));
}

TEST(IdentityResolver, EmptyInputAndEmptyIdentifiers) {
  Resolver resolver;
  Resolution none = resolver.finish();
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.cluster_count(), 0u);

  resolver.add_edge("", "a");
  resolver.add_edge("", "");
  resolver.add_identifier("lonely");
  const Resolution resolution = resolver.finish();
  EXPECT_EQ(resolution.empty_identifiers(), 3u);
  EXPECT_EQ(rows_of(resolution),
            (std::vector<Row>{{"a", cluster_id_for_key("a"), "a", 1},
                              {"lonely", cluster_id_for_key("lonely"), "lonely", 1}}));
}

TEST(IdentityResolver, ResolverIsReusableAfterFinish) {
  Resolver resolver;
  resolver.add_edge("a", "b");
  resolver.finish();
  resolver.add_edge("c", "d");
  const Resolution second = resolver.finish();
  EXPECT_EQ(rows_of(second), reference({{"c", "d"}}));
}

TEST(IdentityResolver, CancellationStopsALargeLoop) {
  int polls = 0;
  ResolverOptions options;
  options.poll = [&polls] {
    if (++polls == 3) throw Cancelled();
  };
  Resolver resolver(std::move(options));
  size_t added = 0;
  EXPECT_THROW(
      {
        for (; added < 10'000'000; ++added) resolver.add_edge("a" + std::to_string(added), "b");
      },
      Cancelled);
  EXPECT_LT(added, 20'000u);
}

TEST(IdentityResolver, CancellationDuringFinish) {
  bool cancel = false;
  ResolverOptions options;
  options.poll = [&cancel] {
    if (cancel) throw Cancelled();
  };
  Resolver resolver(std::move(options));
  for (int i = 0; i < 50'000; ++i) resolver.add_edge(std::to_string(i), std::to_string(i + 1));
  cancel = true;
  EXPECT_THROW(resolver.finish(), Cancelled);
}

// The brief's synthetic population: person i has email:i@x.com, 1 + i % 3
// devices linked to the email, i % 3 cookies linked to the first device, and
// every tenth person's email is linked to the next person's.
StringEdges person_graph(size_t persons) {
  StringEdges edges;
  edges.reserve(persons * 31 / 10 + 1);
  auto email = [](size_t i) { return "email:" + std::to_string(i) + "@x.com"; };
  auto hex = [](uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  for (size_t i = 0; i < persons; ++i) {
    const std::string mail = email(i);
    std::string first_device;
    for (size_t d = 0; d < 1 + i % 3; ++d) {
      const std::string device =
          "device:" + hex(xxh64(std::to_string(i) + "/" + std::to_string(d)));
      if (d == 0) first_device = device;
      edges.emplace_back(mail, device);
    }
    for (size_t c = 0; c < i % 3; ++c) {
      edges.emplace_back(first_device,
                         "cookie:" + hex(xxh64(std::to_string(i) + "#" + std::to_string(c))));
    }
    if (i % 10 == 0 && i + 1 < persons) edges.emplace_back(mail, email(i + 1));
  }
  return edges;
}

TEST(IdentityResolver, PersonGraphThroughputIsReported) {
  const size_t persons = 200'000;
  const StringEdges edges = person_graph(persons);
  for (bool with_rules : {false, true}) {
    ResolverOptions options;
    if (with_rules) options.rules = LinkRules{};
    const auto start = std::chrono::steady_clock::now();
    Resolver resolver(std::move(options));
    for (const auto& [a, b] : edges) resolver.add_edge(a, b);
    const size_t building_bytes = resolver.bytes_used();
    const Resolution resolution = resolver.finish();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(resolution.cluster_count(), persons - persons / 10);
    size_t identifiers = 0;
    for (size_t i = 0; i < persons; ++i) identifiers += 2 + 2 * (i % 3);
    EXPECT_EQ(resolution.size(), identifiers);
    std::printf(
        "[identity] %zu persons%s: %zu edges, %zu identifiers, %zu clusters in %.3f s "
        "(%.2f M edges/s); %.1f bytes/identifier while building, %.1f in the result\n",
        persons, with_rules ? " with junk rules" : "", edges.size(), resolution.size(),
        resolution.cluster_count(), seconds, edges.size() / seconds / 1e6,
        double(building_bytes) / resolution.size(),
        double(resolution.bytes_used()) / resolution.size());
  }
}

}  // namespace
}  // namespace clv::identity
