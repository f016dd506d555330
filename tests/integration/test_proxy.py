"""The service proxy in a two-node sandbox, every scenario in every mode
(nftables, iptables and userspace; one sandbox per mode): real TCP and UDP from Pods, from
the node namespaces, and from a client namespace on the fabric bridge
(198.18.0.200, no default route), checked against kube-proxy's semantics.

The Pods: w1a, w1b on node-1 and w2a, w2b on node-2 ("web": netexec on
8080/8081 answering their own name, and on 9090/9091 answering "<name>-alt"),
and clients c1a, c1b (node-1), c2a, c2b (node-2). Tests that change Pods make
their own. Every test makes Services with names of its own and deletes them.

SVCNET_PX_ARTIFACTS=DIR keeps, for each failed test, both nodes' rules,
conntrack tables and the sandbox's logs under DIR/<mode>/<test>/.
"""
import collections
import json
import os
import re
import shutil
import tempfile
import time

import pytest

from proxy_util import (FABRIC_IP, HTTP, HTTP_ALT, NODE_IP, READY, UDP, WEB, WEB_ALT, WEB_ON,
                        Fabric, Px, barrier, chi2_sf, client, client_bg, client_wait,
                        cluster_ip, curl, dump_evidence, mentions, metric, metrics, names,
                        node_port, rules, run, sh, slice_endpoints, start_agent, stop_agent,
                        udp_names, wait_names, wait_slice, wait_udp_names, web_pod)
from sandbox_util import Sandbox, netexec_pod, pod_ip
from svcnet_util import BIN, uniq, wait_for

MODES = os.environ.get("SVCNET_PX_MODES", "nftables,iptables,userspace").split(",")
C1, C2 = "pod:c1a", "pod:c2a"  # a client Pod on each node
CLIENTS = (("c1a", "node-1"), ("c1b", "node-1"), ("c2a", "node-2"), ("c2b", "node-2"))

# Product bugs these tests found and that are not fixed yet:
# (test function, mode, "where" parameter or None) -> reason. Such a test is
# marked xfail(strict=True), so it turns red again once the bug is fixed and
# the entry can go.
KNOWN_BUGS = {}

# What a mode cannot do by construction, as in Kubernetes: such checks are
# skipped for that mode only, with the reason.
USERSPACE_NO_SOURCE_IP = ("userspace mode relays every connection itself: the endpoint sees "
                          "the node's address, never the client's (as kube-proxy's did)")


def not_applicable(px, mode, reason):
    if px.mode == mode:
        pytest.skip("not applicable in %s mode: %s" % (mode, reason))


@pytest.fixture(scope="module", params=MODES)
def sbx(request):
    s = Sandbox(nodes=2, extra=["--proxy-mode", request.param])
    s.mode = request.param
    try:
        yield s.up()
    finally:
        r = s.down()
        assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def fabric(sbx):
    f = Fabric()
    try:
        yield f.up()
    finally:
        f.down()


@pytest.fixture(scope="module")
def pool(sbx):
    for name, node in (("w1a", "node-1"), ("w1b", "node-1"), ("w2a", "node-2"),
                       ("w2b", "node-2")):
        sbx.apply(web_pod(name, node, {"px-pool": "web", "px-node": node, "px-name": name}))
    for name, node in CLIENTS:
        sbx.apply(netexec_pod(name, node=node, labels={"px-client": name}, readiness=READY))
    return {n: sbx.wait_ready(n, timeout=60)
            for n in sorted(WEB) + [c for c, _ in CLIENTS]}


@pytest.fixture
def px(sbx, fabric, pool, request):
    params = getattr(request.node, "callspec", None)
    params = params.params if params else {}
    reason = KNOWN_BUGS.get((request.function.__name__, sbx.mode, params.get("where")))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    p = Px(sbx, fabric)
    p.pool = pool
    failed = request.session.testsfailed
    try:
        yield p
    finally:
        art = os.environ.get("SVCNET_PX_ARTIFACTS")
        if art and request.session.testsfailed > failed:
            dump_evidence(sbx, os.path.join(art, sbx.mode, request.node.name))
        p.cleanup()


def distinct(got):
    return set(got)


def patch(sbx, name, body):
    sbx.kubectl("patch", "service", name, "--type=merge", "-p", json.dumps(body))


def connect_error(px, where, ip, port, timeout=3):
    """The error of one new TCP connection ("" when it was answered)."""
    r = client(px.sbx, where, op="http", ip=ip, port=port, n=1, timeout=timeout)[0]
    return "" if r["ok"] else r["err"]


