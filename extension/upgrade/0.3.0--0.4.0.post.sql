
-- 0.3.0 -> 0.4.0, after the functions (extension/upgrade/0.3.0--0.4.0.sql).
