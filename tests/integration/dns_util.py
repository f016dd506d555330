"""Helpers for the cluster DNS tests (test_dns.py): dig inside a Pod with its
answer parsed, a poller that runs dig every 100 ms inside a Pod (for "seen
within 1 s"), a hostile-packet sender, and an upstream DNS server (dnsmasq)
in a namespace of its own on the fabric bridge.

Everything runs inside namespaces: Pods (`svcnet exec`), and UPSTREAM_NS, a
namespace with a veth on svcnet0 (198.18.0.201/24, no default route); the
DNS Pods reach it through their node's masquerade, as they reach the API
server."""
import json
import os
import re
import signal
import subprocess
import time

from proxy_util import where_argv, sh
from svcnet_util import BIN

PY = "/usr/bin/python3"
DNS_IP = "10.43.0.10"
ZONE = "cluster.local"
UPSTREAM_NS = "svndns-up"
UPSTREAM_IP = "198.18.0.201"
UPSTREAM_HOST_IF = "svndns-h"
UPSTREAM_IF = "svndns-c"

_HEADER = re.compile(r";; ->>HEADER<<- opcode: (\S+), status: (\S+), id: (\d+)")
_FLAGS = re.compile(r";; flags:([^;]*);")
_SECTION = re.compile(r";; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:")


class Answer:
    """A parsed dig reply: rc (dig's exit status), status ("NOERROR"...),
    flags ({"qr", "aa", "tc", ...}), answer / authority / additional: lists
    of (name, ttl, type, rdata) with names lower-cased and rdata as dig
    prints it (one string; TXT with its quotes)."""

    def __init__(self, rc, text):
        self.rc, self.text = rc, text
        self.status, self.flags = None, set()
        self.answer, self.authority, self.additional = [], [], []
        section = None
        for line in text.splitlines():
            m = _HEADER.search(line)
            if m:
                self.status = m.group(2).rstrip(",")
                continue
            m = _FLAGS.search(line)
            if m and self.status is not None and not self.flags:
                self.flags = set(m.group(1).split())
                continue
            m = _SECTION.match(line)
            if m:
                section = getattr(self, m.group(1).lower())
                continue
            if not line.strip():
                section = None
                continue
            if section is None or line.startswith(";"):
                continue
            f = line.split(None, 4)
            if len(f) == 5 and f[2] == "IN":
                section.append((f[0].lower(), int(f[1]), f[3], f[4].strip()))

    def rdata(self, rtype):
        """Sorted rdata of the answer's records of rtype."""
        return sorted(r[3] for r in self.answer if r[2] == rtype)

    def __repr__(self):
        return "<dig rc=%s status=%s flags=%s answer=%s authority=%s>" % (
            self.rc, self.status, sorted(self.flags), self.answer, self.authority)


def dig(sbx, where, name, qtype="A", server=DNS_IP, *opts, timeout=30):
    """dig from `where` ("pod:NAME", a node or "fabric"); +time=2 +tries=2 so a
    lost packet does not fail a test, yet a dead server is noticed soon."""
    argv = ["dig", "@" + server, "+time=2", "+tries=2"] + list(opts) + [name, qtype]
    r = subprocess.run(where_argv(sbx, where, argv), capture_output=True, text=True,
                       timeout=timeout)
    return Answer(r.returncode, r.stdout + r.stderr)


def dig_ok(sbx, where, name, qtype="A", server=DNS_IP, *opts):
    """dig that must have been answered (exit 0, a header); the Answer."""
    a = dig(sbx, where, name, qtype, server, *opts)
    assert a.rc == 0 and a.status, "dig %s %s @%s: %r\n%s" % (name, qtype, server, a, a.text)
    return a


def fqdn(*labels):
    return ".".join(labels + (ZONE,)) + "."


def svc_fqdn(name, ns="default"):
    return fqdn(name, ns, "svc")


def reverse(ip):
    return ".".join(reversed(ip.split("."))) + ".in-addr.arpa."


def dashed(ip):
    return ip.replace(".", "-")


def soa_ok(a):
    """The negative answer's authority: the zone's SOA (and nothing else)."""
    soas = [r for r in a.authority if r[2] == "SOA"]
    return len(soas) == 1 and soas[0][0] == ZONE + "." and len(a.authority) == 1


# --- seen within a second --------------------------------------------------------------

