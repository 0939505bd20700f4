// Background workers that keep customer profiles fresh, and the change
// capture that feeds them.
//
// With clv_ext in shared_preload_libraries, a static launcher watches the
// databases and starts one dynamic worker per database that has profiles;
// a worker refreshes that database's due profiles, each in its own
// transactions, as the profile's owner (clv.refresh_profile_as_owner), and
// sleeps on its latch. The capture trigger on each source
// (clv.profile_capture) records the touched customers and sets the worker's
// latch when the writing transaction commits, so new data reaches the
// profile in about the time of one incremental refresh.
//
// This file is PostgreSQL-process code throughout (signals, latches,
// transactions, SPI, longjmp error handling), so it holds no C++ objects
// with destructors: nothing here needs the core or the guard.
#include "common/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/tuplestore.h"
}

#include "profiles/worker.hpp"
#include "common/settings.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_profile_wake);
PG_FUNCTION_INFO_V1(clv_profile_worker_state);
PG_FUNCTION_INFO_V1(clv_profile_capture);
PG_FUNCTION_INFO_V1(clv_refresh_profile_as_owner);
PGDLLEXPORT void clv_launcher_main(Datum);
PGDLLEXPORT void clv_profile_worker_main(Datum);
}

namespace {

// One database's worker, as the launcher and the backends see it.
struct DatabaseSlot {
  Oid database;             // InvalidOid: free
  pid_t worker_pid;         // 0 while no worker runs
  Latch* worker_latch;      // set by the worker itself
  bool wake_requested;      // a commit has set the worker's latch since its last pass began
  bool start_requested;     // a backend asked for a worker (new profile, change)
  bool no_profiles;         // the worker exits: its database has no profiles
  TimestampTz retry_after;  // when the launcher may start a worker again
};

// Databases whose backends asked for a worker while every slot was taken.
constexpr int kMaxWaiting = 64;

struct WorkerShmem {
  slock_t mutex;
  Latch* launcher_latch;
  int n_slots;
  int n_waiting;
  Oid waiting[kMaxWaiting];
  DatabaseSlot slots[FLEXIBLE_ARRAY_MEMBER];
};

WorkerShmem* shared = nullptr;
shmem_request_hook_type previous_shmem_request = nullptr;
shmem_startup_hook_type previous_shmem_startup = nullptr;

Size shmem_size() {
  return add_size(offsetof(WorkerShmem, slots),
                  mul_size(sizeof(DatabaseSlot), clv_pg::settings::max_workers));
}

void shmem_request() {
  if (previous_shmem_request) previous_shmem_request();
  RequestAddinShmemSpace(shmem_size());
}

void shmem_startup() {
  if (previous_shmem_startup) previous_shmem_startup();
  LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
  bool found;
  shared =
      static_cast<WorkerShmem*>(ShmemInitStruct("clv_ext profile workers", shmem_size(), &found));
  if (!found) {
    memset(shared, 0, shmem_size());
    SpinLockInit(&shared->mutex);
    shared->n_slots = clv_pg::settings::max_workers;
  }
  LWLockRelease(AddinShmemInitLock);
}

// The slot of a database, or nullptr. Call with the mutex held.
DatabaseSlot* slot_of(Oid database) {
  for (int i = 0; i < shared->n_slots; ++i)
    if (shared->slots[i].database == database) return &shared->slots[i];
  return nullptr;
}

// Adds a database to those waiting for a slot. Call with the mutex held.
void enqueue_waiting(Oid database) {
  for (int i = 0; i < shared->n_waiting; ++i)
    if (shared->waiting[i] == database) return;
  if (shared->n_waiting < kMaxWaiting) shared->waiting[shared->n_waiting++] = database;
}

//--------------------------------------------------------------------------
// Waking the worker at commit
//--------------------------------------------------------------------------

bool wake_pending = false;
bool wake_callback_registered = false;

void wake_at_commit(XactEvent event, void*) {
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT) {
    wake_pending = false;
    return;
  }
  if (event != XACT_EVENT_COMMIT || !wake_pending) return;
  wake_pending = false;
  Latch* latch = nullptr;
  SpinLockAcquire(&shared->mutex);
  DatabaseSlot* slot = slot_of(MyDatabaseId);
  if (slot != nullptr && slot->worker_latch != nullptr) {
    // One wake-up per pass, however many transactions commit.
    if (!slot->wake_requested) latch = slot->worker_latch;
    slot->wake_requested = true;
  } else {
    if (slot == nullptr) slot = slot_of(InvalidOid);
    if (slot != nullptr) {
      slot->database = MyDatabaseId;
      slot->start_requested = true;
    } else {
      enqueue_waiting(MyDatabaseId);
    }
    latch = shared->launcher_latch;
  }
  SpinLockRelease(&shared->mutex);
  // A latch of a process that has just exited is harmless to set.
  if (latch != nullptr) SetLatch(latch);
}

