"""echo_wsgi.py - the lab's WSGI echo app, shared by every Python server.

The app contract every lab server honours:
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
                   (the launcher's exact package version, e.g. "python3-gevent 22.10.2-3")
  GET  /fix.diff -> 200 text/x-diff, the file named by $H2C_LAB_PATCH_FILE (a
                   proposed fix's diff, e.g. gevent-fixed's); 404 when unset
  GET  /ws-echo -> only when $H2C_LAB_WS_ECHO=1 (see below), else 404
  anything else -> 404

GET /ws-echo is a WebSocket-style raw echo: the one use gevent's raw
wsgi.input branch exists for (gevent PR #1723, in 20.12.0: "Make
gevent.pywsgi stop dealing with chunks when the connection is being
upgraded", fixing #1712). It needs `Upgrade: websocket`, answers
`101 Switching Protocols`, then reads one line (at most WS_ECHO_MAX bytes)
from wsgi.input - on gevent >= 20.12 the raw socket file for an upgrade
request - and writes it back on the upgraded connection. That is only
meaningful under gevent's pywsgi (a WSGI server that reads the body itself
has no stream to hand over), so the endpoint is opt-in by one clean switch:
the environment variable H2C_LAB_WS_ECHO=1. `--server gevent` below sets it
itself; another launcher that runs this app under gevent's pywsgi (gunicorn
with the gevent_pywsgi worker) sets it in its environment. Everywhere else
the endpoint is 404, which the probe reports as "n/a".

The app reads its body the way PEP 3333 apps (and frameworks such as Werkzeug/
Flask) do: with a CONTENT_LENGTH it reads exactly that many bytes; without one it
reads to EOF only when the server sets wsgi.input_terminated (the server promises
an EOF at the end of the body: gevent's Input, which dechunks, and waitress's
buffer do), and otherwise takes the body as empty - nothing says where it ends.
So what a response shows is the server's doing, not the app's. gevent is the
case the lab exists to show: for a request whose whole Connection value is
"upgrade" it hands the app the raw socket file (wsgi.input_terminated False).
A Content-Length body read from it is then discarded a second time by gevent;
a chunked body is not readable at all (no length, no EOF), so the app answers
200 with an empty body while gevent discards the chunks itself.

Run it directly (local tests and containers share this entry point):
  /usr/bin/python3 echo_wsgi.py --server gevent   --port 8080 [--host 0.0.0.0]
  /usr/bin/python3 echo_wsgi.py --server waitress --port 8080
  /usr/bin/python3 echo_wsgi.py --server werkzeug --port 8080   (run_simple, threaded)
  /usr/bin/python3 echo_wsgi.py --server cheroot  --port 8080   (cheroot.wsgi.Server)
Other servers import it: gunicorn echo_wsgi:app, hypercorn via its WSGI mode.
"""

import argparse
import os
import subprocess
import sys

MAX_BODY = 8 * 1024 * 1024  # bytes; a bigger body gets 413, never an unbounded read
READ_BLOCK = 65536
MAX_PATCH = 1024 * 1024     # bytes of $H2C_LAB_PATCH_FILE served at most
WS_ECHO_MAX = 64            # bytes /ws-echo reads (one line) and echoes at most
WS_ECHO_WAIT_S = 10         # how long /ws-echo waits for that line

# Debian package whose version /version reports when the launcher did not say.
SERVER_PACKAGES = {"gevent": "python3-gevent", "waitress": "python3-waitress",
                   "werkzeug": "python3-werkzeug", "cheroot": "python3-cheroot"}


class BodyTooBig(Exception):
    pass


