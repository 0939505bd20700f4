#!/usr/bin/env bash
# Fit and scoring speed of the probabilistic models, in one run on a
# throwaway cluster: fits on the CDNOW sample and on customers simulated from
# the BG/NBD process with the CDNOW parameters (ages 27-39 weeks, daily
# purchase periods), and scoring throughput over the simulated customers as a
# ratio to a trivial SQL expression over the same rows.
#   bash bench/models_bench.sh [--customers N] [--reps R]
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

customers=1000000
reps=5
while (($#)); do
  case $1 in
    --customers) customers=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "usage: $0 [--customers N] [--reps R]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh >/dev/null
CLV_CLUSTER_DIR=/tmp/clv_ext_models_bench_$(id -u)
export CLV_CLUSTER_DIR CLV_PGPORT=54341
source scripts/cluster_env.sh
trap 'bash scripts/cluster.sh stop' EXIT
bash scripts/cluster.sh start "shared_buffers = '1GB'" "work_mem = '256MB'" "jit = off"

echo "simulating $customers customers (PL/pgSQL, takes a while)..."
psql -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION clv_ext;
CREATE TEMP TABLE raw (line text);
\copy raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE cdnow AS
SELECT f[2]::int AS customer_id, to_date(f[3], 'YYYYMMDD')::timestamptz AS ts, f[5]::numeric AS amount
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM raw) r;
CREATE TABLE cdnow_weekly AS
SELECT customer_id, (clv.rfm_agg(ts, amount, '1997-09-30', '7 days')).* FROM cdnow GROUP BY customer_id;
-- BG/BB: the donations data (one row per distinct history with its count),
-- and the same donors one row each.
CREATE TABLE donations (frequency int, recency int, periods int, weights bigint);
\copy donations FROM 'data/donations/donations.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE donors AS
SELECT frequency, recency, periods FROM donations, generate_series(1, weights);

-- Marsaglia-Tsang gamma variates (Box-Muller normals): PostgreSQL 15 has none.
CREATE FUNCTION rgamma(shape float8) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE d float8; c float8; x float8; v float8; u float8; boost float8 := 1;
BEGIN
  IF shape < 1 THEN boost := random() ^ (1 / shape); shape := shape + 1; END IF;
  d := shape - 1.0 / 3; c := 1 / sqrt(9 * d);
  LOOP
    LOOP
      x := sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
      v := 1 + c * x;
      EXIT WHEN v > 0;
    END LOOP;
    v := v * v * v; u := 1 - random();
    IF u < 1 - 0.0331 * x ^ 4 OR ln(u) < 0.5 * x * x + d * (1 - v + ln(v)) THEN
      RETURN d * v * boost;
    END IF;
  END LOOP;
END \$\$;

-- One customer of the BG/NBD process (r 0.243, alpha 4.414, a 0.793, b 2.426,
-- weeks): exponential gaps at rate lambda, dropout with probability p after
-- each repeat purchase, purchases counted per day.
CREATE FUNCTION simulate(OUT frequency float8, OUT recency float8, OUT t float8) LANGUAGE plpgsql AS \$\$
DECLARE age_days int := 27 * 7 + floor(random() * (12 * 7 + 1));
        lambda float8 := rgamma(0.243) / 4.414;
        g1 float8 := rgamma(0.793); p float8 := g1 / (g1 + rgamma(2.426));
        now_weeks float8 := 0; last_day int := 0; day int;
BEGIN
  frequency := 0;
  LOOP
    now_weeks := now_weeks - ln(1 - random()) / lambda;
    EXIT WHEN now_weeks * 7 >= age_days + 1;
    day := floor(now_weeks * 7);
    IF day > last_day THEN frequency := frequency + 1; last_day := day; END IF;
    EXIT WHEN random() < p;
  END LOOP;
  recency := last_day / 7.0;
  t := age_days / 7.0;
END \$\$;
SELECT setseed(0.7);
CREATE TABLE sim AS SELECT (s).* FROM (SELECT simulate() AS s FROM generate_series(1, $customers) OFFSET 0) q;
VACUUM ANALYZE sim;
-- 200 very regular customers (a purchase every week since the first): data at
-- Pareto/NBD's no-dropout, no-heterogeneity limit, where its likelihood is flat.
CREATE TABLE regular AS
SELECT 20 + i % 33 AS frequency, 20 + i % 33 AS recency, 20 + i % 33 + (i % 7) / 7.0 AS t
FROM generate_series(1, 200) i;
-- Covariates: on CDNOW the centred log of the first order's value; on the
-- simulated customers a 0/1 channel (40 % ones).
CREATE TABLE cdnow_cov AS
SELECT w.*, ARRAY[f.first_order - avg(f.first_order) OVER ()] AS z
FROM cdnow_weekly w
JOIN (SELECT DISTINCT ON (customer_id) customer_id, ln(amount::float8 + 1) AS first_order
      FROM cdnow ORDER BY customer_id, ts, amount) f USING (customer_id);
