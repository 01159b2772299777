#!/usr/bin/env bash
# lab/scripts/local-targets.sh - runs a few lab servers on loopback, without
# Docker, so the probe can be built and tested on the machine itself.
#
# Targets (default ports; --base-port N or $H2C_LOCAL_BASE_PORT moves them all):
#   gevent-local    N    gevent pywsgi + lab/apps/echo_wsgi.py (the seed bug)
#   nghttpx-local   N+1  nghttpx, cleartext frontend ("no-tls") that accepts the
#                        h2c upgrade itself, in front of an echo backend on N+2
#                        (waitress, H2C_LAB_VERSION = nghttpx's package version,
#                        so /version through nghttpx names nghttpx)
#   waitress-local  N+3  waitress + echo_wsgi.py (a well-behaved WSGI server)
#
# nghttpx 1.52 (Debian bookworm), checked by hand on loopback:
#   - RFC form (Connection: Upgrade, HTTP2-Settings + HTTP2-Settings header):
#     101, then HTTP/2, for GET and for a POST with a Content-Length body or a
#     chunked body (the answer to the upgrade request is HTTP/2 stream 1).
#     It does not check that Connection lists HTTP2-Settings: the header being
#     present is enough.
#   - Seed form (Connection: Upgrade + Upgrade: h2c, no HTTP2-Settings): no
#     upgrade; the request is answered over HTTP/1.1 without Connection: close,
#     but the connection is then dead: the next request on it gets
#     "400 Bad Request" + Connection: close (its log says "HTTP parse failure:
#     (HPE_PAUSED_UPGRADE)"). No bytes are lost - any Connection: Upgrade with
#     an Upgrade it does not perform (h2c without settings, "foo") does this.
#   - Upgrade: websocket + POST is forwarded to the backend as GET.
#
# Idea: `run` is a foreground supervisor: it starts the servers as its own
# children, waits until each answers GET /, writes DIR/targets.json (the
# docs/formats.md targets format) and DIR/ready, and on SIGTERM kills and
# reaps them. `start` runs that supervisor detached; `stop` signals it (and
# kills any server PID still alive from DIR/pids/). Every wait is bounded.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF="$ROOT/lab/scripts/local-targets.sh"
APP="$ROOT/lab/apps/echo_wsgi.py"
NGHTTPX_CONF="$ROOT/lab/local/nghttpx.conf"
PY=/usr/bin/python3
READY_SECS=15      # per server, until it answers GET /
STOP_SECS=5        # per process, after SIGTERM and before SIGKILL

usage() {
  cat <<EOF
usage: $0 start|run|stop|status [--dir DIR] [--base-port N]
  start   start the local targets in the background; prints DIR on stdout
          (default DIR: a new temporary directory). DIR/targets.json is the
          targets file for: h2c-probe run --targets DIR/targets.json
  run     the same in the foreground until SIGTERM/SIGINT (used by tests)
  stop    stop the targets started in DIR (--dir required)
  status  show whether each target in DIR runs and answers (--dir required)
  --base-port N   ports N..N+3 (default \${H2C_LOCAL_BASE_PORT:-18081})
EOF
}

say() { echo "local-targets: $*" >&2; }
die() {
  say "error: $*"
  [ -z "${DIR:-}" ] || [ ! -d "$DIR" ] || echo "$*" > "$DIR/failed"
  exit 1
}

# --- process helpers --------------------------------------------------------

# A PID counts as alive when it exists and is not a zombie.
alive() {
  local state
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo Z)
  [ "$state" != Z ]
}

# Guards against PID reuse: only signal a PID whose command line is ours.
cmdline_has() {
  tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# SIGTERM, bounded wait, then SIGKILL.
terminate() {
  local pid=$1 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_SECS * 10; i++)); do alive "$pid" || return 0; sleep 0.1; done
  say "pid $pid ignored SIGTERM for ${STOP_SECS}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

port_in_use() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

