#!/usr/bin/env bash
# tests/e2e-local.sh - end-to-end test on this machine, no Docker: builds
# h2c-probe, starts the local targets (lab/scripts/local-targets.sh: gevent,
# nghttpx, waitress on loopback), runs every scenario against them and checks
# results.json against what those servers really do:
#   - gevent loses the body's bytes of the seed request a second time (desync),
#     but handles the RFC upgrade form and plain keep-alive correctly (ok-h1);
#   - nghttpx performs the RFC h2c upgrade (ok-h2, follow-up on a new stream);
#   - waitress ignores the upgrade and stays in sync (ok);
#   - a WebSocket-style upgrade (GET /ws-echo, no body) gets the raw stream after
#     101 on gevent (ok-h1) and is n/a on waitress (no such endpoint: 404);
#   - a target's patch_path is fetched into targets[].patch (an extra gevent
#     echo app serving $H2C_LAB_PATCH_FILE as /fix.diff);
#   - the proxy scenarios (GitHub issue 6) on direct servers: two clients on two
#     connections cannot share a desync (ok-h1); on gevent a body sized (from
#     the wire) to the next request's head makes gevent answer the request hidden
#     in that request's body (404 from the echo app: desync), and the "requires
#     proxy" request is skipped; every cell has its own 12-byte tag;
#   - against lab/apps/lab_backend.py (the proxies' backend, here direct, with
#     its request log as backend_log_url): calibration from the backend log,
#     the hidden GET /admin served (log entry + marker body) -> smuggled,
#     security true; a backend_log_url nobody answers -> backend_log null,
#     calibration from the wire, smuggled from the marker alone;
#   - the whole run is bounded (the long-body case must not stall it);
#   - each local server's verdicts equal those its lab folder expects
#     (expected*.json of its twin in lab/targets.json: same software, this host's suite).
# The ASan/UBSan build (c-client/build-asan/h2c-probe) runs too when present
# and must report nothing.
# Prints "ok - ..." / "FAIL - ..." per check and "N passed, N failed" last.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
PROBE=${H2C_PROBE:-$ROOT/c-client/build/h2c-probe}  # H2C_PROBE: test that binary, skip the build
ASAN_PROBE="$ROOT/c-client/build-asan/h2c-probe"
SCENARIOS="$ROOT/c-client/scenarios"
BOUND_S=${H2C_E2E_BOUND_S:-30}          # the whole probe run must finish within this
TIMEOUT_MS=${H2C_E2E_TIMEOUT_MS:-2000}  # the probe's per-read timeout
READY_S=60                              # local targets start-up bound

usage() {
  cat <<EOF
usage: $0 [--keep] [--results FILE]
  --keep          keep the work directory (results, logs) even when all passed
  --results FILE  only check an existing results.json from a run against the
                  local targets (no build, no servers, no probe run)
Environment: H2C_E2E_BOUND_S (default 30), H2C_E2E_TIMEOUT_MS (default 2000),
             H2C_LOCAL_BASE_PORT (ports N..N+3; default: the first free of
             18081, 18181, ... 18981),
             H2C_PROBE=PATH (test that binary instead of building c-client)
EOF
}

PASS=0 FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
not_ok() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
# check DESCRIPTION COMMAND...: one assertion.
# The command's own output (diagnostics) is printed after the verdict line.
check() {
  local desc=$1 out rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; fi
  [ -z "$out" ] || echo "$out"
}

WORK='' SUP='' KEEP=0 RESULTS_ONLY='' CHILD='' PATCH_SRV='' PATCH_PORT='' BACKEND_SRV='' BACKEND_PORT=''
finish() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$CHILD" ] || kill -TERM "$CHILD" 2>/dev/null || true
  stop_patch_server
  stop_backend_server
  stop_targets
  [ -n "$RESULTS_ONLY" ] || [ $rc -eq 0 ] || not_ok "e2e-local aborted (exit $rc); see above"
  if [ -n "$WORK" ]; then
    if [ -z "$RESULTS_ONLY" ] && { [ $KEEP -eq 1 ] || [ $FAIL -gt 0 ]; }; then
      echo "# work directory kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  echo "$PASS passed, $FAIL failed"
  if [ $FAIL -gt 0 ]; then exit 1; fi
  exit 0
}

