#!/usr/bin/env bash
# Random-query fuzzer for every function and aggregate of schema clv: starts a
# throwaway cluster that preloads clv_ext, loads a small fixture full of edge
# cases (NULLs, negative/NaN/infinite amounts, timestamps before 1970 and far
# in the future, duplicates, junk identifiers, a registered profile), reads
# the catalog and runs N generated statements (tests/sql_fuzz/sql_fuzz_gen.py) in psql
# sessions of 500 statements with a statement_timeout of 2 s. After each
# batch it checks the server log for backends terminated by a signal and that
# the server accepts connections; a crash is narrowed down to its statement
# (saved under the work directory) and the run goes on after the server's
# crash restart. Prints queries run, errors by SQLSTATE class, slow
# statements, crashes, and last "N passed, N failed" (one check: no crash).
# Exits non-zero on a crash.
#
#   bash tests/sql_fuzz/sql_fuzz.sh [--queries N] [--seed S] [--port P] [--cluster-dir DIR]
#                          [--batch-size B] [--workdir DIR] [--keep] [--inject-crash]
#
# The extension must be installed (make install). Statements and logs go to
# the work directory (default build/sql_fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.." || exit 1

queries=20000
seed=1
port=54351
cluster_dir=/tmp/clv_fuzz_cluster
batch_size=500
workdir=build/sql_fuzz
keep=0
inject=()
while (($#)); do
  case $1 in
    --queries) queries=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --cluster-dir) cluster_dir=$2; shift 2 ;;
    --batch-size) batch_size=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --inject-crash) inject=(--inject-crash); shift ;;  # self-test: one statement kills its backend
    *) echo "usage: $0 [--queries N] [--seed S] [--port P] [--cluster-dir DIR] [--batch-size B] [--workdir DIR] [--keep]" >&2
       exit 2 ;;
  esac
done
[[ $queries =~ ^[0-9]+$ && $seed =~ ^[0-9]+$ && $port =~ ^[0-9]+$ && $batch_size =~ ^[1-9][0-9]*$ ]] ||
  { echo "sql_fuzz: --queries, --seed, --port and --batch-size take numbers" >&2; exit 2; }

export CLV_CLUSTER_DIR=$cluster_dir CLV_PGPORT=$port
source scripts/cluster_env.sh
export PGDATABASE=clv_fuzz
mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)

# cluster.sh start wipes the directory: never under another run's feet.
if [[ -f $CLV_CLUSTER_DIR/data/postmaster.pid ]] &&
  "$PG_BIN"/pg_isready -q -h "$CLV_CLUSTER_DIR" -p "$CLV_PGPORT" -t 2; then
  echo "sql_fuzz: a server is running in $CLV_CLUSTER_DIR (another run, or one kept with --keep);" \
    "stop it with CLV_CLUSTER_DIR=$CLV_CLUSTER_DIR CLV_PGPORT=$CLV_PGPORT bash scripts/cluster.sh stop," \
    "or use --cluster-dir and --port" >&2
  exit 2
fi
if [[ $keep -eq 0 ]]; then
  trap 'bash scripts/cluster.sh stop' EXIT
fi
# restart_after_crash is on by default: after a crash the postmaster
# reinitialises and the run goes on. Statements slower than the timeout are
# found from psql's \timing, so no duration logging is needed.
bash scripts/cluster.sh start "shared_preload_libraries = 'clv_ext'" "restart_after_crash = on" \
  "max_parallel_workers_per_gather = 2" "jit = off" "log_line_prefix = '%m [%p] %a '" \
  "clv.launcher_naptime = '5s'" "lc_messages = 'C'"
server_log=$CLV_CLUSTER_DIR/server.log

psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE clv_fuzz"
echo "sql_fuzz: loading the fixture"
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE EXTENSION clv_ext;
SELECT setseed(0.4242);

-- Transactions: 60 ordinary customers (seg 0..4) and junk customers 90..99 (seg 9).
CREATE TABLE fz_tx (id serial PRIMARY KEY, cust int, cust_t text, ts timestamptz, amount numeric,
                    amount_f float8, seg int);
