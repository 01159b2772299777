#!/usr/bin/env bash
# tests/e2e-upstream.sh - the proposed gevent fix, tested for real:
#   1. lab/servers/gevent/patch_pywsgi.py patches this machine's gevent
#      (a copy of it) and refuses what it must refuse (a second run, a missing anchor);
#   2. the upstream-style regression test (lab/upstream/test_pywsgi_upgrade_body.py),
#      run inside the images by lab/upstream/run-in-images.sh, FAILS on unpatched
#      gevent (the target the fix is of, info.fix_of; the other targets with the roles
#      upstream-test and subject too, when their images exist) and PASSES on the target
#      with the role fix; on an upstream-test target without the raw-input branch
#      (gevent-bullseye, 20.9.0, before PR #1723) only the WebSocket test fails - the
#      history the fix is measured against. Roles: lab/servers/*/lab.json.
# Images are (re)built with `docker compose build` first (cached, so cheap when
# nothing changed); H2C_UPSTREAM_NO_BUILD=1 uses the existing ones.
# Prints "ok - ..." / "FAIL - ..." per check and "N passed, N failed" last.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
PATCHER="$ROOT/lab/servers/gevent/patch_pywsgi.py"
RUNNER="$ROOT/lab/upstream/run-in-images.sh"
BUILD_LIMIT_S=${H2C_UPSTREAM_BUILD_S:-1800}

usage() {
  cat <<EOF
usage: $0 [--keep] [--out FILE]
  --keep      keep the work directory (patched copy, upstream.json, logs)
  --out FILE  also copy the runner's upstream.json to FILE
Environment: H2C_UPSTREAM_NO_BUILD=1 (do not run docker compose build),
             H2C_UPSTREAM_BUILD_S (build bound, default 1800 s)
Needs: Docker with the base images (lab/scripts/base-images.sh), /usr/bin/python3
with python3-gevent (for step 1), jq.
EOF
}

PASS=0 FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
not_ok() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
# check DESCRIPTION COMMAND...: one assertion; the command's output follows as diagnostics.
check() {
  local desc=$1 out rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; fi
  # shellcheck disable=SC2001  # a prefix on every line, not one substitution
  [ -z "$out" ] || sed 's/^/#   /' <<<"$out"  # every diagnostic line as a comment
}

