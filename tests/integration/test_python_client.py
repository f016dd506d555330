"""Debian's python3-kubernetes (22.6) as the client: CoreV1Api, watch,
DiscoveryV1Api, NetworkingV1Api."""
import threading

import pytest

from svcnet_util import uniq, wait_for

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client, config, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402


@pytest.fixture(scope="module")
def api(server):
    c = config.new_client_from_config(config_file=server.kubeconfig)
    yield c
    c.close()


def v1svc(name, labels=None, selector=None, port=80, target=8080):
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1ServiceSpec(
            selector=selector,
            ports=[client.V1ServicePort(name="http", port=port, target_port=target)]))


def test_load_kube_config(server):
    # The documented entry point: load into the default configuration.
    config.load_kube_config(config_file=server.kubeconfig)
    try:
        v = client.VersionApi().get_code()
        assert v.major == "1" and v.git_version.startswith("v1.")
        names = [n.metadata.name for n in client.CoreV1Api().list_namespace().items]
        assert "default" in names and "kube-system" in names
    finally:
        client.Configuration.set_default(None)


def test_service_crud(api):
    core = client.CoreV1Api(api)
    name = uniq("py")
    created = core.create_namespaced_service("default", v1svc(name, labels={"via": "py"}))
    assert created.metadata.name == name
    assert created.spec.cluster_ip.startswith("10.43.")
    assert created.spec.ports[0].target_port == 8080
    assert created.spec.type == "ClusterIP"

    got = core.read_namespaced_service(name, "default")
    assert got.metadata.uid == created.metadata.uid
    assert got.spec.cluster_ip == created.spec.cluster_ip

    items = core.list_namespaced_service("default", label_selector="via=py").items
    assert [s.metadata.name for s in items] == [name]
    lst = core.list_namespaced_service("default")
    assert name in [s.metadata.name for s in lst.items]
    assert int(lst.metadata.resource_version) >= int(created.metadata.resource_version)

    # Update through replace (PUT) and patch (strategic merge by default).
    got.spec.ports[0].target_port = 9090
    rep = core.replace_namespaced_service(name, "default", got)
    assert rep.spec.ports[0].target_port == 9090
    pat = core.patch_namespaced_service(name, "default", {"metadata": {"labels": {"p": "1"}}})
    assert pat.metadata.labels == {"via": "py", "p": "1"}

    with pytest.raises(ApiException) as e:
        core.create_namespaced_service("default", v1svc(name))
    assert e.value.status == 409

    st = core.delete_namespaced_service(name, "default")
    assert st.kind in ("Status", "Service")
    with pytest.raises(ApiException) as e:
        core.read_namespaced_service(name, "default")
    assert e.value.status == 404
    assert 'services \\"%s\\" not found' % name in e.value.body or \
        'services "%s" not found' % name in e.value.body


def test_watch_stream(api):
    core = client.CoreV1Api(api)
    lbl = uniq("w")
    name = uniq("pyw")
    rv = core.list_namespaced_service("default").metadata.resource_version
    w = watch.Watch()
    seen = []

    def consume():
        for ev in w.stream(core.list_namespaced_service, "default", label_selector="w=" + lbl,
                           resource_version=rv, timeout_seconds=20):
            seen.append((ev["type"], ev["object"].metadata.name,
                         ev["object"].metadata.resource_version))
            if ev["type"] == "DELETED":
                w.stop()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    core.create_namespaced_service("default", v1svc(name, labels={"w": lbl}))
    core.patch_namespaced_service(name, "default", {"spec": {"ports": [
        {"name": "http", "port": 80, "targetPort": 7070}]}})
    core.delete_namespaced_service(name, "default")
    t.join(20)
    assert not t.is_alive(), seen
    assert [(s[0], s[1]) for s in seen] == [("ADDED", name), ("MODIFIED", name), ("DELETED", name)]
    rvs = [int(s[2]) for s in seen]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3


def test_endpoint_slices(api, server):
    core = client.CoreV1Api(api)
    disc = client.DiscoveryV1Api(api)
    app, name = uniq("app"), uniq("pyes")
    core.create_namespaced_service("default", v1svc(name, selector={"app": app}))
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name=uniq("pod"), labels={"app": app}),
        spec=client.V1PodSpec(node_name="node-a", containers=[client.V1Container(
            name="c", image="busybox", ports=[client.V1ContainerPort(container_port=8080)])]))
    p = core.create_namespaced_pod("default", pod)
    core.patch_namespaced_pod_status(p.metadata.name, "default", {"status": {
        "phase": "Running", "podIP": "10.42.9.9", "podIPs": [{"ip": "10.42.9.9"}],
        "conditions": [{"type": "Ready", "status": "True"}]}})

    def ready():
        items = disc.list_namespaced_endpoint_slice(
            "default", label_selector="kubernetes.io/service-name=" + name).items
        eps = [e for s in items for e in (s.endpoints or [])]
        return items if eps and eps[0].conditions.ready else None

    items = wait_for(ready, what="slice with a ready endpoint")
    (s,) = items
    assert s.address_type == "IPv4"
    assert s.endpoints[0].addresses == ["10.42.9.9"]
    assert s.endpoints[0].target_ref.name == p.metadata.name
    assert [(x.name, x.port, x.protocol) for x in s.ports] == [("http", 8080, "TCP")]
    # All namespaces, and read by name.
    all_ns = disc.list_endpoint_slice_for_all_namespaces().items
    assert s.metadata.name in [x.metadata.name for x in all_ns]
    one = disc.read_namespaced_endpoint_slice(s.metadata.name, "default")
    assert one.metadata.uid == s.metadata.uid


def test_ingress_and_ingress_class(api):
    net = client.NetworkingV1Api(api)
    cls = uniq("cls")
    ic = net.create_ingress_class(client.V1IngressClass(
        metadata=client.V1ObjectMeta(name=cls),
        spec=client.V1IngressClassSpec(controller="svcnet.io/ingress")))
    assert ic.spec.controller == "svcnet.io/ingress"
    name = uniq("ing")
    backend = client.V1IngressBackend(service=client.V1IngressServiceBackend(
        name="web", port=client.V1ServiceBackendPort(number=80)))
    ing = net.create_namespaced_ingress("default", client.V1Ingress(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1IngressSpec(ingress_class_name=cls, rules=[client.V1IngressRule(
            host="example.test", http=client.V1HTTPIngressRuleValue(paths=[
                client.V1HTTPIngressPath(path="/", path_type="Prefix", backend=backend)]))])))
    assert ing.spec.ingress_class_name == cls
    got = net.read_namespaced_ingress(name, "default")
    path = got.spec.rules[0].http.paths[0]
    assert (path.path, path.path_type, path.backend.service.name,
            path.backend.service.port.number) == ("/", "Prefix", "web", 80)
    assert name in [i.metadata.name for i in net.list_namespaced_ingress("default").items]
    assert cls in [c.metadata.name for c in net.list_ingress_class().items]

    # Validation applies: a path without a pathType is refused.
    with pytest.raises(ApiException) as e:
        # A dict body: the model classes would refuse this client-side.
        net.create_namespaced_ingress("default", {
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": uniq("bad")},
            "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {
                "service": {"name": "web", "port": {"number": 80}}}}]}}]}})
    assert e.value.status == 422
    assert "spec.rules[0].http.paths[0].pathType: Required value" in e.value.body

    net.delete_namespaced_ingress(name, "default")
    net.delete_ingress_class(cls)
    with pytest.raises(ApiException) as e:
        net.read_ingress_class(cls)
    assert e.value.status == 404
