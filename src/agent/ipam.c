/* ipam.c - Pod address allocation persisted one file per address (see ipam.h). */
#include "agent/ipam.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define IPAM_LAST_FILE "last_reserved"
#define IPAM_LAST_TMP  "last_reserved.tmp"

struct ipam {
	int dirfd;
	net_cidr cidr;
	net_addr gw;
	uint64_t first, last; /* usable offsets from the network address, inclusive */
};

static int ipam_owner_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; s[n]; n++) {
		char c = s[n];

		if (n >= IPAM_OWNER_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return n > 0;
}

/* Only canonical names count: "010.0.0.1" or "FD00::1" would otherwise let
 * two files stand for one address, and O_EXCL protects only exact names. */
static int ipam_name_addr(const char *name, net_addr *out)
{
	char canon[NET_ADDR_STRLEN];

	if (strlen(name) >= sizeof(canon) || net_addr_parse(name, out) < 0)
		return -EINVAL;
	if (net_addr_fmt(out, canon, sizeof(canon)) < 0 || strcmp(canon, name) != 0)
		return -EINVAL;
	return 0;
}

static int ipam_in_range(const ipam *p, const net_addr *a, uint64_t *off)
{
	uint64_t o;

	if (net_addr_offset(&p->cidr, a, &o) < 0 || o < p->first || o > p->last)
		return 0;
	if (off)
		*off = o;
	return 1;
}

/* Reads the owner of an address file into owner[IPAM_OWNER_MAX + 1]. 0,
 * -EBADMSG when the entry is no regular file holding a valid owner (owner is
 * then ""), -ENOENT when it vanished, or another -errno. */
static int ipam_read_owner(int dirfd, const char *name, char *owner)
{
	char buf[IPAM_OWNER_MAX + 2];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, err = 0;

	owner[0] = '\0';
	/* O_NONBLOCK: a FIFO planted in the directory must not hang the agent. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -EBADMSG;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EBADMSG;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err)
		return err;
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strlen(buf) != len || !ipam_owner_ok(buf))
		return -EBADMSG;
	memcpy(owner, buf, len + 1);
	return 0;
}

static int ipam_lock(ipam *p)
{
	while (flock(p->dirfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void ipam_unlock(ipam *p)
{
	flock(p->dirfd, LOCK_UN);
}

/* Visits every address file: fn returns 0 to go on, >0 to stop with that
 * value, <0 to fail. */
typedef int (*ipam_visit_fn)(ipam *p, const char *name, const net_addr *a, const char *owner,
                             void *ctx);

static int ipam_scan(ipam *p, ipam_visit_fn fn, void *ctx)
{
	char owner[IPAM_OWNER_MAX + 1];
	struct dirent *de;
	net_addr a;
	DIR *d;
	int fd, r = 0;

	/* A fresh open file description: a dup would share the read position. */
	fd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			r = errno ? -errno : 0;
			break;
		}
		if (ipam_name_addr(de->d_name, &a) < 0)
			continue;
		r = ipam_read_owner(p->dirfd, de->d_name, owner);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0 && r != -EBADMSG)
			break;
		r = fn(p, de->d_name, &a, owner, ctx);
		if (r != 0)
			break;
	}
	closedir(d);
	return r;
}

struct ipam_find {
	const char *owner;
	net_addr addr;
};

static int ipam_find_visit(ipam *p, const char *name, const net_addr *a, const char *owner,
                           void *ctx)
{
	struct ipam_find *f = ctx;

	if (strcmp(owner, f->owner) != 0 || !ipam_in_range(p, a, NULL))
		return 0;
	f->addr = *a;
	return 1;
}

/* Under the lock. 0 and *out, -ENOENT, or -errno. */
static int ipam_find(ipam *p, const char *owner, net_addr *out)
{
	struct ipam_find f = {.owner = owner};
	int r = ipam_scan(p, ipam_find_visit, &f);

	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	*out = f.addr;
	return 0;
}