INSERT INTO fz_tx (cust, cust_t, ts, amount, amount_f, seg)
SELECT c, 'email:p' || c || '@x.com', timestamptz '1996-01-01' + random() * interval '1300 days', a, a::float8, c % 5
FROM (SELECT (random() * 59)::int + 1 AS c, round((random() * 200)::numeric, 2) AS a
      FROM generate_series(1, 1500)) s;
-- exact duplicates
INSERT INTO fz_tx (cust, cust_t, ts, amount, amount_f, seg)
SELECT cust, cust_t, ts, amount, amount_f, seg FROM fz_tx WHERE id % 10 = 0;
INSERT INTO fz_tx (cust, cust_t, ts, amount, amount_f, seg) VALUES
  (90, 'email:null', '1997-01-01', NULL, NULL, 9),
  (90, 'email:null', NULL, 5, 5, 9),
  (90, 'email:null', '1997-01-02', 0, 0, 9),
  (NULL, NULL, '1997-02-01', 3, 3, 9),
  (91, 'crm:91', '1997-03-01', -50, -50, 9),
  (91, 'crm:91', '1997-03-02', 'NaN', 'NaN', 9),
  (92, 'device:0', '1997-01-01', 'Infinity', 'Infinity', 9),
  (92, 'device:0', '1997-01-05', '-Infinity', '-Infinity', 9),
  (93, '', '1969-12-31 23:59:59.999999+00', 1, 1, 9),
  (93, '', '1900-01-01', 2, 2, 9),
  (93, '', '1970-01-01 00:00:00+00', 2, 2, 9),
  (94, 'x', '4713-01-01 00:00:00+00 BC', 1, 1, 9),
  (94, 'x', '294276-12-31 23:59:59+00', 1, 1, 9),
  (95, 'y', 'infinity', 1, 1, 9),
  (95, 'y', '-infinity', 1, 1, 9),
  (96, 'z', '2200-01-01', 1e300, 1e300, 9),
  (96, 'z', '2200-01-02', 1e300, 1e308, 9),
  (97, 'w', '1998-01-01', 1e400, '-1e308', 9),
  (97, 'w', '1998-01-01', 1e-400, 4.9e-324, 9),
  (98, 'v', '1998-05-01', -1e-10, -0.0, 9);
INSERT INTO fz_tx (cust, cust_t, ts, amount, amount_f, seg)
SELECT 99, 'crm:99', '1999-01-01 12:00', 10, 10, 9 FROM generate_series(1, 50);

-- A larger table for parallel plans: the CDNOW sample (data/cdnow) 20 times
-- over with distinct customer ids (47,000 customers, 138,000 rows), on which
-- the models fit in milliseconds, plus junk customer -1.
CREATE TEMP TABLE cdnow_raw (line text);
\copy cdnow_raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE fz_big (cust int, ts timestamptz, amount numeric, amount_f float8, seg int);
INSERT INTO fz_big
SELECT f[2]::int + 3000 * k, to_date(f[3], 'YYYYMMDD')::timestamptz, f[5]::numeric, f[5]::float8,
       (f[2]::int + 3000 * k) % 5
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM cdnow_raw) r, generate_series(0, 19) k;
INSERT INTO fz_big VALUES (-1, 'infinity', 1, 1, 9), (-1, '1998-01-01', 'NaN', 'NaN', 9),
  (-1, '1960-01-01', -5, -5, 9), (-1, NULL, NULL, NULL, 9);
ALTER TABLE fz_big SET (parallel_workers = 2);

-- RFM summaries (model inputs), with junk rows in seg 9.
CREATE TABLE fz_summary AS
SELECT cust, cust % 5 AS seg, (r).frequency::float8 AS freq, (r).recency AS rec, (r).t AS t,
       (r).monetary AS mon
FROM (SELECT cust, clv.rfm_agg(ts, amount, '1998-06-30', '7 days') AS r
      FROM fz_big WHERE seg <> 9 AND cust < 3000 GROUP BY cust) s;
