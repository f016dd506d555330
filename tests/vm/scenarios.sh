#!/bin/sh
# tests/vm/scenarios.sh MODE: the service proxy scenarios in a one-node
# sandbox cluster whose agent runs --proxy-mode MODE (the VM tier's share of
# tests/integration/test_proxy.py: what this machine's kernel cannot run, or
# what must be shown on Debian's 6.1 kernel).
#
# The pool: Pods web-a, web-b, web-c (app=web: netexec answering its name on
# 8080, "<name>-alt" on 9090) and a client Pod c1. Each scenario makes its
# own Services and prints PASS/FAIL with how long it took; a failure prints
# evidence (Services, EndpointSlices, the node's rules, log tails).
# Standalone: prints the SVCNET-VM-RESULT line itself; suite.sh sources the
# functions and runs them in each mode.
. /svcnet-vm/lib.sh
. /svcnet-vm/cluster.sh

POOL="web-a web-b web-c"
C1=pod:c1

# sc_datapath: the mode asked for is what is programmed (the nftables
# table, or IPVS virtual services), and names the Service.
sc_datapath() {
	svc_create dp '{"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	ip=$(cluster_ip dp)
	vm_wait 60 names_are "$C1" "$ip" 80 9 "$POOL" || return 1
	case "$MODE" in
	nftables)
		rules=$(nsenter --net="$NODE_NS" nft list table ip svcnet) || return 1
		echo "$rules" | grep -q "$ip" || return 1
		;;
	ipvs)
		# /proc/net/ip_vs names virtual services as hex IP:port
		hex=$(echo "$ip" | awk -F. '{printf "%02X%02X%02X%02X:0050", $1, $2, $3, $4}')
		nsenter --net="$NODE_NS" cat /proc/net/ip_vs | grep -q "$hex" || return 1
		;;
	esac
	svc_delete dp
}

# sc_basic: a ClusterIP reaches every ready endpoint, from a Pod and from
# the node; Pod to Service keeps the client's address (no masquerade).
sc_basic() {
	svc_create basic '{"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	ip=$(cluster_ip basic)
	[ -n "$ip" ] || return 1
	vm_wait 60 names_are "$C1" "$ip" 80 12 "$POOL" || return 1
	vm_wait 30 names_are node "$ip" 80 12 "$POOL" || return 1
	me=$(api GET "$NSP/pods/c1" | jq -r .status.podIP)
	seen=$(names "$C1" "$ip" 80 3 /clientip | sed 's/:[0-9]*$//' | sort -u)
	[ "$seen" = "$me" ] || {
		echo "client address seen by the endpoints: $seen (client $me)"
		return 1
	}
	svc_delete basic
}

# sc_multiport: two ports of one Service reach the two target ports.
sc_multiport() {
	svc_create multi '{"selector": {"app": "web"}, "ports": [
		{"name": "http", "port": 80, "targetPort": 8080},
		{"name": "alt", "port": 90, "targetPort": 9090}]}' || return 1
	ip=$(cluster_ip multi)
	vm_wait 60 names_are "$C1" "$ip" 80 12 "$POOL" || return 1
	vm_wait 30 names_are "$C1" "$ip" 90 12 "web-a-alt web-b-alt web-c-alt" || return 1
	vm_wait 30 names_are node "$ip" 90 12 "web-a-alt web-b-alt web-c-alt" || return 1
	svc_delete multi
}

# sc_affinity: ClientIP affinity with timeoutSeconds 5: each client keeps
# its endpoint; after more than 5 s idle it draws anew (ipvs: aff_ipvs). Two clients, three
# endpoints: both keep theirs through one idle period with chance 1/9, so
# up to four periods are tried (a false failure: 9^-4).
sc_affinity() {
	svc_create aff '{"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}],
		"sessionAffinity": "ClientIP",
		"sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}}' || return 1
	ip=$(cluster_ip aff)
	vm_wait 60 sticky "$C1" "$ip" 80 6 "$POOL" >/dev/null || return 1
	vm_wait 30 sticky node "$ip" 80 6 "$POOL" >/dev/null || return 1
	a=$(sticky "$C1" "$ip" 80 8 "$POOL") || return 1
	b=$(sticky node "$ip" 80 8 "$POOL") || return 1
	if [ "$MODE" = ipvs ]; then
		aff_ipvs "$ip" || return 1
		svc_delete aff
		return 0
	fi
	i=0
	while [ $i -lt 4 ]; do
		sleep 7 # idle longer than timeoutSeconds
		a2=$(sticky "$C1" "$ip" 80 8 "$POOL") || return 1
		b2=$(sticky node "$ip" 80 8 "$POOL") || return 1
		if [ "$a2" != "$a" ] || [ "$b2" != "$b" ]; then
			vm_log "affinity: after an idle period $a -> $a2 (pod), $b -> $b2 (node)"
			svc_delete aff
			return 0
		fi
		i=$((i + 1))
	done
	echo "both clients kept their endpoint over 4 idle periods > timeoutSeconds"
	return 1
}

