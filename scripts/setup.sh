#!/usr/bin/env bash
# Installs what clv_ext needs from Debian's packages (as root), then builds
# and installs the extension into the local PostgreSQL 15. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

PACKAGES=(
  postgresql-15 postgresql-server-dev-15 postgresql-contrib
  build-essential cmake pkg-config
  libeigen3-dev libboost-math-dev libboost-graph-dev libnlopt-dev libnlopt-cxx-dev
  googletest libgtest-dev
  libipc-run-perl
  sqlsmith
  gnuplot-nox
  clang-format shellcheck
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The tests and the demo run their own throwaway clusters: don't let the
  # package create and start a system-wide one on a fresh machine.
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed"; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  apt-get install -y -qq -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null
fi

source scripts/cluster_env.sh
make -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" >/dev/null
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "setup: clv_ext built and installed into $("$PG_CONFIG" --sharedir)/extension"
