#!/usr/bin/env bash
# Grammar-based random SQL (Debian's sqlsmith, apt-get install sqlsmith)
# against clv_ext, run as an ORDINARY role. Starts a throwaway cluster that
# preloads clv_ext (restart_after_crash = on), loads a fixture as superuser
# (database clv_smith, the extension, an identity graph, a profile "shop"
# over a superuser table) and as the login role clv_smith (NOSUPERUSER; owns
# only its schema clv_smith and the tables in it: orders full of NULLs,
# negative/NaN/infinite amounts and far timestamps, RFM summaries, fitted and
# extreme models, cohorts, identifier pairs, text values such as query texts
# and profile names; and, when this build lets an ordinary role do it, a
# profile "smith_shop" of its own). Then runs sqlsmith
# as clv_smith, which reads the catalog it can see (so clv.* functions,
# aggregates, types and tables are in its vocabulary next to pg_catalog's)
# and sends each generated statement in BEGIN ... ROLLBACK with a 1 s
# statement_timeout (sqlsmith's own; the role also has statement_timeout 2s).
# sqlsmith survives a crash by reconnecting; if it stops early anyway, it is
# started again with the next seed until the query or time budget is used.
#
# Crashes are counted from the server log ("terminated by signal",
# "was terminated by exception", of backends and background workers); for
# each, the statement the postmaster reports ("Failed process was running")
# and the log lines of the crashed process go to the work directory
# (crashes/crash_N.sql, crashes/crash_N.log). Prints per-run lines, the
# number of queries, how many called a clv function (list of functions and
# call counts in clv_functions.txt), SQLSTATE XX000 errors (information
# only), crashes, and last "N passed, N failed" (one check: no crash, and
# the run called clv functions at all). Exits non-zero on a failure.
#
#   bash tests/sql_fuzz/sqlsmith.sh [--queries N] [--seed S] [--port P] [--cluster-dir DIR]
#                          [--workdir DIR] [--max-seconds T] [--keep]
#
# Defaults: 20000 queries, seed 1, port 54361, /tmp/clv_sqlsmith_cluster,
# build/sqlsmith, 1800 s of sqlsmith wall clock (after it, sqlsmith gets
# SIGINT, prints its report and the run ends with the queries done so far).
# sqlsmith spends most of the time generating statements (about 8 ms of CPU
# each): expect 50-70 queries a second, so 3000 queries take about a minute
# with the fixture. The extension must be installed (make install).
# Runs as root (the server then runs as the OS user postgres, see
# scripts/cluster.sh) or as an ordinary user.
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1

queries=20000
seed=1
port=54361
cluster_dir=/tmp/clv_sqlsmith_cluster
workdir=build/sqlsmith
max_seconds=1800
keep=0
usage="usage: $0 [--queries N] [--seed S] [--port P] [--cluster-dir DIR] [--workdir DIR] [--max-seconds T] [--keep]"
while (($#)); do
  case $1 in
    --queries) queries=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --cluster-dir) cluster_dir=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --keep) keep=1; shift ;;  # leave the cluster running at exit
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ $queries =~ ^[1-9][0-9]*$ && $seed =~ ^[0-9]+$ && $port =~ ^[0-9]+$ && $max_seconds =~ ^[1-9][0-9]*$ ]] ||
  { echo "sqlsmith: --queries, --seed, --port and --max-seconds take numbers" >&2; exit 2; }
command -v sqlsmith >/dev/null ||
  { echo "sqlsmith: the sqlsmith program is missing (apt-get install -y sqlsmith)" >&2; exit 2; }

