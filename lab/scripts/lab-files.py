#!/usr/bin/python3
"""lab/scripts/lab-files.py - write docker-compose.yml and lab/targets.json from the
lab.json manifests of the folders under lab/servers/, lab/proxies/ and lab/backends/.

Idea: a server is its folder. Each folder's lab.json says which compose services it
builds (Dockerfile, build args, environment), which targets the probe gets from them
(name, URL, info, roles) and which health check they need; a proxy folder lists its
configurations, and its targets are every configuration x every backend folder; each
configuration gets its own copy of every backend (service <backend>-<configuration>,
reached by the proxy under the backend's own name on a network of its own), so no two
targets share a backend or an upstream connection pool and the probe need not
serialize them. The
two files the lab runs on are generated from that, committed, and checked for
staleness by `make test` (lab-files.py --check). Scripts that need "the gevent
targets with the raw-input branch" or "the fixed gevent" ask for a role
(--role ROLE --print ...) or read info.roles in lab/targets.json, never a name.
Format of lab.json: lab/servers/README.md. Standard library only.
"""

import argparse
import fnmatch
import json
import os
import re
import sys

KINDS = ("servers", "backends", "proxies")   # folder kinds, in the order they are written
ROLES = {
    "subject": "gevent pywsgi with the raw-input branch: desyncs on the seed request",
    "fix": "the proposed fix; info.fix_of names the target it fixes",
    "upstream-test": "its image runs lab/upstream's regression test",
}
# The health checks (x-health-<name> in docker-compose.yml): what bash must find in the
# answer to GET / on 127.0.0.1:8080.
# h2: an HTTP/2-only server (nghttpd) answers those HTTP/1.1 bytes with its SETTINGS
# frame (RFC 9113 §3.4): the 4th byte of the 9-byte frame header is type 0x04.
HEALTH = {"app": "grep -q 'h2c-lab ok' <&3",
          "status": "head -n 1 <&3 | grep -q '^HTTP/1.1 200'",
          "h2": "head -c 9 <&3 | od -An -tx1 | tr -d ' \\n' | grep -q '^......04'",
          # A proxy that cannot answer 200 by itself (Squid, Traffic Server): any status
          # line of its own on 8080 means it is up; 8080 is never proxied.
          "http": "head -n 1 <&3 | grep -q '^HTTP/1\\.[01] [1-5][0-9][0-9] '"}
HEALTH_GET = ("exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET / HTTP/1.1\\r\\nHost: localhost"
              "\\r\\nConnection: close\\r\\n\\r\\n' >&3 && ")
TOP_KEYS = {"about", "order", "services", "targets", "proxy", "backend"}
SERVICE_KEYS = {"comment", "dockerfile", "args", "environment", "health", "image"}
TARGET_KEYS = {"name", "service", "url", "version_path", "patch_path", "roles", "info"}
PROXY_KEYS = {"args", "configs"}
CONFIG_KEYS = {"name", "comment", "args", "info", "health"}
BACKEND_KEYS = {"name", "port", "target"}
NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")   # target names: c-client/src/target.c
DEFAULT_ORDER = 100
REGENERATE = "lab/scripts/lab-files.py (make lab-files)"


class LabError(Exception):
    """A manifest problem, worded as FILE: MEMBER: what is wrong, what to do."""


# ---- reading and checking the manifests -------------------------------------------

def need(cond, where, msg):
    if not cond:
        raise LabError("%s: %s" % (where, msg))


def check_keys(obj, allowed, where):
    need(isinstance(obj, dict), where, "expected an object")
    extra = sorted(set(obj) - allowed)
    need(not extra, where, "unknown member %s (known: %s)"
         % (", ".join(extra), ", ".join(sorted(allowed))))


def check_str_map(obj, where):
    need(isinstance(obj, dict) and all(isinstance(k, str) and isinstance(v, str)
                                       for k, v in obj.items()),
         where, "expected an object of strings")


