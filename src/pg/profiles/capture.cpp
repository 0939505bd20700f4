// Change capture of a profile's source: the trigger clv.profile_capture.
//
// Runs in user backends, inside the writing statement's transaction, on
// every write to a source: it records the touched customers in
// profile_changes and asks for the worker to be woken at commit
// (shmem.cpp). It reads the registry and writes profile_changes directly
// through the heap, with no SPI.
#include "profiles/capture.hpp"

#include "common/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"
}

#include "profiles/shmem.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_profile_capture);
}

namespace clv_pg::profiles {

void pin_text_settings(bool with_time_zone) {
  static const char* const kSettings[][2] = {{"extra_float_digits", "1"},
                                             {"DateStyle", "ISO, YMD"},
                                             {"IntervalStyle", "postgres"},
                                             {"bytea_output", "hex"},
                                             {"lc_monetary", "C"},
                                             {"search_path", "pg_catalog, pg_temp"},
                                             {"TimeZone", "UTC"}};
  int n = sizeof kSettings / sizeof kSettings[0] - (with_time_zone ? 0 : 1);
  for (int i = 0; i < n; ++i)
    (void)set_config_option(kSettings[i][0], kSettings[i][1], PGC_USERSET, PGC_S_SESSION,
                            GUC_ACTION_SAVE, true, 0, false);
}

}  // namespace clv_pg::profiles

namespace {

// Statements touching more customers than this ask for a full refresh.
constexpr int kMaxCapturedKeys = 100000;

// Whether values of a key type have one text form under any settings: the
// common key types do, and their capture pins nothing (it runs on every
// write); for the others (floats, money, reg* types) it pins the settings.
bool text_form_is_fixed(Oid type) {
  switch (type) {
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case NUMERICOID:
    case OIDOID:
    case TEXTOID:
    case VARCHAROID:
    case BPCHAROID:
    case NAMEOID:
    case UUIDOID:
      return true;
    default:
      return false;
  }
}

// The key of an identifier outside the identity graph in a profile that
// resolves identities, as clv.profile_identifier_key makes it: prefixed with
// "identifier:" when it starts with "cluster:" or "identifier:", so that no
// value passes for a cluster's key.
char* identifier_key(char* identifier) {
  if (strncmp(identifier, "cluster:", 8) != 0 && strncmp(identifier, "identifier:", 11) != 0)
    return identifier;
  return psprintf("identifier:%s", identifier);
}

// Appends the customer column of every row of a transition table, as text,
// to keys; stops past kMaxCapturedKeys.
ArrayBuildState* collect_keys(Tuplestorestate* rows, TupleDesc desc, AttrNumber column,
                              FmgrInfo* output, bool resolve_identity, ArrayBuildState* keys) {
  // A read pointer of our own: other triggers may read the same rows.
  int pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
  tuplestore_select_read_pointer(rows, pointer);
  tuplestore_rescan(rows);
  TupleTableSlot* slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
  while ((keys == nullptr || keys->nelems <= kMaxCapturedKeys) &&
         tuplestore_gettupleslot(rows, true, false, slot)) {
    bool isnull;
    Datum value = slot_getattr(slot, column, &isnull);
    if (isnull) continue;
    char* key = OutputFunctionCall(output, value);
    if (resolve_identity) key = identifier_key(key);
    keys = accumArrayResult(keys, CStringGetTextDatum(key), false, TEXTOID, CurrentMemoryContext);
  }
  ExecDropSingleTupleTableSlot(slot);
  return keys;
}

// Whether the capture trigger firing on `source` may record changes for
// profile_id: false when no such profile exists (a trigger left behind),
// ERROR when the profile's source is another table. Checked on every call:
// ids are reused after a drop, so no answer can be kept. The registry row is
// read through its primary key directly, as the extension reads its own
// catalog (row-level security is for roles reading it; writers of the source
// need not see the profile), which costs a fraction of a query per write.
// Where the registry is, per backend, found from the capture function: its
// extension's profiles table, primary key and source column. Where, not
// whether: a new extension (even in the same schema) has a new function.
struct RegistryLocation {
  Oid function;
  Oid table;
  Oid index;
  AttrNumber source_column;
  AttrNumber resolve_identity_column;
};
RegistryLocation registry = {InvalidOid, InvalidOid, InvalidOid, InvalidAttrNumber,
                             InvalidAttrNumber};

bool capture_allowed(Oid function, Oid schema, int32 profile_id, Oid source,
                     bool* resolve_identity) {
  if (registry.function != function) {
    Oid table = get_relname_relid("profiles", schema);
    Oid index = get_relname_relid("profiles_pkey", schema);
    if (!OidIsValid(table) || !OidIsValid(index))
      ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                      errmsg("table profiles of extension clv_ext is missing")));
    registry = {function, table, index, get_attnum(table, "source"),
                get_attnum(table, "resolve_identity")};
    if (get_attnum(table, "id") != 1 || registry.source_column == InvalidAttrNumber ||
        get_atttype(table, registry.source_column) != REGCLASSOID ||
        registry.resolve_identity_column == InvalidAttrNumber ||
        get_atttype(table, registry.resolve_identity_column) != BOOLOID) {
      registry.function = InvalidOid;
      ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                      errmsg("table profiles of extension clv_ext has been altered")));
    }
  }
  Relation relation = table_open(registry.table, AccessShareLock);
  TupleDesc desc = RelationGetDescr(relation);
  AttrNumber source_column = registry.source_column;
  AttrNumber resolve_identity_column = registry.resolve_identity_column;
  Oid index = registry.index;
  ScanKeyData key;
  ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(profile_id));
  SysScanDesc scan = systable_beginscan(relation, index, true, GetActiveSnapshot(), 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  bool exists = HeapTupleIsValid(tuple);
  bool same_source = false;
  if (exists) {
    bool isnull;
    Datum value = heap_getattr(tuple, source_column, desc, &isnull);
    same_source = !isnull && DatumGetObjectId(value) == source;
    value = heap_getattr(tuple, resolve_identity_column, desc, &isnull);
    *resolve_identity = !isnull && DatumGetBool(value);
  }
  systable_endscan(scan);
  table_close(relation, AccessShareLock);
  if (exists && !same_source)
    ereport(ERROR,
            (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
             errmsg("table %s is not the source of profile %d", get_rel_name(source), profile_id)));
  return exists;
}