void request_wake_at_commit() {
  if (shared == nullptr) return;
  if (!wake_callback_registered) {
    RegisterXactCallback(wake_at_commit, nullptr);
    wake_callback_registered = true;
  }
  wake_pending = true;
}

//--------------------------------------------------------------------------
// Change capture
//--------------------------------------------------------------------------

// Statements touching more customers than this ask for a full refresh.
constexpr int kMaxCapturedKeys = 100000;

// Settings the text form of a value depends on, at fixed values (shortest
// exact floats, ISO dates, ...), so that the keys the capture writes under a
// writer's settings are the keys a refresh reads under a caller's. TimeZone
// only in the capture: the refresh cuts periods in the session's time zone,
// and a timestamp with its ISO offset reads the same in any.
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

//--------------------------------------------------------------------------
// SPI helpers of the worker (C frames only)
//--------------------------------------------------------------------------

// The extension's schema in this database (quoted, in TopMemoryContext),
// or nullptr when clv_ext is not installed. Inside a transaction.
char* extension_schema() {
  int rc = SPI_execute(
      "SELECT pg_catalog.quote_ident(n.nspname::text) FROM pg_catalog.pg_extension e "
      "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
      "WHERE e.extname OPERATOR(pg_catalog.=) 'clv_ext'",
      true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "clv_ext: looking up the extension failed: %d", rc);
  if (SPI_processed == 0) return nullptr;
  char* schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
  return MemoryContextStrdup(TopMemoryContext, schema);
}

void begin_step(const char* activity) {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "clv_ext: SPI_connect failed");
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, activity);
}

void end_step() {
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_stat(false);
  pgstat_report_activity(STATE_IDLE, nullptr);
}

// Runs "SELECT schema.function(profile_id[, text])" in its own transaction.
void record(const char* schema, const char* function, int profile_id, const char* message) {
  begin_step(function);
  char query[256];
  Oid types[2] = {INT4OID, TEXTOID};
  Datum values[2] = {Int32GetDatum(profile_id), 0};
  int nargs = 1;
  if (message != nullptr) {
    values[1] = CStringGetTextDatum(message);
    nargs = 2;
  }
  pg_snprintf(query, sizeof query, "SELECT %s.%s($1%s)", schema, function,
              nargs == 2 ? ", $2" : "");
  int rc = SPI_execute_with_args(query, nargs, types, values, nullptr, false, 0);
  if (rc != SPI_OK_SELECT) elog(ERROR, "clv_ext: %s failed: %d", function, rc);
  end_step();
}

// Profiles whose failure could not even be recorded: skipped for the rest
// of this worker's life (it logs each once), so that one broken row cannot
// stop the others.
constexpr int kMaxSkipped = 64;
int skipped_profiles[kMaxSkipped];
int n_skipped = 0;

