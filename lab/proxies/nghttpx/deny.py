#!/usr/bin/env python3
"""deny.py - answer every request with 403: the access rule nghttpx cannot express here.

nghttpx routes /admin, /admin/ and /__lab/ to this responder (backend pattern in
start.sh). A deployment would write a deny rule (nghttpx: an mruby script, which
Debian's build lacks), so this plays that rule and nothing else: it reads the request
body (bounded), answers "403 Forbidden" and keeps the connection.

usage: deny.py PORT   (listens on 127.0.0.1 only)
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class Deny(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "h2c-lab-deny"
    timeout = 30  # seconds a kept connection may idle

    def deny(self):
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY:
            self.rfile.read(length)
        body = b"forbidden\n"
        self.send_response(403)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if length > MAX_BODY:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = deny

    def log_message(self, fmt, *args):  # nghttpx's access log already has it
        pass


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Deny).serve_forever()


if __name__ == "__main__":
    main()
