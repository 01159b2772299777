"""tests/hostile/checks.py - what must hold for one probe run against a hostile server.

Each check takes what the run left (its report directory, its stderr, its measured
figures) and returns a list of problems, [] when it holds. hostile.py runs them on every
attack's run, and feeds each one a doctored input that must fail it (a check that cannot
fail is a defect). The bounds come from docs/formats.md ("Time bounds"); the report
rules from docs/reports.md.
"""
import html.parser
import json
import math
import re
import xml.etree.ElementTree as ET

# A cell may take its bound plus this (CPU work and closing sockets on a loaded 2-core
# machine: c-client/tests/test_deadlines.c uses the same), a run its bound plus RUN_SLACK
# (the process around the runner: sanitizer start-up, reading the catalogue, rendering).
CELL_SLACK_MS = 1500
RUN_SLACK_MS = 10000

# The elements report.html and security.html are made of, each with the attributes the
# renderer writes on it (c-client/src/render/html.c: html_page, html_node, html_cell,
# html_spans, html_attrs). Anything else came from somewhere else.
HTML_VOCABULARY = {
    "html": {"lang"}, "head": set(), "meta": {"charset", "name", "content", "http-equiv"},
    "title": set(), "style": set(), "script": set(), "body": set(),
    "h1": {"id", "class", "title"}, "h2": {"id", "class", "title"},
    "h3": {"id", "class", "title"}, "h4": {"id", "class", "title"},
    "h5": {"id", "class", "title"}, "h6": {"id", "class", "title"},
    "p": {"id", "class", "title"}, "div": {"id", "class", "title"},
    "section": {"id", "class", "title"}, "details": {"id", "class", "title"},
    "summary": set(), "ul": {"id", "class", "title"}, "ol": {"id", "class", "title"},
    "li": {"id", "class", "title"}, "pre": {"id", "class", "title"},
    "table": {"id", "class", "title"}, "thead": set(), "tbody": set(),
    "tr": {"id", "class", "title"}, "th": {"id", "class", "title"},
    "td": {"id", "class", "title"}, "a": {"href"}, "b": {"class"}, "i": {"class"},
    "code": {"class"}, "span": {"class"}, "small": {"class"}, "label": {"class"},
    "input": {"id", "type"},
}
# The renderer writes one inline <style> and one inline <script> per page.
HTML_ONCE = ("style", "script")

MD_LIMIT = 65536            # report.md: a GitHub issue body (docs/reports.md, "Size")
SECURITY_MD_LIMIT = 65536   # security.md: stays under 64 KiB (docs/reports.md)
SANITIZER_WORDS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: AddressSanitizer", "SUMMARY: UndefinedBehaviorSanitizer",
                   "ThreadSanitizer", "AddressSanitizer:DEADLYSIGNAL")
