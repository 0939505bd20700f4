#!/usr/bin/env bash
# clv.resolve_identities against pgRouting's pgr_connectedComponents
# (including the text -> bigint mapping it needs and the mapping back) and
# against plain-SQL iterative min-label propagation, on a generated identity
# graph, in one run on a throwaway cluster. Two forms are timed: the result
# rows produced and counted (SELECT count(*) FROM ...: the function's own
# cost; pgRouting still builds its mapping tables), and the result written to
# a table (identifier, label), where the partitions are checked to be
# identical. Label propagation produces its result as a table in either form.
# Prints times, ratios and the backend's peak memory growth per identifier.
#
# Person i has 'email:<i>@x.com', 1 + i % 3 devices ('device:' || md5(i || '-' || d))
# linked to the email, i % 3 cookies ('cookie:<i>-<c>') linked to the first
# device, and every tenth person's email is linked to the next person's.
#   bash bench/identity_bench.sh [--persons P] [--lp-persons Q] [--reps R]
# Label propagation runs one full UPDATE per graph hop and is much slower: it
# runs on Q persons (default min(P, 200000)), where clv is timed again for
# its ratio.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

persons=1000000
lp_persons=
reps=3
while (($#)); do
  case $1 in
    --persons) persons=$2; shift 2 ;;
    --lp-persons) lp_persons=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--persons P] [--lp-persons Q] [--reps R]" >&2; exit 2 ;;
  esac
done
[[ -n $lp_persons ]] || lp_persons=$((persons < 200000 ? persons : 200000))

