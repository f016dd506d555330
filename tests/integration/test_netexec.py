"""`svcnet netexec`, the Pod test server: HTTP and UDP endpoints, keep-alive,
/exit, the SIGTERM grace period, hostile input and many connections.
Loopback only; every server here has its own free ports."""
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from svcnet_util import BIN, free_port


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


class Netexec:
    def __init__(self, *args, listen="127.0.0.1", udp=True, env=None):
        self.http_port = free_port()
        self.udp_port = free_udp_port() if udp else 0
        cmd = [BIN, "netexec", "--http-port", str(self.http_port),
               "--udp-port", str(self.udp_port)]
        if listen is not None:
            cmd += ["--listen-address", listen]
        cmd += list(args)
        self.log = tempfile.TemporaryFile()
        e = dict(os.environ)
        e.pop("POD_NAME", None)
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=e)
        self.host = "127.0.0.1" if listen in (None, "127.0.0.1") else listen
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1" if listen is None else self.host,
                                          self.http_port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("netexec did not start:\n" + self.logs())
                time.sleep(0.02)

    def logs(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_log(self, text, timeout=5):
        deadline = time.monotonic() + timeout
        while text not in self.logs():
            assert time.monotonic() < deadline, "no %r in:\n%s" % (text, self.logs())
            time.sleep(0.02)

    def conn(self, timeout=5):
        return http.client.HTTPConnection(self.host, self.http_port, timeout=timeout)

    def get(self, path, method="GET", body=None, headers=None):
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.read().decode(errors="replace"), r
        finally:
            c.close()

    def raw(self, data, timeout=5):
        """Sends bytes on a fresh connection and reads until the server closes."""
        s = socket.create_connection((self.host, self.http_port), timeout=timeout)
        try:
            s.sendall(data)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
            return out
        finally:
            s.close()

    def udp(self, msg, timeout=2, family=socket.AF_INET, host=None):
        s = socket.socket(family, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        try:
            # connected, so getsockname() names the address the server sees
            s.connect((host or self.host, self.udp_port))
            s.send(msg)
            data = s.recv(65536)
            return data, s.getsockname()
        finally:
            s.close()

    def stop(self):
        """SIGTERM, so a sanitizer or leak checker gets to report; returns
        what the process said about itself if it misbehaved, else None."""
        bad = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "hung"
            if rc != 0:
                bad = "exit %s on SIGTERM:\n%s" % (rc, self.logs())
        if "Sanitizer" in self.logs() or "definitely lost" in self.logs():
            bad = self.logs()
        self.log.close()
        return bad


@pytest.fixture(scope="module")
def nx():
    n = Netexec(env={"POD_NAME": "pod-a"})
    yield n
    bad = n.stop()
    assert bad is None, bad


@pytest.fixture
def make_nx():
    made = []

    def make(*args, **kw):
        n = Netexec(*args, **kw)
        made.append(n)
        return n

    yield make
    bad = [b for b in (n.stop() for n in made) if b]
    assert not bad, bad[0]


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


# --- endpoints -------------------------------------------------------------


def test_hostname_from_pod_name(nx):
    assert nx.get("/hostname")[:2] == (200, "pod-a")
    assert nx.get("/hostName")[:2] == (200, "pod-a")
    st, body, r = nx.get("/hostname")
    assert r.getheader("Content-Type").startswith("text/plain")


def test_hostname_defaults_to_system_hostname(make_nx):
    n = make_nx(udp=False)
    assert n.get("/hostname")[:2] == (200, socket.gethostname())


def test_clientip_is_the_peer(nx):
    c = nx.conn()
    c.request("GET", "/clientip")
    body = c.getresponse().read().decode()
    ip, port = c.sock.getsockname()
    c.close()
    assert body == "%s:%d" % (ip, port)


def test_echo(nx):
    assert nx.get("/echo?msg=hello")[:2] == (200, "hello")
    assert nx.get("/echo?msg=a%20b%26c%3D%E2%9C%93+d")[:2] == (200, "a b&c=\u2713 d")
    assert nx.get("/echo")[:2] == (200, "")
    assert nx.get("/echo?msg=down&code=503")[:2] == (503, "down")
    assert nx.get("/echo?msg=x&code=abc")[0] == 400
    assert nx.get("/echo?msg=%zz")[0] == 400
    assert nx.get("/echo?msg=a%00b")[0] == 400
    # 204 carries no body, so the connection stays usable
    c = nx.conn()
    c.request("GET", "/echo?msg=x&code=204")
    r = c.getresponse()
    assert (r.status, r.read()) == (204, b"")
    c.request("GET", "/echo?msg=after")
    assert c.getresponse().read() == b"after"
    c.close()


def test_root_and_unknown_paths(nx):
    st, body, _ = nx.get("/")
    assert st == 200 and body.startswith("NOW: ")
    for p in ("/nope", "/hostname/", "/HOSTNAME", "/echo/x", "//hostname", "/shell?cmd=id"):
        assert nx.get(p)[0] == 404, p


def test_methods_head_and_post(nx):
    st, body, r = nx.get("/echo?msg=12345", method="HEAD")
    assert st == 200 and body == "" and r.getheader("Content-Length") == "5"
    assert nx.get("/echo?msg=p", method="POST", body=b"x" * 1000)[:2] == (200, "p")
    assert nx.get("/hostname", method="DELETE")[:2] == (200, "pod-a")


def test_healthz_and_sethealth(make_nx):
    n = make_nx(udp=False)
    assert n.get("/healthz")[:2] == (200, "ok")
    assert n.get("/sethealth?status=500")[0] == 200
    assert n.get("/healthz")[0] == 500
    assert n.get("/sethealth?status=503")[0] == 200
    assert n.get("/healthz")[0] == 503
    assert n.get("/sethealth?status=abc")[0] == 400
    assert n.get("/sethealth")[0] == 400
    assert n.get("/healthz")[0] == 503
    assert n.get("/sethealth?status=200")[0] == 200
    assert n.get("/healthz")[:2] == (200, "ok")


# --- connections ------------------------------------------------------------


def test_keep_alive(nx):
    c = nx.conn()
    c.request("GET", "/hostname")
    c.getresponse().read()
    sock = c.sock
    for i in range(100):
        c.request("GET", "/echo?msg=%d" % i)
        r = c.getresponse()
        assert (r.status, r.read()) == (200, str(i).encode())
    assert c.sock is sock  # one connection carried them all
    c.close()


def test_http10_closes_unless_keep_alive(nx):
    out = nx.raw(b"GET /echo?msg=x HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200") and out.endswith(b"\r\n\r\nx")
    assert b"Connection: close" in out
    s = socket.create_connection((nx.host, nx.http_port), timeout=5)
    s.sendall(b"GET /echo?msg=y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    time.sleep(0.2)
    first = s.recv(65536)
    assert b"Connection: keep-alive" in first and first.endswith(b"y")
    s.sendall(b"GET /echo?msg=z HTTP/1.0\r\n\r\n")
    rest = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    s.close()
    assert rest.endswith(b"z")


def test_pipelining(nx):
    reqs = b"".join(b"GET /echo?msg=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(20))
    reqs += b"GET /echo?msg=last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    out = nx.raw(reqs)
    assert out.count(b"HTTP/1.1 200 OK") == 21
    assert out.endswith(b"last")


def test_pipelined_flood_without_reading(nx):
    """A client that sends far more requests than it reads: the server stops
    reading it instead of queueing without bound, and resumes when it reads."""
    n = 20000
    s = socket.create_connection((nx.host, nx.http_port), timeout=10)
    req = b"GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n"
    s.setblocking(False)
    data = req * n + b"GET /echo?msg=end HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    got = b""
    sent = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sent < len(data):
            try:
                sent += s.send(data[sent:sent + 65536])
            except BlockingIOError:
                pass
        try:
            d = s.recv(1 << 20)
            if not d:
                break
            got += d
        except BlockingIOError:
            time.sleep(0.001)
    s.close()
    assert got.count(b"HTTP/1.1 200 OK") == n + 1
    assert got.endswith(b"end")


def test_expect_100_continue(nx):
    s = socket.create_connection((nx.host, nx.http_port), timeout=5)
    s.sendall(b"POST /echo?msg=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
              b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
    first = s.recv(65536)
    assert first.startswith(b"HTTP/1.1 100 Continue")
    s.sendall(b"hello")
    out = first
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    assert out.endswith(b"\r\n\r\nc") and b"HTTP/1.1 200 OK" in out


def test_200_concurrent_connections(nx):
    socks = [socket.create_connection((nx.host, nx.http_port), timeout=10) for _ in range(200)]
    try:
        for i, s in enumerate(socks):
            s.sendall(b"GET /echo?msg=c%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        for i, s in enumerate(socks):
            want = b"c%d" % i
            got = b""
            while not got.endswith(want):
                d = s.recv(65536)
                assert d, "connection %d closed early" % i
                got += d
            assert got.startswith(b"HTTP/1.1 200")
        # every one of them is still open and usable
        for s in socks:
            s.sendall(b"GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n")
        for s in socks:
            got = b""
            while not got.endswith(b"pod-a"):
                d = s.recv(65536)
                assert d
                got += d
    finally:
        for s in socks:
            s.close()
    assert nx.get("/healthz")[0] == 200


def test_quiet_unless_verbose(make_nx):
    n = make_nx(udp=False)
    for _ in range(5):
        n.get("/hostname")
    n.wait_log("serving as")
    assert "/hostname" not in n.logs()
    v = make_nx("--verbose", udp=False)
    v.get("/echo?msg=logged")
    v.wait_log("/echo?msg=logged -> 200")


def test_dual_stack_default_listen(make_nx):
    n = make_nx(listen=None)
    c = http.client.HTTPConnection("127.0.0.1", n.http_port, timeout=5)
    c.request("GET", "/clientip")
    body = c.getresponse().read().decode()
    assert body == "127.0.0.1:%d" % c.sock.getsockname()[1]
    c.close()
    data, me = n.udp(b"clientip", host="127.0.0.1")
    assert data.decode() == "127.0.0.1:%d" % me[1]
    if not have_ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    c = http.client.HTTPConnection("::1", n.http_port, timeout=5)
    c.request("GET", "/clientip")
    body = c.getresponse().read().decode()
    assert body == "[::1]:%d" % c.sock.getsockname()[1]
    c.close()
    data, me = n.udp(b"clientip", family=socket.AF_INET6, host="::1")
    assert data.decode() == "[::1]:%d" % me[1]


def test_ipv6_listen_address(make_nx):
    if not have_ipv6_loopback():
        pytest.skip("no IPv6 loopback")
    n = make_nx(listen="::1", udp=False)
    c = http.client.HTTPConnection("::1", n.http_port, timeout=5)
    c.request("GET", "/clientip")
    assert c.getresponse().read().decode() == "[::1]:%d" % c.sock.getsockname()[1]
    c.close()


# --- UDP ---------------------------------------------------------------------


def test_udp_commands(nx):
    assert nx.udp(b"hostname")[0] == b"pod-a"
    assert nx.udp(b"HOSTNAME\n")[0] == b"pod-a"
    assert nx.udp(b"echo Hello World")[0] == b"Hello World"
    data, me = nx.udp(b"clientip")
    assert data.decode() == "%s:%d" % me[:2]
    big = b"x" * 60000
    assert nx.udp(b"echo " + big)[0] == big


def test_udp_unknown_gets_no_answer(nx):
    for msg in (b"what", b"", b"echo", b"\x00\xff" * 10):
        with pytest.raises(socket.timeout):
            nx.udp(msg, timeout=0.3)
    assert nx.udp(b"hostname")[0] == b"pod-a"


def test_udp_disabled(make_nx):
    n = make_nx(udp=False)
    n.wait_log("no UDP")


# --- exit and shutdown ----------------------------------------------------------


def test_exit_code(make_nx):
    n = make_nx(udp=False)
    st, body, _ = n.get("/exit?code=42")
    assert st == 200 and "42" in body
    assert n.proc.wait(timeout=5) == 42


def test_exit_default_and_bad_code(make_nx):
    n = make_nx(udp=False)
    assert n.get("/exit?code=300")[0] == 400
    assert n.get("/exit?code=x")[0] == 400
    assert n.proc.poll() is None
    assert n.get("/exit")[0] == 200
    assert n.proc.wait(timeout=5) == 0


def test_sigterm_without_delay_exits_now(make_nx):
    n = make_nx()
    t0 = time.monotonic()
    n.proc.send_signal(signal.SIGTERM)
    assert n.proc.wait(timeout=5) == 0
    assert time.monotonic() - t0 < 1.5


def test_sigterm_delay_keeps_serving(make_nx):
    n = make_nx("--delay-shutdown", "2")
    keep = n.conn()
    keep.request("GET", "/hostname")
    keep.getresponse().read()
    t0 = time.monotonic()
    n.proc.send_signal(signal.SIGTERM)
    served = 0
    while time.monotonic() - t0 < 1.5:
        assert n.proc.poll() is None
        assert n.get("/hostname")[0] == 200  # new connections
        keep.request("GET", "/healthz")  # and existing ones
        assert keep.getresponse().read() == b"ok"
        assert n.udp(b"echo still")[0] == b"still"
        served += 1
        time.sleep(0.05)
    assert served > 5
    assert n.proc.wait(timeout=5) == 0
    assert time.monotonic() - t0 >= 1.9
    keep.close()
    n.wait_log("serving 2 s more")


def test_second_sigterm_exits_at_once(make_nx):
    n = make_nx("--delay-shutdown", "30", udp=False)
    n.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    assert n.get("/hostname")[0] == 200
    n.proc.send_signal(signal.SIGTERM)
    assert n.proc.wait(timeout=5) == 0


# --- hostile input ------------------------------------------------------------------


@pytest.mark.parametrize("data,status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /hostname HTTP/1.1\r\n\r\n", 400),  # no Host
    (b"GET /hostname HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400),
    (b"GET /hostname HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
    (b"GET /hostname HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /hostname HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    (b"GET /hostname HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    (b"GET /hostname HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
     400),
    (b"GET /h HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 431),
    (b"".join(b"X%d: y\r\n" % i for i in range(100)).join(
        [b"GET / HTTP/1.1\r\nHost: x\r\n", b"\r\n"]), 431),
    (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n", 413),
    (b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000\r\n" + b"a" * 65536 + b"\r\n10\r\n", 413),
    (b"GET /echo?msg=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
])
def test_hostile_requests(nx, data, status):
    out = nx.raw(data)
    assert status_of(out) == status, out[:200]
    assert nx.get("/hostname")[:2] == (200, "pod-a")


def test_oversized_then_more_bytes_still_answered(nx):
    """The client keeps sending after the 431: the answer still arrives (the
    server drains instead of resetting)."""
    s = socket.create_connection((nx.host, nx.http_port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000)
    try:
        s.sendall(b"b" * 100000)
    except OSError:
        pass
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    s.close()
    assert status_of(out) == 431


def test_truncated_and_junk_connections(nx):
    for data in (b"GET /hostname HTTP/1.1\r\nHo", b"\xff" * 1000, b"\r\n" * 10, b""):
        s = socket.create_connection((nx.host, nx.http_port), timeout=5)
        s.sendall(data)
        s.close()
    socks = []
    for _ in range(50):
        s = socket.create_connection((nx.host, nx.http_port), timeout=5)
        s.sendall(b"GET /hostname HTTP/1.1\r\nHost: x\r\n\r\n")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        socks.append(s)
    for s in socks:
        s.close()  # reset with the answer unread
    assert nx.get("/hostname")[:2] == (200, "pod-a")
    assert nx.proc.poll() is None


# --- flags -----------------------------------------------------------------------


def run_cli(*args):
    return subprocess.run([BIN, "netexec"] + list(args), capture_output=True, timeout=10)


def test_help_and_bad_flags():
    r = run_cli("--help")
    assert r.returncode == 0 and b"--delay-shutdown" in r.stdout
    for args in (["--http-port", "70000"], ["--http-port", "x"], ["--udp-port", "-5"],
                 ["--delay-shutdown", "-1"], ["--delay-shutdown", "nan"],
                 ["--listen-address", "not-an-ip"], ["--nope"], ["extra"]):
        r = run_cli(*args)
        assert r.returncode == 2, args


def test_port_in_use_fails(nx):
    r = run_cli("--listen-address", "127.0.0.1", "--http-port", str(nx.http_port),
                "--udp-port", "0")
    assert r.returncode == 1
    assert b"cannot listen" in r.stderr
