#!/usr/bin/env bash
# tests/bench-lab.sh - how fast the compose lab's probe phase is (GitHub issue 13).
#
# Idea: a benchmark, not a timed test: nothing here passes or fails on a number. It
# starts the servers once (docker compose up -d --wait), runs the probe twice against
# them, with its default --jobs and with --jobs 1, and prints from each results.json:
# the probe phase (run.duration_ms: version fetches and every cell, not the container
# start or the rendering), the slowest cell (timings.total_ms), their ratio (the
# floor is 1: no run can be shorter than its slowest cell), cells per second, and the
# longest chain of one serial target's cells (the runner's floor: runner.c).
# --shards N also runs N shards and merges them (checked cell for cell against the
# unsharded run and against the expected files). --results FILE... only prints those
# figures for runs already made. The machine and
# whatever else it runs meanwhile (load average, printed) decide the figures.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
PROJECT=${COMPOSE_PROJECT_NAME:-h2c-lab-bench}

usage() {
  cat <<EOF
usage: $(basename "$0") [--no-build] [--skip-serial] [--jobs N] [--shards N]
       $(basename "$0") --results RESULTS.json...
  Starts the compose lab (project $PROJECT), runs the probe with its default --jobs
  (or N) and with --jobs 1, prints for each: probe phase, slowest cell, ratio, cells/s.
  --no-build     the images must exist (else lab/scripts/lab-images.sh runs first)
  --skip-serial  no --jobs 1 run (it takes several minutes: every cell one after the other)
  --shards N     also run the probe as N shards (--shard K/N, one after the other), merge
                 them (c-client/build/h2c-probe merge) and check that the merged run
                 equals the unsharded one cell for cell and every cell is as expected
  --results      only print the figures of these results.json files
EOF
}

# One line of figures for one results.json.
figures() { # label results.json
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
label, path = sys.argv[1:3]
doc = json.load(open(path))
run, cells = doc["run"], doc["cells"]
phase = run["duration_ms"] / 1000.0
slow = max(cells, key=lambda c: c["timings"]["total_ms"])
slowest = slow["timings"]["total_ms"] / 1000.0
print("%-8s --jobs %-3d probe phase %6.1f s | slowest cell %.2f s (%s x %s) | ratio %.1f | "
      "%d cells, %.1f cells/s" % (label, run["jobs"], phase, slowest, slow["target"],
                                   slow["scenario"], phase / slowest, len(cells), len(cells) / phase))
# The critical path under the runner's rule (c-client/src/runner.c): a serial target's
# cells one after the other; the run cannot be shorter than its longest such chain.
chain = {}
for c in cells:
    chain[c["target"]] = chain.get(c["target"], 0) + c["timings"]["total_ms"]
info = {t["name"]: t.get("info", {}) for t in doc["targets"]}
serial = {t: ms for t, ms in chain.items() if not info[t].get("direct")}
if serial:
    name = max(serial, key=serial.get)
    print("%-8s longest serial chain %.1f s (%s: %d cells in a row); %d of %d targets serial"
          % ("", serial[name] / 1000.0, name, sum(c["target"] == name for c in cells),
             len(serial), len(chain)))
EOF
}

BUILD=1 SERIAL=1 JOBS=() SHARDS=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --no-build) BUILD=0; shift ;;
    --skip-serial) SERIAL=0; shift ;;
    --jobs) JOBS=(--jobs "${2:?--jobs needs a number}"); shift 2 ;;
    --shards) SHARDS=${2:?--shards needs a number}; shift 2 ;;
    --results)
      shift
      [ $# -gt 0 ] || { usage >&2; exit 2; }
      for f in "$@"; do figures "$(basename "$(dirname "$f")")" "$f"; done
      exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

cd "$ROOT"
export COMPOSE_PROJECT_NAME=$PROJECT
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-bench.XXXXXX")
export H2C_LAB_REPORTS=$WORK
cleanup() {
  timeout 120 docker compose down --timeout 5 --remove-orphans >/dev/null 2>&1 || true
  echo "# runs kept in $WORK"
}
trap cleanup EXIT

[ "$BUILD" = 0 ] || COMPOSE_PROJECT_NAME=h2c-lab-images lab/scripts/lab-images.sh >"$WORK/images.log" 2>&1 \
  || { echo "lab/scripts/lab-images.sh failed: $WORK/images.log" >&2; exit 1; }
mapfile -t SERVICES < <("$PY" lab/scripts/lab-files.py --print services)
t0=$(date +%s%3N)
timeout 600 docker compose --ansi never up -d --wait --no-build "${SERVICES[@]}" >"$WORK/up.log" 2>&1 \
  || { echo "the servers did not come up: $WORK/up.log" >&2; exit 1; }
echo "# $(docker compose ps -q | wc -l) containers up and healthy in $(( ($(date +%s%3N) - t0) / 1000 )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The probe as plain `docker compose up` starts it (not `run --rm`: see run_probe in
# lab/scripts/report.sh), with more run options in H2C_PROBE_ARGS.
probe() { # label [probe run options]
  local label=$1; shift
  H2C_PROBE_ARGS="$*" timeout 1800 docker compose --ansi never up --no-build --no-deps \
    --abort-on-container-exit --exit-code-from probe probe >"$WORK/$label.log" 2>&1 \
    || { echo "the probe failed ($label): $WORK/$label.log" >&2; return 1; }
  figures "$label" "$WORK/$(readlink "$WORK/latest")/results.json"
}

# shards N: the probe as N shards against the same servers, merged on the host; the
# merged run must equal the unsharded one (target, scenario, verdict) and be as expected.
shards() {
  local k files=() full
  full="$WORK/$(readlink "$WORK/latest")/results.json"
  make -s -C c-client >/dev/null || { echo "make -C c-client failed" >&2; return 1; }
  for ((k = 1; k <= SHARDS; k++)); do
    probe "shard$k" "${JOBS[@]}" --shard "$k/$SHARDS" || return 1
    files+=("$WORK/$(readlink "$WORK/latest")/results.json")
  done
  c-client/build/h2c-probe merge "${files[@]}" --out "$WORK/merged" || return 1
  "$PY" - "$full" "$WORK/merged/results.json" <<'EOF'
import json, sys
full, merged = (json.load(open(p)) for p in sys.argv[1:3])
cells = lambda d: [(c["target"], c["scenario"], c["verdict"]) for c in d["cells"]]
diff = [(a, b) for a, b in zip(cells(full), cells(merged)) if a != b]
for a, b in diff:
    print("# %s x %s: unsharded %s, merged %s" % (a[0], a[1], a[2], b[2]))
print("merged   %d shards: %d cells, %s the unsharded run cell for cell; longest shard %.1f s"
      % (len(merged["run"]["shards"]), len(merged["cells"]), "differs from" if diff else "equals",
         merged["run"]["duration_ms"] / 1000.0))
EOF
  "$PY" lab/scripts/check-expected.py --brief "$WORK/merged/results.json" | sed 's/^/merged   /'
}

probe parallel "${JOBS[@]}"
[ "$SHARDS" = 0 ] || shards
[ "$SERIAL" = 0 ] || probe serial --jobs 1
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
