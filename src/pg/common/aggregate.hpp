// Helpers shared by the aggregates with internal C++ states.
#pragma once

#include "common/postgres.hpp"

#include <string>

namespace clv_pg {

// The aggregate's memory context; ERROR when called outside an aggregate
// (a C frame: call it before any C++ work).
MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function);

// Whether the aggregate's arguments from `first` on are constants in the
// query (then they need no per-row comparison). A C frame.
bool constant_args(FunctionCallInfo fcinfo, int first);

// A numeric as a double. A C frame: call it before any C++ work. NaN and
// infinities come through as such (the callers reject them with 22023); a
// finite value beyond double precision is ERROR 22003 naming `what` and the
// value in short form rather than with its hundreds of digits.
double numeric_to_double(Datum numeric, const char* what);

// A bytea copy of a serialized state; throws std::bad_alloc instead of
// raising, so it may run inside guarded().
bytea* to_bytea(const std::string& bytes);

}  // namespace clv_pg
