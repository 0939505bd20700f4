-- The persistent identity graph: clv.identity_ingest, the guard rules,
-- retraction and clv.identity_path. Cluster ids come from a sequence; every
-- fresh graph below restarts it, so the ids shown are deterministic.
CREATE FUNCTION reset_graph() RETURNS void LANGUAGE sql AS $$
  TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
           clv.identity_rejections, clv.identity_rules;
  ALTER SEQUENCE clv.identity_cluster_seq RESTART;
  ALTER SEQUENCE clv.identity_event_seq RESTART;
$$;
CREATE VIEW clusters AS
SELECT cluster_id, count(*) AS size, string_agg(identifier, ' ' ORDER BY identifier COLLATE "C") AS members
FROM clv.identity_nodes GROUP BY cluster_id ORDER BY cluster_id;
-- A fingerprint of everything ingest writes, to show that nothing changed.
CREATE VIEW graph_state AS
SELECT md5(coalesce((SELECT string_agg(format('%s %s %s %s', identifier, cluster_id, first_seen, last_seen), ',' ORDER BY identifier) FROM clv.identity_nodes), '')
        || coalesce((SELECT string_agg(format('%s %s %s %s', a, b, source, observed_at), ',' ORDER BY a, b, source) FROM clv.identity_edges), '')
        || coalesce((SELECT string_agg(format('%s %s %s', from_cluster, into_cluster, event), ',' ORDER BY event) FROM clv.identity_merges), '')
        || coalesce((SELECT string_agg(format('%s %s %s %s', a, b, rule, rejected_at), ',' ORDER BY a, b, rule) FROM clv.identity_rejections), '')) AS fingerprint;

-- Whatever other tests left in the graph:
SELECT reset_graph();

-- Three people; components of new identifiers get fresh ids in order of
-- their smallest identifier (cookie:1 < crm:7 < email:cy@z.com). The types
-- are the prefixes before ':'.
SELECT * FROM clv.identity_ingest($$
  SELECT * FROM (VALUES ('email:ann@x.com', 'device:1', 'web', timestamptz '2026-01-05'),
                        ('device:1', 'cookie:1', 'web', timestamptz '2026-01-02'),
                        ('email:bob@y.com', 'crm:7', 'crm', timestamptz '2026-01-03'),
                        ('email:cy@z.com', NULL, 'web', timestamptz '2026-01-04')) e $$);
SELECT * FROM clusters;
SELECT identifier, id_type, cluster_id, first_seen, last_seen FROM clv.identity_nodes ORDER BY 1;
-- Edges are stored once per pair and source, ordered a < b.
SELECT * FROM clv.identity_edges ORDER BY a, b, source;

-- Linking Ann (3 identifiers) and Bob (2): Ann's cluster survives, Bob's
-- identifiers move to it and the merge is recorded with the linking edge.
-- A second source for an existing pair adds an edge row, nothing else.
SELECT * FROM clv.identity_ingest($$
  VALUES ('crm:7', 'device:1', 'crm', timestamptz '2026-02-01'),
         ('device:1', 'email:ann@x.com', 'pos', timestamptz '2026-02-02') $$);
SELECT * FROM clusters;
SELECT from_cluster, into_cluster, via_a, via_b, event FROM clv.identity_merges;
SELECT count(*) AS edge_rows FROM clv.identity_edges;
-- Equal sizes: the older (smaller) id survives, whichever side the edge names first.
SELECT * FROM clv.identity_ingest($$ VALUES ('email:dee@x.com', 'email:cy@z.com') $$);
SELECT * FROM clv.identity_ingest($$ VALUES ('email:eve@x.com', 'phone:1') $$);
SELECT * FROM clusters;
SELECT * FROM clv.identity_ingest($$ VALUES ('phone:1', 'email:dee@x.com') $$);
SELECT * FROM clusters;
SELECT from_cluster, into_cluster, via_a, via_b FROM clv.identity_merges ORDER BY event;

-- Ingesting the same edges again changes nothing at all.
CREATE TABLE state_before AS SELECT * FROM graph_state;
SELECT * FROM clv.identity_ingest($$
  SELECT * FROM (VALUES ('email:ann@x.com', 'device:1', 'web', timestamptz '2026-01-05'),
                        ('crm:7', 'device:1', 'crm', timestamptz '2026-02-01')) e $$);
SELECT (SELECT fingerprint FROM state_before) = (SELECT fingerprint FROM graph_state) AS unchanged;
DROP TABLE state_before;

