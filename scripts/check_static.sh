#!/usr/bin/env bash
# Static checks of the tree (run by scripts/test.sh; scripts/setup.sh installs
# the tools, clang-format and ShellCheck):
#  - C++ follows .clang-format (clang-format --dry-run --Werror);
#  - shell scripts pass shellcheck;
#  - no C++ file of include/ or src/ has more than 400 lines;
#  - only scripts/cluster_env.sh names a PostgreSQL installation (the rest
#    take PG_CONFIG from the environment).
# Prints the offenders and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "static check failed: $what"
    failed=$((failed + 1))
  fi
}

mapfile -t cpp < <(git ls-files '*.cpp' '*.hpp' '*.h')
mapfile -t shell < <(git ls-files '*.sh' .ci/run debian/tests/create-extension)

check "clang-format --dry-run --Werror over ${#cpp[@]} C++ files" \
  clang-format --dry-run --Werror "${cpp[@]}"
check "shellcheck over ${#shell[@]} scripts" shellcheck -x "${shell[@]}"

long_files() {
  local f status=0
  for f in "${cpp[@]}"; do
    [[ $f == include/* || $f == src/* ]] || continue
    if (($(wc -l <"$f") > 400)); then
      echo "$f: $(wc -l <"$f") lines"
      status=1
    fi
  done
  return $status
}
check "no C++ file of include/ or src/ over 400 lines" long_files

hard_coded() {
  ! git grep -n '/usr/lib/postgresql' -- '*.sh' '*.py' '*.pl' Makefile CMakeLists.txt .ci/run \
    ':!scripts/cluster_env.sh' ':!scripts/check_static.sh'
}
check "PG_CONFIG from the environment (no hard-coded PostgreSQL path)" hard_coded

echo "$passed passed, $failed failed"
((failed == 0))