ALTER TABLE sim ADD z float8[];
UPDATE sim SET z = ARRAY[(random() < 0.4)::int::float8];
VACUUM ANALYZE sim;
CREATE TABLE models AS
SELECT clv.bgnbd_fit(frequency, recency, t) AS bgnbd, clv.pareto_nbd_fit(frequency, recency, t) AS pnbd,
       clv.gamma_gamma_fit(frequency, monetary) AS gg
FROM cdnow_weekly;
ALTER TABLE models ADD bcov clv.bgnbd_cov, ADD pcov clv.pareto_nbd_cov;
UPDATE models SET (bcov, pcov) = (SELECT clv.bgnbd_cov_fit(frequency, recency, t, z),
                                         clv.pareto_nbd_cov_fit(frequency, recency, t, z) FROM sim);
SQL
psql -At -c "SELECT count(*), count(DISTINCT (frequency, recency, t)) FROM sim" |
  awk -F'|' '{printf "simulated customers: %d, distinct (frequency, recency, t): %d\n", $1, $2}'

source bench/lib.sh
serial_ms() { median_ms 0 "$reps" "$1"; }

echo
echo "fit time (median of $reps, serial, including the scan)   lifetimes (Python), measured once (docs/benchmarks.md)"
printf "%-34s %10.1f ms   %s\n" "BG/NBD, CDNOW (2,357)" "$(serial_ms "SELECT clv.bgnbd_fit(frequency, recency, t) FROM cdnow_weekly")" "59 ms"
printf "%-34s %10.1f ms\n" "MBG/NBD, CDNOW" "$(serial_ms "SELECT clv.mbgnbd_fit(frequency, recency, t) FROM cdnow_weekly")"
printf "%-34s %10.1f ms   %s\n" "Pareto/NBD, CDNOW" "$(serial_ms "SELECT clv.pareto_nbd_fit(frequency, recency, t) FROM cdnow_weekly")" "404 ms"
pnbd_cdnow=$(serial_ms "SELECT clv.pareto_nbd_fit(frequency, recency, t) FROM cdnow_weekly")
# The fit's WARNING (it does not converge at the limit) is not printed.
pnbd_regular=$(PGOPTIONS="-c client_min_messages=error" serial_ms "SELECT clv.pareto_nbd_fit(frequency, recency, t) FROM regular")
printf "%-34s %10.1f ms   %.2f x Pareto/NBD on CDNOW\n" "Pareto/NBD, 200 regular (limit)" "$pnbd_regular" "$(ratio "$pnbd_regular" "$pnbd_cdnow")"
printf "%-34s %10.1f ms   %s\n" "BG/BB, donations (22 weighted rows)" "$(serial_ms "SELECT clv.bgbb_fit(frequency, recency, periods, weights) FROM donations")" "75.5 ms"
printf "%-34s %10.1f ms\n" "BG/BB, donations (11,104 rows)" "$(serial_ms "SELECT clv.bgbb_fit(frequency, recency, periods) FROM donors")"
printf "%-34s %10.1f ms\n" "Gamma-Gamma, CDNOW (946)" "$(serial_ms "SELECT clv.gamma_gamma_fit(frequency, monetary) FROM cdnow_weekly")"
printf "%-34s %10.1f ms   %s\n" "BG/NBD, simulated ($customers)" "$(serial_ms "SELECT clv.bgnbd_fit(frequency, recency, t) FROM sim")" "9,500 ms (1M)"
printf "%-34s %10.1f ms\n" "Pareto/NBD, simulated ($customers)" "$(exec_ms 0 "SELECT clv.pareto_nbd_fit(frequency, recency, t) FROM sim")"

echo
echo "fits with covariates (median of $reps, serial), against the same fit without"
for spec in "BG/NBD|bgnbd|cdnow_cov|CDNOW, first order" "Pareto/NBD|pareto_nbd|cdnow_cov|CDNOW, first order" \
            "BG/NBD|bgnbd|sim|simulated, channel" "Pareto/NBD|pareto_nbd|sim|simulated, channel"; do
  IFS='|' read -r label fn table data <<<"$spec"
  plain_ms=$(serial_ms "SELECT clv.${fn}_fit(frequency, recency, t) FROM $table")
  cov_ms=$(serial_ms "SELECT clv.${fn}_cov_fit(frequency, recency, t, z) FROM $table")
  printf "%-34s %10.1f ms   %.2f x %.1f ms\n" "$label, $data" "$cov_ms" "$(ratio "$cov_ms" "$plain_ms")" "$plain_ms"
done

