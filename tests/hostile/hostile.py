#!/usr/bin/python3
"""tests/hostile/hostile.py - the hostile-server suite (tests/run-all.sh suite "hostile").

For each attack of server.py, one server on 127.0.0.1 and the whole scenario catalogue
run against it by the sanitizer build of the probe (c-client/build-asan/h2c-probe; a
sanitizer report fails the test), all attacks at once. What must hold for every attack
(checks.py): no sanitizer report and exit 0; every cell within its bound and the run
within its bound (docs/formats.md, "Time bounds"); the probe's peak RSS under RSS_LIMIT;
every file of the report set well-formed. Against the server that answers everything
alike, no verdict may claim a proxy or another client.

Then each check is fed a doctored input it must refuse (a check that cannot fail is a
defect), and the report set is shown to be all-or-nothing (report_set.py).

usage: hostile.py [--keep] [MODE...]   (run.sh builds the probe first)
Prints "ok - ..." / "FAIL - ..." lines and a last line "N passed, N failed".
"""
import concurrent.futures
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import checks  # noqa: E402
import report_set  # noqa: E402
import server  # noqa: E402

PROBE = os.path.join(ROOT, "c-client", "build-asan", "h2c-probe")
SCENARIOS = os.path.join(ROOT, "c-client", "scenarios")
TIMEOUT_MS = 300          # --timeout-ms of the runs: every cell ends within (n + 2) x this
# A trickle of one byte per second must outlast the read timeout (it is a per-read
# timeout), so those attacks run with a longer one, each scenario in its own process
# (every cell can last its whole bound, and one target's cells run one after another).
SLOW = {"slow-head": 1200, "slow-body": 1200}
PARALLEL = 24             # probe processes at once (most of them only wait)
# Peak RSS of one probe process (the ASan build, its quarantine of freed memory cut to
# 16 MiB so the figure follows what the probe holds). Measured 2026-12-04: see
# tests/hostile/README.md.
RSS_LIMIT_KIB = 256 * 1024
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:quarantine_size_mb=16",
           "UBSAN_OPTIONS": "print_stacktrace=1"}

PASS = FAIL = 0


def ok(msg):
    global PASS
    PASS += 1
    print("ok - " + msg, flush=True)


def fail(msg, problems=()):
    global FAIL
    FAIL += 1
    print("FAIL - " + msg, flush=True)
    for p in list(problems)[:8]:
        print("    " + p, flush=True)


def check(msg, problems):
    if problems:
        fail(msg, problems)
    else:
        ok(msg)


# ---- servers and runs ----------------------------------------------------------------

def start_servers(modes):
    """server.py MODE for each mode, all at once; returns {mode: process} and
    {mode: port or None when it did not say its port within 10 s}."""
    procs = {m: subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), m],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for m in modes}
    ports, until = {}, time.monotonic() + 10
    for m, p in procs.items():
        r, _, _ = select.select([p.stdout], [], [], max(0, until - time.monotonic()))
        line = p.stdout.readline().decode() if r else ""
        ports[m] = int(line.split()[1]) if line.startswith("port ") else None
    return procs, ports


def scenario_ids():
    return sorted(f[:-5] for f in os.listdir(SCENARIOS) if f.endswith(".json"))


class Run:
    """One probe process: a mode, the scenarios it runs (None: all), where it wrote."""

    def __init__(self, mode, port, only, timeout_ms, workdir):
        self.mode, self.only, self.timeout_ms = mode, only, timeout_ms
        self.label = mode + ("/" + only if only else "")
        self.dir = os.path.join(workdir, self.label.replace("/", "--"))
        self.out = os.path.join(self.dir, "out")
        os.makedirs(self.dir)
        self.targets = os.path.join(self.dir, "targets.json")
        with open(self.targets, "w") as f:
            json.dump({"targets": [{"name": "hostile-" + mode, "url": "http://127.0.0.1:%d" % port,
                                    "version_path": "/version", "patch_path": "/fix.diff"}]}, f)
        self.rc = self.rss_kib = self.wall_ms = None
        self.stderr = ""
        self.doc = False                  # results.json once read (None: unreadable)

    def kill_after_s(self):
        """Far past the run's bound: only a probe that ignores its deadlines meets it."""
        n = 1 if self.only else len(scenario_ids())
        return 30 + n * 16 * self.timeout_ms / 1000

    def go(self):
        cmd = [PROBE, "run", "--targets", self.targets, "--out", self.out,
               "--timeout-ms", str(self.timeout_ms)]
        if self.only:
            cmd += ["--only", self.only]
        env = dict(os.environ, **SAN_ENV)
        t0 = time.monotonic()
        with open(os.path.join(self.dir, "stderr"), "wb") as err, \
                open(os.path.join(self.dir, "stdout"), "wb") as out:
            p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
            timer = threading.Timer(self.kill_after_s(), p.kill)
            timer.start()
            _, status, usage = os.wait4(p.pid, 0)
            timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
        self.wall_ms = int((time.monotonic() - t0) * 1000)
        self.rc, self.rss_kib = p.returncode, usage.ru_maxrss
        with open(os.path.join(self.dir, "stderr"), "rb") as f:
            self.stderr = f.read().decode("utf-8", "replace")
        return self

    def results(self):
        if self.doc is False:
            try:
                with open(os.path.join(self.out, "results.json")) as f:
                    self.doc = json.load(f)
            except (OSError, ValueError):
                self.doc = None
        return self.doc