/* Offset to start the round robin from: just after the last reservation. */
static uint64_t ipam_start(ipam *p)
{
	char buf[NET_ADDR_STRLEN];
	net_addr a;
	uint64_t off;
	ssize_t n;
	int fd;

	fd = openat(p->dirfd, IPAM_LAST_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return p->first;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return p->first;
	buf[n] = '\0';
	if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (ipam_name_addr(buf, &a) < 0 || !ipam_in_range(p, &a, &off) || off >= p->last)
		return p->first;
	return off + 1;
}

/* Only a hint for fairness, so it is replaced atomically but not fsync'd:
 * losing it in a crash merely restarts the round robin at the range start. */
static void ipam_save_last(ipam *p, const char *name)
{
	size_t len = strlen(name);
	int fd;

	fd = openat(p->dirfd, IPAM_LAST_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0)
		return;
	if (write(fd, name, len) != (ssize_t)len) {
		close(fd);
		unlinkat(p->dirfd, IPAM_LAST_TMP, 0);
		return;
	}
	close(fd);
	if (renameat(p->dirfd, IPAM_LAST_TMP, p->dirfd, IPAM_LAST_FILE) < 0)
		unlinkat(p->dirfd, IPAM_LAST_TMP, 0);
}

/* Claims name for owner. 0, -EEXIST when taken, or -errno. */
static int ipam_claim(ipam *p, const char *name, const char *owner)
{
	char buf[IPAM_OWNER_MAX + 2];
	size_t len = strlen(owner);
	int fd, err = 0;

	fd = openat(p->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	memcpy(buf, owner, len);
	buf[len++] = '\n';
	errno = 0;
	if (write(fd, buf, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	else if (fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err) {
		unlinkat(p->dirfd, name, 0);
		return err;
	}
	/* The new name must survive a crash too, or a restart could hand the
	 * address to someone else while the Pod still uses it. */
	if (fsync(p->dirfd) < 0) {
		err = -errno;
		unlinkat(p->dirfd, name, 0);
		return err;
	}
	return 0;
}

static int ipam_allocate_locked(ipam *p, const char *owner, net_addr *out)
{
	char name[NET_ADDR_STRLEN];
	uint64_t off, tries, span = p->last - p->first;
	net_addr a;
	int r;

	r = ipam_find(p, owner, out);
	if (r != -ENOENT)
		return r;
	/* Every failed try is an existing file, so a sparse huge range ends
	 * quickly; only a (small) full range is walked completely. */
	off = ipam_start(p);
	for (tries = 0;; tries++) {
		if (net_addr_add(&p->cidr.addr, off, &a) < 0 ||
		    net_addr_fmt(&a, name, sizeof(name)) < 0)
			return -EINVAL;
		r = ipam_claim(p, name, owner);
		if (r == 0) {
			ipam_save_last(p, name);
			*out = a;
			return 0;
		}
		if (r != -EEXIST)
			return r;
		if (tries == span)
			return -ENOSPC;
		off = off == p->last ? p->first : off + 1;
	}
}

int ipam_allocate(ipam *p, const char *owner, net_addr *out)
{
	int r;

	if (!p || !out || !ipam_owner_ok(owner))
		return -EINVAL;
	r = ipam_lock(p);
	if (r < 0)
		return r;
	r = ipam_allocate_locked(p, owner, out);
	ipam_unlock(p);
	return r;
}

static int ipam_release_visit(ipam *p, const char *name, const net_addr *a, const char *owner,
                              void *ctx)
{
	if (strcmp(owner, ctx) != 0)
		return 0;
	if (unlinkat(p->dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int ipam_release(ipam *p, const char *owner)
{
	int r;

	if (!p || !ipam_owner_ok(owner))
		return -EINVAL;
	r = ipam_lock(p);
	if (r < 0)
		return r;
	r = ipam_scan(p, ipam_release_visit, (void *)owner);
	ipam_unlock(p);
	return r;
}

int ipam_release_addr(ipam *p, const net_addr *a)
{
	char name[NET_ADDR_STRLEN];
	struct stat st;
	int r;

	if (!p || !a || net_addr_fmt(a, name, sizeof(name)) < 0)
		return -EINVAL;
	r = ipam_lock(p);
	if (r < 0)
		return r;
	r = 0;
	/* A planted directory holds its address too; remove it if empty. */
	if (fstatat(p->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		if (unlinkat(p->dirfd, name, AT_REMOVEDIR) < 0)
			r = -errno;
	} else if (unlinkat(p->dirfd, name, 0) < 0 && errno != ENOENT) {
		r = -errno;
	}
	ipam_unlock(p);
	return r;
}

int ipam_lookup(ipam *p, const char *owner, net_addr *out)
{
	int r;

	if (!p || !out || !ipam_owner_ok(owner))
		return -EINVAL;
	r = ipam_lock(p);
	if (r < 0)
		return r;
	r = ipam_find(p, owner, out);
	ipam_unlock(p);
	return r;
}

int ipam_gateway(const ipam *p, net_addr *out)
{
	if (!p || !out)
		return -EINVAL;
	*out = p->gw;
	return 0;
}

struct ipam_entry {
	net_addr addr;
	char owner[IPAM_OWNER_MAX + 1];
};

struct ipam_entries {
	struct ipam_entry *v;
	size_t n, cap;
};

static int ipam_list_visit(ipam *p, const char *name, const net_addr *a, const char *owner,
                           void *ctx)
{
	struct ipam_entries *e = ctx;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct ipam_entry *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].addr = *a;
	strcpy(e->v[e->n].owner, owner);
	e->n++;
	return 0;
}

int ipam_list(ipam *p, void (*cb)(const net_addr *a, const char *owner, void *arg), void *arg)
{
	struct ipam_entries e = {0};
	size_t i;
	int r;

	if (!p || !cb)
		return -EINVAL;
	r = ipam_lock(p);
	if (r < 0)
		return r;
	r = ipam_scan(p, ipam_list_visit, &e);
	ipam_unlock(p);
	if (r < 0) {
		free(e.v);
		return r;
	}
	for (i = 0; i < e.n; i++)
		cb(&e.v[i].addr, e.v[i].owner, arg);
	free(e.v);
	return e.n > (size_t)INT_MAX ? INT_MAX : (int)e.n;
}

ipam *ipam_open(const char *dir, const net_cidr *pod_cidr)
{
	ipam *p;
	net_cidr c;
	int bits, host, err;

	if (!dir || !*dir || !pod_cidr ||
	    net_cidr_make(&c, &pod_cidr->addr, pod_cidr->prefix) < 0) {
		errno = EINVAL;
		return NULL;
	}
	bits = net_family_bits(c.addr.family);
	host = bits - c.prefix;
	/* Below /30 (/126) network, gateway and IPv4 broadcast leave nothing. */
	if (bits == 0 || host < 2) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	p->cidr = c;
	p->first = 2;
	if (host >= 64)
		p->last = UINT64_MAX;
	else
		p->last = ((uint64_t)1 << host) - (c.addr.family == AF_INET ? 2 : 1);
	if (net_addr_add(&c.addr, 1, &p->gw) < 0) {
		free(p);
		errno = EINVAL;
		return NULL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err = errno;
		free(p);
		errno = err;
		return NULL;
	}
	p->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0) {
		err = errno;
		free(p);
		errno = err;
		return NULL;
	}
	return p;
}

void ipam_close(ipam *p)
{
	if (!p)
		return;
	close(p->dirfd);
	free(p);
}
