#!/usr/bin/python3
"""lab/scripts/check-expected.py - compare a lab run (results.json) with what each
server is expected to do (lab/servers/<name>/expected.json).

Idea: every target says, in its expected.json, which cells are NOT simply correct
and why - the one-line "why" is checked against the server's own docs or source. A
scenario a server does not list must earn a verdict in that scenario's accept list.
So a run that changes any verdict (a server fixed, a regression, a probe change)
fails here, with target, scenario, expected, got and the probe's reason.

expected.json (in lab/servers/<target>/; a target built from another folder - a second
Debian suite of one server, a proxy serving several targets - has expected-<target>.json
in that folder, under lab/servers/ or lab/proxies/):

    {"target": "gevent-bookworm",
     "cells": {"seed-upgrade-h2c": {"verdict": "desync",
                                    "why": "pywsgi.py: ... (one line, cites the source)"}}}

"verdict" is one verdict, or a list when the wire really allows several (say why).
Every listed cell needs a non-empty "why", including listed ok verdicts (e.g. an
h2c server that answers ok-h1 where ok-h2 would be expected). An explanation many
cells share is written once, as lab/notes/<name>.md, and an entry names it with
"note": "<name>" (or a list); the why then says what is particular to the cell, and
wherever a why is printed the note follows it in full.

Checks (each prints "ok - ..." or "FAIL - ..."):
  coverage   results.json has every target of targets.json x every scenario file,
             exactly once, and nothing else
  files      every expectation file is well-formed: a known target, known scenarios
             and verdicts, a why for every entry, known notes; every target has
             exactly one; every note of lab/notes is used
  seed       the gevent-pywsgi targets with the raw-input branch (info.roles has
             "subject") desync on seed-upgrade-h2c and are ok on the control and RFC
             requests
  fixed      gevent with the lab's fix (info.roles has "fix", exactly one target) is ok
             everywhere but h2 prior knowledge
  fixed-behind-proxies
             no cell of a target behind a proxy (info.proxy) whose backend is the fixed
             gevent (info.backend == the "fix" target) is a security verdict (cross-client, smuggled, poisoned)
  h2c        targets with info.h2c true answer rfc-upgrade-get/-post with ok-h2
             unless their expected.json says otherwise
  version    each target's /version names its package (targets.json info.software;
             behind a proxy, that of the info.backend target)
  load-controls
             when results.json has a load section (h2c-probe load): no victim request of
             a run whose backend is no subject (backend_subject false: the fixed gevent,
             waitress) failed or was crossed; the subjects' figures are printed for contrast
  cells      every cell matches its expectation (one line per target)
--brief prints one line instead (for lab/scripts/report.sh); --matrix prints the
verdict matrix; --draft TARGET prints a starting expected.json whose whys are empty
(so it fails until each is written). The verdict names, the security verdicts and the
default accept list come from `h2c-probe list --verdicts --json` (--probe). Standard
library only (Debian's /usr/bin/python3).
"""

import argparse
import json
import os
import subprocess
import sys

# The verdict vocabulary comes from the probe (`h2c-probe list --verdicts --json`;
# c-client/src/verdicts.c is its only definition): load_vocabulary() fills these three
# sets before any check runs, so a new verdict needs no edit here.
VERDICTS = set()
# Verdicts where one client acts on another's requests or past the proxy's rules
# (results.json cells[].security): never allowed with the fixed gevent behind any proxy.
SECURITY_VERDICTS = set()
# Correct when a scenario gives no accept list.
DEFAULT_ACCEPT = set()
# Targets are picked by role (targets.json info.roles, from each folder's lab.json), never
# by name. SEED_ROLE: gevent.pywsgi targets whose handler takes the raw-input branch for
# "Connection: Upgrade" (pywsgi.py _connection_upgrade_requested).
SEED_ROLE = "subject"
SEED_SCENARIO = "seed-upgrade-h2c"
SEED_OK_SCENARIOS = ["control-keepalive", "rfc-upgrade-post", "rfc-upgrade-get"]
H2C_SCENARIOS = ["rfc-upgrade-get", "rfc-upgrade-post"]
# FIXED_ROLE: gevent with the lab's fix (lab/servers/gevent, FIX=yes): must be correct
# everywhere except where it needs HTTP/2, which gevent.pywsgi does not speak at all.
FIXED_ROLE = "fix"
FIXED_EXCEPTIONS = {"h2-prior-knowledge"}


