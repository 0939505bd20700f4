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
      SELECT pm.bgnbd, pm.mbgnbd, pm.pareto_nbd, pm.gamma_gamma, pm.recency_breaks,
             pm.frequency_breaks, pm.monetary_breaks, pm.clv_breaks
      FROM %3$s pm LIMIT 1)
    SELECT f.%4$I, f.orders, f.first_purchase, f.last_purchase, f.frequency, f.recency, a.t,
           f.monetary, f.total_spend, f.total_spend * %5$s AS historical_value,
           s.p_alive, s.expected_purchases, s.predicted_clv,
           f.trend_direction, f.trend_slope, l.lateness,
           %2$s.churn_risk(s.p_alive, l.lateness, f.trend_direction) AS churn_risk,
           %2$s.rfm_segment(%2$s.rfm_score(pg_catalog.date_part('epoch', f.last_purchase), m.recency_breaks),
                            %2$s.rfm_score(f.frequency, m.frequency_breaks),
                            %2$s.rfm_score(COALESCE(f.monetary, 0), m.monetary_breaks)) AS rfm_segment,
           10 - pg_catalog.width_bucket(s.predicted_clv, m.clv_breaks) AS clv_decile,
           f.refreshed_at
    FROM %6$s f
    CROSS JOIN LATERAL (SELECT f.t_at_refresh
                               + pg_catalog.date_part('epoch', pg_catalog.now() - f.refreshed_at) / %7$s AS t) a
    LEFT JOIN m ON true
    CROSS JOIN LATERAL (
      SELECT COALESCE(%2$s.p_alive(m.bgnbd, f.frequency, f.recency, a.t),
                      %2$s.p_alive(m.mbgnbd, f.frequency, f.recency, a.t),
                      %2$s.p_alive(m.pareto_nbd, f.frequency, f.recency, a.t)) AS p_alive,
             COALESCE(%2$s.expected_purchases(m.bgnbd, f.frequency, f.recency, a.t, %8$s),
                      %2$s.expected_purchases(m.mbgnbd, f.frequency, f.recency, a.t, %8$s),
                      %2$s.expected_purchases(m.pareto_nbd, f.frequency, f.recency, a.t, %8$s)) AS expected_purchases,
             COALESCE(%2$s.predicted_clv(m.bgnbd, m.gamma_gamma, f.frequency, f.recency, a.t,
                                         COALESCE(f.monetary, 0), %8$s, %9$s, %10$s),
                      %2$s.predicted_clv(m.mbgnbd, m.gamma_gamma, f.frequency, f.recency, a.t,
                                         COALESCE(f.monetary, 0), %8$s, %9$s, %10$s),
                      %2$s.predicted_clv(m.pareto_nbd, m.gamma_gamma, f.frequency, f.recency, a.t,
                                         COALESCE(f.monetary, 0), %8$s, %9$s, %10$s)) * %5$s AS predicted_clv) s
    CROSS JOIN LATERAL (SELECT %2$s.lateness(f.frequency, f.recency, a.t) AS lateness) l$v$,
    @extschema@.profile_object(p, ''), ext, @extschema@.profile_object(p, '_model'), p.customer_column, p.margin,
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
  IF p.watermark_column IS NOT NULL THEN
    RETURN;  -- watermark capture: no trigger on the source
  END IF;
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
'Creates the INSERT, UPDATE, DELETE and TRUNCATE change-capture triggers of a profile on its source; none for a profile with a watermark column (internal)';

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

-- The type of a watermark profile's column, checked on every call (the
-- source's owner may have altered it since): it must exist and be
-- timestamptz, bigint or integer, built-in types whose comparisons and
-- max() are pg_catalog's own.
CREATE OR REPLACE FUNCTION @extschema@.profile_watermark_type(p @extschema@.profiles)
RETURNS regtype LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  column_type regtype;
  citus_table boolean;
