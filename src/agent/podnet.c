/* podnet.c - Pod namespaces, veth pairs and addresses; see podnet.h. */
#include "agent/podnet.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/podfs.h"
#include "agent/sysctl.h"
#include "lib/log.h"

#define POD_IFNAME "eth0"
/* Kubernetes truncates a Pod's hostname to 63 bytes (a DNS label). */
#define HOSTNAME_MAX 63

static const char *bridge_of(const char *b)
{
	return b ? b : PODNET_BRIDGE;
}

static int uid_valid(const char *uid)
{
	size_t n = 0;

	if (!uid)
		return 0;
	for (; uid[n]; n++) {
		char c = uid[n];

		if (n >= PODNET_UID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                             (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return n > 0;
}

/* A DNS label (RFC 1123, lower case), as Kubernetes namespaces are. */
static int label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

static int dns_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 253)
		return 0;
	for (const char *p = s;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!label_valid(p, n))
			return 0;
		if (!dot)
			return 1;
		p = dot + 1;
	}
}

/* The hostname the Pod gets: the name cut at 63 bytes without a trailing '-'
 * or '.', as the kubelet does. 0, or -EINVAL for a name that is no DNS
 * subdomain-ish text (it ends up in the kernel and in /etc/hosts-like
 * places, so only [A-Za-z0-9.-]). */
static int pod_hostname(const char *name, char out[HOSTNAME_MAX + 1])
{
	size_t n;

	if (!name || !*name)
		return -EINVAL;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
			return -EINVAL;
	n = strnlen(name, HOSTNAME_MAX);
	memcpy(out, name, n);
	while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}

int podnet_veth_name(const char *uid, char out[RTNL_IFNAMSIZ])
{
	uint32_t h = 2166136261u; /* FNV-1a: stable across builds and restarts */

	if (!uid_valid(uid))
		return -EINVAL;
	for (const unsigned char *c = (const unsigned char *)uid; *c; c++)
		h = (h ^ *c) * 16777619u;
	snprintf(out, RTNL_IFNAMSIZ, "veth%08x", h);
	return 0;
}

/* The first host address of c, or -EINVAL when c has none besides it. */
static int cidr_gateway(const net_cidr *c, net_addr *gw)
{
	int bits = net_family_bits(c->addr.family);

	if (!bits || c->prefix < 0 || c->prefix > bits - 2)
		return -EINVAL;
	return net_addr_add(&c->addr, 1, gw) < 0 ? -EINVAL : 0;
}

int podnet_node_setup(const struct podnet_node *n)
{
	const char *br;
	int fams = 0, rc;
	rtnl *h;

	if (!n || n->ncidrs < 1 || n->ncidrs > PODNET_MAX_IPS)
		return -EINVAL;
	br = bridge_of(n->bridge);
	for (int i = 0; i < n->ncidrs; i++) {
		net_addr gw;
		int f = n->pod_cidrs[i].addr.family == AF_INET ? 1 : 2;

		if (cidr_gateway(&n->pod_cidrs[i], &gw) < 0 || (fams & f))
			return -EINVAL;
		fams |= f;
	}
	h = rtnl_open();
	if (!h)
		return -errno;
	rc = rtnl_bridge_add(h, br, RTNL_EXIST_OK);
	for (int i = 0; rc == 0 && i < n->ncidrs; i++) {
		net_addr gw;

		cidr_gateway(&n->pod_cidrs[i], &gw);
		rc = rtnl_addr_add(h, br, &gw, n->pod_cidrs[i].prefix, RTNL_EXIST_OK);
	}
	if (rc == 0)
		rc = rtnl_link_set_up(h, br, 1);
	if (rc < 0)
		log_error("podnet", "node setup of %s: %s", br, rtnl_last_error(h));
	rtnl_close(h);
	if (rc == 0 && (fams & 1))
		rc = sysctl_set("net/ipv4/ip_forward", "1");
	/* A Pod's packet to a Service IP is routed back out of the bridge it
	 * came in by (the service CIDR is routed to the bridge). The kernel then
	 * sends the Pod an ICMP redirect first, which spends the per-host ICMP
	 * rate limit, so the reject that follows (port unreachable for a
	 * Service without endpoints) is dropped and the client times out
	 * instead of being refused. Pods have nothing to learn from a redirect. */
	if (rc == 0 && (fams & 1))
		rc = sysctl_set("net/ipv4/conf/all/send_redirects", "0");
	if (rc == 0 && (fams & 1)) {
		char path[64];

		snprintf(path, sizeof(path), "net/ipv4/conf/%s/send_redirects", br);
		rc = sysctl_set(path, "0");
	}
	if (rc == 0 && (fams & 2))
		rc = sysctl_set("net/ipv6/conf/all/forwarding", "1");
	return rc;
}