class Report:
    """Collects ok/FAIL lines; the counts make the exit status."""

    def __init__(self, quiet=False):
        self.passed = 0
        self.failed = 0
        self.quiet = quiet

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            if not self.quiet:
                print("ok - " + what)
        else:
            self.failed += 1
            if not self.quiet:
                print("FAIL - " + what + (": " + detail if detail else ""))
        return cond


def load_json(path):
    with open(path, "r", encoding="utf-8") as f:
        return json.load(f)


def probe_verdicts(probe, root):
    """The probe's vocabulary (c-client/scripts/verdicts.py reads list --verdicts --json),
    building the default probe when it is missing. Raises RuntimeError saying what to run."""
    if not os.path.exists(probe) and probe == default_probe(root):
        subprocess.run(["make", "-s", "-C", os.path.join(root, "c-client"), "build/h2c-probe"],
                       stdout=sys.stderr, check=False)
    sys.path.insert(0, os.path.join(root, "c-client/scripts"))
    import verdicts
    return verdicts.probe_verdicts(probe)


def load_vocabulary(verdicts):
    for v in verdicts:
        VERDICTS.add(v["name"])
        if v.get("security"):
            SECURITY_VERDICTS.add(v["name"])
        if v.get("ok"):
            DEFAULT_ACCEPT.add(v["name"])


def default_probe(root):
    return os.environ.get("H2C_PROBE") or os.path.join(root, "c-client/build/h2c-probe")


def known_verdicts(results):
    """The probe's VERDICTS and every verdict of the run (a run by another probe version)."""
    known = set(VERDICTS)
    known.update(c.get("verdict") for c in results.get("cells", []) if c.get("verdict"))
    return known


def scenario_ids(scenario_dir):
    return sorted(n[:-5] for n in os.listdir(scenario_dir) if n.endswith(".json"))


def server_folders(servers_dir):
    return sorted(n for n in os.listdir(servers_dir)
                  if os.path.isdir(os.path.join(servers_dir, n)) and not n.startswith("."))


def allowed(entry):
    """The verdicts an expected.json entry allows, as a set."""
    v = entry.get("verdict")
    return set(v) if isinstance(v, list) else {v}


def shown(verdicts):
    return "|".join(sorted(verdicts))


# ---- expected.json files ---------------------------------------------------------

def load_notes(notes_dir):
    """note name -> its text on one line, from lab/notes/<name>.md (README.md is not one)."""
    notes = {}
    if os.path.isdir(notes_dir):
        for name in sorted(os.listdir(notes_dir)):
            if name.endswith(".md") and name != "README.md":
                with open(os.path.join(notes_dir, name), "r", encoding="utf-8") as f:
                    notes[name[:-3]] = " ".join(f.read().split())
    return notes


def note_names(entry):
    n = entry.get("note", [])
    return [n] if isinstance(n, str) else n


def note_problems(scenario, entry, notes):
    names = note_names(entry)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return ["%s: note must be a name or a list of names" % scenario]
    return ["%s: unknown note %r (lab/notes/ has %s)" % (scenario, n, ", ".join(sorted(notes)) or "none")
            for n in names if n not in notes]


def full_why(entry, notes):
    """The entry's why followed by its notes in full, as printed."""
    return entry.get("why", "") + "".join(" [note %s: %s]" % (n, notes[n]) for n in note_names(entry))


