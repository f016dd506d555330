"""Helpers for the service proxy tests (test_proxy.py): netexec Pods with two
servers each, a client script that runs inside Pods and namespaces, a client
namespace on the fabric, rule dumps, metrics and agent stop/start.

Where traffic comes from is a string:
  "pod:NAME"  inside a Pod (`svcnet exec`)
  "node-N"    in the node's namespace (`ip netns exec svcnet-node-N`)
  "fabric"    in the fabric client namespace (FABRIC_NS, 198.18.0.200 on svcnet0)
"""
import json
import math
import os
import re
import shutil
import signal
import subprocess
import time

from sandbox_util import _alive, netexec_pod
from svcnet_util import BIN, svc, uniq, wait_for

PY = "/usr/bin/python3"
HTTP, UDP = 8080, 8081          # netexec's first server in every web Pod
HTTP_ALT, UDP_ALT = 9090, 9091  # ... the second one (hostname "<pod>-alt")
NODE_IP = {"node-1": "198.18.0.11", "node-2": "198.18.0.12"}
FABRIC_NS = "svnpx-client"
FABRIC_IP = "198.18.0.200"
FABRIC_HOST_IF = "svnpx-h"   # the root end, a port of svcnet0
FABRIC_IF = "svnpx-c"        # the client end
READY = {"httpGet": {"path": "/healthz", "port": HTTP}, "periodSeconds": 1}

# The client: one JSON argument, one JSON answer on stdout. Every HTTP request
# is a new TCP connection; every "udp" query a new socket (so a new conntrack
# flow); "udploop" keeps one socket (one flow) and sends every interval.
CLIENT = r'''
import errno, json, os, select, socket, sys, time

def err(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    n = getattr(e, "errno", None)
    return errno.errorcode.get(n, str(n)) if n else "%s:%s" % (type(e).__name__, e)

def http(ip, port, path, timeout):
    t0 = time.monotonic()
    r = {"ts": time.time()}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((ip, port))
        r["tc"] = time.monotonic() - t0
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, ip)).encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                cl = [l for l in head.split(b"\r\n")[1:] if l.lower().startswith(b"content-length:")]
                if cl and len(body) >= int(cl[0].split(b":")[1]):
                    break
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            r.update(ok=False, err="short reply %r" % data[:100])
        else:
            r.update(ok=True, status=int(head.split()[1]), body=body.decode(errors="replace"))
    except OSError as e:
        r.update(ok=False, err=err(e))
        try:
            r["lport"] = s.getsockname()[1]
        except OSError:
            pass
    finally:
        s.close()
    r["t"] = time.monotonic() - t0
    return r

def udp(ip, port, msg, timeout, connect):
    t0 = time.monotonic()
    r = {"ts": time.time()}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        if connect:
            s.connect((ip, port))
            s.send(msg.encode())
        else:
            s.sendto(msg.encode(), (ip, port))
        r.update(ok=True, body=s.recv(65536).decode(errors="replace").strip())
    except OSError as e:
        r.update(ok=False, err=err(e))
    finally:
        s.close()
    r["t"] = time.monotonic() - t0
    return r

def stopped(a, t_end):
    return time.monotonic() >= t_end or (a.get("stop") and os.path.exists(a["stop"]))

def main():
    a = json.loads(sys.argv[1])
    op = a["op"]
    if op == "http":
        out = []
        for i in range(a.get("n", 1)):
            out.append(http(a["ip"], a["port"], a.get("path", "/hostname"), a.get("timeout", 3)))
            if a.get("interval"):
                time.sleep(a["interval"])
    elif op == "udp":
        out = [udp(a["ip"], a["port"], a.get("msg", "hostname"), a.get("timeout", 2),
                   a.get("connect", False)) for i in range(a.get("n", 1))]
    elif op == "httploop":
        out = []
        t_end = time.monotonic() + a["duration"]
        nxt = time.monotonic()
        while not stopped(a, t_end):
            out.append(http(a["ip"], a["port"], a.get("path", "/hostname"), a.get("timeout", 5)))
            nxt += a["interval"]
            time.sleep(max(0, nxt - time.monotonic()))
    elif op == "udploop":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        s.setblocking(False)
        replies, errs, sent = [], [], 0
        t_end = time.monotonic() + a["duration"]
        nxt = time.monotonic()
        while not stopped(a, t_end):
            if time.monotonic() >= nxt:
                try:
                    s.sendto(a.get("msg", "hostname").encode(), (a["ip"], a["port"]))
                    sent += 1
                except OSError as e:
                    errs.append([time.time(), err(e)])
                nxt += a["interval"]
            rd, _, _ = select.select([s], [], [], max(0, min(nxt - time.monotonic(), 0.1)))
            if rd:
                try:
                    replies.append([time.time(), s.recv(65536).decode(errors="replace").strip()])
                except OSError as e:
                    errs.append([time.time(), err(e)])
        out = {"sent": sent, "replies": replies, "errors": errs, "port": s.getsockname()[1]}
    else:
        raise SystemExit("unknown op " + op)
    print(json.dumps(out))

main()
'''


