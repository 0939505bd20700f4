#include "common/spi_query.hpp"

extern "C" {
#include "executor/spi.h"
#include "nodes/plannodes.h"
#include "nodes/parsenodes.h"
#include "tcop/cmdtag.h"
#include "utils/plancache.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/guard.hpp"

namespace clv_pg {
namespace {

constexpr size_t kBatchRows = 10000;
// Text bytes a batch may hold before it is handed over early (a single row
// with more gets a buffer of its size).
constexpr size_t kBatchTextBytes = size_t{1} << 20;
constexpr int kMaxColumns = 8;

bool accepts(ColumnType expected, Oid type) {
  type = getBaseType(type);
  switch (expected) {
    case ColumnType::kText:
      return type == TEXTOID || type == VARCHAROID;
    case ColumnType::kInt8:
      return type == INT8OID;
    case ColumnType::kTimestampTz:
      return type == TIMESTAMPTZOID;
  }
  return false;
}

const char* type_name(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInt8:
      return "bigint";
    case ColumnType::kTimestampTz:
      return "timestamp with time zone";
  }
  return "?";
}

// Throws PgError 42804 unless the cursor returns `required` up to
// columns.size() columns of the expected types; returns their number.
int check_shape(const char* what, TupleDesc desc, const std::vector<ColumnType>& columns,
                size_t required) {
  const int natts = desc == nullptr ? 0 : desc->natts;
  const int most = static_cast<int>(columns.size());
  const int least = static_cast<int>(std::min(required, columns.size()));
  if (natts < least || natts > most) {
    const std::string count = least == most ? std::to_string(most)
                                            : std::to_string(least) + " to " + std::to_string(most);
    throw PgError(ERRCODE_DATATYPE_MISMATCH,
                  std::string(what) + " must return " + (least == most ? "exactly " : "") + count +
                      " columns",
                  "It returns " + std::to_string(natts) + " column(s).");
  }
  for (int i = 0; i < natts; ++i) {
    const Oid type = TupleDescAttr(desc, i)->atttypid;
    if (accepts(columns[i], type)) continue;
    char* name = nullptr;
    pg_call([&] { name = format_type_be(getBaseType(type)); });
    throw PgError(ERRCODE_DATATYPE_MISMATCH,
                  "column " + std::to_string(i + 1) + " of " + what + " must be of type " +
                      type_name(columns[i]) + ", not " + name,
                  "", std::string("Cast the column to ") + type_name(columns[i]) + ".");
  }
  return natts;
}

// The query's DestReceiver. PostgreSQL calls it from the executor, so its
// callbacks must not throw: C++ work runs under guarded(), which turns an
// exception into a PostgreSQL error raised after the try scope has ended.
struct BatchReceiver {
  DestReceiver base;  // first, so a DestReceiver* points at the whole
  const char* what;
  const std::vector<ColumnType>* columns;
  size_t required;
  const std::function<void(const Cell*, size_t)>* on_batch;
  Cell* cells;   // kBatchRows rows of columns->size() cells
  int returned;  // columns the query returns
  size_t rows;
  MemoryContext context;  // holds text
  char* text;             // the batch's text bytes, reused by every batch
  size_t text_capacity;
  size_t text_used;
};

void hand_over(BatchReceiver& r) {
  guarded([&] { (*r.on_batch)(r.cells, r.rows); });
  r.rows = 0;
  r.text_used = 0;
}

void receiver_startup(DestReceiver* self, int, TupleDesc typeinfo) {
  auto& r = *reinterpret_cast<BatchReceiver*>(self);
  r.returned = guarded([&] { return check_shape(r.what, typeinfo, *r.columns, r.required); });
}

// Copies the row's values into the batch; a full batch goes to on_batch.
bool receive_row(TupleTableSlot* slot, DestReceiver* self) {
  auto& r = *reinterpret_cast<BatchReceiver*>(self);
  const size_t width = r.columns->size();
  slot_getsomeattrs(slot, r.returned);
  // Detoast first: the row's text must fit in the buffer as a whole.
  varlena* texts[kMaxColumns];
  size_t row_bytes = 0;
  for (int c = 0; c < r.returned; ++c) {
    if (slot->tts_isnull[c] || (*r.columns)[c] != ColumnType::kText) continue;
    texts[c] = pg_detoast_datum_packed(reinterpret_cast<varlena*>(slot->tts_values[c]));
    row_bytes += VARSIZE_ANY_EXHDR(texts[c]);
  }
  if (r.text_used + row_bytes > r.text_capacity) {
    if (r.rows > 0) hand_over(r);
    if (row_bytes > r.text_capacity) {  // the buffer is empty: no cell points into it
      r.text = static_cast<char*>(repalloc_huge(r.text, row_bytes));
      r.text_capacity = row_bytes;
    }
  }
  Cell* row = &r.cells[r.rows * width];
  for (int c = 0; c < r.returned; ++c) {
    Cell& cell = row[c];
    cell.null = slot->tts_isnull[c];
    if (cell.null) continue;
    if ((*r.columns)[c] == ColumnType::kText) {
      const size_t size = VARSIZE_ANY_EXHDR(texts[c]);
      char* copy = r.text + r.text_used;
      if (size > 0) std::memcpy(copy, VARDATA_ANY(texts[c]), size);
      r.text_used += size;
      cell.text = std::string_view(copy, size);
      if (texts[c] != reinterpret_cast<varlena*>(slot->tts_values[c])) pfree(texts[c]);
    } else {
      cell.integer = DatumGetInt64(slot->tts_values[c]);
    }
  }
  if (++r.rows == kBatchRows) hand_over(r);
  return true;
}

void receiver_noop(DestReceiver*) {}

// Only one plain, read-only query: SELECT, VALUES, TABLE or WITH ... SELECT
// without data-modifying parts. Utility statements (SHOW, EXPLAIN, EXECUTE,
// SELECT INTO, ...) have no plan tree to read rows from. C frames only.
void refuse_unless_read_only(const char* what, SPIPlanPtr plan) {
  List* sources = SPI_plan_get_plan_sources(plan);
  const char* kind = nullptr;
  if (list_length(sources) != 1) {
    kind = "several statements";
  } else {
    auto* source = static_cast<CachedPlanSource*>(linitial(sources));
    if (source->commandTag != CMDTAG_SELECT || list_length(source->query_list) != 1) {
      kind = GetCommandTagName(source->commandTag);
    } else {
      Query* parsed = linitial_node(Query, source->query_list);
      if (parsed->commandType != CMD_SELECT || parsed->utilityStmt != nullptr)
        kind = "a utility statement";
      else if (parsed->hasModifyingCTE)
        kind = "a WITH clause that modifies data";
      else if (parsed->rowMarks != NIL)
        kind = "SELECT ... FOR UPDATE/SHARE";
    }
  }
  if (kind != nullptr)
    ereport(ERROR, (errcode(ERRCODE_INVALID_CURSOR_DEFINITION),
                    errmsg("%s must be one read-only query, not %s", what, kind),
                    errhint("Pass a SELECT, VALUES, TABLE or WITH ... SELECT query.")));
}

}  // namespace

SpiSession::SpiSession() {
  pg_call([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
}

void SpiSession::finish() {
  pg_call([] {
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "SPI_finish failed");
  });
}

void for_each_row(const char* what, const char* query, const std::vector<ColumnType>& columns,
                  const std::function<void(const Cell* row)>& on_row, size_t required) {
  const size_t width = columns.size();
  for_each_batch(
      what, query, columns,
      [&](const Cell* cells, size_t rows) {
        for (size_t r = 0; r < rows; ++r) on_row(&cells[r * width]);
      },
      required);
}

void for_each_batch(const char* what, const char* query, const std::vector<ColumnType>& columns,
                    const std::function<void(const Cell* cells, size_t rows)>& on_batch,
                    size_t required, const std::function<void(double rows)>& on_estimate) {
  const size_t width = columns.size();
  if (width > kMaxColumns) throw std::logic_error("for_each_batch: too many columns");
  std::vector<Cell> cells(kBatchRows * width);  // missing columns stay NULL

  BatchReceiver receiver{};
  receiver.base.receiveSlot = receive_row;
  receiver.base.rStartup = receiver_startup;
  receiver.base.rShutdown = receiver_noop;
  receiver.base.rDestroy = receiver_noop;
  // Not DestSPI, whose tuple table SPI would check; DestNone only changes
  // SPI's return code.
  receiver.base.mydest = DestNone;
  receiver.what = what;
  receiver.columns = &columns;
  receiver.required = required;
  receiver.on_batch = &on_batch;
  receiver.cells = cells.data();
  SPIPlanPtr plan = nullptr;
  double estimated_rows = -1;
  pg_call([&] {
    receiver.context =
        AllocSetContextCreate(CurrentMemoryContext, "clv query batch", ALLOCSET_DEFAULT_SIZES);
    receiver.text = static_cast<char*>(MemoryContextAlloc(receiver.context, kBatchTextBytes));
    receiver.text_capacity = kBatchTextBytes;

    plan = SPI_prepare(query, 0, nullptr);
    if (plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    refuse_unless_read_only(what, plan);
    if (on_estimate) {
      // The plan the execution below reuses (the query has no parameters).
      // The plan is not kept (SPI_keepplan), so no resource owner holds it.
      CachedPlan* cached = SPI_plan_get_cached_plan(plan);
      if (cached != nullptr) {
        estimated_rows = linitial_node(PlannedStmt, cached->stmt_list)->planTree->plan_rows;
        ReleaseCachedPlan(cached, nullptr);
      }
    }
  });
  if (estimated_rows >= 0) on_estimate(estimated_rows);
  pg_call([&] {
    SPIExecuteOptions options{};
    options.dest = &receiver.base;
    const int result = SPI_execute_plan_extended(plan, &options);
    if (result < 0)
      elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(result));
  });
  if (receiver.rows > 0) on_batch(cells.data(), receiver.rows);
  pg_call([&] { MemoryContextDelete(receiver.context); });
}

}  // namespace clv_pg
