"""Validation and API errors: Status objects with Kubernetes' codes, reasons
and wording, as kubectl prints them and as raw HTTPS returns them."""
import json

import pytest

from svcnet_util import path_for, svc, uniq

SVCS = "/api/v1/namespaces/default/services"


def invalid(server, obj, *args):
    """Create obj with kubectl; it must fail. Returns stderr."""
    p = server.kcreate(obj, *args, check=False)
    assert p.returncode != 0, p.stdout
    return p.stderr


def test_port_out_of_range(server):
    name = uniq("big")
    err = invalid(server, svc(name, ((70000, 8080),)))
    assert 'The Service "%s" is invalid: spec.ports[0].port: Invalid value: 70000: must be ' \
           'between 1 and 65535, inclusive' % name in err
    st, body = server.request("POST", SVCS, svc(name, ((70000, 8080),)))
    assert st == 422
    assert body["kind"] == "Status" and body["status"] == "Failure"
    assert body["reason"] == "Invalid" and body["code"] == 422
    assert body["details"]["name"] == name and body["details"]["kind"] == "Service"
    assert {"reason": "FieldValueInvalid", "field": "spec.ports[0].port",
            "message": "Invalid value: 70000: must be between 1 and 65535, inclusive"} \
        in body["details"]["causes"]
    err = invalid(server, svc(name, ((80, 70001),)))
    assert "spec.ports[0].targetPort: Invalid value: 70001: must be between 1 and 65535, " \
           "inclusive" in err
    # targetPort 0 means "same as port", as upstream defaults it.
    assert server.create(svc(name, ((80, 0),)))["spec"]["ports"][0]["targetPort"] == 80


def test_bad_service_name(server):
    err = invalid(server, svc("BadName"))
    assert 'The Service "BadName" is invalid: metadata.name: Invalid value: "BadName": a ' \
           'DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start ' \
           'with an alphabetic character, and end with an alphanumeric character' in err
    err = invalid(server, svc("1abc"))
    assert 'metadata.name: Invalid value: "1abc": a DNS-1035 label' in err
    err = invalid(server, svc("x" * 64))
    assert "must be no more than 63 characters" in err


def test_duplicate_port(server):
    name = uniq("dup")
    err = invalid(server, svc(name, ({"name": "a", "port": 80}, {"name": "b", "port": 80})))
    assert 'The Service "%s" is invalid: spec.ports[1]: Duplicate value: ' % name in err
    err = invalid(server, svc(name, ({"name": "a", "port": 80}, {"name": "a", "port": 81})))
    assert 'spec.ports[1].name: Duplicate value: "a"' in err
    # Same number, other protocol: fine.
    server.create(svc(name, ({"name": "a", "port": 80},
                             {"name": "b", "port": 80, "protocol": "UDP"})))


def test_missing_port_name(server):
    name = uniq("noname")
    err = invalid(server, svc(name, ({"port": 80}, {"port": 81})))
    assert "spec.ports[0].name: Required value" in err
    assert "spec.ports[1].name: Required value" in err
    err = invalid(server, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                           "spec": {"selector": {"a": "b"}}})
    assert "spec.ports: Required value" in err
    err = invalid(server, svc(name, ({"port": 80, "protocol": "ICMP"},)))
    assert 'spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", ' \
           '"TCP", "UDP"' in err


def test_change_cluster_ip(server):
    name = uniq("cip")
    ip = server.create(svc(name))["spec"]["clusterIP"]
    other = "10.43.0.99" if ip != "10.43.0.99" else "10.43.0.98"
    p = server.kubectl("patch", "svc", name, "--type", "merge", "-p", json.dumps(
        {"spec": {"clusterIP": other, "clusterIPs": [other]}}), check=False)
    assert p.returncode != 0
    assert 'The Service "%s" is invalid: spec.clusterIPs[0]: Invalid value: []string{"%s"}: ' \
           'may not change once set' % (name, other) in p.stderr
    assert server.get("Service", name)["spec"]["clusterIP"] == ip


