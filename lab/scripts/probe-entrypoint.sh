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
#
# Whoever runs compose (root in CI, uid 1000 or 1001 on a workstation), the files must
# belong to the owner of the mounted reports directory, never to root in a user's tree.
# So the container starts as root with only SETUID, SETGID and SETPCAP
# (docker-compose.yml), and the first thing this script does is re-exec itself through
# setpriv as that directory's uid:gid with no supplementary groups and every
# capability gone (effective, permitted, inheritable, ambient and bounding: with an
# empty bounding set even an owner of uid 0 gets none back on exec). Started as a
# plain uid (docker run --user), it runs as that uid and only checks it can write.
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

# The capability sets of this process, as /proc/self/status spells them (hex masks).
caps() { grep -E '^Cap(Inh|Prm|Eff|Amb|Bnd):' /proc/self/status | tr -s ' \t' ' ' | tr '\n' ' '; }
no_caps() { # uid: no capability in any set; the bounding set matters for uid 0 only
  local line
  for line in $(grep -E '^Cap(Inh|Prm|Eff|Amb):' /proc/self/status | awk '{print $2}') \
              $([ "$1" = 0 ] && grep '^CapBnd:' /proc/self/status | awk '{print $2}'); do
    [ "$((16#$line))" = 0 ] || return 1
  done
}

# Started as root: become the owner of REPORTS, with nothing left of root.
if [ "$(id -u)" = 0 ] && [ -z "${H2C_PROBE_DROPPED:-}" ]; then
  [ -d "$REPORTS" ] || die "$REPORTS is not a directory (docker-compose.yml mounts reports/ there)"
  owner=$(stat -c %u "$REPORTS") group=$(stat -c %g "$REPORTS")
  export H2C_PROBE_DROPPED="$owner:$group"
  exec setpriv --reuid="$owner" --regid="$group" --clear-groups --inh-caps=-all \
    --bounding-set=-all -- "$0" "$@"
fi
if [ -n "${H2C_PROBE_DROPPED:-}" ]; then
  no_caps "$(id -u)" || die "capabilities left after setpriv ($(caps)); the probe container needs cap_add SETUID, SETGID and SETPCAP (docker-compose.yml, lab/scripts/lab-files.py)"
  echo "probe: writing as uid:gid $(id -u):$(id -g), the owner of $REPORTS; no capabilities"
fi

case "${1:-}" in
  -h|--help) usage; echo; exec h2c-probe --help ;;
  run|list|render|merge|--version) exec h2c-probe "$@" ;;
esac

[ -r "$TARGETS" ] || die "targets file $TARGETS not readable (docker-compose.yml mounts lab/targets.json there)"
if [ ! -d "$REPORTS" ] || [ ! -w "$REPORTS" ]; then
  die "$REPORTS is not a writable directory for uid $(id -u) (its owner: $(stat -c %u:%g "$REPORTS" 2>/dev/null || echo none)); on the host: give reports/ to the user whose files these should be (chown), or start the container as root so it becomes the directory's owner"
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
# H2C_PROBE_ARGS: more run options, words separated by spaces (e.g. --only seed-chunked),
# for a `docker compose up` that cannot pass arguments (lab/scripts/report.sh).
extra=()
[ -z "${H2C_PROBE_ARGS:-}" ] || read -r -a extra <<<"$H2C_PROBE_ARGS"

rc=0
timeout "$RUN_TIMEOUT_S" h2c-probe run --targets "$TARGETS" --scenarios "$SCENARIOS" --out "$out" \
  "${attach[@]}" "${extra[@]}" "$@" || rc=$?

# The load phase (h2c-probe load, GitHub issue 14): every target behind a proxy (its
# info.proxy; never chosen by name), one short bounded run each, its load section put into
# results.json and the reports rendered again, before latest moves. H2C_PROBE_LOAD=off
# skips it; H2C_PROBE_LOAD='OPTIONS' replaces the default options below.
LOAD_DEFAULT="--parallel 8 --victims 20 --attackers 1 --attack-rate 20 --attack-delay-ms 100 --duration-ms 1000 --deadline-ms 1000 --trigger $SCENARIOS/proxy-cross-client.json"
run_load() {
  local opts=() roles=() t0 lrc=0
  read -r -a opts <<<"${H2C_PROBE_LOAD:-$LOAD_DEFAULT}"
  # The whole lab's targets say which backend is a subject and which a control, also
  # when TARGETS is a subset (make report TARGETS=...).
  [ ! -r /lab/targets.json ] || roles=(--roles-from /lab/targets.json)
  t0=$(date +%s%3N)
  echo "probe: load phase: h2c-probe load --targets $TARGETS --with-info proxy ${opts[*]}"
  timeout "${H2C_LOAD_TIMEOUT_S:-300}" h2c-probe load --targets "$TARGETS" --with-info proxy \
    "${roles[@]}" "${opts[@]}" --into "$out/results.json" || lrc=$?
  echo "probe: load phase done in $(( ($(date +%s%3N) - t0) / 1000 )) s (exit $lrc)"
  [ "$lrc" = 0 ] || echo "probe: WARNING: the load phase failed; results.json holds the run without it" >&2
}
if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && [ -f "$out/results.json" ] && [ "${H2C_PROBE_LOAD:-}" != off ]; then
  if grep -q '"proxy"' "$TARGETS"; then
    run_load
  else
    echo "probe: load phase skipped: no target of $TARGETS is behind a proxy (info.proxy)"
  fi
fi

if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && [ -f "$out/results.json" ]; then
  tmp="$REPORTS/latest.tmp.$$"
  ln -s "$name" "$tmp"
  mv -T "$tmp" "$REPORTS/latest"
  echo "probe: run complete (exit $rc): $out, $REPORTS/latest -> $name"
else
  echo "probe: run NOT complete (exit $rc; 124 = timed out after ${RUN_TIMEOUT_S}s): $REPORTS/latest left unchanged" >&2
fi
exit "$rc"
