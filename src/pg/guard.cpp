#include "guard.hpp"

#include <string>
#include <typeinfo>

#include "settings.hpp"

namespace clv_pg {

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
    err.set(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, e.what());
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