# aff_ipvs IP: IPVS persistence, not an idle period. An IPVS persistence
# template is re-armed to timeoutSeconds by each connection it places; when
# it fires while one of them is still in IPVS's table it is re-armed for 60 s
# instead, and a closed TCP connection stays there in TIME_WAIT for a fixed
# 120 s (not settable over netlink). curl closes normally, so waiting for
# the draw to move would cost minutes here: this checks what the proxy
# programs (the virtual service is persistent with timeoutSeconds, and c1's
# template to it is armed with at most 5 s). The timeout itself is shown with
# real traffic by the unit test ipvs_affinity_timeout_in_netns (UDP with
# --ipvs-udp-timeout, TCP ended by resets), which this tier runs too; see
# docs/PROXY_IPVS.md.
aff_ipvs() {
	hex=$(echo "$1" | awk -F. '{printf "%02X%02X%02X%02X", $1, $2, $3, $4}')
	me=$(api GET "$NSP/pods/c1" | jq -r .status.podIP |
		awk -F. '{printf "%02X%02X%02X%02X", $1, $2, $3, $4}')
	vs=$(nsenter --net="$NODE_NS" cat /proc/net/ip_vs | grep "$hex:0050")
	# /proc/net/ip_vs prints the persistence timeout in jiffies (Debian's
	# cloud kernel: HZ 250, so 1250); the netlink dump (ipvsadm) in seconds
	p=$(echo "$vs" | sed -n 's/.* persistent \([0-9]*\).*/\1/p')
	case "$p" in 5 | 500 | 1250 | 1500 | 5000) ;; *)
		echo "virtual service not persistent 5 s (5 x HZ jiffies): $vs"
		return 1
		;;
	esac
	# Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires
	tpl=$(nsenter --net="$NODE_NS" cat /proc/net/ip_vs_conn |
		awk -v c="$me" -v s="$hex" '$2 == c && $3 == "0000" && $4 == s {print $9; exit}')
	[ -n "$tpl" ] && [ "$tpl" -le 5 ] || {
		echo "no persistence template of $me to $hex armed <= 5 s:"
		nsenter --net="$NODE_NS" cat /proc/net/ip_vs_conn | head -n 20
		return 1
	}
	vm_log "affinity: $vs; template of c1 expires in $tpl s"
}

# sc_nodeport: a NodePort answers on the node's address from outside the
# node (the guest's root namespace, on the fabric) and from a Pod, and is
# masqueraded; not on 127.0.0.1.
sc_nodeport() {
	svc_create np '{"type": "NodePort", "selector": {"app": "web"},
		"ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	np=$(node_port np)
	[ "$np" -ge 30000 ] && [ "$np" -le 32767 ] || return 1
	vm_wait 60 names_are host "$NODE_IP" "$np" 12 "$POOL" || return 1
	vm_wait 30 names_are "$C1" "$NODE_IP" "$np" 12 "$POOL" || return 1
	seen=$(names host "$NODE_IP" "$np" 3 /clientip | sed 's/:[0-9]*$//' | sort -u)
	case "$seen" in 198.18.0.1 | *"!"*)
		echo "external NodePort traffic not masqueraded: $seen"
		return 1
		;;
	esac
	closed node 127.0.0.1 "$np" || {
		echo "node port $np answers on 127.0.0.1"
		return 1
	}
	svc_delete np
}

# sc_noeps: a Service without endpoints refuses new connections at once.
sc_noeps() {
	svc_create noeps '{"selector": {"app": "nothing"}, "ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	ip=$(cluster_ip noeps)
	# the proxy has the Service once it refuses (before: no route, timeout)
	vm_wait 60 refused "$C1" "$ip" 80 || return 1
	for w in "$C1" node "$C1"; do
		sleep 1.2 # apart more than the ICMP rate limit's 1/s
		refused "$w" "$ip" 80 || {
			echo "not refused at once from $w"
			return 1
		}
	done
	svc_delete noeps
}