bash scripts/setup.sh >/dev/null
if [[ ! -f /usr/share/postgresql/15/extension/pgrouting.control ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15-pgrouting >/dev/null
  else
    echo "identity_bench: pgRouting missing; run as root or apt-get install postgresql-15-pgrouting" >&2
    exit 1
  fi
fi
CLV_CLUSTER_DIR=/tmp/clv_ext_identity_bench_$(id -u)
export CLV_CLUSTER_DIR CLV_PGPORT=54343
source scripts/cluster_env.sh
# Huge pages for the shared memory, as the manual advises for large
# shared_buffers ("Linux Huge Pages"): with 4 KB pages every new backend
# faults in each page of the buffer pool it touches, which made a fresh
# session's 2,000 index lookups into the cached graph take 116 ms instead of
# 9. As root the script reserves them (huge_pages = try then uses them) and
# gives them back at exit; otherwise it runs without and says so.
shared_buffers_mb=4096
hugepages_file=/proc/sys/vm/nr_hugepages
hugepages_before=$(cat "$hugepages_file" 2>/dev/null || echo)
hugepage_kb=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
restore_hugepages() {
  if [[ -n $hugepages_before ]]; then echo "$hugepages_before" >"$hugepages_file" 2>/dev/null || true; fi
}
trap 'bash scripts/cluster.sh stop; restore_hugepages' EXIT
if [[ -n $hugepages_before && -n $hugepage_kb && $(id -u) -eq 0 ]]; then
  # The buffers and 10% more for PostgreSQL's other shared memory.
  echo $((hugepages_before + shared_buffers_mb * 1024 * 11 / 10 / hugepage_kb)) >"$hugepages_file" 2>/dev/null || true
fi
# Every side writes millions of rows: WAL room for a whole repetition (the
# manual's advice for bulk loads), so no checkpoint is forced in the middle
# of a timed statement; each repetition starts after one instead. Shared
# buffers of a sixth of this 24 GB machine (the manual suggests a quarter of
# a dedicated server's memory) hold the persistent graph (1.8 GB of tables
# and indexes at 1,000,000 persons), so ingest batches do not wait on reads
# the OS page cache may have dropped.
bash scripts/cluster.sh start "shared_buffers = '${shared_buffers_mb}MB'" "work_mem = '256MB'" "max_wal_size = '8GB'" \
  "max_parallel_workers_per_gather = 0" "jit = off"

psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION clv_ext;
CREATE EXTENSION pgrouting CASCADE;  -- pgRouting 3.x requires PostGIS
-- Edges of persons 1..p.
CREATE FUNCTION bench_edges(p int) RETURNS TABLE (a text, b text) LANGUAGE sql AS $$
  SELECT 'email:' || i || '@x.com', 'device:' || md5(i || '-' || d)
  FROM generate_series(1, p) i, generate_series(0, i % 3) d
  UNION ALL
  SELECT 'device:' || md5(i || '-' || 0), 'cookie:' || i || '-' || c
  FROM generate_series(1, p) i, generate_series(1, i % 3) c
  UNION ALL
  SELECT 'email:' || i || '@x.com', 'email:' || (i + 1) || '@x.com'
  FROM generate_series(1, p) i WHERE i % 10 = 0 AND i < p
$$;
-- Wall-clock ms of running the statements in order (inside one transaction).
CREATE FUNCTION bench_ms(statements text[]) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); s text;
BEGIN
  FOREACH s IN ARRAY statements LOOP EXECUTE s; END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
SQL

source bench/lib.sh
# Most timed forms write tables (pgRouting's mapping in both), so times are
# wall-clock ms of statement lists (bench_ms) rather than lib.sh's EXPLAIN
# ANALYZE of one query.
ms() { psql -At -v ON_ERROR_STOP=1 -c "SELECT bench_ms(ARRAY[$1])"; }
# Each repetition starts after a CHECKPOINT and a sync (not timed), so no
# side pays for writing out the dirty pages and WAL of the one before: with
# fsync = off a checkpoint only hands them to the kernel, which may write
# them back during the next timed statement.
settle() { psql -q -c CHECKPOINT && sync; }
median_wall_ms() {  # median_wall_ms REPS STATEMENTS
  local i
  for ((i = 0; i < $1; i++)); do
    settle
    ms "$2"
  done | median
}

make_edges() {  # make_edges P
  psql -q -v ON_ERROR_STOP=1 <<SQL
DROP TABLE IF EXISTS edges;
CREATE TABLE edges AS SELECT * FROM bench_edges($1);
VACUUM ANALYZE edges;
SQL
}

clv_count_sql="'SELECT count(*) FROM clv.resolve_identities(''SELECT a, b FROM edges'')'"
clv_sql="'DROP TABLE IF EXISTS r_clv', 'CREATE TABLE r_clv AS SELECT identifier, cluster_key AS label FROM clv.resolve_identities(''SELECT a, b FROM edges'')'"
# pgRouting needs bigint vertices: map identifiers to ids, rewrite the edges,
# run pgr_connectedComponents, map the component (smallest vertex id) back.
pgr_mapping="'DROP TABLE IF EXISTS pgr_map, pgr_edges, r_pgr',
 'CREATE TABLE pgr_map AS SELECT x AS identifier, row_number() OVER () AS id FROM (SELECT a FROM edges UNION SELECT b FROM edges) s(x)',
 'CREATE UNIQUE INDEX ON pgr_map (identifier)',
 'CREATE TABLE pgr_edges AS SELECT row_number() OVER () AS id, m1.id AS source, m2.id AS target, 1.0::float8 AS cost FROM edges e JOIN pgr_map m1 ON m1.identifier = e.a JOIN pgr_map m2 ON m2.identifier = e.b'"
pgr_components="pgr_connectedComponents(''SELECT id, source, target, cost FROM pgr_edges'') c JOIN pgr_map m ON m.id = c.node"
pgr_count_sql="$pgr_mapping, 'SELECT count(*) FROM $pgr_components'"
pgr_sql="$pgr_mapping, 'CREATE TABLE r_pgr AS SELECT m.identifier, c.component::text AS label FROM $pgr_components'"
# Min-label propagation: each node takes the smallest label among its
# neighbours until nothing changes (one UPDATE per hop of the diameter).
lp_sql="'DROP TABLE IF EXISTS lp_und, r_lp',
 'CREATE TABLE lp_und AS SELECT a COLLATE \"C\" AS x, b COLLATE \"C\" AS y FROM edges UNION ALL SELECT b, a FROM edges',
 'CREATE TABLE r_lp AS SELECT DISTINCT x AS identifier, x AS label FROM lp_und',
 'CREATE UNIQUE INDEX ON r_lp (identifier)', 'ANALYZE lp_und', 'ANALYZE r_lp',
 'DO \$\$ BEGIN LOOP UPDATE r_lp SET label = m.label FROM (SELECT e.x, min(l.label) AS label FROM lp_und e JOIN r_lp l ON l.identifier = e.y GROUP BY e.x) m WHERE r_lp.identifier = m.x AND m.label < r_lp.label; EXIT WHEN NOT FOUND; END LOOP; END \$\$'"

# Same partition: every label of one side maps to exactly one of the other.
same_partition() {  # same_partition TABLE1 TABLE2 -> 'yes' or 'NO ...'
  psql -At -v ON_ERROR_STOP=1 <<SQL
SELECT CASE WHEN n1 = n2 AND n1 = joined AND k1 = pairs AND k2 = pairs THEN 'yes'
            ELSE format('NO (%s/%s rows, %s joined, %s/%s/%s labels)', n1, n2, joined, k1, k2, pairs) END
FROM (SELECT (SELECT count(*) FROM $1) AS n1, (SELECT count(*) FROM $2) AS n2,
             (SELECT count(*) FROM $1 JOIN $2 USING (identifier)) AS joined,
             (SELECT count(DISTINCT label) FROM $1) AS k1, (SELECT count(DISTINCT label) FROM $2) AS k2,
             (SELECT count(*) FROM (SELECT DISTINCT t1.label, t2.label FROM $1 t1 JOIN $2 t2 USING (identifier)) p) AS pairs) s;
SQL
}

echo "identity resolution benchmark: median of $reps runs, times in ms"
postmaster=$(head -1 "$CLV_CLUSTER_DIR/data/postmaster.pid")
if grep -q anon_hugepage "/proc/$postmaster/maps" 2>/dev/null; then
  echo "shared memory in huge pages"
else
  echo "shared memory in 4 KB pages (no huge pages reserved): fresh sessions pay a page fault per page they touch"
fi
make_edges "$persons"
read -r n_edges n_ids < <(psql -At -F' ' -c "SELECT (SELECT count(*) FROM edges), (SELECT count(*) FROM (SELECT a FROM edges UNION SELECT b FROM edges) s)")
echo "graph: $persons persons, $n_edges edges, $n_ids identifiers"
ms "$clv_sql" >/dev/null  # warm the cache
clv_count_ms=$(median_wall_ms "$reps" "$clv_count_sql")
pgr_count_ms=$(median_wall_ms "$reps" "$pgr_count_sql")
clv_ms=$(median_wall_ms "$reps" "$clv_sql")
pgr_ms=$(median_wall_ms "$reps" "$pgr_sql")
printf "%-34s %12s %8s %s\n" side ms "vs clv" "same partition"
echo "result rows counted:"
printf "%-34s %12.1f %8s\n" "clv.resolve_identities" "$clv_count_ms" 1.00
printf "%-34s %12.1f %8.2f\n" "pgr_connectedComponents + mapping" "$pgr_count_ms" \
  "$(ratio "$pgr_count_ms" "$clv_count_ms")"
echo "result written to a table:"
printf "%-34s %12.1f %8s\n" "clv.resolve_identities" "$clv_ms" 1.00
printf "%-34s %12.1f %8.2f %s\n" "pgr_connectedComponents + mapping" "$pgr_ms" "$(ratio "$pgr_ms" "$clv_ms")" \
  "$(same_partition r_clv r_pgr)"

# Peak memory growth of the resolving backend (VmHWM before and after, read
# from /proc through psql's shell escape; the server runs on this machine),
# after the same scan has run in the session, with a small work_mem so the
# output tuplestore adds at most 4 MB: the interned identifiers, the
# union-find and the resolution.
mem_out=$(psql -At -v ON_ERROR_STOP=1 <<'SQL'
SET work_mem = '4MB';
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
SELECT count(*) FROM (SELECT a, b FROM edges) s;
\! echo before $(awk '/VmHWM/ {print $2}' /proc/$BENCH_PID/status)
SELECT count(*) FROM clv.resolve_identities('SELECT a, b FROM edges');
\! echo after $(awk '/VmHWM/ {print $2}' /proc/$BENCH_PID/status)
SQL
)
before_kb=$(sed -n 's/^before \([0-9]*\)$/\1/p' <<<"$mem_out")
after_kb=$(sed -n 's/^after \([0-9]*\)$/\1/p' <<<"$mem_out")
if [[ -n $before_kb && -n $after_kb ]]; then
  awk -v b="$before_kb" -v a="$after_kb" -v n="$n_ids" 'BEGIN {
    printf "peak backend memory growth: %.1f MB, %.0f bytes per identifier\n", (a - b) / 1024, (a - b) * 1024 / n }'
