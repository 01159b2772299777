"""echo_asgi.py - the lab's echo app as a native ASGI 3 application.

Idea: an ASGI server (uvicorn) should be probed with an app written for ASGI, not
with the WSGI app behind an adapter, so that what a response shows is the server's
HTTP parser (h11, httptools) and nothing of an adapter's. It honours the same app
contract as lab/apps/echo_wsgi.py:
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
  anything else -> 404
The body is every http.request message's body until more_body is false: the server
has already removed Content-Length or chunked framing, so the app needs no rule of
its own for where a body ends. A body bigger than MAX_BODY (the WSGI app's cap) gets
413 and is not read further. Standard library only.

Run:  uvicorn --http h11 echo_asgi:app   (from this directory, or --app-dir)
"""

import os

MAX_BODY = 8 * 1024 * 1024  # bytes, as echo_wsgi.MAX_BODY


async def read_body(receive):
    """The request body, or None when it exceeds MAX_BODY (or the client left)."""
    parts, got = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        got += len(chunk)
        if got > MAX_BODY:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


async def respond(send, status, body, ctype=b"text/plain"):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype),
                            (b"content-length", str(len(body)).encode("ascii"))]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":  # nothing to set up; say so at once
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return  # a websocket scope: not part of the contract; the server refuses it
    method, path = scope["method"], scope["path"]
    if method == "POST" and path == "/echo":
        body = await read_body(receive)
        if body is None:
            await respond(send, 413, b"body too large\n")
        else:
            await respond(send, 200, body, b"application/octet-stream")
    elif method == "GET" and path == "/":
        await respond(send, 200, b"h2c-lab ok\n")
    elif method == "GET" and path == "/version":
        version = os.environ.get("H2C_LAB_VERSION", "unknown")
        await respond(send, 200, (version + "\n").encode("utf-8", "replace"))
    else:
        await respond(send, 404, b"not found\n")
