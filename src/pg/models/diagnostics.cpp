// Model diagnostics of the buy-till-you-die models (BG/NBD, MBG/NBD,
// Pareto/NBD):
//   clv.frequency_recency_grid(model, t, horizon, max_frequency [, recency_step])
//     expected purchases and P(alive) over a frequency x recency grid;
//   clv.calibration_holdout(model, summaries clv.rfm_holdout[] [, max_frequency])
//     mean actual vs mean predicted holdout purchases per calibration frequency.
// Both are set-returning functions in materialize mode: the C++ work (core
// scoring, validation) runs inside one guarded() into plain vectors, and the
// rows are put into the tuplestore from the C frame afterwards.
#include "common/postgres.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/typcache.h"
}

#include <array>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "clv/common/format.hpp"
#include "clv/models/bgnbd.hpp"
#include "clv/models/mbgnbd.hpp"
#include "clv/models/pareto_nbd.hpp"
#include "clv/models/tracking.hpp"
#include "common/guard.hpp"
#include "models/arg_cache.hpp"
#include "models/btyd.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_bgnbd_frequency_recency_grid);
PG_FUNCTION_INFO_V1(clv_bgnbd_tracking_curve);
PG_FUNCTION_INFO_V1(clv_mbgnbd_tracking_curve);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_tracking_curve);
PG_FUNCTION_INFO_V1(clv_mbgnbd_frequency_recency_grid);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_frequency_recency_grid);
PG_FUNCTION_INFO_V1(clv_bgnbd_calibration_holdout);
PG_FUNCTION_INFO_V1(clv_mbgnbd_calibration_holdout);
PG_FUNCTION_INFO_V1(clv_pareto_nbd_calibration_holdout);
}

