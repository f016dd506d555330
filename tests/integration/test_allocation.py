"""Cluster IP, node port and pod CIDR allocation, single- and dual-stack."""
import ipaddress
import json

import pytest

from svcnet_util import svc, uniq, wait_for

V4 = ipaddress.ip_network("10.43.0.0/16")
# Kubernetes keeps the bottom of the range for explicit requests:
# min(max(16, size/16), 256) addresses; dynamic allocation uses the rest first.
STATIC_END = V4.network_address + 256


def mk(server, name, **spec):
    ports = spec.pop("ports", ((80, 8080),))
    return server.create(svc(name, ports, **spec))


def patch(server, name, body, ns="default"):
    return server.kubectl("patch", "svc", name, "-n", ns, "--type", "merge", "-p",
                          json.dumps(body), check=False)


def test_dynamic_cluster_ips(server):
    ips = []
    for _ in range(20):
        s = mk(server, uniq("ip"))
        ip = s["spec"]["clusterIP"]
        assert s["spec"]["clusterIPs"] == [ip]
        assert s["spec"]["ipFamilies"] == ["IPv4"]
        assert s["spec"]["ipFamilyPolicy"] == "SingleStack"
        a = ipaddress.ip_address(ip)
        assert a in V4
        assert a >= STATIC_END, "dynamic IP %s from the static band" % ip
        ips.append(ip)
    assert len(set(ips)) == len(ips)
    k = server.get("Service", "kubernetes")
    assert k["spec"]["clusterIP"] == "10.43.0.1"
    assert "10.43.0.1" not in ips


def test_explicit_cluster_ip(server):
    a, b = uniq("exp"), uniq("exp")
    s = mk(server, a, clusterIP="10.43.0.50")
    assert s["spec"]["clusterIP"] == "10.43.0.50" and s["spec"]["clusterIPs"] == ["10.43.0.50"]
    # Taken: 422, with the allocator's words.
    st, body = server.request("POST", "/api/v1/namespaces/default/services",
                              svc(b, clusterIP="10.43.0.50"))
    assert st == 422 and body["reason"] == "Invalid", body
    p = server.kcreate(svc(b, clusterIP="10.43.0.50"), check=False)
    assert p.returncode != 0
    assert 'The Service "%s" is invalid' % b in p.stderr
    assert "provided IP is already allocated" in p.stderr
    # So is the kubernetes service's.
    p = server.kcreate(svc(b, clusterIP="10.43.0.1"), check=False)
    assert "provided IP is already allocated" in p.stderr
    # Outside the service CIDR.
    p = server.kcreate(svc(b, clusterIP="10.99.0.1"), check=False)
    assert p.returncode != 0
    assert "the provided IP (10.99.0.1) is not in the valid range. The range of valid IPs is " \
           "10.43.0.0/16" in p.stderr
    # Not an IP at all.
    p = server.kcreate(svc(b, clusterIP="10.43.0.300"), check=False)
    assert p.returncode != 0 and "spec.clusterIPs[0]: Invalid value" in p.stderr
    # Released on delete: the same IP can be asked for again.
    server.kubectl("delete", "svc", a)
    s = mk(server, b, clusterIP="10.43.0.50")
    assert s["spec"]["clusterIP"] == "10.43.0.50"


def test_headless(server):
    name = uniq("hl")
    s = mk(server, name, clusterIP="None", selector={"app": name})
    assert s["spec"]["clusterIP"] == "None"
    assert s["spec"]["clusterIPs"] == ["None"]
    assert s["spec"]["ipFamilyPolicy"] == "SingleStack"
    row = server.kubectl("get", "svc", name, "--no-headers").stdout.split()
    assert row[:3] == [name, "ClusterIP", "None"]
    # Headless without ports is fine.
    s = server.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": uniq("hl")},
                       "spec": {"clusterIP": "None", "selector": {"a": "b"}}})
    assert s["spec"]["clusterIP"] == "None"


