// clv.resolve_identities(edges_query text [, apply_rules boolean]): one-shot
// identity resolution over the rows of a query (see clv/identity/resolver.hpp
// for the semantics).
//
// The user's query runs through SPI into a receiver that hands its rows over
// in batches (clv_pg::for_each_row); its text values feed the core Resolver, and the
// resolution is written to a materialize-mode tuplestore (clv_pg::SrfWriter,
// which spills to disk past work_mem). Both do their PostgreSQL calls through
// clv_pg::pg_call. NOTICEs are raised only after guarded() has returned.
#include "common/postgres.hpp"

extern "C" {
#include "utils/lsyscache.h"
}

#include <cstdint>
#include <string_view>
#include <vector>

#include "clv/identity/resolver.hpp"
#include "clv/identity/rules.hpp"
#include "common/guard.hpp"
#include "identity/rules.hpp"
#include "common/spi_query.hpp"
#include "common/srf.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_resolve_identities);
PG_FUNCTION_INFO_V1(clv_resolve_identities_rules);
}

namespace {

using clv_pg::OutValue;

struct Counts {
  uint64_t skipped = 0;   // NULL or empty identifiers
  uint64_t rejected = 0;  // distinct edges refused by the link rules
};

// Runs the query and feeds every row to the resolver. NULLs are passed as
// empty strings, which the Resolver counts and skips (the other side of the
// edge is still an identifier).
void feed(clv::identity::Resolver& resolver, const char* query) {
  using clv_pg::ColumnType;
  std::vector<std::string_view> ends;
  clv_pg::for_each_batch(
      "edges_query", query, {ColumnType::kText, ColumnType::kText},
      [&](const clv_pg::Cell* cells, size_t rows) {
        ends.resize(2 * rows);
        for (size_t k = 0; k < 2 * rows; ++k)
          ends[k] = cells[k].null ? std::string_view() : cells[k].text;
        resolver.add_edges(ends.data(), rows);
        clv_pg::check_memory(resolver.bytes_used(), "clv.resolve_identities");
      },
      SIZE_MAX, [&](double rows) { resolver.reserve_for_edges(rows); });
}

// The shared driver of both SQL functions.
Datum resolve_identities(FunctionCallInfo fcinfo, bool apply_rules) {
  // STRICT: both arguments are non-NULL here.
  char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const Oid schema = get_func_namespace(fcinfo->flinfo->fn_oid);

  const Counts counts = clv_pg::guarded([&] {
    clv_pg::SrfWriter out(fcinfo);
    clv_pg::SpiSession spi;
    clv::identity::ResolverOptions options;
    if (apply_rules) options.rules = clv_pg::link_rules(schema);
    options.poll = clv_pg::interrupts();
    clv::identity::Resolver resolver(std::move(options));
    feed(resolver, query);
    spi.finish();
    clv_pg::check_memory(resolver.bytes_used() + resolver.finish_bytes(), "clv.resolve_identities");
    const clv::identity::Resolution resolution = resolver.finish();
    // In (cluster_key, identifier) order.
    for (size_t i = 0; i < resolution.size(); ++i) {
      const clv::identity::ResolvedIdentity row = resolution[i];
      out.put({OutValue::of_text(row.identifier), OutValue::of_int8(row.cluster_id),
               OutValue::of_text(row.cluster_key),
               OutValue::of_int8(static_cast<int64_t>(row.cluster_size))});
    }
    Counts c;
    c.skipped = resolution.empty_identifiers();
    c.rejected = resolution.rejected_edges().size();
    return c;
  });

  if (counts.skipped > 0)
    ereport(NOTICE, (errmsg("clv.resolve_identities skipped %llu NULL or empty identifier(s)",
                            static_cast<unsigned long long>(counts.skipped))));
  if (counts.rejected > 0)
    ereport(NOTICE,
            (errmsg("clv.resolve_identities rejected %llu edge(s) under the guard rules",
                    static_cast<unsigned long long>(counts.rejected)),
             errhint("Blocked identifiers do not appear in the output. The rules are the junk "
                     "list, clv.identity_rules and the clv.identity_* settings.")));
  return (Datum)0;
}

}  // namespace

extern "C" Datum clv_resolve_identities(PG_FUNCTION_ARGS) {
  return resolve_identities(fcinfo, false);
}

extern "C" Datum clv_resolve_identities_rules(PG_FUNCTION_ARGS) {
  return resolve_identities(fcinfo, PG_GETARG_BOOL(1));
}