REPORT_FILES = ("results.json", "report.md", "report.html", "junit.xml", "security.md",
                "security.html")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def text_problems(name, data):
    """The reports are UTF-8 with no control byte but TAB, CR and LF."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return ["%s: not UTF-8 at byte %d" % (name, e.start)]
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", s)
    return ["%s: control character U+%04X at %d" % (name, ord(bad.group()), bad.start())] if bad else []


class _Elements(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.count = {}

    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        allowed = HTML_VOCABULARY.get(tag)
        if allowed is None:
            self.problems.append("element <%s> at line %d is not one the renderer writes"
                                 % (tag, self.getpos()[0]))
            return
        for name, value in attrs:
            if name not in allowed:
                self.problems.append("attribute %s= on <%s> at line %d is not one the "
                                     "renderer writes" % (name, tag, self.getpos()[0]))
            elif name == "href" and not (value or "").startswith("#"):
                self.problems.append("href %r at line %d leaves the page" % (value, self.getpos()[0]))

    handle_startendtag = handle_starttag


def html_problems(name, data):
    problems = text_problems(name, data)
    if problems:
        return problems
    p = _Elements()
    p.feed(data.decode("utf-8"))
    p.close()
    for tag in HTML_ONCE:
        if p.count.get(tag, 0) != 1:
            p.problems.append("%d <%s> elements (the renderer writes one)" % (p.count.get(tag, 0), tag))
    return ["%s: %s" % (name, m) for m in p.problems[:5]]


def junit_problems(name, data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        return ["%s: not XML: %s" % (name, e)]
    return [] if root.tag == "testsuites" else ["%s: root element <%s>" % (name, root.tag)]


# CommonMark: a fence is 3+ backticks or tildes, closed by a line of the same character at
# least as long; an HTML block opened by <pre (type 1) ends at its </pre>, one opened by
# another block tag (type 6: <details>, <summary>, ...) at a blank line. Inside either,
# a ``` line is no fence.
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HTML1 = re.compile(r"^ {0,3}<(pre|script|style|textarea)[\s>]", re.I)
_HTML6 = re.compile(r"^ {0,3}</?(details|summary|div|table|p|ul|ol|li|section|h[1-6])[\s>/]", re.I)


# Outside code, Markdown passes HTML through: the only tags report.md and security.md
# may hold are the renderer's own collapsible blocks (md.c: <details>, <summary>, an
# HTML-escaped <pre>, <b> and <i> in a summary). A tag of a server's (<script>, <img>)
# outside a fence or a code span would be live in an issue body.
MD_TAGS = {"details", "summary", "pre", "b", "i"}
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)|<[!?]")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def _raw_tags(line, in_html):
    """Tags of line that are not the renderer's (text lines: after removing backslash
    escapes and code spans)."""
    if not in_html:
        line = _CODE_SPAN.sub("", re.sub(r"\\.", "", line))
    return [m.group(0) for m in _TAG.finditer(line) if (m.group(1) or "").lower() not in MD_TAGS]


def md_problems(name, data, limit):
    problems = text_problems(name, data)
    if len(data) >= limit:
        problems.append("%s: %d bytes, over its limit %d" % (name, len(data), limit))
    if problems:
        return problems
    fence, html_end = None, None
    raw = []
    for n, line in enumerate(data.decode("utf-8").split("\n"), 1):
        if not fence and not _FENCE.match(line):
            opens_html = bool(_HTML1.match(line) or _HTML6.match(line))
            raw += ["line %d: %s" % (n, t) for t in _raw_tags(line, html_end or opens_html)]
        if fence:
            m = _FENCE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
        elif html_end:
            if (html_end == "blank" and not line.strip()) or \
                    (html_end != "blank" and html_end in line.lower()):
                html_end = None
        elif _FENCE.match(line):
            fence, opened = _FENCE.match(line).group(1), n
        elif _HTML1.match(line):
            tag = _HTML1.match(line).group(1).lower()
            html_end = None if ("</%s>" % tag) in line.lower() else "</%s>" % tag
        elif _HTML6.match(line):
            html_end = "blank"
    if fence:
        problems.append("%s: the code fence opened at line %d is never closed" % (name, opened))
    if raw:
        problems.append("%s: markup outside code, not the renderer's: %s" % (name, "; ".join(raw[:3])))
    return problems


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError("member %r given twice" % sorted(dup)[0])
    return dict(pairs)


def results_problems(name, data):
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as e:
        return ["%s: not valid JSON: %s" % (name, e)]
    if not isinstance(doc, dict) or doc.get("format") != "h2c-lab-results/1":
        return ["%s: not an h2c-lab-results/1 document" % name]
    return []


def report_problems(outdir, only=None):
    """Every file of the report set, well-formed."""
    problems = []
    for f in REPORT_FILES:
        if only and f not in only:
            continue
        try:
            data = read("%s/%s" % (outdir, f))
        except OSError as e:
            problems.append("%s: %s" % (f, e.strerror))
            continue
        if f == "results.json":
            problems += results_problems(f, data)
        elif f.endswith(".html"):
            problems += html_problems(f, data)
        elif f == "junit.xml":
            problems += junit_problems(f, data)
        else:
            problems += md_problems(f, data, MD_LIMIT if f == "report.md" else SECURITY_MD_LIMIT)
    return problems


# ---- the bounds (docs/formats.md, "Time bounds"; runner.c runner_cell_bound_ms) -------

def cell_bound_ms(scenario, target, t):
    info = target.get("info") or {}
    reset = 2 * t + 100 if info.get("backend_reset_url") else 0
    n = len(scenario["requests"])
    ms = reset + (n + 2) * t
    if scenario.get("calibrate"):
        ms += 3 * t + 100 + reset
    if scenario.get("measure_loss") and scenario.get("engine") == "raw":
        ms += 3 * (n + 2) * t
    if info.get("backend_log_url"):
        ms += 100 + 2 * t
    return ms


def run_bound_ms(doc):
    t, jobs = doc["run"]["timeout_ms"], max(1, doc["run"]["jobs"])
    sc = {s["id"]: s for s in doc["scenarios"]}
    tg = {x["name"]: x for x in doc["targets"]}
    ms = math.ceil(len(doc["targets"]) / jobs) * 4 * t
    for c in doc["cells"]:
        ms += cell_bound_ms(sc[c["scenario"]], tg[c["target"]], t)
    return ms


def budget_problems(doc, wall_ms):
    """Each cell within its bound, the run (as the runner measured it, and as the process
    took from start to exit) within the run's."""
    t = doc["run"]["timeout_ms"]
    sc = {s["id"]: s for s in doc["scenarios"]}
    tg = {x["name"]: x for x in doc["targets"]}
    problems = []
    for c in doc["cells"]:
        bound = cell_bound_ms(sc[c["scenario"]], tg[c["target"]], t)
        took = c["timings"]["total_ms"]
        if took > bound + CELL_SLACK_MS:
            problems.append("cell %s took %d ms, bound %d ms + %d" % (c["scenario"], took, bound, CELL_SLACK_MS))
    bound = run_bound_ms(doc)
    if doc["run"]["duration_ms"] > bound + CELL_SLACK_MS:
        problems.append("the run took %d ms, bound %d ms + %d" % (doc["run"]["duration_ms"], bound, CELL_SLACK_MS))
    if wall_ms > bound + RUN_SLACK_MS:
        problems.append("the process took %d ms, bound %d ms + %d" % (wall_ms, bound, RUN_SLACK_MS))
    return problems