else
  echo "peak backend memory: not measured (/proc of the server not readable)"
fi

# The persistent graph: ingest the whole graph once, then batches of 1,000
# new edges: 600 new persons (email - device), 300 new cookies of existing
# persons, 100 links between existing persons' emails (merges).
psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE FUNCTION bench_batch(p int, k int) RETURNS TABLE (a text, b text) LANGUAGE sql AS $$
  SELECT 'email:new' || k || '-' || j || '@x.com', 'device:new' || k || '-' || j FROM generate_series(1, 600) j
  UNION ALL
  SELECT 'email:' || (1 + (j * 7919 + k * 104729) % p) || '@x.com', 'cookie:new' || k || '-' || j
  FROM generate_series(1, 300) j
  UNION ALL
  SELECT 'email:' || (1 + (j * 15485863::bigint + k * 32452843) % p) || '@x.com',
         'email:' || (1 + (j * 49979687::bigint + k * 67867967) % p) || '@x.com'
  FROM generate_series(1, 100) j
$$;
SQL
ingest_ms=$(ms "'SELECT clv.identity_ingest(''SELECT a, b FROM edges'')'")
psql -q -c "VACUUM ANALYZE clv.identity_nodes, clv.identity_edges"
read -r g_nodes g_edges g_clusters < <(psql -At -F' ' -c "SELECT (SELECT count(*) FROM clv.identity_nodes), (SELECT count(*) FROM clv.identity_edges), (SELECT count(DISTINCT cluster_id) FROM clv.identity_nodes)")
same=$(psql -At -c "SELECT CASE WHEN count(DISTINCT r.label) = count(DISTINCT n.cluster_id) AND count(DISTINCT (r.label, n.cluster_id)) = count(DISTINCT r.label) AND count(*) = (SELECT count(*) FROM r_clv) THEN 'yes' ELSE 'NO' END FROM r_clv r JOIN clv.identity_nodes n USING (identifier)")
printf "%-34s %12.1f   (%s identifiers, %s edges, %s clusters; same partition as resolve_identities: %s)\n" \
  "clv.identity_ingest, whole graph" "$ingest_ms" "$g_nodes" "$g_edges" "$g_clusters" "$same"
