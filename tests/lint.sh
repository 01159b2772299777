#!/usr/bin/env bash
# tests/lint.sh - the checks that need neither a build nor Docker:
#   - docker-compose.yml and lab/targets.json are what lab/scripts/lab-files.py makes of
#     the folders' lab.json (the committed files are not stale);
#   - adding a server is one folder: a copy of a server folder under a new name, edited
#     only inside the copy, yields a new compose service (with the probe waiting for it)
#     and a new target, in a scratch copy of the repository;
#   - broken manifests are refused with the file and the member named;
#   - check-expected.py prints the shared notes (lab/notes) in full and refuses unknown ones;
#   - the gevent patch is fresh, and upstream.py keeps recipes out of the public comment;
#   - shellcheck and pyflakes report nothing on the tracked shell and Python scripts.
# Prints "ok - ..." / "FAIL - ..." per check and "N passed, N failed" last.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3
GEN=lab/scripts/lab-files.py

PASS=0 FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
not_ok() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
# check DESCRIPTION COMMAND...: one assertion; the command's output follows as diagnostics.
check() {
  local desc=$1 out rc=0; shift
  out=$("$@" 2>&1) || rc=$?
  if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc"; fi
  # shellcheck disable=SC2001  # a prefix on every line, not one substitution
  [ -z "$out" ] || [ $rc -eq 0 ] || sed 's/^/#   /' <<<"$out"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-lint.XXXXXX")
finish() {
  local rc=$?
  trap - EXIT
  [ $rc -eq 0 ] || [ $FAIL -gt 0 ] || not_ok "lint aborted (exit $rc); see above"
  rm -rf "$WORK"
  echo "$PASS passed, $FAIL failed"
  [ $FAIL -eq 0 ]
}
trap finish EXIT

# The repository's files as the working tree has them: tracked and new, not ignored.
repo_files() {
  local f
  while IFS= read -r -d '' f; do
    [ -f "$ROOT/$f" ] && printf '%s\0' "$f"
  done < <(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard)
}

in_root() { (cd "$ROOT" && "$@"); }

# scratch NAME: a copy of those files in $WORK/NAME.
scratch() {
  local dir=$WORK/$1
  mkdir -p "$dir"
  (cd "$ROOT" && repo_files | xargs -0 cp --parents -t "$dir") || return 1
  echo "$dir"
}

# ---- the generated files ----------------------------------------------------------------
check "$GEN --check: docker-compose.yml and lab/targets.json match the lab.json manifests" \
  "$PY" "$ROOT/$GEN" --check

# No shared state between targets (GitHub issue 13): every target behind a proxy has a
# backend no other target uses, no target names an isolation_group (the probe would
# serialize it with others), and each proxy reaches its backends only on its own
# upstream network, under the names its config file uses.
own_backends() {
  "$PY" - "$ROOT/lab/targets.json" "$ROOT/docker-compose.yml" <<'EOF2'
import json, re, sys
targets = json.load(open(sys.argv[1]))["targets"]
compose = open(sys.argv[2]).read()
seen, bad = {}, []
for t in targets:
    info = t.get("info", {})
    if "isolation_group" in info:
        bad.append("%s names isolation_group %s" % (t["name"], info["isolation_group"]))
    for key in ("backend_reset_url", "backend_log_url"):
        host = info.get(key, "").split("/")[2:3]
        if host and seen.setdefault((key, host[0]), t["name"]) != t["name"]:
            bad.append("%s and %s share %s host %s" % (seen[(key, host[0])], t["name"], key, host[0]))
    if info.get("proxy"):
        proxy = t["url"].split("//")[1].split(":")[0]
        backend = info["backend_reset_url"].split("/")[2].split(":")[0]
        net = "upstream-" + info["proxy"]
        if not re.search(r"\n  %s:\n(    .*\n)*    networks: \[lab, %s\]\n" % (proxy, net), compose):
            bad.append("service %s is not on lab and %s" % (proxy, net))
        if not re.search(r"\n  %s:\n(    .*\n)*      %s: \{ aliases: \[" % (backend, net), compose):
            bad.append("service %s is not on %s under an alias" % (backend, net))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF2
}
check "every proxy target has backends of its own (no shared reset/log host, no isolation_group), reached on the proxy's own upstream network" \
  own_backends

# The check must be able to fail: a manifest edit without regenerating is stale.
stale_is_caught() {
  local dir out rc=0
  dir=$(scratch stale) || return 1
  sed -i 's/"order": 30,/"order": 29,/' "$dir/lab/servers/waitress/lab.json"
  sed -i 's|"started": "python3 echo_wsgi.py --server waitress"|"started": "edited"|' \
    "$dir/lab/servers/waitress/lab.json"
  out=$("$PY" "$dir/$GEN" --check 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -q 'lab/targets.json is stale: run make lab-files' <<<"$out"; then
    echo "rc=$rc: $out"; return 1
  fi
}
check "$GEN --check fails, saying what to run, when a lab.json changed and the files were not regenerated" \
  stale_is_caught

# ---- adding a server is one folder --------------------------------------------------------
# The copy of waitress is renamed inside its own folder only; the generator must add its
# service (built from the copy's Dockerfile, waited for by the probe) and its target.
new_server_appears() {
  local dir new=waitress-copy
  dir=$(scratch add) || return 1
  cp "$dir/lab/targets.json" "$dir/lab/targets.json.orig"
  cp -a "$dir/lab/servers/waitress" "$dir/lab/servers/$new"
  sed -i "s/\"waitress\"/\"$new\"/g" "$dir/lab/servers/$new/lab.json" "$dir/lab/servers/$new/expected.json"
  "$PY" "$dir/$GEN" >/dev/null || return 1
  "$PY" - "$dir" "$new" <<'EOF'
import json, re, sys
root, new = sys.argv[1], sys.argv[2]
compose = open(root + "/docker-compose.yml").read()
block = re.search(r"^  %s:\n((?:    .*\n)+)" % re.escape(new), compose, re.M)
assert block, "no service %s in docker-compose.yml" % new
assert "dockerfile: servers/%s/Dockerfile" % new in block.group(1), block.group(1)
assert "image: h2c-lab/%s:latest" % new in block.group(1), block.group(1)
probe = compose[compose.index("\n  probe:"):]
assert "      %s: { condition: service_healthy }" % new in probe, "probe does not wait for " + new
targets = json.load(open(root + "/lab/targets.json"))["targets"]
t = [t for t in targets if t["name"] == new]
assert len(t) == 1 and t[0]["url"] == "http://%s:8080" % new, t
assert len(targets) == len(json.load(open(root + "/lab/targets.json.orig"))["targets"]) + 1
EOF
}
check "a copy of lab/servers/waitress as waitress-copy, edited only inside the copy: make lab-files adds its compose service, the probe's depends_on and its target" \
  new_server_appears
if [ -f "$WORK/add/lab/servers/waitress-copy/lab.json" ] && command -v docker >/dev/null 2>&1 \
   && timeout 20 docker compose version >/dev/null 2>&1; then
  compose_accepts() { (cd "$1" && docker compose config -q); }
  check "docker compose accepts the generated file with the new server (docker compose config -q)" \
    compose_accepts "$WORK/add"
fi

# ---- broken manifests: refused, naming the file and the member ----------------------------
# refused NAME SED-EXPR FILE PATTERN: apply the edit in a scratch copy; the generator must
# fail with an error matching PATTERN.
refused() {
  local dir out rc=0
  dir=$(scratch "$1") || return 1
  sed -i "$2" "$dir/$3"
  out=$("$PY" "$dir/$GEN" --check 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -qE "$4" <<<"$out"; then echo "rc=$rc: $out"; return 1; fi
}
check "an unknown member is refused, naming file and member" \
  refused unknown 's/"order": 30,/"order": 30, "oder": 1,/' lab/servers/waitress/lab.json \
  'lab/servers/waitress/lab.json: unknown member oder'
check "a Dockerfile that does not exist is refused, naming file and service" \
  refused nodockerfile 's/"waitress": {/"waitress": {"dockerfile": "Dockerfile.nope",/' lab/servers/waitress/lab.json \
  'lab/servers/waitress/lab.json: services.waitress.dockerfile: lab/servers/waitress/Dockerfile.nope does not exist'
check "a duplicate target name is refused, naming both files" \
  refused duplicate 's/"name": "hypercorn"/"name": "waitress", "service": "hypercorn"/' lab/servers/hypercorn/lab.json \
  'lab/servers/hypercorn/lab.json: target waitress is defined in lab/servers/waitress/lab.json too'
check "a backend standing for an unknown target is refused" \
  refused badbackend 's/"target": "waitress"/"target": "no-such-target"/' lab/backends/backend-waitress/lab.json \
  "lab/backends/backend-waitress/lab.json: backend.target: 'no-such-target' is not a target"
check "a fix whose info.fix_of is not a target is refused" \
  refused badfix 's/"fix_of": "gevent-sid"/"fix_of": "gevent-nope"/' lab/servers/gevent/lab.json \
  'lab/servers/gevent/lab.json: target gevent-fixed has role fix: its info.fix_of must name a target'
check "a workaround configuration naming no configuration it changes is refused" \
  refused badworkaround 's/"workaround_of": "nginx-websocket-keepalive"/"workaround_of": "nginx-nope"/' lab/proxies/nginx/lab.json \
  "lab/proxies/nginx/lab.json: proxy.configs nginx-websocket-keepalive-guarded.info.workaround_of: expected the name of the configuration it changes"
check "a target without its expected file is refused" \
  refused noexpected 's/"name": "hypercorn"/"name": "hypercorn2", "service": "hypercorn"/' lab/servers/hypercorn/lab.json \
  'lab/servers/hypercorn/lab.json: target hypercorn2 needs exactly one of expected-hypercorn2.json in lab/servers/hypercorn/'
check "an unknown role is refused" \
  refused badrole 's/"upstream-test"/"upstream-tests"/' lab/servers/gevent/lab.json \
  'lab/servers/gevent/lab.json: targets\[0\].roles: expected a list of roles'
check "a proxy configuration's unknown health check is refused, naming file and configuration" \
  refused badhealth 's/"health": "http",/"health": "htp",/' lab/proxies/squid/lab.json \
  'lab/proxies/squid/lab.json: proxy.configs\[0\].health: expected one of app, h2, http, status'

# ---- shared notes of the expected files (lab/notes) ---------------------------------------
CHECK=lab/scripts/check-expected.py
# check-expected.py takes its verdict names from the probe (list --verdicts --json).
PROBE=${H2C_PROBE:-$ROOT/c-client/build/h2c-probe}
[ -x "$PROBE" ] || make -s -C "$ROOT/c-client" build/h2c-probe >"$WORK/probe-build.log" 2>&1 \
  || { tail -n 20 "$WORK/probe-build.log"; not_ok "the probe builds (make -C c-client build/h2c-probe)"; }
# A run of one cell: gevent-sid x seed-upgrade-h2c answered ok-h1 (its expected.json
# lists desync with the note gevent-raw-input).
printf '%s\n' '{"cells": [{"target": "gevent-sid", "scenario": "seed-upgrade-h2c", "verdict": "ok-h1"}]}' \
  >"$WORK/one-cell.json"
note_printed() {
  local out
  out=$(in_root "$PY" "$CHECK" --probe "$PROBE" "$WORK/one-cell.json" 2>&1) || true
  grep -q "gevent-sid x seed-upgrade-h2c: expected desync (listed: .*\[note gevent-raw-input: gevent.pywsgi since 20.12.0 .*issue #2035\.\]), got ok-h1" <<<"$out" \
    || { echo "$out" | grep -F 'gevent-sid x seed-upgrade-h2c'; return 1; }
}
check "check-expected.py prints a listed cell's note (lab/notes) in full after its why" note_printed
unknown_note_refused() {
  local dir out
  dir=$(scratch badnote) || return 1
  sed -i '0,/"note": "gevent-raw-input"/s//"note": "no-such-note"/' "$dir/lab/servers/gevent/expected-gevent-sid.json"
  out=$(cd "$dir" && "$PY" "$CHECK" --probe "$PROBE" "$WORK/one-cell.json" 2>&1) || true
  grep -q "^FAIL - lab/servers/gevent/expected-gevent-sid.json: .*unknown note 'no-such-note'" <<<"$out" \
    || { echo "$out" | grep -F 'expected-gevent-sid.json'; return 1; }
}
check "check-expected.py refuses an expected file naming an unknown note" unknown_note_refused

# ---- the upstream files (lab/scripts/upstream.py, make upstream) -------------------------
UP=lab/scripts/upstream.py
check "$UP check: the committed gevent patch is what its pieces assemble to" in_root "$PY" "$UP" check
patch_stale_is_caught() {
  local dir out rc=0
  dir=$(scratch stalepatch) || return 1
  echo "One more line." >>"$dir/lab/servers/gevent/patch/2035.bugfix.rst"
  out=$(cd "$dir" && "$PY" "$UP" check 2>&1) || rc=$?
  if [ $rc -eq 0 ] || ! grep -q 'is stale: run lab/scripts/upstream.py patch' <<<"$out"; then echo "rc=$rc: $out"; return 1; fi
}
check "$UP check fails, saying what to run, when a piece of the patch changed" patch_stale_is_caught
# A run with a recipe in it: the fixture plus a proxy-request-boundaries cell on gevent-sid
# whose request 1 hides a GET /admin in its body, and a via-* proxy target.
doctored_run() {
  mkdir -p "$WORK/up" && "$PY" - "$ROOT/c-client/tests/fixtures/results-lab.json" "$WORK/up/results.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
r["scenarios"].append({"id": "proxy-request-boundaries", "title": "t", "requests": [{"headers": []}]})
bytes_ = "POST /echo HTTP/1.1\\r\\nConnection: Upgrade\\r\\nContent-Length: 40\\r\\n\\r\\nGET /admin?from=body HTTP/1.1\\r\\n\\r\\n"
for target, verdict in (("gevent-sid", "desync"), ("via-lab-proxy-gevent", "smuggled")):
    r["cells"].append({"target": target, "scenario": "proxy-request-boundaries", "verdict": verdict,
                       "ok": False, "security": verdict == "smuggled", "reason": "GET /admin answered",
                       "transcript": {"events": [{"conn": "a", "dir": "out", "data": bytes_}]}})
r["targets"].append({"name": "via-lab-proxy-gevent", "version": "x", "info": {
    "family": "proxy", "proxy": "lab-proxy", "backend": "gevent-sid"}})
json.dump(r, open(sys.argv[2], "w"))
PYEOF
}
public_has_no_recipe() {
  doctored_run && in_root "$PY" "$UP" write "$WORK/up" >/dev/null || return 1
  local f="$WORK/up/upstream/ISSUE-COMMENT.md"
  [ "$(wc -c <"$f")" -le 10000 ] || { echo "$f: $(wc -c <"$f") characters"; return 1; }
  ! grep -n -E '/admin|proxy-|via-|lab-proxy' "$f" || return 1
  grep -q 'gevent-sid .* desync' "$f" || { echo "the subject's desync is not stated"; return 1; }
  grep -q 'GET /admin' "$WORK/up/upstream/ADVISORY.md" || { echo "ADVISORY.md lacks the reproducer"; return 1; }
  grep -q '| lab-proxy | gevent-sid | smuggled | \*\*yes\*\* |' "$WORK/up/upstream/ADVISORY.md" \
    || { echo "ADVISORY.md lacks the proxy row"; return 1; }
  cmp -s "$WORK/up/upstream/0001-pywsgi-consume-the-body-of-an-upgrade-request-once.patch" \
    "$ROOT/lab/servers/gevent/0001-pywsgi-consume-the-body-of-an-upgrade-request-once.patch"
}
check "$UP write on a run with a proxy recipe: ISSUE-COMMENT.md (<= 10,000 characters) names no /admin, proxy-* scenario or proxy configuration; ADVISORY.md has the proxy row and the reproducer" \
  public_has_no_recipe
# Workarounds come from info.workaround/workaround_of of the run's proxy targets: the
# doctored run plus lab-proxy-guarded (clean) and lab-proxy-half (still smuggled).
# shellcheck disable=SC2016  # the backticks below are Markdown in ADVISORY.md, not expansions
workarounds_from_data() {
  doctored_run && "$PY" - "$WORK/up/results.json" <<'PYEOF' || return 1
import json, sys
r = json.load(open(sys.argv[1]))
for config, verdict in (("lab-proxy-guarded", "ok-h1"), ("lab-proxy-half", "smuggled")):
    r["targets"].append({"name": "via-%s-gevent" % config, "version": "x", "info": {
        "family": "proxy", "proxy": config, "backend": "gevent-sid",
        "workaround": "setting of %s" % config, "workaround_of": "lab-proxy"}})
    r["cells"].append({"target": "via-%s-gevent" % config, "scenario": "proxy-request-boundaries",
                       "verdict": verdict, "ok": verdict == "ok-h1", "security": verdict == "smuggled",
                       "reason": "r"})
json.dump(r, open(sys.argv[1], "w"))
PYEOF
  in_root "$PY" "$UP" write "$WORK/up" >/dev/null || return 1
  local f="$WORK/up/upstream/ADVISORY.md"
  grep -q '^- setting of lab-proxy-guarded - configuration `lab-proxy-guarded`: no security-relevant proxy-\* cell behind gevent-sid (unpatched); unchanged, `lab-proxy` is vulnerable behind gevent-sid\.$' "$f" \
    || { echo "$f: no measured workaround line for lab-proxy-guarded"; return 1; }
  grep -q '^- Measured NOT to stop it: setting of lab-proxy-half - configuration `lab-proxy-half` is still vulnerable behind gevent-sid\.$' "$f" \
    || { echo "$f: lab-proxy-half is not listed as not stopping it"; return 1; }
}
check "$UP write lists the measured workarounds from info.workaround (one that holds, one that does not)" \
  workarounds_from_data

# ---- shellcheck and pyflakes over every tracked script ------------------------------------
SHELL_SCRIPTS=() PY_SCRIPTS=()
while IFS= read -r -d '' f; do
  case "$f" in
    *.sh) SHELL_SCRIPTS+=("$f") ;;
    *.py) PY_SCRIPTS+=("$f") ;;
    c-client/fuzz/corpus/*|c-client/fuzz/regressions/*) ;;   # fuzz inputs, binary
    *) case "$(head -n 1 "$ROOT/$f" 2>/dev/null)" in
         '#!'*python*) PY_SCRIPTS+=("$f") ;;
         '#!'*bash*|'#!'*/sh) SHELL_SCRIPTS+=("$f") ;;
       esac ;;
  esac
done < <(repo_files)

if command -v shellcheck >/dev/null; then
  check "shellcheck: nothing to report in the ${#SHELL_SCRIPTS[@]} tracked shell scripts" \
    in_root shellcheck "${SHELL_SCRIPTS[@]}"
else
  not_ok "shellcheck is installed (lab/scripts/deps.sh installs the Debian package shellcheck)"
fi
if "$PY" -m pyflakes --version >/dev/null 2>&1; then
  check "pyflakes: nothing to report in the ${#PY_SCRIPTS[@]} tracked Python scripts" \
    in_root "$PY" -m pyflakes "${PY_SCRIPTS[@]}"
else
  not_ok "pyflakes is installed for $PY (lab/scripts/deps.sh installs the Debian package pyflakes3)"
fi
