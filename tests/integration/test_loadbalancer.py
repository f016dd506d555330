"""LoadBalancer IPs from --lb-pool 198.18.100.0/29 (6 usable addresses).
Each test has a server of its own, so the pool starts empty."""
import ipaddress
import re

import pytest

from conftest import LB_POOL
from svcnet_util import svc, wait_for

POOL = [str(a) for a in ipaddress.ip_network(LB_POOL).hosts()]
COND = "svcnet.io/IPAllocated"


@pytest.fixture
def lbs(make_server):
    return make_server("--lb-pool", LB_POOL)


def lb(server, name, annotations=None, **spec):
    o = svc(name, ((80, 8080),), type="LoadBalancer", **spec)
    if annotations:
        o["metadata"]["annotations"] = annotations
    return server.create(o)


def ingress_ips(server, name):
    s = server.get("Service", name)
    return [i.get("ip") for i in (s.get("status", {}).get("loadBalancer", {}).get("ingress") or [])]


def wait_ip(server, name, timeout=5):
    return wait_for(lambda: ingress_ips(server, name), timeout=timeout,
                    what="LB IP of " + name)[0]


def condition(server, name):
    for c in server.get("Service", name).get("status", {}).get("conditions") or []:
        if c["type"] == COND:
            return c
    return None


def test_pool_has_six_addresses():
    assert POOL == ["198.18.100.%d" % i for i in range(1, 7)]


def test_lb_gets_ip(lbs):
    s = lb(lbs, "web")
    assert 30000 <= s["spec"]["ports"][0]["nodePort"] <= 32767
    assert s["spec"]["clusterIP"].startswith("10.43.")
    ip = wait_ip(lbs, "web")
    assert ip in POOL
    row = lbs.kubectl("get", "svc", "web", "--no-headers").stdout.split()
    assert row[1:5] == ["LoadBalancer", s["spec"]["clusterIP"], ip,
                        "80:%d/TCP" % s["spec"]["ports"][0]["nodePort"]]
    c = condition(lbs, "web")
    assert c is None or c["status"] == "True"
    assert re.search(r"LoadBalancer Ingress:\s+%s" % re.escape(ip),
                     lbs.kubectl("describe", "svc", "web").stdout)


def test_requested_ips(lbs):
    lb(lbs, "fixed", loadBalancerIP="198.18.100.5")
    lb(lbs, "annotated", annotations={"svcnet.io/load-balancer-ips": "198.18.100.6"})
    assert wait_ip(lbs, "fixed") == "198.18.100.5"
    assert wait_ip(lbs, "annotated") == "198.18.100.6"
    # Dynamic ones never get a requested address.
    for i in range(4):
        lb(lbs, "dyn%d" % i)
    got = sorted(wait_ip(lbs, "dyn%d" % i) for i in range(4))
    assert got == POOL[:4]


def test_pool_exhaustion_and_recovery(lbs):
    for i in range(6):
        lb(lbs, "lb%d" % i)
    ips = [wait_ip(lbs, "lb%d" % i) for i in range(6)]
    assert sorted(ips) == POOL
    # No address left: the create succeeds, the service stays pending.
    st, body = lbs.request("POST", "/api/v1/namespaces/default/services",
                           svc("late", ((80, 8080),), type="LoadBalancer"))
    assert st == 201, body
    c = wait_for(lambda: condition(lbs, "late"), what="IPAllocated condition")
    assert c["status"] == "False"
    assert c.get("reason") and c.get("message")
    assert ingress_ips(lbs, "late") == []
    row = lbs.kubectl("get", "svc", "late", "--no-headers").stdout.split()
    assert row[3] == "<pending>"
    desc = wait_for(lambda: (lambda d: d if "Events:" in d and "<none>" not in
                             d.split("Events:")[1] else None)(
        lbs.kubectl("describe", "svc", "late").stdout), what="event in describe")
    ev = desc.split("Events:")[1]
    assert re.search(r"Warning\s+\S+", ev), ev
    evs = lbs.kjson("get", "events", "--field-selector", "involvedObject.name=late")["items"]
    assert evs and evs[0]["involvedObject"]["kind"] == "Service"
    assert evs[0]["type"] == "Warning"

    # Freeing an address hands it to the pending service.
    lbs.kubectl("delete", "svc", "lb3")
    ip = wait_ip(lbs, "late", timeout=10)
    assert ip == ips[3]
    wait_for(lambda: (condition(lbs, "late") or {"status": "True"})["status"] == "True",
             what="condition True")
    row = lbs.kubectl("get", "svc", "late", "--no-headers").stdout.split()
    assert row[3] == ip


def test_type_change_releases_lb_ip(lbs):
    lb(lbs, "a", loadBalancerIP="198.18.100.1")
    assert wait_ip(lbs, "a") == "198.18.100.1"
    lbs.kubectl("patch", "svc", "a", "--type", "merge",
                "-p", '{"spec":{"type":"ClusterIP","loadBalancerIP":null}}')
    wait_for(lambda: ingress_ips(lbs, "a") == [], what="ingress cleared")
    s = lbs.get("Service", "a")
    assert "nodePort" not in s["spec"]["ports"][0]
    lb(lbs, "b", loadBalancerIP="198.18.100.1")
    assert wait_ip(lbs, "b") == "198.18.100.1"


def test_requested_ip_in_use_not_shared(lbs):
    lb(lbs, "one", loadBalancerIP="198.18.100.2")
    assert wait_ip(lbs, "one") == "198.18.100.2"
    lb(lbs, "two", loadBalancerIP="198.18.100.2")
    c = wait_for(lambda: condition(lbs, "two"), what="IPAllocated condition")
    assert c["status"] == "False"
    assert ingress_ips(lbs, "two") == []
    assert ingress_ips(lbs, "one") == ["198.18.100.2"]
