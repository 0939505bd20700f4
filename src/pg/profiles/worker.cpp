// The profile worker: one dynamic background worker per database, started
// by the launcher (launcher.cpp, bgw_notify_pid, never restarted). It
// refreshes the database's due profiles, each in its own transactions, as
// the profile's owner (refresh_as_owner, run_as_owner.cpp), and
// sleeps on its latch, which commits that captured changes set.
//
// Runs in the worker process. PostgreSQL-process code throughout (signals,
// latches, transactions, SPI, longjmp error handling), so it holds no C++
// objects with destructors: nothing here needs the core or the guard.
#include "profiles/worker.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
}

#include "common/settings.hpp"
#include "profiles/run_as_owner.hpp"
#include "profiles/shmem.hpp"

using clv_pg::profiles::DatabaseSlot;
using clv_pg::profiles::reload_config_if_asked;
using clv_pg::profiles::shared;
using clv_pg::profiles::slot_of;

namespace {

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
  Oid types[2] = {INT4OID, TEXTOID};
  Datum values[2] = {Int32GetDatum(profile_id), 0};
  int nargs = 1;
  if (message != nullptr) {
    values[1] = CStringGetTextDatum(message);
    nargs = 2;
  }
  const char* query = psprintf("SELECT %s.%s($1%s)", schema, function, nargs == 2 ? ", $2" : "");
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
  const char* value = psprintf("%d", clv_pg::settings::refresh_lock_timeout_ms);
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
  // Between transactions CurrentMemoryContext is TopMemoryContext.
  MemoryContext previous = MemoryContextSwitchTo(loop_context);
  const char* activity = psprintf("clv_ext: refreshing profile %d", profile_id);
  MemoryContextSwitchTo(previous);
  volatile bool took_in = false;
  PG_TRY();
  {
    record(schema, "profile_record_start", profile_id, nullptr);
    begin_step(activity);
    arm_refresh_timeouts();
    TupleDesc row_type;
    HeapTuple row = clv_pg::profiles::refresh_as_owner(schema, profile_id, false, &row_type);
    bool isnull;
    Datum mode = heap_getattr(row, 1, row_type, &isnull);
    bool changed = !isnull && strcmp(TextDatumGetCString(mode), "none") != 0;
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
    const char* query = psprintf(
        "SELECT EXISTS (SELECT FROM %s.profiles), ARRAY(SELECT %s.profiles_due())", schema, schema);
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

}  // namespace

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
