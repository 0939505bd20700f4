#!/usr/bin/env bash
# clv.rfm_agg against the built-in aggregates doing the least comparable work
# (count(*), min(ts), max(ts), sum(amount)) over the same GROUP BY customer,
# serial and with 2 parallel workers, on generated transactions, in one run on
# a throwaway cluster. Prints medians and the ratio clv/built-in.
#   bash bench/rfm_bench.sh [--rows N] [--customers M] [--reps R]
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

rows=5000000
customers=200000
reps=5
while (($#)); do
  case $1 in
    --rows) rows=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--customers M] [--reps R]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh >/dev/null
CLV_CLUSTER_DIR=/tmp/clv_ext_bench_$(id -u)
export CLV_CLUSTER_DIR CLV_PGPORT=54339
source scripts/cluster_env.sh
trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/cluster.sh start "shared_buffers = '2GB'" "work_mem = '256MB'" \
  "max_parallel_workers_per_gather = 2" "jit = off"

psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION clv_ext;
SELECT setseed(0.42);
CREATE TABLE tx AS
SELECT (random() * ($customers - 1))::int AS customer_id,
       '2020-01-01'::timestamptz + random() * interval '1095 days' AS ts,
       round((random() * 100)::numeric, 2)::float8 AS amount
FROM generate_series(1, $rows);
VACUUM ANALYZE tx;
SQL

# Execution time (ms) of a query, measured by EXPLAIN ANALYZE on the server so
# that sending rows to the client is not counted.
source bench/lib.sh

clv_query="SELECT customer_id, clv.rfm_agg(ts, amount, '2023-01-01') FROM tx GROUP BY customer_id"
builtin_query="SELECT customer_id, count(*), min(ts), max(ts), sum(amount) FROM tx GROUP BY customer_id"
# A second reference that, like clv.rfm_agg, keeps per-customer values in an
# internal state: what collecting a group's timestamps costs in PostgreSQL
# (it has no combine function in PostgreSQL 15, so it always runs serially).
collect_query="SELECT customer_id, array_agg(ts) FROM tx GROUP BY customer_id"

echo "rfm_agg benchmark: $rows transactions, $customers customers, median of $reps runs"
printf "%-10s %12s %14s %14s %9s %12s\n" plan "built-in ms" "array_agg ms" "clv.rfm_agg ms" "ratio" "vs array_agg"
for workers in 0 2; do
  exec_ms "$workers" "$clv_query" >/dev/null  # warm the cache
  exec_ms "$workers" "$builtin_query" >/dev/null
  clv_times=() builtin_times=() collect_times=()
  for ((i = 0; i < reps; i++)); do
    builtin_times+=("$(exec_ms "$workers" "$builtin_query")")
    collect_times+=("$(exec_ms "$workers" "$collect_query")")
    clv_times+=("$(exec_ms "$workers" "$clv_query")")
  done
  b=$(printf "%s\n" "${builtin_times[@]}" | median)
  a=$(printf "%s\n" "${collect_times[@]}" | median)
  c=$(printf "%s\n" "${clv_times[@]}" | median)
  label=$([[ $workers == 0 ]] && echo serial || echo "parallel-$workers")
  printf "%-10s %12.1f %14.1f %14.1f %9.2f %12.2f\n" "$label" "$b" "$a" "$c" \
    "$(ratio "$c" "$b")" "$(ratio "$c" "$a")"
done
