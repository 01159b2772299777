# lab/proxies/varnish/default.vcl - Varnish 7.1 in front of the lab backends, with
# Varnish's own defaults for everything but the backend choice and the deny rule.
#
# Keep-alive to the backend needs no line: Varnish keeps backend connections open and
# reuses them for any client's next fetch until backend_idle_timeout (60 s by default,
# `varnishd -x parameter`). The builtin VCL (appended to this file by varnishd) passes
# every method but GET/HEAD (vcl_req_method: "We only deal with GET and HEAD by
# default." -> return (pass)) and caches GET/HEAD. A passed request is a new backend
# request: Connection, Upgrade and the other hop-by-hop headers are not copied to it.
vcl 4.1;

import std;

backend gevent   { .host = "backend-gevent";   .port = "8080"; }
backend fixed    { .host = "backend-fixed";    .port = "8080"; }
backend waitress { .host = "backend-waitress"; .port = "8080"; }
backend gevent_sid { .host = "backend-gevent-sid"; .port = "8080"; }

sub vcl_recv {
    # Port 8080: varnishd's own health and version answer, never a backend.
    if (local.socket == "health") {
        return (synth(200, "health"));
    }
    # Internal paths a typical deployment keeps from the public: the admin area and
    # the backend's lab log (the probe reads that directly from the backend).
    if (req.url ~ "^/admin" || req.url ~ "^/__lab/") {
        return (synth(403));
    }
    if (local.socket == "gevent") {
        set req.backend_hint = gevent;
    } elsif (local.socket == "fixed") {
        set req.backend_hint = fixed;
    } elsif (local.socket == "waitress") {
        set req.backend_hint = waitress;
    } else {
        set req.backend_hint = gevent_sid;
    }
    # No return: the builtin vcl_recv decides (pass, pipe or lookup).
}

sub vcl_synth {
    if (resp.reason == "health") {
        set resp.reason = "OK";
        set resp.http.Content-Type = "text/plain";
        if (req.url == "/version") {
            synthetic(std.fileread("/etc/h2c-lab-version"));
        } else {
            synthetic({"h2c-lab ok
"});
        }
        return (deliver);
    }
}