// Appends one row (profile_id, customers, changed_at) to the extension's
// profile_changes, straight into the heap: the capture runs on every write
// to a source, and the executor's start-up for an INSERT would cost more
// than the write itself. The table has no index (checked) and its row-level
// security is for readers; customers NULL asks for a full refresh.
void record_changes(Oid schema, int32 profile_id, Datum customers, bool full) {
  Oid table = get_relname_relid("profile_changes", schema);
  if (!OidIsValid(table))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
                    errmsg("table profile_changes of extension clv_ext is missing")));
  Relation relation = table_open(table, RowExclusiveLock);
  TupleDesc desc = RelationGetDescr(relation);
  if (relation->rd_rel->relhasindex || desc->natts != 3 ||
      TupleDescAttr(desc, 0)->atttypid != INT4OID ||
      TupleDescAttr(desc, 1)->atttypid != TEXTARRAYOID ||
      TupleDescAttr(desc, 2)->atttypid != TIMESTAMPTZOID)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("table profile_changes of extension clv_ext has been altered"),
                    errhint("It must have columns (integer, text[], timestamptz) and no index.")));
  Datum values[3] = {Int32GetDatum(profile_id), customers,
                     TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
  bool nulls[3] = {false, full, false};
  HeapTuple tuple = heap_form_tuple(desc, values, nulls);
  simple_heap_insert(relation, tuple);
  heap_freetuple(tuple);
  table_close(relation, NoLock);
}

}  // namespace

using clv_pg::profiles::pin_text_settings;
using clv_pg::profiles::request_wake_at_commit;

// Change capture of a profile's source: an AFTER ... FOR EACH STATEMENT
// trigger with arguments (profile id, customer column) that records the
// customer keys in the statement's transition tables (or, for TRUNCATE, a
// request for a full refresh) as one row of clv.profile_changes and wakes
// the worker at commit. In C because it runs on every write to the source.
Datum clv_profile_capture(PG_FUNCTION_ARGS) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("profile_capture must be called as a trigger")));
  auto* trigger_data = reinterpret_cast<TriggerData*>(fcinfo->context);
  if (!TRIGGER_FIRED_AFTER(trigger_data->tg_event) ||
      !TRIGGER_FIRED_FOR_STATEMENT(trigger_data->tg_event) ||
      trigger_data->tg_trigger->tgnargs != 2)
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("profile_capture must be an AFTER ... FOR EACH STATEMENT trigger with "
                           "arguments (profile id, customer column)")));
  int32 profile_id = pg_strtoint32(trigger_data->tg_trigger->tgargs[0]);
  const char* column_name = trigger_data->tg_trigger->tgargs[1];
  Relation relation = trigger_data->tg_relation;
  Oid function = fcinfo->flinfo->fn_oid;
  Oid schema = get_func_namespace(function);
  bool resolve_identity = false;
  if (!capture_allowed(function, schema, profile_id, RelationGetRelid(relation), &resolve_identity))
    return PointerGetDatum(nullptr);

  TupleDesc desc = RelationGetDescr(relation);
  AttrNumber column = InvalidAttrNumber;
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute attribute = TupleDescAttr(desc, i);
    if (!attribute->attisdropped && strcmp(NameStr(attribute->attname), column_name) == 0)
      column = attribute->attnum;
  }
  if (column == InvalidAttrNumber)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of the source of profile %d does not exist", column_name,
                           profile_id)));
  // Keys are turned into text by the type's output function: built-in only.
  Oid type = TupleDescAttr(desc, column - 1)->atttypid;
  if (type >= FirstNormalObjectId)
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("customer column \"%s\" of profile %d must have a built-in type",
                           column_name, profile_id)));

  bool full = TRIGGER_FIRED_BY_TRUNCATE(trigger_data->tg_event);
  ArrayBuildState* keys = nullptr;
  if (!full) {
    Oid output_function;
    bool is_varlena;
    getTypeOutputInfo(type, &output_function, &is_varlena);
    FmgrInfo output;
    fmgr_info(output_function, &output);
    // The writer's own settings come back with the nest level (or the abort).
    int nest_level = -1;
    if (!text_form_is_fixed(type)) {
      nest_level = NewGUCNestLevel();
      pin_text_settings(true);
    }
    if (trigger_data->tg_newtable != nullptr)
      keys = collect_keys(trigger_data->tg_newtable, desc, column, &output, resolve_identity, keys);
    if (trigger_data->tg_oldtable != nullptr)
      keys = collect_keys(trigger_data->tg_oldtable, desc, column, &output, resolve_identity, keys);
    if (nest_level >= 0) AtEOXact_GUC(true, nest_level);
    if (keys == nullptr) return PointerGetDatum(nullptr);  // no row, or only NULL customers
    full = keys->nelems > kMaxCapturedKeys;
  }
  record_changes(schema, profile_id, full ? (Datum)0 : makeArrayResult(keys, CurrentMemoryContext),
                 full);
  request_wake_at_commit();
  return PointerGetDatum(nullptr);
}
