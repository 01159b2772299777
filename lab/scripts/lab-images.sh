#!/usr/bin/env bash
# lab/scripts/lab-images.sh - everything needed before `docker compose up`: a running
# Docker engine with Compose v2, the local debian:<suite>-slim base images, and every
# image of docker-compose.yml.
#
# Idea: three steps, each its own script or command, each timed and skipped cheaply
# when already done (prereqs and base images check first; `docker compose build` uses
# the build cache). The server images are built before the probe image, so a probe
# that does not compile yet does not hide whether the servers build (and the message
# says which part failed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# The base suites the Dockerfiles need (SUITE build args and FROM lines; lab.json).
mapfile -t SUITES < <(/usr/bin/python3 "$HERE/lab-files.py" --print suites)
[ ${#SUITES[@]} -gt 0 ] || { echo "[lab-images] ERROR: lab/scripts/lab-files.py --print suites failed" >&2; exit 1; }

usage() {
  cat <<EOF
usage: $(basename "$0") [--no-probe] [--targets 'PATTERN...'] [--help]
  1. lab/scripts/prereqs.sh       Docker engine + Compose v2 (installs/starts as root on Debian)
  2. lab/scripts/base-images.sh   debian:<suite>-slim for ${SUITES[*]}, built locally when missing
  3. docker compose build          server images (each image once), then the probe image
  --no-probe   skip the probe image (c-client/Dockerfile)
  --targets    only the images these targets need (shell patterns: 'gevent-* waitress')
EOF
}

PROBE=1 NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --no-probe) PROBE=0; shift ;;
    --targets) NAMES=(--name "${2:?--targets needs patterns}"); shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done

now_ms() { date +%s%3N; }
T0=$(now_ms)
STEP_T0=0
step_start() { STEP_T0=$(now_ms); printf '\n[lab-images] == %s\n' "$1"; }
step_done() { printf '[lab-images] == %s: done in %d s\n' "$1" $(( ($(now_ms)-STEP_T0)/1000 )); }
die() { printf '[lab-images] ERROR: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"

step_start "step 1/3: Docker engine and Compose v2"
"$HERE/prereqs.sh" || die "prerequisites missing (see above)"
step_done "step 1/3"

step_start "step 2/3: base images (${SUITES[*]})"
"$HERE/base-images.sh" "${SUITES[@]}" || die "base images failed (see above)"
step_done "step 2/3"

step_start "step 3/3: docker compose build"
# One service per image: the proxies' backend copies share their backend's image.
mapfile -t services < <(/usr/bin/python3 "$HERE/lab-files.py" --print build-services "${NAMES[@]}")
[ ${#services[@]} -gt 0 ] || die "lab/scripts/lab-files.py --print build-services ${NAMES[*]} named no service"
echo "[lab-images] servers: ${services[*]}"
timeout 3600 docker compose build "${services[@]}" \
  || die "building server images failed (see the build output above for the service)"
if [ "$PROBE" = 1 ]; then
  echo "[lab-images] probe image (c-client/Dockerfile)"
  timeout 1800 docker compose build probe \
    || die "building the probe image failed: the server images are built; see the compiler output above (c-client/)"
fi
step_done "step 3/3"

printf '\n[lab-images] all images ready in %d s. Next:\n' $(( ($(now_ms)-T0)/1000 ))
echo "  docker compose up --abort-on-container-exit --exit-code-from probe; docker compose down"
