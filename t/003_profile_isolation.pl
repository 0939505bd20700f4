# One owner cannot slow another: the profile worker of a database is shared
# by every owner of a profile in it, so a background refresh runs under
# clv.refresh_lock_timeout and clv.refresh_statement_timeout, a profile that
# times out backs off and the others go on. Tested here: an owner who holds
# an ACCESS EXCLUSIVE lock on his source while another owner's changes keep
# arriving; an owner whose source is slow to read (a row-level security
# policy that sleeps) under a 1s statement timeout; a registry row with the
# largest refresh_interval and failure count that then fails (the backoff is
# clamped to an hour, the worker survives); and clv.max_workers = 2 with five
# databases that have clv_ext, only the last with a profile (workers of
# databases without profiles give their slot back, the launcher rotates).
# Every wait polls with the framework's timeout; nothing asserts on timing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('isolation');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
max_worker_processes = 16
});
$node->start;

sub worker_pids
{
	my ($n, $db) = @_;
	return $n->safe_psql($db,
		q{SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity
		  WHERE backend_type = 'clv_ext profile worker'});
}

# Log lines of crashes, and of background workers that exited with an
# error other than at a shutdown (which ends every worker with exit code 1).
sub abnormal_exits
{
	my ($n) = @_;
	my $in_shutdown = 0;
	my @bad;
	for (split /\n/, slurp_file($n->logfile))
	{
		$in_shutdown = 1 if /received (fast|smart|immediate) shutdown request/;
		$in_shutdown = 0 if /database system is ready to accept connections/;
		push @bad, $_
		  if /terminated by signal|was terminated|PANIC|TRAP:/
		  || (!$in_shutdown && /exited with exit code [1-9]/);
	}
	return join("\n", @bad);
}

sub status
{
	my ($profile, $columns) = @_;
	return $node->safe_psql('postgres',
		qq{SELECT $columns FROM clv.profile_status WHERE profile = '$profile'});
}