def entry_problems(scenario, entry, scenarios, verdicts_known):
    """Why one expected.json entry is malformed (empty list when fine)."""
    problems = []
    if scenario not in scenarios:
        problems.append("%s: no such scenario in c-client/scenarios" % scenario)
    if not isinstance(entry, dict):
        return problems + ["%s: entry is not an object" % scenario]
    verdicts = entry.get("verdict")
    if isinstance(verdicts, str):
        verdicts = [verdicts]
    if not isinstance(verdicts, list) or not verdicts or \
            any(not isinstance(v, str) or v not in verdicts_known for v in verdicts):
        problems.append("%s: verdict %r is not one of %s" % (scenario, entry.get("verdict"),
                                                             " ".join(sorted(verdicts_known))))
    why = entry.get("why")
    if not isinstance(why, str) or not why.strip():
        problems.append("%s: no why (every listed cell needs a one-line reason)" % scenario)
    elif "\n" in why:
        problems.append("%s: why must be one line" % scenario)
    extra = set(entry) - {"verdict", "why", "note"}
    if extra:
        problems.append("%s: unknown fields %s" % (scenario, ", ".join(sorted(extra))))
    return problems


def expectation_files(dirs):
    """[(target, path)] from every folder of the given dirs (lab/servers, lab/proxies):
    expected.json is for the target named like its folder; expected-<target>.json for
    another target built from the same folder (a second Debian suite of one server,
    e.g. nghttpx-trixie from servers/nghttpx, or the targets a proxy folder serves).
    A folder without a target of its own (a proxy's backend) needs no file."""
    files = []
    for base in dirs:
        for folder in server_folders(base):
            for name in sorted(os.listdir(os.path.join(base, folder))):
                if name == "expected.json":
                    files.append((folder, os.path.join(base, folder, name)))
                elif name.startswith("expected-") and name.endswith(".json"):
                    files.append((name[len("expected-"):-len(".json")], os.path.join(base, folder, name)))
    return files


def file_problems(doc, target, target_names, scenarios, verdicts_known):
    """Why one expected file is malformed (empty list when fine)."""
    if not isinstance(doc, dict) or set(doc) - {"target", "cells"}:
        return ["top level must be {\"target\": NAME, \"cells\": {...}}"]
    problems = []
    if doc.get("target") != target:
        problems.append("target %r does not match the file name (%r)" % (doc.get("target"), target))
    if target not in target_names:
        problems.append("%s is not a target in lab/targets.json" % target)
    cells = doc.get("cells", {})
    if not isinstance(cells, dict):
        return problems + ["cells must be an object"]
    for scenario, entry in sorted(cells.items()):
        problems += entry_problems(scenario, entry, scenarios, verdicts_known)
    return problems


def load_expectations(rep, dirs, target_names, scenarios, verdicts_known, notes):
    """target name -> {scenario: entry, its why with its notes in full}; reports one
    line per file."""
    expectations = {}
    used = set()
    files = expectation_files(dirs)
    for target, path in files:
        rel = os.path.relpath(path)
        try:
            doc = load_json(path)
        except (OSError, ValueError) as e:
            rep.check(False, "%s is valid JSON" % rel, str(e))
            continue
        if target in expectations:
            rep.check(False, "%s: one expectation file per target" % rel, "%s has another" % target)
            continue
        problems = file_problems(doc, target, target_names, scenarios, verdicts_known)
        cells = doc.get("cells", {}) if isinstance(doc, dict) else {}
        for scenario, entry in sorted(cells.items() if isinstance(cells, dict) else []):
            if isinstance(entry, dict):
                problems += note_problems(scenario, entry, notes)
        rep.check(not problems, "%s: %d listed cell(s), each with a verdict and a why"
                  % (rel, len(cells) if isinstance(cells, dict) else 0), "; ".join(problems))
        if not problems:
            expectations[target] = {sc: dict(e, why=full_why(e, notes)) for sc, e in cells.items()}
            used.update(n for e in cells.values() for n in note_names(e))
    for name in target_names:
        if not any(f[0] == name for f in files):
            rep.check(False, "target %s has an expectation file" % name,
                      "add lab/servers/%s/expected.json, or expected-%s.json in the folder it is built from"
                      % (name, name))
    unused = sorted(set(notes) - used)
    rep.check(not unused, "notes: each of the %d notes in lab/notes is used by an expectation file"
              % len(notes), "unused: %s (delete it or name it in a \"note\")" % ", ".join(unused))
    return expectations


