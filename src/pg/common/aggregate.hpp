// The aggregate template shared by every aggregate with an internal C++
// state, and the small helpers around it.
//
// clv_pg::Aggregate<Policy> provides the transition, combine, serialize,
// deserialize and final steps. Policy names the state and how to build,
// check, copy, merge and (de)serialise it; it holds no PostgreSQL plumbing:
//
//   using State = ...;  // the core's state with the arguments as given
//   // The first row's state.
//   static State create(MemoryContext context, FunctionCallInfo fcinfo);
//   // Throws unless a later row's arguments agree with the first row's.
//   static void check(const State& state, FunctionCallInfo fcinfo);
//   // A copy whose memory comes from `context`.
//   static State copy(const State& other, MemoryContext context);
//   static void merge(State& into, const State& other);
//   static std::string serialize(State& state);  // the core's byte format
//   // Validating: throws std::invalid_argument on bad bytes.
//   static State deserialize(const char* data, size_t size, MemoryContext context);
//
// Every policy step runs inside guarded() and may throw. The state lives in
// a memory context whose reset runs its destructor (make_in_context).
#pragma once

#include "common/postgres.hpp"

#include <cstddef>
#include <string>
#include <utility>

#include "common/guard.hpp"

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

// For Aggregate::transition: check every row's arguments, constants or not.
constexpr int kNoConstantArgs = -1;

template <class Policy>
class Aggregate {
 public:
  using State = typename Policy::State;

  // The state in argument `arg`, or nullptr when it is NULL.
  static State* state(FunctionCallInfo fcinfo, int arg) {
    if (PG_ARGISNULL(arg)) return nullptr;
    return &reinterpret_cast<Slot*>(PG_GETARG_POINTER(arg))->state;
  }

  // Gets or creates the state in the aggregate context, checks the row's
  // arguments unless those from aggregate argument `constant_from` on are
  // constants of the query (kNoConstantArgs: always check), then runs
  // add(State&). Whatever add() needs from PostgreSQL that may raise an
  // ERROR, the caller reads before.
  template <class Add>
  static Datum transition(FunctionCallInfo fcinfo, const char* name, int constant_from, Add&& add) {
    MemoryContext context = aggregate_context(fcinfo, name);
    Slot* slot = slot_arg(fcinfo, 0);
    const bool fresh = slot == nullptr;
    guarded([&] {
      if (fresh) {
        slot = make_in_context<Slot>(context, Policy::create(context, fcinfo));
      } else if (!slot->args_constant) {
        Policy::check(slot->state, fcinfo);
      }
      add(slot->state);
    });
    if (fresh && constant_from >= 0) slot->args_constant = constant_args(fcinfo, constant_from);
    PG_RETURN_POINTER(slot);
  }

  // The result lives in the aggregate context: a NULL left side gets a copy
  // of the right one, never the right argument itself.
  static Datum combine(FunctionCallInfo fcinfo, const char* name) {
    MemoryContext context = aggregate_context(fcinfo, name);
    Slot* left = slot_arg(fcinfo, 0);
    Slot* right = slot_arg(fcinfo, 1);
    if (right == nullptr) {
      if (left == nullptr) PG_RETURN_NULL();  // no rows on either side
      PG_RETURN_POINTER(left);
    }
    guarded([&] {
      if (left == nullptr) {
        left = make_in_context<Slot>(context, Policy::copy(right->state, context));
      } else {
        Policy::merge(left->state, right->state);
      }
    });
    PG_RETURN_POINTER(left);
  }

  static Datum serialize(FunctionCallInfo fcinfo) {
    Slot* slot = slot_arg(fcinfo, 0);
    bytea* out = nullptr;
    guarded([&] { out = to_bytea(Policy::serialize(slot->state)); });
    PG_RETURN_BYTEA_P(out);
  }

  // The rebuilt state lives in the current (per-input) context, like the
  // built-in aggregates' deserialized states; combine copies what it keeps.
  static Datum deserialize(FunctionCallInfo fcinfo, const char* name) {
    aggregate_context(fcinfo, name);
    MemoryContext context = CurrentMemoryContext;
    bytea* bytes = PG_GETARG_BYTEA_PP(0);
    Slot* slot = nullptr;
    guarded([&] {
      slot = make_in_context<Slot>(
          context, Policy::deserialize(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), context));
    });
    PG_RETURN_POINTER(slot);
  }

  // NULL for a NULL state, else finish(State&): a C frame that runs its C++
  // work in guarded() itself and builds the result datum.
  template <class Finish>
  static Datum finalize(FunctionCallInfo fcinfo, Finish&& finish) {
    State* s = state(fcinfo, 0);
    if (s == nullptr) PG_RETURN_NULL();
    return finish(*s);
  }

 private:
  struct Slot {
    explicit Slot(State&& s) : state(std::move(s)) {}
    State state;
    // True when the checked arguments are constants of the query: then rows
    // need no check that they stay the same.
    bool args_constant = false;
  };

  static Slot* slot_arg(FunctionCallInfo fcinfo, int arg) {
    return PG_ARGISNULL(arg) ? nullptr : reinterpret_cast<Slot*>(PG_GETARG_POINTER(arg));
  }
};

}  // namespace clv_pg

// The combine, serialize and deserialize entry points of the aggregate whose
// state `Agg` (an Aggregate<Policy>) manages: PREFIX_combinefn,
// PREFIX_serialfn and PREFIX_deserialfn. At file scope, outside any
// namespace.
#define CLV_AGGREGATE_STATE_FUNCTIONS(Agg, PREFIX)          \
  extern "C" {                                              \
  PG_FUNCTION_INFO_V1(PREFIX##_combinefn);                  \
  PG_FUNCTION_INFO_V1(PREFIX##_serialfn);                   \
  PG_FUNCTION_INFO_V1(PREFIX##_deserialfn);                 \
  Datum PREFIX##_combinefn(PG_FUNCTION_ARGS) {              \
    return Agg::combine(fcinfo, #PREFIX "_combinefn");      \
  }                                                         \
  Datum PREFIX##_serialfn(PG_FUNCTION_ARGS) {               \
    return Agg::serialize(fcinfo);                          \
  }                                                         \
  Datum PREFIX##_deserialfn(PG_FUNCTION_ARGS) {             \
    return Agg::deserialize(fcinfo, #PREFIX "_deserialfn"); \
  }                                                         \
  }
