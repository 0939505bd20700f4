// The aggregate template shared by every aggregate with a C++ state, and the
// small helpers around it.
//
// clv_pg::Aggregate<Policy> provides the transition, combine, final and
// state-type steps. Policy names the state and how to build, check, copy,
// merge and (de)serialise it; it holds no PostgreSQL plumbing:
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
//   // Optional: true when all of a state's memory comes from the context
//   // given to create, copy and deserialize, so that no destructor needs to
//   // run when it is reset.
//   static constexpr bool kStateInContext = true;
//
// Each state family is a SQL varlena type whose flat form is the core's byte
// format (versioned, validated on the way in) and whose in-memory form is an
// expanded object (utils/expandeddatum.h): the transition function updates
// the aggregate's read-write object in place, so rows pay no serialisation;
// PostgreSQL flattens the object only when it leaves the aggregate (a
// parallel worker's partial state, a state returned to the client, a shard's
// partial aggregate). The object lives in a memory context that the states
// of an aggregate context share, a child of it (state_arena), which is what
// lets the executor adopt it without a copy; resetting that context frees
// the states (running their destructors where they hold other memory).
//
// The same entry points also serve the declarations with an `internal`
// state of versions before 0.6.0 (until ALTER EXTENSION UPDATE): there the
// executor passes the object's read-write pointer around unchanged, and the
// serialize/deserialize functions flatten and expand it.
//
// Every policy step runs inside guarded() and may throw.
#pragma once

#include "common/postgres.hpp"

#include <cstddef>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "common/guard.hpp"

namespace clv_pg {

// The aggregate's memory context; ERROR when called outside an aggregate
// (a C frame: call it before any C++ work).
MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function);

// A numeric as a double. A C frame: call it before any C++ work. NaN and
// infinities come through as such (the callers reject them with 22023); a
// finite value beyond double precision is ERROR 22003 naming `what` and the
// value in short form rather than with its hundreds of digits.
double numeric_to_double(Datum numeric, const char* what);

// A varlena (bytea or a state type's flat form) holding `bytes`; throws
// std::bad_alloc instead of raising, so it may run inside guarded().
bytea* to_bytea(const std::string& bytes);

// The memory context of the expanded states of aggregate context `context`:
// one child of it per aggregate context, found through the call site's
// fn_extra. (A context per state would let the executor adopt each state
// too, but hash aggregation sums the memory of every child context for each
// new group, which made that quadratic in the groups.) The executor deletes
// a transition value's context only when a transition function returns a
// different value than its read-write input, which these functions never do
// for a state of their own. A C frame.
MemoryContext state_arena(FunctionCallInfo fcinfo, MemoryContext context);

// Memory for an object of `size` bytes in `arena`, the state_arena of the
// same call: carved from larger blocks of the arena, so that a state costs
// its size and not the next power of two of an AllocSet chunk (objects are
// freed only with the arena). nullptr when out of memory; never raises.
void* object_memory(FunctionCallInfo fcinfo, MemoryContext arena, size_t size);

// Whether rows need not be checked to repeat the first row's arguments from
// aggregate argument `first` on: they are constants of the query and every
// state of the call site was made from a first row (only_own_values).
// `first` < 0: rows are always checked. Cached per call site. A C frame.
bool settings_constant(FunctionCallInfo fcinfo, int first);

// Whether the transition values a transition function receives can only be
// NULL or what the function itself returned before: true for an aggregate
// run by an Agg node that has no initial condition (every aggregate of clv;
// not a user's own aggregate over a transition function of clv with a flat
// INITCOND, nor a window aggregate). Cached per call site. A C frame.
bool only_own_values(FunctionCallInfo fcinfo);

// The bytes of a state type's text form: \x and hex digits, as bytea's hex
// output. A C frame: ERROR 22P02 on anything else.
bytea* state_bytes_from_text(const char* text, const char* type_name);
// The text form of `bytes`; throws std::bad_alloc.
char* state_text(const std::string& bytes);

// For Aggregate::transition: check every row's arguments, constants or not.
constexpr int kNoConstantArgs = -1;

