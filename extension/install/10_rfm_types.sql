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
