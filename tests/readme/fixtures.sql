-- The tables the documentation's examples read (sql/readme_examples.sql):
-- transactions, the bundled CDNOW sample (data/cdnow); orders, the same
-- purchases moved so that the last day is today (for the examples that use
-- now()); donations, the BG/BB recency-frequency matrix (data/donations);
-- identity_edges and web_logins, small identifier pairs; sales.orders and the
-- roles of the security recipes.
CREATE TABLE cdnow_raw (line text);
\copy cdnow_raw FROM 'data/cdnow/CDNOW_sample.txt'
CREATE TABLE transactions (customer_id int, ts timestamptz, amount numeric);
INSERT INTO transactions
SELECT f[2]::int, to_date(f[3], 'YYYYMMDD')::timestamptz, f[5]::numeric
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM cdnow_raw) r;
DROP TABLE cdnow_raw;

CREATE TABLE orders AS
SELECT customer_id, ts + (current_date - date '1998-06-30') * interval '1 day' AS ts, amount
FROM transactions;

CREATE TABLE donations (frequency int, recency int, periods int, weights bigint);
\copy donations FROM 'data/donations/donations.csv' WITH (FORMAT csv, HEADER true)

CREATE TABLE identity_edges (a text, b text);
INSERT INTO identity_edges VALUES
  ('email:ann@x.com', 'device:ab12'), ('device:ab12', 'cookie:77'),
  ('email:bob@y.com', 'cookie:91'), ('email:bob@y.com', 'phone:unknown'),
  ('email:cy@z.com', 'phone:unknown');

CREATE TABLE web_logins (email text, device_id text, seen_at timestamptz);
INSERT INTO web_logins VALUES
  ('ann@x.com', 'ab12', '2026-03-01 09:00+00'), ('ann.work@x.com', 'ab12', '2026-03-02 12:30+00'),
  ('ann@x.com', 'shared', '2026-03-05 18:00+00'), ('bob@y.com', 'shared', '2026-03-06 08:15+00');

CREATE SCHEMA sales;
CREATE TABLE sales.orders (LIKE transactions);
CREATE ROLE analyst;
CREATE ROLE bi_reader;
CREATE ROLE etl;