BEGIN
  SELECT a.atttypid::regtype INTO column_type
  FROM pg_catalog.pg_attribute a
  WHERE a.attrelid OPERATOR(pg_catalog.=) p.source AND a.attname OPERATOR(pg_catalog.=) p.watermark_column
    AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42703',
      MESSAGE = pg_catalog.format('watermark column "%s" of %s does not exist', p.watermark_column, p.source);
  END IF;
  IF column_type OPERATOR(pg_catalog.<>) ALL ('{timestamptz,bigint,integer}'::regtype[]) THEN
    RAISE EXCEPTION USING ERRCODE = '42804',
      MESSAGE = pg_catalog.format('watermark column "%s" has type %s', p.watermark_column, column_type),
      HINT = 'A watermark column is a timestamptz (ingestion time) or a bigint or integer id that grows with each insert.';
  END IF;
  -- Citus hands each node its own range of a sequence (a row inserted
  -- through a worker gets an id above 2^48): ids do not grow with each
  -- insert across nodes, and rows would be missed.
  IF column_type OPERATOR(pg_catalog.<>) 'timestamptz'::regtype
     AND pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1)'
      INTO citus_table USING p.source;
    IF citus_table THEN
      RAISE EXCEPTION USING ERRCODE = '0A000',
        MESSAGE = pg_catalog.format('watermark column "%s" of Citus table %s is an id', p.watermark_column, p.source),
        DETAIL = 'Citus gives each node its own range of ids, so ids do not grow with each insert across nodes.',
        HINT = 'Use an ingestion-time column (timestamptz DEFAULT clock_timestamp()) as the watermark column.';
    END IF;
  END IF;
  RETURN column_type;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_watermark_type(@extschema@.profiles) IS
