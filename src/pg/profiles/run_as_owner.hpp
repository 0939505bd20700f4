// Running a profile's refresh as its owner (run_as_owner.cpp).
#pragma once

#include "common/postgres.hpp"

extern "C" {
#include "access/htup.h"
#include "access/tupdesc.h"
}

namespace clv_pg::profiles {

// Runs profile_refresh_step(profile_id, full_refresh) of the extension in
// schema_name (quoted) as the profile's owner, who must be a role the
// current user has the privileges of. Returns the step's row (mode,
// customers, refit) and, in *row_type, its descriptor, both in the caller's
// memory context. Inside a transaction, with an active snapshot.
HeapTuple refresh_as_owner(const char* schema_name, int32 profile_id, bool full_refresh,
                           TupleDesc* row_type);

}  // namespace clv_pg::profiles

extern "C" {
// clv.refresh_profile_as_owner(profile_id, full): refresh_as_owner for SQL
// callers (clv.refresh_profile).
PGDLLEXPORT Datum clv_refresh_profile_as_owner(PG_FUNCTION_ARGS);
}