export CLV_CLUSTER_DIR=$cluster_dir CLV_PGPORT=$port
source scripts/cluster_env.sh
export PGDATABASE=clv_smith
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
rm -rf "$workdir/runs" "$workdir/crashes" "$workdir/internal_errors" "$workdir"/*.gz "$workdir"/*.txt "$workdir"/*.log
mkdir -p "$workdir/runs" "$workdir/crashes"

# cluster.sh start wipes the directory: never under another run's feet.
if [[ -f $CLV_CLUSTER_DIR/data/postmaster.pid ]] &&
  "$PG_BIN"/pg_isready -q -h "$CLV_CLUSTER_DIR" -p "$CLV_PGPORT" -t 2; then
  echo "sqlsmith: a server is running in $CLV_CLUSTER_DIR (another run, or one kept with --keep);" \
    "stop it with CLV_CLUSTER_DIR=$CLV_CLUSTER_DIR CLV_PGPORT=$CLV_PGPORT bash scripts/cluster.sh stop," \
    "or use --cluster-dir and --port" >&2
  exit 2
fi
if [[ $keep -eq 0 ]]; then
  trap 'bash scripts/cluster.sh stop' EXIT
fi
# Errors are logged with their SQLSTATE (%e) and statement, so that an
# internal error (XX000) can be traced to its statement. A crashed backend's
# statement is logged by the postmaster, in full up to
# track_activity_query_size.
bash scripts/cluster.sh start "shared_preload_libraries = 'clv_ext'" "restart_after_crash = on" \
  "lc_messages = 'C'" "log_line_prefix = '%m [%p] %a %e '" "log_min_error_statement = 'error'" \
  "track_activity_query_size = '64kB'" "jit = off" "max_parallel_workers_per_gather = 2" \
  "clv.launcher_naptime = '5s'"
server_log=$CLV_CLUSTER_DIR/server.log
fixture_log=$workdir/fixture.log

echo "sqlsmith: loading the fixture"
psql -X -q -d postgres -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE clv_smith LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE clv_smith SET statement_timeout = '2s';
CREATE DATABASE clv_smith;
SQL

# Superuser part: the extension, the identity graph, a profile over a table
# clv_smith cannot read, and the schema clv_smith gets to own.
psql -X -q -v ON_ERROR_STOP=1 >"$fixture_log" 2>&1 <<'SQL' || { cat "$fixture_log" >&2; exit 1; }
CREATE EXTENSION clv_ext;
CREATE SCHEMA clv_smith AUTHORIZATION clv_smith;
SELECT setseed(0.31);
CREATE TABLE su_orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO su_orders
SELECT (random() * 39)::int + 1, now() - random() * interval '700 days', round((random() * 150)::numeric, 2)
FROM generate_series(1, 400);
INSERT INTO su_orders VALUES (NULL, now() - interval '1 day', 1), (1, NULL, 2), (2, now() - interval '2 days', NULL),
  (3, now() - interval '3 days', -5);
SELECT * FROM clv.identity_ingest($$VALUES ('email:a@x.com','device:1'), ('device:1','cookie:9')$$);
SELECT * FROM clv.identity_ingest($$VALUES ('email:b@x.com', 'device:2'), ('device:2', 'cookie:9'),
  ('crm:7', 'email:b@x.com'), ('email:c@x.com', 'email:c@x.com'), ('phone:000', 'device:1'),
  ('email:d@x.com', 'device:shared'), ('email:e@x.com', 'device:shared'), ('crm:8', 'email:e@x.com'),
  ('email:josé@x.com', 'email:日本@x.jp'), ('device:3', NULL), ('', 'cookie:10')$$);
SELECT clv.create_profile('shop', 'su_orders', 'customer_id', 'ts', 'amount');
\set ON_ERROR_STOP 0
SELECT * FROM clv.refresh_profile('shop', true);
SQL

# clv_smith's part, connected as clv_smith. Plain tables first (must work),
# then what calls clv functions: some may be refused to an ordinary role on
# a given build, which only narrows the fixture (errors in fixture.log).
psql -X -q -U clv_smith -v ON_ERROR_STOP=1 >>"$fixture_log" 2>&1 <<'SQL' || { cat "$fixture_log" >&2; exit 1; }
SELECT setseed(0.27);
CREATE TABLE clv_smith.orders (id serial PRIMARY KEY, customer_id int, customer text, ts timestamptz,
                               amount numeric, amount_f float8);
INSERT INTO clv_smith.orders (customer_id, customer, ts, amount, amount_f)
SELECT c, 'email:c' || c || '@x.com', ts, a, a::float8
FROM (SELECT (random() * 29)::int + 1 AS c, now() - random() * interval '900 days' AS ts,
             round((random() * 200)::numeric, 2) AS a
      FROM generate_series(1, 300)) s;
INSERT INTO clv_smith.orders (customer_id, customer, ts, amount, amount_f) VALUES
  (NULL, NULL, now() - interval '5 days', 3, 3), (40, 'email:null', NULL, 5, 5), (40, 'email:null', now(), NULL, NULL),
  (41, 'crm:41', now() - interval '10 days', -50, -50), (41, 'crm:41', now() - interval '9 days', 'NaN', 'NaN'),
  (42, 'device:0', now() - interval '8 days', 'Infinity', 'Infinity'),
  (42, 'device:0', now() - interval '7 days', '-Infinity', '-Infinity'),
  (43, '', '1900-01-01', 1, 1), (43, '', '1969-12-31 23:59:59.999999+00', 2, 2),
  (44, 'x', '4713-01-01 00:00:00+00 BC', 1, 1), (44, 'x', '294276-12-31 23:59:59+00', 1, 1),
  (45, 'y', 'infinity', 1, 1), (45, 'y', '-infinity', 1, 1), (46, 'z', '2999-12-31', 1e300, 1e308),
  (47, 'w', now() - interval '1 day', 1e-400, 4.9e-324), (48, 'v', now(), -1e-10, -0.0);
CREATE TABLE clv_smith.summaries (customer_id int, frequency float8, recency float8, t float8, monetary float8);
INSERT INTO clv_smith.summaries VALUES
  (-1, 'NaN', 1, 2, 3), (-2, -1, 0, 5, 0), (-3, 1.5, 1, 2, 3), (-4, 2, 10, 5, 7), (-5, 1e308, 1e308, 1e308, 1e308),
  (-6, NULL, 1, 2, 3), (-7, 0, 0, 0, 0), (-8, 'Infinity', 1, 2, 3), (-9, 2147483647, 1, 2, 3),
  (-10, 1, 4.9e-324, 4.9e-324, 4.9e-324);
CREATE TABLE clv_smith.cohorts (cohort int, period int, active bigint);
INSERT INTO clv_smith.cohorts
SELECT 1, i - 1, a FROM unnest('{1000,631,468,382,326,289,262,241,223,207,194,183,173}'::bigint[]) WITH ORDINALITY u(a, i);
INSERT INTO clv_smith.cohorts VALUES (3, 0, 10), (3, 1, 20), (3, 2, -5), (3, 5, NULL), (3, NULL, 4), (3, -1, 7),
  (3, 2147483647, 1), (3, 7, 9223372036854775807);
CREATE TABLE clv_smith.edges (a text, b text);
INSERT INTO clv_smith.edges
SELECT 'email:c' || g || '@x.com', 'device:d' || (g % 7) FROM generate_series(1, 30) g;
INSERT INTO clv_smith.edges VALUES ('email:a@x.com', 'device:1'), (NULL, 'device:1'), ('', ''), ('x', 'x'),
  (repeat('y', 3000), 'device:d1');
-- Text values sqlsmith may pick for text arguments (it writes no string
-- literals of its own): query texts, profile names, identifiers, units.
CREATE TABLE clv_smith.texts (value text);
INSERT INTO clv_smith.texts VALUES ('SHOW search_path'), ($$VALUES ('email:a@x.com', 'device:1')$$),
  ('SELECT a, b FROM clv_smith.edges'), ('SELECT customer_id, ts, amount FROM clv_smith.orders'),
  ('SELECT 1; SELECT 2'), ('TABLE clv_smith.edges'), ('WITH e AS (SELECT a, b FROM clv_smith.edges) SELECT * FROM e'),
  ('SELECT a, b FROM su_orders'), (''), (' '), ('shop'), ('smith_shop'), ('bgnbd'), ('pareto_nbd'), ('7 days'),
  ('email:a@x.com'), ('device:1'), ('up'), ('down'), (NULL), (repeat('z', 10000));
CREATE TABLE clv_smith.models (name text, bgnbd clv.bgnbd, mbgnbd clv.mbgnbd, pareto clv.pareto_nbd,
                               gg clv.gamma_gamma, sbg clv.sbg);
\set ON_ERROR_STOP 0
INSERT INTO clv_smith.summaries
SELECT customer_id, (r).frequency, (r).recency, (r).t, (r).monetary
FROM (SELECT customer_id, clv.rfm_agg(ts, amount, now()) AS r FROM clv_smith.orders
      WHERE customer_id <= 30 GROUP BY customer_id) s;
INSERT INTO clv_smith.models (name, bgnbd, mbgnbd, pareto, gg)
SELECT 'fit', clv.bgnbd_fit(frequency, recency, t), clv.mbgnbd_fit(frequency, recency, t),
       clv.pareto_nbd_fit(frequency, recency, t), clv.gamma_gamma_fit(frequency, monetary)
FROM clv_smith.summaries WHERE customer_id > 0;
UPDATE clv_smith.models SET sbg = (SELECT clv.sbg_fit(period, active) FROM clv_smith.cohorts WHERE cohort = 1)
WHERE name = 'fit';
INSERT INTO clv_smith.models VALUES
  ('tiny', ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1), ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1),
   ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1), ROW(1e-10, 1e-10, 1e-10, 0, 1, true, 1),
   ROW(1e-10, 1e-10, 0, 1, true, 1)),
  ('huge', ROW(1e10, 1e10, 1e10, 1e10, 0, 1, true, 1), ROW(1e10, 1e-10, 1e10, 1e-10, 0, 1, true, 1),
   ROW(1e10, 1e-10, 1e10, 1e10, 0, 1, true, 1), ROW(1e10, 1e10, 1e-10, 0, 1, true, 1),
   ROW(1e10, 1e-10, 0, 1, true, 1)),
  ('nan', ROW('NaN', 1, 1, 1, 0, 1, true, 1), ROW(1, 'NaN', 1, 1, 0, 1, true, 1),
   ROW(1, 1, 'NaN', 1, 0, 1, true, 1), ROW(1, 1, 'NaN', 0, 1, true, 1), ROW('NaN', 1, 0, 1, true, 1)),
  ('nulls', ROW(NULL, 1, 1, 1, 0, 1, true, 1), ROW(1, 1, NULL, 1, NULL, NULL, NULL, NULL),
   ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), NULL, NULL);
-- A profile of clv_smith's own, in clv_profiles if this build lets an
-- ordinary role create there, else in its own schema. Its source is the
-- part of orders a refresh accepts (no NaN or infinite amounts, no
-- timestamps out of range), so that the profile has rows.
CREATE TABLE clv_smith.shop_orders AS
SELECT customer_id, ts, amount FROM clv_smith.orders
WHERE amount IS NULL OR (amount > -1e9 AND amount < 1e9 AND ts BETWEEN '1970-01-01' AND now());
SELECT clv.create_profile('smith_shop', 'clv_smith.shop_orders', 'customer_id', 'ts', 'amount');
SELECT clv.create_profile('smith_shop', 'clv_smith.shop_orders', 'customer_id', 'ts', 'amount',
                          target_schema => 'clv_smith')
WHERE NOT EXISTS (SELECT FROM clv.profiles WHERE name = 'smith_shop');
SELECT * FROM clv.refresh_profile('smith_shop', true);
SQL
psql -X -q -v ON_ERROR_STOP=1 -c "ANALYZE" >>"$fixture_log" 2>&1

fixture_errors=$(grep -c 'ERROR:' "$fixture_log" || true)
profiles=$(psql -X -At -v ON_ERROR_STOP=1 -c "SELECT string_agg(format('%s (owner %s, in %s)', name, owner::regrole,
  target_schema), ', ' ORDER BY id) FROM clv.profiles")
echo "sqlsmith: clv_ext $(psql -X -At -c "SELECT extversion FROM pg_extension WHERE extname = 'clv_ext'")," \
  "profiles: ${profiles:-none}; fixture errors: $fixture_errors (see $fixture_log)"
[[ $profiles == *smith_shop* ]] ||
  echo "sqlsmith: note: clv_smith could not create a profile of its own on this build (see $fixture_log)"
target="host=$CLV_CLUSTER_DIR port=$CLV_PGPORT dbname=clv_smith user=clv_smith"
[[ $(psql -X -At -d "$target" -c "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == f ]] ||
  { echo "sqlsmith: clv_smith must not be a superuser" >&2; exit 1; }

crash_re='terminated by signal|was terminated by exception'
count_crashes() { grep -Ec "$crash_re" "$server_log" || true; }
wait_ready() {
  local i
  for ((i = 0; i < 120; i++)); do
    "$PG_BIN"/pg_isready -q -h "$CLV_CLUSTER_DIR" -p "$CLV_PGPORT" -t 1 && return 0
    sleep 0.5
  done
  return 1
}

# sqlsmith runs until the query budget or the time budget is used.
done_queries=0
run=0
runs=0
idle_runs=0
start=$SECONDS
while ((done_queries < queries)); do
  left=$((max_seconds - (SECONDS - start)))
  ((left > 0)) || break
  wait_ready || { echo "sqlsmith: the server does not accept connections any more" >&2; break; }
  run_seed=$((seed + run))
  runs=$((run + 1))
  dump=$workdir/runs/run_$run.sql.gz
  before=$(count_crashes)
  set +e
  timeout -s INT -k 15 "$left" sqlsmith --target="$target" --seed="$run_seed" \
    --max-queries=$((queries - done_queries)) --verbose --dump-all-queries \
    2>"$workdir/runs/run_$run.err" | gzip -1 >"$dump"
  rc=${PIPESTATUS[0]}
  set -e
  n=$(zcat "$dump" | grep -c ';$' || true)
  crashed=$(($(count_crashes) - before))
  done_queries=$((done_queries + n))
  echo "sqlsmith: run $run: seed $run_seed, $n queries, $crashed crashes, exit $rc$( ((rc == 124)) && echo ' (time budget used)')"
  ((rc == 124)) && break
  if ((n == 0)); then
    idle_runs=$((idle_runs + 1))
    if ((idle_runs >= 3)); then
      echo "sqlsmith: sqlsmith ran no query three times in a row; its last words:" >&2
      tail -5 "$workdir/runs/run_$run.err" >&2
      break
    fi
  else
    idle_runs=0
  fi
  run=$((run + 1))
done
elapsed=$((SECONDS - start))

# Which clv functions the generated statements called.
zcat "$workdir"/runs/run_*.sql.gz | awk -v out="$workdir/clv_functions.txt" '
  { q = q $0 "\n" }
  /;$/ {
    if (q ~ /clv\.[a-z_0-9]+\(/) nq++
    while (match(q, /clv\.[a-z_0-9]+\(/)) {
      calls[substr(q, RSTART, RLENGTH - 1)]++
      q = substr(q, RSTART + RLENGTH)
    }
    q = ""
  }
  END {
    for (f in calls) { printf "%8d %s\n", calls[f], f | "sort -rn > \"" out "\""; nf++ }
    print nq + 0, nf + 0
  }' >"$workdir/clv_counts.txt"
read -r clv_queries clv_functions <"$workdir/clv_counts.txt"
rm -f "$workdir/clv_counts.txt"

# Crashes: the postmaster's report, the statement it says the process ran
# (crash_N.sql), and in crash_N.log the lines without a log prefix written
# shortly before (a backend's own stderr: C++ terminate messages, assertion
# failures, sanitizer reports), the last errors of that process and the
# postmaster's lines that follow.
crashes=$(count_crashes)
if ((crashes > 0)); then
  awk -v dir="$workdir/crashes" -v re="$crash_re" '
    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
      prefixed = 1; in_query = 0
    }
    !/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
      prefixed = 0
      # The server starts each continuation line of a message with a tab.
      if (!/^\t/) stray[++nstray % 30] = NR ": " $0
    }
    prefixed && $0 ~ re {
      n++
      pid = $0; sub(/.*\(PID /, "", pid); sub(/\).*/, "", pid)
      where = dir "/crash_" n ".where"
      print NR, pid > where
      close(where)
      strayfile = dir "/crash_" n ".stray"
      for (i = nstray - 29; i <= nstray; i++) if (i > 0 && stray[i % 30] != "" && split(stray[i % 30], f, ":") && NR - f[1] < 400) print stray[i % 30] > strayfile
      close(strayfile)
      waiting = 1; next
    }
    prefixed && waiting && /DETAIL:  Failed process was running: / {
      file = dir "/crash_" n ".sql"
      line = $0; sub(/.*DETAIL:  Failed process was running: /, "", line)
      print line > file; in_query = 1; waiting = 0; next
    }
    prefixed { waiting = 0 }
    in_query { sub(/^\t/, ""); print > file }
  ' "$server_log"
  for where in "$workdir"/crashes/crash_*.where; do
    read -r line pid <"$where"
    base=${where%.where}
    {
      echo "== lines without a log prefix shortly before the crash report (line numbers of the server log)"
      cat "$base.stray" 2>/dev/null || true
      echo "== last errors and warnings of process $pid"
      grep -F "[$pid] " "$server_log" | grep -Ev ' (25P01 WARNING|[0-9A-Z]{5} STATEMENT):' | tail -12 || true
      echo "== postmaster's report (server log line $line)"
      sed -n "$line,$((line + 400))p" "$server_log" | grep -E '^[^ ]+ [^ ]+ [A-Z]+ \[[0-9]+\] +[0-9A-Z]{5} (LOG|FATAL|PANIC):' |
        grep -Ev 'Failed process was running' | head -6 || true
    } >"$base.log"
    rm -f "$where" "$base.stray"
    [[ -f $base.sql ]] || echo "(the server log names no statement)" >"$base.sql"
  done
