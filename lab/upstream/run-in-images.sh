#!/usr/bin/env bash
# lab/upstream/run-in-images.sh - run the upstream-style regression test
# (test_pywsgi_upgrade_body.py) inside lab server images and record the outcomes.
#
# Idea: the test must be judged against the exact gevent each image ships, so it
# runs in the image itself (its /usr/bin/python3 and python3-gevent), read-only
# mounted, no network (--network none: the test only uses the container's own
# loopback). Each image's result - unittest's exit status and the per-test
# verdicts from `-v` - goes into one JSON file for the report (format: README.md).
# Expected: unpatched gevent >= 20.12 fails, h2c-lab/gevent-fixed passes.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
# Default: the images of the targets with the role upstream-test (their folders' lab.json).
mapfile -t DEFAULT_IMAGES < <("$PY" "$ROOT/lab/scripts/lab-files.py" --role upstream-test --print images)
LIMIT_S=${H2C_UPSTREAM_LIMIT_S:-120}   # one image's whole test run

usage() {
  cat <<EOF
usage: $(basename "$0") [--out FILE] [IMAGE...]
  Runs 'python3 -m unittest -v test_pywsgi_upgrade_body' inside each IMAGE
  (default: ${DEFAULT_IMAGES[*]}) and writes the outcomes as JSON to FILE
  (default: reports/upstream.json). Exit 0 when every image was run (whatever
  the test said), 2 on usage errors, 1 when an image is missing or docker fails.
  H2C_UPSTREAM_LIMIT_S  bound for one image's run (default 120 s)
EOF
}

die() { printf '[upstream] ERROR: %s\n' "$*" >&2; exit 1; }

OUT="$ROOT/reports/upstream.json"
IMAGES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --out) [ $# -ge 2 ] || { usage >&2; exit 2; }; OUT=$2; shift 2 ;;
    -*) usage >&2; exit 2 ;;
    *) IMAGES+=("$1"); shift ;;
  esac
done
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=("${DEFAULT_IMAGES[@]}")

timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answering; run lab/scripts/prereqs.sh"
for image in "${IMAGES[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 \
    || die "image $image not found; build it: docker compose build ${image#h2c-lab/}"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-upstream.XXXXXX")
CONTAINERS=()
cleanup() {
  local c
  for c in "${CONTAINERS[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

# One container per image (each start costs about a second, more under load): first
# what the image holds, three lines (its package version, gevent's version, patched
# yes/no: /lab/fix.diff present), then the test's own output; its exit status is the
# test's. Bounded, no network, nothing writable.
# shellcheck disable=SC2016  # expanded inside the container
IN_IMAGE='head -n 1 /etc/h2c-lab-version 2>/dev/null || echo
/usr/bin/python3 -c "import gevent; print(gevent.__version__)" 2>/dev/null || echo
if test -s /lab/fix.diff; then echo yes; else echo no; fi
exec /usr/bin/python3 -m unittest -v test_pywsgi_upgrade_body 2>&1'

# run_one N IMAGE: N.image, N.version (first line of /etc/h2c-lab-version), N.gevent,
# N.patched (yes/no), N.rc, N.ms, N.log (unittest -v output).
run_one() {
  local n=$1 image=$2 name=$3 t0 rc=0
  echo "$image" >"$WORK/$n.image"
  t0=$(now_ms)
  timeout --kill-after=10 "$LIMIT_S" docker run --rm --name "$name" --network none \
    --cap-drop ALL --security-opt no-new-privileges:true \
    -e PYTHONDONTWRITEBYTECODE=1 -v "$HERE:/upstream:ro" -w /upstream \
    --entrypoint "" "$image" sh -c "$IN_IMAGE" >"$WORK/$n.out" 2>&1 || rc=$?
  echo $(( $(now_ms) - t0 )) >"$WORK/$n.ms"
  echo "$rc" >"$WORK/$n.rc"
  sed -n 1p "$WORK/$n.out" >"$WORK/$n.version"
  sed -n 2p "$WORK/$n.out" >"$WORK/$n.gevent"
  sed -n 3p "$WORK/$n.out" | grep -x yes >"$WORK/$n.patched" || echo no >"$WORK/$n.patched"
  sed '1,3d' "$WORK/$n.out" >"$WORK/$n.log"
}

# The images run at once (each test is its own process on its own loopback), and are
# reported in the order given.
n=0 pids=()
for image in "${IMAGES[@]}"; do
  n=$((n + 1))
  CONTAINERS+=("h2c-upstream-$$-$n")
  run_one "$n" "$image" "h2c-upstream-$$-$n" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for ((k = 1; k <= n; k++)); do
  rc=$(cat "$WORK/$k.rc")
  case $rc in
    0) echo "[upstream] $(cat "$WORK/$k.image"): passed ($(cat "$WORK/$k.version"))" ;;
    124|137) echo "[upstream] $(cat "$WORK/$k.image"): timed out after ${LIMIT_S}s" ;;
    *) echo "[upstream] $(cat "$WORK/$k.image"): FAILED, exit $rc ($(cat "$WORK/$k.version"))" ;;
  esac
done

mkdir -p "$(dirname "$OUT")"
"$PY" "$HERE/results_json.py" --dir "$WORK" --count "$n" --out "$OUT" \
  || die "could not write $OUT"
echo "[upstream] wrote $OUT"
