-- Hub limits count links per type: an identifier linked to hub_limit
-- identifiers of one type loses only its further links to that type. Its
-- links to other types are decided as if it were no hub, so the graph does
-- not depend on whether they arrive in the same ingest or a later one.
TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections, clv.identity_rules;
INSERT INTO clv.identity_rules (id_type, hub_limit) VALUES ('email', 2);
-- device:1 is a hub for emails (a, b, then c refused) but links phone:9 and
-- zookie:1, which sort after the emails and so are decided after it was
-- flagged; device:2 may still link email:c.
CREATE TABLE hub_edges (batch int, a text, b text);
INSERT INTO hub_edges VALUES
  (1, 'device:1', 'email:a'), (1, 'device:1', 'email:b'), (1, 'device:1', 'email:c'),
  (2, 'device:1', 'phone:9'), (2, 'zookie:1', 'device:1'), (2, 'device:2', 'email:c');
-- What an ingest leaves, without the cluster ids (which depend on the
-- order of ingests): each identifier with the smallest member of its
-- cluster, the accepted edges and the refused ones.
CREATE VIEW hub_graph AS
SELECT (SELECT string_agg(n.identifier || '~' || m.smallest, ' ' ORDER BY n.identifier)
        FROM clv.identity_nodes n
        JOIN (SELECT cluster_id, min(identifier) AS smallest FROM clv.identity_nodes GROUP BY 1) m
          USING (cluster_id)) AS members,
       (SELECT string_agg(a || '-' || b, ' ' ORDER BY a, b) FROM clv.identity_edges) AS edges,
       (SELECT string_agg(a || '-' || b || ' ' || rule, ' ' ORDER BY a, b) FROM clv.identity_rejections) AS rejections;
CREATE TABLE hub_results (split text, graph hub_graph);

-- One ingest of every edge.
SELECT * FROM clv.identity_ingest('SELECT a, b FROM hub_edges');
SELECT * FROM hub_graph;
INSERT INTO hub_results SELECT 'one ingest', g FROM hub_graph g;
-- The same edges in two ingests.
TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_rejections;
SELECT * FROM clv.identity_ingest('SELECT a, b FROM hub_edges WHERE batch = 1');
SELECT * FROM clv.identity_ingest('SELECT a, b FROM hub_edges WHERE batch = 2');
INSERT INTO hub_results SELECT 'two ingests', g FROM hub_graph g;
-- One ingest per edge, in the order one ingest decides them.
TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_rejections;
DO $$
DECLARE
  e record;
BEGIN
  FOR e IN SELECT a, b FROM hub_edges ORDER BY least(a, b) COLLATE "C", greatest(a, b) COLLATE "C" LOOP
    PERFORM clv.identity_ingest(format('VALUES (%L, %L)', e.a, e.b));
  END LOOP;
END $$;
INSERT INTO hub_results SELECT 'one ingest per edge', g FROM hub_graph g;
SELECT split, graph = (SELECT graph FROM hub_results WHERE split = 'one ingest') AS same_graph
FROM hub_results ORDER BY split;

-- The one-shot resolution applies the rule the same way.
SELECT cluster_key, string_agg(identifier, ' ' ORDER BY identifier COLLATE "C") AS members
FROM clv.resolve_identities('SELECT a, b FROM hub_edges', true) GROUP BY 1 ORDER BY 1;

TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections, clv.identity_rules;
DROP TABLE hub_results;
DROP VIEW hub_graph;
DROP TABLE hub_edges;
