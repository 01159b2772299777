#!/usr/bin/env bash
# lab/scripts/report.sh - what `make report` runs: the whole Docker Compose lab, once.
#
# Idea: one command from a fresh checkout to reports/<UTC stamp>/. Three steps, each
# saying what it does and how long it took:
#   1. images   lab/scripts/lab-images.sh (Docker + Compose v2, local base images,
#               `docker compose build`; cheap when everything is already built);
#   2. reports  make sure the reports directory exists (the probe writes as its
#               owner, with every capability dropped);
#   3. run      `docker compose up --abort-on-container-exit --exit-code-from probe`,
#               bounded by a timeout, always followed by `docker compose down` (trap).
# The probe's entrypoint writes a NEW directory per run and only then moves
# reports/latest, so an earlier run is never overwritten. The full compose output goes
# to <run>/compose.log; the terminal gets the probe's lines and a one-line summary.
# Exit status: the probe's (0 = run complete; 1 = --strict found a verdict outside a
# scenario's accept list; 2 = bad input), or 1 when the lab did not get that far.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TIMEOUT_S=${H2C_REPORT_TIMEOUT_S:-1800}
REPORTS=${H2C_LAB_REPORTS:-$ROOT/reports}
PROJECT=${COMPOSE_PROJECT_NAME:-h2c-lab}

usage() {
  cat <<EOF
usage: $(basename "$0") [--no-build] [--help]
  Runs the compose lab once and writes a new run directory under the reports directory:
  1. lab/scripts/lab-images.sh   Docker + Compose v2, base images, docker compose build
  2. reports directory           created if missing; the probe writes as its owner
  3. docker compose up           every server + the probe, then docker compose down
  --no-build   skip step 1 (images must already exist)
  Environment:
    H2C_LAB_REPORTS=DIR         reports directory (default: reports/ in the repository)
    H2C_REPORT_TIMEOUT_S=N      bound for step 3 in seconds (default 1800)
    COMPOSE_PROJECT_NAME=NAME   compose project (default h2c-lab, from docker-compose.yml)
  Exit status: the probe's (0 run complete), 1 if the lab did not run, 124 on timeout.
EOF
}

BUILD=1
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --no-build) BUILD=0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