def load_manifest(lab, kind, folder):
    rel = "lab/%s/%s/lab.json" % (kind, folder)
    path = os.path.join(lab, kind, folder, "lab.json")
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise LabError("%s: cannot read (%s); every folder of lab/%s needs one"
                       % (rel, e.strerror, kind))
    except ValueError as e:
        raise LabError("%s: not valid JSON: %s" % (rel, e))
    check_keys(doc, TOP_KEYS, rel)
    need(isinstance(doc.get("order", DEFAULT_ORDER), int), rel + ": order", "expected an integer")
    need(("proxy" in doc) == (kind == "proxies"), rel,
         "a proxy member belongs in lab/proxies/ folders, and every one of those needs it")
    need(("backend" in doc) == (kind == "backends"), rel,
         "a backend member belongs in lab/backends/ folders, and every one of those needs it")
    need(kind != "backends" or not doc.get("targets"), rel + ": targets",
         "a backend is not probed directly; it has no targets")
    return {"kind": kind, "folder": folder, "rel": rel, "doc": doc, "lab": lab}


def dockerfile_of(lab, m, spec, where):
    """The Dockerfile path relative to lab/ (the build context); it must exist."""
    name = spec.get("dockerfile", "Dockerfile")
    need(isinstance(name, str) and name, where + ".dockerfile", "expected a path")
    path = os.path.normpath(os.path.join(m["kind"], m["folder"], name))
    need(not path.startswith(".."), where + ".dockerfile", "must stay inside lab/")
    need(os.path.isfile(os.path.join(lab, path)), where + ".dockerfile",
         "lab/%s does not exist (paths are relative to the folder)" % path)
    return path


def service_entry(lab, m, name, spec, where, health_default):
    check_keys(spec, SERVICE_KEYS, where)
    need(NAME_RE.match(name) and name == name.lower(), where,
         "a service name is 1-64 lower-case letters, digits, . - _ (it is the host name)")
    for key in ("args", "environment"):
        check_str_map(spec.get(key, {}), where + "." + key)
    health = spec.get("health", health_default)
    need(health in HEALTH, where + ".health", "expected one of %s" % ", ".join(sorted(HEALTH)))
    comment = spec.get("comment", "")
    need(isinstance(comment, str), where + ".comment", "expected a string")
    return {"name": name, "folder": m, "comment": comment, "health": health,
            "dockerfile": dockerfile_of(lab, m, spec, where),
            "args": dict(spec.get("args", {})), "environment": dict(spec.get("environment", {})),
            "image": spec.get("image", "h2c-lab/%s:latest" % name)}


def folder_services(lab, m):
    doc, rel = m["doc"], m["rel"]
    services = []
    if m["kind"] == "proxies":
        proxy = doc["proxy"]
        check_keys(proxy, PROXY_KEYS, rel + ": proxy")
        check_str_map(proxy.get("args", {}), rel + ": proxy.args")
        configs = proxy.get("configs")
        need(isinstance(configs, list) and configs, rel + ": proxy.configs",
             "expected a list of configurations")
        for i, c in enumerate(configs):
            where = "%s: proxy.configs[%d]" % (rel, i)
            check_keys(c, CONFIG_KEYS, where)
            need(isinstance(c.get("name"), str) and c["name"], where + ".name", "expected a name")
            need(isinstance(c.get("info"), dict), where + ".info", "expected an object")
            check_str_map(c.get("args", {}), where + ".args")
            spec = {"args": dict(proxy.get("args", {}), **c.get("args", {}))}
            if "health" in c:
                spec["health"] = c["health"]
            s = service_entry(lab, m, "proxy-" + c["name"], spec, where, "status")
            s["comment"] = c.get("comment", "")
            s["config"] = c
            services.append(s)
    need(isinstance(doc.get("services", {}), dict), rel + ": services", "expected an object")
    need(m["kind"] == "proxies" or doc.get("services"), rel + ": services",
         "a folder defines at least one compose service")
    for name, spec in doc.get("services", {}).items():
        services.append(service_entry(lab, m, name, spec, "%s: services.%s" % (rel, name), "app"))
    return services


