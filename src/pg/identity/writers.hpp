// The session's checks on writing the persistent identity graph (see
// identity_writers.cpp): the caller's edges query of an ingest is marked
// while it runs, so that no writer of the graph starts from inside it.
#pragma once

namespace clv_pg {

// Around every run of an edges query (nested runs count); call
// edges_query_finished on every exit, an ERROR's included (PG_FINALLY).
void edges_query_started();
void edges_query_finished();

}  // namespace clv_pg
