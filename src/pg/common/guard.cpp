#include "common/guard.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <typeinfo>

#include "common/settings.hpp"

namespace clv_pg {

namespace {

// Boost.Math reports an overflow as "Error in function
// boost::math::lgamma<double>(double): numeric overflow": say what it means
// for the caller and keep the function's name as a clue.
void set_overflow(CaughtError& err, const char* message) {
  constexpr char kBoostPrefix[] = "Error in function ";
  if (std::strncmp(message, kBoostPrefix, sizeof kBoostPrefix - 1) != 0) {
    err.set(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, message);
    return;
  }
  const char* function = message + sizeof kBoostPrefix - 1;
  const int length = static_cast<int>(std::strcspn(function, "<("));
  char readable[sizeof err.message];
  std::snprintf(readable, sizeof readable,
                "a result is out of the range of double precision for these inputs "
                "(overflow in %.*s)",
                length, function);
  err.set(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, readable);
}

}  // namespace

void record_current_exception(CaughtError& err) noexcept {
  try {
    throw;
  } catch (const PgError& e) {
    err.set(e.sqlstate, e.what(), e.detail.c_str(), e.hint.c_str());
  } catch (const clv::Cancelled&) {
    err.cancelled = true;
    err.set(ERRCODE_QUERY_CANCELED, "canceling statement due to user request");
  } catch (const std::bad_alloc&) {
    err.set(ERRCODE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::invalid_argument& e) {
    err.set(ERRCODE_INVALID_PARAMETER_VALUE, e.what());
  } catch (const std::domain_error& e) {
    err.set(ERRCODE_INVALID_PARAMETER_VALUE, e.what());
  } catch (const std::range_error& e) {
    err.set(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, e.what());
  } catch (const std::overflow_error& e) {
    set_overflow(err, e.what());
  } catch (const std::exception& e) {
    err.set(ERRCODE_INTERNAL_ERROR, e.what());
  } catch (...) {
    err.set(ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
  }
}

void check_memory(size_t bytes, const char* what) {
  const size_t limit = static_cast<size_t>(settings::max_memory_kb) * 1024;
  if (bytes <= limit) return;
  throw PgError(
      ERRCODE_OUT_OF_MEMORY,
      std::string(what) + " needs more memory than clv.max_memory allows (" +
          std::to_string(settings::max_memory_kb / 1024) + " MB)",
      std::to_string(bytes / (1024 * 1024)) + " MB in use and growing.",
      "Raise clv.max_memory (SET clv.max_memory = '4GB'), or work on fewer rows at once.");
}

void raise(const CaughtError& err) {
  if (err.cancelled) {
    // The C++ stack is unwound: let PostgreSQL raise the real reason
    // (statement timeout, user request, termination).
    CHECK_FOR_INTERRUPTS();
  }
  ereport(ERROR, (errcode(err.sqlstate), errmsg("%s", err.message),
                  err.detail[0] ? errdetail("%s", err.detail) : 0,
                  err.hint[0] ? errhint("%s", err.hint) : 0));
  pg_unreachable();
}

void interrupt_poll() {
  if (unlikely(InterruptPending) && (QueryCancelPending || ProcDiePending)) throw clv::Cancelled();
}

}  // namespace clv_pg
