#!/usr/bin/env bash
# tests/html-screenshot.sh - report.html in a real browser (headless Chromium).
#
# Renders a results fixture with `h2c-probe render`, then checks what a person
# would see: a screenshot that shows the coloured grid (decoded with the
# Python standard library and checked for the verdict colours), and the DOM
# after the page's own script ran with #cell-<target>-<scenario> in the URL:
# the matrix is there and that cell's <details> is open with its reason. The
# hostile fixture must leave exactly one <script> (the page's own) in the DOM
# with the server's "<script>" shown as text. The inline script runs under a
# Content-Security-Policy that names its SHA-256, checked here too.
#
# Installs nothing: needs /usr/bin/chromium (apt-get install -y chromium) and
# /usr/bin/python3. Prints "ok - ..." / "FAIL - ..." and "N passed, N failed".
set -euo pipefail

usage() {
  cat <<'EOF'
usage: tests/html-screenshot.sh [--fixture FILE] [--keep DIR] [--help]
  --fixture FILE  results.json to render (default c-client/tests/fixtures/results-sample.json)
  --keep DIR      keep the rendered report, screenshot and DOM dumps in DIR
  CHROMIUM=PATH   browser to use (default /usr/bin/chromium)
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIXTURE=$ROOT/c-client/tests/fixtures/results-sample.json
HOSTILE=$ROOT/c-client/tests/fixtures/results-hostile.json
KEEP=''
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PY=/usr/bin/python3
PROBE=$ROOT/c-client/build/h2c-probe

while [ $# -gt 0 ]; do
  case $1 in
    --fixture) FIXTURE=$(realpath "$2"); shift 2 ;;
    --keep) KEEP=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "html-screenshot: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

PASS=0 FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
fail() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; }

if [ ! -x "$CHROMIUM" ]; then
  fail "no browser at $CHROMIUM: install it with 'apt-get install -y chromium' (or make deps)"
  finish; exit 1
