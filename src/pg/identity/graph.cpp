// The persistent identity graph's C++ steps. The SQL functions in
// extension/functions/40_identity.sql own the locking and the writes;
// these entry points read what they need through SPI (clv_pg::for_each_row,
// batches straight from the executor), run the core
// and return their decisions as rows:
//   clv.identity_edges_from(edges_query) -> the query's rows, shape checked;
//   clv.identity_decide(members_query, stored_edges_query, batch_query)
//     -> IdentityGraph::ingest over the touched clusters and a batch;
//   clv.identity_split(cluster_id) -> split_cluster after edges were removed;
//   clv.identity_path(a, b) -> shortest_path over the pair's cluster.
#include "common/postgres.hpp"

extern "C" {
#include "commands/sequence.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clv/identity/explain.hpp"
#include "clv/identity/graph.hpp"
#include "clv/identity/interner.hpp"
#include "common/guard.hpp"
#include "identity/rules.hpp"
#include "identity/writers.hpp"
#include "common/spi_query.hpp"
#include "common/srf.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_identity_edges_from);
PG_FUNCTION_INFO_V1(clv_identity_decide);
PG_FUNCTION_INFO_V1(clv_identity_split);
PG_FUNCTION_INFO_V1(clv_identity_path);
}

namespace {

namespace identity = clv::identity;
using clv_pg::Cell;
using clv_pg::ColumnType;
using clv_pg::OutValue;

// The extension's schema and its objects, resolved in a C frame.
struct Catalog {
  Oid schema;
  std::string nodes;  // quoted, schema-qualified table names
  std::string edges;
  Oid cluster_sequence;
};

Catalog catalog_of(FunctionCallInfo fcinfo) {
  Catalog c;
  c.schema = get_func_namespace(fcinfo->flinfo->fn_oid);
  const char* schema = quote_identifier(get_namespace_name(c.schema));
  c.nodes = std::string(schema) + ".identity_nodes";
  c.edges = std::string(schema) + ".identity_edges";
  c.cluster_sequence = get_relname_relid("identity_cluster_seq", c.schema);
  if (!OidIsValid(c.cluster_sequence))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT),
                    errmsg("sequence identity_cluster_seq of extension clv_ext is missing")));
  return c;
}

// Longest identifier the graph's tables take (identifier_too_long beyond).
// Their btree indexes hold up to three such strings per entry (identity_edges
// (a, b, source) with a source of at most 800 bytes; identity_rejections
// (a, b, 'hub:<type>')), and an index entry holds at most 2,704 bytes
// whether or not the values compress. The SQL of the ingest
// (extension/functions/40_identity.sql) uses the same number.
constexpr size_t kMaxIdentifierBytes = 800;

identity::ClusterIdGenerator sequence_ids(Oid sequence) {
  return [sequence] {
    int64 id = 0;
    clv_pg::pg_call([&] { id = DatumGetInt64(DirectFunctionCall1(nextval_oid, sequence)); });
    return static_cast<int64_t>(id);
  };
}

std::string_view text_of(const Cell& cell) {
  return cell.null ? std::string_view() : cell.text;
}

// Edges of a query as views into an interner, which keeps the bytes.
struct EdgeList {
  identity::Interner names;
  std::vector<identity::Edge> edges;

  void add(std::string_view a, std::string_view b) {
    const uint32_t x = names.intern(a), y = names.intern(b);
    edges.emplace_back(names.view(x), names.view(y));
  }
};

// The rows of an edges query into the function's result, under guarded().
void read_edges(FunctionCallInfo fcinfo, const char* query) {
  clv_pg::guarded([&] {
    clv_pg::SrfWriter out(fcinfo);
    clv_pg::SpiSession spi;
    auto value = [](const Cell& cell) {
      return cell.null ? OutValue::null() : OutValue::of_text(cell.text);
    };
    clv_pg::for_each_row(
        "edges_query", query,
        {ColumnType::kText, ColumnType::kText, ColumnType::kText, ColumnType::kTimestampTz},
        [&](const Cell* row) {
          out.put({value(row[0]), value(row[1]), value(row[2]),
                   row[3].null ? OutValue::null() : OutValue::of_timestamptz(row[3].integer)});
        },
        2);
    spi.finish();
  });
}

}  // namespace