/* ---- pinned namespaces ---- */

/* 1 if path is a pinned namespace of type nstype, 0 if it is something else
 * (a plain file left by a crash before the bind mount), -ENOENT if absent. */
static int pin_check(const char *path, int nstype)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), t;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : 0;
	t = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	return t == nstype;
}

static int pin_remove(const char *path)
{
	int rc = 0;

	/* A pin may be mounted more than once (two racing creates); unmount
	 * until nothing is left. MNT_DETACH: a process still holding the file
	 * open must not make the delete fail. */
	for (int i = 0; i < 8 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; i++)
		;
	if (unlink(path) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

static int pin_file(const char *path)
{
	int fd;

	pin_remove(path);
	fd = open(path, O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child: new namespaces, the hostname, report, then wait to be released
 * once the parent has pinned them. Only system calls: the parent may be
 * multi-threaded. */
static void pins_child(int flags, const char *host, int ready, int go)
{
	int err = 0;
	char c;

	if (unshare(flags) < 0)
		err = errno;
	else if ((flags & CLONE_NEWUTS) && sethostname(host, strlen(host)) < 0)
		err = errno;
	if (write_all(ready, &err, sizeof(err)) < 0)
		_exit(1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* Makes the namespaces of `flags` (CLONE_NEWNET, CLONE_NEWUTS) in a child and
 * bind-mounts them at netp / utsp. */
static int pins_make(int flags, const char *netp, const char *utsp, const char *host)
{
	int ready[2], go[2], err = 0, rc = 0, st;
	char src[64];
	ssize_t r;
	pid_t pid;

	if ((flags & CLONE_NEWNET) && (rc = pin_file(netp)) < 0)
		return rc;
	if ((flags & CLONE_NEWUTS) && (rc = pin_file(utsp)) < 0)
		return rc;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(go, O_CLOEXEC) < 0) {
		rc = -errno;
		close(ready[0]);
		close(ready[1]);
		return rc;
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		pins_child(flags, host, ready[1], go[0]);
	}
	if (pid < 0)
		rc = -errno;
	close(ready[1]);
	close(go[0]);
	if (pid > 0) {
		do
			r = read(ready[0], &err, sizeof(err));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(err))
			rc = -EIO;
		else if (err)
			rc = -err;
		if (rc == 0 && (flags & CLONE_NEWNET)) {
			snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
			if (mount(src, netp, "none", MS_BIND, NULL) < 0)
				rc = -errno;
		}
		if (rc == 0 && (flags & CLONE_NEWUTS)) {
			snprintf(src, sizeof(src), "/proc/%d/ns/uts", (int)pid);
			if (mount(src, utsp, "none", MS_BIND, NULL) < 0)
				rc = -errno;
		}
	}
	close(ready[0]);
	close(go[1]); /* EOF releases the child */
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return rc;
}

static int pod_paths(const struct podnet_pod *p, struct podnet_result *r)
{
	int n1, n2;

	if (!p->pin_dir || !*p->pin_dir || !uid_valid(p->uid))
		return -EINVAL;
	n1 = snprintf(r->netns_path, sizeof(r->netns_path), "%s/%s.net", p->pin_dir, p->uid);
	n2 = snprintf(r->uts_path, sizeof(r->uts_path), "%s/%s.uts", p->pin_dir, p->uid);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(r->netns_path) ||
	    (size_t)n2 >= sizeof(r->uts_path))
		return -ENAMETOOLONG;
	return podnet_veth_name(p->uid, r->host_veth);
}

static int pod_valid(const struct podnet_pod *p, char host[HOSTNAME_MAX + 1])
{
	int fams = 0;

	if (p->nips < 1 || p->nips > PODNET_MAX_IPS || p->mtu < 0 || p->mtu > 65535 ||
	    (p->mtu && p->mtu < 68) || pod_hostname(p->name, host) < 0)
		return -EINVAL;
	for (int i = 0; i < p->nips; i++) {
		const struct podnet_ip *ip = &p->ips[i];
		int bits = net_family_bits(ip->addr.family), f = ip->addr.family == AF_INET ? 1 : 2;
		net_cidr c;

		if (!bits || ip->prefix < 1 || ip->prefix > bits ||
		    ip->gw.family != ip->addr.family || (fams & f) ||
		    net_cidr_make(&c, &ip->addr, ip->prefix) < 0 ||
		    !net_cidr_contains(&c, &ip->gw) ||
		    !memcmp(&ip->gw, &ip->addr, sizeof(net_addr)))
			return -EINVAL;
		fams |= f;
	}
	return 0;
}

/* ---- links ---- */

/* Leaves a working pair alone: host veth and eth0 pointing at each other.
 * A host link of our name that is not our eth0's peer may be another Pod's
 * (the name is a 32-bit hash), so it is never removed: -EEXIST. */
static int veth_ensure(rtnl *host, rtnl *pod, const char *veth, int nsfd)
{
	struct rtnl_link_info hi, pi;
	int hr = rtnl_link_get(host, veth, &hi), pr = rtnl_link_get(pod, POD_IFNAME, &pi);

	if ((hr < 0 && hr != -ENODEV) || (pr < 0 && pr != -ENODEV))
		return hr < 0 && hr != -ENODEV ? hr : pr;
	if (hr == 0 && pr == 0 && !strcmp(hi.kind, "veth") && !strcmp(pi.kind, "veth") &&
	    pi.link == hi.index && hi.link == pi.index)
		return 0;
	if (hr == 0) {
		log_error("podnet", "%s exists and is not the peer of the Pod's %s", veth,
		          POD_IFNAME);
		return -EEXIST;
	}
	/* Our namespace, our eth0: whatever it is, it is broken without its
	 * host end. */
	if (pr == 0 && (pr = rtnl_link_del(pod, POD_IFNAME, RTNL_MISSING_OK)) < 0)
		return pr;
	return rtnl_veth_add(host, veth, POD_IFNAME, nsfd, 0);
}

static int host_side(rtnl *h, const char *veth, const char *br, int mtu)
{
	struct rtnl_link_info li;
	int bi = rtnl_link_index(h, br), rc = rtnl_link_get(h, veth, &li);

	if (bi < 0)
		return bi;
	if (rc == 0 && mtu && li.mtu != mtu)
		rc = rtnl_link_set_mtu(h, veth, mtu);
	/* Hairpin mode, so that the Pod reaches itself through a Service or
	 * hostPort (see rtnl.h); on before the port is up, so no packet finds
	 * it off. A freshly enslaved port starts with it off; an enslaved one
	 * (agent restart) is checked, so a working Pod sees no change. */
	if (rc == 0 && li.master != bi) {
		rc = rtnl_link_set_master(h, veth, br);
		if (rc == 0)
			rc = rtnl_link_set_hairpin(h, veth, 1);
	} else if (rc == 0) {
		rc = rtnl_link_get_hairpin(h, veth);
		if (rc == 0)
			rc = rtnl_link_set_hairpin(h, veth, 1);
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && !(li.flags & IFF_UP))
		rc = rtnl_link_set_up(h, veth, 1);
	return rc;
}

static int pod_side(rtnl *h, const struct podnet_pod *p)
{
	struct rtnl_link_info li;
	int rc = rtnl_link_get(h, "lo", &li);

	if (rc == 0 && !(li.flags & IFF_UP))
		rc = rtnl_link_set_up(h, "lo", 1);
	if (rc == 0)
		rc = rtnl_link_get(h, POD_IFNAME, &li);
	if (rc == 0 && p->mtu && li.mtu != p->mtu)
		rc = rtnl_link_set_mtu(h, POD_IFNAME, p->mtu);
	for (int i = 0; rc == 0 && i < p->nips; i++)
		rc = rtnl_addr_add(h, POD_IFNAME, &p->ips[i].addr, p->ips[i].prefix, RTNL_EXIST_OK);
	if (rc == 0 && !(li.flags & IFF_UP))
		rc = rtnl_link_set_up(h, POD_IFNAME, 1);
	/* REPLACE: converges a changed gateway, and rewriting an identical
	 * route does not disturb traffic. */
	for (int i = 0; rc == 0 && i < p->nips; i++)
		rc = rtnl_route_add(h, NULL, &p->ips[i].gw, POD_IFNAME, RTNL_REPLACE);
	return rc;
}

int podnet_pod_create(const struct podnet_pod *p, struct podnet_result *out)
{
	struct podnet_result r;
	char host[HOSTNAME_MAX + 1];
	rtnl *hh = NULL, *ph = NULL;
	int rc, flags = 0, nsfd = -1;

	if (!p)
		return -EINVAL;
	if ((rc = pod_paths(p, &r)) < 0 || (rc = pod_valid(p, host)) < 0)
		return rc;
	if (pin_check(r.netns_path, CLONE_NEWNET) != 1)
		flags |= CLONE_NEWNET;
	if (pin_check(r.uts_path, CLONE_NEWUTS) != 1)
		flags |= CLONE_NEWUTS;
	if (flags && (rc = pins_make(flags, r.netns_path, r.uts_path, host)) < 0) {
		log_error("podnet", "pod %s: namespaces: %s", p->uid, strerror(-rc));
		return rc;
	}
	nsfd = open(r.netns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	hh = rtnl_open();
	if (hh)
		ph = rtnl_open_netns(nsfd);
	if (!hh || !ph) {
		rc = -errno;
		goto out;
	}
	rc = veth_ensure(hh, ph, r.host_veth, nsfd);
	if (rc == 0)
		rc = host_side(hh, r.host_veth, bridge_of(p->bridge), p->mtu);
	if (rc < 0) {
		log_error("podnet", "pod %s: %s", p->uid, rtnl_last_error(hh));
		goto out;
	}
	rc = pod_side(ph, p);
	if (rc < 0)
		log_error("podnet", "pod %s: in its namespace: %s", p->uid, rtnl_last_error(ph));
out:
	rtnl_close(ph);
	rtnl_close(hh);
	close(nsfd);
	if (rc == 0 && out)
		*out = r;
	return rc;
}

int podnet_pod_delete(const struct podnet_pod *p)
{
	struct podnet_result r;
	struct rtnl_link_info li;
	int rc, rc2, nsfd, pinned;
	rtnl *h;

	if (!p)
		return -EINVAL;
	if ((rc = pod_paths(p, &r)) < 0)
		return rc;
	/* Removing eth0 from inside removes exactly this Pod's pair, whatever
	 * the host end is called; by host name only when the pin is gone. */
	nsfd = open(r.netns_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	pinned = nsfd >= 0 && ioctl(nsfd, NS_GET_NSTYPE) == CLONE_NEWNET;
	if (pinned) {
		h = rtnl_open_netns(nsfd);
		if (!h)
			rc = -errno;
		else
			rc = rtnl_link_del(h, POD_IFNAME, RTNL_MISSING_OK);
		rtnl_close(h);
	}
	if (nsfd >= 0)
		close(nsfd);
	if (rc == 0 && !pinned) {
		h = rtnl_open();
		if (!h)
			rc = -errno;
		else if (rtnl_link_get(h, r.host_veth, &li) == 0 && !strcmp(li.kind, "veth"))
			rc = rtnl_link_del(h, r.host_veth, RTNL_MISSING_OK);
		rtnl_close(h);
	}
	rc2 = pin_remove(r.netns_path);
	rc = rc ? rc : rc2;
	rc2 = pin_remove(r.uts_path);
	return rc ? rc : rc2;
}

int podnet_enter(const char *netns_path, const char *uts_path)
{
	int nfd = -1, ufd = -1, rc = 0;

	if (netns_path && (nfd = open(netns_path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (uts_path && (ufd = open(uts_path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0 && nfd >= 0 && setns(nfd, CLONE_NEWNET) < 0)
		rc = -errno;
	if (rc == 0 && ufd >= 0 && setns(ufd, CLONE_NEWUTS) < 0)
		rc = -errno;
	if (nfd >= 0)
		close(nfd);
	if (ufd >= 0)
		close(ufd);
	return rc;
}

int podnet_write_resolv_conf(const char *path, const char *dns_ip, const char *ns, const char *zone)
{
	char text[1024];
	int n;

	if (!zone)
		zone = "cluster.local";
	if (!path || !*path || !dns_ip || !net_str_family(dns_ip) || !ns ||
	    !label_valid(ns, strlen(ns)) || !dns_name_valid(zone))
		return -EINVAL;
	n = snprintf(text, sizeof(text),
	             "nameserver %s\nsearch %s.svc.%s svc.%s %s\noptions ndots:5\n", dns_ip, ns,
	             zone, zone, zone);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EINVAL;
	/* no fsync: rebuilt from the Pod whenever the agent sets a Pod up */
	return podfs_write_file(path, text, 0);
}
