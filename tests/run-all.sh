#!/usr/bin/env bash
# tests/run-all.sh - runs every test suite in order and adds up their results.
#
# Each suite prints its own "ok - ..." / "FAIL - ..." lines and ends with
# "N passed, N failed" (the unit tests end with "unit: N passed, N failed");
# this script takes each suite's last such line, sums them, and prints the
# total as its own last line, exactly "N passed, N failed". A suite that
# crashes, times out or exits non-zero without reporting a failure counts as
# 1 failed. Exit status: 0 only when nothing failed.
#
# Add a suite: append "name|timeout-seconds|command" to SUITES below.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# name | timeout (s) | command (run from the repository root)
SUITES=(
  "lint|300|tests/lint.sh"   # generated files fresh, manifests valid, shellcheck, pyflakes
  "unit|900|make -C c-client check"
  "fuzz|600|make -C c-client fuzz-smoke"   # saved regressions, seeds, a few s per harness
  "hostile|600|tests/hostile/run.sh"   # hostile servers on loopback, about a minute
  "e2e-local|300|tests/e2e-local.sh"
  "html|300|tests/html-screenshot.sh"
  "e2e-compose|2400|tests/e2e-compose.sh"   # cold about 5 min (README "make report")
  "e2e-upstream|1800|tests/e2e-upstream.sh"
)

usage() {
  cat <<EOF
usage: $0 [--list] [--help]
  Runs: $(printf '%s ' "${SUITES[@]%%|*}")
  H2C_SKIP_COMPOSE=1  skip the suites that need Docker (e2e-compose, e2e-upstream)
  H2C_ONLY=NAME[,NAME] run only these suites
EOF
}

TOTAL_PASS=0 TOTAL_FAIL=0 CURRENT=''
SUMMARY=()

# Ctrl-C / SIGTERM: stop the running suite (timeout passes it on), then leave.
on_signal() {
  [ -z "$CURRENT" ] || kill -TERM "$CURRENT" 2>/dev/null || true
  [ -z "$CURRENT" ] || wait "$CURRENT" 2>/dev/null || true
  echo "run-all: interrupted"
  exit 130
}

# suite_result LOG RC: prints "pass fail" from the suite's last result line.
suite_result() {
  local line p f
  line=$(grep -E '^([a-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1 || true)
  if [ -z "$line" ]; then echo "0 1"; return; fi
  p=$(sed -E 's/^([a-z0-9-]+: )?([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"$line")
  f=$(sed -E 's/^([a-z0-9-]+: )?([0-9]+) passed, ([0-9]+) failed$/\3/' <<<"$line")
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "$p $f"
}

selected() {
  [ -z "${H2C_ONLY:-}" ] && return 0
  [[ ",$H2C_ONLY," == *",$1,"* ]]
}

run_suite() {
  local name=$1 limit=$2 cmd=$3 log rc=0 p f started=$SECONDS
  log=$(mktemp "${TMPDIR:-/tmp}/h2c-suite-$name.XXXXXX")
  echo "=== $name: $cmd"
  # No pipe into tee for the exit status: the suite's own status is what counts.
  (cd "$ROOT" && exec timeout --kill-after=30 "$limit" bash -c "$cmd") >"$log" 2>&1 &
  local pid=$!
  CURRENT=$pid
  tail -n +1 -s 0.2 -f --pid="$pid" "$log" 2>/dev/null &
  local tailpid=$!
  wait "$pid" || rc=$?
  CURRENT=
  wait "$tailpid" 2>/dev/null || true
  [ $rc -ne 124 ] || echo "$name: timed out after ${limit}s"
  read -r p f < <(suite_result "$log" "$rc")
  if ! grep -qE '^([a-z0-9-]+: )?[0-9]+ passed, [0-9]+ failed$' "$log"; then
    echo "$name: no result line (crashed?), exit $rc: counted as 1 failed"
  fi
  rm -f "$log"
  TOTAL_PASS=$((TOTAL_PASS + p)); TOTAL_FAIL=$((TOTAL_FAIL + f))
  SUMMARY+=("$(printf '%-12s %4d passed, %4d failed  (%ds, exit %d)' "$name" "$p" "$f" $((SECONDS - started)) "$rc")")
}

main() {
  case "${1:-}" in
    -h|--help) usage; exit 0 ;;
    --list) printf '%s\n' "${SUITES[@]}"; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
  esac
  local entry name limit cmd script
  trap on_signal INT TERM
  for entry in "${SUITES[@]}"; do
    IFS='|' read -r name limit cmd <<<"$entry"
    selected "$name" || continue
    if [[ "$name" == e2e-compose || "$name" == e2e-upstream ]] && [ "${H2C_SKIP_COMPOSE:-0}" = 1 ]; then
      echo "=== $name: skipped (H2C_SKIP_COMPOSE=1)"; SUMMARY+=("$(printf '%-12s skipped (H2C_SKIP_COMPOSE=1)' "$name")"); continue
    fi
    script=${cmd%% *}
    if [[ "$script" == tests/* ]] && [ ! -e "$ROOT/$script" ]; then
      echo "=== $name: skipped ($script not present yet)"; SUMMARY+=("$(printf '%-12s skipped (not present)' "$name")"); continue
    fi
    run_suite "$name" "$limit" "$cmd"
  done
  echo "=== summary"
  printf '%s\n' "${SUMMARY[@]}"
  echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
  [ "$TOTAL_FAIL" -eq 0 ]
}

main "$@"
