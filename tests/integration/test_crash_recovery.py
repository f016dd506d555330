"""kill -9 of the server in the middle of 1,000 concurrent creates: every create
that was answered 2xx survives the restart, no cluster IP or node port is
assigned twice, and the server comes back at once."""
import http.client
import json
import signal
import threading
import time

from svcnet_util import Server


def _svc(name, i):
    spec = {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": name}}
    if i % 2:
        spec["type"] = "NodePort"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def _worker(srv, names, acked, lock, stop):
    conn = None
    for i, name in names:
        if stop.is_set():
            return
        try:
            if conn is None:
                conn = http.client.HTTPSConnection("127.0.0.1", srv.port,
                                                   context=srv.ssl_context(), timeout=5)
            conn.request("POST", "/api/v1/namespaces/default/services",
                         body=json.dumps(_svc(name, i)),
                         headers={"Authorization": "Bearer " + srv.token,
                                  "Content-Type": "application/json"})
            r = conn.getresponse()
            body = r.read()
            if r.status == 201:
                with lock:
                    acked[name] = json.loads(body)
        except (OSError, http.client.HTTPException):
            # The server died under us: this create was never acknowledged.
            conn = None
            if stop.is_set():
                return
            time.sleep(0.01)


def _assert_unique_allocations(items):
    ips, ports = {}, {}
    for s in items:
        name = s["metadata"]["name"]
        for ip in s["spec"].get("clusterIPs", []):
            if ip != "None":
                assert ip not in ips, "cluster IP %s given to %s and %s" % (ip, ips[ip], name)
                ips[ip] = name
        seen = set()
        for p in s["spec"].get("ports", []):
            np = p.get("nodePort")
            if np and np not in seen:
                assert np not in ports, "node port %d given to %s and %s" % (np, ports[np], name)
                ports[np] = name
                seen.add(np)


def test_kill9_during_concurrent_creates():
    srv = Server().start()
    try:
        token = srv.token
        names = [(i, "crash-%04d" % i) for i in range(1000)]
        acked, lock, stop = {}, threading.Lock(), threading.Event()
        threads = [threading.Thread(target=_worker, args=(srv, names[k::16], acked, lock, stop))
                   for k in range(16)]
        for t in threads:
            t.start()
        t0 = time.monotonic()
        while len(acked) < 300 and time.monotonic() - t0 < 60:
            time.sleep(0.002)
        assert len(acked) >= 300, "creates too slow to test: %d acknowledged" % len(acked)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        stop.set()
        for t in threads:
            t.join(10)
        with lock:
            acked_now = dict(acked)

        srv.start()
        print("restart after kill -9 took %.3f s" % srv.started_in)
        assert srv.token == token
        st, lst = srv.request("GET", "/api/v1/namespaces/default/services")
        assert st == 200
        present = {s["metadata"]["name"]: s for s in lst["items"]}
        missing = [n for n in acked_now if n not in present]
        assert not missing, "acknowledged creates lost: %s" % missing[:10]
        for n, obj in acked_now.items():
            # What the client was told is exactly what is stored.
            assert present[n]["spec"]["clusterIP"] == obj["spec"]["clusterIP"]
            assert present[n]["metadata"]["uid"] == obj["metadata"]["uid"]
        _assert_unique_allocations(lst["items"])

        # Allocators were rebuilt from the store: new objects never collide.
        for i in range(50):
            st, _ = srv.request("POST", "/api/v1/namespaces/default/services",
                                body=_svc("after-%02d" % i, i))
            assert st == 201
        st, lst = srv.request("GET", "/api/v1/namespaces/default/services")
        _assert_unique_allocations(lst["items"])
        # Every service with a selector still has its EndpointSlice.
        st, sl = srv.request("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices")
        owners = {s["metadata"]["labels"].get("kubernetes.io/service-name") for s in sl["items"]}
        for s in lst["items"]:
            if s["spec"].get("selector"):
                assert s["metadata"]["name"] in owners
    finally:
        srv.cleanup()
