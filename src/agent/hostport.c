/*
 * hostport.c - hostPort admission and nftables forwarding; see hostport.h.
 *
 * Both halves read the same list of mappings out of the Pod. The script is
 * text for nftrun_apply(): every value in it comes from a parsed number, a
 * parsed and re-formatted address, a fixed keyword, or a name checked against
 * a small alphabet, so nothing a user writes in a Pod can change its syntax.
 */
#include "agent/hostport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sysctl.h"
#include "lib/buf.h"
#include "lib/net.h"
#include "lib/nftrun.h"

enum hp_kind {
	HP_ANY,  /* hostIP "": every address of both families */
	HP_WILD, /* "0.0.0.0" or "::": every address of ip.family */
	HP_ONE,  /* one address */
};

struct hp_map {
	int host_port, ctr_port;
	const char *proto; /* "TCP", "UDP", "SCTP" */
	enum hp_kind kind;
	net_addr ip;
};

static const char *const hp_protos[] = {"TCP", "UDP", "SCTP", NULL};

static int hp_port(const json_t *v)
{
	json_int_t p = json_integer_value(v);

	return json_is_integer(v) && p >= 1 && p <= 65535 ? (int)p : 0;
}

/* Parses one ports[] entry; 0 when it is no (valid) host port mapping. */
static int hp_parse(const json_t *e, int host_network, struct hp_map *m)
{
	const json_t *pv = json_object_get(e, "protocol"), *iv = json_object_get(e, "hostIP");
	const char *proto = pv ? json_string_value(pv) : "TCP";
	const char *ip = iv ? json_string_value(iv) : "";
	static const net_addr zero;

	memset(m, 0, sizeof(*m));
	m->ctr_port = hp_port(json_object_get(e, "containerPort"));
	m->host_port = hp_port(json_object_get(e, "hostPort"));
	/* The API defaults an unset (or 0) hostPort to containerPort under
	 * hostNetwork. */
	if (host_network && json_integer_value(json_object_get(e, "hostPort")) == 0)
		m->host_port = m->ctr_port;
	if (!m->host_port || !m->ctr_port || !proto || !ip)
		return 0;
	for (int i = 0; hp_protos[i]; i++)
		if (!strcmp(proto, hp_protos[i]))
			m->proto = hp_protos[i];
	if (!m->proto)
		return 0;
	if (!ip[0])
		return 1;
	if (net_addr_parse(ip, &m->ip) < 0)
		return 0;
	m->kind = memcmp(m->ip.a, zero.a, sizeof(zero.a)) ? HP_ONE : HP_WILD;
	return 1;
}

/* The Pod's mappings, malloc'd into *out (NULL when none). Count or -ENOMEM. */
static int hp_maps(const json_t *pod, struct hp_map **out)
{
	const json_t *spec = json_object_get(pod, "spec"), *c, *e;
	int host_network = json_is_true(json_object_get(spec, "hostNetwork"));
	struct hp_map m, *v = NULL, *nv;
	size_t i, j;
	int n = 0;

	*out = NULL;
	json_array_foreach (json_object_get(spec, "containers"), i, c) {
		json_array_foreach (json_object_get(c, "ports"), j, e) {
			if (!hp_parse(e, host_network, &m))
				continue;
			if (!(nv = realloc(v, (size_t)(n + 1) * sizeof(*v)))) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = m;
		}
	}
	*out = v;
	return n;
}

/* Same protocol and port on addresses that share at least one. */
static int hp_overlap(const struct hp_map *a, const struct hp_map *b)
{
	if (a->host_port != b->host_port || strcmp(a->proto, b->proto))
		return 0;
	if (a->kind == HP_ANY || b->kind == HP_ANY)
		return 1;
	if (a->kind == HP_WILD || b->kind == HP_WILD)
		return a->ip.family == b->ip.family;
	return net_addr_cmp(&a->ip, &b->ip) == 0;
}

static void hp_reject(const struct hp_map *m, char *reason, size_t rlen, char *msg, size_t mlen)
{
	char ip[NET_ADDR_STRLEN + 3] = "";

	if (m->kind == HP_ONE && net_addr_fmt(&m->ip, ip + 1, sizeof(ip) - 2) > 0) {
		if (m->ip.family == AF_INET6) {
			ip[0] = '[';
			strcat(ip, "]");
		} else {
			memmove(ip, ip + 1, strlen(ip + 1) + 1);
		}
		strcat(ip, ":");
	}
	if (reason && rlen)
		snprintf(reason, rlen, "%s", HOSTPORT_REASON);
	if (msg && mlen)
		snprintf(msg, mlen, "%s%s%s (%s%d/%s)", HOSTPORT_REJECT_PREFIX,
		         HOSTPORT_PREDICATE_FAIL, HOSTPORT_ERR_REASON, ip, m->host_port, m->proto);
}

static const char *hp_uid(const json_t *pod)
{
	const char *u = json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"));

	return u && u[0] ? u : NULL;
}

