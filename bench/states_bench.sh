#!/usr/bin/env bash
# Per-row cost of every aggregate with its state type against the same
# aggregate with the `internal` state of release 0.5.0 (the last release
# before the state types), on the same data in one run on a throwaway
# cluster. The 0.5.0 library is built from its release commit, installed as
# $libdir/clv_ext_baseline and declared in a schema clv_baseline from the
# released 0.5.0 script; each query runs in a connection of its own, so no
# backend loads both libraries. Serial GROUP BY customer (hash aggregation)
# for the RFM, trend and lateness aggregates; the fits over a table of
# per-customer summaries. Prints medians, ns per row and the ratio.
#   bash bench/states_bench.sh [--rows N] [--customers M] [--reps R]
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

rows=1000000
customers=40000
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
CLV_CLUSTER_DIR=/tmp/clv_ext_states_bench_$(id -u)
export CLV_CLUSTER_DIR CLV_PGPORT=54345
source scripts/cluster_env.sh
source bench/lib.sh

# The 0.5.0 library, built once per commit from the commit that froze its
# scripts.
released=extension/released/clv_ext--0.5.0.sql
baseline_commit=$(git log --diff-filter=A --format=%H -- "$released" | tail -n 1)
build_dir=/tmp/clv_ext_states_baseline_$baseline_commit
if [[ ! -f $build_dir/clv_ext.so ]]; then
  rm -rf "$build_dir"
  mkdir -p "$build_dir"
  git archive "$baseline_commit" | tar -x -C "$build_dir"
  make -s -C "$build_dir" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null
fi
baseline_library="$("$PG_CONFIG" --pkglibdir)/clv_ext_baseline.so"
install -m 755 "$build_dir/clv_ext.so" "$baseline_library"
trap 'bash scripts/cluster.sh stop; rm -f "$baseline_library"' EXIT

# The 0.5.0 aggregates and their support functions (those with an internal
# argument), in schema clv_baseline; their result types are clv's.
baseline_sql=$(python3 - "$released" <<'PY'
import re, sys

statements, current, quoted = [], [], False
for line in open(sys.argv[1]):
    current.append(line)
    quoted ^= line.count("$$") % 2 == 1
    if not quoted and line.rstrip().endswith(";"):
        statements.append("".join(l for l in current if not l.lstrip().startswith("--")))
        current = []
kept = [s.strip() for s in statements
        if re.match(r"\s*CREATE OR REPLACE AGGREGATE", s)
        or (re.match(r"\s*CREATE OR REPLACE FUNCTION", s)
            and "internal" in s.split(")")[0] and "MODULE_PATHNAME" in s)]
names = {re.search(r"@extschema@\.(\w+)\(", s).group(1) for s in kept}
out = []
for s in kept:
    s = re.sub(r"@extschema@\.(\w+)",
               lambda m: ("clv_baseline." if m.group(1) in names else "clv.") + m.group(1), s)
    out.append(s.replace("'MODULE_PATHNAME'", "'$libdir/clv_ext_baseline'"))
print("CREATE SCHEMA clv_baseline;")
print("\n".join(out))
PY
)

bash scripts/cluster.sh start "shared_buffers = '2GB'" "work_mem = '256MB'" "jit = off" \
  "max_parallel_workers_per_gather = 0"

psql -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION clv_ext"
# Without loading the library (this session must not load both).
psql -q -v ON_ERROR_STOP=1 <<SQL
SET check_function_bodies = off;
$baseline_sql
SQL
psql -q -v ON_ERROR_STOP=1 <<SQL
SELECT setseed(0.42) \gset
CREATE TABLE tx AS
SELECT (random() * ($customers - 1))::int AS customer_id,
       '2020-01-01'::timestamptz + random() * interval '1095 days' AS ts,
       round((random() * 100)::numeric, 2)::float8 AS amount
FROM generate_series(1, $rows);
ALTER TABLE tx ADD COLUMN amount_n numeric;
UPDATE tx SET amount_n = amount::numeric;
-- The CDNOW customers' weekly summaries, repeated to about as many rows as
-- the transactions, for the fits (generated transactions have no dropout to
-- fit).
CREATE TEMP TABLE raw (line text);
\copy raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE cdnow_weekly AS
SELECT (r).frequency::float8 AS frequency, (r).recency, (r).t, coalesce((r).monetary, 0) AS monetary
FROM (SELECT clv.rfm_agg(to_date(f[3], 'YYYYMMDD')::timestamptz, f[5]::float8, '1997-09-30', '7 days') AS r
      FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM raw) l
      GROUP BY f[2]) s;
CREATE TABLE summaries AS
SELECT c.* FROM cdnow_weekly c, generate_series(1, greatest($rows / (SELECT count(*) FROM cdnow_weekly), 1));
-- Cohorts of sBG survival counts: eight periods each.
CREATE TABLE cohorts AS
SELECT i / 8 AS cohort, i % 8 AS period, round(1000 * 0.8 ^ (i % 8))::bigint AS active
FROM generate_series(0, $rows / 100 - 1) i;
VACUUM ANALYZE tx, summaries, cohorts;
SQL

