"""
Regression tests for gh-2035: gevent.pywsgi must consume the body of a
request that asks to upgrade the connection exactly once.

Since gevent 20.12.0 (gh-1712) a request whose whole Connection value is
"upgrade" gets the connection's own stream as wsgi.input. An application
that reads its Content-Length body from it is followed by the server's
own discard of the body, which reads Content-Length bytes again: the start
of the next request on the persistent connection (a 400, or a hang). A
chunked body cannot be read at all (no length, wsgi.input_terminated is
false), so a PEP 3333 application sees an empty body. The request is still
HTTP/1.1 until a 101 (RFC 9110 section 7.8), and an upgrade request's body
is consumed before any switch (RFC 7540 section 3.2).

Tests:
  test_upgrade_h2c_content_length_body_consumed_once  the body once, then a second request
  test_upgrade_h2c_chunked_body_consumed_once         the same with a chunked body
  test_websocket_handshake_keeps_raw_input            the raw stream after a 101 (gh-1712)
  test_bodiless_upgrade_without_101_keeps_alive       a declined upgrade keeps the connection

Standard-library unittest and gevent only; every network wait is bounded.

"""

import unittest

import gevent
from gevent import socket
from gevent.pywsgi import WSGIServer

IO_TIMEOUT = 3.0     # seconds: any single read/write on the client socket
TEST_TIMEOUT = 15.0  # seconds: a whole test, whatever happens
MAX_HEAD = 16384     # bytes: a response head larger than this is a failure


def read_body(environ):
    """The request body as a PEP 3333 application reads it: CONTENT_LENGTH
    bytes; to EOF only when the server says the input is terminated;
    otherwise nothing (there is no way to know where it ends)."""
    stream = environ['wsgi.input']
    length = environ.get('CONTENT_LENGTH')
    if length:
        return stream.read(int(length))
    if environ.get('wsgi.input_terminated'):
        return stream.read()
    return b''


def echo_app(environ, start_response):
    """POST -> 200 with the request body; a WebSocket handshake -> 101, then
    echo 5 raw bytes read from wsgi.input, prefixed with b'echo:'; any
    other GET -> 200 b'ok'."""
    if environ.get('HTTP_UPGRADE', '').lower() == 'websocket' and environ['REQUEST_METHOD'] == 'GET':
        write = start_response('101 Switching Protocols',
                               [('Upgrade', 'websocket'), ('Connection', 'Upgrade')])
        write(b'')  # send the 101 head now; from here on the app owns the stream
        write(b'echo:' + environ['wsgi.input'].read(5))
        return []
    body = read_body(environ) if environ['REQUEST_METHOD'] == 'POST' else b'ok'
    start_response('200 OK', [('Content-Type', 'application/octet-stream'),
                              ('Content-Length', str(len(body)))])
    return [body]


class Response(object):
    def __init__(self, status, headers, body):
        self.status = status      # int
        self.headers = headers    # dict, lower-case names
        self.body = body          # bytes


def read_head(rfile):
    """Status code and lower-cased headers of one response head."""
    head = b''
    while not head.endswith(b'\r\n\r\n'):
        line = rfile.readline(MAX_HEAD)
        if not line:
            raise AssertionError('connection closed after %r' % (head,))
        head += line
        if len(head) > MAX_HEAD:
            raise AssertionError('response head too large: %r...' % (head[:200],))
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ', 2)[1])
    headers = {}
    for line in lines[1:]:
        if line:
            name, value = line.split(':', 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers


def read_response(rfile):
    """One Content-Length framed response (the only framing the test app uses)."""
    status, headers = read_head(rfile)
    length = int(headers.get('content-length', '0'))
    body = rfile.read(length)
    if len(body) != length:
        raise AssertionError('short body: %r of %d bytes' % (body, length))
    return Response(status, headers, body)


def post(path, body, extra_headers=()):
    lines = ['POST %s HTTP/1.1' % path, 'Host: 127.0.0.1']
    lines.extend('%s: %s' % h for h in extra_headers)
    lines.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body


UPGRADE_H2C = (('Connection', 'Upgrade'), ('Upgrade', 'h2c'))


class TestUpgradeRequestBody(unittest.TestCase):

    def setUp(self):
        self.timeout = gevent.Timeout(TEST_TIMEOUT)
        self.timeout.start()
        self.server = WSGIServer(('127.0.0.1', 0), echo_app, log=None, error_log=None)
        self.server.start()
        self.sock = socket.create_connection(('127.0.0.1', self.server.server_port),
                                             timeout=IO_TIMEOUT)
        self.rfile = self.sock.makefile('rb')

    def tearDown(self):
        self.rfile.close()
        self.sock.close()
        self.server.stop(timeout=2)
        self.timeout.close()

    def exchange(self, request):
        self.sock.sendall(request)
        try:
            return read_response(self.rfile)
        except socket.timeout:
            # A hang is the other face of the bug (the server waits for bytes
            # it believes belong to a body): report it as a failure, not an error.
            raise self.failureException(
                'no complete response within %.1f s' % IO_TIMEOUT) from None

    def assert_echo(self, response, body):
        self.assertEqual((response.status, response.body), (200, body))

    def test_upgrade_h2c_content_length_body_consumed_once(self):
        # The seed case: the upgrade is not taken (no 101), so the body belongs to
        # this HTTP/1.1 request and the next request starts right after it.
        first = self.exchange(post('/echo', b'Hello, World!', UPGRADE_H2C))
        self.assert_echo(first, b'Hello, World!')
        self.assertNotEqual(first.headers.get('connection', '').lower(), 'close')
        second = self.exchange(post('/echo', b'second request'))
        self.assert_echo(second, b'second request')

    def test_upgrade_h2c_chunked_body_consumed_once(self):
        request = (b'POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                   b'Connection: Upgrade\r\nUpgrade: h2c\r\n'
                   b'Transfer-Encoding: chunked\r\n\r\n'
                   b'7\r\nHello, \r\n6\r\nWorld!\r\n0\r\n\r\n')
        first = self.exchange(request)
        self.assert_echo(first, b'Hello, World!')
        second = self.exchange(post('/echo', b'second request'))
        self.assert_echo(second, b'second request')

    def test_websocket_handshake_keeps_raw_input(self):
        # What PR #1723 made work: no body, the app answers 101 and then reads
        # the raw stream itself; the server neither chunks nor reframes anything.
        self.sock.sendall(b'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                          b'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n')
        status, headers = read_head(self.rfile)
        self.assertEqual(status, 101)
        self.assertNotIn('transfer-encoding', headers)
        self.sock.sendall(b'ping!')
        self.assertEqual(self.rfile.read(len(b'echo:ping!')), b'echo:ping!')

    def test_bodiless_upgrade_without_101_keeps_alive(self):
        # An upgrade the application declines, and whose stream it never
        # reads, costs nothing: the connection stays open for the next
        # request (a proxy that sends "Connection: upgrade" on every
        # request keeps its upstream keep-alive).
        first = self.exchange(b'GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                              b'Connection: upgrade\r\nUpgrade: h2c\r\n\r\n')
        self.assertEqual((first.status, first.body), (200, b'ok'))
        self.assertNotEqual(first.headers.get('connection', '').lower(), 'close')
        second = self.exchange(post('/echo', b'second request'))
        self.assert_echo(second, b'second request')


if __name__ == '__main__':
    unittest.main()