bool is_skipped(int profile_id) {
  for (int i = 0; i < n_skipped; ++i)
    if (skipped_profiles[i] == profile_id) return true;
  return false;
}

// Records a failure in its own transaction; an error doing so is logged and
// the profile skipped, never raised: it would end the worker.
void record_failure(const char* schema, int profile_id, const char* message,
                    MemoryContext loop_context) {
  PG_TRY();
  { record(schema, "profile_record_failure", profile_id, message); }
  PG_CATCH();
  {
    HOLD_INTERRUPTS();
    MemoryContextSwitchTo(loop_context);
    ErrorData* error = CopyErrorData();
    FlushErrorState();
    AbortOutOfAnyTransaction();
    RESUME_INTERRUPTS();
    ereport(WARNING, (errmsg("clv_ext: could not record the failure of profile %d, skipping it "
                             "until the worker restarts: %s",
                             profile_id, error->message)));
    FreeErrorData(error);
    if (n_skipped < kMaxSkipped) skipped_profiles[n_skipped++] = profile_id;
  }
  PG_END_TRY();
}

// The refresh's lock timeout for the current transaction, and its statement
// timeout armed by hand (a background worker has no client statement that
// would arm it): one owner's locks or slow source cannot hold the others up
// for longer.
void arm_refresh_timeouts() {
  char value[32];
  pg_snprintf(value, sizeof value, "%d", clv_pg::settings::refresh_lock_timeout_ms);
  (void)set_config_option("lock_timeout", value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true,
                          0, false);
  if (clv_pg::settings::refresh_statement_timeout_ms > 0)
    enable_timeout_after(STATEMENT_TIMEOUT, clv_pg::settings::refresh_statement_timeout_ms);
}

// Refreshes one profile: "started" committed first, so that a crash leaves
// evidence; then the refresh in its own transaction, under the refresh
// timeouts; on error the failure is recorded in a new transaction and the
// worker goes on. Returns whether the refresh took in changes (its mode was
// full or incremental, not none).
bool refresh_one(const char* schema, int profile_id, MemoryContext loop_context) {
  char activity[64];
  pg_snprintf(activity, sizeof activity, "clv_ext: refreshing profile %d", profile_id);
  volatile bool took_in = false;
  PG_TRY();
  {
    record(schema, "profile_record_start", profile_id, nullptr);
    begin_step(activity);
    arm_refresh_timeouts();
    char query[256];
    pg_snprintf(query, sizeof query, "SELECT * FROM %s.refresh_profile_as_owner($1, false)",
                schema);
    Oid types[1] = {INT4OID};
    Datum values[1] = {Int32GetDatum(profile_id)};
    int rc = SPI_execute_with_args(query, 1, types, values, nullptr, false, 0);
    if (rc != SPI_OK_SELECT || SPI_processed != 1)
      elog(ERROR, "clv_ext: refresh of profile %d failed: %d", profile_id, rc);
    char* mode = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    bool changed = mode != nullptr && strcmp(mode, "none") != 0;
    disable_timeout(STATEMENT_TIMEOUT, false);
    end_step();
    took_in = changed;
  }
  PG_CATCH();
  {
    HOLD_INTERRUPTS();
    disable_timeout(STATEMENT_TIMEOUT, false);
    MemoryContextSwitchTo(loop_context);
    ErrorData* error = CopyErrorData();
    EmitErrorReport();
    FlushErrorState();
    AbortOutOfAnyTransaction();
    // A statement timeout left its cancel request behind.
    QueryCancelPending = false;
    RESUME_INTERRUPTS();
    record_failure(schema, profile_id, error->message != nullptr ? error->message : "unknown error",
                   loop_context);
    FreeErrorData(error);
  }
  PG_END_TRY();
  return took_in;
}