echo
echo "standard errors: 2k gradient evaluations after the fit's own (k parameters), as a share of the fit's evaluations"
psql -At -c "
  SELECT model, k, iterations, round(100.0 * 2 * k / iterations, 1)
  FROM (SELECT clv.bgnbd_fit(frequency, recency, t) AS b, clv.mbgnbd_fit(frequency, recency, t) AS m,
               clv.pareto_nbd_fit(frequency, recency, t) AS p, clv.gamma_gamma_fit(frequency, monetary) AS g
        FROM cdnow_weekly) f,
       LATERAL (VALUES ('BG/NBD, CDNOW', 4, (b).iterations), ('MBG/NBD, CDNOW', 4, (m).iterations),
                       ('Pareto/NBD, CDNOW', 4, (p).iterations), ('Gamma-Gamma, CDNOW', 3, (g).iterations),
                       ('BG/BB, donations', 4, (SELECT (clv.bgbb_fit(frequency, recency, periods, weights)).iterations
                                                FROM donations))) v(model, k, iterations)" |
  while IFS='|' read -r model k iterations share; do
    printf "%-34s %4d + %2d evaluations  %5.1f %%\n" "$model" "$iterations" "$((2 * k))" "$share"
  done
echo
echo "scoring $customers rows (median of $reps, serial)"
echo "  the model passed as a scalar subquery (evaluated once), against sum(frequency * 1.0);"
echo "  and taken from the one-row model table joined to every row, against the same join"
base=$(serial_ms "SELECT sum(frequency * 1.0) FROM sim")
join=$(serial_ms "SELECT sum(frequency * 1.0) FROM sim, models")
printf "%-34s %10s %8s %10s %8s\n" "" "subquery" "ratio" "join" "ratio"
printf "%-34s %10.1f %8s %10.1f\n" "sum(frequency * 1.0)" "$base" "" "$join"
for model in bgnbd pnbd; do
  for expr in "clv.p_alive(MODEL, frequency, recency, t)" \
    "clv.expected_purchases(MODEL, frequency, recency, t, 39)" \
    "clv.predicted_clv(MODEL, GG, frequency, recency, t, 30, 52, 0.01, 4)" \
    "clv.prob_purchases(MODEL, 1, frequency, recency, t, 39)"; do
    sub_expr=${expr//MODEL/(SELECT $model FROM models)}
    sub_expr=${sub_expr//GG/(SELECT gg FROM models)}
    join_expr=${expr//MODEL/$model}
    join_expr=${join_expr//GG/gg}
    sub_ms=$(serial_ms "SELECT sum($sub_expr) FROM sim")
    join_ms=$(serial_ms "SELECT sum($join_expr) FROM sim, models")
    printf "%-34s %10.1f %8.2f %10.1f %8.2f\n" "${expr%%(*} ($model)" "$sub_ms" \
      "$(ratio "$sub_ms" "$base")" "$join_ms" "$(ratio "$join_ms" "$join")"
  done
done
for model in bcov pcov; do
  for expr in "clv.p_alive(MODEL, frequency, recency, t, z)" "clv.expected_purchases(MODEL, frequency, recency, t, 39, z)"; do
    sub_expr=${expr//MODEL/(SELECT $model FROM models)}
    sub_ms=$(serial_ms "SELECT sum($sub_expr) FROM sim")
    printf "%-34s %10.1f %8.2f\n" "${expr%%(*} ($model, channel)" "$sub_ms" "$(ratio "$sub_ms" "$base")"
  done
done
dert_ms=$(serial_ms "SELECT sum(clv.dert((SELECT pnbd FROM models), frequency, recency, t, 0.0027)) FROM sim")
printf "%-34s %10.1f %8.2f\n" "clv.dert (pnbd)" "$dert_ms" "$(ratio "$dert_ms" "$base")"
for model in bgnbd pnbd; do
  ll_ms=$(serial_ms "SELECT clv.log_likelihood((SELECT $model FROM models), frequency, recency, t) FROM sim")
  printf "%-34s %10.1f %8.2f\n" "clv.log_likelihood aggregate ($model)" "$ll_ms" "$(ratio "$ll_ms" "$base")"
done

echo
echo "BG/BB scoring: the donations donors 18 times over ($(psql -At -c "SELECT count(*) FROM donors") x 18 rows), against sum(frequency * 1.0) over them"
psql -q -c "CREATE TABLE donors_18 AS SELECT d.* FROM donors d, generate_series(1, 18)" \
  -c "CREATE TABLE bgbb_model AS SELECT clv.bgbb_fit(frequency, recency, periods, weights) AS m FROM donations" \
  -c "VACUUM ANALYZE donors_18"
bgbb_base=$(serial_ms "SELECT sum(frequency * 1.0) FROM donors_18")
printf "%-34s %10.1f\n" "sum(frequency * 1.0)" "$bgbb_base"
for expr in "clv.p_alive(MODEL, frequency, recency, periods)" "clv.expected_purchases(MODEL, frequency, recency, periods, 5)" \
  "clv.dert(MODEL, frequency, recency, periods, 0.1)"; do
  sub_expr=${expr//MODEL/(SELECT m FROM bgbb_model)}
  sub_ms=$(serial_ms "SELECT sum($sub_expr) FROM donors_18")
  printf "%-34s %10.1f %8.2f\n" "${expr%%(*} (bgbb)" "$sub_ms" "$(ratio "$sub_ms" "$bgbb_base")"
done
