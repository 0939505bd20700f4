-- clv.resolve_identities(edges_query): connected components over the rows of
-- a query, one row per identifier, ordered by (cluster_key, identifier).
-- cluster_key is the smallest identifier in byte order, cluster_id the
-- non-negative XXH64 of the key, cluster_size the number of members.

-- Chain a-b-c-d: one cluster keyed by 'a'. XXH64('a') = 0xd24ec4f1a98c6e5b
-- (xxHash reference test vector); with the top bit cleared that is
-- 0x524ec4f1a98c6e5b = 5930894301504237147.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('c', 'd'), ('a', 'b'), ('b', 'c')) e(a, b) $$);

-- Star around a hub, in both directions; the key is the smallest member,
-- not the hub.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('hub', 'leaf3'), ('leaf1', 'hub'), ('hub', 'leaf2'), ('a-leaf', 'hub')) e(a, b) $$);

-- Cycle, plus a separate two-node component: two clusters.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('c3', 'c1'), ('c1', 'c2'), ('c2', 'c3'), ('z1', 'z2')) e(a, b) $$);

-- A self-loop is a singleton cluster; linking it elsewhere merges as usual.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('self', 'self'), ('loop', 'loop'), ('loop', 'other')) e(a, b) $$);

-- Duplicate and reversed edges change nothing.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('d1', 'd2'), ('d2', 'd1'), ('d1', 'd2'), ('d1', 'd2')) e(a, b) $$);

-- NULL and empty identifiers are skipped and counted in one NOTICE (6 here);
-- the other side of such a pair is still an identifier.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('n1', NULL), (NULL, NULL), ('', 'n2'), ('', ''), ('n1', 'n3')) e(a, b) $$);

-- Empty input: no rows and no NOTICE.
SELECT * FROM clv.resolve_identities($$ SELECT 'a'::text, 'b'::text WHERE false $$);
-- A NULL query (the function is STRICT): no rows.
SELECT * FROM clv.resolve_identities(NULL);

-- Byte order, not collation order: 'B' (0x42) < 'a' (0x61), a prefix sorts
-- before its extensions, and multi-byte UTF-8 sorts after ASCII.
SELECT * FROM clv.resolve_identities($$
  SELECT * FROM (VALUES ('abc', 'ab'), ('ab', 'B'), ('é', 'z'), ('z', 'abc')) e(a, b) $$);

-- varchar columns are accepted as text; identifiers are case-sensitive and
-- not trimmed.
SELECT * FROM clv.resolve_identities($$
  SELECT a::varchar, b::varchar(20) FROM (VALUES ('Email:X', 'email:x'), (' sp', 'sp')) e(a, b) $$);

-- A table as input, joined back by identifier.
CREATE TABLE identity_edges (a text, b text);
INSERT INTO identity_edges VALUES
  ('email:ann@x.com', 'device:1'), ('device:1', 'cookie:9'),
  ('email:bob@y.com', 'crm:42'), ('crm:42', 'device:2');
SELECT r.cluster_key, r.cluster_size, string_agg(r.identifier, ', ' ORDER BY r.identifier) AS members
FROM clv.resolve_identities('SELECT a, b FROM identity_edges') r
GROUP BY 1, 2 ORDER BY 1;

-- Determinism: a generated graph (20000 edges over 12000 identifiers) in
-- two different row orders gives the same rows in the same positions.
CREATE TABLE identity_graph AS
SELECT 'n:' || (g % 12000) AS a, 'n:' || ((g * 7919) % 12000) AS b
FROM generate_series(1, 20000) g;
CREATE TABLE run1 AS SELECT * FROM clv.resolve_identities(
  'SELECT a, b FROM identity_graph ORDER BY md5(a || b)') WITH ORDINALITY;
CREATE TABLE run2 AS SELECT * FROM clv.resolve_identities(
  'SELECT b, a FROM identity_graph ORDER BY md5(b || a || ''x'') DESC') WITH ORDINALITY;
SELECT count(*) AS rows, count(DISTINCT cluster_key) AS clusters FROM run1;
SELECT count(*) AS differences FROM ((TABLE run1 EXCEPT TABLE run2) UNION ALL (TABLE run2 EXCEPT TABLE run1)) d;
-- Output order is (cluster_key, identifier) in byte order.
SELECT count(*) AS out_of_order
FROM (SELECT ordinality, cluster_key COLLATE "C" AS k, identifier COLLATE "C" AS i,
             lag(cluster_key COLLATE "C") OVER (ORDER BY ordinality) AS pk,
             lag(identifier COLLATE "C") OVER (ORDER BY ordinality) AS pi
      FROM run1) s
WHERE (k, i) <= (pk, pi);
-- Every cluster: one id, size = member count, key = smallest member.
SELECT count(*) AS inconsistent_clusters
FROM (SELECT cluster_key, count(DISTINCT cluster_id) AS ids, min(cluster_size) AS s1,
             max(cluster_size) AS s2, count(*) AS n, min(identifier COLLATE "C") AS smallest
      FROM run1 GROUP BY cluster_key) c
