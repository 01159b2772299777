"""echo_aiohttp.py - the lab's app contract as a native aiohttp.web application.

Idea: aiohttp is its own HTTP server and framework (no WSGI/ASGI), so the echo
app is written in aiohttp's own terms and what a response shows is aiohttp's
HTTP/1.1 parser (its C parser, aiohttp._http_parser, as Debian builds it):
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
  anything else -> 404 (aiohttp's own)
request.read() returns the body aiohttp dechunked or cut at Content-Length; the
body cap is client_max_size (the lab's 8 MiB, then aiohttp's 413).

Run:  /usr/bin/python3 echo_aiohttp.py --port 8080 [--host 0.0.0.0]
"""

import argparse
import os

from aiohttp import web

MAX_BODY = 8 * 1024 * 1024  # bytes, as lab/apps/echo_wsgi.py MAX_BODY


async def echo(request):
    body = await request.read()
    return web.Response(body=body, content_type="application/octet-stream")


async def root(request):
    return web.Response(text="h2c-lab ok\n")


async def version(request):
    return web.Response(text=os.environ.get("H2C_LAB_VERSION", "unknown") + "\n")


def make_app():
    app = web.Application(client_max_size=MAX_BODY)
    app.add_routes([web.post("/echo", echo), web.get("/", root), web.get("/version", version)])
    return app


def main():
    parser = argparse.ArgumentParser(description="h2c-lab aiohttp echo server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    # access_log=None: no per-request log line (a full pipe nobody reads would block).
    web.run_app(make_app(), host=args.host, port=args.port, access_log=None,
                print=None, shutdown_timeout=1.0)


if __name__ == "__main__":
    main()
