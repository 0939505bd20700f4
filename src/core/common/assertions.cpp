#include "clv/common/assertions.hpp"

#include <boost/assert.hpp>

namespace clv {

void library_assertion_failed(const char* expr, const char* file, long line) {
  throw std::logic_error(std::string("internal assertion failed: ") + expr + " (" + file + ":" +
                         std::to_string(line) + ")");
}

}  // namespace clv

// Boost's hooks under BOOST_ENABLE_ASSERT_HANDLER: throw instead of abort().
namespace boost {
void assertion_failed(char const* expr, char const*, char const* file, long line) {
  clv::library_assertion_failed(expr, file, line);
}
void assertion_failed_msg(char const* expr, char const*, char const*, char const* file, long line) {
  clv::library_assertion_failed(expr, file, line);
}
}  // namespace boost