'Type of a watermark profile''s column: timestamptz, bigint or integer, else ERROR 42703 (no such column) or 42804 (another type); an id column of a Citus table is ERROR 0A000 (internal)';

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
  IF p.watermark_column IS NULL
     AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source) NOT IN ('r', 'p') THEN
    RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = pg_catalog.format('source %s is not a table', p.source),
      HINT = 'Trigger capture needs a table; a foreign table with a monotonic column can be a source with watermark_column.';
  END IF;
  IF p.watermark_column IS NOT NULL
     AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source) NOT IN ('r', 'p', 'f') THEN
    RAISE EXCEPTION USING ERRCODE = '42809', MESSAGE = pg_catalog.format('source %s is not a table or foreign table', p.source),
      HINT = 'Watermark capture reads a table, a partitioned table or a foreign table.';
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
  IF p.watermark_column IS NOT NULL THEN
    IF NOT pg_catalog.has_column_privilege(owner, p.source, p.watermark_column, 'SELECT') THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = pg_catalog.format('permission denied to read column "%s" of %s', p.watermark_column, p.source),
        HINT = 'A profile is refreshed with its owner''s privileges: the owner must be able to read the watermark column.';
    END IF;
    PERFORM @extschema@.profile_watermark_type(p);
  END IF;
  IF p.watermark_lag IS NULL OR p.watermark_lag OPERATOR(pg_catalog.<) '0' OR p.watermark_lag OPERATOR(pg_catalog.>) '366 days' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('watermark_lag must be between 0 and 366 days, got %s', p.watermark_lag);
  END IF;
  IF p.watermark_id_lag IS NULL OR p.watermark_id_lag OPERATOR(pg_catalog.<) 0 OR p.watermark_id_lag OPERATOR(pg_catalog.>) 1000000000000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('watermark_id_lag must be between 0 and 1000000000000, got %s', p.watermark_id_lag);
  END IF;
  IF p.watermark_lag OPERATOR(pg_catalog.<>) '0'
     AND (p.watermark_column IS NULL OR @extschema@.profile_watermark_type(p) OPERATOR(pg_catalog.<>) 'timestamptz'::regtype) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'watermark_lag applies to a timestamptz watermark column only',
      HINT = 'For an integer watermark column, give the allowance in ids: watermark_id_lag.';
  END IF;
  IF p.watermark_id_lag OPERATOR(pg_catalog.<>) 0
     AND (p.watermark_column IS NULL OR @extschema@.profile_watermark_type(p) OPERATOR(pg_catalog.=) 'timestamptz'::regtype) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = 'watermark_id_lag applies to an integer watermark column only',
      HINT = 'For a timestamptz watermark column, give the allowance as an interval: watermark_lag.';
  END IF;
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
  IF p.model IS NULL OR p.model OPERATOR(pg_catalog.<>) ALL ('{auto,bgnbd,mbgnbd,pareto_nbd}') THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = pg_catalog.format('unknown model %L', p.model),
      HINT = 'Use auto, bgnbd, mbgnbd or pareto_nbd.';
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
-- Without the fits' WARNINGs: with model auto most concern candidates that
-- are not chosen; profile_status shows whether the chosen fit converged.
CREATE OR REPLACE FUNCTION @extschema@.profile_refit(p @extschema@.profiles)
RETURNS text LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = error
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
      SELECT %4$s AS bgnbd, %8$s AS mbgnbd, %9$s AS pareto_nbd, %3$s.gamma_gamma_fit(x, monetary) AS gg,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY pg_catalog.date_part('epoch', last_purchase)) AS rb,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY x) AS fb,
             pg_catalog.percentile_cont('{0.2,0.4,0.6,0.8}'::double precision[]) WITHIN GROUP (ORDER BY COALESCE(monetary, 0)) AS mb
      FROM f),
    -- the candidate with the lowest BIC, converged fits first
    c AS (
      SELECT m.*, (SELECT v.name FROM (VALUES ('bgnbd', (m.bgnbd).bic, (m.bgnbd).converged),
                                              ('mbgnbd', (m.mbgnbd).bic, (m.mbgnbd).converged),
                                              ('pareto_nbd', (m.pareto_nbd).bic, (m.pareto_nbd).converged)) v(name, bic, converged)
                   WHERE v.bic IS NOT NULL ORDER BY v.converged DESC, v.bic LIMIT 1) AS chosen
      FROM m),
    k AS (
      SELECT c.chosen, c.gg, c.rb, c.fb, c.mb,
             CASE WHEN c.chosen OPERATOR(pg_catalog.=) 'bgnbd' THEN c.bgnbd END AS bgnbd,
             CASE WHEN c.chosen OPERATOR(pg_catalog.=) 'mbgnbd' THEN c.mbgnbd END AS mbgnbd,
             CASE WHEN c.chosen OPERATOR(pg_catalog.=) 'pareto_nbd' THEN c.pareto_nbd END AS pareto_nbd
      FROM c WHERE c.chosen IS NOT NULL)
    INSERT INTO %3$s.profile_models (profile_id, fitted_at, fit_duration, bgnbd, mbgnbd, pareto_nbd, gamma_gamma,
                                     recency_breaks, frequency_breaks, monetary_breaks, clv_breaks, model)
    SELECT $1, pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp() - $2, k.bgnbd, k.mbgnbd, k.pareto_nbd,
           k.gg, k.rb, k.fb, k.mb,
           (SELECT pg_catalog.percentile_cont('{0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9}'::double precision[])
                     WITHIN GROUP (ORDER BY COALESCE(
                       %3$s.predicted_clv(k.bgnbd, k.gg, f.x, f.recency, f.t, COALESCE(f.monetary, 0), %5$s, %6$s, %7$s),
                       %3$s.predicted_clv(k.mbgnbd, k.gg, f.x, f.recency, f.t, COALESCE(f.monetary, 0), %5$s, %6$s, %7$s),
                       %3$s.predicted_clv(k.pareto_nbd, k.gg, f.x, f.recency, f.t, COALESCE(f.monetary, 0), %5$s, %6$s, %7$s)))
            FROM f),
           k.chosen
    FROM k$q$,
    unit_seconds, @extschema@.profile_object(p, '_facts'), ext,
    CASE WHEN p.model OPERATOR(pg_catalog.=) ANY ('{auto,bgnbd}') THEN ext || '.bgnbd_fit(x, recency, t)' ELSE 'NULL::' || ext || '.bgnbd' END,
    p.horizon, p.discount_rate, p.horizon / p.discount_steps,
    CASE WHEN p.model OPERATOR(pg_catalog.=) ANY ('{auto,mbgnbd}') THEN ext || '.mbgnbd_fit(x, recency, t)' ELSE 'NULL::' || ext || '.mbgnbd' END,
    CASE WHEN p.model OPERATOR(pg_catalog.=) ANY ('{auto,pareto_nbd}') THEN ext || '.pareto_nbd_fit(x, recency, t)' ELSE 'NULL::' || ext || '.pareto_nbd' END)
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