int hostport_check(const json_t *const *admitted, size_t n, const json_t *pod, char *reason,
                   size_t rlen, char *msg, size_t mlen)
{
	struct hp_map *mine, *other;
	const char *uid = hp_uid(pod), *ou;
	int nm = hp_maps(pod, &mine), no, hit = -1;

	if (nm < 0)
		return nm;
	/* Inside the Pod first (API validation refuses these too). */
	for (int i = 1; i < nm && hit < 0; i++)
		for (int j = 0; j < i && hit < 0; j++)
			if (hp_overlap(&mine[i], &mine[j]))
				hit = i;
	for (size_t k = 0; k < n && nm > 0 && hit < 0; k++) {
		/* The Pod itself, if the caller left it in the list. */
		if (!admitted[k] || admitted[k] == pod ||
		    (uid && (ou = hp_uid(admitted[k])) && !strcmp(uid, ou)))
			continue;
		if ((no = hp_maps(admitted[k], &other)) < 0) {
			free(mine);
			return no;
		}
		for (int i = 0; i < nm && hit < 0; i++)
			for (int j = 0; j < no && hit < 0; j++)
				if (hp_overlap(&mine[i], &other[j]))
					hit = i;
		free(other);
	}
	if (hit >= 0)
		hp_reject(&mine[hit], reason, rlen, msg, mlen);
	free(mine);
	return hit >= 0;
}

/* ---- forwarding ---- */

/* The Pod's IP of family fam, canonical, into out; 0 or -ENOENT. */
static int hp_pod_ip(const struct hostport_pod *p, int fam, char *out)
{
	const json_t *st = json_object_get(p->pod, "status"), *e;
	const char *cand[8];
	int nc = 0;
	net_addr a;
	size_t i;

	for (int k = 0; k < p->npod_ips && k < 2; k++)
		cand[nc++] = p->pod_ips[k];
	if (p->npod_ips <= 0) {
		json_array_foreach (json_object_get(st, "podIPs"), i, e)
			if (nc < 7)
				cand[nc++] = json_string_value(json_object_get(e, "ip"));
		cand[nc++] = json_string_value(json_object_get(st, "podIP"));
	}
	for (int k = 0; k < nc; k++)
		if (cand[k] && net_addr_parse(cand[k], &a) == 0 && a.family == fam &&
		    net_addr_fmt(&a, out, NET_ADDR_STRLEN) > 0)
			return 0;
	return -ENOENT;
}

/* "ns/name" for a rule comment, when it is plain enough to quote. */
static void hp_comment(const json_t *pod, char *out, size_t len)
{
	const json_t *md = json_object_get(pod, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));

	out[0] = '\0';
	if (!name || snprintf(out, len, "%s/%s", ns ? ns : "default", name) >= (int)len ||
	    strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-_") !=
	        strlen(out))
		out[0] = '\0';
}

static int hp_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 15 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

struct hp_fam {
	int fam;
	const char *nft; /* "ip" or "ip6" */
	buf hostip, any, masq;
	int nrules;
};

/* The rules of one Pod in one family. */
static int hp_pod_rules(struct hp_fam *f, const struct hostport_pod *p, const char *bridge)
{
	char ip[NET_ADDR_STRLEN], hip[NET_ADDR_STRLEN], cm[160], to[NET_ADDR_STRLEN + 10];
	struct hp_map *m;
	int nm, used = 0, rc = 0;

	if (json_is_true(json_object_get(json_object_get(p->pod, "spec"), "hostNetwork")) ||
	    hp_pod_ip(p, f->fam, ip) < 0)
		return 0;
	if ((nm = hp_maps(p->pod, &m)) < 0)
		return nm;
	hp_comment(p->pod, cm, 121); /* nft keeps rule comments to 128 bytes */
	if (cm[0]) {
		memmove(cm + 10, cm, strlen(cm) + 1);
		memcpy(cm, " comment \"", 10);
		strcat(cm, "\"");
	}
	snprintf(to, sizeof(to), f->fam == AF_INET6 ? "[%s]" : "%s", ip);
	for (int i = 0; i < nm && rc == 0; i++) {
		const char *l4 = !strcmp(m[i].proto, "TCP")   ? "tcp"
		                 : !strcmp(m[i].proto, "UDP") ? "udp"
		                                              : "sctp";

		if (m[i].kind != HP_ANY && m[i].ip.family != f->fam)
			continue;
		used = 1;
		if (m[i].kind == HP_ONE) {
			net_addr_fmt(&m[i].ip, hip, sizeof(hip));
			rc = buf_printf(&f->hostip, "\t\t%s daddr %s %s dport %d dnat to %s:%d%s\n",
			                f->nft, hip, l4, m[i].host_port, to, m[i].ctr_port, cm);
		} else {
			rc = buf_printf(&f->any, "\t\t%s dport %d dnat to %s:%d%s\n", l4,
			                m[i].host_port, to, m[i].ctr_port, cm);
		}
		f->nrules++;
	}
	free(m);
	if (!used || rc < 0)
		return rc;
	/* Replies must come back through the node. A Pod reaching itself:
	 * matched by address, since with br_netfilter the packet is bridged
	 * back (which also needs hairpin mode on the Pod's bridge port) and
	 * the hook sees no input device. Without br_netfilter the packet is
	 * routed through the bridge device, and then any Pod on the bridge
	 * needs masquerading, or the target would answer it directly. */
	rc = buf_printf(&f->masq, "\t\tct status dnat %s saddr %s %s daddr %s masquerade%s\n",
	                f->nft, ip, f->nft, ip, cm);
	if (rc == 0 && bridge)
		rc = buf_printf(&f->masq,
		                "\t\tct status dnat iifname \"%s\" oifname \"%s\" %s daddr %s "
		                "masquerade%s\n",
		                bridge, bridge, f->nft, ip, cm);
	if (rc == 0 && f->fam == AF_INET)
		rc = buf_printf(
		    &f->masq, "\t\tct status dnat ip saddr 127.0.0.0/8 ip daddr %s masquerade%s\n",
		    ip, cm);
	return rc;
}