-- Explanation: the shortest chain of recorded edges, with the earliest
-- source of each pair; nothing for unlinked, equal or unknown identifiers.
SELECT * FROM clv.identity_path('email:ann@x.com', 'email:bob@y.com');
SELECT * FROM clv.identity_path('cookie:1', 'crm:7');
SELECT count(*) AS steps FROM clv.identity_path('email:ann@x.com', 'email:eve@x.com');
SELECT count(*) AS steps FROM clv.identity_path('email:ann@x.com', 'email:ann@x.com');
SELECT count(*) AS steps FROM clv.identity_path('email:ann@x.com', 'nobody');

-- Retraction: removing the Bob link splits the cluster; the larger part
-- (Ann's 3) keeps the id, Bob's part gets a new one, and the split is recorded.
SELECT * FROM clv.identity_retract('device:1', 'crm:7');
SELECT * FROM clusters;
SELECT from_cluster, new_cluster, members, reason FROM clv.identity_splits ORDER BY event;
-- An edge that is not recorded: nothing happens.
SELECT * FROM clv.identity_retract('device:1', 'crm:7');
-- A cycle does not fall apart when one of its edges goes.
SELECT * FROM clv.identity_ingest($$ VALUES ('cookie:1', 'email:ann@x.com', 'tag') $$);
SELECT * FROM clv.identity_retract('cookie:1', 'device:1');
SELECT * FROM clusters WHERE members LIKE '%ann%';
-- Every edge of one source; then a whole identifier with its edges.
SELECT * FROM clv.identity_retract_source('tag');
SELECT * FROM clusters;
SELECT * FROM clv.identity_retract_identifier('phone:1');
SELECT * FROM clusters;
SELECT from_cluster, new_cluster, members, reason FROM clv.identity_splits ORDER BY event;

-- Guard rules. The built-in junk list blocks placeholder values; rules per
-- type add limits, blocked values and patterns; settings bound clusters and
-- hubs. Every refused edge is recorded with its rule.
SELECT reset_graph();
INSERT INTO clv.identity_rules (id_type, max_per_cluster, priority, blocked_values, blocked_pattern) VALUES
  ('crm', 1, 10, NULL, NULL),
  ('device', NULL, 0, ARRAY['shared-kiosk'], NULL),
  ('phone', NULL, 0, NULL, '^\+?1?555');
SELECT * FROM clv.identity_ingest($$
  VALUES ('email:a@x.com', 'crm:1'), ('email:b@x.com', 'crm:2'),
         ('email:a@x.com', 'email:b@x.com'),          -- two crm ids in one cluster: refused
         ('email:a@x.com', 'device:shared-kiosk'),    -- blocked value of the type
         ('email:b@x.com', 'phone:+15550100'),        -- blocked pattern (case-insensitive ~*)
         ('email:b@x.com', 'phone:+12125550100'),
         ('email:null', 'device:9'),                  -- built-in junk
         ('Email:A@X.COM', 'device:9') $$);
SELECT * FROM clusters;
SELECT a, b, rule FROM clv.identity_rejections ORDER BY a, b;
-- Priority: loyalty cards (at most one per person, priority 10) are decided
-- before the other edges of an ingest, so each email keeps its card and the
-- email-email link that would join two cards is refused. Without the
-- priority the email-email edge comes first in byte order, and the second
-- card (loyalty:5) is refused instead.
INSERT INTO clv.identity_rules (id_type, max_per_cluster, priority) VALUES ('loyalty', 1, 10);
SELECT * FROM clv.identity_ingest($$
  VALUES ('email:c@x.com', 'email:d@x.com'), ('email:c@x.com', 'loyalty:4'), ('email:d@x.com', 'loyalty:3') $$);
SELECT * FROM clusters WHERE members LIKE '%loyalty%';
UPDATE clv.identity_rules SET priority = 0 WHERE id_type = 'loyalty';
SELECT * FROM clv.identity_ingest($$
  VALUES ('email:e@x.com', 'email:f@x.com'), ('email:e@x.com', 'loyalty:6'), ('email:f@x.com', 'loyalty:5') $$);
SELECT * FROM clusters WHERE members LIKE '%loyalty%';
SELECT a, b, rule FROM clv.identity_rejections WHERE rule LIKE 'max_per_cluster%' ORDER BY a, b;
-- The one-shot function applies the same rules when asked to.
SELECT cluster_key, string_agg(identifier, ' ' ORDER BY identifier COLLATE "C") AS members
FROM clv.resolve_identities($$ VALUES ('phone:5551234', 'email:z'), ('crm:1', 'email:z'), ('crm:2', 'email:z') $$, true)
GROUP BY 1 ORDER BY 1;
-- A hub: an email seen with more devices than clv.identity_hub_limit loses
-- its further links; the cluster size limit refuses a merge past it.
SET clv.identity_hub_limit = 3;
SELECT * FROM clv.identity_ingest($$
  SELECT 'email:hub@x.com', 'device:h' || g FROM generate_series(1, 5) g $$);
SELECT a, b, rule FROM clv.identity_rejections WHERE rule LIKE 'hub%' ORDER BY a, b;
RESET clv.identity_hub_limit;
SET clv.identity_max_cluster_size = 5;
SELECT * FROM clv.identity_ingest($$ VALUES ('email:hub@x.com', 'email:a@x.com') $$);
SELECT a, b, rule FROM clv.identity_rejections WHERE rule = 'max_cluster_size';
RESET clv.identity_max_cluster_size;
-- An invalid pattern is refused when the rule is written.
SELECT sqlstate_of($$INSERT INTO clv.identity_rules (id_type, blocked_pattern) VALUES ('x', '(')$$);
-- Without the junk list, 'null' is an identifier like any other.
SET clv.identity_block_junk = off;
SELECT * FROM clv.identity_ingest($$ VALUES ('email:null', 'device:77') $$);
RESET clv.identity_block_junk;

-- Decisions do not depend on the order of the edges within an ingest: a
-- generated graph with rules firing, ingested in two different orders into
-- fresh graphs, gives the same ids, merges and rejections.
CREATE TABLE typed_edges AS
SELECT 'email:' || (g % 700) AS a,
       CASE WHEN g % 5 = 0 THEN 'crm:' || (g % 300) ELSE 'device:' || ((g * 37) % 900) END AS b
FROM generate_series(1, 2000) g;
SELECT reset_graph();
INSERT INTO clv.identity_rules (id_type, max_per_cluster) VALUES ('crm', 2);
SELECT edges_read, new_identifiers, merges, rejected
FROM clv.identity_ingest('SELECT a, b FROM typed_edges ORDER BY md5(a || b)');
CREATE TABLE order_1 AS
SELECT (SELECT array_agg(identifier || '=' || cluster_id ORDER BY identifier) FROM clv.identity_nodes) AS nodes,
       (SELECT array_agg(a || ' ' || b || ' ' || rule ORDER BY a, b) FROM clv.identity_rejections) AS rejections;
SELECT reset_graph();
INSERT INTO clv.identity_rules (id_type, max_per_cluster) VALUES ('crm', 2);
SELECT edges_read, new_identifiers, merges, rejected
FROM clv.identity_ingest('SELECT b, a FROM typed_edges ORDER BY md5(b || a) DESC');
SELECT o.nodes = (SELECT array_agg(identifier || '=' || cluster_id ORDER BY identifier) FROM clv.identity_nodes) AS same_ids,
       o.rejections = (SELECT array_agg(a || ' ' || b || ' ' || rule ORDER BY a, b) FROM clv.identity_rejections) AS same_rejections
FROM order_1 o;
DROP TABLE order_1, typed_edges;

-- Incremental ingest in batches gives the partition of the whole edge set,
-- checked against plain-SQL min-label propagation, and ids are stable: an
-- identifier's cluster_id only changes through recorded merges.
SELECT reset_graph();
CREATE TABLE batch_edges AS
SELECT g % 6 AS batch, 'n:' || (g % 3000) AS a, 'n:' || ((g * 7919) % 3000) AS b
FROM generate_series(1, 3000) g;
CREATE TABLE id_history (batch int, identifier text, cluster_id bigint);
DO $$
BEGIN
  FOR k IN 0 .. 5 LOOP
    PERFORM clv.identity_ingest(format('SELECT a, b FROM batch_edges WHERE batch = %s', k));
    INSERT INTO id_history SELECT k, identifier, cluster_id FROM clv.identity_nodes;
  END LOOP;
END $$;
-- Where an id changed between batches, following the batch's merges from the
-- old id must lead to the new one.
WITH RECURSIVE changed AS (
  SELECT h.batch, h.identifier, p.cluster_id AS old_id, h.cluster_id AS new_id
  FROM id_history h JOIN id_history p ON p.identifier = h.identifier AND p.batch = h.batch - 1
  WHERE p.cluster_id <> h.cluster_id
), followed AS (
  SELECT c.identifier, c.batch, c.old_id AS id, c.new_id FROM changed c
  UNION
  SELECT f.identifier, f.batch, m.into_cluster, f.new_id
  FROM followed f JOIN clv.identity_merges m ON m.from_cluster = f.id
)
SELECT count(*) AS changes,
       count(*) FILTER (WHERE NOT EXISTS (SELECT FROM followed f WHERE f.identifier = c.identifier
                                          AND f.batch = c.batch AND f.id = c.new_id)) AS unexplained
FROM changed c;
CREATE TABLE labels AS
SELECT node, node COLLATE "C" AS label
FROM (SELECT a FROM batch_edges UNION SELECT b FROM batch_edges) n(node);
DO $$
BEGIN
  LOOP
    UPDATE labels SET label = m.label
    FROM (SELECT e.x AS node, min(l.label) AS label
          FROM (SELECT a, b FROM batch_edges UNION ALL SELECT b, a FROM batch_edges) e(x, y)
          JOIN labels l ON l.node = e.y GROUP BY e.x) m
    WHERE labels.node = m.node AND m.label < labels.label;
    EXIT WHEN NOT FOUND;
  END LOOP;
END $$;
SELECT count(*) AS identifiers, count(DISTINCT cluster_id) AS clusters FROM clv.identity_nodes;
-- Same partition: each label maps to exactly one cluster id and back.
SELECT count(DISTINCT l.label) AS labels, count(DISTINCT n.cluster_id) AS ids,
       count(DISTINCT (l.label, n.cluster_id)) AS pairs
FROM labels l JOIN clv.identity_nodes n ON n.identifier = l.node;
DROP TABLE labels, id_history;

-- Bad input: clear errors, nothing written.
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest(NULL)$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT ''a''::text')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT 1, 2')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT ''a''::text, ''b''::text, ''s''::text, 5')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELEC a, b')$$);
SELECT sqlstate_of($$SELECT * FROM clv.identity_ingest('SELECT 1; SELECT 2')$$);