# name | aggregate call with S for the schema | FROM ... (GROUP BY ...)
cases=(
  "rfm_agg(float8)|S.rfm_agg(ts, amount, '2023-01-01')|tx GROUP BY customer_id"
  "rfm_agg(float8, unit)|S.rfm_agg(ts, amount, '2023-01-01', '7 days')|tx GROUP BY customer_id"
  "rfm_agg(float8, unit, period)|S.rfm_agg(ts, amount, '2023-01-01', '7 days', '1 day')|tx GROUP BY customer_id"
  "rfm_agg(numeric)|S.rfm_agg(ts, amount_n, '2023-01-01')|tx GROUP BY customer_id"
  "rfm_agg(numeric, unit)|S.rfm_agg(ts, amount_n, '2023-01-01', '7 days')|tx GROUP BY customer_id"
  "rfm_agg(numeric, unit, period)|S.rfm_agg(ts, amount_n, '2023-01-01', '7 days', '1 day')|tx GROUP BY customer_id"
  "rfm_holdout_agg(float8)|S.rfm_holdout_agg(ts, amount, '2022-01-01', '2023-01-01')|tx GROUP BY customer_id"
  "rfm_holdout_agg(float8, unit)|S.rfm_holdout_agg(ts, amount, '2022-01-01', '2023-01-01', '7 days')|tx GROUP BY customer_id"
  "rfm_holdout_agg(float8, unit, period)|S.rfm_holdout_agg(ts, amount, '2022-01-01', '2023-01-01', '7 days', '1 day')|tx GROUP BY customer_id"
  "rfm_holdout_agg(numeric)|S.rfm_holdout_agg(ts, amount_n, '2022-01-01', '2023-01-01')|tx GROUP BY customer_id"
  "rfm_holdout_agg(numeric, unit)|S.rfm_holdout_agg(ts, amount_n, '2022-01-01', '2023-01-01', '7 days')|tx GROUP BY customer_id"
  "rfm_holdout_agg(numeric, unit, period)|S.rfm_holdout_agg(ts, amount_n, '2022-01-01', '2023-01-01', '7 days', '1 day')|tx GROUP BY customer_id"
  "trend_agg(float8)|S.trend_agg(ts, amount, '2023-01-01', '30 days')|tx GROUP BY customer_id"
  "trend_agg(numeric)|S.trend_agg(ts, amount_n, '2023-01-01', '30 days')|tx GROUP BY customer_id"
  "trend_agg(float8, settings)|S.trend_agg(ts, amount, '2023-01-01', '30 days', 12, 3, 0.01, 0.05)|tx GROUP BY customer_id"
  "trend_agg(numeric, settings)|S.trend_agg(ts, amount_n, '2023-01-01', '30 days', 12, 3, 0.01, 0.05)|tx GROUP BY customer_id"
  "lateness_agg|S.lateness_agg(ts, '2023-01-01')|tx GROUP BY customer_id"
  "lateness_agg(unit)|S.lateness_agg(ts, '2023-01-01', '7 days')|tx GROUP BY customer_id"
  "bgnbd_fit|S.bgnbd_fit(frequency, recency, t)|summaries"
  "bgnbd_fit(penalizer)|S.bgnbd_fit(frequency, recency, t, 0.1)|summaries"
  "mbgnbd_fit|S.mbgnbd_fit(frequency, recency, t)|summaries"
  "mbgnbd_fit(penalizer)|S.mbgnbd_fit(frequency, recency, t, 0.1)|summaries"
  "pareto_nbd_fit|S.pareto_nbd_fit(frequency, recency, t)|summaries"
  "pareto_nbd_fit(penalizer)|S.pareto_nbd_fit(frequency, recency, t, 0.1)|summaries"
  "gamma_gamma_fit|S.gamma_gamma_fit(frequency, monetary) FILTER (WHERE frequency > 0)|summaries"
  "gamma_gamma_fit(penalizer)|S.gamma_gamma_fit(frequency, monetary, 0.1) FILTER (WHERE frequency > 0)|summaries"
  "sbg_fit|S.sbg_fit(period, active)|cohorts GROUP BY cohort"
)

echo "state types (0.6.0) against internal states (0.5.0, $baseline_commit):"
echo "$rows rows, $customers customers, serial, median of $reps runs"
printf "%-40s %10s %10s %9s %9s %7s\n" aggregate "0.5.0 ms" "0.6.0 ms" "0.5.0 ns" "0.6.0 ns" ratio
ratios=()
for entry in "${cases[@]}"; do
  IFS='|' read -r name call from <<<"$entry"
  query_for() { echo "SELECT ${call//S./$1.} FROM $from"; }
  baseline_query=$(query_for clv_baseline)
  query=$(query_for clv)
  # The same result both ways, and warm caches.
  if [[ $(psql -At -c "$baseline_query" | md5sum) != $(psql -At -c "$query" | md5sum) ]]; then
    echo "$name: results differ between 0.5.0 and 0.6.0" >&2
    exit 1
  fi
  baseline_times=() times=()
  for ((i = 0; i < reps; i++)); do
    baseline_times+=("$(exec_ms 0 "$baseline_query")")
    times+=("$(exec_ms 0 "$query")")
  done
  b=$(printf "%s\n" "${baseline_times[@]}" | median)
  c=$(printf "%s\n" "${times[@]}" | median)
  n=$(psql -At -c "SELECT count(*) FROM ${from%% GROUP BY*}")
  r=$(ratio "$c" "$b")
  ratios+=("$r")
  printf "%-40s %10.1f %10.1f %9.0f %9.0f %7.3f\n" "$name" "$b" "$c" \
    "$(awk -v t="$b" -v n="$n" 'BEGIN {print t * 1e6 / n}')" \
    "$(awk -v t="$c" -v n="$n" 'BEGIN {print t * 1e6 / n}')" "$r"
done
printf "%s\n" "${ratios[@]}" | awk '{s += log($1); if ($1 > m) m = $1} END {
  printf "geometric mean ratio %.3f, highest %.3f over %d aggregates\n", exp(s / NR), m, NR}'
