"""Cluster DNS in a two-node sandbox: `svcnet up` deploys kube-system/kube-dns
(10.43.0.10) with a `svcnet dns` Pod on each node; every query here is a real
dig (or getent) run inside a Pod, against the Service IP or a DNS Pod's IP,
with the answer parsed and compared record by record with the Kubernetes DNS
specification (kubernetes/dns docs/specification.md, schema 1.1.0).

Objects: the client Pod "dnsc" (node-1); Service "web" (ClusterIP, named
ports http 80/TCP and dns 53/UDP) over the Pod "web-1"; headless "hl" over
h1..h3 (ready, hostname hN, subdomain hl) and h4 (never ready); the
ExternalName "ext"; tests that change things make their own names. The
forwarding test starts dnsmasq in a namespace on the fabric (198.18.0.201) and
a second `svcnet dns` Pod that forwards to it.
"""
import os
import time

import pytest

from dns_util import (DNS_IP, UPSTREAM_IP, ZONE, Poller, Upstream, dashed, dig, dig_ok,
                      dns_available, fqdn, reverse, send_hostile, soa_ok, svc_fqdn)
from proxy_util import READY
from sandbox_util import Sandbox, netexec_pod, pod_ip
from svcnet_util import BIN, uniq, wait_for

pytestmark = pytest.mark.skipif(not dns_available(), reason="this svcnet has no `dns` command")

CLIENT = "pod:dnsc"
NEVER_READY = {"httpGet": {"path": "/healthz", "port": 9999}, "periodSeconds": 1}


def slice_ready(sbx, svc, ns="default"):
    sl = sbx.kjson("get", "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=" + svc)
    return sorted(a for s in sl["items"] for e in (s.get("endpoints") or [])
                  if e.get("conditions", {}).get("ready", True) for a in e["addresses"])


@pytest.fixture(scope="module")
def sbx():
    s = Sandbox(nodes=2)
    try:
        s.up()
        wait_for(lambda: len(slice_ready(s, "kube-dns", "kube-system")) == 2, timeout=30,
                 interval=0.2, what="both cluster DNS Pods ready")
        yield s
    finally:
        r = s.down()
        assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def world(sbx):
    """The Pods and Services most tests read (never changed by a test)."""
    sbx.apply(netexec_pod("dnsc", node="node-1", labels={"dns-test": "client"},
                          readiness=READY))
    sbx.apply(netexec_pod("web-1", node="node-2", labels={"app": "web"}, readiness=READY))
    for i in range(1, 5):
        p = netexec_pod("h%d" % i, node="node-%d" % (1 + i % 2), labels={"app": "hl"},
                        readiness=READY if i < 4 else NEVER_READY)
        p["spec"]["hostname"] = "h%d" % i
        p["spec"]["subdomain"] = "hl"
        sbx.apply(p)
    sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"},
                        "ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                  {"name": "dns", "port": 53, "protocol": "UDP",
                                   "targetPort": 8081}]}})
    sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hl"},
               "spec": {"clusterIP": "None", "selector": {"app": "hl"},
                        "ports": [{"name": "http", "port": 8080}]}})
    sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
               "spec": {"type": "ExternalName", "externalName": "db.example.test"}})
    pods = {n: sbx.wait_ready(n, timeout=60) for n in ("dnsc", "web-1", "h1", "h2", "h3")}
    pods["h4"] = sbx.pod("h4")
    wait_for(lambda: len(slice_ready(sbx, "hl")) == 3, timeout=30, interval=0.2,
             what="3 ready endpoints of hl")
    w = {"pods": pods, "web": sbx.kjson("get", "service", "web"),
         "ip": {n: pod_ip(p) for n, p in pods.items() if n != "h4"}}
    # h4 has an address even though it never becomes ready
    wait_for(lambda: (sbx.pod("h4").get("status") or {}).get("podIP"), timeout=30,
             what="h4 has an IP")
    w["ip"]["h4"] = pod_ip(sbx.pod("h4"))
    # the DNS Pods have seen everything above once web's name answers
    wait_for(lambda: dig(sbx, CLIENT, svc_fqdn("web")).status == "NOERROR", timeout=10,
             interval=0.2, what="web answered")
    return w


def dns_pods(sbx):
    pods = sbx.kjson("get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns")["items"]
    return {p["metadata"]["name"]: p for p in pods}


