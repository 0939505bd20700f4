-- When the identity graph may be written, tried by a role with only the
-- documented ETL grants (EXECUTE on the ingest and retraction functions):
--  - only in READ COMMITTED: a REPEATABLE READ or SERIALIZABLE transaction
--    would decide on a snapshot older than the lock that serializes the
--    writers (ERROR 25000, whatever set the level);
--  - never from inside an ingest's edges query, whose session work tables
--    are in use (ERROR 55006), and an ingest's apply step only after its
--    prepare step in the same transaction (ERROR 55000). An ingest that fails
--    or is refused leaves nothing behind that blocks the next one.
TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections, clv.identity_rules;
CREATE ROLE clv_writer;
GRANT EXECUTE ON FUNCTION clv.identity_ingest(text), clv.identity_retract(text, text),
  clv.identity_retract_source(text), clv.identity_retract_identifier(text) TO clv_writer;
-- The SQLSTATE, message and hint of a failing statement.
CREATE FUNCTION error_of(statement text, OUT state text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  state := 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
END $$;
-- The graph's invariants: every edge inside one cluster, every merge once.
CREATE VIEW graph_check AS
SELECT (SELECT count(*) FROM clv.identity_nodes) AS identifiers,
       (SELECT count(DISTINCT cluster_id) FROM clv.identity_nodes) AS clusters,
       (SELECT count(*) FROM clv.identity_edges) AS edges,
       (SELECT count(*) FROM clv.identity_edges e
        JOIN clv.identity_nodes na ON na.identifier = e.a
        JOIN clv.identity_nodes nb ON nb.identifier = e.b
        WHERE na.cluster_id <> nb.cluster_id) AS edges_across_clusters,
       (SELECT count(*) FROM clv.identity_merges) AS merges,
       (SELECT count(*) - count(DISTINCT from_cluster) FROM clv.identity_merges) AS merges_repeated;
GRANT SELECT ON graph_check TO clv_writer;
-- Functions of the caller's that ingest, one of them swallowing errors.
CREATE FUNCTION ingest_too(edges text) RETURNS bigint LANGUAGE sql
AS $$ SELECT edges_read FROM clv.identity_ingest(edges) $$;
CREATE FUNCTION try_ingest(edges text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM clv.identity_ingest(edges);
  RETURN 'ingested';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
SET ROLE clv_writer;
SELECT * FROM clv.identity_ingest($$ VALUES ('a:1', 'a:2'), ('b:1', 'b:2') $$);

-- Isolation levels: refused with a hint, by every writer, nothing written.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM error_of($$SELECT * FROM clv.identity_ingest('VALUES (''a:2'', ''b:1'')')$$);
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_retract('a:1', 'a:2')$$);
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_retract_source('')$$);
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_retract_identifier('a:1')$$);
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_ingest('VALUES (''a:2'', ''b:1'')')$$);
ROLLBACK;
-- The level a role or session chose for every transaction counts too.
SET default_transaction_isolation = 'repeatable read';
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_ingest('VALUES (''a:2'', ''b:1'')')$$);
SELECT * FROM graph_check;
-- As the hint says: READ COMMITTED for the ingest's transaction.
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT * FROM clv.identity_ingest($$ VALUES ('a:2', 'b:1') $$);
COMMIT;
RESET default_transaction_isolation;
SELECT * FROM graph_check;

