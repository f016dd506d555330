/* sandbox_fabric.c - the fabric bridge, node namespaces and veths; see sandbox_int.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/rtnl.h"
#include "agent/sysctl.h"
#include "lib/log.h"
#include "sandbox/sandbox_int.h"

void sandbox_node_name(int i, char out[32])
{
	snprintf(out, 32, "node-%d", i);
}

void sandbox_node_ip(int i, char out[16])
{
	/* i <= SANDBOX_MAX_NODES: the modulo only tells the compiler so. */
	snprintf(out, 16, "198.18.0.%u", (unsigned)(10 + i) % 256u);
}

void sandbox_node_netns(int i, char out[64])
{
	snprintf(out, 64, SANDBOX_NETNS_DIR "/" SANDBOX_NETNS_PREFIX "%d", i);
}

void sandbox_node_veth(int i, char out[16])
{
	snprintf(out, 16, SANDBOX_VETH_PREFIX "%u", (unsigned)i % 1000u);
}

/* The fabric is IPv4 only, and a bridge port needs no addresses at all: no
 * IPv6 on our links keeps the root namespace free of link-local routes. */
static void sandbox_no_ipv6(const char *ifname)
{
	char path[96];

	snprintf(path, sizeof(path), "net/ipv6/conf/%s/disable_ipv6", ifname);
	if (sysctl_set(path, "1") < 0)
		log_debug("sandbox", "%s: cannot disable IPv6", ifname);
}

int sandbox_fabric_setup(void)
{
	net_addr a;
	rtnl *h = rtnl_open();
	int rc;

	if (!h)
		return -errno;
	net_addr_parse(SANDBOX_BRIDGE_IP, &a);
	rc = rtnl_bridge_add(h, SANDBOX_BRIDGE, 0);
	if (rc == 0) {
		sandbox_no_ipv6(SANDBOX_BRIDGE);
		rc = rtnl_addr_add(h, SANDBOX_BRIDGE, &a, SANDBOX_FABRIC_PREFIX, 0);
	}
	if (rc == 0)
		rc = rtnl_link_set_up(h, SANDBOX_BRIDGE, 1);
	if (rc < 0)
		log_error("sandbox", "bridge %s: %s", SANDBOX_BRIDGE, rtnl_last_error(h));
	rtnl_close(h);
	return rc;
}

/* /run/netns as iproute2 keeps it: a shared mount, so that a pin made or
 * removed here also shows in mount namespaces copied from this one (the
 * Pods' private ones are slaves of it). */
