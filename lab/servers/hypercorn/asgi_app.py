"""asgi_app.py - the lab's shared WSGI echo app, served by Hypercorn as ASGI.

Idea: Hypercorn 0.13 (Debian bookworm) is an ASGI server; its CLI cannot serve a
WSGI callable directly (that arrived in 0.14). It ships its own adapter,
hypercorn.middleware.AsyncioWSGIMiddleware, which collects the whole request body
from the ASGI receive() channel and hands the WSGI app a BytesIO as wsgi.input. So
the app logic is exactly lab/apps/echo_wsgi.py, and the body the app sees is the
body Hypercorn's own HTTP/1.1 (h11) or HTTP/2 (h2) parser delivered.

The adapter's default body cap (64 KiB, then a bare 400) is raised to the app's own
cap so both agree on what "too big" is.
"""

from hypercorn.middleware import AsyncioWSGIMiddleware

import echo_wsgi


def terminated_input(environ, start_response):
    """The adapter's wsgi.input is the whole body as a BytesIO (EOF at its end) but
    0.13 does not say so; set the flag PEP 3333 apps go by, so a chunked body
    (no CONTENT_LENGTH) is read to its end as it is under every other server."""
    environ.setdefault("wsgi.input_terminated", True)
    return echo_wsgi.app(environ, start_response)


app = AsyncioWSGIMiddleware(terminated_input, max_body_size=echo_wsgi.MAX_BODY)