// One pass over the database's due profiles; false when the database has no
// profiles (or no clv_ext) and the worker should exit. *n_due_out: profiles due,
// *n_took_in: those whose refresh took in changes.
bool refresh_due_profiles(MemoryContext loop_context, int* n_due_out, int* n_took_in) {
  begin_step("clv_ext: looking for due profiles");
  char* schema = extension_schema();
  int n_due = 0;
  int* due = nullptr;
  bool has_profiles = false;
  if (schema != nullptr) {
    char query[256];
    pg_snprintf(query, sizeof query,
                "SELECT EXISTS (SELECT FROM %s.profiles), ARRAY(SELECT %s.profiles_due())", schema,
                schema);
    int rc = SPI_execute(query, true, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1)
      elog(ERROR, "clv_ext: looking for due profiles failed: %d", rc);
    bool isnull;
    has_profiles =
        DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Datum ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
    ArrayType* array = DatumGetArrayTypeP(ids);
    Datum* elements;
    bool* nulls;
    MemoryContext spi_context = MemoryContextSwitchTo(loop_context);
    deconstruct_array(array, INT4OID, 4, true, TYPALIGN_INT, &elements, &nulls, &n_due);
    due = static_cast<int*>(palloc(sizeof(int) * (n_due + 1)));
    for (int i = 0; i < n_due; ++i) due[i] = DatumGetInt32(elements[i]);
    MemoryContextSwitchTo(spi_context);
  }
  end_step();
  *n_due_out = n_due;
  *n_took_in = 0;
  if (schema == nullptr) return false;
  for (int i = 0; i < n_due; ++i) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending || !clv_pg::settings::worker_enabled) break;
    if (is_skipped(due[i])) continue;
    if (refresh_one(schema, due[i], loop_context)) ++*n_took_in;
  }
  pfree(schema);
  return has_profiles;
}

// Marks the start of a pass: commits from now on wake the worker again.
// Returns whether commits woke the worker since the previous pass began.
bool begin_pass() {
  SpinLockAcquire(&shared->mutex);
  DatabaseSlot* slot = slot_of(MyDatabaseId);
  bool woken = slot != nullptr && slot->wake_requested;
  if (slot != nullptr) slot->wake_requested = false;
  SpinLockRelease(&shared->mutex);
  return woken;
}

// Sleeps until `until`, waking only for signals (SIGTERM, SIGHUP).
void sleep_until(TimestampTz until) {
  long remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
  if (remaining > 0)
    ereport(DEBUG1, (errmsg_internal("clv_ext: batch delay: next pass in %ld ms", remaining)));
  for (;;) {
    remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
    if (remaining <= 0) return;
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, remaining,
                    PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) return;
  }
}

void release_slot(int, Datum) {
  SpinLockAcquire(&shared->mutex);
  DatabaseSlot* slot = slot_of(MyDatabaseId);
  if (slot != nullptr && slot->worker_pid == MyProcPid) {
    slot->worker_pid = 0;
    slot->worker_latch = nullptr;
  }
  SpinLockRelease(&shared->mutex);
}

void reload_config_if_asked() {
  if (ConfigReloadPending) {
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
  }
}

//--------------------------------------------------------------------------
// The launcher
//--------------------------------------------------------------------------

BackgroundWorkerHandle** handles = nullptr;  // per slot, launcher-local

void start_worker(int slot_index, Oid database) {
  BackgroundWorker worker;
  memset(&worker, 0, sizeof worker);
  pg_snprintf(worker.bgw_name, BGW_MAXLEN, "clv_ext profile worker for database %u", database);
  pg_snprintf(worker.bgw_type, BGW_MAXLEN, "clv_ext profile worker");
  worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
  worker.bgw_restart_time = BGW_NEVER_RESTART;
  pg_snprintf(worker.bgw_library_name, BGW_MAXLEN, "clv_ext");
  pg_snprintf(worker.bgw_function_name, BGW_MAXLEN, "clv_profile_worker_main");
  worker.bgw_main_arg = ObjectIdGetDatum(database);
  worker.bgw_notify_pid = MyProcPid;
  BackgroundWorkerHandle* handle;
  if (!RegisterDynamicBackgroundWorker(&worker, &handle)) {
    ereport(WARNING, (errmsg("clv_ext: could not start a profile worker for database %u: no free "
                             "background worker slot",
                             database),
                      errhint("Raise max_worker_processes (now %d).", max_worker_processes)));
    SpinLockAcquire(&shared->mutex);
    shared->slots[slot_index].retry_after =
        TimestampTzPlusMilliseconds(GetCurrentTimestamp(), clv_pg::settings::launcher_naptime_ms);
    SpinLockRelease(&shared->mutex);
    return;
  }
  handles[slot_index] = handle;
}

