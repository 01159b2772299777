#!/usr/bin/python3
"""tests/hostile/server.py - a hostile HTTP server on 127.0.0.1, one attack per mode.

Everything a server sends is hostile input to the probe. Each mode below is one attack:
the server answers every connection (the probe's cells and its /version and /fix.diff
fetches alike) with it. The probe must stay within its deadlines and caps, report no
sanitizer error and write well-formed reports whatever comes (tests/hostile/hostile.py).

usage: server.py MODE        prints "port N" once it listens, then serves until killed
       server.py --list      the modes, one a line

Every wait is bounded: a connection lives at most CONN_MAX_S, the server at most
LIFETIME_S. Stdlib only (/usr/bin/python3).
"""
import random
import select
import socket
import struct
import sys
import threading
import time

CONN_MAX_S = 40          # longer than any cell's deadline in the suite (hostile.py)
LIFETIME_S = 600
HEAD_MAX = 1 << 20       # a request head larger than this is not read further

# Markup, invalid UTF-8 (a lone continuation byte, an overlong '/', a surrogate), a
# terminal escape and a right-to-left override: text a report must show as text.
EVIL = (b'<script>alert(1)</script>"><img src=x onerror=alert(2)>'
        b"'><svg onload=alert(3)> \xff\xfe\xc0\xaf\xed\xa0\x80 \x1b[31mred\x1b[0m \xe2\x80\xae")
NULS = b"a\x00b\x00<script>\x00"
ADMIN_MARKER = b"H2C-LAB-ADMIN-MARKER\n"   # what the lab backend's /admin answers


def h1(status_line, headers, body=b""):
    """An HTTP/1.1 response from raw pieces (nothing is checked or escaped)."""
    return status_line + b"\r\n" + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


def frame(ftype, flags, stream, payload, length=None):
    """An HTTP/2 frame; length overrides the real payload length (a lie)."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


SETTINGS = frame(4, 0, 0, b"")
UPGRADE_101 = h1(b"HTTP/1.1 101 Switching Protocols", [b"Connection: Upgrade", b"Upgrade: h2c"])
STATUS_200 = b"\x88"                      # HPACK: :status 200 (static index 8)
STATUS_100 = b"\x08\x03100"               # HPACK: literal :status 100


class Conn:
    """One accepted connection: its socket, its index, what the client sent."""

    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.until = time.monotonic() + CONN_MAX_S
        self.got = b""

    def alive(self):
        return time.monotonic() < self.until

    def read_head(self):
        """Reads until the end of a request head; returns it (b"" on EOF or time out)."""
        while b"\r\n\r\n" not in self.got and len(self.got) < HEAD_MAX and self.alive():
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if not r:
                continue
            chunk = self.sock.recv(65536)
            if not chunk:
                return b""
            self.got += chunk
        end = self.got.find(b"\r\n\r\n")
        if end < 0:
            return b""
        head, self.got = self.got[:end + 4], self.got[end + 4:]
        return head

    def send(self, data):
        """Writes all of data; False once the client is gone or the time is up."""
        view = memoryview(data)
        while view and self.alive():
            _, w, _ = select.select([], [self.sock], [], 0.5)
            if not w:
                continue
            try:
                n = self.sock.send(view)
            except OSError:
                return False
            view = view[n:]
        return not view

    def trickle(self, data, gap_s):
        """Writes data one byte every gap_s seconds."""
        for i in range(len(data)):
            if not self.send(data[i:i + 1]):
                return
            time.sleep(gap_s)

    def flood(self, unit):
        """Writes unit again and again until the client leaves (or the time is up)."""
        block = unit * max(1, 16384 // len(unit))
        while self.send(block):
            pass

    def linger(self):
        """Drains what the client sends until it closes (or the time is up)."""
        while self.alive():
            r, _, _ = select.select([self.sock], [], [], 0.5)
            if r:
                try:
                    if not self.sock.recv(65536):
                        return
                except OSError:
                    return

    def reset(self):
        """Closes with a TCP reset."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def path_of(head):
    parts = head.split(b" ", 2)
    return parts[1] if len(parts) > 1 else b""


def answer_once(body_of):
    """A mode that reads one request head, writes body_of(conn, head), then drains."""
    def mode(c):
        head = c.read_head()
        if head and c.send(body_of(c, head)):
            c.linger()
    return mode


# ---- HTTP/1.1 attacks ---------------------------------------------------------------

