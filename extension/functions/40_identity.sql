-- Identity resolution, one-shot and the persistent graph (src/pg/identity).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the graph's tables and sequences are in
-- install/40_identity_graph.sql.

--------------------------------------------------------------------------
-- One-shot resolution over a query
--------------------------------------------------------------------------

-- Runs an arbitrary query of the caller (with the caller's privileges), hence
-- VOLATILE and PARALLEL UNSAFE; STRICT: a NULL query gives no rows.
CREATE OR REPLACE FUNCTION @extschema@.resolve_identities(edges_query text)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text) IS
'Connected components of the identifier pairs returned by edges_query (two text columns, e.g. ''SELECT a, b FROM edges''): one row per distinct identifier with its cluster; cluster_key = the cluster''s smallest identifier (byte order), cluster_id = non-negative 63-bit XXH64 hash of cluster_key, cluster_size = members. NULL and empty identifiers are skipped (a NOTICE gives their count), the other side of such a pair is kept as an identifier. Output is ordered by (cluster_key, identifier) and does not depend on the order of the input rows';

CREATE OR REPLACE FUNCTION @extschema@.resolve_identities(edges_query text, apply_rules boolean)
RETURNS TABLE (identifier text, cluster_id bigint, cluster_key text, cluster_size bigint)
AS 'MODULE_PATHNAME', 'clv_resolve_identities_rules'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.resolve_identities(text, boolean) IS
'clv.resolve_identities(edges_query) with optional guard rules: when apply_rules is true, the rules clv.identity_ingest applies are applied here too (the built-in junk list unless clv.identity_block_junk is off, the rows of clv.identity_rules, clv.identity_max_cluster_size and clv.identity_hub_limit), deciding the edges in a fixed order (rule priority, then identifiers); blocked identifiers link nothing and are left out of the output, and the distinct rejected pairs are counted in a NOTICE. With false it is the one-argument form';

-- The persistent identity graph's functions: the C++ steps, ingest, retraction.