# --- 0. the mode asked for is the one programmed --------------------------------------


def test_datapath_matches_mode(px):
    s = px.service("mode", {"px-pool": "web"})
    wait_names(px.sbx, C1, cluster_ip(s), 80, WEB)
    for node in NODE_IP:
        _, argv = px.sbx.agent_pid(node)
        assert argv[argv.index("--proxy-mode") + 1] == px.mode
        text = rules(node)
        nft_table = re.search(r"^table ip svcnet \{", text, re.M)
        us_table = re.search(r"^table ip svcnet-userspace \{", text, re.M)
        ipt_chains = "KUBE-SERVICES" in text.split("# iptables-save", 1)[1]
        if px.mode == "nftables":
            assert nft_table and not ipt_chains and not us_table, text
        elif px.mode == "userspace":
            assert us_table and not nft_table and not ipt_chains, text
        else:
            assert ipt_chains and not nft_table and not us_table, text
        assert mentions(text, cluster_ip(s)), text


# --- 1. a basic endpoint ----------------------------------------------------------------


def test_clusterip_from_pods_and_nodes(px):
    s = px.service("basic", {"px-pool": "web"})
    ip = cluster_ip(s)
    for where in (C1, C2, "node-1", "node-2"):
        wait_names(px.sbx, where, ip, 80, WEB)
        got = names(px.sbx, where, ip, 80, n=20)
        assert set(got) <= WEB and len(distinct(got)) >= 2, "%s: %s" % (where, got)
    # Pod to Service: no masquerade, the endpoint sees the Pod's own address
    not_applicable(px, "userspace", USERSPACE_NO_SOURCE_IP)
    me = pod_ip(px.pool["c1a"])
    for seen in names(px.sbx, C1, ip, 80, n=4, path="/clientip"):
        assert seen.rsplit(":", 1)[0] == me, seen


# --- 2. multiport -------------------------------------------------------------------------


def test_multiport(px):
    s = px.service("multi", {"px-pool": "web"}, ports=(
        {"name": "http", "port": 80, "targetPort": HTTP, "protocol": "TCP"},
        {"name": "alt", "port": 90, "targetPort": HTTP_ALT, "protocol": "TCP"}))
    ip = cluster_ip(s)
    for where in (C1, "node-2"):
        wait_names(px.sbx, where, ip, 80, WEB)
        wait_names(px.sbx, where, ip, 90, WEB_ALT)
        assert set(names(px.sbx, where, ip, 80, n=10)) <= WEB
        assert set(names(px.sbx, where, ip, 90, n=10)) <= WEB_ALT


# --- 3. session affinity -------------------------------------------------------------------


def test_session_affinity_sticks_then_times_out(px):
    """ClientIP affinity with timeoutSeconds 5: each client keeps its endpoint;
    after more than 5 s without new connections it picks anew. Four clients,
    each has a 1/4 chance of drawing the same endpoint again per idle period,
    so up to three periods are tried (a false failure: 4^-12)."""
    s = px.service("aff", {"px-pool": "web"}, sessionAffinity="ClientIP",
                   sessionAffinityConfig={"clientIP": {"timeoutSeconds": 5}})
    ip = cluster_ip(s)
    clients = [C1, "pod:c1b", C2, "pod:c2b"]
    for c in clients:
        wait_names(px.sbx, c, ip, 80, WEB)
    cur = {}
    for c in clients:
        got = names(px.sbx, c, ip, 80, n=10)
        assert len(distinct(got)) == 1 and got[0] in WEB, "%s: %s" % (c, got)
        cur[c] = got[0]
    changed = []
    for _ in range(3):
        time.sleep(8)  # idle longer than timeoutSeconds
        for c in clients:
            got = names(px.sbx, c, ip, 80, n=10)
            assert len(distinct(got)) == 1 and got[0] in WEB, "%s: %s" % (c, got)
            if got[0] != cur[c]:
                changed.append((c, cur[c], got[0]))
            cur[c] = got[0]
        if changed:
            break
    assert changed, "every client kept its endpoint over 3 idle periods > timeoutSeconds"


