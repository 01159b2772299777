#!/usr/bin/env python3
"""make-seeds.py - writes the seed corpora of the fuzz harnesses from the lab's
real bytes, so fuzzing starts from what servers really sent and the files the
project really has, not from nothing.

  fuzz_http1     what each recorded connection received (results-*.json
                 transcripts), behind the harness's 4 option bytes
  fuzz_h2        what came after a 101 on an upgraded connection, and frames
                 for what the transcripts lack, behind the harness's 2 option
                 bytes
  fuzz_scenario  the catalogue (c-client/scenarios) and the refused files of
                 c-client/tests/fixtures/scenarios-bad
  fuzz_targets   lab/targets.json, one file per kind of target, and NAME=URL
                 arguments
  fuzz_render    each cell of results-*.json as a document of its own (its
                 target and scenario kept), the small fixtures whole, and the
                 refused ones of c-client/tests/fixtures/results-bad

It also writes libFuzzer dictionaries, fuzz/dict/<harness>.dict: the words of
each format (JSON member names and short values of the same files, HTTP/1.1
framing), so mutations speak the format instead of guessing it byte by byte.

Run from anywhere: c-client/fuzz/make-seeds.py [--max N]. It rewrites
c-client/fuzz/corpus/<harness>/ (files named by their SHA-1, at most N each,
default 40) and fuzz/dict/. Stdlib only (/usr/bin/python3)."""
import argparse
import glob
import hashlib
import json
import os
import shutil
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(FUZZ)
ROOT = os.path.dirname(CLIENT)


def unescape(s):
    """The project's escaped-bytes form (docs/formats.md) back to bytes."""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = s[i + 1:i + 2]
        if nxt == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}[nxt]
        i += 2
    return bytes(out)


def received(cell):
    """Per connection label: the bytes the probe received, in order."""
    streams = {}
    for ev in (cell.get("transcript") or {}).get("events") or []:
        if ev.get("dir") == "in" and isinstance(ev.get("data"), str):
            streams.setdefault(ev["conn"], bytearray()).extend(unescape(ev["data"]))
    return [bytes(b) for b in streams.values() if b]


def after_101(stream):
    """The bytes after a 101's header section, or None."""
    if not stream.startswith(b"HTTP/1.1 101") and b"\nHTTP/1.1 101" not in stream:
        return None
    start = stream.find(b"HTTP/1.1 101")
    end = stream.find(b"\r\n\r\n", start)
    return stream[end + 4:] if end >= 0 else None


def transcripts():
    for path in sorted(glob.glob(os.path.join(CLIENT, "tests/fixtures/results-*.json"))):
        with open(path, "rb") as f:   # results-hostile.json is not all UTF-8
            doc = json.loads(f.read().decode("utf-8", "replace"))
        for cell in doc.get("cells") or []:
            yield from received(cell)


def http1_seeds():
    for s in transcripts():
        h = hashlib.sha1(s).digest()
        # option bytes: EOF after the bytes (bit 1), a split seed from the bytes
        yield bytes([2]) + h[:3] + s
        yield bytes([0]) + h[3:6] + s


def frame(kind, flags, stream, payload=b""):
    """One HTTP/2 frame (RFC 9113 section 4.1)."""
    return (len(payload).to_bytes(3, "big") + bytes([kind, flags]) +
            stream.to_bytes(4, "big") + payload)


# HPACK: ":status 200" / ":status 204" from the static table, then
# "content-length: 2" as a literal without indexing (static name 28).
STATUS_200, STATUS_204 = b"\x88", b"\x89"
CL_2 = b"\x0f\x0d\x012"
SETTINGS = frame(4, 0, 0, bytes.fromhex("000300000064000400 00ffff".replace(" ", "")))
SETTINGS_ACK = frame(4, 1, 0)


def answer(stream, body=b"ok"):
    return frame(1, 4, stream, STATUS_200 + CL_2) + frame(0, 1, stream, body)


def h2_synthetic():
    """Server behaviours the lab's transcripts do not hold (yet)."""
    start = SETTINGS + SETTINGS_ACK
    interim = frame(1, 4, 1, b"\x08\x03100")            # ":status 100" literal
    yield start + answer(1) + answer(3)
    yield start + interim + answer(1)
    yield start + answer(1) + frame(3, 0, 3, (7).to_bytes(4, "big"))   # RST_STREAM
    yield start + frame(7, 0, 0, (1).to_bytes(4, "big") + (0).to_bytes(4, "big") +
                        b"debug <b>\xff\x00") + answer(1)         # GOAWAY
    yield start + frame(6, 0, 0, b"pingpong") + frame(8, 0, 0, (1 << 30).to_bytes(4, "big"))
    yield start + frame(5, 4, 1, (2).to_bytes(4, "big") + STATUS_200) + answer(1)  # PUSH_PROMISE
    yield start + frame(1, 0, 1, STATUS_200) + frame(9, 4, 1, CL_2) + frame(0, 1, 1, b"ok")
    yield start + frame(1, 4, 1, STATUS_204) + frame(1, 5, 1, b"\x40\x01x\x01y")  # trailers
    yield start + frame(0, 1, 1, b"data before headers")
    yield start + frame(1, 0, 1, STATUS_200) * 3                    # no END_HEADERS