# --- local targets ------------------------------------------------------------

port_free() { ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# $H2C_LOCAL_BASE_PORT when set (local-targets.sh fails clearly if taken);
# otherwise the first of 18081, 18181, ... 18981 whose four ports are free,
# so a busy shared machine does not fail the suite.
pick_base_port() {
  if [ -n "${H2C_LOCAL_BASE_PORT:-}" ]; then echo "$H2C_LOCAL_BASE_PORT"; return; fi
  local base p free
  for base in 18081 18181 18281 18381 18481 18581 18681 18781 18881 18981; do
    free=1
    for p in $base $((base + 1)) $((base + 2)) $((base + 3)); do port_free "$p" || { free=0; break; }; done
    if [ $free -eq 1 ]; then echo "$base"; return; fi
  done
  echo 18081  # all busy: let local-targets.sh say which port is taken
}

start_targets() {
  local base
  base=$(pick_base_port)
  echo "# local targets on 127.0.0.1:$base..$((base + 3))"
  "$ROOT/lab/scripts/local-targets.sh" run --dir "$WORK/targets" --base-port "$base" >"$WORK/targets.log" 2>&1 &
  SUP=$!
  local deadline=$((SECONDS + READY_S))
  until [ -f "$WORK/targets/ready" ]; do
    if ! kill -0 "$SUP" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      sed 's/^/# /' "$WORK/targets.log"
      return 1
    fi
    sleep 0.2
  done
}

# The supervisor is our child: SIGTERM it (it stops and reaps the servers),
# wait a bounded time, then reap it.
stop_targets() {
  [ -n "$SUP" ] || return 0
  local i
  kill -TERM "$SUP" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do kill -0 "$SUP" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SUP" 2>/dev/null || true
  wait "$SUP" 2>/dev/null || true
  SUP=
}

# --- results.json queries -------------------------------------------------------

# q FILE EXPR [TARGET SCENARIO]: evaluates a Python expression over results.json
# (r = the whole document, c = the cell, t = the target, scenario_def(sid) =
# a scenario's definition, body_len(sid, i) = the length in bytes of a scenario
# request's body). Exits 0 when it is true; on
# false prints the cell's verdict and reason (as # comments) and exits 1.
write_query_helper() {
  cat > "$WORK/q.py" <<'EOF'
import json, re, sys

def unescape(s):
    out, i = bytearray(), 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", s[i + 2:i + 4]):
                out.append(int(s[i + 2:i + 4], 16)); i += 4; continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}.get(nxt, nxt.encode())
            i += 2; continue
        out += ch.encode("utf-8"); i += 1
    return bytes(out)

path, expr = sys.argv[1], sys.argv[2]
target, scenario = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else (None, None)
with open(path) as f:
    r = json.load(f)

def scenario_def(sid):
    return next(s for s in r["scenarios"] if s["id"] == sid)

def body_len(sid, i):
    return len(unescape(scenario_def(sid)["requests"][i].get("body") or ""))

def wire_head_len(sid, i):
    """Request i's head as this cell sent it ({authority}, {cell} filled in)."""
    w = unescape(scenario_def(sid)["requests"][i]["wire"])
    w = w.replace(b"{authority}", t["url"][len("http://"):].encode()).replace(b"{cell}", c["tag"].encode())
    return w.index(b"\r\n\r\n") + 4

def sent_on(conn):
    """Every byte the cell sent on one connection label, unescaped."""
    return b"".join(unescape(e["data"]) for e in c["transcript"]["events"]
                    if e["conn"] == conn and e["dir"] == "out")

c = t = None
if target:
    c = next((x for x in r["cells"] if x["target"] == target and x["scenario"] == scenario), None)
    t = next((x for x in r["targets"] if x["name"] == target), None)
    if c is None:
        print("#   no cell for target %s, scenario %s in %s" % (target, scenario, path))
        sys.exit(1)
try:
    good = bool(eval(expr, {"r": r, "c": c, "t": t, "body_len": body_len,
                            "scenario_def": scenario_def, "wire_head_len": wire_head_len,
                            "sent_on": sent_on, "re": re}))
except Exception as e:  # a missing field is a failed check, not a crash
    print("#   %s: %s: %s" % (expr, type(e).__name__, e))
    good = False
if not good and c is not None:
    print("#   got verdict=%r reason=%r" % (c.get("verdict"), c.get("reason")))
    ex = c.get("exchanges") or []
    if ex:
        last = ex[-1]
        print("#   last exchange: outcome=%r status=%r http_version=%r stream_id=%r"
              % (last.get("outcome"), last.get("status"), last.get("http_version"), last.get("stream_id")))
sys.exit(0 if good else 1)
EOF
}

