# shellcheck shell=bash
# Sourced by the benchmarks: timing helpers against the running cluster.

# Server-side execution time (ms) of a query, from EXPLAIN ANALYZE, so that
# sending rows to the client is not counted. With workers > 0, parallel plans
# are forced (zero parallel costs) so every side runs Partial/Finalize
# aggregation whatever the planner would prefer.
exec_ms() {  # exec_ms WORKERS QUERY
  local force=""
  (($1 > 0)) && force="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"
  psql -At -v ON_ERROR_STOP=1 <<SQL | sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
SET max_parallel_workers_per_gather = $1;
$force
EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $2;
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# The q-quantile of the numbers on stdin, nearest rank (q = 0.9: p90).
quantile() { sort -n | awk -v q="$1" '{a[NR]=$1} END {r = int(q * NR); if (r < q * NR) r++; if (r < 1) r = 1; print a[r]}'; }

median_ms() {  # median_ms WORKERS REPS QUERY
  local times=() i
  for ((i = 0; i < $2; i++)); do times+=("$(exec_ms "$1" "$3")"); done
  printf "%s\n" "${times[@]}" | median
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print a / b}'; }