def where_argv(sbx, where, argv):
    if where.startswith("pod:"):
        return [BIN, "exec", "--data-dir", sbx.dir, where[4:], "--"] + list(argv)
    if where == "fabric":
        return ["ip", "netns", "exec", FABRIC_NS] + list(argv)
    if where.startswith("node-"):
        return ["ip", "netns", "exec", "svcnet-" + where] + list(argv)
    raise ValueError(where)


def run(sbx, where, *argv, timeout=60):
    return subprocess.run(where_argv(sbx, where, argv), capture_output=True, text=True,
                          timeout=timeout)


def sh(*argv, check=True):
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(argv), r.returncode, r.stderr))
    return r


def curl(sbx, where, url, max_time=3, *extra):
    """curl -sS; the CompletedProcess (rc 0 ok, 7 refused, 28 timed out)."""
    return run(sbx, where, "curl", "-sS", "--max-time", str(max_time), *extra, url,
               timeout=max_time + 30)


def client(sbx, where, proc_timeout=300, **req):
    r = run(sbx, where, PY, "-c", CLIENT, json.dumps(req), timeout=proc_timeout)
    assert r.returncode == 0, "client at %s failed (%d): %s %s" % (where, r.returncode,
                                                                   r.stdout, r.stderr)
    return json.loads(r.stdout)


