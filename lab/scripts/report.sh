#!/usr/bin/env bash
# lab/scripts/report.sh - what `make report` runs: the whole Docker Compose lab, once.
#
# Idea: one command from a fresh checkout to reports/<UTC stamp>/. Three steps, each
# saying what it does and how long it took:
#   1. images   lab/scripts/lab-images.sh (Docker + Compose v2, local base images,
#               `docker compose build`; cheap when everything is already built);
#   2. reports  make sure the reports directory exists (the probe writes as its
#               owner, with every capability dropped);
#   3. run      `docker compose up -d --wait` of the servers (every one, or those the
#               chosen targets need) while the upstream-style test runs in the gevent
#               images beside them, then the probe (`docker compose up` of it alone, the
#               same container `docker compose up` would start), each bounded by a
#               timeout, always followed by `docker compose kill` + `down` (trap).
# --targets/--scenarios (make report TARGETS='gevent-* waitress' SCENARIOS='seed-*')
# choose cells by shell pattern: only their services start, only they run, into the
# same reports layout. At the end it says where the time went: images, upstream test,
# servers up and healthy, probe (its cells, and the rest: container start, render),
# logs, down.
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
usage: $(basename "$0") [--no-build] [--targets 'PATTERN...'] [--scenarios 'PATTERN...'] [--shard K/N] [--help]
  Runs the compose lab once and writes a new run directory under the reports directory:
  1. lab/scripts/lab-images.sh   Docker + Compose v2, base images, docker compose build
  2. reports directory           created if missing; the probe writes as its owner
  3. docker compose up -d --wait the servers, then the probe, then docker compose down
  --no-build    skip step 1 (images must already exist)
  --targets     only these targets (shell patterns, e.g. 'gevent-* waitress'): only their
                services (and the backends of a proxy) start; default \$H2C_REPORT_TARGETS
  --scenarios   only these scenarios (patterns, e.g. 'seed-*'); default \$H2C_REPORT_SCENARIOS
  --shard K/N   the probe runs shard K of N (h2c-probe run --shard): results.json of
                that part only, no reports; h2c-probe merge of all N renders them
                (README "Shards"); the upstream-style test runs in shard 1 only;
                default \$H2C_REPORT_SHARD
  Environment:
    H2C_LAB_REPORTS=DIR         reports directory (default: reports/ in the repository)
    H2C_REPORT_TIMEOUT_S=N      bound for each command of step 3 in seconds (default 1800)
    COMPOSE_PROJECT_NAME=NAME   compose project (default h2c-lab, from docker-compose.yml)
  Exit status: the probe's (0 run complete), 1 if the lab did not run, 124 on timeout.
EOF
}

BUILD=1
TARGETS=${H2C_REPORT_TARGETS:-} SCENARIOS=${H2C_REPORT_SCENARIOS:-} SHARD=${H2C_REPORT_SHARD:-}
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --no-build) BUILD=0; shift ;;
    --targets) TARGETS=${2?--targets needs patterns}; shift 2 ;;
    --scenarios) SCENARIOS=${2?--scenarios needs patterns}; shift 2 ;;
    --shard) SHARD=${2?--shard needs K/N}; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done

now_ms() { date +%s%3N; }
T0=$(now_ms)
STEP_T0=0
step_start() { STEP_T0=$(now_ms); printf '\n[report] == %s\n' "$1"; }
step_done() { printf '[report] == %s: done in %d s\n' "$1" $(( ($(now_ms) - STEP_T0) / 1000 )); }
say() { printf '[report] %s\n' "$*"; }
# Where the time went: "phase=milliseconds" in order, printed at the end.
PHASES=()
timed() { # phase command...: runs it, adds its wall time to PHASES
  local name=$1 t rc=0; shift
  t=$(now_ms)
  "$@" || rc=$?
  PHASES+=("$name=$(( $(now_ms) - t ))")
  return "$rc"
}
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
  local only=()
  [ -z "$TARGETS" ] || only=(--targets "$TARGETS")
  COMPOSE_PROJECT_NAME=$BUILD_PROJECT timed images "$HERE/lab-images.sh" "${only[@]}" \
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
# It needs nothing of the lab's servers (--network none, its own containers), so it
# runs in the background while they come up (start_upstream_test), and the probe waits
# for it (finish_upstream_test): the two waits overlap instead of adding up.
UPSTREAM_FILE='' UPSTREAM_PID='' UPSTREAM_LOG='' UPSTREAM_T0=0
start_upstream_test() {
  if [ -n "$TARGETS$SCENARIOS" ] || { [ -n "$SHARD" ] && [ "${SHARD%%/*}" != 1 ]; }; then
    say "upstream-style test skipped: a run of some cells (--targets/--scenarios) is the quick loop, and of the shards only 1/N carries it (merge takes it from there); a full run has it"
    return 0
  fi
  local images=()
  mapfile -t images < <("$HERE/lab-files.py" --role upstream-test --print images)
  UPSTREAM_FILE="$REPORTS/.upstream-$$.json"
  UPSTREAM_LOG=$(mktemp "${TMPDIR:-/tmp}/h2c-report-upstream.XXXXXX")
  UPSTREAM_T0=$(now_ms)
  "$ROOT/lab/upstream/run-in-images.sh" --out "$UPSTREAM_FILE" "${images[@]}" >"$UPSTREAM_LOG" 2>&1 &
  UPSTREAM_PID=$!
  say "upstream-style test in the gevent images (lab/upstream) started beside the servers"
}

