"""The EndpointSlice controller (and the Endpoints mirror) as kubectl sees it:
Pods that match a Service, their status set through the status subresource."""
import json
import re

import pytest

from svcnet_util import svc, uniq, wait_for

SVC_LABEL = "kubernetes.io/service-name"


def pod(server, name, labels, node="node-a", ports=(("web", 8080),), ns="default", **spec):
    o = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": name, "labels": labels},
         "spec": dict({"containers": [{
             "name": "c", "image": "busybox",
             "ports": [{"name": n, "containerPort": p} for n, p in ports]}]}, **spec)}
    if node:
        o["spec"]["nodeName"] = node
    server.kcreate(o, "-n", ns)


def set_status(server, name, ip=None, ready=True, phase="Running", ns="default"):
    st = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        st["podIP"] = ip
        st["podIPs"] = [{"ip": ip}]
    server.kubectl("patch", "pod", name, "-n", ns, "--subresource=status", "--type=merge",
                   "-p", json.dumps({"status": st}))


def slices(server, svc_name, ns="default"):
    return server.kjson("get", "endpointslices", "-n", ns,
                        "-l", SVC_LABEL + "=" + svc_name)["items"]


def eps_by_ip(server, svc_name, ns="default"):
    """{ip: (conditions, {portname: port}, endpoint)} over all the service's slices."""
    out = {}
    for s in slices(server, svc_name, ns):
        ports = {p.get("name", ""): p["port"] for p in s.get("ports") or []}
        for e in s.get("endpoints") or []:
            for a in e["addresses"]:
                out[a] = (e["conditions"], ports, e)
    return out


def wait_eps(server, svc_name, pred, what, ns="default", timeout=5):
    return wait_for(lambda: (lambda m: m if pred(m) else None)(eps_by_ip(server, svc_name, ns)),
                    timeout=timeout, what=what)


def cond(ready, serving, terminating):
    return {"ready": ready, "serving": serving, "terminating": terminating}


