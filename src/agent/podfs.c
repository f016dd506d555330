/* podfs.c - per-Pod resolv.conf/hosts/hostname bind mounts; see podfs.h. */
#include "agent/podfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int podfs_enter(const struct podfs_bind *b, int n, int *failed)
{
	if (n < 0 || (n > 0 && !b))
		return -EINVAL;
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* Slave, not private: mounts made later on the node (new Pod pins) still
	 * show here, and ours never go back. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (!b[i].src || !b[i].dst || mount(b[i].src, b[i].dst, NULL, MS_BIND, NULL) < 0) {
			int e = b[i].src && b[i].dst ? errno : EINVAL;

			if (failed)
				*failed = i;
			return -e;
		}
	}
	return 0;
}

int podfs_write_file(const char *path, const char *text, int durable)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (rc == 0 && off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (rc == 0 && durable && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int hostname_ok(const char *h)
{
	size_t n = h ? strlen(h) : 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int podfs_write_hosts(const char *path, const net_addr *ips, int nips, const char *hostname)
{
	char text[2048], ip[NET_ADDR_STRLEN];
	size_t off;

	if (!path || !hostname_ok(hostname) || nips < 0 || nips > 4 || (nips > 0 && !ips))
		return -EINVAL;
	off = (size_t)snprintf(text, sizeof(text),
	                       "# Kubernetes-managed hosts file (svcnet agent).\n"
	                       "127.0.0.1\tlocalhost\n"
	                       "::1\tlocalhost ip6-localhost ip6-loopback\n"
	                       "fe00::0\tip6-localnet\n"
	                       "fe00::0\tip6-mcastprefix\n"
	                       "fe00::1\tip6-allnodes\n"
	                       "fe00::2\tip6-allrouters");
	for (int i = 0; i < nips; i++) {
		if (net_addr_fmt(&ips[i], ip, sizeof(ip)) < 0)
			return -EINVAL;
		off += (size_t)snprintf(text + off, sizeof(text) - off, "\n%s\t%s", ip, hostname);
	}
	snprintf(text + off, sizeof(text) - off, "\n");
	/* no fsync: rebuilt from the Pod whenever the agent sets a Pod up */
	return podfs_write_file(path, text, 0);
}