INSERT INTO fz_summary VALUES
  (-1, 9, 'NaN', 1, 2, 3), (-2, 9, -1, 0, 5, 0), (-3, 9, 1.5, 1, 2, 3), (-4, 9, 2, 10, 5, 7),
  (-5, 9, 1e308, 1e308, 1e308, 1e308), (-6, 9, NULL, 1, 2, 3), (-7, 9, 0, 0, 0, 0),
  (-8, 9, 1, 1, 1, 0), (-9, 9, 3, 2, 4, -5), (-10, 9, 'Infinity', 1, 2, 3), (-11, 9, 2, 1, 'Infinity', 1),
  (-12, 9, 1, 4.9e-324, 4.9e-324, 4.9e-324), (-13, 9, 2147483647, 1, 2, 3), (-14, 9, 5, 5, 5, 1e-300);
CREATE TABLE fz_summary_big AS SELECT s.* FROM fz_summary s, generate_series(1, 20) g WHERE s.seg <> 9;
ALTER TABLE fz_summary_big SET (parallel_workers = 2);

CREATE TABLE fz_holdout AS
SELECT cust, clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days') AS h
FROM fz_big WHERE seg <> 9 AND cust < 600 GROUP BY cust;

-- Cohort survivors for sBG: "regular" and "high end" (Fader & Hardie 2007), and junk.
CREATE TABLE fz_sbg (cohort int, period int, active bigint);
INSERT INTO fz_sbg SELECT 1, i - 1, a FROM unnest('{1000,631,468,382,326,289,262,241,223,207,194,183,173}'::bigint[]) WITH ORDINALITY u(a, i);
INSERT INTO fz_sbg SELECT 2, i - 1, a FROM unnest('{1000,869,743,653,593,551,517,491,468,445,427,409,394}'::bigint[]) WITH ORDINALITY u(a, i);
INSERT INTO fz_sbg VALUES (3, 0, 10), (3, 1, 20), (3, 2, -5), (3, 2, 3), (3, 5, NULL), (3, NULL, 4),
  (3, -1, 7), (3, 2147483647, 1), (3, 7, 9223372036854775807);

-- Models: fitted on the summaries, and hand-made extremes.
CREATE TABLE fz_models (name text PRIMARY KEY, bgnbd clv.bgnbd, mbgnbd clv.mbgnbd, pareto clv.pareto_nbd,
                        gg clv.gamma_gamma, sbg clv.sbg, bgbb clv.bgbb);
INSERT INTO fz_models (name, bgnbd, mbgnbd, pareto, gg)
SELECT 'fit', clv.bgnbd_fit(freq, rec, t), clv.mbgnbd_fit(freq, rec, t), clv.pareto_nbd_fit(freq, rec, t),
       clv.gamma_gamma_fit(freq, mon)
FROM fz_summary WHERE seg <> 9;
UPDATE fz_models SET sbg = (SELECT clv.sbg_fit(period, active) FROM fz_sbg WHERE cohort = 1) WHERE name = 'fit';
UPDATE fz_models SET bgbb = (SELECT clv.bgbb_fit(x, t_x, 6, w) FROM (VALUES (0, 0, 3464::bigint), (1, 1, 1091), (1, 4, 78),
                                  (2, 3, 255), (3, 6, 357), (4, 5, 284), (5, 6, 728), (6, 6, 1203)) v(x, t_x, w))
WHERE name = 'fit';
ALTER TABLE fz_models ADD pcov clv.pareto_nbd_cov, ADD bcov clv.bgnbd_cov;
UPDATE fz_models SET (pcov, bcov) = (SELECT clv.pareto_nbd_cov_fit(freq, rec, t, ARRAY[(cust % 2)::float8, seg - 2]),
                                            clv.bgnbd_cov_fit(freq, rec, t, ARRAY[(cust % 2)::float8, seg - 2])
                                     FROM fz_summary WHERE seg <> 9)
WHERE name = 'fit';
INSERT INTO fz_models (name, bgnbd, mbgnbd, pareto, gg)
SELECT 'seg1', clv.bgnbd_fit(freq, rec, t), clv.mbgnbd_fit(freq, rec, t), clv.pareto_nbd_fit(freq, rec, t),
       clv.gamma_gamma_fit(freq, mon)