def test_headless_without_selector(server):
    # Upstream special-cases headless+selectorless (initIPFamilyFields): the
    # policy defaults to RequireDualStack, allowed even on a single-stack
    # cluster, and both families are listed since no IP is allocated.
    name = uniq("hlns")
    st, s = server.request("POST", "/api/v1/namespaces/default/services",
                           svc(name, clusterIP="None"))
    assert st == 201, s
    assert s["spec"]["clusterIPs"] == ["None"]
    assert s["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert s["spec"]["ipFamilies"] == ["IPv4", "IPv6"]


def test_type_changes(server):
    name = uniq("types")
    s = mk(server, name)
    ip1 = s["spec"]["clusterIP"]

    assert patch(server, name, {"spec": {"type": "NodePort"}}).returncode == 0
    s = server.get("Service", name)
    np = s["spec"]["ports"][0]["nodePort"]
    assert 30000 <= np <= 32767
    assert s["spec"]["clusterIP"] == ip1
    assert s["spec"]["externalTrafficPolicy"] == "Cluster"
    row = server.kubectl("get", "svc", name, "--no-headers").stdout.split()
    assert row[1:5] == ["NodePort", ip1, "<none>", "80:%d/TCP" % np]

    p = patch(server, name, {"spec": {"type": "ClusterIP"}})
    assert p.returncode == 0, p.stderr
    s = server.get("Service", name)
    assert "nodePort" not in s["spec"]["ports"][0]
    assert s["spec"]["clusterIP"] == ip1
    # The node port was released: an explicit request gets it.
    other = uniq("np")
    o = mk(server, other, type="NodePort",
           ports=({"port": 80, "nodePort": np},))
    assert o["spec"]["ports"][0]["nodePort"] == np

    p = patch(server, name, {"spec": {"type": "ExternalName", "externalName": "example.com"}})
    assert p.returncode == 0, p.stderr
    s = server.get("Service", name)
    assert not s["spec"].get("clusterIP") and not s["spec"].get("clusterIPs")
    row = server.kubectl("get", "svc", name, "--no-headers").stdout.split()
    assert row[1:4] == ["ExternalName", "<none>", "example.com"]
    # The cluster IP was released.
    o = mk(server, uniq("reuse"), clusterIP=ip1)
    assert o["spec"]["clusterIP"] == ip1

    p = patch(server, name, {"spec": {"type": "ClusterIP", "externalName": None}})
    assert p.returncode == 0, p.stderr
    s = server.get("Service", name)
    ip2 = s["spec"]["clusterIP"]
    assert ip2 and ip2 != ip1 and ipaddress.ip_address(ip2) in V4
    assert s["spec"]["clusterIPs"] == [ip2]


def test_explicit_node_port(server):
    a, b = uniq("enp"), uniq("enp")
    s = mk(server, a, type="NodePort", ports=({"port": 80, "nodePort": 30123},))
    assert s["spec"]["ports"][0]["nodePort"] == 30123
    p = server.kcreate(svc(b, ({"port": 80, "nodePort": 30123},), type="NodePort"), check=False)
    assert p.returncode != 0
    assert "spec.ports[0].nodePort: Invalid value: 30123: provided port is already allocated" \
        in p.stderr
    p = server.kcreate(svc(b, ({"port": 80, "nodePort": 29999},), type="NodePort"), check=False)
    assert p.returncode != 0
    assert "spec.ports[0].nodePort: Invalid value: 29999: provided port is not in the valid " \
           "range. The range of valid ports is 30000-32767" in p.stderr
    # A node port on a ClusterIP service is refused.
    p = server.kcreate(svc(b, ({"port": 80, "nodePort": 30124},)), check=False)
    assert p.returncode != 0
    assert "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'" \
        in p.stderr
    # Dynamic ports never collide with explicit ones.
    got = set()
    for _ in range(8):
        s = mk(server, uniq("dnp"), type="NodePort", ports=((80, None), (81, None)))
        got.update(p["nodePort"] for p in s["spec"]["ports"])
    assert len(got) == 16 and 30123 not in got
    assert all(30000 <= p <= 32767 for p in got)


def test_same_node_port_for_tcp_and_udp(server):
    name = uniq("dns")
    s = mk(server, name, type="NodePort",
           ports=({"name": "dns", "port": 53, "protocol": "UDP"},
                  {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                  {"name": "other", "port": 54, "protocol": "UDP"}))
    nps = {p["name"]: p["nodePort"] for p in s["spec"]["ports"]}
    assert nps["dns"] == nps["dns-tcp"]
    assert nps["other"] != nps["dns"]


def test_pod_cidrs(server):
    names = [uniq("node") for _ in range(3)]
    for n in names:
        server.kcreate({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n}})
    cidrs = {}
    for n in names:
        node = wait_for(lambda: (lambda o: o if o["spec"].get("podCIDR") else None)(
            server.get("Node", n)), what="podCIDR of " + n)
        c = node["spec"]["podCIDR"]
        assert node["spec"]["podCIDRs"] == [c]
        net = ipaddress.ip_network(c)
        assert net.prefixlen == 24 and net.subnet_of(ipaddress.ip_network("10.42.0.0/16"))
        cidrs[n] = net
    assert len(set(cidrs.values())) == 3
    out = server.kubectl("get", "nodes", "-o", "custom-columns=N:.metadata.name,C:.spec.podCIDR",
                         "--no-headers").stdout
    rows = dict(line.split() for line in out.splitlines())
    for n in names:
        assert rows[n] == str(cidrs[n])


def test_pod_cidr_released_on_delete(make_server):
    s = make_server("--cluster-cidr", "10.42.0.0/23")
    for n in ("a", "b"):
        s.kcreate({"apiVersion": "v1", "kind": "Node", "metadata": {"name": n}})
    got = {}
    for n in ("a", "b"):
        got[n] = wait_for(lambda: s.get("Node", n)["spec"].get("podCIDR"), what="podCIDR")
    assert sorted(got.values()) == ["10.42.0.0/24", "10.42.1.0/24"]
    s.kubectl("delete", "node", "a")
    s.kcreate({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "c"}})
    c = wait_for(lambda: s.get("Node", "c")["spec"].get("podCIDR"), what="podCIDR of c")
    assert c == got["a"]


