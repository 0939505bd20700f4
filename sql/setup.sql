-- Installs the extension and loads the bundled CDNOW sample (data/cdnow),
-- shared by the tests that follow.
CREATE EXTENSION clv_ext;
SELECT extname, extversion, nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE extname = 'clv_ext';

-- Every object of the extension is documented.
SELECT pg_describe_object(classid, objid, objsubid) AS undocumented
FROM pg_depend d
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'clv_ext')
  AND obj_description(objid, classid::regclass::text) IS NULL
  AND classid <> 'pg_type'::regclass  -- the array types of composites
ORDER BY 1;
SELECT t.typname AS undocumented_type
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = 'clv' AND t.typtype = 'c' AND c.relkind = 'c'  -- not a table's row type
  AND obj_description(t.oid, 'pg_type') IS NULL;
-- Every column of the extension's tables is documented too.
SELECT c.relname, a.attname AS undocumented_column
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = 'clv' AND c.relkind = 'r' AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1, 2;

-- Reports the SQLSTATE and message of a failing statement.
CREATE FUNCTION sqlstate_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TABLE cdnow_raw (line text);
\copy cdnow_raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE cdnow (customer_id int, ts timestamptz, cds int, amount numeric);
INSERT INTO cdnow
SELECT f[2]::int, to_date(f[3], 'YYYYMMDD')::timestamptz, f[4]::int, f[5]::numeric
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM cdnow_raw) r;
DROP TABLE cdnow_raw;
CREATE TABLE cdnow_summary (id int PRIMARY KEY, x int, t_x float8, big_t float8, zbar float8);
\copy cdnow_summary FROM 'data/cdnow/cdnow_customers_summary_with_transactions.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS transactions, count(DISTINCT customer_id) AS customers,
       min(ts)::date AS first_day, max(ts)::date AS last_day
FROM cdnow;
SELECT count(*) AS published_customers FROM cdnow_summary;
-- The BG/BB donations data (data/donations): one row per distinct
-- (frequency, recency, periods) with its number of donors.
CREATE TABLE donations (frequency int, recency int, periods int, weights bigint);
\copy donations FROM 'data/donations/donations.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS donation_histories, sum(weights) AS donors FROM donations;

-- The CDNOW summaries in weeks (39-week calibration) and the models fitted on
-- them (checked against the published estimates in models_fit), shared by the
-- model tests.
CREATE TABLE cdnow_weekly AS
SELECT customer_id, (r).*
FROM (SELECT customer_id, clv.rfm_agg(ts, amount, '1997-09-30', '7 days') AS r
      FROM cdnow GROUP BY customer_id) s;

CREATE TABLE cdnow_models AS
SELECT clv.bgnbd_fit(frequency, recency, t) AS bgnbd,
       clv.mbgnbd_fit(frequency, recency, t) AS mbgnbd,
       clv.pareto_nbd_fit(frequency, recency, t) AS pareto,
       clv.gamma_gamma_fit(frequency, monetary) AS gg
FROM cdnow_weekly;

-- sBG (Fader & Hardie 2007): 1,000 customers per cohort, active at the start
-- of years 1..8.
CREATE TABLE retention (segment text, period int, active bigint);
INSERT INTO retention
SELECT 'regular', i - 1, a FROM unnest(ARRAY[1000, 631, 468, 382, 326, 289, 262, 241]) WITH ORDINALITY u(a, i)
UNION ALL
SELECT 'high end', i - 1, a FROM unnest(ARRAY[1000, 869, 743, 653, 593, 551, 517, 491]) WITH ORDINALITY u(a, i);