def random_bytes(c, head):
    return random.Random(c.index).randbytes(4096)


def huge_header(c, head):
    return h1(b"HTTP/1.1 200 OK", [b"X-Big: " + b"a" * (1 << 20), b"Content-Length: 2"], b"ok")


def markup(c, head):
    """Markup and invalid UTF-8 in the reason, header values, the body, /version, the patch."""
    path = path_of(head)
    if path == b"/fix.diff":
        body = (b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-" + EVIL + b"\n+</pre></details>"
                b"<script>alert(4)</script>\n```\n]]>\n")
    elif path == b"/version":
        body = b"1.0 " + EVIL + b"\n"
    else:
        body = EVIL
    return h1(b"HTTP/1.1 200 " + EVIL, [b"Server: " + EVIL, b"X-Evil: " + EVIL,
              b"Content-Type: text/html", b"Content-Length: %d" % len(body)], body)


def nul(c, head):
    """NUL bytes in the status line, the headers, the body, /version and the patch."""
    body = b"1.0" + NULS + b"\n" if path_of(head) in (b"/version", b"/fix.diff") else NULS
    return h1(b"HTTP/1.1 200 O\x00K", [b"Server: s\x00" + EVIL, b"X-Nul: \x00",
              b"Content-Length: %d" % len(body)], body)


def content_length(value_lines):
    def body_of(c, head):
        return h1(b"HTTP/1.1 200 OK", value_lines, b"hello")
    return body_of


# Chunk sizes around 2^63, one per connection in turn.
HUGE_CHUNKS = [b"7fffffffffffffff", b"8000000000000000", b"ffffffffffffffff",
               b"10000000000000000", b"7ffffffffffffff0;x=y"]


def chunk_huge(c, head):
    size = HUGE_CHUNKS[c.index % len(HUGE_CHUNKS)]
    return h1(b"HTTP/1.1 200 OK", [b"Transfer-Encoding: chunked"], size + b"\r\nabcdef\r\n")


def chunk_ext(c, head):
    ext = b";a=" + b"x" * 200000
    return h1(b"HTTP/1.1 200 OK", [b"Transfer-Encoding: chunked"],
              b"5" + ext + b"\r\nhello\r\n0" + ext + b"\r\n\r\n")


def trailers(c, head):
    lines = b"".join(b"X-Trailer-%d: %s\r\n" % (i, b"v" * 20) for i in range(5000))
    return h1(b"HTTP/1.1 200 OK", [b"Transfer-Encoding: chunked"],
              b"5\r\nhello\r\n0\r\n" + lines + b"\r\n")


def reset_mid(c):
    if c.read_head():
        c.send(h1(b"HTTP/1.1 200 OK", [b"Content-Length: 100000"], b"x" * 1000))
        time.sleep(0.05)
    c.reset()


def slow_head(c):
    """The whole answer one byte per second (the head never completes in a cell)."""
    if c.read_head():
        c.trickle(h1(b"HTTP/1.1 200 OK", [b"Content-Length: 2"], b"ok"), 1.0)


def slow_body(c):
    """The head at once, then the body one byte per second."""
    if c.read_head() and c.send(h1(b"HTTP/1.1 200 OK", [b"Content-Length: 1000"])):
        c.trickle(b"b" * 1000, 1.0)