# sc_churn: endpoints follow the Pods: 2 -> 1 -> 3.
sc_churn() {
	web_pod churn-1 churn && web_pod churn-2 churn || return 1
	svc_create churn '{"selector": {"app": "churn"}, "ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	ip=$(cluster_ip churn)
	vm_wait 90 names_are "$C1" "$ip" 80 10 "churn-1 churn-2" || return 1
	pod_delete churn-2 || return 1
	vm_wait 60 names_are "$C1" "$ip" 80 10 "churn-1" || return 1
	web_pod churn-3 churn && web_pod churn-4 churn || return 1
	vm_wait 90 names_are "$C1" "$ip" 80 15 "churn-1 churn-3 churn-4" || return 1
	svc_delete churn
	pod_delete churn-1 && pod_delete churn-3 && pod_delete churn-4
}

# sc_types: ExternalName -> ClusterIP -> NodePort -> ClusterIP ->
# ExternalName; the datapath follows each change.
sc_types() {
	svc_create types '{"type": "ExternalName", "externalName": "example.invalid",
		"ports": [{"port": 80, "targetPort": 8080}]}' || return 1
	[ -z "$(cluster_ip types)" ] || return 1
	svc_patch types '{"type": "ClusterIP", "externalName": null, "selector": {"app": "web"}}' || return 1
	ip=$(cluster_ip types)
	[ -n "$ip" ] || return 1
	vm_wait 60 names_are "$C1" "$ip" 80 12 "$POOL" || return 1
	svc_patch types '{"type": "NodePort"}' || return 1
	[ "$(cluster_ip types)" = "$ip" ] || return 1
	np=$(node_port types)
	[ -n "$np" ] || return 1
	vm_wait 60 names_are host "$NODE_IP" "$np" 12 "$POOL" || return 1
	vm_wait 30 names_are "$C1" "$ip" 80 12 "$POOL" || return 1
	svc_patch types '{"type": "ClusterIP", "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}' || return 1
	[ "$(cluster_ip types)" = "$ip" ] && [ -z "$(node_port types)" ] || return 1
	vm_wait 60 closed host "$NODE_IP" "$np" || {
		echo "node port $np still open after NodePort -> ClusterIP"
		return 1
	}
	vm_wait 30 names_are "$C1" "$ip" 80 12 "$POOL" || return 1
	svc_patch types '{"type": "ExternalName", "externalName": "example.invalid",
		"selector": null, "clusterIP": null, "clusterIPs": null}' || return 1
	[ -z "$(cluster_ip types)" ] || return 1
	vm_wait 60 closed "$C1" "$ip" 80 || {
		echo "old cluster IP $ip still answers after ClusterIP -> ExternalName"
		return 1
	}
	svc_delete types
}

SCENARIOS="datapath basic multiport affinity nodeport noeps churn types"

# run_scenario NAME: sc_NAME as one PASS/FAIL line, with evidence on FAIL.
run_scenario() {
	t=$(vm_now)
	vm_log "$MODE/$1 ..."
	if "sc_$1"; then
		vm_pass "$MODE/$1 ($(vm_since "$t") s)"
	else
		vm_fail "$MODE/$1" "($(vm_since "$t") s)"
		vm_evidence
	fi
}

# scenarios_run MODE: cluster up, pool, every scenario, cluster down.
scenarios_run() {
	MODE=$1
	vm_log "$MODE: svcnet up --nodes 1 --proxy-mode $MODE"
	if ! vm_cluster_up "$MODE"; then
		vm_fail "$MODE/cluster-up"
		vm_cluster_down
		return 1
	fi
	vm_pass "$MODE/cluster-up ($VM_UP_SECS s)"
	t=$(vm_now)
	for p in $POOL; do web_pod "$p" web || vm_fail "$MODE/pool: create $p"; done
	web_pod c1 client || vm_fail "$MODE/pool: create c1"
	if vm_wait 180 pods_ready $POOL c1; then
		vm_pass "$MODE/pool Ready ($(vm_since "$t") s)"
		for s in ${VM_SCENARIOS:-$SCENARIOS}; do
			run_scenario "$s"
		done
	else
		vm_fail "$MODE/pool Ready" "(not in 180 s)"
		vm_evidence
	fi
	t=$(vm_now)
	if vm_cluster_down; then
		vm_pass "$MODE/cluster-down ($(vm_since "$t") s)"
	else
		vm_fail "$MODE/cluster-down"
	fi
}

if [ "${0##*/}" = scenarios.sh ]; then
	scenarios_run "${1:-nftables}"
	vm_summary
fi