q() { "$PY" "$WORK/q.py" "$RESULTS" "$@"; }

verdict_is() { q "c['verdict'] == '$3'" "$1" "$2"; }

# --- the checks ---------------------------------------------------------------

# The run speaks the probe's vocabulary (list --verdicts --json): every verdict is
# one of its names, cells[].security is that verdict's security flag; and the CLI
# refuses --json without --verdicts (exit 2).
check_vocabulary() {
  local rc=0
  "$PROBE" list --verdicts --json >"$WORK/verdicts.json" 2>&1 || rc=$?
  check "h2c-probe list --verdicts --json exits 0 (exit $rc)" [ "$rc" -eq 0 ]
  check "every cell's verdict is one of list --verdicts, with its security flag" "$PY" -c '
import json, sys
vocab = {v["name"]: v for v in json.load(open(sys.argv[1]))["verdicts"]}
bad = ["%s x %s: %s (security %s)" % (c["target"], c["scenario"], c["verdict"], c["security"])
       for c in json.load(open(sys.argv[2]))["cells"]
       if c["verdict"] not in vocab or c["security"] != vocab[c["verdict"]]["security"]]
for b in bad:
    print("#   " + b)
sys.exit(1 if bad else 0)' "$WORK/verdicts.json" "$RESULTS"
  rc=0
  "$PROBE" list --json >/dev/null 2>&1 || rc=$?
  check "h2c-probe list --json without --verdicts is a usage error (exit $rc)" [ "$rc" -eq 2 ]
}

