// The session's checks on writing the persistent identity graph, called by
// the SQL writers of extension/functions/40_identity.sql:
//   clv.identity_write_check(writer) -> ERROR unless the graph may be
//     written now: in READ COMMITTED, and not while an ingest of this session
//     is running (from its edges query, or from a trigger during its apply);
//   clv.identity_ingest_step(step) -> the ingest's steps in their order:
//     'prepare' (takes the lock, empties the work tables), 'apply' (only
//     after a prepare of this transaction that was not rolled back), and
//     'applied' at the end of the apply.
// Why: writers take turns by a lock, and each must see what the previous one
// committed, which a REPEATABLE READ snapshot may predate; and the work
// tables of an ingest are the session's, so an ingest started from inside
// another one would empty or fill them under it.
//
// Plain C frames (ereport, transaction callbacks): no C++ objects here.
#include "common/postgres.hpp"

extern "C" {
#include "access/xact.h"
}

#include "identity/writers.hpp"

extern "C" {
PG_FUNCTION_INFO_V1(clv_identity_write_check);
PG_FUNCTION_INFO_V1(clv_identity_ingest_step);
}

namespace {

enum class IngestStep { kIdle, kPrepared, kApplying };

IngestStep ingest_step = IngestStep::kIdle;
// The subtransaction that entered ingest_step: rolling it (or an enclosing
// one) back releases the lock the prepare took, so the step is undone too.
SubTransactionId step_subtransaction = InvalidSubTransactionId;
int edges_queries_running = 0;
bool callbacks_registered = false;

void reset_step() {
  ingest_step = IngestStep::kIdle;
  step_subtransaction = InvalidSubTransactionId;
}

// Every transaction ends with no ingest in progress (its work tables are
// emptied at commit, its lock released).
void on_transaction_end(XactEvent, void*) {
  reset_step();
}

// Subtransaction ids grow: one at least as old as the step's, ending while
// the step is in force, is the step's own or encloses it.
void on_subtransaction_end(SubXactEvent event, SubTransactionId subtransaction, SubTransactionId,
                           void*) {
  if (event == SUBXACT_EVENT_ABORT_SUB && ingest_step != IngestStep::kIdle &&
      subtransaction <= step_subtransaction) {
    reset_step();
  }
}

void enter_step(IngestStep step) {
  if (!callbacks_registered) {
    RegisterXactCallback(on_transaction_end, nullptr);
    RegisterSubXactCallback(on_subtransaction_end, nullptr);
    callbacks_registered = true;
  }
  ingest_step = step;
  step_subtransaction = GetCurrentSubTransactionId();
}

void check_writer(const char* writer) {
  if (IsolationUsesXactSnapshot()) {
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_TRANSACTION_STATE),
             errmsg("%s needs a READ COMMITTED transaction, not %s", writer,
                    IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
             errdetail("The writers of the identity graph take turns by a lock, and each must see "
                       "what the previous one committed; this transaction reads the graph as of "
                       "a snapshot that may be older than the lock."),
             errhint("Run it in a READ COMMITTED transaction (BEGIN ISOLATION LEVEL READ "
                     "COMMITTED), whatever default_transaction_isolation says.")));
  }
  if (edges_queries_running > 0 || ingest_step == IngestStep::kApplying) {
    ereport(
        ERROR,
        (errcode(ERRCODE_OBJECT_IN_USE), errmsg("%s cannot run inside clv.identity_ingest", writer),
         errdetail("It was called from inside an ingest of this session (from its edges query, "
                   "or a trigger on the graph), whose work tables are in use until the ingest "
                   "has applied its edges."),
         errhint("Give one ingest all its edges in one query; ingest or retract more after "
                 "it returned.")));
  }
}

}  // namespace

namespace clv_pg {

void edges_query_started() {
  ++edges_queries_running;
}
void edges_query_finished() {
  --edges_queries_running;
}

}  // namespace clv_pg

// clv.identity_write_check(writer text) RETURNS void
extern "C" Datum clv_identity_write_check(PG_FUNCTION_ARGS) {
  check_writer(text_to_cstring(PG_GETARG_TEXT_PP(0)));
  PG_RETURN_VOID();
}

// clv.identity_ingest_step(step text) RETURNS void
extern "C" Datum clv_identity_ingest_step(PG_FUNCTION_ARGS) {
  const char* step = text_to_cstring(PG_GETARG_TEXT_PP(0));
  if (strcmp(step, "prepare") == 0) {
    check_writer("clv.identity_ingest");
    enter_step(IngestStep::kPrepared);
  } else if (strcmp(step, "apply") == 0) {
    check_writer("clv.identity_ingest");
    if (ingest_step != IngestStep::kPrepared) {
      ereport(ERROR,
              (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
               errmsg("clv.identity_ingest_apply must follow clv.identity_ingest_prepare in the "
                      "same transaction"),
               errdetail("The prepare step takes the lock that lets one writer of the identity "
                         "graph at a time apply its edges; it was not called in this "
                         "transaction, or rolled back to a savepoint since."),
               errhint("Call clv.identity_ingest(edges_query).")));
    }
    enter_step(IngestStep::kApplying);
  } else if (strcmp(step, "applied") == 0) {
    reset_step();
  } else {
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown ingest step \"%s\"", step)));
  }
  PG_RETURN_VOID();
}
