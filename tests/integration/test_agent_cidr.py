"""The node agent when its node's pod CIDR is full (a sandbox of its own, with
/29 node CIDRs)."""
from sandbox_util import Sandbox, netexec_pod, wait_until



def test_pod_cidr_exhausted():
    """A node whose pod CIDR is full: the next Pod says why and waits; the
    others are untouched."""
    s = Sandbox(nodes=1, extra=["--node-cidr-mask-size", "29", "--no-dns"])
    try:
        s.up()
        # a /29 has 5 usable pod addresses (network, gateway, broadcast excluded)
        for i in range(5):
            s.apply(netexec_pod("p%d" % i, node="node-1"))
        for i in range(5):
            s.wait_ready("p%d" % i)
        s.apply(netexec_pod("p5", node="node-1"))

        def says_why():
            p = s.pod("p5")
            for cs in p.get("status", {}).get("containerStatuses", []):
                if "no IP addresses available" in cs["state"].get("waiting", {}).get(
                        "message", ""):
                    return True
            return False
        wait_until(says_why, timeout=15, what="the IPAM error in the status")
        assert s.pod("p5")["status"]["phase"] == "Pending"
        assert all(s.condition("p%d" % i, "Ready") == "True" for i in range(5))
        ev = s.kubectl("get", "events", "--field-selector", "involvedObject.name=p5").stdout
        assert "FailedCreatePodSandBox" in ev
        # a freed address is used once the retry comes
        s.kubectl("delete", "pod", "p0")
        s.wait_ready("p5", timeout=40)
    finally:
        r = s.down()
        assert r.returncode == 0, r.stderr
