# Scale-out on PostgreSQL's own sharding: a coordinator and two shards,
# the coordinator's transactions table hash-partitioned by customer into
# postgres_fdw foreign tables, one per shard, with clv_ext installed on all
# three and named in the foreign servers' "extensions" option. With
# enable_partitionwise_aggregate, per-customer aggregates (clv.rfm_agg,
# clv.trend_agg, clv.lateness_agg) are sent to the shards whole (EXPLAIN
# shows them in each foreign scan's remote SQL) and give the same rows as on
# a local copy of the table, and a model fit over the per-customer
# summaries equals the local one exactly. The time-zone pitfall:
# postgres_fdw sets TimeZone = UTC on its connections to the shards
# (whatever the shards' own setting), so with the coordinator in another
# time zone the shards cut purchase days in UTC and the results differ;
# the forms with an explicit time zone agree. Fits and groupings without the
# partition key from per-shard partial states (clv.*_state on the shards,
# clv.*_merge on the coordinator) equal the local results bit for bit. Also an
# ordinary role (no superuser) with the documented grants: USAGE on the
# foreign servers and a user mapping with a password, which postgres_fdw
# requires of non-superusers and the shards check (scram-sha-256).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $coordinator = PostgreSQL::Test::Cluster->new('coordinator');
my @shards = map { PostgreSQL::Test::Cluster->new("shard$_") } (0, 1);
# The coordinator is configured for UTC and the shards for Tokyo time:
# postgres_fdw's connections to the shards run in UTC whatever the shards'
# setting.
for my $node ($coordinator, @shards)
{
	$node->init;
	my $zone = $node == $coordinator ? 'UTC' : 'Asia/Tokyo';
	$node->append_conf('postgresql.conf', qq{
autovacuum = off
timezone = '$zone'
});
}

# The ordinary role logs in to the shards with a password; the harness
# trusts every other local connection (also that of a role "reader").
my $analyst_password = 'analyst-secret';
for my $shard (@shards)
{
	my $hba = $shard->data_dir . '/pg_hba.conf';
	my $rules = slurp_file($hba);
	open(my $fh, '>', $hba) or die "could not write $hba: $!";
	print $fh "local all analyst scram-sha-256\n", $rules;
	close($fh);
}
$_->start for ($coordinator, @shards);

# Deterministic data: 3000 customers with 1 to 20 transactions each
# (31,500 rows) at pseudo-random instants over two years (every hour of the
# day occurs), amounts with cents.
my $as_of = q{'2025-01-01 00:00:00+00'};
my $rows = q{
SELECT c::bigint AS customer_id,
       timestamptz '2023-01-01 00:00:00+00'
         + ((c * 7919 + k * 104729 + (c * k) % 8191) * 2654435761 % 63072000) * interval '1 second' AS ts,
       round((1 + ((c * 31 + k * 17) * 2246822519 % 30000) / 100.0)::numeric, 2) AS amount
FROM generate_series(1, 3000) c, generate_series(1, 1 + c * 37 % 20) k
};

for my $shard (@shards)
{
	$shard->safe_psql('postgres', qq{
CREATE EXTENSION clv_ext;
CREATE TABLE tx_shard (customer_id bigint, ts timestamptz, amount numeric);
CREATE ROLE analyst LOGIN PASSWORD '$analyst_password';
GRANT SELECT ON tx_shard TO analyst;
CREATE ROLE reader LOGIN;
GRANT SELECT ON tx_shard TO reader;
CREATE VIEW zone_setting AS
  SELECT current_setting('TimeZone') AS zone,
         (timestamptz '2024-07-01 12:00:00+00')::timestamp - timestamp '2024-07-01 12:00:00' AS utc_offset;
});
}

