# Watermark capture in the background worker: profiles of append-only
# sources without triggers, owned by an ordinary role, polled by the worker
# every refresh_interval (no commit wakes it). A plain table with an
# ingestion time, one with a bigint id, a partitioned table with a
# partition attached after the profile was created, and a foreign table
# (postgres_fdw back to this server). After each batch of inserts the test
# waits for the worker and compares every profile with a plain computation
# over its source. A transaction that commits after the worker has moved
# the watermark past its rows is still seen within the allowance. Every
# wait polls with the framework's timeout; nothing asserts on timing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('watermark');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
clv.worker_naptime = '100ms'
max_worker_processes = 16
});
$node->start;

my $host = $node->host;
my $port = $node->port;
$node->safe_psql('postgres', qq{
CREATE EXTENSION clv_ext;
CREATE EXTENSION postgres_fdw;
CREATE ROLE shop_owner;
GRANT CREATE ON SCHEMA clv_profiles TO shop_owner;
CREATE SCHEMA shop AUTHORIZATION shop_owner;
CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'postgres', host '$host', port '$port');
CREATE USER MAPPING FOR CURRENT_USER SERVER loopback;
});

# The sources, owned by the ordinary role: an order log with an ingestion
# time, an event log with a bigint id, a partitioned log.
$node->safe_psql('postgres', q{
SET ROLE shop_owner;
CREATE TABLE shop.orders (customer_id bigint, ts timestamptz, amount int,
                          ingested_at timestamptz NOT NULL DEFAULT clock_timestamp());
INSERT INTO shop.orders (customer_id, ts, amount)
SELECT c, now() - (c % 97 + k * 40) * interval '1 day', 10 + (c * k) % 50
FROM generate_series(1, 200) c, generate_series(0, c % 5) k;
CREATE TABLE shop.events (id bigint GENERATED ALWAYS AS IDENTITY, customer text, ts timestamptz, amount int);
INSERT INTO shop.events (customer, ts, amount)
SELECT 'c' || c, now() - (c % 31 + k * 20) * interval '1 day', 1 + c % 9
FROM generate_series(1, 100) c, generate_series(0, c % 3) k;
CREATE TABLE shop.sales (customer_id bigint, ts timestamptz, amount int,
                         ingested_at timestamptz NOT NULL DEFAULT clock_timestamp())
PARTITION BY RANGE (ingested_at);
CREATE TABLE shop.sales_old PARTITION OF shop.sales FOR VALUES FROM ('2000-01-01') TO ('2026-01-01');
INSERT INTO shop.sales (customer_id, ts, amount, ingested_at)
SELECT c, now() - (k * 30) * interval '1 day', 1 + c % 13, timestamptz '2025-06-01' + c * interval '1 minute'
FROM generate_series(1, 80) c, generate_series(0, c % 2) k;
SET client_min_messages = warning;
SELECT clv.create_profile('orders', 'shop.orders', 'customer_id', 'ts', 'amount',
                          watermark_column => 'ingested_at', watermark_lag => '1 hour',
                          refresh_interval => '1 second');
SELECT clv.create_profile('events', 'shop.events', 'customer', 'ts', 'amount',
                          watermark_column => 'id', watermark_id_lag => 100, refresh_interval => '1 second');
SELECT clv.create_profile('sales', 'shop.sales', 'customer_id', 'ts', 'amount',
                          watermark_column => 'ingested_at', refresh_interval => '1 second');
});
# The foreign table reads the order log through the loopback server; its
# profile is the superuser's (the user mapping is).
$node->safe_psql('postgres', q{
CREATE FOREIGN TABLE public.remote_orders (customer_id bigint, ts timestamptz, amount int, ingested_at timestamptz)
SERVER loopback OPTIONS (schema_name 'shop', table_name 'orders');
SET client_min_messages = warning;
SELECT clv.create_profile('remote', 'public.remote_orders', 'customer_id', 'ts', 'amount',
                          watermark_column => 'ingested_at', watermark_lag => '1 hour',
                          refresh_interval => '1 second');
});

is($node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND NOT t.tgisinternal}),
	'0', 'no trigger on any source');

my %sources = (
	orders => [ 'shop.orders', 'customer_id' ],
	events => [ 'shop.events', 'customer' ],
	sales => [ 'shop.sales', 'customer_id' ],
	remote => [ 'public.remote_orders', 'customer_id' ]);