fi
# Internal errors (SQLSTATE XX000): count by message, and the first
# statement that raised each message.
mkdir -p "$workdir/internal_errors"
awk -v dir="$workdir/internal_errors" '
  /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:.]+ [A-Z]+ \[[0-9]+\] / {
    in_stmt = 0
    pid = $4
    if ($0 ~ / XX000 ERROR:  /) {
      msg = $0; sub(/.* XX000 ERROR:  /, "", msg)
      if (!(msg in seen)) {
        seen[msg] = ++n
        file = dir "/xx000_" n ".sql"
        print "-- " msg > file
        want[pid] = file
      }
      count[msg]++
      next
    }
    if ((pid in want) && $0 ~ / STATEMENT:  /) {
      file = want[pid]; delete want[pid]
      line = $0; sub(/.* STATEMENT:  /, "", line)
      print line > file
      in_stmt = 1
    }
    next
  }
  in_stmt { print > file }
  END { for (m in count) printf "%6d %s (%s/xx000_%d.sql)\n", count[m], m, dir, seen[m] }
' "$server_log" | sort -rn >"$workdir/internal_errors.txt"
internal=$(awk '{ n += $1 } END { print n + 0 }' "$workdir/internal_errors.txt")
gzip -1 -c "$server_log" >"$workdir/server.log.gz"

echo "sqlsmith: $elapsed s of sqlsmith in $runs run(s); statements in $workdir/runs/, server log in $workdir/server.log.gz"
echo "queries $done_queries"
echo "clv_queries $clv_queries (statements calling clv functions; $clv_functions distinct functions, see $workdir/clv_functions.txt)"
echo "internal_errors $internal (SQLSTATE XX000, information only, see $workdir/internal_errors.txt)"
echo "crashes $crashes"
failed=0
if ((crashes > 0)); then
  for sql in "$workdir"/crashes/crash_*.sql; do
    echo "crash ${sql##*/}: $(head -c 200 "$sql" | tr -s ' \n' ' ')..."
    grep -Em1 "$crash_re" "${sql%.sql}.log" | sed 's/^/  /' || true
  done
  echo "details: $workdir/crashes/"
  failed=1
fi
if ((done_queries >= 1000 && clv_queries == 0)); then
  echo "sqlsmith: no generated statement called a clv function: the run did not test the extension" >&2
  failed=1
fi
if ((done_queries == 0)); then
  echo "sqlsmith: no query ran" >&2
  failed=1
fi
if ((failed == 0)); then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"
  exit 1
fi
