"""echo_twisted.py - the lab's app contract as a native twisted.web resource tree.

Idea: twisted.web is its own HTTP server (twisted.web.http.HTTPChannel; HTTP/2
only over TLS with ALPN, and only with h2 installed), so the echo app is a
twisted.web.resource tree and what a response shows is Twisted's HTTP/1.1 code:
  POST /echo    -> 200 application/octet-stream, exactly the request body
  GET  /        -> 200 text/plain "h2c-lab ok\n"
  GET  /version -> 200 text/plain, first line = $H2C_LAB_VERSION
  anything else -> 404
request.content is the whole body (Twisted dechunks it or cuts it at
Content-Length before render_* is called).

Run:  /usr/bin/python3 echo_twisted.py --port 8080 [--host 0.0.0.0]
"""

import argparse
import os

from twisted.internet import endpoints, reactor
from twisted.web import resource, server


def plain(request, body, ctype=b"text/plain"):
    request.setHeader(b"content-type", ctype)
    request.setHeader(b"content-length", str(len(body)).encode("ascii"))
    return body


class Echo(resource.Resource):
    isLeaf = True

    def render_POST(self, request):
        return plain(request, request.content.read(), b"application/octet-stream")


class Version(resource.Resource):
    isLeaf = True

    def render_GET(self, request):
        version = os.environ.get("H2C_LAB_VERSION", "unknown") + "\n"
        return plain(request, version.encode("utf-8", "replace"))


class Root(resource.Resource):
    def getChild(self, name, request):
        if name == b"":
            return self
        return resource.Resource.getChild(self, name, request)

    def render_GET(self, request):
        return plain(request, b"h2c-lab ok\n")


def make_site():
    root = Root()
    root.putChild(b"echo", Echo())
    root.putChild(b"version", Version())
    # No access log: a full pipe nobody reads would block the reactor.
    return server.Site(root, logPath=None)


def main():
    parser = argparse.ArgumentParser(description="h2c-lab twisted.web echo server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    endpoint = endpoints.TCP4ServerEndpoint(reactor, args.port, interface=args.host)
    endpoint.listen(make_site())
    reactor.run()


if __name__ == "__main__":
    main()