# --- the addon itself ---------------------------------------------------------------------


def test_addon_objects(sbx):
    s = sbx.kjson("get", "service", "kube-dns", "-n", "kube-system")
    assert s["spec"]["clusterIP"] == DNS_IP
    assert s["metadata"]["labels"]["k8s-app"] == "kube-dns"
    assert s["spec"]["selector"] == {"k8s-app": "kube-dns"}
    assert sorted((p["name"], p["port"], p["protocol"]) for p in s["spec"]["ports"]) == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    pods = dns_pods(sbx)
    assert sorted(pods) == ["svcnet-dns-node-1", "svcnet-dns-node-2"]
    for name, p in pods.items():
        assert p["spec"]["nodeName"] == name[len("svcnet-dns-"):]
        cmd = p["spec"]["containers"][0]["command"]
        assert os.path.isabs(cmd[0]) and cmd[1] == "dns"
        assert cmd[cmd.index("--upstream") + 1] == "none"
        assert cmd[cmd.index("--kubeconfig") + 1] == sbx.kubeconfig


def test_resolv_conf(sbx, world):
    r = sbx.exec("dnsc", "cat", "/etc/resolv.conf")
    assert "nameserver %s" % DNS_IP in r.stdout
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in r.stdout


# --- record forms ------------------------------------------------------------------------


def test_a_clusterip(sbx, world):
    cip = world["web"]["spec"]["clusterIP"]
    a = dig_ok(sbx, CLIENT, svc_fqdn("web"))
    assert a.status == "NOERROR" and "aa" in a.flags, a
    assert a.answer == [(svc_fqdn("web"), a.answer[0][1], "A", cip)], a
    assert 0 < a.answer[0][1] <= 5, "TTL %d, --ttl defaults to 5" % a.answer[0][1]
    # names are case-insensitive; the answer's owner keeps the question's case
    a = dig_ok(sbx, CLIENT, "WeB.DeFault.SVC.Cluster.Local")
    assert a.status == "NOERROR" and a.rdata("A") == [cip], a


def test_a_through_each_dns_pod(sbx, world):
    cip = world["web"]["spec"]["clusterIP"]
    for name, p in dns_pods(sbx).items():
        a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "A", pod_ip(p))
        assert a.rdata("A") == [cip], (name, a)
    a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "A", DNS_IP, "+tcp")
    assert a.rdata("A") == [cip], a


def test_aaaa(sbx, world):
    ips = world["web"]["spec"].get("clusterIPs") or [world["web"]["spec"]["clusterIP"]]
    v6 = [ip for ip in ips if ":" in ip]
    if not v6:
        pytest.skip("the sandbox's service CIDR is IPv4 only (10.43.0.0/16): no AAAA to "
                    "answer (the NODATA answer for AAAA is checked in test_nxdomain_vs_nodata)")
    a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "AAAA")
    assert a.rdata("AAAA") == sorted(v6), a


def test_srv_clusterip(sbx, world):
    for port, proto, num in (("http", "tcp", 80), ("dns", "udp", 53)):
        name = "_%s._%s.%s" % (port, proto, svc_fqdn("web"))
        a = dig_ok(sbx, CLIENT, name, "SRV")
        assert a.status == "NOERROR", a
        assert len(a.answer) == 1 and a.answer[0][0] == name and a.answer[0][2] == "SRV", a
        prio, weight, p, target = a.answer[0][3].split()
        assert int(prio) >= 0 and int(weight) >= 0
        assert (int(p), target) == (num, svc_fqdn("web")), a
    # a port name that does not exist, or the wrong protocol: no such name
    a = dig_ok(sbx, CLIENT, "_http._udp." + svc_fqdn("web"), "SRV")
    assert a.status == "NXDOMAIN" and soa_ok(a), a


def test_headless_ready_only(sbx, world):
    ip = world["ip"]
    a = dig_ok(sbx, CLIENT, svc_fqdn("hl"))
    assert a.status == "NOERROR" and "aa" in a.flags, a
    assert a.rdata("A") == sorted([ip["h1"], ip["h2"], ip["h3"]]), a
    assert ip["h4"] not in a.text
    for h in ("h1", "h2", "h3"):
        a = dig_ok(sbx, CLIENT, fqdn(h, "hl", "default", "svc"))
        assert a.status == "NOERROR" and a.rdata("A") == [ip[h]], a
    a = dig_ok(sbx, CLIENT, fqdn("h4", "hl", "default", "svc"))
    assert a.status == "NXDOMAIN" and not a.answer, a


