# shellcheck shell=bash
# shellcheck disable=SC2154  # customers, rows, reps, seconds, watermark_interval: set by profiles_bench.sh
# Sourced by bench/profiles_bench.sh --mode watermark, on its running
# cluster (variables customers, rows, reps, seconds, watermark_interval;
# functions timed_ms, median, ratio): what writers pay for a profile with
# watermark capture, with trigger capture and with none, and how fresh
# each kind of profile is.

echo "generating three copies of $rows transactions of $customers customers over two years..."
psql -q -X -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE EXTENSION clv_ext;
SELECT setseed(0.42);
CREATE TABLE tx_none (customer_id bigint, ts timestamptz, amount numeric,
                      ingested_at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO tx_none (customer_id, ts, amount, ingested_at)
SELECT (random() * ($customers - 1))::bigint + 1, t, round((5 + random() * 95)::numeric, 2), t
FROM (SELECT now() - random() * interval '730 days' AS t FROM generate_series(1, $rows)) g;
CREATE TABLE tx_trigger (LIKE tx_none INCLUDING DEFAULTS);
INSERT INTO tx_trigger SELECT * FROM tx_none;
CREATE TABLE tx_watermark (LIKE tx_none INCLUDING DEFAULTS);
INSERT INTO tx_watermark SELECT * FROM tx_none;
-- the same indexes on all three: the profiles' (customer, ts) and the watermark's
CREATE INDEX ON tx_none (customer_id, ts);
CREATE INDEX ON tx_none (ingested_at);
CREATE INDEX ON tx_trigger (customer_id, ts);
CREATE INDEX ON tx_trigger (ingested_at);
CREATE INDEX ON tx_watermark (customer_id, ts);
CREATE INDEX ON tx_watermark (ingested_at);
VACUUM ANALYZE tx_none, tx_trigger, tx_watermark;
SET client_min_messages = warning;
SELECT clv.create_profile('by_trigger', 'tx_trigger', 'customer_id', 'ts', 'amount');
SELECT clv.create_profile('by_watermark', 'tx_watermark', 'customer_id', 'ts', 'amount',
                          watermark_column => 'ingested_at', watermark_lag => '5 seconds',
                          refresh_interval => '$watermark_interval');
CREATE PROCEDURE freshness_ms(source regclass, facts regclass, customer bigint, INOUT ms double precision DEFAULT NULL)
LANGUAGE plpgsql AS \$\$
DECLARE
  committed timestamptz;
  found boolean := false;
BEGIN
  EXECUTE format('INSERT INTO %s (customer_id, ts, amount) VALUES (\$1, now(), 10)', source) USING customer;
  COMMIT;
  committed := clock_timestamp();
  WHILE NOT found LOOP
    EXECUTE format('SELECT EXISTS (SELECT FROM %s f WHERE f.customer_id = \$1)', facts) INTO found USING customer;
    IF NOT found THEN
      PERFORM pg_sleep(0.001);
    END IF;
    IF clock_timestamp() > committed + interval '60 s' THEN
      RAISE EXCEPTION 'customer % did not appear in % within 60 s', customer, facts;
    END IF;
  END LOOP;
  ms := extract(epoch FROM clock_timestamp() - committed) * 1000;
END \$\$;
SQL

echo "waiting for the worker's first (full) refreshes..."
until [[ $(psql -XAtc "SELECT count(*) FILTER (WHERE last_end IS NOT NULL) FROM clv.profile_status") == 2 ]]; do
  sleep 1
done
psql -XAtc "SELECT 'first refresh of ' || profile || ' (' || capture || '): ' || date_trunc('milliseconds', duration) || ', ' || rows_changed || ' customers' FROM clv.profile_status ORDER BY profile"

# (g) freshness of isolated commits, the two kinds alternating; the pause
# before each watermark commit steps through a second, so that the commits
# fall at every phase of the worker's polling.
trigger_fresh=() watermark_fresh=()
for ((i = 0; i < 2 * reps + 1; i++)); do
  sleep 0.3
  trigger_fresh+=("$(psql -XAt -v ON_ERROR_STOP=1 -c "CALL freshness_ms('tx_trigger', 'clv_profiles.by_trigger_facts', $((customers + 1 + i)))")")
  sleep "$(awk -v i="$i" -v n="$((2 * reps + 1))" 'BEGIN {print 0.3 + i / n}')"
  watermark_fresh+=("$(psql -XAt -v ON_ERROR_STOP=1 -c "CALL freshness_ms('tx_watermark', 'clv_profiles.by_watermark_facts', $((customers + 1 + i)))")")
done
trigger_fresh_ms=$(printf "%s\n" "${trigger_fresh[@]}" | median)
trigger_fresh_max=$(printf "%s\n" "${trigger_fresh[@]}" | sort -n | tail -1)
watermark_fresh_ms=$(printf "%s\n" "${watermark_fresh[@]}" | median)
watermark_fresh_max=$(printf "%s\n" "${watermark_fresh[@]}" | sort -n | tail -1)

# (f) insert throughput, each table in turn (the order rotating from round
# to round), profiles paused and then kept fresh by the worker.
for table in tx_none tx_trigger tx_watermark; do
  cat >"$CLV_CLUSTER_DIR/insert_$table.sql" <<SQL
\set c random(1, $customers)
INSERT INTO $table (customer_id, ts, amount) VALUES (:c, now(), 10.5);
SQL
done
tps() {  # tps TABLE
  pgbench -n -c 2 -j 2 -T "$seconds" -f "$CLV_CLUSTER_DIR/insert_$1.sql" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
set_enabled() {
  psql -q -XAtc "SELECT clv.alter_profile(p, enabled => $1) FROM unnest(ARRAY['by_trigger', 'by_watermark']) p" >/dev/null
}
declare -A tps_paused=() tps_live=()
tables=(tx_none tx_trigger tx_watermark)
for ((i = 0; i < 3; i++)); do
  order=("${tables[@]:i}" "${tables[@]:0:i}")
  set_enabled false
  for table in "${order[@]}"; do tps_paused[$table]+="$(tps "$table") "; done
  set_enabled true
  psql -q -XAtc "SELECT * FROM clv.refresh_profile('by_trigger') a, clv.refresh_profile('by_watermark') b" >/dev/null
  for table in "${order[@]}"; do tps_live[$table]+="$(tps "$table") "; done
done
med() { tr ' ' '\n' | grep . | median; }
psql -XAtc "SELECT 'after the pgbench runs: ' || profile || ' ' || capture || ', ' || pending_changes || ' changes pending, last refresh ' || last_mode || ' of ' || rows_changed || ' customers' FROM clv.profile_status ORDER BY profile"
none_paused=$(med <<<"${tps_paused[tx_none]}")
trigger_paused=$(med <<<"${tps_paused[tx_trigger]}")
watermark_paused=$(med <<<"${tps_paused[tx_watermark]}")
none_live=$(med <<<"${tps_live[tx_none]}")
trigger_live=$(med <<<"${tps_live[tx_trigger]}")
watermark_live=$(med <<<"${tps_live[tx_watermark]}")

echo
echo "profiles benchmark, watermark capture: $customers customers, $rows transactions per table;"
echo "watermark profile polled every $watermark_interval; medians of 3 pgbench runs of $seconds s, $((2 * reps + 1)) commits"
printf "(f) inserts/s, profiles paused: no profile %8.0f   trigger %8.0f (%.3f)   watermark %8.0f (%.3f)\n" \
  "$none_paused" "$trigger_paused" "$(ratio "$trigger_paused" "$none_paused")" \
  "$watermark_paused" "$(ratio "$watermark_paused" "$none_paused")"
printf "    inserts/s, worker on:       no profile %8.0f   trigger %8.0f (%.3f)   watermark %8.0f (%.3f)\n" \
  "$none_live" "$trigger_live" "$(ratio "$trigger_live" "$none_live")" \
  "$watermark_live" "$(ratio "$watermark_live" "$none_live")"
printf "    watermark / trigger inserts/s: paused %.3f, worker on %.3f\n" \
  "$(ratio "$watermark_paused" "$trigger_paused")" "$(ratio "$watermark_live" "$trigger_live")"
printf "(g) freshness, commit->row: trigger %8.1f ms median (%.1f max)   watermark %8.1f ms median (%.1f max)\n" \
  "$trigger_fresh_ms" "$trigger_fresh_max" "$watermark_fresh_ms" "$watermark_fresh_max"
printf "    watermark / trigger freshness %.1f\n" "$(ratio "$watermark_fresh_ms" "$trigger_fresh_ms")"
