#!/usr/bin/env python3
"""Random SQL calls of every function and aggregate of schema clv, and the
batch runner of tests/sql_fuzz/sql_fuzz.sh (which starts the cluster and loads the
fixture first). Standard library only.

  sql_fuzz_gen.py generate --catalog CATALOG.json --queries N --seed S --out DIR [--batch-size B]
  sql_fuzz_gen.py run --dir DIR --server-log FILE [--timeout-ms T]

`generate` reads the catalog (pg_proc/pg_aggregate of schema clv, dumped as
JSON by tests/sql_fuzz/sql_fuzz.sh) and writes DIR/batch_NNNN.sql, one statement per
line, each tagged /*fz:K*/. `run` feeds every batch to one psql session
(ON_ERROR_STOP off, statement_timeout), watches the server log for backends
terminated by a signal, narrows each crash down to its statement, and writes
DIR/summary.json. Everything is reproducible from the seed: the fixture is
built with setseed() and the statements carry no random() of their own.
"""

import argparse
import collections
import glob
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

# --------------------------------------------------------------------------
# Literals
# --------------------------------------------------------------------------


def q(s):
    """A standard SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def cast(lit, typ):
    return "%s::%s" % (lit, typ)


INT4_MIN, INT4_MAX = -2147483648, 2147483647
INT8_MIN, INT8_MAX = -9223372036854775808, 9223372036854775807

F8_SPECIAL = [
    "0", "-0", "-1", "1", "0.5", "2", "1e308", "-1e308", "1.7976931348623157e308", "NaN",
    "Infinity", "-Infinity", "4.9e-324", "2.2250738585072014e-308", "1e-300", "-1e-300",
    "1e15", "1e-15", "0.9999999999999999", "1.0000000000000002", "100", "1e6", "2147483648",
    "9.3e18", "-2147483649", "1e100", "0.1", "3.5",
]
NUMERIC_SPECIAL = [
    "0", "-1", "1", "NaN", "Infinity", "-Infinity", "1e100", "-1e100", "1e-100", "123.45",
    "1e400", "0.000000000000000000000000000001", "99999999999999999999.99", "-0.5",
]
TS_SPECIAL = [
    "infinity", "-infinity", "4713-01-01 00:00:00+00 BC", "4714-11-24 00:00:00+00 BC",
    "294276-12-31 23:59:59+00", "294276-12-31 23:59:59.999999+00", "1969-12-31 23:59:59.999999+00",
    "1970-01-01 00:00:00+00", "1900-01-01", "2000-01-01", "1997-09-30", "1998-06-30",
    "2000-02-29 12:00:00", "2024-03-10 02:30:00 America/New_York", "2024-10-27 01:30:00 Europe/Berlin",
    "epoch", "1582-10-10", "0001-01-01 00:00:00+00", "3000-01-01", "2100-01-01",
]
INTERVAL_SPECIAL = [
    "0", "-1 day", "1 microsecond", "1 second", "0.5 seconds", "1 day", "7 days", "30 days",
    "1 mon", "1 year", "178000000 years", "-178000000 years", "2147483647 days",
    "-2147483648 days", "1 mon -30 days", "1 day -86400 seconds", "23:59:59.999999",
    "1 day 1 microsecond", "2562047788:00:54.775807", "-00:00:00.000001", "1000 years",
    "-7 days", "0.000001 seconds", "1 hour", "90 minutes", "P1W", "12 days 99999 hours",
]
TEXT_SPECIAL = [
    "''", "' '", "'null'", "'NULL'", "repeat('x', 100000)", "repeat('é', 20000)",
    "E'\\x01\\x02\\x7f'", "E'\\u00ff\\u0100'", "'a:b'", "':'", "'::'", "'email:'", "':x'",
    "'''; DROP TABLE fz_tx; --'", "'SELECT 1'", "'\\'", "'%s%s%n%d'", "'🙂:🙃'",
    "E'tab\\there'", "E'new\\nline'", "'email: NULL '", "'n/a'", "'[object Object]'",
    "repeat(':', 5000)", "'email:ann@x.com'", "'device:0'", "'undefined'",
    "convert_from('\\xc3a9'::bytea, 'UTF8')", "'\"quoted\"'", "'$1'", "'$$'",
    "E'\\xff\\xfe'",  # invalid UTF-8: ERROR 22021 at parse
    "repeat('ab', 600000)",
]
IDENTIFIERS = [
    "email:p1@x.com", "email:p2@x.com", "email:p3@x.com", "device:d1", "device:d2",
    "device:shared", "cookie:c1", "crm:1", "crm:2", "email:null", "device:0", "phone:000-000",
    "email:josé@x.com", "email:日本@x.jp", "plain", "::", ":", "a:", "email:noreply@x.com",
    "", " ", "email:P1@X.COM", "crm:", "x", "email:p199@x.com", "device:d150",
]
SOURCES = ["web", "crm", "", "bulk", "app", "nonexistent", "WEB", "x" * 300]
TIMEZONES = [
    "UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham", "Australia/Lord_Howe",
    "Pacific/Kiritimati", "Pacific/Niue", "Europe/Berlin", "America/St_Johns", "+14", "-12",
    "Antarctica/Troll", "Africa/Casablanca", "Asia/Tehran", "America/Sao_Paulo",
]
PROFILE_NAMES = ["fz"] * 8 + ["fz2", "fz_tmp", "nope", "Bad Name", "", "1x", "a" * 41, "fz;drop"]
DIRECTIONS = ["lapsed", "new", "rising", "declining", "stable", "", "LAPSED", "unknown"]
MODELS = ["auto", "bgnbd", "mbgnbd", "pareto_nbd", "gamma_gamma", "sbg", "", "BGNBD", "x"]

# Queries handed to functions that run a query text. Table names are those of
# the fixture (tests/sql_fuzz/sql_fuzz.sh).
EDGE_QUERIES = [
    "SELECT a, b FROM fz_edges",
    "SELECT a, b FROM fz_edges WHERE a < b",
    "SELECT b, a FROM fz_edges ORDER BY 1 DESC",
    "SELECT a, b, src FROM fz_edges",
    "SELECT a, b, src, seen FROM fz_edges",
    "SELECT a, b, src, seen FROM fz_edges WHERE seen IS NOT NULL",
    "SELECT a, b, 'web', now() FROM fz_edges WHERE a LIKE 'email:%'",
    "SELECT a, b, src, seen, 1 FROM fz_edges",
    "SELECT a FROM fz_edges",
    "SELECT 1, 2",
    "SELECT a, b, seen, src FROM fz_edges",
    "SELECT a::varchar, b::varchar(5) FROM fz_edges",
    "SELECT a::name, b FROM fz_edges",
    "SELECT a, b::bytea FROM fz_edges",
    "VALUES ('email:a@x.com', 'device:zz'), ('device:zz', 'crm:9'), (NULL, 'crm:10'), ('', '')",
    "VALUES ('email:null', 'device:0'), ('phone:000-000', 'email:q@x.com')",
    "TABLE fz_edges",
    "WITH e AS (SELECT a, b FROM fz_edges WHERE src = 'web') SELECT a, b FROM e",
    "SELECT a, b FROM fz_edges WHERE 1 / (ascii(a) - ascii(a)) = 1",
    "SELECT NULL::text, NULL::text",
    "SELECT '', ''",
    "SELECT 'email:g' || g, 'device:g' || (g % 97) FROM generate_series(1, 2000) g",
    "SELECT 'email:h' || g, 'device:hub' FROM generate_series(1, 500) g",
    "SELECT 'cookie:k' || g, 'cookie:k' || (g + 1), 'bulk', timestamptz '2001-01-01' + g * interval '1 hour' FROM generate_series(1, 3000) g",
    "SELECT 'email:k' || g, 'email:k' || (g / 2) FROM generate_series(1, 20000) g",
    "SELECT repeat('x', 100000), 'device:long'",
    "SELECT 'crm:' || g, 'crm:' || (g + 1), 'bulk', 'infinity'::timestamptz FROM generate_series(1, 50) g",
    "SELECT a, b FROM nonexistent_table",
    "",
    " ",
    ";",
    "SELECT 1; SELECT 2",
    "INSERT INTO fz_edges (a, b) VALUES ('email:ins@x.com', 'device:ins') RETURNING a, b",
    "DELETE FROM fz_edges WHERE false RETURNING a, b",
    "UPDATE fz_edges SET src = src WHERE false RETURNING a, b",
    "CREATE TABLE fz_should_not_exist ()",
    "COMMIT",
    "ROLLBACK",
    "VACUUM",
    "SELECT $1, $2",
    "EXPLAIN SELECT a, b FROM fz_edges",
    "SHOW work_mem",
    "SELECT a, b FROM fz_edges FOR UPDATE",
    "SELECT identifier, cluster_key FROM clv.resolve_identities('SELECT a, b FROM fz_edges')",
    "SELECT * FROM clv.resolve_identities('SELECT a, b FROM fz_edges')",
    "SELECT a, b FROM clv.identity_edges_from('SELECT a, b FROM fz_edges')",
    "SELECT pg_sleep(3)::text, 'x'",
    "SELECT a, b FROM fz_edges ORDER BY a COLLATE \"C\"",
    "SELECT chr(1) || a, b || chr(127) FROM fz_edges",
    "SELECT a, b FROM fz_edges LIMIT 0",
    "SELECT a, b FROM fz_edges, generate_series(1, 3)",
    "SELECT identifier, identifier FROM clv.identity_nodes",
    "SELECT a, b, source, observed_at FROM clv.identity_edges",
    "SELECT 'email:' || md5(g::text), 'device:' || md5((g % 10)::text) FROM generate_series(1, 200) g",
    "SELECT a, b FROM fz_edges UNION ALL SELECT b, a FROM fz_edges",
    "(SELECT a, b FROM fz_edges) EXCEPT (SELECT b, a FROM fz_edges)",
    "SELECT a, b FROM fz_edges WHERE a = current_setting('clv.identity_hub_limit')",
    "DECLARE c CURSOR FOR SELECT a, b FROM fz_edges",
    "FETCH ALL FROM nonexistent_cursor",
    "SELECT a, b FROM fz_edges WHERE a IS NULL OR b IS NULL",
    "SELECT e.a, e.b FROM fz_edges e, clv.identity_ingest('SELECT a, b FROM fz_edges LIMIT 3') i",
    "SELECT e.a, p.to_identifier FROM fz_edges e, LATERAL clv.identity_path(e.a, e.b) p",
    "SELECT a, b FROM fz_edges e WHERE clv.identity_retract(a, b) IS NOT NULL",
    "select\ta,\tb\tfrom\tfz_edges",
]
MEMBER_QUERIES = [
    "SELECT identifier, cluster_id FROM clv.identity_nodes",
    "SELECT identifier, cluster_id FROM clv.identity_nodes WHERE cluster_id IN (SELECT cluster_id FROM clv.identity_nodes ORDER BY identifier LIMIT 3)",
    "SELECT n.identifier, n.cluster_id FROM clv.identity_nodes n WHERE false",
    "VALUES ('email:a@x.com', 1::bigint), ('email:a@x.com', 2::bigint)",
    "VALUES ('email:a@x.com', NULL::bigint), (NULL, 5::bigint)",
    "VALUES ('email:a@x.com', -1::bigint), ('device:b', 9223372036854775807::bigint)",
    "VALUES ('', 0::bigint)",
    "SELECT identifier, cluster_id::int FROM clv.identity_nodes",
    "SELECT identifier FROM clv.identity_nodes",
    "SELECT 'email:m' || g, (g % 7)::bigint FROM generate_series(1, 5000) g",
    "SELECT identifier, cluster_id FROM clv.identity_nodes, generate_series(1, 2)",
    "SELECT a, 1::bigint FROM fz_edges",
]
STORED_EDGE_QUERIES = [
    "SELECT a, b FROM clv.identity_edges",
    "SELECT a, b FROM clv.identity_edges WHERE false",
    "SELECT b, a FROM clv.identity_edges",
    "SELECT a, b FROM fz_edges",
    "VALUES ('email:a@x.com', 'email:a@x.com')",
    "VALUES ('email:zz@x.com', 'device:unknown-to-members')",
    "VALUES (NULL::text, NULL::text)",
    "SELECT a, b, source FROM clv.identity_edges",
    "SELECT 'email:m' || g, 'email:m' || (g + 1) FROM generate_series(1, 5000) g",
]
BATCH_QUERIES = [
    "SELECT a, b FROM fz_edges",
    "VALUES ('email:a@x.com', 'device:new1'), ('device:new1', 'crm:77')",
    "VALUES ('email:null', 'device:0')",
    "VALUES (NULL::text, 'crm:5'), ('crm:5', '')",
    "SELECT a, b FROM clv.identity_edges",
    "SELECT identifier, identifier FROM clv.identity_nodes",
    "SELECT 'email:m' || g, 'email:m' || (g + 1) FROM generate_series(1, 5000) g",
    "SELECT a FROM fz_edges",
    "SELECT 1, 2",
]
COHORT_QUERIES = [
    "SELECT cust, ts, amount FROM fz_tx",
    "SELECT cust, ts, amount FROM fz_tx WHERE seg <> 9",
    "SELECT cust_t, ts::date, amount_f FROM fz_tx WHERE seg <> 9",
    "SELECT cust, ts::timestamp, amount FROM fz_tx WHERE seg < 3",
    "SELECT cust, ts, amount::int FROM fz_tx WHERE seg = 1",
    "SELECT cust, ts, amount FROM fz_big WHERE seg <> 9",
    "SELECT cust, ts, amount_f FROM fz_big WHERE cust % 10 = 0",
    "SELECT point(cust, 1), ts, amount FROM fz_tx WHERE seg = 2",
    "SELECT ARRAY[cust], ts, amount FROM fz_tx WHERE seg = 2",
    "SELECT cust::json, ts, amount FROM fz_tx WHERE seg = 2",
    "SELECT cust, ts FROM fz_tx",
    "SELECT cust, ts, amount, 1 FROM fz_tx",
    "SELECT cust, amount, ts FROM fz_tx",
    "SELECT cust, 'x', amount FROM fz_tx",
    "SELECT NULL, NULL, NULL",
    "SELECT 1, now(), 1",
    "SELECT 1, 'infinity'::timestamptz, 1",
    "SELECT 1, '-infinity'::timestamptz, 1",
    "SELECT g % 3, '4713-01-01 BC'::timestamptz + g * interval '1 day', g FROM generate_series(1, 10) g",
    "SELECT g % 3, '294276-12-30'::timestamptz + g * interval '1 hour', g FROM generate_series(1, 10) g",
    "SELECT 1, ts, amount FROM fz_tx WHERE amount = 'NaN'",
    "SELECT cust, ts, 'Infinity'::numeric FROM fz_tx WHERE seg = 1",
    "SELECT g % 50, timestamptz '2000-01-01' + g * interval '1 minute', 1 FROM generate_series(1, 100000) g",
    "SELECT cust, ts, amount FROM nonexistent_table",
    "",
    "SELECT cust, ts, amount FROM fz_tx; SELECT 1",
    "DELETE FROM fz_tx WHERE false RETURNING cust, ts, amount",
    "SELECT cust, ts, amount FROM fz_tx WHERE 1/0 = 1",
    "TABLE fz_orders",
    "SELECT $1, $2, $3",
]
EDGE_QUERIES += ["SELECT cust_t, cust_t || ':x' FROM fz_tx"]


# Profile "fz" back after a statement that may have dropped it or its parts.
RECREATE_FZ = ("SELECT clv.drop_profile('fz'), clv.create_profile('fz', 'fz_orders', 'cust', 'ts', 'amount', "
               "unit => '7 days') FROM clv.profiles p WHERE p.name = 'fz' AND NOT EXISTS "
               "(SELECT FROM pg_trigger WHERE tgrelid = 'fz_orders'::regclass AND tgname LIKE 'clv_profile_%') "
               "UNION ALL SELECT NULL, clv.create_profile('fz', 'fz_orders', 'cust', 'ts', 'amount', unit => '7 days') "
               "WHERE NOT EXISTS (SELECT FROM clv.profiles WHERE name = 'fz')")


PARALLEL_ON = ["SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
               "SET min_parallel_table_scan_size = 0", "SET max_parallel_workers_per_gather = 2"]
PARALLEL_OFF = ["RESET parallel_setup_cost", "RESET parallel_tuple_cost", "RESET min_parallel_table_scan_size",
                "RESET max_parallel_workers_per_gather", "RESET parallel_leader_participation"]


def sql_array(elems, typ):
    if not elems:
        return "'{}'::%s[]" % typ
    return "ARRAY[%s]::%s[]" % (", ".join(elems), typ)


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------

COMPOSITE_FIELDS = {
    "clv.bgnbd": ["r", "alpha", "a", "b", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.mbgnbd": ["r", "alpha", "a", "b", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.pareto_nbd": ["r", "alpha", "s", "beta", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.gamma_gamma": ["p", "q", "v", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.sbg": ["alpha", "beta", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.bgbb": ["alpha", "beta", "gamma", "delta", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.pareto_nbd_cov": ["r", "alpha", "s", "beta", "gamma", "gamma", "ll", "n", "conv", "it", "aic", "bic", "cov"],
    "clv.bgnbd_cov": ["r", "alpha", "a", "b", "gamma", "gamma", "ll", "n", "conv", "it", "aic", "bic", "cov"],
}
MODEL_COLUMN = {"clv.bgnbd": "bgnbd", "clv.mbgnbd": "mbgnbd", "clv.pareto_nbd": "pareto",
                "clv.pareto_nbd_cov": "pcov", "clv.bgnbd_cov": "bcov",
                "clv.gamma_gamma": "gg", "clv.sbg": "sbg", "clv.bgbb": "bgbb"}
QUERY_ARG_NAMES = {"edges_query", "members_query", "stored_edges_query", "batch_query",
                   "transactions_query"}

# Sources of aggregate input: table, alias, columns by type, grouping keys,
# row filters.
SOURCES_TX = {
    "from": "fz_tx t", "parallel": False,
    "cols": {"timestamp with time zone": ["t.ts", "t.ts + interval '1 day'", "date_trunc('day', t.ts)"],
             "numeric": ["t.amount", "t.amount * 2", "-t.amount"],
             "double precision": ["t.amount_f", "t.amount::float8", "t.amount_f / 3"],
             "integer": ["t.seg", "t.cust"], "bigint": ["t.cust::bigint", "t.id::bigint"],
             "interval": ["t.seg * interval '1 day'"]},
    "group": ["t.cust", "t.seg", "t.cust % 3", "t.cust_t", "ROLLUP (t.seg, t.cust % 2)",
              "GROUPING SETS ((t.seg), ())", "CUBE (t.seg)"],
    "where": ["t.seg <> 9", "t.seg = 1", "t.cust % 7 = 3", "t.amount IS NULL", "false",
              "t.id <= 20", "t.ts < '1970-01-01'", "t.cust BETWEEN 90 AND 99", "t.seg <> 9 AND t.id % 2 = 0",
              "t.amount_f > 100", "t.ts > '1998-01-01'"],
    "partition": ["t.cust", "t.seg"], "order": ["t.ts", "t.id", "t.amount_f DESC NULLS FIRST"],
}
SOURCES_BIG = {
    "from": "fz_big t", "parallel": True,
    "cols": {"timestamp with time zone": ["t.ts"], "numeric": ["t.amount"],
             "double precision": ["t.amount_f"], "integer": ["t.seg", "t.cust"],
             "bigint": ["t.cust::bigint"], "interval": []},
    "group": ["t.cust", "t.seg", "t.cust % 100"],
    "where": ["t.seg <> 9", "t.cust % 10 = 1", "t.seg <> 9 AND t.cust < 2000"],
    "partition": ["t.cust"], "order": ["t.ts"],
}
SOURCES_SUMMARY = {
    "from": "fz_summary t", "parallel": False,
    "cols": {"double precision": ["t.freq", "t.rec", "t.t", "t.mon", "t.freq + 1", "t.t * 52"],
             "integer": ["t.seg", "t.freq::int"], "bigint": ["t.cust::bigint"]},
    "named": {"frequency": "t.freq", "recency": "t.rec", "t": "t.t", "monetary": "t.mon",
              "covariates": "ARRAY[(t.cust % 2)::float8, t.seg - 2]"},
    "group": ["t.seg", "t.seg % 2", "t.cust % 3", "GROUPING SETS ((t.seg), ())"],
    "where": ["t.seg <> 9", "t.seg = 1", "t.seg = 9", "t.cust % 5 = 0 AND t.seg <> 9", "t.freq > 0",
              "t.cust < 40", "false", "t.seg <> 9 AND t.freq < 3"],
    "partition": ["t.seg"], "order": ["t.cust"],
}
SOURCES_SUMMARY_BIG = dict(SOURCES_SUMMARY, **{"from": "fz_summary_big t", "parallel": True,
                                             "where": ["t.seg <> 9", "t.seg = 2"],
                                             "group": ["t.seg"]})
SOURCES_SBG = {
    "from": "fz_sbg t", "parallel": False,
    "cols": {"integer": ["t.period", "t.period + 1", "t.cohort"], "bigint": ["t.active", "t.active * 1000"]},
    "named": {"period": "t.period", "active": "t.active"},
    "group": ["t.cohort"], "where": ["t.cohort = 1", "t.cohort = 2", "t.cohort = 3", "t.cohort < 3", "t.period < 3"],
    "partition": ["t.cohort"], "order": ["t.period"],
}


class Gen:
    def __init__(self, rng, catalog):
        self.rng = rng
        self.funcs = [f for f in catalog]
        self.calls = collections.Counter()
        self.k = 0
        self.gucs = []
        self.types = []
        self.timeout_ms = 2000
        self.no_subqueries = False

    # ---- small helpers
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    # ---- values per type
    def f8(self, hint=None, special=0.25):
        if self.chance(0.04):
            return "NULL::float8"
        if self.chance(special):
            return cast(q(self.pick(F8_SPECIAL)), "float8")
        r = self.rng
        if hint in ("frequency", "n"):
            v = r.randint(0, 30)
        elif hint in ("discount_rate",):
            v = round(r.uniform(-0.2, 0.6), 4)
        elif hint in ("retention_rate", "p_alive", "min_relative_slope", "slope_significance"):
            v = round(r.uniform(-0.1, 1.1), 4)
        elif hint == "penalizer":
            v = self.pick([0, 0, 0.001, 0.01, 0.1, 1, 10, 1e6])
        elif hint == "step":
            v = self.pick([1, 1, 2, 4, 13, 0.5, 52, 7, 0.001])
        elif hint == "recency_step":
            v = self.pick([1, 1, 0.5, 2, 5, 0.01, 10, 0.001])
        elif hint in ("horizon",):
            v = self.pick([1, 4, 13, 26, 39, 52, 52, 104, 365, 0.5, 1e4, 1e5, 1e6, 999999.5])
        elif hint in ("monetary", "avg_order_value", "margin_per_period", "margin", "gross_margin"):
            v = round(r.lognormvariate(3, 1.2), 2)
        elif hint == "value":
            v = round(r.uniform(-10, 100), 3)
        else:
            v = round(r.uniform(0, 80), r.choice([0, 1, 3, 6]))
        return cast(q(repr(float(v))), "float8")

    def int4(self, hint=None):
        if self.chance(0.04):
            return "NULL::int"
        if self.chance(0.2):
            return cast(q(str(self.pick([0, -1, 1, 2, INT4_MAX, INT4_MIN, INT4_MAX - 1, 100000, 10000001]))), "int")
        r = self.rng
        if hint in ("max_frequency",):
            v = r.randint(0, 40)
        elif hint in ("r_score", "f_score", "m_score"):
            v = r.randint(0, 6)
        elif hint in ("discount_steps",):
            v = r.choice([1, 4, 12, 13, 52, 10000, 10001])
        elif hint in ("window_periods", "min_periods"):
            v = r.randint(0, 12)
        else:
            v = r.randint(0, 20)
        return cast(q(str(v)), "int")

    def int8(self, hint=None):
        if self.chance(0.04):
            return "NULL::bigint"
        if hint in ("cluster_id",) and self.chance(0.6):
            return "(SELECT cluster_id FROM clv.identity_nodes ORDER BY identifier LIMIT 1 OFFSET %d)" % self.rng.randint(0, 300)
        if self.chance(0.3):
            return cast(q(str(self.pick([0, -1, 1, INT8_MAX, INT8_MIN, INT4_MAX + 1]))), "bigint")
        return cast(q(str(self.rng.randint(0, 2000))), "bigint")

    def numeric(self):
        if self.chance(0.05):
            return "NULL::numeric"
        if self.chance(0.3):
            return cast(q(self.pick(NUMERIC_SPECIAL)), "numeric")
        return cast(q("%.2f" % self.rng.uniform(-20, 300)), "numeric")

    def ts(self, hint=None):
        if self.chance(0.04):
            return "NULL::timestamptz"
        if self.chance(0.25):
            return cast(q(self.pick(TS_SPECIAL)), "timestamptz")
        if self.chance(0.1):
            return self.pick(["now()", "now() - interval '1 year'", "now() + interval '10 years'"])
        y = self.rng.randint(1995, 2001)
        m = self.rng.randint(1, 12)
        d = self.rng.randint(1, 28)
        frac = self.pick(["", "", ".5", ".999999", ".000001"])
        return cast(q("%04d-%02d-%02d %02d:%02d:%02d%s" % (y, m, d, self.rng.randint(0, 23),
                                                          self.rng.randint(0, 59), self.rng.randint(0, 59), frac)),
                    "timestamptz")

    def interval(self, hint=None):
        if self.chance(0.04):
            return "NULL::interval"
        if self.chance(0.3):
            return cast(q(self.pick(INTERVAL_SPECIAL)), "interval")
        return cast(q(self.pick(["1 day", "7 days", "30 days", "1 day", "7 days", "1 hour", "14 days",
                                 "10 seconds", "1 minute", "365 days", "2 days 12 hours"])), "interval")

    def text(self, hint=None):
        if hint in QUERY_ARG_NAMES:
            return self.query_text(hint)
        if self.chance(0.04):
            return "NULL::text"
        if hint in ("a", "b", "identifier"):
            if self.chance(0.5):
                col = self.pick(["a", "b"])
                return "(SELECT %s FROM clv.identity_edges ORDER BY a, b LIMIT 1 OFFSET %d)" % (col, self.rng.randint(0, 400))
            if self.chance(0.8):
                return q(self.pick(IDENTIFIERS))
        if hint in ("source",) and self.chance(0.8):
            return q(self.pick(SOURCES))
        if hint in ("name", "profile_name") and self.chance(0.85):
            return q(self.pick(PROFILE_NAMES))
        if hint == "direction" and self.chance(0.85):
            return q(self.pick(DIRECTIONS))
        if hint == "model" and self.chance(0.85):
            return q(self.pick(MODELS))
        if hint == "suffix" and self.chance(0.7):
            return q(self.pick(["", "_facts", "_summary", "'; DROP", "x" * 80]))
        return self.pick(TEXT_SPECIAL)

    def query_text(self, hint):
        if self.chance(0.03):
            return "NULL::text"
        pool = {"edges_query": EDGE_QUERIES, "members_query": MEMBER_QUERIES,
                "stored_edges_query": STORED_EDGE_QUERIES, "batch_query": BATCH_QUERIES,
                "transactions_query": COHORT_QUERIES}[hint]
        return q(self.pick(pool))

    def boolean(self):
        return self.pick(["true", "false", "NULL::boolean", "true", "false"])

    def regclass(self):
        return self.pick(["'fz_orders'::regclass", "'fz_tx'::regclass", "'fz_ident_orders'::regclass",
                          "'fz_edges'::regclass", "'pg_class'::regclass", "'clv.profiles'::regclass",
                          "0::regclass", "NULL::regclass", "'fz_view'::regclass", "'nonexistent'::regclass",
                          "'fz_part'::regclass", "'fz_orders'::regclass"])

    def name(self, hint=None):
        if hint == "target_schema":
            return self.pick(["'clv_profiles'::name", "'public'::name", "'pg_catalog'::name", "'clv'::name",
                              "'nonexistent'::name", "NULL::name", "''::name", "'clv_profiles'::name"])
        cols = ["cust", "ts", "amount", "amount_f", "cust_t", "ident", "id", "seg", "nonexistent", "",
                "ctid", "xmin", "tableoid"]
        if self.chance(0.05):
            return "NULL::name"
        good = {"customer_column": ["cust", "ident"], "ts_column": ["ts"], "amount_column": ["amount"]}.get(hint)
        if good and self.chance(0.7):
            return cast(q(self.pick(good)), "name")
        return cast(q(self.pick(cols)), "name")

    def f8_array(self):
        c = self.rng.random()
        if c < 0.05:
            return "NULL::float8[]"
        if c < 0.1:
            return "'{{1,2},{3,4}}'::float8[]"
        if c < 0.15:
            return "'[0:3]={1,2,3,4}'::float8[]"
        n = self.pick([0, 1, 3, 4, 4, 4, 4, 5, 9])
        if self.chance(0.6):
            vals = sorted(round(self.rng.uniform(0, 100), 2) for _ in range(n))
            elems = [cast(q(repr(v)), "float8") for v in vals]
            if self.chance(0.2) and elems:
                elems[self.rng.randrange(len(elems))] = self.f8(special=1)
        else:
            elems = [self.f8(special=0.6) for _ in range(n)]
        return sql_array(elems, "float8")

    def covariates(self):
        """Covariates or coefficients: mostly short and small, sometimes hostile."""
        if self.chance(0.7):
            n = self.pick([1, 1, 2, 3])
            return sql_array([cast(q(repr(round(self.rng.uniform(-2, 2), 3))), "float8") for _ in range(n)],
                             "float8")
        return self.f8_array()

    def int8_array(self):
        c = self.rng.random()
        if c < 0.05:
            return "NULL::bigint[]"
        if c < 0.3:
            return "ARRAY(SELECT DISTINCT cluster_id FROM clv.identity_nodes ORDER BY 1 LIMIT %d)" % self.rng.randint(0, 50)
        return sql_array([self.int8("cluster_id") for _ in range(self.rng.randint(0, 5))], "bigint")

    def composite(self, typ):
        fields = COMPOSITE_FIELDS[typ]
        c = self.rng.random()
        if c < 0.04:
            return "NULL::%s" % typ
        if c < 0.35 and not self.no_subqueries and typ in MODEL_COLUMN:
            name = self.pick(["fit", "fit", "fit", "seg1", "tiny", "huge", "nan", "edge", "nulls"])
            return "(SELECT %s FROM fz_models WHERE name = %s)" % (MODEL_COLUMN[typ], q(name))
        if c < 0.36:
            return "ROW(1, 2)::%s" % typ
        vals = []
        for f in fields:
            if f == "n":
                vals.append(self.int8())
            elif f == "conv":
                vals.append(self.boolean())
            elif f == "it":
                vals.append(self.int4())
            elif f in ("ll", "aic", "bic"):
                vals.append(self.f8(special=0.3))
            elif f == "cov":
                vals.append(self.covariance(fields.index("ll")))
            elif f == "gamma":
                vals.append(self.covariates())
            else:
                if self.chance(0.7):
                    vals.append(cast(q(repr(round(self.rng.lognormvariate(0, 1.5), 4))), "float8"))
                else:
                    vals.append(self.f8(special=0.8))
        return "ROW(%s)::%s" % (", ".join(vals), typ)

    def covariance(self, k):
        """A model's covariance matrix: none, empty, k x k, or misshapen."""
        c = self.rng.random()
        if c < 0.3:
            return "NULL::float8[]"
        if c < 0.45:
            return "'{}'::float8[]"
        n = k if c < 0.85 else self.pick([1, k - 1, k + 1])
        rows = ["ARRAY[%s]" % ", ".join(self.f8(special=0.2) for _ in range(n)) for _ in range(n)]
        return "ARRAY[%s]::float8[]" % ", ".join(rows)

    def holdout_array(self):
        c = self.rng.random()
        if c < 0.05:
            return "NULL::clv.rfm_holdout[]"
        if c < 0.1:
            return "'{}'::clv.rfm_holdout[]"
        if c < 0.55:
            return "ARRAY(SELECT h FROM fz_holdout WHERE %s)" % self.pick(
                ["true", "cust % 3 = 0", "h IS NULL", "(h).frequency > 2", "cust < 10", "false"])
        if c < 0.7:
            return ("ARRAY(SELECT clv.rfm_holdout_agg(ts, amount, %s, %s, %s) FROM fz_tx WHERE seg <> 9 GROUP BY cust)"
                    % (self.ts(), self.ts(), self.interval()))
        if c < 0.75:
            return "ARRAY[ARRAY[(SELECT h FROM fz_holdout LIMIT 1), NULL], ARRAY[NULL, NULL]]::clv.rfm_holdout[]"
        elems = []
        for _ in range(self.rng.randint(1, 6)):
            if self.chance(0.15):
                elems.append("NULL")
                continue
            elems.append("ROW(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)::clv.rfm_holdout" % (
                self.int4(), self.f8("recency"), self.f8("t"), self.f8("monetary"), self.int8(), self.f8(),
                self.ts(), self.ts(), self.int4(), self.f8(), self.f8("horizon")))
        return sql_array(elems, "clv.rfm_holdout")

    def profile_row(self):
        c = self.rng.random()
        if c < 0.05:
            return "NULL::clv.profiles"
        base = "(SELECT p FROM clv.profiles p ORDER BY id LIMIT 1)"
        if c < 0.5:
            return base
        field, val = self.pick([
            ("unit", "'-1 day'"), ("unit", "'0'"), ("unit", "'178000000 years'"), ("model", "'x'"),
            ("horizon", "'NaN'"), ("horizon", "-1"), ("discount_rate", "1e308"), ("discount_steps", "0"),
            ("source", "0"), ("source", "1259"), ("customer_column", "'nonexistent'"), ("ts_column", "'amount'"),
            ("amount_column", "'ts'"), ("target_schema", "'nonexistent'"), ("name", "'Bad Name'"),
            ("name", "'fz_forged'"), ("id", "-1"), ("id", "2147483647"), ("trend_period", "'1 mon'"),
            ("margin", "'Infinity'"), ("resolve_identity", "true"), ("target_schema", "'pg_catalog'"),
            ("refit_interval", "'-1 day'"), ("owner", "0"), ("name", "NULL")])
        return ("(SELECT jsonb_populate_record(p, jsonb_build_object(%s, %s)) FROM clv.profiles p ORDER BY id LIMIT 1)"
                % (q(field), val))

    def value(self, typ, hint=None):
        if typ == "double precision":
            return self.f8(hint)
        if typ == "integer":
            return self.int4(hint)
        if typ == "bigint":
            return self.int8(hint)
        if typ == "numeric":
            return self.numeric()
        if typ == "text":
            return self.text(hint)
        if typ == "interval":
            return self.interval(hint)
        if typ == "timestamp with time zone":
            return self.ts(hint)
        if typ == "boolean":
            return self.boolean()
        if typ == "regclass":
            return self.regclass()
        if typ == "name":
            return self.name(hint)
        if typ == "double precision[]":
            return self.covariates() if hint == "covariates" else self.f8_array()
        if typ == "bigint[]":
            return self.int8_array()
        if typ == "clv.rfm_holdout[]":
            return self.holdout_array()
        if typ in COMPOSITE_FIELDS:
            return self.composite(typ)
        if typ == "clv.profiles":
            return self.profile_row()
        return "NULL::%s" % typ

    def mistyped(self, typ):
        """A value of a neighbouring type: overload resolution and casts."""
        return self.pick(["1", "'1'", "1.5", "'abc'", "NULL", "1::numeric", "'1 day'::interval",
                          "now()", "true", "'{}'", "ROW(1)", "1::bigint", "'NaN'"])

    # ---- statements
    def args_for(self, f, names=True):
        types, argnames = f["args"], f["argnames"]
        n = len(types)
        nd = f["ndefaults"]
        # Functions with defaults: sometimes leave the defaulted tail out.
        if nd and self.chance(0.4):
            n = n - self.rng.randint(1, nd)
        use_named = names and argnames and all(argnames[:n]) and self.chance(0.2)
        out = []
        for i in range(n):
            typ, nm = types[i], (argnames[i] if argnames else None)
            v = self.mistyped(typ) if self.chance(0.03) else self.value(typ, nm)
            out.append(("%s => %s" % (nm, v)) if use_named else v)
        if use_named and self.chance(0.5) and nd:
            # drop a random defaulted named argument in the middle
            droppable = [i for i in range(len(types) - nd, n)]
            if droppable:
                del out[self.rng.choice(droppable)]
        return out

    def call_function(self, f):
        fname = "clv." + f["name"]
        if f["kind"] == "a":
            return self.call_aggregate(f)
        if f["name"] in ("drop_profile", "profile_drop_capture", "profile_build_capture", "profile_build_views"):
            return ["SELECT %s(%s)" % (fname, ", ".join(self.args_for(f))), RECREATE_FZ]
        args = self.args_for(f)
        call = "%s(%s)" % (fname, ", ".join(args))
        if "internal" in f["args"] or f["rettype"] == "trigger":
            return "SELECT %s" % call
        if f["retset"]:
            form = self.rng.random()
            if form < 0.5:
                return "SELECT count(*) FROM %s" % call
            if form < 0.75:
                return "SELECT * FROM %s LIMIT %d" % (call, self.rng.randint(1, 20))
            if form < 0.85:
                return "SELECT %s LIMIT 5" % call
            return self.table_driven(f) or "SELECT count(*) FROM %s" % call
        form = self.rng.random()
        if form < 0.45 or f["name"] in ("create_profile", "alter_profile", "drop_profile", "refresh_profile",
                                       "identity_ingest", "identity_retract", "identity_retract_source",
                                       "identity_retract_identifier", "identity_resplit") or f["lang"] != "c":
            if f["rettype"].startswith("clv.") or f["rettype"] == "record":
                return self.pick(["SELECT %s", "SELECT (%s).*", "SELECT * FROM %s"]) % call
            return "SELECT %s" % call
        return self.table_driven(f) or "SELECT %s" % call

    def table_driven(self, f):
        """The function called once per row of a fixture table, columns as arguments."""
        types, names = f["args"], f["argnames"] or [None] * len(f["args"])
        if not any(t in COMPOSITE_FIELDS or t == "double precision" for t in types):
            return None
        cols = {"frequency": "s.freq", "recency": "s.rec", "t": "s.t", "monetary": "s.mon",
                "horizon": "(s.t + 1)", "value": "s.mon", "lateness": "(s.t / nullif(s.rec, 0))",
                "p_alive": "(s.rec / nullif(s.t, 0))", "covariates": "ARRAY[(s.cust % 2)::float8, s.seg - 2]"}
        args = []
        models = self.chance(0.5)
        for typ, nm in zip(types, names):
            if typ in COMPOSITE_FIELDS:
                if models:
                    args.append("m.%s" % MODEL_COLUMN[typ])
                elif self.chance(0.5) and "gamma" not in COMPOSITE_FIELDS[typ]:
                    # a model that changes from row to row (the memo of the call site)
                    nf = len(COMPOSITE_FIELDS[typ])
                    core = ["(s.rec + 0.1)", "(s.t + 0.5)", "(s.freq + 0.3)", "(s.cust % 7 + 0.5)"][: nf - 4]
                    core = core + ["0::float8", "1::bigint", "true", "1"]
                    args.append("ROW(%s)::%s" % (", ".join(core[:nf]), typ))
                else:
                    args.append(self.value(typ, nm))
            elif nm in cols and self.chance(0.8):
                args.append(cols[nm])
            elif typ == "double precision" and self.chance(0.2):
                args.append(self.pick(list(cols.values())))
            else:
                args.append(self.value(typ, nm))
        call = "clv.%s(%s)" % (f["name"], ", ".join(args))
        big = f["proparallel"] == "s" and not f["retset"] and self.chance(0.25)
        src = ("fz_summary_big s" if big else "fz_summary s") + (", fz_models m" if models else "")
        where = self.pick(["true", "s.seg <> 9", "s.seg <> 9", "s.seg = 9", "s.cust % 3 = 0", "s.freq > 0"])
        if models:
            where += " AND m.name = ANY (%s)" % self.pick(["'{fit}'", "'{fit,seg1}'", "'{fit,seg1,tiny,huge}'",
                                                          "'{nan,edge,nulls}'", "'{fit,seg1,tiny,huge,nan,edge,nulls}'"])
        if f["retset"]:
            if self.chance(0.4):
                return "SELECT count(*) FROM (SELECT %s FROM %s WHERE %s) g" % (call, src, where)
            return "SELECT count(*) FROM %s, LATERAL %s g WHERE %s" % (src, call, where)
        agg = self.pick(["count(%s)", "sum(%s)", "max(%s)", "count(DISTINCT %s)"])
        if f["rettype"] in ("text",):
            agg = self.pick(["count(%s)", "count(DISTINCT %s)"])
        elif f["rettype"] not in ("double precision", "integer", "bigint"):
            agg = "count(%s)"
        stmt = "SELECT %s FROM %s WHERE %s" % (agg % call, src, where)
        if big:
            return (PARALLEL_ON + [stmt] + PARALLEL_OFF) if self.chance(0.7) else [stmt]
        return stmt

    # ---- aggregates
    def agg_source(self, f):
        types = f["args"]
        if f["name"] == "sbg_fit":
            return self.pick([SOURCES_SBG, SOURCES_SBG, None])
        if f["name"] in ("bgnbd_fit", "mbgnbd_fit", "pareto_nbd_fit", "gamma_gamma_fit", "bgnbd_cov_fit",
                         "pareto_nbd_cov_fit"):
            return self.pick([SOURCES_SUMMARY, SOURCES_SUMMARY, SOURCES_SUMMARY_BIG, None])
        if "timestamp with time zone" in types:
            return self.pick([SOURCES_TX, SOURCES_TX, SOURCES_TX, SOURCES_BIG, None])
        return None

    def agg_args(self, f, src, alias_values=None):
        types, names = f["args"], f["argnames"] or [None] * len(f["args"])
        out = []
        for i, (typ, nm) in enumerate(zip(types, names)):
            if alias_values is not None:
                out.append(alias_values[i] if self.chance(0.85) else self.value(typ, nm))
                continue
            named = src.get("named", {})
            # the "data" arguments come from columns, the "settings" mostly constant
            data_arg = (i < 2 and typ in ("timestamp with time zone", "numeric", "double precision")) or nm in named
            if data_arg and self.chance(0.92):
                if nm in named and self.chance(0.85):
                    out.append(named[nm])
                    continue
                cols = src["cols"].get(typ) or []
                if cols:
                    out.append(self.pick(cols) if self.chance(0.3) else cols[0])
                    continue
            if not data_arg and self.chance(0.04) and src["cols"].get(typ):
                out.append(self.pick(src["cols"][typ]))  # a "constant" that changes within the group
                continue
            out.append(self.value(typ, nm))
        return out

    def values_source(self, f):
        """A VALUES list of random rows for the aggregate's arguments."""
        types, names = f["args"], f["argnames"] or [None] * len(f["args"])
        nrows = self.pick([1, 2, 3, 5, 10, 30])
        const = [self.value(t, n) for t, n in zip(types, names)]
        rows = []
        data = f["name"] in ("bgnbd_fit", "mbgnbd_fit", "pareto_nbd_fit", "gamma_gamma_fit", "sbg_fit")
        for _ in range(nrows):
            row = []
            for i, (t, n) in enumerate(zip(types, names)):
                if (data and i < 3) or (not data and i < 2) or self.chance(0.1):
                    row.append(self.value(t, n))
                else:
                    row.append(const[i])
            rows.append("(%s)" % ", ".join(row))
        cols = ["v%d" % i for i in range(len(types))]
        return "(VALUES %s) v(%s)" % (", ".join(rows), ", ".join(cols)), ["v.%s" % c for c in cols]

    def call_aggregate(self, f):
        fname = "clv." + f["name"]
        src = self.agg_source(f)
        pre, post = [], []
        if src is None:
            from_clause, colrefs = self.values_source(f)
            args = self.agg_args(f, None, colrefs)
            group, where, part, order = None, None, None, None
        else:
            from_clause = src["from"]
            args = self.agg_args(f, src)
            group = self.pick(src["group"]) if self.chance(0.6) else None
            where = self.pick(src["where"]) if self.chance(0.6) else None
            part = self.pick(src["partition"])
            order = self.pick(src["order"])
            if src["parallel"] and self.chance(0.7):
                pre = list(PARALLEL_ON)
                if self.chance(0.3):
                    pre.append("SET parallel_leader_participation = off")
                post = list(PARALLEL_OFF)
        argl = ", ".join(args)
        modifiers = ""
        c = self.rng.random()
        if c < 0.06:
            call = "%s(DISTINCT %s)" % (fname, argl)
        elif c < 0.12 and order:
            call = "%s(%s ORDER BY %s)" % (fname, argl, order)
        else:
            call = "%s(%s)" % (fname, argl)
        if self.chance(0.08):
            call += " FILTER (WHERE %s)" % self.pick(["true", "false", "%s IS NOT NULL" % args[0]])
        # window form
        if self.chance(0.18) and part is not None and "DISTINCT" not in call and " ORDER BY " not in call:
            frame = self.pick(["", "", " ROWS BETWEEN 1 PRECEDING AND CURRENT ROW",
                               " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
                               " ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING", " RANGE UNBOUNDED PRECEDING",
                               " GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING"])
            ob = (" ORDER BY %s" % order) if (self.chance(0.7) or frame) else ""
            if "GROUPS" in frame or "RANGE" in frame:
                ob = " ORDER BY %s" % order.split()[0]
            over = "OVER (PARTITION BY %s%s%s)" % (part, ob, frame) if self.chance(0.8) else "OVER ()"
            inner = "SELECT %s %s AS x FROM %s%s" % (call, over, from_clause,
                                                   (" WHERE " + where) if where else "")
            stmt = "SELECT count(*), count(x) FROM (%s) w" % inner
            return pre + [stmt] + post
        extra = ""
        if self.chance(0.15):
            # several aggregates in one query: shared transition states
            sibs = [g for g in self.funcs if g["kind"] == "a" and g["args"] == f["args"] and g is not f]
            if sibs:
                g = self.pick(sibs)
                extra = ", clv.%s(%s)" % (g["name"], argl)
                self.calls[g["identity"]] += 1
            else:
                extra = ", %s" % call
        sel = call
        if f["rettype"].startswith("clv.") and self.chance(0.3):
            sel = "(%s).*" % call
        gb = ""
        if group:
            gb = " GROUP BY %s" % group
            if self.chance(0.1):
                gb += " HAVING count(*) > 1"
        stmt = "SELECT %s%s FROM %s%s%s" % (sel, extra, from_clause, (" WHERE " + where) if where else "", gb)
        if group and self.chance(0.15):
            stmt += " LIMIT %d" % self.pick([0, 1, 2])
        if group and self.chance(0.6):
            stmt = "SELECT count(*), count(x) FROM (SELECT %s AS x FROM %s%s%s) s" % (
                call, from_clause, (" WHERE " + where) if where else "", gb)
        return pre + [stmt] + post

    # ---- other statements: session settings, transactions, DML, identity rules
    def guc(self):
        """A setting of the extension (read from pg_settings) at a boundary or random value."""
        g = self.pick(self.gucs)
        if g["vartype"] == "bool":
            val = self.pick(["on", "off", "'maybe'"])
        elif g["vartype"] in ("integer", "real"):
            lo, hi = int(float(g["min_val"])), int(float(g["max_val"]))
            val = str(self.pick([lo, hi, lo - 1, hi + 1, int(float(g["boot_val"])), self.rng.randint(lo, min(hi, lo + 1000))]))
        elif g["vartype"] == "enum":
            val = q(self.pick((g["enumvals"] or []) + ["bogus"]))
        else:
            val = q(self.pick(["", "x", "0"]))
        if g["context"] in ("user", "superuser"):
            return ["SET %s = %s" % (g["name"], val)]
        if g["context"] == "sighup" and self.chance(0.3):
            # the workers reload it; kept within values the run survives
            if g["vartype"] == "integer":
                val = str(self.pick([int(float(g["min_val"])), int(float(g["boot_val"])), 50]))
            return ["ALTER SYSTEM SET %s = %s" % (g["name"], val), "SELECT pg_reload_conf()",
                    "SELECT pg_sleep(0.2)", "ALTER SYSTEM RESET %s" % g["name"], "SELECT pg_reload_conf()"]
        return ["SET %s = %s" % (g["name"], val)]

    def as_role(self):
        body = []
        while not body:
            body = self.unit(nested=True)
        return ["SET ROLE fz_user"] + body + ["RESET ROLE"]

    def short_timeout(self):
        heavy = self.pick([
            "SELECT * FROM clv.identity_ingest('SELECT ''email:k'' || g, ''email:k'' || (g / 2), ''bulk'' FROM generate_series(1, 20000) g')",
            "SELECT count(*) FROM clv.resolve_identities('SELECT ''email:k'' || g, ''email:k'' || (g / 2) FROM generate_series(1, 100000) g', true)",
            "SELECT clv.pareto_nbd_fit(freq, rec, t) FROM fz_summary_big WHERE seg <> 9",
            "SELECT clv.bgnbd_fit(freq, rec, t), clv.gamma_gamma_fit(freq, mon) FROM fz_summary WHERE seg <> 9",
            "SELECT count(*) FROM (SELECT clv.rfm_agg(ts, amount, '1998-06-30', '7 days') FROM fz_big GROUP BY cust) s",
            "SELECT count(*) FROM (SELECT clv.trend_agg(ts, amount, '1998-06-30', '7 days') FROM fz_big WHERE seg <> 9 GROUP BY cust) s",
            "SELECT count(*) FROM (SELECT clv.lateness_agg(ts, '1998-06-30') FROM fz_big GROUP BY cust) s",
            "SELECT count(*) FROM clv.frequency_recency_grid((SELECT bgnbd FROM fz_models WHERE name = 'fit'), 39, 39, 2000, 0.01)",
            "SELECT count(*) FROM clv.cohort_retention('SELECT cust, ts, amount FROM fz_big WHERE seg <> 9', '1 day')",
            "SELECT count(*) FROM clv.calibration_holdout((SELECT bgnbd FROM fz_models WHERE name = 'fit'), ARRAY(SELECT h FROM fz_holdout), 7)",
            "SELECT sum(clv.expected_purchases(m.bgnbd, s.freq, s.rec, s.t, 39)) FROM fz_summary_big s, fz_models m WHERE s.seg <> 9 AND m.name = 'fit'",
            "SELECT sum(clv.predicted_clv(m.pareto, m.gg, s.freq, s.rec, s.t, s.mon, 52, 0.01, 4)) FROM fz_summary s, fz_models m WHERE s.seg <> 9 AND m.name = 'fit'",
            "SELECT * FROM clv.refresh_profile('fz', true)",
            "SELECT count(*) FROM clv.identity_decide('SELECT ''email:m'' || g, (g % 7)::bigint FROM generate_series(1, 50000) g', 'SELECT a, b FROM clv.identity_edges', 'SELECT ''email:m'' || g, ''email:m'' || (g + 1) FROM generate_series(1, 50000) g')",
        ])
        ms = self.pick([1, 2, 5, 10, 20, 50, 100, 300])
        return ["SET statement_timeout = '%dms'" % ms, heavy, "SET statement_timeout = '%dms'" % self.timeout_ms]

    def prepared_aggregate(self):
        aggs = [f for f in self.funcs if f["kind"] == "a" and "timestamp with time zone" in f["args"]]
        f = self.pick(aggs)
        self.calls[f["identity"]] += 1
        self.k += 1
        name = "fzq%d" % self.k
        # ts and amount from the table, the rest as parameters
        params = f["args"][2:] if f["args"][1] in ("numeric", "double precision") else f["args"][1:]
        amount = {"numeric": ", t.amount", "double precision": ", t.amount_f"}.get(f["args"][1], "")
        call = "clv.%s(t.ts%s%s)" % (f["name"], amount, "".join(", $%d" % (i + 1) for i in range(len(params))))
        out = ["PREPARE %s(%s) AS SELECT count(x) FROM (SELECT %s AS x FROM fz_tx t WHERE t.seg <> 9 GROUP BY t.cust) s"
               % (name, ", ".join(params), call)]
        names = (f["argnames"] or [None] * 9)[len(f["args"]) - len(params):]
        self.no_subqueries = True
        for _ in range(self.rng.randint(5, 8)):
            out.append("EXECUTE %s(%s)" % (name, ", ".join(self.value(t, n) for t, n in zip(params, names))))
        self.no_subqueries = False
        out.append("DEALLOCATE %s" % name)
        return out

    def reinstall(self):
        """The extension dropped and created again inside a transaction that is
        rolled back: caches of the backend keyed by OIDs see new objects."""
        body = []
        for _ in range(self.rng.randint(1, 3)):
            body += [x for x in self.unit(nested=True) if not x.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                                             "RELEASE", "DECLARE", "FETCH", "CLOSE",
                                                                             "MOVE", "SET TRANSACTION", "PREPARE",
                                                                             "EXECUTE", "DEALLOCATE"))]
        return (["BEGIN", "DROP EXTENSION clv_ext CASCADE", "CREATE EXTENSION clv_ext",
                 self.pick(["SELECT clv.create_profile('fz', 'fz_orders', 'cust', 'ts', 'amount')", "SELECT 1"])]
                + body + ["ROLLBACK"])

    def alter_type(self):
        """An extension type altered inside a transaction that is rolled back:
        the C functions must notice, not form tuples of the wrong shape. Types
        used by table columns (the model types) refuse to be altered."""
        t = self.pick(self.types)
        attr = self.pick(t["attributes"])
        change = self.pick(["ALTER ATTRIBUTE %s TYPE text" % attr, "ALTER ATTRIBUTE %s TYPE numeric" % attr,
                            "DROP ATTRIBUTE %s" % attr, "ADD ATTRIBUTE fz_extra int",
                            "RENAME ATTRIBUTE %s TO fz_renamed" % attr])
        users = [f for f in self.funcs if "internal" not in f["args"] and
                 (f["rettype"] == t["name"] or t["name"] in f["args"] or t["name"] + "[]" in f["args"])]
        body = []
        while not body:
            if users and self.chance(0.8):
                f = self.pick(users)
                self.calls[f["identity"]] += 1
                st = self.call_function(f)
                st = st if isinstance(st, list) else [st]
            else:
                st = self.unit(nested=True)
            body = [x for x in st if not x.startswith(
                ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "DECLARE", "FETCH", "CLOSE", "MOVE",
                 "SET TRANSACTION", "PREPARE", "EXECUTE", "DEALLOCATE"))]
        return ["BEGIN", "ALTER TYPE %s %s" % (t["name"], change)] + body + ["ROLLBACK"]

    def extra_statement(self):
        r = self.rng.random()
        if r < 0.005:
            return self.reinstall()
        if r < 0.035 and self.types:
            return self.alter_type()
        if r < 0.04 and self.gucs:
            return self.guc()
        if r < 0.07:
            return self.as_role()
        if r < 0.10:
            return self.short_timeout()
        if r < 0.12:
            return self.prepared_aggregate()
        if r < 0.15:
            return ["SET TimeZone = %s" % q(self.pick(TIMEZONES))]
        if r < 0.25:
            guc, vals = self.pick([
                ("clv.identity_max_cluster_size", ["0", "1", "2", "3", "10000", "2147483647", "-1"]),
                ("clv.identity_hub_limit", ["0", "1", "2", "100", "-5"]),
                ("clv.identity_block_junk", ["on", "off", "maybe"]),
                ("work_mem", ["'64kB'", "'4MB'"]),
                ("enable_hashagg", ["on", "off"]),
                ("enable_sort", ["on", "off"]),
                ("extra_float_digits", ["3", "-15", "0"]),
                ("DateStyle", ["'ISO, MDY'", "'SQL, DMY'", "'German'", "'Postgres'"]),
                ("IntervalStyle", ["'postgres'", "'iso_8601'", "'sql_standard'"]),
                ("jit", ["off"]), ("search_path", ["public", "clv, public", "pg_catalog, public", "public, clv",
                                                   '"$user", public']),
                ("lc_messages", ["'C'"]), ("clv.worker_naptime", ["'1s'"]),
            ])
            return ["SET %s = %s" % (guc, self.pick(vals))]
        if r < 0.35:
            return self.dml()
        if r < 0.43:
            return self.rules()
        if r < 0.55:
            return self.transaction()
        if r < 0.62:
            return [self.pick([
                "SELECT count(*), sum(predicted_clv), max(p_alive) FROM clv_profiles.fz",
                "SELECT * FROM clv_profiles.fz_summary",
                "SELECT * FROM clv.profile_status",
                "SELECT count(*) FROM clv_profiles.fz WHERE churn_risk = 'high'",
                "SELECT count(*) FROM clv.profile_changes",
                "SELECT * FROM clv.profile_models ORDER BY fitted_at DESC LIMIT 2",
                "SELECT count(*), count(DISTINCT cluster_id) FROM clv.identity_nodes",
                "SELECT count(*) FROM clv.identity_rejections",
                "SELECT * FROM clv.identity_merges ORDER BY event DESC LIMIT 3",
                "ANALYZE fz_orders",
                "SELECT pg_sleep(0.05)",
            ])]
        if r < 0.66:
            return self.trigger_fuzz()
        if r < 0.7:
            # a prepared statement run more than five times goes generic
            fs = [f for f in self.funcs if f["kind"] == "f" and f["lang"] == "c" and not f["retset"]
                  and "internal" not in f["args"] and f["rettype"] != "trigger"
                  and all(t in ("double precision", "integer") or t in COMPOSITE_FIELDS for t in f["args"])]
            if not fs:
                return []
            f = self.pick(fs)
            self.calls[f["identity"]] += 1
            self.k += 1
            name = "fzp%d" % self.k
            types = ", ".join(f["args"])
            params = ", ".join("$%d" % (i + 1) for i in range(len(f["args"])))
            out = ["PREPARE %s(%s) AS SELECT clv.%s(%s)" % (name, types, f["name"], params)]
            self.no_subqueries = True
            for _ in range(self.rng.randint(1, 8)):
                out.append("EXECUTE %s(%s)" % (name, ", ".join(self.value(t, n) for t, n in
                                                            zip(f["args"], f["argnames"] or [None] * len(f["args"])))))
            self.no_subqueries = False
            out.append("DEALLOCATE %s" % name)
            return out
        if r < 0.78:
            return self.cursor()
        return self.profile_admin()

    def trigger_fuzz(self):
        """The change-capture trigger function on tables and with arguments of our choosing."""
        table = self.pick(["fz_tx", "fz_orders", "fz_part", "fz_ident_orders", "fz_edges"])
        events = self.pick(["INSERT", "UPDATE", "DELETE", "INSERT OR UPDATE OR DELETE", "TRUNCATE",
                            "INSERT OR DELETE"])
        ref = ""
        if "TRUNCATE" not in events and self.chance(0.7):
            if events == "INSERT":
                ref = " REFERENCING NEW TABLE AS n"
            elif events == "DELETE":
                ref = " REFERENCING OLD TABLE AS o"
            elif events == "UPDATE":
                ref = " REFERENCING NEW TABLE AS n OLD TABLE AS o"
        level = "STATEMENT" if self.chance(0.8) else "ROW"
        when = "AFTER" if self.chance(0.85) else "BEFORE"
        nargs = self.pick([2, 2, 2, 0, 1, 3])
        targs = [q(self.pick(["1", "2", "3", "0", "-1", "2147483648", "abc", ""])),
                 q(self.pick(["cust", "cust", "ident", "ts", "amount", "cust_t", "a", "nonexistent", ""])),
                 q("x")][:nargs]
        fn = self.pick(["clv.profile_capture", "clv.profile_capture", "clv.profile_capture_identities"])
        col = {"fz_tx": "cust", "fz_orders": "cust", "fz_part": "cust", "fz_ident_orders": "ident",
               "fz_edges": "a"}[table]
        dml = self.pick([
            "INSERT INTO %s (%s) VALUES (%s)" % (table, col, "NULL" if self.chance(0.2) else
                                                 ("'1'" if col != "a" and col != "ident" else "'email:p1@x.com'")),
            "UPDATE %s SET %s = %s WHERE ctid IN (SELECT ctid FROM %s LIMIT %d)" % (table, col, col, table,
                                                                                   self.pick([0, 1, 5, 200000])),
            "DELETE FROM %s WHERE ctid IN (SELECT ctid FROM %s LIMIT %d)" % (table, table, self.pick([0, 1, 50])),
            "TRUNCATE %s" % table if table != "fz_tx" else "DELETE FROM fz_tx",
            "INSERT INTO %s SELECT * FROM %s LIMIT 100" % (table, table),
        ])
        return ["BEGIN",
                "CREATE TRIGGER fz_capture %s %s ON %s%s FOR EACH %s EXECUTE FUNCTION %s(%s)" % (
                    when, events, table, ref, level, fn, ", ".join(targs)),
                dml, self.pick(["SELECT count(*) FROM clv.profile_changes", "SELECT 1"]), "ROLLBACK"]

    def alter_source(self):
        """Changes to the registered profile's source, rolled back."""
        change = self.pick([
            "ALTER TABLE fz_orders RENAME COLUMN cust TO cust2",
            "ALTER TABLE fz_orders ALTER COLUMN cust TYPE text",
            "ALTER TABLE fz_orders ALTER COLUMN cust TYPE bigint",
            "ALTER TABLE fz_orders ALTER COLUMN amount TYPE float8",
            "ALTER TABLE fz_orders ALTER COLUMN ts TYPE timestamp",
            "ALTER TABLE fz_orders DROP COLUMN amount",
            "ALTER TABLE fz_orders ADD COLUMN extra int DEFAULT 1",
            "ALTER TABLE fz_orders DROP COLUMN ts CASCADE",
            "ALTER TABLE fz_orders RENAME TO fz_orders_renamed",
            "REVOKE SELECT ON fz_orders FROM PUBLIC",
            "ALTER TABLE fz_orders DISABLE TRIGGER ALL",
            "DROP INDEX IF EXISTS fz_orders_cust_ts_idx",
        ])
        after = self.pick([
            "INSERT INTO fz_orders (cust) VALUES (1)",
            "SELECT * FROM clv.refresh_profile('fz')",
            "SELECT * FROM clv.refresh_profile('fz', true)",
            "SELECT count(*) FROM clv_profiles.fz",
            "DELETE FROM fz_orders WHERE ctid IN (SELECT ctid FROM fz_orders LIMIT 3)",
        ])
        return ["BEGIN", change, after, self.pick(["SELECT * FROM clv.refresh_profile('fz')", "SELECT 1"]),
                "ROLLBACK"]

    def dml(self):
        r = self.rng.random()
        if r < 0.45:
            rows = []
            for _ in range(self.rng.randint(1, 5)):
                rows.append("(%s, %s, %s)" % (self.pick(["1", "2", "3", "4000", "-1", "NULL", "2147483647", "77"]),
                                              self.ts() if self.chance(0.5) else
                                              "now() - interval '%d days'" % self.rng.randint(0, 900),
                                              self.numeric()))
            return ["INSERT INTO fz_orders (cust, ts, amount) VALUES %s" % ", ".join(rows)]
        if r < 0.7:
            return [self.pick([
                "DELETE FROM fz_orders WHERE amount = 'NaN' OR amount IN ('Infinity', '-Infinity')",
                "DELETE FROM fz_orders WHERE ts < '1990-01-01' OR ts > now() + interval '1 year' OR ts IS NULL",
                "DELETE FROM fz_orders WHERE cust = %d" % self.rng.randint(0, 300),
                "DELETE FROM fz_orders WHERE cust IS NULL OR amount IS NULL",
                "DELETE FROM fz_orders WHERE amount > 1e20 OR amount < -1e20",
            ])]
        if r < 0.9:
            return ["UPDATE fz_orders SET amount = %s WHERE cust = %d" % (self.numeric(), self.rng.randint(0, 300))]
        if r < 0.93:
            return ["TRUNCATE fz_orders", "INSERT INTO fz_orders SELECT cust, ts, amount FROM fz_orders_base"]
        if r < 0.96:
            return [self.pick([
                "MERGE INTO fz_orders o USING (SELECT cust, max(ts) AS ts FROM fz_orders_base WHERE cust %% 7 = %d GROUP BY cust) s "
                "ON o.cust = s.cust AND o.ts = s.ts WHEN MATCHED THEN UPDATE SET amount = o.amount + 1 "
                "WHEN NOT MATCHED THEN INSERT VALUES (s.cust, s.ts, 1)" % self.rng.randint(0, 6),
                "MERGE INTO fz_orders o USING (VALUES (1, now(), 5::numeric)) s(c, t, a) ON o.cust = s.c AND false "
                "WHEN NOT MATCHED THEN INSERT VALUES (s.c, s.t, s.a)",
                "MERGE INTO fz_orders o USING (SELECT 5 AS c) s ON o.cust = s.c WHEN MATCHED THEN DELETE"])]
        if r < 0.98:
            return self.alter_source()
        return ["INSERT INTO fz_edges (a, b, src, seen) VALUES (%s, %s, %s, %s)" % (
            self.text("a"), self.text("b"), self.text("source"), self.ts())]

    def rules(self):
        r = self.rng.random()
        if r < 0.6:
            typ = self.pick(["email", "device", "crm", "cookie", "phone", "", "x" * 100, "EMAIL"])
            return ["INSERT INTO clv.identity_rules (id_type, max_per_cluster, priority, blocked_values, "
                    "blocked_pattern, hub_limit) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING" % (
                        q(typ), self.pick(["NULL", "0", "1", "2", "-1", "2147483647"]),
                        self.pick(["0", "10", "-10", "2147483647", "-2147483648", "NULL"]),
                        self.pick(["NULL", "'{}'", "'{x,\"\",null}'", "'{p1@x.com}'", "ARRAY[repeat('x', 5000)]"]),
                        self.pick(["NULL", "'^test'", "'(a+)+$'", "'['", "''", "'.*'", "'^p1@'", "'\\d{3}'"]),
                        self.pick(["NULL", "0", "1", "3", "-1"]))]
        if r < 0.8:
            return ["DELETE FROM clv.identity_rules WHERE id_type = %s" % q(self.pick(["email", "device", "crm", "cookie", "phone"]))]
        if r < 0.9:
            return ["DELETE FROM clv.identity_rules"]
        return ["TRUNCATE clv.identity_nodes, clv.identity_edges, clv.identity_merges, clv.identity_splits, "
                "clv.identity_rejections",
                "SELECT * FROM clv.identity_ingest('SELECT a, b, src, seen FROM fz_edges')"]

    def transaction(self):
        fs = [f for f in self.funcs if "internal" not in f["args"] and f["rettype"] != "trigger"]
        body = []
        for _ in range(self.rng.randint(1, 3)):
            f = self.pick(fs)
            self.calls[f["identity"]] += 1
            s = self.call_function(f)
            body += [x for x in (s if isinstance(s, list) else [s]) if not x.startswith(("SET ", "RESET "))]
        out = ["BEGIN"]
        if self.chance(0.3):
            out.append("SET TRANSACTION ISOLATION LEVEL %s" % self.pick(["REPEATABLE READ", "SERIALIZABLE", "READ COMMITTED"]))
        out.append(body[0])
        out.append("SAVEPOINT s1")
        out += body[1:] or [body[0]]
        out.append(self.pick(["ROLLBACK TO SAVEPOINT s1", "RELEASE SAVEPOINT s1"]))
        out.append(self.pick(["COMMIT", "ROLLBACK", "ROLLBACK"]))
        return out

    def cursor(self):
        srfs = [f for f in self.funcs if f["retset"] and f["kind"] == "f"]
        f = self.pick(srfs)
        self.calls[f["identity"]] += 1
        query = "SELECT * FROM clv.%s(%s)" % (f["name"], ", ".join(self.args_for(f, names=False)))
        if self.chance(0.4):
            aggs = [g for g in self.funcs if g["kind"] == "a"]
            g = self.pick(aggs)
            self.calls[g["identity"]] += 1
            st = [x for x in self.call_aggregate(g) if not x.startswith(("SET ", "RESET "))]
            query = st[0]
        hold = self.pick(["", "", "WITH HOLD "])
        out = ["BEGIN", "DECLARE fzc %sCURSOR %sFOR %s" % (self.pick(["", "SCROLL ", "NO SCROLL "]), hold, query)]
        if hold and self.chance(0.5):
            out += ["FETCH 1 FROM fzc", "COMMIT", "FETCH 2 FROM fzc", "CLOSE fzc"]
            return out
        for _ in range(self.rng.randint(1, 3)):
            out.append(self.pick(["FETCH 2 FROM fzc", "FETCH ALL FROM fzc", "FETCH PRIOR FROM fzc",
                                  "FETCH ABSOLUTE 1 FROM fzc", "MOVE LAST IN fzc"]))
        out.append(self.pick(["CLOSE fzc", "ROLLBACK"]))
        out.append("COMMIT")
        return out

    def profile_admin(self):
        r = self.rng.random()
        if r < 0.5:
            return ["SELECT clv.create_profile(%s, %s, %s, %s, %s%s)" % (
                q(self.pick(["fz2", "fz_tmp", "fz", "Bad", "fz_ident"])),
                self.regclass(), self.name("customer_column"), self.name("ts_column"), self.name("amount_column"),
                "".join(", %s => %s" % (n, self.value(t, n)) for n, t in self.rng.sample([
                    ("unit", "interval"), ("model", "text"), ("horizon", "double precision"),
                    ("discount_rate", "double precision"), ("refresh_interval", "interval"),
                    ("refit_interval", "interval"), ("resolve_identity", "boolean"), ("target_schema", "name"),
                    ("discount_steps", "integer"), ("margin", "double precision"), ("trend_period", "interval"),
                    ("create_index", "boolean")], self.rng.randint(0, 5))))]
        if r < 0.8:
            return ["SELECT clv.drop_profile(%s)" % q(self.pick(["fz2", "fz_tmp", "fz_ident", "nope", "Bad"]))]
        return ["SELECT clv.drop_profile('fz')",
                "SELECT clv.create_profile('fz', 'fz_orders', 'cust', 'ts', 'amount', unit => '7 days')",
                "SELECT * FROM clv.refresh_profile('fz', true)"]

    # ---- one unit of work: a list of statements
    def unit(self, nested=False):
        if self.chance(0.22):
            if nested:
                r = self.extra_statement()
                return [x for x in r if not x.startswith(("SET ROLE", "RESET ROLE", "ALTER SYSTEM", "SELECT pg_reload_conf"))]
            return self.extra_statement()
        f = self.pick_function()
        self.calls[f["identity"]] += 1
        s = self.call_function(f)
        return s if isinstance(s, list) else [s]

    def pick_function(self):
        while True:
            f = self.pick(self.funcs)
            w = f["weight"]
            if self.rng.random() < w:
                return f


