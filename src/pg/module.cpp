#include "common/postgres.hpp"

extern "C" {
#include "utils/guc.h"
}

#include "profiles/launcher.hpp"
#include "common/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace clv_pg::settings {
bool identity_block_junk = true;
int identity_max_cluster_size = 10000;
int identity_hub_limit = 100;
int max_memory_kb = 1024 * 1024;
bool worker_enabled = true;
int worker_naptime_ms = 1000;
int worker_batch_delay_ms = 200;
int launcher_naptime_ms = 60000;
int refresh_lock_timeout_ms = 1000;
int refresh_statement_timeout_ms = 5 * 60 * 1000;
int max_workers = 8;
}  // namespace clv_pg::settings

void _PG_init(void) {
  using namespace clv_pg::settings;
  DefineCustomBoolVariable(
      "clv.identity_block_junk",
      "Whether identity resolution blocks the built-in junk values ('null', 'unknown', all-zero "
      "ids, ...).",
      nullptr, &identity_block_junk, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.identity_max_cluster_size",
      "Most identifiers one resolved identity may hold; a merge past it is rejected (0: no limit).",
      nullptr, &identity_max_cluster_size, 10000, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "clv.identity_hub_limit",
      "Most identifiers of one type an identifier may be linked to; past it the identifier is a "
      "hub and its further links are rejected (0: no hub detection).",
      "A rule in clv.identity_rules can set its own limit for links to identifiers of its type.",
      &identity_hub_limit, 100, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.max_memory",
      "Most backend memory one clv.resolve_identities call may hold; past it the call stops "
      "with ERROR 53200.",
      "About 90 bytes per identifier plus its text: the default 1GB holds some ten million.",
      &max_memory_kb, 1024 * 1024, 1024, INT_MAX, PGC_USERSET, GUC_UNIT_KB, nullptr, nullptr,
      nullptr);
  DefineCustomBoolVariable("clv.worker_enabled",
                           "Whether background workers keep customer profiles fresh.",
                           "Reloadable; turning it off stops the running profile workers.",
                           &worker_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.worker_naptime",
      "Most time a profile worker sleeps between looks for due profiles; new changes wake it at "
      "once.",
      "Reloadable.", &worker_naptime_ms, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
      nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.worker_batch_delay",
      "Shortest time from the start of a profile worker's pass that took in changes to the "
      "start of its next pass; changes committed meanwhile are refreshed together.",
      "Reloadable. Lower values make profiles fresher under a stream of writes, at more refresh "
      "work.",
      &worker_batch_delay_ms, 200, 0, 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "clv.launcher_naptime",
      "How often the launcher looks for databases whose profiles need a worker.",
      "Reloadable; creating a profile starts its database's worker at once.", &launcher_naptime_ms,
      60000, 100, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable(
      "clv.refresh_lock_timeout",
      "Most time a background refresh waits for a lock before it fails and backs off (0: no "
      "limit).",
      "Reloadable. Keeps an owner who locks his source or profile from holding up the other "
      "profiles of the database.",
      &refresh_lock_timeout_ms, 1000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr,
      nullptr);
  DefineCustomIntVariable(
      "clv.refresh_statement_timeout",
      "Most time one background refresh may take before it is cancelled and backs off (0: no "
      "limit).",
      "Reloadable. Keeps a slow profile from holding up the other profiles of the database.",
      &refresh_statement_timeout_ms, 5 * 60 * 1000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
      nullptr, nullptr);
  // The workers need shared memory: only when preloaded, never during
  // pg_upgrade. A server-start setting can only be defined then, too.
  if (process_shared_preload_libraries_in_progress) {
    DefineCustomIntVariable(
        "clv.max_workers", "Most databases with a profile worker at a time.",
        "Needs a server restart; each worker also takes one of max_worker_processes.", &max_workers,
        8, 1, 1024, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    if (!IsBinaryUpgrade) clv_pg::register_profile_workers();
  }
  MarkGUCPrefixReserved("clv");
}