// clv.identity_edges_from(edges_query text) RETURNS TABLE (a text, b text,
// source text, observed_at timestamptz): the rows of a query returning two to
// four such columns (the missing ones NULL), read in batches from the
// executor. No writer of the graph may start while the query runs
// (identity/writers.hpp).
extern "C" Datum clv_identity_edges_from(PG_FUNCTION_ARGS) {
  const char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  clv_pg::edges_query_started();
  PG_TRY();
  { read_edges(fcinfo, query); }
  PG_FINALLY();
  { clv_pg::edges_query_finished(); }
  PG_END_TRY();
  return (Datum)0;
}

// clv.identity_decide(members_query, stored_edges_query, batch_query)
//   RETURNS TABLE (kind text, a text, b text, cluster_id bigint,
//                  from_cluster bigint, rule text)
// kind 'new' (a = identifier, cluster_id), 'move' (a = identifier whose
// cluster changed, cluster_id = the new one), 'merge' (from_cluster was
// absorbed into cluster_id via the edge (a, b)), 'reject' (a, b, rule; the
// identifiers in full, also when the rule is identifier_too_long).
extern "C" Datum clv_identity_decide(PG_FUNCTION_ARGS) {
  const char* members_query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const char* stored_edges_query = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const char* batch_query = text_to_cstring(PG_GETARG_TEXT_PP(2));
  const Catalog catalog = catalog_of(fcinfo);

  clv_pg::guarded([&] {
    clv_pg::SrfWriter out(fcinfo);
    clv_pg::SpiSession spi;
    identity::IdentityGraph graph(clv_pg::link_rules(catalog.schema),
                                  sequence_ids(catalog.cluster_sequence), clv_pg::interrupts());
    graph.set_max_identifier_bytes(kMaxIdentifierBytes);
    clv_pg::for_each_row("members_query", members_query, {ColumnType::kText, ColumnType::kInt8},
                         [&](const Cell* row) {
                           if (row[0].null || row[1].null)
                             throw std::invalid_argument("members_query returned a NULL");
                           graph.load_member(row[0].text, row[1].integer);
                         });
    clv_pg::for_each_row(
        "stored_edges_query", stored_edges_query, {ColumnType::kText, ColumnType::kText},
        [&](const Cell* row) { graph.load_edge(text_of(row[0]), text_of(row[1])); });
    EdgeList batch;
    clv_pg::for_each_row("batch_query", batch_query, {ColumnType::kText, ColumnType::kText},
                         [&](const Cell* row) { batch.add(text_of(row[0]), text_of(row[1])); });

    const identity::IngestReport report = graph.ingest(batch.edges);
    // Both lists are sorted by identifier, and the new ones are among the changed.
    auto next_new = report.new_identifiers.begin();
    for (const identity::ClusterAssignment& change : report.changed) {
      const bool is_new =
          next_new != report.new_identifiers.end() && *next_new == change.identifier;
      if (is_new) ++next_new;
      out.put({OutValue::of_text(is_new ? "new" : "move"), OutValue::of_text(change.identifier),
               OutValue::null(), OutValue::of_int8(change.cluster_id), OutValue::null(),
               OutValue::null()});
    }
    for (const identity::ClusterMerge& merge : report.merges) {
      out.put({OutValue::of_text("merge"), OutValue::of_text(merge.via_a),
               OutValue::of_text(merge.via_b), OutValue::of_int8(merge.into_cluster),
               OutValue::of_int8(merge.from_cluster), OutValue::null()});
    }
    for (const identity::RejectedEdge& rejected : report.rejected) {
      out.put({OutValue::of_text("reject"), OutValue::of_text(rejected.a),
               OutValue::of_text(rejected.b), OutValue::null(), OutValue::null(),
               OutValue::of_text(rejected.rule)});
    }
    spi.finish();
  });
  return (Datum)0;
}

