-- The roles of tests/readme/fixtures.sql, once their database is gone.
DROP ROLE analyst;
DROP ROLE bi_reader;
DROP ROLE etl;
