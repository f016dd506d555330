"""Pod lifecycle in the control plane: graceful deletion, the minimal
scheduler, finalizers and namespace deletion."""
import json
import time

import pytest

from svcnet_util import path_for, svc, uniq, wait_for


def pod_obj(name, node=None, grace=None, labels=None):
    o = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
         "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    if node:
        o["spec"]["nodeName"] = node
    if grace is not None:
        o["spec"]["terminationGracePeriodSeconds"] = grace
    if labels:
        o["metadata"]["labels"] = labels
    return o


def delete(server, kind, name, ns="default", **opts):
    body = dict({"kind": "DeleteOptions", "apiVersion": "v1"}, **opts) if opts else None
    return server.request("DELETE", path_for(kind, ns, name), body)


def ready_node(server, name, ready=True):
    server.kcreate({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    if ready is not None:
        server.kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p",
                       json.dumps({"status": {"conditions": [
                           {"type": "Ready", "status": "True" if ready else "False"}]}}))


def test_graceful_deletion(server):
    name = uniq("gd")
    server.create(pod_obj(name, node="node-x"))
    st, body = delete(server, "Pod", name)
    assert st == 200, body
    assert body["metadata"]["deletionTimestamp"]
    assert body["metadata"]["deletionGracePeriodSeconds"] == 30
    p = server.get("Pod", name)
    assert p is not None and p["metadata"]["deletionTimestamp"]
    row = server.kubectl("get", "pod", name, "--no-headers").stdout.split()
    assert row[2] == "Terminating"
    # A second delete may shorten the grace period, never lengthen it.
    st, body = delete(server, "Pod", name, gracePeriodSeconds=10)
    assert st == 200 and body["metadata"]["deletionGracePeriodSeconds"] == 10
    st, body = delete(server, "Pod", name, gracePeriodSeconds=20)
    assert server.get("Pod", name)["metadata"]["deletionGracePeriodSeconds"] == 10
    # Zero removes it now.
    st, body = delete(server, "Pod", name, gracePeriodSeconds=0)
    assert st == 200
    assert server.get("Pod", name) is None


def test_grace_period_expires(server):
    name = uniq("short")
    server.create(pod_obj(name, node="node-x", grace=2))
    t0 = time.monotonic()
    st, body = delete(server, "Pod", name)
    assert st == 200 and body["metadata"]["deletionGracePeriodSeconds"] == 2
    assert server.get("Pod", name) is not None
    wait_for(lambda: server.get("Pod", name) is None, timeout=10, interval=0.2,
             what="pod gone after its grace period")
    assert time.monotonic() - t0 >= 1.5


def test_unscheduled_pod_deleted_at_once(server):
    name = uniq("unsched")
    server.create(pod_obj(name))
    st, body = delete(server, "Pod", name)
    assert st == 200
    assert server.get("Pod", name) is None
    # kubectl delete --force --grace-period=0 on a node-bound pod, as users do.
    name = uniq("force")
    server.create(pod_obj(name, node="node-x"))
    p = server.kubectl("delete", "pod", name, "--force", "--grace-period=0")
    assert 'pod "%s" force deleted' % name in p.stdout
    assert server.get("Pod", name) is None


def test_scheduler(make_server):
    s = make_server()
    # No ready node: the pod waits.
    s.create(pod_obj("early"))
    ready_node(s, "down", ready=False)
    ready_node(s, "bare", ready=None)
    time.sleep(0.5)
    assert not s.get("Pod", "early")["spec"].get("nodeName")
    ready_node(s, "n1")
    assert wait_for(lambda: s.get("Pod", "early")["spec"].get("nodeName"),
                    what="early pod bound") == "n1"
    ready_node(s, "n2")
    # n1 holds two pods, n2 none: the next goes to n2, the one after too
    # (n2 has 1, n1 has 2), then they are even.
    s.create(pod_obj("fixed", node="n1"))
    got = []
    for i in range(3):
        n = "p%d" % i
        s.create(pod_obj(n))
        got.append(wait_for(lambda: s.get("Pod", n)["spec"].get("nodeName"), what="bound " + n))
    assert got[:2] == ["n2", "n2"]
    assert got[2] in ("n1", "n2")
    for n in ("early", "fixed", "p0", "p1", "p2"):
        assert s.get("Pod", n)["spec"]["nodeName"] in ("n1", "n2")
    wide = s.kubectl("get", "pods", "-o", "wide", "--no-headers").stdout
    assert "down" not in wide and "bare" not in wide


def test_finalizers(server):
    name = uniq("fin")
    o = svc(name)
    o["metadata"]["finalizers"] = ["example.com/hold"]
    server.create(o)
    st, body = delete(server, "Service", name)
    assert st == 200, body
    s = server.get("Service", name)
    assert s["metadata"]["deletionTimestamp"]
    assert s["metadata"]["finalizers"] == ["example.com/hold"]
    assert server.kubectl("get", "svc", name, "-o", "name").stdout.strip() == "service/" + name
    # Other updates still work while it is held.
    server.kubectl("label", "svc", name, "held=yes")
    # Deleting again changes nothing.
    st, body = delete(server, "Service", name)
    assert st == 200 and server.get("Service", name)["metadata"]["deletionTimestamp"] == \
        s["metadata"]["deletionTimestamp"]
    server.kubectl("patch", "svc", name, "--type", "merge",
                   "-p", '{"metadata":{"finalizers":null}}')
    wait_for(lambda: server.get("Service", name) is None, what="service gone")


def test_no_new_finalizers_while_deleting(server):
    name = uniq("fin")
    o = svc(name)
    o["metadata"]["finalizers"] = ["example.com/a"]
    server.create(o)
    delete(server, "Service", name)
    p = server.kubectl("patch", "svc", name, "--type", "merge",
                       "-p", '{"metadata":{"finalizers":["example.com/a","example.com/b"]}}',
                       check=False)
    assert p.returncode != 0
    assert "no new finalizers can be added if the object is being deleted" in p.stderr
    server.kubectl("patch", "svc", name, "--type", "json",
                   "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
    wait_for(lambda: server.get("Service", name) is None, what="service gone")


def test_namespace_deletion(server):
    ns = uniq("nsdel")
    server.kcreate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    server.create(svc("web", selector={"app": "web"}), ns)
    server.create(pod_obj("p", node="node-x", grace=1, labels={"app": "web"}), ns)
    server.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                   "data": {"k": "dg=="}}, ns)
    wait_for(lambda: server.kjson("get", "endpointslices", "-n", ns)["items"], what="slice")
    other = uniq("keep")
    server.create(svc(other))

    p = server.kubectl("delete", "ns", ns)
    assert 'namespace "%s" deleted' % ns in p.stdout
    wait_for(lambda: server.get("Namespace", ns) is None, timeout=10, what="namespace gone")
    for kind, name in (("Service", "web"), ("Pod", "p"), ("Secret", "s")):
        assert server.get(kind, name, ns) is None, (kind, name)
    assert not server.kjson("get", "endpointslices", "-n", ns)["items"]
    assert not server.kjson("get", "endpoints", "-n", ns)["items"]
    out = server.kubectl("get", "svc", "-n", ns, check=False)
    assert "No resources found" in out.stderr
    assert server.get("Service", other) is not None
    # The name can be used again, empty.
    server.kcreate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    assert server.kjson("get", "svc", "-n", ns)["items"] == []