# ---- results.json -----------------------------------------------------------------

def index_cells(results):
    """(target, scenario) -> list of cells (more than one is a defect)."""
    index = {}
    for cell in results.get("cells", []):
        index.setdefault((cell.get("target"), cell.get("scenario")), []).append(cell)
    return index


def check_coverage(rep, results, target_names, scenarios, index, shard=None):
    full = {(t, s) for t in target_names for s in scenarios}
    # run --shard K/N: a part of the cells; merge checks that the parts add up
    expected = {k for k in index if k in full} if shard else full
    got = set(index)
    missing = sorted(expected - got)
    extra = sorted(got - full)
    dup = sorted(k for k, v in index.items() if len(v) > 1)
    n_cells = len(results.get("cells", []))
    detail = []
    if missing:
        detail.append("missing %d: %s" % (len(missing), ", ".join("%s x %s" % k for k in missing[:6])))
    if extra:
        detail.append("not in targets.json x scenarios: %s" % ", ".join("%s x %s" % k for k in extra[:6]))
    if dup:
        detail.append("duplicated: %s" % ", ".join("%s x %s" % k for k in dup[:6]))
    rep.check(not detail and n_cells == len(expected),
              "results.json covers %d targets x %d scenarios = %d cells (has %d)%s"
              % (len(target_names), len(scenarios), len(expected), n_cells,
                 " of shard %s/%s" % (shard["index"], shard["count"]) if shard else ""),
              "; ".join(detail))


def accept_lists(results):
    return {s["id"]: set(s.get("accept") or DEFAULT_ACCEPT) for s in results.get("scenarios", [])}


def expected_verdicts(target, scenario, expectations, accept):
    """(set of allowed verdicts, listed?) for one cell."""
    entry = expectations.get(target, {}).get(scenario)
    if entry is not None:
        return allowed(entry), True
    return accept.get(scenario, DEFAULT_ACCEPT), False


def one_cell(index, target, scenario):
    cells = index.get((target, scenario)) or [None]
    return cells[0]


def with_role(targets, role):
    """Names of the targets whose info.roles lists ROLE, in targets.json order."""
    return [t["name"] for t in targets if role in ((t.get("info") or {}).get("roles") or [])]


def fixed_target(rep, targets):
    """The one target with FIXED_ROLE, or None (reported) when there is not exactly one."""
    fixed = with_role(targets, FIXED_ROLE)
    if len(fixed) != 1:
        rep.check(False, "fixed: exactly one target has the role %s" % FIXED_ROLE,
                  "got %s; set \"roles\" in its folder's lab.json, then make lab-files"
                  % (", ".join(fixed) or "none"))
        return None
    return fixed[0]


def check_seed(rep, index, targets, accept):
    seeds = with_role(targets, SEED_ROLE)
    if not seeds:
        rep.check(False, "seed: targets with the role %s" % SEED_ROLE,
                  "none in lab/targets.json (roles come from each folder's lab.json)")
    for target in seeds:
        got = {s: (one_cell(index, target, s) or {}).get("verdict") for s in [SEED_SCENARIO] + SEED_OK_SCENARIOS}
        bad = []
        if got[SEED_SCENARIO] != "desync":
            bad.append("%s is %s, not desync" % (SEED_SCENARIO, got[SEED_SCENARIO]))
        for s in SEED_OK_SCENARIOS:
            if got[s] not in accept.get(s, set()):
                bad.append("%s is %s, not in %s" % (s, got[s], shown(accept.get(s, set()))))
        rep.check(not bad, "seed: %s desyncs on %s and is ok on %s"
                  % (target, SEED_SCENARIO, ", ".join(SEED_OK_SCENARIOS)), "; ".join(bad))


