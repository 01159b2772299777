"""lab_backend.py - the backend behind the lab's reverse proxies (GitHub issue 6).

The question behind it: when a reverse proxy reuses its upstream connections, can one
client's upgrade-bearing request break another client's request, or smuggle a request
the proxy never saw as one? To answer it the backend must (1) hold something a proxy
protects, and (2) say exactly what it received on which upstream connection. So this
launcher serves the shared echo app (echo_wsgi.py, same folder) wrapped in a small
middleware:

  GET /admin[?...]           -> 200 "H2C-LAB-ADMIN-MARKER\n" (every lab proxy answers
                                 403 for /admin; seeing the marker through a proxy means
                                 a request got past the proxy's access rule)
  GET /__lab/requests?...    -> the request log as JSON (for the probe, which asks the
                                 backend directly on its service name; proxies deny /__lab/)
  GET /__lab/reset           -> close every OTHER connection to this backend (gevent), so
                                 a connection one test left desynced in a proxy's pool
                                 cannot spill into the next test; {"closed": N}
  anything else              -> the echo app (POST /echo, GET /, GET /version, 404)

Every request the app sees is logged into a bounded in-memory ring: method, raw target,
X-Lab-Cell, Content-Length, Connection/Upgrade as received, the peer (the proxy's
address and port: one port = one upstream connection), monotonic and wall time, the
status answered and, where the server lets us see it, the raw request head as it came
off the wire (what the proxy really forwarded) and its length. Under gevent a handler
subclass also counts what the body read consumed, so a second discard shows up as
`overread`: the bytes of the NEXT request on that upstream connection that gevent ate,
and requests gevent itself rejected (400) are logged as kind "rejected".

Same CLI as echo_wsgi.py:
  /usr/bin/python3 lab_backend.py --server gevent|waitress --port 8080 [--host 0.0.0.0]
"""

import argparse
import collections
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs

import echo_wsgi

ADMIN_MARKER = b"H2C-LAB-ADMIN-MARKER\n"
LOG_CAPACITY = 5000      # entries kept; the oldest are dropped first
LIST_CAP = 1000          # entries one /__lab/requests answer returns at most
HEAD_CAP = 4096          # raw head bytes kept per entry
OVERREAD_CAP = 4096      # over-read bytes kept per entry
ENTRY_KEY = "h2c_lab.entry"  # environ key: the log entry of this request


def escape_bytes(data):
    """The lab's escaped-bytes form (docs/formats.md): printable ASCII as is, \\ \\r \\n \\t, \\xHH."""
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x0D:
            out.append("\\r")
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def latin1(text):
    """WSGI strings are latin-1 decoded bytes: escape them the same way as wire bytes."""
    return escape_bytes(text.encode("latin-1", "replace"))


class RequestLog:
    """A bounded, lock-protected ring of request entries (dicts), numbered by `seq`."""

    def __init__(self, capacity=LOG_CAPACITY):
        self._entries = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._seq = 0
        self.capacity = capacity

    def add(self, entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
        return entry

    def select(self, cell=None, since=0, limit=LIST_CAP):
        """Entries with seq > since whose path, cell or raw head contains `cell`; the newest `limit`."""
        with self._lock:
            entries = [dict(e) for e in self._entries if e["seq"] > since]
            last = self._seq
        if cell:
            entries = [e for e in entries if matches_cell(e, cell)]
        return entries[-limit:], last


def matches_cell(entry, cell):
    return any(cell in (entry.get(k) or "") for k in ("path", "cell", "head"))


class ConnectionCounter:
    """nth request per peer (ip:port): shows which requests shared an upstream connection."""

    def __init__(self, capacity=4096):
        self._counts = collections.OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def next(self, peer):
        with self._lock:
            n = self._counts.pop(peer, 0) + 1
            self._counts[peer] = n
            while len(self._counts) > self._capacity:
                self._counts.popitem(last=False)
        return n


def peer_of(environ):
    return "%s:%s" % (environ.get("REMOTE_ADDR", "?"), environ.get("REMOTE_PORT", "?"))


def raw_target(environ):
    """The request target as sent when the server keeps it, else rebuilt from the environ."""
    for key in ("h2c_lab.raw_uri", "REQUEST_URI", "RAW_URI"):
        if environ.get(key):
            return environ[key]
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "") + ("?" + query if query else "")


def content_length(environ):
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def optional(environ, key):
    value = environ.get(key)
    return None if value is None else latin1(value)