def client_bg(sbx, where, **req):
    """The client in the background (stop it with req's stop file); read the
    answer with client_wait."""
    return subprocess.Popen(where_argv(sbx, where, [PY, "-c", CLIENT, json.dumps(req)]),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def client_wait(p, timeout=120):
    out, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, "background client failed (%d): %s %s" % (p.returncode, out, err)
    return json.loads(out)


def body_of(r):
    if not r["ok"]:
        return "!" + r["err"]
    if r.get("status", 200) != 200:
        return "!%d" % r["status"]
    return r["body"].strip()


def names(sbx, where, ip, port, n=1, path="/hostname", timeout=3):
    """n new connections; each answer's body, or "!<error>" (failed attempts
    are printed with their time and local port, to find them in conntrack)."""
    rs = client(sbx, where, op="http", ip=ip, port=port, path=path, n=n, timeout=timeout)
    for i, r in enumerate(rs):
        if not r["ok"]:
            print("%s -> %s:%d attempt %d/%d at %.3f from port %s: %s" % (
                where, ip, port, i + 1, n, r["ts"], r.get("lport"), r["err"]))
    return [body_of(r) for r in rs]


def udp_names(sbx, where, ip, port, n=1, msg="hostname", timeout=2, connect=False):
    return [body_of(r) for r in client(sbx, where, op="udp", ip=ip, port=port, msg=msg, n=n,
                                       timeout=timeout, connect=connect)]


def wait_names(sbx, where, ip, port, ok, n=1, timeout=30, what=None, **kw):
    """Polls until n connections are all answered by names in ok; returns them."""
    last = []

    def good():
        last[:] = names(sbx, where, ip, port, n=n, **kw)
        return last if all(x in ok for x in last) else None
    try:
        return wait_for(good, timeout=timeout, interval=0.2,
                        what=what or "%s:%d from %s answered by %s" % (ip, port, where, ok))
    except AssertionError as e:
        raise AssertionError("%s; last answers %s" % (e, last)) from None


def wait_udp_names(sbx, where, ip, port, ok, n=1, timeout=30):
    last = []

    def good():
        last[:] = udp_names(sbx, where, ip, port, n=n)
        return last if all(x in ok for x in last) else None
    try:
        return wait_for(good, timeout=timeout, interval=0.2,
                        what="UDP %s:%d from %s answered by %s" % (ip, port, where, ok))
    except AssertionError as e:
        raise AssertionError("%s; last answers %s" % (e, last)) from None


# --- Pods and Services ----------------------------------------------------------


def web_pod(name, node, labels, readiness=READY, grace=None, args=()):
    """netexec on 8080/8081 (hostname = the Pod's name) and a second one on
    9090/9091 answering "<name>-alt", so a test can tell the target ports apart."""
    p = netexec_pod(name, node=node, labels=labels, readiness=readiness, grace=grace, args=args)
    p["spec"]["containers"].append({
        "name": "alt", "image": "svcnet/netexec",
        "command": ["svcnet", "netexec", "--http-port", str(HTTP_ALT),
                    "--udp-port", str(UDP_ALT)] + list(args),
        "env": [{"name": "POD_NAME", "value": name + "-alt"}]})
    return p


class Px:
    """One test's view of the sandbox: what it makes is deleted afterwards."""

    def __init__(self, sbx, fabric):
        self.sbx = sbx
        self.fabric = fabric
        self.mode = sbx.mode
        self.svcs, self.pods, self.routes = [], [], []

    def service(self, prefix, selector=None, ports=((80, HTTP),), labels=None, **spec):
        name = uniq(prefix)
        o = svc(name, ports, **spec)
        if selector is not None:
            o["spec"]["selector"] = selector
        if labels:
            o["metadata"]["labels"] = labels
        self.sbx.apply(o)
        self.svcs.append(name)
        return self.sbx.kjson("get", "service", name)

    def pod(self, obj):
        self.sbx.apply(obj)
        self.pods.append(obj["metadata"]["name"])
        return obj["metadata"]["name"]

    def route(self, ip, node):
        """Routes ip (a /32) in the fabric client via node's fabric address."""
        sh("ip", "-n", FABRIC_NS, "route", "replace", ip + "/32", "via", NODE_IP[node])
        if ip not in self.routes:
            self.routes.append(ip)

    def cleanup(self):
        for ip in self.routes:
            sh("ip", "-n", FABRIC_NS, "route", "del", ip + "/32", check=False)
        if self.svcs:
            self.sbx.kubectl("delete", "service", "--wait=false", *self.svcs, check=False)
        if self.pods:
            self.sbx.kubectl("delete", "pod", "--wait=false", "--grace-period=0", "--force",
                             *self.pods, check=False)


def cluster_ip(s):
    return s["spec"]["clusterIP"]


def node_port(s, i=0):
    return s["spec"]["ports"][i]["nodePort"]


def slice_endpoints(sbx, name):
    sl = sbx.kjson("get", "endpointslices", "-l", "kubernetes.io/service-name=" + name)
    return [e for s in sl["items"] for e in (s.get("endpoints") or [])]


def wait_slice(sbx, name, n_ready, timeout=30):
    """Until the Service's EndpointSlices hold n_ready ready endpoints."""
    def ok():
        eps = slice_endpoints(sbx, name)
        return eps if sum(1 for e in eps
                          if e.get("conditions", {}).get("ready", True)) == n_ready else None
    return wait_for(ok, timeout=timeout, interval=0.2,
                    what="%d ready endpoints of %s" % (n_ready, name))


def barrier(px, node, where=None):
    """Makes sure node's proxy has handled every Service and EndpointSlice
    event written before this call: a new Service is created after them, and
    once it answers from node the proxy's informers have delivered everything
    older (each watch delivers in order; a sync takes all that is pending)."""
    s = px.service("barrier", {"px-pool": "web"})
    wait_names(px.sbx, where or node, cluster_ip(s), 80, WEB, timeout=30,
               what="barrier service on " + node)
    px.sbx.kubectl("delete", "service", s["metadata"]["name"], "--wait=false", check=False)
    px.svcs.remove(s["metadata"]["name"])


WEB = {"w1a", "w1b", "w2a", "w2b"}
WEB_ALT = {n + "-alt" for n in WEB}
WEB_ON = {"node-1": {"w1a", "w1b"}, "node-2": {"w2a", "w2b"}}


# --- rules, metrics ---------------------------------------------------------------


def rules(node):
    """Everything netfilter holds in node's namespace: `nft list ruleset` (which
    shows iptables-nft's tables too) and iptables-save."""
    ns = "svcnet-" + node
    out = sh("ip", "netns", "exec", ns, "nft", "list", "ruleset", check=False).stdout
    out += "\n# iptables-save\n"
    out += sh("ip", "netns", "exec", ns, "iptables-save", check=False).stdout
    return out


def mentions(text, token):
    """token (an IP, a name) appears as a whole word in text."""
    return re.search(r"(?<![\w.-])%s(?![\w-]|\.\d)" % re.escape(token), text) is not None


def metrics(sbx, node):
    r = run(sbx, node, "curl", "-sS", "--max-time", "5", "http://127.0.0.1:10249/metrics",
            timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def metric(text, name, labels=None):
    """The sum of name's samples (whose labels contain labels, a string)."""
    total, seen = 0.0, False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
        if m and m.group(1) == name and (not labels or labels in (m.group(2) or "")):
            total += float(m.group(3))
            seen = True
    return total if seen else None


# --- agents -----------------------------------------------------------------------


def stop_agent(sbx, node, sig=signal.SIGTERM):
    """Stops node's agent (its Pods and rules stay); returns its command line."""
    pid, argv = sbx.agent_pid(node)
    assert pid, "no agent for %s" % node
    os.kill(pid, sig)
    wait_for(lambda: not _alive(pid), timeout=15, what="agent of %s exit" % node)
    return argv


def start_agent(sbx, node, argv):
    with open(os.path.join(sbx.dir, "logs", "%s.log" % node), "ab") as log:
        subprocess.Popen(["ip", "netns", "exec", "svcnet-%s" % node] + argv,
                         stdout=log, stderr=log, start_new_session=True)
    wait_for(lambda: sbx.agent_pid(node)[0], timeout=10, what="agent of %s started" % node)


# --- the fabric client -------------------------------------------------------------


class Fabric:
    """A client outside the cluster: a namespace with a veth on the fabric
    bridge svcnet0, 198.18.0.200/24, no default route (only the fabric and the
    /32 routes tests add towards nodes)."""

    def up(self):
        self.down()
        sh("ip", "netns", "add", FABRIC_NS)
        try:
            sh("ip", "link", "add", FABRIC_HOST_IF, "type", "veth", "peer", "name", FABRIC_IF,
               "netns", FABRIC_NS)
            try:
                with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % FABRIC_HOST_IF, "w") as f:
                    f.write("1")
            except OSError:
                pass
            sh("ip", "link", "set", FABRIC_HOST_IF, "master", "svcnet0", "up")
            ns = ["ip", "netns", "exec", FABRIC_NS]
            sh(*ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
               "net.ipv6.conf.default.disable_ipv6=1", check=False)
            sh("ip", "-n", FABRIC_NS, "link", "set", "lo", "up")
            sh("ip", "-n", FABRIC_NS, "addr", "add", FABRIC_IP + "/24", "dev", FABRIC_IF)
            sh("ip", "-n", FABRIC_NS, "link", "set", FABRIC_IF, "up")
            routes = sh("ip", "-n", FABRIC_NS, "route").stdout
            assert "default" not in routes, routes
        except BaseException:
            self.down()
            raise
        return self

    def down(self):
        subprocess.run(["ip", "link", "del", FABRIC_HOST_IF], capture_output=True)
        subprocess.run(["ip", "netns", "del", FABRIC_NS], capture_output=True)


# --- statistics ---------------------------------------------------------------------


def chi2_sf(x, k):
    """P(X >= x) for a chi-square variable with k (integer) degrees of freedom."""
    z = x / 2.0
    if k % 2 == 0:
        term, total = 1.0, 1.0
        for i in range(1, k // 2):
            term *= z / i
            total += term
        return math.exp(-z) * total
    total = math.erfc(math.sqrt(z))
    term = math.sqrt(z) / math.gamma(1.5)   # z^(1/2) / Gamma(3/2)
    for i in range(1, (k - 1) // 2 + 1):
        total += math.exp(-z) * term
        term *= z / (i + 0.5)
    return total


# --- evidence on failure --------------------------------------------------------------


def dump_evidence(sbx, dest):
    """Rules, conntrack and logs of the sandbox into dest (for bug reports)."""
    os.makedirs(dest, exist_ok=True)
    for node in NODE_IP:
        ns = "svcnet-" + node
        for fname, argv in (("nft", ["nft", "list", "ruleset"]), ("iptables", ["iptables-save"]),
                            ("conntrack", ["conntrack", "-L"]), ("routes", ["ip", "route"]),
                            ("addrs", ["ip", "-br", "addr"])):
            r = subprocess.run(["ip", "netns", "exec", ns] + argv, capture_output=True,
                               text=True, timeout=30)
            with open(os.path.join(dest, "%s.%s.txt" % (node, fname)), "w") as f:
                f.write(r.stdout + r.stderr)
    logs = os.path.join(sbx.dir, "logs")
    if os.path.isdir(logs):
        shutil.copytree(logs, os.path.join(dest, "logs"), dirs_exist_ok=True)
    r = sbx.kubectl("get", "pods,svc,endpointslices", "-o", "wide", check=False)
    with open(os.path.join(dest, "objects.txt"), "w") as f:
        f.write(r.stdout + r.stderr)


def monotonic():
    return time.monotonic()