check_results() {
  local nscen
  nscen=$(find "$SCENARIOS" -maxdepth 1 -name '*.json' | wc -l)
  check "results.json has format h2c-lab-results/1" q "r['format'] == 'h2c-lab-results/1'"
  if [ -z "$RESULTS_ONLY" ]; then
    check "results.json has a cell for each of 3 targets x $nscen scenarios" \
      q "len(r['cells']) == 3 * $nscen and r['summary']['cells'] == len(r['cells'])"
  fi
  check "no cell is 'error' (every local target was reachable)" \
    q "not [x for x in r['cells'] if x['verdict'] == 'error']"

  # /version reached through each server; nghttpx's comes from its own backend.
  check "gevent-local version is '$(pkg_version python3-gevent)'" \
    q "t['version'] == '$(pkg_version python3-gevent)'" gevent-local control-keepalive
  check "nghttpx-local version is '$(pkg_version nghttp2-proxy)'" \
    q "t['version'] == '$(pkg_version nghttp2-proxy)'" nghttpx-local control-keepalive
  check "waitress-local version is '$(pkg_version python3-waitress)'" \
    q "t['version'] == '$(pkg_version python3-waitress)'" waitress-local control-keepalive

  # gevent: the seed bug, and what it gets right.
  check "gevent seed-upgrade-h2c is desync" verdict_is gevent-local seed-upgrade-h2c desync
  check "gevent seed-upgrade-h2c reason names the lost bytes (the body length)" \
    q "('%d bytes' % body_len('seed-upgrade-h2c', 0)) in c['reason']" gevent-local seed-upgrade-h2c
  check "gevent seed-upgrade-h2c lost_bytes equals the body length" \
    q "c['lost_bytes'] == body_len('seed-upgrade-h2c', 0)" gevent-local seed-upgrade-h2c
  check "gevent seed-pipelined: the count is confirmed pipelined, and k - 1, k + 1 filler bytes fail" \
    q "c['lost_bytes'] == body_len('seed-pipelined', 0) and 'a pipelined replay with' in c['loss_evidence'] and ('with %d and with %d it was not' % (body_len('seed-pipelined', 0) - 1, body_len('seed-pipelined', 0) + 1)) in c['loss_evidence']" gevent-local seed-pipelined
  check "gevent h2-prior-knowledge is n/a: HTTP/1.1 to the preface, named (ok null)" \
    q "c['verdict'] == 'n/a' and c['ok'] is None and 'the server speaks HTTP/1.1' in c['reason']" gevent-local h2-prior-knowledge
  # The controls: gevent's raw-input branch needs only one of the two seed
  # headers (either alone loses 13 bytes), never pipelining or a bodiless GET.
  for s in control-connection-upgrade control-upgrade-websocket; do
    check "gevent $s (one seed header alone) is desync, 13 bytes confirmed" \
      q "c['verdict'] == 'desync' and c['lost_bytes'] == 13" gevent-local "$s"
  done
  local s
  for s in control-keepalive control-pipelined control-seed-get rfc-upgrade-post rfc-upgrade-get keepalive-declined-upgrade; do
    check "gevent $s is ok-h1" verdict_is gevent-local "$s" ok-h1
  done
  check "gevent seed-long-body is hang or desync" \
    q "c['verdict'] in ('hang', 'desync')" gevent-local seed-long-body

  # nghttpx: the RFC upgrade works, and the follow-up really is HTTP/2.
  for s in rfc-upgrade-post rfc-upgrade-get; do
    check "nghttpx $s is ok-h2" verdict_is nghttpx-local "$s" ok-h2
    check "nghttpx $s follow-up is HTTP/2 on a stream after 1" \
      q "c['upgraded'] and len(c['exchanges']) > 1 and c['exchanges'][-1]['http_version'] == '2' and (c['exchanges'][-1]['stream_id'] or 0) > 1" \
      nghttpx-local "$s"
  done

  # nghttpx 1.52: the declined upgrade leaves its parser in upgrade mode even
  # without a body (control-seed-get), and the seed's failure is no control's.
  check "nghttpx control-seed-get is desync (the upgrade headers alone, no body)" \
    verdict_is nghttpx-local control-seed-get desync
  check "nghttpx seed-upgrade-h2c: its control passes, so no 'not caused by' note" \
    q "c['verdict'] == 'desync' and 'not caused by the upgrade headers' not in c['reason']" \
    nghttpx-local seed-upgrade-h2c

  # waitress: a well-behaved server stays in sync.
  for s in control-keepalive control-pipelined control-seed-get control-connection-upgrade \
           control-upgrade-websocket seed-upgrade-h2c; do
    check "waitress $s is ok" q "c['ok'] is True and c['verdict'] in ('ok-h1', 'ok-h2')" waitress-local "$s"
  done

  # The raw stream after a 101 (what gevent's raw wsgi.input branch is for), and
  # n/a where the endpoint does not exist.
  check "gevent websocket-raw-echo is ok-h1 (ok true)" \
    q "c['verdict'] == 'ok-h1' and c['ok'] is True" gevent-local websocket-raw-echo
  check "gevent websocket-raw-echo: 101, then the after_101 bytes came back as its body" \
    q "c['exchanges'][0]['status'] == 101 and c['exchanges'][0]['http_version'] == '1.1' and c['exchanges'][0]['body'] == scenario_def('websocket-raw-echo')['requests'][0]['after_101']['send'] and not c['upgraded']" \
    gevent-local websocket-raw-echo
  check "waitress websocket-raw-echo is n/a (ok null, the 404 named)" \
    q "c['verdict'] == 'n/a' and c['ok'] is None and 'does not implement GET /ws-echo (404' in c['reason']" \
    waitress-local websocket-raw-echo
  check_proxy_scenarios_direct
  check "summary: ok + not_ok + na = cells; na counts the n/a cells" \
    q "r['summary']['ok'] + r['summary']['not_ok'] + r['summary']['na'] == r['summary']['cells'] and r['summary']['na'] == len([x for x in r['cells'] if x['verdict'] == 'n/a']) and r['summary']['ok'] == len([x for x in r['cells'] if x['ok'] is True])"
}

# --- proxy scenarios on direct servers (issue 6) -------------------------------------

