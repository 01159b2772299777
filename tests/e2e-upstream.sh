#!/usr/bin/env bash
# tests/e2e-upstream.sh - the proposed gevent fix, tested for real:
#   1. the patch proposed to gevent (lab/servers/gevent/0001-*.patch) is what
#      lab/scripts/upstream.py assembles from its pieces, applies with patch -p1 to
#      gevent's layout built from this machine's package, adds the test and the
#      towncrier fragment, carries no lab marker, and is refused a second time;
#      apply-patch.sh (what the image runs) patches a copy that still imports;
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
PATCH=$(ls "$ROOT"/lab/servers/gevent/0001-*.patch)
APPLY="$ROOT/lab/servers/gevent/apply-patch.sh"
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

# --- 1. the patch on this machine's gevent --------------------------------------------

host_gevent() { "$PY" -c 'import gevent, os; print(os.path.dirname(gevent.__file__))'; }

# layout_applies: gevent's layout from the installed package (its dist-packages/gevent
# as src/gevent), then `patch -p1` as a maintainer would apply the file.
layout_applies() {
  mkdir -p "$WORK/layout/src"
  cp -a "$(host_gevent)" "$WORK/layout/src/gevent"
  (cd "$WORK/layout" && patch -p1 --fuzz=0 --batch) <"$PATCH" || return 1
  for f in src/gevent/tests/test__pywsgi_upgrade_body.py docs/changes/2035.bugfix.rst; do
    [ -s "$WORK/layout/$f" ] || { echo "the patch did not create $f"; return 1; }
  done
  grep -q '^class _UpgradeInput' "$WORK/layout/src/gevent/pywsgi.py" || { echo "pywsgi.py not patched"; return 1; }
}

no_lab_markers() {
  ! grep -n -i -E '^\+.*(h2c-lab|h2c lab|lab/|probe)' "$PATCH"
}

patched_copy_runs() {
  mkdir -p "$WORK/gevent-copy"
  cp -a "$(host_gevent)" "$WORK/gevent-copy/gevent"
  "$APPLY" "$PATCH" "$WORK/gevent-copy/gevent" "$WORK/host.diff" || return 1
  grep -q '^+++ b/src/gevent/pywsgi.py' "$WORK/host.diff" || { echo "no pywsgi.py diff:"; cat "$WORK/host.diff"; return 1; }
  PYTHONPATH="$WORK/gevent-copy" "$PY" -c '
import gevent.pywsgi as p, sys
assert p.__file__.startswith(sys.argv[1]), p.__file__
assert p._UpgradeInput.__slots__ == ("rfile", "handler", "used")' "$WORK/gevent-copy"
}

refuses_second_run() {
  local out rc=0
  out=$("$APPLY" "$PATCH" "$WORK/gevent-copy/gevent" 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -q 'does not apply' <<<"$out"; then echo "rc=$rc: $out"; return 1; fi
}

check "the committed patch is what lab/scripts/upstream.py assembles from its pieces" \
  "$ROOT/lab/scripts/upstream.py" check
check "the patch applies with patch -p1 to gevent's layout built from this machine's gevent ($("$PY" -c 'import gevent; print(gevent.__version__)')) and adds the test and the fragment" layout_applies
check "the patch carries no lab marker in its added lines" no_lab_markers
check "apply-patch.sh patches a copy of this machine's gevent, which still imports" patched_copy_runs
check "apply-patch.sh refuses a package it already patched" refuses_second_run

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
KEEP_TEST=test_bodiless_upgrade_without_101_keeps_alive  # passes on every version
N_TESTS=4

[ -f "$JSON" ] || { not_ok "upstream.json exists"; exit 1; }
jqc "upstream.json has format h2c-lab-upstream/1 and one run per image" \
  ".format == \"h2c-lab-upstream/1\" and (.runs | length) == ${#IMAGES[@]}"

jqc "unpatched ${BASE_IMAGE#h2c-lab/} (info.fix_of of $FIX): the test FAILS (exit 1)" \
  "$(run_of "$BASE_IMAGE") | .outcome == \"fail\" and .exit_code == 1 and .patched == false and .ran == $N_TESTS"
jqc "unpatched ${BASE_IMAGE#h2c-lab/}: both body tests fail, the WebSocket test passes" \
  "$(run_of "$BASE_IMAGE") | ([.tests[${BODY_TESTS}[]]] == [\"FAIL\",\"FAIL\"]) and .tests.$WS_TEST == \"ok\" and .tests.$KEEP_TEST == \"ok\""
jqc "${FIX_IMAGE#h2c-lab/}: the test PASSES, all $N_TESTS tests ok" \
  "$(run_of "$FIX_IMAGE") | .outcome == \"pass\" and .exit_code == 0 and .ran == $N_TESTS and ([.tests[]] | length == $N_TESTS and all(. == \"ok\"))"
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

# --- 3. the patch is against this very gevent, and make upstream uses these results --

# The patch's pywsgi.py pre-image (its index line) is the git blob of the installed
# pywsgi.py of the image the fix is of: the patch is against exactly that release.
blob_in_image() {
  docker run --rm --network none --entrypoint "" "$1" /usr/bin/python3 -c '
import hashlib, gevent.pywsgi as p
d = open(p.__file__, "rb").read()
print(hashlib.sha1(b"blob %d\0" % len(d) + d).hexdigest())'
}
pre_image_matches() {
  local pre blob
  pre=$(sed -n 's/^index \([0-9a-f]*\)\.\.[0-9a-f]* 100644$/\1/p' "$PATCH")
  blob=$(blob_in_image "$BASE_IMAGE") || return 1
  if [ -z "$pre" ] || [ "${blob#"$pre"}" = "$blob" ]; then
    echo "index pre-image '$pre', installed blob $blob"; return 1
  fi
}
check "the patch's pywsgi.py pre-image is ${BASE_IMAGE#h2c-lab/}'s installed pywsgi.py" pre_image_matches

# upstream.py write on a results.json that carries this run's upstream.json.
upstream_files() {
  mkdir -p "$WORK/run"
  jq --slurpfile u "$JSON" '.attachments.upstream = $u[0]' \
    "$ROOT/c-client/tests/fixtures/results-lab.json" >"$WORK/run/results.json" || return 1
  "$ROOT/lab/scripts/upstream.py" write "$WORK/run" || return 1
  cmp "$WORK/run/upstream/$(basename "$PATCH")" "$PATCH" || return 1
  grep -q "$FIX_IMAGE (.*): pass" "$WORK/run/upstream/ISSUE-COMMENT.md" \
    || { echo "ISSUE-COMMENT.md does not state the fix image's pass"; return 1; }
  ! grep -n -E '/admin|proxy-' "$WORK/run/upstream/ISSUE-COMMENT.md"
}
check "upstream.py write: the committed patch, and an ISSUE-COMMENT.md that states this upstream.json" upstream_files
