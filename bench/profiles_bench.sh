#!/usr/bin/env bash
# Customer profiles on a generated source, in one run on a throwaway cluster
# with clv_ext preloaded (the background worker runs):
#  (a) full refresh (clv.refresh_profile(name, true): facts of every customer
#      and the model refit) against REFRESH MATERIALIZED VIEW of a plain-SQL
#      RFM view of the same source;
#  (b) incremental refresh after 1,000 new transactions of 1,000 customers,
#      as a ratio to (a);
#  (c) freshness with the default settings: time from the COMMIT of a new
#      transaction to its customer's row in the profile, measured by a
#      procedure that commits and then polls;
#  (d) insert throughput (pgbench, one-row INSERTs, 2 clients) on the source
#      with change capture, against an identical table without: with the
#      profile paused (the capture trigger's own cost), and with the worker
#      keeping the profile fresh meanwhile (on this 2-core machine it competes
#      with pgbench for the CPUs);
#  (e) freshness of isolated commits at a steady 1 s cadence (the worker's
#      timed passes in between), as a ratio to the time of the refresh each
#      commit needs (clv.refresh_profile of one new customer, worker paused).
# With --mode watermark, instead: three copies of the source with an
# ingestion-time column, one without a profile, one with trigger capture,
# one with watermark capture (refresh_interval --watermark-interval, default
# 1 s):
#  (f) insert throughput (pgbench, one-row INSERTs, 2 clients) into each,
#      profiles paused (the writer's own cost) and with the worker on;
#  (g) freshness, COMMIT -> row in the profile, of isolated commits (a pause
#      of 0.3 s before each), trigger and watermark capture alternating.
#   bash bench/profiles_bench.sh [--customers N] [--rows M] [--reps R] [--seconds S]
#                                [--mode trigger|watermark] [--watermark-interval I]
#                                [--port P] [--cluster-dir DIR]
# PG_CONFIG picks another PostgreSQL 15 installation (default: Debian's).
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

customers=1000000
rows=10000000
reps=5
seconds=15
port=54344
cluster_dir=/tmp/clv_ext_bench_profiles_$(id -u)
mode=trigger
watermark_interval='1 second'
usage="usage: $0 [--customers N] [--rows M] [--reps R] [--seconds S] [--mode trigger|watermark] [--watermark-interval I] [--port P] [--cluster-dir DIR]"
while (($#)); do
  case $1 in
    --customers) customers=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --cluster-dir) cluster_dir=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --watermark-interval) watermark_interval=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ $mode == trigger || $mode == watermark ]] || { echo "$usage" >&2; exit 2; }

bash scripts/setup.sh >/dev/null
export CLV_CLUSTER_DIR=$cluster_dir CLV_PGPORT=$port
source scripts/cluster_env.sh
PATH=$PG_BIN:$PATH
source bench/lib.sh
trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/cluster.sh start "shared_preload_libraries = 'clv_ext'" "shared_buffers = '2GB'" \
  "work_mem = '256MB'" "maintenance_work_mem = '1GB'" "jit = off" "max_wal_size = '8GB'"

