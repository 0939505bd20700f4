// clv.refresh_profile_as_owner: switches to the profile's owner under
// SECURITY_RESTRICTED_OPERATION and runs the refresh step.
//
// Runs in a profile worker (worker.cpp calls refresh_as_owner directly) or
// in a user backend (clv.refresh_profile calls the SQL function).
#include "profiles/run_as_owner.hpp"

extern "C" {
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

#include "profiles/capture.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_refresh_profile_as_owner);
}

namespace clv_pg::profiles {

// The way REFRESH MATERIALIZED VIEW runs a view's query: owner's user id,
// security-restricted operation, a private GUC nest level with a safe
// search_path, the capture's text settings and no parallel query. An error
// unwinds through the (sub)transaction abort, which restores both.
HeapTuple refresh_as_owner(const char* schema_name, int32 profile_id, bool full_refresh,
                           TupleDesc* row_type) {
  MemoryContext caller_context = CurrentMemoryContext;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "clv_ext: SPI_connect failed");
  const char* query =
      psprintf("SELECT owner::pg_catalog.oid FROM %s.profiles WHERE id OPERATOR(pg_catalog.=) $1",
               schema_name);
  Oid types[2] = {INT4OID, BOOLOID};
  Datum values[2] = {Int32GetDatum(profile_id), BoolGetDatum(full_refresh)};
  if (SPI_execute_with_args(query, 1, types, values, nullptr, true, 1) != SPI_OK_SELECT)
    elog(ERROR, "clv_ext: looking up profile %d failed", profile_id);
  if (SPI_processed == 0)
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("profile %d does not exist", profile_id)));
  bool isnull;
  Oid owner =
      DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  if (!has_privs_of_role(GetUserId(), owner))
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("must have the privileges of role \"%s\" to refresh profile %d",
                           GetUserNameFromId(owner, false), profile_id)));

  Oid saved_user;
  int saved_security_context;
  GetUserIdAndSecContext(&saved_user, &saved_security_context);
  SetUserIdAndSecContext(
      owner, saved_security_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
  int nest_level = NewGUCNestLevel();
  // search_path among them; the keys read back as the capture wrote them
  pin_text_settings(false);
  (void)set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_SAVE, true, 0, false);

  query =
      psprintf("SELECT mode, customers, refit FROM %s.profile_refresh_step($1, $2)", schema_name);
  if (SPI_execute_with_args(query, 2, types, values, nullptr, false, 1) != SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "clv_ext: refresh of profile %d returned no result", profile_id);
  HeapTuple row = SPI_copytuple(SPI_tuptable->vals[0]);
  MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
  *row_type = CreateTupleDescCopy(SPI_tuptable->tupdesc);
  MemoryContextSwitchTo(spi_context);

  AtEOXact_GUC(false, nest_level);
  SetUserIdAndSecContext(saved_user, saved_security_context);
  SPI_finish();
  return row;
}

}  // namespace clv_pg::profiles

Datum clv_refresh_profile_as_owner(PG_FUNCTION_ARGS) {
  int32 profile_id = PG_GETARG_INT32(0);
  bool full_refresh = PG_GETARG_BOOL(1);
  TupleDesc result_type;
  if (get_call_result_type(fcinfo, nullptr, &result_type) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "refresh_profile_as_owner must return a composite");
  Oid schema = get_func_namespace(fcinfo->flinfo->fn_oid);
  const char* schema_name = quote_identifier(get_namespace_name(schema));
  TupleDesc row_type;
  HeapTuple row =
      clv_pg::profiles::refresh_as_owner(schema_name, profile_id, full_refresh, &row_type);

  Datum result_values[3];
  bool result_nulls[3];
  heap_deform_tuple(row, result_type, result_values, result_nulls);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_type, result_values, result_nulls)));
}
