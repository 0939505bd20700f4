// The extension's configuration parameters (GUCs), defined in _PG_init.
#pragma once

namespace clv_pg::settings {

// clv.identity_block_junk: block the built-in junk values in identity rules.
extern bool identity_block_junk;
// clv.identity_max_cluster_size: most identifiers of one cluster; 0 = no limit.
extern int identity_max_cluster_size;
// clv.identity_hub_limit: most identifiers of one type one identifier may be
// linked to before it counts as a hub; 0 = no hub detection.
extern int identity_hub_limit;

// clv.max_memory: most backend memory, in kB, one resolution of identities
// may hold (an ERROR 53200 names the setting past it).
extern int max_memory_kb;

// clv.worker_enabled: whether background workers refresh profiles.
extern bool worker_enabled;
// clv.worker_naptime: most time a profile worker sleeps between looks for
// due profiles (it is woken at once by new changes), in milliseconds.
extern int worker_naptime_ms;
// clv.worker_batch_delay: shortest time between the starts of two passes of
// a profile worker, in milliseconds; changes committed meanwhile are
// refreshed together.
extern int worker_batch_delay_ms;
// clv.launcher_naptime: how often the launcher looks for databases that need
// a profile worker, in milliseconds.
extern int launcher_naptime_ms;
// clv.refresh_lock_timeout: lock_timeout of a background refresh, in
// milliseconds (0: none).
extern int refresh_lock_timeout_ms;
// clv.refresh_statement_timeout: most time one background refresh may take,
// in milliseconds (0: no limit).
extern int refresh_statement_timeout_ms;
// clv.max_workers: most databases with a profile worker (server start only).
extern int max_workers;

}  // namespace clv_pg::settings
