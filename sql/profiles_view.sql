-- Customer profiles without the background worker (this cluster does not
-- preload clv_ext): registration, the stored facts and the read-time view
-- checked against clv.rfm_agg and the scoring functions called directly,
-- incremental refresh after INSERT, UPDATE, DELETE and TRUNCATE, model
-- history, privileges, identity resolution and errors.
\set VERBOSITY terse

-- CDNOW moved so that its last day is 1998-06-30 + (today - 1998-07-01):
-- ages stay in the range the models were made for, whatever the date.
CREATE TABLE shop_orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO shop_orders
SELECT customer_id, ts + (date_trunc('day', now()) - '1998-07-01'), amount FROM cdnow;

SELECT clv.create_profile('shop', 'shop_orders', 'customer_id', 'ts', 'amount', unit => '7 days');
SELECT name, owner, source, unit, model, round(horizon::numeric, 4) AS horizon, discount_rate,
       discount_steps, refresh_interval, refit_interval, resolve_identity, target_schema, enabled
FROM clv.profiles;
-- the index incremental refresh reads by
SELECT indexdef FROM pg_indexes WHERE tablename = 'shop_orders';
-- capture triggers for every kind of write
SELECT replace(tgname, (SELECT id::text FROM clv.profiles WHERE name = 'shop'), '<id>') AS tgname
FROM pg_trigger WHERE tgrelid = 'shop_orders'::regclass ORDER BY 1;
-- a new profile has no facts until its first refresh
SELECT count(*) FROM clv_profiles.shop;
SELECT profile, last_mode, pending_changes, running_or_interrupted FROM clv.profile_status;

SELECT * FROM clv.refresh_profile('shop');
SELECT profile, last_mode, rows_changed, pending_changes, last_error, last_fit_error, failures,
       duration IS NOT NULL AS has_duration, next_run > last_end AS next_run_later
FROM clv.profile_status;

-- The stored model is the fit of the stored facts at the refresh's as-of
-- time (one full refresh: every customer has the same refreshed_at); with
-- model auto, the one of the three purchase models with the lowest BIC, and
-- only it.
WITH fits AS (
  SELECT clv.bgnbd_fit(frequency, recency, t_at_refresh) AS b, clv.mbgnbd_fit(frequency, recency, t_at_refresh) AS mb,
         clv.pareto_nbd_fit(frequency, recency, t_at_refresh) AS pn
  FROM clv_profiles.shop_facts),
lowest AS (
  SELECT v.name, v.fit FROM fits, LATERAL (VALUES ('bgnbd', (b).bic, b::text), ('mbgnbd', (mb).bic, mb::text),
                                                  ('pareto_nbd', (pn).bic, pn::text)) v(name, bic, fit)
  ORDER BY v.bic LIMIT 1)
SELECT m.model = lowest.name AS lowest_bic_chosen,
       COALESCE(m.bgnbd::text, m.mbgnbd::text, m.pareto_nbd::text) = lowest.fit AS same_fit,
       num_nonnulls(m.bgnbd, m.mbgnbd, m.pareto_nbd) AS models_stored,
       m.gamma_gamma = (SELECT clv.gamma_gamma_fit(frequency, monetary) FROM clv_profiles.shop_facts) AS same_gamma_gamma,
       COALESCE((m.bgnbd).n_customers, (m.mbgnbd).n_customers, (m.pareto_nbd).n_customers) AS n_customers
FROM clv.profile_models m, lowest;
-- profile_status shows the choice and its statistics.
SELECT s.model, s.fitted_model = m.model AS fitted_model_ok, s.fit_customers, s.fit_converged,
       s.fit_bic = COALESCE((m.bgnbd).bic, (m.mbgnbd).bic, (m.pareto_nbd).bic) AS fit_bic_ok,
       s.fit_aic = COALESCE((m.bgnbd).aic, (m.mbgnbd).aic, (m.pareto_nbd).aic) AS fit_aic_ok,
       s.fit_log_likelihood < 0 AS fit_log_likelihood_ok
FROM clv.profile_status s, clv.profile_models m;

