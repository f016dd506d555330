"""The node agent in a two-node sandbox: Pod networking with real traffic,
hostnames, probes, graceful deletion, agent restarts, and bad input."""
import json
import os
import signal
import subprocess
import time

import pytest

from sandbox_util import Sandbox, netexec_pod, pod_ip, wait_until

HTTP = 8080
UDP = 8081


@pytest.fixture(scope="module")
def sbx():
    s = Sandbox(nodes=2)
    try:
        yield s.up()
    finally:
        r = s.down()
        assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def trio(sbx):
    """a1 and a2 on node-1, b1 on node-2, all Ready."""
    for name, node in (("a1", "node-1"), ("a2", "node-1"), ("b1", "node-2")):
        sbx.apply(netexec_pod(name, node=node, readiness={
            "httpGet": {"path": "/healthz", "port": HTTP}, "periodSeconds": 1}))
    return {n: sbx.wait_ready(n) for n in ("a1", "a2", "b1")}


def curl(sbx, pod, url, check=True):
    return sbx.exec(pod, "curl", "-sS", "--max-time", "5", url, check=check)


def udp(sbx, pod, ip, msg):
    r = sbx.exec(pod, "sh", "-c", "printf '%s' | nc -u -w2 %s %d" % (msg, ip, UDP))
    return r.stdout.strip()


def test_pod_status_fields(sbx, trio):
    p = trio["a1"]
    st = p["status"]
    assert st["phase"] == "Running"
    assert st["hostIP"] == "198.18.0.11"
    assert st["podIP"].startswith("10.42.")
    assert st["podIPs"] == [{"ip": st["podIP"]}]
    cs = st["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert "running" in cs["state"]
    conds = {c["type"]: c["status"] for c in st["conditions"]}
    assert conds["Ready"] == "True" and conds["ContainersReady"] == "True"
    node1 = sbx.kjson("get", "node", "node-1")
    assert st["podIP"].startswith(node1["spec"]["podCIDR"].rsplit(".", 2)[0])
    assert trio["b1"]["status"]["hostIP"] == "198.18.0.12"


def test_hostname_is_pod_name(sbx, trio):
    assert sbx.exec("a1", "hostname").stdout.strip() == "a1"
    assert curl(sbx, "a2", "http://%s:%d/hostname" % (pod_ip(trio["a1"]), HTTP)).stdout == "a1"


def test_same_node_tcp_and_udp(sbx, trio):
    ip = pod_ip(trio["a2"])
    assert curl(sbx, "a1", "http://%s:%d/hostname" % (ip, HTTP)).stdout == "a2"
    # the server sees the client's own Pod IP: no NAT between Pods
    seen = curl(sbx, "a1", "http://%s:%d/clientip" % (ip, HTTP)).stdout
    assert seen.rsplit(":", 1)[0] == pod_ip(trio["a1"])
    assert udp(sbx, "a1", ip, "hostname") == "a2"


def test_cross_node_tcp_and_udp(sbx, trio):
    ip = pod_ip(trio["b1"])
    assert curl(sbx, "a1", "http://%s:%d/hostname" % (ip, HTTP)).stdout == "b1"
    seen = curl(sbx, "a1", "http://%s:%d/clientip" % (ip, HTTP)).stdout
    assert seen.rsplit(":", 1)[0] == pod_ip(trio["a1"]), "host-gw: no NAT between nodes"
    assert udp(sbx, "a1", ip, "echo across") == "across"
    assert udp(sbx, "b1", pod_ip(trio["a2"]), "hostname") == "a2"


def test_resolv_conf_and_env(sbx, trio):
    rc = sbx.exec("a1", "cat", "/etc/resolv.conf").stdout
    assert "nameserver 10.43.0.10" in rc
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in rc
    assert "options ndots:5" in rc
    hosts = sbx.exec("a1", "cat", "/etc/hosts").stdout
    assert "%s\ta1" % pod_ip(trio["a1"]) in hosts
    # the kubernetes Service is in every Pod's environment; exec gets the
    # agent's view through the container's /proc environ
    pid = int(trio["a1"]["status"]["containerStatuses"][0]["containerID"].split("//")[1])
    env = open("/proc/%d/environ" % pid, "rb").read().split(b"\0")
    assert b"KUBERNETES_SERVICE_HOST=10.43.0.1" in env
    assert b"KUBERNETES_SERVICE_PORT=443" in env
    assert b"HOSTNAME=a1" in env


def test_no_route_out_of_the_machine(sbx, trio):
    # a Pod has a default route only via its node's bridge; the node has none
    r = sbx.exec("a1", "ip", "route").stdout
    assert "default via 10.42." in r
    node_routes = os.popen("ip -n svcnet-node-1 route").read()
    assert "default" not in node_routes
    # so anything outside the sandbox is unreachable, at once
    r = sbx.exec("a1", "curl", "-sS", "--max-time", "3", "http://192.0.2.1/", check=False)
    assert r.returncode != 0


def test_readiness_follows_probe(sbx, trio):
    sbx.apply(netexec_pod("ready1", node="node-2", readiness={
        "httpGet": {"path": "/healthz", "port": HTTP}, "periodSeconds": 1,
        "failureThreshold": 1}))
    ip = pod_ip(sbx.wait_ready("ready1"))
    curl(sbx, "a1", "http://%s:%d/sethealth?status=503" % (ip, HTTP))
    wait_until(lambda: sbx.condition("ready1", "Ready") == "False", timeout=10,
               what="Ready=False")
    st = sbx.pod("ready1")["status"]["containerStatuses"][0]
    assert st["ready"] is False and "running" in st["state"]
    curl(sbx, "a1", "http://%s:%d/sethealth?status=200" % (ip, HTTP))
    sbx.wait_ready("ready1", timeout=10)
    sbx.kubectl("delete", "pod", "ready1", "--wait=false")


def test_graceful_delete_sigterm_and_terminating_endpoint(sbx, trio):
    # netexec answers SIGTERM by waiting --delay-shutdown seconds, still serving
    sbx.apply(netexec_pod("grace1", node="node-1", labels={"app": "grace"}, grace=30,
                          args=["--delay-shutdown", "4"],
                          readiness={"httpGet": {"path": "/healthz", "port": HTTP},
                                     "periodSeconds": 1}))
    sbx.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "grace"},
               "spec": {"selector": {"app": "grace"}, "ports": [{"port": 80,
                                                                 "targetPort": HTTP}]}})
    ip = pod_ip(sbx.wait_ready("grace1"))
    t0 = time.monotonic()
    sbx.kubectl("delete", "pod", "grace1", "--wait=false")

    def terminating():
        sl = sbx.kjson("get", "endpointslices", "-l", "kubernetes.io/service-name=grace")
        for s in sl["items"]:
            for e in s.get("endpoints") or []:
                c = e.get("conditions", {})
                if c.get("terminating") and c.get("serving"):
                    return True
        return False
    wait_until(terminating, timeout=5, what="endpoint serving+terminating")
    # still answering during its grace period
    assert curl(sbx, "a1", "http://%s:%d/hostname" % (ip, HTTP)).stdout == "grace1"
    sbx.wait_gone("grace1", timeout=20)
    took = time.monotonic() - t0
    assert 3 <= took < 25, "gone after %.1fs: SIGTERM then exit after the delay" % took
    sbx.kubectl("delete", "service", "grace")


