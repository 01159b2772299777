#!/usr/bin/python3
"""c-client/scripts/verdicts.py - keeps everything else in step with the one verdict
table, c-client/src/verdicts.c, as the probe prints it (`h2c-probe list --verdicts --json`).

  verdicts.py table                 print docs/formats.md's verdict table (markdown)
  verdicts.py write-doc [DOC]       rewrite that table in DOC (default docs/formats.md)
  verdicts.py check [DOC] [--src DIR]
                                    the unit suite `vocabulary` (make -C c-client check):
      doc       DOC's table is what `table` prints, and its "How each verdict is decided"
                list has one entry per verdict, no more
      spelling  no file of DIR (default c-client/src, subfolders too) but verdicts.c spells a verdict's
                name as a C string literal: a name with '-' or '/' (ok-h1, n/a) may not
                appear in any literal, a plain word (desync, error) may not be a whole
                literal; comments do not count. A literal of another vocabulary that
                happens to be the same word (the exchange outcome "closed", the JUnit
                element "error") carries the comment /* not the verdict */ on its line.
--probe PATH picks the probe (default $H2C_PROBE, else c-client/build/h2c-probe).
Prints "ok - ..." / "FAIL - ..." and "N passed, N failed"; exit 1 when any failed.
Standard library only (Debian's /usr/bin/python3).
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BEGIN = ("<!-- generated from `h2c-probe list --verdicts --json` (c-client/src/verdicts.c) "
         "by `make -C c-client docs-verdicts`: edit verdicts.c, not this table -->")
END = "<!-- end of the generated verdict table -->"
DETAILS = "How each verdict is decided:"
EXEMPT = "not the verdict"


def probe_verdicts(probe):
    """The "verdicts" list of `PROBE list --verdicts --json`; RuntimeError says what to run.
    (lab/scripts/check-expected.py imports this too.)"""
    try:
        out = subprocess.run([probe, "list", "--verdicts", "--json"], capture_output=True,
                             text=True, timeout=30, check=True).stdout
        doc = json.loads(out)
        if doc.get("format") != "h2c-lab-verdicts/1":
            raise ValueError("format %r, expected h2c-lab-verdicts/1" % doc.get("format"))
        return doc["verdicts"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, AttributeError) as e:
        raise RuntimeError("the verdict vocabulary comes from `%s list --verdicts --json`: %s "
                           "(build the probe with `make -C c-client`, or give --probe PATH)"
                           % (probe, e)) from e


def table(verdicts):
    """The markdown table, markers included."""
    def cell(s):
        return s.replace("|", "\\|")
    lines = [BEGIN, "", "| verdict | correct by default | security | colour | meaning (report legend) |",
             "|---|---|---|---|---|"]
    for v in verdicts:
        lines.append("| `%s` | %s | %s | `%s` on `%s` | %s |"
                     % (v["name"], "yes" if v["ok"] else "no", "yes" if v["security"] else "no",
                        v["fg"], v["bg"], cell(v["meaning"])))
    return "\n".join(lines + ["", END]) + "\n"


def split_doc(text):
    """(before, generated table, after) or None when the markers are missing."""
    b = text.find(BEGIN)
    e = text.find(END, b)
    if b < 0 or e < 0:
        return None
    e += len(END) + 1
    return text[:b], text[b:e], text[e:]


def detail_names(after):
    """Verdict names of the hand-written list after the table: lines "- `name`: ..."."""
    start = after.find(DETAILS)
    if start < 0:
        return None
    names = []
    for line in after[start + len(DETAILS):].lstrip("\n").splitlines():
        m = re.match(r"- `([^`]+)`", line)
        if m:
            names.append(m.group(1))
        elif not line.startswith("  ") and line.strip():
            break
    return names


def c_literals(text):
    """[(line, literal content, comments on that line)] of a C file; comments dropped."""
    lits, comments = [], {}
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            block = text[i + 1] == "*"
            end = text.find("*/" if block else "\n", i + 2)
            end = n if end < 0 else end + (2 if block else 0)
            comments.setdefault(line, []).append(text[i:end])
            line += text.count("\n", i, end)
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if c == '"':
                lits.append((line, text[i + 1:j]))
            i = j + 1 if j < n and text[j] == c else j
        else:
            line += c == "\n"
            i += 1
    return [(ln, s, " ".join(comments.get(ln, []))) for ln, s in lits]


def spelled(name, literal):
    if re.fullmatch(r"[a-z]+", name):
        return literal == name
    return re.search(r"(?<![A-Za-z0-9_/-])%s(?![A-Za-z0-9_/-])" % re.escape(name), literal) is not None


def spelling_problems(verdicts, src):
    names = [v["name"] for v in verdicts]
    problems = []
    files = sorted(os.path.relpath(os.path.join(d, n), src)
                   for d, _, names in os.walk(src) for n in names)
    for f in files:                  # src/render/ too
        if not f.endswith((".c", ".h")) or f == "verdicts.c":
            continue
        with open(os.path.join(src, f), "r", encoding="utf-8") as fh:
            lits = c_literals(fh.read())
        for ln, lit, comment in lits:
            for name in names:
                if spelled(name, lit) and EXEMPT not in comment:
                    problems.append("%s:%d spells %s (\"%s\")" % (f, ln, name, lit))
    return problems


def check(verdicts, doc_path, src):
    passed = failed = 0

    def report(ok, what, detail):
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(("ok - " if ok else "FAIL - ") + what + ("" if ok else ": " + detail))

    with open(doc_path, "r", encoding="utf-8") as f:
        parts = split_doc(f.read())
    want = table(verdicts)
    report(parts is not None and parts[1] == want,
           "%s: the verdict table is `h2c-probe list --verdicts --json`'s" % os.path.relpath(doc_path, ROOT),
           "it differs (or its markers are missing): run `make -C c-client docs-verdicts`")
    names = [v["name"] for v in verdicts]
    details = detail_names(parts[2]) if parts else None
    report(details == names,
           "%s: \"%s\" has one entry per verdict, in the table's order"
           % (os.path.relpath(doc_path, ROOT), DETAILS),
           "has %s, the probe has %s: add or remove a \"- `name`: ...\" line"
           % (details, names))
    problems = spelling_problems(verdicts, src)
    report(not problems, "%s: no file but verdicts.c spells a verdict name (%d names)"
           % (os.path.relpath(src, ROOT), len(names)),
           "; ".join(problems) + " - use verdicts.h (verdicts_name(V_...), verdicts_lookup), "
           "or mark another vocabulary's word with /* %s */" % EXEMPT)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description="Keep docs and sources in step with verdicts.c.")
    ap.add_argument("command", choices=["table", "write-doc", "check"])
    ap.add_argument("doc", nargs="?", default=os.path.join(ROOT, "docs/formats.md"))
    ap.add_argument("--src", default=os.path.join(ROOT, "c-client/src"))
    ap.add_argument("--probe", default=os.environ.get("H2C_PROBE")
                    or os.path.join(ROOT, "c-client/build/h2c-probe"))
    args = ap.parse_args()
    try:
        verdicts = probe_verdicts(args.probe)
    except RuntimeError as e:
        sys.exit("verdicts.py: %s" % e)
    if args.command == "table":
        sys.stdout.write(table(verdicts))
        return 0
    if args.command == "check":
        return check(verdicts, args.doc, args.src)
    with open(args.doc, "r", encoding="utf-8") as f:
        parts = split_doc(f.read())
    if parts is None:
        sys.exit("verdicts.py: %s has no generated table (the lines %s ... %s)" % (args.doc, BEGIN, END))
    with open(args.doc, "w", encoding="utf-8") as f:
        f.write(parts[0] + table(verdicts) + parts[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
