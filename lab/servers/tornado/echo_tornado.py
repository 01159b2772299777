"""echo_tornado.py - the lab's app contract as a native Tornado application.

Idea: Tornado is its own HTTP server (tornado.httpserver, HTTP/1.x only), so the
echo app is a tornado.web.Application and what a response shows is Tornado's
HTTP/1.1 connection code (tornado.http1connection):
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
  anything else -> 404 (Tornado's own)
self.request.body is the whole body, dechunked or cut at Content-Length by
Tornado; max_body_size is the lab's 8 MiB.

Run:  /usr/bin/python3 echo_tornado.py --port 8080 [--host 0.0.0.0]
"""

import argparse
import asyncio
import os

import tornado.web

MAX_BODY = 8 * 1024 * 1024  # bytes, as lab/apps/echo_wsgi.py MAX_BODY


class Echo(tornado.web.RequestHandler):
    def post(self):
        self.set_header("Content-Type", "application/octet-stream")
        self.write(self.request.body)


class Root(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write(b"h2c-lab ok\n")


class Version(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write((os.environ.get("H2C_LAB_VERSION", "unknown") + "\n").encode("utf-8", "replace"))


async def serve(host, port):
    app = tornado.web.Application([(r"/echo", Echo), (r"/", Root), (r"/version", Version)],
                                  log_function=lambda handler: None)  # no access log
    app.listen(port, address=host, max_body_size=MAX_BODY)
    await asyncio.Event().wait()  # until SIGTERM ends the process


def main():
    parser = argparse.ArgumentParser(description="h2c-lab Tornado echo server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