# Runs `dig +short`-like queries every interval until the condition holds,
# inside a Pod; prints one JSON line "ready" after the first query (the
# state before the change) and one with the wall-clock time the condition
# first held. Host processes share the clock, so the test compares it with
# the time its API write returned.
POLLER = r'''
import json, subprocess, sys, time
a = json.loads(sys.argv[1])
t_end = time.monotonic() + a["timeout"]
first = True
while True:
    t = time.time()
    r = subprocess.run(["dig", "@" + a["server"], "+time=1", "+tries=1", "+noall",
                        "+answer", "+comments", a["name"], a["type"]],
                       capture_output=True, text=True)
    out = r.stdout
    status = ""
    for line in out.splitlines():
        if "status:" in line:
            status = line.split("status:")[1].split(",")[0].strip()
    ans = [l.split()[-1] for l in out.splitlines()
           if l and not l.startswith(";") and len(l.split()) >= 5]
    if a["want"] == "nx":
        ok = status == "NXDOMAIN"
    elif a["want"] == "any":
        ok = status == "NOERROR" and bool(ans)
    else:
        ok = a["want"] in ans
    if first:
        print(json.dumps({"ready": True, "ok": ok, "status": status}), flush=True)
        first = False
    if ok:
        print(json.dumps({"t": t, "status": status, "answers": ans}), flush=True)
        break
    if time.monotonic() >= t_end:
        print(json.dumps({"t": None, "status": status, "answers": ans}), flush=True)
        break
    time.sleep(max(0, a["interval"] - (time.time() - t)))
'''


