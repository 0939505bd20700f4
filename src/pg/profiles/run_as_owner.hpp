// Running a profile's refresh as its owner (run_as_owner.cpp).
#pragma once

#include "common/postgres.hpp"

extern "C" {
// clv.refresh_profile_as_owner(profile_id, full): the refresh step of one
// profile, as its owner under SECURITY_RESTRICTED_OPERATION.
PGDLLEXPORT Datum clv_refresh_profile_as_owner(PG_FUNCTION_ARGS);
}
