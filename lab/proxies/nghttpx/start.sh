#!/usr/bin/env bash
# lab/proxies/nghttpx/start.sh - start the 403 responder, then one nghttpx per backend.
#
# Idea: nghttpx picks a backend by host/path, never by the port a request came in on,
# so each proxied port is its own nghttpx process (same nghttpx.conf). If any process
# exits, the script stops the others and exits non-zero, so a broken container is
# visible instead of half working.
set -euo pipefail

case "${1:-}" in
  -h|--help) echo "usage: start.sh   (container entry point; no arguments)"; exit 0 ;;
esac

DENY_PORT=8090
pids=()
stop_all() { kill -TERM "${pids[@]}" 2>/dev/null || true; }
trap stop_all TERM INT

/usr/bin/python3 /opt/h2c-lab/deny.py "$DENY_PORT" &
pids+=($!)

# One nghttpx: frontend PORT (no-tls) -> backend HOST:8080, the internal paths -> deny.py.
# Extra frontends (e.g. the health monitor) come as further arguments.
run_nghttpx() {
  local port=$1 backend=$2; shift 2
  /usr/sbin/nghttpx --conf /opt/h2c-lab/nghttpx.conf \
    --frontend="0.0.0.0,$port;no-tls" "$@" \
    --backend="$backend,8080" \
    --backend="127.0.0.1,$DENY_PORT;/admin:/admin/:/__lab/" &
  pids+=($!)
}

run_nghttpx 8081 backend-gevent --frontend="0.0.0.0,8080;no-tls;healthmon"
run_nghttpx 8082 backend-fixed
run_nghttpx 8083 backend-waitress
run_nghttpx 8084 backend-gevent-sid

status=0
wait -n "${pids[@]}" || status=$?
echo "start.sh: a process exited (status $status); stopping the others" >&2
stop_all
wait || true
exit "${status:-1}"
