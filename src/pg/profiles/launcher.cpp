// The launcher: one static background worker, started by the postmaster
// when clv_ext is in shared_preload_libraries and restarted by it after a
// crash. It hands the shared slots to databases and starts one dynamic
// profile worker (worker.cpp) per database that has profiles.
//
// Runs in the launcher process (connected to shared catalogs only), except
// register_profile_workers, which runs in the postmaster from _PG_init.
#include "profiles/launcher.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
}

#include "common/settings.hpp"
#include "profiles/shmem.hpp"

using clv_pg::profiles::DatabaseSlot;
using clv_pg::profiles::reload_config_if_asked;
using clv_pg::profiles::shared;
using clv_pg::profiles::slot_of;

namespace {

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
  profiles::install_shmem_hooks();

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