check_proxy_scenarios_direct() {
  local s
  check "every cell has its own 12-byte [a-z0-9] tag" \
    q "all(re.fullmatch('[a-z0-9]{12}', x['tag']) for x in r['cells']) and len({x['tag'] for x in r['cells']}) == len(r['cells'])"
  for s in gevent-local waitress-local; do
    check "$s proxy-cross-client is ok-h1 (two clients, two connections: nothing to share)" \
      verdict_is "$s" proxy-cross-client ok-h1
    check "$s proxy-cross-client: no backend log (the target has none), not security" \
      q "c['backend_log'] is None and c['security'] is False and c['calibration'] is None" "$s" proxy-cross-client
  done
  check "gevent proxy-request-boundaries: calibrated from the wire to request 2's head" \
    q "c['calibration'] == {'request': 1, 'into': 0, 'head_len': wire_head_len('proxy-request-boundaries', 1), 'source': 'wire'}" \
    gevent-local proxy-request-boundaries
  check "gevent proxy-request-boundaries: request 1 went out with exactly that Content-Length" \
    q "('Content-Length: %d\\r\\n' % c['calibration']['head_len']).encode() in sent_on('a')" \
    gevent-local proxy-request-boundaries
  check "gevent proxy-request-boundaries: desync, request 2 answered with the echo app's 404 for the hidden GET /admin" \
    q "c['verdict'] == 'desync' and c['exchanges'][1]['status'] == 404 and 'sized to request 2' in c['reason'] and c['security'] is False" \
    gevent-local proxy-request-boundaries
  check "gevent proxy-request-boundaries: the requires-proxy request 3 was not sent" \
    q "len(c['exchanges']) == 2 and b'from=client' not in sent_on('c') and scenario_def('proxy-request-boundaries')['requests'][2]['requires'] == 'proxy'" \
    gevent-local proxy-request-boundaries
  check "waitress proxy-request-boundaries is ok-h1 (request 3 not sent)" \
    q "c['verdict'] == 'ok-h1' and 'request 3 not sent' in c['reason']" waitress-local proxy-request-boundaries
  check "summary.security is 0 against the local targets" q "r['summary']['security'] == 0"
}

# --- the proxies' backend, direct, with its request log --------------------------------

# lab/apps/lab_backend.py --server gevent (our child, under `timeout`); sets
# BACKEND_SRV and BACKEND_PORT.
start_backend_server() {
  local p i
  for p in 18076 18176 18276 18376 18476 18576 18676 18776 18876 18976; do
    if port_free "$p"; then BACKEND_PORT=$p; break; fi
  done
  if [ -z "$BACKEND_PORT" ]; then echo "# no free port for lab_backend.py (tried 18076..18976)"; return 1; fi
  H2C_LAB_VERSION="backend-test" timeout 300 "$PY" "$ROOT/lab/apps/lab_backend.py" --server gevent \
    --port "$BACKEND_PORT" >"$WORK/backend-server.log" 2>&1 &
  BACKEND_SRV=$!
  for ((i = 0; i < 100; i++)); do
    port_free "$BACKEND_PORT" || return 0
    kill -0 "$BACKEND_SRV" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$WORK/backend-server.log"
  return 1
}

stop_backend_server() {
  [ -n "$BACKEND_SRV" ] || return 0
  kill -TERM "$BACKEND_SRV" 2>/dev/null || true
  wait "$BACKEND_SRV" 2>/dev/null || true
  BACKEND_SRV=
}