def read_lab(root):
    """Every folder's manifest, its services, backends and targets, validated."""
    lab = os.path.join(root, "lab")
    manifests = []
    for kind in KINDS:
        base = os.path.join(lab, kind)
        if not os.path.isdir(base):
            continue
        for folder in sorted(os.listdir(base)):
            if os.path.isdir(os.path.join(base, folder)) and not folder.startswith("."):
                manifests.append(load_manifest(lab, kind, folder))
    manifests.sort(key=lambda m: (KINDS.index(m["kind"]), m["doc"].get("order", DEFAULT_ORDER),
                                  m["folder"]))
    services, seen = [], {}
    for m in manifests:
        for s in folder_services(lab, m):
            need(s["name"] not in seen, m["rel"],
                 "service %s is defined in %s too" % (s["name"], seen.get(s["name"])))
            seen[s["name"]] = m["rel"]
            services.append(s)
    backends = read_backends(manifests, services)
    services = own_backends(services, backends)
    targets = read_targets(manifests, services, backends)
    return {"lab": lab, "manifests": manifests, "services": services, "backends": backends,
            "targets": targets}


def read_backends(manifests, services):
    backends = []
    for m in (m for m in manifests if m["kind"] == "backends"):
        b, where = m["doc"]["backend"], m["rel"] + ": backend"
        check_keys(b, BACKEND_KEYS, where)
        need(isinstance(b.get("name"), str) and b["name"], where + ".name",
             "expected the short name used in target names (via-<proxy>-<name>)")
        need(isinstance(b.get("port"), int) and 1 <= b["port"] <= 65535, where + ".port",
             "expected the proxies' port for this backend")
        need(isinstance(b.get("target"), str), where + ".target",
             "expected the target whose software this backend runs")
        own = [s for s in services if s["folder"] is m]
        need(len(own) == 1, m["rel"] + ": services", "a backend folder defines exactly one service")
        backends.append(dict(b, service=own[0]["name"], rel=m["rel"]))
    for key in ("name", "port"):
        values = [b[key] for b in backends]
        dup = sorted({v for v in values if values.count(v) > 1}, key=str)
        need(not dup, "lab/backends", "two backend folders have the same backend.%s: %s"
             % (key, ", ".join(map(str, dup))))
    backends.sort(key=lambda b: b["port"])
    return backends


def backend_copy(b, config):
    """The service name of backend b's copy that serves only proxy configuration config."""
    return "%s-%s" % (b["service"], config)


def own_backends(services, backends):
    """The services as compose runs them: a backend folder's service is a template, and
    each proxy configuration gets a copy of every backend right after it, on a network
    of its own (upstream-<configuration>) where the copy answers to the backend's own
    name (the proxies' config files name backend-gevent etc.). So one configuration's
    desyncs, pooled connections and resets never reach another's backend."""
    template = {b["service"]: b for b in backends}
    names = {s["name"] for s in services}
    out = []
    for s in (s for s in services if s["name"] not in template):
        out.append(s)
        if not s.get("config"):
            continue
        c = s["config"]["name"]
        s["network"] = "upstream-" + c
        s["backends"] = []
        for b in backends:
            copy = dict(next(t for t in services if t["name"] == b["service"]))
            copy.update(name=backend_copy(b, c), network=s["network"], alias=b["service"],
                        comment="%s (%s) for %s alone" % (b["service"], os.path.dirname(b["rel"]),
                                                          s["name"]))
            need(copy["name"] not in names and NAME_RE.match(copy["name"]), b["rel"],
                 "the copy of %s for %s would be service %s, which is taken or too long"
                 % (b["service"], s["name"], copy["name"]))
            names.add(copy["name"])
            s["backends"].append(copy["name"])
            out.append(copy)
    return out


def proxy_targets(service, backends):
    """One target per backend behind one proxy configuration: its own copy of it."""
    c = service["config"]
    out = []
    for b in backends:
        base = "http://%s:8080/__lab/" % backend_copy(b, c["name"])
        info = {"family": "proxy", "proxy": c["name"], "backend": b["target"],
                "backend_log_url": base + "requests", "backend_reset_url": base + "reset"}
        info.update(c["info"])
        out.append({"name": "via-%s-%s" % (c["name"], b["name"]),
                    "url": "http://%s:%d" % (service["name"], b["port"]),
                    "version_path": "/version", "info": info})
    return out


