"""Regression tests for bugs found in review of the control plane."""
import json
import socket
import time

import pytest

from svcnet_util import Server, wait_for


@pytest.fixture(scope="module")
def srv():
    s = Server(extra_args=["--lb-pool", "198.18.101.0/30",
                           "--node-port-range", "30000-30199"]).start()
    yield s
    s.cleanup()


def svc(name, **spec):
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def mk_ns(srv, name):
    st, _ = srv.request("POST", "/api/v1/namespaces", body={
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    assert st == 201


def merge(srv, path, patch):
    return srv.request("PATCH", path, body=json.dumps(patch),
                       headers={"Content-Type": "application/merge-patch+json"})


def test_updating_a_terminating_namespace_keeps_it(srv):
    mk_ns(srv, "term1")
    st, _ = srv.request("POST", "/api/v1/namespaces/term1/pods", body={
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "held", "finalizers": ["example.com/hold"]},
        "spec": {"containers": [{"name": "c", "image": "x"}]}})
    assert st == 201
    st, _ = srv.request("DELETE", "/api/v1/namespaces/term1")
    assert st == 200
    st, _ = merge(srv, "/api/v1/namespaces/term1", {"metadata": {"labels": {"x": "y"}}})
    assert st == 200
    st, ns = srv.request("GET", "/api/v1/namespaces/term1")
    assert st == 200 and ns["status"]["phase"] == "Terminating"
    # Releasing the pod's finalizer lets the namespace finish.
    st, _ = merge(srv, "/api/v1/namespaces/term1/pods/held", {"metadata": {"finalizers": None}})
    assert st == 200
    wait_for(lambda: srv.request("GET", "/api/v1/namespaces/term1")[0] == 404,
             timeout=10, what="namespace gone")
    assert srv.request("GET", "/api/v1/namespaces/term1/pods/held")[0] == 404


def test_pod_goes_when_its_last_finalizer_goes(srv):
    st, _ = srv.request("POST", "/api/v1/namespaces/default/pods", body={
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "fin1", "finalizers": ["example.com/hold"]},
        "spec": {"containers": [{"name": "c", "image": "x"}]}})
    assert st == 201
    assert srv.request("DELETE", "/api/v1/namespaces/default/pods/fin1")[0] == 200
    assert srv.request("GET", "/api/v1/namespaces/default/pods/fin1")[0] == 200
    st, _ = merge(srv, "/api/v1/namespaces/default/pods/fin1", {"metadata": {"finalizers": None}})
    assert st == 200
    wait_for(lambda: srv.request("GET", "/api/v1/namespaces/default/pods/fin1")[0] == 404,
             what="pod gone")


def test_status_write_cannot_take_an_lb_ip(srv):
    for n in ("lba", "lbb"):
        assert srv.request("POST", "/api/v1/namespaces/default/services",
                           body=svc(n, type="LoadBalancer"))[0] == 201

    def ip(n):
        ing = srv.request("GET", "/api/v1/namespaces/default/services/" + n)[1][
            "status"]["loadBalancer"].get("ingress", [])
        return ing[0]["ip"] if ing else None
    a = wait_for(lambda: ip("lba"), what="lba ip")
    b = wait_for(lambda: ip("lbb"), what="lbb ip")
    st, _ = merge(srv, "/api/v1/namespaces/default/services/lbb/status",
                  {"status": {"loadBalancer": {"ingress": [{"ip": a}]}}})
    assert st == 200
    assert ip("lbb") == b  # the allocator's answer stands
    assert srv.request("DELETE", "/api/v1/namespaces/default/services/lbb")[0] == 200
    assert srv.request("POST", "/api/v1/namespaces/default/services",
                       body=svc("lbc", type="LoadBalancer"))[0] == 201
    assert wait_for(lambda: ip("lbc"), what="lbc ip") != a


def test_dry_run_has_no_side_effects(srv):
    # The /30 pool has two addresses and the test above holds them: a real
    # create would pend and record an Event; a dry run must do neither.
    st, _ = srv.request("POST", "/api/v1/namespaces/default/services?dryRun=All",
                        body=svc("dry1", type="LoadBalancer"))
    assert st == 201
    time.sleep(0.3)
    st, evs = srv.request("GET", "/api/v1/namespaces/default/events")
    assert not [e for e in evs["items"] if e["involvedObject"]["name"] == "dry1"]
    assert srv.request("GET", "/api/v1/namespaces/default/services/dry1")[0] == 404


def test_many_ports_released_on_delete(srv):
    # 200 node ports in the range: a 150-port service must fit again after a
    # delete, which fails if the delete gave back only some of its ports.
    ports = [{"name": "p%d" % i, "port": 1000 + i} for i in range(150)]
    for _ in range(3):
        st, o = srv.request("POST", "/api/v1/namespaces/default/services",
                            body=svc("many", type="NodePort", ports=ports))
        assert st == 201, o
        assert len({p["nodePort"] for p in o["spec"]["ports"]}) == 150
        assert srv.request("DELETE", "/api/v1/namespaces/default/services/many")[0] == 200
    st, o = srv.request("POST", "/api/v1/namespaces/default/services",
                        body=svc("toomany", ports=[{"name": "p%d" % i, "port": 1000 + i}
                                                   for i in range(300)]))
    assert st == 422


def test_request_then_half_close_is_answered(srv):
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s = srv.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
    # A TCP FIN right after the request (no close_notify), then only reads.
    socket.socket.shutdown(s, socket.SHUT_WR)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:100]
    assert srv.proc.poll() is None


def test_finalizer_held_pod_survives_restart(tmp_path):
    s = Server().start()
    try:
        st, _ = s.request("POST", "/api/v1/namespaces/default/pods", body={
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "keep", "finalizers": ["example.com/hold"]},
            "spec": {"nodeName": "n1", "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "c", "image": "x"}]}})
        assert st == 201
        assert s.request("DELETE", "/api/v1/namespaces/default/pods/keep")[0] == 200
        s.stop()
        time.sleep(1.5)  # the grace period passes while the server is down
        s.start()
        time.sleep(2.5)  # two sweeps
        st, p = s.request("GET", "/api/v1/namespaces/default/pods/keep")
        assert st == 200 and p["metadata"]["deletionTimestamp"]
    finally:
        s.cleanup()