check_backend_log() {
  if ! start_backend_server; then not_ok "lab_backend.py starts (--server gevent)"; return 0; fi
  local closed
  for closed in 9 19 29 39; do port_free "$closed" && break; done
  printf '{ "targets": [\n  { "name": "backend-gevent", "url": "http://127.0.0.1:%s", "info": { "backend_log_url": "http://127.0.0.1:%s/__lab/requests" } },\n  { "name": "backend-nolog", "url": "http://127.0.0.1:%s", "info": { "backend_log_url": "http://127.0.0.1:%s/__lab/requests" } } ] }\n' \
    "$BACKEND_PORT" "$BACKEND_PORT" "$BACKEND_PORT" "$closed" >"$WORK/backend-targets.json"
  local rc=0
  timeout 120 "$PROBE" run --targets "$WORK/backend-targets.json" --scenarios "$SCENARIOS" \
    --only proxy-cross-client --only proxy-request-boundaries --only proxy-smuggle-cross-client \
    --out "$WORK/out-backend" --timeout-ms "$TIMEOUT_MS" \
    >"$WORK/out-backend.stdout" 2>"$WORK/out-backend.stderr" || rc=$?
  stop_backend_server
  check "lab_backend run exits 0 (exit $rc)" [ "$rc" -eq 0 ]
  local RESULTS="$WORK/out-backend/results.json"
  check "lab_backend proxy-request-boundaries is smuggled (security)" \
    q "c['verdict'] == 'smuggled' and c['security'] is True and c['ok'] is False" backend-gevent proxy-request-boundaries
  check "lab_backend proxy-request-boundaries: calibrated from the backend log = the wire head (no proxy rewrites it)" \
    q "c['calibration'] == {'request': 1, 'into': 0, 'head_len': wire_head_len('proxy-request-boundaries', 1), 'source': 'backend-log'}" \
    backend-gevent proxy-request-boundaries
  check "lab_backend proxy-request-boundaries: the log shows the hidden GET /admin served, request 2 got the marker" \
    q "any(e.get('kind') == 'request' and e.get('method') == 'GET' and e.get('path') == '/admin?cell=%s&from=body' % c['tag'] and e.get('status') == 200 for e in c['backend_log']) and c['exchanges'][1]['body'] == 'H2C-LAB-ADMIN-MARKER\\\\n' and 'the backend parsed and served GET /admin' in c['reason']" \
    backend-gevent proxy-request-boundaries
  check "lab_backend proxy-cross-client is ok-h1 with both requests in the log under the cell's tag" \
    q "c['verdict'] == 'ok-h1' and len([e for e in c['backend_log'] if e.get('cell') == c['tag']]) == 2" \
    backend-gevent proxy-cross-client
  check "lab_backend proxy-smuggle-cross-client is ok-h1 (direct: B's connection is its own)" \
    verdict_is backend-gevent proxy-smuggle-cross-client ok-h1
  check "unreachable backend_log_url: backend_log null, the transcript says why" \
    q "c['backend_log'] is None and any('backend log not available' in (e.get('text') or '') for e in c['transcript']['events'])" \
    backend-nolog proxy-cross-client
  check "unreachable backend_log_url: calibrated from the wire, smuggled from the marker alone" \
    q "c['verdict'] == 'smuggled' and c['calibration']['source'] == 'wire' and 'reached a client' in c['reason']" \
    backend-nolog proxy-request-boundaries
  check "lab_backend run: summary.security counts the smuggled cells" \
    q "r['summary']['security'] == len([x for x in r['cells'] if x['security']]) >= 2"
}

# --- patch_path -------------------------------------------------------------------

# An extra gevent echo app (our child, under `timeout`) serving $WORK/fix.diff
# as /fix.diff; sets PATCH_SRV and PATCH_PORT.
start_patch_server() {
  local p i
  for p in 18077 18177 18277 18377 18477 18577 18677 18777 18877 18977; do
    if port_free "$p"; then PATCH_PORT=$p; break; fi
  done
  if [ -z "$PATCH_PORT" ]; then echo "# no free port for the patch server (tried 18077..18977)"; return 1; fi
  H2C_LAB_VERSION="patch-test" H2C_LAB_PATCH_FILE="$WORK/fix.diff" \
    timeout 300 "$PY" "$ROOT/lab/apps/echo_wsgi.py" --server gevent --port "$PATCH_PORT" \
    >"$WORK/patch-server.log" 2>&1 &
  PATCH_SRV=$!
  for ((i = 0; i < 100; i++)); do
    port_free "$PATCH_PORT" || return 0
    kill -0 "$PATCH_SRV" 2>/dev/null || break
    sleep 0.1
  done
  sed 's/^/# /' "$WORK/patch-server.log"
  return 1
}

stop_patch_server() {
  [ -n "$PATCH_SRV" ] || return 0
  kill -TERM "$PATCH_SRV" 2>/dev/null || true
  wait "$PATCH_SRV" 2>/dev/null || true
  PATCH_SRV=
}

