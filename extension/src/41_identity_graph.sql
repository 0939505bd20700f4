-- The persistent identity graph: tables, incremental ingest, retraction and
-- explanation. The C++ steps (identity_decide, identity_split, identity_path)
-- read through SPI what these functions point them at; the SQL here owns the
-- locking and every write.
--
-- The functions take no SET search_path, because the caller's edges query must
-- resolve its names as the caller would; every object of the extension is
-- schema-qualified and every function is qualified with pg_catalog.

--------------------------------------------------------------------------
-- Tables
--------------------------------------------------------------------------

CREATE SEQUENCE @extschema@.identity_cluster_seq;
COMMENT ON SEQUENCE @extschema@.identity_cluster_seq IS
'Cluster ids of the persistent identity graph (clv.identity_nodes.cluster_id)';

CREATE SEQUENCE @extschema@.identity_event_seq;
COMMENT ON SEQUENCE @extschema@.identity_event_seq IS
'Order of the merges and splits recorded in clv.identity_merges and clv.identity_splits';

-- The indexes cover the look-ups of an ingest (an identifier's cluster, a
-- cluster's members) without heap visits; free space on each page lets the
-- updates of first_seen/last_seen stay HOT.
CREATE TABLE @extschema@.identity_nodes (
    identifier text COLLATE "C" NOT NULL,
    id_type text GENERATED ALWAYS AS (
        CASE WHEN pg_catalog.strpos(identifier, ':') > 0
             THEN pg_catalog.split_part(identifier, ':', 1) END) STORED,
    cluster_id bigint NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    PRIMARY KEY (identifier) INCLUDE (cluster_id)
) WITH (fillfactor = 90);
CREATE INDEX identity_nodes_cluster_id_idx ON @extschema@.identity_nodes (cluster_id) INCLUDE (identifier);
COMMENT ON TABLE @extschema@.identity_nodes IS
'Every identifier of the persistent identity graph with its cluster (one row per identifier; a cluster is one person). Written by clv.identity_ingest and the retraction functions only';
COMMENT ON COLUMN @extschema@.identity_nodes.identifier IS 'the identifier, e.g. email:ann@x.com';
COMMENT ON COLUMN @extschema@.identity_nodes.id_type IS 'the part of the identifier before its first '':'' (NULL without one)';
COMMENT ON COLUMN @extschema@.identity_nodes.cluster_id IS 'the resolved identity; changes only when the cluster merges into a larger one or is split by a retraction (see clv.identity_merges, clv.identity_splits)';
COMMENT ON COLUMN @extschema@.identity_nodes.first_seen IS 'earliest observed_at of an ingested edge naming the identifier';
COMMENT ON COLUMN @extschema@.identity_nodes.last_seen IS 'latest observed_at of an ingested edge naming the identifier';

CREATE TABLE @extschema@.identity_edges (
    a text COLLATE "C" NOT NULL,
    b text COLLATE "C" NOT NULL,
    source text NOT NULL DEFAULT '',
    observed_at timestamptz NOT NULL,
    PRIMARY KEY (a, b, source),
    CONSTRAINT identity_edges_ordered CHECK (a < b)
);
CREATE INDEX identity_edges_b_idx ON @extschema@.identity_edges (b) INCLUDE (a);
CREATE INDEX identity_edges_source_idx ON @extschema@.identity_edges (source);
COMMENT ON TABLE @extschema@.identity_edges IS
'The accepted links of the identity graph, one row per pair and source; a < b in byte order. Both ends are in clv.identity_nodes, in the same cluster';
COMMENT ON COLUMN @extschema@.identity_edges.a IS 'the byte-wise smaller identifier';
COMMENT ON COLUMN @extschema@.identity_edges.b IS 'the byte-wise larger identifier';
COMMENT ON COLUMN @extschema@.identity_edges.source IS 'where the link was observed (third column of the ingested query; '''' when not given)';
COMMENT ON COLUMN @extschema@.identity_edges.observed_at IS 'when the link was first observed from this source (fourth column of the ingested query; the ingest''s transaction time when not given)';

CREATE TABLE @extschema@.identity_rules (
    id_type text PRIMARY KEY,
    max_per_cluster integer CHECK (max_per_cluster > 0),
    priority integer NOT NULL DEFAULT 0,
    blocked_values text[],
    blocked_pattern text CHECK (blocked_pattern IS NULL OR ('' ~* blocked_pattern) IS NOT NULL),
    hub_limit integer CHECK (hub_limit > 0)
);
-- Every role may read the rules: clv.resolve_identities applies them with the
-- caller's rights.
GRANT SELECT ON @extschema@.identity_rules TO PUBLIC;
COMMENT ON TABLE @extschema@.identity_rules IS
'Guard rules per identifier type, applied by clv.identity_ingest and clv.resolve_identities(query, true) on top of the built-in junk list and the settings clv.identity_max_cluster_size and clv.identity_hub_limit';
COMMENT ON COLUMN @extschema@.identity_rules.id_type IS 'the identifier type (the part before the first '':''; '''' for identifiers without one)';
COMMENT ON COLUMN @extschema@.identity_rules.max_per_cluster IS 'most distinct identifiers of this type one cluster may hold (e.g. 1 for a CRM id); a merge past it is rejected; NULL: no limit';
COMMENT ON COLUMN @extschema@.identity_rules.priority IS 'edges touching a higher-priority type are decided first within an ingest';
COMMENT ON COLUMN @extschema@.identity_rules.blocked_values IS 'values (the part after the type and '':'') that never link, compared exactly';
COMMENT ON COLUMN @extschema@.identity_rules.blocked_pattern IS 'a POSIX regular expression; values matching it case-insensitively (~*) never link';
COMMENT ON COLUMN @extschema@.identity_rules.hub_limit IS 'most identifiers of this type one identifier may be linked to before it is flagged as a hub and its further links to this type are rejected; NULL: clv.identity_hub_limit';

CREATE TABLE @extschema@.identity_merges (
    from_cluster bigint NOT NULL,
    into_cluster bigint NOT NULL,
    merged_at timestamptz NOT NULL,
    via_a text COLLATE "C" NOT NULL,
    via_b text COLLATE "C" NOT NULL,
    event bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.identity_event_seq')
);
COMMENT ON TABLE @extschema@.identity_merges IS
'Every merge of two clusters by clv.identity_ingest: every identifier of from_cluster now has into_cluster. Apply in order of event to remap stored cluster ids';
COMMENT ON COLUMN @extschema@.identity_merges.from_cluster IS 'the absorbed cluster (the smaller one; ties: the newer id)';
COMMENT ON COLUMN @extschema@.identity_merges.into_cluster IS 'the surviving cluster';
COMMENT ON COLUMN @extschema@.identity_merges.merged_at IS 'transaction time of the ingest';
COMMENT ON COLUMN @extschema@.identity_merges.via_a IS 'one end of the edge that caused the merge';
COMMENT ON COLUMN @extschema@.identity_merges.via_b IS 'the other end of that edge';
COMMENT ON COLUMN @extschema@.identity_merges.event IS 'order of merges and splits';

CREATE TABLE @extschema@.identity_splits (
    from_cluster bigint NOT NULL,
    new_cluster bigint NOT NULL,
    split_at timestamptz NOT NULL,
    members bigint NOT NULL,
    reason text NOT NULL,
    event bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.identity_event_seq')
);
COMMENT ON TABLE @extschema@.identity_splits IS
'Every part split off a cluster by a retraction: its members moved from from_cluster to new_cluster (the part with the most members keeps from_cluster)';
COMMENT ON COLUMN @extschema@.identity_splits.from_cluster IS 'the cluster that lost edges';
COMMENT ON COLUMN @extschema@.identity_splits.new_cluster IS 'the id of the split-off part';
COMMENT ON COLUMN @extschema@.identity_splits.split_at IS 'transaction time of the retraction';
COMMENT ON COLUMN @extschema@.identity_splits.members IS 'identifiers in the split-off part';
COMMENT ON COLUMN @extschema@.identity_splits.reason IS 'what was retracted';
COMMENT ON COLUMN @extschema@.identity_splits.event IS 'order of merges and splits';

CREATE TABLE @extschema@.identity_rejections (
    a text COLLATE "C" NOT NULL,
    b text COLLATE "C" NOT NULL,
    rule text NOT NULL,
    rejected_at timestamptz NOT NULL,
    PRIMARY KEY (a, b, rule)
);
COMMENT ON TABLE @extschema@.identity_rejections IS
'Edges clv.identity_ingest refused, with the rule that fired (first time only): blocked_value, max_per_cluster:<type>, max_cluster_size, hub:<type>, identifier_too_long (an identifier over 800 bytes) or source_too_long (a source over 800 bytes)';
COMMENT ON COLUMN @extschema@.identity_rejections.a IS 'the byte-wise smaller identifier; one over 800 bytes (identifier_too_long) is recorded as format(''%s... (%s bytes, md5 %s)'', left(identifier, 100), octet_length(identifier), md5(identifier))';
COMMENT ON COLUMN @extschema@.identity_rejections.b IS 'the byte-wise larger identifier, recorded like a';
COMMENT ON COLUMN @extschema@.identity_rejections.rule IS 'the rule that refused the edge';
COMMENT ON COLUMN @extschema@.identity_rejections.rejected_at IS 'transaction time of the first rejection';

-- The graph is user data: pg_dump dumps it with the extension's tables.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_nodes', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_edges', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_rules', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_merges', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_splits', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_rejections', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_cluster_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.identity_event_seq', '');

