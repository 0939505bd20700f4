// The C++/PostgreSQL boundary (see DESIGN.md, "Rules of the boundary").
//
//  - clv_pg::guarded(f) runs the C++ work of an entry point. It catches every
//    exception, maps it to a SQLSTATE, lets the try scope end so that every
//    destructor runs, and only then raises the PostgreSQL error.
//  - clv_pg::pg_call(f) runs a PostgreSQL call from C++: an ERROR it raises is
//    caught, copied and rethrown as clv_pg::PgError, so the longjmp never
//    crosses a C++ frame with live destructors.
//  - clv_pg::interrupt_poll() is the core's InterruptPoll: it throws
//    clv::Cancelled when the query is cancelled or the backend must exit;
//    guarded() then lets CHECK_FOR_INTERRUPTS raise the proper error.
//  - clv_pg::PallocAllocator puts STL containers into a memory context, with
//    allocation failure as std::bad_alloc instead of a longjmp.
#pragma once

#include "common/postgres.hpp"

#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "clv/common/errors.hpp"

namespace clv_pg {

// A PostgreSQL ERROR carried through C++ frames.
class PgError : public std::runtime_error {
 public:
  PgError(int sqlstate, const std::string& message, std::string detail = {}, std::string hint = {})
      : std::runtime_error(message),
        sqlstate(sqlstate),
        detail(std::move(detail)),
        hint(std::move(hint)) {}
  int sqlstate;
  std::string detail;
  std::string hint;
};

// An error recorded in plain storage so it survives the end of the try scope.
struct CaughtError {
  int sqlstate = 0;
  bool cancelled = false;
  char message[1024] = {};
  char detail[1024] = {};
  char hint[512] = {};

  void set(int state, const char* msg, const char* det = "", const char* hnt = "") {
    sqlstate = state;
    std::strncpy(message, msg, sizeof message - 1);
    std::strncpy(detail, det, sizeof detail - 1);
    std::strncpy(hint, hnt, sizeof hint - 1);
  }
};

static_assert(std::is_trivially_destructible_v<CaughtError>,
              "guarded() never runs CaughtError's destructor");

// Maps the exception being handled to SQLSTATE and message. Call only inside
// a catch block.
void record_current_exception(CaughtError& err) noexcept;

// Raises err as a PostgreSQL ERROR (or processes the pending interrupt).
[[noreturn]] void raise(const CaughtError& err);

template <typename F>
auto guarded(F&& work) -> decltype(work()) {
  // The CaughtError (2.5 kB) is constructed only when something was thrown:
  // zeroing it on every call would dominate cheap per-row functions.
  alignas(CaughtError) unsigned char storage[sizeof(CaughtError)];
  CaughtError* err;
  try {
    return work();
  } catch (...) {
    err = new (storage) CaughtError;
    record_current_exception(*err);
  }
  raise(*err);
}

// Runs a PostgreSQL call (no C++ objects with destructors may live inside it).
template <typename F>
void pg_call(F&& call) {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;
  PG_TRY();
  { call(); }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    edata = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  if (edata != nullptr) {
    PgError error(edata->sqlerrcode, edata->message ? edata->message : "unknown error",
                  edata->detail ? edata->detail : "", edata->hint ? edata->hint : "");
    FreeErrorData(edata);
    throw error;
  }
}

// Throws an ERROR 53200 naming clv.max_memory when `bytes` of backend memory
// for `what` exceed it.
void check_memory(size_t bytes, const char* what);

// The core's InterruptPoll.
void interrupt_poll();
inline const clv::InterruptPoll& interrupts() {
  static const clv::InterruptPoll poll = interrupt_poll;
  return poll;
}

template <typename T>
class PallocAllocator {
 public:
  using value_type = T;
  explicit PallocAllocator(MemoryContext context) noexcept : context_(context) {}
  template <typename U>
  PallocAllocator(const PallocAllocator<U>& other) noexcept : context_(other.context()) {}

  T* allocate(std::size_t n) {
    if (n > MaxAllocHugeSize / sizeof(T)) throw std::bad_alloc();
    void* p =
        MemoryContextAllocExtended(context_, n * sizeof(T), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { pfree(p); }
  MemoryContext context() const noexcept { return context_; }

  template <typename U>
  bool operator==(const PallocAllocator<U>& o) const noexcept {
    return context_ == o.context();
  }
  template <typename U>
  bool operator!=(const PallocAllocator<U>& o) const noexcept {
    return context_ != o.context();
  }

 private:
  MemoryContext context_;
};

// Constructs a T in `context` whose destructor runs when the context is reset
// or deleted (aggregate states).
template <typename T, typename... Args>
T* make_in_context(MemoryContext context, Args&&... args) {
  struct Holder {
    MemoryContextCallback callback;
    alignas(T) unsigned char storage[sizeof(T)];
  };
  void* raw = MemoryContextAllocExtended(context, sizeof(Holder), MCXT_ALLOC_NO_OOM);
  if (raw == nullptr) throw std::bad_alloc();
  auto* holder = static_cast<Holder*>(raw);
  T* object;
  try {
    object = new (holder->storage) T(std::forward<Args>(args)...);
  } catch (...) {
    pfree(raw);
    throw;
  }
  holder->callback.func = [](void* arg) { static_cast<T*>(arg)->~T(); };
  holder->callback.arg = object;
  MemoryContextRegisterResetCallback(context, &holder->callback);
  return object;
}

}  // namespace clv_pg
