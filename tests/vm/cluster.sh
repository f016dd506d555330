# shellcheck shell=sh
# tests/vm/cluster.sh: a one-node sandbox cluster in the guest and the
# helpers the scenarios use on it (sourced after lib.sh; busybox sh).
#
# The cluster is `svcnet up --nodes 1` (as on a developer's machine: the
# fabric bridge svcnet0 198.18.0.1/24 in the guest's root namespace, node-1
# in /run/netns/svcnet-node-1 at 198.18.0.11). Objects are made with curl
# against the REST API (token and CA from the sandbox's kubeconfig): kubectl
# is a 57 MB Go binary, slow to start under TCG.
#
# Where traffic comes from is a word:
#   pod:NAME   inside a Pod (`svcnet exec`)
#   node       in node-1's namespace
#   host       the guest's root namespace, on the fabric bridge (outside
#              the cluster: reaches NodePorts, not ClusterIPs)

SBX=/var/lib/svcnet-vm
NODE_IP=198.18.0.11
NODE_NS=/run/netns/svcnet-node-1
HTTP=8080
HTTP_ALT=9090

vm_cluster_up() {
	mode=$1
	rm -rf "$SBX"
	mkdir -p "$SBX"
	t=$(vm_now)
	if ! svcnet up --nodes 1 --detach --no-dns --timeout 180 --proxy-mode "$mode" \
		--data-dir "$SBX" >/tmp/up.log 2>&1; then
		cat /tmp/up.log
		return 1
	fi
	VM_UP_SECS=$(vm_since "$t")
	KC=$SBX/kubeconfig
	# kubeconfig values may be quoted
	API=$(sed -n 's/^ *server: *//p' "$KC" | head -n 1 | tr -d '"')
	TOKEN=$(sed -n 's/^ *token: *//p' "$KC" | head -n 1 | tr -d '"')
	sed -n 's/^ *certificate-authority-data: *//p' "$KC" | head -n 1 | tr -d '"' |
		base64 -d >"$SBX/ca.pem"
	[ -n "$API" ] && [ -n "$TOKEN" ] && [ -s "$SBX/ca.pem" ]
}

vm_cluster_down() {
	svcnet down --data-dir "$SBX" >/tmp/down.log 2>&1 || {
		cat /tmp/down.log
		return 1
	}
}

# api METHOD PATH [CONTENT-TYPE]: the request with stdin as its body (for
# POST, PUT, PATCH); the answer on stdout; 1 for an HTTP error (>= 400).
api() {
	case "$1" in
	POST | PUT | PATCH)
		curl -sS --max-time 30 --fail-with-body --cacert "$SBX/ca.pem" \
			-H "Authorization: Bearer $TOKEN" -X "$1" \
			-H "Content-Type: ${3:-application/json}" --data-binary @- "$API$2"
		;;
	*)
		curl -sS --max-time 30 --fail-with-body --cacert "$SBX/ca.pem" \
			-H "Authorization: Bearer $TOKEN" -X "$1" "$API$2"
		;;
	esac
}

NSP=/api/v1/namespaces/default

# apply_svc NAME JSON-SPEC: creates the Service or replaces its spec (a
# merge patch, like kubectl apply, but fields absent from JSON-SPEC are
# removed too: null them in JSON-SPEC).
svc_create() {
	echo "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"$1\"},\"spec\":$2}" |
		api POST "$NSP/services" >/dev/null
}

svc_patch() {
	echo "{\"spec\":$2}" | api PATCH "$NSP/services/$1" application/merge-patch+json >/dev/null
}

svc_delete() { api DELETE "$NSP/services/$1" >/dev/null; }

svc_get() { api GET "$NSP/services/$1"; }

cluster_ip() { svc_get "$1" | jq -r '.spec.clusterIP // ""'; }

node_port() { svc_get "$1" | jq -r '.spec.ports[0].nodePort // ""'; }

