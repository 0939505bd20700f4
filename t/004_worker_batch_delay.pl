# The profile worker's pass accounting: clv.worker_batch_delay holds back
# only the pass after one that took in changes (a refresh of mode full or
# incremental), never the pass after one that found nothing to take in (no
# profile due, or a timed refresh of mode none), so a commit that follows an
# empty pass is refreshed at once. The worker reports each pass and each
# batch-delay wait at DEBUG1; the test checks their sequence in the server
# log, with a batch delay (60 s) far longer than the worker's naptime, and
# asserts nothing on timing.
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
clv.worker_batch_delay = '60s'
log_min_messages = debug1
max_worker_processes = 16
});
$node->start;

my $pass = qr/clv_ext: pass over (\d+) due profiles, (\d+) took in changes/;
my $wait = qr/clv_ext: batch delay: next pass in \d+ ms/;

# The worker's pass and batch-delay lines in the log from $offset on: the
# number of profiles that took in changes for a pass, 'wait' for a wait.
sub worker_lines
{
	my ($offset) = @_;
	my @lines;
	for my $line (split /\n/, substr(slurp_file($node->logfile), $offset))
	{
		if ($line =~ $pass) { push @lines, $2; }
		elsif ($line =~ $wait) { push @lines, 'wait'; }
	}
	return @lines;
}

# Waits until the log from $offset on has $n pass lines; false on timeout.
sub wait_for_passes
{
	my ($offset, $n) = @_;
	for (my $i = 0; $i < 10 * $PostgreSQL::Test::Utils::timeout_default; $i++)
	{
		return 1 if scalar(grep { $_ ne 'wait' } worker_lines($offset)) >= $n;
		usleep(100_000);
	}
	return 0;
}

# The profile exists but is disabled, and refreshed by hand: the worker has
# nothing to do.
$node->safe_psql('postgres', q{
CREATE EXTENSION clv_ext;
CREATE TABLE orders (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO orders SELECT c, now() - (c % 7 + k * 30) * interval '1 day', 10 + c % 13
FROM generate_series(1, 50) c, generate_series(0, c % 3) k;
BEGIN;
SELECT clv.create_profile('shop', 'orders', 'customer_id', 'ts', 'amount', refresh_interval => '1 day');
SELECT clv.alter_profile('shop', enabled => false);
COMMIT;
SET client_min_messages = error;
SELECT * FROM clv.refresh_profile('shop');
});
my $offset = 0;
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'clv_ext profile worker'}),
	'the worker runs');

# Empty passes follow each other at the naptime: none starts a batch delay.
ok(wait_for_passes($offset, 3), 'the worker makes passes');
my @lines = worker_lines($offset);
is(scalar(grep { $_ eq 'wait' } @lines), 0, 'passes that refreshed nothing start no batch delay');

# A timed refresh with nothing to take in (mode none) starts none either.
$offset = -s $node->logfile;
$node->safe_psql('postgres', q{SELECT clv.alter_profile('shop', enabled => true)});
$node->wait_for_log(qr/clv_ext: pass over 1 due profiles, 0 took in changes/, $offset);
ok(wait_for_passes($offset, 3), 'the worker goes on making passes');
is($node->safe_psql('postgres', q{SELECT last_mode FROM clv.profile_status}),
	'none', 'the worker refreshed the profile, with nothing to take in');
@lines = worker_lines($offset);
is(scalar(grep { $_ eq 'wait' } @lines), 0, 'a refresh of mode none starts no batch delay');

# A commit after those empty passes is taken in by the next pass, and that
# pass, which took in changes, starts the batch delay.
$offset = -s $node->logfile;
$node->safe_psql('postgres', q{INSERT INTO orders VALUES (1001, now(), 25)});
ok($node->poll_query_until('postgres',
		q{SELECT count(*) = 1 FROM clv_profiles.shop WHERE customer_id = 1001}),
	'the new customer appears');
$node->wait_for_log($wait, $offset);
@lines = grep { $_ ne '0' } worker_lines($offset);
is(join(' ', @lines[0 .. 1]), '1 wait',
	'the pass that took in the commit starts the batch delay, the empty ones before it none');

# Over the whole run, every wait follows a pass that took in changes.
@lines = worker_lines(0);
my $misplaced = 0;
for my $i (0 .. $#lines)
{
	next unless $lines[$i] eq 'wait';
	$misplaced++ if $i == 0 || $lines[ $i - 1 ] eq 'wait' || $lines[ $i - 1 ] == 0;
}
is($misplaced, 0, 'batch delays follow only passes that took in changes');

$node->stop;
done_testing();
