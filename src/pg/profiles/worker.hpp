// The per-database profile worker (worker.cpp).
#pragma once

#include "common/postgres.hpp"

extern "C" {
// Entry point of the dynamic profile worker of the database main_arg.
PGDLLEXPORT void clv_profile_worker_main(Datum main_arg);
}
