-- clv_ext install script, assembled by the Makefile from extension/install/*.sql
-- (once-only DDL) and extension/functions/*.sql (idempotent).
\echo Use "CREATE EXTENSION clv_ext" to load this file. \quit

-- Every role may use the analytic functions; tables and internal functions
-- carry their own privileges.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- The schema must be the installer's own and empty (CREATE EXTENSION creates
-- it; a schema someone else prepared could hold objects planted to shadow
-- ours).
DO $guard$
DECLARE
  schema_oid oid := (SELECT n.oid FROM pg_catalog.pg_namespace n
                     WHERE n.nspname OPERATOR(pg_catalog.=) pg_catalog.current_schema());
BEGIN
  IF (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.oid OPERATOR(pg_catalog.=) schema_oid)
       OPERATOR(pg_catalog.<>) (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
     OR EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) schema_oid)
     OR EXISTS (SELECT FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) schema_oid) THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = pg_catalog.format('schema %s is not an empty schema of the installing role', pg_catalog.current_schema()),
      HINT = 'Drop the schema (or let CREATE EXTENSION create it) and install again.';
  END IF;
END
$guard$;
-- Composite types of the rfm functions (once-only DDL; the functions are in
-- functions/10_rfm.sql).

CREATE TYPE @extschema@.rfm AS (
    frequency    integer,
    recency      double precision,
    t            double precision,
    monetary     double precision,
    n_orders     bigint,
    total_amount double precision,
    first_ts     timestamptz,
    last_ts      timestamptz
);
COMMENT ON TYPE @extschema@.rfm IS
'RFM summary of one customer (clv.rfm_agg): frequency = repeat purchase periods, recency and t (age) in the chosen unit from the start of the first purchase period, monetary = mean value of the repeat purchase periods, order count, total amount, first and last purchase time';

CREATE TYPE @extschema@.rfm_holdout AS (
    frequency         integer,
    recency           double precision,
    t                 double precision,
    monetary          double precision,
    n_orders          bigint,
    total_amount      double precision,
    first_ts          timestamptz,
    last_ts           timestamptz,
    frequency_holdout integer,
    monetary_holdout  double precision,
    duration_holdout  double precision
);
COMMENT ON TYPE @extschema@.rfm_holdout IS
'Calibration RFM summary (fields as clv.rfm, up to calibration_end) plus the purchase periods, their mean value and the length of the holdout window (calibration_end, observation_end], for model validation';
-- Composite types of the models functions (once-only DDL; the functions are in
-- functions/20_models.sql).

CREATE TYPE @extschema@.bgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.bgnbd IS
'BG/NBD model (Fader, Hardie & Lee 2005): purchase rate ~ Gamma(r, alpha), dropout after each repeat purchase ~ Beta(a, b); alpha is in the unit of the fitted recency and t; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.mbgnbd AS (
    r              double precision,
    alpha          double precision,
    a              double precision,
    b              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.mbgnbd IS
'MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, with a possible dropout right after the first purchase too; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.pareto_nbd AS (
    r              double precision,
    alpha          double precision,
    s              double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.pareto_nbd IS
'Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchase rate ~ Gamma(r, alpha), dropout rate ~ Gamma(s, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.gamma_gamma AS (
    p              double precision,
    q              double precision,
    v              double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.gamma_gamma IS
'Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): mean transaction value of repeat purchases; log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';

CREATE TYPE @extschema@.sbg AS (
    alpha          double precision,
    beta           double precision,
    log_likelihood double precision,
    n_customers    bigint,
    converged      boolean,
    iterations     integer
);
COMMENT ON TYPE @extschema@.sbg IS
'Shifted-beta-geometric contractual retention model (Fader & Hardie 2007): churn probability ~ Beta(alpha, beta); log_likelihood of the fit, n_customers fitted on, converged, iterations = objective evaluations';
-- Composite types of the trend functions (once-only DDL; the functions are in
-- functions/30_trend.sql).

CREATE TYPE @extschema@.trend AS (
    periods        integer,
    slope          double precision,
    relative_slope double precision,
    r_squared      double precision,
    recent_mean    double precision,
    previous_mean  double precision,
    change_point   integer,
    direction      text
);
COMMENT ON TYPE @extschema@.trend IS
'Value trend of one customer (clv.trend_agg): periods from the first purchase period to as_of''s, OLS slope of the per-period value (empty periods count 0), slope relative to the mean per-period value, r_squared, mean of the last 3 periods and of the 3 before, change_point (0-based period offset of a significant break, sup-F test at 5%), direction: rising, stable, declining, lapsed (no purchase in the last 3 periods) or new (fewer than 6 periods)';
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
-- Materialized customer profiles: a registry of profile definitions, change
-- capture on their sources, full and incremental refresh, model refits, and
-- the views BI tools read. The background worker (src/pg/profiles)
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
'Customer profiles maintained by clv_ext: per profile a view <name> (one row per customer), <name>_facts (the stored facts), <name>_model (the current model) and <name>_summary (per RFM segment)';
GRANT USAGE ON SCHEMA clv_profiles TO PUBLIC;

CREATE SEQUENCE @extschema@.profile_id_seq AS integer;
COMMENT ON SEQUENCE @extschema@.profile_id_seq IS 'ids of clv.profiles';

CREATE TABLE @extschema@.profiles (
    id integer PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.profile_id_seq'),
    name text NOT NULL CHECK (name OPERATOR(pg_catalog.~) '^[a-z_][a-z0-9_]{0,39}$'),
    owner regrole NOT NULL,
    source regclass NOT NULL,
    customer_column name NOT NULL,
    ts_column name NOT NULL,
    amount_column name NOT NULL,
    unit interval NOT NULL CHECK (unit OPERATOR(pg_catalog.>=) '1 second' AND unit OPERATOR(pg_catalog.<=) '366 days'),
    model text NOT NULL CHECK (model OPERATOR(pg_catalog.=) ANY ('{bgnbd,mbgnbd,pareto_nbd}')),
    horizon double precision NOT NULL CHECK (horizon OPERATOR(pg_catalog.>) 0 AND horizon OPERATOR(pg_catalog.<=) 1e6),
    discount_rate double precision NOT NULL CHECK (discount_rate OPERATOR(pg_catalog.>=) 0 AND discount_rate OPERATOR(pg_catalog.<) 'infinity'),
    discount_steps integer NOT NULL CHECK (discount_steps OPERATOR(pg_catalog.>) 0 AND discount_steps OPERATOR(pg_catalog.<=) 10000),
    margin double precision NOT NULL CHECK (margin OPERATOR(pg_catalog.>=) 0 AND margin OPERATOR(pg_catalog.<) 'infinity'),
    trend_period interval NOT NULL CHECK (trend_period OPERATOR(pg_catalog.>=) '1 second' AND trend_period OPERATOR(pg_catalog.<=) '3660 days'),
    refresh_interval interval NOT NULL CHECK (refresh_interval OPERATOR(pg_catalog.>=) '0' AND refresh_interval OPERATOR(pg_catalog.<=) '366 days'),
    refit_interval interval NOT NULL CHECK (refit_interval OPERATOR(pg_catalog.>=) '0' AND refit_interval OPERATOR(pg_catalog.<=) '3660 days'),
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
    failures integer NOT NULL DEFAULT 0 CHECK (failures OPERATOR(pg_catalog.>=) 0),
    next_run timestamptz NOT NULL DEFAULT pg_catalog.now(),
    last_fit_at timestamptz,
    last_fit_error text,
    source_dropped text,
    UNIQUE (owner, name)
);
COMMENT ON TABLE @extschema@.profiles IS
'Registered customer profiles (clv.create_profile) and their refresh state; each role sees only the profiles of roles it has the privileges of; written only by the extension''s functions';
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
COMMENT ON COLUMN @extschema@.profiles.source_dropped IS 'name of the source table when it was dropped (the profile is disabled); NULL while it exists';
COMMENT ON COLUMN @extschema@.profiles.last_fit_error IS 'why the last model fit failed (data that cannot identify the model); NULL after a successful one';

-- Customers touched in the sources since the last refresh: one row per
-- writing statement, written by the capture trigger straight into the heap
-- (src/pg/profiles). Hence no index (the table holds only what is
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

-- Row-level security: the registry is shared by all roles, each sees the
-- rows of the profiles of roles it has the privileges of. Only the extension
-- writes the registry (clv.create_profile, alter_profile, drop_profile and
-- the refresh, through clv.profile_*_privileged); a profile's owner removes
-- the changes a refresh takes in and records the models it fits.
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
GRANT SELECT ON @extschema@.profiles TO PUBLIC;
GRANT SELECT, DELETE ON @extschema@.profile_changes TO PUBLIC;
GRANT SELECT, INSERT ON @extschema@.profile_models TO PUBLIC;
REVOKE ALL ON SEQUENCE @extschema@.profile_id_seq FROM PUBLIC;  -- (an explicit ACL, as after 0.2.0)

-- Profile definitions and fitted models are user data: pg_dump keeps them.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_models', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profile_changes', '');
-- RFM summaries and closed-form CLV (src/pg/rfm).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the types are in install/10_rfm_types.sql.

-- Transition functions read the session TimeZone (purchase periods follow
-- local calendar days), hence STABLE.
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_finalfn(internal)
RETURNS @extschema@.rfm AS 'MODULE_PATHNAME', 'clv_rfm_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, double precision, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_transfn(internal, timestamptz, numeric, timestamptz, interval, interval) IS 'transition function of clv.rfm_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_combinefn(internal, internal) IS 'combines partial clv.rfm_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_serialfn(internal) IS 'serializes a clv.rfm_agg state (versioned, architecture-independent)';
COMMENT ON FUNCTION @extschema@.rfm_deserialfn(bytea, internal) IS 'deserializes and validates a clv.rfm_agg state';
COMMENT ON FUNCTION @extschema@.rfm_finalfn(internal) IS 'final function of clv.rfm_agg';

-- SSPACE: bytes per group the planner should expect for hash aggregation
-- (the state with room for a few purchase periods), instead of the 8 kB it
-- assumes for internal states.
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount double precision, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_agg(ts timestamptz, amount numeric, as_of timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_transfn, STYPE = internal, SSPACE = 320,
    FINALFUNC = @extschema@.rfm_finalfn,
    COMBINEFUNC = @extschema@.rfm_combinefn,
    SERIALFUNC = @extschema@.rfm_serialfn, DESERIALFUNC = @extschema@.rfm_deserialfn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, in days, with one-day purchase periods; NULL for a group with no such transaction';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz, interval) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, recency and t expressed in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, double precision, timestamptz, interval, interval) IS
'RFM summary (clv.rfm) of the transactions at or before as_of, recency and t in unit, purchases bucketed into periods of the given length (local calendar days for whole days)';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz) IS
'RFM summary (clv.rfm) of numeric amounts, in days, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz, interval) IS
'RFM summary (clv.rfm) of numeric amounts, recency and t in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_agg(timestamptz, numeric, timestamptz, interval, interval) IS
'RFM summary (clv.rfm) of numeric amounts, recency and t in unit, purchase periods of the given length';

CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_holdout_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_holdout_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION @extschema@.rfm_holdout_finalfn(internal)
RETURNS @extschema@.rfm_holdout AS 'MODULE_PATHNAME', 'clv_rfm_holdout_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_transfn(internal, timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS 'transition function of clv.rfm_holdout_agg (numeric amounts)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_combinefn(internal, internal) IS 'combines partial clv.rfm_holdout_agg states (parallel query)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_serialfn(internal) IS 'serializes a clv.rfm_holdout_agg state (versioned, architecture-independent)';
COMMENT ON FUNCTION @extschema@.rfm_holdout_deserialfn(bytea, internal) IS 'deserializes and validates a clv.rfm_holdout_agg state';
COMMENT ON FUNCTION @extschema@.rfm_holdout_finalfn(internal) IS 'final function of clv.rfm_holdout_agg';

CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount double precision, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.rfm_holdout_agg(ts timestamptz, amount numeric, calibration_end timestamptz, observation_end timestamptz, unit interval, period interval) (
    SFUNC = @extschema@.rfm_holdout_transfn, STYPE = internal, SSPACE = 400,
    FINALFUNC = @extschema@.rfm_holdout_finalfn,
    COMBINEFUNC = @extschema@.rfm_holdout_combinefn,
    SERIALFUNC = @extschema@.rfm_holdout_serialfn, DESERIALFUNC = @extschema@.rfm_holdout_deserialfn,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in days, one-day purchase periods; NULL for customers without a purchase by calibration_end';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in unit, one-day purchase periods';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, double precision, timestamptz, timestamptz, interval, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) in unit, purchase periods of the given length';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in days';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in unit';
COMMENT ON AGGREGATE @extschema@.rfm_holdout_agg(timestamptz, numeric, timestamptz, timestamptz, interval, interval) IS
'Calibration/holdout RFM summary (clv.rfm_holdout) of numeric amounts, in unit, purchase periods of the given length';

--------------------------------------------------------------------------
-- Closed-form CLV
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.simple_clv(avg_order_value double precision, purchases_per_year double precision, lifespan_years double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_simple_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.simple_clv(double precision, double precision, double precision) IS
'Simple CLV: average order value x purchases per year x lifespan in years (purchases_per_year and lifespan_years >= 0)';

CREATE OR REPLACE FUNCTION @extschema@.historical_clv(gross_margin double precision, direct_costs double precision, acquisition_cost double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_historical_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.historical_clv(double precision, double precision, double precision) IS
'Historical CLV: gross margin - direct costs - acquisition cost';

CREATE OR REPLACE FUNCTION @extschema@.retention_clv(margin_per_period double precision, retention_rate double precision, discount_rate double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_retention_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.retention_clv(double precision, double precision, double precision) IS
'Retention CLV with discounting: m * r / (1 + d - r), retention_rate in [0, 1), discount_rate > -1 and above retention_rate - 1';
-- Probabilistic CLV models: fit aggregates, scoring functions and
-- diagnostics (src/pg/models).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the model types are in install/20_models_types.sql.

--------------------------------------------------------------------------
-- Fit aggregates. States hold the distinct inputs with their counts, so the
-- fit in the final function costs as much as the distinct inputs. Rows with
-- a NULL input are skipped.
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_transfn(internal, double precision, double precision, double precision, double precision) IS 'transition function collecting the (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_combinefn(internal, internal) IS 'combines partial states of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits (parallel query)';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_rfm_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_serialfn(internal) IS 'serializes a state of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits (versioned, architecture-independent)';
CREATE OR REPLACE FUNCTION @extschema@.rfm_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_rfm_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (frequency, recency, t) triples of BG/NBD, MBG/NBD and Pareto/NBD fits';

CREATE OR REPLACE FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_transfn(internal, double precision, double precision, double precision) IS 'transition function collecting the (frequency, monetary) pairs of Gamma-Gamma fits';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_combinefn(internal, internal) IS 'combines partial states of (frequency, monetary) pairs of Gamma-Gamma fits (parallel query)';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_spend_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_serialfn(internal) IS 'serializes a state of (frequency, monetary) pairs of Gamma-Gamma fits (versioned, architecture-independent)';
CREATE OR REPLACE FUNCTION @extschema@.spend_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_spend_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.spend_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (frequency, monetary) pairs of Gamma-Gamma fits';

CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_transfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_transfn(internal, integer, bigint, double precision) IS 'transition function collecting the (period, active) counts of sBG fits';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_combinefn(internal, internal) IS 'combines partial states of (period, active) counts of sBG fits (parallel query)';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_cohort_fit_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_serialfn(internal) IS 'serializes a state of (period, active) counts of sBG fits (versioned, architecture-independent)';
CREATE OR REPLACE FUNCTION @extschema@.cohort_fit_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_cohort_fit_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_fit_deserialfn(bytea, internal) IS 'deserializes and validates a state of (period, active) counts of sBG fits';

CREATE OR REPLACE FUNCTION @extschema@.bgnbd_fit_finalfn(internal)
RETURNS @extschema@.bgnbd AS 'MODULE_PATHNAME', 'clv_bgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bgnbd_fit_finalfn(internal) IS 'fits the BG/NBD model by maximum likelihood (final function of clv.bgnbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.bgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.bgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.bgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the BG/NBD model (clv.bgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE FUNCTION @extschema@.mbgnbd_fit_finalfn(internal)
RETURNS @extschema@.mbgnbd AS 'MODULE_PATHNAME', 'clv_mbgnbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mbgnbd_fit_finalfn(internal) IS 'fits the MBG/NBD model by maximum likelihood (final function of clv.mbgnbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.mbgnbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.mbgnbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mbgnbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the MBG/NBD model (clv.mbgnbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE FUNCTION @extschema@.pareto_nbd_fit_finalfn(internal)
RETURNS @extschema@.pareto_nbd AS 'MODULE_PATHNAME', 'clv_pareto_nbd_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.pareto_nbd_fit_finalfn(internal) IS 'fits the Pareto/NBD model by maximum likelihood (final function of clv.pareto_nbd_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit';

CREATE OR REPLACE AGGREGATE @extschema@.pareto_nbd_fit(frequency double precision, recency double precision, t double precision, penalizer double precision) (
    SFUNC = @extschema@.rfm_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.pareto_nbd_fit_finalfn,
    COMBINEFUNC = @extschema@.rfm_fit_combinefn,
    SERIALFUNC = @extschema@.rfm_fit_serialfn, DESERIALFUNC = @extschema@.rfm_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pareto_nbd_fit(double precision, double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Pareto/NBD model (clv.pareto_nbd); frequency, recency and t as from clv.rfm_agg, in one unit; penalizer adds penalizer * sum(params^2) to the mean negative log-likelihood, with alpha and beta divided by the largest t, as the lifetimes librarys penalizer_coef, so the fit does not depend on the time unit';

CREATE OR REPLACE FUNCTION @extschema@.gamma_gamma_fit_finalfn(internal)
RETURNS @extschema@.gamma_gamma AS 'MODULE_PATHNAME', 'clv_gamma_gamma_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.gamma_gamma_fit_finalfn(internal) IS 'fits the Gamma-Gamma model by maximum likelihood (final function of clv.gamma_gamma_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    SERIALFUNC = @extschema@.spend_fit_serialfn, DESERIALFUNC = @extschema@.spend_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others';

CREATE OR REPLACE AGGREGATE @extschema@.gamma_gamma_fit(frequency double precision, monetary double precision, penalizer double precision) (
    SFUNC = @extschema@.spend_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.gamma_gamma_fit_finalfn,
    COMBINEFUNC = @extschema@.spend_fit_combinefn,
    SERIALFUNC = @extschema@.spend_fit_serialfn, DESERIALFUNC = @extschema@.spend_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.gamma_gamma_fit(double precision, double precision, double precision) IS
'Maximum-likelihood fit of the Gamma-Gamma model (clv.gamma_gamma); customers with frequency 0 are ignored, monetary must be > 0 for the others; penalizer adds penalizer * (p^2 + q^2 + v^2) to the mean negative log-likelihood, as the lifetimes librarys penalizer_coef (v is in the unit of monetary)';

CREATE OR REPLACE FUNCTION @extschema@.sbg_fit_finalfn(internal)
RETURNS @extschema@.sbg AS 'MODULE_PATHNAME', 'clv_sbg_fit_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_fit_finalfn(internal) IS 'fits the shifted-beta-geometric model by maximum likelihood (final function of clv.sbg_fit)';
CREATE OR REPLACE AGGREGATE @extschema@.sbg_fit(period integer, active bigint) (
    SFUNC = @extschema@.cohort_fit_transfn, STYPE = internal, SSPACE = 2048,
    FINALFUNC = @extschema@.sbg_fit_finalfn,
    COMBINEFUNC = @extschema@.cohort_fit_combinefn,
    SERIALFUNC = @extschema@.cohort_fit_serialfn, DESERIALFUNC = @extschema@.cohort_fit_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.sbg_fit(integer, bigint) IS
'Maximum-likelihood fit of the shifted-beta-geometric model (clv.sbg); active = customers of the cohort still active at the start of period 0, 1, 2, ... (counts of one period add up across rows)';

--------------------------------------------------------------------------
-- Scoring. Times (recency, t, horizon) are in the unit the model was fitted in.
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.bgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.bgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.bgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.bgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.bgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.bgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.bgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (BG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.bgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_bgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.bgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (BG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.mbgnbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.mbgnbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.mbgnbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.mbgnbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.mbgnbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.mbgnbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.mbgnbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (MBG/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.mbgnbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_mbgnbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.mbgnbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (MBG/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.p_alive(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_p_alive'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.p_alive(@extschema@.pareto_nbd, double precision, double precision, double precision) IS 'Probability that a customer with this history is still alive at t (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases(model @extschema@.pareto_nbd, frequency double precision, recency double precision, t double precision, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases(@extschema@.pareto_nbd, double precision, double precision, double precision, double precision) IS 'Expected purchases in the next horizon time units, given the customer history (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.expected_purchases_new(model @extschema@.pareto_nbd, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_expected_purchases_new'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_purchases_new(@extschema@.pareto_nbd, double precision) IS 'Expected purchases of a newly acquired customer in its first horizon time units (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.prob_purchases(model @extschema@.pareto_nbd, n integer, horizon double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_prob_purchases'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.prob_purchases(@extschema@.pareto_nbd, integer, double precision) IS 'Probability that a newly acquired customer makes exactly n purchases in horizon time units (Pareto/NBD)';

CREATE OR REPLACE FUNCTION @extschema@.predicted_clv(model @extschema@.pareto_nbd, spend_model @extschema@.gamma_gamma, frequency double precision, recency double precision, t double precision, monetary double precision, horizon double precision, discount_rate double precision, step double precision DEFAULT 1)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_pareto_nbd_predicted_clv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.predicted_clv(@extschema@.pareto_nbd, @extschema@.gamma_gamma, double precision, double precision, double precision, double precision, double precision, double precision, double precision) IS 'Discounted expected value of the next horizon time units (Pareto/NBD purchases x Gamma-Gamma spend), summed over steps of length step with discount_rate per step, as the lifetimes librarys customer_lifetime_value; horizon must be a whole number of steps';

CREATE OR REPLACE FUNCTION @extschema@.expected_spend(model @extschema@.gamma_gamma, frequency double precision, monetary double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_gamma_gamma_expected_spend'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.expected_spend(@extschema@.gamma_gamma, double precision, double precision) IS
'Expected mean transaction value of a customer with frequency repeat purchases of mean value monetary (Gamma-Gamma); the population mean p v / (q - 1) for frequency 0';

CREATE OR REPLACE FUNCTION @extschema@.sbg_survival(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_survival'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_survival(@extschema@.sbg, integer) IS
'Share of a cohort still active at the start of period (period 0 = 1), shifted-beta-geometric model';

CREATE OR REPLACE FUNCTION @extschema@.sbg_retention(model @extschema@.sbg, period integer)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_sbg_retention'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sbg_retention(@extschema@.sbg, integer) IS
'Retention rate from period - 1 to period, shifted-beta-geometric model';

-- Diagnostics of the buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD):
-- calibration vs holdout purchases, and the frequency/recency grid of
-- expected purchases and P(alive). C set-returning functions
-- (src/pg/models/diagnostics.cpp).

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.bgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.bgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (BG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.bgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.bgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean BG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.mbgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.mbgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (MBG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.mbgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.mbgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean MBG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE OR REPLACE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.pareto_nbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.pareto_nbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (Pareto/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE OR REPLACE FUNCTION @extschema@.calibration_holdout(model @extschema@.pareto_nbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.pareto_nbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean Pareto/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';
-- Churn trend: per-customer value trend, lateness, churn risk, RFM segments,
-- cohorts (src/pg/trend).
-- Idempotent (CREATE OR REPLACE): the install script and every upgrade load
-- this file as it is; the trend type is in install/30_trend_types.sql.

CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval) IS 'transition function of clv.trend_agg';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval) IS 'transition function of clv.trend_agg (numeric amounts)';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds';
CREATE OR REPLACE FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_numeric_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_transfn(internal, timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS 'transition function of clv.trend_agg with thresholds (numeric amounts)';
CREATE OR REPLACE FUNCTION @extschema@.trend_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_combinefn(internal, internal) IS 'combines partial clv.trend_agg states (parallel query); per-period sums add exactly';
CREATE OR REPLACE FUNCTION @extschema@.trend_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_trend_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_serialfn(internal) IS 'serializes a clv.trend_agg state (versioned, architecture-independent)';
CREATE OR REPLACE FUNCTION @extschema@.trend_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_trend_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_deserialfn(bytea, internal) IS 'deserializes and validates a clv.trend_agg state';
CREATE OR REPLACE FUNCTION @extschema@.trend_finalfn(internal)
RETURNS @extschema@.trend AS 'MODULE_PATHNAME', 'clv_trend_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.trend_finalfn(internal) IS 'final function of clv.trend_agg';

CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval) IS
'Value trend (clv.trend) of the transactions at or before as_of, summed per period of the given length (local calendar days for whole days, as clv.rfm_agg); a NULL amount counts as a purchase worth 0; NULL for a group without such transactions';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount double precision, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, double precision, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) with explicit thresholds: window_periods (recent/previous windows and lapsed, default 3), min_periods (fewer is new, default 6), min_relative_slope (|slope / mean| per period for rising/declining, default 0.05), slope_significance (two-sided p-value of the slope, default 0.05)';
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval) IS
'Value trend (clv.trend) of numeric amounts, summed per period of the given length';
CREATE OR REPLACE AGGREGATE @extschema@.trend_agg(ts timestamptz, amount numeric, as_of timestamptz, period interval,
                                       window_periods integer, min_periods integer,
                                       min_relative_slope double precision, slope_significance double precision) (
    SFUNC = @extschema@.trend_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = @extschema@.trend_finalfn,
    COMBINEFUNC = @extschema@.trend_combinefn,
    SERIALFUNC = @extschema@.trend_serialfn, DESERIALFUNC = @extschema@.trend_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.trend_agg(timestamptz, numeric, timestamptz, interval, integer, integer, double precision, double precision) IS
'Value trend (clv.trend) of numeric amounts with explicit thresholds (see the double precision overload)';

CREATE OR REPLACE FUNCTION @extschema@.lateness(frequency double precision, recency double precision, t double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness(double precision, double precision, double precision) IS
'Time since the last purchase in units of the customer''s mean inter-purchase time, (t - recency) / (recency / frequency): 1 = on schedule, 3 = three cycles overdue; NULL for one-time buyers';

CREATE OR REPLACE FUNCTION @extschema@.churn_risk(p_alive double precision, lateness double precision, direction text)
RETURNS text AS 'MODULE_PATHNAME', 'clv_churn_risk'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.churn_risk(double precision, double precision, text) IS
'low | medium | high | churned, first match wins: churned if p_alive < 0.1 or (lapsed and lateness > 3); high if p_alive < 0.3, lateness > 2, (declining and lateness > 1) or lapsed unless lateness <= 1; medium if p_alive < 0.6, lateness > 1, lapsed or declining; else low. NULL lateness or direction is unknown; NULL p_alive gives NULL';

CREATE OR REPLACE FUNCTION @extschema@.rfm_score(value double precision, breakpoints double precision[], higher_is_better boolean DEFAULT true)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_rfm_score'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_score(double precision, double precision[], boolean) IS
'Quintile score 1..5 of value given the population''s 20/40/60/80% breakpoints (e.g. percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY value)); a value on a breakpoint falls into the lower quintile; higher_is_better = false scores low values 5 (recency as days since the last purchase)';

CREATE OR REPLACE FUNCTION @extschema@.rfm_segment(r_score integer, f_score integer, m_score integer)
RETURNS text AS 'MODULE_PATHNAME', 'clv_rfm_segment'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.rfm_segment(integer, integer, integer) IS
'Named RFM segment (Champions, Loyal Customers, Potential Loyalist, New Customers, Promising, Need Attention, About to Sleep, At Risk, Can''t Lose Them, Hibernating, Lost) from the 5x5 grid of the recency score against ceil((f + m) / 2); scores 1..5';

-- Internal helpers of clv.cohort_retention: checked period index and revenue.
CREATE OR REPLACE FUNCTION @extschema@.cohort_period_index(bucket timestamp, cohort timestamp, period interval)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_cohort_period_index'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_period_index(timestamp, timestamp, interval) IS
'Periods between a cohort''s date_bin bucket and a later one (internal; clv.cohort_retention): 22023 for infinite timestamps, 22003 past integer';
CREATE OR REPLACE FUNCTION @extschema@.cohort_revenue(revenue double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(double precision) IS
'A cohort period''s revenue, 22023 unless finite (internal; clv.cohort_retention)';
CREATE OR REPLACE FUNCTION @extschema@.cohort_revenue(revenue numeric)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_cohort_revenue_numeric'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cohort_revenue(numeric) IS
'A cohort period''s revenue as double precision, 22023 unless finite, 22003 beyond double precision (internal; clv.cohort_retention)';

CREATE OR REPLACE FUNCTION @extschema@.cohort_retention(transactions_query text, period interval)
RETURNS TABLE (cohort_start timestamptz, period_index integer, customers bigint, active bigint,
               retention double precision, churn_rate double precision, revenue double precision)
LANGUAGE plpgsql STABLE
-- No SET search_path: the caller's query must resolve its tables and
-- functions as the caller would (it runs with the caller's privileges). So
-- that no other name depends on the search path, every function, type and
-- operator of the function's own SQL is qualified with pg_catalog (or is SQL
-- syntax, which always means pg_catalog), NULLIF and simple CASE (which look
-- up "=" by name) are not used, and the customer column is only grouped and
-- partitioned (through its type's default operator class), never compared
-- with an operator.
AS $fn$
BEGIN
  IF transactions_query IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'transactions_query must not be NULL';
  END IF;
  IF period IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'period must not be NULL';
  END IF;
  IF pg_catalog.date_part('month', period) OPERATOR(pg_catalog.<>) 0::double precision
     OR pg_catalog.date_part('year', period) OPERATOR(pg_catalog.<>) 0::double precision THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'period must be given in days, hours or smaller units, not months or years';
  END IF;
  IF period OPERATOR(pg_catalog.<=) interval '0' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'period must be a positive interval';
  END IF;
  IF pg_catalog.date_part('epoch', period) OPERATOR(pg_catalog.>) 9223372036854::double precision THEN
    RAISE EXCEPTION USING ERRCODE = '22003',
      MESSAGE = 'period is out of range: at most 292471 years in microseconds';
  END IF;
  -- $1 = period, $2 = the session's TimeZone. Periods are date_bin buckets of
  -- the local wall clock with origin 2000-01-01 00:00 (exact microsecond
  -- arithmetic, the same cut as clv.rfm_agg); a period index is the exact
  -- quotient of two bucket starts' distance by the period, in the
  -- extension's cohort_period_index (%2$s: the extension's schema, quoted).
  -- Revenue is summed in the amount's own type (exactly for numeric and
  -- integers, so then independent of the order in which a possibly parallel
  -- plan delivers the rows) and returned as double precision by
  -- cohort_revenue, which refuses NaN and infinite sums.
  RETURN QUERY EXECUTE pg_catalog.format($q$
    WITH tx AS (
      SELECT t.customer,
             pg_catalog.date_bin($1, pg_catalog.timezone($2, (t.ts)::pg_catalog.timestamptz),
                                 timestamp '2000-01-01') AS bucket,
             t.amount
      FROM (%1$s) AS t(customer, ts, amount)
      WHERE t.ts IS NOT NULL AND t.customer IS NOT NULL
    ), purchases AS (  -- each customer's purchase periods, with the first (cohort) and the last
      SELECT p.bucket, p.amount,
             pg_catalog.min(p.bucket) OVER w AS cohort,
             pg_catalog.max(p.bucket) OVER w AS last_bucket,
             pg_catalog.row_number() OVER w AS nth
      FROM (SELECT tx.customer, tx.bucket, pg_catalog.sum(tx.amount) AS amount
            FROM tx GROUP BY tx.customer, tx.bucket) p
      WINDOW w AS (PARTITION BY p.customer)
    ), indexed AS (
      SELECT pu.cohort, pu.amount, pu.nth OPERATOR(pg_catalog.=) 1 AS first_row,
             %2$s.cohort_period_index(pu.bucket, pu.cohort, $1) AS idx,
             %2$s.cohort_period_index(pu.last_bucket, pu.cohort, $1) AS last_idx
      FROM purchases pu
    ), leaving AS (  -- customers by cohort and index of their last purchase period
      SELECT i.cohort, i.last_idx AS idx, pg_catalog.count(*) AS n
      FROM indexed i WHERE i.first_row GROUP BY i.cohort, i.last_idx
    ), revenue AS (
      SELECT i.cohort, i.idx, pg_catalog.sum(i.amount) AS amount
      FROM indexed i GROUP BY i.cohort, i.idx
    ), grid AS (  -- every cohort from its first period to the last period in the data
      SELECT c.cohort, c.size, g.idx
      FROM (SELECT i.cohort, pg_catalog.count(*) AS size FROM indexed i WHERE i.first_row GROUP BY i.cohort) c
      CROSS JOIN (SELECT pg_catalog.max(pu.last_bucket) AS last FROM purchases pu) h
      CROSS JOIN LATERAL pg_catalog.generate_series(0, %2$s.cohort_period_index(h.last, c.cohort, $1)) AS g(idx)
    ), activity AS (  -- active at idx = customers whose last period is idx or later
      SELECT g.cohort, g.idx, g.size, r.amount AS revenue,
             (pg_catalog.sum(COALESCE(l.n, 0)) OVER (PARTITION BY g.cohort ORDER BY g.idx DESC))::double precision AS active
      FROM grid g
      LEFT JOIN leaving l ON l.cohort OPERATOR(pg_catalog.=) g.cohort AND l.idx OPERATOR(pg_catalog.=) g.idx
      LEFT JOIN revenue r ON r.cohort OPERATOR(pg_catalog.=) g.cohort AND r.idx OPERATOR(pg_catalog.=) g.idx
    ), with_previous AS (
      SELECT a.*, pg_catalog.lag(a.active) OVER (PARTITION BY a.cohort ORDER BY a.idx) AS previous
      FROM activity a
    )
    SELECT pg_catalog.timezone($2, a.cohort), a.idx, a.size, (a.active)::bigint,
           a.active OPERATOR(pg_catalog./) (a.size)::double precision,
           CASE WHEN a.previous IS NULL OR a.previous OPERATOR(pg_catalog.=) 0::double precision THEN NULL
                ELSE 1::double precision OPERATOR(pg_catalog.-) (a.active OPERATOR(pg_catalog./) a.previous) END,
           COALESCE(%2$s.cohort_revenue(a.revenue), 0::double precision)
    FROM with_previous a ORDER BY a.cohort, a.idx
  $q$, transactions_query, @extschema@.profile_ext_schema())
  USING period, pg_catalog.current_setting('TimeZone');
END
$fn$;
COMMENT ON FUNCTION @extschema@.cohort_retention(text, interval) IS
'Cohort retention table of a query returning (customer, ts, amount): cohort = the period of the customer''s first purchase (periods of the given length, days or shorter, counted on the local wall clock from 2000-01-01 like clv.rfm_agg); per cohort and period_index 0.. up to the last period in the data: customers in the cohort, active = customers still active at the start of the period (their last purchase falls in it or later: the survivor count clv.sbg_fit takes), retention = active / customers, churn_rate = share of the previous period''s active customers lost (NULL for period 0), revenue = the cohort''s amount in the period';

-- Churn trend: lateness against the customer's own median inter-purchase gap
-- (clv.lateness_agg).

CREATE OR REPLACE FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz) IS 'transition function of clv.lateness_agg';
CREATE OR REPLACE FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_transfn(internal, timestamptz, timestamptz, interval) IS 'transition function of clv.lateness_agg with a unit';
CREATE OR REPLACE FUNCTION @extschema@.lateness_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_combinefn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_combinefn(internal, internal) IS 'combine function of clv.lateness_agg';
CREATE OR REPLACE FUNCTION @extschema@.lateness_serialfn(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'clv_lateness_serialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_serialfn(internal) IS 'serialization function of clv.lateness_agg (versioned, little-endian)';
CREATE OR REPLACE FUNCTION @extschema@.lateness_deserialfn(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'clv_lateness_deserialfn'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_deserialfn(bytea, internal) IS 'deserialization function of clv.lateness_agg (validates its input)';
CREATE OR REPLACE FUNCTION @extschema@.lateness_finalfn(internal)
RETURNS double precision AS 'MODULE_PATHNAME', 'clv_lateness_finalfn'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.lateness_finalfn(internal) IS 'final function of clv.lateness_agg';

CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz) (
    SFUNC = @extschema@.lateness_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    SERIALFUNC = @extschema@.lateness_serialfn, DESERIALFUNC = @extschema@.lateness_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz) IS
'Lateness against the customer''s own rhythm, by local calendar days: (as_of - start of the last purchase day) / median gap between the distinct purchase days (robust to one long pause; 1 = on schedule). Purchases after as_of and NULL timestamps are ignored; NULL with fewer than two distinct purchase days';
CREATE OR REPLACE AGGREGATE @extschema@.lateness_agg(ts timestamptz, as_of timestamptz, unit interval) (
    SFUNC = @extschema@.lateness_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = @extschema@.lateness_finalfn,
    COMBINEFUNC = @extschema@.lateness_combinefn,
    SERIALFUNC = @extschema@.lateness_serialfn, DESERIALFUNC = @extschema@.lateness_deserialfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.lateness_agg(timestamptz, timestamptz, interval) IS
'Lateness against the customer''s own rhythm with purchases cut into periods of unit (days and time only, local wall clock from 2000-01-01 as clv.rfm_agg): (as_of - start of the last purchase period) / median gap between the distinct purchase periods; NULL with fewer than two';
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

-- Customer profiles' functions, views and the triggers on the extension's
-- tables (src/pg/profiles). Idempotent (CREATE OR REPLACE): the install
-- script and every upgrade load this file as it is; the schema, tables and
-- policies are in install/50_profiles.sql.

--------------------------------------------------------------------------
-- Internals
--------------------------------------------------------------------------

-- Wakes the database's profile worker when the current transaction commits
-- (or asks the launcher to start one); a no-op unless clv_ext is in
-- shared_preload_libraries.
CREATE OR REPLACE FUNCTION @extschema@.profile_wake()
RETURNS void AS 'MODULE_PATHNAME', 'clv_profile_wake'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.profile_wake() IS
'Wakes this database''s profile worker when the current transaction commits (internal; called by the change-capture triggers and profile functions)';

-- The extension's schema, quoted, for dynamic SQL.
CREATE OR REPLACE FUNCTION @extschema@.profile_ext_schema()
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
CREATE OR REPLACE FUNCTION @extschema@.profile_lock(profile_name text)
RETURNS @extschema@.profiles LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
BEGIN
  IF profile_name IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22004', MESSAGE = 'profile name must not be NULL';
  END IF;
  -- Names are unique per owner: the current role's own profile first, else
  -- the one profile of that name among those it may see.
  SELECT * INTO p FROM @extschema@.profiles pr
  WHERE pr.name OPERATOR(pg_catalog.=) profile_name
  ORDER BY pr.owner OPERATOR(pg_catalog.=) current_user::regrole DESC LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile "%s" does not exist', profile_name),
      HINT = 'Profiles are listed in clv.profiles; a role sees only the profiles of roles it has the privileges of.';
  END IF;
  IF p.owner OPERATOR(pg_catalog.<>) current_user::regrole AND
     (SELECT pg_catalog.count(*) FROM @extschema@.profiles pr WHERE pr.name OPERATOR(pg_catalog.=) profile_name) OPERATOR(pg_catalog.>) 1 THEN
    RAISE EXCEPTION USING ERRCODE = '42725', MESSAGE = pg_catalog.format('profile name "%s" is ambiguous', profile_name),
      HINT = 'Several roles whose privileges you have own a profile of that name: SET ROLE to the owner first.';
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
CREATE OR REPLACE FUNCTION @extschema@.profile_object(p @extschema@.profiles, suffix text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_catalog.quote_ident(p.target_schema::text) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.name OPERATOR(pg_catalog.||) suffix) $$;
COMMENT ON FUNCTION @extschema@.profile_object(@extschema@.profiles, text) IS
'Quoted, schema-qualified name of a profile''s object: suffix '''' for the view, ''_facts'' or ''_summary'' (internal)';

-- Keys of identity-resolving profiles: 'cluster:<id>' is an identity
-- cluster, anything else an identifier of its own. So that no source value
-- can pass for a cluster (or for another value), an identifier starting with
-- 'cluster:' or 'identifier:' is prefixed with 'identifier:'; the others,
-- nearly all, are their own key. The change capture (src/pg/profiles)
-- and the full refresh (profile_identifier_key_sql, inline) do the same.
CREATE OR REPLACE FUNCTION @extschema@.profile_identifier_key(identifier text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN pg_catalog.starts_with(identifier COLLATE "C", 'cluster:')
                OR pg_catalog.starts_with(identifier COLLATE "C", 'identifier:')
              THEN 'identifier:' OPERATOR(pg_catalog.||) identifier ELSE identifier END
$$;
COMMENT ON FUNCTION @extschema@.profile_identifier_key(text) IS
'Key of an identifier outside the identity graph in a profile that resolves identities: the identifier, prefixed with ''identifier:'' when it starts with ''cluster:'' or ''identifier:'' (internal)';

CREATE OR REPLACE FUNCTION @extschema@.profile_key_identifier(key text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN pg_catalog.starts_with(key COLLATE "C", 'identifier:') THEN pg_catalog.substr(key, 12) ELSE key END
$$;
COMMENT ON FUNCTION @extschema@.profile_key_identifier(text) IS
'The identifier of a key of clv.profile_identifier_key that is not a cluster''s (internal)';

-- clv.profile_identifier_key as an expression over a text expression, for
-- queries that key every row of a source (a call per row would cost more).
CREATE OR REPLACE FUNCTION @extschema@.profile_identifier_key_sql(expression text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format(
    'CASE WHEN pg_catalog.starts_with(%1$s, ''cluster:'') OR pg_catalog.starts_with(%1$s, ''identifier:'')'
    ' THEN ''identifier:'' OPERATOR(pg_catalog.||) %1$s ELSE %1$s END', expression)
$$;
COMMENT ON FUNCTION @extschema@.profile_identifier_key_sql(text) IS
'SQL text of clv.profile_identifier_key applied to a text expression with collation "C" (internal)';

-- The type of the customer key of a profile's facts.
CREATE OR REPLACE FUNCTION @extschema@.profile_key_type(p @extschema@.profiles)
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
CREATE OR REPLACE FUNCTION @extschema@.profile_facts_query(p @extschema@.profiles, by_key boolean)
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
    -- customer is a person of its own (keys: clv.profile_identifier_key).
    key_expr := pg_catalog.format(
      'COALESCE(''cluster:'' OPERATOR(pg_catalog.||) n.cluster_id, %s)',
      @extschema@.profile_identifier_key_sql(pg_catalog.format('(s.%I::text COLLATE "C")', p.customer_column)));
    from_clause := pg_catalog.format(
      '%s s LEFT JOIN %s.identity_nodes n ON n.identifier OPERATOR(pg_catalog.=) (s.%I::text COLLATE "C")',
      p.source, ext, p.customer_column);
    IF by_key THEN
      -- the customers of the keys: the members of the clusters, the others as they are
      filter := pg_catalog.format(
        'WHERE s.%1$I OPERATOR(pg_catalog.=) ANY (ARRAY(
           SELECT m.identifier::text COLLATE "default" FROM %2$s.identity_nodes m
           WHERE m.cluster_id OPERATOR(pg_catalog.=) ANY (ARRAY(
             SELECT pg_catalog.substr(k, 9)::bigint FROM pg_catalog.unnest($2) k WHERE pg_catalog.starts_with(k, ''cluster:'')))
           UNION ALL
           SELECT %2$s.profile_key_identifier(k) FROM pg_catalog.unnest($2) k WHERE NOT pg_catalog.starts_with(k, ''cluster:'')))',
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

-- (Re)creates the views of a profile: they embed its settings, written out
-- as shortest exact numbers whatever the caller's extra_float_digits.
-- Replaced in place, so the grants the owner made on them stay.
CREATE OR REPLACE FUNCTION @extschema@.profile_build_views(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
  unit_seconds double precision := pg_catalog.date_part('epoch', p.unit);
  step double precision := p.horizon / p.discount_steps;
BEGIN
  EXECUTE pg_catalog.format($v$
    CREATE OR REPLACE VIEW %1$s AS
    WITH m AS MATERIALIZED (
      SELECT pm.%3$I AS model, pm.gamma_gamma, pm.recency_breaks, pm.frequency_breaks,
             pm.monetary_breaks, pm.clv_breaks
      FROM %4$s pm LIMIT 1)
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
    @extschema@.profile_object(p, ''), ext, p.model, @extschema@.profile_object(p, '_model'), p.customer_column, p.margin,
    @extschema@.profile_object(p, '_facts'), unit_seconds, p.horizon, p.discount_rate, step);
  EXECUTE pg_catalog.format($v$
    CREATE OR REPLACE VIEW %1$s AS
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
    COMMENT ON COLUMN %1$s.%3$I IS 'the customer; when identities are resolved, its identity cluster ''cluster:<id>'' or an identifier outside the graph, prefixed with ''identifier:'' if it starts with ''cluster:'' or ''identifier:''';
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

-- The table holding a profile's current model, owned by the profile's owner
-- like its view, which reads it: a role granted the view reads the model
-- through the view with the owner's privileges.
CREATE OR REPLACE FUNCTION @extschema@.profile_build_model_table(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  ext text := @extschema@.profile_ext_schema();
BEGIN
  EXECUTE pg_catalog.format($t$
    CREATE TABLE %1$s (
      fitted_at timestamptz NOT NULL,
      bgnbd %2$s.bgnbd,
      mbgnbd %2$s.mbgnbd,
      pareto_nbd %2$s.pareto_nbd,
      gamma_gamma %2$s.gamma_gamma,
      recency_breaks double precision[] NOT NULL,
      frequency_breaks double precision[] NOT NULL,
      monetary_breaks double precision[] NOT NULL,
      clv_breaks double precision[] NOT NULL);
    COMMENT ON TABLE %1$s IS %3$L$t$,
    @extschema@.profile_object(p, '_model'), ext,
    pg_catalog.format('The model customer profile %s scores with (clv_ext): its latest row of clv.profile_models, kept by each refit', p.name));
END
$$;
COMMENT ON FUNCTION @extschema@.profile_build_model_table(@extschema@.profiles) IS
'Creates <name>_model, the table of a profile''s current model that its view reads (internal)';

-- The view reads the current model from the owner's own table, so that a
-- role the owner grants the view to reads it too: the profile's latest row
-- of clv.profile_models, copied there.
CREATE OR REPLACE FUNCTION @extschema@.profile_store_current_model(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  EXECUTE pg_catalog.format('DELETE FROM %s', @extschema@.profile_object(p, '_model'));
  EXECUTE pg_catalog.format($q$
    INSERT INTO %1$s
    SELECT pm.fitted_at, pm.bgnbd, pm.mbgnbd, pm.pareto_nbd, pm.gamma_gamma, pm.recency_breaks,
           pm.frequency_breaks, pm.monetary_breaks, pm.clv_breaks
    FROM %2$s.profile_models pm WHERE pm.profile_id = $1
    ORDER BY pm.fitted_at DESC LIMIT 1$q$,
    @extschema@.profile_object(p, '_model'), @extschema@.profile_ext_schema())
  USING p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_store_current_model(@extschema@.profiles) IS
'Copies a profile''s latest model from clv.profile_models into its <name>_model table (internal)';

-- Change capture: statement-level triggers on the source call
-- clv.profile_capture (C, src/pg/profiles), which records the
-- customer keys each statement touches and wakes the worker at commit.
CREATE OR REPLACE FUNCTION @extschema@.profile_capture()
RETURNS trigger AS 'MODULE_PATHNAME', 'clv_profile_capture'
LANGUAGE C;
COMMENT ON FUNCTION @extschema@.profile_capture() IS
'Change-capture trigger of a profile''s source (arguments: profile id, customer column): records the customer keys in the statement''s transition tables, or a full-refresh request after TRUNCATE, in clv.profile_changes as the extension''s owner, and wakes the profile worker at commit (internal)';

CREATE OR REPLACE FUNCTION @extschema@.profile_build_capture(p @extschema@.profiles)
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

CREATE OR REPLACE FUNCTION @extschema@.profile_drop_capture(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no notices from DROP ... IF EXISTS
AS $$
BEGIN
  -- the source may be gone already (dropped, its triggers with it)
  IF EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source) THEN
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
-- extension's owner (whoever ingests identities need not own the profiles),
-- so it refuses to run on any table but the graph's own, on every call: on
-- a table of the caller's, reading its rows could run the caller's casts.
CREATE OR REPLACE FUNCTION @extschema@.profile_capture_identities()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  moved text[];
BEGIN
  IF TG_RELID IS DISTINCT FROM pg_catalog.to_regclass(@extschema@.profile_ext_schema() OPERATOR(pg_catalog.||) '.identity_nodes')::pg_catalog.oid
     OR TG_LEVEL OPERATOR(pg_catalog.<>) 'STATEMENT' OR TG_WHEN OPERATOR(pg_catalog.<>) 'AFTER' THEN
    RAISE EXCEPTION USING ERRCODE = '39P01',
      MESSAGE = 'profile_capture_identities fires only after statements on the identity graph''s table identity_nodes';
  END IF;
  IF NOT EXISTS (SELECT FROM @extschema@.profiles p WHERE p.resolve_identity) THEN
    RETURN NULL;
  END IF;
  IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
    moved := ARRAY(SELECT @extschema@.profile_identifier_key(n.identifier::text) FROM new_rows n LIMIT 10001);
  ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
    moved := ARRAY(SELECT k FROM (
                     SELECT @extschema@.profile_identifier_key(n.identifier::text), 'cluster:' OPERATOR(pg_catalog.||) o.cluster_id
                     FROM new_rows n JOIN old_rows o ON o.identifier OPERATOR(pg_catalog.=) n.identifier
                     WHERE o.cluster_id OPERATOR(pg_catalog.<>) n.cluster_id) c(i, l),
                     LATERAL (VALUES (c.i), (c.l)) v(k)
                   LIMIT 20001);
  ELSE
    moved := ARRAY(SELECT k FROM old_rows o, LATERAL (VALUES (@extschema@.profile_identifier_key(o.identifier::text)),
                                                             ('cluster:' OPERATOR(pg_catalog.||) o.cluster_id)) v(k)
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
'Change capture on clv.identity_nodes for the profiles that resolve identities: new and moved identifiers and the clusters they left; refuses any other table (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_capture_identities() FROM PUBLIC;

-- A profile's source must exist: one dropped since (clv.profile_dropped_objects
-- recorded its name) or an OID naming no table is ERROR 42P01.
CREATE OR REPLACE FUNCTION @extschema@.profile_check_source(p @extschema@.profiles)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source) THEN
    IF p.source_dropped IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '42P01',
        MESSAGE = pg_catalog.format('source table %s of profile "%s" was dropped', p.source_dropped, p.name),
        HINT = pg_catalog.format('A table created since under that name is another table: drop the profile (SELECT clv.drop_profile(%L)) and create it again.', p.name);
    END IF;
    RAISE EXCEPTION USING ERRCODE = '42P01',
      MESSAGE = pg_catalog.format('source table with OID %s of profile "%s" does not exist', p.source::pg_catalog.oid, p.name);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_check_source(@extschema@.profiles) IS
'Raises ERROR 42P01, naming the table, when a profile''s source does not exist (internal)';

-- Checks a profile definition against its source and what its owner may
-- read. Errors name the offending argument; the bounds are the table's.
CREATE OR REPLACE FUNCTION @extschema@.profile_validate(p @extschema@.profiles, owner regrole)
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
  PERFORM @extschema@.profile_check_source(p);
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
    IF NOT pg_catalog.has_column_privilege(owner, p.source, needed[i], 'SELECT') THEN
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
  IF p.resolve_identity AND NOT pg_catalog.has_table_privilege(
       owner, pg_catalog.to_regclass(@extschema@.profile_ext_schema() OPERATOR(pg_catalog.||) '.identity_nodes'), 'SELECT') THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = 'permission denied to read the identity graph (clv.identity_nodes)',
      HINT = 'A profile that resolves identities reads the graph with its owner''s privileges: a DBA grants SELECT on clv.identity_nodes.';
  END IF;
  IF p.target_schema IS NULL OR NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema) THEN
    RAISE EXCEPTION USING ERRCODE = '3F000', MESSAGE = pg_catalog.format('target schema "%s" does not exist', p.target_schema);
  END IF;
  IF p.unit IS NULL OR p.unit OPERATOR(pg_catalog.<) '1 second' OR p.unit OPERATOR(pg_catalog.>) '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unit must be between 1 second and 366 days, got %s', p.unit);
  END IF;
  IF p.trend_period IS NULL OR p.trend_period OPERATOR(pg_catalog.<) '1 second' OR p.trend_period OPERATOR(pg_catalog.>) '3660 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('trend_period must be between 1 second and 3660 days, got %s', p.trend_period);
  END IF;
  IF p.model IS NULL OR p.model OPERATOR(pg_catalog.<>) ALL ('{bgnbd,mbgnbd,pareto_nbd}') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unknown model %L', p.model),
      HINT = 'Use bgnbd, mbgnbd or pareto_nbd.';
  END IF;
  IF NOT (p.horizon OPERATOR(pg_catalog.>) 0 AND p.horizon OPERATOR(pg_catalog.<=) 1e6) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('horizon must be positive and at most 1e6 units, got %s', p.horizon);
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
  IF p.refresh_interval IS NULL OR p.refresh_interval OPERATOR(pg_catalog.<) '0' OR p.refresh_interval OPERATOR(pg_catalog.>) '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('refresh_interval must be between 0 and 366 days, got %s', p.refresh_interval);
  END IF;
  IF p.refit_interval IS NULL OR p.refit_interval OPERATOR(pg_catalog.<) '0' OR p.refit_interval OPERATOR(pg_catalog.>) '3660 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('refit_interval must be between 0 and 3660 days, got %s', p.refit_interval);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_validate(@extschema@.profiles, regrole) IS
'Checks a profile definition: name, source table and columns, the owner''s right to read them (and the identity graph), settings and their bounds (internal)';

--------------------------------------------------------------------------
-- Refresh
--------------------------------------------------------------------------

-- Fits the profile's models on its facts as of now and records them;
-- returns the error of a failed fit (NULL on success).
CREATE OR REPLACE FUNCTION @extschema@.profile_refit(p @extschema@.profiles)
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
  PERFORM @extschema@.profile_store_current_model(p);
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
CREATE OR REPLACE FUNCTION @extschema@.profile_refresh_step(profile_id integer, full_refresh boolean,
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
  -- The lock of clv.profile_lock, taken by id: only on a profile the caller
  -- sees (another owner's refreshes cannot be held up by a stranger's lock).
  SELECT pr.name INTO profile_name FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) profile_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile %s does not exist', profile_id);
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('clv_ext.profile'), profile_id);
  -- re-read: an alter or drop may have committed while we waited
  SELECT * INTO p FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) profile_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile "%s" was dropped', profile_name);
  END IF;
  PERFORM @extschema@.profile_check_source(p);
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
                    JOIN @extschema@.identity_nodes n
                      ON n.identifier OPERATOR(pg_catalog.=) (@extschema@.profile_key_identifier(k) COLLATE "C")
                    WHERE NOT pg_catalog.starts_with(k, 'cluster:'));
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

  PERFORM @extschema@.profile_record_refresh(p.id, mode, customers, refit, fit_error, as_of);
END
$$;
COMMENT ON FUNCTION @extschema@.profile_refresh_step(integer, boolean) IS
'One refresh of a profile with the caller''s privileges: takes in its pending changes, recomputes the touched customers (everyone when full, after a TRUNCATE, an identity merge or split, or when a refit is due), refits the models when due (internal: use clv.refresh_profile)';

--------------------------------------------------------------------------
-- Registry writes
--------------------------------------------------------------------------
-- clv.profiles is written only here. Each clv.profile_X is a C shim
-- (src/pg/common/privileged_call.cpp) that any role may call: it runs
-- clv.profile_X_privileged(caller, ...) as the extension's owner with the
-- role that called it as caller, and those functions, not executable by
-- PUBLIC, decide what the caller may do.

-- The profile by id if the caller has its owner's privileges.
CREATE OR REPLACE FUNCTION @extschema@.profile_of_caller(profile_id integer, caller regrole)
RETURNS @extschema@.profiles LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
BEGIN
  SELECT * INTO p FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) profile_id;
  IF NOT FOUND OR NOT pg_catalog.pg_has_role(caller, p.owner, 'USAGE') THEN
    RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = pg_catalog.format('profile %s does not exist', profile_id);
  END IF;
  RETURN p;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_of_caller(integer, regrole) IS
'The profile of an id if caller has the privileges of its owner, else ERROR 42704 (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_of_caller(integer, regrole) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_register_privileged(caller regrole,
    name text, source regclass, customer_column name, ts_column name, amount_column name,
    unit interval, model text, horizon double precision, discount_rate double precision,
    discount_steps integer, margin double precision, trend_period interval,
    refresh_interval interval, refit_interval interval, resolve_identity boolean, target_schema name)
RETURNS integer LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
BEGIN
  p.name := name; p.source := source; p.customer_column := customer_column;
  p.ts_column := ts_column; p.amount_column := amount_column; p.unit := unit; p.model := model;
  p.horizon := horizon; p.discount_rate := discount_rate; p.discount_steps := discount_steps;
  p.margin := margin; p.trend_period := trend_period; p.refresh_interval := refresh_interval;
  p.refit_interval := refit_interval; p.resolve_identity := COALESCE(resolve_identity, false);
  p.target_schema := target_schema;
  PERFORM @extschema@.profile_validate(p, caller);
  -- Names are unique per owner, so no role learns another's names here.
  IF EXISTS (SELECT FROM @extschema@.profiles pr
             WHERE pr.owner OPERATOR(pg_catalog.=) caller AND pr.name OPERATOR(pg_catalog.=) p.name) THEN
    RAISE EXCEPTION USING ERRCODE = '42710', MESSAGE = pg_catalog.format('profile "%s" already exists', p.name);
  END IF;
  INSERT INTO @extschema@.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model,
                                    horizon, discount_rate, discount_steps, margin, trend_period,
                                    refresh_interval, refit_interval, resolve_identity, target_schema)
  VALUES (p.name, caller, p.source, p.customer_column, p.ts_column, p.amount_column, p.unit,
          p.model, p.horizon, p.discount_rate, p.discount_steps, p.margin, p.trend_period,
          p.refresh_interval, p.refit_interval, p.resolve_identity, p.target_schema)
  RETURNING id INTO p.id;
  RETURN p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_register_privileged(regrole, text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name) IS
'Registers a profile owned by caller after checking it against what caller may read; returns its id (internal: called by clv.profile_register)';
REVOKE ALL ON FUNCTION @extschema@.profile_register_privileged(regrole, text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_register(
    name text, source regclass, customer_column name, ts_column name, amount_column name,
    unit interval, model text, horizon double precision, discount_rate double precision,
    discount_steps integer, margin double precision, trend_period interval,
    refresh_interval interval, refit_interval interval, resolve_identity boolean, target_schema name)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_register(text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name) IS
'Registers a profile owned by the calling role in clv.profiles (internal: use clv.create_profile)';

CREATE OR REPLACE FUNCTION @extschema@.profile_update_privileged(caller regrole, profile_id integer,
    unit interval, model text, horizon double precision, discount_rate double precision,
    refresh_interval interval, refit_interval interval, discount_steps integer,
    margin double precision, trend_period interval, enabled boolean)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  previous @extschema@.profiles := @extschema@.profile_of_caller(profile_id, caller);
  p @extschema@.profiles := previous;
BEGIN
  p.unit := COALESCE(unit, p.unit); p.model := COALESCE(model, p.model);
  p.horizon := COALESCE(horizon, p.horizon); p.discount_rate := COALESCE(discount_rate, p.discount_rate);
  p.refresh_interval := COALESCE(refresh_interval, p.refresh_interval);
  p.refit_interval := COALESCE(refit_interval, p.refit_interval);
  p.discount_steps := COALESCE(discount_steps, p.discount_steps); p.margin := COALESCE(margin, p.margin);
  p.trend_period := COALESCE(trend_period, p.trend_period); p.enabled := COALESCE(enabled, p.enabled);
  PERFORM @extschema@.profile_validate(p, p.owner);
  UPDATE @extschema@.profiles pr
  SET unit = p.unit, model = p.model, horizon = p.horizon, discount_rate = p.discount_rate,
      refresh_interval = p.refresh_interval, refit_interval = p.refit_interval,
      discount_steps = p.discount_steps, margin = p.margin, trend_period = p.trend_period,
      enabled = p.enabled, failures = 0, next_run = pg_catalog.now(),
      -- facts in another unit or trend period, or another model: rebuild all
      last_fit_at = CASE WHEN (p.unit, p.model, p.trend_period) IS DISTINCT FROM (previous.unit, previous.model, previous.trend_period)
                         THEN NULL ELSE pr.last_fit_at END
  WHERE pr.id OPERATOR(pg_catalog.=) p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_update_privileged(regrole, integer, interval, text, double precision, double precision, interval, interval, integer, double precision, interval, boolean) IS
'Changes the settings of a profile whose owner''s privileges caller has (NULL keeps a setting) and makes its next refresh due now (internal: called by clv.profile_update)';
REVOKE ALL ON FUNCTION @extschema@.profile_update_privileged(regrole, integer, interval, text, double precision, double precision, interval, interval, integer, double precision, interval, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_update(profile_id integer,
    unit interval, model text, horizon double precision, discount_rate double precision,
    refresh_interval interval, refit_interval interval, discount_steps integer,
    margin double precision, trend_period interval, enabled boolean)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_update(integer, interval, text, double precision, double precision, interval, interval, integer, double precision, interval, boolean) IS
'Changes the settings of a profile the calling role owns (internal: use clv.alter_profile)';

-- A profile's registration, its pending changes and (by cascade) model
-- history, gone; its objects are the caller's business.
CREATE OR REPLACE FUNCTION @extschema@.profile_forget(profile_id integer)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  DELETE FROM @extschema@.profile_changes c WHERE c.profile_id OPERATOR(pg_catalog.=) profile_forget.profile_id;
  DELETE FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) profile_forget.profile_id;
$$;
COMMENT ON FUNCTION @extschema@.profile_forget(integer) IS
'Removes a profile from the registry with its pending changes and model history, without checks (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_forget(integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_unregister_privileged(caller regrole, profile_id integer)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_of_caller(profile_id, caller);
BEGIN
  -- the triggers are the profile's own (named by its id, on its source)
  PERFORM @extschema@.profile_drop_capture(p);
  PERFORM @extschema@.profile_forget(p.id);
END
$$;
COMMENT ON FUNCTION @extschema@.profile_unregister_privileged(regrole, integer) IS
'Removes a profile whose owner''s privileges caller has from the registry, with its change-capture triggers, pending changes and model history (internal: called by clv.profile_unregister)';
REVOKE ALL ON FUNCTION @extschema@.profile_unregister_privileged(regrole, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_unregister(profile_id integer)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_unregister(integer) IS
'Removes a profile the calling role owns from the registry (internal: use clv.drop_profile)';

-- Recorded before a refresh runs, so that a crash leaves evidence.
CREATE OR REPLACE FUNCTION @extschema@.profile_record_start_privileged(caller regrole, profile_id integer)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.profile_of_caller(profile_id, caller);
  UPDATE @extschema@.profiles SET last_start = pg_catalog.clock_timestamp()
  WHERE id OPERATOR(pg_catalog.=) profile_id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_record_start_privileged(regrole, integer) IS
'Records the start of a refresh of a profile whose owner''s privileges caller has (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_record_start_privileged(regrole, integer) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_record_start(profile_id integer)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_record_start(integer) IS
'Records the start of a profile refresh, committed before it runs (internal)';

-- The backoff is clamped before it is multiplied: refresh_interval is at
-- most 366 days, failures grow without bound, and 2^12 hours must not
-- overflow.
CREATE OR REPLACE FUNCTION @extschema@.profile_record_failure_privileged(caller regrole, profile_id integer, message text)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.profile_of_caller(profile_id, caller);
  UPDATE @extschema@.profiles
  SET last_error = pg_catalog.left(message, 10000), last_error_at = pg_catalog.clock_timestamp(),
      failures = LEAST(failures, 1000000) OPERATOR(pg_catalog.+) 1,
      next_run = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+)
                 LEAST(LEAST(GREATEST(refresh_interval, '1 second'), '1 hour')
                         OPERATOR(pg_catalog.*) pg_catalog.power(2, LEAST(failures, 12)),
                       '1 hour')
  WHERE id OPERATOR(pg_catalog.=) profile_id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_record_failure_privileged(regrole, integer, text) IS
'Records a failed refresh of a profile whose owner''s privileges caller has, and backs off (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_record_failure_privileged(regrole, integer, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_record_failure(profile_id integer, message text)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_record_failure(integer, text) IS
'Records a failed profile refresh and backs off: the next try after refresh_interval * 2^failures, at most an hour (internal)';

CREATE OR REPLACE FUNCTION @extschema@.profile_record_refresh_privileged(caller regrole, profile_id integer,
    mode text, customers bigint, refit boolean, fit_error text, as_of timestamptz)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM @extschema@.profile_of_caller(profile_id, caller);
  IF mode IS NULL OR mode OPERATOR(pg_catalog.<>) ALL ('{full,incremental,none}') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unknown refresh mode %L', mode);
  END IF;
  UPDATE @extschema@.profiles pr
  SET last_end = pg_catalog.clock_timestamp(), last_mode = mode, last_rows = customers,
      failures = 0, last_error = NULL,
      next_run = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) pr.refresh_interval,
      last_fit_at = CASE WHEN refit THEN LEAST(as_of, pg_catalog.now()) ELSE pr.last_fit_at END,
      last_fit_error = CASE WHEN refit THEN pg_catalog.left(fit_error, 10000) ELSE pr.last_fit_error END
  WHERE pr.id OPERATOR(pg_catalog.=) profile_id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_record_refresh_privileged(regrole, integer, text, bigint, boolean, text, timestamptz) IS
'Records a successful refresh of a profile whose owner''s privileges caller has (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_record_refresh_privileged(regrole, integer, text, bigint, boolean, text, timestamptz) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_record_refresh(profile_id integer,
    mode text, customers bigint, refit boolean, fit_error text, as_of timestamptz)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_record_refresh(integer, text, bigint, boolean, text, timestamptz) IS
'Records a successful profile refresh: its mode, customers recomputed, whether and how the models were refitted; the next timed run after refresh_interval (internal)';

-- What the worker of a database refreshes now: enabled profiles that are due
-- by time, or have pending changes and are not backing off after a failure.
CREATE OR REPLACE FUNCTION @extschema@.profiles_due()
RETURNS SETOF integer LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p.id FROM @extschema@.profiles p
  WHERE p.enabled
    AND (p.next_run OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp()
         OR (p.failures OPERATOR(pg_catalog.=) 0
             AND EXISTS (SELECT FROM @extschema@.profile_changes c WHERE c.profile_id OPERATOR(pg_catalog.=) p.id)))
  -- profiles that failed last time go last: they cannot delay the others
  ORDER BY p.failures OPERATOR(pg_catalog.>) 0, p.next_run, p.id
$$;
COMMENT ON FUNCTION @extschema@.profiles_due() IS
'Profiles the background worker refreshes now: enabled, and due by time or with pending changes while not backing off; failing ones last (internal)';

CREATE OR REPLACE FUNCTION @extschema@.refresh_profile_as_owner(profile_id integer, full_refresh boolean,
                                                     OUT mode text, OUT customers bigint, OUT refit boolean)
AS 'MODULE_PATHNAME', 'clv_refresh_profile_as_owner'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.refresh_profile_as_owner(integer, boolean) IS
'Runs clv.profile_refresh_step as the profile''s owner (the caller must have the owner''s privileges), in a security-restricted operation with a safe search_path and parallel query off; the background worker runs the same function (internal: use clv.refresh_profile)';

--------------------------------------------------------------------------
-- Public API
--------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.create_profile(
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
  PERFORM @extschema@.profile_validate(p, current_user::regrole);
  IF EXISTS (SELECT FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
             WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema
               AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY[p.name, p.name || '_facts', p.name || '_summary', p.name || '_model'])) THEN
    RAISE EXCEPTION USING ERRCODE = '42P07',
      MESSAGE = pg_catalog.format('relation %s.%s (or its _facts, _summary or _model) already exists', p.target_schema, p.name);
  END IF;

  p.id := @extschema@.profile_register(p.name, p.source, p.customer_column, p.ts_column, p.amount_column,
                                       p.unit, p.model, p.horizon, p.discount_rate, p.discount_steps, p.margin,
                                       p.trend_period, p.refresh_interval, p.refit_interval, p.resolve_identity,
                                       p.target_schema);
  SELECT * INTO p FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) p.id;

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
  PERFORM @extschema@.profile_build_model_table(p);
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
    -- CREATE INDEX needs the source's ownership and CREATE on its schema
    IF create_index
       AND pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c
                                   WHERE c.oid OPERATOR(pg_catalog.=) p.source), 'USAGE')
       AND pg_catalog.has_schema_privilege((SELECT c.relnamespace FROM pg_catalog.pg_class c
                                            WHERE c.oid OPERATOR(pg_catalog.=) p.source), 'CREATE') THEN
      EXECUTE pg_catalog.format('CREATE INDEX ON %s (%I, %I)', p.source, p.customer_column, p.ts_column);
      RAISE NOTICE 'created an index on % (%, %) for incremental refresh', p.source, p.customer_column, p.ts_column;
    ELSE
      RAISE NOTICE 'no index on % starts with %; incremental refresh will scan the table', p.source, p.customer_column
        USING HINT = pg_catalog.format('The table''s owner can create it: CREATE INDEX ON %s (%I, %I)',
                                       p.source, p.customer_column, p.ts_column);
    END IF;
  END IF;
  PERFORM @extschema@.profile_wake();
  RETURN @extschema@.profile_object(p, '')::regclass;
END
$$;
COMMENT ON FUNCTION @extschema@.create_profile(text, regclass, name, name, name, interval, text, double precision, double precision, interval, interval, boolean, name, integer, double precision, interval, boolean) IS
'Registers a customer profile over a transactions table: creates <target_schema>.<name> (view, one row per customer), <name>_facts and <name>_summary, change-capture triggers on the source and (create_index) an index on (customer, ts); the background worker fills and refreshes it, or call clv.refresh_profile. unit: time unit of recency, t and horizon; model: bgnbd, mbgnbd or pareto_nbd; horizon in units (default: 365 days); discount_rate per step of horizon/discount_steps; margin multiplies spend into value; refresh_interval: most time between refreshes without new changes; refit_interval: model refit (and full refresh) period; resolve_identity: one row per identity cluster of clv.identity_nodes';

CREATE OR REPLACE FUNCTION @extschema@.alter_profile(
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
  p @extschema@.profiles := @extschema@.profile_lock(name);
BEGIN
  PERFORM @extschema@.profile_update(p.id, unit, model, horizon, discount_rate, refresh_interval,
                                     refit_interval, discount_steps, margin, trend_period, enabled);
  SELECT * INTO p FROM @extschema@.profiles pr WHERE pr.id OPERATOR(pg_catalog.=) p.id;
  PERFORM @extschema@.profile_build_views(p);
  PERFORM @extschema@.profile_wake();
END
$$;
COMMENT ON FUNCTION @extschema@.alter_profile(text, interval, text, double precision, double precision, interval, interval, integer, double precision, interval, boolean) IS
'Changes a profile''s settings (NULL keeps a setting); enabled = false stops its background refresh. A new unit, model or trend period makes the next refresh a full one with a refit';

CREATE OR REPLACE FUNCTION @extschema@.drop_profile(name text)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no notices from DROP ... IF EXISTS
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_lock(name);
BEGIN
  -- unregistered first (with its capture triggers, which only the source's
  -- owner could drop otherwise): dropping its objects then leaves nothing
  -- for clv.profile_dropped_objects to do
  PERFORM @extschema@.profile_unregister(p.id);
  EXECUTE pg_catalog.format('DROP VIEW IF EXISTS %s, %s', @extschema@.profile_object(p, '_summary'), @extschema@.profile_object(p, ''));
  EXECUTE pg_catalog.format('DROP TABLE IF EXISTS %s, %s', @extschema@.profile_object(p, '_facts'),
                            @extschema@.profile_object(p, '_model'));
END
$$;
COMMENT ON FUNCTION @extschema@.drop_profile(text) IS
'Drops a profile: its views, facts table, change-capture triggers, model history and registration; waits for a refresh of it in progress';

CREATE OR REPLACE FUNCTION @extschema@.refresh_profile(name text, full_refresh boolean DEFAULT false,
                                            OUT mode text, OUT customers bigint, OUT refit boolean)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_lock(name);
BEGIN
  PERFORM @extschema@.profile_record_start(p.id);
  SELECT r.mode, r.customers, r.refit INTO mode, customers, refit
  FROM @extschema@.refresh_profile_as_owner(p.id, COALESCE(full_refresh, false)) r;
END
$$;
COMMENT ON FUNCTION @extschema@.refresh_profile(text, boolean) IS
'Refreshes a profile now, in the calling transaction, the way the background worker does (as the profile''s owner): mode = full, incremental or none, customers recomputed, refit = whether the models were refitted. full_refresh recomputes every customer and refits';

CREATE OR REPLACE FUNCTION @extschema@.profile_worker_state()
RETURNS text AS 'MODULE_PATHNAME', 'clv_profile_worker_state'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.profile_worker_state() IS
'The state of this database''s profile worker: running (pid), starting, waiting for a free slot (all clv.max_workers slots are taken), disabled (clv.worker_enabled is off) or none (clv_ext is not in shared_preload_libraries)';

-- Profiles whose objects are dropped by other means than clv.drop_profile
-- (DROP OWNED BY, DROP SCHEMA ... CASCADE, DROP TABLE): a profile that lost
-- its facts, model or view is unregistered (its capture triggers are
-- dropped); one that lost its source is disabled, with a NOTICE, and keeps
-- the source's name for the errors of later calls. Runs as the
-- extension's owner (the role dropping need not see the registry), on
-- built-in data only.
CREATE OR REPLACE FUNCTION @extschema@.profile_dropped_objects()
RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
  lost record;
BEGIN
  FOR p IN
    SELECT pr.* FROM @extschema@.profiles pr
    WHERE EXISTS (SELECT FROM pg_catalog.pg_event_trigger_dropped_objects() d
                  WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objsubid OPERATOR(pg_catalog.=) 0
                    AND d.schema_name OPERATOR(pg_catalog.=) pr.target_schema
                    AND d.object_name OPERATOR(pg_catalog.=) ANY (ARRAY[pr.name, pr.name OPERATOR(pg_catalog.||) '_facts',
                                                                       pr.name OPERATOR(pg_catalog.||) '_model']))
  LOOP
    PERFORM @extschema@.profile_drop_capture(p);
    PERFORM @extschema@.profile_forget(p.id);
  END LOOP;
  -- the name of a dropped source is kept for the errors that follow
  FOR lost IN
    SELECT pr.id, pr.name, pr.owner, d.object_identity
    FROM @extschema@.profiles pr
    JOIN pg_catalog.pg_event_trigger_dropped_objects() d
      ON d.objid OPERATOR(pg_catalog.=) pr.source::pg_catalog.oid
     AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.objsubid OPERATOR(pg_catalog.=) 0
    WHERE pr.source_dropped IS NULL
  LOOP
    UPDATE @extschema@.profiles pr
    SET enabled = false, source_dropped = lost.object_identity,
        last_error = pg_catalog.format('source table %s was dropped', lost.object_identity),
        last_error_at = pg_catalog.clock_timestamp()
    WHERE pr.id OPERATOR(pg_catalog.=) lost.id;
    RAISE NOTICE 'profile "%" of role % lost its source table %: it is disabled', lost.name, lost.owner, lost.object_identity
      USING HINT = pg_catalog.format('Its facts stay readable until its owner drops it: SELECT clv.drop_profile(%L).', lost.name);
  END LOOP;
EXCEPTION WHEN undefined_table THEN
  NULL;  -- DROP EXTENSION: the registry went first
END
$$;
COMMENT ON FUNCTION @extschema@.profile_dropped_objects() IS
'Event trigger on sql_drop: unregisters the profiles whose view, facts or model table was dropped, disables those whose source was dropped and records its name, with a NOTICE (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_dropped_objects() FROM PUBLIC;

CREATE OR REPLACE VIEW @extschema@.profile_status AS
SELECT p.name AS profile, p.owner, p.enabled, p.last_start, p.last_end,
       CASE WHEN p.last_end OPERATOR(pg_catalog.>=) p.last_start THEN p.last_end OPERATOR(pg_catalog.-) p.last_start END AS duration,
       p.last_mode, p.last_rows AS rows_changed,
       c.pending AS pending_changes, c.full_pending AS full_refresh_pending,
       pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) c.oldest AS lag,
       p.last_fit_at, p.last_fit_error,
       p.last_error, p.last_error_at, p.failures,
       p.next_run,
       p.last_start IS NOT NULL AND (p.last_end IS NULL OR p.last_end OPERATOR(pg_catalog.<) p.last_start)
         AND (p.last_error_at IS NULL OR p.last_error_at OPERATOR(pg_catalog.<) p.last_start) AS running_or_interrupted,
       @extschema@.profile_worker_state() AS worker
FROM @extschema@.profiles p
LEFT JOIN LATERAL (SELECT COALESCE(pg_catalog.sum(pg_catalog.cardinality(ch.customers)), 0) AS pending,
                          COALESCE(pg_catalog.bool_or(ch.customers IS NULL), false) AS full_pending,
                          pg_catalog.min(ch.changed_at) AS oldest
                   FROM @extschema@.profile_changes ch WHERE ch.profile_id OPERATOR(pg_catalog.=) p.id) c ON true
-- The view reads as its owner, who sees every row: each reader sees the
-- profiles of roles it has the privileges of, and those whose view it may
-- read (last_error may name customers).
WHERE pg_catalog.pg_has_role(p.owner, 'USAGE')
   OR pg_catalog.has_table_privilege((SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n
                                        ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                                      WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema
                                        AND c.relname OPERATOR(pg_catalog.=) p.name), 'SELECT');
COMMENT ON VIEW @extschema@.profile_status IS
'One row per profile the current role may see: last refresh start and end, duration, mode and customers recomputed, pending changes (customer keys waiting, with repeats), whether a full refresh is pending, lag (age of the oldest pending change), last model fit and its error, last refresh error, consecutive failures, next timed run; running_or_interrupted: started but neither finished nor failed (running now, or the server crashed during it); worker: the state of this database''s profile worker (running, starting, waiting for a free clv.max_workers slot, disabled, not preloaded)';
GRANT SELECT ON @extschema@.profile_status TO PUBLIC;

-- Triggers on the extension's own tables, idempotent like the rest of this
-- file: they bind those tables to the functions above.

CREATE OR REPLACE TRIGGER profile_capture_ins AFTER INSERT ON @extschema@.identity_nodes
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE OR REPLACE TRIGGER profile_capture_upd AFTER UPDATE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
CREATE OR REPLACE TRIGGER profile_capture_del AFTER DELETE ON @extschema@.identity_nodes
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.profile_capture_identities();
-- Event triggers have no CREATE OR REPLACE; this one always runs the function
-- of the same name, so an existing one is already right.
DO $event_trigger$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_event_trigger e
                 WHERE e.evtname OPERATOR(pg_catalog.=) 'clv_profile_dropped_objects') THEN
    CREATE EVENT TRIGGER clv_profile_dropped_objects ON sql_drop
    EXECUTE FUNCTION @extschema@.profile_dropped_objects();
  END IF;
END
$event_trigger$;
COMMENT ON EVENT TRIGGER clv_profile_dropped_objects IS
'Keeps clv.profiles in step with DROP OWNED BY, DROP SCHEMA ... CASCADE and DROP TABLE of a profile''s objects or source';
