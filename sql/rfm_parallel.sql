-- The RFM aggregate runs in parallel (Partial/Finalize Aggregate with the
-- serialize/deserialize/combine functions) and gives the serial results.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE rfm_serial AS
SELECT customer_id, clv.rfm_agg(ts, amount, '1998-06-30', '7 days') AS r
FROM cdnow GROUP BY customer_id;
CREATE TABLE rfm_serial_all AS
SELECT clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30') AS r FROM cdnow;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- workers do all the scanning, so one customer's rows meet in combine
SET parallel_leader_participation = off;

EXPLAIN (COSTS OFF)
CREATE TABLE rfm_parallel AS
SELECT customer_id, clv.rfm_agg(ts, amount, '1998-06-30', '7 days') AS r
FROM cdnow GROUP BY customer_id;
CREATE TABLE rfm_parallel AS
SELECT customer_id, clv.rfm_agg(ts, amount, '1998-06-30', '7 days') AS r
FROM cdnow GROUP BY customer_id;

SELECT count(*) AS customers,
       count(*) FILTER (WHERE s.r IS DISTINCT FROM p.r) AS differing
FROM rfm_serial s FULL JOIN rfm_parallel p USING (customer_id);

-- One group over the whole table: partial states overlap in many periods.
EXPLAIN (COSTS OFF)
SELECT clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30') FROM cdnow;
SELECT (SELECT r FROM rfm_serial_all) IS NOT DISTINCT FROM
       clv.rfm_holdout_agg(ts, amount, '1997-09-30', '1998-06-30') AS parallel_equals_serial
FROM cdnow;

RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
DROP TABLE rfm_serial, rfm_serial_all, rfm_parallel;