# Wall-clock time (ms) of one statement, from psql's \timing.
timed_ms() {
  psql -X -v ON_ERROR_STOP=1 -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

if [[ $mode == watermark ]]; then
  source bench/profiles_watermark.sh
  exit 0
fi

echo "generating $rows transactions of $customers customers over two years..."
psql -q -X -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION clv_ext;
SELECT setseed(0.42);
CREATE TABLE tx (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO tx
SELECT (random() * ($customers - 1))::bigint + 1, now() - random() * interval '730 days',
       round((5 + random() * 95)::numeric, 2)
FROM generate_series(1, $rows);
CREATE INDEX ON tx (customer_id, ts);
VACUUM ANALYZE tx;
-- The plain-SQL baseline: the profile's time-invariant RFM facts.
CREATE MATERIALIZED VIEW rfm_mv AS
SELECT customer_id, count(*) AS orders, min(ts) AS first_purchase, max(ts) AS last_purchase,
       count(DISTINCT date_trunc('day', ts)) - 1 AS frequency,
       extract(epoch FROM date_trunc('day', max(ts)) - date_trunc('day', min(ts))) / 86400 AS recency,
       sum(amount) AS total_spend
FROM tx GROUP BY customer_id;
SELECT clv.create_profile('bench', 'tx', 'customer_id', 'ts', 'amount');
SQL

echo "waiting for the worker's first (full) refresh..."
until [[ $(psql -XAtc "SELECT last_end IS NOT NULL FROM clv.profile_status") == t ]]; do sleep 1; done
psql -XAtc "SELECT 'first refresh by the worker: ' || date_trunc('milliseconds', duration) || ', ' || rows_changed || ' customers' FROM clv.profile_status"
# The manual measurements run without the worker in between.
psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => false)"

full=() baseline=() incr=()
for ((i = 0; i < reps; i++)); do
  baseline+=("$(timed_ms "REFRESH MATERIALIZED VIEW rfm_mv")")
  full+=("$(timed_ms "SELECT * FROM clv.refresh_profile('bench', true)")")
  psql -q -X -v ON_ERROR_STOP=1 -c "
    INSERT INTO tx SELECT c, now() - random() * interval '1 day', round((5 + random() * 95)::numeric, 2)
    FROM (SELECT DISTINCT ON (c) c FROM (SELECT (random() * ($customers - 1))::bigint + 1 AS c
                                         FROM generate_series(1, 1100)) g LIMIT 1000) s"
  incr+=("$(timed_ms "SELECT * FROM clv.refresh_profile('bench')")")
done
baseline_ms=$(printf "%s\n" "${baseline[@]}" | median)
full_ms=$(printf "%s\n" "${full[@]}" | median)
incr_ms=$(printf "%s\n" "${incr[@]}" | median)
psql -XAtc "SELECT 'last incremental refresh: ' || last_mode || ', ' || rows_changed || ' customers' FROM clv.profile_status"

# (c) freshness, with the worker back on and default settings.
psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => true)"
psql -q -X -v ON_ERROR_STOP=1 <<'SQL'
CREATE PROCEDURE freshness_ms(customer bigint, INOUT ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  committed timestamptz;
BEGIN
  INSERT INTO tx VALUES (customer, now(), 10);
  COMMIT;
  committed := clock_timestamp();
  WHILE NOT EXISTS (SELECT FROM clv_profiles.bench_facts f WHERE f.customer_id = customer) LOOP
    PERFORM pg_sleep(0.001);
    IF clock_timestamp() > committed + interval '60 s' THEN
      RAISE EXCEPTION 'customer % did not appear within 60 s', customer;
    END IF;
  END LOOP;
  ms := extract(epoch FROM clock_timestamp() - committed) * 1000;
END $$;
SQL
sleep 2
# Back to back, each commit waits for the batch delay after the previous
# pass; a commit that finds the worker idle (a pause of 0.5 s before it) is
# refreshed at once.
fresh=() idle=()
for ((i = 0; i < 21; i++)); do
  fresh+=("$(psql -XAt -v ON_ERROR_STOP=1 -c "CALL freshness_ms($((customers + 1 + i)))")")
done
for ((i = 0; i < 21; i++)); do
  sleep 0.5
  idle+=("$(psql -XAt -v ON_ERROR_STOP=1 -c "CALL freshness_ms($((customers + 101 + i)))")")
done
# (e) isolated commits at a 1 s cadence: each commit starts a second after
# the previous one did, so the worker's timed passes (clv.worker_naptime,
# 1 s by default) fall in between.
cadence=()
sleep 1  # (no batch delay left from the commits before)
for ((i = 0; i < 21; i++)); do
  start=$(date +%s.%N)
  cadence+=("$(psql -XAt -v ON_ERROR_STOP=1 -c "CALL freshness_ms($((customers + 201 + i)))")")
  sleep "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {d = 1 - (n - s); print (d > 0) ? d : 0}')"
done
# Its baseline: the refresh each of those commits needs, run by hand with
# the worker paused.
psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => false)"
own=()
for ((i = 0; i < 21; i++)); do
  psql -q -XAtc "INSERT INTO tx VALUES ($((customers + 301 + i)), now(), 10)"
  own+=("$(timed_ms "SELECT * FROM clv.refresh_profile('bench')")")