def check_fixed(rep, index, fixed, scenarios, accept):
    bad = []
    for s in scenarios:
        verdict = (one_cell(index, fixed, s) or {}).get("verdict")
        if s not in FIXED_EXCEPTIONS and verdict not in accept.get(s, set()):
            bad.append("%s is %s" % (s, verdict))
    rep.check(not bad, "fixed: %s is ok on every scenario but %s (no HTTP/2 in gevent)"
              % (fixed, ", ".join(sorted(FIXED_EXCEPTIONS))), "; ".join(bad))


def check_fixed_behind_proxies(rep, index, targets, scenarios, fixed_name):
    """The point of the proxy lab: whatever a proxy forwards, the fixed gevent never lets one
    client's request cross into another's or smuggle one. Targets are picked by their info
    (proxy set, backend = the fixed target), never by name; what the other backends behind
    the same proxies show is printed for contrast."""
    def info(t):
        return t.get("info") or {}

    def security_cells(names):
        return ["%s x %s: %s" % (n, s, (one_cell(index, n, s) or {}).get("verdict"))
                for n in names for s in scenarios
                if (one_cell(index, n, s) or {}).get("verdict") in SECURITY_VERDICTS]

    fixed = [t for t in targets if info(t).get("proxy") and info(t).get("backend") == fixed_name]
    if not fixed:
        rep.check(False, "fixed-behind-proxies: targets behind a proxy with info.backend %s" % fixed_name,
                  "none in lab/targets.json")
        return
    bad = security_cells([t["name"] for t in fixed])
    proxies = {info(t)["proxy"] for t in fixed}
    others = {}
    for t in targets:
        if info(t).get("proxy") in proxies and info(t).get("backend") not in (None, fixed_name):
            others.setdefault(info(t)["backend"], []).append(t["name"])
    contrast = "; ".join("%s behind the same proxies: %d" % (b, len(security_cells(n)))
                         for b, n in sorted(others.items()))
    rep.check(not bad, "fixed-behind-proxies: no cell of the %d targets behind a proxy with %s "
              "(info.backend) is %s%s" % (len(fixed), fixed_name, " or ".join(sorted(SECURITY_VERDICTS)),
                                          " (%s)" % contrast if contrast else ""),
              "; ".join(bad))


def check_load_controls(rep, results):
    """The Blast radius table's controls: behind every proxy configuration, the backends that
    are no subject of the report (by the run's backend_subject, from their info.roles) lose no
    victim request to the attacker's trigger."""
    runs = (results.get("load") or {}).get("runs") or []
    if not runs:
        return

    def affected(run):
        c = run.get("classes") or {}
        return sum(int(c.get(k) or 0) for k in ("error", "crossed", "no_answer"))

    controls = [r for r in runs if r.get("backend_subject") is False]
    bad = ["%s: %d of %d" % (r.get("target"), affected(r), int(r.get("sent") or 0))
           for r in controls if affected(r)]
    subjects = [r for r in runs if r.get("backend_subject") is True]
    contrast = ", ".join("%s %d" % (r.get("target"), affected(r)) for r in subjects if affected(r))
    rep.check(bool(controls) and not bad,
              "load-controls: the %d load runs of control backends lost no victim request "
              "(subjects affected: %s)" % (len(controls), contrast or "none"),
              "; ".join(bad) or "no run names a control backend (backend_subject false)")


def check_h2c(rep, index, targets, expectations):
    for t in targets:
        if not (t.get("info") or {}).get("h2c"):
            continue
        bad = []
        for s in H2C_SCENARIOS:
            if s in expectations.get(t["name"], {}):
                continue  # its expected.json explains the exception; checked in "cells"
            verdict = (one_cell(index, t["name"], s) or {}).get("verdict")
            if verdict != "ok-h2":
                bad.append("%s is %s" % (s, verdict))
        listed = [s for s in H2C_SCENARIOS if s in expectations.get(t["name"], {})]
        note = "; exceptions in its expected.json: %s" % ", ".join(listed) if listed else ""
        rep.check(not bad, "h2c: %s answers %s with ok-h2%s" % (t["name"], "/".join(H2C_SCENARIOS), note),
                  "; ".join(bad))