-- The ingest's work tables outlive the call, emptied at each commit: another
-- role of the same session, granted the ingest (and nothing on the graph's
-- tables), can ingest after the first one (in a transaction rolled back,
-- which leaves the graph and the grants as they were).
BEGIN;
CREATE ROLE clv_stitcher;
GRANT EXECUTE ON FUNCTION clv.identity_ingest(text) TO clv_stitcher;
SELECT edges_read FROM clv.identity_ingest($$ VALUES ('email:own@x.com', 'device:own') $$);
SET ROLE clv_stitcher;
SELECT * FROM clv.identity_ingest($$ VALUES ('email:own@x.com', 'cookie:own') $$);
RESET ROLE;
SELECT * FROM clusters WHERE members LIKE '%:own%';
ROLLBACK;

-- Cancellation: statement_timeout stops a big ingest wherever it is (the
-- message is shown without its varying context); nothing of it stays.
SELECT count(*) AS nodes_before FROM clv.identity_nodes;
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT * FROM clv.identity_ingest($$ SELECT 'm:' || g, 'm:' || (g / 2) FROM generate_series(1, 2000000) g $$);
RESET statement_timeout;
\set VERBOSITY default
SELECT count(*) AS nodes_after FROM clv.identity_nodes;

-- A small batch into a larger graph reads only the clusters it touches, also
-- in the first ingest of a session: the work tables are sized by their
-- pages, not assumed to hold about 1,000 rows (which made the planner hash
-- every identifier of the graph). Built in one session, ingested in a new
-- one; no sequential scan of identity_nodes or identity_edges.
SELECT edges_read FROM clv.identity_ingest($$
  SELECT 'email:big' || g || '@x.com', 'device:big' || g FROM generate_series(1, 50000) g $$);
ANALYZE clv.identity_nodes, clv.identity_edges;  -- as autovacuum would
\c
BEGIN;
SELECT * FROM clv.identity_ingest($$
  SELECT 'cookie:big' || g, 'device:big' || g FROM generate_series(1, 5) g $$);
SELECT relname, seq_scan FROM pg_stat_xact_user_tables
WHERE relname IN ('identity_nodes', 'identity_edges') ORDER BY relname;
COMMIT;

SELECT reset_graph();
DROP TABLE batch_edges;
DROP VIEW clusters, graph_state;
DROP FUNCTION reset_graph();
