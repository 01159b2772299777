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

app = AsyncioWSGIMiddleware(echo_wsgi.app, max_body_size=echo_wsgi.MAX_BODY)
