"""`svcnet up`, `svcnet down`, `svcnet exec`: the sandbox cluster of network
namespaces. Only one sandbox can exist per machine (one fabric bridge), so the
tests here run one after another, each with `svcnet down` in a finally.

What must hold: the root namespace gets the bridge svcnet0 (198.18.0.1/24) and
the node veths and nothing else of ours (no other routes, no forwarding, no nft
tables); node namespaces have no default route; `down` leaves nothing behind,
also after everything was SIGKILLed, and running it twice is harmless."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("SVCNET_BIN") or
                      os.path.join(HERE, "..", "..", "build", "release", "svcnet"))

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces)")


def run(*args, check=True, timeout=60, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(args), r.returncode,
                                                          r.stdout[-3000:], r.stderr[-3000:]))
    return r


def wait_for(pred, timeout=10, interval=0.1, what="condition"):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


# --- what the root namespace looks like ---

def netns_list():
    return [l.split()[0] for l in run("ip", "netns", "list").stdout.splitlines() if l.strip()]


def link_names(ns=None):
    pre = ["ip", "netns", "exec", ns] if ns else []
    out = run(*(pre + ["ip", "-o", "link", "show"])).stdout
    return [l.split(":")[1].strip().split("@")[0] for l in out.splitlines()]


def routes(*fam, ns=None):
    pre = ["ip", "netns", "exec", ns] if ns else []
    out = run(*(pre + ["ip"] + list(fam) + ["route", "show", "table", "all"])).stdout
    return sorted(l.strip() for l in out.splitlines() if l.strip())


def nft_tables():
    return sorted(run("nft", "list", "tables").stdout.splitlines())


def sysctl(name):
    with open("/proc/sys/" + name.replace(".", "/")) as f:
        return f.read().strip()


def ns_inode(path):
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def procs_in(inodes):
    """Pids whose network or UTS namespace is one of inodes."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            for kind in ("net", "uts"):
                if ns_inode("/proc/%s/ns/%s" % (d, kind)) in inodes:
                    found.append(int(d))
                    break
        except (OSError, IndexError):
            pass
    return found


