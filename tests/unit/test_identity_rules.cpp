// Link rules: junk values, per-type limits, cluster size, hubs, priorities,
// all independent of edge order.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "clv/identity/resolver.hpp"
#include "clv/identity/rules.hpp"

namespace clv::identity {
namespace {

using StringEdges = std::vector<std::pair<std::string, std::string>>;

struct Outcome {
  std::vector<std::tuple<std::string, std::string, uint64_t>> rows;  // identifier, key, size
  std::vector<RejectedEdge> rejected;
  bool operator==(const Outcome& o) const { return rows == o.rows && rejected == o.rejected; }
};

Outcome resolve(const StringEdges& edges, const LinkRules& rules) {
  ResolverOptions options;
  options.rules = rules;
  Resolver resolver(std::move(options));
  for (const auto& [a, b] : edges) resolver.add_edge(a, b);
  const Resolution resolution = resolver.finish();
  Outcome out;
  for (size_t i = 0; i < resolution.size(); ++i) {
    const ResolvedIdentity r = resolution[i];
    out.rows.emplace_back(std::string(r.identifier), std::string(r.cluster_key), r.cluster_size);
  }
  out.rejected = resolution.rejected_edges();
  return out;
}

// Resolves the edges, then shuffled and flipped copies, expecting one outcome.
Outcome resolve_in_any_order(StringEdges edges, const LinkRules& rules) {
  const Outcome expected = resolve(edges, rules);
  std::mt19937 rng(42);
  for (int round = 0; round < 4; ++round) {
    std::shuffle(edges.begin(), edges.end(), rng);
    for (auto& edge : edges) {
      if (rng() % 2) std::swap(edge.first, edge.second);
    }
    EXPECT_EQ(resolve(edges, rules), expected) << "round " << round;
  }
  return expected;
}

std::string key_of(const Outcome& outcome, const std::string& identifier) {
  for (const auto& [id, key, size] : outcome.rows) {
    if (id == identifier) return key;
  }
  return "<absent>";
}

TEST(IdentityJunk, RecognisesPlaceholders) {
  for (std::string_view junk : {"",
                                "null",
                                "NULL",
                                " Null ",
                                "undefined",
                                "unknown",
                                "anonymous",
                                "none",
                                "N/A",
                                "0",
                                "-1",
                                "[object Object]",
                                "test@test.com",
                                "TEST@example.com",
                                "0000",
                                "00000000-0000-0000-0000-000000000000",
                                "00:00:00:00:00:00",
                                "noemail@shop.com",
                                "No-Email@x.org",
                                "noreply@x.com"}) {
    EXPECT_TRUE(is_junk(junk)) << junk;
  }
  for (std::string_view fine :
       {"alice@x.com", "10", "0a", "nullable", "-2", "noemailer@x.com", "n/a/b"}) {
    EXPECT_FALSE(is_junk(fine)) << fine;
  }
  for (std::string_view value : default_junk_values()) EXPECT_TRUE(is_junk(value)) << value;
  EXPECT_FALSE(default_junk_patterns().empty());
}

TEST(IdentityJunk, TypeAndValueSplitAtFirstColon) {
  EXPECT_EQ(identifier_type("email:a:b"), "email");
  EXPECT_EQ(identifier_value("email:a:b"), "a:b");
  EXPECT_EQ(identifier_type("plain"), "");
  EXPECT_EQ(identifier_value("plain"), "plain");
}

TEST(IdentityRules, BlockedValuesRejectEdgesAndStayOutOfTheResult) {
  LinkRules rules;
  rules.types["device"].blocked_values = {"shared-kiosk"};
  const Outcome out = resolve_in_any_order({{"email:null", "device:1"},
                                            {"email:a", "device:1"},
                                            {"device:shared-kiosk", "email:b"},
                                            {"email:b", "cookie:0000-0000"}},
                                           rules);
  EXPECT_EQ(key_of(out, "email:a"), "device:1");
  EXPECT_EQ(key_of(out, "email:b"), "email:b");
  EXPECT_EQ(key_of(out, "email:null"), "<absent>");
  EXPECT_EQ(key_of(out, "device:shared-kiosk"), "<absent>");
  EXPECT_EQ(out.rejected,
            (std::vector<RejectedEdge>{{"cookie:0000-0000", "email:b", "blocked_value"},
                                       {"device:1", "email:null", "blocked_value"},
                                       {"device:shared-kiosk", "email:b", "blocked_value"}}));
}

TEST(IdentityRules, CallerPredicateBlocksByTypeAndValue) {
  LinkRules rules;
  rules.blocked_by = [](std::string_view type, std::string_view value) {
    return type == "phone" && value.substr(0, 3) == "555";
  };
  const Outcome out = resolve_in_any_order(
      {{"phone:5550100", "email:a"}, {"phone:2125550100", "email:a"}, {"crm:555", "email:a"}},
      rules);
  EXPECT_EQ(key_of(out, "phone:2125550100"), "crm:555");
  EXPECT_EQ(key_of(out, "phone:5550100"), "<absent>");
  EXPECT_EQ(out.rejected,
            (std::vector<RejectedEdge>{{"email:a", "phone:5550100", "blocked_value"}}));
}

TEST(IdentityRules, MaxPerClusterKeepsTheFirstEdgesInByteOrder) {
  LinkRules rules;
  rules.types["email"].max_per_cluster = 1;
  const Outcome out = resolve_in_any_order(
      {{"device:1", "email:b"}, {"device:1", "email:a"}, {"device:1", "cookie:c"}}, rules);
  EXPECT_EQ(key_of(out, "email:a"), "cookie:c");
  EXPECT_EQ(key_of(out, "email:b"), "email:b");
  EXPECT_EQ(out.rejected,
            (std::vector<RejectedEdge>{{"device:1", "email:b", "max_per_cluster:email"}}));
}

TEST(IdentityRules, MaxClusterSize) {
  LinkRules rules;
  rules.max_cluster_size = 3;
  const Outcome out = resolve_in_any_order({{"c", "d"}, {"a", "b"}, {"b", "c"}}, rules);
  EXPECT_EQ(key_of(out, "c"), "a");
  EXPECT_EQ(key_of(out, "d"), "d");
  EXPECT_EQ(out.rejected, (std::vector<RejectedEdge>{{"c", "d", "max_cluster_size"}}));
}

// zookie:z sorts after the emails, so its link is decided after device:1
// became a hub for emails: it links all the same.
TEST(IdentityRules, HubLosesFurtherLinksOfTheFloodedTypeOnly) {
  LinkRules rules;
  rules.types["email"].hub_limit = 2;
  const Outcome out = resolve_in_any_order({{"device:1", "email:a"},
                                            {"device:1", "email:b"},
                                            {"device:1", "email:c"},
                                            {"device:1", "zookie:z"}},
                                           rules);
  EXPECT_EQ(key_of(out, "email:b"), "device:1");
  EXPECT_EQ(key_of(out, "email:c"), "email:c");
  EXPECT_EQ(key_of(out, "zookie:z"), "device:1");
  EXPECT_EQ(out.rejected, (std::vector<RejectedEdge>{{"device:1", "email:c", "hub:email"}}));
}

TEST(IdentityRules, PriorityDecidesWhichEdgesComeFirst) {
  LinkRules rules;
  rules.types["email"].max_per_cluster = 1;
  const StringEdges edges = {
      {"device:1", "email:a"}, {"device:1", "loyalty:9"}, {"email:b", "loyalty:9"}};
  EXPECT_EQ(key_of(resolve_in_any_order(edges, rules), "email:b"), "email:b");
  rules.types["loyalty"].priority = 5;
  const Outcome out = resolve_in_any_order(edges, rules);
  EXPECT_EQ(key_of(out, "email:b"), "device:1");
  EXPECT_EQ(key_of(out, "email:a"), "email:a");
}

TEST(IdentityRules, RandomTypedGraphIsOrderIndependent) {
  std::mt19937 rng(3);
  const char* types[] = {"email", "device", "cookie", "crm"};
  StringEdges edges;
  for (int i = 0; i < 3000; ++i) {
    auto pick = [&] {
      const int value = static_cast<int>(rng() % 600);
      return std::string(types[rng() % 4]) + ":" + (value < 5 ? "null" : std::to_string(value));
    };
    edges.emplace_back(pick(), pick());
  }
  LinkRules rules;
  rules.types["email"].max_per_cluster = 2;
  rules.types["crm"].priority = 3;
  rules.types["crm"].max_per_cluster = 1;
  rules.max_cluster_size = 40;
  rules.hub_limit = 4;
  const Outcome out = resolve_in_any_order(edges, rules);
  EXPECT_FALSE(out.rejected.empty());
  for (const auto& [id, key, size] : out.rows) EXPECT_LE(size, 40u);
}

}  // namespace
}  // namespace clv::identity
