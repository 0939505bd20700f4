// Reading the rows of a query from C++ drivers, in batches. The query runs
// through SPI into a DestReceiver that copies each row's values into the
// batch as the executor produces it (SPI's own receiver would first copy
// every row into a tuple table), so at most one batch of rows is held at a
// time. Rows reach C++ as plain values; the batch callback runs under its own
// error guard, so a core that throws never unwinds through PostgreSQL frames.
#pragma once

#include "common/postgres.hpp"

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace clv_pg {

enum class ColumnType { kText, kInt8, kTimestampTz };

// One value of a fetched row. The text view stays valid during the callback.
struct Cell {
  bool null = true;
  std::string_view text;  // kText
  int64_t integer = 0;    // kInt8; kTimestampTz as PostgreSQL microseconds
};

// Connects to SPI for the duration of a driver, under guarded(). Call
// finish() on success; when an error is raised instead, the (sub)transaction's
// abort releases the connection.
class SpiSession {
 public:
  SpiSession();
  SpiSession(const SpiSession&) = delete;
  SpiSession& operator=(const SpiSession&) = delete;
  void finish();
};

// Runs `query` with the caller's privileges and calls on_row for every row
// with columns.size() cells. The query must be one read-only query (a single
// SELECT, VALUES, TABLE or WITH ... SELECT, modifying and locking nothing);
// others are ERROR 42P11. It may return fewer columns, down to
// `required` (default: all); the missing cells are NULL. `what` names the
// query in errors: a wrong number or type of columns is ERROR 42804.
void for_each_row(const char* what, const char* query, const std::vector<ColumnType>& columns,
                  const std::function<void(const Cell* row)>& on_row, size_t required = SIZE_MAX);
// The same, a batch at a time: on_batch gets `rows` rows (at most 10,000)
// of columns.size() cells each, valid during the call. on_estimate, if
// given, first gets the planner's estimate of the number of rows.
void for_each_batch(const char* what, const char* query, const std::vector<ColumnType>& columns,
                    const std::function<void(const Cell* cells, size_t rows)>& on_batch,
                    size_t required = SIZE_MAX,
                    const std::function<void(double rows)>& on_estimate = {});

}  // namespace clv_pg
