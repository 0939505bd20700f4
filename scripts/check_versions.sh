#!/usr/bin/env bash
# Version discipline of the install and upgrade scripts (run by
# scripts/test.sh after the build): a released script never changes, and
# every change to the SQL comes with a new version and an upgrade path.
#  - the control file's default_version is the Makefile's EXTVERSION;
#  - every script in extension/released/ is listed in its SHA256SUMS and
#    matches it byte for byte, and every listed script is there;
#  - the generated scripts (install of EXTVERSION, upgrade from
#    PREVIOUS_VERSION) are not released ones, or are unchanged if they are;
#  - PREVIOUS_VERSION is the newest released version;
#  - every released version has a chain of upgrade scripts to the current one.
# Prints "N passed, N failed".
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
    echo "version check failed: $what"
    failed=$((failed + 1))
  fi
}

released=extension/released
current=$(sed -n 's/^EXTVERSION = //p' Makefile)
previous=$(sed -n 's/^PREVIOUS_VERSION = //p' Makefile)
default=$(sed -n "s/^default_version = '\(.*\)'/\1/p" clv_ext.control)
check "clv_ext.control default_version ($default) is the Makefile's EXTVERSION ($current)" \
  test "$current" = "$default"
check "the install script of $current is built" test -f "clv_ext--$current.sql"
check "the upgrade script $previous -> $current is built" test -f "clv_ext--$previous--$current.sql"

# sha256sum -c prints "name: OK" per listed file and fails on any mismatch.
check "the released scripts match $released/SHA256SUMS" \
  bash -c "cd '$released' && sha256sum --quiet --strict -c SHA256SUMS"
listed=" $(cut -d' ' -f3 "$released/SHA256SUMS" | tr '\n' ' ') "
for f in "$released"/clv_ext--*.sql; do
  check "$f is listed in $released/SHA256SUMS" test "${listed/ ${f##*/} /}" != "$listed"
done

sum_of() {  # sum_of NAME: its SHA-256 in SHA256SUMS, empty if not released
  awk -v n="$1" '$2 == n { print $1 }' "$released/SHA256SUMS"
}
for generated in "clv_ext--$current.sql" "clv_ext--$previous--$current.sql"; do
  sum=$(sum_of "$generated")
  if [[ -n $sum ]]; then
    check "$generated is released: the generated script is unchanged" \
      test "$(sha256sum "$generated" | cut -d' ' -f1)" = "$sum"
  fi
done

# Released versions: those with an install script in released/.
mapfile -t versions < <(find "$released" -name 'clv_ext--*.sql' ! -name 'clv_ext--*--*.sql' -printf '%f\n' |
  sed 's/^clv_ext--\(.*\)\.sql$/\1/' | sort -V)
newest=${versions[-1]}
if [[ $newest == "$current" ]]; then
  newest=${versions[-2]}
fi
check "PREVIOUS_VERSION ($previous) is the newest released version before $current ($newest)" \
  test "$previous" = "$newest"

# Upgrade edges A -> B from the upgrade scripts, generated or released.
declare -A next
for f in clv_ext--*--*.sql "$released"/clv_ext--*--*.sql; do
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
for version in "${versions[@]}"; do
  [[ $version == "$current" ]] && continue
  check "released version $version upgrades to $current" reaches "$version" "$current"
done

echo "$passed passed, $failed failed"
((failed == 0))
