// Background workers that keep customer profiles fresh (profile_worker.cpp).
#pragma once

namespace clv_pg {

// Requests the workers' shared memory and registers the launcher; call from
// _PG_init while shared_preload_libraries is being processed.
void register_profile_workers();

}  // namespace clv_pg
