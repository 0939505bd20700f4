#include "common/aggregate.hpp"

#include <cmath>
#include <cstring>
#include <new>
#include <stdexcept>

#include "clv/common/format.hpp"
#include "common/guard.hpp"

namespace clv_pg {

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function) {
  MemoryContext context;
  if (!AggCheckCallContext(fcinfo, &context))
    elog(ERROR, "%s called in non-aggregate context", function);
  return context;
}

namespace {

// Whether the aggregate's arguments from `first` on are constants in the
// query.
bool constant_args(FunctionCallInfo fcinfo, int first) {
  Aggref* aggref = AggGetAggref(fcinfo);
  if (aggref == nullptr) return false;
  int i = 0;
  ListCell* cell;
  foreach (cell, aggref->args) {
    auto* entry = static_cast<TargetEntry*>(lfirst(cell));
    if (i++ >= first && !IsA(entry->expr, Const)) return false;
  }
  return true;
}

}  // namespace

double numeric_to_double(Datum numeric, const char* what) {
  const double value = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, numeric));
  if (!std::isinf(value) || numeric_is_inf(DatumGetNumeric(numeric))) return value;
  const char* text = DatumGetCString(DirectFunctionCall1(numeric_out, numeric));
  guarded([&] {
    throw std::range_error(std::string(what) + " " + clv::shorten_number_text(text) +
                           " is out of the range of double precision");
  });
  return value;  // not reached: guarded() raised the error
}

bytea* to_bytea(const std::string& bytes) {
  void* mem = palloc_extended(VARHDRSZ + bytes.size(), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
  if (mem == nullptr) throw std::bad_alloc();
  auto* out = static_cast<bytea*>(mem);
  SET_VARSIZE(out, VARHDRSZ + bytes.size());
  std::memcpy(VARDATA(out), bytes.data(), bytes.size());
  return out;
}

namespace {

// Names the arenas (compared by address).
const char kArenaName[] = "clv_ext aggregate states";

// Bumped whenever an arena is reset or deleted, which invalidates every call
// site's cached arena without a callback per call site.
uint64 arena_generation = 0;

// What a call site of a transition function keeps in fn_extra.
struct CallSite {
  // The arena of aggregate_context, valid while generation is current.
  MemoryContext aggregate_context;
  MemoryContext arena;
  uint64 generation;
  int8 own_values;         // only_own_values(): -1 until known
  int8 constant_settings;  // settings_constant(): -1 until known
  // The unused rest of the arena's block that object_memory() carves.
  char* free_begin;
  size_t free_size;
};

// The blocks object_memory() carves objects from.
constexpr size_t kObjectBlockSize = 32 * 1024;

CallSite* call_site(FunctionCallInfo fcinfo) {
  auto* site = static_cast<CallSite*>(fcinfo->flinfo->fn_extra);
  if (site == nullptr) {
    site = static_cast<CallSite*>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(CallSite)));
    *site = CallSite{nullptr, nullptr, 0, -1, -1, nullptr, 0};
    fcinfo->flinfo->fn_extra = site;
  }
  return site;
}

void arena_gone(void*) {
  ++arena_generation;
}

// Whether the aggregate being run by an Agg node has no initial condition.
bool without_initial_condition(FunctionCallInfo fcinfo) {
  if (fcinfo->context == nullptr || !IsA(fcinfo->context, AggState)) return false;
  Aggref* aggref = AggGetAggref(fcinfo);
  if (aggref == nullptr) return false;
  HeapTuple tuple = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggref->aggfnoid));
  if (!HeapTupleIsValid(tuple)) return false;
  bool no_initcond = false;
  SysCacheGetAttr(AGGFNOID, tuple, Anum_pg_aggregate_agginitval, &no_initcond);
  ReleaseSysCache(tuple);
  return no_initcond;
}

}  // namespace

MemoryContext state_arena(FunctionCallInfo fcinfo, MemoryContext context) {
  CallSite* site = call_site(fcinfo);
  if (site->arena != nullptr && site->aggregate_context == context &&
      site->generation == arena_generation)
    return site->arena;
  MemoryContext arena = nullptr;
  for (MemoryContext child = context->firstchild; child != nullptr; child = child->nextchild) {
    if (child->name == kArenaName) {
      arena = child;
      break;
    }
  }
  if (arena == nullptr) {
    // The Internal form: the name is compared by address, so it is a named constant.
    arena = AllocSetContextCreateInternal(context, kArenaName, ALLOCSET_DEFAULT_SIZES);
    auto* callback = static_cast<MemoryContextCallback*>(
        MemoryContextAlloc(arena, sizeof(MemoryContextCallback)));
    callback->func = arena_gone;
    callback->arg = nullptr;
    MemoryContextRegisterResetCallback(arena, callback);
  }
  site->aggregate_context = context;
  site->arena = arena;
  site->generation = arena_generation;
  site->free_begin = nullptr;
  site->free_size = 0;
  return arena;
}

void* object_memory(FunctionCallInfo fcinfo, MemoryContext arena, size_t size) {
  CallSite* site = call_site(fcinfo);
  size = MAXALIGN(size);
  if (site->arena != arena || site->generation != arena_generation || size > kObjectBlockSize / 4)
    return MemoryContextAllocExtended(arena, size, MCXT_ALLOC_NO_OOM);
  if (site->free_size < size) {
    void* block = MemoryContextAllocExtended(arena, kObjectBlockSize, MCXT_ALLOC_NO_OOM);
    if (block == nullptr) return nullptr;
    site->free_begin = static_cast<char*>(block);
    site->free_size = kObjectBlockSize;
  }
  void* memory = site->free_begin;
  site->free_begin += size;
  site->free_size -= size;
  return memory;
}

bool only_own_values(FunctionCallInfo fcinfo) {
  CallSite* site = call_site(fcinfo);
  if (site->own_values < 0) site->own_values = without_initial_condition(fcinfo) ? 1 : 0;
  return site->own_values == 1;
}

bool settings_constant(FunctionCallInfo fcinfo, int first) {
  if (first < 0) return false;
  CallSite* site = call_site(fcinfo);
  if (site->constant_settings < 0)
    site->constant_settings = only_own_values(fcinfo) && constant_args(fcinfo, first) ? 1 : 0;
  return site->constant_settings == 1;
}

bytea* state_bytes_from_text(const char* text, const char* type_name) {
  const size_t length = std::strlen(text);
  if (length < 2 || text[0] != '\\' || text[1] != 'x' || length % 2 != 0)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
             errmsg("invalid input syntax for type %s", type_name),
             errdetail("A state is written as \\x followed by pairs of hexadecimal digits.")));
  const size_t size = (length - 2) / 2;
  auto* out = static_cast<bytea*>(palloc(VARHDRSZ + size));
  SET_VARSIZE(out, VARHDRSZ + hex_decode(text + 2, length - 2, VARDATA(out)));
  return out;
}

char* state_text(const std::string& bytes) {
  void* mem = palloc_extended(3 + 2 * bytes.size(), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
  if (mem == nullptr) throw std::bad_alloc();
  auto* text = static_cast<char*>(mem);
  text[0] = '\\';
  text[1] = 'x';
  text[2 + hex_encode(bytes.data(), bytes.size(), text + 2)] = '\0';
  return text;
}

}  // namespace clv_pg
