#include "aggregate.hpp"

#include <cstring>
#include <new>

namespace clv_pg {

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function) {
  MemoryContext context;
  if (!AggCheckCallContext(fcinfo, &context))
    elog(ERROR, "%s called in non-aggregate context", function);
  return context;
}

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

bytea* to_bytea(const std::string& bytes) {
  void* mem = palloc_extended(VARHDRSZ + bytes.size(), MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
  if (mem == nullptr) throw std::bad_alloc();
  auto* out = static_cast<bytea*>(mem);
  SET_VARSIZE(out, VARHDRSZ + bytes.size());
  std::memcpy(VARDATA(out), bytes.data(), bytes.size());
  return out;
}

}  // namespace clv_pg