def plan(modes, ports, workdir):
    runs = []
    for m in modes:
        if m in SLOW:
            runs += [Run(m, ports[m], s, SLOW[m], workdir) for s in scenario_ids()]
        else:
            runs.append(Run(m, ports[m], None, TIMEOUT_MS, workdir))
    # the longest first, so the slow ones never start last
    runs.sort(key=lambda r: r.mode not in SLOW and r.mode != "never-read")
    return runs


def judge(mode, runs):
    """The checks of one attack over its runs (one, or one per scenario)."""
    san, budget, reports, rss = [], [], [], 0
    longest = ""
    for r in runs:
        tag = r.label + ": " if len(runs) > 1 else ""
        san += [tag + p for p in checks.sanitizer_problems(r.stderr, r.rc)]
        doc = r.results()
        rss = max(rss, r.rss_kib)
        if doc is None:
            budget.append(tag + "no results.json (%s)" % r.stderr.strip()[-200:])
            continue
        budget += [tag + p for p in checks.budget_problems(doc, r.wall_ms)]
        reports += [tag + p for p in checks.report_problems(r.out)]
        worst = max(doc["cells"], key=lambda c: c["timings"]["total_ms"])
        longest = max(longest, "%06d ms %s" % (worst["timings"]["total_ms"], worst["scenario"]))
        if mode == "canned":
            claims = checks.claim_problems(doc, r.out)
            check("canned: no verdict claims a proxy or another client", claims)
    wall = max(r.wall_ms for r in runs)
    check("%s: no sanitizer report, exit 0 (%d run%s)" % (mode, len(runs), "s" if len(runs) > 1 else ""), san)
    check("%s: cells and run within their bounds (longest cell %s, run %.1f s)"
          % (mode, longest.lstrip("0") or "-", wall / 1000), budget)
    check("%s: peak RSS %.0f MiB <= %d MiB" % (mode, rss / 1024, RSS_LIMIT_KIB // 1024),
          checks.rss_problems(rss, RSS_LIMIT_KIB))
    check("%s: report set well-formed" % mode, reports)


def attack(modes, workdir):
    servers = {}
    try:
        servers, ports = start_servers(modes)
        for m in modes:
            if ports[m] is None:
                fail("%s: the server did not start" % m)
        modes = [m for m in modes if ports[m] is not None]
        runs = plan(modes, ports, workdir)
        with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
            done = list(pool.map(Run.go, runs))
    finally:
        for p in servers.values():
            p.kill()
            p.wait()
    for m in modes:
        judge(m, [r for r in done if r.mode == m])
    return done


# ---- every check fails on a doctored input -----------------------------------------

def doctored(template_dir, workdir):
    """Copies a well-formed report set and breaks one file; returns the copy's path."""
    n = len(os.listdir(workdir))
    d = os.path.join(workdir, "doctored-%d" % n)
    shutil.copytree(template_dir, d)
    return d


def edit(path, fn):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(fn(data))


def selftest(template_run, workdir):
    good = template_run.out
    base = checks.report_problems(good)
    if base:
        fail("selftest: the template report set is not well-formed", base)
        return
    doc = template_run.results()
    cases = [
        ("report.html with a server-made element", "report.html",
         lambda b: b.replace(b"<body>", b"<body><img src=x onerror=alert(1)>", 1)),
        ("report.html with a server-made attribute", "report.html",
         lambda b: b.replace(b"<table", b"<table onmouseover=\"alert(1)\"", 1)),
        ("report.html with a second <script>", "report.html",
         lambda b: b.replace(b"</body>", b"<script>alert(1)</script></body>", 1)),
        ("report.html with a link out of the page", "report.html",
         lambda b: b.replace(b"<body>", b"<body><a href=\"javascript:alert(1)\">x</a>", 1)),
        ("security.html with invalid UTF-8", "security.html", lambda b: b + b"\xff"),
        ("junit.xml that does not parse", "junit.xml", lambda b: b.replace(b"</testsuites>", b"", 1)),
        ("report.md with an unclosed fence", "report.md", lambda b: b + b"\n```\nopen\n"),
        ("report.md over its size limit", "report.md", lambda b: b + b"x" * checks.MD_LIMIT),
        ("report.md with a control byte", "report.md", lambda b: b + b"\x1b[31m"),
        ("report.md with a server's <img> outside code", "report.md",
         lambda b: b + b"\nsee <img src=x onerror=alert(1)>\n"),
        ("report.md with a <script> in the renderer's <details>", "report.md",
         lambda b: b + b"\n<details><summary>x</summary><pre><script>alert(1)</script></pre></details>\n"),
        ("security.md with an unclosed fence", "security.md", lambda b: b + b"\n~~~~\n"),
        ("security.md over its size limit", "security.md", lambda b: b + b"y" * checks.SECURITY_MD_LIMIT),
        ("results.json that is not JSON", "results.json", lambda b: b[:-3]),
        ("results.json with a member twice", "results.json",
         lambda b: b.replace(b"{", b"{\"format\": \"x\",", 1)),
    ]
    for what, name, fn in cases:
        d = doctored(good, workdir)
        edit(os.path.join(d, name), fn)
        check("selftest: the report check refuses %s" % what,
              [] if checks.report_problems(d) else ["no problem found"])
    # a ``` line inside a <pre> HTML block is no fence: the check must not call it one
    d = doctored(good, workdir)
    edit(os.path.join(d, "report.md"), lambda b: b + b"\n<details><pre>\n```\n</pre></details>\n")
    check("selftest: the fence check follows HTML blocks", checks.report_problems(d))
    # the bounds: a cell or the run over its bound, a process over the run's
    slow = json.loads(json.dumps(doc))
    slow["cells"][0]["timings"]["total_ms"] += 10 ** 6
    check("selftest: the budget check refuses a cell over its bound",
          [] if checks.budget_problems(slow, 0) else ["no problem found"])
    slow = json.loads(json.dumps(doc))
    slow["run"]["duration_ms"] += 10 ** 6
    check("selftest: the budget check refuses a run over its bound",
          [] if checks.budget_problems(slow, 0) else ["no problem found"])
    check("selftest: the budget check refuses a process over the run's bound",
          [] if checks.budget_problems(doc, 10 ** 7) else ["no problem found"])
    check("selftest: the budget check passes the run itself",
          checks.budget_problems(doc, template_run.wall_ms))
    # the sanitizer, the exit status, the RSS limit, the claims
    asan = "==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020\n"
    ubsan = "src/http1_parse.c:10:5: runtime error: signed integer overflow\n"
    check("selftest: the sanitizer check refuses an ASan report",
          [] if checks.sanitizer_problems(asan, 0) else ["no problem found"])
    check("selftest: the sanitizer check refuses a UBSan report",
          [] if checks.sanitizer_problems(ubsan, 0) else ["no problem found"])
    check("selftest: the exit check refuses a crash (-6)",
          [] if checks.sanitizer_problems("", -6) else ["no problem found"])
    check("selftest: the RSS check refuses a figure over its limit",
          [] if checks.rss_problems(RSS_LIMIT_KIB + 1, RSS_LIMIT_KIB) else ["no problem found"])
    claim = json.loads(json.dumps(doc))
    claim["cells"][0]["verdict"] = "cross-client"
    check("selftest: the claim check refuses a cross-client verdict",
          [] if checks.claim_problems(claim) else ["no problem found"])
    d = doctored(good, workdir)
    edit(os.path.join(d, "report.md"), lambda b: b + b"\n2 cells of targets behind a reverse proxy.\n")
    check("selftest: the claim check refuses a report naming a proxy there is none of",
          [] if checks.claim_problems(doc, d) else ["no problem found"])


def main(argv):
    keep = "--keep" in argv
    modes = [a for a in argv if a != "--keep"] or list(server.MODES)
    unknown = [m for m in modes if m not in server.MODES]
    if unknown or not os.access(PROBE, os.X_OK):
        print("usage: hostile.py [--keep] [MODE...]  (modes: %s; needs %s: make -C c-client "
              "build-asan/h2c-probe)" % (" ".join(server.MODES), PROBE), file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="h2c-hostile-")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    try:
        runs = attack(modes, workdir)
        t1 = time.monotonic()
        template = next((r for r in runs if r.mode == "markup" and r.results()), None) or \
            next((r for r in runs if r.results()), None)
        if template:
            selftest(template, workdir)
        for name, problems in report_set.tests(PROBE, template.out if template else None, workdir):
            if problems is None:
                print("skip - " + name, flush=True)
            else:
                check(name, problems)
        print("hostile: attacks and their checks %.1f s, self-tests and report set %.1f s"
              % (t1 - t0, time.monotonic() - t1))
    finally:
        if keep or FAIL:
            print("hostile: outputs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("hostile: %.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