def weight(f):
    if "internal" in f["args"] or f["rettype"] == "trigger":
        return 0.02
    if f["name"] in ("drop_profile", "create_profile", "profile_drop_capture", "profile_build_capture",
                     "profile_build_views"):
        return 0.05
    if f["name"].startswith("profile_") or f["name"] in ("identity_decide", "identity_resplit", "identity_split"):
        return 0.4
    if f["kind"] == "a":
        return 1.0
    return 0.8


def load_catalog(path):
    with open(path) as fh:
        data = json.load(fh)
    cat = data["functions"]
    for f in cat:
        modes = f.get("argmodes")
        names = f.get("argnames")
        if names and modes:
            names = [n for n, m in zip(names, modes) if m in ("i", "b", "v")]
        f["argnames"] = names
        f["args"] = f["args"] or []
        f["weight"] = weight(f)
    return cat, data["settings"] or [], data.get("types") or []


HEADER = """\\set ON_ERROR_STOP off
\\set VERBOSITY verbose
\\set SHOW_CONTEXT never
\\o /dev/null
\\timing on
SET statement_timeout = '%(timeout)s';
SET client_min_messages = warning;
"""


def generate(args):
    cat, settings, types = load_catalog(args.catalog)
    rng = random.Random(args.seed)
    gen = Gen(rng, cat)
    gen.gucs = settings
    gen.types = types
    gen.timeout_ms = args.timeout_ms
    stmts = []
    while len(stmts) < args.queries:
        for s in gen.unit():
            assert "\n" not in s, s
            stmts.append(s)
    stmts = stmts[: args.queries]
    if args.inject_crash and stmts:
        # COPY TO PROGRAM runs a shell whose parent is the backend.
        at = rng.randrange(len(stmts))
        stmts[at] = "COPY (SELECT 1) TO PROGRAM 'kill -SEGV $PPID'"
    # Transactions and cursors cut at the end are closed by psql's exit.
    os.makedirs(args.out, exist_ok=True)
    for old in glob.glob(os.path.join(args.out, "batch_*.sql")):
        os.unlink(old)
    nb = 0
    for i in range(0, len(stmts), args.batch_size):
        nb += 1
        with open(os.path.join(args.out, "batch_%04d.sql" % nb), "w") as fh:
            fh.write(HEADER % {"timeout": "%dms" % args.timeout_ms})
            for j, s in enumerate(stmts[i:i + args.batch_size]):
                fh.write("/*fz:%d*/ %s;\n" % (i + j + 1, s))
    never = [f["identity"] for f in cat if gen.calls[f["identity"]] == 0]
    with open(os.path.join(args.out, "coverage.json"), "w") as fh:
        json.dump({"calls": dict(gen.calls), "never_called": never}, fh, indent=1)
    print("generated %d statements in %d batches; %d of %d functions and aggregates called%s" % (
        len(stmts), nb, len(cat) - len(never), len(cat),
        (" (not: %s)" % ", ".join(never)) if len(never) <= 10 else " (see coverage.json)"))