done
psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => true)"
cadence_ms=$(printf "%s\n" "${cadence[@]}" | median)
cadence_p90=$(printf "%s\n" "${cadence[@]}" | quantile 0.9)
cadence_max=$(printf "%s\n" "${cadence[@]}" | sort -n | tail -1)
own_ms=$(printf "%s\n" "${own[@]}" | median)

fresh_ms=$(printf "%s\n" "${fresh[@]}" | median)
fresh_max=$(printf "%s\n" "${fresh[@]}" | sort -n | tail -1)
idle_ms=$(printf "%s\n" "${idle[@]}" | median)
idle_max=$(printf "%s\n" "${idle[@]}" | sort -n | tail -1)

# (d) insert throughput with and without change capture.
# The same table without change capture: a copy, so that both indexes are as large.
psql -q -X -v ON_ERROR_STOP=1 -c "CREATE TABLE tx_plain AS SELECT * FROM tx" \
  -c "CREATE INDEX ON tx_plain (customer_id, ts)" -c "VACUUM ANALYZE tx_plain"
for table in tx tx_plain; do
  cat >"$CLV_CLUSTER_DIR/insert_$table.sql" <<SQL
\set c random(1, $customers)
INSERT INTO $table VALUES (:c, now(), 10.5);
SQL
done
tps() {  # tps TABLE
  pgbench -n -c 2 -j 2 -T "$seconds" -f "$CLV_CLUSTER_DIR/insert_$1.sql" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
plain_tps=() capture_tps=() live_tps=()
for ((i = 0; i < 3; i++)); do
  plain_tps+=("$(tps tx_plain)")
  psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => false)"
  capture_tps+=("$(tps tx)")
  psql -q -XAtc "SELECT clv.alter_profile('bench', enabled => true)"
  psql -q -XAtc "SELECT * FROM clv.refresh_profile('bench')" >/dev/null
  live_tps+=("$(tps tx)")
done
plain=$(printf "%s\n" "${plain_tps[@]}" | median)
capture=$(printf "%s\n" "${capture_tps[@]}" | median)
live=$(printf "%s\n" "${live_tps[@]}" | median)
psql -XAtc "SELECT 'after the pgbench runs: ' || pending_changes || ' changes pending, last refresh ' || last_mode || ' of ' || rows_changed || ' customers' FROM clv.profile_status"

echo
echo "profiles benchmark: $customers customers, $rows transactions, medians of $reps runs"
printf "(a) full refresh            %10.1f ms   REFRESH MATERIALIZED VIEW %10.1f ms   ratio %.2f\n" \
  "$full_ms" "$baseline_ms" "$(ratio "$full_ms" "$baseline_ms")"
printf "(b) incremental refresh     %10.1f ms   (1,000 customers)   full / incremental %.0fx\n" \
  "$incr_ms" "$(ratio "$full_ms" "$incr_ms")"
printf "(c) freshness, commit->row  %10.1f ms median, %.1f ms max of 21 back to back\n" "$fresh_ms" "$fresh_max"
printf "                             %10.1f ms median, %.1f ms max of 21 after a pause\n" "$idle_ms" "$idle_max"
printf "(d) inserts/s without capture %8.0f\n" "$plain"
printf "    with capture, paused    %10.0f   capture/plain %.3f\n" "$capture" "$(ratio "$capture" "$plain")"
printf "    with capture, worker on %10.0f   capture/plain %.3f\n" "$live" "$(ratio "$live" "$plain")"
printf "(e) freshness at a 1 s cadence %8.1f ms median, %.1f ms p90, %.1f ms max of 21\n" \
  "$cadence_ms" "$cadence_p90" "$cadence_max"
printf "    refresh of one customer by hand %5.1f ms   ratio median/refresh %.2f, p90/refresh %.2f\n" \
  "$own_ms" "$(ratio "$cadence_ms" "$own_ms")" "$(ratio "$cadence_p90" "$own_ms")"
