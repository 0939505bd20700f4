# Sourced: connection settings of the throwaway cluster (scripts/cluster.sh).
CLV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CLV_CLUSTER_DIR=${CLV_CLUSTER_DIR:-/tmp/clv_ext_cluster_$(id -u)}
export PGHOST=$CLV_CLUSTER_DIR
export PGPORT=${CLV_PGPORT:-54329}
export PGUSER=postgres
export PGDATABASE=postgres