# web_pod NAME APP: netexec on 8080/8081 answering NAME, and a second one on
# 9090/9091 answering NAME-alt (tells target ports apart), on node-1.
web_pod() {
	api POST "$NSP/pods" >/dev/null <<EOF
{"apiVersion": "v1", "kind": "Pod",
 "metadata": {"name": "$1", "labels": {"app": "$2"}},
 "spec": {"nodeName": "node-1", "terminationGracePeriodSeconds": 1,
  "containers": [
   {"name": "netexec", "image": "svcnet/netexec",
    "command": ["svcnet", "netexec", "--http-port", "$HTTP", "--udp-port", "8081"],
    "readinessProbe": {"httpGet": {"path": "/healthz", "port": $HTTP}, "periodSeconds": 1}},
   {"name": "alt", "image": "svcnet/netexec",
    "command": ["svcnet", "netexec", "--http-port", "$HTTP_ALT", "--udp-port", "9091"],
    "env": [{"name": "POD_NAME", "value": "$1-alt"}]}]}}
EOF
}

pod_delete() { api DELETE "$NSP/pods/$1" >/dev/null; }

pod_ready() {
	[ "$(api GET "$NSP/pods/$1" 2>/dev/null |
		jq -r '.status.conditions[]? | select(.type == "Ready") | .status')" = True ]
}

pods_ready() {
	for p in "$@"; do
		pod_ready "$p" || return 1
	done
}

pod_gone() { ! api GET "$NSP/pods/$1" >/dev/null 2>&1; }

# where_run WHERE CMD...
where_run() {
	w=$1
	shift
	case "$w" in
	pod:*) svcnet exec --data-dir "$SBX" "${w#pod:}" -- "$@" ;;
	node) nsenter --net="$NODE_NS" -- "$@" ;;
	host) "$@" ;;
	*)
		echo "where_run: unknown place $w" >&2
		return 2
		;;
	esac
}

# names WHERE IP PORT N [PATH]: N new HTTP connections, one answer per line;
# a failed one is "!" and curl's exit status (7 refused, 28 timed out).
names() {
	where_run "$1" sh -c 'i=0; while [ $i -lt "$4" ]; do
		curl -sS --max-time 3 "http://$1:$2$3" 2>/dev/null || printf "!%s" $?
		echo; i=$((i + 1)); done' names "$2" "$3" "${5:-/hostname}" "$4"
}

# names_are WHERE IP PORT N "A B ...": every one of N answers is one of the
# names, and every name answered at least once.
names_are() {
	got=$(names "$1" "$2" "$3" "$4")
	for g in $got; do
		case " $5 " in *" $g "*) ;; *) return 1 ;; esac
	done
	for w in $5; do
		echo "$got" | grep -qx "$w" || return 1
	done
}

# sticky WHERE IP PORT N "A B ...": all N answers the same name, one of the
# list; prints it.
sticky() {
	got=$(names "$1" "$2" "$3" "$4" | sort -u)
	[ "$(echo "$got" | wc -l)" = 1 ] || return 1
	case " $5 " in *" $got "*) echo "$got" ;; *) return 1 ;; esac
}

# refused WHERE IP PORT: a new TCP connection refused (curl exit 7) in
# under a second.
refused() {
	out=$(where_run "$1" curl -sS -o /dev/null --max-time 5 -w '%{time_total}' \
		"http://$2:$3/" 2>/dev/null)
	rc=$?
	[ "$rc" = 7 ] && awk -v t="${out:-9}" 'BEGIN {exit !(t < 1.0)}'
}

# closed WHERE IP PORT: no answer (refused or timed out).
closed() {
	! where_run "$1" curl -sS -o /dev/null --max-time 2 "http://$2:$3/hostname" 2>/dev/null
}

# Evidence for a failure: the node's rules and the tail of the logs.
vm_evidence() {
	echo "--- evidence: services, endpointslices"
	api GET "$NSP/services" | jq -c '.items[] | [.metadata.name, .spec.type, .spec.clusterIP, .spec.ports]'
	api GET /apis/discovery.k8s.io/v1/namespaces/default/endpointslices |
		jq -c '.items[] | [.metadata.name, [.endpoints[]? | [.addresses[0], .conditions.ready]]]'
	echo "--- nft list ruleset (node-1)"
	nsenter --net="$NODE_NS" nft list ruleset 2>&1 | head -n 150
	for l in "$SBX"/logs/*.log; do
		echo "--- tail $l"
		tail -n 20 "$l"
	done
}