-- The view against an independent computation in one transaction (one
-- now()): the RFM summary from clv.rfm_agg and the scores from the scoring
-- functions with the stored model.
CREATE FUNCTION shop_mismatches() RETURNS TABLE (customers bigint, mismatched bigint, missing bigint)
LANGUAGE sql AS $$
  WITH ref AS (
    SELECT customer_id, clv.rfm_agg(ts, amount, now(), '7 days') AS r,
           clv.trend_agg(ts, amount, now(), '30 days') AS tr
    FROM shop_orders GROUP BY customer_id),
  m AS (SELECT bgnbd, mbgnbd, pareto_nbd, gamma_gamma FROM clv.profile_models ORDER BY fitted_at DESC LIMIT 1),
  h AS (SELECT horizon, discount_rate, discount_steps FROM clv.profiles WHERE name = 'shop')
  SELECT count(v.customer_id),
         count(*) FILTER (WHERE v.orders <> (r).n_orders OR v.frequency <> (r).frequency
                            OR v.recency <> (r).recency OR abs(v.t - (r).t) > 1e-6
                            OR v.monetary <> (r).monetary OR v.total_spend <> (r).total_amount
                            OR v.first_purchase <> (r).first_ts OR v.last_purchase <> (r).last_ts
                            OR v.trend_direction <> (tr).direction
                            OR v.p_alive IS NULL OR v.expected_purchases IS NULL OR v.predicted_clv IS NULL
                            OR abs(v.p_alive - COALESCE(clv.p_alive(m.bgnbd, (r).frequency, (r).recency, (r).t),
                                                        clv.p_alive(m.mbgnbd, (r).frequency, (r).recency, (r).t),
                                                        clv.p_alive(m.pareto_nbd, (r).frequency, (r).recency, (r).t))) > 1e-9
                            OR abs(v.expected_purchases - COALESCE(clv.expected_purchases(m.bgnbd, (r).frequency, (r).recency, (r).t, h.horizon),
                                                                   clv.expected_purchases(m.mbgnbd, (r).frequency, (r).recency, (r).t, h.horizon),
                                                                   clv.expected_purchases(m.pareto_nbd, (r).frequency, (r).recency, (r).t, h.horizon))) > 1e-9
                            OR abs(v.predicted_clv - COALESCE(
                                 clv.predicted_clv(m.bgnbd, m.gamma_gamma, (r).frequency, (r).recency, (r).t,
                                                   (r).monetary, h.horizon, h.discount_rate, h.horizon / h.discount_steps),
                                 clv.predicted_clv(m.mbgnbd, m.gamma_gamma, (r).frequency, (r).recency, (r).t,
                                                   (r).monetary, h.horizon, h.discount_rate, h.horizon / h.discount_steps),
                                 clv.predicted_clv(m.pareto_nbd, m.gamma_gamma, (r).frequency, (r).recency, (r).t,
                                                   (r).monetary, h.horizon, h.discount_rate, h.horizon / h.discount_steps))) > 1e-6
                            OR v.lateness IS DISTINCT FROM clv.lateness((r).frequency, (r).recency, v.t)),
         count(*) FILTER (WHERE v.customer_id IS NULL)
  FROM ref LEFT JOIN clv_profiles.shop v USING (customer_id), m, h
$$;
SELECT * FROM shop_mismatches();

-- Segments, deciles and the summary view are consistent.
SELECT count(*) FILTER (WHERE rfm_segment IS NULL) AS no_segment,
       count(*) FILTER (WHERE clv_decile NOT BETWEEN 1 AND 10) AS bad_decile,
       (SELECT sum(customers) FROM clv_profiles.shop_summary) = count(*) AS summary_adds_up,
       count(DISTINCT clv_decile) AS deciles,
       bool_and(churn_risk IN ('low', 'medium', 'high', 'churned')) AS churn_risk_known
FROM clv_profiles.shop;
-- Top decile: predicted CLV above the 90% breakpoint of the fit.
SELECT bool_and(v.predicted_clv >= m.clv_breaks[9]) AS top_decile_above_p90
FROM clv_profiles.shop v, clv.profile_models m WHERE v.clv_decile = 1;

-- Incremental refresh: only the touched customers are recomputed.
INSERT INTO shop_orders VALUES (1, now() - interval '1 day', 40), (1, now() - interval '1 day', 5),
                               (2, now() - interval '2 days', 12), (100001, now() - interval '3 days', 7);
SELECT customer, count(*) FROM clv.profile_changes, unnest(customers) customer GROUP BY 1 ORDER BY 1;
SELECT * FROM clv.refresh_profile('shop');
SELECT customer_id, orders, frequency FROM clv_profiles.shop WHERE customer_id IN (1, 2, 100001) ORDER BY 1;
SELECT * FROM shop_mismatches();
-- untouched customers keep their refresh time
SELECT count(DISTINCT refreshed_at) AS refresh_times FROM clv_profiles.shop_facts;

UPDATE shop_orders SET amount = amount * 2 WHERE customer_id = 3;
UPDATE shop_orders SET customer_id = 100002 WHERE customer_id = 4;   -- moves a customer's history
DELETE FROM shop_orders WHERE customer_id = 5;
SELECT * FROM clv.refresh_profile('shop');
SELECT count(*) FILTER (WHERE customer_id = 4) AS moved_away, count(*) FILTER (WHERE customer_id = 5) AS deleted,
       count(*) FILTER (WHERE customer_id = 100002) AS moved_in