def endless_1xx(c):
    if c.read_head():
        c.flood(b"HTTP/1.1 100 Continue\r\n\r\n"
                b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")


def upgrade_garbage(c, head):
    return UPGRADE_101 + random.Random(c.index).randbytes(65536)


def never_read(c):
    """Accepts, never reads, never writes; closes when the client has gone."""
    p = select.poll()
    p.register(c.sock, select.POLLRDHUP)
    while c.alive() and not p.poll(500):
        pass


def canned(c):
    """Every request on every connection gets the same bytes, whatever it asked: no
    proxy, no other client, so no verdict may claim either. The body is the lab
    backend's admin marker and an HTTP/1.1 request line, the words a smuggling or
    cross-client check looks for."""
    body = ADMIN_MARKER + b"GET /admin HTTP/1.1\r\n"
    answer = h1(b"HTTP/1.1 200 OK", [b"Content-Length: %d" % len(body)], body)
    while c.alive():
        head = c.read_head()
        if not head:
            return
        skip_body(c, head)
        if not c.send(answer):
            return


def skip_body(c, head):
    """Consumes a request body framed by Content-Length or chunked (bounded)."""
    low = head.lower()
    if b"transfer-encoding: chunked" in low:
        while b"0\r\n\r\n" not in c.got and c.alive() and len(c.got) < HEAD_MAX:
            r, _, _ = select.select([c.sock], [], [], 0.5)
            chunk = c.sock.recv(65536) if r else b""
            if r and not chunk:
                return
            c.got += chunk
        end = c.got.find(b"0\r\n\r\n")
        c.got = c.got[end + 5:] if end >= 0 else b""
        return
    at = low.find(b"content-length:")
    if at < 0:
        return
    try:
        n = int(low[at + 15:].split(b"\r\n", 1)[0].strip())
    except ValueError:
        return
    while len(c.got) < n and c.alive():
        r, _, _ = select.select([c.sock], [], [], 0.5)
        chunk = c.sock.recv(65536) if r else b""
        if r and not chunk:
            return
        c.got += chunk
    c.got = c.got[n:]


# ---- HTTP/2 attacks: after a 101 (or at once, for a prior-knowledge preface) -----------

def h2_mode(frames_of, endless=None):
    """Answers 101 + SETTINGS + frames_of(); with endless, then that unit without end."""
    def mode(c):
        head = c.read_head()
        if not head:
            return
        start = SETTINGS if head.startswith(b"PRI * HTTP/2.0") else UPGRADE_101 + SETTINGS
        if not c.send(start + frames_of()):
            return
        if endless:
            c.flood(endless)
        c.linger()
    return mode


def goaway_debug():
    debug = (EVIL + NULS + b"\r\n```\n</pre>" * 8) * 40
    return frame(7, 0, 0, struct.pack(">II", 1, 2) + debug[:16000])


def push_promise():
    block = b"\x82\x84\x86\x41\x09localhost"    # GET / http, :authority localhost
    return (frame(5, 4, 1, struct.pack(">I", 2) + block) +
            frame(1, 5, 1, STATUS_200))


MODES = {
    "random-bytes": answer_once(random_bytes),
    "huge-header": answer_once(huge_header),
    "markup": answer_once(markup),
    "nul": answer_once(nul),
    "cl-huge": answer_once(content_length([b"Content-Length: 99999999999999999999999999"])),
    "cl-negative": answer_once(content_length([b"Content-Length: -1"])),
    "cl-duplicate": answer_once(content_length([b"Content-Length: 5", b"Content-Length: 5"])),
    "cl-conflict": answer_once(content_length([b"Content-Length: 5", b"Content-Length: 6"])),
    "chunk-huge": answer_once(chunk_huge),
    "chunk-ext": answer_once(chunk_ext),
    "trailers": answer_once(trailers),
    "slow-head": slow_head,
    "slow-body": slow_body,
    "reset-mid": reset_mid,
    "endless-1xx": endless_1xx,
    "upgrade-garbage": answer_once(upgrade_garbage),
    "h2-oversized-frame": h2_mode(lambda: frame(0, 0, 1, b"\0" * 65536, length=0xFFFFFF)),
    "h2-goaway": h2_mode(goaway_debug),
    "h2-endless-headers": h2_mode(lambda: b"", endless=frame(1, 4, 1, STATUS_100)),
    "h2-continuation": h2_mode(lambda: frame(1, 0, 1, STATUS_200),
                               endless=frame(9, 0, 1, b"\x40\x01x\x01y" * 20)),
    "h2-window-update": h2_mode(lambda: frame(8, 0, 0, struct.pack(">I", 0x7FFFFFFF)) * 2 +
                                frame(8, 0, 1, struct.pack(">I", 0x7FFFFFFF)) * 2 +
                                frame(1, 5, 1, STATUS_200)),
    "h2-push-promise": h2_mode(push_promise),
    "never-read": never_read,
    "canned": canned,
}


def serve(mode, sock, index):
    c = Conn(sock, index)
    try:
        mode(c)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(MODES))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        print("usage: server.py MODE | --list  (modes: %s)" % " ".join(MODES), file=sys.stderr)
        return 2
    mode = MODES[sys.argv[1]]
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    print("port %d" % lsock.getsockname()[1], flush=True)
    end = time.monotonic() + LIFETIME_S
    index = 0
    while time.monotonic() < end:
        r, _, _ = select.select([lsock], [], [], 1.0)
        if not r:
            continue
        sock, _ = lsock.accept()
        threading.Thread(target=serve, args=(mode, sock, index), daemon=True).start()
        index += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
