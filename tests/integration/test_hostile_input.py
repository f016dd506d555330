"""Hostile and malformed input: clear errors, no crash, nothing corrupted."""
import json
import socket
import ssl
import time

import pytest

from svcnet_util import Server


@pytest.fixture(scope="module")
def srv():
    s = Server(extra_args=["--request-timeout", "2"]).start()
    st, _ = s.request("POST", "/api/v1/namespaces/default/services", body={
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "keep"},
        "spec": {"ports": [{"port": 80}]}})
    assert st == 201
    yield s
    assert s.proc.poll() is None, "server died: " + s.read_log()[-3000:]
    st, obj = s.request("GET", "/api/v1/namespaces/default/services/keep")
    assert st == 200 and obj["metadata"]["name"] == "keep"
    s.cleanup()


def tls_sock(s, timeout=5):
    raw = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
    return s.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")


def read_status(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].decode()
    return int(line.split()[1]) if line.startswith("HTTP/1.1") else None, data


def test_oversized_body_413(srv):
    with tls_sock(srv) as s:
        s.sendall(("POST /api/v1/namespaces/default/services HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                   "Content-Length: 10000000\r\n\r\n" % srv.token).encode())
        st, data = read_status(s)
    assert st == 413
    assert b"RequestEntityTooLarge" in data


def test_oversized_headers_431(srv):
    with tls_sock(srv) as s:
        s.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 +
                  b"\r\n\r\n")
        st, _ = read_status(s)
    assert st == 431


def test_too_many_headers_431(srv):
    with tls_sock(srv) as s:
        hdrs = "".join("X-H%d: v\r\n" % i for i in range(200))
        s.sendall(("GET /version HTTP/1.1\r\nHost: x\r\n%s\r\n" % hdrs).encode())
        st, _ = read_status(s)
    assert st == 431


def test_slow_client_is_cut_off(srv):
    with tls_sock(srv, timeout=10) as s:
        s.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        # A slowloris drip never completes the head; the server gives up.
        st = None
        while time.monotonic() - t0 < 8:
            try:
                s.sendall(b"X-Drip: 1\r\n")
            except OSError:
                break
            s.settimeout(0.5)
            try:
                data = s.recv(4096)
                if not data:
                    break
                if data.startswith(b"HTTP/1.1 408"):
                    st = 408
                    break
            except socket.timeout:
                pass
        assert time.monotonic() - t0 < 8, "slow client was never cut off"


def test_malformed_request_line_400(srv):
    with tls_sock(srv) as s:
        s.sendall(b"GARBAGE\x01 / HTTP/1.1\r\n\r\n")
        st, _ = read_status(s)
    assert st == 400


def test_plain_http_to_tls_port(srv):
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            s.recv(100)
        except OSError:
            pass
    assert srv.proc.poll() is None


@pytest.mark.parametrize("body,ctype", [
    (b"{", "application/json"),
    (b"[" * 100000 + b"]" * 100000, "application/json"),
    (b'{"apiVersion":"v1","kind":"Service","metadata":{"name":"\xff\xfe"}}', "application/json"),
    (b'{"a":1,"a":2}', "application/json"),
    (b"null", "application/json"),
    (b"a: [\n- b\n  c: {", "application/yaml"),
    (b"a: &x [*x]", "application/yaml"),
    (b"", "application/json"),
])
def test_malformed_bodies_400(srv, body, ctype):
    st, obj = srv.request("POST", "/api/v1/namespaces/default/services", body=body,
                          headers={"Content-Type": ctype})
    assert st == 400, obj
    assert obj["kind"] == "Status" and obj["code"] == 400


@pytest.mark.parametrize("spec", [
    {"ports": "x"},
    {"ports": [{"port": "80"}]},
    {"ports": [{"port": 70000}]},
    {"ports": [{"port": 80, "nodePort": -1}], "type": "NodePort"},
    {"ports": [{"port": 80}], "type": 7},
    {"ports": [{"port": 80}], "clusterIP": "10.43.0.999"},
    {"ports": [{"port": 80}], "selector": ["a"]},
    {"ports": [{"port": 80}], "externalIPs": [{"x": 1}]},
])
def test_wrong_types_and_values_422(srv, spec):
    st, obj = srv.request("POST", "/api/v1/namespaces/default/services", body={
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad"}, "spec": spec})
    assert st == 422, obj
    assert obj["reason"] == "Invalid" and obj["details"]["causes"]


def test_bad_tokens_401(srv):
    for tok in ["wrong", "", "x" * 5000]:
        st, obj = srv.request("GET", "/api/v1/namespaces", token=tok or "none")
        assert st == 401
    st, _ = srv.request("GET", "/api/v1/namespaces", token=False)
    assert st == 401
    st, _ = srv.request("GET", "/healthz", token=False)
    assert st == 200


def test_path_tricks_404(srv):
    for p in ["/api/v1/namespaces/default/services/../secrets", "/api/v1/%00",
              "/api/v1/namespaces/default/frobs", "/apis/x/y/z", "/api/v1/namespaces//pods",
              "/" + "a/" * 100]:
        st, _ = srv.request("GET", p)
        assert st in (400, 404), p


def test_pipelined_requests(srv):
    with tls_sock(srv) as s:
        req = ("GET /version HTTP/1.1\r\nHost: x\r\n\r\n").encode()
        s.sendall(req * 20)
        data = b""
        t0 = time.monotonic()
        while data.count(b"HTTP/1.1 200") < 20 and time.monotonic() - t0 < 5:
            data += s.recv(65536)
    assert data.count(b"HTTP/1.1 200") == 20


def test_many_idle_connections(srv):
    socks = []
    try:
        for _ in range(300):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5))
        st, _ = srv.request("GET", "/api/v1/namespaces")
        assert st == 200
    finally:
        for s in socks:
            s.close()


def test_pipelined_creates_all_answered(srv):
    """Writes pipelined on one connection are all committed and answered,
    also those parsed while the previous answers were being flushed."""
    body = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"pipe-%d"},' \
           '"spec":{"ports":[{"port":80}]}}'
    reqs = b""
    for i in range(8):
        b = (body % i).encode()
        reqs += ("POST /api/v1/namespaces/default/services HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                 "Content-Length: %d\r\n\r\n" % (srv.token, len(b))).encode() + b
    with tls_sock(srv) as s:
        s.sendall(reqs)
        data = b""
        t0 = time.monotonic()
        while data.count(b"HTTP/1.1 201") < 8 and time.monotonic() - t0 < 5:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.count(b"HTTP/1.1 201") == 8
    for i in range(8):
        st, _ = srv.request("GET", "/api/v1/namespaces/default/services/pipe-%d" % i)
        assert st == 200
