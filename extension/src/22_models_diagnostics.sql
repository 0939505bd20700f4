-- Diagnostics of the buy-till-you-die models (BG/NBD, MBG/NBD, Pareto/NBD):
-- calibration vs holdout purchases, and the frequency/recency grid of
-- expected purchases and P(alive). C set-returning functions
-- (src/pg/models_diagnostics.cpp); the model types and scoring functions
-- are in 21_models.sql.

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.bgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.bgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (BG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.bgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_bgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.bgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean BG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.mbgnbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.mbgnbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (MBG/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.mbgnbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_mbgnbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.mbgnbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean MBG/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';

CREATE FUNCTION @extschema@.frequency_recency_grid(model @extschema@.pareto_nbd, t double precision, horizon double precision, max_frequency integer, recency_step double precision DEFAULT 1)
RETURNS TABLE (frequency integer, recency double precision, expected_purchases double precision, p_alive double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_frequency_recency_grid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION @extschema@.frequency_recency_grid(@extschema@.pareto_nbd, double precision, double precision, integer, double precision) IS
'Expected purchases in the next horizon and P(alive) at age t (Pareto/NBD) for every frequency 0..max_frequency and recency recency_step, 2*recency_step, ... up to t (and t itself); frequency 0 has the single recency 0. All times in the unit the model was fitted in; the data of the lifetimes library''s frequency/recency matrix plots';

CREATE FUNCTION @extschema@.calibration_holdout(model @extschema@.pareto_nbd, summaries @extschema@.rfm_holdout[], max_frequency integer DEFAULT 7)
RETURNS TABLE (calibration_frequency integer, n_customers bigint, mean_actual double precision, mean_predicted double precision)
AS 'MODULE_PATHNAME', 'clv_pareto_nbd_calibration_holdout'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION @extschema@.calibration_holdout(@extschema@.pareto_nbd, @extschema@.rfm_holdout[], integer) IS
'Per calibration frequency (frequencies of max_frequency and more in one row labelled max_frequency): customers, mean actual holdout purchases (frequency_holdout) and mean Pareto/NBD prediction expected_purchases(model, frequency, recency, t, duration_holdout), for summaries from clv.rfm_holdout_agg (e.g. ARRAY(SELECT clv.rfm_holdout_agg(...) ... GROUP BY customer)); NULL summaries are skipped; fit the model on the same calibration data';
