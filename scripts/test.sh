#!/usr/bin/env bash
# Runs every test of clv_ext on a fresh machine (as root) or a prepared one:
# installs dependencies, builds, runs the core unit tests (ctest, also under
# AddressSanitizer/UBSan), a short libFuzzer run of the core, the version
# checks, the pg_regress and isolation suites against a throwaway
# PostgreSQL 15 cluster, random SQL (the SQL fuzzer and sqlsmith as an
# ordinary role) and the TAP tests of the background workers (clusters of
# their own), then prints one line "N passed, N failed". Static checks
# (format, shellcheck, file sizes) run first.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
LOG_DIR=$ROOT/build/test-logs
mkdir -p "$LOG_DIR"

bash scripts/setup.sh || exit 1
# setup.sh built against PG_CONFIG (scripts/cluster_env.sh; default: Debian's
# PostgreSQL 15).
source scripts/cluster_env.sh

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

# Install scripts: a released one never changes, every released version
# upgrades to the current one.
versions=$(bash scripts/check_versions.sh)
grep -v "passed, .* failed" <<<"$versions" || true
count "version checks" "$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$versions")" \
  "$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$versions")"

# Format, shellcheck, file sizes, no hard-coded PostgreSQL path.
static=$(bash scripts/check_static.sh)
grep -v "passed, .* failed" <<<"$static" || true
count "static checks" "$(sed -nE 's/^([0-9]+) passed.*/\1/p' <<<"$static")" \
  "$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$static")"

run_ctest "unit tests" build/cmake
run_ctest "unit tests (ASan+UBSan)" build/cmake-sanitize -DCLV_SANITIZE=ON

# libFuzzer targets of the core's byte parsers and likelihoods, 10 s each
# (the long run: bash scripts/fuzz.sh 600).
bash scripts/fuzz.sh 10 >"$LOG_DIR/fuzz.log" 2>&1
fuzz_summary=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$LOG_DIR/fuzz.log" | tail -1)
if [[ -z $fuzz_summary ]]; then
  tail -30 "$LOG_DIR/fuzz.log"
  count "libFuzzer" 0 1
else
  grep -E "^[a-z_]+ .* (FAILED|failed|crash)" "$LOG_DIR/fuzz.log" | head -20
  count "libFuzzer" "${fuzz_summary%% *}" "$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$fuzz_summary")"
fi

# pg_regress and the isolation specs against a throwaway cluster, stopped
# whatever happens.
source scripts/cluster_env.sh
trap 'bash scripts/cluster.sh stop' EXIT
# Plans in the tests depend on table statistics: no autovacuum, no races.
bash scripts/cluster.sh start "autovacuum = off"
make -s installcheck PG_CONFIG="$PG_CONFIG" >"$LOG_DIR/regress.log" 2>&1
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
bash scripts/cluster.sh stop

# Random calls of every clv function and aggregate (boundary values, NULLs,
# bad queries) against a cluster of its own: no server crash allowed. The long
# run: bash tests/sql_fuzz/sql_fuzz.sh --queries 50000. Its cluster directory, port and
# work directory derive from this run's cluster (CLV_CLUSTER_DIR, CLV_PGPORT):
# never the pg_regress cluster's, nor those of a manual sql_fuzz.sh run on its
# defaults (/tmp/clv_fuzz_cluster, port 54351, build/sql_fuzz), and a test run
# with another CLV_CLUSTER_DIR gets another fuzz cluster directory (the
# clusters listen only on a socket in their own directory).
sql_fuzz_port=$((PGPORT + 1))
((sql_fuzz_port == 54351)) && sql_fuzz_port=$((PGPORT + 2))
bash tests/sql_fuzz/sql_fuzz.sh --queries 1000 --cluster-dir "${CLV_CLUSTER_DIR}_sql_fuzz" \
  --port "$sql_fuzz_port" --workdir "$LOG_DIR/sql_fuzz" >"$LOG_DIR/sql_fuzz.log" 2>&1
sql_fuzz_summary=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$LOG_DIR/sql_fuzz.log" | tail -1)
if [[ $sql_fuzz_summary != "1 passed, 0 failed" ]]; then
  tail -30 "$LOG_DIR/sql_fuzz.log"
  count "SQL fuzz" 0 1
else
  grep -E "^(queries|crashes)" "$LOG_DIR/sql_fuzz.log" || true
  count "SQL fuzz" 1 0
fi

# Debian's sqlsmith as an ordinary role against a database with clv_ext
# objects, profiles and an identity graph (bounded in queries and time): no
# server crash allowed. The long run: bash tests/sql_fuzz/sqlsmith.sh --queries 30000.
# Its cluster directory and port derive from this run's, as for the SQL fuzz.
sqlsmith_port=$((PGPORT + 3))
((sqlsmith_port == 54361)) && sqlsmith_port=$((PGPORT + 4))
bash tests/sql_fuzz/sqlsmith.sh --queries 3000 --max-seconds 180 --cluster-dir "${CLV_CLUSTER_DIR}_sqlsmith" \
  --port "$sqlsmith_port" --workdir "$LOG_DIR/sqlsmith" >"$LOG_DIR/sqlsmith.log" 2>&1
sqlsmith_summary=$(grep -E "^[0-9]+ passed, [0-9]+ failed$" "$LOG_DIR/sqlsmith.log" | tail -1)
if [[ $sqlsmith_summary != "1 passed, 0 failed" ]]; then
  tail -30 "$LOG_DIR/sqlsmith.log"
  count "sqlsmith" 0 1
else
  grep -E "^(queries|crashes)" "$LOG_DIR/sqlsmith.log" || true
  count "sqlsmith" 1 0
fi

# TAP tests (t/*.pl, PostgreSQL::Test::Cluster): each starts its own
# clusters, so as root they run as the unprivileged 'postgres' user, from a
# copy that user can read wherever the checkout is.
tap_dir=$(mktemp -d /tmp/clv_tap.XXXXXX)
cp -r t "$tap_dir/"
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  chown -R postgres: "$tap_dir"
  as_user=(runuser -u postgres --)
fi
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
(cd "$tap_dir" && "${as_user[@]}" env PATH="$PG_BIN:$PATH" TESTDIR="$tap_dir" \
  PG_REGRESS="$PGXS_DIR/test/regress/pg_regress" \
  prove -I "$PGXS_DIR/test/perl" t/*.pl) >"$LOG_DIR/tap.log" 2>&1
tap_total=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$LOG_DIR/tap.log")
tap_failed=$(grep -oE "Failed [0-9]+/[0-9]+ subtests" "$LOG_DIR/tap.log" | awk -F'[ /]' '{s += $2} END {print s + 0}')
if ! grep -q "^Result: PASS" "$LOG_DIR/tap.log"; then
  tail -40 "$LOG_DIR/tap.log"
  for log in "$tap_dir"/tmp_check/log/*; do
    [[ -f $log ]] && { echo "== $log"; tail -40 "$log"; }
  done
  ((tap_failed == 0)) && tap_failed=1
fi
count "TAP" $((${tap_total:-0} - tap_failed)) "$tap_failed"
rm -rf "$tap_dir"

echo "$passed passed, $failed failed"
((failed == 0))
