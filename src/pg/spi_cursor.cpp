#include "spi_cursor.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <string>

#include "guard.hpp"

namespace clv_pg {
namespace {

constexpr long kFetchRows = 10000;

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

// Copies a batch into cells. Runs under pg_call; nothing here throws.
void read_batch(SPITupleTable* table, uint64 rows, const std::vector<ColumnType>& columns,
                int returned, Cell* cells) {
  const int n = static_cast<int>(columns.size());
  for (uint64 r = 0; r < rows; ++r) {
    for (int c = 0; c < returned; ++c) {
      Cell& cell = cells[r * n + c];
      bool isnull;
      const Datum d = SPI_getbinval(table->vals[r], table->tupdesc, c + 1, &isnull);
      cell.null = isnull;
      if (isnull) continue;
      if (columns[c] == ColumnType::kText) {
        text* t = reinterpret_cast<text*>(pg_detoast_datum_packed(reinterpret_cast<varlena*>(d)));
        cell.text = std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
      } else {
        cell.integer = DatumGetInt64(d);
      }
    }
  }
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
                    size_t required) {
  Portal portal = nullptr;
  pg_call([&] {
    SPIPlanPtr plan = SPI_prepare_cursor(query, 0, nullptr, CURSOR_OPT_NO_SCROLL);
    if (plan == nullptr)
      elog(ERROR, "SPI_prepare_cursor failed: %s", SPI_result_code_string(SPI_result));
    portal = SPI_cursor_open(nullptr, plan, nullptr, nullptr, false);
  });
  const int returned = check_shape(what, portal->tupDesc, columns, required);

  MemoryContext batch_context = nullptr;
  pg_call([&] {
    batch_context =
        AllocSetContextCreate(CurrentMemoryContext, "clv cursor batch", ALLOCSET_DEFAULT_SIZES);
  });
  const size_t width = columns.size();
  std::vector<Cell> cells(kFetchRows * width);  // missing columns stay NULL
  for (;;) {
    interrupts()();
    uint64 rows = 0;
    SPITupleTable* table = nullptr;
    pg_call([&] {
      SPI_cursor_fetch(portal, true, kFetchRows);
      rows = SPI_processed;
      table = SPI_tuptable;
      if (rows > static_cast<uint64>(kFetchRows)) elog(ERROR, "cursor returned too many rows");
      MemoryContext old = MemoryContextSwitchTo(batch_context);
      read_batch(table, rows, columns, returned, cells.data());
      MemoryContextSwitchTo(old);
    });
    if (rows == 0) break;
    on_batch(cells.data(), rows);
    pg_call([&] {
      SPI_freetuptable(table);
      MemoryContextReset(batch_context);
    });
  }
  pg_call([&] {
    MemoryContextDelete(batch_context);
    SPI_cursor_close(portal);
  });
}

}  // namespace clv_pg
