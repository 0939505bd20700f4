#!/usr/bin/env bash
# Runs every test of clv_ext on a fresh machine (as root) or a prepared one:
# installs dependencies, builds, runs the core unit tests (ctest, also under
# AddressSanitizer/UBSan) and the pg_regress suite against a throwaway
# PostgreSQL 15 cluster, then prints one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOG_DIR=$ROOT/build/test-logs
mkdir -p "$LOG_DIR"

bash scripts/setup.sh || exit 1

passed=0
failed=0
count() {  # count NAME PASSED FAILED
  echo "$1: $2 passed, $3 failed"
  passed=$((passed + $2))
  failed=$((failed + $3))
}

# ctest prints "N% tests passed, F tests failed out of T".
run_ctest() {  # run_ctest NAME BUILD_DIR [cmake options...]
  local name=$1 dir=$2
  shift 2
  if ! { cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" &&
    cmake --build "$dir" -j"$(nproc)"; } >"$LOG_DIR/$name-build.log" 2>&1; then
    tail -30 "$LOG_DIR/$name-build.log"
    count "$name (build)" 0 1
    return
  fi
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)") >"$LOG_DIR/$name.log" 2>&1
  local summary
  summary=$(grep -E "tests passed, [0-9]+ tests failed out of" "$LOG_DIR/$name.log" | tail -1)
  if [[ -z $summary ]]; then
    tail -30 "$LOG_DIR/$name.log"
    count "$name" 0 1
    return
  fi
  local failed_n total
  failed_n=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  total=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  ((failed_n > 0)) && grep -E "Failed|\*\*\*" "$LOG_DIR/$name.log" | head -40
  count "$name" $((total - failed_n)) "$failed_n"
}

run_ctest "unit tests" build/cmake
run_ctest "unit tests (ASan+UBSan)" build/cmake-sanitize -DCLV_SANITIZE=ON

# pg_regress and the isolation specs against a throwaway cluster, stopped
# whatever happens.
source scripts/cluster_env.sh
trap 'bash scripts/cluster.sh stop' EXIT
# Plans in the tests depend on table statistics: no autovacuum, no races.
bash scripts/cluster.sh start "autovacuum = off"
make -s installcheck PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >"$LOG_DIR/regress.log" 2>&1
grep -E "^(test| +[a-z_]+ +\.\.\.)|^(ok|not ok)" "$LOG_DIR/regress.log" || true
regress_total=$(grep -cE "^test .* \.\.\. " "$LOG_DIR/regress.log")
regress_failed=$(grep -cE "^test .* \.\.\. FAILED" "$LOG_DIR/regress.log")
if ((regress_failed > 0)) || ((regress_total == 0)); then
  for diffs in build/regress/regression.diffs build/isolation/regression.diffs; do
    [[ -f $diffs ]] && head -200 "$diffs"
  done
  ((regress_total == 0)) && { tail -30 "$LOG_DIR/regress.log"; regress_failed=1; }
fi
count "pg_regress" $((regress_total - regress_failed)) "$regress_failed"

echo "$passed passed, $failed failed"
((failed == 0))
