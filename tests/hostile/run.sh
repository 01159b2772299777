#!/usr/bin/env bash
# tests/hostile/run.sh - the hostile-server suite (tests/run-all.sh suite "hostile"):
# builds the sanitizer build of the probe, then runs hostile.py (every attack of
# server.py against the whole catalogue, the checks' own doctored-input tests, the
# all-or-nothing report set). Arguments go to hostile.py (--keep, MODE...).
# Ends with "N passed, N failed".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
echo "hostile: building c-client/build-asan/h2c-probe"
nice -n 10 make -s -C "$ROOT/c-client" -j2 build-asan/h2c-probe
exec /usr/bin/python3 "$ROOT/tests/hostile/hostile.py" "$@"