class Poller:
    """Polls name/type from a Pod every 100 ms until want ("nx", "any" or an
    IP) is seen. start() returns once the first query (before the change)
    was answered and did not already satisfy want."""

    def __init__(self, sbx, pod, name, qtype, want, timeout=10, interval=0.1, server=DNS_IP):
        req = {"name": name, "type": qtype, "want": want, "timeout": timeout,
               "interval": interval, "server": server}
        self.p = subprocess.Popen(where_argv(sbx, "pod:" + pod, [PY, "-c", POLLER,
                                                                  json.dumps(req)]),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start(self):
        line = self.p.stdout.readline()
        if not line:
            self.p.wait(timeout=10)
            raise AssertionError("poller died: %s" % self.p.stderr.read())
        first = json.loads(line)
        assert not first["ok"], "already true before the change: %s" % first
        return self

    def wait(self, timeout=30):
        out, err = self.p.communicate(timeout=timeout)
        lines = [l for l in out.splitlines() if l.strip()]
        assert self.p.returncode == 0 and lines, "poller failed: %s %s" % (out, err)
        return json.loads(lines[-1])

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.communicate()


# --- hostile input ---------------------------------------------------------------------

# Sends malformed DNS over UDP and TCP to each target; prints what it sent.
HOSTILE = r'''
import json, os, random, socket, struct, sys, time
a = json.loads(sys.argv[1])
rnd = random.Random(a["seed"])
hdr = lambda qd, an=0, flags=0x0100: struct.pack(">HHHHHH", rnd.randrange(65536), flags, qd, an, 0, 0)
udp = [b"", b"\x00", b"\xff" * 11, hdr(1), hdr(65535) + b"\x00\x00\x01\x00\x01",
       hdr(1) + b"\xc0\x0c\x00\x01\x00\x01",                 # pointer to itself
       hdr(1) + b"\x3f" + b"a" * 10,                          # label past the end
       hdr(1) + b"\x01a" * 200 + b"\x00\x00\x01\x00\x01",     # name longer than 255
       hdr(1) + b"\x03www\x00\x00\x01",                       # cut qtype/qclass
       hdr(1, flags=0x8100) + b"\x03www\x00\x00\x01\x00\x01", # a response, not a query
       hdr(1) + b"\x03www\x00\x00\x01\x00\x01" + b"\x00\x00\x29\xff\xff",  # cut OPT
       hdr(0, an=50) + b"\x00" * 20]
udp += [bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 600))) for _ in range(200)]
sent = 0
for ip in a["targets"]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for p in udp:
        s.sendto(p, (ip, 53))
        sent += 1
    s.close()
    # TCP: a length prefix with too few bytes after it, then EOF; a lone
    # byte of a length; a huge declared length; garbage with a valid prefix
    for chunk in (b"\x00\x40" + b"\x12\x34\x01\x00\x00", b"\x00", b"\xff\xff" + b"x" * 100,
                  b"\x00\x0c" + b"\xff" * 12, b"\x00\x11" + hdr(1) + b"\x03ww"):
        c = socket.create_connection((ip, 53), timeout=3)
        c.sendall(chunk)
        c.shutdown(socket.SHUT_WR)
        try:
            c.settimeout(2)
            while c.recv(4096):
                pass
        except OSError:
            pass
        c.close()
        sent += 1
print(json.dumps({"sent": sent}))
'''


def send_hostile(sbx, pod, targets, seed=5):
    r = subprocess.run(where_argv(sbx, "pod:" + pod, [PY, "-c", HOSTILE, json.dumps(
        {"targets": targets, "seed": seed})]), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "hostile sender failed: %s %s" % (r.stdout, r.stderr)
    return json.loads(r.stdout)


# --- the upstream: dnsmasq in a namespace on the fabric ---------------------------------


class Upstream:
    """dnsmasq, authoritative for upstream.test (host records name -> IPv4,
    denials with the SOA), on UPSTREAM_IP:53, in a
    namespace with a veth on svcnet0 and no default route. stop() ends the
    server but keeps the namespace (so the forwarder's queries get
    no answer, as from a dead server); down() removes everything."""

    def __init__(self, records):
        self.records = records
        self.proc = None
        self.pidfile = "/run/svndns-up-dnsmasq.pid"

    def up(self):
        self.down()
        sh("ip", "netns", "add", UPSTREAM_NS)
        try:
            sh("ip", "link", "add", UPSTREAM_HOST_IF, "type", "veth", "peer", "name",
               UPSTREAM_IF, "netns", UPSTREAM_NS)
            try:
                with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % UPSTREAM_HOST_IF,
                          "w") as f:
                    f.write("1")
            except OSError:
                pass
            sh("ip", "link", "set", UPSTREAM_HOST_IF, "master", "svcnet0", "up")
            sh("ip", "-n", UPSTREAM_NS, "link", "set", "lo", "up")
            sh("ip", "-n", UPSTREAM_NS, "addr", "add", UPSTREAM_IP + "/24", "dev",
               UPSTREAM_IF)
            sh("ip", "-n", UPSTREAM_NS, "link", "set", UPSTREAM_IF, "up")
            assert "default" not in sh("ip", "-n", UPSTREAM_NS, "route").stdout
            self.start()
        except BaseException:
            self.down()
            raise
        return self

    def start(self):
        argv = ["ip", "netns", "exec", UPSTREAM_NS, "dnsmasq", "--no-daemon",
                "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--user=root",
                "--listen-address=" + UPSTREAM_IP, "--bind-interfaces", "--port=53",
                "--local-ttl=300", "--pid-file=" + self.pidfile, "--log-facility=-"]
        for name, ip in self.records.items():
            argv.append("--host-record=%s,%s" % (name, ip))
        # authoritative for upstream.test on its fabric link: denials carry
        # the zone's SOA (TTL and minimum 300), so a forwarder may cache them
        # (RFC 2308); nothing is ever forwarded (no upstreams of its own)
        argv += ["--auth-server=ns.upstream.test," + UPSTREAM_IF,
                 "--auth-zone=upstream.test", "--auth-ttl=300",
                 "--auth-soa=1,hostmaster.upstream.test,1200,120,1209600,300"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10:
            r = subprocess.run(["ip", "netns", "exec", UPSTREAM_NS, "dig", "@" + UPSTREAM_IP,
                                "+time=1", "+tries=1", "+short",
                                next(iter(self.records))], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.strip():
                return
            if self.proc.poll() is not None:
                raise AssertionError("dnsmasq exited: %s" % self.proc.stderr.read())
            time.sleep(0.1)
        raise AssertionError("dnsmasq did not answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def down(self):
        self.stop()
        try:
            os.unlink(self.pidfile)
        except OSError:
            pass
        subprocess.run(["ip", "link", "del", UPSTREAM_HOST_IF], capture_output=True)
        subprocess.run(["ip", "netns", "del", UPSTREAM_NS], capture_output=True)


def dns_available():
    r = subprocess.run([BIN, "dns", "--help"], capture_output=True, text=True, timeout=10)
    return r.returncode == 0
