#!/usr/bin/python3
"""c-client/scripts/layers.py - the unit suite `layers`: every file of c-client/src sits in one
layer of docs/internals.md's layer table, and includes only headers of its own layer or of
the layers listed before it (the render layer: only `base` and itself; `cli`: anything).

  layers.py check [--doc DOC] [--src DIR]

The table is read from DOC (default docs/internals.md) between the markers
"<!-- layers: ..." and "<!-- end of layers -->", so the map a person reads and the rule the
tests apply cannot drift apart. Prints "ok - ..." / "FAIL - ..." and "N passed, N failed";
exit 1 when any failed. Standard library only (Debian's /usr/bin/python3).
"""

import argparse
import fnmatch
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BEGIN = "<!-- layers:"
END = "<!-- end of layers -->"
# Layers with a rule of their own: render reads results.json only; cli wires everything.
ONLY_BASE_AND_SELF = {"render"}
ANYTHING = {"cli"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(doc):
    """[(layer, [patterns])] in table order; ValueError says what is wrong with the table."""
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("%s: no layer table between %r and %r" % (doc, BEGIN, END))
    layers = []
    for line in text[start:end].splitlines()[1:]:
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) < 2 or cols[0] in ("layer", "") or set(cols[0]) <= set("-: "):
            continue
        layers.append((cols[0], cols[1].split()))
    if not layers:
        raise ValueError("%s: the layer table has no rows" % doc)
    return layers


def source_files(src):
    """Paths relative to src, without extension ("cell", "render/md"), of every .c/.h."""
    stems = set()
    for d, _, names in os.walk(src):
        for n in names:
            if n.endswith((".c", ".h")):
                stems.add(os.path.relpath(os.path.join(d, n[:-2]), src))
    return sorted(stems)


def layer_of(stem, layers):
    """Index of the one layer whose patterns match stem, or the list of matching layers."""
    hits = [i for i, (_, pats) in enumerate(layers)
            if any(fnmatch.fnmatchcase(stem, p) for p in pats)]
    return hits[0] if len(hits) == 1 else hits


def includes(src, stem):
    """The project headers that stem's .c and .h include, as stems relative to src."""
    out = set()
    for ext in (".c", ".h"):
        path = os.path.join(src, stem + ext)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for inc in INCLUDE.findall(f.read()):
                here = os.path.normpath(os.path.join(os.path.dirname(stem), inc))
                cand = here if os.path.exists(os.path.join(src, here)) else os.path.normpath(inc)
                out.add(cand[:-2] if cand.endswith(".h") else cand)
    out.discard(stem)
    return sorted(out)


def allowed(mine, theirs, layers):
    name = layers[mine][0]
    if name in ANYTHING:
        return True
    if name in ONLY_BASE_AND_SELF:
        return theirs in (0, mine)
    return theirs <= mine


def check(doc, src):
    passed = failed = 0

    def report(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok - " + what)
        else:
            failed += 1
            print("FAIL - %s: %s" % (what, detail))

    try:
        layers = read_layers(doc)
    except (OSError, ValueError) as e:
        report(False, "layer table", str(e))
        return passed, failed
    report(True, "layer table: %d layers in %s" % (len(layers), os.path.relpath(doc, ROOT)))
    for stem in source_files(src):
        mine = layer_of(stem, layers)
        if not isinstance(mine, int):
            where = ", ".join(layers[i][0] for i in mine) if mine else "no layer"
            report(False, "%s has one layer" % stem,
                   "%s; add it to exactly one row of %s" % (where, os.path.relpath(doc, ROOT)))
            continue
        bad = []
        for inc in includes(src, stem):
            theirs = layer_of(inc, layers)
            if isinstance(theirs, int) and not allowed(mine, theirs, layers):
                bad.append("%s.h (%s)" % (inc, layers[theirs][0]))
        report(not bad, "%s (%s) includes only what its layer may" % (stem, layers[mine][0]),
               "includes " + ", ".join(bad))
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description="Check c-client/src against docs/internals.md's layers.")
    ap.add_argument("command", choices=["check"])
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs/internals.md"))
    ap.add_argument("--src", default=os.path.join(ROOT, "c-client/src"))
    a = ap.parse_args()
    passed, failed = check(a.doc, a.src)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