template <class Policy>
class Aggregate {
 public:
  using State = typename Policy::State;

  // Gets or creates the state in the aggregate context, checks the row's
  // arguments unless those from aggregate argument `constant_from` on are
  // constants of the query (kNoConstantArgs: always check), then runs
  // add(State&). Whatever add() needs from PostgreSQL that may raise an
  // ERROR, the caller reads before.
  template <class Add>
  static Datum transition(FunctionCallInfo fcinfo, const char* name, int constant_from, Add&& add) {
    MemoryContext context = aggregate_context(fcinfo, name);
    const bool fresh = PG_ARGISNULL(0);
    // A row's state is a cache miss in a hash aggregate over many groups:
    // when the value can only be the object returned before, its slot is
    // found without reading the object's header first.
    Slot* slot = fresh                     ? nullptr
                 : only_own_values(fcinfo) ? slot_at(PG_GETARG_DATUM(0))
                                           : own(PG_GETARG_DATUM(0), context);
    // Not the aggregate's own object (a flat state: a user's aggregate with
    // an initial condition): its arguments are checked on every row.
    Slot* given = slot == nullptr && !fresh ? read_arg(fcinfo, 0) : nullptr;
    const bool checked = !fresh && !settings_constant(fcinfo, constant_from);
    MemoryContext object_context = slot == nullptr ? state_arena(fcinfo, context) : nullptr;
    guarded([&] {
      if (fresh) {
        slot = make_object(object_context, Policy::create(object_context, fcinfo), fcinfo);
      } else if (given != nullptr) {
        slot = make_object(object_context, Policy::copy(given->state, object_context), fcinfo);
      }
      if (checked) Policy::check(slot->state, fcinfo);
      add(slot->state);
    });
    return datum(slot);
  }

  // The result is an object of the aggregate context: a left side that is
  // not (NULL, or flat) becomes a copy, never the right argument itself.
  static Datum combine(FunctionCallInfo fcinfo, const char* name) {
    MemoryContext context = aggregate_context(fcinfo, name);
    Slot* right = read_arg(fcinfo, 1);
    Slot* left = PG_ARGISNULL(0) ? nullptr : own(PG_GETARG_DATUM(0), context);
    if (left == nullptr && !PG_ARGISNULL(0)) left = adopt(fcinfo, context, read_arg(fcinfo, 0));
    if (right == nullptr) {
      if (left == nullptr) PG_RETURN_NULL();  // no rows on either side
      return datum(left);
    }
    if (left == nullptr) return datum(adopt(fcinfo, context, right));
    guarded([&] { Policy::merge(left->state, right->state); });
    return datum(left);
  }

  // NULL for a NULL state, else finish(State&): a C frame that runs its C++
  // work in guarded() itself and builds the result datum. It must not change
  // the state (a window aggregate calls it again).
  template <class Finish>
  static Datum finalize(FunctionCallInfo fcinfo, Finish&& finish) {
    Slot* slot = read_arg(fcinfo, 0);
    if (slot == nullptr) PG_RETURN_NULL();
    return finish(slot->state);
  }

  // The flat bytes of the state in argument 0 (bytea), for the internal-state
  // declarations' serialize function.
  static Datum serialize(FunctionCallInfo fcinfo) {
    Slot* slot = read_arg(fcinfo, 0);
    bytea* out = nullptr;
    guarded([&] { out = to_bytea(Policy::serialize(slot->state)); });
    PG_RETURN_BYTEA_P(out);
  }

  // The bytea in argument 0 as an object of the current (per-input) context,
  // like the built-in aggregates' deserialized states; combine copies what
  // it keeps.
  static Datum deserialize(FunctionCallInfo fcinfo, const char* name) {
    aggregate_context(fcinfo, name);
    return datum(read_arg(fcinfo, 0, true));
  }

