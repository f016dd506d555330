"""Helpers for the integration tier: start a real `svcnet server` on loopback,
talk to it with kubectl, with raw HTTPS, and with the Kubernetes Python client."""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
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
        self.log = open(self.log_path, "ab")
        args = [BIN, "server", "--data-dir", self.data_dir,
                "--listen", "127.0.0.1:%d" % self.port] + self.extra_args
        t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
                if os.path.exists(self.kubeconfig):
                    self.started_in = time.monotonic() - t0
                    return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("server did not start: " + self.read_log()[-2000:])

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
        if self.proc:
            self.log.close()
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        return rc

    def cleanup(self):
        self.stop()
        if self.own_dir:
            subprocess.run(["rm", "-rf", self.data_dir])

    # --- clients ---

    def kubectl(self, *args, input=None, check=True, timeout=30):
        p = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig] + list(args),
                           input=input, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("kubectl %s failed (%d):\n%s%s" % (
                " ".join(args), p.returncode, p.stdout, p.stderr))
        return p

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