def test_change_cluster_ip_alone(server):
    name = uniq("cip")
    ip = server.create(svc(name))["spec"]["clusterIP"]
    other = "10.43.0.97" if ip != "10.43.0.97" else "10.43.0.96"
    p = server.kubectl("patch", "svc", name, "-p", json.dumps({"spec": {"clusterIP": other}}),
                       check=False)
    assert p.returncode != 0
    assert 'spec.clusterIPs[0]: Invalid value: []string{"%s"}: may not change once set' \
        % other in p.stderr


def test_not_found(server):
    p = server.kubectl("get", "svc", "nope", check=False)
    assert p.returncode != 0
    assert 'Error from server (NotFound): services "nope" not found' in p.stderr
    st, body = server.request("GET", SVCS + "/nope")
    assert st == 404
    assert (body["reason"], body["code"], body["message"]) == \
        ("NotFound", 404, 'services "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "services"}
    st, body = server.request("GET", "/apis/discovery.k8s.io/v1/namespaces/default/"
                                     "endpointslices/nope")
    assert st == 404 and body["message"] == \
        'endpointslices.discovery.k8s.io "nope" not found'
    st, body = server.request("DELETE", SVCS + "/nope")
    assert st == 404 and body["reason"] == "NotFound"


def test_already_exists(server):
    name = uniq("dup")
    server.create(svc(name))
    st, body = server.request("POST", SVCS, svc(name))
    assert st == 409
    assert (body["reason"], body["message"]) == \
        ("AlreadyExists", 'services "%s" already exists' % name)
    err = invalid(server, svc(name))
    assert 'Error from server (AlreadyExists): error when creating "STDIN": services "%s" ' \
           'already exists' % name in err


def test_stale_resource_version(server):
    name = uniq("stale")
    s = server.create(svc(name))
    old = json.loads(json.dumps(s))
    s["metadata"]["labels"] = {"v": "1"}
    st, body = server.request("PUT", SVCS + "/" + name, s)
    assert st == 200, body
    assert int(body["metadata"]["resourceVersion"]) > int(old["metadata"]["resourceVersion"])
    old["metadata"]["labels"] = {"v": "2"}
    st, body = server.request("PUT", SVCS + "/" + name, old)
    assert st == 409
    assert body["reason"] == "Conflict"
    assert body["message"] == 'Operation cannot be fulfilled on services "%s": the object has ' \
        'been modified; please apply your changes to the latest version and try again' % name
    # kubectl replace with the stale copy says the same.
    p = server.kubectl("replace", "-f", "-", input=json.dumps(old), check=False)
    assert p.returncode != 0
    assert "the object has been modified; please apply your changes to the latest version" \
        in p.stderr
    assert server.get("Service", name)["metadata"]["labels"] == {"v": "1"}
    # A patch with a stale resourceVersion precondition conflicts too.
    st, body = server.request("PATCH", SVCS + "/" + name, json.dumps(
        {"metadata": {"resourceVersion": old["metadata"]["resourceVersion"],
                      "labels": {"v": "3"}}}),
        headers={"Content-Type": "application/merge-patch+json"})
    assert st == 409 and body["reason"] == "Conflict"
    # PUT without a resourceVersion is an unconditional update.
    del old["metadata"]["resourceVersion"]
    st, body = server.request("PUT", SVCS + "/" + name, old)
    assert st == 200 and body["metadata"]["labels"] == {"v": "2"}


def test_namespace_missing(server):
    p = server.kcreate(svc(uniq("x")), "-n", "no-such-ns", check=False)
    assert p.returncode != 0
    assert 'namespaces "no-such-ns" not found' in p.stderr
    st, body = server.request("POST", "/api/v1/namespaces/no-such-ns/services", svc(uniq("x")))
    assert st == 404
    assert (body["reason"], body["message"]) == ("NotFound", 'namespaces "no-such-ns" not found')


def test_malformed_body(server):
    st, body = server.request("POST", SVCS, '{"apiVersion": "v1", "kind": "Service", ',
                              headers={"Content-Type": "application/json"})
    assert st == 400
    assert body["kind"] == "Status" and body["reason"] == "BadRequest" and body["code"] == 400
    st, body = server.request("POST", SVCS, "[1, 2]", headers={"Content-Type": "application/json"})
    assert st == 400
    # Kind mismatch with the URL.
    st, body = server.request("POST", SVCS, {"apiVersion": "v1", "kind": "Pod",
                                             "metadata": {"name": uniq("k")}})
    assert st == 400 and body["reason"] == "BadRequest"
    # Namespace in the body differs from the URL.
    o = svc(uniq("ns"))
    o["metadata"]["namespace"] = "kube-system"
    st, body = server.request("POST", SVCS, o)
    assert st == 400
    assert "the namespace of the provided object does not match the namespace sent on the " \
           "request" in body["message"]


def test_yaml_body(server):
    name = uniq("yaml")
    doc = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n  labels:\n    fmt: yaml\n"
           "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n" % name)
    st, body = server.request("POST", SVCS, doc, headers={"Content-Type": "application/yaml"})
    assert st == 201, body
    assert body["metadata"]["labels"] == {"fmt": "yaml"}
    assert body["spec"]["ports"][0]["targetPort"] == 8080
    # PUT takes YAML too.
    doc2 = doc.replace("fmt: yaml", "fmt: yaml2")
    st, body = server.request("PUT", SVCS + "/" + name, doc2,
                              headers={"Content-Type": "application/yaml"})
    assert st == 200 and body["metadata"]["labels"] == {"fmt": "yaml2"}, body