def test_slice_for_ready_and_unready_pods(server):
    app = uniq("app")
    name = uniq("eps")
    server.kcreate(svc(name, ({"name": "http", "port": 80, "targetPort": "web"},
                              {"name": "raw", "port": 81, "targetPort": 9000}),
                       selector={"app": app}))
    p1, p2, p3 = uniq("p"), uniq("p"), uniq("p")
    for p in (p1, p2, p3):
        pod(server, p, {"app": app})
    set_status(server, p1, "10.42.0.5", ready=True)
    set_status(server, p2, "10.42.0.6", ready=False)
    # p3 has no IP yet: it has no endpoint.
    m = wait_eps(server, name, lambda m: len(m) == 2, "two endpoints")
    assert set(m) == {"10.42.0.5", "10.42.0.6"}
    c5, ports5, e5 = m["10.42.0.5"]
    assert c5 == cond(True, True, False)
    assert m["10.42.0.6"][0] == cond(False, False, False)
    # The named targetPort resolves through the Pod's containerPort name.
    assert ports5 == {"http": 8080, "raw": 9000}
    assert e5["targetRef"]["kind"] == "Pod" and e5["targetRef"]["name"] == p1
    assert e5["targetRef"]["namespace"] == "default"
    assert e5["nodeName"] == "node-a"

    (s,) = slices(server, name)
    assert s["addressType"] == "IPv4"
    assert s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslice-controller.k8s.io"
    assert s["metadata"]["name"].startswith(name + "-")
    owner = s["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner.get("controller")) == ("Service", name, True)
    assert owner["uid"] == server.kjson("get", "svc", name)["metadata"]["uid"]
    assert {p["name"]: p["protocol"] for p in s["ports"]} == {"http": "TCP", "raw": "TCP"}

    # kubectl's own views of the same thing.
    out = server.kubectl("get", "endpointslices", "-l", SVC_LABEL + "=" + name).stdout
    row = out.splitlines()[1].split()
    assert row[1] == "IPv4" and set(row[2].split(",")) == {"8080", "9000"}
    assert set(row[3].split(",")) == {"10.42.0.5", "10.42.0.6"}

    # Endpoints: ready addresses and notReadyAddresses.
    ep = wait_for(lambda: server.get("Endpoints", name), what="endpoints object")
    (sub,) = ep["subsets"]
    assert [a["ip"] for a in sub["addresses"]] == ["10.42.0.5"]
    assert sub["addresses"][0]["targetRef"]["name"] == p1
    assert [a["ip"] for a in sub["notReadyAddresses"]] == ["10.42.0.6"]
    assert sorted((p["name"], p["port"]) for p in sub["ports"]) == [("http", 8080), ("raw", 9000)]
    out = server.kubectl("get", "endpoints", name).stdout.splitlines()
    assert out[0].split()[:2] == ["NAME", "ENDPOINTS"]
    assert out[1].split()[0] == name
    assert set(out[1].split()[1].split(",")) == {"10.42.0.5:8080", "10.42.0.5:9000"}

    # p3 gets its IP and becomes ready; p2 becomes ready.
    set_status(server, p3, "10.42.0.7", ready=True)
    set_status(server, p2, "10.42.0.6", ready=True)
    wait_eps(server, name, lambda m: len(m) == 3 and all(
        v[0] == cond(True, True, False) for v in m.values()), "three ready endpoints")

    # A pod that stops matching the selector leaves.
    server.kubectl("label", "pod", p3, "app=other", "--overwrite")
    wait_eps(server, name, lambda m: set(m) == {"10.42.0.5", "10.42.0.6"}, "p3 removed")
    # Finished pods are not endpoints.
    set_status(server, p2, "10.42.0.6", ready=False, phase="Succeeded")
    wait_eps(server, name, lambda m: set(m) == {"10.42.0.5"}, "p2 removed")


def test_named_port_differs_per_pod(server):
    app, name = uniq("app"), uniq("named")
    server.kcreate(svc(name, ({"name": "http", "port": 80, "targetPort": "web"},),
                       selector={"app": app}))
    a, b, c = uniq("p"), uniq("p"), uniq("p")
    pod(server, a, {"app": app}, ports=(("web", 8080),))
    pod(server, b, {"app": app}, ports=(("other", 7000), ("web", 8081)))
    pod(server, c, {"app": app}, ports=(("nomatch", 8082),))
    set_status(server, a, "10.42.1.1")
    set_status(server, b, "10.42.1.2")
    set_status(server, c, "10.42.1.3")
    # Endpoints with different resolved ports live in different slices; a pod
    # without the named port is an endpoint without that port (as the
    # upstream controller does), and is not in Endpoints.
    m = wait_eps(server, name, lambda m: len(m) == 3, "a, b and c")
    assert m["10.42.1.1"][1] == {"http": 8080}
    assert m["10.42.1.2"][1] == {"http": 8081}
    assert m["10.42.1.3"][1] == {}
    assert len(slices(server, name)) == 3
    ep = server.get("Endpoints", name)
    got = sorted((s["addresses"][0]["ip"], s["ports"][0]["port"]) for s in ep["subsets"])
    assert got == [("10.42.1.1", 8080), ("10.42.1.2", 8081)]


def test_publish_not_ready_addresses(server):
    app, name = uniq("app"), uniq("pnra")
    server.kcreate(svc(name, ((80, 8080),), selector={"app": app},
                       publishNotReadyAddresses=True, clusterIP="None"))
    p = uniq("p")
    pod(server, p, {"app": app})
    set_status(server, p, "10.42.2.1", ready=False)
    m = wait_eps(server, name, lambda m: "10.42.2.1" in m, "unready pod published")
    # ready is forced true; serving tells the truth.
    assert m["10.42.2.1"][0] == cond(True, False, False)
    ep = server.get("Endpoints", name)
    assert [a["ip"] for a in ep["subsets"][0]["addresses"]] == ["10.42.2.1"]
    assert not ep["subsets"][0].get("notReadyAddresses")
    # A headless service gets the service.kubernetes.io/headless label on Endpoints.
    assert ep["metadata"]["labels"].get("service.kubernetes.io/headless") == ""


def test_terminating_endpoint(server):
    app, name = uniq("app"), uniq("term")
    server.kcreate(svc(name, ((80, 8080),), selector={"app": app}))
    p, q = uniq("p"), uniq("p")
    pod(server, p, {"app": app})
    pod(server, q, {"app": app})
    set_status(server, p, "10.42.3.1")
    set_status(server, q, "10.42.3.2")
    wait_eps(server, name, lambda m: len(m) == 2, "two endpoints")
    # Graceful deletion of a pod on a node: it stays, terminating.
    server.kubectl("delete", "pod", p, "--wait=false")
    m = wait_eps(server, name, lambda m: m.get("10.42.3.1", [None])[0] == cond(False, True, True),
                 "terminating endpoint")
    assert m["10.42.3.2"][0] == cond(True, True, False)
    # The Endpoints object drops terminating pods.
    wait_for(lambda: [a["ip"] for s in server.get("Endpoints", name)["subsets"]
                      for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]
             == ["10.42.3.2"], what="endpoints without the terminating pod")
    server.kubectl("delete", "pod", p, "--grace-period=0", "--force")
    wait_eps(server, name, lambda m: set(m) == {"10.42.3.2"}, "terminating endpoint gone")


def test_slices_go_away_with_service(server):
    app, name = uniq("app"), uniq("gone")
    server.kcreate(svc(name, ((80, 8080),), selector={"app": app}))
    p = uniq("p")
    pod(server, p, {"app": app})
    set_status(server, p, "10.42.4.1")
    wait_eps(server, name, lambda m: "10.42.4.1" in m, "endpoint")
    assert server.get("Endpoints", name)
    server.kubectl("delete", "svc", name)
    wait_for(lambda: not slices(server, name), what="slices deleted")
    wait_for(lambda: server.get("Endpoints", name) is None, what="endpoints deleted")
    out = server.kubectl("get", "endpoints", name, check=False)
    assert 'endpoints "%s" not found' % name in out.stderr


def test_every_slice_has_generate_name(server):
    app, name = uniq("app"), uniq("gen")
    server.kcreate(svc(name, ((80, "web"),), selector={"app": app}))
    wait_for(lambda: slices(server, name), what="first slice")
    for i, port in enumerate((8080, 8081)):
        p = uniq("p")
        pod(server, p, {"app": app}, ports=(("web", port),))
        set_status(server, p, "10.42.5.%d" % (i + 1))
    wait_for(lambda: len(slices(server, name)) == 2, what="two slices")
    for s in slices(server, name):
        assert s["metadata"].get("generateName") == name + "-", s["metadata"]


def test_service_without_pods_has_empty_slice(server):
    name = uniq("empty")
    server.kcreate(svc(name, ({"name": "http", "port": 80, "targetPort": 8080},),
                       selector={"app": uniq("nobody")}))
    s = wait_for(lambda: slices(server, name), what="empty slice")
    assert len(s) == 1
    assert not s[0].get("endpoints")
    out = server.kubectl("get", "endpoints", name).stdout.splitlines()[1]
    assert re.match(r"%s\s+<none>\s" % name, out), out
    # A service without a selector gets no managed slices at all.
    bare = uniq("bare")
    server.kcreate(svc(bare, ((80, 8080),)))
    # A later service's slice showing up means the controller has seen "bare".
    later = uniq("later")
    server.kcreate(svc(later, ((80, 8080),), selector={"app": later}))
    wait_for(lambda: slices(server, later), what="slice of a later service")
    assert slices(server, bare) == []
    assert server.get("Endpoints", bare) is None
