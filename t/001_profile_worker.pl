# The profile background workers on a real cluster with clv_ext preloaded:
# the launcher, a profile filled and kept fresh after INSERT, UPDATE and
# DELETE, a GUC reload that stops and restarts the worker, SIGTERM,
# SIGKILL in the middle of a refresh (crash recovery leaves the old profile
# and the next refresh completes), an owner who loses SELECT on the source,
# and dropping the profile and the extension. Every wait polls with the
# framework's generous timeout; nothing asserts on timing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('profiles');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
restart_after_crash = on
max_worker_processes = 16
});
$node->start;

sub worker_pids
{
	return $node->safe_psql('postgres',
		q{SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity
		  WHERE backend_type = 'clv_ext profile worker'});
}

ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'clv_ext launcher'}),
	'the launcher runs');

# A source of 300 customers with 1 to 5 orders each over the last year.
$node->safe_psql('postgres', q{
CREATE EXTENSION clv_ext;
CREATE TABLE orders (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO orders
SELECT c, now() - (c % 97 + k * 40) * interval '1 day', 10 + (c * k) % 50
FROM generate_series(1, 300) c, generate_series(0, c % 5) k;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount');
});

ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 300 FROM clv_profiles.shop}),
	'the worker fills a new profile');
is($node->safe_psql('postgres',
		q{SELECT last_mode || ' ' || (last_fit_error IS NULL) FROM clv.profile_status}),
	'full true', 'first refresh is full and fits the model');
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM clv_profiles.shop WHERE p_alive IS NULL OR predicted_clv IS NULL}),
	'0', 'every customer is scored');
my $worker = worker_pids();
like($worker, qr/^\d+$/, 'one worker for the database');

# New, changed and deleted transactions reach the profile by themselves.
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1001, now(), 25), (1, now(), 30)});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 301 AND sum(orders) FILTER (WHERE customer_id = 1) = 3
		  FROM clv_profiles.shop}),
	'inserted transactions appear');
$node->safe_psql('postgres', q{
UPDATE orders SET amount = 1000 WHERE customer_id = 2;
DELETE FROM orders WHERE customer_id = 3;
});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 300 AND bool_and(customer_id <> 3)
		         AND max(total_spend) FILTER (WHERE customer_id = 2) = 3000
		  FROM clv_profiles.shop}),
	'updated and deleted transactions are reflected');
is($node->safe_psql('postgres', q{SELECT last_mode FROM clv.profile_status}),
	'incremental', 'changes are applied incrementally');

# A reload that disables the workers stops them; enabling them again
# restarts the worker, which catches up.
$node->safe_psql('postgres', q{ALTER SYSTEM SET clv.worker_enabled = off; SELECT pg_reload_conf()});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'clv_ext profile worker'}),
	'clv.worker_enabled = off stops the worker');
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1002, now(), 5)});
is($node->safe_psql('postgres', q{SELECT pending_changes FROM clv.profile_status}),
	'1', 'changes wait while the workers are off');
$node->safe_psql('postgres', q{ALTER SYSTEM RESET clv.worker_enabled; SELECT pg_reload_conf()});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.shop WHERE customer_id = 1002}),
	'the restarted worker catches up');

# SIGTERM stops the worker; the launcher starts a new one.
$worker = worker_pids();
kill 'TERM', $worker;
ok($node->poll_query_until('postgres',
		qq{SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $worker}),
	'SIGTERM stops the worker');
ok($node->poll_query_until('postgres',
		qq{SELECT count(*) = 1 FROM pg_stat_activity
		   WHERE backend_type = 'clv_ext profile worker' AND pid <> $worker}),
	'the launcher starts a new worker');
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1003, now(), 5)});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.shop WHERE customer_id = 1003}),
	'the new worker refreshes');

# SIGKILL in the middle of a full refresh: a session holds one facts row, so
# the worker's rewrite of the facts blocks on it after its other deletes.
my $before = $node->safe_psql('postgres',
	q{SELECT count(*) || ' ' || sum(orders) FROM clv_profiles.shop_facts});