pkg_version() {
  dpkg-query -W -f '${Package} ${Version}' "$1" 2>/dev/null || echo "$1 unknown"
}

# --- the servers ------------------------------------------------------------

set_ports() {
  P_GEVENT=$BASE_PORT
  P_NGHTTPX=$((BASE_PORT + 1))
  P_NGHTTPX_BACKEND=$((BASE_PORT + 2))
  P_WAITRESS=$((BASE_PORT + 3))
}

check_prereqs() {
  [ -x "$PY" ] || die "$PY not found: run 'make deps'"
  "$PY" -c 'import gevent, waitress' 2>/dev/null \
    || die "$PY cannot import gevent and waitress: run 'make deps' (python3-gevent python3-waitress)"
  command -v nghttpx >/dev/null || die "nghttpx not found: run 'make deps' (package nghttp2-proxy)"
  command -v curl >/dev/null || die "curl not found: run 'make deps'"
  local p
  for p in "$P_GEVENT" "$P_NGHTTPX" "$P_NGHTTPX_BACKEND" "$P_WAITRESS"; do
    ! port_in_use "$p" || die "port $p on 127.0.0.1 is already in use; stop what uses it or pick other ports with --base-port N"
  done
}

SERVER_NAMES=()
SERVER_PIDS=()

# launch NAME MATCH CMD... : start CMD as a child, remember its PID.
launch() {
  local name=$1 match=$2; shift 2
  "$@" </dev/null >>"$DIR/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $match" > "$DIR/pids/$name.pid"
  SERVER_NAMES+=("$name")
  SERVER_PIDS+=("$pid")
  say "started $name (pid $pid)"
}

start_servers() {
  H2C_LAB_VERSION="$(pkg_version python3-gevent)" \
    launch gevent-local echo_wsgi.py "$PY" "$APP" --server gevent --port "$P_GEVENT"
  H2C_LAB_VERSION="$(pkg_version python3-waitress)" \
    launch waitress-local echo_wsgi.py "$PY" "$APP" --server waitress --port "$P_WAITRESS"
  # nghttpx answers /version through this backend: it reports nghttpx's package.
  H2C_LAB_VERSION="$(pkg_version nghttp2-proxy)" \
    launch nghttpx-backend echo_wsgi.py "$PY" "$APP" --server waitress --port "$P_NGHTTPX_BACKEND"
  launch nghttpx-local nghttpx nghttpx --conf="$NGHTTPX_CONF" \
    --frontend="127.0.0.1,$P_NGHTTPX;no-tls" --backend="127.0.0.1,$P_NGHTTPX_BACKEND" \
    --errorlog-file="$DIR/logs/nghttpx-local.log" --accesslog-file="$DIR/logs/nghttpx-local.access.log"
}

answers() {
  [ "$(curl -s -m 1 "http://127.0.0.1:$1/" 2>/dev/null || true)" = "h2c-lab ok" ]
}

wait_ready() {
  local name=$1 port=$2 pid=$3 deadline=$((SECONDS + READY_SECS))
  until answers "$port"; do
    alive "$pid" || die "$name exited during start-up; its log $DIR/logs/$name.log says: $(tail -n 5 "$DIR/logs/$name.log" 2>/dev/null | tr '\n' ' ')"
    [ $SECONDS -lt $deadline ] || die "$name did not answer GET http://127.0.0.1:$port/ within ${READY_SECS}s; see $DIR/logs/$name.log"
    sleep 0.2
  done
}

wait_all_ready() {
  local i
  for i in "${!SERVER_NAMES[@]}"; do
    case "${SERVER_NAMES[$i]}" in
      gevent-local) wait_ready gevent-local "$P_GEVENT" "${SERVER_PIDS[$i]}" ;;
      waitress-local) wait_ready waitress-local "$P_WAITRESS" "${SERVER_PIDS[$i]}" ;;
      nghttpx-backend) wait_ready nghttpx-backend "$P_NGHTTPX_BACKEND" "${SERVER_PIDS[$i]}" ;;
      nghttpx-local) wait_ready nghttpx-local "$P_NGHTTPX" "${SERVER_PIDS[$i]}" ;;
    esac
  done
}

