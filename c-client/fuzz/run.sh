#!/usr/bin/env bash
# fuzz/run.sh - runs the libFuzzer harnesses built in build-fuzz/ (make
# fuzz-build). Two modes, both printing "ok - ..." / "FAIL - ..." lines and a
# last line "N passed, N failed" (the form tests/run-all.sh adds up):
#
#   fuzz  SECONDS HARNESS...  a campaign: each harness for SECONDS, starting
#         from its committed seeds (fuzz/corpus/<harness>) plus what earlier
#         campaigns found (build-fuzz/corpus/<harness>, where new inputs go);
#         reports executions per second. A crash, leak or timeout is saved
#         under build-fuzz/artifacts/<harness>/ and fails the harness.
#   smoke SECONDS HARNESS...  what `make test` runs: every saved regression
#         input (fuzz/regressions/<harness>/*) as its own case, every seed once,
#         then SECONDS of fuzzing in a throwaway corpus.
#
# Per-harness libFuzzer options are in harness_opts below. Run from c-client/
# (the Makefile does).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENT=$(dirname "$HERE")
BUILD=$CLIENT/build-fuzz
PASS=0 FAIL=0

usage() {
  echo "usage: $0 fuzz|smoke SECONDS HARNESS..." >&2
  exit 2
}

# Inputs large enough for each parser's caps, and a per-input time limit far
# above a normal run (fuzz_h2's own deadline is 2 s).
harness_opts() {
  case "$1" in
    fuzz_http1) echo "-max_len=80000 -timeout=10" ;;
    fuzz_h2) echo "-max_len=65536 -timeout=10" ;;
    fuzz_render) echo "-max_len=100000 -timeout=20" ;;
    *) echo "-max_len=16384 -timeout=10" ;;
  esac
}

# The harness's dictionary (fuzz/dict/, from make-seeds.py), when it has one.
dict_opt() {
  [ ! -f "$HERE/dict/$1.dict" ] || echo "-dict=$HERE/dict/$1.dict"
}

ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }

# stat NAME LOG: a -print_final_stats=1 figure from libFuzzer's output.
stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

# Shows why a run failed: the harness's own words and libFuzzer's summary,
# without libFuzzer's progress lines and stack frames.
show_failure() {
  grep -avE '^(INFO:|#[0-9]|    #[0-9]|MS: |base64: |NOTE: |      Combine|Running: |Executed |[*]{3}|0x|$)' "$1" \
    | head -n 12 | sed 's/^/    /' || true
}

# run_inputs HARNESS WHAT FILE...: runs inputs once each (no fuzzing).
run_inputs() {
  local h=$1 what=$2 log rc=0
  shift 2
  log=$(mktemp "${TMPDIR:-/tmp}/h2c-fuzz-$h.XXXXXX")
  # shellcheck disable=SC2046  # the options are words
  "$BUILD/$h" $(harness_opts "$h") -runs=1 "$@" >"$log" 2>&1 || rc=$?
  if [ $rc -eq 0 ]; then ok "$h: $what"; else fail "$h: $what (exit $rc)"; show_failure "$log"; fi
  rm -f "$log"
}

# fuzz_for HARNESS SECONDS CORPUS ARTIFACTS [SEEDS]: one timed run.
fuzz_for() {
  local h=$1 secs=$2 corpus=$3 art=$4 seeds=${5:-} log rc=0
  mkdir -p "$corpus" "$art"
  log=$(mktemp "${TMPDIR:-/tmp}/h2c-fuzz-$h.XXXXXX")
  # shellcheck disable=SC2046,SC2086
  "$BUILD/$h" $(harness_opts "$h") $(dict_opt "$h") -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$art/" "$corpus" $seeds >"$log" 2>&1 || rc=$?
  local execs rate files
  execs=$(stat number_of_executed_units "$log")
  rate=$(stat average_exec_per_sec "$log")
  files=$(find "$corpus" -type f | wc -l)
  if [ $rc -eq 0 ]; then
    ok "$h: ${secs} s, ${execs:-?} executions, ${rate:-?}/s, corpus $files files"
  else
    fail "$h: found a problem after ${execs:-?} executions (exit $rc); input saved in $art/"
    show_failure "$log"
  fi
  rm -f "$log"
}

main() {
  [ $# -ge 3 ] || usage
  local mode=$1 secs=$2 h
  shift 2
  case "$secs" in '' | *[!0-9]*) usage ;; esac
  for h in "$@"; do
    [ -x "$BUILD/$h" ] || { fail "$h: $BUILD/$h not built (make -C c-client fuzz-build)"; continue; }
    case "$mode" in
      fuzz)
        fuzz_for "$h" "$secs" "$BUILD/corpus/$h" "$BUILD/artifacts/$h" "$HERE/corpus/$h" ;;
      smoke)
        local f tmp
        for f in "$HERE/regressions/$h"/*; do
          [ -f "$f" ] && run_inputs "$h" "regression $(basename "$f")" "$f"
        done
        mapfile -t seeds < <(find "$HERE/corpus/$h" -type f | sort)
        if [ ${#seeds[@]} -gt 0 ]; then
          run_inputs "$h" "${#seeds[@]} seeds once each" "${seeds[@]}"
        else
          fail "$h: no seeds in fuzz/corpus/$h (fuzz/make-seeds.py writes them)"
        fi
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/h2c-fuzz-smoke.XXXXXX")
        fuzz_for "$h" "$secs" "$tmp/corpus" "$BUILD/artifacts/$h" "$HERE/corpus/$h"
        rm -rf "$tmp" ;;
      *) usage ;;
    esac
  done
  echo "$PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}

main "$@"