FROM fz_summary WHERE seg = 1;
UPDATE fz_models SET sbg = (SELECT clv.sbg_fit(period, active) FROM fz_sbg WHERE cohort = 2) WHERE name = 'seg1';
INSERT INTO fz_models VALUES
  ('tiny', ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1, 0, 0, NULL), ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1, 0, 0, NULL),
   ROW(1e-10, 1e-10, 1e-10, 1e-10, 0, 1, true, 1, 0, 0, NULL), ROW(1e-10, 1e-10, 1e-10, 0, 1, true, 1, 0, 0, NULL),
   ROW(1e-10, 1e-10, 0, 1, true, 1, 0, 0, NULL)),
  ('huge', ROW(1e10, 1e10, 1e10, 1e10, 0, 1, true, 1, 0, 0, NULL), ROW(1e10, 1e-10, 1e10, 1e-10, 0, 1, true, 1, 0, 0, NULL),
   ROW(1e10, 1e-10, 1e10, 1e10, 0, 1, true, 1, 0, 0, NULL), ROW(1e10, 1e10, 1e-10, 0, 1, true, 1, 0, 0, NULL),
   ROW(1e10, 1e-10, 0, 1, true, 1, 0, 0, NULL)),
  ('nan', ROW('NaN', 1, 1, 1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 'NaN', 1, 1, 0, 1, true, 1, 0, 0, NULL),
   ROW(1, 1, 'NaN', 1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 1, 'NaN', 0, 1, true, 1, 0, 0, NULL), ROW('NaN', 1, 0, 1, true, 1, 0, 0, NULL)),
  ('edge', ROW(0, 1, 1, 1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 0, 1, 1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 1, 0, 1, 0, 1, true, 1, 0, 0, NULL),
   ROW(1, 1, -1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 'Infinity', 0, 1, true, 1, 0, 0, NULL)),
  ('nulls', ROW(NULL, 1, 1, 1, 0, 1, true, 1, 0, 0, NULL), ROW(1, 1, NULL, 1, NULL, NULL, NULL, NULL, 0, 0, NULL),
   ROW(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL), ROW(1, 1, NULL, 0, 1, true, 1, 0, 0, NULL), NULL);
UPDATE fz_models SET pcov = ROW(1e10, 1e-10, 1e10, 1e10, '{700,-700}', '{1e300,0}', 0, 1, true, 1, 0, 0, NULL),
                     bcov = ROW('NaN', 1, 1, 1, '{NaN,1}', '{}', 0, 1, true, 1, 0, 0, '{}')
WHERE name = 'huge';

-- Identifier pairs: 200 persons, a shared device (a hub), junk values, self
-- loops, duplicates and reversed duplicates, long and non-ASCII identifiers.
CREATE TABLE fz_edges (a text, b text, src text, seen timestamptz);
INSERT INTO fz_edges
SELECT 'email:p' || g || '@x.com', 'device:d' || g, 'web', timestamptz '1999-01-01' + g * interval '1 hour'
FROM generate_series(1, 200) g
UNION ALL SELECT 'device:d' || g, 'cookie:c' || g, 'web', NULL FROM generate_series(1, 200) g
UNION ALL SELECT 'email:p' || g || '@x.com', 'crm:' || (g % 150), 'crm', '1999-06-01' FROM generate_series(1, 200) g
UNION ALL SELECT 'email:p' || g || '@x.com', 'device:shared', 'app', '2000-01-01' FROM generate_series(1, 150) g;
INSERT INTO fz_edges VALUES
  ('email:null', 'device:0', 'web', '1999-01-01'), ('phone:000-000', 'email:p1@x.com', 'web', NULL),
  ('', 'email:p2@x.com', '', NULL), (NULL, 'email:p3@x.com', NULL, NULL), ('email:p4@x.com', NULL, 'web', NULL),
  ('email:p5@x.com', 'email:p5@x.com', 'web', NULL), ('device:d1', 'email:p1@x.com', 'web', NULL),
  ('email:p1@x.com', 'device:d1', 'web', NULL), ('email:p1@x.com', 'device:d1', 'web', NULL),
  ('email: NULL ', 'device:d9', 'web', 'infinity'), ('email:noreply@x.com', 'device:d10', 'web', '-infinity'),
  (repeat('x', 3000), 'device:d11', 'web', NULL), ('email:josé@x.com', 'email:日本@x.jp', 'web', NULL),
  ('plain', '::', 'web', NULL), (':', 'a:', 'web', NULL), ('crm:', 'crm:1', 'crm', NULL),
  ('email:P1@X.COM', 'email:p1@x.com', 'web', NULL), ('device:00:00:00', 'email:p6@x.com', 'web', NULL);
