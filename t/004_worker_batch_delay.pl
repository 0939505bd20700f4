# The profile worker's pass accounting: clv.worker_batch_delay counts from
# the last pass that took in changes (a refresh of mode full or incremental)
# or that commits woke; a timed pass that found nothing to take in (no
# profile due, or a refresh of mode none) starts no delay, so a commit that
# follows it is refreshed at once. The worker reports each pass (timed or
# woken, profiles due, how many took in changes) and each batch-delay wait
# at DEBUG1; the test checks their sequence in the server log, with a batch
# delay far longer than the worker's naptime, and asserts nothing on timing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('batch_delay');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
clv.worker_naptime = '20ms'
clv.worker_batch_delay = '10s'
log_min_messages = debug1
max_worker_processes = 16
});
$node->start;

my $pass = qr/clv_ext: (timed|woken) pass over (\d+) due profiles, (\d+) took in changes/;
my $wait = qr/clv_ext: batch delay: next pass in \d+ ms/;

# The worker's lines in the log from $offset on: "timed 0 0" (kind, due,
# took in) for a pass, "wait" for a batch-delay wait.
sub worker_lines
{
	my ($offset) = @_;
	my @lines;
	for my $line (split /\n/, substr(slurp_file($node->logfile), $offset))
	{
		if ($line =~ $pass) { push @lines, "$1 $2 $3"; }
		elsif ($line =~ $wait) { push @lines, 'wait'; }
	}
	return @lines;
}

# Waits until the log from $offset on has $n lines matching $pattern.
sub wait_for_lines
{
	my ($offset, $pattern, $n) = @_;
	for (my $i = 0; $i < 10 * $PostgreSQL::Test::Utils::timeout_default; $i++)
	{
		return 1 if scalar(grep { $_ =~ $pattern } worker_lines($offset)) >= $n;
		usleep(100_000);
	}
	return 0;
}

# Passes followed by a wait, as "kind due took_in" lines.
sub waited_after
{
	my @lines = @_;
	return map { $lines[ $_ - 1 ] } grep { $_ > 0 && $lines[$_] eq 'wait' } 0 .. $#lines;
}

# The profile exists but is paused, and refreshed by hand: the worker has
# nothing to do.
$node->safe_psql('postgres', q{
CREATE EXTENSION clv_ext;
CREATE TABLE orders (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO orders SELECT c, now() - (c % 7 + k * 30) * interval '1 day', 10 + c % 13
FROM generate_series(1, 50) c, generate_series(0, c % 3) k;
BEGIN;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount');
SELECT clv.alter_profile('shop', enabled => false);
COMMIT;
SET client_min_messages = error;
SELECT * FROM clv.refresh_profile('shop');
});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'clv_ext profile worker'}),
	'the worker runs');

# Timed passes with no profile due follow each other at the naptime.
ok(wait_for_lines(0, qr/^timed 0 0$/, 3), 'the worker makes timed passes');
is(join(',', waited_after(worker_lines(0))), '', 'timed passes that refreshed nothing start no batch delay');

# Resumed with refresh_interval 0, the profile is refreshed by every timed
# pass, with nothing to take in (mode none): no batch delay after those.
my $offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT clv.alter_profile('shop', enabled => true, refresh_interval => '0')});
ok(wait_for_lines($offset, qr/^timed 1 0$/, 3), 'timed passes refresh the profile');
is($node->safe_psql('postgres', q{SELECT last_mode FROM clv.profile_status}),
	'none', 'with nothing to take in');
my @lines = worker_lines($offset);
is(join(',', grep { $_ ne 'woken 1 0' } waited_after(@lines)), '',
	'a batch delay only after the pass the resuming commit woke');

# A commit after those timed passes is taken in by the next pass, which
# starts the batch delay: the pass its wake-up starts, or a timed pass that
# began between the commit and the wake-up (passes follow each other with
# refresh_interval 0).
$offset = -s $node->logfile;
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1001, now(), 25)});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.shop WHERE customer_id = 1001}),
	'the new customer appears');
ok(wait_for_lines($offset, qr/^wait$/, 1), 'a batch delay follows');
@lines = grep { $_ ne 'timed 1 0' } worker_lines($offset);
like(join(',', @lines[0 .. 1]), qr/^(woken|timed) 1 1,wait$/,
	'the commit is taken in by the first pass after the timed ones, and the delay follows it');

# Commits with nothing to take in (the profile paused) wake the worker, but
# a pass they wake holds the next one back: no pass per commit.
$node->safe_psql('postgres', q{SELECT clv.alter_profile('shop', enabled => false)});
$offset = -s $node->logfile;
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1002, now(), 5)});
ok(wait_for_lines($offset, qr/^wait$/, 1), 'a commit to a paused profile\'s source');
is((waited_after(worker_lines($offset)))[0], 'woken 0 0', 'wakes a pass that starts a batch delay');

# Over the whole run, no timed pass that took in nothing started a delay.
is(join(',', grep { /^timed \d+ 0$/ } waited_after(worker_lines(0))), '',
	'batch delays follow only passes that took in changes or that commits woke');

$node->stop;
done_testing();