def read_body(environ):
    """The request body as the server presents it (see the header comment)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH", "")
    if length.strip():
        return read_exactly(stream, int(length))
    if environ.get("wsgi.input_terminated"):
        return read_to_eof(stream)
    return b""  # no length and no EOF promised: PEP 3333 gives no way to find the end


def read_exactly(stream, n):
    if n > MAX_BODY:
        raise BodyTooBig()
    parts, got = [], 0
    while got < n:
        block = stream.read(min(READ_BLOCK, n - got))
        if not block:
            break  # client went away early; echo what arrived
        parts.append(block)
        got += len(block)
    return b"".join(parts)


def read_to_eof(stream):
    parts, got = [], 0
    while True:
        block = stream.read(READ_BLOCK)
        if not block:
            return b"".join(parts)
        got += len(block)
        if got > MAX_BODY:
            raise BodyTooBig()
        parts.append(block)


def respond(start_response, status, body, ctype="text/plain"):
    start_response(status, [("Content-Type", ctype),
                            ("Content-Length", str(len(body)))])
    return [body]


def ws_echo_enabled():
    return os.environ.get("H2C_LAB_WS_ECHO") == "1"


def read_line_bounded(stream):
    """One line (at most WS_ECHO_MAX bytes) from the upgraded stream, waiting
    at most WS_ECHO_WAIT_S under gevent (a silent client must not hold the
    greenlet forever); b"" when nothing came."""
    try:
        import gevent
    except ImportError:
        return stream.readline(WS_ECHO_MAX)
    with gevent.Timeout(WS_ECHO_WAIT_S, False):
        return stream.readline(WS_ECHO_MAX)
    return b""


def ws_echo(environ, start_response):
    """GET /ws-echo: 101, then echo one line of the raw stream (see the top)."""
    if environ.get("HTTP_UPGRADE", "").lower() != "websocket":
        return respond(start_response, "400 Bad Request", b"GET /ws-echo needs Upgrade: websocket\n")
    write = start_response("101 Switching Protocols",
                           [("Upgrade", "websocket"), ("Connection", "Upgrade")])
    # gevent sends the status line and headers on the first write() call, even
    # an empty one (WSGIHandler.write -> _write_with_headers; checked on
    # python3-gevent 22.10.2): the client must see the 101 before it sends.
    # A 101 gets neither Content-Length nor chunked framing from gevent.
    write(b"")
    # gevent >= 20.12: the raw socket file, so this reads the client's bytes.
    # gevent 20.9.0 (before PR #1723): gevent's Input with no Content-Length,
    # which returns b"" at once, so the echo comes back empty. 20.9.0 also
    # frames a 101 without Content-Length as chunked (issue #1712: it ends
    # with "0\r\n\r\n") and then parses the client's bytes as the next HTTP
    # request. So the probe gets gevent's own bytes where the echo should be:
    # the expected, explainable result for that version, not an app bug.
    line = read_line_bounded(environ["wsgi.input"])
    if line:
        write(line)
    return []


def serve_patch(start_response):
    """GET /fix.diff: the file named by $H2C_LAB_PATCH_FILE, or 404."""
    path = os.environ.get("H2C_LAB_PATCH_FILE", "")
    if not path:
        return respond(start_response, "404 Not Found", b"no patch: H2C_LAB_PATCH_FILE is not set\n")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PATCH + 1)
    except OSError:
        return respond(start_response, "404 Not Found", b"no patch: H2C_LAB_PATCH_FILE cannot be read\n")
    if len(data) > MAX_PATCH:
        return respond(start_response, "413 Payload Too Large", b"patch file too large\n")
    return respond(start_response, "200 OK", data, "text/x-diff; charset=utf-8")


def app(environ, start_response):
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    if method == "GET" and path == "/ws-echo" and ws_echo_enabled():
        return ws_echo(environ, start_response)
    if method == "GET" and path == "/fix.diff":
        return serve_patch(start_response)
    if method == "POST" and path == "/echo":
        try:
            body = read_body(environ)
        except (ValueError, BodyTooBig):
            return respond(start_response, "413 Payload Too Large", b"body too large or bad length\n")
        return respond(start_response, "200 OK", body, "application/octet-stream")
    if method == "GET" and path == "/":
        return respond(start_response, "200 OK", b"h2c-lab ok\n")
    if method == "GET" and path == "/version":
        version = os.environ.get("H2C_LAB_VERSION", "unknown")
        return respond(start_response, "200 OK", (version + "\n").encode("utf-8", "replace"))
    return respond(start_response, "404 Not Found", b"not found\n")


application = app  # the name some servers look for by default


def package_version(package):
    """'package version' from dpkg, or None (not Debian, not installed)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Version}", package],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=10, check=True)
        return out.stdout.decode("utf-8", "replace").strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def serve_gevent(host, port, access_log):
    from gevent.pywsgi import WSGIServer
    os.environ["H2C_LAB_WS_ECHO"] = "1"  # the raw stream of an upgrade exists here
    # The access log goes to stderr only on request: a full stdout/stderr pipe
    # nobody reads would otherwise block the server.
    server = WSGIServer((host, port), app, log=sys.stderr if access_log else None)
    server.serve_forever()


def serve_waitress(host, port, access_log):
    import waitress
    del access_log  # waitress has no access log of its own
    waitress.serve(app, host=host, port=port, threads=4, ident="waitress")


def serve_werkzeug(host, port, access_log):
    """Werkzeug's development server as `flask run` starts it: threaded, which
    makes werkzeug (>= 2.1, serving.BaseWSGIServer) speak HTTP/1.1 with
    keep-alive; single-threaded it would answer HTTP/1.0 and close."""
    import logging
    from werkzeug.serving import run_simple
    if not access_log:  # its request log goes to stderr by default
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def serve_cheroot(host, port, access_log):
    """cheroot's own WSGI server (CherryPy's), as its docs start it."""
    from cheroot import wsgi
    del access_log  # cheroot.wsgi.Server has no access log
    server = wsgi.Server((host, port), app, numthreads=4)
    try:
        server.safe_start()  # returns on KeyboardInterrupt/SystemExit
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description="h2c-lab WSGI echo server")
    parser.add_argument("--server", choices=sorted(SERVER_PACKAGES), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--access-log", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)
    if not os.environ.get("H2C_LAB_VERSION"):
        os.environ["H2C_LAB_VERSION"] = (package_version(SERVER_PACKAGES[args.server])
                                         or SERVER_PACKAGES[args.server] + " unknown")
    sys.stderr.write("echo_wsgi: %s on %s:%d (%s)\n"
                     % (args.server, args.host, args.port, os.environ["H2C_LAB_VERSION"]))
    sys.stderr.flush()
    serve = {"gevent": serve_gevent, "waitress": serve_waitress,
             "werkzeug": serve_werkzeug, "cheroot": serve_cheroot}[args.server]
    serve(args.host, args.port, args.access_log)


if __name__ == "__main__":
    main()
