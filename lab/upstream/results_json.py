#!/usr/bin/env python3
"""results_json.py - turn run-in-images.sh's per-image records into upstream.json.

run-in-images.sh leaves, per image N (1..count) in --dir: N.image, N.version,
N.gevent, N.patched (yes/no), N.rc (unittest's exit status), N.ms and N.log (the
output of `python3 -m unittest -v`). This file reads them, takes each test's
verdict from the verbose lines ("test_x (module.Class.test_x) ... ok"), and
writes one JSON document atomically (temp file + rename). Format: README.md.
The log is hostile-ish input (whatever the image printed): it is read with a
size cap and decoded with replacement, and only its tail is kept.
"""

import argparse
import datetime
import json
import os
import re
import sys

FORMAT = "h2c-lab-upstream/1"
TEST_FILE = "lab/upstream/test_pywsgi_upgrade_body.py"
LOG_CAP = 1 << 20      # bytes read from one log
TAIL_CHARS = 4000      # characters of the log kept in the JSON
VERDICT_LINE = re.compile(r"^(test_\w+) \(.*\) \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$")
RAN_LINE = re.compile(r"^Ran (\d+) tests? in ")


def read_text(path, cap=LOG_CAP):
    try:
        with open(path, "rb") as f:
            return f.read(cap).decode("utf-8", "replace")
    except OSError:
        return ""


def first_line(path):
    lines = read_text(path, 4096).splitlines()
    return lines[0].strip() if lines and lines[0].strip() else None


def parse_log(log):
    """{test name: verdict} and the number of tests unittest says it ran."""
    tests, ran = {}, None
    for line in log.splitlines():
        m = VERDICT_LINE.match(line.rstrip())
        if m:
            tests[m.group(1)] = "skipped" if m.group(2).startswith("skipped") else m.group(2)
            continue
        m = RAN_LINE.match(line)
        if m:
            ran = int(m.group(1))
    return tests, ran


def outcome(rc):
    if rc == 0:
        return "pass"
    if rc in (124, 137):
        return "timeout"
    return "fail"


def one_run(directory, n):
    def path(ext):
        return os.path.join(directory, "%d.%s" % (n, ext))
    log = read_text(path("log"))
    tests, ran = parse_log(log)
    rc = int(first_line(path("rc")) or "1")
    return {
        "image": first_line(path("image")),
        "version": first_line(path("version")),
        "gevent": first_line(path("gevent")),
        "patched": first_line(path("patched")) == "yes",
        "exit_code": rc,
        "outcome": outcome(rc),
        "ran": ran,
        "tests": tests,
        "duration_ms": int(first_line(path("ms")) or "0"),
        "log_tail": log[-TAIL_CHARS:],
    }


def write_atomically(path, doc):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    doc = {
        "format": FORMAT,
        "test": TEST_FILE,
        "command": "python3 -m unittest -v test_pywsgi_upgrade_body",
        "written": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runs": [one_run(args.dir, n) for n in range(1, args.count + 1)],
    }
    try:
        write_atomically(args.out, doc)
    except OSError as exc:
        sys.stderr.write("results_json: cannot write %s: %s\n" % (args.out, exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
