#!/usr/bin/env bash
# Version discipline of the install scripts (run by scripts/test.sh after the
# build): an install script that changes must come with a new version and an
# upgrade path.
#  - the control file's default_version is the Makefile's EXTVERSION;
#  - every released version (extension/released) keeps its install script
#    byte for byte (by SHA-256);
#  - if the current version is released, its assembled script is unchanged;
#  - every released version has a chain of upgrade scripts to the current one.
# Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "version check failed: $what"
    failed=$((failed + 1))
  fi
}

current=$(sed -n 's/^EXTVERSION = //p' Makefile)
default=$(sed -n "s/^default_version = '\(.*\)'/\1/p" clv_ext.control)
check "clv_ext.control default_version ($default) is the Makefile's EXTVERSION ($current)" \
  test "$current" = "$default"
check "the install script of $current is built" test -f "clv_ext--$current.sql"

# Upgrade edges A -> B from the upgrade scripts, built or kept.
declare -A next
for f in clv_ext--*--*.sql extension/clv_ext--*--*.sql; do
  [[ -f $f ]] || continue
  edge=${f##*/}
  edge=${edge#clv_ext--}
  edge=${edge%.sql}
  next[${edge%%--*}]+=" ${edge##*--}"
done
reaches() {  # reaches FROM TO: breadth-first over the upgrade edges
  local queue=("$1") seen=" $1 " v w
  while ((${#queue[@]})); do
    v=${queue[0]}
    queue=("${queue[@]:1}")
    [[ $v == "$2" ]] && return 0
    for w in ${next[$v]:-}; do
      [[ $seen == *" $w "* ]] && continue
      seen+="$w "
      queue+=("$w")
    done
  done
  return 1
}

while read -r version sum; do
  [[ -z $version || $version == \#* ]] && continue
  if [[ $version == "$current" ]]; then
    script="clv_ext--$version.sql"
    check "released version $version is current: its install script is unchanged" \
      test "$(sha256sum "$script" | cut -d' ' -f1)" = "$sum"
  else
    script="extension/clv_ext--$version.sql"
    check "the install script of released version $version is kept unchanged ($script)" \
      test -f "$script" -a "$(sha256sum "$script" 2>/dev/null | cut -d' ' -f1)" = "$sum"
    check "released version $version upgrades to $current" reaches "$version" "$current"
  fi
done <extension/released

echo "$passed passed, $failed failed"
((failed == 0))
