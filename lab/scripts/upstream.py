#!/usr/bin/python3
"""upstream.py - what the lab hands to gevent: the patch, the public comment, the advisory.

Why: the lab exists to be attached to gevent issue #2035 and to a private report.
Three files come out of one run (reports/<run>/upstream/, `make upstream`):
  0001-pywsgi-consume-the-body-of-an-upgrade-request-once.patch
      `git format-patch` form against gevent's layout, assembled from its pieces in
      lab/servers/gevent/patch/ (message.txt, pywsgi.diff, 2035.bugfix.rst) and the
      regression test lab/upstream/test_pywsgi_upgrade_body.py; the committed copy
      lab/servers/gevent/<that name> is what the gevent-fixed image applies, so
      `patch --check` fails when it is stale (one source of the change).
  ISSUE-COMMENT.md  public text for #2035 from results.json: no proxy-* scenario, no
                    proxy configuration, no request hidden in a body.
  ADVISORY.md       private draft: versions, preconditions, the measured proxy table,
                    CVSS v3.1, measured workarounds, one reproducer.

usage: upstream.py patch [--out FILE]          print/write the patch from its pieces
       upstream.py check                       exit 1 when the committed patch is stale
       upstream.py write [RUN_DIR] [--out DIR] the three files (RUN_DIR default reports/latest)
/usr/bin/python3, standard library only.
"""

import argparse
import hashlib
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PIECES = os.path.join(ROOT, "lab", "servers", "gevent", "patch")
PATCH_NAME = "0001-pywsgi-consume-the-body-of-an-upgrade-request-once.patch"
COMMITTED = os.path.join(ROOT, "lab", "servers", "gevent", PATCH_NAME)
# (path in gevent's tree, file in the lab) of the files the patch adds.
NEW_FILES = (("docs/changes/2035.bugfix.rst", os.path.join(PIECES, "2035.bugfix.rst")),
             ("src/gevent/tests/test__pywsgi_upgrade_body.py",
              os.path.join(ROOT, "lab", "upstream", "test_pywsgi_upgrade_body.py")))
STAT_WIDTH = 72      # git format-patch's diffstat width (MAIL_DEFAULT_WRAP)
ABBREV = 8           # blob id length in index lines, as git prints them for gevent
ISSUE_MAX = 10000    # characters of ISSUE-COMMENT.md at most (a GitHub comment)
GEVENT = "https://github.com/gevent/gevent"
# What gevent's history says (checked against its repository, see lab/notes/).
HISTORY = ("the raw-input branch came with commit 8c497751 (PR #1723, merged 2020-12-19, "
           "\"Fixes #1712\"), first released in 20.12.0; src/gevent/pywsgi.py is "
           "byte-identical in 25.9.1, 26.5.0 and master (2026-05)")
REPRO = ("curl -sv -H 'Connection: Upgrade' -H 'Upgrade: h2c' -d 'Hello, World!' "
         "http://127.0.0.1:8080/echo http://127.0.0.1:8080/echo")


class UpstreamError(Exception):
    pass