// Connectable databases, in a palloc'd array.
Oid* list_databases(int* count) {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  (void)GetTransactionSnapshot();
  Relation relation = table_open(DatabaseRelationId, AccessShareLock);
  TableScanDesc scan = table_beginscan_catalog(relation, 0, nullptr);
  int capacity = 16, n = 0;
  Oid* databases = static_cast<Oid*>(MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * capacity));
  HeapTuple tuple;
  while ((tuple = heap_getnext(scan, ForwardScanDirection)) != nullptr) {
    auto* db = reinterpret_cast<Form_pg_database>(GETSTRUCT(tuple));
    if (!db->datallowconn || db->datistemplate || database_is_invalid_form(db)) continue;
    if (n == capacity) {
      capacity *= 2;
      databases = static_cast<Oid*>(repalloc(databases, sizeof(Oid) * capacity));
    }
    databases[n++] = db->oid;
  }
  table_endscan(scan);
  table_close(relation, AccessShareLock);
  CommitTransactionCommand();
  *count = n;
  return databases;
}

// When the launcher looks at a database without a worker again: databases
// whose worker found no profiles wait launcher_naptime; the others are
// looked at as soon as a slot is free. Launcher-local.
struct Visit {
  Oid database;
  TimestampTz next;
};
Visit* visits = nullptr;
int n_visits = 0;
int visits_capacity = 0;

TimestampTz next_visit(Oid database) {
  for (int i = 0; i < n_visits; ++i)
    if (visits[i].database == database) return visits[i].next;
  return 0;
}

void set_next_visit(Oid database, TimestampTz next) {
  for (int i = 0; i < n_visits; ++i)
    if (visits[i].database == database) {
      visits[i].next = next;
      return;
    }
  if (n_visits == visits_capacity) {
    visits_capacity = visits_capacity == 0 ? 16 : visits_capacity * 2;
    visits = static_cast<Visit*>(
        visits == nullptr ? MemoryContextAlloc(TopMemoryContext, sizeof(Visit) * visits_capacity)
                          : repalloc(visits, sizeof(Visit) * visits_capacity));
  }
  visits[n_visits++] = {database, next};
}

TimestampTz last_starvation_warning = 0;