  // The state type's input function: validated bytes, re-serialised.
  static Datum input(FunctionCallInfo fcinfo, const char* type_name) {
    const bytea* bytes = state_bytes_from_text(PG_GETARG_CSTRING(0), type_name);
    return flat_datum(VARDATA(bytes), VARSIZE(bytes) - VARHDRSZ,
                      ERRCODE_INVALID_TEXT_REPRESENTATION);
  }
  static Datum output(FunctionCallInfo fcinfo) {
    Slot* slot = read_arg(fcinfo, 0);
    char* text = nullptr;
    guarded([&] { text = state_text(Policy::serialize(slot->state)); });
    PG_RETURN_CSTRING(text);
  }
  static Datum receive(FunctionCallInfo fcinfo) {
    StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const int size = buf->len - buf->cursor;
    const char* data = pq_getmsgbytes(buf, size);
    return flat_datum(data, static_cast<size_t>(size), ERRCODE_INVALID_BINARY_REPRESENTATION);
  }
  static Datum send(FunctionCallInfo fcinfo) { return serialize(fcinfo); }

 private:
  struct Slot {
    explicit Slot(State&& s) : state(std::move(s)) {}
    State state;
  };
  // The expanded object, one allocation: PostgreSQL's header first (so that
  // a header pointer is an Object pointer) and the slot right after it, so
  // that a row's transition touches few cache lines. Every byte counts: in a
  // hash aggregate over many groups the states' size decides how many stay
  // in the caches.
  struct Object {
    ExpandedObjectHeader header;
    alignas(Slot) unsigned char storage[sizeof(Slot)];
  };
  // With the callback that runs the slot's destructor when the context is
  // reset, unless the policy says all the state's memory comes from the
  // context it was given (Policy::kStateInContext).
  struct ObjectWithDestructor {
    Object object;
    MemoryContextCallback destructor;
  };
  template <class P, class = void>
  struct StateInContext : std::false_type {};
  template <class P>
  struct StateInContext<P, std::void_t<decltype(P::kStateInContext)>>
      : std::bool_constant<P::kStateInContext> {};
  static constexpr bool kNeedsDestructor = !StateInContext<Policy>::value;
  static constexpr size_t kObjectSize =
      kNeedsDestructor ? sizeof(ObjectWithDestructor) : sizeof(Object);

  static Slot* slot_of(ExpandedObjectHeader* header) {
    return std::launder(reinterpret_cast<Slot*>(reinterpret_cast<Object*>(header)->storage));
  }
  // The header of an expanded datum (DatumGetEOHP, inline: this runs for
  // every row).
  static ExpandedObjectHeader* header_of(Datum value) {
    ExpandedObjectHeader* header;
    std::memcpy(&header, VARDATA_EXTERNAL(DatumGetPointer(value)), sizeof(header));
    return header;
  }

  // The flat form between get_flat_size and flatten_into, which PostgreSQL
  // calls in that order, but not always right after each other (a tuple
  // with two states sizes both first): flatten_into serialises again when
  // the kept one is another object's.
  struct Flattening {
    ExpandedObjectHeader* header;
    bytea* flat;
  };
  static inline Flattening flattening = {nullptr, nullptr};
  static bytea* serialized(ExpandedObjectHeader* header) {
    Slot* slot = slot_of(header);
    bytea* flat = nullptr;
    guarded([&] { flat = to_bytea(Policy::serialize(slot->state)); });
    return flat;
  }
  static Size flat_size(ExpandedObjectHeader* header) {
    // A bytea kept from an earlier call is left to its memory context, which
    // may be gone.
    flattening = {nullptr, nullptr};
    bytea* flat = serialized(header);
    flattening = {header, flat};
    return VARSIZE(flat);
  }
  static void flatten_into(ExpandedObjectHeader* header, void* result, Size size) {
    bytea* flat = flattening.header == header ? flattening.flat : serialized(header);
    flattening = {nullptr, nullptr};
    if (VARSIZE(flat) != size) elog(ERROR, "state changed between sizing and flattening");
    std::memcpy(result, flat, size);
    pfree(flat);
  }
  static constexpr ExpandedObjectMethods kMethods = {flat_size, flatten_into};

  // Only for slots of objects (make_object), not temporaries read from bytes.
  static Datum datum(Slot* slot) {
    auto* object =
        reinterpret_cast<Object*>(reinterpret_cast<char*>(slot) - offsetof(Object, storage));
    return EOHPGetRWDatum(&object->header);
  }