# Three non-superuser login roles, each owning a source and a profile made
# as that role. Carol's source has a row-level security policy (forced on
# its owner, who is what the refresh runs as) that takes ten minutes to pass
# a row of amount 999; there is none yet.
$node->safe_psql('postgres', q{
CREATE EXTENSION clv_ext;
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN;
GRANT CREATE ON SCHEMA clv_profiles TO alice, bob, carol;
CREATE TABLE alice_orders (customer text, ts timestamptz, amount float8);
INSERT INTO alice_orders SELECT 'a' || (i % 20), now() - i * interval '3 days', i FROM generate_series(1, 100) i;
ALTER TABLE alice_orders OWNER TO alice;
CREATE TABLE bob_orders (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO bob_orders SELECT i % 25, now() - i * interval '2 days', 5 + i % 7 FROM generate_series(1, 100) i;
ALTER TABLE bob_orders OWNER TO bob;
CREATE FUNCTION carol_gate(a numeric) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN IF a = 999 THEN PERFORM pg_sleep(600); END IF; RETURN true; END$$;
ALTER FUNCTION carol_gate(numeric) OWNER TO carol;
CREATE TABLE carol_orders (customer_id integer, ts timestamptz, amount numeric);
INSERT INTO carol_orders SELECT i % 15, now() - i * interval '4 days', 20 + i % 3 FROM generate_series(1, 60) i;
ALTER TABLE carol_orders OWNER TO carol;
-- (the owners have no CREATE on schema public to make these themselves)
CREATE INDEX ON alice_orders (customer, ts);
CREATE INDEX ON bob_orders (customer_id, ts);
CREATE INDEX ON carol_orders (customer_id, ts);
ALTER TABLE carol_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE carol_orders FORCE ROW LEVEL SECURITY;
CREATE POLICY gate ON carol_orders USING (carol_gate(amount));
});
$node->safe_psql('postgres',
	q{SELECT clv.create_profile('alices', 'alice_orders', 'customer', 'ts', 'amount', refresh_interval => '1s')},
	extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres',
	q{SELECT clv.create_profile('bobs', 'bob_orders', 'customer_id', 'ts', 'amount', refresh_interval => '1s')},
	extra_params => [ '-U', 'bob' ]);
$node->safe_psql('postgres',
	q{SELECT clv.create_profile('carols', 'carol_orders', 'customer_id', 'ts', 'amount', refresh_interval => '1s')},
	extra_params => [ '-U', 'carol' ]);

ok($node->poll_query_until('postgres',
		q{SELECT (SELECT count(*) FROM clv_profiles.alices) = 20
		     AND (SELECT count(*) FROM clv_profiles.bobs) = 25
		     AND (SELECT count(*) FROM clv_profiles.carols) = 15}),
	'the worker fills the three owners\' profiles');
is($node->safe_psql('postgres', q{SELECT string_agg(owner::text, ',' ORDER BY owner::text) FROM clv.profile_status}),
	'alice,bob,carol', 'the superuser sees every profile');
is($node->safe_psql('postgres', q{SELECT string_agg(profile, ',') FROM clv.profile_status},
		extra_params => [ '-U', 'alice' ]),
	'alices', 'alice sees only her own profile');
is($node->safe_psql('postgres', q{SELECT string_agg(profile, ',') FROM clv.profile_status},
		extra_params => [ '-U', 'bob' ]),
	'bobs', 'bob sees only his own profile');
my $worker = worker_pids($node, 'postgres');
like($worker, qr/^\d+$/, 'one worker for the database');

#--------------------------------------------------------------------------
# 1. Bob holds an ACCESS EXCLUSIVE lock on his source; alice's changes still
# arrive, bob's refresh fails with a lock timeout and catches up afterwards.
#--------------------------------------------------------------------------

# A first session of bob's locks his profile's facts against writes, so that
# no refresh of his profile can take in the row he inserts next before his
# second session locks the source: the row stays pending.
my $bob_facts = $node->background_psql('postgres', extra_params => [ '-U', 'bob' ]);
$bob_facts->set_query_timer_restart;
$bob_facts->query_safe(q{BEGIN; LOCK TABLE clv_profiles.bobs_facts IN EXCLUSIVE MODE;});
my $bob = $node->background_psql('postgres', extra_params => [ '-U', 'bob' ]);
$bob->set_query_timer_restart;
my $bob_pid = $bob->query_safe(q{SELECT pg_backend_pid()});
$bob->query_safe(q{INSERT INTO bob_orders VALUES (5001, now(), 42)});
$bob->query_safe(q{BEGIN; LOCK TABLE bob_orders IN ACCESS EXCLUSIVE MODE;});
$bob_facts->query_safe(q{COMMIT});
$bob_facts->quit;
my $failures_before = status('bobs', 'failures');

ok($node->poll_query_until('postgres',
		qq{SELECT last_error LIKE 'canceling statement due to lock timeout%' AND failures > $failures_before
		   FROM clv.profile_status WHERE profile = 'bobs'}),
	'a refresh of bob\'s profile behind his lock fails with a lock timeout');

$node->safe_psql('postgres', q{INSERT INTO alice_orders VALUES ('a_new', now(), 77)},
	extra_params => [ '-U', 'alice' ]);
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.alices WHERE customer = 'a_new'}),
	'alice\'s new customer reaches her profile');
is($node->safe_psql('postgres',
		qq{SELECT count(*) FROM pg_locks
		   WHERE locktype = 'relation' AND relation = 'bob_orders'::regclass
		     AND mode = 'AccessExclusiveLock' AND granted AND pid = $bob_pid}),
	'1', 'while bob still holds the ACCESS EXCLUSIVE lock on his source');
is(status('bobs', q{(last_error LIKE 'canceling statement due to lock timeout%') || ' ' || (failures > 0) || ' ' || (pending_changes > 0)}),
	'true true true', 'bob\'s profile: lock-timeout error, failures, changes pending');
is($node->safe_psql('postgres', q{SELECT count(*) FROM clv_profiles.bobs WHERE customer_id = 5001}),
	'0', 'bob\'s new row is not in his profile yet');
is(status('alices', q{failures || ' ' || (last_error IS NULL)}), '0 true',
	'alice\'s profile has no error');