-- Watermark capture: with incremental, the customer keys (as text, as the
-- capture trigger writes them) of the rows whose watermark column is past
-- the stored watermark less the allowance, and the highest value among
-- them; otherwise only the highest value of the whole source. One query,
-- one snapshot. The bound is a typed parameter and the comparison
-- pg_catalog's: the column's type was checked by profile_watermark_type.
CREATE OR REPLACE FUNCTION @extschema@.profile_watermark_read(p @extschema@.profiles, watermark_type regtype,
                                                   incremental boolean,
                                                   OUT keys text[], OUT seen_ts timestamptz, OUT seen_id bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  key_expr text;
  bound_ts timestamptz;
  bound_id bigint;
  filter text := '';
  seen text;
BEGIN
  IF watermark_type OPERATOR(pg_catalog.=) 'timestamptz'::regtype THEN
    seen := pg_catalog.format('pg_catalog.max(s.%I), NULL::bigint', p.watermark_column);
    -- clamped: below the first representable time everything is read
    IF p.watermark_ts IS NOT NULL AND p.watermark_ts OPERATOR(pg_catalog.>) '4000-01-01 BC'::timestamptz THEN
      bound_ts := p.watermark_ts OPERATOR(pg_catalog.-) p.watermark_lag;
      filter := pg_catalog.format('WHERE s.%I OPERATOR(pg_catalog.>) $1', p.watermark_column);
    END IF;
  ELSE
    seen := pg_catalog.format('NULL::timestamptz, pg_catalog.max(s.%I)::bigint', p.watermark_column);
    IF p.watermark_id IS NOT NULL
       AND p.watermark_id OPERATOR(pg_catalog.>=) (-9223372036854775807 OPERATOR(pg_catalog.+) p.watermark_id_lag) THEN
      bound_id := p.watermark_id OPERATOR(pg_catalog.-) p.watermark_id_lag;
      filter := pg_catalog.format('WHERE s.%I OPERATOR(pg_catalog.>) $2', p.watermark_column);
    END IF;
  END IF;
  IF NOT incremental THEN
    EXECUTE pg_catalog.format('SELECT NULL::text[], %s FROM %s s', seen, p.source) INTO keys, seen_ts, seen_id;
    RETURN;
  END IF;
  IF p.resolve_identity THEN
    key_expr := @extschema@.profile_identifier_key_sql(pg_catalog.format('(s.%I::text COLLATE "C")', p.customer_column));
  ELSE
    key_expr := pg_catalog.format('s.%I::text', p.customer_column);
  END IF;
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.array_agg(DISTINCT %s) FILTER (WHERE s.%I IS NOT NULL), %s FROM %s s %s',
    key_expr, p.customer_column, seen, p.source, filter)
  INTO keys, seen_ts, seen_id USING bound_ts, bound_id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_watermark_read(@extschema@.profiles, regtype, boolean) IS
'Watermark capture: the customer keys (incremental) and the highest watermark value of the rows of a profile''s source past its stored watermark less the allowance, or (not incremental) the highest value of the whole source (internal)';

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
  watermark_type regtype;
  new_keys text[];
  seen_ts timestamptz;
  seen_id bigint;
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
  IF p.watermark_column IS NOT NULL THEN
    watermark_type := @extschema@.profile_watermark_type(p);  -- may have been altered since
  END IF;
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

  full_refresh := full_refresh OR COALESCE(full_marker, false) OR refit OR p.last_end IS NULL;
  IF watermark_type IS NOT NULL THEN
    -- Watermark capture: the rows past the stored watermark (less the
    -- allowance for late commits), their customers and the highest value,
    -- read in one snapshot; a full refresh reads the highest value before
    -- it recomputes, so that nothing committed meanwhile is skipped later.
    SELECT w.keys, w.seen_ts, w.seen_id INTO new_keys, seen_ts, seen_id
    FROM @extschema@.profile_watermark_read(p, watermark_type, NOT full_refresh) w;
    keys := ARRAY(SELECT DISTINCT k FROM pg_catalog.unnest(keys OPERATOR(pg_catalog.||) new_keys) k);
    IF pg_catalog.cardinality(keys) OPERATOR(pg_catalog.=) 0 THEN
      keys := NULL;
    END IF;
  END IF;

  IF full_refresh THEN
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
  IF watermark_type IS NOT NULL THEN
    -- in the refresh's transaction: both commit or neither does
    PERFORM @extschema@.profile_record_watermark(p.id, seen_ts, seen_id, full_refresh);
  END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_refresh_step(integer, boolean) IS