static int hp_fam_script(buf *out, struct hp_fam *f)
{
	/* NAT priorities by number: nft 1.0.6 knows "dstnat" for prerouting
	 * only, not for output. */
	static const char *const hooks[2] = {"prerouting", "output"};
	int rc;

	/* "add" then "delete" never fails on a missing table, and the new
	 * table (if any) is built in the same transaction. */
	rc = buf_printf(out, "add table %s %s\ndelete table %s %s\n", f->nft, HOSTPORT_TABLE,
	                f->nft, HOSTPORT_TABLE);
	if (rc < 0 || !f->nrules)
		return rc;
	if (buf_cstr(&f->hostip) < 0 || buf_cstr(&f->any) < 0 || buf_cstr(&f->masq) < 0)
		return -ENOMEM;
	rc = buf_printf(out,
	                "table %s %s {\n"
	                "\tchain hostip_hostports {\n%s\t}\n"
	                "\tchain hostports {\n%s\t}\n",
	                f->nft, HOSTPORT_TABLE, f->hostip.data ? f->hostip.data : "",
	                f->any.data ? f->any.data : "");
	for (int h = 0; h < 2 && rc == 0; h++)
		rc = buf_printf(out,
		                "\tchain %s {\n"
		                "\t\ttype nat hook %s priority -100; policy accept;\n"
		                "\t\tjump hostip_hostports\n"
		                "\t\tfib daddr type local jump hostports\n"
		                "\t}\n",
		                hooks[h], hooks[h]);
	if (rc == 0)
		rc = buf_printf(out,
		                "\tchain masquerading {\n"
		                "\t\ttype nat hook postrouting priority 100; policy accept;\n"
		                "%s\t}\n}\n",
		                f->masq.data ? f->masq.data : "");
	return rc;
}

int hostport_script(const struct hostport_pod *pods, size_t n, const char *bridge, char **out)
{
	struct hp_fam fams[2] = {{.fam = AF_INET, .nft = "ip"}, {.fam = AF_INET6, .nft = "ip6"}};
	buf script = BUF_INIT;
	int rc = 0;

	*out = NULL;
	if (bridge && !hp_valid_ifname(bridge))
		return -EINVAL;
	for (int f = 0; f < 2; f++) {
		buf_init(&fams[f].hostip);
		buf_init(&fams[f].any);
		buf_init(&fams[f].masq);
		for (size_t i = 0; i < n && rc == 0; i++)
			if (pods && pods[i].pod)
				rc = hp_pod_rules(&fams[f], &pods[i], bridge);
		if (rc == 0)
			rc = hp_fam_script(&script, &fams[f]);
		buf_free(&fams[f].hostip);
		buf_free(&fams[f].any);
		buf_free(&fams[f].masq);
	}
	if (rc == 0 && buf_cstr(&script) == 0)
		*out = buf_steal(&script, NULL);
	buf_free(&script);
	return *out ? 0 : rc < 0 ? rc : -ENOMEM;
}

int hostport_sync(const struct hostport_pod *pods, size_t n, const char *bridge, char *err,
                  size_t errlen)
{
	char *script, path[64];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if ((rc = hostport_script(pods, n, bridge, &script)) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "hostport: %s",
			         rc == -EINVAL ? "bad bridge name" : "out of memory");
		return rc;
	}
	/* Locally originated 127.0.0.1 traffic may only leave lo when the
	 * outgoing device allows it (the kernel drops "martian" sources). */
	if (bridge && strstr(script, "table ip " HOSTPORT_TABLE " {")) {
		snprintf(path, sizeof(path), "net/ipv4/conf/%s/route_localnet", bridge);
		if ((rc = sysctl_set(path, "1")) < 0) {
			if (err && errlen)
				snprintf(err, errlen, "hostport: sysctl %s: %s", path,
				         strerror(-rc));
			free(script);
			return rc;
		}
	}
	rc = nftrun_apply(script, err, errlen);
	free(script);
	return rc;
}
