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
# Two more fixtures, in a tall window (the whole upper page): the lab run's
# "Proposed fix" section must show (its blue frame and the diff), and the
# security fixture's "Security-relevant findings - do not paste publicly"
# section must be visibly marked (red banner on top, red frame around the
# section, which holds the security cells' details) in security.html, and
# the public report.html of that fixture must hold no security section.
# The first screen: the lab fixture's report.html at 1400x900 must show the
# finding (its frame and background) and the subject's rows (the colours of
# their failing cells), and the page must not be wider than the window.
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
LAB=$ROOT/c-client/tests/fixtures/results-lab.json
SECURITY=$ROOT/c-client/tests/fixtures/results-security.json
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
for name in sample hostile lab security; do
  case $name in
    sample) src=$FIXTURE ;; hostile) src=$HOSTILE ;; lab) src=$LAB ;; security) src=$SECURITY ;;
  esac
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
else fail "inline script and Content-Security-Policy hash differ (update SCRIPT_HASH in c-client/src/render/html.c)"
fi

# Every element opened is closed, in order (html.parser from the stdlib), in
# the public page and the private one.
for page in {sample,hostile,lab,security}/{report,security}.html; do
  name=$page
  if "$PY" - "$WORK/$page" <<'EOF'
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
  then ok "$name: every element closes in order"
  else fail "$name: elements do not nest"
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

# pngscan.py: PNG rows decoded with the standard library, and pixel counts of
# given colours (used by every screenshot check below).
cat >"$WORK/pngscan.py" <<'EOF'
import struct, sys, zlib
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
def count(path, colours, tol=6):
    """{name: pixels within tol of its (r, g, b)} over the whole image."""
    n = {k: 0 for k in colours}
    for row in rows(path):
        for px in row:
            for k, c in colours.items():
                if abs(px[0] - c[0]) <= tol and abs(px[1] - c[1]) <= tol and abs(px[2] - c[2]) <= tol:
                    n[k] += 1
    return n
def hexrgb(h):
    return tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))
if __name__ == "__main__":
    # pngscan.py PNG NAME=#rrggbb:MIN ...: exit 0 when every colour has MIN pixels
    want = {a.split("=")[0]: (hexrgb(a.split("=")[1].split(":")[0]), int(a.split(":")[1])) for a in sys.argv[2:]}
    got = count(sys.argv[1], {k: v[0] for k, v in want.items()})
    print("# pixels:", ", ".join("%s %d (need %d)" % (k, got[k], want[k][1]) for k in want))
    sys.exit(0 if all(got[k] >= want[k][1] for k in want) else 1)
EOF

# ---- screenshot -------------------------------------------------------------
PNG=$WORK/report.png
chrome --virtual-time-budget=2000 --screenshot="$PNG" --window-size=1400,1000 "file://$HTML" >/dev/null || true
if [ -s "$PNG" ] && [ "$(stat -c %s "$PNG")" -gt 20000 ]; then
  ok "screenshot written ($(stat -c %s "$PNG") bytes)"
else
  fail "no screenshot (see chromium log below)"; tail -5 "$WORK/chromium.log" || true
fi

# Colour presence in the first screen: the grid's verdict colours must show.
if [ -s "$PNG" ] && "$PY" - "$PNG" "$HTML" "$WORK" <<'EOF'
import re, sys
sys.path.insert(0, sys.argv[3])
import pngscan
html = open(sys.argv[2], encoding="utf-8").read()
# verdict -> background colour, from the page's own stylesheet
colours = {v: pngscan.hexrgb(c) for v, c in
           re.findall(r"td\.verdict-([a-z0-9-]+),\.tag\.verdict-[a-z0-9-]+\{background:(#[0-9a-f]{6})", html)}
shown = set(re.findall(r'<td class="cell verdict-([a-z0-9-]+) ', html))
counts = pngscan.count(sys.argv[1], {v: colours[v] for v in shown})
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

# ---- proposed fix and security sections, seen in a tall window --------------
# css_colour FILE PATTERN: the #rrggbb right after PATTERN in the page's own
# stylesheet (so the check follows the page's colours)
css_colour() { grep -o "$2#[0-9a-f]\{6\}" "$1" | head -1 | grep -o '#[0-9a-f]\{6\}$' || true; }

LABPNG=$WORK/lab.png SECPNG=$WORK/security.png
chrome --virtual-time-budget=2000 --screenshot="$LABPNG" --window-size=1200,2400 "file://$WORK/lab/report.html" >/dev/null || true
chrome --virtual-time-budget=2000 --screenshot="$SECPNG" --window-size=1200,2400 "file://$WORK/security/security.html" >/dev/null || true

FIXBORDER=$(css_colour "$WORK/lab/report.html" 'section\.fix{border-left:6px solid ')
FIXBG=$(css_colour "$WORK/lab/report.html" 'section\.fix{[^}]*background:')
if [ -s "$LABPNG" ] && [ -n "$FIXBORDER" ] && [ -n "$FIXBG" ] &&
   "$PY" "$WORK/pngscan.py" "$LABPNG" "frame=$FIXBORDER:2000" "background=$FIXBG:100000"; then
  ok "lab report: the Proposed fix section shows (its frame and background in the screenshot)"
else
  fail "lab report: no visible Proposed fix section (frame $FIXBORDER, background $FIXBG)"
fi

SECRED=$(css_colour "$WORK/security/security.html" 'section\.security{border:3px solid ')
SECBG=$(css_colour "$WORK/security/security.html" 'section\.security{[^}]*background:')
BANNERBG=$(css_colour "$WORK/security/security.html" '\.security-banner{[^}]*background:')
if [ -s "$SECPNG" ] && [ -n "$SECRED" ] && [ -n "$SECBG" ] && [ -n "$BANNERBG" ] &&
   "$PY" "$WORK/pngscan.py" "$SECPNG" "red=$SECRED:4000" "section=$SECBG:100000" "banner=$BANNERBG:20000"; then
  ok "security report: banner and red-framed section show in the screenshot"
