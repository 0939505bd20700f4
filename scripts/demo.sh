#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine (as root): installs dependencies,
# builds and installs clv_ext, starts a throwaway PostgreSQL 15 cluster on a
# private port and socket directory, loads the bundled CDNOW sample and prints
# per-customer RFM and CLV figures with a summary, fits the probabilistic
# models and draws their diagnostics (build/demo/*.svg), shows churn trends and
# cohorts, stitches a small identity graph, and registers a customer profile
# that the background worker fills and then updates by itself when new
# transactions arrive. The cluster is stopped at the end unless --keep is
# given.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

keep=false
[[ ${1:-} == --keep ]] && keep=true

bash scripts/setup.sh
source scripts/cluster_env.sh
$keep || trap 'bash scripts/cluster.sh stop' EXIT
# Preloaded, so that the background workers keep customer profiles fresh.
bash scripts/cluster.sh start "shared_preload_libraries = 'clv_ext'"
export PGDATABASE=clv_demo
createdb clv_demo
mkdir -p build/demo

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

\echo
\echo 'Probabilistic models fitted on the calibration period (weeks):'
CREATE TABLE calibration AS
SELECT customer_id, (clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days')).*
FROM transactions GROUP BY customer_id;
CREATE TABLE models AS
SELECT clv.bgnbd_fit(frequency, recency, t) AS bgnbd,
       clv.mbgnbd_fit(frequency, recency, t) AS mbgnbd,
       clv.pareto_nbd_fit(frequency, recency, t) AS pareto,
       clv.gamma_gamma_fit(frequency, monetary) AS gg
FROM calibration;
\echo 'Model comparison (the lowest BIC fits best):'
SELECT model, round(ll::numeric, 1) AS log_likelihood, round(aic::numeric, 1) AS aic, round(bic::numeric, 1) AS bic
FROM models, LATERAL (VALUES ('BG/NBD', (bgnbd).log_likelihood, (bgnbd).aic, (bgnbd).bic),
                             ('MBG/NBD', (mbgnbd).log_likelihood, (mbgnbd).aic, (mbgnbd).bic),
                             ('Pareto/NBD', (pareto).log_likelihood, (pareto).aic, (pareto).bic)) v(model, ll, aic, bic)
ORDER BY bic;
\echo 'Parameters with standard errors and 95% confidence intervals:'
SELECT model, s.parameter, round(s.estimate::numeric, 3) AS estimate, round(s.std_error::numeric, 3) AS std_error,
       round(s.lower_95::numeric, 3) AS lower_95, round(s.upper_95::numeric, 3) AS upper_95
FROM models, LATERAL (SELECT 'BG/NBD' AS model, * FROM clv.model_summary(bgnbd)
                      UNION ALL SELECT 'MBG/NBD', * FROM clv.model_summary(mbgnbd)
                      UNION ALL SELECT 'Pareto/NBD', * FROM clv.model_summary(pareto)
                      UNION ALL SELECT 'Gamma-Gamma', * FROM clv.model_summary(gg)) s;

\echo 'Top 10 customers by predicted CLV over the next 52 weeks (13 steps of 4 weeks, 1% discount per step):'
SELECT customer_id AS customer, frequency, round(recency::numeric, 1) AS recency_wk, round(t::numeric, 1) AS t_wk,
       round(clv.p_alive(bgnbd, frequency, recency, t)::numeric, 3) AS p_alive,
       round(clv.expected_purchases(bgnbd, frequency, recency, t, 52)::numeric, 2) AS purchases_52wk,
       round(clv.predicted_clv(bgnbd, gg, frequency, recency, t, monetary, 52, 0.01, 4)::numeric, 2) AS predicted_clv
FROM calibration, models
ORDER BY clv.predicted_clv(bgnbd, gg, frequency, recency, t, monetary, 52, 0.01, 4) DESC, customer_id
LIMIT 10;

\echo 'Calibration vs holdout: mean purchases in the 39-week holdout by calibration frequency'
CREATE TABLE calibration_holdout AS
SELECT least(frequency, 7) AS calibration_frequency, count(*) AS customers,
       avg(frequency_holdout) AS actual,
       avg(clv.expected_purchases(bgnbd, frequency, recency, t, duration_holdout)) AS bgnbd,
       avg(clv.expected_purchases(pareto, frequency, recency, t, duration_holdout)) AS pareto_nbd
FROM calibration, models GROUP BY 1 ORDER BY 1;
SELECT calibration_frequency AS "frequency (7 = 7+)", customers, round(actual::numeric, 3) AS actual,
       round(bgnbd::numeric, 3) AS bgnbd, round(pareto_nbd::numeric, 3) AS pareto_nbd
FROM calibration_holdout ORDER BY 1;
\echo 'Steepest declining value trends (30-day periods, as of 1998-06-30) with churn risk:'
SELECT customer_id AS customer, (tr).periods, round((tr).slope::numeric, 2) AS slope_per_period,
       round((tr).relative_slope::numeric, 3) AS relative_slope, (tr).direction,
       round(clv.lateness(frequency, recency, t)::numeric, 2) AS lateness,
       clv.churn_risk(clv.p_alive(bgnbd, frequency, recency, t), clv.lateness(frequency, recency, t), (tr).direction) AS churn_risk
FROM (SELECT customer_id, clv.trend_agg(ts, amount, '1998-06-30', '30 days') AS tr,
             clv.rfm_agg(ts, amount, '1998-06-30', '7 days') AS r
      FROM transactions GROUP BY customer_id) s, models,
     LATERAL (SELECT (r).frequency, (r).recency, (r).t) f
WHERE (tr).direction = 'declining'
ORDER BY (tr).relative_slope, customer_id
LIMIT 8;

\echo 'Cohort retention by 91-day periods (counted from 2000-01-01) of the first purchase, first five periods:'
SELECT cohort_start::date AS cohort, period_index, customers, active, round(retention::numeric, 3) AS retention,
       round(churn_rate::numeric, 3) AS churn_rate, round(revenue::numeric, 2) AS revenue
FROM clv.cohort_retention('SELECT customer_id, ts, amount FROM transactions', '91 days')
WHERE period_index < 5 ORDER BY 1, 2;

\echo
\echo 'Identity resolution: CRM records, web logins and a checkout form that fills in junk.'
\echo 'Rule: at most one CRM id per person. Ingest 1: CRM ids with their e-mails;'
\echo 'ingest 2: web logins (e-mail - device - cookie), a work e-mail on a laptop, and'
\echo 'checkout rows with the placeholder e-mail "null"; ingest 3: later logins.'
INSERT INTO clv.identity_rules (id_type, max_per_cluster, priority) VALUES ('crm', 1, 10);
SELECT 'crm' AS ingest, * FROM clv.identity_ingest($$
  SELECT 'crm:' || c, 'email:c' || c || '@mail.example', 'crm', timestamptz '1997-01-01' + c * interval '1 day'
  FROM generate_series(1, 20) c $$)
UNION ALL
SELECT 'web', * FROM clv.identity_ingest($$
  SELECT 'email:c' || c || '@mail.example', 'device:d' || c, 'web', timestamptz '1997-03-01' + c * interval '1 hour'
  FROM generate_series(1, 20) c
  UNION ALL SELECT 'device:d' || c, 'cookie:k' || c, 'web', timestamptz '1997-03-02' FROM generate_series(1, 20) c
  UNION ALL SELECT 'email:c5.work@corp.example', 'device:laptop5', 'web', timestamptz '1997-03-05'
  UNION ALL SELECT 'email:null', 'device:d' || c, 'checkout', timestamptz '1997-03-10' FROM generate_series(8, 12) c $$)
UNION ALL
SELECT 'logins', * FROM clv.identity_ingest($$
  VALUES ('email:c5.work@corp.example', 'device:d5', 'web', timestamptz '1997-04-01'),
         ('email:c6@mail.example', 'device:d7', 'web', timestamptz '1997-04-03') $$);

\echo 'Customer 5, resolved: CRM id, both e-mails, devices and cookie in one cluster'
SELECT n.cluster_id, count(*) AS identifiers, string_agg(p.identifier, ', ' ORDER BY p.identifier) AS members
FROM clv.identity_nodes n JOIN clv.identity_nodes p USING (cluster_id)
WHERE n.identifier = 'crm:5' GROUP BY n.cluster_id;
\echo 'The merge that joined the laptop to customer 5, and the links that were refused:'
SELECT from_cluster, into_cluster, via_a, via_b FROM clv.identity_merges ORDER BY event;
SELECT a, b, rule FROM clv.identity_rejections ORDER BY rule, a, b;
\echo 'Why crm:5 and device:laptop5 are one person (clv.identity_path):'
SELECT * FROM clv.identity_path('crm:5', 'device:laptop5');

\copy calibration_holdout TO 'build/demo/calibration_holdout.dat' WITH (FORMAT text)
\copy (SELECT x, t_x, clv.expected_purchases(bgnbd, x, t_x, 39, 39), clv.p_alive(bgnbd, x, t_x, 39) FROM generate_series(0, 20) x, generate_series(0, 39) t_x, models WHERE x > 0 OR t_x = 0 ORDER BY t_x, x) TO 'build/demo/frequency_recency.dat' WITH (FORMAT text)
SQL

gnuplot <<'PLOT'
set terminal svg size 800,500 dynamic
set datafile separator "\t"
set output 'build/demo/calibration_holdout.svg'
set title 'CDNOW: purchases in the 39-week holdout by calibration frequency'
set xlabel 'purchases in the calibration period (7 = 7 or more)'
set ylabel 'mean purchases in the holdout'
set key left top
plot 'build/demo/calibration_holdout.dat' using 1:3 with linespoints title 'actual', \
     '' using 1:4 with linespoints title 'BG/NBD', \
     '' using 1:5 with linespoints title 'Pareto/NBD'
set output 'build/demo/frequency_recency.svg'
set title 'BG/NBD: expected purchases in the next 39 weeks (age 39 weeks)'
set xlabel 'recency (week of last purchase)'
set ylabel 'frequency'
set view map
set dgrid3d 21,40
set pm3d at b
unset key
splot 'build/demo/frequency_recency.dat' using 2:1:3 with pm3d
PLOT
echo "Pictures: build/demo/calibration_holdout.svg, build/demo/frequency_recency.svg"

# A live customer profile: CDNOW moved to end yesterday, registered once; the
# background worker fills it, then picks up new transactions by itself.
wait_for() {  # wait_for SQL: polls until the query returns t (60 s at most)
  for _ in $(seq 600); do
    [[ $(psql -XAtc "$1") == t ]] && return 0
    sleep 0.1
  done
  echo "demo: timed out waiting for: $1" >&2
  return 1
}
psql -q -v ON_ERROR_STOP=1 <<'SQL'
\set QUIET on
CREATE TABLE live_orders AS
SELECT customer_id, ts + (date_trunc('day', now()) - '1998-07-01') AS ts, amount FROM transactions;
\echo
\echo 'Customer profile: clv.create_profile registers it; the background worker builds it.'
SELECT clv.create_profile('cdnow_live', 'live_orders', 'customer_id', 'ts', 'amount', unit => '7 days');
SQL
wait_for "SELECT count(*) = 2357 FROM clv_profiles.cdnow_live"
psql -q -v ON_ERROR_STOP=1 <<'SQL'
\echo 'Filled by the worker (clv.profile_status):'
SELECT profile, last_mode, rows_changed, date_trunc('milliseconds', duration) AS duration, last_fit_error IS NULL AS model_fitted,
       fitted_model, round(fit_bic::numeric, 1) AS fit_bic
FROM clv.profile_status;
\echo 'Top 10 customers by predicted CLV over the next year (clv_profiles.cdnow_live):'
SELECT customer_id AS customer, orders, round(total_spend::numeric, 2) AS spent, round(p_alive::numeric, 3) AS p_alive,
       round(expected_purchases::numeric, 2) AS exp_purchases, round(predicted_clv::numeric, 2) AS predicted_clv,
       trend_direction AS trend, churn_risk, rfm_segment, clv_decile AS decile
FROM clv_profiles.cdnow_live ORDER BY predicted_clv DESC, customer_id LIMIT 10;
\echo 'By segment (clv_profiles.cdnow_live_summary):'
SELECT rfm_segment, customers, round(total_predicted_clv::numeric) AS predicted_clv, round(mean_p_alive::numeric, 3) AS mean_p_alive
FROM clv_profiles.cdnow_live_summary ORDER BY total_predicted_clv DESC;
\echo 'Customer 1234 before (customer 900001 has no row yet):'
SELECT customer_id AS customer, orders, round(p_alive::numeric, 3) AS p_alive, round(predicted_clv::numeric, 2) AS predicted_clv, churn_risk, refreshed_at
FROM clv_profiles.cdnow_live WHERE customer_id IN (1234, 900001);
\echo 'New transactions arrive (INSERT ... COMMIT): customer 1234 comes back, 900001 is new.'
INSERT INTO live_orders VALUES (1234, now() - interval '2 days', 80), (1234, now(), 45), (900001, now(), 30);
SQL
wait_for "SELECT count(*) = 2 FROM clv_profiles.cdnow_live WHERE (customer_id = 1234 AND orders = 16) OR customer_id = 900001"
psql -q -v ON_ERROR_STOP=1 <<'SQL'
\echo 'The profile changed by itself:'
SELECT customer_id AS customer, orders, round(p_alive::numeric, 3) AS p_alive, round(predicted_clv::numeric, 2) AS predicted_clv, churn_risk, refreshed_at
FROM clv_profiles.cdnow_live WHERE customer_id IN (1234, 900001) ORDER BY 1;
SELECT profile, last_mode, rows_changed, date_trunc('milliseconds', duration) AS duration, pending_changes
FROM clv.profile_status;
SQL

if $keep; then
  echo "The cluster keeps running: source scripts/cluster_env.sh; psql -d clv_demo"
  echo "Stop it with: bash scripts/cluster.sh stop"
fi