// Hands free slots to databases: first those whose backends asked for a
// worker, then (scan_databases) every connectable database not looked at
// recently, so that databases beyond clv.max_workers get their turn; then
// starts the workers wanted. Warns when a database that asked cannot get a
// slot because every slot holds a worker of a database with profiles.
void launch_workers(bool scan_databases) {
  TimestampTz now = GetCurrentTimestamp();
  int n = 0;
  Oid* databases = scan_databases ? list_databases(&n) : nullptr;
  Oid starved = InvalidOid;
  SpinLockAcquire(&shared->mutex);
  if (scan_databases) {
    for (int i = 0; i < shared->n_slots; ++i) {  // dropped databases free their slots
      DatabaseSlot* slot = &shared->slots[i];
      if (slot->database == InvalidOid || handles[i] != nullptr) continue;
      bool exists = false;
      for (int j = 0; j < n && !exists; ++j) exists = databases[j] == slot->database;
      if (!exists) memset(slot, 0, sizeof *slot);
    }
  }
  int kept = 0;
  for (int i = 0; i < shared->n_waiting; ++i) {
    Oid database = shared->waiting[i];
    if (slot_of(database) != nullptr) continue;
    DatabaseSlot* free_slot = slot_of(InvalidOid);
    if (free_slot == nullptr) {
      shared->waiting[kept++] = database;
      starved = database;
      continue;
    }
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->database = database;
    free_slot->start_requested = true;
  }
  shared->n_waiting = kept;
  for (int i = 0; i < n; ++i) {
    if (slot_of(databases[i]) != nullptr || next_visit(databases[i]) > now) continue;
    DatabaseSlot* free_slot = slot_of(InvalidOid);
    if (free_slot == nullptr) break;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->database = databases[i];
  }
  SpinLockRelease(&shared->mutex);
  if (databases != nullptr) pfree(databases);
  if (starved != InvalidOid && TimestampDifferenceExceeds(last_starvation_warning, now,
                                                          clv_pg::settings::launcher_naptime_ms)) {
    last_starvation_warning = now;
    ereport(WARNING,
            (errmsg("clv_ext: database %u has customer profiles but every profile worker slot is "
                    "taken",
                    starved),
             errhint("Raise clv.max_workers (now %d; needs a restart).", shared->n_slots)));
  }

  for (int i = 0; i < shared->n_slots; ++i) {
    SpinLockAcquire(&shared->mutex);
    DatabaseSlot* slot = &shared->slots[i];
    Oid database = slot->database;
    bool wanted = database != InvalidOid && handles[i] == nullptr &&
                  (slot->start_requested || slot->retry_after <= now);
    if (wanted) slot->start_requested = false;
    SpinLockRelease(&shared->mutex);
    if (wanted) start_worker(i, database);
  }
}

// Forgets workers that have exited. The slot of one that found no profiles
// is given back (its database is looked at again after launcher_naptime, or
// at once when a backend asks); one that failed is started again after
// launcher_naptime. Returns whether a slot was given back.
bool reap_workers() {
  TimestampTz now = GetCurrentTimestamp();
  TimestampTz retry = TimestampTzPlusMilliseconds(now, clv_pg::settings::launcher_naptime_ms);
  bool freed = false;
  for (int i = 0; i < shared->n_slots; ++i) {
    if (handles[i] == nullptr) continue;
    pid_t pid;
    if (GetBackgroundWorkerPid(handles[i], &pid) != BGWH_STOPPED) continue;
    pfree(handles[i]);
    handles[i] = nullptr;
    SpinLockAcquire(&shared->mutex);
    DatabaseSlot* slot = &shared->slots[i];
    Oid database = slot->database;
    bool no_profiles = slot->no_profiles && !slot->start_requested;
    if (no_profiles)
      memset(slot, 0, sizeof *slot);
    else
      slot->retry_after = retry;
    SpinLockRelease(&shared->mutex);
    if (no_profiles) {
      set_next_visit(database, retry);
      freed = true;
    }
  }
  return freed;
}

void stop_workers() {
  for (int i = 0; i < shared->n_slots; ++i)
    if (handles[i] != nullptr) TerminateBackgroundWorker(handles[i]);
}

}  // namespace

namespace clv_pg {

void register_profile_workers() {
  previous_shmem_request = shmem_request_hook;
  shmem_request_hook = shmem_request;
  previous_shmem_startup = shmem_startup_hook;
  shmem_startup_hook = shmem_startup;

  BackgroundWorker launcher;
  memset(&launcher, 0, sizeof launcher);
  pg_snprintf(launcher.bgw_name, BGW_MAXLEN, "clv_ext launcher");
  pg_snprintf(launcher.bgw_type, BGW_MAXLEN, "clv_ext launcher");
  launcher.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
  launcher.bgw_start_time = BgWorkerStart_RecoveryFinished;
  launcher.bgw_restart_time = 10;
  pg_snprintf(launcher.bgw_library_name, BGW_MAXLEN, "clv_ext");
  pg_snprintf(launcher.bgw_function_name, BGW_MAXLEN, "clv_launcher_main");
  RegisterBackgroundWorker(&launcher);
}

}  // namespace clv_pg