# --------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------

CRASH_RE = re.compile(r"(terminated by signal|was terminated by exception|PANIC:|TRAP:|stuck spinlock)")
ERR_RE = re.compile(r"^psql:[^:]*:(\d+): (ERROR|WARNING|FATAL):  ([0-9A-Z]{5}): (.*)$")
LOST_RE = re.compile(r"^psql:[^:]*:(\d+): (server closed the connection unexpectedly|error: connection to server)")
TIME_RE = re.compile(r"^Time: ([0-9.]+) ms")


class Watchdog(threading.Thread):
    """Finds statements of the fuzzer still running well past statement_timeout
    (a hang: the code does not poll for interrupts), records them, then cancels
    and if need be terminates their backends."""

    def __init__(self, timeout_ms):
        super().__init__(daemon=True)
        self.limit_s = max(3 * timeout_ms / 1000.0, timeout_ms / 1000.0 + 3)
        self.hangs = {}   # (pid, query_start) -> record
        self.stop = threading.Event()

    def run(self):
        env = dict(os.environ, PGAPPNAME="clv_fuzz_watchdog")
        while not self.stop.wait(2):
            r = subprocess.run(
                ["psql", "-X", "-At", "-F", "\x1f", "-R", "\x1e", "-c",
                 "SELECT pid, query_start, extract(epoch FROM now() - query_start), left(query, 2000) "
                 "FROM pg_stat_activity WHERE application_name = 'clv_fuzz' AND state = 'active' "
                 "AND now() - query_start > make_interval(secs => %f)" % self.limit_s],
                capture_output=True, text=True, env=env)
            if r.returncode != 0:
                continue
            for rec in r.stdout.split("\x1e"):
                f = rec.strip("\n").split("\x1f")
                if len(f) != 4:
                    continue
                key = (f[0], f[1])
                h = self.hangs.get(key)
                if h is None:
                    h = self.hangs[key] = {"pid": int(f[0]), "statement": f[3], "first_seen_s": float(f[2]),
                                           "cancelled": False, "terminated": False}
                h["seconds"] = float(f[2])
                act = None
                if not h["cancelled"]:
                    act, h["cancelled"] = "pg_cancel_backend", True
                elif not h["terminated"] and h["seconds"] > self.limit_s + 20:
                    act, h["terminated"] = "pg_terminate_backend", True
                if act:
                    subprocess.run(["psql", "-X", "-At", "-c", "SELECT %s(%d)" % (act, h["pid"])],
                                   capture_output=True, env=env)