def procs_mentioning(text):
    """Live pids whose command line holds text (our servers and agents)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            if open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            if text.encode() in open("/proc/%s/cmdline" % d, "rb").read():
                found.append(int(d))
        except (OSError, IndexError):
            pass
    return found


def mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mnt = line.split()[4].encode().decode("unicode_escape")
            if mnt == path or mnt.startswith(path.rstrip("/") + "/"):
                out.append(mnt)
    return out


class Snapshot:
    """The root namespace before a sandbox, to compare with after `down`."""

    def __init__(self):
        self.links = set(link_names())
        self.routes4 = routes("-4")
        self.routes6 = routes("-6")
        self.tables = nft_tables()
        self.forward = sysctl("net.ipv4.ip_forward")
        self.forward6 = sysctl("net.ipv6.conf.all.forwarding")


class Sandbox:
    def __init__(self, tag):
        self.dir = tempfile.mkdtemp(prefix="svcnet-sbx-%s-" % tag)
        self.cache = tempfile.mkdtemp(prefix="svcnet-sbx-kcache-")
        self.ns_inodes = set()

    @property
    def kubeconfig(self):
        return os.path.join(self.dir, "kubeconfig")

    def up(self, *args, check=True, timeout=120):
        return run(BIN, "up", "--data-dir", self.dir, *args, check=check, timeout=timeout)

    def down(self, check=True):
        return run(BIN, "down", "--data-dir", self.dir, check=check, timeout=120)

    def kubectl(self, *args, check=True, input=None, timeout=60):
        return run("kubectl", "--kubeconfig", self.kubeconfig, "--cache-dir", self.cache,
                   *args, check=check, input=input, timeout=timeout)

    def kjson(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def exec(self, pod, *cmd, ns="default", check=False, timeout=30):
        return run(BIN, "exec", "--data-dir", self.dir, "-n", ns, pod, "--", *cmd,
                   check=check, timeout=timeout)

    def state(self):
        with open(os.path.join(self.dir, "sandbox.json")) as f:
            return json.load(f)

    def remember_namespaces(self):
        """The nsfs identities of every node and Pod namespace, to check later that
        no process is left in any of them."""
        for n in netns_list():
            if n.startswith("svcnet-node-"):
                self.ns_inodes.add(ns_inode("/run/netns/" + n))
        nodes = os.path.join(self.dir, "nodes")
        for node in os.listdir(nodes) if os.path.isdir(nodes) else []:
            pins = os.path.join(nodes, node, "pins")
            for p in os.listdir(pins) if os.path.isdir(pins) else []:
                try:
                    self.ns_inodes.add(ns_inode(os.path.join(pins, p)))
                except OSError:
                    pass

    def cleanup(self):
        r = self.down(check=False)
        shutil.rmtree(self.cache, ignore_errors=True)
        # down removed the data dir's contents (and the dir); what is left of it
        # after a failure is removed too, never through a mount.
        if os.path.isdir(self.dir) and not mounts_under(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        return r

    def assert_gone(self, snap):
        """Nothing of the sandbox is left anywhere."""
        assert not [n for n in netns_list() if n.startswith("svcnet-node-")], netns_list()
        ours = [l for l in link_names() if l == "svcnet0" or l.startswith("svn-")]
        assert not ours, ours
        assert not [r for r in routes("-4") if "198.18." in r or "svcnet" in r]
        new_tables = set(nft_tables()) - set(snap.tables)
        assert not [t for t in new_tables if "svcnet" in t or "kube" in t], new_tables
        assert not mounts_under(self.dir), mounts_under(self.dir)
        assert not procs_in(self.ns_inodes), procs_in(self.ns_inodes)
        assert not procs_mentioning(self.dir), procs_mentioning(self.dir)
        for e in ("sandbox.json", "kubeconfig", "server", "nodes", "logs"):
            assert not os.path.exists(os.path.join(self.dir, e)), e
        assert not os.path.exists("/run/svcnet-sandbox.dir")
        assert sysctl("net.ipv4.ip_forward") == snap.forward
        assert sysctl("net.ipv6.conf.all.forwarding") == snap.forward6


@pytest.fixture(scope="module", autouse=True)
def no_sandbox_before():
    """A sandbox left by an earlier test run that was killed would make `up`
    refuse. Only test sandboxes are removed, never someone's demo or bench."""
    try:
        left = open("/run/svcnet-sandbox.dir").read().strip()
    except OSError:
        left = ""
    if os.path.basename(left).startswith("svcnet-sbx-"):
        run(BIN, "down", "--data-dir", left, check=False, timeout=120)
    yield


def assert_root_is_clean_while_up(snap):
    """While a sandbox runs: ours in the root namespace is svcnet0 + svn-node-*,
    one new route (the fabric subnet), no forwarding, no nft tables."""
    new_links = set(link_names()) - snap.links
    assert "svcnet0" in new_links
    assert all(l == "svcnet0" or re.fullmatch(r"svn-node-\d+", l) for l in new_links), new_links
    # the on-link route to the fabric, and the local table's entries for 198.18.0.1
    new4 = sorted(set(routes("-4")) - set(snap.routes4))
    assert any(r.startswith("198.18.0.0/24 dev svcnet0") for r in new4), new4
    assert all("svcnet0" in r and "198.18.0." in r for r in new4), new4
    assert not (set(routes("-6")) - set(snap.routes6)), "IPv6 routes on the fabric"
    assert nft_tables() == snap.tables
    assert sysctl("net.ipv4.ip_forward") == snap.forward


# --- server and fabric only (no agent needed) ---

