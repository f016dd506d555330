"""The watch and list protocol over raw HTTPS: chunked JSON events, replay
from a resourceVersion, 410 Gone, bookmarks, selectors, limit/continue."""
import json
import time

import pytest

from svcnet_util import Watch, svc, uniq


def new_ns(server):
    ns = uniq("wns")
    server.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    return ns


def svcs(ns):
    return "/api/v1/namespaces/%s/services" % ns


def list_rv(server, path):
    st, body = server.request("GET", path)
    assert st == 200, body
    return body["metadata"]["resourceVersion"]


def merge(server, ns, name, body):
    st, out = server.request("PATCH", svcs(ns) + "/" + name, json.dumps(body),
                             headers={"Content-Type": "application/merge-patch+json"})
    assert st == 200, out
    return out


def kinds(evs):
    return [(e["type"], e["object"]["metadata"]["name"]) for e in evs]


def test_events_in_order(server):
    ns = new_ns(server)
    rv = list_rv(server, svcs(ns))
    with Watch(server, svcs(ns) + "?watch=1&resourceVersion=" + rv) as w:
        assert w.status == 200
        assert w.headers.get("Content-Type", "").startswith("application/json")
        assert w.headers.get("Transfer-Encoding") == "chunked"
        server.create(svc("a"), ns)
        merge(server, ns, "a", {"metadata": {"labels": {"x": "1"}}})
        server.create(svc("b"), ns)
        st, _ = server.request("DELETE", svcs(ns) + "/a")
        assert st == 200
        evs = w.events_until(lambda e: e["type"] == "DELETED")
    assert kinds(evs) == [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b"), ("DELETED", "a")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in evs]
    assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs) and rvs[0] > int(rv)
    for e in evs:
        assert e["object"]["kind"] == "Service" and e["object"]["apiVersion"] == "v1"
    assert evs[1]["object"]["metadata"]["labels"] == {"x": "1"}


def test_replay_from_resource_version(server):
    ns = new_ns(server)
    a = server.create(svc("a"), ns)
    merge(server, ns, "a", {"metadata": {"labels": {"x": "1"}}})
    merge(server, ns, "a", {"metadata": {"labels": {"x": "2"}}})
    # Everything after the creation, nothing before it.
    with Watch(server, svcs(ns) + "?watch=1&resourceVersion=" +
               a["metadata"]["resourceVersion"]) as w:
        e1, e2 = w.event(), w.event()
    assert kinds([e1, e2]) == [("MODIFIED", "a"), ("MODIFIED", "a")]
    assert e1["object"]["metadata"]["labels"] == {"x": "1"}
    assert e2["object"]["metadata"]["labels"] == {"x": "2"}


def test_resource_version_zero_gives_synthetic_added(server):
    ns = new_ns(server)
    have = ["a", "b", "c"]
    for n in have:
        server.create(svc(n), ns)
    for rv in ("0", None):
        path = svcs(ns) + "?watch=1" + ("&resourceVersion=" + rv if rv else "")
        with Watch(server, path) as w:
            first = [w.event() for _ in have]
            assert sorted(kinds(first)) == [("ADDED", n) for n in sorted(have)]
            n = uniq("live")
            server.create(svc(n), ns)
            assert kinds([w.event()]) == [("ADDED", n)]
            have.append(n)


def test_watch_all_namespaces(server):
    ns1, ns2 = new_ns(server), new_ns(server)
    rv = list_rv(server, "/api/v1/services")
    with Watch(server, "/api/v1/services?watch=1&resourceVersion=" + rv) as w:
        server.create(svc("x"), ns1)
        server.create(svc("y"), ns2)
        evs = w.events_until(lambda e: e["object"]["metadata"]["namespace"] == ns2)
    got = [(e["object"]["metadata"]["namespace"], e["object"]["metadata"]["name"]) for e in evs
           if e["object"]["metadata"]["namespace"] in (ns1, ns2)]
    assert got == [(ns1, "x"), (ns2, "y")]


def test_label_selector(server):
    ns = new_ns(server)
    rv = list_rv(server, svcs(ns))
    with Watch(server, svcs(ns) + "?watch=1&labelSelector=tier%3Dweb&resourceVersion=" + rv) as w:
        a = svc("a")
        a["metadata"]["labels"] = {"tier": "web"}
        server.create(a, ns)
        server.create(svc("b"), ns)                                   # not matching: no event
        merge(server, ns, "b", {"metadata": {"labels": {"other": "1"}}})  # still not
        merge(server, ns, "b", {"metadata": {"labels": {"tier": "web"}}})  # starts matching
        merge(server, ns, "a", {"metadata": {"labels": {"tier": "db"}}})   # stops matching
        merge(server, ns, "a", {"metadata": {"labels": {"x": "1"}}})       # no event
        server.create(svc("end"), ns)
        merge(server, ns, "end", {"metadata": {"labels": {"tier": "web"}}})
        evs = w.events_until(lambda e: e["object"]["metadata"]["name"] == "end")
    assert kinds(evs) == [("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a"), ("ADDED", "end")]
    # The DELETED event carries the object as it is now (no longer matching).
    assert evs[2]["object"]["metadata"]["labels"]["tier"] == "db"


