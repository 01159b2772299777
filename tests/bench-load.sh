#!/usr/bin/env bash
# tests/bench-load.sh - is `h2c-probe load` at least as fast as the load generators people
# trust? A benchmark, not a test (nothing here fails on a slow machine): Debian's nginx
# on loopback serves a static body from its own temporary config on a free 127.0.0.1
# port; in the same run, with the same connection count and duration, `wrk` (HTTP/1.1
# keep-alive) and `h2load` (h2c with prior knowledge, nghttp2-client) and `h2c-probe
# load --get` (no attacker) each load it, one after the other. Prints each rate and the
# ratios probe/wrk and probe/h2load (the target: >= 1.0 each), then the probe's peak RSS
# with 1,000 connections.
#   tests/bench-load.sh [--connections N] [--seconds S] [--threads T] [--probe PATH]
# Needs: nginx-light (or nginx), wrk, nghttp2-client; as root it installs the missing
# ones with apt-get (a policy-rc.d keeps nginx's own service from starting).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONNS=50 SECONDS_=5 THREADS=$(nproc) PROBE=$ROOT/c-client/build/h2c-probe
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) CONNS=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --probe) PROBE=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

say() { printf '[bench] %s\n' "$*"; }
need_tools() {
  local missing=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v h2load >/dev/null || missing+=(nghttp2-client)
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    say "missing: ${missing[*]}; install them: sudo apt-get install ${missing[*]}"; exit 2
  fi
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-bench.XXXXXX")
NGINX_PID=
cleanup() {
  [ -z "$NGINX_PID" ] || kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# nginx: one worker per core, keep-alive without a request limit (wrk and h2load
# keep their connections for the whole run), h2c with prior knowledge on a second port.
start_nginx() {
  H1=$(free_port) H2=$(free_port)
  mkdir -p "$WORK/www" "$WORK/tmp"
  chmod 755 "$WORK" "$WORK/www"      # nginx's workers run as www-data: they must read it
  printf 'h2c-lab ok\n' >"$WORK/www/index.html"
  cat >"$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$H1; root $WORK/www; }
  server { listen 127.0.0.1:$H2 http2; root $WORK/www; }
}
CONF
  nginx -c "$WORK/nginx.conf" -p "$WORK" &
  NGINX_PID=$!
  local _
  for _ in $(seq 50); do
    "$PROBE" load --target n=http://127.0.0.1:"$H1" --get /index.html --victims 1 --requests 1 \
      --duration-ms 200 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "nginx did not answer on 127.0.0.1:$H1 (see $WORK/error.log)"; exit 1
}

# The probe's rate, only when every answer was ok (a 403 or 404 is answered fast too).
rate_of_probe() {
  local out
  out=$(cat)
  if ! grep -q ', error 0, crossed 0, no_answer 0,' <<<"$out"; then
    say "the probe saw answers that are not 200: $out" >&2
    echo 0
    return
  fi
  sed -n 's/.*: \([0-9]*\) req\/s .*/\1/p' <<<"$out" | head -1
}

# The host is shared, so one run of each tool can land in a busy moment: ROUNDS rounds,
# the tools taking turns within each, and each tool's best round counts.
ROUNDS=${H2C_BENCH_ROUNDS:-3}
best() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a + 0 > b + 0) ? a : b }'; }

probe_rate() { # port [extra options]
  local port=$1; shift
  "$PROBE" load --target n=http://127.0.0.1:"$port" --get /index.html --victims "$CONNS" \
    --threads "$THREADS" --duration-ms $((SECONDS_ * 1000)) "$@" 2>&1 | rate_of_probe
}

bench_h1() {
  local r w p
  WRK=0 PROBE_H1=0
  for r in $(seq "$ROUNDS"); do
    # odd rounds: wrk first; even rounds: the probe first (no tool always gets the warm server)
    [ $((r % 2)) = 1 ] || p=$(probe_rate "$H1")
    w=$(wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_}s" "http://127.0.0.1:$H1/index.html" \
        | awk '/Non-2xx/ { bad = 1 } /^Requests\/sec:/ { r = $2 } END { print bad ? 0 : r }')
    [ $((r % 2)) = 0 ] || p=$(probe_rate "$H1")
    say "  round $r: wrk $w req/s, h2c-probe load $p req/s"
    WRK=$(best "$WRK" "$w") PROBE_H1=$(best "$PROBE_H1" "$p")
  done
  say "HTTP/1.1 keep-alive, $CONNS connections, ${SECONDS_} s, best of $ROUNDS: wrk $WRK req/s, h2c-probe load $PROBE_H1 req/s"
}

bench_h2() {
  local r h p
  H2LOAD=0 PROBE_H2=0
  for r in $(seq "$ROUNDS"); do
    [ $((r % 2)) = 1 ] || p=$(probe_rate "$H2" --h2c)
    h=$(h2load -t"$THREADS" -c"$CONNS" -m1 -D"$SECONDS_" "http://127.0.0.1:$H2/index.html" 2>&1 \
        | awk '/^finished in/ { r = $4 } / [1-9][0-9]* failed/ { bad = 1 } END { print bad ? 0 : r }')
    [ $((r % 2)) = 0 ] || p=$(probe_rate "$H2" --h2c)
    say "  round $r: h2load $h req/s, h2c-probe load $p req/s"
    H2LOAD=$(best "$H2LOAD" "$h") PROBE_H2=$(best "$PROBE_H2" "$p")
  done
  say "h2c prior knowledge, $CONNS connections, 1 stream each, ${SECONDS_} s, best of $ROUNDS: h2load $H2LOAD req/s, h2c-probe load $PROBE_H2 req/s"
}

peak_rss() {
  local out
  out=$( { /usr/bin/time -f 'RSS %M' "$PROBE" load --target n=http://127.0.0.1:"$H1" --get /index.html \
    --victims 1000 --threads "$THREADS" --duration-ms 2000 >/dev/null; } 2>&1 )
  RSS=$(sed -n 's/^RSS \([0-9]*\)/\1/p' <<<"$out")
  say "peak RSS of h2c-probe load with 1,000 connections (2 s against nginx): ${RSS:-?} KiB"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "?" }'; }

[ -x "$PROBE" ] || { say "no probe at $PROBE: run make -C c-client first"; exit 2; }
need_tools
start_nginx
say "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$H1 (HTTP/1.1) and :$H2 (h2c); $(nproc) cores; threads $THREADS"
bench_h1
bench_h2
peak_rss
say "ratios: probe/wrk $(ratio "$PROBE_H1" "$WRK"), probe/h2load $(ratio "${PROBE_H2:-}" "$H2LOAD") (target >= 1.0 each)"