'One refresh of a profile with the caller''s privileges: takes in its pending changes (with a watermark column: the rows past the stored watermark, less the allowance, and advances it), recomputes the touched customers (everyone when full, after a TRUNCATE, an identity merge or split, or when a refit is due), refits the models when due (internal: use clv.refresh_profile)';

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
    refresh_interval interval, refit_interval interval, resolve_identity boolean, target_schema name,
    watermark_column name, watermark_lag interval, watermark_id_lag bigint)
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
  p.target_schema := target_schema; p.watermark_column := watermark_column;
  p.watermark_lag := watermark_lag; p.watermark_id_lag := watermark_id_lag;
  PERFORM @extschema@.profile_validate(p, caller);
  -- Names are unique per owner, so no role learns another's names here.
  IF EXISTS (SELECT FROM @extschema@.profiles pr
             WHERE pr.owner OPERATOR(pg_catalog.=) caller AND pr.name OPERATOR(pg_catalog.=) p.name) THEN
    RAISE EXCEPTION USING ERRCODE = '42710', MESSAGE = pg_catalog.format('profile "%s" already exists', p.name);
  END IF;
  INSERT INTO @extschema@.profiles (name, owner, source, customer_column, ts_column, amount_column, unit, model,
                                    horizon, discount_rate, discount_steps, margin, trend_period,
                                    refresh_interval, refit_interval, resolve_identity, target_schema,
                                    watermark_column, watermark_lag, watermark_id_lag)
  VALUES (p.name, caller, p.source, p.customer_column, p.ts_column, p.amount_column, p.unit,
          p.model, p.horizon, p.discount_rate, p.discount_steps, p.margin, p.trend_period,
          p.refresh_interval, p.refit_interval, p.resolve_identity, p.target_schema,
          p.watermark_column, p.watermark_lag, p.watermark_id_lag)
  RETURNING id INTO p.id;
  RETURN p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_register_privileged(regrole, text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name, name, interval, bigint) IS
