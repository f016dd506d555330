/*
 * ipvs_nft.c - the nftables table beside IPVS ("table ip svcnet-ipvs", ip6
 * for IPv6), for what IPVS cannot do itself:
 *   mark      (prerouting, output): the masquerade mark on traffic to a
 *             cluster IP from outside the cluster CIDR, and on external
 *             traffic (external/LB IP, node port) of eTP Cluster ports;
 *   filter    (input, output, before IPVS's own hooks at LOCAL_IN 98 and
 *             LOCAL_OUT -99): the loadBalancerSourceRanges firewall, DROP and
 *             REJECT for ports that have no virtual service because they have
 *             no usable endpoint;
 *   nat-post  (postrouting, srcnat): masquerade on the mark (cleared) and
 *             for hairpin traffic (endpoint . endpoint);
 *   canary    the empty chain the core watches;
 *   np-owned  (a set) the node ports that have virtual services, how a
 *             restarted proxy tells its node port services from others'.
 * The table is written whole on every sync in one transaction (add, delete,
 * add: atomic), so a sync never leaves it half done.
 */
#include "proxy/ipvs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/buf.h"

const char *ipvsn_family(int family)
{
	return family == AF_INET6 ? "ip6" : "ip";
}

static const char *const ipvsn_sets[] = {
    "svc-ips",     "ext-masq", "np-masq",  "no-endpoints", "no-local", "np-no-endpoints",
    "np-no-local", "fw",       "fw-allow", "hairpin",      "np-owned",
};
#define IPVSN_NSETS (sizeof(ipvsn_sets) / sizeof(ipvsn_sets[0]))

static int ipvsn_set_index(const char *name, size_t len)
{
	for (size_t i = 0; i < IPVSN_NSETS; i++)
		if (strlen(ipvsn_sets[i]) == len && !memcmp(ipvsn_sets[i], name, len))
			return (int)i;
	return -1;
}