def test_srv_headless(sbx, world):
    ip = world["ip"]
    name = "_http._tcp." + svc_fqdn("hl")
    a = dig_ok(sbx, CLIENT, name, "SRV")
    assert a.status == "NOERROR", a
    got = sorted((r[3].split()[2], r[3].split()[3]) for r in a.answer if r[2] == "SRV")
    assert got == [("8080", fqdn(h, "hl", "default", "svc")) for h in ("h1", "h2", "h3")], a
    # the targets' addresses, where dig shows them, are the Pods'
    for r in a.additional:
        if r[2] == "A":
            assert r[3] == ip[r[0].split(".")[0]], a


def test_ptr(sbx, world):
    cip = world["web"]["spec"]["clusterIP"]
    a = dig_ok(sbx, CLIENT, reverse(cip), "PTR")
    assert a.status == "NOERROR" and a.rdata("PTR") == [svc_fqdn("web")], a
    # dig -x builds the same name
    a = dig_ok(sbx, CLIENT, "-x", cip)
    assert a.rdata("PTR") == [svc_fqdn("web")], a
    h1 = world["ip"]["h1"]
    a = dig_ok(sbx, CLIENT, reverse(h1), "PTR")
    assert a.status == "NOERROR" and a.rdata("PTR") == [fqdn("h1", "hl", "default", "svc")], a


def test_external_name(sbx, world):
    a = dig_ok(sbx, CLIENT, svc_fqdn("ext"), "CNAME")
    assert a.status == "NOERROR", a
    assert a.answer == [(svc_fqdn("ext"), a.answer[0][1], "CNAME", "db.example.test.")], a
    # an A question gets the CNAME first (the target is outside the zone and
    # the sandbox's DNS does not forward, so nothing follows it)
    a = dig_ok(sbx, CLIENT, svc_fqdn("ext"), "A")
    assert a.answer and a.answer[0][2:] == ("CNAME", "db.example.test."), a


def test_dns_version(sbx, world):
    a = dig_ok(sbx, CLIENT, "dns-version." + ZONE, "TXT")
    assert a.status == "NOERROR" and a.rdata("TXT") == ['"1.1.0"'], a


def test_pod_record(sbx, world):
    ip = world["ip"]["dnsc"]
    name = fqdn(dashed(ip), "default", "pod")
    a = dig_ok(sbx, CLIENT, name)
    assert a.status == "NOERROR" and a.answer == [(name, a.answer[0][1], "A", ip)], a


def test_nxdomain_vs_nodata(sbx, world):
    a = dig_ok(sbx, CLIENT, svc_fqdn("no-such-service"))
    assert a.status == "NXDOMAIN" and not a.answer and soa_ok(a), a
    a = dig_ok(sbx, CLIENT, svc_fqdn("web", "no-such-namespace"))
    assert a.status == "NXDOMAIN" and soa_ok(a), a
    for qtype in ("AAAA", "TXT", "MX"):
        if qtype == "AAAA" and ":" in "".join(world["web"]["spec"].get("clusterIPs", [])):
            continue
        a = dig_ok(sbx, CLIENT, svc_fqdn("web"), qtype)
        assert a.status == "NOERROR" and not a.answer and soa_ok(a), (qtype, a)
    # the SOA's TTL is the negative TTL: small, as the zone changes
    soa = [r for r in a.authority if r[2] == "SOA"][0]
    assert 0 <= soa[1] <= 60 and soa[3].split()[-1].isdigit(), soa


def test_getent_search_path(sbx, world):
    cip = world["web"]["spec"]["clusterIP"]
    for name in ("web", "web.default", "web.default.svc"):
        r = sbx.exec("dnsc", "getent", "hosts", name, check=False)
        assert r.returncode == 0, (name, r.stdout, r.stderr)
        f = r.stdout.split()
        assert f[0] == cip and f[1] == svc_fqdn("web").rstrip("."), (name, r.stdout)
    r = sbx.exec("dnsc", "getent", "hosts", "no-such-service", check=False)
    assert r.returncode == 2 and not r.stdout, r.stdout


