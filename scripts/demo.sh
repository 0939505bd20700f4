#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine (as root): installs dependencies,
# builds and installs clv_ext, starts a throwaway PostgreSQL 15 cluster on a
# private port and socket directory, loads the bundled CDNOW sample and prints
# per-customer RFM and CLV figures with a summary. The cluster is stopped at
# the end unless --keep is given.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
[[ ${1:-} == --keep ]] && keep=true

bash scripts/setup.sh
source scripts/cluster_env.sh
$keep || trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/cluster.sh start
export PGDATABASE=clv_demo
createdb clv_demo

psql -q -v ON_ERROR_STOP=1 <<'SQL'
\set QUIET on
CREATE EXTENSION clv_ext;
SET TimeZone = 'UTC';
CREATE TEMP TABLE raw (line text);
\copy raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE transactions AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD')::timestamptz AS ts, f[5]::numeric AS amount
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM raw) r;
ANALYZE transactions;

\echo
\echo 'CDNOW sample: 2,357 customers, 6,919 transactions, 1997-01-01 .. 1998-06-30'
\echo 'RFM per customer as of 1997-09-30 (the 39-week calibration period), in weeks,'
\echo 'with simple CLV = average purchase value x purchases per year x 3 years and'
\echo 'retention CLV at 30% margin, 60% yearly retention, 10% discount rate.'
\echo
CREATE TABLE customer_value AS
SELECT customer_id, (r).*,
       (r).total_amount / ((r).frequency + 1) AS avg_purchase_value,
       ((r).frequency + 1) / ((r).t / 52.18) AS purchases_per_year
FROM (SELECT customer_id, clv.rfm_agg(ts, amount, '1997-09-30', '7 days') AS r
      FROM transactions GROUP BY customer_id) s;

\echo 'Top 15 customers by simple CLV:'
SELECT customer_id AS customer, frequency, round(recency::numeric, 2) AS recency_wk,
       round(t::numeric, 2) AS t_wk, round(monetary::numeric, 2) AS monetary,
       n_orders AS orders, round(total_amount::numeric, 2) AS total,
       round(clv.simple_clv(avg_purchase_value, purchases_per_year, 3)::numeric, 2) AS simple_clv,
       round(clv.retention_clv(0.3 * avg_purchase_value * purchases_per_year, 0.6, 0.1)::numeric, 2) AS retention_clv,
       round(clv.historical_clv(0.3 * total_amount, 0, 0)::numeric, 2) AS historical_clv
FROM customer_value
ORDER BY clv.simple_clv(avg_purchase_value, purchases_per_year, 3) DESC, customer_id
LIMIT 15;

\echo 'Summary:'
SELECT count(*) AS customers,
       count(*) FILTER (WHERE frequency > 0) AS repeat_buyers,
       round(avg(frequency)::numeric, 3) AS mean_frequency,
       round(avg(monetary) FILTER (WHERE frequency > 0)::numeric, 2) AS mean_repeat_value,
       round(sum(total_amount)::numeric, 2) AS revenue,
       round(avg(clv.simple_clv(avg_purchase_value, purchases_per_year, 3))::numeric, 2) AS mean_simple_clv
FROM customer_value;

\echo 'Calibration (to 1997-09-30) vs holdout (to 1998-06-30) purchases by calibration frequency:'
SELECT (r).frequency AS calibration_frequency, count(*) AS customers,
       round(avg((r).frequency_holdout)::numeric, 3) AS mean_holdout_purchases
FROM (SELECT clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days') AS r
      FROM transactions GROUP BY customer_id) s
GROUP BY 1 ORDER BY 1 LIMIT 8;
SQL

if $keep; then
  echo "The cluster keeps running: source scripts/cluster_env.sh; psql -d clv_demo"
  echo "Stop it with: bash scripts/cluster.sh stop"
fi