char *ipvsn_script(const struct pxb_config *cfg, const struct ipvsp_port *const *ports,
                   size_t n_ports)
{
	const char *f = ipvsn_family(cfg->family);
	const char *ip = cfg->family == AF_INET6 ? "ip6" : "ip";
	const char *at = cfg->family == AF_INET6 ? "ipv6_addr" : "ipv4_addr";
	uint32_t mark = cfg->masq_mark ? cfg->masq_mark : PXB_MASQ_MARK_DEFAULT;
	char cidr[NET_ADDR_STRLEN + 4] = "";
	buf s = BUF_INIT, el[IPVSN_NSETS];
	char *out = NULL;
	int rc = 0;

	for (size_t i = 0; i < IPVSN_NSETS; i++)
		buf_init(&el[i]);
	if (cfg->cluster_cidr.addr.family == cfg->family && !cfg->masquerade_all)
		net_cidr_fmt(&cfg->cluster_cidr, cidr, sizeof(cidr));

	/* Replace the table atomically: create (if missing), delete, re-create. */
	rc |= buf_printf(&s, "add table %s " IPVS_TABLE "\ndelete table %s " IPVS_TABLE "\n", f, f);
	rc |= buf_printf(&s, "table %s " IPVS_TABLE " {\n", f);
	rc |= buf_printf(
	    &s,
	    " set svc-ips { type %s . inet_proto . inet_service; }\n"
	    " set ext-masq { type %s . inet_proto . inet_service; }\n"
	    " set np-masq { type inet_proto . inet_service; }\n"
	    " set no-endpoints { type %s . inet_proto . inet_service; }\n"
	    " set no-local { type %s . inet_proto . inet_service; }\n"
	    " set np-no-endpoints { type inet_proto . inet_service; }\n"
	    " set np-no-local { type inet_proto . inet_service; }\n"
	    " set fw { type %s . inet_proto . inet_service; }\n"
	    " set fw-allow { type %s . inet_proto . inet_service . %s; flags interval; }\n"
	    " set hairpin { type %s . %s; }\n"
	    /* Node ports we gave a virtual service: IPVS has no owner
	     * field, and these are on the node's own addresses, not
	     * on the dummy device. */
	    " set np-owned { type inet_proto . inet_service; }\n",
	    at, at, at, at, at, at, at, at, at);
	rc |= buf_printf(&s, " chain " IPVS_CANARY " {\n }\n");
	rc |= buf_printf(&s, " chain masq-mark {\n");
	rc |= buf_printf(
	    &s,
	    "  %s daddr . meta l4proto . th dport @svc-ips %s%s%s meta mark set meta mark | 0x%x\n",
	    ip, cidr[0] ? ip : "", cidr[0] ? " saddr != " : "", cidr, mark);
	rc |= buf_printf(
	    &s, "  %s daddr . meta l4proto . th dport @ext-masq meta mark set meta mark | 0x%x\n",
	    ip, mark);
	rc |= buf_printf(&s,
	                 "  fib daddr type local meta l4proto . th dport @np-masq meta mark set "
	                 "meta mark | 0x%x\n",
	                 mark);
	rc |= buf_printf(&s, " }\n");
	rc |= buf_printf(&s, " chain filter {\n");
	rc |= buf_printf(&s,
	                 "  %s daddr . meta l4proto . th dport @fw %s daddr . meta l4proto . th "
	                 "dport . %s saddr != @fw-allow drop\n",
	                 ip, ip, ip);
	rc |= buf_printf(&s, "  %s daddr . meta l4proto . th dport @no-local drop\n", ip);
	rc |= buf_printf(&s, "  %s daddr . meta l4proto . th dport @no-endpoints reject\n", ip);
	rc |= buf_printf(&s, "  fib daddr type local meta l4proto . th dport @np-no-local drop\n");
	rc |= buf_printf(
	    &s, "  fib daddr type local meta l4proto . th dport @np-no-endpoints reject\n");
	rc |= buf_printf(&s, " }\n");
	rc |= buf_printf(&s, " chain prerouting {\n  type filter hook prerouting priority -110; "
	                     "policy accept;\n  jump masq-mark\n }\n"
	                     " chain output {\n  type filter hook output priority -110; policy "
	                     "accept;\n  jump masq-mark\n  jump filter\n }\n"
	                     " chain input {\n  type filter hook input priority -10; policy "
	                     "accept;\n  jump filter\n }\n");
	rc |= buf_printf(
	    &s,
	    " chain nat-post {\n  type nat hook postrouting priority srcnat; policy accept;\n"
	    "  meta mark & 0x%x == 0x%x meta mark set meta mark & 0x%x masquerade\n"
	    "  %s saddr . %s daddr @hairpin masquerade\n }\n}\n",
	    mark, mark, ~mark, ip, ip);

	for (size_t p = 0; p < n_ports; p++) {
		for (const char *l = ports[p]->nft; l && *l;) {
			const char *e = strchr(l, '\n'), *sp = strchr(l, ' ');
			size_t len = e ? (size_t)(e - l) : strlen(l);
			int k;

			if (sp && sp < l + len && (k = ipvsn_set_index(l, (size_t)(sp - l))) >= 0) {
				/* Intervals may overlap between ports: one command each. */
				if (!strcmp(ipvsn_sets[k], "fw-allow"))
					rc |= buf_printf(
					    &s, "add element %s " IPVS_TABLE " fw-allow { %.*s }\n",
					    f, (int)(len - (size_t)(sp + 1 - l)), sp + 1);
				else
					rc |= buf_printf(&el[k], "%s%.*s", el[k].len ? ", " : "",
					                 (int)(len - (size_t)(sp + 1 - l)), sp + 1);
			}
			l = e ? e + 1 : l + len;
		}
	}
	for (size_t i = 0; i < IPVSN_NSETS; i++)
		if (el[i].len && buf_cstr(&el[i]) == 0)
			rc |= buf_printf(&s, "add element %s " IPVS_TABLE " %s { %s }\n", f,
			                 ipvsn_sets[i], buf_head(&el[i]));
	if (rc == 0)
		out = buf_steal(&s, NULL);
	buf_free(&s);
	for (size_t i = 0; i < IPVSN_NSETS; i++)
		buf_free(&el[i]);
	return out;
}
