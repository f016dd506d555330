"""Helpers for the integration tier: start a real `svcnet server` on loopback,
talk to it with kubectl, with raw HTTPS, and with the Kubernetes Python client."""
import http.client
import itertools
import json
import os
import queue
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

BIN = os.environ.get("SVCNET_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "svcnet"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A svcnet server process with its own data dir and port."""

    def __init__(self, extra_args=(), data_dir=None, port=None):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="svcnet-it-")
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.started_once = False
        self.log_path = os.path.join(self.data_dir, "server.log")

    @property
    def kubeconfig(self):
        return os.path.join(self.data_dir, "kubeconfig")

    @property
    def token(self):
        with open(os.path.join(self.data_dir, "pki", "admin.token")) as f:
            return f.read().strip()

    @property
    def ca(self):
        return os.path.join(self.data_dir, "pki", "ca.crt")

    def start(self, timeout=10):
        os.makedirs(self.data_dir, exist_ok=True)
        self.log = open(self.log_path, "ab")
        args = [BIN, "server", "--data-dir", self.data_dir,
                "--listen", "127.0.0.1:%d" % self.port] + self.extra_args
        t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
            while time.monotonic() - t0 < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError("server exited: " + self.read_log()[-2000:])
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                        pass
                    if os.path.exists(self.kubeconfig) and self._is_ours():
                        self.started_in = time.monotonic() - t0
                        self.started_once = True
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            raise RuntimeError("server did not start: " + self.read_log()[-2000:])
        except BaseException:
            # Never leave a half-started server behind: with
            # `Server(...).start()` the caller has no object to clean up.
            # A data dir that never served is ours to remove too.
            self.stop(signal.SIGKILL)
            if self.own_dir and not self.started_once:
                subprocess.run(["rm", "-rf", self.data_dir])
            raise

    def _is_ours(self):
        # A TLS handshake verified against this data dir's CA proves that the
        # listener is our process and not another one that holds the port.
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
                with self.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1"):
                    pass
        except (OSError, ssl.SSLError):
            return False
        return self.proc.poll() is None

    def restart(self, timeout=10):
        """Stop and start again on the same data dir and port."""
        self.stop()
        return self.start(timeout)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        log = getattr(self, "log", None)
        if log and not log.closed:
            log.close()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        self.check_sanitizers()
        return rc

    def check_sanitizers(self):
        """Under the ASan+UBSan build (SVCNET_SANITIZED=1), any report in the
        server's log fails the test that ran it: leaks are found at exit."""
        if not os.environ.get("SVCNET_SANITIZED"):
            return
        text = self.read_log()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in text:
                i = text.index(marker)
                raise AssertionError("sanitizer report in server log:\n" + text[i - 200:i + 3000])

    def cleanup(self):
        self.stop()
        if self.own_dir:
            subprocess.run(["rm", "-rf", self.data_dir])

    # --- clients ---

    def kubectl(self, *args, input=None, check=True, timeout=30, env=None):
        p = subprocess.run(self.kubectl_argv() + list(args),
                           input=input, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, **env) if env else None)
        if check and p.returncode != 0:
            raise AssertionError("kubectl %s failed (%d):\n%s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def kubectl_argv(self):
        # A discovery cache per server keeps runs hermetic (ports get reused)
        # and keeps $HOME clean.
        return ["kubectl", "--kubeconfig", self.kubeconfig,
                "--cache-dir", os.path.join(self.data_dir, "kube-cache")]

    def kjson(self, *args, **kw):
        """kubectl ... -o json, parsed."""
        return json.loads(self.kubectl(*(list(args) + ["-o", "json"]), **kw).stdout)

    def kcreate(self, obj, *args, check=True):
        """kubectl create -f - with obj (a dict) as JSON."""
        return self.kubectl("create", "-f", "-", *args, input=json.dumps(obj), check=check)

    def create(self, obj, namespace="default", expect=201):
        """Raw POST of obj; returns the created object (asserts the status)."""
        st, body = self.request("POST", path_for(obj["kind"], namespace), obj)
        if expect is not None:
            assert st == expect, (st, body)
        return body

    def get(self, kind, name, namespace="default"):
        """Raw GET; the object, or None when it is not found."""
        st, body = self.request("GET", path_for(kind, namespace, name))
        if st == 404:
            return None
        assert st == 200, (st, body)
        return body

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        return ctx

    def request(self, method, path, body=None, headers=None, token=True, timeout=10):
        """One HTTPS request; returns (status, parsed JSON or raw text)."""
        h = {"Accept": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + (self.token if token is True else token)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ssl_context(),
                                        timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, data.decode(errors="replace")


def wait_for(pred, timeout=5, interval=0.05, what="condition"):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < timeout:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


# --- resource paths and object helpers ---

# kind -> (API prefix, plural, namespaced); the resources svcnet serves.
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Pod": ("/api/v1", "pods", True),
    "Service": ("/api/v1", "services", True),
    "Endpoints": ("/api/v1", "endpoints", True),
    "Node": ("/api/v1", "nodes", False),
    "Secret": ("/api/v1", "secrets", True),
    "Event": ("/api/v1", "events", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "IngressClass": ("/apis/networking.k8s.io/v1", "ingressclasses", False),
}

_seq = itertools.count(1)


def uniq(prefix):
    """A name no other test in this run uses (DNS-1035 safe)."""
    return "%s-%d-%d" % (prefix, os.getpid() % 10000, next(_seq))


def path_for(kind, namespace="default", name=None, sub=None, query=None):
    prefix, plural, namespaced = KINDS[kind]
    p = prefix
    if namespaced and namespace:
        p += "/namespaces/" + namespace
    p += "/" + plural
    if name:
        p += "/" + name
    if sub:
        p += "/" + sub
    if query:
        p += "?" + query
    return p


def svc(name, ports=((80, None),), **spec):
    """A Service manifest; ports are (port, targetPort) or dicts."""
    pl = []
    for i, pt in enumerate(ports):
        if isinstance(pt, dict):
            pl.append(pt)
            continue
        d = {"port": pt[0]}
        if pt[1] is not None:
            d["targetPort"] = pt[1]
        if len(ports) > 1:
            d["name"] = "p%d" % i
        pl.append(d)
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": dict({"ports": pl}, **spec)}
    return s


class Stream:
    """A line-oriented streaming response (watch, kubectl -w) read by a
    thread into a queue, so that tests can wait with a timeout."""

    def __init__(self):
        self.q = queue.Queue()
        self.lines = []

    def _pump(self, readline):
        try:
            while True:
                line = readline()
                if not line:
                    break
                self.q.put(line)
        except Exception:  # closed under us: the test is done with it
            pass
        self.q.put(None)

    def next(self, timeout=5):
        """The next line, or None at end of stream; raises on timeout."""
        try:
            line = self.q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no line within %ss (seen: %r)" % (timeout, self.lines[-5:]))
        if line is not None:
            self.lines.append(line)
        return line

    def wait_line(self, pred, timeout=5, what="line"):
        t0 = time.monotonic()
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise AssertionError("timed out waiting for %s (seen: %r)" %
                                     (what, self.lines[-10:]))
            try:
                line = self.next(left)
            except AssertionError:
                continue
            if line is None:
                raise AssertionError("stream ended waiting for %s (seen: %r)" %
                                     (what, self.lines[-10:]))
            if pred(line):
                return line


class Watch(Stream):
    """A raw HTTPS watch: JSON events, one per line of the chunked body."""

    def __init__(self, server, path, token=True, timeout=10):
        super().__init__()
        h = {"Accept": "application/json"}
        if token:
            h["Authorization"] = "Bearer " + server.token
        self.conn = http.client.HTTPSConnection("127.0.0.1", server.port,
                                                context=server.ssl_context(), timeout=timeout)
        self.conn.request("GET", path, headers=h)
        # Held here: with "Connection: close" http.client drops conn.sock
        # once the response is read, but the response still reads from it.
        self.sock = self.conn.sock
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict(self.resp.getheaders())
        # The headers came in time; from here the reader thread may block for
        # as long as the test wants (every wait on the queue has a timeout,
        # and close() shuts the socket down under it).
        if self.sock:
            self.sock.settimeout(None)
        self.thread = threading.Thread(target=self._pump, args=(self.resp.readline,), daemon=True)
        self.thread.start()

    def event(self, timeout=5):
        """The next event as a dict, or None when the server ended the stream."""
        line = self.next(timeout)
        return json.loads(line) if line is not None else None

    def events_until(self, pred, timeout=5):
        """Events up to and including the first one for which pred is true."""
        out = []
        t0 = time.monotonic()
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                raise AssertionError("timed out; events seen: %r" % [
                    (e["type"], e["object"].get("metadata", {}).get("name")) for e in out])
            ev = self.event(left)
            if ev is None:
                raise AssertionError("stream ended; events seen: %r" % out)
            out.append(ev)
            if pred(ev):
                return out

    def close(self):
        try:
            self.sock and self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class BgKubectl(Stream):
    """kubectl running in the background (get -w), its stdout read line by line."""

    def __init__(self, server, *args):
        super().__init__()
        self.proc = subprocess.Popen(server.kubectl_argv() + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._pump, args=(self.proc.stdout.readline,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.thread.join(5)
        self.proc.stdout.close()
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        return err

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def kube_client(server):
    """A Kubernetes Python client ApiClient for this server's kubeconfig."""
    from kubernetes import config
    return config.new_client_from_config(config_file=server.kubeconfig)
