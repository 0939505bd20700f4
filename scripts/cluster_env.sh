# shellcheck shell=bash
# Sourced: connection settings of the throwaway cluster (scripts/cluster.sh).
export CLV_CLUSTER_DIR=${CLV_CLUSTER_DIR:-/tmp/clv_ext_cluster_$(id -u)}
export PGHOST=$CLV_CLUSTER_DIR
export PGPORT=${CLV_PGPORT:-54329}
export PGUSER=postgres
export PGDATABASE=postgres
# The PostgreSQL 15 installation to build against and run (default: Debian's,
# which scripts/setup.sh installs); every script takes it from here.
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BIN=$("$PG_CONFIG" --bindir 2>/dev/null || true)
export PG_BIN
