#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on a private port and socket directory.
#   scripts/cluster.sh start [extra postgresql.conf lines...]   prints nothing
#   scripts/cluster.sh stop
# The cluster lives in $CLV_CLUSTER_DIR (default: .cluster in the repo). When
# run as root, the server runs as the unprivileged 'postgres' OS user.
# Source scripts/cluster_env.sh to get PGHOST/PGPORT/PGUSER for clients.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/cluster_env.sh

# PG_CONFIG picks another PostgreSQL 15 installation (scripts/cluster_env.sh).
BIN=$PG_BIN

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  stop_quietly
  rm -rf "$CLV_CLUSTER_DIR"
  mkdir -p "$CLV_CLUSTER_DIR"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$CLV_CLUSTER_DIR"
  as_server_user "$BIN/initdb" -D "$CLV_CLUSTER_DIR/data" -U "$PGUSER" -A trust \
    --no-instructions >"$CLV_CLUSTER_DIR/initdb.log" 2>&1 ||
    { cat "$CLV_CLUSTER_DIR/initdb.log" >&2; exit 1; }
  {
    echo "port = $PGPORT"
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$CLV_CLUSTER_DIR'"
    echo "fsync = off"
    echo "max_worker_processes = 16"
    echo "max_parallel_workers = 8"
    for line in "$@"; do echo "$line"; done
  } | as_server_user tee -a "$CLV_CLUSTER_DIR/data/postgresql.conf" >/dev/null
  as_server_user "$BIN/pg_ctl" -D "$CLV_CLUSTER_DIR/data" -l "$CLV_CLUSTER_DIR/server.log" \
    -w -t 60 start >/dev/null ||
    { cat "$CLV_CLUSTER_DIR/server.log" >&2; exit 1; }
}

stop_quietly() {
  if [[ -f "$CLV_CLUSTER_DIR/data/postmaster.pid" ]]; then
    as_server_user "$BIN/pg_ctl" -D "$CLV_CLUSTER_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop_quietly ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
