// Checked arithmetic of the core: a result that does not fit its type is a
// std::range_error (SQLSTATE 22003), never signed overflow (undefined
// behaviour), a wrapped count or a silent infinity. `what` names the value
// in the message, e.g. "the number of customers".
#pragma once

#include <cstdint>

namespace clv {

// a + b; throws std::range_error "<what> does not fit in a bigint".
std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what);

// a + b for counts kept unsigned, bounded like a bigint: the SQL results
// that report them are bigint columns. Throws as checked_add.
std::uint64_t checked_count_add(std::uint64_t a, std::uint64_t b, const char* what);

// v as a bigint; throws as checked_add when v > INT64_MAX.
std::int64_t to_bigint(std::uint64_t v, const char* what);

// v unless it is NaN or infinite, which a computation over finite inputs
// only reaches by overflow: throws std::range_error "<what> is out of the
// range of double precision".
double finite_result(double v, const char* what);

}  // namespace clv