def test_up_zero_nodes_then_down_twice():
    snap = Snapshot()
    s = Sandbox("zero")
    try:
        r = s.up("--nodes", "0", "--detach")
        assert "export KUBECONFIG=%s" % s.kubeconfig in r.stdout
        assert oct(os.stat(s.kubeconfig).st_mode & 0o777) == "0o600"
        assert "https://198.18.0.1:6443" in open(s.kubeconfig).read()
        names = [n["metadata"]["name"] for n in s.kjson("get", "namespaces")["items"]]
        assert "default" in names
        addr = run("ip", "-o", "-4", "addr", "show", "dev", "svcnet0").stdout
        assert "198.18.0.1/24" in addr
        assert not [n for n in netns_list() if n.startswith("svcnet-node-")]
        assert_root_is_clean_while_up(snap)
        st = s.state()
        assert st["bridge"] == "svcnet0" and st["nodes"] == []
        assert os.path.exists("/proc/%d" % st["server"]["pid"])
        assert os.path.exists(os.path.join(s.dir, "logs", "server.log"))

        s.down()
        s.assert_gone(snap)
        r = s.down()  # again: nothing to do, and no complaint
        assert r.returncode == 0
        s.assert_gone(snap)
    finally:
        s.cleanup()


def test_up_refuses_while_a_sandbox_exists():
    s = Sandbox("refuse")
    other = tempfile.mkdtemp(prefix="svcnet-sbx-other-")
    try:
        s.up("--nodes", "0", "--detach")
        for d in (s.dir, other):
            r = run(BIN, "up", "--nodes", "0", "--detach", "--data-dir", d, check=False)
            assert r.returncode != 0
            assert "already exists" in r.stderr and "svcnet down --data-dir" in r.stderr, \
                r.stderr
        # the refused `up` took nothing away from the running one
        assert "default" in s.kubectl("get", "namespaces").stdout
    finally:
        s.cleanup()
        shutil.rmtree(other, ignore_errors=True)


def test_flags_are_checked():
    for args in (["--nodes", "201"], ["--nodes", "x"], ["--nodes", "-1"], ["extra"]):
        r = run(BIN, "up", *args, check=False)
        assert r.returncode == 2, (args, r.stderr)
    r = run(BIN, "down", "--data-dir", "/", check=False)
    assert r.returncode == 2 and "refusing" in r.stderr
    r = run(BIN, "down", "--data-dir", "", check=False)
    assert r.returncode == 2
    r = run(BIN, "exec", "pod", check=False)
    assert r.returncode == 2 and "POD -- CMD" in r.stderr
    for c in ("up", "down", "exec"):
        assert run(BIN, c, "--help").stdout.startswith("usage: svcnet " + c)


def test_down_keeps_files_it_did_not_make():
    """down removes what up made in the data dir and nothing else."""
    s = Sandbox("keep")
    try:
        mine = os.path.join(s.dir, "mine.txt")
        with open(mine, "w") as f:
            f.write("keep me")
        s.up("--nodes", "0", "--detach")
        s.down()
        assert open(mine).read() == "keep me"
        assert sorted(os.listdir(s.dir)) == ["mine.txt"]
    finally:
        s.cleanup()


def test_down_after_up_was_sigkilled_halfway():
    """up killed with SIGKILL after the node namespaces exist and while the server
    starts: down (even without --data-dir) still removes everything."""
    snap = Snapshot()
    s = Sandbox("killed")
    p = subprocess.Popen([BIN, "up", "--nodes", "3", "--data-dir", s.dir],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(os.path.join(s.dir, "logs", "server.log")) or
                 p.poll() is not None, timeout=30, what="the server to be started")
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert {"svcnet-node-1", "svcnet-node-2", "svcnet-node-3"} <= set(netns_list())
        s.remember_namespaces()
        r = run(BIN, "down", check=False, timeout=120)  # the default data dir
        assert r.returncode == 0, r.stderr
        s.assert_gone(snap)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        s.cleanup()