def test_grace_period_then_sigkill(sbx, trio):
    # a process that ignores SIGTERM survives it, and is killed when the grace
    # period ends (the Pod then goes; no timing is asserted beyond "eventually")
    sbx.apply(netexec_pod("stubborn", node="node-2", grace=5,
                          command=["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]))
    p = sbx.wait_ready("stubborn")
    pid = int(p["status"]["containerStatuses"][0]["containerID"].split("//")[1])
    sbx.kubectl("delete", "pod", "stubborn", "--wait=false")
    wait_until(lambda: sbx.pod("stubborn") is None or
               sbx.pod("stubborn")["metadata"].get("deletionTimestamp"), timeout=5,
               what="deletion started")
    time.sleep(0.5)
    assert os.path.exists("/proc/%d" % pid), "SIGTERM alone must not have ended it"
    sbx.wait_gone("stubborn", timeout=30)
    wait_until(lambda: not os.path.exists("/proc/%d" % pid), timeout=15,
               what="the process killed after the grace period")

def test_agent_kill9_restart_keeps_pods(sbx, trio):
    before = {n: sbx.pod(n) for n in ("a1", "a2")}
    ips = {n: pod_ip(p) for n, p in before.items()}
    cids = {n: p["status"]["containerStatuses"][0]["containerID"] for n, p in before.items()}
    log = os.path.join(sbx.dir, "logs", "node-1.log")
    log_start = os.path.getsize(log)
    sbx.restart_agent("node-1")
    # the adopted Pods stay Ready throughout: the new agent starts from what
    # the API says instead of from "not ready"
    seen = set()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 4:
        seen.add(sbx.condition("a1", "Ready"))
        time.sleep(0.2)
    assert seen == {"True"}, "a1's Ready condition changed during the agent restart: %s" % \
        sorted(seen)
    # nor did the route to node-2 go away while the Node list was coming in
    with open(log, "rb") as f:
        f.seek(log_start)
        assert b"removed (node node-2)" not in f.read(), "the route to node-2 was cut"
    for n in ("a1", "a2"):
        p = sbx.wait_ready(n, timeout=20)
        assert pod_ip(p) == ips[n]
        cs = p["status"]["containerStatuses"][0]
        assert cs["containerID"] == cids[n], "the container process was not replaced"
        assert cs["restartCount"] == 0
    assert curl(sbx, "b1", "http://%s:%d/hostname" % (ips["a1"], HTTP)).stdout == "a1"
    # a Pod created after the restart gets a new address, not one in use
    sbx.apply(netexec_pod("after", node="node-1"))
    ip = pod_ip(sbx.wait_ready("after"))
    assert ip not in ips.values()
    sbx.kubectl("delete", "pod", "after", "--wait=false")


def test_missing_command_clear_status(sbx, trio):
    sbx.apply(netexec_pod("nocmd", node="node-1", command=["no-such-binary-xyz"]))

    def failed():
        p = sbx.pod("nocmd")
        for cs in p.get("status", {}).get("containerStatuses", []):
            last = cs.get("lastState", {}).get("terminated") or cs["state"].get("terminated")
            if last and last.get("reason") == "StartError":
                return cs
        return None
    cs = wait_until(failed, timeout=15, what="StartError")
    last = cs.get("lastState", {}).get("terminated") or cs["state"]["terminated"]
    assert 'executable file not found in $PATH' in last["message"]
    assert last["exitCode"] == 128
    # the agent still does its job
    sbx.apply(netexec_pod("fine", node="node-1"))
    sbx.wait_ready("fine")
    sbx.kubectl("delete", "pod", "nocmd", "fine", "--wait=false")


def test_hostport_conflict(sbx, trio):
    ports = [{"containerPort": HTTP, "hostPort": 18080, "protocol": "TCP"}]
    sbx.apply(netexec_pod("hp1", node="node-2", ports=ports))
    sbx.wait_ready("hp1")
    sbx.apply(netexec_pod("hp2", node="node-2", ports=ports))
    p = wait_until(lambda: (lambda x: x if x["status"].get("phase") == "Failed" else None)(
        sbx.pod("hp2")), timeout=10, what="hp2 Failed")
    assert "18080" in p["status"].get("message", ""), p["status"]
    # the first one is unaffected, and its host port forwards to it
    assert sbx.condition("hp1", "Ready") == "True"
    r = curl(sbx, "a1", "http://198.18.0.12:18080/hostname", check=False)
    assert r.stdout == "hp1", r.stderr
    sbx.kubectl("delete", "pod", "hp1", "hp2", "--wait=false")


def test_restart_policy_and_backoff(sbx, trio):
    sbx.apply(netexec_pod("exit3", node="node-2", restart="OnFailure",
                          command=["sh", "-c", "exit 3"]))

    def restarted():
        p = sbx.pod("exit3")
        cs = (p.get("status", {}).get("containerStatuses") or [{}])[0]
        return cs if cs.get("restartCount", 0) >= 1 else None
    cs = wait_until(restarted, timeout=20, what="a restart")
    assert cs["lastState"]["terminated"]["exitCode"] == 3
    sbx.apply(netexec_pod("done0", node="node-2", restart="Never",
                          command=["sh", "-c", "exit 0"]))
    wait_until(lambda: sbx.pod("done0")["status"].get("phase") == "Succeeded", timeout=15,
               what="Succeeded")
    sbx.kubectl("delete", "pod", "exit3", "done0", "--wait=false")


def test_logs_captured(sbx, trio):
    sbx.apply(netexec_pod("talker", node="node-1", restart="Never",
                          command=["sh", "-c", "echo hello-from-$HOSTNAME; echo oops >&2"]))
    wait_until(lambda: sbx.pod("talker")["status"].get("phase") == "Succeeded", timeout=15,
               what="Succeeded")
    uid = sbx.pod("talker")["metadata"]["uid"]
    log = open(os.path.join(sbx.dir, "nodes", "node-1", "pods", uid, "netexec.log")).read()
    assert "hello-from-talker" in log and "oops" in log
    sbx.kubectl("delete", "pod", "talker", "--wait=false")


def test_node_ready_and_heartbeat(sbx, trio):
    n = sbx.kjson("get", "node", "node-1")
    ready = [c for c in n["status"]["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "True"
    hb1 = ready["lastHeartbeatTime"]
    addrs = {a["type"]: a["address"] for a in n["status"]["addresses"]}
    assert addrs == {"InternalIP": "198.18.0.11", "Hostname": "node-1"}

    def newer():
        r = [c for c in sbx.kjson("get", "node", "node-1")["status"]["conditions"]
             if c["type"] == "Ready"][0]
        return r["lastHeartbeatTime"] != hb1
    wait_until(newer, timeout=25, what="a new heartbeat")


def test_node_not_ready_when_heartbeats_stop(sbx, trio):
    """The server turns a silent node's Ready to Unknown after its grace period
    (20 s in the sandbox); the agent's next heartbeat makes it Ready again."""
    pid, _ = sbx.agent_pid("node-2")
    os.kill(pid, signal.SIGSTOP)
    try:
        def ready():
            n = sbx.kjson("get", "node", "node-2")
            return [c for c in n["status"]["conditions"] if c["type"] == "Ready"][0]["status"]
        wait_until(lambda: ready() == "Unknown", timeout=45, what="node-2 Ready=Unknown")
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until(lambda: ready() == "True", timeout=20, what="node-2 Ready again")
    # its Pods were never touched
    assert sbx.condition("b1", "Ready") == "True" or sbx.wait_ready("b1")


def test_init_containers_rejected_plainly(sbx, trio):
    pod = netexec_pod("withinit", node="node-1")
    pod["spec"]["initContainers"] = [{"name": "init", "image": "x", "command": ["true"]}]
    sbx.apply(pod)
    p = wait_until(lambda: (lambda x: x if x["status"].get("phase") == "Failed" else None)(
        sbx.pod("withinit")), timeout=10, what="withinit Failed")
    assert p["status"]["reason"] == "UnsupportedPodSpec"
    assert "initContainers are not supported" in p["status"]["message"]
    sbx.kubectl("delete", "pod", "withinit", "--wait=false")


def test_status_edited_elsewhere_is_restored(sbx, trio):
    """Someone patches a Pod's status behind the agent's back: the agent's
    periodic re-check (with its 10 s heartbeat) writes its view again."""
    # (a terminal phase would stick: the kubelet never leaves one either)
    sbx.kubectl("patch", "pod", "a2", "--subresource=status", "--type=merge", "-p",
                json.dumps({"status": {"podIP": "10.99.99.99", "hostIP": "192.0.2.1"}}))
    wait_until(lambda: sbx.pod("a2")["status"]["podIP"] == pod_ip(trio["a2"]) and
               sbx.pod("a2")["status"]["hostIP"] == "198.18.0.11", timeout=25,
               what="status restored")


def test_host_gw_routes_follow_nodes(sbx, trio):
    """A Node appears: every agent routes its pod CIDR via its InternalIP. It
    is deleted while node-1's agent is down: the restarted agent removes the
    route it had made (it keeps a list in its state dir)."""
    sbx.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ghost"}})
    sbx.kubectl("patch", "node", "ghost", "--subresource=status", "--type=merge", "-p",
                json.dumps({"status": {"addresses": [{"type": "InternalIP",
                                                      "address": "198.18.0.99"}]}}))
    cidr = wait_until(lambda: sbx.kjson("get", "node", "ghost")["spec"].get("podCIDR"),
                      timeout=10, what="ghost's pod CIDR")

    def routes(ns):
        return os.popen("ip -n %s route" % ns).read()
    wait_until(lambda: "%s via 198.18.0.99" % cidr in routes("svcnet-node-1"), timeout=10,
               what="route on node-1")
    assert "%s via 198.18.0.99" % cidr in routes("svcnet-node-2")
    pid, argv = sbx.agent_pid("node-1")
    os.kill(pid, signal.SIGKILL)
    sbx.kubectl("delete", "node", "ghost")
    wait_until(lambda: cidr not in routes("svcnet-node-2"), timeout=10,
               what="route gone on node-2")
    assert cidr in routes("svcnet-node-1"), "the dead agent could not have removed it"
    log = open(os.path.join(sbx.dir, "logs", "node-1.log"), "ab")
    subprocess.Popen(["ip", "netns", "exec", "svcnet-node-1"] + argv, stdout=log, stderr=log,
                     start_new_session=True)
    wait_until(lambda: cidr not in routes("svcnet-node-1"), timeout=15,
               what="stale route removed after the restart")
    sbx.wait_ready("a1")