def test_dual_stack(make_server, server):
    ds = make_server("--service-cidr", "10.43.0.0/16,fd00:43::/112")
    v6 = ipaddress.ip_network("fd00:43::/112")
    s = mk(ds, "prefer", ipFamilyPolicy="PreferDualStack")
    a, b = s["spec"]["clusterIPs"]
    assert ipaddress.ip_address(a) in V4 and ipaddress.ip_address(b) in v6
    assert s["spec"]["clusterIP"] == a
    assert s["spec"]["ipFamilies"] == ["IPv4", "IPv6"]
    s = mk(ds, "require", ipFamilyPolicy="RequireDualStack", ipFamilies=["IPv6", "IPv4"])
    a, b = s["spec"]["clusterIPs"]
    assert ipaddress.ip_address(a) in v6 and ipaddress.ip_address(b) in V4
    assert s["spec"]["ipFamilies"] == ["IPv6", "IPv4"]
    s = mk(ds, "single6", ipFamilies=["IPv6"])
    assert s["spec"]["ipFamilyPolicy"] == "SingleStack"
    (a,) = s["spec"]["clusterIPs"]
    assert ipaddress.ip_address(a) in v6
    s = mk(ds, "single", ports=((80, None),))
    assert s["spec"]["ipFamilies"] == ["IPv4"] and len(s["spec"]["clusterIPs"]) == 1
    s = mk(ds, "explicit6", ipFamilyPolicy="RequireDualStack", clusterIP="10.43.0.77",
           clusterIPs=["10.43.0.77", "fd00:43::77"])
    assert s["spec"]["clusterIPs"] == ["10.43.0.77", "fd00:43::77"]
    desc = ds.kubectl("describe", "svc", "explicit6").stdout
    assert "IPs:                      10.43.0.77,fd00:43::77" in desc
    # Headless without selector: both of the cluster's families.
    s = mk(ds, "hlns", clusterIP="None")
    assert s["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert s["spec"]["ipFamilies"] == ["IPv4", "IPv6"]
    assert s["spec"]["clusterIPs"] == ["None"]

    # On the single-stack server: RequireDualStack is refused, Prefer degrades.
    name = uniq("req")
    p = server.kcreate(svc(name, ipFamilyPolicy="RequireDualStack"), check=False)
    assert p.returncode != 0
    assert 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not ' \
           'configured for dual-stack services' in p.stderr
    s = mk(server, name, ipFamilyPolicy="PreferDualStack")
    assert len(s["spec"]["clusterIPs"]) == 1 and s["spec"]["ipFamilies"] == ["IPv4"]
    assert s["spec"]["ipFamilyPolicy"] == "PreferDualStack"
    p = server.kcreate(svc(uniq("v6"), ipFamilies=["IPv6"]), check=False)
    assert p.returncode != 0
    assert 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster' in p.stderr
