-- Identifier and source lengths. A btree index entry holds at most 2,704
-- bytes (compressed or not), so clv.identity_ingest refuses edges naming an
-- identifier over 800 bytes (rule identifier_too_long; the other identifier
-- is still added) and rows with a source over 800 bytes (source_too_long),
-- records them in clv.identity_rejections and ingests the rest of the batch.
-- clv.resolve_identities indexes nothing and takes identifiers of any length.
TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections, clv.identity_rules;
ALTER SEQUENCE clv.identity_cluster_seq RESTART;
ALTER SEQUENCE clv.identity_event_seq RESTART;

-- Text that does not compress (hex digits of chained md5s), of n bytes.
CREATE FUNCTION noise(n int, seed text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT left(string_agg(md5(seed || g), '' ORDER BY g), n) FROM generate_series(1, n / 32 + 1) g $$;
CREATE TABLE long_ids (name text PRIMARY KEY, identifier text NOT NULL);
INSERT INTO long_ids VALUES
  ('3000', 'cookie:' || noise(2993, 'a')),
  ('100000', 'device:' || noise(99993, 'b')),
  ('801', 'cookie:' || noise(794, 'c')),
  ('800', 'cookie:' || noise(793, 'd')),
  ('800b', 'email:' || noise(794, 'e')),
  ('hub800', 'email:' || noise(794, 'f')),
  ('type798', noise(798, 'g'));
SELECT name, octet_length(identifier) AS bytes, pg_column_compression(identifier) AS compressed
FROM long_ids ORDER BY bytes, name;
CREATE FUNCTION id(name text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT l.identifier FROM long_ids l WHERE l.name = id.name $$;
-- How a rejection records an identifier over the limit.
CREATE FUNCTION recorded(identifier text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT format('%s... (%s bytes, md5 %s)', left(identifier, 100), octet_length(identifier), md5(identifier)) $$;
-- Long values shown by name.
CREATE FUNCTION shown(value text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT 'id(' || l.name || ')' FROM long_ids l WHERE l.identifier = value),
                  (SELECT 'recorded(' || l.name || ')' FROM long_ids l WHERE recorded(l.identifier) = value),
                  value) $$;
CREATE VIEW clusters AS
SELECT cluster_id, count(*) AS size, string_agg(shown(identifier), ' ' ORDER BY identifier COLLATE "C") AS members
FROM clv.identity_nodes GROUP BY cluster_id ORDER BY cluster_id;
CREATE VIEW rejections AS
SELECT shown(a) AS a, shown(b) AS b, rule FROM clv.identity_rejections ORDER BY a COLLATE "C", b COLLATE "C", rule;
CREATE VIEW graph_state AS
SELECT md5(coalesce((SELECT string_agg(format('%s %s %s %s', identifier, cluster_id, first_seen, last_seen), ',' ORDER BY identifier) FROM clv.identity_nodes), '')
        || coalesce((SELECT string_agg(format('%s %s %s %s', a, b, source, observed_at), ',' ORDER BY a, b, source) FROM clv.identity_edges), '')
        || coalesce((SELECT string_agg(format('%s %s %s', from_cluster, into_cluster, event), ',' ORDER BY event) FROM clv.identity_merges), '')
        || coalesce((SELECT string_agg(format('%s %s %s %s', a, b, rule, rejected_at), ',' ORDER BY a, b, rule) FROM clv.identity_rejections), '')) AS fingerprint;

-- One batch: good edges, edges naming 3,000- and 100,000-byte identifiers,
-- one side exactly at the limit and one a byte over, a long identifier alone
-- (NULL partner), and a row whose source is over 800 bytes. The worst case
-- that is accepted, two 800-byte identifiers with an 800-byte source, fits
-- identity_edges' key.
CREATE TABLE batch (a text, b text, source text, seen timestamptz DEFAULT '2026-03-01');
INSERT INTO batch (a, b, source) VALUES
  ('email:ann@x.com', 'device:1', 'web'),
  ('device:1', 'cookie:1', 'web'),
  ('email:ann@x.com', id('3000'), 'web'),
  (id('100000'), 'email:bob@y.com', 'app'),
  ('email:bob@y.com', 'crm:7', 'crm'),
  ('email:cy@z.com', id('801'), 'web'),
  ('email:cy@z.com', id('800'), 'web'),
  (id('800'), id('800b'), noise(800, 's')),
  (id('3000'), NULL, 'web'),
  ('email:dee@x.com', 'crm:8', noise(801, 't'));
SELECT * FROM clv.identity_ingest('SELECT a, b, source, seen FROM batch');
SELECT * FROM clusters;
SELECT shown(a) AS a, shown(b) AS b, octet_length(source) AS source_bytes
FROM clv.identity_edges ORDER BY a COLLATE "C", b COLLATE "C", source;
SELECT * FROM rejections;
-- The recorded form: the first 100 characters, the length and the md5.
SELECT left(a, 24) AS starts, substr(a, 101) AS ends, octet_length(a) AS bytes,
       left(a, 100) = left(id('100000'), 100) AS same_start
FROM clv.identity_rejections WHERE a = recorded(id('100000'));

-- Ingesting the same rows again changes nothing.
CREATE TABLE state_before AS SELECT * FROM graph_state;
SELECT * FROM clv.identity_ingest('SELECT a, b, source, seen FROM batch');
SELECT (SELECT fingerprint FROM state_before) = (SELECT fingerprint FROM graph_state) AS unchanged;
DROP TABLE state_before;

-- A refused identifier is unknown to the other functions, which take it
-- without error.
SELECT count(*) AS steps FROM clv.identity_path(id('3000'), 'email:ann@x.com');
SELECT * FROM clv.identity_retract(id('100000'), 'email:bob@y.com');
SELECT * FROM clv.identity_retract_identifier(id('100000'));

-- The worst case for identity_rejections' key: two 800-byte identifiers and
-- the rule 'hub:<type>' with a 798-byte type.
SET clv.identity_hub_limit = 1;
SELECT * FROM clv.identity_ingest($$
  SELECT id('hub800'), id('type798') || ':' || g FROM generate_series(1, 2) g $$);
RESET clv.identity_hub_limit;
SELECT a = id('type798') || ':2' AS a_is_type798_2, octet_length(a) AS a_bytes,
       b = id('hub800') AS b_is_hub800, octet_length(b) AS b_bytes,
       rule = 'hub:' || id('type798') AS rule_is_hub_type798, octet_length(rule) AS rule_bytes
FROM clv.identity_rejections WHERE rule LIKE 'hub:%';

-- One-shot resolution keeps every identifier, however long, with and
-- without the guard rules.
SELECT shown(identifier) AS identifier, octet_length(identifier) AS bytes, cluster_size,
       shown(cluster_key) AS cluster_key
FROM clv.resolve_identities('SELECT a, b FROM batch') ORDER BY cluster_key COLLATE "C", identifier COLLATE "C";
SELECT count(*) AS identifiers, count(DISTINCT cluster_id) AS clusters, max(octet_length(identifier)) AS longest
FROM clv.resolve_identities('SELECT a, b FROM batch', true);

TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections, clv.identity_rules;
ALTER SEQUENCE clv.identity_cluster_seq RESTART;
ALTER SEQUENCE clv.identity_event_seq RESTART;
DROP VIEW clusters, rejections, graph_state;
DROP TABLE batch, long_ids;
DROP FUNCTION noise(int, text), id(text), recorded(text), shown(text);
