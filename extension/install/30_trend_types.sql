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