--------------------------------------------------------------------------
-- C++ steps
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.identity_edges_from(edges_query text)
RETURNS TABLE (a text, b text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_edges_from'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_edges_from(text) IS
'Step of clv.identity_ingest: the rows of edges_query, which returns (a text, b text [, source text [, observed_at timestamptz]]); a wrong shape is ERROR 42804. Runs the query with the caller''s privileges (only a query that could be opened as a cursor), its rows streamed in batches';

CREATE OR REPLACE FUNCTION @extschema@.identity_decide(members_query text, stored_edges_query text, batch_query text)
RETURNS TABLE (kind text, a text, b text, cluster_id bigint, from_cluster bigint, rule text)
AS 'MODULE_PATHNAME', 'clv_identity_decide'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_decide(text, text, text) IS
'Step of clv.identity_ingest: loads the touched clusters (members_query: identifier, cluster_id, whole clusters; stored_edges_query: a, b, at least every stored edge of the batch''s stored identifiers), applies the batch (batch_query: a, b) under the guard rules and returns the decisions: new (identifier a, cluster_id), move (identifier a, new cluster_id), merge (from_cluster into cluster_id via a-b), reject (a, b, rule). Writes nothing but draws fresh ids from clv.identity_cluster_seq';

REVOKE ALL ON FUNCTION @extschema@.identity_decide(text, text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.identity_split(cluster_id bigint)
RETURNS TABLE (identifier text, cluster_id bigint)
AS 'MODULE_PATHNAME', 'clv_identity_split'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_split(bigint) IS
'Step of the retraction functions: the connected parts of a cluster over its remaining edges; returns the members that move to split-off parts with their new ids (the part with the most members keeps cluster_id; ties: the part holding the smallest identifier). Writes nothing';

REVOKE ALL ON FUNCTION @extschema@.identity_split(bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.identity_path(a text, b text)
RETURNS TABLE (step integer, from_identifier text, to_identifier text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_path'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_path(text, text) IS
'Why a and b are one person: the shortest chain of recorded edges from a to b (breadth-first search over their cluster''s edges), one row per step with the edge''s earliest source and observation; no rows when they are not linked or a = b';

--------------------------------------------------------------------------
-- Writer guards (src/pg/identity/writers.cpp)
--------------------------------------------------------------------------
-- Every function that writes the graph calls one of these first: writers
-- take turns by the lock on clv.identity_nodes and must see what the
-- previous one committed, which a REPEATABLE READ or SERIALIZABLE snapshot
-- may predate; and an ingest's work tables are the session's, so no writer
-- may start from inside an ingest's edges query.

CREATE OR REPLACE FUNCTION @extschema@.identity_write_check(writer text)
RETURNS void AS 'MODULE_PATHNAME', 'clv_identity_write_check'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.identity_write_check(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_write_check(text) IS
'Step of the graph''s writers: ERROR 25000 unless the transaction is READ COMMITTED, ERROR 55006 while an ingest of this session runs (called from its edges query or a trigger on the graph); writer names the caller in the message (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_step(step text)
RETURNS void AS 'MODULE_PATHNAME', 'clv_identity_ingest_step'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.identity_ingest_step(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_ingest_step(text) IS
'Step of clv.identity_ingest: checks as clv.identity_write_check does and records the ingest''s progress in the session: prepare, then apply (ERROR 55000 without a prepare earlier in the transaction that was not rolled back), then applied (internal)';

--------------------------------------------------------------------------
-- Retraction
--------------------------------------------------------------------------
-- The retraction functions write the graph with the extension owner's rights
-- (SECURITY DEFINER: they run no SQL of the caller's) and are executable
-- only by the roles a DBA grants them to.

CREATE OR REPLACE FUNCTION @extschema@.identity_resplit(clusters bigint[], reason text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  c bigint;
  parts bigint;
  new_parts bigint := 0;
BEGIN
  PERFORM @extschema@.identity_write_check('clv.identity_resplit');
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  FOR c IN SELECT DISTINCT x FROM pg_catalog.unnest(clusters) AS u(x) WHERE x IS NOT NULL ORDER BY x LOOP
    WITH moved AS (
      UPDATE @extschema@.identity_nodes n SET cluster_id = s.cluster_id
      FROM @extschema@.identity_split(c) s
      WHERE n.identifier = s.identifier
      RETURNING n.cluster_id)
    INSERT INTO @extschema@.identity_splits (from_cluster, new_cluster, split_at, members, reason)
    SELECT c, m.cluster_id, pg_catalog.now(), pg_catalog.count(*), reason
    FROM moved m GROUP BY m.cluster_id ORDER BY m.cluster_id;
    GET DIAGNOSTICS parts = ROW_COUNT;
    new_parts := new_parts + parts;
  END LOOP;
  RETURN new_parts;
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_resplit(bigint[], text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_resplit(bigint[], text) IS
'Step of the retraction functions: re-splits each cluster over its remaining edges, moves split-off parts to new ids, records them in clv.identity_splits with the reason, and returns the number of new clusters';

CREATE OR REPLACE FUNCTION @extschema@.identity_retract(a text, b text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  lo text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN a ELSE b END;
  hi text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN b ELSE a END;
BEGIN
  PERFORM @extschema@.identity_write_check('clv.identity_retract');
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM @extschema@.identity_edges e WHERE e.a = lo AND e.b = hi;
  GET DIAGNOSTICS edges_removed = ROW_COUNT;
  new_clusters := 0;
  IF edges_removed > 0 THEN
    new_clusters := @extschema@.identity_resplit(
      ARRAY(SELECT n.cluster_id FROM @extschema@.identity_nodes n WHERE n.identifier = lo),
      pg_catalog.format('retract edge (%s, %s)', lo, hi));
  END IF;
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_retract(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_retract(text, text) IS
'Undoes a wrong link: removes the recorded edge between a and b (from every source) and re-splits their cluster if it fell apart; the part with the most members keeps the cluster id, the others get new ids recorded in clv.identity_splits. Runs only in READ COMMITTED (ERROR 25000). Returns the edges removed and the new clusters';

CREATE OR REPLACE FUNCTION @extschema@.identity_retract_source(source text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  clusters bigint[];
BEGIN
  PERFORM @extschema@.identity_write_check('clv.identity_retract_source');
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  WITH removed AS (
    DELETE FROM @extschema@.identity_edges e WHERE e.source = identity_retract_source.source RETURNING e.a)
  SELECT pg_catalog.count(*), pg_catalog.array_agg(DISTINCT n.cluster_id)
    INTO edges_removed, clusters
  FROM removed r JOIN @extschema@.identity_nodes n ON n.identifier = r.a;
  new_clusters := COALESCE(@extschema@.identity_resplit(clusters,
                             pg_catalog.format('retract source %L', source)), 0);
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_retract_source(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_retract_source(text) IS
'Removes every edge recorded from one source (e.g. a feed found to be wrong) and re-splits the clusters it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';

CREATE OR REPLACE FUNCTION @extschema@.identity_retract_identifier(identifier text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  old_cluster bigint;
BEGIN
  PERFORM @extschema@.identity_write_check('clv.identity_retract_identifier');
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM @extschema@.identity_nodes n WHERE n.identifier = identity_retract_identifier.identifier
  RETURNING n.cluster_id INTO old_cluster;
  DELETE FROM @extschema@.identity_edges e
  WHERE e.a = identity_retract_identifier.identifier OR e.b = identity_retract_identifier.identifier;
  GET DIAGNOSTICS edges_removed = ROW_COUNT;
  new_clusters := 0;
  IF old_cluster IS NOT NULL THEN
    new_clusters := @extschema@.identity_resplit(ARRAY[old_cluster],
                      pg_catalog.format('retract identifier %s', identifier));
  END IF;
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_retract_identifier(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_retract_identifier(text) IS
'Removes an identifier (e.g. one found to be junk or a shared hub) with all its edges from the graph and re-splits the cluster it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';


--------------------------------------------------------------------------
-- Ingest
--------------------------------------------------------------------------

-- The ingest: the caller's query runs with the caller's rights and search
-- path into a temporary table; everything else, with the graph owner's
-- rights (clv.identity_ingest_prepare and _apply, C shims of
-- src/pg/common/privileged_call.cpp that run their _privileged functions as the
-- extension's owner, for a caller with EXECUTE on clv.identity_ingest).
-- Who may ingest: the roles with EXECUTE on clv.identity_ingest(text).
CREATE OR REPLACE FUNCTION @extschema@.identity_check_ingest_privilege(caller regrole)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  IF NOT pg_catalog.has_function_privilege(caller,
       (SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e ON e.extnamespace = p.pronamespace
        WHERE e.extname = 'clv_ext' AND p.proname = 'identity_ingest'
          AND p.proargtypes = '25'::pg_catalog.oidvector), 'EXECUTE') THEN
    RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = 'permission denied for function identity_ingest',
      HINT = 'A DBA grants EXECUTE on clv.identity_ingest(text) to the roles that may ingest.';
  END IF;
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_check_ingest_privilege(regrole) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_check_ingest_privilege(regrole) IS
'Step of clv.identity_ingest: ERROR 42501 unless caller may execute clv.identity_ingest(text) (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_prepare_privileged(caller regrole)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  work_table text;
  work_columns text;
BEGIN
  PERFORM @extschema@.identity_check_ingest_privilege(caller);
  PERFORM @extschema@.identity_ingest_step('prepare');
  -- One writer of the graph at a time (ingests and retractions queue here);
  -- readers are not blocked. Each statement below takes a fresh snapshot, so
  -- it sees what the previous holder of the lock committed.
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;

  -- The work tables live as long as the session and are emptied at every
  -- commit: an ingest then writes no catalog rows and creates no files, and
  -- the statements that read only them keep their plans. They are open to
  -- the extension's owner: the caller may only add rows to clv_ingest_input
  -- (other sessions never see temporary tables). A table of that name the
  -- caller made is refused: reading it with the owner's rights could run the
  -- caller's code. The DELETE finds rows only when an earlier ingest ran in
  -- the same transaction.
  FOR work_table, work_columns IN VALUES
      ('clv_ingest_input', 'a text, b text, source text, observed_at timestamptz'),
      ('clv_ingest_batch', 'a text COLLATE "C", b text COLLATE "C", source text, observed_at timestamptz, '
                           'rows_read bigint, long_source boolean'),
      ('clv_ingest_seen', 'identifier text COLLATE "C", first_seen timestamptz, last_seen timestamptz'),
      ('clv_ingest_known', 'identifier text COLLATE "C", cluster_id bigint, first_seen timestamptz, '
                           'last_seen timestamptz'),
      ('clv_ingest_decisions', 'kind text, a text, b text, cluster_id bigint, from_cluster bigint, rule text, '
                               'position bigint')
  LOOP
    IF pg_catalog.to_regclass('pg_temp.' || work_table) IS NULL THEN
      EXECUTE pg_catalog.format('CREATE TEMP TABLE %I (%s) ON COMMIT DELETE ROWS', work_table, work_columns);
      IF work_table = 'clv_ingest_input' THEN
        EXECUTE pg_catalog.format('GRANT INSERT ON TABLE pg_temp.%I TO PUBLIC', work_table);
      END IF;
      -- Statistics of the empty table (zero rows, never "not yet vacuumed"):
      -- the planner then sizes the table by its pages at each call, instead
      -- of assuming ten pages (about 1,000 rows), which made it hash a
      -- graph of 200,000 identifiers to look up the five of a small batch.
      EXECUTE pg_catalog.format('ANALYZE pg_temp.%I', work_table);
    ELSIF NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                      WHERE c.oid = pg_catalog.to_regclass('pg_temp.' || work_table)
                        AND c.relowner = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
                        AND c.relkind = 'r' AND NOT c.relhastriggers AND NOT c.relhasrules
                        AND NOT c.relrowsecurity) THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = pg_catalog.format('pg_temp.%I is not the work table of clv.identity_ingest', work_table),
        HINT = pg_catalog.format('Drop it: DROP TABLE pg_temp.%I', work_table);
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM pg_temp.%I', work_table);
  END LOOP;

END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_ingest_prepare_privileged(regrole) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_ingest_prepare_privileged(regrole) IS
'Step of clv.identity_ingest: locks the graph and empties the session''s work tables, made as the extension''s owner (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_prepare()
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.identity_ingest_prepare() IS
'Step of clv.identity_ingest: runs clv.identity_ingest_prepare_privileged for the calling role, as the extension''s owner (internal)';

-- Returns (edges read, new identifiers, merges, rejected edges).
CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_apply_privileged(caller regrole)
RETURNS bigint[] LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  large boolean;
  edges_read bigint;
  new_identifiers bigint;
  merges bigint;
  rejected bigint;
BEGIN
  PERFORM @extschema@.identity_check_ingest_privilege(caller);
  PERFORM @extschema@.identity_ingest_step('apply');

  -- The batch: pairs ordered a <= b in byte order (a pair with one NULL or
  -- empty side names just the other identifier), one row per pair and
  -- source with its earliest observation.
  --
  -- Length limits: a btree index entry holds at most 2,704 bytes, compressed
  -- or not, and identity_edges' key is (a, b, source), identity_rejections'
  -- (a, b, rule) with rules up to 'hub:<type>'. So identifiers and sources
  -- are limited to 800 bytes each (three of them fit). A row whose source is
  -- longer is refused whole here (long_source: rule source_too_long); an edge
  -- naming a longer identifier is refused by identity_decide (rule
  -- identifier_too_long, the same 800 as kMaxIdentifierBytes in
  -- src/pg/identity/graph.cpp), which still adds its other identifier.
  INSERT INTO pg_temp.clv_ingest_batch
  SELECT DISTINCT ON (p.a, p.b, p.source) p.a, p.b, p.source, p.observed_at, p.rows_read,
         pg_catalog.octet_length(p.source) > 800 AS long_source
  FROM (SELECT s.rows_read,
               CASE WHEN s.x IS NULL THEN s.y WHEN s.y IS NULL OR s.x <= s.y THEN s.x ELSE s.y END AS a,
               CASE WHEN s.y IS NULL THEN s.x WHEN s.x IS NULL OR s.x > s.y THEN s.x ELSE s.y END AS b,
               COALESCE(s.source, '') AS source, COALESCE(s.observed_at, pg_catalog.now()) AS observed_at
        FROM (SELECT CASE WHEN i.a <> '' THEN i.a COLLATE "C" END AS x,
                     CASE WHEN i.b <> '' THEN i.b COLLATE "C" END AS y,
                     i.source, i.observed_at, pg_catalog.count(*) OVER () AS rows_read
              FROM pg_temp.clv_ingest_input i) s
        WHERE s.x IS NOT NULL OR s.y IS NOT NULL) p
  ORDER BY p.a, p.b, p.source, p.observed_at;
  SELECT COALESCE(pg_catalog.max(t.rows_read), 0) INTO edges_read FROM pg_temp.clv_ingest_batch t;
  -- Statistics on the work tables pay off for bulk loads (join orders over
  -- millions of rows); small batches are planned well from their sizes alone.
  large := edges_read > 10000;
  IF large THEN ANALYZE pg_temp.clv_ingest_batch; END IF;

  -- Every identifier of the batch with its first and last observation in it.
  INSERT INTO pg_temp.clv_ingest_seen
  SELECT e.identifier, pg_catalog.min(e.observed_at) AS first_seen, pg_catalog.max(e.observed_at) AS last_seen
  FROM (SELECT t.a, t.observed_at FROM pg_temp.clv_ingest_batch t WHERE NOT t.long_source
        UNION ALL SELECT t.b, t.observed_at FROM pg_temp.clv_ingest_batch t WHERE NOT t.long_source
       ) e(identifier, observed_at)
  GROUP BY e.identifier;
  IF large THEN ANALYZE pg_temp.clv_ingest_seen; END IF;

  -- The stored identifiers of the batch: only their clusters are read (every
  -- member, for the sizes and per-type counts the rules check), with their
  -- own stored edges (for hub degrees and to recognise edges seen before).
  -- Statements joining the graph's tables are planned anew every time
  -- (EXECUTE): a plan kept from a batch of another size could scan the
  -- whole graph for a few identifiers, or probe it once per row of millions.
  EXECUTE 'INSERT INTO pg_temp.clv_ingest_known
  SELECT n.identifier, n.cluster_id, s.first_seen, s.last_seen
  FROM @extschema@.identity_nodes n JOIN pg_temp.clv_ingest_seen s ON n.identifier = s.identifier';
  IF large THEN ANALYZE pg_temp.clv_ingest_known; END IF;

  INSERT INTO pg_temp.clv_ingest_decisions
  SELECT * FROM @extschema@.identity_decide(
    'SELECT n.identifier, n.cluster_id FROM @extschema@.identity_nodes n
      WHERE n.cluster_id IN (SELECT k.cluster_id FROM pg_temp.clv_ingest_known k)',
    'SELECT e.a, e.b FROM @extschema@.identity_edges e
       JOIN pg_temp.clv_ingest_known k ON e.a = k.identifier
     UNION
     SELECT e.a, e.b FROM @extschema@.identity_edges e
       JOIN pg_temp.clv_ingest_known k ON e.b = k.identifier',
    'SELECT t.a, t.b FROM pg_temp.clv_ingest_batch t WHERE NOT t.long_source')
    WITH ORDINALITY AS d(kind, a, b, cluster_id, from_cluster, rule, position);
  IF large THEN ANALYZE pg_temp.clv_ingest_decisions; END IF;

  -- Stored identifiers: moved to their new cluster and/or seen again, in
  -- one new row version each.
  EXECUTE 'UPDATE @extschema@.identity_nodes n
     SET cluster_id = COALESCE(c.new_cluster, n.cluster_id),
         first_seen = LEAST(n.first_seen, c.first_seen), last_seen = GREATEST(n.last_seen, c.last_seen)
  FROM (SELECT COALESCE(m.a, k.identifier) AS identifier, m.cluster_id AS new_cluster,
               k.first_seen, k.last_seen
        FROM (SELECT d.a, d.cluster_id FROM pg_temp.clv_ingest_decisions d WHERE d.kind = ''move'') m
        FULL JOIN pg_temp.clv_ingest_known k ON k.identifier = m.a) c
  WHERE n.identifier = c.identifier
    AND (c.new_cluster IS NOT NULL OR c.first_seen < n.first_seen OR c.last_seen > n.last_seen)';

  INSERT INTO @extschema@.identity_nodes AS n (identifier, cluster_id, first_seen, last_seen)
  SELECT d.a, d.cluster_id, s.first_seen, s.last_seen
  FROM pg_temp.clv_ingest_decisions d JOIN pg_temp.clv_ingest_seen s ON s.identifier = d.a
  WHERE d.kind = 'new';
  GET DIAGNOSTICS new_identifiers = ROW_COUNT;

  -- Every stored edge joins two stored identifiers, so an edge naming an
  -- identifier new to the graph is new too: a plain insert (its unique index
  -- still checks). Only an edge between two stored identifiers may be stored
  -- already, from this or another source: ON CONFLICT, which costs one more
  -- index search per row.
  WITH accepted AS (
    SELECT t.a, t.b, t.source, t.observed_at,
           EXISTS (SELECT FROM pg_temp.clv_ingest_known k WHERE k.identifier = t.a)
           AND EXISTS (SELECT FROM pg_temp.clv_ingest_known k WHERE k.identifier = t.b) AS both_stored
    FROM pg_temp.clv_ingest_batch t
    WHERE t.a <> t.b AND NOT t.long_source
      AND NOT EXISTS (SELECT FROM pg_temp.clv_ingest_decisions d
                      WHERE d.kind = 'reject' AND d.a = t.a AND d.b = t.b)
  ), new_edges AS (
    INSERT INTO @extschema@.identity_edges (a, b, source, observed_at)
    SELECT f.a, f.b, f.source, f.observed_at FROM accepted f WHERE NOT f.both_stored)
  INSERT INTO @extschema@.identity_edges AS e (a, b, source, observed_at)
  SELECT f.a, f.b, f.source, f.observed_at FROM accepted f WHERE f.both_stored
  ON CONFLICT (a, b, source) DO NOTHING;

  INSERT INTO @extschema@.identity_merges (from_cluster, into_cluster, merged_at, via_a, via_b)
  SELECT d.from_cluster, d.cluster_id, pg_catalog.now(), d.a, d.b
  FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'merge' ORDER BY d.position;
  GET DIAGNOSTICS merges = ROW_COUNT;

  -- Refused edges, once per pair and rule. An identifier over the 800-byte
  -- limit is recorded by its first 100 characters, its length and its md5
  -- (at most about 460 bytes), so the rejection's key always fits its index.
  WITH refused AS MATERIALIZED (
    SELECT d.a COLLATE "C" AS a, d.b COLLATE "C" AS b, d.rule
    FROM pg_temp.clv_ingest_decisions d WHERE d.kind = 'reject'
    UNION
    SELECT t.a, t.b, 'source_too_long' FROM pg_temp.clv_ingest_batch t WHERE t.long_source
  ), recorded AS (
    INSERT INTO @extschema@.identity_rejections (a, b, rule, rejected_at)
    SELECT CASE WHEN pg_catalog.octet_length(f.a) > 800
                THEN pg_catalog.format('%s... (%s bytes, md5 %s)', pg_catalog.left(f.a, 100),
                                       pg_catalog.octet_length(f.a), pg_catalog.md5(f.a))
                ELSE f.a END,
           CASE WHEN pg_catalog.octet_length(f.b) > 800
                THEN pg_catalog.format('%s... (%s bytes, md5 %s)', pg_catalog.left(f.b, 100),
                                       pg_catalog.octet_length(f.b), pg_catalog.md5(f.b))
                ELSE f.b END,
           f.rule, pg_catalog.now()
    FROM refused f
    ON CONFLICT (a, b, rule) DO NOTHING)
  SELECT pg_catalog.count(*) INTO rejected FROM refused;
  PERFORM @extschema@.identity_ingest_step('applied');
  RETURN ARRAY[edges_read, new_identifiers, merges, rejected];
END
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_ingest_apply_privileged(regrole) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_ingest_apply_privileged(regrole) IS
'Step of clv.identity_ingest: applies the rows of pg_temp.clv_ingest_input to the graph under the guard rules; returns {edges read, new identifiers, merges, rejected} (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_apply()
RETURNS bigint[] AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.identity_ingest_apply() IS
'Step of clv.identity_ingest: runs clv.identity_ingest_apply_privileged for the calling role, as the extension''s owner (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest_in(edges_query text, caller_search_path text,
    OUT edges_read bigint, OUT new_identifiers bigint, OUT merges bigint, OUT rejected bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  counts bigint[];
BEGIN
  IF edges_query IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'edges_query must not be NULL';
  END IF;
  PERFORM @extschema@.identity_ingest_prepare();
  PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
  INSERT INTO pg_temp.clv_ingest_input SELECT * FROM @extschema@.identity_edges_from(edges_query);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
  counts := @extschema@.identity_ingest_apply();
  edges_read := counts[1]; new_identifiers := counts[2]; merges := counts[3]; rejected := counts[4];
END
$fn$;
COMMENT ON FUNCTION @extschema@.identity_ingest_in(text, text) IS
'Step of clv.identity_ingest: the ingest itself, with edges_query run under caller_search_path (internal)';

CREATE OR REPLACE FUNCTION @extschema@.identity_ingest(edges_query text,
    OUT edges_read bigint, OUT new_identifiers bigint, OUT merges bigint, OUT rejected bigint)
LANGUAGE sql VOLATILE
AS $fn$
  SELECT i.edges_read, i.new_identifiers, i.merges, i.rejected
  FROM @extschema@.identity_ingest_in(edges_query, pg_catalog.current_setting('search_path')) i
$fn$;
REVOKE ALL ON FUNCTION @extschema@.identity_ingest(text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.identity_ingest(text) IS
'Adds the identifier pairs of edges_query (a text, b text [, source text [, observed_at timestamptz]]) to the persistent identity graph under the guard rules, in one transaction: new identifiers join clusters, clusters merge (the larger survives, ties: the smaller id; recorded in clv.identity_merges), refused edges are recorded in clv.identity_rejections, among them edges naming an identifier over 800 bytes (identifier_too_long; the other identifier is still added) and rows whose source is over 800 bytes (source_too_long). Only the clusters the batch touches are read. Ingests and retractions are serialized by a lock on clv.identity_nodes and run only in READ COMMITTED (ERROR 25000), never from inside another ingest (ERROR 55006); ingesting the same edges again changes nothing. Returns the number of rows read, new identifiers, merges and rejected edges';