write_targets() {
  "$PY" - "$DIR/targets.json" \
    gevent-local "$P_GEVENT" gevent python3-gevent \
      "/usr/bin/python3 lab/apps/echo_wsgi.py --server gevent --port $P_GEVENT" \
    nghttpx-local "$P_NGHTTPX" nghttpx nghttp2-proxy \
      "nghttpx --frontend='127.0.0.1,$P_NGHTTPX;no-tls' --backend=127.0.0.1,$P_NGHTTPX_BACKEND (backend: waitress + echo_wsgi.py)" \
    waitress-local "$P_WAITRESS" waitress python3-waitress \
      "/usr/bin/python3 lab/apps/echo_wsgi.py --server waitress --port $P_WAITRESS" <<'EOF'
import json, os, sys
out, args = sys.argv[1], sys.argv[2:]
targets = []
for i in range(0, len(args), 5):
    name, port, family, software, started = args[i:i + 5]
    info = {"family": family, "software": software, "host": "local (no Docker)",
            "started": started}
    # gevent and waitress answer on their own sockets: nothing pools connections
    # behind them, so their cells may run at once (docs/formats.md, info.direct).
    # nghttpx-local is a proxy with a pooled backend: its cells run in order.
    if family != "nghttpx":
        info["direct"] = True
    targets.append({"name": name, "url": "http://127.0.0.1:%s" % port, "version_path": "/version",
                    "info": info})
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump({"targets": targets}, f, indent=2)
    f.write("\n")
os.rename(tmp, out)
EOF
}