# Bob's profile keeps being retried, and failing, with backoff; alice's
# changes keep arriving.
$failures_before = status('bobs', 'failures');
ok($node->poll_query_until('postgres',
		qq{SELECT failures > $failures_before FROM clv.profile_status WHERE profile = 'bobs'}),
	'bob\'s profile is tried again and fails again');
$node->safe_psql('postgres', q{INSERT INTO alice_orders VALUES ('a_new1', now(), 78)},
	extra_params => [ '-U', 'alice' ]);
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.alices WHERE customer = 'a_new1'}),
	'alice\'s next customer arrives too');
is($node->safe_psql('postgres',
		qq{SELECT count(*) FROM pg_locks
		   WHERE locktype = 'relation' AND relation = 'bob_orders'::regclass
		     AND mode = 'AccessExclusiveLock' AND granted AND pid = $bob_pid}),
	'1', 'bob still holds his lock');

$bob->query_safe(q{COMMIT});
$bob->quit;
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.bobs WHERE customer_id = 5001}),
	'with the lock released bob\'s profile catches up');
ok($node->poll_query_until('postgres',
		q{SELECT failures = 0 AND last_error IS NULL AND pending_changes = 0
		  FROM clv.profile_status WHERE profile = 'bobs'}),
	'and its error and failures are cleared');
is(worker_pids($node, 'postgres'), $worker, 'the same worker did it all');

#--------------------------------------------------------------------------
# 2. A refresh that runs past clv.refresh_statement_timeout is cancelled
# and backs off; the other owners' profiles go on.
#--------------------------------------------------------------------------

$node->safe_psql('postgres',
	q{ALTER SYSTEM SET clv.refresh_statement_timeout = '1s'; SELECT pg_reload_conf()});
ok($node->poll_query_until('postgres', q{SELECT current_setting('clv.refresh_statement_timeout') = '1s'}),
	'clv.refresh_statement_timeout = 1s is loaded');
# Reading this row as carol takes ten minutes.
$node->safe_psql('postgres', q{INSERT INTO carol_orders VALUES (3, now(), 999)});
ok($node->poll_query_until('postgres',
		q{SELECT last_error LIKE 'canceling statement due to statement timeout%' AND failures > 0
		  FROM clv.profile_status WHERE profile = 'carols'}),
	'carol\'s slow refresh is cancelled by the statement timeout');
$node->safe_psql('postgres', q{INSERT INTO alice_orders VALUES ('a_new2', now(), 11)},
	extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', q{INSERT INTO bob_orders VALUES (5002, now(), 12)},
	extra_params => [ '-U', 'bob' ]);
ok($node->poll_query_until('postgres',
		q{SELECT (SELECT count(*) FROM clv_profiles.alices WHERE customer = 'a_new2') = 1
		     AND (SELECT count(*) FROM clv_profiles.bobs WHERE customer_id = 5002) = 1}),
	'alice\'s and bob\'s new customers arrive meanwhile');
is(status('carols', q{(last_error LIKE 'canceling statement due to statement timeout%') || ' ' || (pending_changes > 0)}),
	'true true', 'carol\'s profile still has the timeout error and its change pending');
is(status('alices', q{failures || ' ' || (last_error IS NULL)}), '0 true',
	'alice\'s profile has no error');

# The slow row goes first (a refresh that still sees it is cancelled after
# 1s), then the setting: carol's profile catches up.
$node->safe_psql('postgres', q{DELETE FROM carol_orders WHERE amount = 999});
$node->safe_psql('postgres',
	q{ALTER SYSTEM RESET clv.refresh_statement_timeout; SELECT pg_reload_conf()});
ok($node->poll_query_until('postgres',
		q{SELECT failures = 0 AND last_error IS NULL AND pending_changes = 0
		  FROM clv.profile_status WHERE profile = 'carols'}),
	'without the slow row carol\'s profile recovers');
is($node->safe_psql('postgres', q{SELECT orders FROM clv_profiles.carols WHERE customer_id = 3}),
	$node->safe_psql('postgres', q{SELECT count(*) FROM carol_orders WHERE customer_id = 3}),
	'and it is up to date');
is(worker_pids($node, 'postgres'), $worker, 'the same worker still runs');

