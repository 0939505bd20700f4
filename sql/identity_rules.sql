-- clv.resolve_identities(edges_query, apply_rules): with apply_rules the
-- default junk list blocks identifiers whose value (the part after the first
-- ':', or the whole identifier without one) is a placeholder; blocked
-- identifiers link nothing and are not in the output, and the distinct
-- rejected pairs are counted in a NOTICE.
CREATE TABLE junk_edges (a text, b text);
INSERT INTO junk_edges VALUES
  ('email:ann@x.com', 'device:1'),
  ('email:null', 'device:1'),            -- blocked: value 'null'
  ('email:null', 'device:2'),            -- would glue device:1 and device:2
  ('phone:000-000', 'device:2'),         -- blocked: only 0, - and :
  ('email:NoReply@shop.com', 'device:2'),-- blocked: noreply@ address
  ('email: Unknown ', 'device:3'),       -- blocked: case and blanks ignored
  ('undefined', 'device:3'),             -- blocked: no type, whole value
  ('email:', 'device:3'),                -- blocked: empty value
  ('cookie:[object Object]', 'device:3'),-- blocked
  ('email:null', 'email:null'),          -- self-loop of a junk value
  ('email:null', 'device:1'),            -- duplicate rejected pair
  ('email:bob@y.com', 'device:2'),
  ('email:nullable@x.com', 'device:3'),  -- not junk: only whole values match
  ('crm:0', 'device:3'),                 -- blocked: '0'
  ('crm:10', 'device:3');                -- not junk

-- Without rules: junk values glue everything into one cluster.
SELECT cluster_key, cluster_size, string_agg(identifier, ' ' ORDER BY identifier COLLATE "C") AS members
FROM clv.resolve_identities('SELECT a, b FROM junk_edges') GROUP BY 1, 2 ORDER BY 1;
-- apply_rules => false is the same as the one-argument form.
SELECT count(*) AS differences FROM (
  (SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges', false)
   EXCEPT SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges'))
  UNION ALL
  (SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges')
   EXCEPT SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges', false))) d;

-- With rules: 10 distinct rejected pairs, three clusters, no junk in the output.
SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges', true);

-- NULL/empty identifiers and junk are reported separately.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('a:1', NULL), ('a:1', 'a:n/a'), ('', 'a:2'), ('a:2', 'a:1')) e(a, b) $$, true);
-- Nothing rejected: no NOTICE.
SELECT * FROM clv.resolve_identities($$ SELECT 'a:1'::text, 'a:2'::text $$, true);
-- A NULL apply_rules (STRICT): no rows.
SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_edges', NULL);

-- Determinism with rules: the same output for shuffled input.
CREATE TABLE junk_graph AS
SELECT CASE WHEN g % 97 = 0 THEN 'email:null' ELSE 'email:' || (g % 5000) || '@x.com' END AS a,
       'device:' || ((g * 31) % 7000) AS b
FROM generate_series(1, 15000) g;
CREATE TABLE r1 AS SELECT * FROM clv.resolve_identities('SELECT a, b FROM junk_graph ORDER BY md5(a || b)', true) WITH ORDINALITY;
CREATE TABLE r2 AS SELECT * FROM clv.resolve_identities('SELECT b, a FROM junk_graph ORDER BY md5(b || a) DESC', true) WITH ORDINALITY;
SELECT count(*) AS rows, count(DISTINCT cluster_key) AS clusters,
       count(*) FILTER (WHERE identifier = 'email:null') AS junk_rows FROM r1;
SELECT count(*) AS differences FROM ((TABLE r1 EXCEPT TABLE r2) UNION ALL (TABLE r2 EXCEPT TABLE r1)) d;
-- Same partition as plain resolution of the edges with the junk side
-- replaced by the other side (a self-loop keeps that identifier). The junk
-- here: 'email:null' and also 'device:0' (value '0'), for g = 7000, 14000.
CREATE VIEW junk_free AS
SELECT CASE WHEN a = 'email:null' THEN b ELSE a END AS a,
       CASE WHEN b = 'device:0' THEN a ELSE b END AS b
FROM junk_graph WHERE NOT (a = 'email:null' AND b = 'device:0');
SELECT count(*) FILTER (WHERE a = 'email:null') AS null_rows,
       count(*) FILTER (WHERE b = 'device:0') AS device_0_rows FROM junk_graph;
SELECT count(*) AS partition_differences FROM (
  (SELECT identifier, cluster_key FROM r1
   EXCEPT SELECT identifier, cluster_key FROM clv.resolve_identities('SELECT a, b FROM junk_free'))
  UNION ALL
  (SELECT identifier, cluster_key FROM clv.resolve_identities('SELECT a, b FROM junk_free')
   EXCEPT SELECT identifier, cluster_key FROM r1)) d;
DROP VIEW junk_free;

-- Errors are the same as without rules.
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT 1::text', true)$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT 1::text, 2::bigint', true)$$);
-- Cancellation with rules (edges are buffered and decided at the end).
SET statement_timeout = '300ms';
SELECT count(*) FROM clv.resolve_identities($$
  SELECT 'n:' || g, 'n:' || (g / 2) FROM generate_series(1, 3000000) g $$, true);
RESET statement_timeout;
SELECT 'session continues' AS status;

DROP TABLE junk_edges, junk_graph, r1, r2;
