#!/usr/bin/env bash
# lab/scripts/probe-entrypoint.sh - entrypoint of the probe image (c-client/Dockerfile).
#
# Idea: one container start = one complete run. Every scenario against every target of
# the targets file goes into a fresh REPORTS/<UTC timestamp>/; only when h2c-probe says
# the run completed (exit 0, or 1 = --strict found a verdict outside accept) and
# results.json exists is REPORTS/latest switched to it. The switch is atomic (a new
# relative symlink renamed over the old one with mv -T), so a reader of latest/ never
# sees a half-written run or a dangling link. Extra arguments are passed to `run`
# (e.g. --only seed-upgrade-h2c --strict); a first argument that is an h2c-probe
# command (run, list, render, --version, --help) runs h2c-probe as given instead.
set -euo pipefail

REPORTS=${H2C_REPORTS:-/reports}
TARGETS=${H2C_TARGETS:-/lab/targets.json}
SCENARIOS=${H2C_SCENARIOS:-/app/scenarios}
RUN_TIMEOUT_S=${H2C_RUN_TIMEOUT_S:-1800}

usage() {
  cat <<EOF
usage: probe-entrypoint.sh [h2c-probe run options...]
       probe-entrypoint.sh run|list|render|--version|--help [args...]   (plain h2c-probe)
  Runs: h2c-probe run --targets $TARGETS --scenarios $SCENARIOS --out $REPORTS/<UTC stamp> [options]
  then points $REPORTS/latest at that run. Whole run bounded by ${RUN_TIMEOUT_S}s
  (H2C_RUN_TIMEOUT_S). Override paths with H2C_REPORTS, H2C_TARGETS, H2C_SCENARIOS.
EOF
}

die() { printf 'probe: ERROR: %s\n' "$*" >&2; exit 2; }

case "${1:-}" in
  -h|--help) usage; echo; exec h2c-probe --help ;;
  run|list|render|--version) exec h2c-probe "$@" ;;
esac

[ -r "$TARGETS" ] || die "targets file $TARGETS not readable (docker-compose.yml mounts lab/targets.json there)"
if [ ! -d "$REPORTS" ] || [ ! -w "$REPORTS" ]; then
  die "$REPORTS is not a writable directory for uid $(id -u); on the host: chown $(id -u):$(id -g) reports/ or run with H2C_LAB_UID=\$(id -u) H2C_LAB_GID=\$(id -g)"
fi

# A fresh directory per run; two runs in the same second get a suffix.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
n=1; name=$stamp
while ! mkdir "$REPORTS/$name" 2>/dev/null; do
  n=$((n + 1)); name="$stamp-$n"
  [ "$n" -lt 100 ] || die "cannot create a run directory under $REPORTS"
done
out="$REPORTS/$name"
echo "probe: run $name: targets $TARGETS, scenarios $SCENARIOS -> $out"

# H2C_PROBE_ATTACH=NAME=FILE (set by lab/scripts/report.sh): a document to carry in
# results.json, e.g. the upstream-style test's outcome per image.
attach=()
[ -z "${H2C_PROBE_ATTACH:-}" ] || attach=(--attach "$H2C_PROBE_ATTACH")

rc=0
timeout "$RUN_TIMEOUT_S" h2c-probe run --targets "$TARGETS" --scenarios "$SCENARIOS" --out "$out" \
  "${attach[@]}" "$@" || rc=$?

if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && [ -f "$out/results.json" ]; then
  tmp="$REPORTS/latest.tmp.$$"
  ln -s "$name" "$tmp"
  mv -T "$tmp" "$REPORTS/latest"
  echo "probe: run complete (exit $rc): $out, $REPORTS/latest -> $name"
else
  echo "probe: run NOT complete (exit $rc; 124 = timed out after ${RUN_TIMEOUT_S}s): $REPORTS/latest left unchanged" >&2
fi
exit "$rc"