check_patch_fetch() {
  # A diff with a tab, UTF-8 and one byte that is not text (0xff -> U+FFFD).
  printf -- '--- a/pywsgi.py\n+++ b/pywsgi.py\n@@ -1 +1 @@\n-\told\n+\tnew caf\xc3\xa9 \xff\n' >"$WORK/fix.diff"
  if ! start_patch_server; then not_ok "patch server starts (echo_wsgi.py --server gevent)"; return 0; fi
  printf '{ "targets": [\n  { "name": "patched", "url": "http://127.0.0.1:%s", "version_path": "/version", "patch_path": "/fix.diff" },\n  { "name": "no-patch", "url": "http://127.0.0.1:%s", "patch_path": "/no-such.diff" } ] }\n' \
    "$PATCH_PORT" "$PATCH_PORT" >"$WORK/patch-targets.json"
  local rc=0
  timeout 60 "$PROBE" run --targets "$WORK/patch-targets.json" --scenarios "$SCENARIOS" \
    --only control-keepalive --out "$WORK/out-patch" --timeout-ms "$TIMEOUT_MS" \
    >"$WORK/out-patch.stdout" 2>"$WORK/out-patch.stderr" || rc=$?
  stop_patch_server
  check "patch_path run exits 0 (exit $rc)" [ "$rc" -eq 0 ]
  local RESULTS="$WORK/out-patch/results.json"
  check "targets[].patch is the served diff as text (0xff as U+FFFD)" \
    q "t['patch'] == open('$WORK/fix.diff', 'rb').read().decode('utf-8', 'replace') and t['patch_truncated'] is False and '\\ufffd' in t['patch']" \
    patched control-keepalive
  check "targets[].patch is null when patch_path answers 404" \
    q "t['patch'] is None and t['patch_truncated'] is False" no-patch control-keepalive
}

print_verdicts() {
  "$PY" - "$RESULTS" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for c in r["cells"]:
    print("# %-16s %-24s %-9s %s" % (c["target"], c["scenario"], c["verdict"], (c.get("reason") or "")[:100]))
EOF
}

# The README's promise ("Running the probe against any URL"): a server run by hand
# gets the verdicts its lab folder expects. Each local target is paired with the lab
# target (lab/targets.json) of the same software built on this host's Debian suite
# (info.software, info.base_image debian:<VERSION_CODENAME>-slim; not behind a proxy,
# not the fix): on bookworm gevent-local with gevent-bookworm, waitress-local with
# waitress, nghttpx-local with nghttpx. This run's cells of the local target, renamed
# to that lab target, must pass lab/scripts/check-expected.py exactly as a lab run of
# those cells does (every cell as its expected*.json or its scenario's accept list says).
check_same_as_lab() {
  local codename pairs
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null || true)
  pairs=$("$PY" - "$RESULTS" "$ROOT/lab/targets.json" "$codename" "$WORK/as-lab.json" <<'EOF'
import json, sys
results, lab, codename, out = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
r = json.load(open(results))
def lab_twin(t):
    sw = (t.get("info") or {}).get("software")
    for x in lab["targets"]:
        i = x.get("info") or {}
        if (i.get("software") == sw and i.get("base_image") == "debian:%s-slim" % codename
                and not i.get("proxy") and "fix" not in (x.get("roles") or [])):
            return x["name"]
    return None
twin = {t["name"]: lab_twin(t) for t in r["targets"]}
twin = {k: v for k, v in twin.items() if v}
r["targets"] = [dict(t, name=twin[t["name"]]) for t in r["targets"] if t["name"] in twin]
r["cells"] = [dict(c, target=twin[c["target"]]) for c in r["cells"] if c["target"] in twin]
with open(out, "w") as f:
    json.dump(r, f)
print(" ".join("%s=%s" % kv for kv in sorted(twin.items())))
EOF
)
  if [ -z "$pairs" ]; then
    not_ok "a local target has a lab twin on this host's suite (${codename:-unknown}): none in lab/targets.json"
    return 0
  fi
  check "verdicts of the local servers equal their lab folders' expected*.json ($pairs)" \
    "$PY" "$ROOT/lab/scripts/check-expected.py" --brief --run-cells --probe "$PROBE" "$WORK/as-lab.json"
}

pkg_version() {
  dpkg-query -W -f '${Package} ${Version}' "$1" 2>/dev/null || echo "$1 (not installed)"
}

