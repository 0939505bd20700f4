# pg_dump and pg_restore of a database that uses clv_ext: the extension's
# configuration tables (profiles, fitted models, pending changes, the
# identity graph and its rules) come back with their data, the profiles'
# own tables, views and capture triggers come back, and the restored
# installation works: the worker refreshes the restored profile and an
# identity ingest continues the restored graph.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'clv_ext'
clv.launcher_naptime = '1s'
});
$node->start;

$node->safe_psql('postgres', q{CREATE DATABASE source_db});
$node->safe_psql('source_db', q{
CREATE EXTENSION clv_ext;
CREATE TABLE orders (customer text, ts timestamptz, amount numeric);
-- Irregular purchases (a Pareto/NBD fit on perfectly regular ones runs its
-- parameters out to the bounds, slowly).
INSERT INTO orders
SELECT 'email:c' || c || '@x.com',
       now() - (c % 50 + k * 30 + (c * 7919 + k * 104729) % 23) * interval '1 day', 10 + (c * k) % 40
FROM generate_series(1, 200) c, generate_series(0, c % 4) k;
INSERT INTO clv.identity_rules (id_type, max_per_cluster) VALUES ('crm', 1);
SELECT * FROM clv.identity_ingest($$
  SELECT 'email:c' || c || '@x.com', 'device:d' || c FROM generate_series(1, 200) c
  UNION ALL SELECT 'device:d' || c, 'email:c' || (c + 1) || '@x.com' FROM generate_series(1, 200, 50) c
  UNION ALL VALUES ('crm:1', 'email:c1@x.com'), ('crm:2', 'email:c2@x.com')$$);
SELECT clv.create_profile('people', 'orders', 'customer', 'ts', 'amount', resolve_identity => true);
SELECT clv.create_profile('raw', 'orders', 'customer', 'ts', 'amount', model => 'pareto_nbd');
});
ok($node->poll_query_until('source_db',
		q{SELECT count(*) = 2 FROM clv.profile_status WHERE last_end IS NOT NULL AND pending_changes = 0}),
	'the worker fills both profiles');
# Stop refreshing so that nothing changes between the dump and the checks,
# and leave a pending change behind to see that it is dumped too.
$node->safe_psql('source_db', q{
SELECT clv.alter_profile('people', enabled => false);
SELECT clv.alter_profile('raw', enabled => false);
INSERT INTO orders VALUES ('email:c7@x.com', now(), 99);
});

# What must survive: per table or view, a fingerprint of its rows.
my $fingerprint = q{
SELECT string_agg(t || ' ' || n, E'\n' ORDER BY t) FROM (
  SELECT 'profiles' AS t, count(*) || ' ' || md5(string_agg(concat_ws(',', id, name, owner, source, customer_column,
           unit, model, horizon, resolve_identity, enabled, last_fit_at), ';' ORDER BY id)) AS n FROM clv.profiles
  UNION ALL SELECT 'models', count(*) || ' ' || md5(string_agg(concat_ws(',', profile_id, fitted_at, model, bgnbd, mbgnbd, pareto_nbd, gamma_gamma, clv_breaks), ';' ORDER BY profile_id, fitted_at)) FROM clv.profile_models
  UNION ALL SELECT 'changes', count(*) || ' ' || md5(string_agg(concat_ws(',', profile_id, customers), ';' ORDER BY profile_id, customers)) FROM clv.profile_changes
  UNION ALL SELECT 'nodes', count(*) || ' ' || md5(string_agg(concat_ws(',', identifier, cluster_id), ';' ORDER BY identifier)) FROM clv.identity_nodes
  UNION ALL SELECT 'edges', count(*) || ' ' || md5(string_agg(concat_ws(',', a, b, source), ';' ORDER BY a, b, source)) FROM clv.identity_edges
  UNION ALL SELECT 'rules', count(*)::text FROM clv.identity_rules
  UNION ALL SELECT 'rejections', count(*)::text FROM clv.identity_rejections
  UNION ALL SELECT 'people', count(*) || ' ' || md5(string_agg(concat_ws(',', customer, orders, frequency, recency, total_spend, trend_direction), ';' ORDER BY customer)) FROM clv_profiles.people_facts
  UNION ALL SELECT 'raw view', count(*) || ' ' || sum(orders) || ' ' || count(p_alive) FROM clv_profiles.raw
  UNION ALL SELECT 'triggers', count(*)::text FROM pg_trigger WHERE tgrelid = 'orders'::regclass
  UNION ALL SELECT 'next cluster id', nextval('clv.identity_cluster_seq')::text
  UNION ALL SELECT 'next profile id', nextval('clv.profile_id_seq')::text) s
};
my $before = $node->safe_psql('source_db', $fingerprint);
like($before, qr/nodes 40[0-9] /, 'the source database has an identity graph');

my $dump = $node->basedir . '/source.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('source_db'), '-f', $dump ],
	'pg_dump of a database with profiles and an identity graph');
$node->safe_psql('postgres', q{CREATE DATABASE restored_db});
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored_db'), $dump ],
	'pg_restore into a fresh database');

# The sequences moved on when the fingerprint was taken: take it again in
# the source for comparison.
my $source_again = $node->safe_psql('source_db', $fingerprint);
my $restored = $node->safe_psql('restored_db', $fingerprint);
my $strip = sub { my ($s) = @_; $s =~ s/^next .*$//mg; return $s; };
is($strip->($restored), $strip->($source_again), 'every configuration table, profile table and view is restored');
is(($restored =~ /^next cluster id (\d+)$/m)[0], ($source_again =~ /^next cluster id (\d+)$/m)[0],
	'the identity cluster sequence continues where it was');

# The restored installation works: the worker picks the restored profile
# up, takes in the pending change, and a new ingest merges into the graph.
$node->safe_psql('restored_db', q{SELECT clv.alter_profile('raw', enabled => true)});
ok($node->poll_query_until('restored_db',
		q{SELECT pending_changes = 0 AND last_mode = 'incremental' FROM clv.profile_status WHERE profile = 'raw'}),
	'the worker refreshes the restored profile');
is($node->safe_psql('restored_db', q{SELECT orders FROM clv_profiles.raw WHERE customer = 'email:c7@x.com'}),
	$node->safe_psql('source_db', q{SELECT count(*) FROM orders WHERE customer = 'email:c7@x.com'}),
	'with the change made before the dump');
$node->safe_psql('restored_db', q{INSERT INTO orders VALUES ('email:new@x.com', now(), 5)});
ok($node->poll_query_until('restored_db',
		q{SELECT count(*) = 1 FROM clv_profiles.raw WHERE customer = 'email:new@x.com'}),
	'the restored capture triggers record new transactions');
is($node->safe_psql('restored_db',
		q{SELECT merges FROM clv.identity_ingest($$VALUES ('email:c100@x.com', 'email:c150@x.com')$$)}),
	'1', 'an ingest merges two restored clusters');
is($node->safe_psql('restored_db',
		q{SELECT rejected FROM clv.identity_ingest($$VALUES ('crm:3', 'email:c1@x.com')$$)}),
	'1', 'the restored rules still apply');

$node->stop;
done_testing();