def version_package(target, by_name):
    """The package a target's /version must name: its info.software, or for a target
    behind a proxy (info.backend names another target) the backend's, since the proxy
    passes /version through."""
    info = target.get("info") or {}
    backend = by_name.get(info.get("backend"))
    if backend is not None:
        return (backend.get("info") or {}).get("software")
    return info.get("software")


def check_versions(rep, results, targets):
    answered = {t.get("name"): t.get("version") for t in results.get("targets", [])}
    by_name = {t["name"]: t for t in targets}
    for t in targets:
        software = version_package(t, by_name)
        version = answered.get(t["name"])
        ok = bool(version) and (not software or version.split(" ")[0] == software)
        rep.check(ok, "version: %s answers /version with %r" % (t["name"], version),
                  "expected the first word to be %r (info.software, or its info.backend's)" % software)


def check_cells(rep, index, target_names, scenarios, expectations, accept, shard=None):
    mismatches = []
    for target in target_names:
        bad, listed = [], 0
        for scenario in scenarios:
            if shard and (target, scenario) not in index:
                continue                   # in another shard
            cell = one_cell(index, target, scenario)
            want, is_listed = expected_verdicts(target, scenario, expectations, accept)
            listed += is_listed
            got = cell.get("verdict") if cell else None
            if got not in want:
                why = expectations.get(target, {}).get(scenario, {}).get("why") if is_listed else None
                bad.append((scenario, want, got, cell.get("reason") if cell else "no cell", why))
        mismatches += [(target,) + b for b in bad]
        rep.check(not bad, "cells: %s: %d scenarios as expected (%d listed in expected.json)"
                  % (target, len(scenarios), listed), "%d differ" % len(bad))
        if not rep.quiet:
            for scenario, want, got, reason, why in bad:
                print("    %s x %s: expected %s%s, got %s - reason: %s"
                      % (target, scenario, shown(want), "" if why is None else " (listed: %s)" % why,
                         got, reason))
    return mismatches


def print_matrix(results, target_names, scenarios, index, expectations, accept):
    width = max(len(t) for t in target_names) if target_names else 10
    print("%-*s  %s" % (width, "", " ".join("%-9.9s" % s for s in scenarios)))
    for target in target_names:
        row = []
        for s in scenarios:
            cell = one_cell(index, target, s)
            v = cell.get("verdict") if cell else "-"
            want, _ = expected_verdicts(target, s, expectations, accept)
            mark = "" if v in accept.get(s, set()) else "*"
            mark += "" if v in want else "!"
            row.append("%-9.9s" % (v + mark))
        print("%-*s  %s" % (width, target, " ".join(row)))
    print("(* not in the scenario's accept list, ! differs from expected.json)")


def draft(results, target, accept):
    """A starting expected.json for TARGET: every cell of this run outside its accept
    list, with an EMPTY why - it fails the checks until someone has read the
    transcript and the server's docs or source and written the reason."""
    cells = {}
    for c in results.get("cells", []):
        if c.get("target") == target and c.get("verdict") not in accept.get(c.get("scenario"), set()):
            cells[c["scenario"]] = {"verdict": c["verdict"], "why": ""}
    return json.dumps({"target": target, "cells": dict(sorted(cells.items()))}, indent=2)


