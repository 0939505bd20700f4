#!/usr/bin/env bash
# clv.trend_agg against the built-in regr_slope(amount, epoch) over the same
# GROUP BY customer (not the same statistic: it ignores empty periods, but the
# same order of work), serial and with 2 parallel workers, on generated
# transactions, in one run on a throwaway cluster. Prints medians and ratios.
#   bash bench/trend_bench.sh [--rows N] [--customers M] [--reps R]
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
CLV_CLUSTER_DIR=/tmp/clv_ext_trend_bench_$(id -u)
export CLV_CLUSTER_DIR CLV_PGPORT=54342
source scripts/cluster_env.sh
source bench/lib.sh
trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/cluster.sh start "shared_buffers = '2GB'" "work_mem = '256MB'" "jit = off"

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

clv_query="SELECT customer_id, clv.trend_agg(ts, amount, '2023-01-01', '30 days') FROM tx GROUP BY customer_id"
builtin_query="SELECT customer_id, regr_slope(amount, extract(epoch FROM ts)) FROM tx GROUP BY customer_id"

echo "trend_agg benchmark: $rows transactions, $customers customers, 30-day periods, median of $reps runs"
printf "%-10s %16s %16s %8s\n" plan "regr_slope ms" "clv.trend_agg ms" ratio
for workers in 0 2; do
  exec_ms "$workers" "$clv_query" >/dev/null  # warm the cache
  b=$(median_ms "$workers" "$reps" "$builtin_query")
  c=$(median_ms "$workers" "$reps" "$clv_query")
  label=$([[ $workers == 0 ]] && echo serial || echo "parallel-$workers")
  printf "%-10s %16.1f %16.1f %8.2f\n" "$label" "$b" "$c" "$(ratio "$c" "$b")"
done