void clv_launcher_main(Datum) {
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(nullptr, nullptr, 0);  // shared catalogs only
  pgstat_report_appname("clv_ext launcher");

  handles = static_cast<BackgroundWorkerHandle**>(
      MemoryContextAllocZero(TopMemoryContext, sizeof(BackgroundWorkerHandle*) * shared->n_slots));
  SpinLockAcquire(&shared->mutex);
  shared->launcher_latch = MyLatch;
  // Workers of a previous launcher (restarted after a crash) are unknown to
  // this one: every database is looked at again.
  for (int i = 0; i < shared->n_slots; ++i) shared->slots[i].retry_after = 0;
  SpinLockRelease(&shared->mutex);

  TimestampTz next_scan = 0;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    reload_config_if_asked();
    bool slot_freed = reap_workers();
    if (clv_pg::settings::worker_enabled) {
      TimestampTz now = GetCurrentTimestamp();
      bool scan = now >= next_scan || slot_freed;
      if (scan) next_scan = TimestampTzPlusMilliseconds(now, clv_pg::settings::launcher_naptime_ms);
      launch_workers(scan);
    } else {
      stop_workers();
    }
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    clv_pg::settings::launcher_naptime_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}

void clv_profile_worker_main(Datum main_arg) {
  Oid database = DatumGetObjectId(main_arg);
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnectionByOid(database, InvalidOid, 0);
  pgstat_report_appname("clv_ext profile worker");

  SpinLockAcquire(&shared->mutex);
  DatabaseSlot* slot = slot_of(database);
  if (slot != nullptr) {
    slot->worker_pid = MyProcPid;
    slot->worker_latch = MyLatch;
  }
  SpinLockRelease(&shared->mutex);
  before_shmem_exit(release_slot, 0);

  MemoryContext loop_context =
      AllocSetContextCreate(TopMemoryContext, "clv_ext profile worker", ALLOCSET_DEFAULT_SIZES);
  // Start of the last pass that took in changes or that commits woke: the
  // batch delay counts from it. A timed pass that found nothing to take in
  // (no profile due, or a refresh of mode none) starts no delay, so a commit
  // just after it is not held up; one that commits woke does, so that
  // commits with nothing to take in (a paused profile's source) cannot make
  // the worker run a pass for each.
  TimestampTz window_start = 0;
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    reload_config_if_asked();
    if (!clv_pg::settings::worker_enabled) break;
    TimestampTz pass_start = GetCurrentTimestamp();
    bool woken = begin_pass();
    MemoryContextSwitchTo(loop_context);
    int n_due, n_took_in;
    bool has_profiles = refresh_due_profiles(loop_context, &n_due, &n_took_in);
    MemoryContextReset(loop_context);
    ereport(DEBUG1, (errmsg_internal("clv_ext: %s pass over %d due profiles, %d took in changes",
                                     woken ? "woken" : "timed", n_due, n_took_in)));
    if (n_took_in > 0 || woken) window_start = pass_start;
    if (!has_profiles) {
      // The slot goes to another database; this one is looked at again later.
      SpinLockAcquire(&shared->mutex);
      DatabaseSlot* own = slot_of(database);
      if (own != nullptr) own->no_profiles = true;
      SpinLockRelease(&shared->mutex);
      break;
    }
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                    clv_pg::settings::worker_naptime_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    // Under a stream of commits, passes start at most every batch delay, so
    // that refreshing takes in many transactions at once.
    if (window_start != 0)
      sleep_until(
          TimestampTzPlusMilliseconds(window_start, clv_pg::settings::worker_batch_delay_ms));
  }
  proc_exit(0);
}