SELECT * FROM clv.identity_ingest('SELECT a, b, src, seen FROM fz_edges');

-- Profile sources: fz_orders (registered as profile "fz"), identifiers, a view, a partitioned table.
CREATE TABLE fz_orders_base AS
SELECT cust, ts + (date_trunc('day', now()) - timestamptz '1998-07-01') AS ts, amount
FROM fz_big WHERE seg <> 9 AND cust < 300;
CREATE TABLE fz_orders (cust int, ts timestamptz, amount numeric);
INSERT INTO fz_orders SELECT * FROM fz_orders_base;
CREATE TABLE fz_ident_orders AS
SELECT e.a AS ident, o.ts, o.amount FROM fz_orders o JOIN (SELECT a, row_number() OVER (ORDER BY a) AS n
  FROM (SELECT DISTINCT a FROM fz_edges WHERE a IS NOT NULL) d) e ON e.n = o.cust;
CREATE VIEW fz_view AS SELECT * FROM fz_orders;
CREATE TABLE fz_part (cust int, ts timestamptz, amount numeric) PARTITION BY RANGE (ts);
CREATE TABLE fz_part_1 PARTITION OF fz_part DEFAULT;
-- A role without superuser rights (SET ROLE fz_user in some statements).
CREATE ROLE fz_user;
GRANT USAGE ON SCHEMA clv, clv_profiles TO fz_user;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO fz_user;
GRANT INSERT, UPDATE, DELETE ON fz_orders, fz_edges TO fz_user;
GRANT CREATE ON SCHEMA public TO fz_user;
ANALYZE;
SELECT clv.create_profile('fz', 'fz_orders', 'cust', 'ts', 'amount', unit => '7 days');
SELECT * FROM clv.refresh_profile('fz', true);
GRANT SELECT ON ALL TABLES IN SCHEMA clv_profiles TO fz_user;
SQL

catalog=$workdir/catalog.json
psql -X -At -v ON_ERROR_STOP=1 >"$catalog" <<'SQL'
SELECT json_build_object('functions', (
SELECT json_agg(json_build_object(
         'name', p.proname, 'kind', p.prokind, 'retset', p.proretset,
         'args', (SELECT json_agg(pg_catalog.format_type(t, NULL) ORDER BY i)
                  FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, i)),
         'argnames', p.proargnames, 'argmodes', p.proargmodes, 'ndefaults', p.pronargdefaults,
         'rettype', pg_catalog.format_type(p.prorettype, NULL), 'strict', p.proisstrict,
         'lang', l.lanname, 'identity', p.oid::regprocedure::text, 'aggkind', a.aggkind,
         'proparallel', p.proparallel)
       ORDER BY p.oid::regprocedure::text)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE n.nspname = 'clv'), 'settings', (
SELECT json_agg(json_build_object('name', name, 'vartype', vartype, 'context', context,
         'min_val', min_val, 'max_val', max_val, 'enumvals', enumvals, 'boot_val', boot_val) ORDER BY name)
FROM pg_settings WHERE name LIKE 'clv.%'), 'types', (
SELECT json_agg(json_build_object('name', format('%I.%I', n.nspname, t.typname), 'attributes',
         (SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)) ORDER BY t.typname)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = 'clv' AND c.relkind = 'c'));
SQL

python3 tests/sql_fuzz/sql_fuzz_gen.py generate --catalog "$catalog" --queries "$queries" --seed "$seed" \
  --out "$workdir" --batch-size "$batch_size" --timeout-ms 2000 "${inject[@]}"

status=0
python3 tests/sql_fuzz/sql_fuzz_gen.py run --dir "$workdir" --server-log "$server_log" --timeout-ms 2000 || status=$?
crashes=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["crashes"]))' "$workdir/summary.json" 2>/dev/null || echo 1)
if [[ $status -eq 0 && $crashes -eq 0 ]]; then
  echo "1 passed, 0 failed"
else
  echo "details: $workdir/summary.json, crash repros in $workdir/crashes/"
  echo "0 passed, 1 failed"
  exit 1
fi