def target_entry(t, where, names):
    """One target of a folder's lab.json, as lab/targets.json has it (names: the folder's
    services)."""
    check_keys(t, TARGET_KEYS, where)
    need(isinstance(t.get("name"), str) and NAME_RE.match(t["name"]), where + ".name",
         "expected a name of 1-64 letters, digits, . - _ (the probe's rule)")
    need(isinstance(t.get("info", {}), dict), where + ".info", "expected an object")
    service = t.get("service", t["name"] if t["name"] in names else
                    (names[0] if len(names) == 1 else None))
    need(service in names, where + ".service",
         "name one of this folder's services (%s)" % ", ".join(names))
    roles = t.get("roles", [])
    need(isinstance(roles, list) and all(r in ROLES for r in roles), where + ".roles",
         "expected a list of roles out of %s" % ", ".join(sorted(ROLES)))
    entry = {"name": t["name"], "url": t.get("url", "http://%s:8080" % service)}
    entry.update((key, t[key]) for key in ("version_path", "patch_path") if key in t)
    entry["info"] = dict(t.get("info", {}), **({"roles": list(roles)} if roles else {}))
    return entry


def folder_targets(m, services):
    names = [s["name"] for s in services if s["folder"] is m]
    targets = m["doc"].get("targets", [])
    need(isinstance(targets, list), m["rel"] + ": targets", "expected a list")
    return [target_entry(t, "%s: targets[%d]" % (m["rel"], i), names) for i, t in enumerate(targets)]


def check_expected_files(m, names):
    """Each target's expected verdicts sit in its folder: expected.json for the target named
    like the folder, expected-<target>.json for any other (lab/scripts/check-expected.py)."""
    folder = os.path.join(m["lab"], m["kind"], m["folder"])
    for name in names:
        files = ["expected-%s.json" % name] + (["expected.json"] if name == m["folder"] else [])
        found = [f for f in files if os.path.isfile(os.path.join(folder, f))]
        need(len(found) == 1, m["rel"],
             "target %s needs exactly one of %s in lab/%s/%s/ (found %s)"
             % (name, " or ".join(files), m["kind"], m["folder"], ", ".join(found) or "none"))


def read_targets(manifests, services, backends):
    targets, where_of = [], {}
    for m in manifests:
        found = folder_targets(m, services)
        for s in (s for s in services if s["folder"] is m and s.get("config")):
            found += proxy_targets(s, backends)
        for t in found:
            need(t["name"] not in where_of, m["rel"],
                 "target %s is defined in %s too" % (t["name"], where_of.get(t["name"])))
            where_of[t["name"]] = m["rel"]
            targets.append(t)
    names = set(where_of)
    for m in manifests:
        check_expected_files(m, [t["name"] for t in targets if where_of[t["name"]] == m["rel"]])
    for t in targets:
        info = t["info"]
        if "fix" in info.get("roles", []):
            need(info.get("fix_of") in names, where_of[t["name"]],
                 "target %s has role fix: its info.fix_of must name a target (got %r)"
                 % (t["name"], info.get("fix_of")))
    for b in backends:
        need(b["target"] in names, b["rel"] + ": backend.target",
             "%r is not a target of any folder" % b["target"])
    need(not any(s.get("config") for s in services) or backends, "lab/backends",
         "the proxies need at least one backend folder")
    check_workarounds(services)
    return targets


def check_workarounds(services):
    """A configuration that is a measured workaround (the advisory lists it: lab/scripts/
    upstream.py) says what it changes (info.workaround) in which configuration
    (info.workaround_of, another configuration of the lab)."""
    configs = {s["config"]["name"]: s for s in services if s.get("config")}
    for name, s in configs.items():
        info, where = s["config"]["info"], "%s: proxy.configs %s.info" % (s["folder"]["rel"], name)
        if "workaround" not in info and "workaround_of" not in info:
            continue
        need(isinstance(info.get("workaround"), str) and info["workaround"].strip(), where + ".workaround",
             "expected the proxy-side setting this configuration adds, in words")
        need(info.get("workaround_of") in configs and info["workaround_of"] != name,
             where + ".workaround_of", "expected the name of the configuration it changes (got %r)"
             % info.get("workaround_of"))


# ---- writing ----------------------------------------------------------------------

