#!/usr/bin/env bash
# lab/servers/nghttpx/start.sh - start the echo backend, then nghttpx in front of it.
#
# Idea: nghttpx is a proxy and cannot answer /echo by itself, so the container runs
# two processes: waitress with the shared echo app on 127.0.0.1:8081 (loopback only)
# and nghttpx on 0.0.0.0:8080. If either exits, the script stops the other and exits
# non-zero, so a broken container is visible instead of answering 502 forever.
set -euo pipefail

case "${1:-}" in
  -h|--help) echo "usage: start.sh   (container entry point; no arguments)"; exit 0 ;;
esac

# /version: first line nghttpx's package, second line the backend's (see Dockerfile).
H2C_LAB_VERSION="$(cat /etc/h2c-lab-version)"
export H2C_LAB_VERSION

/usr/bin/python3 /opt/h2c-lab/echo_wsgi.py --server waitress --host 127.0.0.1 --port 8081 &
backend=$!

# Wait (bounded: 10 s) for the backend port before accepting clients.
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/8081) 2>/dev/null; then break; fi
  kill -0 "$backend" 2>/dev/null || { echo "start.sh: echo backend exited" >&2; exit 1; }
  sleep 0.1
done

/usr/sbin/nghttpx --conf /opt/h2c-lab/nghttpx.conf &
proxy=$!

trap 'kill -TERM "$proxy" "$backend" 2>/dev/null || true' TERM INT
status=0
wait -n "$proxy" "$backend" || status=$?
echo "start.sh: a process exited (status $status); stopping the other" >&2
kill -TERM "$proxy" "$backend" 2>/dev/null || true
wait || true
exit "${status:-1}"
