/*
 * ipvs_dev.c - the dummy device svcnet-ipvs0 that holds the service
 * addresses (IPVS only sees packets to local addresses), and the node's own
 * addresses for node port virtual services.
 *
 * Links and the address dump go through the project's rtnetlink helpers
 * (agent/rtnl.h); the dummy's addresses are added and removed in batches
 * (lib/nlbatch.h): 10,000 Services are 10,000 addresses.
 */
#include "proxy/ipvs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "agent/rtnl.h"
#include "lib/nlbatch.h"
#include "lib/vec.h"

struct ipvsd_vec {
	net_addr *v;
	size_t n, cap;
};

struct ipvsd_ctx {
	int dev_index;
	int lo_index;
	struct ipvsd_vec dev, node;
};

static int ipvsd_push(struct ipvsd_vec *v, const net_addr *a)
{
	net_addr *p = vec_grow(v->v, &v->cap, v->n, 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->v = p;
	v->v[v->n++] = *a;
	return 0;
}

static int ipvsd_addr_cb(const struct rtnl_addr_info *ai, void *data)
{
	struct ipvsd_ctx *c = data;

	if (ai->index == c->dev_index)
		return ipvsd_push(&c->dev, &ai->addr);
	/* Not loopback (whatever its addresses), not IPv6 link-local. */
	if (ai->scope == RT_SCOPE_HOST || ai->scope == RT_SCOPE_LINK || ai->index == c->lo_index)
		return 0;
	return ipvsd_push(&c->node, &ai->addr);
}

int ipvsd_addrs(int family, net_addr **dev, size_t *n_dev, net_addr **node, size_t *n_node)
{
	struct ipvsd_ctx c = {.dev_index = -1, .lo_index = -1};
	rtnl *h;
	int rc;

	*dev = *node = NULL;
	*n_dev = *n_node = 0;
	if (!(h = rtnl_open()))
		return -errno;
	c.dev_index = rtnl_link_index(h, IPVS_DEV);
	c.lo_index = rtnl_link_index(h, "lo");
	rc = rtnl_addr_list(h, family, ipvsd_addr_cb, &c);
	rtnl_close(h);
	if (rc < 0) {
		free(c.dev.v);
		free(c.node.v);
		return rc;
	}
	*dev = c.dev.v;
	*n_dev = c.dev.n;
	*node = c.node.v;
	*n_node = c.node.n;
	return 0;
}

static int ipvsd_cmp(const void *a, const void *b)
{
	return net_addr_cmp(a, b);
}

/* v sorted by net_addr_cmp: with 10,000 services a linear scan per address
 * made a full sync quadratic. */
static bool ipvsd_has(const net_addr *v, size_t n, const net_addr *a)
{
	return n && bsearch(a, v, n, sizeof(*v), ipvsd_cmp);
}

/* RTM_NEWADDR / RTM_DELADDR of one address of the dummy, for nlbatch. */
struct ipvsd_req {
	uint16_t type;
	int index, bits;
	const net_addr *const *v;
};

static struct nlmsghdr *ipvsd_build(void *buf, size_t i, void *arg)
{
	const struct ipvsd_req *r = arg;
	const net_addr *a = r->v[i];
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = r->type;
	nlh->nlmsg_flags = r->type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)r->bits;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)r->index;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->a);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->a);
	if (r->type == RTM_NEWADDR && a->family == AF_INET6) {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nlh;
}

/* Adds (or deletes) the n addresses v[] on the dummy, in batches: with
 * 10,000 Services one request and one interface lookup per address was
 * most of a full sync. An address already there (or already gone) is fine. */
static int ipvsd_batch(int index, int bits, uint16_t type, const net_addr *const *v, size_t n,
                       char *err, size_t errlen)
{
	struct ipvsd_req r = {type, index, bits, v};
	struct mnl_socket *nl = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	int *rcs = NULL, rc = -ENOMEM;
	char ip[NET_ADDR_STRLEN];

	if (!n)
		return 0;
	if (!(rcs = calloc(n, sizeof(*rcs)))) {
		snprintf(err, errlen, "ipvs: out of memory");
		goto out;
	}
	if (!(nl = mnl_socket_open(NETLINK_ROUTE)) ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		snprintf(err, errlen, "ipvs: rtnetlink: %s", strerror(-rc));
		goto out;
	}
	/* failed requests' acks without the request copied back */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &(int){1}, sizeof(int));
	if ((rc = nlbatch_run(nl, &seq, n, ipvsd_build, &r, rcs)) < 0) {
		snprintf(err, errlen, "ipvs: addresses of %s: %s", IPVS_DEV, strerror(-rc));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		rc = rcs[i];
		if (type == RTM_NEWADDR ? rc == -EEXIST : rc == -EADDRNOTAVAIL)
			rc = 0;
		if (rc < 0) {
			net_addr_fmt(v[i], ip, sizeof(ip));
			snprintf(err, errlen, "ipvs: %s %s %s %s: %s",
			         type == RTM_NEWADDR ? "binding" : "unbinding", ip,
			         type == RTM_NEWADDR ? "to" : "from", IPVS_DEV, strerror(-rc));
			goto out;
		}
	}
	rc = 0;