# Batches k = 1..n, each a table made beforehand, ingested one after another
# in one session (as an ETL job with a pooled connection would): every
# statement commits on its own; the first call also pays for a fresh
# session's catalog caches and is reported apart; the median of the other 15
# steadies a figure that swings from batch to batch.
n_batches=16
for ((k = 1; k <= n_batches; k++)); do
  psql -q -c "DROP TABLE IF EXISTS batch_$k; CREATE TABLE batch_$k AS SELECT * FROM bench_batch($persons, $k); ANALYZE batch_$k"
done
settle
mapfile -t batch_times < <(
  for ((k = 1; k <= n_batches; k++)); do
    echo "SELECT bench_ms(ARRAY['SELECT clv.identity_ingest(''SELECT a, b FROM batch_$k'')']);"
  done | psql -At -v ON_ERROR_STOP=1)
first_ms=${batch_times[0]}
batch_ms=$(printf '%s\n' "${batch_times[@]:1}" | median)
echo "clv.identity_ingest of 1,000 new edges (600 new persons, 300 new cookies, 100 merges), one session:"
echo "  first call of the session $first_ms ms; then median of $((n_batches - 1)) batches: $batch_ms ms (each: ${batch_times[*]:1})"

if ((lp_persons != persons)); then
  echo "label propagation on a smaller graph ($lp_persons persons; it is too slow at $persons):"
  make_edges "$lp_persons"
  ms "$clv_sql" >/dev/null
  clv_lp_count_ms=$(median_wall_ms "$reps" "$clv_count_sql")
  clv_lp_ms=$(median_wall_ms "$reps" "$clv_sql")
else
  clv_lp_count_ms=$clv_count_ms
  clv_lp_ms=$clv_ms
fi
lp_reps=$((reps < 2 ? reps : 1))
lp_ms=$(median_wall_ms "$lp_reps" "$lp_sql")
printf "%-34s %12s %8s %8s %s\n" side ms "vs rows" "vs table" "same partition"
printf "%-34s %12.1f %8s\n" "clv.resolve_identities, rows" "$clv_lp_count_ms" 1.00
printf "%-34s %12.1f %8s %8s\n" "clv.resolve_identities, table" "$clv_lp_ms" "" 1.00
printf "%-34s %12.1f %8.2f %8.2f %s\n" "SQL min-label propagation" "$lp_ms" \
  "$(ratio "$lp_ms" "$clv_lp_count_ms")" "$(ratio "$lp_ms" "$clv_lp_ms")" "$(same_partition r_clv r_lp)"
exact=$(psql -At -c "SELECT count(*) FROM ((TABLE r_clv EXCEPT TABLE r_lp) UNION ALL (TABLE r_lp EXCEPT TABLE r_clv)) d")
echo "label propagation labels equal cluster_key row for row: $([[ $exact == 0 ]] && echo yes || echo "NO ($exact rows differ)")"