def test_foreground_up_and_ctrl_c():
    """Without --detach, up stays; SIGINT tears everything down and exits 0."""
    snap = Snapshot()
    s = Sandbox("fg")
    p = subprocess.Popen([BIN, "up", "--nodes", "0", "--data-dir", s.dir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: p.poll() is not None or
                 os.path.exists(os.path.join(s.dir, "sandbox.json")) and
                 s.state()["server"]["pid"] and s.kubectl("get", "ns", check=False)
                 .returncode == 0, timeout=60, interval=0.3, what="the sandbox")
        assert p.poll() is None
        assert s.state()["supervisor"]["pid"] == p.pid
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0, out
        assert "tearing down" in out
        s.assert_gone(snap)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        s.cleanup()


def test_down_stops_a_foreground_up():
    snap = Snapshot()
    s = Sandbox("fgdown")
    p = subprocess.Popen([BIN, "up", "--nodes", "0", "--data-dir", s.dir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: p.poll() is not None or
                 os.path.exists(s.kubeconfig), timeout=60, what="the sandbox")
        wait_for(lambda: s.kubectl("get", "ns", check=False).returncode == 0, timeout=30)
        s.down()
        out, _ = p.communicate(timeout=60)
        assert p.returncode == 0, out
        s.assert_gone(snap)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        s.cleanup()


# --- with agents: these need `svcnet agent` ---

def test_agent_failure_fails_up_with_its_log():
    """A proxy mode the agent refuses: up fails, shows the agent's log, and
    leaves nothing behind."""
    snap = Snapshot()
    s = Sandbox("badmode")
    try:
        r = s.up("--nodes", "1", "--proxy-mode", "no-such-mode", "--timeout", "30",
                 check=False)
        assert r.returncode == 1, r.stdout + r.stderr
        assert "node-1" in r.stderr and "no-such-mode" in r.stderr, r.stderr
        s.assert_gone(snap)
    finally:
        s.cleanup()


@pytest.fixture(scope="module")
def sandbox():
    snap = Snapshot()
    s = Sandbox("two")
    try:
        s.snap = snap
        s.up("--nodes", "2", "--detach")
        yield s
    finally:
        s.cleanup()


def test_two_nodes_ready(sandbox):
    nodes = sandbox.kjson("get", "nodes")["items"]
    got = {}
    for n in nodes:
        ready = [c["status"] for c in n["status"].get("conditions", []) if c["type"] == "Ready"]
        ips = [a["address"] for a in n["status"].get("addresses", [])
               if a["type"] == "InternalIP"]
        got[n["metadata"]["name"]] = (ready, ips)
    assert got == {"node-1": (["True"], ["198.18.0.11"]),
                   "node-2": (["True"], ["198.18.0.12"])}, got
    assert {"svcnet-node-1", "svcnet-node-2"} <= set(netns_list())


def test_root_and_node_namespaces(sandbox):
    assert_root_is_clean_while_up(sandbox.snap)
    new_links = set(link_names()) - sandbox.snap.links
    assert new_links == {"svcnet0", "svn-node-1", "svn-node-2"}, new_links
    for i in (1, 2):
        ns = "svcnet-node-%d" % i
        for fam in ("-4", "-6"):
            assert not [r for r in routes(fam, ns=ns) if r.startswith("default")], \
                routes(fam, ns=ns)
        addr = run("ip", "netns", "exec", ns, "ip", "-o", "-4", "addr", "show", "eth0").stdout
        assert "198.18.0.%d/24" % (10 + i) in addr
        # the node reaches the server on the fabric, and the other node
        r = run("ip", "netns", "exec", ns, "curl", "-sk", "-o", "/dev/null", "-w",
                "%{http_code}", "https://198.18.0.1:6443/healthz", check=False)
        assert r.stdout == "200", r.stdout + r.stderr
        # and nothing outside the machine: no route to it at all
        r = run("ip", "netns", "exec", ns, "ip", "route", "get", "192.0.2.1", check=False)
        assert r.returncode != 0


NETEXEC_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-1", "containers": [{
        "name": "netexec", "image": "svcnet/netexec",
        "command": ["svcnet", "netexec", "--http-port", "8080", "--udp-port", "8081"],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                           "periodSeconds": 1}}]},
}