class Runner:
    def __init__(self, args):
        self.a = args
        self.dir = args.dir
        self.log = args.server_log
        self.log_pos = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        self.errors = collections.Counter()      # SQLSTATE -> count
        self.warnings = collections.Counter()
        self.messages = collections.defaultdict(collections.Counter)  # class XX etc: message -> n
        self.crashes = []
        self.hangs = []
        self.slow = []
        self.ran = 0
        self.worker_crashes = 0
        self.crashdir = os.path.join(self.dir, "crashes")
        os.makedirs(self.crashdir, exist_ok=True)

    def new_log(self):
        """Server log lines written since the last look."""
        try:
            with open(self.log, "rb") as fh:
                fh.seek(self.log_pos)
                data = fh.read()
        except FileNotFoundError:
            return []
        self.log_pos += len(data)
        return data.decode("utf-8", "replace").splitlines()

    def server_up(self, wait=90):
        deadline = time.time() + wait
        while time.time() < deadline:
            r = subprocess.run(["psql", "-X", "-At", "-c", "SELECT 1"], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip() == "1":
                return True
            time.sleep(0.5)
        return False

    def restart_server(self):
        """restart_after_crash brings the server back by itself; this is the fallback."""
        data = os.path.join(os.environ["CLV_CLUSTER_DIR"], "data")
        cmd = [os.path.join(os.environ["PG_BIN"], "pg_ctl"), "-D", data, "-l", self.log, "-w", "-t", "60", "start"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, capture_output=True)
        return self.server_up()

    def psql(self, path, timeout):
        env = dict(os.environ, PGAPPNAME="clv_fuzz")
        out_path, err_path = path + ".out", path + ".err"
        with open(out_path, "w") as out, open(err_path, "w") as err:
            p = subprocess.Popen(["psql", "-X", "-f", path], stdout=out, stderr=err, env=env)
            try:
                p.wait(timeout=timeout)
                hung = False
            except subprocess.TimeoutExpired:
                hung = True
                act = subprocess.run(["psql", "-X", "-At", "-c",
                                      "SELECT pid, now() - query_start, query FROM pg_stat_activity "
                                      "WHERE application_name = 'clv_fuzz' AND state = 'active'"],
                                     capture_output=True, text=True).stdout
                self.hangs.append({"file": path, "activity": act.strip()})
                subprocess.run(["psql", "-X", "-At", "-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = 'clv_fuzz'"], capture_output=True)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        with open(out_path, errors="replace") as fh:
            out_lines = fh.read().splitlines()
        with open(err_path, errors="replace") as fh:
            err_lines = fh.read().splitlines()
        return p.returncode, out_lines, err_lines, hung

    def run_file(self, path, stmts, header, first_line, count=True):
        """Runs header + stmts; returns (line of the lost connection or None, hung)."""
        with open(path, "w") as fh:
            fh.write(header)
            for s in stmts:
                fh.write(s + "\n")
        timeout = 120 + 3 * len(stmts) * self.a.timeout_ms / 1000.0
        rc, out, err, hung = self.psql(path, timeout)
        lost = None
        for line in err:
            m = ERR_RE.match(line)
            if m and count:
                kind, state, msg = m.group(2), m.group(3), m.group(4)
                if kind == "WARNING":
                    self.warnings[state] += 1
                    self.messages["WARNING " + state][msg[:160]] += 1
                else:
                    self.errors[state] += 1
                    if state[:2] in ("XX", "58", "53", "54") or state == "22000":
                        self.messages[state][msg[:160]] += 1
            m = LOST_RE.match(line)
            if m and lost is None:
                lost = int(m.group(1))
        times = [float(m.group(1)) for m in map(TIME_RE.match, out) if m]
        # Every SQL line prints one Time: the header's two SETs first.
        nset = header.count("\nSET ") + (1 if header.startswith("SET ") else 0)
        if count:
            for i, t in enumerate(times[nset:]):
                if t > self.a.timeout_ms * 1.25 and i < len(stmts):
                    self.slow.append({"ms": t, "statement": stmts[i][:400]})
        hdr_lines = header.count("\n")
        done = len(times) - nset
        if lost is not None:
            done = lost - hdr_lines  # statements up to and including the lost one
        return lost, hung, max(0, min(done, len(stmts))), hdr_lines

    def check_log(self):
        lines = self.new_log()
        events = []
        for i, line in enumerate(lines):
            if CRASH_RE.search(line):
                detail = ""
                if i + 1 < len(lines) and "Failed process was running" in lines[i + 1]:
                    detail = lines[i + 1].split("Failed process was running:", 1)[1].strip()
                events.append({"log": line.strip(), "running": detail})
        return events

    def narrow(self, batch, stmts, idx, header, events):
        """stmts[idx] was in flight when the server went down."""
        k = len(self.crashes) + 1
        base = os.path.join(self.crashdir, "crash_%02d" % k)
        with open(base + "_batch.sql", "w") as fh:
            fh.write(header + "\n".join(stmts) + "\n")
        with open(base + "_last.sql", "w") as fh:
            fh.write(header + "\n".join(stmts[max(0, idx - 20): idx + 1]) + "\n")
        culprit = stmts[idx] if 0 <= idx < len(stmts) else None
        running = [e["running"] for e in events if e["running"]]
        if running:
            # the server log names the statement of the process that died
            for j, s in enumerate(stmts):
                if s.strip().rstrip(";") == running[0].strip().rstrip(";") or s.startswith(running[0][:60]):
                    culprit, idx = s, j
                    break
        crash = {"batch": os.path.basename(batch), "statement": culprit, "log": [e["log"] for e in events],
                 "server_running": running, "files": [base + "_batch.sql", base + "_last.sql"]}
        if culprit is None:
            self.crashes.append(crash)
            return
        # 1: the statement alone, after the session settings of the batch before it
        sets = [s for s in stmts[:idx] if re.match(r"/\*fz:\d+\*/ (SET|RESET) ", s)]
        alone = sets + [culprit]
        self.server_up()
        self.new_log()
        self.run_file(base + "_alone.sql", alone, header, 0, count=False)
        time.sleep(1)
        if self.check_log():
            crash["reproduced"] = "alone (with the batch's SET statements)"
            crash["files"].append(base + "_alone.sql")
        else:
            # 2: statement by statement from the start of the batch, in one session
            self.server_up()
            self.new_log()
            self.run_file(base + "_prefix.sql", stmts[: idx + 1], header, 0, count=False)
            time.sleep(1)
            if self.check_log():
                crash["reproduced"] = "with the statements before it in the batch (%d)" % (idx + 1)
                crash["files"].append(base + "_prefix.sql")
            else:
                crash["reproduced"] = "no (depends on state)"
        self.server_up()
        self.new_log()
        self.crashes.append(crash)

    def run(self):
        batches = sorted(glob.glob(os.path.join(self.dir, "batch_*.sql")))
        logdir = os.path.join(self.dir, "logs")
        os.makedirs(logdir, exist_ok=True)
        t0 = time.time()
        self.watchdog = Watchdog(self.a.timeout_ms)
        self.watchdog.start()
        for bi, batch in enumerate(batches):
            with open(batch) as fh:
                content = fh.read()
            header_end = content.index("/*fz:")
            header, stmts = content[:header_end], content[header_end:].splitlines()
            part = 0
            while stmts:
                part += 1
                path = os.path.join(logdir, "%s.%d.sql" % (os.path.basename(batch)[:-4], part))
                lost, hung, done, _ = self.run_file(path, stmts, header, 0)
                self.ran += done
                time.sleep(0.2)
                events = self.check_log()
                if events or lost is not None:
                    if events:
                        idx = (done - 1) if lost is not None else done - 1
                        if not self.server_up():
                            self.restart_server()
                        self.narrow(path, stmts, idx, header, events)
                    elif lost is not None:
                        # connection lost without a crash in the log (e.g. FATAL)
                        self.server_up()
                    stmts = stmts[done:] if done > 0 else stmts[1:]
                    continue
                if hung:
                    self.server_up()
                break
            if not self.server_up(wait=30):
                self.crashes.append({"batch": os.path.basename(batch), "statement": None,
                                     "log": ["server not accepting connections after the batch"]})
                if not self.restart_server():
                    break
            el = time.time() - t0
            print("batch %d/%d: %d statements run, %d errors, %d crashes, %.0f s" % (
                bi + 1, len(batches), self.ran, sum(self.errors.values()), len(self.crashes), el), flush=True)
        self.report()

    def report(self):
        self.watchdog.stop.set()
        self.overruns = sorted(self.watchdog.hangs.values(), key=lambda h: -h["seconds"])
        classes = collections.Counter()
        for st, n in self.errors.items():
            classes[st[:2]] += n
        summary = {"queries": self.ran, "errors": sum(self.errors.values()), "by_class": dict(classes),
                   "by_sqlstate": dict(self.errors), "warnings": dict(self.warnings),
                   "crashes": self.crashes, "hangs": self.hangs, "slow": self.slow,
                   "overruns": self.overruns,
                   "messages": {k: dict(v.most_common(20)) for k, v in self.messages.items()}}
        with open(os.path.join(self.dir, "summary.json"), "w") as fh:
            json.dump(summary, fh, indent=1)
        print()
        print("queries run: %d" % self.ran)
        print("errors: %d (expected; by SQLSTATE class: %s)" % (
            summary["errors"], ", ".join("%s=%d" % kv for kv in sorted(classes.items()))))
        print("errors by SQLSTATE: %s" % ", ".join("%s=%d" % kv for kv in sorted(self.errors.items())))
        if self.warnings:
            print("warnings by SQLSTATE: %s" % ", ".join("%s=%d" % kv for kv in sorted(self.warnings.items())))
        for k, v in sorted(self.messages.items()):
            for msg, n in v.most_common(5):
                print("  %s x%d: %s" % (k, n, msg))
        print("statements slower than 1.25 x statement_timeout: %d" % len(self.slow))
        for s in sorted(self.slow, key=lambda s: -s["ms"])[:10]:
            print("  %.0f ms: %s" % (s["ms"], s["statement"][:200]))
        print("statements still running %.0f s after their start (cancelled by the watchdog): %d" % (
            self.watchdog.limit_s, len(self.overruns)))
        for h in self.overruns[:10]:
            print("  >= %.0f s%s: %s" % (h["seconds"], ", needed pg_terminate_backend" if h["terminated"] else "",
                                         h["statement"][:250]))
        print("hung batches (killed): %d" % len(self.hangs))
        for h in self.hangs:
            print("  %s: %s" % (h["file"], h["activity"][:300]))
        print("crashes: %d" % len(self.crashes))
        for c in self.crashes:
            print("  %s: %s" % (c["batch"], (c.get("statement") or "?")[:300]))
            for line in c["log"]:
                print("    log: %s" % line[:300])
            if c.get("reproduced"):
                print("    reproduced: %s" % c["reproduced"])
            for f in c.get("files", []):
                print("    file: %s" % f)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--catalog", required=True)
    g.add_argument("--queries", type=int, default=20000)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--out", required=True)
    g.add_argument("--batch-size", type=int, default=500)
    g.add_argument("--timeout-ms", type=int, default=2000)
    g.add_argument("--inject-crash", action="store_true")
    r = sub.add_parser("run")
    r.add_argument("--dir", required=True)
    r.add_argument("--server-log", required=True)
    r.add_argument("--timeout-ms", type=int, default=2000)
    a = ap.parse_args()
    if a.cmd == "generate":
        generate(a)
        return 0
    runner = Runner(a)
    runner.run()
    return 1 if runner.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