WHERE ids <> 1 OR s1 <> n OR s2 <> n OR smallest <> cluster_key;
-- The same partition as iterative min-label propagation in plain SQL.
CREATE TABLE labels AS
SELECT node, node COLLATE "C" AS label
FROM (SELECT a FROM identity_graph UNION SELECT b FROM identity_graph) n(node);
DO $$
BEGIN
  LOOP
    UPDATE labels SET label = m.label
    FROM (SELECT e.x AS node, min(l.label) AS label
          FROM (SELECT a, b FROM identity_graph UNION ALL SELECT b, a FROM identity_graph) e(x, y)
          JOIN labels l ON l.node = e.y GROUP BY e.x) m
    WHERE labels.node = m.node AND m.label < labels.label;
    EXIT WHEN NOT FOUND;
  END LOOP;
END $$;
SELECT count(*) AS partition_differences
FROM labels FULL JOIN run1 ON run1.identifier = labels.node
WHERE run1.cluster_key IS DISTINCT FROM labels.label;
DROP TABLE run1, run2, labels;

-- More output than work_mem: the tuplestore spills to disk.
SET work_mem = '64kB';
SELECT count(*) AS identifiers, count(DISTINCT cluster_id) AS clusters, max(cluster_size) AS largest
FROM clv.resolve_identities($$
  SELECT 'user:' || g, 'user:' || (g / 10) FROM generate_series(1, 100000) g $$);
RESET work_mem;

-- Bad queries: clear errors with their SQLSTATE (42804 for the wrong
-- shape; the query's own SQLSTATE otherwise).
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT ''a''::text')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT ''a''::text, ''b''::text, ''c''::text')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT 1, 2')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT ''a''::text, 2')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELEC a, b FROM identity_edges')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT a, b FROM no_such_table')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('SELECT 1; SELECT 2')$$);
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities('INSERT INTO identity_edges VALUES (''p'', ''q'')')$$);
-- An error raised by the query in a later batch (row 15000) keeps its SQLSTATE.
SELECT sqlstate_of($$SELECT * FROM clv.resolve_identities(
  'SELECT ''n:'' || g, ''n:'' || (1 / (g - 15000)) FROM generate_series(1, 20000) g')$$);
-- Directly (not inside a PL/pgSQL block), the error reaches the client as is.
SELECT * FROM clv.resolve_identities('SELECT 1, 2');
SELECT count(*) FROM identity_edges;  -- the INSERT did not run

-- Rows carry values of every length: identifiers of 126 bytes and less
-- take a 1-byte varlena header in the result, longer ones a 4-byte header,
-- and one of 3 MB is more than a batch's text buffer holds when read. Each
-- comes back byte for byte (lengths, md5 and equality with the input), the
-- shortest is the key, and a table stores and reads them back unchanged.
CREATE TABLE long_ids AS
SELECT n, 'L' || repeat(chr(120 + n % 3), n - 1) AS identifier
FROM unnest(ARRAY[1, 125, 126, 127, 128, 200, 3000, 3000000]) n;
CREATE TABLE long_resolved AS
SELECT * FROM clv.resolve_identities($$
  SELECT identifier, lead(identifier) OVER (ORDER BY n) FROM long_ids$$);
SELECT i.n, octet_length(r.identifier) AS bytes, md5(r.identifier) = md5(i.identifier) AS same_md5,
       r.cluster_key = 'L' AS key_is_shortest, r.cluster_size
FROM long_ids i JOIN long_resolved r ON r.identifier = i.identifier ORDER BY i.n;
SELECT count(*) AS rows, count(DISTINCT cluster_id) AS clusters FROM long_resolved;
DROP TABLE long_ids, long_resolved;

-- Cancellation: statement_timeout stops a resolution of three million edges
-- (polled in the fetch loop, the resolver and the output loop), and the
-- session goes on.
SET statement_timeout = '300ms';
SELECT count(*) FROM clv.resolve_identities($$
  SELECT 'n:' || g, 'n:' || (g / 2) FROM generate_series(1, 3000000) g $$);
RESET statement_timeout;
SELECT 'session continues' AS status;
SELECT * FROM clv.resolve_identities($$ SELECT 'a'::text, 'b'::text $$);

DROP TABLE identity_edges, identity_graph;

-- Memory is bounded by clv.max_memory: past it, ERROR 53200 names the
-- setting, and the session goes on.
SET clv.max_memory = '16MB';
SELECT sqlstate_of($q$SELECT count(*) FROM clv.resolve_identities('SELECT ''e:'' || g, ''d:'' || (g % 100000) FROM generate_series(1, 1000000) g')$q$);
RESET clv.max_memory;
SELECT count(*) AS identifiers FROM clv.resolve_identities($q$SELECT 'e:' || g, 'd:' || (g % 100000) FROM generate_series(1, 200000) g$q$);