def summary_line(results, target_names, scenarios, mismatches):
    s = results.get("summary", {})
    by = s.get("by_verdict", {})
    not_ok = ", ".join("%s %d" % (v, n) for v, n in sorted(by.items(), key=lambda kv: -kv[1])
                       if not v.startswith("ok-") and v != "n/a")
    cells = len(results.get("cells", []))
    line = "%d targets x %d scenarios = %d cells: %d ok, %d not ok (%s), %d n/a" % (
        len(target_names), len(scenarios), cells, s.get("ok", 0), s.get("not_ok", 0), not_ok or "none",
        by.get("n/a", 0))
    if mismatches:
        line += "; %d cell(s) differ from their expected.json" % len(mismatches)
    else:
        line += "; every cell as its expected.json says"
    return line


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="Compare a lab run's results.json with lab/servers/*/expected.json.")
    ap.add_argument("results", help="results.json of a run (e.g. reports/latest/results.json)")
    ap.add_argument("--targets", default=os.path.join(root, "lab/targets.json"))
    ap.add_argument("--servers", action="append",
                    help="folder of server folders holding expected*.json (repeatable; "
                         "default lab/servers and lab/proxies)")
    ap.add_argument("--scenarios", default=os.path.join(root, "c-client/scenarios"))
    ap.add_argument("--notes", default=os.path.join(root, "lab/notes"),
                    help="folder of the shared notes, <name>.md (default lab/notes)")
    ap.add_argument("--probe", default=default_probe(root),
                    help="h2c-probe whose `list --verdicts --json` gives the verdicts "
                         "(default $H2C_PROBE, else c-client/build/h2c-probe, built when missing)")
    ap.add_argument("--brief", action="store_true", help="one summary line; exit 1 if any cell differs")
    ap.add_argument("--run-cells", action="store_true",
                    help="judge only the targets and scenarios the run has (a run of some "
                         "cells: make report TARGETS=... SCENARIOS=...); it must still hold "
                         "each of those targets x each of those scenarios")
    ap.add_argument("--matrix", action="store_true", help="also print the verdict matrix")
    ap.add_argument("--no-summary", action="store_true", help="no final 'N passed, N failed' line")
    ap.add_argument("--draft", metavar="TARGET",
                    help="print a starting expected.json for TARGET from this run (whys left empty)")
    args = ap.parse_args()

    try:
        results = load_json(args.results)
        targets = load_json(args.targets)["targets"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("FAIL - read %s and %s: %s" % (args.results, args.targets, e))
        return 1
    try:
        load_vocabulary(probe_verdicts(args.probe, root))
    except RuntimeError as e:
        print("FAIL - %s" % e)
        return 1
    all_names = [t["name"] for t in targets]
    scenarios = all_scenarios = scenario_ids(args.scenarios)
    if args.run_cells:
        cells = results.get("cells", [])
        targets = [t for t in targets if any(c.get("target") == t["name"] for c in cells)]
        scenarios = [s for s in scenarios if any(c.get("scenario") == s for c in cells)]
    target_names = [t["name"] for t in targets]
    rep = Report(quiet=args.brief)
    index = index_cells(results)
    accept = accept_lists(results)
    if args.draft:
        print(draft(results, args.draft, accept))
        return 0

    shard = (results.get("run") or {}).get("shard")
    shard = shard if isinstance(shard, dict) else None
    check_coverage(rep, results, target_names, scenarios, index, shard)
    dirs = args.servers or [d for d in (os.path.join(root, "lab/servers"), os.path.join(root, "lab/proxies"))
                            if os.path.isdir(d)]
    verdicts_known = known_verdicts(results)
    expectations = load_expectations(rep, dirs, all_names, all_scenarios, verdicts_known,
                                     load_notes(args.notes))
    if not args.brief:
        check_seed(rep, index, targets, accept)
        fixed = fixed_target(rep, targets) if not args.run_cells or with_role(targets, FIXED_ROLE) else None
        if fixed:
            check_fixed(rep, index, fixed, scenarios, accept)
            check_fixed_behind_proxies(rep, index, targets, scenarios, fixed)
        check_h2c(rep, index, targets, expectations)
        check_versions(rep, results, targets)
        check_load_controls(rep, results)
    mismatches = check_cells(rep, index, target_names, scenarios, expectations, accept, shard)
    if args.matrix:
        print_matrix(results, target_names, scenarios, index, expectations, accept)
    if args.brief:
        print(summary_line(results, target_names, scenarios, mismatches))
        for m in mismatches:
            print("  differs: %s x %s: expected %s, got %s" % (m[0], m[1], shown(m[2]), m[3]))
        if rep.failed:
            print("  (run lab/scripts/check-expected.py %s for details)" % args.results)
    elif not args.no_summary:
        print("%d passed, %d failed" % (rep.passed, rep.failed))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
