// Incremental ingest, retraction splits and shortest-path explanations.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "clv/identity/explain.hpp"
#include "clv/identity/graph.hpp"

namespace clv::identity {
namespace {

ClusterIdGenerator counter_from(int64_t first) {
  return [next = first]() mutable { return next++; };
}

TEST(IdentityGraph, NewComponentsGetFreshIdsInKeyOrder) {
  IdentityGraph graph(std::nullopt, counter_from(100));
  const IngestReport report = graph.ingest({{"d", "c"}, {"b", "a"}, {"e", "e"}});
  EXPECT_EQ(report.new_identifiers, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_TRUE(report.merges.empty());
  EXPECT_EQ(report.changed, (std::vector<ClusterAssignment>{
                                {"a", 100}, {"b", 100}, {"c", 101}, {"d", 101}, {"e", 102}}));
  EXPECT_EQ(report.accepted_edges.size(), 2u);
  EXPECT_EQ(graph.cluster_of("d"), 101);
  EXPECT_EQ(graph.cluster_of("zz"), std::nullopt);
}

TEST(IdentityGraph, ReingestingTheSameEdgesChangesNothing) {
  IdentityGraph graph(std::nullopt, counter_from(1));
  const std::vector<Edge> batch = {{"a", "b"}, {"b", "c"}, {"x", "y"}};
  graph.ingest(batch);
  const IngestReport again = graph.ingest(batch);
  EXPECT_TRUE(again.new_identifiers.empty());
  EXPECT_TRUE(again.merges.empty());
  EXPECT_TRUE(again.changed.empty());
  EXPECT_TRUE(again.accepted_edges.empty());
  EXPECT_TRUE(again.rejected.empty());
}

TEST(IdentityGraph, LargerClusterSurvivesAMerge) {
  IdentityGraph graph(std::nullopt, counter_from(1000));
  for (auto m : {"a", "b", "c"}) graph.load_member(m, 10);
  for (auto m : {"x", "y"}) graph.load_member(m, 5);
  graph.load_edge("a", "b");
  graph.load_edge("b", "c");
  graph.load_edge("x", "y");
  const IngestReport report = graph.ingest({{"x", "c"}});
  EXPECT_EQ(report.merges, (std::vector<ClusterMerge>{{5, 10, "c", "x"}}));
  EXPECT_EQ(report.changed, (std::vector<ClusterAssignment>{{"x", 10}, {"y", 10}}));
  EXPECT_TRUE(report.new_identifiers.empty());
}

TEST(IdentityGraph, OnEqualSizesTheOlderClusterSurvives) {
  IdentityGraph graph(std::nullopt, counter_from(1000));
  graph.load_member("a", 10);
  graph.load_member("b", 5);
  const IngestReport report = graph.ingest({{"a", "b"}});
  EXPECT_EQ(report.merges, (std::vector<ClusterMerge>{{10, 5, "a", "b"}}));
  EXPECT_EQ(report.changed, (std::vector<ClusterAssignment>{{"a", 5}}));
}

TEST(IdentityGraph, NewIdentifiersJoinWithoutConsumingIds) {
  int64_t issued = 0;
  IdentityGraph graph(std::nullopt, [&issued] { return 1000 + issued++; });
  graph.load_member("a", 7);
  const IngestReport report = graph.ingest({{"n1", "n2"}, {"n2", "a"}});
  EXPECT_EQ(issued, 0);
  EXPECT_TRUE(report.merges.empty());
  EXPECT_EQ(report.new_identifiers, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(report.changed, (std::vector<ClusterAssignment>{{"n1", 7}, {"n2", 7}}));
}

TEST(IdentityGraph, ChainedMergesAreReportedInOrderAndIndependentOfBatchOrder) {
  std::vector<Edge> batch = {{"a", "p"}, {"p", "x"}, {"new", "x"}, {"q", "b"}, {"junk", "null"}};
  auto run = [](const std::vector<Edge>& edges) {
    IdentityGraph graph(LinkRules{}, counter_from(500));
    graph.load_member("a", 1);
    graph.load_member("b", 1);
    graph.load_edge("a", "b");
    graph.load_member("x", 2);
    graph.load_member("y", 2);
    graph.load_member("z", 2);
    graph.load_member("p", 3);
    return graph.ingest(edges);
  };
  const IngestReport expected = run(batch);
  // (a,p): 3 (size 1) into 1 (size 2); (p,x): 1 (size 3) vs 2 (size 3): 1 is older.
  EXPECT_EQ(expected.merges, (std::vector<ClusterMerge>{{3, 1, "a", "p"}, {2, 1, "p", "x"}}));
  EXPECT_EQ(expected.rejected, (std::vector<RejectedEdge>{{"junk", "null", "blocked_value"}}));
  EXPECT_EQ(expected.changed,
            (std::vector<ClusterAssignment>{
                {"junk", 500}, {"new", 1}, {"p", 1}, {"q", 1}, {"x", 1}, {"y", 1}, {"z", 1}}));
  std::mt19937 rng(9);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(batch.begin(), batch.end(), rng);
    const IngestReport report = run(batch);
    EXPECT_EQ(report.merges, expected.merges);
    EXPECT_EQ(report.changed, expected.changed);
    EXPECT_EQ(report.rejected, expected.rejected);
    EXPECT_EQ(report.new_identifiers, expected.new_identifiers);
  }
}

TEST(IdentityGraph, RulesSeeTheLoadedClusters) {
  LinkRules rules;
  rules.types["email"].max_per_cluster = 1;
  rules.types["email"].hub_limit = 1;
  IdentityGraph graph(rules, counter_from(1));
  graph.load_member("email:a", 10);
  graph.load_member("device:1", 10);
  graph.load_edge("email:a", "device:1");
  const IngestReport report = graph.ingest({{"device:1", "email:b"}, {"email:c", "phone:1"}});
  EXPECT_EQ(report.rejected, (std::vector<RejectedEdge>{{"device:1", "email:b", "hub:email"}}));
  EXPECT_EQ(graph.cluster_of("email:b"), 1);
  EXPECT_EQ(graph.cluster_of("email:c"), 2);

  LinkRules per_type_only;
  per_type_only.types = rules.types;
  IdentityGraph limited(per_type_only, counter_from(1));
  limited.load_member("email:a", 10);
  limited.load_member("device:1", 10);
  limited.load_edge("email:a", "device:1");
  // (device:1, device:2) sorts first and joins; then email:b would be a second email.
  EXPECT_EQ(limited.ingest({{"device:2", "email:b"}, {"device:1", "device:2"}}).rejected,
            (std::vector<RejectedEdge>{{"device:2", "email:b", "max_per_cluster:email"}}));
}

// The graph as SQL keeps it between ingests: each batch is decided by a new
// IdentityGraph loaded with the clusters and edges stored so far.
struct StoredGraph {
  std::map<std::string, int64_t> cluster_of;
  std::vector<std::pair<std::string, std::string>> edges;
  std::vector<RejectedEdge> rejected;
  int64_t next_id = 1;

  void ingest(const LinkRules& rules, const std::vector<Edge>& batch) {
    IdentityGraph graph(rules, [this] { return next_id++; });
    for (const auto& [identifier, cluster] : cluster_of) graph.load_member(identifier, cluster);
    for (const auto& [a, b] : edges) graph.load_edge(a, b);
    const IngestReport report = graph.ingest(batch);
    for (const ClusterAssignment& change : report.changed)
      cluster_of[change.identifier] = change.cluster_id;
    edges.insert(edges.end(), report.accepted_edges.begin(), report.accepted_edges.end());
    rejected.insert(rejected.end(), report.rejected.begin(), report.rejected.end());
  }

  // Each identifier with the smallest member of its cluster (ids depend on
  // the batches).
  std::map<std::string, std::string> partition() const {
    std::map<int64_t, std::string> smallest;
    for (const auto& [identifier, cluster] : cluster_of) smallest.emplace(cluster, identifier);
    std::map<std::string, std::string> out;
    for (const auto& [identifier, cluster] : cluster_of) out[identifier] = smallest[cluster];
    return out;
  }
};

TEST(IdentityGraph, HubLimitsGiveTheSameGraphHoweverTheEdgesAreBatched) {
  LinkRules rules;
  rules.types["email"].hub_limit = 2;
  // In byte order: device:1 becomes a hub for emails before its links to
  // phone:9 and zookie:1 are decided.
  const std::vector<Edge> emails = {
      {"device:1", "email:a"}, {"device:1", "email:b"}, {"device:1", "email:c"}};
  const std::vector<Edge> others = {
      {"device:1", "phone:9"}, {"zookie:1", "device:1"}, {"device:2", "email:c"}};
  std::vector<Edge> all = emails;
  all.insert(all.end(), others.begin(), others.end());

  StoredGraph one_batch;
  one_batch.ingest(rules, all);
  EXPECT_EQ(one_batch.rejected, (std::vector<RejectedEdge>{{"device:1", "email:c", "hub:email"}}));
  EXPECT_EQ(one_batch.partition().at("zookie:1"), "device:1");
  EXPECT_EQ(one_batch.partition().at("email:c"), "device:2");

  StoredGraph two_batches;
  two_batches.ingest(rules, emails);
  two_batches.ingest(rules, others);
  EXPECT_EQ(two_batches.partition(), one_batch.partition());
  EXPECT_EQ(two_batches.rejected, one_batch.rejected);
  auto sorted = [](std::vector<std::pair<std::string, std::string>> edges) {
    std::sort(edges.begin(), edges.end());
    return edges;
  };
  EXPECT_EQ(sorted(two_batches.edges), sorted(one_batch.edges));
}

TEST(IdentityGraph, OverLongIdentifiersAreRefusedFirstTheOtherSideIsKept) {
  LinkRules rules;  // the built-in junk list
  IdentityGraph graph(rules, counter_from(1));
  graph.set_max_identifier_bytes(8);
  const std::string at_limit = "email:ab";    // 8 bytes: accepted
  const std::string too_long = "email:abc";   // 9 bytes
  const std::string huge(100'000, 'z');       // sorts after every other identifier here
  const std::string long_junk = "x:null   ";  // junk, but its length decides first
  const IngestReport report = graph.ingest({{at_limit, "device:1"},
                                            {too_long, "device:1"},
                                            {"device:2", huge},
                                            {huge, huge},
                                            {"crm:1", long_junk},
                                            {"device:3", "x:null"}});
  EXPECT_EQ(report.rejected,
            (std::vector<RejectedEdge>{{"crm:1", long_junk, "identifier_too_long"},
                                       {"device:1", too_long, "identifier_too_long"},
                                       {"device:2", huge, "identifier_too_long"},
                                       {"device:3", "x:null", "blocked_value"},
                                       {huge, huge, "identifier_too_long"}}));
  // The acceptable side of a refused edge is still added, as with a blocked value.
  EXPECT_EQ(report.new_identifiers,
            (std::vector<std::string>{"crm:1", "device:1", "device:2", "device:3", at_limit}));
  EXPECT_EQ(graph.cluster_of(at_limit), graph.cluster_of("device:1"));
  EXPECT_EQ(graph.cluster_of(too_long), std::nullopt);
  EXPECT_EQ(graph.cluster_of(huge), std::nullopt);
  EXPECT_EQ(report.accepted_edges,
            (std::vector<std::pair<std::string, std::string>>{{"device:1", at_limit}}));

  // No limit by default: the same edge is an ordinary link.
  IdentityGraph unlimited(std::nullopt, counter_from(1));
  EXPECT_TRUE(unlimited.ingest({{"device:2", huge}}).rejected.empty());
  EXPECT_EQ(unlimited.cluster_of(huge), unlimited.cluster_of("device:2"));
}

TEST(IdentityGraph, InconsistentLoadsAreRefused) {
  IdentityGraph graph(std::nullopt, counter_from(1));
  graph.load_member("a", 1);
  graph.load_member("b", 2);
  EXPECT_THROW(graph.load_edge("a", "b"), std::invalid_argument);
  EXPECT_THROW(graph.load_edge("a", "zz"), std::invalid_argument);
  EXPECT_THROW(graph.load_member("a", 3), std::invalid_argument);
  IdentityGraph bad_ids(std::nullopt, [] { return int64_t{-5}; });
  EXPECT_THROW(bad_ids.ingest({{"a", "b"}}), std::range_error);
}

TEST(IdentityGraph, CancellationStopsIngest) {
  IdentityGraph graph(std::nullopt, counter_from(1), [] { throw Cancelled(); });
  std::vector<std::string> names;
  for (int i = 0; i < 10'000; ++i) names.push_back("n" + std::to_string(i));
  std::vector<Edge> batch;
  for (int i = 0; i + 1 < 10'000; ++i) batch.emplace_back(names[i], names[i + 1]);
  EXPECT_THROW(graph.ingest(batch), Cancelled);
}

TEST(IdentitySplit, LargestPartKeepsTheIdTiesGoToTheSmallestIdentifier) {
  const SplitReport tie =
      split_cluster(7, {"e", "d", "c", "b", "a"}, {{"a", "b"}, {"d", "c"}}, counter_from(100));
  ASSERT_EQ(tie.parts.size(), 3u);
  EXPECT_EQ(tie.parts[0].cluster_id, 7);
  EXPECT_EQ(tie.parts[0].cluster_key, "a");
  EXPECT_EQ(tie.parts[1].cluster_id, 100);
  EXPECT_EQ(tie.parts[1].cluster_key, "c");
  EXPECT_EQ(tie.parts[2].cluster_id, 101);
  EXPECT_EQ(tie.parts[2].size, 1u);
  EXPECT_EQ(tie.changed, (std::vector<ClusterAssignment>{{"c", 100}, {"d", 100}, {"e", 101}}));

  const SplitReport bigger =
      split_cluster(7, {"a", "x", "y", "z"}, {{"x", "y"}, {"y", "z"}}, counter_from(100));
  EXPECT_EQ(bigger.parts[0].cluster_key, "x");
  EXPECT_EQ(bigger.parts[0].size, 3u);
  EXPECT_EQ(bigger.changed, (std::vector<ClusterAssignment>{{"a", 100}}));

  const SplitReport whole = split_cluster(7, {"a", "b"}, {{"a", "b"}}, counter_from(100));
  EXPECT_EQ(whole.parts.size(), 1u);
  EXPECT_TRUE(whole.changed.empty());
  EXPECT_THROW(split_cluster(7, {"a"}, {{"a", "b"}}, counter_from(1)), std::invalid_argument);
}

std::map<std::string, int> bfs_distances(const std::vector<Edge>& edges, const std::string& from) {
  std::map<std::string, std::vector<std::string>> adjacency;
  for (const auto& [a, b] : edges) {
    adjacency[std::string(a)].emplace_back(b);
    adjacency[std::string(b)].emplace_back(a);
  }
  std::map<std::string, int> distance{{from, 0}};
  std::queue<std::string> queue;
  queue.push(from);
  while (!queue.empty()) {
    const std::string at = queue.front();
    queue.pop();
    for (const std::string& next : adjacency[at]) {
      if (distance.emplace(next, distance[at] + 1).second) queue.push(next);
    }
  }
  return distance;
}

TEST(IdentityExplain, SimpleCases) {
  const std::vector<Edge> edges = {{"c", "d"}, {"a", "b"}, {"b", "c"}, {"x", "y"}};
  EXPECT_EQ(shortest_path(edges, "a", "d"), (std::vector<size_t>{1, 2, 0}));
  EXPECT_EQ(shortest_path(edges, "d", "a"), (std::vector<size_t>{0, 2, 1}));
  EXPECT_EQ(shortest_path(edges, "a", "x"), std::nullopt);
  EXPECT_EQ(shortest_path(edges, "a", "absent"), std::nullopt);
  EXPECT_EQ(shortest_path(edges, "a", "a"), std::vector<size_t>());
  EXPECT_EQ(shortest_path({}, "a", "b"), std::nullopt);
}

TEST(IdentityExplain, PathsAreShortestValidAndOrderIndependent) {
  std::mt19937 rng(17);
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("n" + std::to_string(i));
  std::vector<Edge> edges;
  for (int i = 0; i < 450; ++i) edges.emplace_back(names[rng() % 300], names[rng() % 300]);
  const std::string from = "n0";
  const std::map<std::string, int> distance = bfs_distances(edges, from);
  std::vector<Edge> shuffled = edges;
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  for (const std::string& to : names) {
    const auto path = shortest_path(edges, from, to);
    auto known = distance.find(to);
    if (known == distance.end()) {
      EXPECT_EQ(path, std::nullopt) << to;
      continue;
    }
    ASSERT_TRUE(path.has_value()) << to;
    EXPECT_EQ(static_cast<int>(path->size()), known->second) << to;
    std::string_view at = from;
    for (size_t index : *path) {
      const Edge& e = edges[index];
      ASSERT_TRUE(e.first == at || e.second == at);
      at = e.first == at ? e.second : e.first;
    }
    EXPECT_EQ(at, to);
    // The same path, as identifier pairs, from a shuffled edge list.
    const auto other = shortest_path(shuffled, from, to);
    ASSERT_TRUE(other.has_value());
    ASSERT_EQ(other->size(), path->size());
    for (size_t i = 0; i < path->size(); ++i) {
      auto ends = [](const Edge& e) { return std::minmax(e.first, e.second); };
      EXPECT_EQ(ends(shuffled[(*other)[i]]), ends(edges[(*path)[i]]));
    }
  }
}

}  // namespace
}  // namespace clv::identity