  // The slot of an object from its read-write datum, which points into its
  // header (EOHPGetRWDatum), without reading memory.
  static Slot* slot_at(Datum value) {
    return slot_of(reinterpret_cast<ExpandedObjectHeader*>(
        DatumGetPointer(value) - offsetof(ExpandedObjectHeader, eoh_rw_ptr)));
  }

  // The object of `value` when it is this family's read-write object of the
  // aggregate context `context` (the transition value, updated in place).
  static Slot* own(Datum value, MemoryContext context) {
    if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(value))) return nullptr;
    ExpandedObjectHeader* header = header_of(value);
    if (header->eoh_methods != &kMethods || header->eoh_context->parent != context) return nullptr;
    return slot_of(header);
  }

  // The state of argument `arg` to read, nullptr for NULL: this family's
  // object, or flat bytes validated into a temporary of the current context
  // (an object when `as_object`). A C frame.
  static Slot* read_arg(FunctionCallInfo fcinfo, int arg, bool as_object = false) {
    if (PG_ARGISNULL(arg)) return nullptr;
    const Datum value = PG_GETARG_DATUM(arg);
    if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(value))) {
      ExpandedObjectHeader* header = header_of(value);
      if (header->eoh_methods == &kMethods) return slot_of(header);
    }
    varlena* flat = PG_DETOAST_DATUM_PACKED(value);
    MemoryContext context = CurrentMemoryContext;
    Slot* slot = nullptr;
    guarded([&] {
      State state = Policy::deserialize(VARDATA_ANY(flat), VARSIZE_ANY_EXHDR(flat), context);
      slot = as_object ? make_object(context, std::move(state))
                       : make_in_context<Slot>(context, std::move(state));
    });
    return slot;
  }

  // A copy of `from` as an object of the aggregate context. A C frame.
  static Slot* adopt(FunctionCallInfo fcinfo, MemoryContext context, Slot* from) {
    MemoryContext object_context = state_arena(fcinfo, context);
    Slot* slot = nullptr;
    guarded([&] {
      slot = make_object(object_context, Policy::copy(from->state, object_context), fcinfo);
    });
    return slot;
  }

  // `state` as an expanded object of `context`: the arena of `fcinfo`'s
  // call (object_memory), or with no fcinfo any context.
  static Slot* make_object(MemoryContext context, State&& state,
                           FunctionCallInfo fcinfo = nullptr) {
    void* raw = fcinfo != nullptr
                    ? object_memory(fcinfo, context, kObjectSize)
                    : MemoryContextAllocExtended(context, kObjectSize, MCXT_ALLOC_NO_OOM);
    if (raw == nullptr) throw std::bad_alloc();
    static_assert(alignof(ObjectWithDestructor) <= MAXIMUM_ALIGNOF, "palloc's alignment suffices");
    auto* object = static_cast<Object*>(raw);
    Slot* slot = new (object->storage) Slot(std::move(state));
    EOH_init_header(&object->header, &kMethods, context);
    if constexpr (kNeedsDestructor) {
      MemoryContextCallback& destructor = static_cast<ObjectWithDestructor*>(raw)->destructor;
      destructor.func = [](void* arg) { static_cast<Slot*>(arg)->~Slot(); };
      destructor.arg = slot;
      MemoryContextRegisterResetCallback(context, &destructor);
    }
    return slot;
  }

  // A flat state of `data` after validating and re-serialising it; bad bytes
  // are ERROR `sqlstate`. A C frame.
  static Datum flat_datum(const char* data, size_t size, int sqlstate) {
    bytea* out = nullptr;
    guarded([&] {
      try {
        State state = Policy::deserialize(data, size, CurrentMemoryContext);
        out = to_bytea(Policy::serialize(state));
      } catch (const std::invalid_argument& e) {
        throw PgError(sqlstate, e.what(), "", "");
      }
    });
    PG_RETURN_POINTER(out);
  }
};

}  // namespace clv_pg
