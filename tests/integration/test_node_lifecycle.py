"""Node lifecycle: a node whose agent stops posting status turns Ready=Unknown
after --node-monitor-grace-period, and the scheduler stops choosing it."""
import datetime
import time

import pytest

from svcnet_util import Server, wait_for


@pytest.fixture(scope="module")
def srv():
    s = Server(extra_args=["--node-monitor-grace-period", "2"]).start()
    yield s
    s.cleanup()


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def heartbeat(srv, name):
    st, _ = srv.request("PATCH", "/api/v1/nodes/%s/status" % name, body={
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                   "lastHeartbeatTime": now(),
                                   "lastTransitionTime": now()}]}},
        headers={"Content-Type": "application/merge-patch+json"})
    assert st == 200


def ready(srv, name):
    st, n = srv.request("GET", "/api/v1/nodes/" + name)
    assert st == 200
    return [c for c in n["status"]["conditions"] if c["type"] == "Ready"][0]


def test_silent_node_turns_unknown_and_is_not_scheduled(srv):
    for name in ("alive", "silent"):
        st, _ = srv.request("POST", "/api/v1/nodes", body={
            "apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
        assert st == 201
        heartbeat(srv, name)
    # "alive" keeps posting status; "silent" stops.
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4.5:
        heartbeat(srv, "alive")
        time.sleep(0.5)
    c = wait_for(lambda: ready(srv, "silent")["status"] == "Unknown" and ready(srv, "silent"),
                 timeout=5, what="silent node Unknown")
    assert c["reason"] == "NodeStatusUnknown"
    assert ready(srv, "alive")["status"] == "True"
    st, out = srv.request("GET", "/api/v1/nodes", headers={
        "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    rows = {r["cells"][0]: r["cells"][1] for r in out["rows"]}
    assert rows["silent"] == "NotReady" and rows["alive"] == "Ready"  # as kubectl prints Unknown
    # New pods go to the node that is alive, never to the silent one.
    for i in range(3):
        heartbeat(srv, "alive")
        st, _ = srv.request("POST", "/api/v1/namespaces/default/pods", body={
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p%d" % i},
            "spec": {"containers": [{"name": "c", "image": "x"}]}})
        assert st == 201
    for i in range(3):
        node = wait_for(lambda: srv.request(
            "GET", "/api/v1/namespaces/default/pods/p%d" % i)[1]["spec"].get("nodeName"),
            what="pod bound")
        assert node == "alive"
    # A heartbeat brings the silent node back.
    heartbeat(srv, "silent")
    assert ready(srv, "silent")["status"] == "True"