my $servers = '';
for my $i (0, 1)
{
	my ($host, $port) = ($shards[$i]->host, $shards[$i]->port);
	$servers .= qq{
CREATE SERVER shard$i FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$host', port '$port', dbname 'postgres',
           extensions 'clv_ext', batch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$i;
CREATE FOREIGN TABLE tx_p$i PARTITION OF tx FOR VALUES WITH (MODULUS 2, REMAINDER $i)
  SERVER shard$i OPTIONS (schema_name 'public', table_name 'tx_shard');
CREATE SERVER shard${i}_without_extensions FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$host', port '$port', dbname 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard${i}_without_extensions;
CREATE FOREIGN TABLE tx_without_extensions_p$i PARTITION OF tx_without_extensions
  FOR VALUES WITH (MODULUS 2, REMAINDER $i)
  SERVER shard${i}_without_extensions OPTIONS (schema_name 'public', table_name 'tx_shard');
CREATE FOREIGN TABLE zone_setting_$i (zone text, utc_offset interval)
  SERVER shard$i OPTIONS (schema_name 'public', table_name 'zone_setting');
};
}
$coordinator->safe_psql('postgres', qq{
CREATE EXTENSION clv_ext;
CREATE EXTENSION postgres_fdw;
CREATE TABLE tx (customer_id bigint, ts timestamptz, amount numeric) PARTITION BY HASH (customer_id);
CREATE TABLE tx_without_extensions (LIKE tx) PARTITION BY HASH (customer_id);
$servers
CREATE TABLE tx_local (customer_id bigint, ts timestamptz, amount numeric);
INSERT INTO tx_local $rows;
INSERT INTO tx SELECT * FROM tx_local;
ANALYZE tx_local;
ANALYZE tx;
ANALYZE tx_without_extensions;
});

is($coordinator->safe_psql('postgres', q{SELECT count(*) FROM tx_local}), '31500',
	'the local table has 31500 rows');
for my $i (0, 1)
{
	my $on_shard = $shards[$i]->safe_psql('postgres', q{SELECT count(*) FROM tx_shard});
	is($on_shard,
		$coordinator->safe_psql('postgres',
			qq{SELECT count(*) FROM tx_local WHERE satisfies_hash_partition('tx'::regclass, 2, $i, customer_id)}),
		"shard $i holds the rows of hash partition $i");
	cmp_ok($on_shard, '>', 10000, "shard $i holds a good share of the rows");
}

# Per-customer aggregates; %s is the table.
my %per_customer = (
	'clv.rfm_agg'        => qq{SELECT customer_id, clv.rfm_agg(ts, amount, $as_of, '7 days') AS r FROM %s GROUP BY customer_id},
	'clv.rfm_agg by day' => qq{SELECT customer_id, clv.rfm_agg(ts, amount, $as_of, '1 day') AS r FROM %s GROUP BY customer_id},
	'clv.trend_agg'      => qq{SELECT customer_id, clv.trend_agg(ts, amount, $as_of, '30 days') AS r FROM %s GROUP BY customer_id},
	'clv.trend_agg with thresholds' =>
	  qq{SELECT customer_id, clv.trend_agg(ts, amount, $as_of, '30 days', 4, 5, 0.1, 0.1) AS r FROM %s GROUP BY customer_id},
	'clv.lateness_agg'   => qq{SELECT customer_id, clv.lateness_agg(ts, $as_of) AS r FROM %s GROUP BY customer_id},
	'clv.lateness_agg in weeks' =>
	  qq{SELECT customer_id, clv.lateness_agg(ts, $as_of, '7 days') AS r FROM %s GROUP BY customer_id});

my $pushdown = q{SET enable_partitionwise_aggregate = on;};

# A query that counts the rows in which a query on the sharded table and
# the same query on the local table differ (both ways, duplicates counted);
# $template has %s for the table, the results are compared as text.
sub comparison
{
	my ($template, $sharded, $local) = @_;
	my $on_sharded = sprintf($template, $sharded);
	my $on_local = sprintf($template, $local);
	return qq{
WITH s AS (SELECT q::text AS row FROM ($on_sharded) q),
     l AS (SELECT q::text AS row FROM ($on_local) q)
SELECT (SELECT count(*) FROM (SELECT row FROM s EXCEPT ALL SELECT row FROM l) d)
     + (SELECT count(*) FROM (SELECT row FROM l EXCEPT ALL SELECT row FROM s) d)
};
}