def test_field_selector(server):
    ns = new_ns(server)
    rv = list_rv(server, svcs(ns))
    with Watch(server, svcs(ns) + "?watch=1&fieldSelector=metadata.name%3Dx&resourceVersion="
               + rv) as w:
        server.create(svc("y"), ns)
        server.create(svc("x"), ns)
        merge(server, ns, "y", {"metadata": {"labels": {"a": "1"}}})
        merge(server, ns, "x", {"metadata": {"labels": {"a": "1"}}})
        server.request("DELETE", svcs(ns) + "/y")
        server.request("DELETE", svcs(ns) + "/x")
        evs = w.events_until(lambda e: e["type"] == "DELETED")
    assert kinds(evs) == [("ADDED", "x"), ("MODIFIED", "x"), ("DELETED", "x")]
    # Pods by node, as a kubelet watches them.
    pods = "/api/v1/namespaces/%s/pods" % ns
    rv = list_rv(server, pods)
    with Watch(server, pods + "?watch=1&fieldSelector=spec.nodeName%3Dn1&resourceVersion="
               + rv) as w:
        for name, node in (("p0", "n0"), ("p1", "n1")):
            server.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                           "spec": {"nodeName": node,
                                    "containers": [{"name": "c", "image": "i"}]}}, ns)
        assert kinds([w.event()]) == [("ADDED", "p1")]
    st, body = server.request("GET", pods + "?fieldSelector=spec.nodeName%3Dn0")
    assert [i["metadata"]["name"] for i in body["items"]] == ["p0"]
    st, body = server.request("GET", pods + "?fieldSelector=spec.bogus%3Dn0")
    assert st == 400 and body["reason"] == "BadRequest"


def test_timeout_seconds_ends_stream(server):
    ns = new_ns(server)
    t0 = time.monotonic()
    with Watch(server, svcs(ns) + "?watch=1&timeoutSeconds=1") as w:
        assert w.event(timeout=5) is None
    assert 0.9 <= time.monotonic() - t0 < 4


def test_bad_resource_version(server):
    st, body = server.request("GET", svcs("default") + "?watch=1&resourceVersion=abc")
    assert st == 400 and body["reason"] == "BadRequest"


def test_watch_param_spellings(server):
    ns = new_ns(server)
    for v in ("true", "1", "True", "t"):
        with Watch(server, svcs(ns) + "?watch=%s&timeoutSeconds=1" % v) as w:
            assert w.headers.get("Transfer-Encoding") == "chunked", v


def test_gone_after_restart(make_server):
    s = make_server()
    for i in range(5):
        s.create(svc("s%d" % i))
    old = list_rv(s, svcs("default"))
    s.restart()
    # The window starts after the restart: an older version is Expired.
    with Watch(s, svcs("default") + "?watch=1&resourceVersion=1") as w:
        assert w.status == 200
        e = w.event()
        assert e["type"] == "ERROR"
        st = e["object"]
        assert (st["kind"], st["code"], st["reason"], st["status"]) == \
            ("Status", 410, "Expired", "Failure")
        assert st["message"].startswith("too old resource version: 1")
        assert w.event() is None  # and the stream ends
    # A watch from a fresh list works, and sees new writes.
    rv = list_rv(s, svcs("default"))
    assert int(rv) >= int(old)
    with Watch(s, svcs("default") + "?watch=1&resourceVersion=" + rv) as w:
        s.create(svc("after"))
        assert kinds([w.event()]) == [("ADDED", "after")]


def test_list_limit_continue(server):
    ns = new_ns(server)
    names = sorted(uniq("s") for _ in range(23))
    for n in names:
        server.create(svc(n), ns)
    seen, pages, cont = [], 0, None
    while True:
        q = "?limit=5" + ("&continue=" + cont if cont else "")
        st, body = server.request("GET", svcs(ns) + q)
        assert st == 200, body
        assert len(body["items"]) <= 5
        seen += [i["metadata"]["name"] for i in body["items"]]
        pages += 1
        cont = body["metadata"].get("continue")
        if not cont:
            break
        assert len(body["items"]) == 5
        assert body["metadata"].get("remainingItemCount", 23 - len(seen)) == 23 - len(seen)
    assert pages == 5
    assert sorted(seen) == names and len(seen) == len(set(seen))
    # kubectl pages the same way.
    out = server.kubectl("get", "svc", "-n", ns, "--chunk-size=4", "-o", "name").stdout.split()
    assert sorted(out) == ["service/" + n for n in names]
    st, body = server.request("GET", svcs(ns) + "?limit=5&continue=garbage")
    assert st == 400 and body["reason"] == "BadRequest"


@pytest.mark.xfail(strict=True, reason="BUG: continue pages show live state, not the snapshot "
                   "at the first page's resourceVersion")
def test_list_continue_is_a_snapshot(server):
    ns = new_ns(server)
    for i in range(6):
        server.create(svc("s%d" % i), ns)
    st, p1 = server.request("GET", svcs(ns) + "?limit=3")
    server.request("DELETE", svcs(ns) + "/s4")
    server.create(svc("s9"), ns)
    st, p2 = server.request("GET", svcs(ns) + "?limit=10&continue=" + p1["metadata"]["continue"])
    assert [i["metadata"]["name"] for i in p2["items"]] == ["s3", "s4", "s5"]
    assert p2["metadata"]["resourceVersion"] == p1["metadata"]["resourceVersion"]


def test_bookmark(early_bookmark_watch):
    # The server sends BOOKMARK events every 30 s; this watch was opened when
    # the session started, so in a full run it has one already.
    w = early_bookmark_watch
    left = 40 - (time.monotonic() - w.opened_at)
    ev = w.events_until(lambda e: e["type"] == "BOOKMARK", timeout=max(left, 1))[-1]
    o = ev["object"]
    assert o["kind"] == "Service" and o["apiVersion"] == "v1"
    assert int(o["metadata"]["resourceVersion"]) >= w.opened_rv
    assert set(o) <= {"kind", "apiVersion", "metadata"}
