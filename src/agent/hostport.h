/*
 * hostport.h - hostPort admission and forwarding.
 *
 * Admission follows the kubelet's NodePorts predicate; forwarding follows the
 * CNI portmap plugin (nftables mode): DNAT of traffic to a local address (or
 * to the hostIP of a mapping that names one) in prerouting and output, to
 * podIP:containerPort, and masquerade of hairpin (pod to itself) and
 * localhost-originated traffic so that replies come back through the node.
 *
 * A mapping is a spec.containers[].ports[] entry with hostPort > 0 (under
 * hostNetwork the API defaults hostPort to containerPort; such Pods are
 * admitted against the others but need no forwarding). Protocol defaults to
 * TCP. hostIP "" binds every address of both families; "0.0.0.0" every IPv4
 * and "::" every IPv6 address; anything else that one address.
 */
#ifndef SVCNET_HOSTPORT_H
#define SVCNET_HOSTPORT_H

#include <stddef.h>

#include <jansson.h>

/* nftables table name, one per family ("ip" and "ip6"). */
#define HOSTPORT_TABLE "svcnet-hostport"
/* The kubelet's rejection: the reason, and what rejectPod prefixes to the
 * predicate's message in the status (its Event carries the message without
 * the prefix). */
#define HOSTPORT_REASON         "NodePorts"
#define HOSTPORT_REJECT_PREFIX  "Pod was rejected: "
#define HOSTPORT_PREDICATE_FAIL "Predicate NodePorts failed: "
#define HOSTPORT_ERR_REASON     "node(s) didn't have free ports for the requested pod ports"

/*
 * 1 when pod's hostPorts collide with those of the admitted pods or with each
 * other: same protocol and port on overlapping addresses (a wildcard of a
 * family overlaps every address of it; "" overlaps everything). Then reason
 * is "NodePorts" and msg the status message the kubelet writes, naming the
 * first colliding port:
 *   Pod was rejected: Predicate NodePorts failed: node(s) didn't have free
 *   ports for the requested pod ports (8080/TCP)
 * 0 when it fits, -ENOMEM. The Pod itself in admitted (same object or uid)
 * is skipped. Malformed entries (wrong types, ports out of range) are
 * ignored, as validation refuses them. reason/msg may be NULL.
 */
int hostport_check(const json_t *const *admitted, size_t n, const json_t *pod, char *reason,
                   size_t rlen, char *msg, size_t mlen);

/* A running Pod whose hostPorts are to be forwarded. */
struct hostport_pod {
	const json_t *pod;      /* spec.containers[].ports[]; metadata for rule comments */
	const char *pod_ips[2]; /* at most one per family; npod_ips 0 => status.podIPs/podIP */
	int npod_ips;
};

/*
 * The nftables script that makes tables "ip svcnet-hostport" and
 * "ip6 svcnet-hostport" hold exactly the forwarding of these pods: each table
 * is created, or deleted when it would be empty, in one transaction, so
 * applying the script replaces the old state atomically; n == 0 deletes both.
 * A mapping of a family the Pod has no IP of is skipped, and so are
 * host-network Pods. Hairpin traffic (a Pod to its own host port) is
 * masqueraded; bridge (the pods' bridge, e.g. "cni0"; NULL for none) adds
 * masquerading of DNATed traffic that enters and leaves through the bridge
 * device, i.e. any Pod on the bridge reaching another through a host port,
 * whose replies would otherwise be bridged past the node's conntrack when
 * br_netfilter is off. (With br_netfilter on, bridged DNAT needs no
 * masquerade, except that hairpin needs hairpin mode on the Pod's bridge
 * port.) *out is malloc'd. 0, -EINVAL (bad bridge name), -ENOMEM.
 */
int hostport_script(const struct hostport_pod *pods, size_t n, const char *bridge, char **out);

/*
 * Applies hostport_script() in the calling thread's network namespace with
 * nftrun_apply(). With a bridge and IPv4 mappings,
 * net.ipv4.conf.<bridge>.route_localnet is set to 1 first, as the portmap
 * plugin does, so that 127.0.0.1:hostPort from the node reaches the Pod (and
 * is masqueraded). 0, or a negative errno with a message in err.
 */
int hostport_sync(const struct hostport_pod *pods, size_t n, const char *bridge, char *err,
                  size_t errlen);

#endif