# Customers of a profile that differ from a plain computation over its
# source (orders, total spend, last purchase), both ways.
sub mismatches_sql
{
	my ($profile) = @_;
	my ($source, $customer) = @{ $sources{$profile} };
	return qq{
	  WITH plain AS (SELECT ${customer}::text AS c, count(*) AS orders, sum(amount)::float8 AS spend, max(ts) AS last
	                 FROM $source GROUP BY 1),
	       profile AS (SELECT ${customer}::text AS c, orders, total_spend, last_purchase FROM clv_profiles.$profile)
	  SELECT count(*) FROM ((TABLE plain EXCEPT TABLE profile) UNION ALL (TABLE profile EXCEPT TABLE plain)) d};
}

# Waits until every profile equals its source.
sub all_fresh
{
	my ($what) = @_;
	for my $profile (sort keys %sources)
	{
		my $query = mismatches_sql($profile);
		ok($node->poll_query_until('postgres', "SELECT ($query) = 0"), "$profile: $what");
	}
}

all_fresh('the worker fills the new profile');
is($node->safe_psql('postgres', q{SELECT string_agg(DISTINCT capture, ',') FROM clv.profile_status}),
	'watermark', 'every profile captures by watermark');

# New rows in several transactions: old and new customers. Nothing wakes
# the worker; its timed passes find them.
$node->safe_psql('postgres', q{
INSERT INTO shop.orders (customer_id, ts, amount) VALUES (1, now(), 30), (1001, now(), 25);
INSERT INTO shop.orders (customer_id, ts, amount) SELECT c, now(), c FROM generate_series(190, 210) c;
INSERT INTO shop.events (customer, ts, amount) VALUES ('c1', now(), 3), ('new', now(), 4);
INSERT INTO shop.sales (customer_id, ts, amount, ingested_at) VALUES (2, now(), 5, '2025-12-31');
});
all_fresh('inserted rows reach the profile');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM clv.profile_status WHERE last_mode = 'incremental'}),
	'4', 'incrementally');
is($node->safe_psql('postgres',
		q{SELECT watermark_id = (SELECT max(id) FROM shop.events) FROM clv.profiles WHERE name = 'events'}),
	't', 'the bigint watermark is the highest id');

# A partition attached after the profile was created: its rows are read
# through the parent.
$node->safe_psql('postgres', q{
SET ROLE shop_owner;
CREATE TABLE shop.sales_new (LIKE shop.sales INCLUDING DEFAULTS);
ALTER TABLE shop.sales ATTACH PARTITION shop.sales_new FOR VALUES FROM ('2026-01-01') TO ('2100-01-01');
INSERT INTO shop.sales (customer_id, ts, amount) VALUES (3, now(), 7), (500, now(), 8);
});
all_fresh('rows of a partition attached later reach the profile');
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.sales WHERE customer_id = 500}),
	'including a new customer');

# A transaction that commits late: its row's ingestion time is taken
# before the rows of a transaction that commits first, and that the worker
# takes in, moving the watermark past it. Within the hour of allowance,
# the next pass still reads it.
my $late = $node->background_psql('postgres');
$late->query_safe('BEGIN');
my $late_ts = $late->query_safe(
	q{INSERT INTO shop.orders (customer_id, ts, amount) VALUES (2001, now(), 11) RETURNING ingested_at});
$node->safe_psql('postgres', q{INSERT INTO shop.orders (customer_id, ts, amount) VALUES (2002, now(), 12)});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.orders WHERE customer_id = 2002}),
	'the early commit is taken in');
is($node->safe_psql('postgres',
		qq{SELECT watermark_ts > '$late_ts' FROM clv.profiles WHERE name = 'orders'}),
	't', 'the watermark has moved past the late transaction\'s row');
$late->query_safe('COMMIT');
$late->quit;
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.orders WHERE customer_id = 2001}),
	'the late commit is seen within the allowance');
all_fresh('every profile still equals its source');

is($node->safe_psql('postgres', q{SELECT count(*) FROM clv.profile_status WHERE failures > 0 OR last_error IS NOT NULL}),
	'0', 'no refresh failed');

$node->stop;
done_testing();