'Registers a profile owned by caller after checking it against what caller may read (watermark_column NULL: trigger capture); returns its id (internal: called by clv.profile_register)';
REVOKE ALL ON FUNCTION @extschema@.profile_register_privileged(regrole, text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name, name, interval, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_register(
    name text, source regclass, customer_column name, ts_column name, amount_column name,
    unit interval, model text, horizon double precision, discount_rate double precision,
    discount_steps integer, margin double precision, trend_period interval,
    refresh_interval interval, refit_interval interval, resolve_identity boolean, target_schema name,
    watermark_column name, watermark_lag interval, watermark_id_lag bigint)
RETURNS integer AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_register(text, regclass, name, name, name, interval, text, double precision, double precision, integer, double precision, interval, interval, interval, boolean, name, name, interval, bigint) IS
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

-- The watermark a refresh saw, recorded in its transaction: a full refresh
-- sets it to the highest value of the source, an incremental one only
-- moves it forward (a refresh that found no row keeps it).
CREATE OR REPLACE FUNCTION @extschema@.profile_record_watermark_privileged(caller regrole, profile_id integer,
    seen_ts timestamptz, seen_id bigint, full_refresh boolean)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles := @extschema@.profile_of_caller(profile_id, caller);
BEGIN
  IF p.watermark_column IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = pg_catalog.format('profile "%s" has no watermark column', p.name);
  END IF;
  UPDATE @extschema@.profiles pr
  SET watermark_ts = CASE WHEN full_refresh THEN seen_ts ELSE GREATEST(pr.watermark_ts, seen_ts) END,
      watermark_id = CASE WHEN full_refresh THEN seen_id ELSE GREATEST(pr.watermark_id, seen_id) END
  WHERE pr.id OPERATOR(pg_catalog.=) p.id;
END
$$;
COMMENT ON FUNCTION @extschema@.profile_record_watermark_privileged(regrole, integer, timestamptz, bigint, boolean) IS
'Records the watermark a refresh of a watermark profile whose owner''s privileges caller has saw: full_refresh sets it, otherwise it only moves forward (internal)';
REVOKE ALL ON FUNCTION @extschema@.profile_record_watermark_privileged(regrole, integer, timestamptz, bigint, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.profile_record_watermark(profile_id integer,
    seen_ts timestamptz, seen_id bigint, full_refresh boolean)
RETURNS void AS 'MODULE_PATHNAME', 'clv_privileged_call' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@.profile_record_watermark(integer, timestamptz, bigint, boolean) IS
'Records the highest watermark value a refresh of a watermark profile saw, in the refresh''s transaction (internal)';

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
    model text DEFAULT 'auto',
    horizon double precision DEFAULT NULL,
    discount_rate double precision DEFAULT 0.01,
    refresh_interval interval DEFAULT '10 seconds',
    refit_interval interval DEFAULT '1 day',
    resolve_identity boolean DEFAULT false,
    target_schema name DEFAULT 'clv_profiles',
    discount_steps integer DEFAULT 12,
    margin double precision DEFAULT 1,
    trend_period interval DEFAULT '30 days',
    create_index boolean DEFAULT true,
    watermark_column name DEFAULT NULL,
    watermark_lag interval DEFAULT '0',
    watermark_id_lag bigint DEFAULT 0)
RETURNS regclass LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p @extschema@.profiles;
  key_type text;
  index_exists boolean;
  relkind "char";
BEGIN
  p.name := name; p.source := source; p.customer_column := customer_column;
  p.ts_column := ts_column; p.amount_column := amount_column; p.unit := unit; p.model := model;
  -- default horizon: one year in the profile's unit
  p.horizon := COALESCE(horizon, pg_catalog.date_part('epoch', interval '365 days')
                                 / NULLIF(pg_catalog.date_part('epoch', unit), 0));
  p.discount_rate := discount_rate; p.refresh_interval := refresh_interval;
  p.refit_interval := refit_interval; p.resolve_identity := COALESCE(resolve_identity, false);
  p.target_schema := target_schema; p.discount_steps := discount_steps; p.margin := margin;
  p.trend_period := trend_period; p.watermark_column := watermark_column;
  p.watermark_lag := watermark_lag; p.watermark_id_lag := watermark_id_lag;
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
                                       p.target_schema, p.watermark_column, p.watermark_lag, p.watermark_id_lag);
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

  -- A foreign table has no indexes of its own: the remote side's serve.
  SELECT c.relkind INTO relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.source;
  IF relkind OPERATOR(pg_catalog.=) 'f' THEN
    PERFORM @extschema@.profile_wake();
    RETURN @extschema@.profile_object(p, '')::regclass;
  END IF;
  -- Watermark capture finds the new rows by the watermark column.
  IF p.watermark_column IS NOT NULL AND NOT EXISTS (
       SELECT FROM pg_catalog.pg_index i
       WHERE i.indrelid OPERATOR(pg_catalog.=) p.source
         AND i.indkey[0] OPERATOR(pg_catalog.=) (SELECT a.attnum FROM pg_catalog.pg_attribute a
                                                 WHERE a.attrelid OPERATOR(pg_catalog.=) p.source
                                                   AND a.attname OPERATOR(pg_catalog.=) p.watermark_column)) THEN
    IF create_index
       AND pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c
                                   WHERE c.oid OPERATOR(pg_catalog.=) p.source), 'USAGE')
       AND pg_catalog.has_schema_privilege((SELECT c.relnamespace FROM pg_catalog.pg_class c
                                            WHERE c.oid OPERATOR(pg_catalog.=) p.source), 'CREATE') THEN
      EXECUTE pg_catalog.format('CREATE INDEX ON %s (%I)', p.source, p.watermark_column);
      RAISE NOTICE 'created an index on % (%) for watermark capture', p.source, p.watermark_column;
    ELSE
      RAISE NOTICE 'no index on % starts with %; each watermark refresh will scan the table', p.source, p.watermark_column
        USING HINT = pg_catalog.format('The table''s owner can create it: CREATE INDEX ON %s (%I)',
                                       p.source, p.watermark_column);
    END IF;
  END IF;

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
COMMENT ON FUNCTION @extschema@.create_profile(text, regclass, name, name, name, interval, text, double precision, double precision, interval, interval, boolean, name, integer, double precision, interval, boolean, name, interval, bigint) IS
'Registers a customer profile over a transactions table: creates <target_schema>.<name> (view, one row per customer), <name>_facts and <name>_summary, change-capture triggers on the source (none with watermark_column) and (create_index) an index on (customer, ts) and one on the watermark column; the background worker fills and refreshes it, or call clv.refresh_profile. unit: time unit of recency, t and horizon; model: bgnbd, mbgnbd or pareto_nbd; horizon in units (default: 365 days); discount_rate per step of horizon/discount_steps; margin multiplies spend into value; refresh_interval: most time between refreshes without new changes (with watermark_column: the polling period); refit_interval: model refit (and full refresh) period; resolve_identity: one row per identity cluster of clv.identity_nodes; watermark_column: capture without triggers for append-only sources (tables, partitioned and foreign tables), the rows whose timestamptz, bigint or integer column is past the last refresh''s highest value, read again down to watermark_lag (timestamptz) or watermark_id_lag (ids) below it for late commits; updates and deletes are not seen (refresh_profile(name, full_refresh => true))';

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
       @extschema@.profile_worker_state() AS worker,
       CASE WHEN p.watermark_column IS NULL THEN 'trigger' ELSE 'watermark' END AS capture,
       COALESCE(p.watermark_ts::text, p.watermark_id::text) AS watermark,
       p.model, fit.model AS fitted_model, fit.n_customers AS fit_customers, fit.converged AS fit_converged,
       fit.log_likelihood AS fit_log_likelihood, fit.aic AS fit_aic, fit.bic AS fit_bic