out:
	if (nl)
		mnl_socket_close(nl);
	free(rcs);
	return rc;
}

int ipvsd_sync(int family, const net_addr *want, size_t n_want, char *err, size_t errlen)
{
	net_addr *dev = NULL, *node = NULL, *sorted = NULL;
	const net_addr **add = NULL, **del = NULL;
	size_t n_dev = 0, n_node = 0, n_add = 0, n_del = 0;
	int bits = net_family_bits(family), rc, index;
	rtnl *h;

	if (!(h = rtnl_open()))
		return -errno;
	rc = rtnl_link_add(h, IPVS_DEV, "dummy", RTNL_EXIST_OK);
	if (rc < 0) {
		snprintf(err, errlen, "ipvs: creating %s: %s", IPVS_DEV, rtnl_last_error(h));
		goto out;
	}
	if ((rc = index = rtnl_link_index(h, IPVS_DEV)) < 0) {
		snprintf(err, errlen, "ipvs: %s: %s", IPVS_DEV, rtnl_last_error(h));
		goto out;
	}
	if ((rc = ipvsd_addrs(family, &dev, &n_dev, &node, &n_node)) < 0) {
		snprintf(err, errlen, "ipvs: listing addresses: %s", strerror(-rc));
		goto out;
	}
	rc = -ENOMEM;
	if ((n_want && !(sorted = malloc(n_want * sizeof(*sorted)))) ||
	    (n_want && !(add = malloc(n_want * sizeof(*add)))) ||
	    (n_dev && !(del = malloc(n_dev * sizeof(*del))))) {
		snprintf(err, errlen, "ipvs: out of memory");
		goto out;
	}
	if (n_want) {
		memcpy(sorted, want, n_want * sizeof(*sorted));
		qsort(sorted, n_want, sizeof(*sorted), ipvsd_cmp);
	}
	if (n_dev)
		qsort(dev, n_dev, sizeof(*dev), ipvsd_cmp);
	for (size_t i = 0; i < n_want; i++)
		if (!ipvsd_has(dev, n_dev, &want[i]))
			add[n_add++] = &want[i];
	for (size_t i = 0; i < n_dev; i++)
		if (!ipvsd_has(sorted, n_want, &dev[i]))
			del[n_del++] = &dev[i];
	if ((rc = ipvsd_batch(index, bits, RTM_NEWADDR, add, n_add, err, errlen)) < 0 ||
	    (rc = ipvsd_batch(index, bits, RTM_DELADDR, del, n_del, err, errlen)) < 0)
		goto out;
	rc = 0;
out:
	free(add);
	free(del);
	free(sorted);
	free(dev);
	free(node);
	rtnl_close(h);
	return rc;
}

int ipvsd_remove(char *err, size_t errlen)
{
	rtnl *h;
	int rc;

	if (!(h = rtnl_open()))
		return -errno;
	rc = rtnl_link_del(h, IPVS_DEV, RTNL_MISSING_OK);
	if (rc < 0)
		snprintf(err, errlen, "ipvs: removing %s: %s", IPVS_DEV, rtnl_last_error(h));
	rtnl_close(h);
	return rc;
}

int ipvsd_unbind_all(int family, char *err, size_t errlen)
{
	net_addr *dev = NULL, *node = NULL;
	size_t n_dev = 0, n_node = 0;
	int bits = net_family_bits(family), rc;
	rtnl *h;

	if ((rc = ipvsd_addrs(family, &dev, &n_dev, &node, &n_node)) < 0) {
		snprintf(err, errlen, "ipvs: listing addresses: %s", strerror(-rc));
		return rc;
	}
	if (!(h = rtnl_open())) {
		rc = -errno;
		goto out;
	}
	for (size_t i = 0; i < n_dev && rc == 0; i++)
		if ((rc = rtnl_addr_del(h, IPVS_DEV, &dev[i], bits, RTNL_MISSING_OK)) < 0)
			snprintf(err, errlen, "ipvs: unbinding from %s: %s", IPVS_DEV,
			         rtnl_last_error(h));
	rtnl_close(h);
out:
	free(dev);
	free(node);
	return rc;
}