// clv.identity_split(cluster_id bigint) RETURNS TABLE (identifier text,
// cluster_id bigint): after edges of the cluster were removed, the members
// that move to a split-off part, with the part's new id.
extern "C" Datum clv_identity_split(PG_FUNCTION_ARGS) {
  const int64 cluster_id = PG_GETARG_INT64(0);
  const Catalog catalog = catalog_of(fcinfo);
  const std::string id = std::to_string(cluster_id);
  // Operators qualified: the caller's search path may put other "=" first.
  const std::string members_query = "SELECT n.identifier FROM " + catalog.nodes +
                                    " n WHERE n.cluster_id OPERATOR(pg_catalog.=) " + id;
  const std::string edges_query =
      "SELECT DISTINCT e.a, e.b FROM " + catalog.edges + " e JOIN " + catalog.nodes +
      " n ON n.identifier OPERATOR(pg_catalog.=) e.a WHERE n.cluster_id OPERATOR(pg_catalog.=) " +
      id;

  clv_pg::guarded([&] {
    clv_pg::SrfWriter out(fcinfo);
    clv_pg::SpiSession spi;
    identity::Interner names;
    std::vector<std::string_view> members;
    clv_pg::for_each_row(
        "members", members_query.c_str(), {ColumnType::kText},
        [&](const Cell* row) { members.push_back(names.view(names.intern(row[0].text))); });
    EdgeList remaining;
    clv_pg::for_each_row("edges", edges_query.c_str(), {ColumnType::kText, ColumnType::kText},
                         [&](const Cell* row) { remaining.add(row[0].text, row[1].text); });
    const identity::SplitReport report =
        identity::split_cluster(cluster_id, members, remaining.edges,
                                sequence_ids(catalog.cluster_sequence), clv_pg::interrupts());
    for (const identity::ClusterAssignment& moved : report.changed) {
      out.put({OutValue::of_text(moved.identifier), OutValue::of_int8(moved.cluster_id)});
    }
    spi.finish();
  });
  return (Datum)0;
}

// clv.identity_path(a text, b text) RETURNS TABLE (step int, from_identifier
// text, to_identifier text, source text, observed_at timestamptz): the
// shortest chain of recorded edges from a to b within their cluster. Of the
// records of one pair the earliest observation is shown.
extern "C" Datum clv_identity_path(PG_FUNCTION_ARGS) {
  const char* from = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const char* to = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const Catalog catalog = catalog_of(fcinfo);
  const char* from_literal = quote_literal_cstr(from);
  const char* to_literal = quote_literal_cstr(to);
  // Edges of from's cluster, if to is in it too. Operators qualified: the
  // caller's search path may put other "=" first.
  const std::string edges_query =
      "SELECT DISTINCT ON (e.a, e.b) e.a, e.b, e.source, e.observed_at FROM " + catalog.edges +
      " e JOIN " + catalog.nodes +
      " n ON n.identifier OPERATOR(pg_catalog.=) e.a"
      " WHERE n.cluster_id OPERATOR(pg_catalog.=) (SELECT f.cluster_id FROM " +
      catalog.nodes + " f JOIN " + catalog.nodes +
      " t ON t.cluster_id OPERATOR(pg_catalog.=) f.cluster_id"
      " WHERE f.identifier OPERATOR(pg_catalog.=) " +
      from_literal + " AND t.identifier OPERATOR(pg_catalog.=) " + to_literal +
      ") ORDER BY e.a, e.b, e.observed_at, e.source";

  clv_pg::guarded([&] {
    clv_pg::SrfWriter out(fcinfo);
    clv_pg::SpiSession spi;
    EdgeList cluster;
    std::vector<std::pair<std::string, int64_t>> provenance;  // source, observed_at (NOT NULL)
    clv_pg::for_each_row(
        "edges", edges_query.c_str(),
        {ColumnType::kText, ColumnType::kText, ColumnType::kText, ColumnType::kTimestampTz},
        [&](const Cell* row) {
          cluster.add(row[0].text, row[1].text);
          provenance.emplace_back(std::string(row[2].text), row[3].integer);
        });
    const auto path = identity::shortest_path(cluster.edges, from, to, clv_pg::interrupts());
    if (path) {
      std::string_view at = from;
      int32_t step = 0;
      for (size_t index : *path) {
        const identity::Edge& edge = cluster.edges[index];
        const std::string_view next = edge.first == at ? edge.second : edge.first;
        out.put({OutValue::of_int4(++step), OutValue::of_text(at), OutValue::of_text(next),
                 OutValue::of_text(provenance[index].first),
                 OutValue::of_timestamptz(provenance[index].second)});
        at = next;
      }
    }
    spi.finish();
  });
  return (Datum)0;
}
