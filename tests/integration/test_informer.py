"""The informer library (src/client/informer.c) end to end: tests/tools/informer_tool
runs informers against a real server and prints one line per callback:
"ADD ns/name rv", "UPDATE ns/name rv", "DELETE ns/name rv", "SYNCED n"."""
import http.client
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from svcnet_util import BIN, Server, Stream, svc, uniq, wait_for


def tool_path():
    env = os.environ.get("SVCNET_INFORMER_TOOL")
    if env:
        return env
    here = os.path.join(os.path.dirname(os.path.abspath(BIN)), "informer-tool")
    if os.path.exists(here):
        return here
    return os.path.join(os.path.dirname(__file__), "..", "..", "build", "release",
                        "informer-tool")


TOOL = tool_path()
pytestmark = pytest.mark.skipif(not os.path.exists(TOOL),
                                reason="informer-tool not built (make tools)")


class Tool(Stream):
    """informer-tool in the background; its stdout lines in a queue, and a
    model of the cache built from them that fails on any duplicate."""

    def __init__(self, server, *args):
        super().__init__()
        self.argv = [TOOL, "--kubeconfig", server.kubeconfig, "--backoff-max-ms", "500",
                     "--log-level", os.environ.get("SVCNET_INFORMER_LOG", "info")] + list(args)
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.model = {}
        self.synced = []
        self.err = ""
        self.thread = threading.Thread(target=self._pump, args=(self.proc.stdout.readline,),
                                       daemon=True)
        self.thread.start()
        # stderr is drained all along, so a chatty tool never blocks on it.
        self.err_thread = threading.Thread(target=self._pump_err, daemon=True)
        self.err_thread.start()

    def _pump_err(self):
        for line in self.proc.stderr:
            self.err += line

    def apply(self, line):
        """With several resources (-r twice) lines carry the resource first and
        the model is skipped. Checks a line against the model: ADD only of unknown keys, UPDATE
        only of known keys with a new rv, DELETE only of known keys."""
        f = line.split()
        if len(self.argv) and self.argv.count("-r") > 1:
            return
        if f[0] == "SYNCED":
            assert int(f[1]) == len(self.model), (line, self.model)
            self.synced.append(int(f[1]))
            return
        verb, key, rv = f
        if verb == "ADD":
            assert key not in self.model, "duplicate ADD: %r (model %r)" % (line, self.model)
            self.model[key] = rv
        elif verb == "UPDATE":
            assert key in self.model and self.model[key] != rv, "bad UPDATE: %r" % line
            self.model[key] = rv
        elif verb == "DELETE":
            assert key in self.model, "DELETE of unknown: %r" % line
            del self.model[key]
        else:
            raise AssertionError("unexpected line %r" % line)

    def expect(self, want, timeout=10):
        """Reads lines until `want` (a stripped line) arrives; returns the lines
        before it. Every line goes through the model."""
        seen = []
        t0 = time.monotonic()
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise AssertionError("timed out waiting for %r; got %r; stderr: %s" % (
                    want, seen, self.stderr_now()))
            try:
                line = self.next(left)
            except AssertionError:
                continue
            if line is None:
                raise AssertionError("tool exited waiting for %r; got %r; stderr: %s" % (
                    want, seen, self.close()))
            line = line.strip()
            self.apply(line)
            if line == want:
                return seen
            seen.append(line)

    def quiet(self, secs):
        """Lines that arrive within secs (all through the model)."""
        out = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < secs:
            try:
                line = self.next(max(0.01, secs - (time.monotonic() - t0)))
            except AssertionError:
                break
            if line is None:
                break
            out.append(line.strip())
            self.apply(line.strip())
        return out

    def stderr_now(self):
        return self.err[-3000:]

    def close(self):
        """Stops the tool with SIGTERM; returns its stderr (with the STATS lines)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.thread.join(5)
        self.err_thread.join(5)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.err

    def stats(self):
        out = {}
        for line in self.err.splitlines():
            if line.startswith("STATS "):
                f = line.split()
                out[f[1]] = {k: int(v) for k, v in (x.split("=") for x in f[2:])}
        return out

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def make_ns(server):
    ns = uniq("inf")
    server.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                  namespace=None)
    return ns


def labeled(name, **labels):
    o = svc(name)
    o["metadata"]["labels"] = labels
    return o


def rv_of(server, name, ns):
    return server.get("Service", name, ns)["metadata"]["resourceVersion"]


def label(server, ns, name, **labels):
    st, body = server.request(
        "PATCH", "/api/v1/namespaces/%s/services/%s" % (ns, name),
        json.dumps({"metadata": {"labels": labels}}),
        headers={"Content-Type": "application/merge-patch+json"})
    assert st == 200, (st, body)
    return body["metadata"]["resourceVersion"]


def delete(server, ns, name):
    st, body = server.request("DELETE", "/api/v1/namespaces/%s/services/%s" % (ns, name))
    assert st == 200, (st, body)


def test_add_update_delete(make_server):
    s = make_server()
    ns = make_ns(s)
    a = s.create(svc("a"), ns)
    with Tool(s, "-n", ns) as t:
        assert t.expect("SYNCED 1") == ["ADD %s/a %s" % (ns, a["metadata"]["resourceVersion"])]
        b = s.create(svc("b"), ns)
        t.expect("ADD %s/b %s" % (ns, b["metadata"]["resourceVersion"]))
        rv = label(s, ns, "b", tier="x")
        t.expect("UPDATE %s/b %s" % (ns, rv))
        s.kubectl("-n", ns, "delete", "service", "a")
        line = t.wait_line(lambda l: l.startswith("DELETE"), what="DELETE a").strip()
        t.apply(line)
        assert line.split()[1] == "%s/a" % ns
        assert t.quiet(0.5) == []
        assert t.model == {"%s/b" % ns: rv}
    st = t.stats()["services"]
    assert st["lists"] == 1 and st["gone"] == 0 and st["errors"] == 0, st


def test_all_namespaces_and_several_resources(make_server):
    s = make_server()
    with Tool(s, "-r", "services", "-r", "namespaces", "-r", "pods") as t:
        lines = []
        while sum(1 for l in lines if " SYNCED " in l) < 3:
            lines.append(t.wait_line(lambda l: True, timeout=10, what="3 SYNCED").strip())
        assert "pods SYNCED 0" in lines
        assert "services ADD default/kubernetes %s" % rv_of(s, "kubernetes", "default") in lines
        assert "services SYNCED 1" in lines
        assert any(l.startswith("namespaces ADD kube-system ") for l in lines), lines


def test_label_selector(make_server):
    s = make_server()
    ns = make_ns(s)
    s.create(labeled("web1", app="web"), ns)
    s.create(labeled("db1", app="db"), ns)
    with Tool(s, "-n", ns, "-l", "app=web") as t:
        assert [l.split()[1] for l in t.expect("SYNCED 1")] == ["%s/web1" % ns]
        # Starts matching: ADD; stops matching: DELETE; non-matching: nothing.
        rv = label(s, ns, "db1", app="web")
        t.expect("ADD %s/db1 %s" % (ns, rv))
        label(s, ns, "web1", app="other")
        line = t.wait_line(lambda l: True, what="DELETE web1").strip()
        t.apply(line)
        assert line.startswith("DELETE %s/web1 " % ns), line
        s.create(labeled("db2", app="db"), ns)
        assert t.quiet(0.7) == []


def test_rewatch_after_timeout_without_relist(make_server):
    """timeoutSeconds=1: the server ends each watch; the informer resumes from
    the last resourceVersion, so nothing is listed again or seen twice."""
    s = make_server()
    ns = make_ns(s)
    with Tool(s, "-n", ns, "--watch-timeout", "1") as t:
        t.expect("SYNCED 0")
        for i in range(4):
            o = s.create(svc("s%d" % i), ns)
            t.expect("ADD %s/s%d %s" % (ns, i, o["metadata"]["resourceVersion"]))
            time.sleep(0.6)
        assert t.quiet(1.2) == []
    st = t.stats()["services"]
    assert st["lists"] == 1 and st["watches"] >= 3 and st["gone"] == 0, st


def test_restart_relists_differences(make_server):
    """The server goes away; while the tool cannot reach it, one service is
    deleted and one created (through a second server on the same data dir and
    another port). When the first port serves again, the watch gets 410 and
    the re-list delivers exactly the differences."""
    s = make_server()
    ns = make_ns(s)
    a = s.create(svc("a"), ns)
    b = s.create(svc("b"), ns)
    with Tool(s, "-n", ns) as t:
        t.expect("SYNCED 2")
        def edit(o):
            # The tool retries with back-off meanwhile.
            assert t.proc.poll() is None
            o.request("DELETE", "/api/v1/namespaces/%s/services/a" % ns)
            return o.create(svc("c"), ns)

        c = offline_edit(s, edit)
        before = t.expect("SYNCED 2", timeout=15)
        assert sorted(before) == sorted([
            "ADD %s/c %s" % (ns, c["metadata"]["resourceVersion"]),
            "DELETE %s/a %s" % (ns, a["metadata"]["resourceVersion"]),
        ]), before
        assert t.model == {"%s/b" % ns: b["metadata"]["resourceVersion"],
                           "%s/c" % ns: c["metadata"]["resourceVersion"]}
        # And it watches again from the new list.
        d = s.create(svc("d"), ns)
        t.expect("ADD %s/d %s" % (ns, d["metadata"]["resourceVersion"]))
    st = t.stats()["services"]
    assert st["lists"] == 2 and st["gone"] == 1 and st["errors"] >= 1, st


def test_survives_downtime_with_backoff(make_server):
    s = make_server()
    ns = make_ns(s)
    with Tool(s, "-n", ns) as t:
        t.expect("SYNCED 0")
        s.stop()
        time.sleep(3)
        assert t.proc.poll() is None, "the tool died while the server was down"
        s.start()
        a = s.create(svc("a"), ns)
        # After the restart: 410 -> re-list (finds a) or a watch that sees it.
        t.wait_line(lambda l: l.strip() == "ADD %s/a %s" % (ns, a["metadata"]["resourceVersion"]),
                    timeout=10, what="ADD a")
    err = t.err
    st = t.stats()["services"]
    # Back-off: a few attempts in 3 s, not hundreds.
    assert 2 <= st["errors"] <= 20, (st, err[-2000:])
    assert "again in" in err


def offline_edit(s, fn):
    """Stops s, runs fn(server) against a second server on the same data dir
    and another port (out of the tool's reach), then starts s again."""
    s.stop()
    other = Server(data_dir=s.data_dir)
    other.start()
    try:
        out = fn(other)
    finally:
        other.stop()
    s.start()
    return out


def test_big_list_relist_diff(make_server):
    """1000 services, listed once. One is deleted while the tool cannot see
    the server: the re-list after 410 reports that one DELETE, nothing else."""
    s = make_server()
    ns = make_ns(s)
    conn = http.client.HTTPSConnection("127.0.0.1", s.port, context=s.ssl_context(), timeout=10)
    h = {"Authorization": "Bearer " + s.token, "Content-Type": "application/json"}
    n = 1000
    for i in range(n):
        conn.request("POST", "/api/v1/namespaces/%s/services" % ns,
                     body=json.dumps(svc("s%04d" % i)), headers=h)
        r = conn.getresponse()
        r.read()
        assert r.status == 201, r.status
    conn.close()
    with Tool(s, "-n", ns) as t:
        adds = t.expect("SYNCED %d" % n, timeout=30)
        assert len(adds) == n and all(l.startswith("ADD ") for l in adds)
        offline_edit(s, lambda o: o.request(
            "DELETE", "/api/v1/namespaces/%s/services/s0500" % ns))
        diff = t.expect("SYNCED %d" % (n - 1), timeout=15)
        assert [l.split()[:2] for l in diff] == [["DELETE", "%s/s0500" % ns]], diff
        assert t.quiet(0.5) == []


def test_restart_without_changes_resumes(make_server):
    """A plain restart: the watch resumes (or re-lists after 410); either way
    nothing is reported twice and new objects arrive."""
    s = make_server()
    ns = make_ns(s)
    s.create(svc("a"), ns)
    with Tool(s, "-n", ns) as t:
        t.expect("SYNCED 1")
        s.restart()
        b = s.create(svc("b"), ns)
        t.expect("ADD %s/b %s" % (ns, b["metadata"]["resourceVersion"]), timeout=10)
        assert all(l.startswith("SYNCED") for l in t.quiet(0.5))