@pytest.fixture(scope="module")
def web(sandbox):
    sandbox.kubectl("apply", "-f", "-", input=json.dumps(NETEXEC_POD))
    sandbox.kubectl("wait", "--for=condition=Ready", "pod/web", "--timeout=60s", timeout=90)
    return sandbox.kjson("get", "pod", "web")


def test_exec_runs_in_the_pod(sandbox, web):
    r = sandbox.exec("web", "hostname")
    assert r.returncode == 0 and r.stdout.strip() == "web", r.stdout + r.stderr
    r = sandbox.exec("web", "sh", "-c", "exit 7")
    assert r.returncode == 7
    r = sandbox.exec("web", "sh", "-c", "kill -KILL $$")
    assert r.returncode == 128 + 9
    # the Pod's own address and its server, from inside
    ip = web["status"]["podIP"]
    r = sandbox.exec("web", "ip", "-o", "-4", "addr", "show", "eth0")
    assert ip in r.stdout
    r = sandbox.exec("web", "curl", "-s", "http://127.0.0.1:8080/hostname")
    assert r.stdout == "web"
    # svcnet is on PATH in there
    r = sandbox.exec("web", "sh", "-c", "command -v svcnet")
    assert r.returncode == 0 and r.stdout.strip().endswith("svcnet")
    # stdin is passed through
    r = run(BIN, "exec", "--data-dir", sandbox.dir, "web", "--", "cat", input="hello\n",
            check=False)
    assert r.stdout == "hello\n"
    # the Pod's resolv.conf
    r = sandbox.exec("web", "cat", "/etc/resolv.conf")
    assert "nameserver 10.43.0.10" in r.stdout and "default.svc.cluster.local" in r.stdout


def test_exec_errors(sandbox, web):
    r = sandbox.exec("nope", "true")
    assert r.returncode == 1
    assert 'pod "nope" not found in namespace "default"' in r.stderr
    r = sandbox.exec("web", "true", ns="kube-system")
    assert r.returncode == 1 and 'namespace "kube-system"' in r.stderr
    r = sandbox.exec("web", "no-such-command-here")
    assert r.returncode == 127 and "not found" in r.stderr


def test_cross_node_pod_traffic(sandbox, web):
    other = dict(NETEXEC_POD, metadata={"name": "web2", "labels": {"app": "web"}})
    other["spec"] = dict(NETEXEC_POD["spec"], nodeName="node-2")
    sandbox.kubectl("apply", "-f", "-", input=json.dumps(other))
    sandbox.kubectl("wait", "--for=condition=Ready", "pod/web2", "--timeout=60s", timeout=90)
    ip2 = sandbox.kjson("get", "pod", "web2")["status"]["podIP"]
    r = sandbox.exec("web", "curl", "-s", "--max-time", "5", "http://%s:8080/hostname" % ip2)
    assert r.stdout == "web2", r.stdout + r.stderr


def test_zz_down_after_sigkill_of_every_process(sandbox, web):
    """Last test of the module: SIGKILL the server and the agents (the Pods keep
    running, in sessions of their own), then down removes everything."""
    st = sandbox.state()
    sandbox.remember_namespaces()
    assert sandbox.ns_inodes
    assert procs_in(sandbox.ns_inodes), "the Pods run in their namespaces"
    pids = [st["server"]["pid"]] + [n["agent"]["pid"] for n in st["nodes"]]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    r = sandbox.down()
    assert r.returncode == 0
    sandbox.assert_gone(sandbox.snap)
    assert sandbox.down().returncode == 0