def targets_json(lab_data):
    doc = {"_generated": "Generated from lab/{servers,proxies,backends}/*/lab.json by %s; "
                         "edit those, not this file." % REGENERATE,
           "targets": lab_data["targets"]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def y(value):
    """A YAML scalar or flow mapping: JSON is valid YAML flow syntax."""
    return json.dumps(value, ensure_ascii=False)


def comment_lines(text, indent):
    return ["%s# %s" % (indent, line) if line else indent + "#" for line in text.split("\n")] if text else []


COMPOSE_HEAD = """\
# docker-compose.yml - the h2c interop lab: every server under test plus the probe.
#
# GENERATED by %(regen)s
# from the lab.json of each folder under lab/servers/, lab/backends/ and lab/proxies/:
# edit those, then run `make lab-files`; `make test` fails while this file is stale.
#
# Idea: one private network ("lab", internal: no route out, no published ports) where
# each server answers on <service>:8080 and the probe (c-client, h2c-probe) runs every
# scenario in c-client/scenarios against every target in lab/targets.json, writing
# reports/<UTC timestamp>/ and moving reports/latest to it.
#
#   lab/scripts/lab-images.sh                         build everything (base images first)
#   docker compose up --abort-on-container-exit --exit-code-from probe
#   docker compose down
#
# Server images are built with lab/ as context and the Dockerfile named by their
# folder's lab.json (they share lab/apps/). Base images debian:<suite>-slim are local
# (lab/scripts/base-images.sh); nothing is pulled from any registry.
name: h2c-lab

# The health checks; they need only bash and coreutils (every Debian image has them;
# not all have python3 or curl). app: GET / on 127.0.0.1:8080 must answer with the
# app's "h2c-lab ok". status: the answer's status line must be 200 - for the proxies'
# OWN endpoint on 8080 (answered by the proxy itself, so health checks never use the
# upstream connections under test; nghttpx's answers 200 with no body). h2: the
# answer is an HTTP/2 SETTINGS frame - a server that speaks only HTTP/2 (nghttpd).
%(health)s
# Shared by every server: the private network, hardening, the app health check.
x-server: &server
  # Images are only ever built here (no registry): never try to pull them first.
  pull_policy: never
  # `docker compose up` shows the probe's output only: with every server's log stream
  # attached (120-odd containers), Compose 2.26's --abort-on-container-exit missed the
  # probe's exit and waited on; the servers' logs are still in `docker compose logs`.
  attach: false
  networks: [lab]
  init: true
  restart: "no"
  cap_drop: [ALL]
  security_opt: ["no-new-privileges:true"]
  healthcheck: *health-app

# Shared by the reverse proxies (lab/proxies/, GitHub issue 6): like a server, with
# the status health check. Each configuration has its own copies of the backends
# (lab/backends/), on its own network upstream-<configuration>, and starts once they
# have started (the probe waits for all to be healthy).
x-proxy: &proxy
  <<: *server
  healthcheck: *health-status

services:
"""

COMPOSE_PROBE = """\
  # ---- the probe: runs once every server is healthy, then exits ----------------------
  probe:
    build: { context: ., dockerfile: c-client/Dockerfile }
    image: h2c-lab/probe:latest
    pull_policy: never
    networks: [lab]
    init: true
    restart: "no"
    # It writes reports/ as the directory's owner, whoever runs compose: it starts as
    # root with only the capabilities to become that uid:gid (SETUID, SETGID) and to
    # empty its bounding set (SETPCAP, so an owner of uid 0 keeps none either); the
    # entrypoint (lab/scripts/probe-entrypoint.sh) drops all of them with setpriv
    # before anything else runs, and no-new-privileges keeps them dropped.
    user: "0:0"
    cap_drop: [ALL]
    cap_add: [SETUID, SETGID, SETPCAP]
    security_opt: ["no-new-privileges:true"]
    # make report runs the upstream-style test in the gevent images first and hands
    # its outcome to the probe as NAME=FILE (a path under /reports); empty: none.
    # H2C_PROBE_TARGETS (a targets file the probe sees) and H2C_PROBE_ARGS (more
    # `h2c-probe run` options, e.g. --only ID) choose cells: make report TARGETS=...
    # H2C_PROBE_LOAD: the load phase's `h2c-probe load` options (off: no load phase).
    environment:
      H2C_PROBE_ATTACH: ${H2C_PROBE_ATTACH:-}
      H2C_TARGETS: ${H2C_PROBE_TARGETS:-/lab/targets.json}
      H2C_PROBE_ARGS: ${H2C_PROBE_ARGS:-}
      H2C_PROBE_LOAD: ${H2C_PROBE_LOAD:-}
    volumes:
      - ./lab/targets.json:/lab/targets.json:ro
      - ${H2C_LAB_REPORTS:-./reports}:/reports
    depends_on:
%s
networks:
  lab:
    # No route out of this network: the servers and the probe only reach each other.
    internal: true
%s"""


def health_anchors():
    return "\n".join('x-health-%s: &health-%s\n  test: ["CMD", "timeout", "4", "bash", "-c",\n'
                     '         %s]\n  interval: 2s\n  timeout: 5s\n  retries: 30\n'
                     % (name, name, y(HEALTH_GET + test)) for name, test in HEALTH.items())


def depends(names, indent, condition="service_healthy"):
    return "".join("%s%s: { condition: %s }\n" % (indent, n, condition) for n in names)


def service_block(s):
    anchor = "proxy" if s["folder"]["kind"] == "proxies" else "server"
    lines = comment_lines(s["comment"], "  ")
    lines += ["  %s:" % s["name"], "    <<: *%s" % anchor]
    build = "{ context: lab, dockerfile: %s" % s["dockerfile"]
    if s["args"]:
        build += ", args: { %s }" % ", ".join("%s: %s" % (k, y(v)) for k, v in s["args"].items())
    lines += ["    build: %s }" % build, "    image: %s" % s["image"]]
    if s["health"] != ("status" if anchor == "proxy" else "app"):
        lines.append("    healthcheck: *health-%s" % s["health"])
    if s["environment"]:
        lines.append("    environment:")
        lines += ["      %s: %s" % (k, y(v)) for k, v in s["environment"].items()]
    if s.get("alias"):              # a backend's copy for one proxy configuration
        lines += ["    networks:", "      lab: {}",
                  "      %s: { aliases: [%s] }" % (s["network"], s["alias"])]
    if s.get("backends"):           # a proxy configuration and its own backends
        # Started, not healthy: a proxy only needs its backends' names to resolve (it
        # resolves them at start); the probe waits for every server to be healthy, so
        # the proxies need not wait a health interval more after the backends.
        lines += ["    networks: [lab, %s]" % s["network"], "    depends_on:"]
        lines.append(depends(s["backends"], "      ", "service_started").rstrip("\n"))
    return "\n".join(lines) + "\n"


def compose_yaml(lab_data):
    out = [COMPOSE_HEAD % {"regen": REGENERATE, "health": health_anchors()}]
    folder = None
    for s in lab_data["services"]:
        if s.get("alias"):
            pass                    # written under its proxy configuration's folder
        elif s["folder"] is not folder:
            folder = s["folder"]
            about = folder["doc"].get("about", "")
            head = "  # ---- lab/%s/%s/ " % (folder["kind"], folder["folder"])
            out.append(head + "-" * max(4, 86 - len(head)) + "\n")
            out += [line + "\n" for line in comment_lines(about, "  ")]
        out.append(service_block(s) + "\n")
    networks = "".join("  %s:\n    internal: true\n" % s["network"]
                       for s in lab_data["services"] if s.get("backends"))
    if networks:
        networks = ("  # Each proxy configuration's upstream side: the proxy and its own backends,\n"
                    "  # which answer there to the names its config file uses.\n" + networks)
    out.append(COMPOSE_PROBE % (depends([s["name"] for s in lab_data["services"]], "      "),
                                networks))
    return "".join(out)


def outputs(root, lab_data):
    return [(os.path.join(root, "docker-compose.yml"), compose_yaml(lab_data)),
            (os.path.join(root, "lab", "targets.json"), targets_json(lab_data))]


# ---- queries ----------------------------------------------------------------------

def base_suites(lab_data):
    """The Debian suites of the base images: SUITE build args, and FROM debian:<suite>-slim
    written out in a Dockerfile; oldest first, so lab/scripts/base-images.sh can take them."""
    suites = set()
    for s in lab_data["services"]:
        if "SUITE" in s["args"]:
            suites.add(s["args"]["SUITE"])
        with open(os.path.join(lab_data["lab"], s["dockerfile"]), "r", encoding="utf-8") as f:
            suites.update(re.findall(r"^FROM debian:([a-z]+)-slim\b", f.read(), re.M))
    known = ["buster", "bullseye", "bookworm", "trixie", "forky", "sid"]
    return sorted(suites, key=lambda x: (known.index(x) if x in known else len(known), x))


def query(lab_data, role, what, names=None):
    """Names for scripts: targets with ROLE (or services/images of them); role backend
    means the backend services; NAMES (shell patterns such as gevent-*) keep only the
    targets matching one. build-services: one service per image that those targets need
    (the proxies' backend copies included), enough for `docker compose build`."""
    by_service = {s["name"]: s for s in lab_data["services"]}
    if what == "suites":
        return base_suites(lab_data)
    if role == "backend":
        services = [s["name"] for s in lab_data["services"] if s.get("alias")]
        targets = [b["target"] for b in lab_data["backends"]]
        chosen = []
    else:
        chosen = [t for t in lab_data["targets"] if (role is None or role in t["info"].get("roles", []))
                  and (not names or any(fnmatch.fnmatchcase(t["name"], n) for n in names))]
        targets = [t["name"] for t in chosen]
        services = [t["url"].split("//")[1].split(":")[0] for t in chosen]
    if what == "targets":
        return targets
    if what == "targets-file":
        return [json.dumps({"targets": chosen}, ensure_ascii=False)]
    if what == "build-services":
        services += [b for s in services for b in by_service[s].get("backends", [])]
        images = {}
        for s in services:
            images.setdefault(by_service[s]["image"], s)
        return list(images.values())
    services = list(dict.fromkeys(services))
    if what == "services":
        return services
    return [by_service[s]["image"].rsplit(":", 1)[0] for s in services if s in by_service]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(
        description="Write docker-compose.yml and lab/targets.json from the lab.json "
                    "manifests under lab/servers, lab/backends and lab/proxies.",
        epilog="Examples: lab-files.py (write both files); lab-files.py --check; "
               "lab-files.py --role subject --print targets; lab-files.py --print suites. "
               "Roles: %s; backend (the backend services)."
               % "; ".join("%s (%s)" % kv for kv in sorted(ROLES.items())))
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)),
                    help="repository root (default: the one this script is in)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 when a committed file differs from what "
                         "the manifests give")
    ap.add_argument("--role", choices=sorted(ROLES) + ["backend"],
                    help="with --print: only targets with this role")
    ap.add_argument("--name", metavar="TARGET", action="append",
                    help="with --print: only this target; a shell pattern (gevent-*), "
                         "repeatable, or several separated by spaces")
    ap.add_argument("--print", dest="what",
                    choices=["targets", "services", "images", "suites", "build-services",
                             "targets-file"],
                    help="print names, one a line, instead of writing files")
    args = ap.parse_args()
    try:
        lab_data = read_lab(args.root)
    except LabError as e:
        print("lab-files: %s" % e, file=sys.stderr)
        return 1
    if args.what or args.role or args.name:
        if not args.what:
            ap.error("--role and --name need --print targets|services|images")
        names = [n for arg in args.name or [] for n in arg.split()]
        for n in names:             # a pattern that matches nothing is a typo: say so
            if not query(lab_data, None, "targets", [n]):
                print("lab-files: no target %s; the targets are: %s"
                      % (n, " ".join(query(lab_data, None, "targets"))), file=sys.stderr)
                return 1
        found = query(lab_data, args.role, args.what, names)
        for name in found:
            print(name)
        return 0
    stale = written = 0
    for path, text in outputs(args.root, lab_data):
        rel = os.path.relpath(path, args.root)
        try:
            with open(path, "r", encoding="utf-8") as f:
                same = f.read() == text
        except OSError:
            same = False
        if args.check:
            if not same:
                print("lab-files: %s is stale: run make lab-files (lab/scripts/lab-files.py) "
                      "and commit it" % rel, file=sys.stderr)
                stale += 1
        elif not same:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print("lab-files: wrote %s" % rel)
            written += 1
    if not args.check and not written:
        print("lab-files: docker-compose.yml and lab/targets.json are up to date")
    if args.check and not stale:
        print("lab-files: docker-compose.yml and lab/targets.json match the manifests")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
