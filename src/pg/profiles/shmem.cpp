// Shared memory of the profile workers and waking a worker at commit.
//
// Runs in every process of the server: the postmaster requests and
// initialises the segment; user backends wake their database's worker (or
// ask the launcher for one) when a transaction that captured changes
// commits, and report the worker's state; the launcher and the workers read
// and write the slots.
#include "profiles/shmem.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

#include "common/settings.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_profile_wake);
PG_FUNCTION_INFO_V1(clv_profile_worker_state);
}

namespace clv_pg::profiles {

WorkerShmem* shared = nullptr;

namespace {

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

}  // namespace

void install_shmem_hooks() {
  previous_shmem_request = shmem_request_hook;
  shmem_request_hook = shmem_request;
  previous_shmem_startup = shmem_startup_hook;
  shmem_startup_hook = shmem_startup;
}

// The slot of a database, or nullptr. Call with the mutex held.
DatabaseSlot* slot_of(Oid database) {
  for (int i = 0; i < shared->n_slots; ++i)
    if (shared->slots[i].database == database) return &shared->slots[i];
  return nullptr;
}

void request_wake_at_commit() {
  if (shared == nullptr) return;
  if (!wake_callback_registered) {
    RegisterXactCallback(wake_at_commit, nullptr);
    wake_callback_registered = true;
  }
  wake_pending = true;
}

void reload_config_if_asked() {
  if (ConfigReloadPending) {
    ConfigReloadPending = false;
    ProcessConfigFile(PGC_SIGHUP);
  }
}

}  // namespace clv_pg::profiles

using clv_pg::profiles::DatabaseSlot;
using clv_pg::profiles::request_wake_at_commit;
using clv_pg::profiles::shared;
using clv_pg::profiles::slot_of;

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
  const char* state;
  if (pid != 0)
    state = psprintf("running (pid %d)", static_cast<int>(pid));
  else if (starved)
    state =
        psprintf("waiting for a free slot: all clv.max_workers = %d are taken", shared->n_slots);
  else
    state = "starting";
  PG_RETURN_TEXT_P(cstring_to_text(state));
}