-- Re-entry: an edges query that ingests itself, directly or through a
-- function of the caller's, is refused.
SELECT * FROM error_of($s$SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:2' FROM clv.identity_ingest($i$VALUES ('c:2', 'c:3')$i$) $q$)$s$);
SELECT state, message FROM error_of($s$SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:2' WHERE ingest_too($i$VALUES ('c:2', 'a:1')$i$) > 0 $q$)$s$);
-- So are the ingest's steps and the retractions.
SELECT state, message FROM error_of($s$SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:2' FROM clv.identity_ingest_prepare() $q$)$s$);
SELECT state, message FROM error_of($s$SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:2' FROM clv.identity_ingest_apply() $q$)$s$);
SELECT state, message FROM error_of($s$SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:2' FROM clv.identity_retract('a:1', 'a:2') $q$)$s$);
SELECT * FROM graph_check;
-- The same for a DBA's trigger on the graph that ingests while an ingest
-- applies its edges.
RESET ROLE;
CREATE FUNCTION ingest_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM clv.identity_ingest($q$VALUES ('f:3', 'f:4')$q$);
  RETURN NULL;
END $$;
CREATE TRIGGER ingest_on_insert AFTER INSERT ON clv.identity_edges
  FOR EACH STATEMENT EXECUTE FUNCTION ingest_on_insert();
SELECT state, message FROM error_of($$SELECT * FROM clv.identity_ingest('VALUES (''f:1'', ''f:2'')')$$);
DROP TRIGGER ingest_on_insert ON clv.identity_edges;
DROP FUNCTION ingest_on_insert();
SET ROLE clv_writer;
SELECT * FROM graph_check;
-- A function that swallows the refusal: the inner ingest wrote nothing, the
-- outer one is applied once.
SELECT * FROM clv.identity_ingest($q$
  SELECT 'c:1', 'c:' || try_ingest($i$VALUES ('b:2', 'd:1'), ('a:1', 'c:1')$i$) $q$);
RESET ROLE;
SELECT identifier FROM clv.identity_nodes WHERE identifier LIKE 'c:%' OR identifier LIKE 'd:%' ORDER BY 1;
SET ROLE clv_writer;
SELECT * FROM graph_check;

-- The apply step needs the prepare step (which takes the lock) earlier in the
-- same transaction, and not in a subtransaction rolled back since.
BEGIN;
INSERT INTO pg_temp.clv_ingest_input VALUES ('e:1', 'a:1');
SELECT state, message FROM error_of($$SELECT clv.identity_ingest_apply()$$);
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT clv.identity_ingest_prepare();
ROLLBACK TO SAVEPOINT s;
INSERT INTO pg_temp.clv_ingest_input VALUES ('e:1', 'a:1');
SELECT state, message FROM error_of($$SELECT clv.identity_ingest_apply()$$);
ROLLBACK;

-- After a failed or refused ingest the next one works: in the same
-- transaction once the failure is rolled back to a savepoint, and in the
-- next transaction.
\set VERBOSITY terse
BEGIN;
SAVEPOINT s;
SELECT * FROM clv.identity_ingest($$ SELECT 'e:1', 'e:' || (1 / 0) $$);
ROLLBACK TO SAVEPOINT s;
SELECT * FROM clv.identity_ingest($$ VALUES ('e:1', 'e:2') $$);
SAVEPOINT t;
SELECT * FROM clv.identity_ingest($q$ SELECT 'e:3', 'e:4' FROM clv.identity_ingest('VALUES (''e:5'', ''e:6'')') $q$);
ROLLBACK TO SAVEPOINT t;
SELECT * FROM clv.identity_ingest($$ VALUES ('e:2', 'e:3') $$);
COMMIT;
SELECT * FROM clv.identity_ingest($$ SELECT 'e:1', 'e:' || (1 / 0) $$);
SELECT * FROM clv.identity_ingest($$ VALUES ('e:3', 'e:4') $$);
\set VERBOSITY default
SELECT * FROM clv.identity_retract('e:3', 'e:4');
SELECT * FROM graph_check;
RESET ROLE;

TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits,
         clv.identity_rejections;
DROP VIEW graph_check;
DROP FUNCTION error_of(text), ingest_too(text), try_ingest(text);
REVOKE ALL ON FUNCTION clv.identity_ingest(text), clv.identity_retract(text, text),
  clv.identity_retract_source(text), clv.identity_retract_identifier(text) FROM clv_writer;
DROP ROLE clv_writer;
