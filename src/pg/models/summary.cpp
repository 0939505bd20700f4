// clv.model_summary(model) and clv.model_draws(model, draws, seed),
// overloaded in SQL on every model type: one row per parameter with its
// standard error and 95 % interval, and parametric-bootstrap draws of the
// model, from the covariance matrix the fit stored in the model
// (clv/models/summary.hpp). The parameters are the model type's float8
// attributes before log_likelihood, named after them (and the coefficients
// of a model with covariates, see read_model).
#include "common/postgres.hpp"

extern "C" {
#include "utils/tuplestore.h"
#include "utils/typcache.h"
}

#include <algorithm>
#include <string>
#include <vector>

#include "clv/models/covariates.hpp"
#include "clv/models/summary.hpp"
#include "common/guard.hpp"
#include "common/srf.hpp"
#include "models/float8_values.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_model_summary);
PG_FUNCTION_INFO_V1(clv_model_draws);
}

namespace {

// A model's positive parameters, then for a model with covariates its two
// coefficient arrays of up to kMaxCovariates each.
constexpr int kMaxParameters = 4 + 2 * static_cast<int>(clv::models::kMaxCovariates);

// What the C frame reads from the model value, in palloc'd arrays (no C++
// object may live across an ERROR there).
struct ModelValues {
  int k = 0;
  int log_parameters = 0;  // the leading positive parameters; the rest are coefficients
  int* attno;              // 0-based attribute of each parameter
  const char** names;
  double* estimates;
  bool has_covariance = false;
  double* covariance;  // k x k when has_covariance
};

[[noreturn]] void altered_type(Oid type) {
  ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                  errmsg("%s is not a model type of clv_ext", format_type_be(type)),
                  errhint("The extension's types must not be altered: ALTER TYPE them back, or "
                          "drop and create the extension again.")));
}

// Reads the parameters and the covariance matrix (none when NULL or empty);
// raises on NULL parameters and on a covariance that is not a k x k matrix
// without NULLs.
// The parameters are the float8 attributes before log_likelihood, then the
// elements of the float8[] attributes gamma_purchase and gamma_dropout
// (coefficients), named name[1], name[2], ...
void read_model(HeapTupleHeader header, ModelValues& out) {
  out.attno = static_cast<int*>(palloc(sizeof(int) * kMaxParameters));
  out.names = static_cast<const char**>(palloc(sizeof(char*) * kMaxParameters));
  out.estimates = static_cast<double*>(palloc(sizeof(double) * kMaxParameters));
  const Oid type = HeapTupleHeaderGetTypeId(header);
  TupleDesc desc = lookup_rowtype_tupdesc(type, HeapTupleHeaderGetTypMod(header));
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(header);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = header;
  int covariance_attno = 0;
  bool found_log_likelihood = false;
  for (int i = 0; i < desc->natts; ++i) {
    const Form_pg_attribute att = TupleDescAttr(desc, i);
    if (att->attisdropped) continue;
    if (strcmp(NameStr(att->attname), "log_likelihood") == 0) found_log_likelihood = true;
    if (strcmp(NameStr(att->attname), "covariance") == 0 && att->atttypid == FLOAT8ARRAYOID)
      covariance_attno = i + 1;
    if (found_log_likelihood) continue;
    bool isnull;
    const Datum d = heap_getattr(&tuple, i + 1, desc, &isnull);
    if (att->atttypid == FLOAT8ARRAYOID && out.k > 0) {
      if (isnull)
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("model coefficients %s are NULL", NameStr(att->attname))));
      const clv_pg::Float8Values gamma = clv_pg::float8_values(d, NameStr(att->attname));
      if (gamma.count > static_cast<int>(clv::models::kMaxCovariates))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("a model has at most %zu covariates, %s has %d",
                               clv::models::kMaxCovariates, NameStr(att->attname), gamma.count)));
      if (out.k + gamma.count > kMaxParameters) altered_type(type);
      for (int j = 0; j < gamma.count; ++j) {
        out.attno[out.k] = i;
        out.names[out.k] = psprintf("%s[%d]", NameStr(att->attname), j + 1);
        out.estimates[out.k++] = gamma.values[j];
      }
      continue;
    }
    if (att->atttypid != FLOAT8OID || out.k != out.log_parameters || out.k == kMaxParameters)
      altered_type(type);
    if (isnull)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("model parameter %s is NULL", NameStr(att->attname))));
    out.attno[out.k] = i;
    out.names[out.k] = pstrdup(NameStr(att->attname));
    out.estimates[out.k++] = DatumGetFloat8(d);
    out.log_parameters = out.k;
  }
  if (!found_log_likelihood || out.k == 0 || covariance_attno == 0) altered_type(type);
  bool isnull;
  const Datum d = heap_getattr(&tuple, covariance_attno, desc, &isnull);
  ReleaseTupleDesc(desc);
  if (isnull) return;
  ArrayType* array = DatumGetArrayTypeP(d);
  if (ARR_NDIM(array) == 0) return;  // a fit that did not converge
  const int k = out.k;
  if (ARR_NDIM(array) != 2 || ARR_DIMS(array)[0] != k || ARR_DIMS(array)[1] != k ||
      ARR_HASNULL(array))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("the model's covariance must be a %d x %d matrix without NULLs", k, k)));
  const double* values = reinterpret_cast<const double*>(ARR_DATA_PTR(array));
  out.covariance = static_cast<double*>(palloc(sizeof(double) * k * k));
  for (int i = 0; i < k * k; ++i) out.covariance[i] = values[i];
  out.has_covariance = true;
}

}  // namespace