FROM clv_profiles.shop;
SELECT * FROM shop_mismatches();
-- nothing pending: nothing to do
SELECT * FROM clv.refresh_profile('shop');

-- A transaction that rolls back leaves no change behind.
BEGIN;
INSERT INTO shop_orders VALUES (6, now(), 1);
ROLLBACK;
SELECT count(*) AS pending FROM clv.profile_changes;

-- Transactions after the as-of time (clock skew) wait until they are past.
INSERT INTO shop_orders VALUES (100003, now() + interval '1 day', 9);
SELECT * FROM clv.refresh_profile('shop');
SELECT count(*) AS future_customer FROM clv_profiles.shop WHERE customer_id = 100003;
DELETE FROM shop_orders WHERE customer_id = 100003;

-- A full refresh recomputes everyone and refits: a new model in the history.
SELECT * FROM clv.refresh_profile('shop', full_refresh => true);
SELECT count(*) AS models FROM clv.profile_models;
SELECT * FROM shop_mismatches();

-- TRUNCATE asks for a full refresh; a fit without data fails softly.
TRUNCATE shop_orders;
SELECT customers IS NULL AS full_marker FROM clv.profile_changes;
SELECT pending_changes, full_refresh_pending FROM clv.profile_status;
SELECT * FROM clv.refresh_profile('shop');
SELECT count(*) AS customers FROM clv_profiles.shop;
SELECT rows_changed, last_error, last_fit_error FROM clv.profile_status;
INSERT INTO shop_orders SELECT customer_id, ts + (date_trunc('day', now()) - '1998-07-01'), amount FROM cdnow;
SELECT * FROM clv.refresh_profile('shop');
SELECT last_fit_error FROM clv.profile_status;
SELECT * FROM shop_mismatches();

-- alter_profile: settings, validation, and a new model means a full refit.
SELECT clv.alter_profile('shop', model => 'pareto_nbd', horizon => 26, refresh_interval => '1 minute');
SELECT model, horizon, refresh_interval FROM clv.profiles;
SELECT * FROM clv.refresh_profile('shop');
SELECT (pareto_nbd).converged, bgnbd IS NULL AS no_bgnbd FROM clv.profile_models ORDER BY fitted_at DESC LIMIT 1;
SELECT count(*) FILTER (WHERE p_alive IS NULL) AS unscored,
       count(*) FILTER (WHERE abs(v.p_alive - clv.p_alive(m.pareto_nbd, v.frequency, v.recency, v.t)) > 1e-9) AS mismatched
FROM clv_profiles.shop v,
     (SELECT pareto_nbd FROM clv.profile_models ORDER BY fitted_at DESC LIMIT 1) m;
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', model => 'nbd')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', horizon => -1)$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('shop', refresh_interval => '-1 s')$$);
SELECT sqlstate_of($$SELECT clv.alter_profile('nope')$$);

-- Bad definitions.
SELECT sqlstate_of($$SELECT clv.create_profile('Bad Name', 'shop_orders', 'customer_id', 'ts', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('shop', 'shop_orders', 'customer_id', 'ts', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer', 'ts', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'amount', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'ts')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'ts', 'ts', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', resolve_identity => true)$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', target_schema => 'nowhere')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', unit => '0 s')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', model => 'x')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', discount_rate => 'NaN')$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders', 'customer_id', 'ts', 'amount', discount_steps => 0)$$);
SELECT sqlstate_of($$SELECT clv.create_profile('p2', NULL, 'customer_id', 'ts', 'amount')$$);
CREATE VIEW shop_orders_view AS SELECT * FROM shop_orders;
SELECT sqlstate_of($$SELECT clv.create_profile('p2', 'shop_orders_view', 'customer_id', 'ts', 'amount')$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile('nope')$$);
SELECT sqlstate_of($$SELECT clv.refresh_profile(NULL)$$);
SELECT sqlstate_of($$SELECT clv.drop_profile('nope')$$);
-- The capture trigger's function called directly.
SELECT sqlstate_of($$SELECT clv.profile_capture()$$);
SELECT count(*) AS profiles FROM clv.profiles;

