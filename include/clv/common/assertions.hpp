// Include this before Eigen or Boost headers (directly or through
// clv/eigen.hpp): a failed library assertion must throw, never abort(),
// because an abort inside a backend restarts the whole PostgreSQL cluster.
#pragma once

#include <stdexcept>
#include <string>

namespace clv {
[[noreturn]] void library_assertion_failed(const char* expr, const char* file, long line);
}

#ifndef eigen_assert
#define eigen_assert(x)                                                \
  do {                                                                 \
    if (!(x)) ::clv::library_assertion_failed(#x, __FILE__, __LINE__); \
  } while (false)
#endif

#ifndef BOOST_ENABLE_ASSERT_HANDLER
#define BOOST_ENABLE_ASSERT_HANDLER
#endif