static int sandbox_netns_dir(void)
{
	if (mkdir(SANDBOX_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", SANDBOX_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* Not a mount point yet: bind it onto itself first. */
	if (mount(SANDBOX_NETNS_DIR, SANDBOX_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", SANDBOX_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

/* A new network namespace pinned at path, as `ip netns add` makes it: this
 * (single-threaded) process enters a fresh namespace just long enough to
 * bind-mount it, then returns to its own. */
static int sandbox_pin_netns(const char *path)
{
	int self, fd, rc = 0;

	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		rc = -errno;
	} else {
		if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
			rc = -errno;
		if (setns(self, CLONE_NEWNET) < 0) {
			/* Everything after this would act on the wrong
			 * namespace: stop here rather than build a sandbox
			 * inside a throwaway one. */
			log_error("sandbox", "cannot return to the root network namespace: %s",
			          strerror(errno));
			abort();
		}
	}
	close(self);
	return rc;
}

int sandbox_node_setup(int i)
{
	char netns[64], veth[16], ip[16];
	rtnl *root = NULL, *node = NULL;
	net_addr a;
	int nsfd = -1, rc;

	sandbox_node_netns(i, netns);
	sandbox_node_veth(i, veth);
	sandbox_node_ip(i, ip);
	net_addr_parse(ip, &a);
	if ((rc = sandbox_netns_dir()) < 0) {
		log_error("sandbox", "%s: %s", SANDBOX_NETNS_DIR, strerror(-rc));
		return rc;
	}
	if ((rc = sandbox_pin_netns(netns)) < 0) {
		log_error("sandbox", "namespace %s: %s", netns, strerror(-rc));
		return rc;
	}
	nsfd = open(netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -errno;
	root = rtnl_open();
	node = root ? rtnl_open_netns(nsfd) : NULL;
	if (!root || !node) {
		rc = -errno;
		goto out;
	}
	/* eth0 is born inside the node: it never shows in the root namespace. */
	rc = rtnl_veth_add(root, veth, "eth0", nsfd, 0);
	if (rc == 0) {
		sandbox_no_ipv6(veth);
		rc = rtnl_link_set_master(root, veth, SANDBOX_BRIDGE);
	}
	if (rc == 0)
		rc = rtnl_link_set_up(root, veth, 1);
	if (rc < 0) {
		log_error("sandbox", "%s: %s", veth, rtnl_last_error(root));
		goto out;
	}
	rc = rtnl_link_set_up(node, "lo", 1);
	if (rc == 0)
		rc = rtnl_addr_add(node, "eth0", &a, SANDBOX_FABRIC_PREFIX, 0);
	if (rc == 0)
		rc = rtnl_link_set_up(node, "eth0", 1);
	if (rc < 0)
		log_error("sandbox", "%s: %s", netns, rtnl_last_error(node));
out:
	rtnl_close(node);
	rtnl_close(root);
	close(nsfd);
	return rc;
}

static int sandbox_is_node_netns(const char *name)
{
	return !strncmp(name, SANDBOX_NETNS_PREFIX, strlen(SANDBOX_NETNS_PREFIX));
}

static int sandbox_is_our_link(const struct rtnl_link_info *l)
{
	if (!strcmp(l->name, SANDBOX_BRIDGE))
		return !strcmp(l->kind, "bridge");
	return !strncmp(l->name, SANDBOX_VETH_PREFIX, strlen(SANDBOX_VETH_PREFIX)) &&
	       !strcmp(l->kind, "veth");
}

struct sandbox_links {
	char names[SANDBOX_MAX_NODES * 2 + 8][RTNL_IFNAMSIZ];
	int n;
};

static int sandbox_collect_link(const struct rtnl_link_info *l, void *arg)
{
	struct sandbox_links *ls = arg;

	if (sandbox_is_our_link(l) && ls->n < (int)(sizeof(ls->names) / sizeof(ls->names[0])))
		snprintf(ls->names[ls->n++], RTNL_IFNAMSIZ, "%s", l->name);
	return 0;
}

static int sandbox_list_links(rtnl *h, struct sandbox_links *ls)
{
	int rc;

	for (int tries = 0; tries < 5; tries++) {
		ls->n = 0;
		rc = rtnl_link_list(h, sandbox_collect_link, ls);
		if (rc != -EAGAIN)
			return rc;
	}
	return rc;
}

int sandbox_fabric_present(char *what, size_t len)
{
	struct sandbox_links *ls = calloc(1, sizeof(*ls));
	struct dirent *de;
	rtnl *h = rtnl_open();
	DIR *d;
	int found = 0;

	what[0] = '\0';
	if (h && ls && sandbox_list_links(h, ls) == 0 && ls->n > 0) {
		snprintf(what, len, "link %s exists", ls->names[0]);
		found = 1;
	}
	rtnl_close(h);
	free(ls);
	d = found ? NULL : opendir(SANDBOX_NETNS_DIR);
	while (d && (de = readdir(d))) {
		if (sandbox_is_node_netns(de->d_name)) {
			snprintf(what, len, "namespace %s exists", de->d_name);
			found = 1;
			break;
		}
	}
	if (d)
		closedir(d);
	return found;
}

void sandbox_fabric_nsids(struct sandbox_nsids *ids)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(SANDBOX_NETNS_DIR);

	while (d && (de = readdir(d))) {
		if (!sandbox_is_node_netns(de->d_name))
			continue;
		if (sandbox_path(path, sizeof(path), "%s/%s", SANDBOX_NETNS_DIR, de->d_name) == 0)
			sandbox_nsids_add_file(ids, path);
	}
	if (d)
		closedir(d);
}

static void sandbox_netns_teardown(struct sandbox_report *r)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(SANDBOX_NETNS_DIR);

	while (d && (de = readdir(d))) {
		if (!sandbox_is_node_netns(de->d_name) ||
		    sandbox_path(path, sizeof(path), "%s/%s", SANDBOX_NETNS_DIR, de->d_name) < 0)
			continue;
		/* MNT_DETACH: an open fd elsewhere must not keep the pin. A
		 * pin may be mounted more than once; unmount all. */
		for (int k = 0; k < 8 && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0; k++)
			;
		if (unlink(path) < 0 && errno != ENOENT)
			sandbox_report_add(r, "%s: %s", path, strerror(errno));
	}
	if (d)
		closedir(d);
}

void sandbox_fabric_teardown(struct sandbox_report *r)
{
	struct sandbox_links *ls = calloc(1, sizeof(*ls));
	rtnl *h;
	int rc;

	sandbox_netns_teardown(r);
	h = rtnl_open();
	if (!h || !ls) {
		sandbox_report_add(r, "links: %s", strerror(errno));
		goto out;
	}
	/* Node veths first: deleting one end removes its peer in the node. */
	for (int pass = 0; pass < 2; pass++) {
		if ((rc = sandbox_list_links(h, ls)) < 0) {
			sandbox_report_add(r, "links: %s", strerror(-rc));
			goto out;
		}
		for (int k = 0; k < ls->n; k++) {
			if (pass == 0 && !strcmp(ls->names[k], SANDBOX_BRIDGE))
				continue;
			if (rtnl_link_del(h, ls->names[k], RTNL_MISSING_OK) < 0)
				log_warn("sandbox", "%s", rtnl_last_error(h));
		}
	}
	if ((rc = sandbox_list_links(h, ls)) < 0)
		sandbox_report_add(r, "links: %s", strerror(-rc));
	for (int k = 0; rc == 0 && k < ls->n; k++)
		sandbox_report_add(r, "link %s", ls->names[k]);
out:
	rtnl_close(h);
	free(ls);
}