#--------------------------------------------------------------------------
# 3. The largest refresh_interval and an enormous failure count: the next
# failure backs off by at most an hour and the worker goes on.
#--------------------------------------------------------------------------

$node->safe_psql('postgres', q{
REVOKE SELECT ON bob_orders FROM bob;
INSERT INTO bob_orders VALUES (5003, now(), 1);
UPDATE clv.profiles SET refresh_interval = '366 days', failures = 1000000, next_run = now()
WHERE name = 'bobs';
});
ok($node->poll_query_until('postgres',
		q{SELECT last_error LIKE 'permission denied for table bob_orders%' AND failures = 1000001
		  FROM clv.profile_status WHERE profile = 'bobs'}),
	'the failure of a profile with 366-day interval and 10^6 failures is recorded');
is(status('bobs', q{next_run <= clock_timestamp() + interval '1 hour'}),
	't', 'its next run is at most an hour away');
is(status('bobs', q{next_run > clock_timestamp() + interval '30 minutes'}),
	't', 'and it does back off');
$node->safe_psql('postgres', q{INSERT INTO alice_orders VALUES ('a_new3', now(), 13)},
	extra_params => [ '-U', 'alice' ]);
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.alices WHERE customer = 'a_new3'}),
	'alice\'s profile keeps getting fresh');
is(worker_pids($node, 'postgres'), $worker, 'the worker survives');
ok(!$node->log_contains('could not record the failure'), 'every failure was recorded');
# Back to normal: bob's next try is an hour away, so it is brought forward.
$node->safe_psql('postgres', q{
GRANT SELECT ON bob_orders TO bob;
UPDATE clv.profiles SET refresh_interval = '1s', next_run = now() WHERE name = 'bobs';
});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.bobs WHERE customer_id = 5003}),
	'with SELECT back bob\'s profile catches up');

is(abnormal_exits($node), '', 'no process crashed or exited with an error');
$node->stop;

#--------------------------------------------------------------------------
# 4. clv.max_workers = 2 and five databases with clv_ext, only the last
# with a profile: the workers of the others give their slots back, so the
# last one gets a worker, by a backend's request or by the launcher's turns.
#--------------------------------------------------------------------------

my $slots = PostgreSQL::Test::Cluster->new('slots');
$slots->init;
$slots->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
clv.max_workers = 2
});
$slots->start;
for my $i (1 .. 5)
{
	$slots->safe_psql('postgres', "CREATE DATABASE db$i");
	$slots->safe_psql("db$i", 'CREATE EXTENSION clv_ext');
}
ok($slots->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'clv_ext launcher'}),
	'the launcher runs');
$slots->safe_psql('db5', q{
CREATE TABLE orders (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO orders SELECT i % 30, now() - i * interval '1 day', 10 + i % 9 FROM generate_series(1, 150) i;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount', refresh_interval => '1s');
});
ok($slots->poll_query_until('db5', q{SELECT count(*) = 30 FROM clv_profiles.shop}),
	'the worker fills the profile of the fifth database');
ok($slots->poll_query_until('db5',
		q{SELECT worker ~ '^running \(pid \d+\)$' FROM clv.profile_status}),
	'its status says its worker is running');
ok($slots->poll_query_until('db5',
		q{SELECT count(*) = 1 FROM pg_stat_activity
		  WHERE backend_type = 'clv_ext profile worker' AND datname = 'db5'}),
	'a worker for it is in pg_stat_activity');

# After a restart no backend asks for a worker: the launcher's turns through
# the databases find the fifth one.
$slots->restart;
ok($slots->poll_query_until('db5',
		q{SELECT last_end > pg_postmaster_start_time() AND worker ~ '^running \(pid \d+\)$'
		  FROM clv.profile_status}),
	'after a restart the launcher finds the database with the profile by itself');
$slots->safe_psql('db5', q{INSERT INTO orders VALUES (9001, now(), 50)});
ok($slots->poll_query_until('db5', q{SELECT count(*) = 1 FROM clv_profiles.shop WHERE customer_id = 9001}),
	'and its worker keeps the profile fresh');

is(abnormal_exits($slots), '', 'no worker crashed or exited with an error');
$slots->stop;
done_testing();