def test_outside_zone_refused_without_upstream(sbx, world):
    a = dig_ok(sbx, CLIENT, "www.upstream.test")
    assert a.status == "REFUSED" and not a.answer, a


# --- size: 100 endpoints ---------------------------------------------------------------------


def test_truncated_over_udp_complete_over_tcp(sbx, world):
    """A selector-less headless Service whose EndpointSlice (written here, as
    a user's controller would) holds 100 ready addresses: 100 A records do
    not fit in 1232 bytes, so UDP answers with TC set and TCP in full."""
    name = uniq("big")
    addrs = ["10.42.250.%d" % i for i in range(1, 101)]
    sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
               "spec": {"clusterIP": "None", "ports": [{"name": "http", "port": 80}]}})
    sbx.apply({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": name + "-1",
                            "labels": {"kubernetes.io/service-name": name,
                                       "endpointslice.kubernetes.io/managed-by":
                                           "test.svcnet.io"}},
               "addressType": "IPv4", "ports": [{"name": "http", "port": 80}],
               "endpoints": [{"addresses": [a], "conditions": {"ready": True}}
                             for a in addrs]})
    try:
        fq = svc_fqdn(name)
        wait_for(lambda: len(dig(sbx, CLIENT, fq, "A", DNS_IP, "+tcp").rdata("A")) == 100,
                 timeout=10, interval=0.2, what="100 records over TCP")
        a = dig(sbx, CLIENT, fq, "A", DNS_IP, "+ignore", "+notcp")
        assert a.rc == 0 and a.status == "NOERROR", a
        assert "tc" in a.flags, a
        assert len(a.answer) < 100, a
        a = dig_ok(sbx, CLIENT, fq, "A", DNS_IP, "+tcp")
        assert "tc" not in a.flags and a.rdata("A") == sorted(addrs), a
        # without +ignore, dig retries over TCP by itself and gets it all
        a = dig_ok(sbx, CLIENT, fq, "A")
        assert len(a.rdata("A")) == 100, a
        a = dig_ok(sbx, CLIENT, "_http._tcp." + fq, "SRV", DNS_IP, "+tcp")
        assert len(a.answer) == 100, a
    finally:
        sbx.kubectl("delete", "service", name, "--wait=false", check=False)
        sbx.kubectl("delete", "endpointslice", name + "-1", "--wait=false", check=False)


# --- changes seen within a second -------------------------------------------------------------

LIMIT_S = 1.0


def _within(p, t0, what):
    r = p.wait(timeout=30)
    assert r["t"] is not None, "%s: never seen (last %s)" % (what, r)
    dt = r["t"] - t0
    print("%s seen after %.3f s" % (what, dt))
    assert dt <= LIMIT_S, "%s seen after %.3f s" % (what, dt)
    return dt


def test_updates_within_a_second(sbx, world):
    name = uniq("upd")
    fq = svc_fqdn(name)
    polls = []
    try:
        # a new Service
        p = Poller(sbx, "dnsc", fq, "A", "any")
        polls.append(p)
        p.start()
        sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                   "spec": {"ports": [{"name": "http", "port": 80}]}})
        t0 = time.time()
        _within(p, t0, "new Service")

        # a deleted Service
        p = Poller(sbx, "dnsc", fq, "A", "nx")
        polls.append(p)
        p.start()
        sbx.kubectl("delete", "service", name, "--wait=false")
        t0 = time.time()
        _within(p, t0, "deleted Service")

        # an endpoint added to a headless Service
        sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                   "spec": {"clusterIP": "None", "ports": [{"name": "http", "port": 80}]}})
        sl = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": {"name": name + "-1",
                           "labels": {"kubernetes.io/service-name": name,
                                      "endpointslice.kubernetes.io/managed-by":
                                          "test.svcnet.io"}},
              "addressType": "IPv4", "ports": [{"name": "http", "port": 80}],
              "endpoints": [{"addresses": ["10.42.251.1"], "conditions": {"ready": True}}]}
        sbx.apply(sl)
        wait_for(lambda: dig(sbx, CLIENT, fq).rdata("A") == ["10.42.251.1"], timeout=10,
                 interval=0.1, what="headless with one endpoint")
        p = Poller(sbx, "dnsc", fq, "A", "10.42.251.2")
        polls.append(p)
        p.start()
        sl["endpoints"].append({"addresses": ["10.42.251.2"], "conditions": {"ready": True}})
        sbx.apply(sl)
        t0 = time.time()
        _within(p, t0, "endpoint added")
    finally:
        for p in polls:
            p.kill()
        sbx.kubectl("delete", "service", name, "--wait=false", check=False)
        sbx.kubectl("delete", "endpointslice", name + "-1", "--wait=false", check=False)


