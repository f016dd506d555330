"""Restart persistence: objects and allocations survive a stop/start (and a
kill) on the same data dir."""
import ipaddress
import signal

import pytest

from conftest import LB_POOL
from svcnet_util import svc, uniq, wait_for


def lb_ip(server, name):
    ing = server.get("Service", name).get("status", {}).get("loadBalancer", {}).get("ingress")
    return ing[0]["ip"] if ing else None


def populate(s):
    s.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    s.create(svc("web", ((80, 8080),), selector={"app": "web"}), "team")
    s.create(svc("np", ((80, None),), type="NodePort"))
    s.create(svc("lb", ((80, None),), type="LoadBalancer"))
    s.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    s.create({"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "p", "labels": {"app": "web"}},
              "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]}}, "team")
    s.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"},
              "stringData": {"k": "v"}}, "team")
    s.create({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing"},
              "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}},
             "team")
    wait_for(lambda: lb_ip(s, "lb"), what="LB IP")
    wait_for(lambda: s.get("Node", "n1")["spec"].get("podCIDR"), what="podCIDR")
    objs = {}
    for kind, name, ns in (("Namespace", "team", None), ("Service", "web", "team"),
                           ("Service", "np", "default"), ("Service", "lb", "default"),
                           ("Node", "n1", None), ("Pod", "p", "team"), ("Secret", "sec", "team"),
                           ("Ingress", "ing", "team")):
        objs[(kind, name)] = s.get(kind, name, ns or "default")
    return objs


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill"])
def test_objects_survive(make_server, sig):
    s = make_server("--lb-pool", LB_POOL)
    token, ca = s.token, open(s.ca).read()
    before = populate(s)
    st, lst = s.request("GET", "/api/v1/services")
    rv = int(lst["metadata"]["resourceVersion"])
    s.stop(sig)
    s.start()
    # Same CA and token: the old kubeconfig still works.
    assert s.token == token and open(s.ca).read() == ca
    for (kind, name), old in before.items():
        ns = old["metadata"].get("namespace", "default")
        new = s.get(kind, name, ns)
        assert new is not None, (kind, name)
        assert new["metadata"]["uid"] == old["metadata"]["uid"], (kind, name)
        if kind != "Namespace":
            assert new["metadata"]["resourceVersion"] == old["metadata"]["resourceVersion"], \
                (kind, name)
        assert new.get("spec") == old.get("spec"), (kind, name)
    assert lb_ip(s, "lb") == lb_ip_of(before[("Service", "lb")])
    assert s.get("Secret", "sec", "team")["data"] == {"k": "dg=="}
    # Revisions go on from where they were.
    created = s.create(svc("after"))
    assert int(created["metadata"]["resourceVersion"]) > rv
    out = s.kubectl("get", "svc", "-A", "--no-headers").stdout
    for n in ("kubernetes", "web", "np", "lb", "after"):
        assert any(line.split()[1] == n for line in out.splitlines()), n
    # The endpoint slice controller picks up where it left off.
    wait_for(lambda: s.kjson("get", "endpointslices", "-n", "team")["items"], what="slices")


def lb_ip_of(obj):
    return obj["status"]["loadBalancer"]["ingress"][0]["ip"]


def test_allocations_survive(make_server):
    s = make_server("--lb-pool", LB_POOL)
    before = populate(s)
    ips = {before[("Service", n)]["spec"]["clusterIP"] for n in ("web", "np", "lb")}
    ips.add("10.43.0.1")
    nps = {p["nodePort"] for n in ("np", "lb") for p in before[("Service", n)]["spec"]["ports"]}
    lbs = {lb_ip_of(before[("Service", "lb")])}
    for i in range(4):
        s.create(svc("lb%d" % i, ((80, None),), type="LoadBalancer"))
        lbs.add(wait_for(lambda: lb_ip(s, "lb%d" % i), what="LB IP"))
    assert len(lbs) == 5
    cidr = before[("Node", "n1")]["spec"]["podCIDR"]
    s.restart()

    # Explicit requests for what is taken are refused.
    st, body = s.request("POST", "/api/v1/namespaces/default/services",
                         svc("dupip", clusterIP=before[("Service", "np")]["spec"]["clusterIP"]))
    assert st == 422 and "provided IP is already allocated" in body["message"], body
    np = before[("Service", "np")]["spec"]["ports"][0]["nodePort"]
    st, body = s.request("POST", "/api/v1/namespaces/default/services",
                         svc("dupnp", ({"port": 80, "nodePort": np},), type="NodePort"))
    assert st == 422 and "provided port is already allocated" in body["message"], body
    # Dynamic allocation never hands out what is in use.
    for i in range(20):
        o = s.create(svc(uniq("new"), ((80, None), (81, None)), type="NodePort"))
        ip = o["spec"]["clusterIP"]
        assert ip not in ips
        ips.add(ip)
        for p in o["spec"]["ports"]:
            assert p["nodePort"] not in nps
            nps.add(p["nodePort"])
    # One LB address left: the next gets it, the one after waits.
    s.create(svc("lb-last", ((80, None),), type="LoadBalancer"))
    last = wait_for(lambda: lb_ip(s, "lb-last"), what="last LB IP")
    assert last not in lbs and last in [str(a) for a in ipaddress.ip_network(LB_POOL).hosts()]
    s.create(svc("lb-over", ((80, None),), type="LoadBalancer"))
    wait_for(lambda: any(c["type"] == "svcnet.io/IPAllocated" and c["status"] == "False"
                         for c in s.get("Service", "lb-over").get("status", {}).get(
                             "conditions") or []), what="pending condition")
    assert lb_ip(s, "lb-over") is None
    # A new node gets another pod CIDR.
    s.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"}})
    c2 = wait_for(lambda: s.get("Node", "n2")["spec"].get("podCIDR"), what="podCIDR n2")
    assert c2 != cidr
    # Deleting after the restart releases: the IP can be asked for again.
    freed = before[("Service", "np")]["spec"]["clusterIP"]
    s.request("DELETE", "/api/v1/namespaces/default/services/np")
    o = s.create(svc("reuse", clusterIP=freed))
    assert o["spec"]["clusterIP"] == freed


def test_graceful_deletion_survives_restart(make_server):
    s = make_server()
    s.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
              "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 2,
                       "containers": [{"name": "c", "image": "i"}]}})
    st, body = s.request("DELETE", "/api/v1/namespaces/default/pods/p")
    assert st == 200 and body["metadata"]["deletionTimestamp"]
    s.restart()
    p = s.get("Pod", "p")
    assert p is None or p["metadata"]["deletionTimestamp"]
    wait_for(lambda: s.get("Pod", "p") is None, timeout=6, interval=0.2,
             what="pod gone after restart")