extern "C" {

Datum clv_model_summary(PG_FUNCTION_ARGS) {
  ModelValues model;
  read_model(PG_GETARG_HEAPTUPLEHEADER(0), model);
  clv_pg::guarded([&] {
    const std::vector<std::string> names(model.names, model.names + model.k);
    const std::vector<double> estimates(model.estimates, model.estimates + model.k);
    const std::vector<double> covariance =
        model.has_covariance
            ? std::vector<double>(model.covariance, model.covariance + model.k * model.k)
            : std::vector<double>();
    const auto rows = clv::models::summarize_parameters(names, estimates, covariance,
                                                        static_cast<size_t>(model.log_parameters));
    clv_pg::SrfWriter out(fcinfo);
    auto number = [](const std::optional<double>& v) {
      return v ? clv_pg::OutValue::of_float8(*v) : clv_pg::OutValue::null();
    };
    for (const auto& row : rows)
      out.put({clv_pg::OutValue::of_text(row.parameter), clv_pg::OutValue::of_float8(row.estimate),
               number(row.std_error), number(row.lower_95), number(row.upper_95)});
  });
  return (Datum)0;
}

// Each draw is the model with its parameters replaced; the other fields
// (the fit's log-likelihood, covariance, ...) are the original's.
Datum clv_model_draws(PG_FUNCTION_ARGS) {
  HeapTupleHeader header = PG_GETARG_HEAPTUPLEHEADER(0);
  const int32 draws = PG_GETARG_INT32(1);
  const int64 seed = PG_GETARG_INT64(2);
  if (draws < 0 || static_cast<size_t>(draws) > clv::models::kMaxParameterDraws)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("draws must be between 0 and %zu, got %d",
                           clv::models::kMaxParameterDraws, draws)));
  ModelValues model;
  read_model(header, model);
  const int k = model.k;
  double* drawn =
      static_cast<double*>(palloc(sizeof(double) * (static_cast<size_t>(draws) * k + 1)));
  clv_pg::guarded([&] {
    const std::vector<double> estimates(model.estimates, model.estimates + k);
    const std::vector<double> covariance =
        model.has_covariance ? std::vector<double>(model.covariance, model.covariance + k * k)
                             : std::vector<double>();
    const auto values = clv::models::draw_parameters(
        estimates, covariance, static_cast<size_t>(draws), static_cast<uint64_t>(seed),
        static_cast<size_t>(model.log_parameters));
    std::copy(values.begin(), values.end(), drawn);
  });

  InitMaterializedSRF(fcinfo, 0);
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  TupleDesc desc = rsinfo->setDesc;
  TupleDesc in_desc =
      lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(header), HeapTupleHeaderGetTypMod(header));
  const int natts = in_desc->natts;
  if (natts != desc->natts) {
    ReleaseTupleDesc(in_desc);
    elog(ERROR, "model and result types differ");
  }
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(header);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = header;
  Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * natts));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * natts));
  heap_deform_tuple(&tuple, in_desc, values, nulls);
  ReleaseTupleDesc(in_desc);
  // A draw's coefficient arrays live until its row is stored.
  MemoryContext per_draw =
      AllocSetContextCreate(CurrentMemoryContext, "clv model draw", ALLOCSET_SMALL_SIZES);
  Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * k));
  for (int d = 0; d < draws; ++d) {
    if ((d & 4095) == 0) CHECK_FOR_INTERRUPTS();
    const double* draw = drawn + static_cast<size_t>(d) * k;
    MemoryContext old = MemoryContextSwitchTo(per_draw);
    for (int i = 0; i < k;) {
      const int attno = model.attno[i];
      nulls[attno] = false;
      if (i < model.log_parameters) {
        values[attno] = Float8GetDatum(draw[i++]);
        continue;
      }
      // The coefficients of one array attribute, in order.
      int n = 0;
      for (; i < k && model.attno[i] == attno; ++i) elements[n++] = Float8GetDatum(draw[i]);
      values[attno] = PointerGetDatum(
          construct_array(elements, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
    }
    tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
    MemoryContextSwitchTo(old);
    MemoryContextReset(per_draw);
  }
  MemoryContextDelete(per_draw);
  return (Datum)0;
}

}  // extern "C"