else
  fail "security report: the security section is not visibly marked (red $SECRED, section $SECBG, banner $BANNERBG)"
fi

LABDOM=$WORK/lab-dom.html SECDOM=$WORK/security-dom.html
chrome --dump-dom "file://$WORK/lab/report.html" >"$LABDOM" || true
chrome --dump-dom "file://$WORK/security/security.html" >"$SECDOM" || true
if "$PY" - "$LABDOM" <<'EOF'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<section id="proposed-fix" class="fix">(.*?)</section>', dom, re.S)
text = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))) if m else ""
need = ["Proposed fix", "--- a/", "+++ b/", "Effect:", "Regression guard:",
        "Regression window:", "Upstream-style test:"]
missing = [n for n in need if n not in text]
print("# proposed fix section: %d characters, missing %s" % (len(text), missing or "nothing"))
sys.exit(0 if m and not missing and re.search(r'<pre class="diff">', m.group(1)) else 1)
EOF
then ok "lab report: section#proposed-fix has the diff, effect, guard, window and upstream test"
else fail "lab report: section#proposed-fix is missing or incomplete"
fi
if "$PY" - "$SECDOM" <<'EOF'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<section id="security" class="security">(.*?)</section>', dom, re.S)
inner = m.group(1) if m else ""
heading = re.search(r"<h2>(.*?)</h2>", inner, re.S)
flagged = re.findall(r'<td class="cell [^"]* security"[^>]*><a href="#([^"]+)"', dom)
inside = [c for c in flagged if ('<details id="%s"' % c) in inner]
banner = re.search(r'<p (?=[^>]*\bid="security-banner")(?=[^>]*\bclass="security-banner")', dom)
print("# security section: heading %r, %d security cells, %d inside" %
      (html.unescape(heading.group(1)) if heading else None, len(flagged), len(inside)))
ok = (heading and "do not paste publicly" in html.unescape(heading.group(1)) and
      banner and flagged and len(inside) == len(flagged))
sys.exit(0 if ok else 1)
EOF
then ok "security report: section#security is headed 'do not paste publicly' and holds every security cell"
else fail "security report: section#security is not marked or misses security cells"
fi

# ---- public page of the security fixture: no security section -------------
if grep -q '<section id="security" class="security">' "$WORK/security/report.html" ||
   grep -q 'id="security-banner"' "$WORK/security/report.html"; then
  fail "security fixture: the public report.html holds the security section or banner"
else
  ok "security fixture: the public report.html holds no security section (security.html does)"
fi

# ---- first screen: the finding and the subject rows at 1400x900 -------------
# --virtual-time-budget on every screenshot: Chromium captures once the page has settled
# (its script run, layout done). Without it, one run on the loaded machine caught the
# matrix with one subject row fewer on the first screen (half the desync and hang pixels).
FIRSTPNG=$WORK/lab-first.png
chrome --virtual-time-budget=2000 --screenshot="$FIRSTPNG" --window-size=1400,900 "file://$WORK/lab/report.html" >/dev/null || true
FINDBG=$(css_colour "$WORK/lab/report.html" 'section\.finding{[^}]*background:')
FINDBORDER=$(css_colour "$WORK/lab/report.html" 'section\.finding{border-left:6px solid ')
DESYNC=$(css_colour "$WORK/lab/report.html" 'td\.verdict-desync,\.tag\.verdict-desync{background:')
HANG=$(css_colour "$WORK/lab/report.html" 'td\.verdict-hang,\.tag\.verdict-hang{background:')
# two failing cells of each colour (sid and bookworm rows), about 60x40 each
if [ -s "$FIRSTPNG" ] && [ -n "$FINDBG" ] && [ -n "$DESYNC" ] && [ -n "$HANG" ] &&
   "$PY" "$WORK/pngscan.py" "$FIRSTPNG" "finding=$FINDBG:100000" "frame=$FINDBORDER:2000" \
     "desync=$DESYNC:3000" "hang=$HANG:3000"; then
  ok "lab report at 1400x900: the finding and the subject rows are on the first screen"
else
  fail "lab report at 1400x900: the first screen misses the finding or the subject rows"
fi
# The page fits 1400 px (the matrix scrolls in its own box, its first
# column sticky): a copy without the CSP, with one line of script that puts
# the page's scroll width into the title, dumped at 1400x900.
WIDTHHTML=$WORK/lab/width.html
sed -e '/Content-Security-Policy/d' \
    -e 's#</body>#<script>document.title = "width=" + document.documentElement.scrollWidth;</script></body>#' \
    "$WORK/lab/report.html" >"$WIDTHHTML"
WIDTH=$(chrome --window-size=1400,900 --dump-dom "file://$WIDTHHTML" | grep -o '<title>width=[0-9][0-9]*' | grep -o 'width=[0-9]*' | head -1 || true)
echo "# lab report.html scroll $WIDTH at 1400 px"
if [ -n "$WIDTH" ] && [ "${WIDTH#width=}" -le 1400 ]; then
  ok "lab report at 1400x900: the page is not wider than the window"
else
  fail "lab report at 1400x900: the page is wider than the window ($WIDTH)"
fi

if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"
  cp -r "$WORK/sample" "$WORK/hostile" "$WORK/lab" "$WORK/security" "$PNG" "$DOM" "$HDOM" \
    "$LABPNG" "$SECPNG" "$LABDOM" "$SECDOM" "$FIRSTPNG" "$KEEP"/ 2>/dev/null || true
  echo "# kept in $KEEP"
fi
finish