class LabMiddleware:
    """/admin marker, /__lab/requests, and a log entry for everything else (see the header)."""

    def __init__(self, app, log, server_name, closer=None):
        self.app = app
        self.log = log
        self.server_name = server_name
        self.connections = ConnectionCounter()
        self.closer = closer  # closer(environ) -> connections closed, or None (unsupported)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__lab/"):
            return self.serve_lab(environ, start_response)
        entry = self.record(environ) if not is_healthcheck(environ) else {}
        environ[ENTRY_KEY] = entry

        def recording_start_response(status, headers, exc_info=None):
            entry["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        if environ.get("REQUEST_METHOD") == "GET" and (path == "/admin" or path.startswith("/admin/")):
            return respond(recording_start_response, "200 OK", ADMIN_MARKER)
        return self.app(environ, recording_start_response)

    def record(self, environ):
        peer = peer_of(environ)
        head = environ.get("h2c_lab.raw_head")
        return self.log.add({
            "kind": "request",
            "server": self.server_name,
            "t_mono": round(time.monotonic(), 6),
            "t_wall": round(time.time(), 6),
            "peer": peer,
            "conn_seq": self.connections.next(peer),
            "method": latin1(environ.get("REQUEST_METHOD", "")),
            "path": latin1(raw_target(environ)),
            "cell": optional(environ, "HTTP_X_LAB_CELL"),
            "content_length": content_length(environ),
            "transfer_encoding": optional(environ, "HTTP_TRANSFER_ENCODING"),
            "connection": optional(environ, "HTTP_CONNECTION"),
            "upgrade": optional(environ, "HTTP_UPGRADE"),
            "head_len": environ.get("h2c_lab.head_len"),
            "head": None if head is None else escape_bytes(head[:HEAD_CAP]),
            "status": None,
        })

    def serve_lab(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET":
            return respond(start_response, "405 Method Not Allowed", b"GET only\n")
        if environ.get("PATH_INFO") == "/__lab/requests":
            return self.serve_requests(environ, start_response)
        if environ.get("PATH_INFO") == "/__lab/reset":
            return self.serve_reset(environ, start_response)
        return respond(start_response, "404 Not Found", b"not found\n")

    def serve_reset(self, environ, start_response):
        closed = self.closer(environ) if self.closer else None
        body = json.dumps({"server": self.server_name, "closed": closed,
                           "supported": self.closer is not None}).encode("ascii") + b"\n"
        return respond(start_response, "200 OK", body, "application/json")

    def serve_requests(self, environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        cell = (query.get("cell") or [""])[0]
        since = int_param(query, "since", 0)
        limit = max(1, min(int_param(query, "limit", LIST_CAP), LIST_CAP))
        entries, last = self.log.select(cell, since, limit)
        body = json.dumps({
            "format": "h2c-lab-backend-log/1",
            "server": self.server_name,
            "version": os.environ.get("H2C_LAB_VERSION", ""),
            "t_mono": round(time.monotonic(), 6),
            "last_seq": last,
            "capacity": self.log.capacity,
            "entries": entries,
        }, indent=1).encode("ascii") + b"\n"
        return respond(start_response, "200 OK", body, "application/json")


def respond(start_response, status, body, ctype="text/plain"):
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def int_param(query, name, default):
    try:
        return int((query.get(name) or [default])[0])
    except ValueError:
        return default


def is_healthcheck(environ):
    """compose's health check (GET / from loopback every 2 s) would only crowd the ring."""
    return environ.get("REMOTE_ADDR") in ("127.0.0.1", "::1") and environ.get("PATH_INFO") == "/"


# ---- gevent: see the raw bytes (head, and what the body read consumed) -------------

class CountingReader:
    """Wraps the connection's buffered reader: counts bytes consumed, keeps a window of them.

    keep(start, cap) starts keeping bytes from absolute offset `start` on (at most `cap`).
    Everything else is delegated, so gevent (and the app, which gets this very object
    as wsgi.input for an "upgrade" request) sees an ordinary file.
    """

    def __init__(self, raw):
        self._raw = raw
        self.pos = 0
        self._keep_from = None
        self._cap = 0
        self.kept = bytearray()

    def keep(self, start, cap):
        self._keep_from, self._cap, self.kept = start, cap, bytearray()

    def read(self, *args):
        return self._note(self._raw.read(*args))

    def readline(self, *args):
        return self._note(self._raw.readline(*args))

    def _note(self, data):
        start, self.pos = self.pos, self.pos + len(data)
        if self._keep_from is not None and self.pos > self._keep_from and len(self.kept) < self._cap:
            part = data[max(0, self._keep_from - start):]
            self.kept += part[:self._cap - len(self.kept)]
        return data

    def __getattr__(self, name):
        return getattr(self._raw, name)


class OpenSockets:
    """The backend's open client sockets (gevent: one greenlet each); close_others() ends them.

    shutdown() rather than close(): the greenlet blocked reading that socket (e.g. gevent
    waiting for the bytes of a second discard) wakes up with EOF and finishes normally.
    """

    def __init__(self):
        self._socks = set()

    def add(self, sock):
        self._socks.add(sock)

    def discard(self, sock):
        self._socks.discard(sock)

    def close_others(self, environ):
        import socket as socket_module
        mine, closed = environ.get("h2c_lab.socket"), 0
        for sock in list(self._socks):
            if sock is mine:
                continue
            try:
                sock.shutdown(socket_module.SHUT_RDWR)
                closed += 1
            except OSError:
                pass  # already gone
        return closed


def recording_handler_class(log, open_sockets):
    from gevent.pywsgi import WSGIHandler

    class RecordingHandler(WSGIHandler):
        """WSGIHandler that notes the raw head, the bytes its body handling consumed and its 400s."""

        def __init__(self, sock, address, server, rfile=None):
            super().__init__(sock, address, server, rfile)
            self.rfile = CountingReader(self.rfile)
            self.lab_head_start = 0
            self.lab_socket = sock

        def handle(self):
            open_sockets.add(self.lab_socket)
            try:
                super().handle()
            finally:
                open_sockets.discard(self.lab_socket)

        def read_requestline(self):
            self.lab_head_start = self.rfile.pos
            self.rfile.keep(self.rfile.pos, HEAD_CAP)
            return super().read_requestline()

        def get_environ(self):
            env = super().get_environ()
            env["h2c_lab.raw_head"] = bytes(self.rfile.kept)
            env["h2c_lab.head_len"] = self.rfile.pos - self.lab_head_start
            env["h2c_lab.raw_uri"] = self.path
            env["h2c_lab.socket"] = self.lab_socket
            return env

        def handle_one_response(self):
            body_start = self.rfile.pos
            length = self.content_length  # None for chunked / no body framing
            if length is not None:
                self.rfile.keep(body_start + length, OVERREAD_CAP)
            try:
                super().handle_one_response()
            finally:
                self.note_consumed(body_start, length)

        def note_consumed(self, body_start, length):
            entry = (self.environ or {}).get(ENTRY_KEY)
            if not entry:
                return
            consumed = self.rfile.pos - body_start
            entry["body_consumed"] = consumed
            if length is not None:
                entry["overread_len"] = max(0, consumed - length)
                entry["overread"] = escape_bytes(bytes(self.rfile.kept)) if consumed > length else ""

        def handle_one_request(self):
            self.environ = None
            result = super().handle_one_request()
            if isinstance(result, tuple):  # gevent refused to parse it: (status, raw answer)
                self.note_rejected(result[0])
            return result

        def note_rejected(self, status):
            address = self.client_address if isinstance(self.client_address, tuple) else ("?", "?")
            log.add({
                "kind": "rejected", "server": "gevent",
                "t_mono": round(time.monotonic(), 6), "t_wall": round(time.time(), 6),
                "peer": "%s:%s" % (address[0], address[1]),
                "status": int(status) if str(status).isdigit() else None,
                "head_len": self.rfile.pos - self.lab_head_start,
                "head": escape_bytes(bytes(self.rfile.kept)),
                "path": None, "cell": None,
            })

    return RecordingHandler


def serve_gevent(app, log, host, port):
    from gevent.pywsgi import WSGIServer
    open_sockets = OpenSockets()
    app.closer = open_sockets.close_others
    server = WSGIServer((host, port), app, log=None,
                        handler_class=recording_handler_class(log, open_sockets))
    server.serve_forever()


# ---- waitress: keep the raw head its parser saw ------------------------------------

def patch_waitress_raw_head():
    """Store waitress's header block (request line + headers + blank line) in the environ."""
    from waitress.parser import HTTPRequestParser
    from waitress.task import WSGITask
    parse_header, get_environment = HTTPRequestParser.parse_header, WSGITask.get_environment

    def recording_parse_header(self, header_plus):
        self.h2c_lab_raw_head = header_plus
        return parse_header(self, header_plus)

    def recording_get_environment(self):
        env = get_environment(self)
        head = getattr(self.request, "h2c_lab_raw_head", None)
        if head is not None and "h2c_lab.raw_head" not in env:
            env["h2c_lab.raw_head"] = head
            env["h2c_lab.head_len"] = len(head)
        return env

    HTTPRequestParser.parse_header = recording_parse_header
    WSGITask.get_environment = recording_get_environment


def serve_waitress(app, log, host, port):
    # waitress never refuses what the proxies send here (nothing extra to log) and never
    # leaves a connection desynced, so /__lab/reset answers "supported": false.
    del log
    import waitress
    patch_waitress_raw_head()
    waitress.serve(app, host=host, port=port, threads=4, ident="waitress")


SERVERS = {"gevent": ("python3-gevent", serve_gevent), "waitress": ("python3-waitress", serve_waitress)}


def main(argv=None):
    parser = argparse.ArgumentParser(description="h2c-lab backend: echo app + /admin marker + request log")
    parser.add_argument("--server", choices=sorted(SERVERS), required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    package, serve = SERVERS[args.server]
    if not os.environ.get("H2C_LAB_VERSION"):
        os.environ["H2C_LAB_VERSION"] = echo_wsgi.package_version(package) or package + " unknown"
    sys.stderr.write("lab_backend: %s on %s:%d (%s)\n"
                     % (args.server, args.host, args.port, os.environ["H2C_LAB_VERSION"]))
    sys.stderr.flush()
    log = RequestLog()
    serve(LabMiddleware(echo_wsgi.app, log, args.server), log, args.host, args.port)


if __name__ == "__main__":
    main()
