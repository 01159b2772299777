"""echo_wsgi.py - the lab's WSGI echo app, shared by every Python server.

The app contract every lab server honours:
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
                   (the launcher's exact package version, e.g. "python3-gevent 22.10.2-3")
  anything else -> 404

The app is deliberately naive in one way, like the original demo: it trusts
wsgi.input. With Content-Length it reads exactly CONTENT_LENGTH bytes; without
it (a chunked body) it reads until EOF, which the WSGI server must provide at
the end of the body (gevent's Input and waitress's buffer both dechunk and end
there). gevent is the exception the lab exists to show: for a request whose
whole Connection value is "upgrade" it hands the app the raw socket file
(wsgi.input_terminated=False), so a chunked body read "until EOF" blocks until
the client gives up, and a Content-Length body is discarded a second time by
gevent after the app read it.

Run it directly (local tests and containers share this entry point):
  /usr/bin/python3 echo_wsgi.py --server gevent   --port 8080 [--host 0.0.0.0]
  /usr/bin/python3 echo_wsgi.py --server waitress --port 8080
Other servers import it: gunicorn echo_wsgi:app, hypercorn via its WSGI mode.
"""

import argparse
import os
import subprocess
import sys

MAX_BODY = 8 * 1024 * 1024  # bytes; a bigger body gets 413, never an unbounded read
READ_BLOCK = 65536

# Debian package whose version /version reports when the launcher did not say.
SERVER_PACKAGES = {"gevent": "python3-gevent", "waitress": "python3-waitress"}


class BodyTooBig(Exception):
    pass


def read_body(environ):
    """The request body as the server presents it (see the header comment)."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH", "")
    if length.strip():
        return read_exactly(stream, int(length))
    return read_to_eof(stream)


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


def app(environ, start_response):
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
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
    # The access log goes to stderr only on request: a full stdout/stderr pipe
    # nobody reads would otherwise block the server.
    server = WSGIServer((host, port), app, log=sys.stderr if access_log else None)
    server.serve_forever()


def serve_waitress(host, port, access_log):
    import waitress
    del access_log  # waitress has no access log of its own
    waitress.serve(app, host=host, port=port, threads=4, ident="waitress")


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
    serve = serve_gevent if args.server == "gevent" else serve_waitress
    serve(args.host, args.port, args.access_log)


if __name__ == "__main__":
    main()
