"""A sandbox cluster for tests: `svcnet up --detach` in a private data dir,
kubectl against it, `svcnet exec` into its Pods, and `svcnet down` at the end
(also when the test failed halfway)."""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time

from svcnet_util import BIN, wait_for


def _alive(pid):
    """True while pid runs (a zombie counts as ended)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Sandbox:
    def __init__(self, nodes=2, extra=()):
        self.dir = tempfile.mkdtemp(prefix="svcnet-sbx-")
        self.nodes = nodes
        self.extra = list(extra)

    @property
    def kubeconfig(self):
        return os.path.join(self.dir, "kubeconfig")

    def up(self, timeout=90):
        # a sandbox left over by an earlier, killed test run would block this
        # one; only test sandboxes are removed, never someone's demo or bench
        try:
            left = open("/run/svcnet-sandbox.dir").read().strip()
        except OSError:
            left = ""
        if os.path.basename(left).startswith("svcnet-sbx-"):
            subprocess.run([BIN, "down", "--data-dir", left], capture_output=True, timeout=60)
        r = subprocess.run([BIN, "up", "--detach", "--nodes", str(self.nodes),
                            "--data-dir", self.dir] + self.extra,
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            self.down()
            raise AssertionError("svcnet up failed (%d):\n%s\n%s" %
                                 (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        return self

    def down(self):
        reports = self._stop_and_scan() if os.environ.get("SVCNET_SANITIZED") else ""
        r = subprocess.run([BIN, "down", "--data-dir", self.dir], capture_output=True,
                           text=True, timeout=120)
        if reports:
            raise AssertionError("sanitizer reports in the sandbox's logs:\n" + reports)
        return r

    def _pids(self):
        """Processes of this sandbox: the server and agents (by command line) and
        the containers (by the agents' meta.json)."""
        ours, pods = [], []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if len(argv) > 1 and argv[1] in (b"server", b"agent") and \
                    self.dir.encode() in b" ".join(argv):
                ours.append(int(d))
        for meta in glob.glob(os.path.join(self.dir, "nodes", "*", "pods", "*", "meta.json")):
            try:
                for c in json.load(open(meta)).get("containers", {}).values():
                    if c.get("pid"):
                        pods.append(c["pid"])
            except (OSError, ValueError):
                pass
        return ours, pods

    def _stop_and_scan(self):
        """Under ASan+UBSan: stop every process with SIGTERM (leaks are reported
        at exit), then read every log of the sandbox for reports."""
        ours, pods = self._pids()
        for group in (ours, pods):
            for pid in group:
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
            t0 = time.monotonic()
            while time.monotonic() - t0 < 15 and any(_alive(p) for p in group):
                time.sleep(0.1)
        found = []
        logs = glob.glob(os.path.join(self.dir, "logs", "*.log")) + \
            glob.glob(os.path.join(self.dir, "nodes", "*", "pods", "*", "*.log"))
        for path in logs:
            try:
                text = open(path, errors="replace").read()
            except OSError:
                continue
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    i = text.index(marker)
                    found.append("%s:\n%s" % (path, text[max(0, i - 200):i + 3000]))
                    break
        return "\n".join(found)

    def kubectl(self, *args, check=True, input=None, timeout=60):
        r = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args),
                           capture_output=True, text=True, input=input, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("kubectl %s failed: %s" % (" ".join(args), r.stderr))
        return r

    def kjson(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def apply(self, obj):
        return self.kubectl("apply", "-f", "-", input=json.dumps(obj))

    def exec(self, pod, *cmd, ns="default", check=True, timeout=30):
        r = subprocess.run([BIN, "exec", "--data-dir", self.dir, "-n", ns, pod, "--"] +
                           list(cmd), capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("svcnet exec %s %s failed (%d): %s %s" %
                                 (pod, cmd, r.returncode, r.stdout, r.stderr))
        return r

    def pod(self, name, ns="default"):
        r = self.kubectl("get", "pod", name, "-n", ns, "-o", "json", check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None

    def condition(self, name, ctype, ns="default"):
        p = self.pod(name, ns)
        for c in (p or {}).get("status", {}).get("conditions", []):
            if c.get("type") == ctype:
                return c.get("status")
        return None

    def wait_ready(self, name, ns="default", timeout=30):
        wait_for(lambda: self.condition(name, "Ready", ns) == "True", timeout=timeout,
                 interval=0.1, what="pod %s Ready" % name)
        return self.pod(name, ns)

    def wait_gone(self, name, ns="default", timeout=30):
        wait_for(lambda: self.pod(name, ns) is None, timeout=timeout, interval=0.1,
                 what="pod %s gone" % name)

    def agent_pid(self, node):
        """The pid of node's agent, found through /proc (its command line)."""
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if (len(argv) > 2 and argv[1] == b"agent" and b"--node-name" in argv and
                    argv[argv.index(b"--node-name") + 1] == node.encode() and
                    self.dir.encode() in b" ".join(argv)):
                return int(d), [a.decode() for a in argv if a]
        return None, None

    def restart_agent(self, node, sig=signal.SIGKILL):
        """Kills node's agent with sig and starts it again, as `up` did, inside the
        node's namespace. Returns the new pid."""
        pid, argv = self.agent_pid(node)
        assert pid, "no agent for %s" % node
        os.kill(pid, sig)
        wait_for(lambda: not _alive(pid), timeout=10, what="agent exit")
        log = open(os.path.join(self.dir, "logs", "%s.log" % node), "ab")
        subprocess.Popen(["ip", "netns", "exec", "svcnet-%s" % node] + argv,
                         stdout=log, stderr=log, start_new_session=True)
        wait_for(lambda: self.agent_pid(node)[0] not in (None, pid), timeout=10,
                 what="agent restarted")
        return self.agent_pid(node)[0]


def netexec_pod(name, node=None, labels=None, readiness=None, grace=None, args=(),
                ports=None, command=None, restart=None):
    c = {"name": "netexec", "image": "svcnet/netexec",
         "command": command or (["svcnet", "netexec", "--http-port", "8080",
                                 "--udp-port", "8081"] + list(args))}
    if readiness:
        c["readinessProbe"] = readiness
    if ports:
        c["ports"] = ports
    spec = {"containers": [c]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    if restart:
        spec["restartPolicy"] = restart
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": spec}


def pod_ip(pod):
    return pod["status"]["podIP"]


def wait_until(pred, timeout=10, what="condition"):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)
