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
#include "executor/spi.h"
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

extern "C" {
PG_FUNCTION_INFO_V1(clv_resolve_identities);
PG_FUNCTION_INFO_V1(clv_resolve_identities_rules);
}

namespace {

// Rows per cursor fetch, and per tuplestore chunk.
constexpr long kFetchRows = 10000;
constexpr size_t kPutRows = 10000;

struct Counts {
  uint64_t skipped = 0;   // NULL or empty identifiers
  uint64_t rejected = 0;  // distinct edges refused by the guard rules
};

// One fetched value: bytes of a (possibly short-header) text, or NULL.
struct RawValue {
  const char* data;
  int32 length;  // -1 for NULL
};

bool is_text_like(Oid type) {
  return type == TEXTOID || type == VARCHAROID;
}

// Checks the cursor's result shape; throws PgError 42804 when it is wrong.
void check_shape(TupleDesc desc) {
  if (desc == nullptr || desc->natts != 2) {
    throw clv_pg::PgError(
        ERRCODE_DATATYPE_MISMATCH, "edges_query must return exactly two columns",
        "It returns " + std::to_string(desc == nullptr ? 0 : desc->natts) + " column(s).",
        "Select two identifier columns of type text, e.g. SELECT a, b FROM edges.");
  }
  for (int i = 0; i < 2; ++i) {
    const Oid type = TupleDescAttr(desc, i)->atttypid;
    if (is_text_like(type)) continue;
    char* name = nullptr;
    clv_pg::pg_call([&] { name = format_type_be(type); });
    throw clv_pg::PgError(ERRCODE_DATATYPE_MISMATCH,
                          "column " + std::to_string(i + 1) +
                              " of edges_query must be of type text, not " + std::string(name),
                          "", "Cast the identifier columns to text.");
  }
}

// Copies the batch's values into raw (pointers into detoasted or in-place
// varlenas, valid until the batch's memory is released). Runs under pg_call;
// raw is sized by the caller, so nothing here throws.
void read_batch(SPITupleTable* table, uint64 rows, RawValue* raw) {
  for (uint64 r = 0; r < rows; ++r) {
    for (int c = 0; c < 2; ++c) {
      bool isnull;
      Datum d = SPI_getbinval(table->vals[r], table->tupdesc, c + 1, &isnull);
      RawValue& v = raw[2 * r + c];
      if (isnull) {
        v = {nullptr, -1};
      } else {
        text* t = reinterpret_cast<text*>(pg_detoast_datum_packed(reinterpret_cast<varlena*>(d)));
        v = {VARDATA_ANY(t), static_cast<int32>(VARSIZE_ANY_EXHDR(t))};
      }
    }
  }
}

std::string_view view_of(const RawValue& v) {
  return v.length < 0 ? std::string_view() : std::string_view(v.data, v.length);
}

// Runs the query and feeds every row to the resolver. NULLs are passed as
// empty strings, which the Resolver counts and skips (the other side of the
// edge is still an identifier).
void feed(clv::identity::Resolver& resolver, const char* query) {
  SPIPlanPtr plan = nullptr;
  Portal portal = nullptr;
  clv_pg::pg_call([&] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
  clv_pg::pg_call([&] {
    plan = SPI_prepare_cursor(query, 0, nullptr, CURSOR_OPT_NO_SCROLL);
    if (plan == nullptr)
      elog(ERROR, "SPI_prepare_cursor failed: %s", SPI_result_code_string(SPI_result));
    portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, false);
  });
  check_shape(portal->tupDesc);

  MemoryContext batch_context = nullptr;
  clv_pg::pg_call([&] {
    batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "clv resolve_identities batch",
                              ALLOCSET_DEFAULT_SIZES);
  });
  std::vector<RawValue> raw(2 * kFetchRows);
  for (;;) {
    clv_pg::interrupts()();
    uint64 rows = 0;
    SPITupleTable* table = nullptr;
    clv_pg::pg_call([&] {
      SPI_cursor_fetch(portal, true, kFetchRows);
      rows = SPI_processed;
      table = SPI_tuptable;
      if (rows > static_cast<uint64>(kFetchRows)) elog(ERROR, "cursor returned too many rows");
      MemoryContext old = MemoryContextSwitchTo(batch_context);
      read_batch(table, rows, raw.data());
      MemoryContextSwitchTo(old);
    });
    if (rows == 0) break;
    for (uint64 r = 0; r < rows; ++r) resolver.add_edge(view_of(raw[2 * r]), view_of(raw[2 * r + 1]));
    clv_pg::pg_call([&] {
      SPI_freetuptable(table);
      MemoryContextReset(batch_context);
    });
  }
  clv_pg::pg_call([&] {
    MemoryContextDelete(batch_context);
    SPI_cursor_close(portal);
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "SPI_finish failed");
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
      for (size_t i = start; i < end; ++i) {
        const clv::identity::ResolvedIdentity row = resolution[i];
        Datum values[4] = {
            PointerGetDatum(cstring_to_text_with_len(row.identifier.data(),
                                                     static_cast<int>(row.identifier.size()))),
            Int64GetDatum(row.cluster_id),
            PointerGetDatum(cstring_to_text_with_len(row.cluster_key.data(),
                                                     static_cast<int>(row.cluster_key.size()))),
            Int64GetDatum(static_cast<int64>(row.cluster_size))};
        bool nulls[4] = {false, false, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        MemoryContextReset(chunk_context);
      }
      MemoryContextSwitchTo(old);
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

  const Counts counts = clv_pg::guarded([&] {
    clv::identity::ResolverOptions options;
    if (apply_rules) options.rules = clv::identity::GuardRules{};  // the default junk list
    options.poll = clv_pg::interrupts();
    clv::identity::Resolver resolver(std::move(options));
    feed(resolver, query);
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
            (errmsg("clv.resolve_identities rejected %llu edge(s) with a blocked identifier",
                    static_cast<unsigned long long>(counts.rejected)),
             errhint("Blocked identifiers (junk values such as 'null' or 'unknown') do not appear "
                     "in the output.")));
  return (Datum)0;
}

}  // namespace

extern "C" Datum clv_resolve_identities(PG_FUNCTION_ARGS) {
  return resolve_identities(fcinfo, false);
}

extern "C" Datum clv_resolve_identities_rules(PG_FUNCTION_ARGS) {
  return resolve_identities(fcinfo, PG_GETARG_BOOL(1));
}
