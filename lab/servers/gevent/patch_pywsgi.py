#!/usr/bin/env python3
"""patch_pywsgi.py - apply the h2c-lab fix to an installed gevent/pywsgi.py.

Run at image build time (lab/servers/gevent/Dockerfile). The rule the fix
enforces: a request body that belongs to HTTP/1.1 is consumed exactly once,
whatever Connection/Upgrade say (RFC 9110 §7.8: until a 101 the request is still
HTTP/1.1; RFC 7540 §3.2: an upgrade request's body is read before the switch).
  1. A request with body framing (Content-Length > 0 or chunked) always gets
     gevent's own Input object as wsgi.input, which reads the body and discards
     what the app left - once.
  2. Only a request without body framing that asks for an upgrade (the WebSocket
     handshake) still gets the raw socket file, exactly as before.
  3. If that raw file was handed out and the app did not answer 101, the server
     cannot know how much of the stream the app consumed: it closes the
     connection after the response (Connection: close) instead of guessing.
See README.md next to this file for the reasoning.

Idea: no copy of gevent's source lives in the lab. The program replaces a few
exact anchor lines; each anchor must occur exactly once in the file, otherwise
the build fails naming the anchor (a new gevent release must be looked at by a
human, not patched blindly). It then byte-compiles the result (syntax check and
fresh .pyc) and writes the unified diff (original -> patched) for /fix.diff.

usage: patch_pywsgi.py [--file PYWSGI] [--diff-out FILE] [--dry-run]
"""

import argparse
import difflib
import importlib.util
import os
import py_compile
import sys

MARKER = "h2c-lab fix"

# (name, anchor, replacement). The anchor text is gevent's; the replacement keeps
# the anchor and adds the fix around it, so the diff shows only additions/changes.
EDITS = (
    (
        "class default of the raw-input flag",
        "    wsgi_input = None # Instance of Input()\n",
        "    wsgi_input = None # Instance of Input()\n"
        "    # h2c-lab fix: true while the app holds the raw socket file as wsgi.input\n"
        "    # (set per request by get_environ); then only a 101 may keep the connection.\n"
        "    raw_input_given = False\n",
    ),
    (
        "get_environ: raw rfile only without body framing",
        "        handling_reads = not self._connection_upgrade_requested()\n",
        "        # h2c-lab fix: a request that has a body is an HTTP/1.1 request until\n"
        "        # a 101 is sent (RFC 9110 7.8), and its body precedes any protocol switch\n"
        "        # (RFC 7540 3.2). So a body (Content-Length > 0 or chunked) is always read\n"
        "        # through Input, which consumes it exactly once; only a bodiless upgrade\n"
        "        # request (a WebSocket handshake) gets the raw socket file.\n"
        "        has_body_framing = chunked or bool(self.content_length)\n"
        "        handling_reads = has_body_framing or not self._connection_upgrade_requested()\n"
        "        self.raw_input_given = not handling_reads\n",
    ),
    (
        "start_response: close after a raw-input answer that is not 101",
        "        if self.request_version == 'HTTP/1.0' and provided_connection is None:\n",
        "        # h2c-lab fix: the app was given the raw socket file and did not switch\n"
        "        # protocols. How much of the stream it read is unknown, so the next\n"
        "        # request cannot be found reliably: close (announced) rather than desync.\n"
        "        if self.raw_input_given and code != 101:\n"
        "            self.close_connection = True\n"
        "            if provided_connection is None and self.request_version != 'HTTP/1.0':\n"
        "                response_headers.append((b'Connection', b'close'))\n"
        "        if self.request_version == 'HTTP/1.0' and provided_connection is None:\n",
    ),
)


class PatchError(Exception):
    pass


def apply_edits(text):
    """The patched text; PatchError names the first anchor not found exactly once."""
    if MARKER in text:
        raise PatchError("the file already contains %r: it is patched already" % MARKER)
    for name, anchor, replacement in EDITS:
        count = text.count(anchor)
        if count != 1:
            raise PatchError("anchor %r (%s) occurs %d times, expected exactly 1; "
                             "this gevent release needs a look before patching"
                             % (anchor.strip(), name, count))
        text = text.replace(anchor, replacement, 1)
    return text


def unified_diff(original, patched, label):
    return "".join(difflib.unified_diff(
        original.splitlines(keepends=True), patched.splitlines(keepends=True),
        fromfile="a/" + label, tofile="b/" + label))


def installed_pywsgi():
    """Path of gevent/pywsgi.py as the running interpreter would import it."""
    spec = importlib.util.find_spec("gevent")
    if spec is None or not spec.submodule_search_locations:
        raise PatchError("gevent is not importable by %s; install python3-gevent "
                         "or pass --file" % sys.executable)
    return os.path.join(list(spec.submodule_search_locations)[0], "pywsgi.py")


def write_text(path, text):
    """Replace PATH's content atomically (same directory, then rename)."""
    tmp = path + ".h2c-lab.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    if os.path.exists(path):
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # keep the file's mode
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description="apply the h2c-lab fix to gevent/pywsgi.py")
    parser.add_argument("--file", help="pywsgi.py to patch (default: the importable gevent's)")
    parser.add_argument("--diff-out", help="write the unified diff here (default: stdout)")
    parser.add_argument("--dry-run", action="store_true",
                        help="check the anchors and print the diff; change nothing")
    args = parser.parse_args(argv)
    try:
        path = args.file or installed_pywsgi()
        with open(path, encoding="utf-8", newline="") as src:
            original = src.read()
        patched = apply_edits(original)
        diff = unified_diff(original, patched, "gevent/pywsgi.py")
        if not args.dry_run:
            write_text(path, patched)
            # Syntax check, and a fresh .pyc so an unprivileged runtime user
            # does not recompile the module on every start.
            py_compile.compile(path, doraise=True)
    except (OSError, PatchError, py_compile.PyCompileError) as exc:
        sys.stderr.write("patch_pywsgi: ERROR: %s\n" % exc)
        return 1
    if args.diff_out:
        write_text(args.diff_out, diff)
    else:
        sys.stdout.write(diff)
    sys.stderr.write("patch_pywsgi: %s %s (%d edits)\n"
                     % ("checked" if args.dry_run else "patched", path, len(EDITS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