my $blocker = $node->background_psql('postgres');
$blocker->query_safe(
	q{BEGIN; SELECT 1 FROM clv_profiles.shop_facts WHERE customer_id = 300 FOR UPDATE;});
$node->safe_psql('postgres', q{
INSERT INTO clv.profile_changes (profile_id, customers) SELECT id, NULL FROM clv.profiles;
});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity
		  WHERE backend_type = 'clv_ext profile worker' AND wait_event_type = 'Lock'}),
	'the worker is blocked in the middle of a full refresh');
$worker = worker_pids();
is($node->safe_psql('postgres', q{SELECT running_or_interrupted FROM clv.profile_status}),
	't', 'the refresh start is on record before it finishes');
kill 'KILL', $worker;
eval { $blocker->quit; };    # crash recovery ends every session
ok($node->poll_query_until('postgres', q{SELECT pg_is_in_recovery() = false}),
	'the server recovers from the killed worker');
is($node->safe_psql('postgres',
		q{SELECT count(*) || ' ' || sum(orders) FROM clv_profiles.shop_facts}),
	$before, 'after the crash the profile is the old version, whole');
ok($node->poll_query_until('postgres',
		q{SELECT last_end > last_start AND pending_changes = 0 AND last_mode = 'full'
		  FROM clv.profile_status}),
	'the next full refresh completes');
is($node->safe_psql('postgres',
		q{SELECT count(*) || ' ' || sum(orders) FROM clv_profiles.shop_facts}),
	$before, 'and gives the same profile');
ok($node->log_contains('terminated by signal 9'), 'the server log has the crash');

# A profile refreshes as its owner: without SELECT on the source it fails,
# says so in the status view, and recovers when the right comes back.
$node->safe_psql('postgres', q{
CREATE ROLE alice;
GRANT CREATE ON SCHEMA clv_profiles TO alice;
CREATE TABLE alice_orders (customer text, ts timestamptz, amount float8);
ALTER TABLE alice_orders OWNER TO alice;
INSERT INTO alice_orders SELECT 'c' || (i % 20), now() - i * interval '3 days', i FROM generate_series(1, 100) i;
SET ROLE alice;
SELECT clv.create_profile('alices', 'alice_orders', 'customer', 'ts', 'amount', refresh_interval => '1s');
});
ok($node->poll_query_until('postgres', q{SELECT count(*) = 20 FROM clv_profiles.alices}),
	'the owner\'s profile is filled');
$node->safe_psql('postgres', q{
REVOKE SELECT ON alice_orders FROM alice;
INSERT INTO alice_orders VALUES ('c99', now(), 1);
});
ok($node->poll_query_until('postgres',
		q{SELECT last_error LIKE 'permission denied for table alice_orders%' AND failures > 0
		  FROM clv.profile_status WHERE profile = 'alices'}),
	'an owner without SELECT on the source: the refresh fails and says why');
is($node->safe_psql('postgres', q{SELECT count(*) FROM clv_profiles.alices WHERE customer = 'c99'}),
	'0', 'nothing was read for it');
is($node->safe_psql('postgres', q{SELECT last_error IS NULL FROM clv.profile_status WHERE profile = 'shop'}),
	't', 'the other profile is unaffected');
$node->safe_psql('postgres', q{GRANT SELECT ON alice_orders TO alice});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.alices WHERE customer = 'c99'}),
	'with SELECT back the profile catches up');
is($node->safe_psql('postgres', q{SELECT failures || ' ' || (last_error IS NULL) FROM clv.profile_status WHERE profile = 'alices'}),
	'0 true', 'and the error is cleared');

# Dropping the profiles ends the worker; the extension drops cleanly.
$node->safe_psql('postgres', q{SET ROLE alice; SELECT clv.drop_profile('alices')});
$node->safe_psql('postgres', q{SELECT clv.drop_profile('shop')});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'clv_ext profile worker'}),
	'without profiles the worker exits');
$node->safe_psql('postgres', q{DROP EXTENSION clv_ext});
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('orders'::regclass, 'alice_orders'::regclass)}),
	'0', 'no trigger left on the sources');

$node->stop;
done_testing();