def test_namespace_deletion_honours_finalizers(server):
    ns = uniq("nsfin")
    server.kcreate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    server.create(svc("web"), ns)
    o = svc("held")
    o["metadata"]["finalizers"] = ["example.com/hold"]
    server.create(o, ns)
    server.kubectl("delete", "ns", ns, "--wait=false")
    n = server.get("Namespace", ns)
    assert n is not None, "namespace removed at once although an object has a finalizer"
    assert n["status"]["phase"] == "Terminating" and n["metadata"]["deletionTimestamp"]
    # Nothing new may be created in it.
    st, body = server.request("POST", path_for("Service", ns), svc("late"))
    assert st == 403 and body["reason"] == "Forbidden"
    assert "because it is being terminated" in body["message"]
    wait_for(lambda: server.get("Service", "web", ns) is None, what="service deleted")
    assert server.get("Service", "held", ns)["metadata"]["deletionTimestamp"]
    assert server.get("Namespace", ns) is not None
    server.kubectl("patch", "svc", "held", "-n", ns, "--type", "merge",
                   "-p", '{"metadata":{"finalizers":null}}')
    wait_for(lambda: server.get("Namespace", ns) is None, timeout=10, what="namespace gone")


def test_protected_namespaces(server):
    for ns in ("default", "kube-system", "kube-public"):
        p = server.kubectl("delete", "ns", ns, check=False)
        assert p.returncode != 0
        assert 'Error from server (Forbidden): namespaces "%s" is forbidden: this namespace ' \
               'may not be deleted' % ns in p.stderr
        assert server.get("Namespace", ns)["status"]["phase"] == "Active"