def h2_seeds():
    for s in h2_synthetic():
        yield bytes([0x02, 0xff]) + s
        yield bytes([0x03, 0x20]) + s
        yield bytes([0x22, 0x00]) + s           # prior knowledge, two requests
    for s in transcripts():
        rest = after_101(s)
        if rest:
            yield bytes([0x02, 0xff]) + rest    # one follow-up, all as leftover
            yield bytes([0x07, 0x40]) + rest    # three pipelined, most read later
    yield bytes([0x00, 0x00])                   # the server closes right away
    yield bytes([0x20, 0x00]) + b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"


def files(*patterns):
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(CLIENT, pattern))):
            with open(path, "rb") as f:
                yield f.read()


def scenario_seeds():
    yield from files("tests/fixtures/scenarios-bad/*.json")


def scenario_always():
    return list(files("scenarios/*.json", "tests/fixtures/scenarios-good/*.json"))


def targets_seeds():
    path = os.path.join(ROOT, "lab/targets.json")
    with open(path, "rb") as f:
        whole = f.read()
    yield whole
    kinds = {}
    for t in json.loads(whole)["targets"]:
        info = t.get("info") or {}
        kinds.setdefault((info.get("family"), "proxy" in info, "patch_path" in t), t)
    for t in kinds.values():
        yield json.dumps({"targets": [t]}, indent=2).encode()
    yield from files("tests/fixtures/targets-bad/*.json")
    for spec in ("gevent=http://127.0.0.1:8080", "v6=http://[::1]:8081",
                 "name=http://host.example", "bad=https://x:1/path"):
        yield spec.encode()


def render_seeds():
    for path in sorted(glob.glob(os.path.join(CLIENT, "tests/fixtures/results-*.json"))):
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) < 32 * 1024:
            yield raw
        doc = json.loads(raw.decode("utf-8", "replace"))
        for cell in doc.get("cells") or []:
            one = dict(doc)
            one["targets"] = [t for t in doc.get("targets") or [] if t.get("name") == cell.get("target")]
            one["scenarios"] = [s for s in doc.get("scenarios") or [] if s.get("id") == cell.get("scenario")]
            one["cells"] = [cell]
            one["summary"] = {"cells": 1, "ok": int(bool(cell.get("ok"))),
                              "not_ok": int(not cell.get("ok")),
                              "by_verdict": {cell.get("verdict"): 1}}
            yield json.dumps(one, indent=1).encode()
    yield from files("tests/fixtures/results-bad/*.json")


def distinct(seeds):
    uniq = {}
    for s in seeds:
        uniq.setdefault(hashlib.sha1(s).hexdigest(), s)
    return sorted(uniq.items(), key=lambda kv: (len(kv[1]), kv[0]))


def pick(seeds, limit):
    """Distinct seeds, at most limit, spread over the sizes."""
    items = distinct(seeds)
    if len(items) > limit:
        step = len(items) / limit
        items = [items[int(i * step)] for i in range(limit)]
    return items


def write(harness, seeds, limit, always=()):
    """Every seed of always, then up to limit in all from seeds."""
    out = os.path.join(FUZZ, "corpus", harness)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    items = distinct(always)
    items += pick(seeds, max(limit - len(items), 0))
    for name, data in items:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{harness}: {len(items)} seeds, {sum(len(d) for _, d in items)} bytes")


HTTP1_WORDS = ["HTTP/1.1 ", "HTTP/1.0 ", " 200 OK", " 101 Switching Protocols", " 100 Continue",
               " 204", " 304", "\r\n", "\r\n\r\n", "\n", "Content-Length: ", "Transfer-Encoding: ",
               "chunked", "gzip, chunked", "Connection: ", "close", "keep-alive", "Upgrade: h2c",
               "0\r\n\r\n", ";ext=1", " \t", ":", ",", "ffffffffffffffff"]


def json_words(docs):
    """Member names and short string values, quoted as JSON."""
    words = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                words.add(json.dumps(k))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and len(v) <= 24:
            words.add(json.dumps(v))
    for raw in docs:
        try:
            walk(json.loads(raw.decode("utf-8", "replace")))
        except ValueError:
            pass
    return sorted(words) + ['{"', '":', ', "', "[]", "{}", "null", "true", "-1", "1e999"]


def dict_entry(word):
    """One libFuzzer dictionary line: the UTF-8 bytes, quoted and escaped."""
    out = []
    for b in word.encode():
        c = chr(b)
        out.append("\\" + c if c in '"\\' else c if 0x20 <= b < 0x7f else "\\x%02x" % b)
    return '"' + "".join(out) + '"'


def write_dict(harness, words):
    out = os.path.join(FUZZ, "dict")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, harness + ".dict"), "w", encoding="ascii") as f:
        f.write(f"# {harness}: written by make-seeds.py\n")
        for w in words:
            f.write(dict_entry(w) + "\n")
    print(f"{harness}.dict: {len(words)} words")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=int, default=40, help="seeds per harness")
    args = ap.parse_args()
    write("fuzz_http1", http1_seeds(), args.max)
    write("fuzz_h2", h2_seeds(), args.max)
    write("fuzz_scenario", scenario_seeds(), args.max, scenario_always())
    write("fuzz_targets", targets_seeds(), args.max)
    write("fuzz_render", render_seeds(), args.max)
    write_dict("fuzz_http1", HTTP1_WORDS)
    write_dict("fuzz_scenario", json_words(list(scenario_seeds()) + scenario_always()))
    write_dict("fuzz_targets", json_words(targets_seeds()) + ["http://", "[::1]", "=", ":65535"])
    write_dict("fuzz_render", json_words(render_seeds()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
