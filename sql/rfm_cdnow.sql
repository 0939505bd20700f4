-- clv.rfm_agg on the CDNOW sample reproduces the published calibration
-- summary (Fader, Hardie & Lee 2005; data/cdnow) for all 2,357 customers, in
-- weeks, calibration ending 1997-09-30. Runs under pg_regress's non-UTC
-- TimeZone (PST8PDT), across a DST change.
SHOW TimeZone;
CREATE TABLE cdnow_rfm AS
SELECT customer_id, (r).*
FROM (SELECT customer_id, clv.rfm_agg(ts, amount, '1997-09-30', '7 days') AS r
      FROM cdnow GROUP BY customer_id) s;
SELECT count(*) AS customers, sum(frequency) AS repeat_purchases,
       count(*) FILTER (WHERE frequency > 0) AS repeat_buyers
FROM cdnow_rfm;

-- Customers whose figures differ from the published ones at its 2 decimals.
SELECT count(*) AS differing_from_published
FROM cdnow_summary p
LEFT JOIN cdnow_rfm r ON r.customer_id = p.id
WHERE r.customer_id IS NULL
   OR r.frequency <> p.x
   OR abs(r.recency - p.t_x) > 0.005 + 1e-9
   OR abs(r.t - p.big_t) > 0.005 + 1e-9
   OR abs(r.monetary - p.zbar) > 0.005 + 1e-9;

-- The published figures of the first customers, next to ours.
SELECT p.id, p.x, r.frequency, p.t_x, round(r.recency::numeric, 2) AS recency,
       p.big_t, round(r.t::numeric, 2) AS t, p.zbar, round(r.monetary::numeric, 2) AS monetary
FROM cdnow_summary p JOIN cdnow_rfm r ON r.customer_id = p.id
ORDER BY p.id LIMIT 5;

-- An independent plain-SQL computation of every field: zero differences.
WITH days AS (
  SELECT customer_id, ts::date AS day, sum(amount)::float8 AS value
  FROM cdnow WHERE ts <= '1997-09-30' GROUP BY customer_id, ts::date
), numbered AS (
  SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY day) AS n FROM days
), reference AS (
  SELECT d.customer_id,
         count(*)::int - 1 AS frequency,
         (max(day) - min(day)) / 7.0 AS recency,
         ('1997-09-30'::date - min(day)) / 7.0 AS t,
         coalesce(avg(value) FILTER (WHERE n > 1), 0) AS monetary,
         sum(value) AS total_amount
  FROM numbered d GROUP BY d.customer_id
), orders AS (
  SELECT customer_id, count(*) AS n_orders, min(ts) AS first_ts, max(ts) AS last_ts
  FROM cdnow WHERE ts <= '1997-09-30' GROUP BY customer_id
)
SELECT count(*) AS differing_from_sql_reference
FROM reference f
JOIN orders o USING (customer_id)
FULL JOIN cdnow_rfm r USING (customer_id)
WHERE r.customer_id IS NULL OR f.customer_id IS NULL
   OR r.frequency <> f.frequency
   OR abs(r.recency - f.recency) > 1e-9
   OR abs(r.t - f.t) > 1e-9
   OR abs(r.monetary - f.monetary) > 1e-9
   OR abs(r.total_amount - f.total_amount) > 1e-6
   OR r.n_orders <> o.n_orders OR r.first_ts <> o.first_ts OR r.last_ts <> o.last_ts;

-- Calibration / holdout on CDNOW: holdout purchases to the end of June 1998
-- against plain SQL.
WITH ours AS (
  SELECT customer_id, clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30', '7 days') AS r
  FROM cdnow GROUP BY customer_id
), reference AS (
  SELECT customer_id, count(DISTINCT ts::date) AS frequency_holdout,
         coalesce(avg(value), 0) AS monetary_holdout
  FROM (SELECT customer_id, ts, sum(amount) OVER (PARTITION BY customer_id, ts::date)::float8 AS value
        FROM cdnow WHERE ts > '1997-09-30' AND ts <= '1998-06-30') h
  GROUP BY customer_id
)
SELECT count(*) AS customers,
       sum((r).frequency_holdout) AS holdout_purchases,
       round(max((r).duration_holdout)::numeric, 4) AS holdout_weeks,
       count(*) FILTER (WHERE (r).frequency_holdout <> coalesce(f.frequency_holdout, 0)) AS differing_frequency
FROM ours o LEFT JOIN reference f USING (customer_id);