# --- forwarding and the cache -------------------------------------------------------------------


@pytest.fixture
def upstream(sbx):
    u = Upstream({"www.upstream.test": "192.0.2.55", "api.upstream.test": "192.0.2.56"})
    try:
        yield u.up()
    finally:
        u.down()


def test_forwarder_and_cache(sbx, world, upstream):
    name = "dns-fwd"
    exe = os.path.realpath(BIN)
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": {"dns-test": "forwarder"}},
           "spec": {"nodeName": "node-2", "dnsPolicy": "Default",
                    "terminationGracePeriodSeconds": 1,
                    "containers": [{
                        "name": "dns", "image": "svcnet/dns",
                        "command": [exe, "dns", "--kubeconfig", sbx.kubeconfig,
                                    "--listen", "0.0.0.0:53",
                                    "--http-bind-address", "0.0.0.0:9153",
                                    "--upstream", UPSTREAM_IP],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 9153},
                                           "periodSeconds": 1}}]}}
    sbx.apply(pod)
    try:
        fwd = pod_ip(sbx.wait_ready(name, timeout=30))
        # the cluster zone still comes from the API
        a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "A", fwd)
        assert a.rdata("A") == [world["web"]["spec"]["clusterIP"]], a
        # through the forwarder
        a = dig_ok(sbx, CLIENT, "www.upstream.test", "A", fwd)
        assert a.status == "NOERROR" and a.rdata("A") == ["192.0.2.55"], a
        a = dig_ok(sbx, CLIENT, "nothere.upstream.test", "A", fwd)
        assert a.status == "NXDOMAIN" and not a.answer, a
        a = dig_ok(sbx, CLIENT, "www.upstream.test", "AAAA", fwd)
        assert a.status == "NOERROR" and not a.answer, a
        # the upstream stops: the cached answers stay (dnsmasq gave TTL 300,
        # and its denials an SOA with minimum 300)
        upstream.stop()
        a = dig_ok(sbx, CLIENT, "www.upstream.test", "A", fwd)
        assert a.status == "NOERROR" and a.rdata("A") == ["192.0.2.55"], a
        assert 0 < a.answer[0][1] <= 300, a
        a = dig_ok(sbx, CLIENT, "nothere.upstream.test", "A", fwd)
        assert a.status == "NXDOMAIN" and not a.answer, a
        a = dig_ok(sbx, CLIENT, "www.upstream.test", "AAAA", fwd)
        assert a.status == "NOERROR" and not a.answer, a
        # a name never asked: all upstreams fail -> SERVFAIL (or no answer
        # within dig's 5 s when the forwarder waits longer)
        a = dig(sbx, CLIENT, "api.upstream.test", "A", fwd, "+time=5", "+tries=1")
        assert a.status == "SERVFAIL" or a.rc == 9, a
    finally:
        sbx.kubectl("delete", "pod", name, "--wait=false", "--grace-period=0", "--force",
                    check=False)


# --- hostile input ----------------------------------------------------------------------------


def test_hostile_packets(sbx, world):
    before = {n: p["status"]["containerStatuses"][0].get("restartCount", 0)
              for n, p in dns_pods(sbx).items()}
    targets = [pod_ip(p) for p in dns_pods(sbx).values()]
    sent = send_hostile(sbx, "dnsc", targets)
    assert sent["sent"] > 400
    cip = world["web"]["spec"]["clusterIP"]
    for ip in targets:
        a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "A", ip)
        assert a.rdata("A") == [cip], a
        a = dig_ok(sbx, CLIENT, svc_fqdn("web"), "A", ip, "+tcp")
        assert a.rdata("A") == [cip], a
    after = {n: p["status"]["containerStatuses"][0].get("restartCount", 0)
             for n, p in dns_pods(sbx).items()}
    assert after == before, (before, after)