def sanitizer_problems(stderr, rc):
    words = [w for w in SANITIZER_WORDS if w in stderr]
    problems = ["sanitizer report on stderr (%s)" % ", ".join(words)] if words else []
    if rc != 0:
        problems.append("exit status %d (a run without --strict exits 0)" % rc)
    return problems


def rss_problems(rss_kib, limit_kib):
    return ["peak RSS %d KiB, over the limit %d KiB" % (rss_kib, limit_kib)] if rss_kib > limit_kib else []


# A server that gives every connection the same answer is no proxy and no second client.
CLAIMS = ("cross-client", "smuggled")


def claim_problems(doc, outdir=None):
    """No verdict, and no sentence of the public reports, claims a proxy or another client
    for a run whose targets are no proxies."""
    problems = []
    if outdir and not any((t.get("info") or {}).get("proxy") for t in doc["targets"]):
        for f in ("report.md", "report.html"):
            text = read("%s/%s" % (outdir, f)).decode("utf-8", "replace")
            if "behind a reverse proxy" in text.replace("\n", " "):
                problems.append("%s speaks of targets behind a reverse proxy; no target is one" % f)
    for c in doc["cells"]:
        if c["verdict"] in CLAIMS or c["security"]:
            problems.append("cell %s: verdict %s (security %s) against a server that answers every "
                            "connection alike" % (c["scenario"], c["verdict"], c["security"]))
    if doc["summary"].get("security"):
        problems.append("summary.security is %d" % doc["summary"]["security"])
    return problems
