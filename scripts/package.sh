#!/usr/bin/env bash
# Builds the Debian package postgresql-15-clv-ext (debian/, pg_buildext) on
# Debian 12, as root: installs the build tools and build dependencies, copies
# the committed tree (git archive of HEAD) into a temporary directory, runs
# dpkg-buildpackage -us -uc -b there and puts the .deb files into
# build/package/. Prints the path of the package. Idempotent.
#
#   bash scripts/package.sh              # package HEAD
#   bash scripts/package.sh --worktree   # package the working tree as it is
#   bash scripts/package.sh --lintian    # also run lintian (installs it)
#
# The package build does not run the regression tests (see debian/rules);
# scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD

from="head"
lint=no
for arg in "$@"; do
  case $arg in
    --worktree) from=worktree ;;
    --lintian) lint=yes ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package: unknown option $arg" >&2; exit 2 ;;
  esac
done

# Build tools, then the build dependencies of debian/control.
PACKAGES=(
  build-essential dpkg-dev debhelper git
  postgresql-server-dev-all postgresql-server-dev-15
  libeigen3-dev libboost-math-dev libboost-graph-dev libnlopt-dev libnlopt-cxx-dev pkg-config
)
[[ $lint == yes ]] && PACKAGES+=(lintian)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "package: missing packages ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "package: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Don't let postgresql-common create and start a system-wide cluster on a
  # fresh machine (the same guard as scripts/setup.sh).
  if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "install ok installed"; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" >/dev/null
fi

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
upstream=${version%-*}
work=$(mktemp -d /tmp/clv_ext_package.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/clv-ext-$upstream
mkdir -p "$src"

if [[ $from == head ]] && ! git rev-parse --git-dir >/dev/null 2>&1; then
  echo "package: not a git checkout; packaging the working tree"
  from=worktree
fi
if [[ $from == head ]]; then
  if ! git diff --quiet HEAD -- 2>/dev/null; then
    echo "package: note: uncommitted changes are not packaged (HEAD is; --worktree packages them)"
  fi
  git archive --format=tar HEAD | tar -x -C "$src"
else
  tar -c --exclude=./.git --exclude=./build --exclude='*.o' --exclude='*.d' \
    --exclude='*.so' --exclude='*.bc' --exclude='./clv_ext--*.sql' \
    --exclude=./debian/.debhelper --exclude='./debian/postgresql-*-clv-ext' \
    --exclude=./debian/files --exclude='./debian/*.substvars' \
    --exclude=./debian/debhelper-build-stamp . | tar -x -C "$src"
fi

out=$repo/build/package
mkdir -p "$out"
log=$out/build.log
echo "package: building $version in $src (log: $log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -Jauto) >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "package: dpkg-buildpackage failed; the whole log is in $log" >&2
  exit 1
fi

arch=$(dpkg-architecture -q DEB_HOST_ARCH)
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
deb=$out/postgresql-15-clv-ext_${version}_${arch}.deb
[[ -f $deb ]] || { echo "package: $deb was not built" >&2; exit 1; }

status=0
if [[ $lint == yes ]]; then
  echo "package: lintian (fails on errors, shows warnings)"
  lintian --fail-on error "$out/clv-ext_${version}_${arch}.changes" || status=$?
fi
echo "$deb"
exit "$status"
