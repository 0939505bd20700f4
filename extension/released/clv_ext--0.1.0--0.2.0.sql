-- clv_ext 0.1.0 -> 0.2.0, assembled by the Makefile: this prelude, then the
-- parts new or rewritten in 0.2.0 (extension/src/42_identity_ingest.sql: the
-- ingest with a pinned search path; 50_profiles.sql: customer profiles).
\echo Use "ALTER EXTENSION clv_ext UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- resolve_identities applies the rules with the caller's rights.
GRANT SELECT ON @extschema@.identity_rules TO PUBLIC;

-- The graph's functions resolve their own names in pg_catalog only.
ALTER FUNCTION @extschema@.identity_resplit(bigint[], text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract(text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract_source(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION @extschema@.identity_retract_identifier(text) SET search_path = pg_catalog, pg_temp;

-- The edges query streams its rows in batches instead of a cursor's fetches.
COMMENT ON FUNCTION @extschema@.identity_edges_from(text) IS
'Step of clv.identity_ingest: the rows of edges_query, which returns (a text, b text [, source text [, observed_at timestamptz]]); a wrong shape is ERROR 42804. Runs the query with the caller''s privileges (only a query that could be opened as a cursor), its rows streamed in batches';

-- Rejections name two more rules, and over-long identifiers are recorded
-- shortened (extension/src/41_identity_graph.sql).
COMMENT ON TABLE @extschema@.identity_rejections IS
'Edges clv.identity_ingest refused, with the rule that fired (first time only): blocked_value, max_per_cluster:<type>, max_cluster_size, hub:<type>, identifier_too_long (an identifier over 800 bytes) or source_too_long (a source over 800 bytes)';
COMMENT ON COLUMN @extschema@.identity_rejections.a IS 'the byte-wise smaller identifier; one over 800 bytes (identifier_too_long) is recorded as format(''%s... (%s bytes, md5 %s)'', left(identifier, 100), octet_length(identifier), md5(identifier))';
COMMENT ON COLUMN @extschema@.identity_rejections.b IS 'the byte-wise larger identifier, recorded like a';
-- Identity ingest: adds edges to the persistent identity graph.

--------------------------------------------------------------------------
-- Ingest
--------------------------------------------------------------------------

-- The ingest runs with a pinned search path, except for the caller's query,
-- which must resolve its tables and functions as the caller would: it runs
-- alone, under the caller's path, into a temporary table.
CREATE FUNCTION @extschema@.identity_ingest_in(edges_query text, caller_search_path text,
    OUT edges_read bigint, OUT new_identifiers bigint, OUT merges bigint, OUT rejected bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  large boolean;
  work_table text;
  work_columns text;
BEGIN
  IF edges_query IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'edges_query must not be NULL';
  END IF;
  -- One writer of the graph at a time (ingests and retractions queue here);
  -- readers are not blocked. Each statement below takes a fresh snapshot, so
  -- it sees what the previous holder of the lock committed.
  LOCK TABLE @extschema@.identity_nodes IN SHARE ROW EXCLUSIVE MODE;

  -- The work tables live as long as the session and are emptied at every
  -- commit: an ingest then writes no catalog rows and creates no files, and
  -- the statements that read only them keep their plans. They are open to
  -- every role, as a session may change roles between ingests (other
  -- sessions never see temporary tables). The DELETE finds rows only when an
  -- earlier ingest ran in the same transaction.
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
      EXECUTE pg_catalog.format('GRANT ALL ON TABLE pg_temp.%I TO PUBLIC', work_table);
      -- Statistics of the empty table (zero rows, never "not yet vacuumed"):
      -- the planner then sizes the table by its pages at each call, instead
      -- of assuming ten pages (about 1,000 rows), which made it hash a
      -- graph of 200,000 identifiers to look up the five of a small batch.
      EXECUTE pg_catalog.format('ANALYZE pg_temp.%I', work_table);
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM pg_temp.%I', work_table);
  END LOOP;

  PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
  INSERT INTO pg_temp.clv_ingest_input SELECT * FROM @extschema@.identity_edges_from(edges_query);
  PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

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
  -- src/pg/identity_graph.cpp), which still adds its other identifier.
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
COMMENT ON FUNCTION @extschema@.identity_ingest(text) IS
'Adds the identifier pairs of edges_query (a text, b text [, source text [, observed_at timestamptz]]) to the persistent identity graph under the guard rules, in one transaction: new identifiers join clusters, clusters merge (the larger survives, ties: the smaller id; recorded in clv.identity_merges), refused edges are recorded in clv.identity_rejections, among them edges naming an identifier over 800 bytes (identifier_too_long; the other identifier is still added) and rows whose source is over 800 bytes (source_too_long). Only the clusters the batch touches are read. Ingests and retractions are serialized by a lock on clv.identity_nodes; ingesting the same edges again changes nothing. Returns the number of rows read, new identifiers, merges and rejected edges';

-- Materialized customer profiles: a registry of profile definitions, change
-- capture on their sources, full and incremental refresh, model refits, and
-- the views BI tools read. The background worker (src/pg/profile_worker.cpp)
-- and clv.refresh_profile run the same refresh: clv.profile_refresh_step as
-- the profile's owner.
--
-- What is stored and what is computed at read time: a profile's facts table
-- holds the time-invariant facts of each customer (orders, first and last
-- purchase, frequency, recency, monetary value, totals, trend); its view adds
-- everything that depends on the current time (t, P(alive), expected
-- purchases, predicted CLV, lateness, churn risk, RFM segment, CLV decile)
-- from the latest fitted model, so none of those is ever stale.

CREATE SCHEMA clv_profiles;
COMMENT ON SCHEMA clv_profiles IS
'Customer profiles maintained by clv_ext: per profile a view <name> (one row per customer), <name>_facts (the stored facts) and <name>_summary (per RFM segment)';
GRANT USAGE ON SCHEMA clv_profiles TO PUBLIC;

CREATE SEQUENCE @extschema@.profile_id_seq AS integer;
COMMENT ON SEQUENCE @extschema@.profile_id_seq IS 'ids of clv.profiles';

CREATE TABLE @extschema@.profiles (
    id integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.profile_id_seq'),
    name text NOT NULL UNIQUE CHECK (name OPERATOR(pg_catalog.~) '^[a-z_][a-z0-9_]{0,39}$'),
    owner regrole NOT NULL,
    source regclass NOT NULL,
    customer_column name NOT NULL,
    ts_column name NOT NULL,
    amount_column name NOT NULL,
    unit interval NOT NULL CHECK (unit OPERATOR(pg_catalog.>=) '1 second'),
    model text NOT NULL CHECK (model OPERATOR(pg_catalog.=) ANY ('{bgnbd,mbgnbd,pareto_nbd}')),
    horizon double precision NOT NULL CHECK (horizon OPERATOR(pg_catalog.>) 0 AND horizon OPERATOR(pg_catalog.<) 'infinity'),
    discount_rate double precision NOT NULL CHECK (discount_rate OPERATOR(pg_catalog.>=) 0 AND discount_rate OPERATOR(pg_catalog.<) 'infinity'),
    discount_steps integer NOT NULL CHECK (discount_steps OPERATOR(pg_catalog.>) 0),
    margin double precision NOT NULL CHECK (margin OPERATOR(pg_catalog.>=) 0 AND margin OPERATOR(pg_catalog.<) 'infinity'),
    trend_period interval NOT NULL CHECK (trend_period OPERATOR(pg_catalog.>=) '1 second'),
    refresh_interval interval NOT NULL CHECK (refresh_interval OPERATOR(pg_catalog.>=) '0'),
    refit_interval interval NOT NULL CHECK (refit_interval OPERATOR(pg_catalog.>=) '0'),
    resolve_identity boolean NOT NULL,
    target_schema name NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- refresh state
    last_start timestamptz,
    last_end timestamptz,
    last_mode text,
    last_rows bigint,
    last_error text,
    last_error_at timestamptz,
    failures integer NOT NULL DEFAULT 0,
    next_run timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_fit_at timestamptz,
    last_fit_error text
);
COMMENT ON TABLE @extschema@.profiles IS
'Registered customer profiles (clv.create_profile) and their refresh state; each role sees and changes only the profiles of roles it has the privileges of';
COMMENT ON COLUMN @extschema@.profiles.id IS 'profile id, used in the names of its triggers';
COMMENT ON COLUMN @extschema@.profiles.name IS 'profile name: the view <target_schema>.<name>';
COMMENT ON COLUMN @extschema@.profiles.owner IS 'the role the profile is refreshed as (its creator)';
COMMENT ON COLUMN @extschema@.profiles.source IS 'the transactions table';
COMMENT ON COLUMN @extschema@.profiles.customer_column IS 'the source''s customer key column';
COMMENT ON COLUMN @extschema@.profiles.ts_column IS 'the source''s transaction time column';
COMMENT ON COLUMN @extschema@.profiles.amount_column IS 'the source''s transaction value column';
COMMENT ON COLUMN @extschema@.profiles.unit IS 'time unit of recency, t and horizon';
COMMENT ON COLUMN @extschema@.profiles.model IS 'purchase model: bgnbd, mbgnbd or pareto_nbd';
COMMENT ON COLUMN @extschema@.profiles.horizon IS 'prediction horizon of expected purchases and predicted CLV, in units';
COMMENT ON COLUMN @extschema@.profiles.discount_rate IS 'discount rate per discounting step (horizon / discount_steps)';
COMMENT ON COLUMN @extschema@.profiles.discount_steps IS 'number of discounting steps in the horizon';
COMMENT ON COLUMN @extschema@.profiles.margin IS 'share of spend that is value: multiplies historical value and predicted CLV';
COMMENT ON COLUMN @extschema@.profiles.trend_period IS 'period length of the value trend (clv.trend_agg)';
COMMENT ON COLUMN @extschema@.profiles.refresh_interval IS 'most time between two refreshes when no change wakes the worker';
COMMENT ON COLUMN @extschema@.profiles.refit_interval IS 'time between model refits, each with a full refresh';
COMMENT ON COLUMN @extschema@.profiles.resolve_identity IS 'one row per identity cluster of clv.identity_nodes instead of per customer value';
COMMENT ON COLUMN @extschema@.profiles.target_schema IS 'schema of the profile''s view and tables';
COMMENT ON COLUMN @extschema@.profiles.enabled IS 'whether the background worker refreshes the profile';
COMMENT ON COLUMN @extschema@.profiles.created_at IS 'when the profile was created';
COMMENT ON COLUMN @extschema@.profiles.last_start IS 'start of the last refresh (committed before it runs)';
COMMENT ON COLUMN @extschema@.profiles.last_end IS 'end of the last successful refresh';
COMMENT ON COLUMN @extschema@.profiles.last_mode IS 'full, incremental or none (nothing to do)';
COMMENT ON COLUMN @extschema@.profiles.last_rows IS 'customers recomputed by the last successful refresh';
COMMENT ON COLUMN @extschema@.profiles.last_error IS 'error of the last failed refresh, cleared by a successful one';
COMMENT ON COLUMN @extschema@.profiles.last_error_at IS 'when the last refresh failed';
COMMENT ON COLUMN @extschema@.profiles.failures IS 'consecutive failed refreshes; the next try backs off by refresh_interval * 2^failures, at most an hour';
COMMENT ON COLUMN @extschema@.profiles.next_run IS 'when the worker refreshes the profile next without being woken by new changes';
COMMENT ON COLUMN @extschema@.profiles.last_fit_at IS 'as-of time of the last model fit (successful or not)';
COMMENT ON COLUMN @extschema@.profiles.last_fit_error IS 'why the last model fit failed (data that cannot identify the model); NULL after a successful one';

-- Customers touched in the sources since the last refresh: one row per
-- writing statement, written by the capture trigger straight into the heap
-- (src/pg/profile_worker.cpp). Hence no index (the table holds only what is
-- pending) and no foreign key (its check would lock the profile on every
-- write); customers NULL asks for a full refresh (TRUNCATE of the source).
CREATE TABLE @extschema@.profile_changes (
    profile_id integer NOT NULL,
    customers text[],
    changed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON COLUMN @extschema@.profile_changes.profile_id IS 'the profile whose source changed';
COMMENT ON COLUMN @extschema@.profile_changes.customers IS 'the customer keys one statement touched, as text; NULL: recompute every customer';
COMMENT ON COLUMN @extschema@.profile_changes.changed_at IS 'start of the writing transaction';
COMMENT ON TABLE @extschema@.profile_changes IS
'Change capture: the customer keys (as text) touched by writes to a profile''s source since its last refresh, one row per statement; customers NULL (after a TRUNCATE, or a statement touching more than 100,000 customers) asks for a full refresh';

CREATE TABLE @extschema@.profile_models (
    profile_id integer NOT NULL REFERENCES @extschema@.profiles ON DELETE CASCADE,
    fitted_at timestamptz NOT NULL,
    fit_duration interval NOT NULL,
    bgnbd @extschema@.bgnbd,
    mbgnbd @extschema@.mbgnbd,
    pareto_nbd @extschema@.pareto_nbd,
    gamma_gamma @extschema@.gamma_gamma,
    recency_breaks double precision[] NOT NULL,
    frequency_breaks double precision[] NOT NULL,
    monetary_breaks double precision[] NOT NULL,
    clv_breaks double precision[] NOT NULL,
    PRIMARY KEY (profile_id, fitted_at)
);
COMMENT ON COLUMN @extschema@.profile_models.profile_id IS 'the profile';
COMMENT ON COLUMN @extschema@.profile_models.fitted_at IS 'when the fit ended';
COMMENT ON COLUMN @extschema@.profile_models.fit_duration IS 'time the fit took';
COMMENT ON COLUMN @extschema@.profile_models.bgnbd IS 'the BG/NBD fit of a profile with model bgnbd';
COMMENT ON COLUMN @extschema@.profile_models.mbgnbd IS 'the MBG/NBD fit of a profile with model mbgnbd';
COMMENT ON COLUMN @extschema@.profile_models.pareto_nbd IS 'the Pareto/NBD fit of a profile with model pareto_nbd';
COMMENT ON COLUMN @extschema@.profile_models.gamma_gamma IS 'the Gamma-Gamma spend fit';
COMMENT ON COLUMN @extschema@.profile_models.recency_breaks IS '20/40/60/80% quantiles of the last purchase time (epoch seconds): recency score breakpoints';
COMMENT ON COLUMN @extschema@.profile_models.frequency_breaks IS 'quintile breakpoints of frequency';
COMMENT ON COLUMN @extschema@.profile_models.monetary_breaks IS 'quintile breakpoints of monetary value';
COMMENT ON COLUMN @extschema@.profile_models.clv_breaks IS '10..90% quantiles of predicted CLV: decile breakpoints';
COMMENT ON TABLE @extschema@.profile_models IS
'History of the models fitted for each profile: the purchase model (the column named by the profile''s model), Gamma-Gamma spend, and the population breakpoints (quintiles of last purchase time as epoch seconds, frequency and monetary value; deciles of predicted CLV) the profile view scores segments and deciles against';

-- Row-level security: the registry is shared by all roles, each sees and
-- changes the rows of the profiles it owns (or has the privileges of).
ALTER TABLE @extschema@.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.profile_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.profile_models ENABLE ROW LEVEL SECURITY;
CREATE POLICY profiles_owner ON @extschema@.profiles
    USING (pg_catalog.pg_has_role(owner, 'USAGE'))
    WITH CHECK (pg_catalog.pg_has_role(owner, 'USAGE'));
CREATE POLICY profile_changes_owner ON @extschema@.profile_changes
    USING (EXISTS (SELECT FROM @extschema@.profiles p WHERE p.id OPERATOR(pg_catalog.=) profile_id))
    WITH CHECK (EXISTS (SELECT FROM @extschema@.profiles p WHERE p.id OPERATOR(pg_catalog.=) profile_id));
CREATE POLICY profile_models_owner ON @extschema@.profile_models
    USING (EXISTS (SELECT FROM @extschema@.profiles p WHERE p.id OPERATOR(pg_catalog.=) profile_id))
    WITH CHECK (EXISTS (SELECT FROM @extschema@.profiles p WHERE p.id OPERATOR(pg_catalog.=) profile_id));
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.profiles TO PUBLIC;
GRANT SELECT, DELETE ON @extschema@.profile_changes TO PUBLIC;
GRANT SELECT, INSERT ON @extschema@.profile_models TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.profile_id_seq TO PUBLIC;

-- Profile definitions and fitted models are user data: pg_dump keeps them.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_models', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_changes', '');

--------------------------------------------------------------------------
-- Internals
--------------------------------------------------------------------------

-- Wakes the database's profile worker when the current transaction commits
-- (or asks the launcher to start one); a no-op unless clv_ext is in
-- shared_preload_libraries.
CREATE FUNCTION @extschema@.profile_wake()
RETURNS void AS 'MODULE_PATHNAME', 'clv_profile_wake'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.profile_wake() IS
'Wakes this database''s profile worker when the current transaction commits (internal; called by the change-capture triggers and profile functions)';

-- The extension's schema, quoted, for dynamic SQL.
CREATE FUNCTION @extschema@.profile_ext_schema()
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.quote_ident(n.nspname::text)
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
  WHERE e.extname OPERATOR(pg_catalog.=) 'clv_ext'
$$;
COMMENT ON FUNCTION @extschema@.profile_ext_schema() IS 'the extension''s schema as a quoted identifier (internal)';

-- The profile visible to the current role, locked against a concurrent
-- alter, refresh or drop of it.
CREATE FUNCTION @extschema@.profile_lock(profile_name text)
RETURNS @extschema@.profiles LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
BEGIN
  IF profile_name IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'profile name must not be NULL';
  END IF;
  SELECT * INTO p FROM @extschema@.profiles WHERE name OPERATOR(pg_catalog.=) profile_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile "%s" does not exist', profile_name),
      HINT = 'Profiles are listed in clv.profiles; a role sees only the profiles of roles it has the privileges of.';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('clv_ext.profile'), p.id);
  -- re-read: an alter or drop may have committed while we waited
  SELECT * INTO p FROM @extschema@.profiles WHERE id OPERATOR(pg_catalog.=) p.id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile "%s" was dropped', profile_name);
  END IF;
  RETURN p;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_lock(text) IS
'Looks up a profile the current role may use and takes its transaction-level advisory lock (internal)';

-- The quoted names of a profile's objects.
CREATE FUNCTION @extschema@.profile_object(p @extschema@.profiles, suffix text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.quote_ident(p.target_schema::text) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.name OPERATOR(pg_catalog.||) suffix) $$;
COMMENT ON FUNCTION @extschema@.profile_object(@extschema@.profiles, text) IS
'Quoted, schema-qualified name of a profile''s object: suffix '''' for the view, ''_facts'' or ''_summary'' (internal)';

-- The type of the customer key of a profile's facts.
CREATE FUNCTION @extschema@.profile_key_type(p @extschema@.profiles)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p.resolve_identity THEN 'text'
              ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END
  FROM pg_catalog.pg_attribute a
  WHERE a.attrelid OPERATOR(pg_catalog.=) p.source AND a.attname OPERATOR(pg_catalog.=) p.customer_column
    AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION @extschema@.profile_key_type(@extschema@.profiles) IS
'SQL type of a profile''s customer key: the source column''s type, or text when identities are resolved (internal)';

-- The query computing the facts of customers as of $1: all of them, or
-- those whose key is in the text array $2 (keys) when by_key.
CREATE FUNCTION @extschema@.profile_facts_query(p @extschema@.profiles, by_key boolean)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
  key_expr text;
  from_clause text;
  filter text := '';
BEGIN
  IF p.resolve_identity THEN
    -- An identifier in the identity graph belongs to its cluster; any other
    -- customer is a person of its own.
    key_expr := pg_catalog.format(
      'COALESCE(''cluster:'' || n.cluster_id, s.%I::text)', p.customer_column);
    from_clause := pg_catalog.format(
      '%s s LEFT JOIN %s.identity_nodes n ON n.identifier = (s.%I::text COLLATE "C")',
      p.source, ext, p.customer_column);
    IF by_key THEN
      -- the customers of the keys: the members of the clusters, the others as they are
      filter := pg_catalog.format(
        'WHERE s.%1$I = ANY (ARRAY(SELECT m.identifier::text COLLATE "default" FROM %2$s.identity_nodes m
                                  WHERE m.cluster_id = ANY (ARRAY(SELECT pg_catalog.substr(k, 9)::bigint FROM pg_catalog.unnest($2) k WHERE k LIKE ''cluster:%%''))
                                  UNION ALL SELECT k FROM pg_catalog.unnest($2) k WHERE k NOT LIKE ''cluster:%%''))',
        p.customer_column, ext);
    END IF;
  ELSE
    key_expr := pg_catalog.format('s.%I', p.customer_column);
    from_clause := pg_catalog.format('%s s', p.source);
    IF by_key THEN
      filter := pg_catalog.format('WHERE s.%I = ANY ($2::%s[])', p.customer_column, @extschema@.profile_key_type(p));
    END IF;
  END IF;
  RETURN pg_catalog.format($q$
    SELECT g.key, (g.r).n_orders, (g.r).first_ts, (g.r).last_ts, (g.r).frequency, (g.r).recency,
           (g.r).t, (g.r).monetary, (g.r).total_amount, (g.tr).direction, (g.tr).slope,
           (g.tr).relative_slope, $1
    FROM (SELECT %1$s AS key,
                 %2$s.rfm_agg(s.%3$I::timestamptz, s.%4$I::double precision, $1, %5$L::interval) AS r,
                 %2$s.trend_agg(s.%3$I::timestamptz, s.%4$I::double precision, $1, %6$L::interval) AS tr
          FROM %7$s %8$s
          GROUP BY 1) g
    WHERE g.r IS DISTINCT FROM NULL AND g.key IS NOT NULL$q$,
    key_expr, ext, p.ts_column, p.amount_column, p.unit, p.trend_period, from_clause, filter);
END
$$;
COMMENT ON FUNCTION @extschema@.profile_facts_query(@extschema@.profiles, boolean) IS
'The query computing a profile''s facts as of $1, for all customers or (by_key) for the keys in the text array $2 (internal)';

-- (Re)creates the views of a profile: they embed its settings.
CREATE FUNCTION @extschema@.profile_build_views(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no notices from DROP ... IF EXISTS
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
  unit_seconds double precision := pg_catalog.date_part('epoch', p.unit);
  step double precision := p.horizon / p.discount_steps;
BEGIN
  EXECUTE pg_catalog.format('DROP VIEW IF EXISTS %s, %s',
    @extschema@.profile_object(p, '_summary'), @extschema@.profile_object(p, ''));
  EXECUTE pg_catalog.format($v$
    CREATE VIEW %1$s AS
    WITH m AS MATERIALIZED (
      SELECT pm.%3$I AS model, pm.gamma_gamma, pm.recency_breaks, pm.frequency_breaks,
             pm.monetary_breaks, pm.clv_breaks
      FROM %2$s.profile_models pm
      WHERE pm.profile_id = %4$s
      ORDER BY pm.fitted_at DESC LIMIT 1)
    SELECT f.%5$I, f.orders, f.first_purchase, f.last_purchase, f.frequency, f.recency, a.t,
           f.monetary, f.total_spend, f.total_spend * %6$s AS historical_value,
           s.p_alive, s.expected_purchases, s.predicted_clv,
           f.trend_direction, f.trend_slope, l.lateness,
           %2$s.churn_risk(s.p_alive, l.lateness, f.trend_direction) AS churn_risk,
           %2$s.rfm_segment(%2$s.rfm_score(pg_catalog.date_part('epoch', f.last_purchase), m.recency_breaks),
                            %2$s.rfm_score(f.frequency, m.frequency_breaks),
                            %2$s.rfm_score(COALESCE(f.monetary, 0), m.monetary_breaks)) AS rfm_segment,
           10 - pg_catalog.width_bucket(s.predicted_clv, m.clv_breaks) AS clv_decile,
           f.refreshed_at
    FROM %7$s f
    CROSS JOIN LATERAL (SELECT f.t_at_refresh
                               + pg_catalog.date_part('epoch', pg_catalog.now() - f.refreshed_at) / %8$s AS t) a
    LEFT JOIN m ON true
    CROSS JOIN LATERAL (
      SELECT %2$s.p_alive(m.model, f.frequency, f.recency, a.t) AS p_alive,
             %2$s.expected_purchases(m.model, f.frequency, f.recency, a.t, %9$s) AS expected_purchases,
             %2$s.predicted_clv(m.model, m.gamma_gamma, f.frequency, f.recency, a.t,
                                COALESCE(f.monetary, 0), %9$s, %10$s, %11$s) * %6$s AS predicted_clv) s
    CROSS JOIN LATERAL (SELECT %2$s.lateness(f.frequency, f.recency, a.t) AS lateness) l$v$,
    @extschema@.profile_object(p, ''), ext, p.model, p.id, p.customer_column, p.margin,
    @extschema@.profile_object(p, '_facts'), unit_seconds, p.horizon, p.discount_rate, step);
  EXECUTE pg_catalog.format($v$
    CREATE VIEW %1$s AS
    SELECT rfm_segment, pg_catalog.count(*) AS customers,
           pg_catalog.sum(predicted_clv) AS total_predicted_clv,
           pg_catalog.avg(predicted_clv) AS mean_predicted_clv,
           pg_catalog.avg(p_alive) AS mean_p_alive,
           pg_catalog.sum(total_spend) AS total_spend
    FROM %2$s
    GROUP BY rfm_segment$v$,
    @extschema@.profile_object(p, '_summary'), @extschema@.profile_object(p, ''));
  EXECUTE pg_catalog.format($c$
    COMMENT ON VIEW %1$s IS %2$L;
    COMMENT ON COLUMN %1$s.%3$I IS 'the customer (its identity cluster ''cluster:<id>'' when identities are resolved)';
    COMMENT ON COLUMN %1$s.orders IS 'number of transactions';
    COMMENT ON COLUMN %1$s.first_purchase IS 'time of the first transaction';
    COMMENT ON COLUMN %1$s.last_purchase IS 'time of the last transaction';
    COMMENT ON COLUMN %1$s.frequency IS 'repeat purchase periods (clv.rfm_agg)';
    COMMENT ON COLUMN %1$s.recency IS 'time from the first to the last purchase period, in the profile''s unit';
    COMMENT ON COLUMN %1$s.t IS 'age of the customer now, in the profile''s unit';
    COMMENT ON COLUMN %1$s.monetary IS 'mean value of the repeat purchase periods';
    COMMENT ON COLUMN %1$s.total_spend IS 'sum of all amounts';
    COMMENT ON COLUMN %1$s.historical_value IS 'total spend times the profile''s margin';
    COMMENT ON COLUMN %1$s.p_alive IS 'probability that the customer is still active now (latest fitted model)';
    COMMENT ON COLUMN %1$s.expected_purchases IS 'expected purchases over the profile''s horizon';
    COMMENT ON COLUMN %1$s.predicted_clv IS 'discounted predicted value over the horizon (purchase model x Gamma-Gamma spend x margin)';
    COMMENT ON COLUMN %1$s.trend_direction IS 'rising, stable, declining, lapsed or new (clv.trend_agg as of the customer''s last refresh)';
    COMMENT ON COLUMN %1$s.trend_slope IS 'OLS slope of the value per trend period';
    COMMENT ON COLUMN %1$s.lateness IS 'time since the last purchase in mean inter-purchase times (clv.lateness)';
    COMMENT ON COLUMN %1$s.churn_risk IS 'low, medium, high or churned (clv.churn_risk)';
    COMMENT ON COLUMN %1$s.rfm_segment IS 'named RFM segment from quintiles of the population at the last model fit (clv.rfm_segment)';
    COMMENT ON COLUMN %1$s.clv_decile IS '1 = the top tenth of predicted CLV at the last model fit, 10 = the bottom tenth';
    COMMENT ON COLUMN %1$s.refreshed_at IS 'when the customer''s facts were last recomputed';
    COMMENT ON VIEW %4$s IS %5$L$c$,
    @extschema@.profile_object(p, ''),
    pg_catalog.format('Customer profile %s: one row per customer of %s, time-dependent figures computed at read time (clv_ext)', p.name, p.source),
    p.customer_column,
    @extschema@.profile_object(p, '_summary'),
    pg_catalog.format('Customer profile %s by RFM segment: customers, total and mean predicted CLV, mean P(alive), total spend (clv_ext)', p.name));
END
$$;
COMMENT ON FUNCTION @extschema@.profile_build_views(@extschema@.profiles) IS
'(Re)creates the view and the summary view of a profile (internal)';

-- Change capture: statement-level triggers on the source call
-- clv.profile_capture (C, src/pg/profile_worker.cpp), which records the
-- customer keys each statement touches and wakes the worker at commit.
CREATE FUNCTION @extschema@.profile_capture()
RETURNS trigger AS 'MODULE_PATHNAME', 'clv_profile_capture'
LANGUAGE C;
COMMENT ON FUNCTION @extschema@.profile_capture() IS
'Change-capture trigger of a profile''s source (arguments: profile id, customer column): records the customer keys in the statement''s transition tables, or a full-refresh request after TRUNCATE, in clv.profile_changes as the extension''s owner, and wakes the profile worker at commit (internal)';

CREATE FUNCTION @extschema@.profile_build_capture(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
  trigger_name text := pg_catalog.format('clv_profile_%s', p.id);
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER %1$I AFTER INSERT ON %2$s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %3$s.profile_capture(%4$L, %5$L)',
    trigger_name || '_ins', p.source, ext, p.id, p.customer_column);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER %1$I AFTER UPDATE ON %2$s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %3$s.profile_capture(%4$L, %5$L)',
    trigger_name || '_upd', p.source, ext, p.id, p.customer_column);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER %1$I AFTER DELETE ON %2$s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %3$s.profile_capture(%4$L, %5$L)',
    trigger_name || '_del', p.source, ext, p.id, p.customer_column);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER %1$I AFTER TRUNCATE ON %2$s FOR EACH STATEMENT EXECUTE FUNCTION %3$s.profile_capture(%4$L, %5$L)',
    trigger_name || '_trunc', p.source, ext, p.id, p.customer_column);
END
$$;
COMMENT ON FUNCTION @extschema@.profile_build_capture(@extschema@.profiles) IS
'Creates the INSERT, UPDATE, DELETE and TRUNCATE change-capture triggers of a profile on its source (internal)';

CREATE FUNCTION @extschema@.profile_drop_capture(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no notices from DROP ... IF EXISTS
AS $$
BEGIN
  -- the source may be gone already (dropped with CASCADE)
  IF pg_catalog.to_regclass(p.source::text) IS NOT NULL THEN
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'clv_profile_' || p.id || '_ins', p.source);
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'clv_profile_' || p.id || '_upd', p.source);
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'clv_profile_' || p.id || '_del', p.source);
    EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', 'clv_profile_' || p.id || '_trunc', p.source);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_drop_capture(@extschema@.profiles) IS
'Drops the change-capture triggers of a profile (internal)';

-- Identity-graph changes regroup the customers of resolve_identity
-- profiles: new identifiers and identifiers that moved to another cluster
-- are recorded as changes, with the clusters they left; a statement moving
-- more than 10,000 identifiers asks for a full refresh instead. Runs as the
-- extension's owner: whoever ingests identities need not own the profiles.
CREATE FUNCTION @extschema@.profile_capture_identities()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[];
BEGIN
  IF NOT EXISTS (SELECT FROM @extschema@.profiles p WHERE p.resolve_identity) THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    moved := ARRAY(SELECT n.identifier::text FROM new_rows n LIMIT 10001);
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    moved := ARRAY(SELECT k FROM (
                     SELECT n.identifier::text, 'cluster:' OPERATOR(pg_catalog.||) o.cluster_id
                     FROM new_rows n JOIN old_rows o ON o.identifier OPERATOR(pg_catalog.=) n.identifier
                     WHERE o.cluster_id OPERATOR(pg_catalog.<>) n.cluster_id) c(i, l),
                     LATERAL (VALUES (c.i), (c.l)) v(k)
                   LIMIT 20001);
  ELSE
    moved := ARRAY(SELECT k FROM old_rows o, LATERAL (VALUES (o.identifier::text), ('cluster:' OPERATOR(pg_catalog.||) o.cluster_id)) v(k)
                   LIMIT 20001);
  END IF;
  IF pg_catalog.cardinality(moved) OPERATOR(pg_catalog.>) 20000
     OR (TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND pg_catalog.cardinality(moved) OPERATOR(pg_catalog.>) 10000) THEN
    INSERT INTO @extschema@.profile_changes (profile_id, customers)
    SELECT p.id, NULL FROM @extschema@.profiles p WHERE p.resolve_identity;
  ELSIF pg_catalog.cardinality(moved) OPERATOR(pg_catalog.>) 0 THEN
    INSERT INTO @extschema@.profile_changes (profile_id, customers)
    SELECT p.id, moved FROM @extschema@.profiles p WHERE p.resolve_identity;
  ELSE
    RETURN NULL;
  END IF;
  PERFORM @extschema@.profile_wake();
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_capture_identities() IS
'Change capture on clv.identity_nodes for the profiles that resolve identities: new and moved identifiers and the clusters they left (internal)';
CREATE TRIGGER profile_capture_ins AFTER INSERT ON @extschema@.identity_nodes
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE TRIGGER profile_capture_upd AFTER UPDATE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE TRIGGER profile_capture_del AFTER DELETE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();

-- Checks a profile definition against its source; returns the profile with
-- defaults filled in. Errors name the offending argument.
CREATE FUNCTION @extschema@.profile_validate(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  col record;
  needed name[] := ARRAY[p.customer_column, p.ts_column, p.amount_column];
BEGIN
  IF p.name IS NULL OR p.name !~ '^[a-z_][a-z0-9_]{0,39}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = pg_catalog.format('invalid profile name %L', p.name),
      HINT = 'A profile name is 1 to 40 lower-case letters, digits or underscores, not starting with a digit.';
  END IF;
  IF p.source IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'source must not be NULL';
  END IF;
  IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source) NOT IN ('r', 'p') THEN
    RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = pg_catalog.format('source %s is not a table', p.source),
      HINT = 'Change capture needs triggers: the source must be a table.';
  END IF;
  IF p.customer_column IS NULL OR p.ts_column IS NULL OR p.amount_column IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'customer_column, ts_column and amount_column must not be NULL';
  END IF;
  FOR i IN 1..3 LOOP
    SELECT a.attname, a.atttypid, t.typcategory INTO col
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) a.atttypid
    WHERE a.attrelid OPERATOR(pg_catalog.=) p.source AND a.attname OPERATOR(pg_catalog.=) needed[i]
      AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = '42703',
        MESSAGE = pg_catalog.format('column "%s" of %s does not exist', needed[i], p.source);
    END IF;
    IF NOT pg_catalog.has_column_privilege(p.source, needed[i], 'SELECT') THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = pg_catalog.format('permission denied to read column "%s" of %s', needed[i], p.source),
        HINT = 'A profile is refreshed with its owner''s privileges: the owner must be able to read the source.';
    END IF;
    -- built-in types only: the capture trigger casts keys to text as the profile's owner
    IF i OPERATOR(pg_catalog.=) 1 AND NOT ((col.typcategory OPERATOR(pg_catalog.=) ANY ('{N,S}') OR col.atttypid OPERATOR(pg_catalog.=) 'uuid'::regtype)
                                           AND col.atttypid OPERATOR(pg_catalog.<) 16384) THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = pg_catalog.format('customer column "%s" has type %s', needed[i], col.atttypid::regtype),
        HINT = 'The customer key must be of a built-in number or string type, or uuid.';
    END IF;
    IF i OPERATOR(pg_catalog.=) 1 AND p.resolve_identity AND col.typcategory OPERATOR(pg_catalog.<>) 'S' THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = pg_catalog.format('customer column "%s" has type %s, but resolve_identity needs text identifiers', needed[i], col.atttypid::regtype),
        HINT = 'The customer column''s values are looked up in clv.identity_nodes(identifier).';
    END IF;
    IF i OPERATOR(pg_catalog.=) 2 AND col.atttypid OPERATOR(pg_catalog.<>) ALL ('{timestamptz,timestamp,date}'::regtype[]) THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = pg_catalog.format('timestamp column "%s" has type %s', needed[i], col.atttypid::regtype),
        HINT = 'Use a timestamptz, timestamp or date column.';
    END IF;
    IF i OPERATOR(pg_catalog.=) 3 AND col.typcategory OPERATOR(pg_catalog.<>) 'N' THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = pg_catalog.format('amount column "%s" has type %s', needed[i], col.atttypid::regtype),
        HINT = 'Use a numeric column.';
    END IF;
  END LOOP;
  IF p.target_schema IS NULL OR NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema) THEN
    RAISE EXCEPTION USING ERRCODE = '3F000', MESSAGE = pg_catalog.format('target schema "%s" does not exist', p.target_schema);
  END IF;
  IF p.unit IS NULL OR p.unit OPERATOR(pg_catalog.<) '1 second' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unit must be at least 1 second, got %s', p.unit);
  END IF;
  IF p.trend_period IS NULL OR p.trend_period OPERATOR(pg_catalog.<) '1 second' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('trend_period must be at least 1 second, got %s', p.trend_period);
  END IF;
  IF p.model IS NULL OR p.model OPERATOR(pg_catalog.<>) ALL ('{bgnbd,mbgnbd,pareto_nbd}') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unknown model %L', p.model),
      HINT = 'Use bgnbd, mbgnbd or pareto_nbd.';
  END IF;
  IF NOT (p.horizon OPERATOR(pg_catalog.>) 0 AND p.horizon OPERATOR(pg_catalog.<) 'infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('horizon must be positive and finite, got %s', p.horizon);
  END IF;
  IF NOT (p.discount_rate OPERATOR(pg_catalog.>=) 0 AND p.discount_rate OPERATOR(pg_catalog.<) 'infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('discount_rate must be non-negative and finite, got %s', p.discount_rate);
  END IF;
  IF NOT (p.discount_steps OPERATOR(pg_catalog.>) 0 AND p.discount_steps OPERATOR(pg_catalog.<=) 10000) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('discount_steps must be between 1 and 10000, got %s', p.discount_steps);
  END IF;
  IF NOT (p.margin OPERATOR(pg_catalog.>=) 0 AND p.margin OPERATOR(pg_catalog.<) 'infinity') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('margin must be non-negative and finite, got %s', p.margin);
  END IF;
  IF p.refresh_interval IS NULL OR p.refresh_interval OPERATOR(pg_catalog.<) '0' OR p.refit_interval IS NULL OR p.refit_interval OPERATOR(pg_catalog.<) '0' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'refresh_interval and refit_interval must not be negative';
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_validate(@extschema@.profiles) IS
'Checks a profile definition: name, source table and columns, the caller''s right to read them, settings (internal)';

--------------------------------------------------------------------------
-- Refresh
--------------------------------------------------------------------------

-- Fits the profile's models on its facts as of now and records them;
-- returns the error of a failed fit (NULL on success).
CREATE FUNCTION @extschema@.profile_refit(p @extschema@.profiles)
RETURNS text LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
  started timestamptz := pg_catalog.clock_timestamp();
  unit_seconds double precision := pg_catalog.date_part('epoch', p.unit);
  fitted bigint;
  message text;
  detail text;
BEGIN
  EXECUTE pg_catalog.format($q$
    WITH f AS (
      SELECT frequency::double precision AS x, recency,
             t_at_refresh + pg_catalog.date_part('epoch', pg_catalog.now() - refreshed_at) / %1$s AS t,
             monetary, last_purchase
      FROM %2$s),
    m AS (
      SELECT %3$s.%4$I_fit(x, recency, t) AS model, %3$s.gamma_gamma_fit(x, monetary) AS gg,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY pg_catalog.date_part('epoch', last_purchase)) AS rb,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY x) AS fb,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY COALESCE(monetary, 0)) AS mb
      FROM f)
    INSERT INTO %3$s.profile_models (profile_id, fitted_at, fit_duration, %4$I, gamma_gamma,
                                     recency_breaks, frequency_breaks, monetary_breaks, clv_breaks)
    SELECT $1, pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp() - $2, m.model, m.gg, m.rb, m.fb, m.mb,
           (SELECT pg_catalog.percentile_cont('{0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}'::double precision[])
                     WITHIN GROUP (ORDER BY %3$s.predicted_clv(m.model, m.gg, f.x, f.recency, f.t, COALESCE(f.monetary, 0), %5$s, %6$s, %7$s))
            FROM f)
    FROM m WHERE m.model IS NOT NULL$q$,
    unit_seconds, @extschema@.profile_object(p, '_facts'), ext, p.model,
    p.horizon, p.discount_rate, p.horizon / p.discount_steps)
  USING p.id, started;
  GET DIAGNOSTICS fitted = ROW_COUNT;
  IF fitted OPERATOR(pg_catalog.=) 0 THEN
    RETURN 'no customers to fit the model on';
  END IF;
  RETURN NULL;
EXCEPTION WHEN data_exception THEN
  GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, detail = PG_EXCEPTION_HINT;
  RETURN message || CASE WHEN detail <> '' THEN ' (' || detail || ')' ELSE '' END;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_refit(@extschema@.profiles) IS
'Fits a profile''s purchase and spend models on its facts as of now and records them in clv.profile_models; returns the error of a fit the data cannot support, NULL on success (internal)';

-- One refresh of a profile: takes in the pending changes (all of them in a
-- full refresh), recomputes the touched customers from their full history,
-- refits the models when due. Runs with the caller's privileges: the worker
-- and clv.refresh_profile call it as the profile's owner.
CREATE FUNCTION @extschema@.profile_refresh_step(profile_id integer, full_refresh boolean,
                                                 OUT mode text, OUT customers bigint, OUT refit boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
  ext text := @extschema@.profile_ext_schema();
  facts text;
  keys text[];
  full_marker boolean;
  as_of timestamptz := pg_catalog.now();
  fit_error text;
  removed bigint;
  profile_name text;
BEGIN
  SELECT pr.name INTO profile_name FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) profile_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile %s does not exist', profile_id);
  END IF;
  p := @extschema@.profile_lock(profile_name);
  facts := @extschema@.profile_object(p, '_facts');
  -- a due refit recomputes every customer first (trends as of now)
  refit := p.last_fit_at IS NULL OR p.last_fit_at OPERATOR(pg_catalog.+) p.refit_interval OPERATOR(pg_catalog.<=) as_of;

  -- Take in the changes committed so far; later ones stay for the next run.
  WITH taken AS (
    DELETE FROM @extschema@.profile_changes c WHERE c.profile_id OPERATOR(pg_catalog.=) p.id RETURNING c.customers)
  SELECT pg_catalog.array_agg(DISTINCT k.customer) FILTER (WHERE k.customer IS NOT NULL),
         pg_catalog.bool_or(t.customers IS NULL)
  INTO keys, full_marker
  FROM taken t LEFT JOIN LATERAL pg_catalog.unnest(t.customers) k(customer) ON true;

  IF full_refresh OR COALESCE(full_marker, false) OR refit OR p.last_end IS NULL THEN
    mode := 'full';
    -- Readers keep seeing the previous version until commit, never blocked.
    EXECUTE pg_catalog.format('DELETE FROM %s', facts);
    EXECUTE pg_catalog.format('INSERT INTO %s %s', facts, @extschema@.profile_facts_query(p, false)) USING as_of;
    GET DIAGNOSTICS customers = ROW_COUNT;
    refit := true;
  ELSIF keys IS NOT NULL THEN
    mode := 'incremental';
    IF p.resolve_identity THEN
      -- an identifier's rows go to its cluster's key now, and leave the
      -- key they had (the identifier itself, or a cluster recorded as
      -- changed by the identity-graph trigger)
      keys := ARRAY(SELECT k FROM pg_catalog.unnest(keys) k
                    UNION
                    SELECT 'cluster:' OPERATOR(pg_catalog.||) n.cluster_id
                    FROM pg_catalog.unnest(keys) k
                    JOIN @extschema@.identity_nodes n ON n.identifier OPERATOR(pg_catalog.=) (k COLLATE "C"));
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM %s f WHERE f.%I OPERATOR(pg_catalog.=) ANY ($1::%s[])',
                              facts, p.customer_column, @extschema@.profile_key_type(p))
      USING keys;
    GET DIAGNOSTICS removed = ROW_COUNT;
    EXECUTE pg_catalog.format('INSERT INTO %s %s', facts, @extschema@.profile_facts_query(p, true)) USING as_of, keys;
    GET DIAGNOSTICS customers = ROW_COUNT;
    -- customers whose transactions were all deleted
    customers := GREATEST(customers, removed);
    -- a fit that failed for lack of data is retried when data arrives
    refit := p.last_fit_error IS NOT NULL;
  ELSE
    mode := 'none';
    customers := 0;
  END IF;

  IF refit THEN
    fit_error := @extschema@.profile_refit(p);
  END IF;

  UPDATE @extschema@.profiles pr
  SET last_end = pg_catalog.clock_timestamp(), last_mode = mode, last_rows = customers,
      failures = 0, last_error = NULL,
      next_run = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) pr.refresh_interval,
      last_fit_at = CASE WHEN refit THEN as_of ELSE pr.last_fit_at END,
      last_fit_error = CASE WHEN refit THEN fit_error ELSE pr.last_fit_error END
  WHERE pr.id OPERATOR(pg_catalog.=) p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_refresh_step(integer, boolean) IS
'One refresh of a profile with the caller''s privileges: takes in its pending changes, recomputes the touched customers (everyone when full, after a TRUNCATE, an identity merge or split, or when a refit is due), refits the models when due (internal: use clv.refresh_profile)';

-- Recorded before a refresh runs, so that a crash leaves evidence.
CREATE FUNCTION @extschema@.profile_mark_started(profile_id integer)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE @extschema@.profiles SET last_start = pg_catalog.clock_timestamp()
  WHERE id OPERATOR(pg_catalog.=) profile_id
$$;
COMMENT ON FUNCTION @extschema@.profile_mark_started(integer) IS
'Records the start of a profile refresh (internal)';

CREATE FUNCTION @extschema@.profile_mark_failed(profile_id integer, message text)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE @extschema@.profiles
  SET last_error = message, last_error_at = pg_catalog.clock_timestamp(), failures = failures OPERATOR(pg_catalog.+) 1,
      next_run = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)
                 LEAST(GREATEST(refresh_interval, '1 second') OPERATOR(pg_catalog.*) pg_catalog.power(2, LEAST(failures, 12)), '1 hour')
  WHERE id OPERATOR(pg_catalog.=) profile_id
$$;
COMMENT ON FUNCTION @extschema@.profile_mark_failed(integer, text) IS
'Records a failed profile refresh and backs off: the next try after refresh_interval * 2^failures, at most an hour (internal)';

-- What the worker of a database refreshes now: enabled profiles that are due
-- by time, or have pending changes and are not backing off after a failure.
CREATE FUNCTION @extschema@.profiles_due()
RETURNS SETOF integer LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p.id FROM @extschema@.profiles p
  WHERE p.enabled
    AND (p.next_run OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp()
         OR (p.failures OPERATOR(pg_catalog.=) 0
             AND EXISTS (SELECT FROM @extschema@.profile_changes c WHERE c.profile_id OPERATOR(pg_catalog.=) p.id)))
  ORDER BY p.next_run, p.id
$$;
COMMENT ON FUNCTION @extschema@.profiles_due() IS
'Profiles the background worker refreshes now: enabled, and due by time or with pending changes while not backing off (internal)';

CREATE FUNCTION @extschema@.refresh_profile_as_owner(profile_id integer, full_refresh boolean,
                                                     OUT mode text, OUT customers bigint, OUT refit boolean)
AS 'MODULE_PATHNAME', 'clv_refresh_profile_as_owner'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.refresh_profile_as_owner(integer, boolean) IS
'Runs clv.profile_refresh_step as the profile''s owner (the caller must have the owner''s privileges), in a security-restricted operation with a safe search_path and parallel query off; the background worker runs the same function (internal: use clv.refresh_profile)';

--------------------------------------------------------------------------
-- Public API
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@.create_profile(
    name text, source regclass, customer_column name, ts_column name, amount_column name,
    unit interval DEFAULT '1 day',
    model text DEFAULT 'bgnbd',
    horizon double precision DEFAULT NULL,
    discount_rate double precision DEFAULT 0.01,
    refresh_interval interval DEFAULT '10 seconds',
    refit_interval interval DEFAULT '1 day',
    resolve_identity boolean DEFAULT false,
    target_schema name DEFAULT 'clv_profiles',
    discount_steps integer DEFAULT 12,
    margin double precision DEFAULT 1,
    trend_period interval DEFAULT '30 days',
    create_index boolean DEFAULT true)
RETURNS regclass LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
  key_type text;
  index_exists boolean;
BEGIN
  p.name := name; p.source := source; p.customer_column := customer_column;
  p.ts_column := ts_column; p.amount_column := amount_column; p.unit := unit; p.model := model;
  -- default horizon: one year in the profile's unit
  p.horizon := COALESCE(horizon, pg_catalog.date_part('epoch', interval '365 days')
                                 / NULLIF(pg_catalog.date_part('epoch', unit), 0));
  p.discount_rate := discount_rate; p.refresh_interval := refresh_interval;
  p.refit_interval := refit_interval; p.resolve_identity := COALESCE(resolve_identity, false);
  p.target_schema := target_schema; p.discount_steps := discount_steps; p.margin := margin;
  p.trend_period := trend_period;
  PERFORM @extschema@.profile_validate(p);
  IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
             WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema
               AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY[p.name, p.name || '_facts', p.name || '_summary'])) THEN
    RAISE EXCEPTION USING ERRCODE = '42P07',
      MESSAGE = pg_catalog.format('relation %s.%s (or its _facts or _summary) already exists', p.target_schema, p.name);
  END IF;

  INSERT INTO @extschema@.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model,
                                    horizon, discount_rate, discount_steps, margin, trend_period,
                                    refresh_interval, refit_interval, resolve_identity, target_schema)
  VALUES (p.name, current_user::regrole, p.source, p.customer_column, p.ts_column, p.amount_column, p.unit,
          p.model, p.horizon, p.discount_rate, p.discount_steps, p.margin, p.trend_period,
          p.refresh_interval, p.refit_interval, p.resolve_identity, p.target_schema)
  RETURNING * INTO p;

  key_type := @extschema@.profile_key_type(p);
  EXECUTE pg_catalog.format($t$
    CREATE TABLE %1$s (
      %2$I %3$s PRIMARY KEY,
      orders bigint NOT NULL,
      first_purchase timestamptz NOT NULL,
      last_purchase timestamptz NOT NULL,
      frequency integer NOT NULL,
      recency double precision NOT NULL,
      t_at_refresh double precision NOT NULL,
      monetary double precision,
      total_spend double precision NOT NULL,
      trend_direction text,
      trend_slope double precision,
      trend_relative_slope double precision,
      refreshed_at timestamptz NOT NULL)$t$,
    @extschema@.profile_object(p, '_facts'), p.customer_column, key_type);
  EXECUTE pg_catalog.format(
    'COMMENT ON TABLE %s IS %L', @extschema@.profile_object(p, '_facts'),
    pg_catalog.format('Stored facts of customer profile %s (clv_ext): the time-invariant RFM figures and the value trend of each customer as of refreshed_at; read the view %s', p.name, @extschema@.profile_object(p, '')));
  PERFORM @extschema@.profile_build_views(p);
  PERFORM @extschema@.profile_build_capture(p);

  -- Incremental refresh reads a customer's history by key.
  SELECT EXISTS (
    SELECT FROM pg_catalog.pg_index i
    WHERE i.indrelid OPERATOR(pg_catalog.=) p.source
      AND i.indkey[0] OPERATOR(pg_catalog.=) (SELECT a.attnum FROM pg_catalog.pg_attribute a
                                              WHERE a.attrelid OPERATOR(pg_catalog.=) p.source
                                                AND a.attname OPERATOR(pg_catalog.=) p.customer_column))
  INTO index_exists;
  IF NOT index_exists THEN
    IF create_index AND pg_catalog.has_schema_privilege(
         (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source), 'CREATE') THEN
      EXECUTE pg_catalog.format('CREATE INDEX ON %s (%I, %I)', p.source, p.customer_column, p.ts_column);
      RAISE NOTICE 'created an index on % (%, %) for incremental refresh', p.source, p.customer_column, p.ts_column;
    ELSE
      RAISE NOTICE 'no index on % starts with %; incremental refresh will scan the table', p.source, p.customer_column
        USING HINT = pg_catalog.format('CREATE INDEX ON %s (%I, %I)', p.source, p.customer_column, p.ts_column);
    END IF;
  END IF;
  PERFORM @extschema@.profile_wake();
  RETURN @extschema@.profile_object(p, '')::regclass;
END
$$;
COMMENT ON FUNCTION @extschema@.create_profile(text, regclass, name, name, name, interval, text, double precision, double precision, interval, interval, boolean, name, integer, double precision, interval, boolean) IS
'Registers a customer profile over a transactions table: creates <target_schema>.<name> (view, one row per customer), <name>_facts and <name>_summary, change-capture triggers on the source and (create_index) an index on (customer, ts); the background worker fills and refreshes it, or call clv.refresh_profile. unit: time unit of recency, t and horizon; model: bgnbd, mbgnbd or pareto_nbd; horizon in units (default: 365 days); discount_rate per step of horizon/discount_steps; margin multiplies spend into value; refresh_interval: most time between refreshes without new changes; refit_interval: model refit (and full refresh) period; resolve_identity: one row per identity cluster of clv.identity_nodes';

CREATE FUNCTION @extschema@.alter_profile(
    name text,
    unit interval DEFAULT NULL,
    model text DEFAULT NULL,
    horizon double precision DEFAULT NULL,
    discount_rate double precision DEFAULT NULL,
    refresh_interval interval DEFAULT NULL,
    refit_interval interval DEFAULT NULL,
    discount_steps integer DEFAULT NULL,
    margin double precision DEFAULT NULL,
    trend_period interval DEFAULT NULL,
    enabled boolean DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  previous @extschema@.profiles := @extschema@.profile_lock(name);
  p @extschema@.profiles := previous;
BEGIN
  p.unit := COALESCE(unit, p.unit); p.model := COALESCE(model, p.model);
  p.horizon := COALESCE(horizon, p.horizon); p.discount_rate := COALESCE(discount_rate, p.discount_rate);
  p.refresh_interval := COALESCE(refresh_interval, p.refresh_interval);
  p.refit_interval := COALESCE(refit_interval, p.refit_interval);
  p.discount_steps := COALESCE(discount_steps, p.discount_steps); p.margin := COALESCE(margin, p.margin);
  p.trend_period := COALESCE(trend_period, p.trend_period); p.enabled := COALESCE(enabled, p.enabled);
  PERFORM @extschema@.profile_validate(p);
  UPDATE @extschema@.profiles pr
  SET unit = p.unit, model = p.model, horizon = p.horizon, discount_rate = p.discount_rate,
      refresh_interval = p.refresh_interval, refit_interval = p.refit_interval,
      discount_steps = p.discount_steps, margin = p.margin, trend_period = p.trend_period,
      enabled = p.enabled, failures = 0, next_run = pg_catalog.now(),
      -- facts in another unit or trend period, or another model: rebuild all
      last_fit_at = CASE WHEN (p.unit, p.model, p.trend_period) IS DISTINCT FROM (previous.unit, previous.model, previous.trend_period)
                         THEN NULL ELSE pr.last_fit_at END
  WHERE pr.id OPERATOR(pg_catalog.=) p.id;
  PERFORM @extschema@.profile_build_views(p);
  PERFORM @extschema@.profile_wake();
END
$$;
COMMENT ON FUNCTION @extschema@.alter_profile(text, interval, text, double precision, double precision, interval, interval, integer, double precision, interval, boolean) IS
'Changes a profile''s settings (NULL keeps a setting); enabled = false stops its background refresh. A new unit, model or trend period makes the next refresh a full one with a refit';

CREATE FUNCTION @extschema@.drop_profile(name text)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no notices from DROP ... IF EXISTS
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_lock(name);
BEGIN
  PERFORM @extschema@.profile_drop_capture(p);
  EXECUTE pg_catalog.format('DROP VIEW IF EXISTS %s, %s', @extschema@.profile_object(p, '_summary'), @extschema@.profile_object(p, ''));
  EXECUTE pg_catalog.format('DROP TABLE IF EXISTS %s', @extschema@.profile_object(p, '_facts'));
  DELETE FROM @extschema@.profile_changes c WHERE c.profile_id OPERATOR(pg_catalog.=) p.id;
  DELETE FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_profile(text) IS
'Drops a profile: its views, facts table, change-capture triggers, model history and registration; waits for a refresh of it in progress';

CREATE FUNCTION @extschema@.refresh_profile(name text, full_refresh boolean DEFAULT false,
                                            OUT mode text, OUT customers bigint, OUT refit boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_lock(name);
BEGIN
  PERFORM @extschema@.profile_mark_started(p.id);
  SELECT r.mode, r.customers, r.refit INTO mode, customers, refit
  FROM @extschema@.refresh_profile_as_owner(p.id, COALESCE(full_refresh, false)) r;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_profile(text, boolean) IS
'Refreshes a profile now, in the calling transaction, the way the background worker does (as the profile''s owner): mode = full, incremental or none, customers recomputed, refit = whether the models were refitted. full_refresh recomputes every customer and refits';

CREATE VIEW @extschema@.profile_status AS
SELECT p.name AS profile, p.owner, p.enabled, p.last_start, p.last_end,
       CASE WHEN p.last_end OPERATOR(pg_catalog.>=) p.last_start THEN p.last_end OPERATOR(pg_catalog.-) p.last_start END AS duration,
       p.last_mode, p.last_rows AS rows_changed,
       c.pending AS pending_changes, c.full_pending AS full_refresh_pending,
       pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) c.oldest AS lag,
       p.last_fit_at, p.last_fit_error,
       p.last_error, p.last_error_at, p.failures,
       p.next_run,
       p.last_start IS NOT NULL AND (p.last_end IS NULL OR p.last_end OPERATOR(pg_catalog.<) p.last_start)
         AND (p.last_error_at IS NULL OR p.last_error_at OPERATOR(pg_catalog.<) p.last_start) AS running_or_interrupted
FROM @extschema@.profiles p
LEFT JOIN LATERAL (SELECT COALESCE(pg_catalog.sum(pg_catalog.cardinality(ch.customers)), 0) AS pending,
                          COALESCE(pg_catalog.bool_or(ch.customers IS NULL), false) AS full_pending,
                          pg_catalog.min(ch.changed_at) AS oldest
                   FROM @extschema@.profile_changes ch WHERE ch.profile_id OPERATOR(pg_catalog.=) p.id) c ON true;
COMMENT ON VIEW @extschema@.profile_status IS
'One row per profile the current role may see: last refresh start and end, duration, mode and customers recomputed, pending changes (customer keys waiting, with repeats), whether a full refresh is pending, lag (age of the oldest pending change), last model fit and its error, last refresh error, consecutive failures, next timed run; running_or_interrupted: started but neither finished nor failed (running now, or the server crashed during it)';
GRANT SELECT ON @extschema@.profile_status TO PUBLIC;