now_ms() { date +%s%3N; }
T0=$(now_ms)
STEP_T0=0
step_start() { STEP_T0=$(now_ms); printf '\n[report] == %s\n' "$1"; }
step_done() { printf '[report] == %s: done in %d s\n' "$1" $(( ($(now_ms) - STEP_T0) / 1000 )); }
say() { printf '[report] %s\n' "$*"; }
die() { printf '[report] ERROR: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
export COMPOSE_PROJECT_NAME=$PROJECT

# ---- step 1: images -------------------------------------------------------------------
# `docker compose build` stamps its project name on the images, and a container later
# started by hand from such an image (docker run h2c-lab/gevent-sid) carries it too:
# compose then takes it for part of that project and `up --abort-on-container-exit`
# aborts when it exits. So images are built under a project that is never run.
BUILD_PROJECT=h2c-lab-images
build_images() {
  step_start "step 1/3: images (lab/scripts/lab-images.sh)"
  COMPOSE_PROJECT_NAME=$BUILD_PROJECT "$HERE/lab-images.sh" \
    || die "building the lab failed (see above); fix it, then run make report again"
  step_done "step 1/3"
}

check_engine() {
  timeout 10 docker info >/dev/null 2>&1 \
    || die "no Docker engine answering 'docker info'; run lab/scripts/prereqs.sh (as root it installs and starts one)"
  timeout 10 docker compose version >/dev/null 2>&1 \
    || die "Docker Compose v2 missing ('docker compose version' fails); run lab/scripts/prereqs.sh"
}

# ---- step 2: the reports directory ------------------------------------------------------
# The probe container becomes the directory's owner (lab/scripts/probe-entrypoint.sh),
# so the runs belong to whoever owns reports/, whoever runs this.
prepare_reports() {
  step_start "step 2/3: reports directory $REPORTS"
  mkdir -p "$REPORTS" || die "cannot create $REPORTS; create it or set H2C_LAB_REPORTS=DIR"
  REPORTS=$(cd "$REPORTS" && pwd)
  OWNER=$(stat -c '%u:%g' "$REPORTS")
  [ ! -e "$REPORTS/latest" ] || [ -L "$REPORTS/latest" ] \
    || die "$REPORTS/latest exists and is not a symlink; move it away (the probe points it at the newest run)"
  export H2C_LAB_REPORTS=$REPORTS
  say "the probe writes as $OWNER, the owner of $REPORTS"
  step_done "step 2/3"
}

# ---- step 2b: the upstream-style test ----------------------------------------------------
# lab/upstream's test runs inside each gevent image (its own gevent, no network); the
# probe carries the outcomes into results.json (--attach), so the report states them.
# A failure here is reported and the run goes on without that section. The images are
# those of the targets with the role upstream-test (their folders' lab.json).
UPSTREAM_FILE=
run_upstream_test() {
  step_start "step 2b: upstream-style test in the gevent images (lab/upstream)"
  local file="$REPORTS/.upstream-$$.json" images=()
  mapfile -t images < <("$HERE/lab-files.py" --role upstream-test --print images)
  if [ ${#images[@]} -gt 0 ] && "$ROOT/lab/upstream/run-in-images.sh" --out "$file" "${images[@]}"; then
    chown "$OWNER" "$file" 2>/dev/null || true
    chmod 644 "$file"
    UPSTREAM_FILE=$file
    H2C_PROBE_ATTACH="upstream=/reports/${file##*/}"
    export H2C_PROBE_ATTACH
  else
    say "WARNING: the upstream-style test could not run; the report will not state its outcome"
  fi
  step_done "step 2b"
}

# ---- step 3: run ------------------------------------------------------------------------
COMPOSE_UP=0
compose_down() {
  [ "$COMPOSE_UP" = 1 ] || return 0
  COMPOSE_UP=0
  say "docker compose down (project $PROJECT)"
  timeout 120 docker compose down --timeout 10 --remove-orphans >/dev/null 2>&1 \
    || say "WARNING: 'docker compose down' failed; run it by hand: COMPOSE_PROJECT_NAME=$PROJECT docker compose down"
}

# (compose stamps the project label on the images it builds too, so a plain `docker run`
# of a lab image has it; only compose's own containers also carry the oneoff label.)
refuse_if_running() {
  local running
  running=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" \
            --filter "label=com.docker.compose.oneoff" | wc -l)
  [ "$running" = 0 ] || die "$running container(s) of compose project '$PROJECT' are running: another run is in progress. Wait for it, or stop it: COMPOSE_PROJECT_NAME=$PROJECT docker compose down"
}

# Only the probe's own lines and container exits reach the terminal; servers log a lot.
# (compose 2.26 still writes an erase-line escape before each log line with --ansi never.)
show_progress() {
  sed -u -E 's/\x1b\[[0-9;]*[A-Za-z]//g' \
    | grep --line-buffered -E '^probe-1 +\||exited with code|dependency failed|[Ee]rror' \
    | sed -u -E 's/^probe-1 +\| ?/  /' || true
}

# Why the probe never ran: compose names the container it waited for ("dependency
# failed to start: container X is unhealthy" / "exited (N)"); show its state and log.
explain_dependency() { # log
  local c
  grep -oE 'dependency failed to start: container [^ ]+' "$1" | awk '{print $NF}' | sort -u \
  | while read -r c; do
    say "$c: $(docker inspect -f '{{.State.Status}} (exit {{.State.ExitCode}}{{if .State.Health}}, health {{.State.Health.Status}}{{end}})' "$c" 2>/dev/null || echo 'gone')"
    say "its last log lines:"
    timeout 20 docker logs --tail 15 "$c" 2>&1 | sed 's/^/    /' || true
  done
  say "a server is healthy once GET / on its port 8080 answers 'h2c-lab ok' (docker-compose.yml x-server);"
  say "start one alone to see why: docker compose up <service>   (see lab/servers/<name>/README.md)"
}

# The compose output names the failure; turn the common ones into what to do.
explain_failure() { # log
  if grep -q 'dependency failed' "$1"; then explain_dependency "$1"; fi
  if grep -qE 'exited \((137|143)\)' "$1"; then
    say "a container was killed (SIGTERM/SIGKILL) before the probe finished - by a signal from outside"
    say "(another tool stopping lab containers?) or by the kernel (out of memory: dmesg); run again"
  fi
  if grep -qiE 'no such image|pull access denied|image .* not found' "$1"; then
    say "an image is missing: build them with make lab-images (or run without --no-build)"
  fi
}

run_lab() {
  step_start "step 3/3: docker compose up (bounded by ${TIMEOUT_S}s), then docker compose down"
  refuse_if_running
  local before after log rc=0
  before=$(readlink "$REPORTS/latest" 2>/dev/null || true)
  log=$(mktemp "${TMPDIR:-/tmp}/h2c-report-compose.XXXXXX")
  COMPOSE_UP=1
  trap 'compose_down; exit 130' INT TERM
  trap 'compose_down' EXIT
  timeout --kill-after=30 "$TIMEOUT_S" docker compose --ansi never up --no-build \
      --abort-on-container-exit --exit-code-from probe >"$log" 2>&1 &
  local pid=$!
  tail -n +1 -s 0.2 -f --pid="$pid" "$log" 2>/dev/null | show_progress &
  local tailpid=$!
  wait "$pid" || rc=$?
  wait "$tailpid" 2>/dev/null || true
  after=$(readlink "$REPORTS/latest" 2>/dev/null || true)
  if [ -n "$after" ] && [ "$after" != "$before" ] && [ -f "$REPORTS/$after/results.json" ]; then
    compose_down
    RUN_DIR="$REPORTS/$after"
    if cp -f "$log" "$RUN_DIR/compose.log" 2>/dev/null; then
      chmod 644 "$RUN_DIR/compose.log"
      chown --reference="$RUN_DIR" "$RUN_DIR/compose.log" 2>/dev/null || true  # like the probe's files
    fi
    rm -f "$log"
  else
    RUN_DIR=
    local kept
    kept="$REPORTS/compose-failed-$(date -u +%Y%m%dT%H%M%SZ).log"
    cp -f "$log" "$kept" 2>/dev/null || kept=$log
    [ "$kept" = "$log" ] || rm -f "$log"
    [ "$rc" != 124 ] || say "ERROR: the lab did not finish within ${TIMEOUT_S}s (H2C_REPORT_TIMEOUT_S raises the bound)"
    explain_failure "$kept"   # before down: the containers still tell what happened
    compose_down
    say "ERROR: no new complete run under $REPORTS (compose exit $rc); full compose output: $kept"
    [ "$rc" != 0 ] || rc=1
  fi
  step_done "step 3/3"
  return "$rc"
}

summarise() { # run_dir rc
  local dir=$1 rc=$2
  printf '\n[report] run complete in %d s (probe exit %d). Reports:\n' $(( ($(now_ms) - T0) / 1000 )) "$rc"
  local f
  for f in report.md report.html junit.xml results.json compose.log; do
    [ ! -e "$dir/$f" ] || printf '  %s\n' "$dir/$f"
  done
  printf '  %s -> %s\n' "$REPORTS/latest" "$(basename "$dir")"
  if [ -x /usr/bin/python3 ]; then
    /usr/bin/python3 "$HERE/check-expected.py" --brief "$dir/results.json" | sed 's/^/[report] /' || true
  else
    grep -ho 'h2c-probe: .* cells.*' "$dir/compose.log" 2>/dev/null | sed 's/^/[report] /' || true
  fi
}

main() {
  if [ "$BUILD" = 1 ]; then build_images; else say "step 1/3 skipped (--no-build)"; fi
  check_engine
  prepare_reports
  run_upstream_test
  RUN_DIR=
  local rc=0
  run_lab || rc=$?
  [ -z "$UPSTREAM_FILE" ] || rm -f "$UPSTREAM_FILE"   # its content is in results.json now
  [ -n "$RUN_DIR" ] || exit "$rc"
  summarise "$RUN_DIR" "$rc"
  exit "$rc"
}

main
