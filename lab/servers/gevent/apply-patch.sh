#!/bin/sh
# lab/servers/gevent/apply-patch.sh - apply the gevent patch proposed upstream (the very
# file, 0001-*.patch next to this script) to an installed gevent package.
#
# Idea: the patch is written against gevent's source tree (src/gevent/pywsgi.py, plus a
# new test and a towncrier fragment), not against the lab. So this builds that layout
# from the installed package in a scratch directory (GEVENT_DIR -> src/gevent), applies
# the patch there with `patch -p1 --fuzz=0` (a hunk that does not apply stops it: a new
# gevent release gets looked at, not patched blindly), copies the patched pywsgi.py
# back and byte-compiles it. DIFF_OUT gets the change to pywsgi.py alone (what the
# image serves at GET /fix.diff).
# usage: apply-patch.sh PATCH GEVENT_DIR [DIFF_OUT]    (GEVENT_DIR: .../dist-packages/gevent)
set -eu

[ $# -ge 2 ] || { echo "usage: $0 PATCH GEVENT_DIR [DIFF_OUT]" >&2; exit 2; }
patch_file=$1 pkg=$2 diff_out=${3:-}
[ -f "$pkg/pywsgi.py" ] || { echo "apply-patch: no pywsgi.py in $pkg (not a gevent package)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cp -a "$pkg" "$work/src/gevent"
if ! (cd "$work" && patch -p1 --fuzz=0 --forward --batch --no-backup-if-mismatch) <"$patch_file" >"$work/patch.log" 2>&1; then
  cat "$work/patch.log" >&2
  echo "apply-patch: $patch_file does not apply to $pkg" >&2
  exit 1
fi
if [ -n "$diff_out" ]; then
  rc=0
  (cd "$work" && diff -u --label a/src/gevent/pywsgi.py --label b/src/gevent/pywsgi.py \
     "$pkg/pywsgi.py" src/gevent/pywsgi.py) >"$diff_out" || rc=$?
  [ "$rc" -eq 1 ] || { echo "apply-patch: the patch did not change pywsgi.py" >&2; exit 1; }
fi
cp "$work/src/gevent/pywsgi.py" "$pkg/pywsgi.py"
# Syntax check, and a fresh .pyc so the unprivileged runtime user does not recompile it.
/usr/bin/python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)' "$pkg/pywsgi.py"
echo "apply-patch: patched $pkg/pywsgi.py with $(basename "$patch_file")"