KEEP=0 OUT='' WORK=''
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --keep) KEEP=1; shift ;;
    --out) [ $# -ge 2 ] || { usage >&2; exit 2; }; OUT=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done

finish() {
  local rc=$?
  trap - EXIT INT TERM
  [ $rc -eq 0 ] || [ $FAIL -gt 0 ] || not_ok "e2e-upstream aborted (exit $rc); see above"
  if [ -n "$WORK" ]; then
    if [ $KEEP -eq 1 ] || [ $FAIL -gt 0 ]; then echo "# work directory kept: $WORK"; else rm -rf "$WORK"; fi
  fi
  echo "$PASS passed, $FAIL failed"
  [ $FAIL -eq 0 ]
}
trap finish EXIT
trap 'exit 130' INT TERM

WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-e2e-upstream.XXXXXX")

# --- 1. the patch program on this machine's gevent ---------------------------------

host_pywsgi() { "$PY" -c 'import gevent.pywsgi as p; print(p.__file__)'; }

# patched_copy_runs: a patched copy of the installed gevent imports and serves
# (the anchors matched, the result compiles, the diff names the three edits).
patched_copy_runs() {
  local src
  src=$(dirname "$(host_pywsgi)")
  cp -a "$src" "$WORK/gevent-copy/gevent"
  "$PY" "$PATCHER" --file "$WORK/gevent-copy/gevent/pywsgi.py" --diff-out "$WORK/host.diff" || return 1
  [ "$(grep -c '^+.*h2c-lab fix' "$WORK/host.diff")" -eq 3 ] \
    || { echo "expected 3 'h2c-lab fix' hunks in the diff:"; cat "$WORK/host.diff"; return 1; }
  PYTHONPATH="$WORK/gevent-copy" "$PY" -c '
import gevent.pywsgi as p, sys
assert p.__file__.startswith(sys.argv[1]), p.__file__
assert p.WSGIHandler.raw_input_given is False' "$WORK/gevent-copy"
}

refuses_second_run() {
  local out rc=0
  out=$("$PY" "$PATCHER" --file "$WORK/gevent-copy/gevent/pywsgi.py" --dry-run 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -q 'patched already' <<<"$out"; then echo "rc=$rc: $out"; return 1; fi
}

refuses_missing_anchor() {
  local out rc=0
  # gevent's own file with the get_environ anchor line altered: the build must stop.
  sed 's/handling_reads = not self._connection_upgrade_requested()/handling_reads = True/' \
    "$(host_pywsgi)" >"$WORK/no-anchor.py"
  out=$("$PY" "$PATCHER" --file "$WORK/no-anchor.py" 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -q "occurs 0 times" <<<"$out" \
     || ! grep -qF "handling_reads = not self._connection_upgrade_requested()" <<<"$out"; then
    echo "rc=$rc: $out"; return 1
  fi
}

mkdir -p "$WORK/gevent-copy"
check "patch_pywsgi.py patches a copy of this machine's gevent ($("$PY" -c 'import gevent; print(gevent.__version__)')), which still imports" patched_copy_runs
check "patch_pywsgi.py refuses a file it already patched" refuses_second_run
check "patch_pywsgi.py stops, naming the anchor, when an anchor is missing" refuses_missing_anchor

# --- 2. the upstream-style test inside the images -----------------------------------

# Which images, by role (lab.json of the server folders, never a name here): the fix
# target and the target it fixes (info.fix_of) must be there; the other targets with the
# role upstream-test are checked when their images exist.
LABQ="$ROOT/lab/scripts/lab-files.py"
FIX=$("$LABQ" --role fix --print targets)
[ "$(wc -w <<<"$FIX")" = 1 ] || { not_ok "exactly one target has the role fix (lab.json), got: ${FIX:-none}"; exit 1; }
BASE=$(jq -r --arg t "$FIX" '.targets[] | select(.name == $t) | .info.fix_of' "$ROOT/lab/targets.json")
SUBJECTS=" $("$LABQ" --role subject --print targets | tr '\n' ' ') "
image_of() { "$LABQ" --name "$1" --print images; }
service_of() { "$LABQ" --name "$1" --print services; }
FIX_IMAGE=$(image_of "$FIX") BASE_IMAGE=$(image_of "$BASE")
IMAGES=("$BASE_IMAGE" "$FIX_IMAGE")
BUILD=("$(service_of "$BASE")" "$(service_of "$FIX")")

if [ "${H2C_UPSTREAM_NO_BUILD:-0}" != 1 ]; then
  echo "# docker compose build ${BUILD[*]} (log: $WORK/build.log)"
  if ! (cd "$ROOT" && timeout "$BUILD_LIMIT_S" docker compose build "${BUILD[@]}") >"$WORK/build.log" 2>&1; then
    tail -n 20 "$WORK/build.log" | sed 's/^/#   /'
    not_ok "images ${BUILD[*]} build (base images missing? run lab/scripts/base-images.sh)"
    exit 1
  fi
fi
OTHERS=()   # "target image" of the other upstream-test targets that are built
while read -r target; do
  if [ "$target" = "$FIX" ] || [ "$target" = "$BASE" ]; then continue; fi
  image=$(image_of "$target")
  if docker image inspect "$image" >/dev/null 2>&1; then IMAGES+=("$image"); OTHERS+=("$target $image")
  else echo "# $image not built: its checks are skipped"; fi
done < <("$LABQ" --role upstream-test --print targets)

JSON="$WORK/upstream.json"
check "run-in-images.sh runs the test in ${#IMAGES[@]} images and writes upstream.json" \
  "$RUNNER" --out "$JSON" "${IMAGES[@]}"
[ -z "$OUT" ] || { [ ! -f "$JSON" ] || cp "$JSON" "$OUT"; }

# jqc DESCRIPTION FILTER: one assertion over upstream.json (FILTER must yield true).
jqc() {
  local desc=$1 filter=$2
  # shellcheck disable=SC2016  # $1/$2 are expanded by the inner bash, on purpose
  check "$desc" bash -c '
    out=$(jq -e "$1" "$2" 2>&1) && [ "$out" = true ] && exit 0
    echo "jq: $1 -> $out"; exit 1' _ "$filter" "$JSON"
}
run_of() { printf '(.runs[] | select(.image == "%s"))' "$1"; }
BODY_TESTS='["test_upgrade_h2c_chunked_body_consumed_once","test_upgrade_h2c_content_length_body_consumed_once"]'
WS_TEST=test_websocket_handshake_keeps_raw_input

[ -f "$JSON" ] || { not_ok "upstream.json exists"; exit 1; }
jqc "upstream.json has format h2c-lab-upstream/1 and one run per image" \
  ".format == \"h2c-lab-upstream/1\" and (.runs | length) == ${#IMAGES[@]}"

jqc "unpatched ${BASE_IMAGE#h2c-lab/} (info.fix_of of $FIX): the test FAILS (exit 1)" \
  "$(run_of "$BASE_IMAGE") | .outcome == \"fail\" and .exit_code == 1 and .patched == false and .ran == 3"
jqc "unpatched ${BASE_IMAGE#h2c-lab/}: both body tests fail, the WebSocket test passes" \
  "$(run_of "$BASE_IMAGE") | ([.tests[${BODY_TESTS}[]]] == [\"FAIL\",\"FAIL\"]) and .tests.$WS_TEST == \"ok\""
jqc "${FIX_IMAGE#h2c-lab/}: the test PASSES, all 3 tests ok" \
  "$(run_of "$FIX_IMAGE") | .outcome == \"pass\" and .exit_code == 0 and .ran == 3 and ([.tests[]] == [\"ok\",\"ok\",\"ok\"])"
jqc "${FIX_IMAGE#h2c-lab/}: it is patched (/lab/fix.diff) and says so in its version" \
  "$(run_of "$FIX_IMAGE") | .patched == true and (.version | endswith(\"+ h2c-lab fix\"))"
jqc "${FIX_IMAGE#h2c-lab/} runs the same gevent as ${BASE_IMAGE#h2c-lab/}" \
  "$(run_of "$FIX_IMAGE").gevent == $(run_of "$BASE_IMAGE").gevent"

# The role subject (the raw-input branch) decides what the test must say.
for entry in "${OTHERS[@]}"; do
  read -r target image <<<"$entry"
  if [[ "$SUBJECTS" == *" $target "* ]]; then
    jqc "unpatched $target (role subject): the body tests fail, the WebSocket test passes" \
      "$(run_of "$image") | .outcome == \"fail\" and ([.tests[${BODY_TESTS}[]]] == [\"FAIL\",\"FAIL\"]) and .tests.$WS_TEST == \"ok\""
  else
    jqc "$target (no raw-input branch, e.g. before PR #1723): body tests pass, only the WebSocket test fails" \
      "$(run_of "$image") | ([.tests[${BODY_TESTS}[]]] == [\"ok\",\"ok\"]) and .tests.$WS_TEST == \"FAIL\""
  fi
done
