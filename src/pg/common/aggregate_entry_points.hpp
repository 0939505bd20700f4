// The SQL entry points of an aggregate state family besides its transition
// and final functions, in one macro per family.
#pragma once

#include "common/aggregate.hpp"

// The entry points of the state family `Agg` (an Aggregate<Policy>) besides
// its transition and final functions: PREFIX_combinefn; the internal-state
// declarations' PREFIX_serialfn and PREFIX_deserialfn; the state type's
// PREFIX_state_in, _out, _recv and _send. At file scope, outside any
// namespace.
#define CLV_AGGREGATE_STATE_FUNCTIONS(Agg, PREFIX, TYPE_NAME) \
  extern "C" {                                                \
  PG_FUNCTION_INFO_V1(PREFIX##_combinefn);                    \
  PG_FUNCTION_INFO_V1(PREFIX##_serialfn);                     \
  PG_FUNCTION_INFO_V1(PREFIX##_deserialfn);                   \
  PG_FUNCTION_INFO_V1(PREFIX##_state_in);                     \
  PG_FUNCTION_INFO_V1(PREFIX##_state_out);                    \
  PG_FUNCTION_INFO_V1(PREFIX##_state_recv);                   \
  PG_FUNCTION_INFO_V1(PREFIX##_state_send);                   \
  Datum PREFIX##_combinefn(PG_FUNCTION_ARGS) {                \
    return Agg::combine(fcinfo, #PREFIX "_combinefn");        \
  }                                                           \
  Datum PREFIX##_serialfn(PG_FUNCTION_ARGS) {                 \
    return Agg::serialize(fcinfo);                            \
  }                                                           \
  Datum PREFIX##_deserialfn(PG_FUNCTION_ARGS) {               \
    return Agg::deserialize(fcinfo, #PREFIX "_deserialfn");   \
  }                                                           \
  Datum PREFIX##_state_in(PG_FUNCTION_ARGS) {                 \
    return Agg::input(fcinfo, TYPE_NAME);                     \
  }                                                           \
  Datum PREFIX##_state_out(PG_FUNCTION_ARGS) {                \
    return Agg::output(fcinfo);                               \
  }                                                           \
  Datum PREFIX##_state_recv(PG_FUNCTION_ARGS) {               \
    return Agg::receive(fcinfo);                              \
  }                                                           \
  Datum PREFIX##_state_send(PG_FUNCTION_ARGS) {               \
    return Agg::send(fcinfo);                                 \
  }                                                           \
  }