# run_probe BINARY OUTDIR: one full run; sets PROBE_RC and PROBE_MS.
# In the background + wait, so a SIGTERM/SIGINT to this script acts at once.
run_probe() {
  local t0 t1
  t0=$(date +%s%N)
  timeout $((BOUND_S * 4)) "$1" run --targets "$WORK/targets/targets.json" --scenarios "$SCENARIOS" \
    --out "$2" --timeout-ms "$TIMEOUT_MS" >"$2.stdout" 2>"$2.stderr" &
  CHILD=$!
  PROBE_RC=0
  wait "$CHILD" || PROBE_RC=$?
  CHILD=''
  t1=$(date +%s%N)
  PROBE_MS=$(((t1 - t0) / 1000000))
}

sanitizer_quiet() {
  ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$1"
}

check_asan_run() {
  if [ ! -x "$ASAN_PROBE" ]; then
    echo "# skip: no sanitizer build at $ASAN_PROBE (make -C c-client asan builds it)"
    return 0
  fi
  # It exists, so bring it up to date with the sources (only changed objects).
  if [ -z "${H2C_PROBE:-}" ] && ! make -s -C "$ROOT/c-client" build-asan/h2c-probe >"$WORK/build-asan.log" 2>&1; then
    sed 's/^/# /' "$WORK/build-asan.log" | tail -n 30
    not_ok "sanitizer build is up to date (make -C c-client build-asan/h2c-probe)"; return 0
  fi
  local BOUND_S=$((BOUND_S * 2))  # the sanitizer build is slower
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    run_probe "$ASAN_PROBE" "$WORK/out-asan"
  check "ASan probe run exits 0 (exit $PROBE_RC, ${PROBE_MS} ms)" [ "$PROBE_RC" -eq 0 ]
  check "ASan/UBSan report nothing" sanitizer_quiet "$WORK/out-asan.stderr"
  sanitizer_quiet "$WORK/out-asan.stderr" || sed -n '1,40s/^/# /p' "$WORK/out-asan.stderr"
  local RESULTS="$WORK/out-asan/results.json"
  check "ASan run: gevent seed-upgrade-h2c is desync too" verdict_is gevent-local seed-upgrade-h2c desync
  check "ASan run: nghttpx rfc-upgrade-post is ok-h2 too" verdict_is nghttpx-local rfc-upgrade-post ok-h2
  check "ASan run: gevent websocket-raw-echo is ok-h1 too" verdict_is gevent-local websocket-raw-echo ok-h1
}

main() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --keep) KEEP=1 ;;
      --results) [ $# -ge 2 ] || { usage >&2; exit 2; }; RESULTS_ONLY=$2; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-e2e.XXXXXX")
  trap finish EXIT
  trap 'exit 130' INT TERM
  write_query_helper

  if [ -n "$RESULTS_ONLY" ]; then
    RESULTS=$RESULTS_ONLY
    check_results
    return 0
  fi

  if [ -n "${H2C_PROBE:-}" ]; then
    echo "# testing H2C_PROBE=$PROBE (no build)"
  else
    echo "# building the probe (make -C c-client)"
    if ! make -s -C "$ROOT/c-client" >"$WORK/build.log" 2>&1; then
      sed 's/^/# /' "$WORK/build.log" | tail -n 30
      not_ok "probe builds (make -C c-client)"; return 0
    fi
    ok "probe builds (make -C c-client)"
  fi
  check "probe is executable: $PROBE" [ -x "$PROBE" ]

  echo "# starting local targets"
  if ! start_targets; then not_ok "local targets start (lab/scripts/local-targets.sh run)"; return 0; fi
  ok "local targets start (gevent, nghttpx, waitress)"

  echo "# running: h2c-probe run --targets ... --scenarios c-client/scenarios --timeout-ms $TIMEOUT_MS"
  run_probe "$PROBE" "$WORK/out"
  RESULTS="$WORK/out/results.json"
  check "probe run exits 0 (exit $PROBE_RC)" [ "$PROBE_RC" -eq 0 ]
  [ "$PROBE_RC" -eq 0 ] || sed -n '1,20s/^/# /p' "$WORK/out.stderr"
  check "probe run finishes within ${BOUND_S}s (took ${PROBE_MS} ms)" [ "$PROBE_MS" -lt $((BOUND_S * 1000)) ]
  if [ ! -s "$RESULTS" ]; then not_ok "probe wrote $RESULTS"; return 0; fi
  check_results
  check_vocabulary
  print_verdicts
  check_same_as_lab
  check_patch_fetch
  check_backend_log
  check_asan_run
}

main "$@"