def test_yaml_response(server):
    name = uniq("yamlr")
    server.create(svc(name))
    st, text = server.request("GET", SVCS + "/" + name, headers={"Accept": "application/yaml"})
    assert st == 200 and isinstance(text, str)
    assert "kind: Service" in text and "name: %s" % name in text


def test_unknown_paths(server):
    for p in ("/nope", "/api/v2/services", "/api/v1/frobs", "/apis/nope.io/v1/things",
              "/api/v1/namespaces/default/frobs/x"):
        st, body = server.request("GET", p)
        assert st == 404, (p, st, body)
    p = server.kubectl("get", "frobs", check=False)
    assert p.returncode != 0
    assert 'the server doesn\'t have a resource type "frobs"' in p.stderr


def test_method_not_allowed(server):
    st, body = server.request("PUT", SVCS, svc(uniq("m")))
    assert st == 405
    assert body["reason"] == "MethodNotAllowed"


def test_authentication(server):
    for tok in (False, "wrong-token"):
        st, body = server.request("GET", SVCS, token=tok)
        assert st == 401, (tok, st)
        assert body["reason"] == "Unauthorized" and body["code"] == 401
        st, _ = server.request("POST", SVCS, svc(uniq("anon")), token=tok)
        assert st == 401
    st, body = server.request("GET", SVCS, headers={"Authorization": "Basic Zm9vOmJhcg=="},
                              token=False)
    assert st == 401
    # Health and version are open, as on kube-apiserver.
    for p in ("/healthz", "/livez", "/readyz"):
        st, body = server.request("GET", p, token=False)
        assert (st, body) == (200, "ok"), p
    st, body = server.request("GET", "/version", token=False)
    assert st == 200 and body["major"] == "1" and body["gitVersion"].startswith("v1.")
    # A kubeconfig with a bad token fails the way kubectl reports it.
    bad = server.kubeconfig + ".bad"
    with open(server.kubeconfig) as f:
        text = f.read()
    with open(bad, "w") as f:
        f.write(text.replace(server.token, "0" * len(server.token)))
    p = server.kubectl("--kubeconfig", bad, "get", "svc", check=False)
    assert p.returncode != 0
    assert "error: You must be logged in to the server (Unauthorized)" in p.stderr


def test_delete_with_preconditions(server):
    name = uniq("pre")
    s = server.create(svc(name))
    st, body = server.request("DELETE", SVCS + "/" + name, {
        "kind": "DeleteOptions", "apiVersion": "v1",
        "preconditions": {"uid": "00000000-0000-0000-0000-000000000000"}})
    assert st == 409 and body["reason"] == "Conflict"
    st, body = server.request("DELETE", SVCS + "/" + name, {
        "kind": "DeleteOptions", "apiVersion": "v1",
        "preconditions": {"uid": s["metadata"]["uid"]}})
    assert st == 200
    assert server.get("Service", name) is None


def test_path_for_helper():
    assert path_for("Service", "ns", "a") == "/api/v1/namespaces/ns/services/a"
    assert path_for("Node", name="n") == "/api/v1/nodes/n"