FROM @extschema@.profiles p
LEFT JOIN LATERAL (SELECT COALESCE(pg_catalog.sum(pg_catalog.cardinality(ch.customers)), 0) AS pending,
                          COALESCE(pg_catalog.bool_or(ch.customers IS NULL), false) AS full_pending,
                          pg_catalog.min(ch.changed_at) AS oldest
                   FROM @extschema@.profile_changes ch WHERE ch.profile_id OPERATOR(pg_catalog.=) p.id) c ON true
-- the latest fit: the model it scores with (0.5.0's rows: the profile's model)
-- (a composite IS NOT NULL only when every field is: test a parameter)
LEFT JOIN LATERAL (SELECT COALESCE(pm.model, CASE WHEN (pm.bgnbd).r IS NOT NULL THEN 'bgnbd'
                                                  WHEN (pm.mbgnbd).r IS NOT NULL THEN 'mbgnbd'
                                                  WHEN (pm.pareto_nbd).r IS NOT NULL THEN 'pareto_nbd' END) AS model,
                          COALESCE((pm.bgnbd).n_customers, (pm.mbgnbd).n_customers, (pm.pareto_nbd).n_customers) AS n_customers,
                          COALESCE((pm.bgnbd).converged, (pm.mbgnbd).converged, (pm.pareto_nbd).converged) AS converged,
                          COALESCE((pm.bgnbd).log_likelihood, (pm.mbgnbd).log_likelihood, (pm.pareto_nbd).log_likelihood) AS log_likelihood,
                          COALESCE((pm.bgnbd).aic, (pm.mbgnbd).aic, (pm.pareto_nbd).aic) AS aic,
                          COALESCE((pm.bgnbd).bic, (pm.mbgnbd).bic, (pm.pareto_nbd).bic) AS bic
                   FROM @extschema@.profile_models pm WHERE pm.profile_id OPERATOR(pg_catalog.=) p.id
                   ORDER BY pm.fitted_at DESC LIMIT 1) fit ON true
-- The view reads as its owner, who sees every row: each reader sees the
-- profiles of roles it has the privileges of, and those whose view it may
-- read (last_error may name customers).
WHERE pg_catalog.pg_has_role(p.owner, 'USAGE')
   OR pg_catalog.has_table_privilege((SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n
                                        ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
                                      WHERE n.nspname OPERATOR(pg_catalog.=) p.target_schema
                                        AND c.relname OPERATOR(pg_catalog.=) p.name), 'SELECT');
COMMENT ON VIEW @extschema@.profile_status IS
'One row per profile the current role may see: last refresh start and end, duration, mode and customers recomputed, pending changes (customer keys waiting, with repeats), whether a full refresh is pending, lag (age of the oldest pending change), last model fit and its error, last refresh error, consecutive failures, next timed run; running_or_interrupted: started but neither finished nor failed (running now, or the server crashed during it); worker: the state of this database''s profile worker (running, starting, waiting for a free clv.max_workers slot, disabled, not preloaded); capture: trigger or watermark; watermark: the highest watermark value the last refresh saw (watermark capture; pending_changes and lag count trigger-captured changes only); model: the setting (auto: the purchase model with the lowest BIC at each refit); fitted_model, fit_customers, fit_converged, fit_log_likelihood, fit_aic, fit_bic: the latest fit''s model and statistics';
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