namespace {

namespace models = clv::models;

// At most this many grid rows (a typo in recency_step should not fill the disk).
constexpr double kMaxGridRows = 10'000'000;

using clv_pg::BgNbd;
using clv_pg::MbgNbd;
using clv_pg::ParetoNbd;

struct GridRow {
  int32 frequency;
  double recency, expected, p_alive;
};

// clv.tracking_curve(model, ages float8[], total, periods): NULL ages are
// skipped.
template <class M>
Datum tracking_curve(FunctionCallInfo fcinfo) {
  const auto params = clv_pg::model_fields<4>(fcinfo, 0, 0);
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(1);
  const double total = PG_GETARG_FLOAT8(2);
  const int32 periods = PG_GETARG_INT32(3);
  Datum* elements;
  bool* element_nulls;
  int n;
  deconstruct_array(array, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elements,
                    &element_nulls, &n);
  std::vector<double, clv_pg::PallocAllocator<double>> ages{
      clv_pg::PallocAllocator<double>(CurrentMemoryContext)};
  std::vector<clv::models::TrackingPoint, clv_pg::PallocAllocator<clv::models::TrackingPoint>>
      curve{clv_pg::PallocAllocator<clv::models::TrackingPoint>(CurrentMemoryContext)};
  clv_pg::guarded([&] {
    for (int i = 0; i < n; ++i)
      if (!element_nulls[i]) ages.push_back(DatumGetFloat8(elements[i]));
    const auto points = clv::models::tracking_curve(
        std::vector<double>(ages.begin(), ages.end()), total, periods,
        [&](double t) { return M::expected_purchases_new(M::params(params), t); },
        clv_pg::interrupts());
    curve.assign(points.begin(), points.end());
  });
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  int32 period = 0;
  for (const auto& point : curve) {
    Datum values[4] = {Int32GetDatum(++period), Float8GetDatum(point.at),
                       Float8GetDatum(point.cumulative), Float8GetDatum(point.incremental)};
    bool nulls[4] = {false, false, false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

template <class M>
Datum frequency_recency_grid(FunctionCallInfo fcinfo) {
  const auto params = clv_pg::model_fields<4>(fcinfo, 0, 0);
  const double t = PG_GETARG_FLOAT8(1);
  const double horizon = PG_GETARG_FLOAT8(2);
  const int32 max_frequency = PG_GETARG_INT32(3);
  const double step = PG_GETARG_FLOAT8(4);
  // palloc'd, so the rows put into the tuplestore after guarded() returns
  // cannot leak if that raises.
  std::vector<GridRow, clv_pg::PallocAllocator<GridRow>> rows{
      clv_pg::PallocAllocator<GridRow>(CurrentMemoryContext)};
  clv_pg::guarded([&] {
    if (!std::isfinite(t) || t <= 0)
      throw std::invalid_argument("t must be positive and finite, got " + clv::format_number(t));
    if (!std::isfinite(horizon) || horizon < 0)
      throw std::invalid_argument("horizon must be non-negative and finite, got " +
                                  clv::format_number(horizon));
    if (max_frequency < 0)
      throw std::invalid_argument("max_frequency must not be negative, got " +
                                  std::to_string(max_frequency));
    if (!std::isfinite(step) || step <= 0)
      throw std::invalid_argument("recency_step must be positive and finite, got " +
                                  clv::format_number(step));
    // Recency k * step for k = 1 .. floor(t / step) (with a tolerance for
    // steps that divide t up to rounding), and t itself when it is off-grid.
    const double steps = std::floor(t / step + 1e-9);
    if ((steps + 1) * (static_cast<double>(max_frequency) + 1) > kMaxGridRows)
      throw clv_pg::PgError(ERRCODE_PROGRAM_LIMIT_EXCEEDED,
                            "the grid would have more than 10000000 rows", "",
                            "Use a larger recency_step or a smaller max_frequency.");
    std::vector<double> recencies;
    for (double k = 1; k <= steps; ++k) recencies.push_back(std::min(k * step, t));
    if (recencies.empty() || recencies.back() < t - 1e-9 * t) recencies.push_back(t);
    rows.reserve(1 + static_cast<size_t>(max_frequency) * recencies.size());
    rows.push_back({0, 0.0, M::expected_purchases(M::params(params), 0, 0, t, horizon),
                    M::p_alive(M::params(params), 0, 0, t)});
    // Every cell: a recency row may hold millions of cells, and one Pareto/NBD
    // cell costs up to 0.1 s at extreme parameters.
    for (int32 x = 1; x <= max_frequency; ++x) {
      for (double t_x : recencies) {
        clv_pg::interrupt_poll();
        rows.push_back({x, t_x, M::expected_purchases(M::params(params), x, t_x, t, horizon),
                        M::p_alive(M::params(params), x, t_x, t)});
      }
    }
  });
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const GridRow& row : rows) {
    Datum values[4] = {Int32GetDatum(row.frequency), Float8GetDatum(row.recency),
                       Float8GetDatum(row.expected), Float8GetDatum(row.p_alive)};
    bool nulls[4] = {false, false, false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

// One customer of a clv.rfm_holdout summary.
struct Holdout {
  double frequency, recency, t, frequency_holdout, duration_holdout;
};

// Fields of clv.rfm_holdout used here (1-based): frequency, recency, t,
// frequency_holdout, duration_holdout.
constexpr int kHoldoutFields[5] = {1, 2, 3, 9, 11};
constexpr int kHoldoutNatts = 11;

// The non-NULL summaries of the array in argument 1 (NULL elements, and
// elements with a NULL field used here, are skipped), palloc'd. A C frame:
// no C++ objects, it may raise.
Holdout* holdout_summaries(FunctionCallInfo fcinfo, int* count) {
  ArrayType* array = PG_GETARG_ARRAYTYPE_P(1);
  const Oid element_type = ARR_ELEMTYPE(array);
  TupleDesc desc = lookup_rowtype_tupdesc(element_type, -1);
  bool fits = desc->natts >= kHoldoutNatts;
  for (int f = 0; f < 5 && fits; ++f) {
    // frequency and frequency_holdout are integer, the others float8 (a type
    // altered by ALTER TYPE would hand over other datums).
    const Form_pg_attribute attribute = TupleDescAttr(desc, kHoldoutFields[f] - 1);
    fits = !attribute->attisdropped && (attribute->atttypid == INT4OID) == (f == 0 || f == 3) &&
           (attribute->atttypid == INT4OID || attribute->atttypid == FLOAT8OID);
  }
  if (!fits) {
    ReleaseTupleDesc(desc);
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("summaries must be an array of clv.rfm_holdout"),
                    errhint("The extension's types must not be altered: ALTER TYPE them back, or "
                            "drop and create the extension again.")));
  }
  Datum* elements;
  bool* element_nulls;
  int n;
  deconstruct_array(array, element_type, -1, false, TYPALIGN_DOUBLE, &elements, &element_nulls, &n);
  auto* out = static_cast<Holdout*>(
      palloc_extended(sizeof(Holdout) * static_cast<Size>(n > 0 ? n : 1), MCXT_ALLOC_HUGE));
  int kept = 0;
  for (int i = 0; i < n; ++i) {
    if (element_nulls[i]) continue;
    HeapTupleHeader header = DatumGetHeapTupleHeader(elements[i]);
    HeapTupleData tuple;
    tuple.t_len = HeapTupleHeaderGetDatumLength(header);
    ItemPointerSetInvalid(&tuple.t_self);
    tuple.t_tableOid = InvalidOid;
    tuple.t_data = header;
    double v[5];
    bool any_null = false;
    for (int f = 0; f < 5 && !any_null; ++f) {
      bool isnull;
      const int attno = kHoldoutFields[f];
      Datum d = heap_getattr(&tuple, attno, desc, &isnull);
      if (isnull) {
        any_null = true;
      } else {
        v[f] = TupleDescAttr(desc, attno - 1)->atttypid == INT4OID
                   ? static_cast<double>(DatumGetInt32(d))
                   : DatumGetFloat8(d);
      }
    }
    if (!any_null) out[kept++] = {v[0], v[1], v[2], v[3], v[4]};
  }
  ReleaseTupleDesc(desc);
  *count = kept;
  return out;
}

struct CalibrationRow {
  int64 customers = 0;
  double actual = 0, predicted = 0;
};

template <class M>
Datum calibration_holdout(FunctionCallInfo fcinfo) {
  const auto params = clv_pg::model_fields<4>(fcinfo, 0, 0);
  const int32 max_frequency = PG_GETARG_INT32(2);
  int n_customers = 0;
  const Holdout* customers = holdout_summaries(fcinfo, &n_customers);
  using Groups = std::map<int32, CalibrationRow, std::less<int32>,
                          clv_pg::PallocAllocator<std::pair<const int32, CalibrationRow>>>;
  Groups groups{
      clv_pg::PallocAllocator<std::pair<const int32, CalibrationRow>>(CurrentMemoryContext)};
  clv_pg::guarded([&] {
    if (max_frequency < 1)
      throw std::invalid_argument("max_frequency must be at least 1, got " +
                                  std::to_string(max_frequency));
    for (int i = 0; i < n_customers; ++i) {
      const Holdout& c = customers[i];
      // Every customer: one Pareto/NBD evaluation costs up to 0.1 s at extreme
      // parameters (tail integrals by quadrature), and the poll a flag test.
      clv_pg::interrupt_poll();
      const int32 key = static_cast<int32>(std::min<double>(c.frequency, max_frequency));
      CalibrationRow& g = groups[key];
      ++g.customers;
      g.actual += c.frequency_holdout;
      g.predicted +=
          M::expected_purchases(M::params(params), c.frequency, c.recency, c.t, c.duration_holdout);
    }
  });
  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  for (const auto& [frequency, g] : groups) {
    const double n = static_cast<double>(g.customers);
    Datum values[4] = {Int32GetDatum(frequency), Int64GetDatum(g.customers),
                       Float8GetDatum(g.actual / n), Float8GetDatum(g.predicted / n)};
    bool nulls[4] = {false, false, false, false};
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  return (Datum)0;
}

}  // namespace

extern "C" {

Datum clv_bgnbd_tracking_curve(PG_FUNCTION_ARGS) {
  return tracking_curve<clv_pg::BgNbd>(fcinfo);
}
Datum clv_mbgnbd_tracking_curve(PG_FUNCTION_ARGS) {
  return tracking_curve<clv_pg::MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_tracking_curve(PG_FUNCTION_ARGS) {
  return tracking_curve<clv_pg::ParetoNbd>(fcinfo);
}

Datum clv_bgnbd_frequency_recency_grid(PG_FUNCTION_ARGS) {
  return frequency_recency_grid<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_frequency_recency_grid(PG_FUNCTION_ARGS) {
  return frequency_recency_grid<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_frequency_recency_grid(PG_FUNCTION_ARGS) {
  return frequency_recency_grid<ParetoNbd>(fcinfo);
}
Datum clv_bgnbd_calibration_holdout(PG_FUNCTION_ARGS) {
  return calibration_holdout<BgNbd>(fcinfo);
}
Datum clv_mbgnbd_calibration_holdout(PG_FUNCTION_ARGS) {
  return calibration_holdout<MbgNbd>(fcinfo);
}
Datum clv_pareto_nbd_calibration_holdout(PG_FUNCTION_ARGS) {
  return calibration_holdout<ParetoNbd>(fcinfo);
}

}  // extern "C"
