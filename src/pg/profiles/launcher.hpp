// The launcher of the profile workers (launcher.cpp).
#pragma once

#include "common/postgres.hpp"

namespace clv_pg {

// Requests the workers' shared memory and registers the launcher; call from
// _PG_init while shared_preload_libraries is being processed.
void register_profile_workers();

}  // namespace clv_pg

extern "C" {
// Entry point of the static launcher background worker.
PGDLLEXPORT void clv_launcher_main(Datum);
}
