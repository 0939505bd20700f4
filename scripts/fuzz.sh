#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, AddressSanitizer, UBSan)
# in build/fuzz and runs each for SECONDS_PER_TARGET seconds (default 60),
# keeping its corpus in build/fuzz/corpus/<target> between runs. Prints per
# target the seconds, executions and crashes, then "N passed, N failed"; a
# target passes when it ran to the end without a crash, sanitizer report,
# timeout or out-of-memory. Exits non-zero on any failure. On a fresh Debian 12
# machine run it as root: it installs clang and the build dependencies.
#
#   bash scripts/fuzz.sh 10      # the short run, e.g. inside the test suite
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

SECONDS_PER_TARGET=${1:-60}
if ! [[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi
BUILD=build/fuzz

PACKAGES=(clang cmake make libeigen3-dev libboost-math-dev libboost-graph-dev libnlopt-dev
  libgtest-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
install_packages() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "fuzz: missing packages $*; run as root to install them" >&2
    exit 1
  fi
  echo "fuzz: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$@" >/dev/null || exit 1
}
((${#missing[@]})) && install_packages "${missing[@]}"
# libFuzzer's runtime is only a Recommends of clang: install it when absent.
fuzzer_lib=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)
if [[ ! -f $fuzzer_lib ]]; then
  major=$(clang -dumpversion | cut -d. -f1)
  install_packages "libclang-rt-$major-dev"
fi

echo "fuzz: building in $BUILD"
mkdir -p "$BUILD/logs"
if ! { CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCLV_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
  cmake --build "$BUILD" --target fuzz_targets -j"$(nproc)"; } >"$BUILD/logs/build.log" 2>&1; then
  tail -40 "$BUILD/logs/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
printf '%-22s %8s %12s %8s  %s\n' target seconds executions crashes result
for source in tests/fuzz/*.cpp; do
  name=$(basename "$source" .cpp)
  corpus=$BUILD/corpus/$name
  artifacts=$BUILD/artifacts/$name
  log=$BUILD/logs/$name.log
  mkdir -p "$corpus"
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  start=$(date +%s)
  "$BUILD/fuzz_$name" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  seconds=$(($(date +%s) - start))
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$artifacts" -type f | wc -l)
  if ((rc == 0 && crashes == 0)) && grep -q '^Done [0-9]* runs' "$log"; then
    result=passed
    passed=$((passed + 1))
  else
    result="FAILED (exit $rc, log $log)"
    failed=$((failed + 1))
    ((crashes == 0)) && crashes=1
  fi
  printf '%-22s %8s %12s %8s  %s\n' "$name" "$seconds" "${executions:-?}" "$crashes" "$result"
  if [[ $result != passed ]]; then
    grep -E 'ERROR|FUZZ CHECK FAILED|runtime error|Test unit written|deadly signal|timeout' "$log" |
      head -8 | sed 's/^/    /'
  fi
done
echo "$passed passed, $failed failed"
((failed == 0))