--------------------------------------------------------------------------
-- C++ steps
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.identity_edges_from(edges_query text)
RETURNS TABLE (a text, b text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_edges_from'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_edges_from(text) IS
'Step of clv.identity_ingest: the rows of edges_query, which returns (a text, b text [, source text [, observed_at timestamptz]]); a wrong shape is ERROR 42804. Runs the query with the caller''s privileges (only a query that could be opened as a cursor), its rows streamed in batches';

CREATE FUNCTION @extschema@.identity_decide(members_query text, stored_edges_query text, batch_query text)
RETURNS TABLE (kind text, a text, b text, cluster_id bigint, from_cluster bigint, rule text)
AS 'MODULE_PATHNAME', 'clv_identity_decide'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_decide(text, text, text) IS
'Step of clv.identity_ingest: loads the touched clusters (members_query: identifier, cluster_id, whole clusters; stored_edges_query: a, b, at least every stored edge of the batch''s stored identifiers), applies the batch (batch_query: a, b) under the guard rules and returns the decisions: new (identifier a, cluster_id), move (identifier a, new cluster_id), merge (from_cluster into cluster_id via a-b), reject (a, b, rule). Writes nothing but draws fresh ids from clv.identity_cluster_seq';

CREATE FUNCTION @extschema@.identity_split(cluster_id bigint)
RETURNS TABLE (identifier text, cluster_id bigint)
AS 'MODULE_PATHNAME', 'clv_identity_split'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_split(bigint) IS
'Step of the retraction functions: the connected parts of a cluster over its remaining edges; returns the members that move to split-off parts with their new ids (the part with the most members keeps cluster_id; ties: the part holding the smallest identifier). Writes nothing';

CREATE FUNCTION @extschema@.identity_path(a text, b text)
RETURNS TABLE (step integer, from_identifier text, to_identifier text, source text, observed_at timestamptz)
AS 'MODULE_PATHNAME', 'clv_identity_path'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.identity_path(text, text) IS
'Why a and b are one person: the shortest chain of recorded edges from a to b (breadth-first search over their cluster''s edges), one row per step with the edge''s earliest source and observation; no rows when they are not linked or a = b';

--------------------------------------------------------------------------
-- Retraction
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.identity_resplit(clusters bigint[], reason text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  c bigint;
  parts bigint;
  new_parts bigint := 0;
BEGIN
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
COMMENT ON FUNCTION @extschema@.identity_resplit(bigint[], text) IS
'Step of the retraction functions: re-splits each cluster over its remaining edges, moves split-off parts to new ids, records them in clv.identity_splits with the reason, and returns the number of new clusters';

CREATE FUNCTION @extschema@.identity_retract(a text, b text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  lo text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN a ELSE b END;
  hi text := CASE WHEN a COLLATE "C" <= b COLLATE "C" THEN b ELSE a END;
BEGIN
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
COMMENT ON FUNCTION @extschema@.identity_retract(text, text) IS
'Undoes a wrong link: removes the recorded edge between a and b (from every source) and re-splits their cluster if it fell apart; the part with the most members keeps the cluster id, the others get new ids recorded in clv.identity_splits. Returns the edges removed and the new clusters';

CREATE FUNCTION @extschema@.identity_retract_source(source text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  clusters bigint[];
BEGIN
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
COMMENT ON FUNCTION @extschema@.identity_retract_source(text) IS
'Removes every edge recorded from one source (e.g. a feed found to be wrong) and re-splits the clusters it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';

CREATE FUNCTION @extschema@.identity_retract_identifier(identifier text, OUT edges_removed bigint, OUT new_clusters bigint)
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  old_cluster bigint;
BEGIN
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
COMMENT ON FUNCTION @extschema@.identity_retract_identifier(text) IS
'Removes an identifier (e.g. one found to be junk or a shared hub) with all its edges from the graph and re-splits the cluster it held together, as clv.identity_retract does. Returns the edges removed and the new clusters';