finish_upstream_test() {
  [ -n "$UPSTREAM_PID" ] || return 0
  local rc=0 t
  t=$(now_ms)
  wait "$UPSTREAM_PID" || rc=$?
  UPSTREAM_PID=
  PHASES+=("upstream test (beside the servers; waited $(( ($(now_ms) - t) / 1000 )) s more)=$(( $(now_ms) - UPSTREAM_T0 ))")
  sed 's/^/  /' "$UPSTREAM_LOG"
  rm -f "$UPSTREAM_LOG"
  if [ "$rc" = 0 ] && [ -s "$UPSTREAM_FILE" ]; then
    chown "$OWNER" "$UPSTREAM_FILE" 2>/dev/null || true
    chmod 644 "$UPSTREAM_FILE"
    H2C_PROBE_ATTACH="upstream=/reports/${UPSTREAM_FILE##*/}"
    export H2C_PROBE_ATTACH
  else
    say "WARNING: the upstream-style test could not run (exit $rc); the report will not state its outcome"
  fi
}

# ---- the cells: which targets and scenarios ----------------------------------------------
# Patterns go to lab/scripts/lab-files.py (targets) and match the scenario files' ids;
# one that matches nothing is refused, with the names it could have matched.
NAMES=() SERVICES=() PROBE_ARGS=() SUBSET_FILE=
select_cells() {
  [ -z "$TARGETS" ] || NAMES=(--name "$TARGETS")
  mapfile -t SERVICES < <("$HERE/lab-files.py" --print services "${NAMES[@]}")
  [ ${#SERVICES[@]} -gt 0 ] || die "no target matches --targets '$TARGETS' (see the list above)"
  if [ -n "$TARGETS" ]; then
    SUBSET_FILE="$REPORTS/.targets-$$.json"
    "$HERE/lab-files.py" --print targets-file "${NAMES[@]}" >"$SUBSET_FILE" \
      || die "cannot write $SUBSET_FILE"
    chown "$OWNER" "$SUBSET_FILE" 2>/dev/null || true
    chmod 644 "$SUBSET_FILE"
    export H2C_PROBE_TARGETS="/reports/${SUBSET_FILE##*/}"
    say "targets: $("$HERE/lab-files.py" --print targets "${NAMES[@]}" | tr '\n' ' ')"
  fi
  if [ -n "$SHARD" ]; then
    [[ $SHARD =~ ^[0-9]+/[0-9]+$ ]] || die "--shard '$SHARD': expected K/N, e.g. 2/4"
    PROBE_ARGS+=(--shard "$SHARD")
    export H2C_PROBE_ARGS="${PROBE_ARGS[*]}"
    say "shard: $SHARD (results.json only; merge the shards for the reports)"
  fi
  [ -n "$SCENARIOS" ] || return 0
  local pats pat f id ids=() hit
  read -r -a pats <<<"$SCENARIOS"
  for f in "$ROOT"/c-client/scenarios/*.json; do ids+=("$(basename "$f" .json)"); done
  for pat in "${pats[@]}"; do
    hit=0
    for id in "${ids[@]}"; do
      # shellcheck disable=SC2053  # a pattern on purpose
      if [[ $id == $pat ]]; then hit=1; PROBE_ARGS+=(--only "$id"); fi
    done
    [ "$hit" = 1 ] || die "no scenario matches '$pat'; the scenarios are: ${ids[*]}"
  done
  export H2C_PROBE_ARGS="${PROBE_ARGS[*]}"
  say "scenarios: ${PROBE_ARGS[*]//--only /}"
}

# ---- step 3: run ------------------------------------------------------------------------
COMPOSE_UP=0
compose_down() {
  [ "$COMPOSE_UP" = 1 ] || return 0
  COMPOSE_UP=0
  say "docker compose down (project $PROJECT)"
  timed down down_retried \
    || say "WARNING: 'docker compose down' failed ($DOWN_ERR); run it by hand: COMPOSE_PROJECT_NAME=$PROJECT docker compose down"
}

# Docker 20.10 can release a removed container's network endpoint a moment late, so
# that removing the lab network fails with "has active endpoints": try again, up to
# three times.
DOWN_ERR=''
# shellcheck disable=SC2317  # run through timed
down_retried() {
  local i
  # The logs are kept already and no server has state worth a clean stop: SIGKILL at
  # once instead of SIGTERM and up to 10 s for each server that ignores it (a Python
  # server as PID 1 does), then remove.
  timeout 60 docker compose kill >/dev/null 2>&1 || true
  for i in 1 2 3; do
    if DOWN_ERR=$(timeout 120 docker compose down --timeout 10 --remove-orphans 2>&1 >/dev/null); then
      return 0
    fi
    DOWN_ERR=$(tail -n 1 <<<"$DOWN_ERR")
    [ "$i" = 3 ] || sleep 1
  done
  return 1
}

# (compose stamps the project label on the images it builds too, so a plain `docker run`
# of a lab image has it; only compose's own containers also carry the oneoff label.)
refuse_if_running() {
  local running
  running=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" \
            --filter "label=com.docker.compose.oneoff" | wc -l)
  [ "$running" = 0 ] || die "$running container(s) of compose project '$PROJECT' are running: another run is in progress. Wait for it, or stop it: COMPOSE_PROJECT_NAME=$PROJECT docker compose down"
}

# Why the servers never became healthy: each container of the project that is not
# running and healthy, its state and last log lines.
explain_unhealthy() {
  local c state
  for c in $(docker compose ps -aq 2>/dev/null); do
    state=$(docker inspect -f '{{.Name}} {{.State.Status}} (exit {{.State.ExitCode}}{{if .State.Health}}, health {{.State.Health.Status}}{{end}})' "$c" 2>/dev/null) || continue
    case $state in *" running (exit 0, health healthy)"|*" running (exit 0)") continue ;; esac
    say "${state#/}"
    say "its last log lines:"
    timeout 20 docker logs --tail 15 "$c" 2>&1 | sed 's/^/    /' || true
  done
  say "a server is healthy once GET / on its port 8080 answers 'h2c-lab ok' (docker-compose.yml x-server);"
  say "start one alone to see why: docker compose up <service>   (see lab/servers/<name>/README.md)"
}

# The compose output names the failure; turn the common ones into what to do.
explain_failure() { # log
  if grep -qE 'exited \((137|143)\)|exit code (137|143)' "$1"; then
    say "a container was killed (SIGTERM/SIGKILL) before the probe finished - by a signal from outside"
    say "(another tool stopping lab containers?) or by the kernel (out of memory: dmesg); run again"
  fi
  if grep -qiE 'no such image|pull access denied|image .* not found' "$1"; then
    say "an image is missing: build them with make lab-images (or run without --no-build)"
  fi
}

# The servers, then the probe: `docker compose up` of the probe alone (the servers are
# up), the same container as a plain `docker compose up`; not `docker compose run
# --rm`, whose removed container Docker 20.10 can leave behind as a stale endpoint
# that keeps the lab network from being removed. Its lines reach the terminal;
# everything (the servers' logs too) goes to the log, later the run's compose.log.
# shellcheck disable=SC2317  # run through timed
run_probe() { # log
  local rc=0
  set +e
  timeout --kill-after=30 "$TIMEOUT_S" docker compose --ansi never up --no-build --no-deps \
    --abort-on-container-exit --exit-code-from probe probe 2>&1 | tee -a "$1" \
    | sed -u -E 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep --line-buffered -E '^probe-1 +\|' \
    | sed -u -E 's/^probe-1 +\| ?/  /'
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

# shellcheck disable=SC2317  # run through timed
compose_logs() { # log
  timeout 120 docker compose --ansi never logs --no-color >>"$1" 2>&1
}

run_lab() {
  step_start "step 3/3: docker compose up -d --wait (${#SERVICES[@]} services and what they need), the probe, docker compose down"
  refuse_if_running
  start_upstream_test
  local before after log rc=0 n
  before=$(readlink "$REPORTS/latest" 2>/dev/null || true)
  log=$(mktemp "${TMPDIR:-/tmp}/h2c-report-compose.XXXXXX")
  COMPOSE_UP=1
  trap 'compose_down; exit 130' INT TERM
  trap 'compose_down; [ -z "$UPSTREAM_PID" ] || wait "$UPSTREAM_PID"' EXIT
  if timed "servers up + healthy" timeout --kill-after=30 "$TIMEOUT_S" docker compose --ansi never \
       up -d --wait --no-build "${SERVICES[@]}" >>"$log" 2>&1; then
    n=$(docker compose ps -q | wc -l)
    PHASES[-1]="${PHASES[-1]%%=*} ($n containers)=${PHASES[-1]##*=}"
    finish_upstream_test
    say "$n containers up and healthy; the probe:"
    timed probe run_probe "$log" || rc=$?
  else
    rc=$?
    finish_upstream_test
    say "ERROR: the servers did not all become healthy (exit $rc):"
    explain_unhealthy
    [ "$rc" != 0 ] || rc=1
  fi
  timed logs compose_logs "$log" || true
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
    say "ERROR: no new complete run under $REPORTS (exit $rc); full compose output: $kept"
    [ "$rc" != 0 ] || rc=1
  fi
  step_done "step 3/3"
  return "$rc"
}

# Where the time went, one line: the phases in order; the probe's cells (results.json
# run.duration_ms) and the rest of the probe (container start, versions, render).
print_breakdown() { # results.json
  local p name ms cells=0 line=""
  if [ -f "$1" ] && [ -x /usr/bin/python3 ]; then
    cells=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["duration_ms"])' "$1" 2>/dev/null || echo 0)
  fi
  for p in "${PHASES[@]}"; do
    name=${p%=*} ms=${p##*=}
    line+="${line:+, }$name $(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))) s"
    if [ "$name" = probe ] && [ "$cells" -gt 0 ]; then
      line+=" (cells $(printf '%d.%d' $((cells / 1000)) $((cells % 1000 / 100))) s, the rest $(( (ms - cells) / 1000 )).$(( (ms - cells) % 1000 / 100 )) s)"
    fi
  done
  say "where the time went: $line; total $(( ($(now_ms) - T0) / 1000 )) s"
}

summarise() { # run_dir rc
  local dir=$1 rc=$2
  printf '\n[report] run complete in %d s (probe exit %d). Reports:\n' $(( ($(now_ms) - T0) / 1000 )) "$rc"
  local f
  for f in report.md report.html junit.xml security.md security.html results.json compose.log; do
    [ ! -e "$dir/$f" ] || printf '  %s\n' "$dir/$f"
  done
  printf '  %s -> %s\n' "$REPORTS/latest" "$(basename "$dir")"
  if [ -x /usr/bin/python3 ]; then
    local some=()
    [ -z "$TARGETS$SCENARIOS$SHARD" ] || some=(--run-cells)   # only the chosen cells
    /usr/bin/python3 "$HERE/check-expected.py" --brief "${some[@]}" "$dir/results.json" | sed 's/^/[report] /' || true
  else
    grep -ho 'h2c-probe: .* cells.*' "$dir/compose.log" 2>/dev/null | sed 's/^/[report] /' || true
  fi
}

main() {
  if [ "$BUILD" = 1 ]; then build_images; else say "step 1/3 skipped (--no-build)"; fi
  check_engine
  prepare_reports
  select_cells
  RUN_DIR=
  local rc=0
  run_lab || rc=$?
  [ -z "$UPSTREAM_FILE" ] || rm -f "$UPSTREAM_FILE"   # its content is in results.json now
  [ -z "$SUBSET_FILE" ] || rm -f "$SUBSET_FILE"
  if [ -z "$RUN_DIR" ]; then print_breakdown ""; exit "$rc"; fi
  summarise "$RUN_DIR" "$rc"
  print_breakdown "$RUN_DIR/results.json"
  exit "$rc"
}

main
