-- The persistent identity graph's tables and sequences (once-only DDL); its
-- functions are in functions/40_identity.sql. The C++ steps (identity_decide,
-- identity_split, identity_path) read through SPI what those functions point
-- them at; the SQL owns the locking and every write.
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