def test_session_affinity_switched_on_and_off(px):
    s = px.service("affsw", {"px-pool": "web"})
    name, ip = s["metadata"]["name"], cluster_ip(s)
    wait_names(px.sbx, C1, ip, 80, WEB)
    assert len(distinct(names(px.sbx, C1, ip, 80, n=20))) >= 2
    patch(px.sbx, name, {"spec": {"sessionAffinity": "ClientIP",
                                  "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 60}}}})
    got = wait_for(lambda: (lambda g: g if len(set(g)) == 1 and g[0] in WEB else None)(
        names(px.sbx, C1, ip, 80, n=20)), timeout=30, interval=0.5, what="affinity on")
    assert set(names(px.sbx, C1, ip, 80, n=20)) == set(got)
    patch(px.sbx, name, {"spec": {"sessionAffinity": "None", "sessionAffinityConfig": None}})
    wait_for(lambda: len(set(names(px.sbx, C1, ip, 80, n=20)) & WEB) >= 2, timeout=30,
             interval=0.5, what="affinity off: connections spread again")


# --- 4. NodePort -----------------------------------------------------------------------------


def test_nodeport_from_other_node_and_fabric(px):
    s = px.service("np", {"px-pool": "web"}, type="NodePort")
    np = node_port(s)
    assert 30000 <= np <= 32767
    for where, node in (("node-2", "node-1"), ("node-1", "node-2"), ("fabric", "node-1"),
                        ("fabric", "node-2")):
        wait_names(px.sbx, where, NODE_IP[node], np, WEB)
        got = names(px.sbx, where, NODE_IP[node], np, n=12)
        assert set(got) <= WEB and len(distinct(got)) >= 2, "%s->%s: %s" % (where, node, got)
    # external traffic under externalTrafficPolicy Cluster is masqueraded
    for seen in names(px.sbx, "fabric", NODE_IP["node-1"], np, n=4, path="/clientip"):
        assert not seen.startswith(FABRIC_IP + ":"), seen
    # node ports are on the node's addresses, not on loopback
    r = curl(px.sbx, "node-1", "http://127.0.0.1:%d/hostname" % np, 2)
    assert r.returncode != 0, r.stdout


def test_nodeport_with_affinity(px):
    s = px.service("npaff", {"px-pool": "web"}, type="NodePort", sessionAffinity="ClientIP")
    np = node_port(s)
    for where, node in (("fabric", "node-1"), ("fabric", "node-2"), ("node-2", "node-1")):
        wait_names(px.sbx, where, NODE_IP[node], np, WEB)
        got = names(px.sbx, where, NODE_IP[node], np, n=20)
        assert len(distinct(got)) == 1 and got[0] in WEB, "%s->%s: %s" % (where, node, got)


# --- 5. type changes ---------------------------------------------------------------------------


def test_type_changes(px):
    sbx = px.sbx
    name = uniq("types")
    px.svcs.append(name)
    ports = [{"port": 80, "targetPort": HTTP}]
    ext = {"type": "ExternalName", "externalName": "example.invalid", "ports": ports}
    cip = {"type": "ClusterIP", "selector": {"px-pool": "web"}, "ports": ports}

    def apply(spec):
        sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                   "spec": spec})
        return sbx.kjson("get", "service", name)

    s = apply(ext)
    assert not s["spec"].get("clusterIP")
    barrier(px, "node-1")
    assert not mentions(rules("node-1"), name)

    s = apply(cip)
    ip = cluster_ip(s)
    for where in (C1, "node-2"):
        wait_names(sbx, where, ip, 80, WEB)

    s = apply(dict(cip, type="NodePort"))
    assert cluster_ip(s) == ip
    np = node_port(s)
    for node in NODE_IP:
        wait_names(sbx, "fabric", NODE_IP[node], np, WEB)
    wait_names(sbx, C1, ip, 80, WEB)

    s = apply(cip)
    assert cluster_ip(s) == ip and "nodePort" not in s["spec"]["ports"][0]
    for node in NODE_IP:
        wait_for(lambda: curl(sbx, "fabric", "http://%s:%d/hostname" % (NODE_IP[node], np),
                              2).returncode != 0,
                 timeout=30, interval=0.3, what="node port %d closed on %s" % (np, node))
    wait_names(sbx, C1, ip, 80, WEB)

    s = apply(ext)
    assert not s["spec"].get("clusterIP")
    wait_for(lambda: names(sbx, C1, ip, 80, timeout=2)[0].startswith("!"), timeout=30,
             interval=0.3, what="old cluster IP silent after ExternalName")
    for node in NODE_IP:
        wait_for(lambda: not mentions(rules(node), ip) and not mentions(rules(node), name),
                 timeout=30, interval=0.5, what="no rules of %s on %s" % (name, node))


# --- 6. the same port on TCP and UDP -------------------------------------------------------------


def test_tcp_and_udp_on_the_same_port(px):
    s = px.service("dual", {"px-pool": "web"}, ports=(
        {"name": "tcp", "port": 80, "targetPort": HTTP, "protocol": "TCP"},
        {"name": "udp", "port": 80, "targetPort": UDP, "protocol": "UDP"}))
    ip = cluster_ip(s)
    for where in (C1, "node-2"):
        wait_names(px.sbx, where, ip, 80, WEB)
        wait_udp_names(px.sbx, where, ip, 80, WEB)
        assert set(names(px.sbx, where, ip, 80, n=10)) <= WEB
        got = udp_names(px.sbx, where, ip, 80, n=10)
        assert set(got) <= WEB and len(distinct(got)) >= 2, got


# --- 7. no endpoints ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["node-1", C1])
def test_no_endpoints_refused_at_once(px, where):
    """A Service without endpoints refuses new connections at once (TCP: curl
    exit 7 in well under a second; UDP: ICMP port unreachable). Attempts are
    1.2 s apart, so the kernel's ICMP rate limit (1/s per destination after a
    burst) cannot be what makes one of them slow."""
    s = px.service("noeps", {"px-none": "nothing"}, ports=(
        {"name": "tcp", "port": 80, "targetPort": HTTP, "protocol": "TCP"},
        {"name": "udp", "port": 80, "targetPort": UDP, "protocol": "UDP"}))
    ip = cluster_ip(s)
    barrier(px, "node-1")  # node-1's proxy has the Service (and knows it has no endpoints)
    for _ in range(3):
        time.sleep(1.2)
        r = client(px.sbx, where, op="http", ip=ip, port=80, n=1, timeout=5)[0]
        assert not r["ok"] and r["err"] == "ECONNREFUSED" and r["t"] < 1.0, r
    time.sleep(1.2)
    r = curl(px.sbx, where, "http://%s:80/" % ip, 5, "-w", "%{time_total}")
    assert r.returncode == 7, (r.returncode, r.stderr)
    assert float(r.stdout.strip() or 0) < 1.0, r.stdout
    # UDP: ICMP port unreachable, which a connected socket reports; sent from
    # the node itself, the rejected datagram already fails the send (EPERM)
    time.sleep(1.2)
    ok = {"!ECONNREFUSED", "!EPERM"} if where.startswith("node-") else {"!ECONNREFUSED"}
    got = udp_names(px.sbx, where, ip, 80, connect=True)
    assert got[0] in ok, got


# --- 8. hairpin ---------------------------------------------------------------------------------


def test_hairpin(px):
    s = px.service("hairpin", {"px-name": "w1a"})
    ip = cluster_ip(s)
    wait_names(px.sbx, "pod:w1a", ip, 80, {"w1a"})
    assert names(px.sbx, "pod:w1a", ip, 80, n=5) == ["w1a"] * 5
    me = pod_ip(px.pool["w1a"])
    for seen in names(px.sbx, "pod:w1a", ip, 80, n=3, path="/clientip"):
        assert seen.rsplit(":", 1)[0] != me, "hairpin traffic must be masqueraded: " + seen


# --- 9. not-ready and terminating endpoints --------------------------------------------------------


def test_publish_not_ready_addresses(px):
    sbx = px.sbx
    grp, nr, rd = uniq("nrgrp"), uniq("nr"), uniq("rd")
    px.pod(netexec_pod(nr, node="node-2", labels={"px-grp": grp, "px-name": nr}, readiness={
        "httpGet": {"path": "/never-ready", "port": HTTP}, "periodSeconds": 1}))
    px.pod(netexec_pod(rd, node="node-1", labels={"px-grp": grp}, readiness=READY))
    sbx.wait_ready(rd, timeout=30)
    wait_for(lambda: "running" in ((sbx.pod(nr) or {}).get("status", {}).get(
        "containerStatuses") or [{"state": {}}])[0]["state"], timeout=30, what=nr + " running")
    a = px.service("nrno", {"px-name": nr})
    b = px.service("nryes", {"px-name": nr}, publishNotReadyAddresses=True)
    c = px.service("nrmix", {"px-grp": grp})
    # with publishNotReadyAddresses the slice calls it ready: it gets traffic
    wait_slice(sbx, b["metadata"]["name"], 1)
    wait_names(sbx, C1, cluster_ip(b), 80, {nr})
    # without it the only endpoint is not ready: no endpoint, refused
    eps = slice_endpoints(sbx, a["metadata"]["name"])
    assert eps and all(e["conditions"].get("ready") is False for e in eps), eps
    # (from the node: test_no_endpoints_refused_at_once covers Pods as clients)
    wait_for(lambda: connect_error(px, "node-1", cluster_ip(a), 80) == "ECONNREFUSED",
             timeout=30, interval=0.3, what="no ready endpoint: refused")
    # a ready and a not-ready one: only the ready one
    wait_names(sbx, C1, cluster_ip(c), 80, {rd})
    assert names(sbx, C1, cluster_ip(c), 80, n=20) == [rd] * 20


def test_terminating_endpoints_only_without_ready_ones(px):
    sbx = px.sbx
    grp, t1, t2 = uniq("tgrp"), uniq("tslow"), uniq("tfast")
    # t1 keeps serving (and passing readiness) for 60 s after SIGTERM
    px.pod(netexec_pod(t1, node="node-1", labels={"px-grp": grp}, readiness=READY, grace=60,
                       args=["--delay-shutdown", "60"]))
    px.pod(netexec_pod(t2, node="node-2", labels={"px-grp": grp}, readiness=READY))
    ip1 = pod_ip(sbx.wait_ready(t1, timeout=30))
    sbx.wait_ready(t2, timeout=30)
    s = px.service("term", {"px-grp": grp})
    name, ip = s["metadata"]["name"], cluster_ip(s)
    wait_slice(sbx, name, 2)
    wait_for(lambda: set(names(sbx, C1, ip, 80, n=10)) == {t1, t2}, timeout=30, interval=0.3,
             what="both endpoints used")
    sbx.kubectl("delete", "pod", t1, "--wait=false")

    def t1_terminating():
        for e in slice_endpoints(sbx, name):
            c = e.get("conditions", {})
            if ip1 in e.get("addresses", []) and c.get("serving") and c.get("terminating"):
                return True
        return False
    wait_for(t1_terminating, timeout=30, interval=0.2, what="t1 serving+terminating")
    # a ready endpoint exists: the terminating one gets nothing
    for where in (C1, "node-1"):
        wait_names(sbx, where, ip, 80, {t2}, n=10)
        assert names(sbx, where, ip, 80, n=20) == [t2] * 20
    # no ready endpoint left: the serving terminating one takes the traffic
    sbx.kubectl("delete", "pod", t2, "--wait=false")
    sbx.wait_gone(t2, timeout=30)
    for where in (C1, "node-2"):
        wait_names(sbx, where, ip, 80, {t1}, n=5)
        assert names(sbx, where, ip, 80, n=10) == [t1] * 10


# --- 10. externalTrafficPolicy Local ---------------------------------------------------------------


def test_external_traffic_policy_local(px):
    sbx = px.sbx
    s = px.service("etpl", {"px-name": "w1a"}, type="LoadBalancer",
                   loadBalancerClass="svcnet.test/none", externalTrafficPolicy="Local")
    name, np = s["metadata"]["name"], node_port(s)
    hc = s["spec"].get("healthCheckNodePort")
    assert hc and 30000 <= hc <= 32767, s["spec"]
    wait_slice(sbx, name, 1)
    # the node with the endpoint: traffic reaches it with the client's own
    # address (userspace: the node's, by construction; routing still Local)
    wait_names(sbx, "fabric", NODE_IP["node-1"], np, {"w1a"})
    for seen in names(sbx, "fabric", NODE_IP["node-1"], np, n=3, path="/clientip"):
        if px.mode == "userspace":
            assert seen.rsplit(":", 1)[0] != FABRIC_IP, seen
        else:
            assert seen.rsplit(":", 1)[0] == FABRIC_IP, seen
    # the node without one drops (a timeout, not a refusal)
    barrier(px, "node-2")
    wait_for(lambda: connect_error(px, "fabric", NODE_IP["node-2"], np, 2) == "timeout",
             timeout=30, interval=0.3, what="node-2 drops")
    for _ in range(2):
        assert connect_error(px, "fabric", NODE_IP["node-2"], np, 2) == "timeout"
    # inside the cluster the policy is Cluster: node-2's Pods reach it
    wait_names(sbx, C2, cluster_ip(s), 80, {"w1a"})

    def health(node):
        r = curl(sbx, "fabric", "http://%s:%d/healthz" % (NODE_IP[node], hc), 3,
                 "-w", "\n%{http_code}")
        body, _, code = r.stdout.rpartition("\n")
        return (int(code) if code.isdigit() else 0), body

    for node, want, local in (("node-1", 200, 1), ("node-2", 503, 0)):
        code, body = wait_for(lambda: (lambda cb: cb if cb[0] == want else None)(health(node)),
                              timeout=30, interval=0.3,
                              what="healthCheckNodePort on %s answers %d" % (node, want))
        doc = json.loads(body)
        assert doc["localEndpoints"] == local, doc
        assert doc["service"] == {"namespace": "default", "name": name}, doc


# --- 11. internalTrafficPolicy Local ------------------------------------------------------------------


def test_internal_traffic_policy_local(px):
    sbx = px.sbx
    only1 = px.service("itpl1", {"px-node": "node-1"}, internalTrafficPolicy="Local")
    wait_slice(sbx, only1["metadata"]["name"], 2)
    both = px.service("itpl", {"px-pool": "web"}, internalTrafficPolicy="Local")
    ip = cluster_ip(both)
    for where, node in ((C1, "node-1"), (C2, "node-2"), ("pod:c2b", "node-2")):
        wait_names(sbx, where, ip, 80, WEB_ON[node], n=4)
        got = names(sbx, where, ip, 80, n=20)
        assert set(got) == WEB_ON[node], "%s: %s" % (where, got)
    # only1's endpoints are all on node-1: node-2's proxy saw them before the
    # Service above (created later) answered there, so this is its rule
    ip1 = cluster_ip(only1)
    wait_names(sbx, C1, ip1, 80, WEB_ON["node-1"], n=4)
    for _ in range(3):
        assert connect_error(px, C2, ip1, 80, 2) == "timeout"


# --- 12. service-proxy-name --------------------------------------------------------------------------


def test_service_proxy_name_other_is_left_alone(px):
    sbx = px.sbx
    label = "service.kubernetes.io/service-proxy-name"
    s = px.service("other", {"px-pool": "web"}, labels={label: "other"})
    name, ip = s["metadata"]["name"], cluster_ip(s)
    wait_slice(sbx, name, 4)
    for node in NODE_IP:
        barrier(px, node)
        text = rules(node)
        assert not mentions(text, ip) and not mentions(text, name), text
    err = connect_error(px, C1, ip, 80, 2)
    assert err and err != "ECONNREFUSED", err
    r = curl(sbx, C1, "http://%s/hostname" % ip, 2)
    assert r.returncode != 0 and "refused" not in r.stderr.lower(), r.stderr
    # the label removed: ours again
    sbx.kubectl("label", "service", name, label + "-")
    wait_names(sbx, C1, ip, 80, WEB)


# --- 13. UDP conntrack after the endpoint is replaced ----------------------------------------------------


def test_udp_client_follows_replaced_endpoint(px):
    """One UDP flow (same socket, a datagram every 100 ms) to a ClusterIP; the
    server Pod is deleted and a new one with the same labels made. The stale
    conntrack entry must go: answers come from the new Pod within 2 s of its
    being Ready."""
    sbx = px.sbx
    grp, old, new = uniq("ugrp"), uniq("uold"), uniq("unew")
    px.pod(netexec_pod(old, node="node-2", labels={"px-grp": grp}, readiness=READY))
    sbx.wait_ready(old, timeout=30)
    s = px.service("udp", {"px-grp": grp}, ports=(
        {"name": "dns", "port": 1053, "targetPort": UDP, "protocol": "UDP"},))
    ip = cluster_ip(s)
    wait_udp_names(sbx, C1, ip, 1053, {old})
    tmp = tempfile.mkdtemp(prefix="svnpx-")
    stop = os.path.join(tmp, "stop")
    p = client_bg(sbx, C1, op="udploop", ip=ip, port=1053, msg="hostname", interval=0.1,
                  duration=120, stop=stop)
    try:
        time.sleep(2)
        t_del = time.time()
        sbx.kubectl("delete", "pod", old, "--wait=false")
        sbx.wait_gone(old, timeout=30)
        px.pod(netexec_pod(new, node="node-2", labels={"px-grp": grp}, readiness=READY))
        wait_for(lambda: sbx.condition(new, "Ready") == "True", timeout=30, interval=0.05,
                 what=new + " Ready")
        t_ready = time.time()
        time.sleep(5)
    finally:
        open(stop, "w").close()
        try:
            out = client_wait(p)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    replies = out["replies"]
    assert out["sent"] > 50, out
    assert [r for r in replies if r[0] < t_del and r[1] == old], "no answer before the delete"
    firsts = [r[0] for r in replies if r[1] == new]
    assert firsts, ("no answer from the new Pod in the 5 s after it was Ready "
                    "(stale conntrack entry?); answers: %s" % collections.Counter(
                        r[1] for r in replies))
    lag = firsts[0] - t_ready
    print("first answer from the new Pod %.2f s after it was seen Ready" % lag)
    assert lag < 2.0, "first answer from the new Pod %.2f s after it was Ready" % lag
    # and from then on it answers every datagram's flow
    assert len(firsts) >= 20, len(firsts)


# --- 14. uniform spread ----------------------------------------------------------------------------------


def test_spread_over_four_endpoints_is_uniform(px):
    s = px.service("spread", {"px-pool": "web"})
    ip = cluster_ip(s)
    wait_for(lambda: set(names(px.sbx, C1, ip, 80, n=40)) == WEB, timeout=30, interval=0.3,
             what="all four endpoints")
    got = names(px.sbx, C1, ip, 80, n=1000, timeout=5)
    counts = collections.Counter(got)
    assert set(counts) == WEB, counts
    exp = len(got) / 4.0
    chi2 = sum((c - exp) ** 2 / exp for c in counts.values())
    p = chi2_sf(chi2, 3)
    # p > 1e-5 (chi2 < 25.9): a fair proxy fails this once in 100,000 runs
    assert p > 1e-5, "counts %s: chi2 %.1f, p %.2g" % (dict(counts), chi2, p)


# --- 15. a flushed datapath comes back ---------------------------------------------------------------------


def test_flushed_rules_come_back(px):
    sbx = px.sbx
    s = px.service("flush", {"px-pool": "web"}, type="NodePort")
    ip, np = cluster_ip(s), node_port(s)
    wait_names(sbx, C1, ip, 80, WEB)
    wait_names(sbx, "fabric", NODE_IP["node-1"], np, WEB)
    before = metric(metrics(sbx, "node-1"), "svcnet_proxy_canary_restores_total") or 0
    ns = ["ip", "netns", "exec", "svcnet-node-1"]
    if px.mode == "nftables":
        sh(*ns, "nft", "delete", "table", "ip", "svcnet")
    elif px.mode == "userspace":
        sh(*ns, "nft", "delete", "table", "ip", "svcnet-userspace")
    else:
        for table in ("nat", "filter", "mangle"):
            sh(*ns, "iptables", "-t", table, "-F")
            sh(*ns, "iptables", "-t", table, "-X")
        assert "KUBE-" not in sh(*ns, "iptables-save").stdout
    t0 = time.monotonic()
    wait_for(lambda: (metric(metrics(sbx, "node-1"), "svcnet_proxy_canary_restores_total")
                      or 0) > before, timeout=30, interval=0.3, what="canary restore counted")
    wait_names(sbx, C1, ip, 80, WEB, timeout=30)
    wait_names(sbx, "fabric", NODE_IP["node-1"], np, WEB, timeout=30)
    print("rules back after %.1f s" % (time.monotonic() - t0))
    assert set(names(sbx, C1, ip, 80, n=10)) <= WEB


# --- 16. proxy restart under load --------------------------------------------------------------------------


def _metrics_or_none(sbx, node):
    try:
        return metrics(sbx, node)
    except AssertionError:
        return None


def test_proxy_restart_under_load_loses_nothing(px):
    not_applicable(px, "userspace",
                   "the proxy itself carries every connection: killed with -9 it loses its "
                   "relays and its listeners, and the REDIRECT rules point at ports nobody "
                   "listens on until the new process's first sync (kube-proxy's userspace "
                   "mode behaved the same)")
    sbx = px.sbx
    s = px.service("load", {"px-pool": "web"})
    ip = cluster_ip(s)
    wait_names(sbx, C1, ip, 80, WEB)
    tmp = tempfile.mkdtemp(prefix="svnpx-")
    stop = os.path.join(tmp, "stop")
    p = client_bg(sbx, C1, op="httploop", ip=ip, port=80, interval=0.1, duration=120,
                  timeout=5, stop=stop)
    try:
        time.sleep(3)
        sbx.restart_agent("node-1")  # kill -9, then the same command line again

        def synced():
            m = _metrics_or_none(sbx, "node-1")
            return m and (metric(m, "svcnet_proxy_syncs_total", 'kind="full"') or 0) >= 1
        wait_for(synced, timeout=30, interval=0.3, what="the new proxy's first full sync")
        time.sleep(3)
    finally:
        open(stop, "w").close()
        try:
            res = client_wait(p)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    bad = [r for r in res if not (r["ok"] and r.get("status") == 200 and
                                  r["body"].strip() in WEB)]
    assert len(res) >= 50, len(res)
    assert not bad, "%d of %d requests failed: %s" % (len(bad), len(res), bad[:5])


# --- 17. external IPs and load balancer IPs -------------------------------------------------------------------


def test_external_ips_and_load_balancer_ips(px):
    sbx = px.sbx
    ext, lb = "198.18.50.10", "198.18.50.20"
    a = px.service("extip", {"px-pool": "web"}, externalIPs=[ext])
    b = px.service("lbip", {"px-pool": "web"}, type="LoadBalancer",
                   loadBalancerClass="svcnet.test/none")
    sbx.kubectl("patch", "service", b["metadata"]["name"], "--subresource=status",
                "--type=merge", "-p",
                json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": lb}]}}}))
    for node in NODE_IP:
        px.route(ext, node)
        px.route(lb, node)
        for ip in (ext, lb):
            wait_names(sbx, "fabric", ip, 80, WEB)
            got = names(sbx, "fabric", ip, 80, n=10)
            assert set(got) <= WEB and len(distinct(got)) >= 2, "%s %s: %s" % (node, ip, got)
    # Pods reach them too (the proxy catches them before routing)
    wait_names(sbx, C2, ext, 80, WEB)
    wait_names(sbx, C1, lb, 80, WEB)
    assert cluster_ip(a) and cluster_ip(b)


# --- 18. metrics, healthz, and --cleanup -------------------------------------------------------------------------


def test_metrics_and_healthz(px):
    sbx = px.sbx
    s = px.service("metrics", {"px-pool": "web"})
    wait_names(sbx, C1, cluster_ip(s), 80, WEB)
    wait_names(sbx, C2, cluster_ip(s), 80, WEB)
    for node in NODE_IP:
        m = metrics(sbx, node)
        for h in ("kubeproxy_sync_proxy_rules_duration_seconds",
                  "kubeproxy_sync_full_proxy_rules_duration_seconds",
                  "kubeproxy_network_programming_duration_seconds"):
            assert "# TYPE %s histogram" % h in m, h
            assert re.search(r'^%s_bucket\{le="\+Inf"\} ' % h, m, re.M), h
        assert metric(m, "kubeproxy_sync_proxy_rules_duration_seconds_count") >= 1
        assert metric(m, "svcnet_proxy_rules") > 0
        assert metric(m, "svcnet_proxy_chains") > 0
        if px.mode == "nftables":
            assert metric(m, "svcnet_proxy_elements") > 0
        assert metric(m, "svcnet_proxy_service_ports") >= 2  # kubernetes + ours
        assert metric(m, "svcnet_proxy_endpoints") >= 4
        for where, url in ((node, "http://127.0.0.1:10256/healthz"),
                           ("fabric", "http://%s:10256/healthz" % NODE_IP[node])):
            r = curl(sbx, where, url, 3, "-w", "\n%{http_code}")
            body, _, code = r.stdout.rpartition("\n")
            assert code == "200", (where, r.stdout, r.stderr)
            assert "lastUpdated" in json.loads(body)
        # /metrics is for the node itself only
        r = curl(sbx, "fabric", "http://%s:10249/metrics" % NODE_IP[node], 2)
        assert r.returncode != 0


def test_cleanup_removes_every_rule(px):
    """Last: stops node-2's agent (its rules stay), `svcnet proxy --cleanup`
    there, checks nothing of any mode is left, and starts the agent again."""
    sbx = px.sbx
    s = px.service("cleanup", {"px-pool": "web"})
    ip = cluster_ip(s)
    wait_names(sbx, C2, ip, 80, WEB)
    assert mentions(rules("node-2"), ip)
    argv = stop_agent(sbx, "node-2")
    try:
        r = run(sbx, "node-2", BIN, "proxy", "--cleanup", timeout=60)
        assert r.returncode == 0, r.stderr
        text = rules("node-2")
        assert not re.search(r"^table (ip|ip6|inet) svcnet(-userspace)? \{", text, re.M), text
        assert "KUBE-" not in text, text
        assert not mentions(text, ip), text
        six = sh("ip", "netns", "exec", "svcnet-node-2", "ip6tables-save", check=False).stdout
        assert "KUBE-" not in six, six
        # the agent's own tables (pod masquerade, host ports) are not the proxy's
        assert re.search(r"^table ip svcnet-agent \{", text, re.M), text
        r = run(sbx, "node-2", BIN, "proxy", "--cleanup", timeout=60)
        assert r.returncode == 0, "a second cleanup: " + r.stderr
    finally:
        start_agent(sbx, "node-2", argv)
    wait_names(sbx, C2, ip, 80, WEB, timeout=30)
    assert mentions(rules("node-2"), ip)