fi
[ -x "$PY" ] || { fail "no $PY (apt-get install -y python3)"; finish; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2c-html.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# chrome ARGS...: one bounded headless run with a throw-away profile.
chrome() {
  local profile
  profile=$(mktemp -d "$WORK/profile.XXXXXX")
  timeout -k 5 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-dev-shm-usage --user-data-dir="$profile" "$@" \
    2>>"$WORK/chromium.log"
}

echo "# building h2c-probe and rendering $(basename "$FIXTURE")"
if ! make -s -C "$ROOT/c-client" build/h2c-probe >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log"; fail "make -C c-client build/h2c-probe"; finish; exit 1
fi
for name in sample hostile; do
  src=$FIXTURE; [ $name = sample ] || src=$HOSTILE
  if "$PROBE" render "$src" --out "$WORK/$name" >"$WORK/render-$name.log" 2>&1; then
    ok "h2c-probe render $(basename "$src")"
  else
    cat "$WORK/render-$name.log"; fail "h2c-probe render $(basename "$src")"; finish; exit 1
  fi
done
HTML=$WORK/sample/report.html

# ---- static checks ---------------------------------------------------------
if grep -Eiq '<(link|img|iframe|object|embed)[ >]|[ "]src=|@import|url\(' "$HTML"; then
  fail "report.html loads nothing from outside (found a src/link/url)"
else
  ok "report.html is self-contained (no src, link, @import or url())"
fi

if "$PY" - "$HTML" <<'EOF'
import base64, hashlib, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
csp = re.search(r"script-src '(sha256-[A-Za-z0-9+/=]+)'", html)
digest = "sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode() if scripts else None
sys.exit(0 if len(scripts) == 1 and csp and csp.group(1) == digest else 1)
EOF
then ok "the one inline script matches the CSP hash"
else fail "inline script and Content-Security-Policy hash differ (update SCRIPT_HASH in render_html.c)"
fi

# Every element opened is closed, in order (html.parser from the stdlib).
for name in sample hostile; do
  if "$PY" - "$WORK/$name/report.html" <<'EOF'
import html.parser, sys
VOID = {"meta", "input", "br", "link", "img", "hr"}
class Nesting(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack, self.errors = [], 0
    def handle_starttag(self, tag, attrs):
        if tag not in VOID: self.stack.append(tag)
    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag: self.stack.pop()
        else: self.errors += 1
p = Nesting(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
sys.exit(1 if p.errors or p.stack else 0)
EOF
  then ok "$name report.html: every element closes in order"
  else fail "$name report.html: elements do not nest"
  fi
done

# The failing cell to open: the first failing cell of the grid, and its reason.
read -r CELL REASON < <("$PY" - "$HTML" <<'EOF'
import html, re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<td class="cell verdict-[a-z0-9-]+ fail"[^>]*><a href="#([^"]+)"', doc)
if not m:
    print("- -"); sys.exit()
cell = m.group(1)
d = re.search(r'<details id="' + re.escape(cell) + r'".*?<p class="reason"><b>Reason:</b> (.*?)</p>', doc, re.S)
print(cell, html.unescape(d.group(1))[:60] if d else "-")
EOF
)
if [ "$CELL" = - ]; then
  fail "the fixture has no failing cell to open"; finish; exit 1
fi
echo "# opening #$CELL"

# ---- screenshot -------------------------------------------------------------
PNG=$WORK/report.png
chrome --screenshot="$PNG" --window-size=1400,1000 "file://$HTML" >/dev/null || true
if [ -s "$PNG" ] && [ "$(stat -c %s "$PNG")" -gt 20000 ]; then
  ok "screenshot written ($(stat -c %s "$PNG") bytes)"
else
  fail "no screenshot (see chromium log below)"; tail -5 "$WORK/chromium.log" || true
fi

# Colour presence in the first screen: the grid's verdict colours must show.
if [ -s "$PNG" ] && "$PY" - "$PNG" "$HTML" <<'EOF'
import re, struct, sys, zlib
def rows(path):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n"
    i, idat = 8, b""
    while i < len(d):
        n, = struct.unpack(">I", d[i:i + 4]); t = d[i + 4:i + 8]; c = d[i + 8:i + 8 + n]; i += 12 + n
        if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", c[:10])
        elif t == b"IDAT": idat += c
    assert depth == 8 and ctype in (2, 6)
    bpp = 3 if ctype == 2 else 4
    raw, stride, p, prev = zlib.decompress(idat), w * bpp, 0, bytearray(w * bpp)
    for _ in range(h):
        f, line = raw[p], bytearray(raw[p + 1:p + 1 + stride]); p += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield [tuple(line[x:x + 3]) for x in range(0, stride, bpp)]; prev = line
html = open(sys.argv[2], encoding="utf-8").read()
# verdict -> background colour, from the page's own stylesheet
colours = {v: tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for v, c in
           re.findall(r"td\.verdict-([a-z0-9-]+),\.tag\.verdict-[a-z0-9-]+\{background:(#[0-9a-f]{6})", html)}
shown = set(re.findall(r'<td class="cell verdict-([a-z0-9-]+) ', html))
counts = {v: 0 for v in shown}
for row in rows(sys.argv[1]):
    for px in row:
        for v in shown:
            if all(abs(px[k] - colours[v][k]) <= 6 for k in range(3)): counts[v] += 1
missing = [v for v, n in counts.items() if n < 500]
print("# pixels per verdict colour:", ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
sys.exit(1 if missing or not counts else 0)
EOF
then ok "screenshot shows every verdict colour of the grid"
else fail "screenshot lacks a verdict colour of the grid"
fi

# ---- DOM after the script ran, with a failing cell in the fragment ----------
DOM=$WORK/dom.html
chrome --dump-dom "file://$HTML#$CELL" >"$DOM" || true
if grep -q '<table id="matrix">' "$DOM" && grep -q 'id="only-failing"' "$DOM"; then
  ok "DOM has the matrix and the 'only failing cells' filter"
else
  fail "DOM lacks table#matrix or the filter (dump: $(wc -c <"$DOM") bytes)"
fi
if "$PY" - "$DOM" "$CELL" "$REASON" <<'EOF'
import html, re, sys
dom, cell, reason = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
m = re.search(r'<details id="' + re.escape(cell) + r'"([^>]*)>(.*?)</details>', dom, re.S)
if not m:
    print("# no details#" + cell); sys.exit(1)
is_open = re.search(r'\bopen\b', m.group(1)) is not None
has_reason = reason in html.unescape(m.group(2))
others_open = len(re.findall(r'<details [^>]*\bopen\b', dom)) - 1
print(f"# details#{cell}: open={is_open} reason={has_reason} other open={others_open}")
sys.exit(0 if is_open and has_reason and others_open == 0 else 1)
EOF
then ok "#$CELL opens that cell's details, reason shown"
else fail "#$CELL did not open its details with the reason"
fi

# ---- hostile: the server's <script> stays text ------------------------------
HDOM=$WORK/hostile-dom.html
chrome --dump-dom "file://$WORK/hostile/report.html" >"$HDOM" || true
if [ -s "$HDOM" ] && [ "$(grep -o '<script' "$HDOM" | wc -l)" -eq 1 ] &&
   grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$HDOM" &&
   ! grep -q '<b>target' "$HDOM"; then
  ok "hostile fixture: one <script> in the DOM (ours), the server's shown as text"
else
  fail "hostile fixture: server markup reached the DOM"
fi

if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  cp -r "$WORK/sample" "$WORK/hostile" "$PNG" "$DOM" "$HDOM" "$KEEP"/ 2>/dev/null || true
  echo "# kept in $KEEP"
fi
finish
