// The extension's one way to write its own tables on behalf of a role that
// may not write them itself: a SQL function clv.X(args) backed by
// clv_privileged_call runs clv.X_privileged(caller, args) as the owner of
// that function (the extension's owner), where caller is the role that
// called clv.X. The _privileged function is not executable by PUBLIC and
// decides itself what the caller may do, knowing for sure who the caller is
// (a SECURITY DEFINER function cannot: inside it, current_user is the
// definer). No code of the caller runs meanwhile: the arguments are of the
// shim's built-in types, the search path is pinned to pg_catalog, pg_temp,
// and the _privileged functions touch only the extension's own tables.
//
// PostgreSQL-process code throughout (SPI, user-id switches restored by the
// transaction's abort on error): no C++ objects with destructors.
#include "common/postgres.hpp"

extern "C" {
#include "catalog/pg_proc.h"
#include "executor/spi.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

extern "C" {
PG_FUNCTION_INFO_V1(clv_privileged_call);
}

namespace {

constexpr int kMaxArguments = 32;

// The call of a shim's _privileged function: its query, argument types (the
// caller's regrole first) and owner.
struct Target {
  char* query;
  Oid types[kMaxArguments + 1];
  int nargs;
  Oid owner;
};

Target look_up_target(Oid shim) {
  HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(shim));
  if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for function %u", shim);
  auto* proc = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
  Target target{};
  target.nargs = proc->pronargs + 1;
  if (target.nargs > kMaxArguments) elog(ERROR, "clv_privileged_call: too many arguments");
  target.types[0] = REGROLEOID;
  for (int i = 0; i < proc->pronargs; ++i) target.types[i + 1] = proc->proargtypes.values[i];
  const char* schema = get_namespace_name(proc->pronamespace);
  char name[NAMEDATALEN + 16];
  pg_snprintf(name, sizeof name, "%s_privileged", NameStr(proc->proname));
  ReleaseSysCache(tuple);

  // The target by its exact signature, never by overload resolution.
  oidvector* signature = buildoidvector(target.types, target.nargs);
  HeapTuple found =
      SearchSysCache3(PROCNAMEARGSNSP, CStringGetDatum(name), PointerGetDatum(signature),
                      ObjectIdGetDatum(get_func_namespace(shim)));
  if (!HeapTupleIsValid(found))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                    errmsg("function %s.%s of extension clv_ext is missing", schema, name)));
  target.owner = reinterpret_cast<Form_pg_proc>(GETSTRUCT(found))->proowner;
  ReleaseSysCache(found);

  StringInfoData query;
  initStringInfo(&query);
  appendStringInfo(&query, "SELECT %s.%s(", quote_identifier(schema), quote_identifier(name));
  for (int i = 0; i < target.nargs; ++i)
    appendStringInfo(&query, "%s$%d::%s", i == 0 ? "" : ", ", i + 1,
                     format_type_be_qualified(target.types[i]));
  appendStringInfoChar(&query, ')');
  target.query = query.data;
  return target;
}

}  // namespace

Datum clv_privileged_call(PG_FUNCTION_ARGS) {
  Target target = look_up_target(fcinfo->flinfo->fn_oid);
  Datum values[kMaxArguments + 1];
  char nulls[kMaxArguments + 1];
  values[0] = ObjectIdGetDatum(GetUserId());
  nulls[0] = ' ';
  for (int i = 1; i < target.nargs; ++i) {
    values[i] = PG_GETARG_DATUM(i - 1);
    nulls[i] = PG_ARGISNULL(i - 1) ? 'n' : ' ';
  }
  Oid result_type = get_func_rettype(fcinfo->flinfo->fn_oid);
  int16 result_length;
  bool result_by_value;
  get_typlenbyval(result_type, &result_length, &result_by_value);

  Oid saved_user;
  int saved_security_context;
  GetUserIdAndSecContext(&saved_user, &saved_security_context);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "clv_ext: SPI_connect failed");
  SetUserIdAndSecContext(target.owner, saved_security_context | SECURITY_LOCAL_USERID_CHANGE);
  int nest_level = NewGUCNestLevel();
  (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_SAVE, true, 0, false);
  int rc = SPI_execute_with_args(target.query, target.nargs, target.types, values, nulls, false, 1);
  if (rc != SPI_OK_SELECT || SPI_processed != 1)
    elog(ERROR, "clv_ext: %s returned no result", target.query);
  bool isnull;
  Datum result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  if (!isnull && result_type != VOIDOID)
    result = SPI_datumTransfer(result, result_by_value, result_length);
  AtEOXact_GUC(false, nest_level);
  SetUserIdAndSecContext(saved_user, saved_security_context);
  SPI_finish();
  if (result_type == VOIDOID) PG_RETURN_VOID();
  if (isnull) PG_RETURN_NULL();
  PG_RETURN_DATUM(result);
}
