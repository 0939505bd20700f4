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
    model text NOT NULL CHECK (model OPERATOR(pg_catalog.=) ANY ('{auto,bgnbd,mbgnbd,pareto_nbd}')),
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
    -- watermark capture (0.6.0): no trigger on the source
    watermark_column name,
    watermark_lag interval NOT NULL DEFAULT '0' CHECK (watermark_lag OPERATOR(pg_catalog.>=) '0' AND watermark_lag OPERATOR(pg_catalog.<=) '366 days'),
    watermark_id_lag bigint NOT NULL DEFAULT 0 CHECK (watermark_id_lag OPERATOR(pg_catalog.>=) 0 AND watermark_id_lag OPERATOR(pg_catalog.<=) 1000000000000),
    watermark_ts timestamptz,
    watermark_id bigint,
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
COMMENT ON COLUMN @extschema@.profiles.model IS 'purchase model: auto (the lowest BIC of bgnbd, mbgnbd and pareto_nbd at each refit), bgnbd, mbgnbd or pareto_nbd';
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
COMMENT ON COLUMN @extschema@.profiles.watermark_column IS 'watermark capture: the source''s monotonic column (timestamptz, bigint or integer) whose values past the stored watermark are the new rows; NULL: trigger capture';
COMMENT ON COLUMN @extschema@.profiles.watermark_lag IS 'watermark capture on a timestamptz column: rows down to this much below the stored watermark are read again, for transactions that commit late';
COMMENT ON COLUMN @extschema@.profiles.watermark_id_lag IS 'watermark capture on an integer column: rows down to this many ids below the stored watermark are read again, for transactions that commit late';
COMMENT ON COLUMN @extschema@.profiles.watermark_ts IS 'watermark capture on a timestamptz column: the highest value seen by the last refresh (NULL before the first)';
COMMENT ON COLUMN @extschema@.profiles.watermark_id IS 'watermark capture on an integer column: the highest value seen by the last refresh (NULL before the first)';
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
    model text,
    PRIMARY KEY (profile_id, fitted_at)
);
COMMENT ON COLUMN @extschema@.profile_models.profile_id IS 'the profile';
COMMENT ON COLUMN @extschema@.profile_models.fitted_at IS 'when the fit ended';
COMMENT ON COLUMN @extschema@.profile_models.fit_duration IS 'time the fit took';
COMMENT ON COLUMN @extschema@.profile_models.bgnbd IS 'the BG/NBD fit of a profile with model bgnbd, or auto when BG/NBD was chosen';
COMMENT ON COLUMN @extschema@.profile_models.mbgnbd IS 'the MBG/NBD fit of a profile with model mbgnbd, or auto when MBG/NBD was chosen';
COMMENT ON COLUMN @extschema@.profile_models.pareto_nbd IS 'the Pareto/NBD fit of a profile with model pareto_nbd, or auto when Pareto/NBD was chosen';
COMMENT ON COLUMN @extschema@.profile_models.gamma_gamma IS 'the Gamma-Gamma spend fit';
COMMENT ON COLUMN @extschema@.profile_models.model IS 'the purchase model of this fit, whose column is set (chosen by BIC for a profile with model auto; NULL in rows of 0.5.0)';
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