def read(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except OSError as exc:
        raise UpstreamError("cannot read %s: %s" % (path, exc.strerror))


# ---- the patch ----------------------------------------------------------------------

def blob_id(text):
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()[:ABBREV]


def new_file_diff(path, text):
    if not text.endswith("\n"):
        raise UpstreamError("%s must end with a newline" % path)
    lines = text.splitlines(True)
    head = ("diff --git a/{0} b/{0}\nnew file mode 100644\nindex {1}..{2}\n"
            "--- /dev/null\n+++ b/{0}\n@@ -0,0 +1,{3} @@\n").format(
                path, "0" * ABBREV, blob_id(text), len(lines))
    return head + "".join("+" + line for line in lines), len(lines), 0


def counted_diff(text):
    """A piece diff (git diff output) and its added/removed line counts."""
    if not text.startswith("diff --git a/src/gevent/pywsgi.py "):
        raise UpstreamError("pywsgi.diff must be `git diff` output for src/gevent/pywsgi.py")
    body = [l for l in text.splitlines() if not l.startswith(("+++ ", "--- "))]
    return (text, sum(l.startswith("+") for l in body), sum(l.startswith("-") for l in body))


def scale(n, width, most):
    return 0 if n == 0 else 1 + (n * (width - 1)) // most


def diffstat(files):
    """git's --stat lines for [(path, added, removed)]."""
    name_w = max(len(p) for p, _, _ in files)
    most = max(a + r for _, a, r in files)
    num_w = len(str(most))
    graph_w = min(STAT_WIDTH - num_w - 6 - name_w, most)
    out = []
    for path, added, removed in files:
        total = scale(added + removed, graph_w, most) if most > graph_w else added + removed
        minus = scale(removed, graph_w, most) if most > graph_w else removed
        out.append(" %-*s | %*d %s\n" % (name_w, path, num_w, added + removed,
                                         "+" * (total - minus) + "-" * minus))
    adds, dels = sum(a for _, a, _ in files), sum(r for _, _, r in files)
    out.append(" %d files changed, %d insertions(+), %d deletions(-)\n" % (len(files), adds, dels))
    return "".join(out)


def build_patch():
    message = read(os.path.join(PIECES, "message.txt"))
    head, _, body = message.partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    if sorted(fields) != ["Date", "From", "Subject"]:
        raise UpstreamError("message.txt: From, Date and Subject lines, a blank line, the body")
    diffs = {path: new_file_diff(path, read(src)) for path, src in NEW_FILES}
    diffs["src/gevent/pywsgi.py"] = counted_diff(read(os.path.join(PIECES, "pywsgi.diff")))
    paths = sorted(diffs)
    stat = diffstat([(p, diffs[p][1], diffs[p][2]) for p in paths])
    created = "".join(" create mode 100644 %s\n" % p for p, _ in sorted(NEW_FILES))
    return ("From %s Mon Sep 17 00:00:00 2001\nFrom: %s\nDate: %s\nSubject: [PATCH] %s\n\n%s"
            "---\n%s%s\n%s-- \nh2c-lab\n\n" % ("0" * 40, fields["From"], fields["Date"],
                                               fields["Subject"], body, stat, created,
                                               "".join(diffs[p][0] for p in paths)))


# ---- the run's data -----------------------------------------------------------------

def load_results(run_dir):
    path = os.path.join(run_dir, "results.json")
    if not os.path.isfile(path):
        raise UpstreamError("no %s: run `make report` first, or name a run "
                            "(make upstream RUN=reports/<stamp>)" % path)
    try:
        doc = json.loads(read(path))
    except ValueError as exc:
        raise UpstreamError("%s is not JSON: %s" % (path, exc))
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise UpstreamError("%s has no cells: not a results.json of h2c-probe" % path)
    return doc


class Run:
    """results.json seen from the upstream files: the gevent family, the proxies, the fix."""

    def __init__(self, doc):
        self.doc = doc
        self.targets = {t["name"]: t for t in doc.get("targets", [])}
        self.scenarios = {s["id"]: s for s in doc.get("scenarios", [])}
        self.cells = {(c["target"], c["scenario"]): c for c in doc["cells"]}
        fixes = [n for n, t in self.targets.items() if t.get("patch") or self.info(n).get("fix_of")]
        self.fix = fixes[0] if fixes else None
        family = self.info(self.fix).get("family") if self.fix else "gevent"
        self.family = [n for n in self.targets if self.info(n).get("family") == family
                       and not self.is_proxy(n)]
        self.family.sort(key=lambda n: self.version_key(n), reverse=True)

    def info(self, name):
        return (self.targets.get(name) or {}).get("info") or {}

    def is_proxy(self, name):
        return bool(self.info(name).get("proxy")) or self.info(name).get("family") == "proxy"

    def version(self, name):
        return (self.targets.get(name) or {}).get("version") or "version unknown"

    def version_key(self, name):
        digits = "".join(ch if ch.isdigit() else " " for ch in self.version(name).split(" + ")[0])
        return [int(x) for x in digits.split()[:3]] + [0 if self.targets[name].get("patch") else 1]

    def direct_scenarios(self):
        """Scenarios that are not exploitation recipes (no proxy-*), in the run's order."""
        return [s for s in self.scenarios if not s.startswith("proxy-")]

    def failing(self, name):
        """The direct scenarios of the body bug (not regression guards such as the
        WebSocket raw echo, which 20.9.0 fails for #1712) that NAME gets wrong."""
        return [s for s in self.direct_scenarios()
                if not self.scenarios[s].get("regression_guard")
                and (self.cells.get((name, s)) or {}).get("ok") is False
                and self.cells[(name, s)]["verdict"] != "rejected"]

    def header(self, scenario, name):
        req = (self.scenarios[scenario].get("requests") or [{}])[0]
        vals = [v for k, v in req.get("headers") or [] if k.lower() == name]
        return vals[0] if vals else "-"


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def family_table(run, scenarios):
    out = ["| target | version | " + " | ".join(scenarios) + " |",
           "|---|---|" + "---|" * len(scenarios)]
    for name in run.family:
        cells = [(run.cells.get((name, s)) or {}).get("verdict", "-") for s in scenarios]
        out.append("| %s | %s | %s |" % (name, md(run.version(name)), " | ".join(cells)))
    return "\n".join(out) + "\n"


def windows(run):
    bad = [run.version(n) for n in run.family if run.failing(n) and not run.targets[n].get("patch")]
    good = [run.version(n) for n in run.family if not run.failing(n) and not run.targets[n].get("patch")]
    return bad, good


def self_curl(run, scenario):
    """A curl-engine scenario without listed headers: curl chooses them, nothing to show."""
    return run.scenarios[scenario].get("engine") == "curl"


def trigger_lines(run, subject):
    out = []
    for s in run.direct_scenarios():
        cell = run.cells.get((subject, s))
        if not cell or s.startswith("h2-") or (self_curl(run, s) and run.header(s, "connection") == "-"):
            continue
        out.append("| %s | `%s` | `%s` | %s |" % (s, md(run.header(s, "connection")),
                                                   md(run.header(s, "upgrade")), cell["verdict"]))
    return ("| scenario | Connection | Upgrade | %s |\n|---|---|---|---|\n" % subject
            + "\n".join(out) + "\n")


def upstream_lines(run):
    att = (run.doc.get("attachments") or {}).get("upstream") or {}
    out = []
    for r in att.get("runs") or []:
        failed = sorted(t for t, v in (r.get("tests") or {}).items() if v != "ok")
        out.append("- %s (%s): %s%s" % (r.get("image"), r.get("version"), r.get("outcome"),
                                       "; not ok: " + ", ".join(failed) if failed else ""))
    return "\n".join(out) + "\n" if out else "(not run in this lab run)\n"


# ---- ISSUE-COMMENT.md ---------------------------------------------------------------

def issue_comment(run, patch):
    subject = next((n for n in run.family if run.failing(n)), None)
    if subject is None:
        raise UpstreamError("no gevent target fails a direct scenario in this run: nothing to report")
    scen = [s for s in run.direct_scenarios() if s.startswith(("seed-", "curl-seed", "websocket-",
                                                              "rfc-", "control-", "keepalive-"))]
    bad, good = windows(run)
    fix = run.fix
    text = [
        "### Measured: gevent.pywsgi reads an upgrade request's body twice\n",
        "A request whose whole `Connection` value is `Upgrade` (or with `Upgrade: websocket`) "
        "and that has a body gets the raw socket as `wsgi.input`; when the app does not answer "
        "`101`, `handle_one_response` discards the body a second time from the start of the "
        "next request on the keep-alive connection (400, or a hang); a chunked body cannot "
        "be read at all (the app sees it empty).\n",
        "Reproducer (any gevent.pywsgi app that echoes the body):\n\n    %s\n\n"
        "The second request gets `400 Bad Request`.\n" % REPRO,
        "**Versions, as measured** (Debian packages, %s): affected %s; not affected %s. "
        "History narrows it: %s.\n" % (run.doc.get("run", {}).get("started", "?"),
                                       ", ".join(bad) or "none", ", ".join(good) or "none", HISTORY),
        "**Trigger conditions** (first request of each scenario, %s):\n\n%s"
        % (subject, trigger_lines(run, subject)),
        "**All gevent targets** (h2c-probe, one cell per scenario):\n\n%s" % family_table(run, scen),
    ]
    if fix:
        text.append("**A fix** (`%s`, applied to %s as `%s`): every body cell above is `ok-h1` "
                    "there%s. It gives a request with body framing gevent's `Input` "
                    "(the body is consumed once), keeps the raw stream for bodiless upgrades "
                    "(WebSocket handshakes, #1712), and closes after a non-101 answer only if "
                    "the app read from that stream. gevent's own `test__pywsgi.py` (120 tests of 25.9.1 on "
                    "the patched 25.9.1, 114 of 22.10.2 on the patched 22.10.2) passes unchanged; "
                    "the new regression test, run in each image:\n\n%s"
                    % (PATCH_NAME, run.info(fix).get("fix_of", "?"), fix,
                       "".join(" except " + s for s in run.failing(fix)), upstream_lines(run)))
    text.append("Patch: attached (`git am`-able, with a towncrier fragment). Security-relevant "
                "findings about this behaviour have been reported privately through GitHub "
                "private vulnerability reporting.\n")
    out = "\n".join(text)
    guard_public(out)
    if len(out) > ISSUE_MAX:
        raise UpstreamError("ISSUE-COMMENT.md would be %d characters (at most %d)" % (len(out), ISSUE_MAX))
    return out


def guard_public(text):
    """The public text carries no recipe: refuse, do not trim, when it would."""
    for bad in ("/admin", "proxy-", "via-", "smuggl"):
        if bad in text:
            raise UpstreamError("public text would contain %r (an exploitation recipe): "
                                "fix upstream.py, do not publish" % bad)


# ---- ADVISORY.md --------------------------------------------------------------------

CVSS = (("AV", "N", 0.85, "network: the requests are ordinary HTTP requests"),
        ("AC", "H", 0.44, "needs a reverse proxy that forwards `Connection: upgrade` and reuses "
                          "upstream connections (measured: some configurations, not all)"),
        ("PR", "N", 0.85, "no account needed"),
        ("UI", "N", 0.85, "no victim action; a victim only has to share the upstream connection"),
        ("S", "U", None, "the impact stays within the application behind gevent"),
        ("C", "L", 0.22, "a request hidden in a body reaches paths the proxy denies; answers can "
                         "reach another client"),
        ("I", "L", 0.22, "the hidden request is executed as if the proxy had allowed it"),
        ("A", "L", 0.22, "other clients' requests fail (400) or hang on a shared connection"))


def cvss():
    """(vector, base score) of CVSS v3.1 for the metrics above (scope unchanged)."""
    w = {m: x for m, _, x, _ in CVSS}
    iss = 1 - (1 - w["C"]) * (1 - w["I"]) * (1 - w["A"])
    impact = 6.42 * iss
    exploit = 8.22 * w["AV"] * w["AC"] * w["PR"] * w["UI"]
    score = 0.0 if impact <= 0 else math.ceil(min(impact + exploit, 10) * 10 - 1e-9) / 10
    return "CVSS:3.1/" + "/".join("%s:%s" % (m, v) for m, v, _, _ in CVSS), score


def proxy_rows(run):
    """(configuration, backend target, verdicts of its proxy-* cells, vulnerable?): vulnerable
    when a cell is a security finding (smuggled, cross-client); a desync the proxy causes
    with every backend (its own parser) is in the verdicts but is not gevent's."""
    rows = []
    for name in run.targets:
        if not run.is_proxy(name):
            continue
        cells = [c for (t, s), c in run.cells.items() if t == name and s.startswith("proxy-")]
        if not cells:
            continue
        bad = [c for c in cells if c.get("security")]
        rows.append((run.info(name).get("proxy", name), run.info(name).get("backend", "?"),
                     sorted({c["verdict"] for c in cells}), bool(bad), name))
    return sorted(rows)


def unpatched_subject(run, backend):
    """A backend target of the subject's family without the fix."""
    return backend in run.family and not run.targets.get(backend, {}).get("patch")


def workarounds(run, rows):
    """The proxy-side settings the run measured: every configuration whose info says what it
    changes ("workaround", "workaround_of": the configuration it changes), with the
    unpatched backends it was measured with, whether any of them was still vulnerable, and
    behind which of them the unchanged configuration is vulnerable. From the data only."""
    by_config = {}
    for config, backend, _, bad, name in rows:
        by_config.setdefault(config, []).append((backend, bad, name))
    out = []
    for config, items in sorted(by_config.items()):
        info = run.info(items[0][2])
        measured = [(b, bad) for b, bad, _ in items if unpatched_subject(run, b)]
        if not info.get("workaround") or not measured:
            continue
        base = info.get("workaround_of") or "?"
        base_bad = sorted(b for b, bad, _ in by_config.get(base, []) if bad and unpatched_subject(run, b))
        out.append({"config": config, "base": base, "base_bad": base_bad, "setting": info["workaround"],
                    "with": sorted(b for b, _ in measured), "holds": not any(bad for _, bad in measured)})
    return out


def workaround_lines(found):
    lines = []
    for w in found:
        base = ("; unchanged, `%s` is vulnerable behind %s" % (w["base"], ", ".join(w["base_bad"]))
                if w["base_bad"] else "")
        if w["holds"]:
            lines.append("- %s - configuration `%s`: no security-relevant proxy-* cell behind %s "
                         "(unpatched)%s." % (w["setting"], w["config"], ", ".join(w["with"]), base))
        else:
            lines.append("- Measured NOT to stop it: %s - configuration `%s` is still vulnerable "
                         "behind %s." % (w["setting"], w["config"], ", ".join(w["with"])))
    return lines


def reproducer(run):
    for name in run.family:
        cell = run.cells.get((name, "proxy-request-boundaries"))
        if cell and cell["verdict"] != "ok-h1":
            out = [e["data"] for e in (cell.get("transcript") or {}).get("events", [])
                   if e.get("dir") == "out" and e.get("conn") == "a"]
            return name, "".join(out)
    return None, ""


def advisory(run, patch):
    vector, score = cvss()
    bad, good = windows(run)
    rows = proxy_rows(run)
    table = ["| configuration | backend | verdicts of the proxy-* scenarios | vulnerable (smuggled or cross-client) |",
             "|---|---|---|---|"]
    table += ["| %s | %s | %s | %s |" % (c, b, ", ".join(v), "**yes**" if x else "no")
              for c, b, v, x, _ in rows]
    found = workarounds(run, rows)
    changed = {w["config"] for w in found}
    safe = sorted({c for c, b, v, x, _ in rows if not x and unpatched_subject(run, b)
                   and c not in changed})
    who, data = reproducer(run)
    parts = [
        "# Draft advisory: request smuggling through gevent.pywsgi upgrade requests (#2035)\n",
        "## Summary\n\ngevent.pywsgi (>= 20.12.0) gives an upgrade-bearing request with a body the "
        "raw socket as `wsgi.input` and then discards the body a second time from the bytes "
        "that follow on the connection. A client can size its body so that gevent eats the "
        "head of the next request and parses that request's body as a request of its own. "
        "Behind a reverse proxy that forwards `Connection: upgrade` and reuses upstream "
        "connections, that hidden request bypasses the proxy's access rules, and one "
        "client's request can break or receive another client's answer.\n",
        "## Affected and patched versions\n\n- Measured affected: %s.\n- Measured not "
        "affected: %s.\n- History: %s; so every release from 20.12.0 to 26.5.0 and master.\n"
        "- Patched: no release yet; the fix is `%s` (measured on `%s`: %s).\n"
        % (", ".join(bad) or "none", ", ".join(good) or "none", HISTORY, PATCH_NAME,
           run.fix or "?", "all direct scenarios ok" if run.fix and not run.failing(run.fix)
           else "see results"),
        "## Preconditions\n\n- An app served by `gevent.pywsgi.WSGIServer` (directly or via "
        "gunicorn's gevent_pywsgi worker).\n- The attacker can send a request with the whole "
        "`Connection` value `upgrade` (or `Upgrade: websocket`) and a body.\n- For impact on "
        "others: a reverse proxy in front that forwards these headers and reuses upstream "
        "connections (table below).\n",
        "## Impact (measured, %d proxy configurations x backends)\n\n%s\n"
        % (len(rows), "\n".join(table)),
        "## Severity\n\n`%s` (base %.1f)\n\n%s\n" % (vector, score, "\n".join(
            "- %s:%s - %s" % (m, v, why) for m, v, _, why in CVSS)),
        "## Workarounds (measured)\n\n%s- Proxy configurations measured not vulnerable in front "
        "of an affected gevent (see the table for what each forwards and reuses): %s.\n"
        "- Apply the patch (measured above).\n"
        % ("".join(line + "\n" for line in workaround_lines(found)), ", ".join(safe) or "none measured"),
        "## References\n\n- %s/issues/2035 (public report, 2024-06-04)\n- %s/pull/1723, "
        "%s/issues/1712, commit 8c497751 (origin of the raw-input branch)\n- CVE-2023-41419 "
        "(pywsgi request smuggling, fixed in 23.9.0), %s/issues/2075 (fixed in 25.4.1)\n"
        "- RFC 9110 section 7.8, RFC 7540 section 3.2\n" % (GEVENT, GEVENT, GEVENT, GEVENT),
    ]
    if data:
        parts.append("## Minimal reproducer (the bytes the lab sent to %s, %s, directly)\n\n"
                     "```\nprintf '%s' | nc -q 2 HOST 8080\n```\n\nRequest 1's body is sized "
                     "so that gevent's second discard eats exactly request 2's head; gevent then "
                     "parses request 2's body, a `GET /admin`, as a request of its own and "
                     "answers it. Behind a proxy of the table marked vulnerable the same bytes "
                     "reach a path the proxy denies.\n" % (who, run.version(who), data))
    return "\n".join(parts)


# ---- command line -------------------------------------------------------------------

def write_atomically(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def committed_is_fresh(patch):
    return os.path.exists(COMMITTED) and read(COMMITTED) == patch


def write_all(run_dir, out_dir):
    patch = build_patch()
    if not committed_is_fresh(patch):
        raise UpstreamError("%s is stale (its pieces changed): run lab/scripts/upstream.py patch "
                            "--out %s and rebuild gevent-fixed" % (COMMITTED, COMMITTED))
    run = Run(load_results(run_dir))
    os.makedirs(out_dir, exist_ok=True)
    files = {PATCH_NAME: patch, "ISSUE-COMMENT.md": issue_comment(run, patch),
             "ADVISORY.md": advisory(run, patch)}
    for name, text in files.items():
        write_atomically(os.path.join(out_dir, name), text)
        print("upstream: wrote %s (%d characters)" % (os.path.join(out_dir, name), len(text)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("patch")
    p.add_argument("--out")
    sub.add_parser("check")
    w = sub.add_parser("write")
    w.add_argument("run_dir", nargs="?", default=os.path.join(ROOT, "reports", "latest"))
    w.add_argument("--out", help="default: RUN_DIR/upstream")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "patch":
            patch = build_patch()
            if args.out:
                write_atomically(args.out, patch)
            else:
                sys.stdout.write(patch)
        elif args.cmd == "check":
            if not committed_is_fresh(build_patch()):
                raise UpstreamError("%s is stale: run lab/scripts/upstream.py patch --out %s"
                                    % (COMMITTED, COMMITTED))
        else:
            run_dir = os.path.realpath(args.run_dir)
            write_all(run_dir, args.out or os.path.join(run_dir, "upstream"))
    except UpstreamError as exc:
        sys.stderr.write("upstream: ERROR: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
