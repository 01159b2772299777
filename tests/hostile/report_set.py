"""tests/hostile/report_set.py - a report set is all-or-nothing (issue 12, item 5).

`run` and `render` write results.json and the five reports as one set: each file under a
temporary name, renamed into place only when all were written (c-client/src/
atomic_file.c). Shown here with the probe itself:

- a full file system: a tmpfs just large enough for a first render; a second, larger
  render into the same directory must fail and leave exactly the first set, byte for
  byte, and no temporary file; so must a `run` once the tmpfs is filled up (needs
  `mount -t tmpfs`, i.e. root: skipped, not passed, when mount is refused);
- a second render into a directory holding another run leaves that render's set, the
  same bytes as a render into an empty directory, results.json included.

tests() yields (name, problems) pairs; problems None means skipped (the name says why).
"""
import os
import shutil
import socket
import subprocess

import checks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "c-client", "tests", "fixtures")
SMALL = os.path.join(FIXTURES, "results-hostile.json")
LARGE = os.path.join(FIXTURES, "results-lab.json")
PAGE = 4096


def render(probe, results, out):
    p = subprocess.run([probe, "render", results, "--out", out], capture_output=True, timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def snapshot(d):
    """{name: bytes} of every file in d."""
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


def pages(files):
    return sum((len(b) + PAGE - 1) // PAGE * PAGE for b in files.values())


def set_problems(got, want, what):
    """got must be exactly want: the same names, the same bytes."""
    problems = []
    extra = sorted(set(got) - set(want))
    if extra:
        problems.append("%s: files that are not of the set: %s" % (what, " ".join(extra)))
    missing = sorted(set(want) - set(got))
    if missing:
        problems.append("%s: missing %s" % (what, " ".join(missing)))
    differ = sorted(n for n in set(got) & set(want) if got[n] != want[n])
    if differ:
        problems.append("%s: not the expected set's bytes: %s" % (what, " ".join(differ)))
    return problems


def full_filesystem(probe, workdir):
    ref_small, ref_large = os.path.join(workdir, "ref-small"), os.path.join(workdir, "ref-large")
    for res, d in ((SMALL, ref_small), (LARGE, ref_large)):
        rc, err = render(probe, res, d)
        if rc != 0:
            return ["reference render of %s: exit %d: %s" % (res, rc, err.strip())]
    small, large = snapshot(ref_small), snapshot(ref_large)
    # room for the first set and half the second: the second's temporary files cannot
    # all be written while the first set is still there
    size = pages(small) + pages(large) // 2 // PAGE * PAGE
    mnt = os.path.join(workdir, "tmpfs")
    os.makedirs(mnt)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dk" % (size // 1024), "tmpfs", mnt],
                       capture_output=True, timeout=30)
    if m.returncode != 0:
        return None
    try:
        out = os.path.join(mnt, "run")
        rc, err = render(probe, SMALL, out)
        if rc != 0:
            return ["the first render into a %d KiB tmpfs failed (exit %d): %s" % (size // 1024, rc, err.strip())]
        problems = set_problems(snapshot(out), small, "after the first render")
        rc, err = render(probe, LARGE, out)
        if rc == 0:
            problems.append("the second render into the full tmpfs exited 0")
        elif "No space left on device" not in err:
            problems.append("the second render failed without saying the disk is full: %s" % err.strip())
        problems += set_problems(snapshot(out), small, "after the failed render")
        problems += run_into_full(probe, mnt, out, small)
        if os.listdir(mnt) != ["run"]:
            problems.append("the tmpfs holds %s" % os.listdir(mnt))
        return problems
    finally:
        subprocess.run(["umount", mnt], timeout=30)


def dead_port():
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_into_full(probe, mnt, out, small):
    """`run` writes through the same set: with the tmpfs filled up (a file beside the
    set), a run into out must fail and leave the set as it was."""
    filler = os.path.join(mnt, "filler")
    try:
        with open(filler, "wb") as f:
            while True:
                f.write(b"\0" * PAGE)
                f.flush()
    except OSError:
        pass
    try:
        p = subprocess.run([probe, "run", "--target", "dead=http://127.0.0.1:%d" % dead_port(),
                            "--only", "seed-upgrade-h2c", "--timeout-ms", "200", "--out", out],
                           capture_output=True, timeout=120)
    finally:
        os.unlink(filler)
    err = p.stderr.decode("utf-8", "replace")
    problems = []
    if p.returncode == 0:
        problems.append("a run into the full tmpfs exited 0")
    elif "No space left on device" not in err:
        problems.append("the run failed without saying the disk is full: %s" % err.strip()[-300:])
    return problems + set_problems(snapshot(out), small, "after the failed run")


def over_another_run(probe, run_dir, workdir):
    """run_dir: a probe run's --out (results.json and reports of a hostile attack)."""
    d = os.path.join(workdir, "over-another")
    ref = os.path.join(workdir, "ref-over")
    shutil.copytree(run_dir, d)
    rc1, err1 = render(probe, SMALL, d)
    rc2, err2 = render(probe, SMALL, ref)
    if rc1 or rc2:
        return ["a render failed: %s" % (err1 + err2).strip()]
    problems = set_problems(snapshot(d), snapshot(ref), "after the second render")
    # results.json is the render's input copied as is (the fixture holds invalid UTF-8)
    problems += checks.report_problems(d, only=checks.REPORT_FILES[1:])
    return problems


def tests(probe, run_dir, workdir):
    probs = full_filesystem(probe, workdir)
    if probs is None:
        yield ("report set: full filesystem: SKIPPED, `mount -t tmpfs` was refused (run as root "
               "to test it)", None)
    else:
        yield ("report set: a render that does not fit a full filesystem leaves the earlier set "
               "and no temporary file", probs)
    if run_dir:
        yield ("report set: a render into a directory holding another run leaves only that "
               "render's set", over_another_run(probe, run_dir, workdir))
    else:
        yield ("report set: no run to render over", ["every attack's run failed"])