# The number of differing rows, in one coordinator connection after
# $settings.
sub differing_rows
{
	my ($settings, $template, $sharded, $local, %psql) = @_;
	return $coordinator->safe_psql('postgres', $settings . comparison($template, $sharded, $local), %psql);
}

# The Remote SQL lines of the foreign scans of the plan of a query on the
# sharded table.
sub remote_sql
{
	my ($settings, $query, %psql) = @_;
	my $plan = $coordinator->safe_psql('postgres', qq{
$settings
EXPLAIN (VERBOSE, COSTS OFF) $query
}, %psql);
	return grep { /Remote SQL:/ } split /\n/, $plan;
}

for my $name (sort keys %per_customer)
{
	my $template = $per_customer{$name};
	my ($function) = $name =~ /^(\S+)/;
	my $quoted = quotemeta($function);
	my @remote = remote_sql($pushdown, sprintf($template, 'tx'));
	is(scalar(@remote), 2, "$name: one foreign scan per shard");
	is(scalar(grep { /$quoted\(.*GROUP BY/ } @remote), 2,
		"$name: the aggregate with its GROUP BY runs on both shards")
	  or diag(join("\n", @remote));
	is(differing_rows($pushdown, $template, 'tx', 'tx_local'), '0',
		"$name: the sharded table gives the local table's rows");
	is($coordinator->safe_psql('postgres', "$pushdown SELECT count(*) FROM (" . sprintf($template, 'tx') . ") q"),
		'3000', "$name: one row per customer");
	cmp_ok($coordinator->safe_psql('postgres', "SELECT count(DISTINCT r::text) FROM (" . sprintf($template, 'tx_local') . ") q"),
		'>', 100, "$name: the results vary from customer to customer");
}

# Without partitionwise aggregation the rows are fetched and aggregated on
# the coordinator, with the same results.
my @remote_rows = remote_sql(q{SET enable_partitionwise_aggregate = off;}, sprintf($per_customer{'clv.rfm_agg'}, 'tx'));
is(scalar(grep { /clv\.rfm_agg/ } @remote_rows), 0,
	'without enable_partitionwise_aggregate no aggregate is sent to the shards');
is(differing_rows(q{SET enable_partitionwise_aggregate = off;}, $per_customer{'clv.rfm_agg'}, 'tx', 'tx_local'),
	'0', 'without enable_partitionwise_aggregate the coordinator computes the same rows');

# Without clv_ext in the foreign servers' "extensions" option the same:
# postgres_fdw sends no function of an extension it is not told of.
@remote_rows = remote_sql($pushdown, sprintf($per_customer{'clv.rfm_agg'}, 'tx_without_extensions'));
is(scalar(grep { /clv\.rfm_agg/ } @remote_rows), 0,
	'without extensions \'clv_ext\' on the foreign servers no aggregate is sent to the shards');
is(differing_rows($pushdown, $per_customer{'clv.rfm_agg'}, 'tx_without_extensions', 'tx_local'),
	'0', 'without the extensions option the coordinator computes the same rows');

# A grouping without the partition key is computed on the coordinator from
# the rows: postgres_fdw sends no partial aggregates.
my $by_month = qq{SELECT date_trunc('month', ts AT TIME ZONE 'UTC') AS m, clv.trend_agg(ts, amount, $as_of, '7 days') AS r FROM %s GROUP BY 1};
@remote_rows = remote_sql($pushdown, sprintf($by_month, 'tx'));
is(scalar(grep { /clv\.trend_agg/ } @remote_rows), 0,
	'a grouping without the partition key sends no aggregate to the shards');
is(differing_rows($pushdown, $by_month, 'tx', 'tx_local'), '0',
	'a grouping without the partition key gives the local rows');

# A fit over per-customer summaries: the summaries come from the shards,
# the coordinator fits.
my $fit = qq{SELECT clv.bgnbd_fit(frequency, recency, t) AS fit
  FROM (SELECT (clv.rfm_agg(ts, amount, $as_of, '7 days')).* FROM %s GROUP BY customer_id) s};
@remote_rows = remote_sql($pushdown, sprintf($fit, 'tx'));
is(scalar(grep { /clv\.rfm_agg\(.*GROUP BY/ } @remote_rows), 2,
	'clv.bgnbd_fit over per-customer summaries: the summaries are computed on the shards')
  or diag(join("\n", @remote_rows));
my $fit_sharded = $coordinator->safe_psql('postgres', $pushdown . sprintf($fit, 'tx'));
my $fit_local = $coordinator->safe_psql('postgres', $pushdown . sprintf($fit, 'tx_local'));
like($fit_local, qr/^\(.*,3000,t,\d+,[^,]+,[^,]+,(?:\{\}|"\{\{.*\}\}")\)$/, 'clv.bgnbd_fit on the local table converges over 3000 customers');
is($fit_sharded, $fit_local, 'clv.bgnbd_fit over the sharded summaries equals the local fit exactly');

# The time-zone pitfall: postgres_fdw runs its connections to the shards
# with TimeZone = UTC whatever the coordinator's setting, and purchase
# periods follow TimeZone. Under a coordinator TimeZone of
# America/Los_Angeles the shards cut days in UTC and the local table in Los
# Angeles time, so some per-customer summaries differ; under UTC they agree.
for my $i (0, 1)
{
	is($shards[$i]->safe_psql('postgres', q{SELECT zone || ' ' || utc_offset FROM zone_setting}),
		'Asia/Tokyo 09:00:00', "time-zone pitfall: shard ${i}'s own connections run in Asia/Tokyo");
	like($coordinator->safe_psql('postgres', qq{SET TimeZone = 'America/Los_Angeles';
		SELECT current_setting('TimeZone') || ' ' || zone || ' ' || utc_offset FROM zone_setting_$i}),
		qr{^America/Los_Angeles (UTC|GMT) 00:00:00$},
		"time-zone pitfall: a coordinator in America/Los_Angeles reads shard $i through a connection in UTC");
}
my %zone_sensitive = (
	'clv.rfm_agg by day' => $per_customer{'clv.rfm_agg by day'},
	'clv.lateness_agg'   => $per_customer{'clv.lateness_agg'});
for my $name (sort keys %zone_sensitive)
{
	my ($function) = $name =~ /^(\S+)/;
	my $quoted = quotemeta($function);
	my @remote = remote_sql(qq{$pushdown SET TimeZone = 'America/Los_Angeles';},
		comparison($zone_sensitive{$name}, 'tx', 'tx_local'));
	is(scalar(grep { /$quoted\(.*GROUP BY/ } @remote), 2,
		"time-zone pitfall, $name: the comparison sends the aggregate to both shards")
	  or diag(join("\n", @remote));
	my $los_angeles = differing_rows(qq{$pushdown SET TimeZone = 'America/Los_Angeles';},
		$zone_sensitive{$name}, 'tx', 'tx_local');
	cmp_ok($los_angeles, '>', 0,
		"time-zone pitfall, $name: with the coordinator in America/Los_Angeles the shards cut days in UTC and rows differ");
	is(differing_rows(qq{$pushdown SET TimeZone = 'UTC';}, $zone_sensitive{$name}, 'tx', 'tx_local'),
		'0', "time-zone pitfall, $name: with the coordinator in UTC the rows agree");
	is(differing_rows(q{SET enable_partitionwise_aggregate = off; SET TimeZone = 'America/Los_Angeles';},
			$zone_sensitive{$name}, 'tx', 'tx_local'),
		'0', "time-zone pitfall, $name: aggregated on the coordinator in America/Los_Angeles the rows agree");
}

# The explicit time zone: the forms with a time_zone argument cut days on
# that zone's wall clock on the shards and locally alike, whatever the
# coordinator's TimeZone.
my %with_zone = (
	'clv.rfm_agg by day' => qq{SELECT customer_id, clv.rfm_agg(ts, amount, $as_of, '1 day', '1 day', 'America/Los_Angeles') AS r FROM %s GROUP BY customer_id},
	'clv.trend_agg by day' => qq{SELECT customer_id, clv.trend_agg(ts, amount, $as_of, '1 day', 'America/Los_Angeles') AS r FROM %s GROUP BY customer_id},
	'clv.lateness_agg' => qq{SELECT customer_id, clv.lateness_agg(ts, $as_of, '1 day', 'America/Los_Angeles') AS r FROM %s GROUP BY customer_id},
	'clv.rfm_holdout_agg by day' => qq{SELECT customer_id, clv.rfm_holdout_agg(ts, amount, '2024-07-01 00:00:00+00', $as_of, '1 day', '1 day', 'America/Los_Angeles') AS r FROM %s GROUP BY customer_id});
for my $name (sort keys %with_zone)
{
	my ($function) = $name =~ /^(\S+)/;
	my $quoted = quotemeta($function);
	my @remote = remote_sql(qq{$pushdown SET TimeZone = 'America/Los_Angeles';}, sprintf($with_zone{$name}, 'tx'));
	is(scalar(grep { /$quoted\(.*'America\/Los_Angeles'.*GROUP BY/ } @remote), 2,
		"explicit time zone, $name: the aggregate with its zone runs on both shards")
	  or diag(join("\n", @remote));
	for my $zone ('America/Los_Angeles', 'UTC', 'Asia/Tokyo')
	{
		is(differing_rows(qq{$pushdown SET TimeZone = '$zone';}, $with_zone{$name}, 'tx', 'tx_local'),
			'0', "explicit time zone, $name: with the coordinator in $zone the rows agree");
	}
}

# Fits from per-shard states: each shard computes the partial state of the
# fit over its own customers' summaries (the state aggregate runs on the
# shard, the state travels as text), the coordinator merges the states;
# the result equals the local fit bit for bit. Likewise a grouping without
# the partition key, from per-shard states of each group.
for my $shard (@shards)
{
	$shard->safe_psql('postgres', qq{
CREATE VIEW tx_summary AS
  SELECT customer_id, (clv.rfm_agg(ts, amount, $as_of, '7 days', '1 day', 'UTC')).*
  FROM tx_shard GROUP BY customer_id;
GRANT SELECT ON tx_summary TO reader;
});
}
for my $i (0, 1)
{
	$coordinator->safe_psql('postgres', qq{
CREATE FOREIGN TABLE summary_p$i (customer_id bigint, frequency integer, recency double precision,
                                  t double precision, monetary double precision)
  SERVER shard$i OPTIONS (schema_name 'public', table_name 'tx_summary');
ANALYZE summary_p$i;
});
}
my $states_fit = q{SELECT clv.bgnbd_fit_merge(s) FROM (
  SELECT clv.bgnbd_fit_state(frequency, recency, t) FROM summary_p0
  UNION ALL SELECT clv.bgnbd_fit_state(frequency, recency, t) FROM summary_p1) x(s)};
@remote_rows = remote_sql('', $states_fit);
is(scalar(grep { /clv\.bgnbd_fit_state\(frequency, recency, t\)/ } @remote_rows), 2,
	'fit from per-shard states: clv.bgnbd_fit_state runs on both shards')
  or diag(join("\n", @remote_rows));
my $local_zone_fit = $coordinator->safe_psql('postgres', qq{SELECT clv.bgnbd_fit(frequency, recency, t)
  FROM (SELECT (clv.rfm_agg(ts, amount, $as_of, '7 days', '1 day', 'UTC')).* FROM tx_local GROUP BY customer_id) s});
like($local_zone_fit, qr/^\(.*,3000,t,\d+,[^,]+,[^,]+,(?:\{\}|"\{\{.*\}\}")\)$/, 'fit from per-shard states: the local fit converges');
is($coordinator->safe_psql('postgres', $states_fit), $local_zone_fit,
	'fit from per-shard states: the merged states give the local fit bit for bit');
my $gg_states = q{SELECT clv.gamma_gamma_fit_merge(s) FROM (
  SELECT clv.gamma_gamma_fit_state(frequency, monetary) FROM summary_p0 WHERE frequency > 0
  UNION ALL SELECT clv.gamma_gamma_fit_state(frequency, monetary) FROM summary_p1 WHERE frequency > 0) x(s)};
is($coordinator->safe_psql('postgres', $gg_states),
	$coordinator->safe_psql('postgres', qq{SELECT clv.gamma_gamma_fit(frequency, monetary)
  FROM (SELECT (clv.rfm_agg(ts, amount, $as_of, '7 days', '1 day', 'UTC')).* FROM tx_local GROUP BY customer_id) s
  WHERE frequency > 0}),
	'fit from per-shard states: the Gamma-Gamma fit equals the local one bit for bit');
# (30-day buckets by date_bin: an expression without a collatable argument,
# which postgres_fdw would not ship)
my $monthly_states = q{SELECT m, clv.trend_agg_merge(s) AS r FROM (
  SELECT date_bin('30 days', ts, timestamptz '2023-01-01 00:00:00+00') AS m,
         clv.trend_agg_state(ts, amount, '2025-01-01 00:00:00+00', '7 days', 'UTC') AS s FROM tx_p0 GROUP BY 1
  UNION ALL
  SELECT date_bin('30 days', ts, timestamptz '2023-01-01 00:00:00+00'), clv.trend_agg_state(ts, amount, '2025-01-01 00:00:00+00', '7 days', 'UTC') FROM tx_p1 GROUP BY 1) x
  GROUP BY m};
@remote_rows = remote_sql('', $monthly_states);
is(scalar(grep { /clv\.trend_agg_state\(.*GROUP BY/ } @remote_rows), 2,
	'grouping without the partition key from per-shard states: the state aggregate runs on both shards')
  or diag(join("\n", @remote_rows));
is($coordinator->safe_psql('postgres', qq{
WITH s AS (SELECT m, r::text AS r FROM ($monthly_states) q),
     l AS (SELECT date_bin('30 days', ts, timestamptz '2023-01-01 00:00:00+00') AS m,
                  clv.trend_agg(ts, amount, '2025-01-01 00:00:00+00', '7 days', 'UTC')::text AS r
           FROM tx_local GROUP BY 1)
SELECT count(*) FROM s FULL JOIN l USING (m) WHERE s.r IS DISTINCT FROM l.r}), '0',
	'grouping without the partition key from per-shard states: the merged 30-day buckets equal the local ones');

# An ordinary role with the documented grants: USAGE on the foreign
# servers, its own user mapping with the password of its role on the
# shards, and its own partitioned table of foreign partitions.
$coordinator->safe_psql('postgres', q{
CREATE ROLE analyst LOGIN NOSUPERUSER;
CREATE SCHEMA analyst AUTHORIZATION analyst;
GRANT USAGE ON FOREIGN SERVER shard0, shard1 TO analyst;
GRANT SELECT ON tx_local TO analyst;
});
my %as_analyst = (extra_params => [ '-U', 'analyst' ]);
$coordinator->safe_psql('postgres', qq{
CREATE USER MAPPING FOR CURRENT_USER SERVER shard0 OPTIONS (user 'analyst', password '$analyst_password');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard1 OPTIONS (user 'analyst', password '$analyst_password');
CREATE TABLE analyst.tx (customer_id bigint, ts timestamptz, amount numeric) PARTITION BY HASH (customer_id);
CREATE FOREIGN TABLE analyst.tx_p0 PARTITION OF analyst.tx FOR VALUES WITH (MODULUS 2, REMAINDER 0)
  SERVER shard0 OPTIONS (schema_name 'public', table_name 'tx_shard');
CREATE FOREIGN TABLE analyst.tx_p1 PARTITION OF analyst.tx FOR VALUES WITH (MODULUS 2, REMAINDER 1)
  SERVER shard1 OPTIONS (schema_name 'public', table_name 'tx_shard');
}, %as_analyst);
is($coordinator->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = current_user}, %as_analyst),
	'f', 'the ordinary role is no superuser');
for my $name ('clv.rfm_agg', 'clv.trend_agg', 'clv.lateness_agg')
{
	my $template = $per_customer{$name};
	my $quoted = quotemeta($name);
	my @remote = remote_sql($pushdown, sprintf($template, 'analyst.tx'), %as_analyst);
	is(scalar(grep { /$quoted\(.*GROUP BY/ } @remote), 2,
		"ordinary role, $name: the aggregate runs on both shards")
	  or diag(join("\n", @remote));
	is(differing_rows($pushdown, $template, 'analyst.tx', 'tx_local', %as_analyst), '0',
		"ordinary role, $name: the sharded table gives the local table's rows");
}
is($coordinator->safe_psql('postgres', $pushdown . sprintf($fit, 'analyst.tx'), %as_analyst), $fit_local,
	'ordinary role: clv.bgnbd_fit over the sharded summaries equals the local fit');

# Without a password in its user mapping postgres_fdw refuses the ordinary
# role.
$coordinator->safe_psql('postgres', q{ALTER USER MAPPING FOR CURRENT_USER SERVER shard0 OPTIONS (DROP password)},
	%as_analyst);
my ($ret, $stdout, $stderr) = $coordinator->psql('postgres', q{SELECT count(*) FROM analyst.tx}, %as_analyst);
isnt($ret, 0, 'ordinary role without a password in its user mapping: the query fails');
like($stderr, qr/password is required/, 'postgres_fdw says that a password is required');

# A password in the user mapping is not enough: the shard must ask for it.
# Through a role that the shard trusts, postgres_fdw refuses the ordinary
# role, which cannot waive the check itself; a superuser can, with
# password_required 'false' on the ordinary role's user mapping.
$coordinator->safe_psql('postgres',
	q{ALTER USER MAPPING FOR CURRENT_USER SERVER shard0 OPTIONS (SET user 'reader', ADD password 'not-asked-for')},
	%as_analyst);
($ret, $stdout, $stderr) = $coordinator->psql('postgres', q{SELECT count(*) FROM analyst.tx}, %as_analyst);
isnt($ret, 0, 'ordinary role through a role the shard trusts: the query fails');
like($stderr, qr/does not request a password/, 'postgres_fdw says that the shard did not ask for the password');
($ret, $stdout, $stderr) = $coordinator->psql('postgres',
	q{ALTER USER MAPPING FOR CURRENT_USER SERVER shard0 OPTIONS (ADD password_required 'false')}, %as_analyst);
like($stderr, qr/password_required=false is superuser-only/,
	'the ordinary role cannot set password_required false on its user mapping');
$coordinator->safe_psql('postgres',
	q{ALTER USER MAPPING FOR analyst SERVER shard0 OPTIONS (ADD password_required 'false')});
is(differing_rows($pushdown, $per_customer{'clv.rfm_agg'}, 'analyst.tx', 'tx_local', %as_analyst), '0',
	'ordinary role with password_required false set by a superuser: the sharded table gives the local rows');

$_->stop for ($coordinator, @shards);
done_testing();