// Says so when this database cannot get a worker because every slot holds
// another database's.
Datum clv_profile_wake(PG_FUNCTION_ARGS) {
  request_wake_at_commit();
  if (shared != nullptr && clv_pg::settings::worker_enabled) {
    SpinLockAcquire(&shared->mutex);
    bool starved = slot_of(MyDatabaseId) == nullptr && slot_of(InvalidOid) == nullptr;
    SpinLockRelease(&shared->mutex);
    if (starved)
      ereport(WARNING,
              (errmsg("no profile worker slot is free for this database: its profiles are "
                      "refreshed only by clv.refresh_profile until one is"),
               errhint("Raise clv.max_workers (now %d; needs a restart).", shared->n_slots)));
  }
  PG_RETURN_VOID();
}

Datum clv_profile_worker_state(PG_FUNCTION_ARGS) {
  if (shared == nullptr)
    PG_RETURN_TEXT_P(cstring_to_text("none: clv_ext is not in shared_preload_libraries"));
  if (!clv_pg::settings::worker_enabled)
    PG_RETURN_TEXT_P(cstring_to_text("disabled: clv.worker_enabled is off"));
  SpinLockAcquire(&shared->mutex);
  DatabaseSlot* slot = slot_of(MyDatabaseId);
  pid_t pid = slot != nullptr ? slot->worker_pid : 0;
  bool starved = slot == nullptr && slot_of(InvalidOid) == nullptr;
  SpinLockRelease(&shared->mutex);
  char state[128];
  if (pid != 0)
    pg_snprintf(state, sizeof state, "running (pid %d)", static_cast<int>(pid));
  else if (starved)
    pg_snprintf(state, sizeof state, "waiting for a free slot: all clv.max_workers = %d are taken",
                shared->n_slots);
  else
    pg_snprintf(state, sizeof state, "starting");
  PG_RETURN_TEXT_P(cstring_to_text(state));
}

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

// Runs the profile's refresh step as its owner, the way REFRESH MATERIALIZED
// VIEW runs a view's query: owner's user id, security-restricted operation,
// a private GUC nest level with a safe search_path, the capture's text
// settings and no parallel query. An error unwinds through the
// (sub)transaction abort, which restores both.
Datum clv_refresh_profile_as_owner(PG_FUNCTION_ARGS) {
  int32 profile_id = PG_GETARG_INT32(0);
  bool full_refresh = PG_GETARG_BOOL(1);
  TupleDesc result_type;
  if (get_call_result_type(fcinfo, nullptr, &result_type) != TYPEFUNC_COMPOSITE)
    elog(ERROR, "refresh_profile_as_owner must return a composite");
  Oid schema = get_func_namespace(fcinfo->flinfo->fn_oid);
  const char* schema_name = quote_identifier(get_namespace_name(schema));

  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "clv_ext: SPI_connect failed");
  char query[256];
  pg_snprintf(query, sizeof query,
              "SELECT owner::pg_catalog.oid FROM %s.profiles WHERE id OPERATOR(pg_catalog.=) $1",
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

  pg_snprintf(query, sizeof query,
              "SELECT mode, customers, refit FROM %s.profile_refresh_step($1, $2)", schema_name);
  if (SPI_execute_with_args(query, 2, types, values, nullptr, false, 1) != SPI_OK_SELECT ||
      SPI_processed != 1)
    elog(ERROR, "clv_ext: refresh of profile %d returned no result", profile_id);
  HeapTuple row = SPI_copytuple(SPI_tuptable->vals[0]);

  AtEOXact_GUC(false, nest_level);
  SetUserIdAndSecContext(saved_user, saved_security_context);
  SPI_finish();

  Datum result_values[3];
  bool result_nulls[3];
  heap_deform_tuple(row, result_type, result_values, result_nulls);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(result_type, result_values, result_nulls)));
}