stop_children() {
  local pid
  trap - TERM INT EXIT
  for pid in "${SERVER_PIDS[@]}"; do terminate "$pid"; done
  wait 2>/dev/null || true   # reap them: this supervisor is their parent
  rm -f "$DIR"/pids/*.pid "$DIR/ready" "$DIR/supervisor.pid"
  say "stopped"
}

# --- commands ---------------------------------------------------------------

cmd_run() {
  [ -n "$DIR" ] || DIR=$(mktemp -d "${TMPDIR:-/tmp}/h2c-local.XXXXXX")
  mkdir -p "$DIR/logs" "$DIR/pids"
  rm -f "$DIR/ready" "$DIR/failed"
  echo $$ > "$DIR/supervisor.pid"
  check_prereqs
  trap 'stop_children; exit 0' TERM INT
  trap 'stop_children' EXIT
  start_servers
  wait_all_ready
  write_targets
  touch "$DIR/ready"
  say "ready: gevent-local :$P_GEVENT, nghttpx-local :$P_NGHTTPX (backend :$P_NGHTTPX_BACKEND), waitress-local :$P_WAITRESS"
  say "targets file: $DIR/targets.json"
  echo "$DIR"
  supervise
}

# Waits for SIGTERM; a server that dies is reported (status shows it too).
supervise() {
  local i live
  while :; do
    live=()
    for i in "${!SERVER_PIDS[@]}"; do
      if alive "${SERVER_PIDS[$i]}"; then live+=("${SERVER_PIDS[$i]}"); fi
    done
    [ ${#live[@]} -gt 0 ] || { say "every server has exited"; exit 1; }
    wait -n "${live[@]}" || true
    for i in "${!SERVER_PIDS[@]}"; do
      alive "${SERVER_PIDS[$i]}" || say "${SERVER_NAMES[$i]} (pid ${SERVER_PIDS[$i]}) has exited; see $DIR/logs/${SERVER_NAMES[$i]}.log"
    done
  done
}

cmd_start() {
  local made_dir=0
  [ -n "$DIR" ] || { DIR=$(mktemp -d "${TMPDIR:-/tmp}/h2c-local.XXXXXX"); made_dir=1; }
  mkdir -p "$DIR/logs"
  if [ -f "$DIR/supervisor.pid" ] && alive "$(cat "$DIR/supervisor.pid")"; then
    die "targets in $DIR are already running; run: $0 stop --dir $DIR"
  fi
  rm -f "$DIR/ready" "$DIR/failed"
  local detach=()
  command -v setsid >/dev/null && detach=(setsid)
  "${detach[@]}" "$SELF" run --dir "$DIR" --base-port "$BASE_PORT" </dev/null \
    >"$DIR/logs/supervisor.log" 2>&1 &
  local sup=$! deadline=$((SECONDS + 4 * READY_SECS + 10))
  until [ -f "$DIR/ready" ]; do
    if [ -f "$DIR/failed" ] || ! alive "$sup" || [ $SECONDS -ge $deadline ]; then
      terminate "$sup"
      say "start failed:"; sed 's/^/  /' "$DIR/logs/supervisor.log" >&2
      [ $made_dir -eq 0 ] || rm -rf "$DIR"
      exit 1
    fi
    sleep 0.2
  done
  say "running; targets file: $DIR/targets.json (stop with: $0 stop --dir $DIR)"
  echo "$DIR"
}

cmd_stop() {
  [ -n "$DIR" ] || die "stop needs --dir DIR (the directory start printed)"
  local f pid match
  if [ -f "$DIR/supervisor.pid" ]; then
    pid=$(cat "$DIR/supervisor.pid")
    if alive "$pid" && cmdline_has "$pid" local-targets.sh; then
      terminate "$pid"
    fi
  fi
  # Whatever the supervisor did not stop (e.g. it was SIGKILLed).
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    read -r pid match < "$f"
    if alive "$pid" && cmdline_has "$pid" "$match"; then
      say "stopping leftover $(basename "$f" .pid) (pid $pid)"; terminate "$pid"
    fi
    rm -f "$f"
  done
  rm -f "$DIR/ready" "$DIR/supervisor.pid"
  say "stopped targets of $DIR"
}

cmd_status() {
  [ -n "$DIR" ] || die "status needs --dir DIR (the directory start printed)"
  local bad=0 name port pid match
  for name in gevent-local nghttpx-local nghttpx-backend waitress-local; do
    case $name in
      gevent-local) port=$P_GEVENT ;; nghttpx-local) port=$P_NGHTTPX ;;
      nghttpx-backend) port=$P_NGHTTPX_BACKEND ;; waitress-local) port=$P_WAITRESS ;;
    esac
    pid=; match=
    [ -f "$DIR/pids/$name.pid" ] && read -r pid match < "$DIR/pids/$name.pid"
    if [ -n "$pid" ] && alive "$pid" && answers "$port"; then
      echo "$name  up    pid $pid  http://127.0.0.1:$port  $(curl -s -m 1 "http://127.0.0.1:$port/version" | head -n 1)"
    else
      echo "$name  DOWN  pid ${pid:-none}  http://127.0.0.1:$port"; bad=1
    fi
  done
  return $bad
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  DIR=
  BASE_PORT=${H2C_LOCAL_BASE_PORT:-18081}
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) [ $# -ge 2 ] || { usage >&2; exit 2; }; DIR=$2; shift ;;
      --base-port) [ $# -ge 2 ] || { usage >&2; exit 2; }; BASE_PORT=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  if ! [[ "$BASE_PORT" =~ ^[0-9]+$ ]] || [ "$BASE_PORT" -lt 1024 ] || [ "$BASE_PORT" -gt 65532 ]; then
    die "--base-port must be a number between 1024 and 65532"
  fi
  # A relative DIR would break once the detached supervisor runs elsewhere.
  if [ -n "$DIR" ]; then
    case "$cmd" in start|run) mkdir -p "$DIR" ;; esac
    [ -d "$DIR" ] || die "no such directory: $DIR"
    DIR=$(cd "$DIR" && pwd)
  fi
  set_ports
  case "$cmd" in
    start) cmd_start ;;
    run) cmd_run ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