-- Privileges: a role sees and refreshes only its own profiles, the refresh
-- runs as the owner, and an owner who lost SELECT on the source cannot
-- refresh.
CREATE ROLE clv_profile_owner;
CREATE ROLE clv_profile_other;
GRANT CREATE ON SCHEMA clv_profiles TO clv_profile_owner;
CREATE TABLE owned_orders (customer text, ts timestamptz, amount float8);
ALTER TABLE owned_orders OWNER TO clv_profile_owner;
INSERT INTO owned_orders SELECT 'c' || customer_id, ts, amount FROM shop_orders WHERE customer_id <= 200;
SET ROLE clv_profile_owner;
SELECT clv.create_profile('owned', 'owned_orders', 'customer', 'ts', 'amount', create_index => false);
SELECT mode, customers FROM clv.refresh_profile('owned');
SELECT name FROM clv.profiles;   -- not the superuser's profile
SELECT id AS owned_id FROM clv.profiles \gset
SELECT sqlstate_of($$SELECT clv.refresh_profile('shop')$$);
RESET ROLE;
SET ROLE clv_profile_other;
SELECT count(*) AS visible FROM clv.profiles;
SELECT sqlstate_of($$SELECT clv.refresh_profile('owned')$$);
SELECT sqlstate_of($$SELECT clv.drop_profile('owned')$$);
SELECT regexp_replace(sqlstate_of(format('SELECT * FROM clv.refresh_profile_as_owner(%s, false)', :owned_id)), 'profile [0-9]+ ', 'profile <id> ') AS sqlstate_of;
SELECT sqlstate_of($$SELECT count(*) FROM clv_profiles.owned$$);
RESET ROLE;
-- the superuser's refresh of it runs as the owner: the owner's lost right shows
REVOKE SELECT ON owned_orders FROM clv_profile_owner;
INSERT INTO owned_orders VALUES ('c1', now(), 1);
SELECT sqlstate_of($$SELECT clv.refresh_profile('owned')$$);
GRANT SELECT ON owned_orders TO clv_profile_owner;
SELECT mode, customers FROM clv.refresh_profile('owned');

-- Identity resolution: one row per identity cluster.
CREATE TABLE id_orders (identifier text, ts timestamptz, amount numeric);
INSERT INTO id_orders VALUES
  ('email:ann@x.com', now() - interval '60 days', 10), ('device:a1', now() - interval '30 days', 20),
  ('email:bob@x.com', now() - interval '50 days', 5), ('cookie:b9', now() - interval '20 days', 7);
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:ann@x.com', 'device:a1')$$);
SELECT clv.create_profile('people', 'id_orders', 'identifier', 'ts', 'amount', resolve_identity => true);
-- Two or three people cannot identify the models: their fits end at a limit
-- of the model with a WARNING whose parameters depend on the time of day the
-- ages are cut at; the profile is still refreshed.
SET client_min_messages = error;
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT identifier LIKE 'cluster:%' AS resolved, orders, total_spend FROM clv_profiles.people ORDER BY orders DESC, identifier;
-- a new link makes Bob's email and cookie one person
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('email:bob@x.com', 'cookie:b9')$$);
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT identifier LIKE 'cluster:%' AS resolved, orders, total_spend FROM clv_profiles.people ORDER BY orders DESC, identifier;
-- a purchase by one identifier of a cluster recomputes the whole person
INSERT INTO id_orders VALUES ('device:a1', now() - interval '1 day', 3);
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT orders, total_spend FROM clv_profiles.people
WHERE identifier = (SELECT 'cluster:' || cluster_id FROM clv.identity_nodes WHERE identifier = 'email:ann@x.com');
-- a merge of two people: the survivor holds both histories, the other is gone
SELECT edges_read, merges FROM clv.identity_ingest($$VALUES ('device:a1', 'cookie:b9')$$);
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT identifier = (SELECT 'cluster:' || cluster_id FROM clv.identity_nodes WHERE identifier = 'email:bob@x.com') AS bobs_cluster,
       orders, total_spend
FROM clv_profiles.people;
-- a retraction splits them again
SELECT edges_removed, new_clusters FROM clv.identity_retract('device:a1', 'cookie:b9');
SELECT mode, customers FROM clv.refresh_profile('people');
SELECT orders, total_spend FROM clv_profiles.people ORDER BY orders DESC;
RESET client_min_messages;

-- Dropping removes every object of a profile.
SELECT clv.drop_profile('people');
SELECT clv.drop_profile('owned');
SELECT clv.drop_profile('shop');
SELECT count(*) AS profiles, (SELECT count(*) FROM clv.profile_models) AS models,
       (SELECT count(*) FROM clv.profile_changes) AS changes FROM clv.profiles;
SELECT count(*) AS objects_left FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'clv_profiles';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'clv_profile_%';
SELECT count(*) AS functions_left FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'clv_profiles';
INSERT INTO shop_orders VALUES (1, now(), 1);   -- no capture left
DROP TABLE shop_orders, owned_orders, id_orders CASCADE;
DROP FUNCTION shop_mismatches();
REVOKE CREATE ON SCHEMA clv_profiles FROM clv_profile_owner;
DROP ROLE clv_profile_owner;
DROP ROLE clv_profile_other;
