// Shared memory of the profile workers: one slot per database with a worker,
// read and written under one spinlock by the launcher, the workers and the
// user backends (wake-at-commit, worker state).
#pragma once

#include "common/postgres.hpp"

extern "C" {
#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
}

namespace clv_pg::profiles {

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

// nullptr unless clv_ext is in shared_preload_libraries.
extern WorkerShmem* shared;

// Installs the hooks that request and attach the shared memory; postmaster,
// from _PG_init.
void install_shmem_hooks();

// The slot of a database, or nullptr. Call with the mutex held.
DatabaseSlot* slot_of(Oid database);

// Asks for the database's worker to be woken (or started) when the current
// transaction commits.
void request_wake_at_commit();

// Processes a pending SIGHUP: reloads the configuration files.
void reload_config_if_asked();

}  // namespace clv_pg::profiles
