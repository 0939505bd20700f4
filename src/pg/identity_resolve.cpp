// clv.resolve_identities(edges_query text [, apply_rules boolean]): one-shot
// identity resolution over the rows of a query (see clv/identity/resolver.hpp
// for the semantics).
//
// The user's query runs through an SPI cursor fetched in batches; its text
// values feed the core Resolver, and the resolution is written to a
// materialize-mode tuplestore (which spills to disk past work_mem). Every SPI
// and tuplestore call made while the Resolver or its Resolution is alive goes
// through clv_pg::pg_call, and the pieces of C++ work inside pg_call are
// non-throwing, so no longjmp crosses a live C++ object and no C++ exception
// crosses a PG_TRY. NOTICEs are raised only after guarded() has returned.
#include "postgres.hpp"

extern "C" {
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
}

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "clv/identity/resolver.hpp"
#include "clv/identity/rules.hpp"
#include "guard.hpp"
#include "identity_rules.hpp"
#include "spi_cursor.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_resolve_identities);
PG_FUNCTION_INFO_V1(clv_resolve_identities_rules);
}

namespace {

// Rows per tuplestore chunk.
constexpr size_t kPutRows = 10000;

struct Counts {
  uint64_t skipped = 0;   // NULL or empty identifiers
  uint64_t rejected = 0;  // distinct edges refused by the guard rules
};

// Runs the query and feeds every row to the resolver. NULLs are passed as
// empty strings, which the Resolver counts and skips (the other side of the
// edge is still an identifier).
void feed(clv::identity::Resolver& resolver, const char* query) {
  using clv_pg::ColumnType;
  clv_pg::for_each_row("edges_query", query, {ColumnType::kText, ColumnType::kText},
                       [&](const clv_pg::Cell* row) {
                         resolver.add_edge(row[0].null ? std::string_view() : row[0].text,
                                           row[1].null ? std::string_view() : row[1].text);
                       });
}

// Writes the resolution in its order, a chunk of rows per pg_call.
void write(const clv::identity::Resolution& resolution, ReturnSetInfo* rsinfo) {
  MemoryContext chunk_context = nullptr;
  clv_pg::pg_call([&] {
    chunk_context = AllocSetContextCreate(CurrentMemoryContext, "clv resolve_identities output",
                                          ALLOCSET_DEFAULT_SIZES);
  });
  const size_t n = resolution.size();
  for (size_t start = 0; start < n; start += kPutRows) {
    clv_pg::interrupts()();
    const size_t end = std::min(n, start + kPutRows);
    clv_pg::pg_call([&] {
      MemoryContext old = MemoryContextSwitchTo(chunk_context);
      // Rows come grouped by cluster: one key datum serves the whole cluster.
      const char* key_of_datum = nullptr;
      Datum key = (Datum)0;
      for (size_t i = start; i < end; ++i) {
        const clv::identity::ResolvedIdentity row = resolution[i];
        if (row.cluster_key.data() != key_of_datum) {
          key = PointerGetDatum(cstring_to_text_with_len(row.cluster_key.data(),
                                                         static_cast<int>(row.cluster_key.size())));
          key_of_datum = row.cluster_key.data();
        }
        Datum values[4] = {PointerGetDatum(cstring_to_text_with_len(
                               row.identifier.data(), static_cast<int>(row.identifier.size()))),
                           Int64GetDatum(row.cluster_id), key,
                           Int64GetDatum(static_cast<int64>(row.cluster_size))};
        bool nulls[4] = {false, false, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
      }
      MemoryContextSwitchTo(old);
      MemoryContextReset(chunk_context);
    });
  }
  clv_pg::pg_call([&] { MemoryContextDelete(chunk_context); });
}

// The shared driver of both SQL functions.
Datum resolve_identities(FunctionCallInfo fcinfo, bool apply_rules) {
  // STRICT: both arguments are non-NULL here.
  char* query = text_to_cstring(PG_GETARG_TEXT_PP(0));
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);

  const Oid schema = get_func_namespace(fcinfo->flinfo->fn_oid);

  const Counts counts = clv_pg::guarded([&] {
    clv_pg::SpiSession spi;
    clv::identity::ResolverOptions options;
    if (apply_rules) options.rules = clv_pg::guard_rules(schema);
    options.poll = clv_pg::interrupts();
    clv::identity::Resolver resolver(std::move(options));
    feed(resolver, query);
    spi.finish();
    const clv::identity::Resolution resolution = resolver.finish();
    write(resolution, rsinfo);
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
