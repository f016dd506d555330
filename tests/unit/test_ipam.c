/* test_ipam.c - Pod IPAM: allocation, round robin, persistence, races, stray files. */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/ipam.h"

/* A fresh base dir from mkdtemp; the store lives in base/ipam so that
 * ipam_open's mkdir is exercised too. */
struct tdir {
	char base[64];
	char dir[80];
};

static int tdir_make(struct tdir *t)
{
	strcpy(t->base, "/tmp/svcnet-ipam-XXXXXX");
	if (!mkdtemp(t->base))
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/ipam", t->base);
	return 0;
}

static void tdir_rm(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	char sub[512];
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			tdir_rm(sub);
		else
			unlink(sub);
	}
	closedir(d);
	rmdir(path);
}

static void tdir_free(struct tdir *t)
{
	tdir_rm(t->base);
}

static net_cidr cidr(const char *s)
{
	net_cidr c;

	memset(&c, 0, sizeof(c));
	net_cidr_parse(s, &c, 1);
	return c;
}

static const char *fmt(const net_addr *a)
{
	static char buf[4][NET_ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	if (net_addr_fmt(a, buf[i], sizeof(buf[i])) < 0)
		return "(bad)";
	return buf[i];
}

static int put_file(const char *dir, const char *name, const char *content)
{
	char path[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, content, strlen(content));
	close(fd);
	return n == (ssize_t)strlen(content) ? 0 : -EIO;
}

static int has_file(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Runs a test body with a store on 10.0.0.0/29 and cleans up after it, also
 * when a CHECK returns early. */
#define WITH_IPAM29(body_fn)                                                                       \
	do {                                                                                       \
		struct tdir t;                                                                     \
		net_cidr c = cidr("10.0.0.0/29");                                                  \
		ipam *p;                                                                           \
		CHECK_INT(tdir_make(&t), 0);                                                       \
		p = ipam_open(t.dir, &c);                                                          \
		if (p)                                                                             \
			body_fn(p, &t);                                                            \
		ipam_close(p);                                                                     \
		tdir_free(&t);                                                                     \
		CHECK(p != NULL);                                                                  \
	} while (0)

static void full29(ipam *p, struct tdir *t)
{
	static const char *owners[] = {"a", "b", "c", "d", "e"};
	net_addr a, gw;
	struct stat st;
	int i;

	CHECK_INT(stat(t->dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(ipam_gateway(p, &gw), 0);
	CHECK_STR(fmt(&gw), "10.0.0.1");
	for (i = 0; i < 5; i++) {
		char want[32];

		CHECK_INT(ipam_allocate(p, owners[i], &a), 0);
		snprintf(want, sizeof(want), "10.0.0.%d", i + 2);
		CHECK_STR(fmt(&a), want);
	}
	CHECK_INT(ipam_allocate(p, "f", &a), -ENOSPC);
	/* Idempotent, also when full. */
	CHECK_INT(ipam_allocate(p, "c", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.4");
	CHECK_INT(ipam_lookup(p, "e", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.6");
	CHECK_INT(ipam_lookup(p, "f", &a), -ENOENT);
	CHECK(!has_file(t->dir, "10.0.0.7"));
	CHECK(!has_file(t->dir, "10.0.0.1"));
}

UNIT_TEST(ipam_allocate_until_full_29)
{
	WITH_IPAM29(full29);
}

static void roundrobin(ipam *p, struct tdir *t)
{
	net_addr a;

	CHECK_INT(ipam_allocate(p, "a", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.2");
	CHECK_INT(ipam_allocate(p, "b", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.3");
	CHECK_INT(ipam_release(p, "a"), 0);
	CHECK(!has_file(t->dir, "10.0.0.2"));
	CHECK_INT(ipam_lookup(p, "a", &a), -ENOENT);
	CHECK_INT(ipam_release(p, "a"), 0);
	CHECK_INT(ipam_release(p, "never-there"), 0);
	/* The freed .2 waits until the range wraps. */
	CHECK_INT(ipam_allocate(p, "c", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.4");
	CHECK_INT(ipam_allocate(p, "d", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.5");
	CHECK_INT(ipam_allocate(p, "e", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.6");
	CHECK_INT(ipam_allocate(p, "f", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.2");
	/* Wrap again past taken addresses to the next freed one. */
	CHECK_INT(ipam_release(p, "d"), 0);
	CHECK_INT(ipam_allocate(p, "g", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.5");
	CHECK_INT(ipam_allocate(p, "h", &a), -ENOSPC);
}

UNIT_TEST(ipam_release_round_robin)
{
	WITH_IPAM29(roundrobin);
}

UNIT_TEST(ipam_persists_across_reopen)
{
	struct tdir t;
	net_cidr c = cidr("10.0.0.0/29");
	ipam *p;
	net_addr a;
	int ok = 0;

	CHECK_INT(tdir_make(&t), 0);
	p = ipam_open(t.dir, &c);
	if (p && ipam_allocate(p, "pod-a", &a) == 0 && ipam_allocate(p, "pod-b", &a) == 0 &&
	    ipam_release(p, "pod-a") == 0) {
		ipam_close(p);
		p = ipam_open(t.dir, &c);
		/* Same answers, and the round robin continues after .3, not at .2. */
		ok = p && ipam_lookup(p, "pod-b", &a) == 0 && !strcmp(fmt(&a), "10.0.0.3") &&
		     ipam_allocate(p, "pod-b", &a) == 0 && !strcmp(fmt(&a), "10.0.0.3") &&
		     ipam_lookup(p, "pod-a", &a) == -ENOENT && ipam_allocate(p, "pod-c", &a) == 0 &&
		     !strcmp(fmt(&a), "10.0.0.4");
	}
	ipam_close(p);
	tdir_free(&t);
	CHECK(ok);
}

static void two_handles(ipam *p, struct tdir *t)
{
	net_cidr c = cidr("10.0.0.0/29");
	ipam *q = ipam_open(t->dir, &c);
	net_addr a, b;
	int ok;

	CHECK(q != NULL);
	ok = ipam_allocate(p, "a", &a) == 0 && ipam_allocate(q, "b", &b) == 0 &&
	     net_addr_cmp(&a, &b) != 0 && !strcmp(fmt(&b), "10.0.0.3") &&
	     /* One owner, two handles: still one address. */
	     ipam_allocate(q, "a", &b) == 0 && net_addr_cmp(&a, &b) == 0;
	/* Another allocator grabbed .4 after our last_reserved was written, and
	 * the hint was lost: O_EXCL on the address file still keeps them apart. */
	ok = ok && put_file(t->dir, "10.0.0.4", "other\n") == 0;
	{
		char hint[128];

		snprintf(hint, sizeof(hint), "%s/last_reserved", t->dir);
		unlink(hint);
	}
	ok = ok && ipam_allocate(q, "c", &b) == 0 && !strcmp(fmt(&b), "10.0.0.5") &&
	     ipam_allocate(p, "d", &a) == 0 && !strcmp(fmt(&a), "10.0.0.6") &&
	     ipam_allocate(q, "e", &b) == -ENOSPC && ipam_lookup(p, "other", &a) == 0 &&
	     !strcmp(fmt(&a), "10.0.0.4");
	ipam_close(q);
	CHECK(ok);
}

UNIT_TEST(ipam_two_handles_never_share)
{
	WITH_IPAM29(two_handles);
}

struct seen {
	int n;
	char line[8][80];
};

static void collect(const net_addr *a, const char *owner, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->line[s->n], sizeof(s->line[0]), "%s=%s", fmt(a), owner);
	s->n++;
}

static int seen_has(const struct seen *s, const char *line)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (!strcmp(s->line[i], line))
			return 1;
	return 0;
}

static void stray(ipam *p, struct tdir *t)
{
	char path[256];
	struct seen s = {0};
	net_addr a;

	/* Ignored names. */
	CHECK_INT(put_file(t->dir, "garbage", "x"), 0);
	CHECK_INT(put_file(t->dir, "010.0.0.2", "a"), 0);
	CHECK_INT(put_file(t->dir, "10.0.0.2.tmp", "a"), 0);
	CHECK_INT(put_file(t->dir, "last_reserved.tmp", "junk"), 0);
	/* Named addresses with bad content keep their address reserved. */
	CHECK_INT(put_file(t->dir, "10.0.0.2", ""), 0);
	CHECK_INT(put_file(t->dir, "10.0.0.3", "../../etc/passwd"), 0);
	snprintf(path, sizeof(path), "%s/10.0.0.4", t->dir);
	CHECK_INT(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/10.0.0.5", t->dir);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(put_file(t->dir, "last_reserved", "not an address"), 0);

	CHECK_INT(ipam_allocate(p, "a", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.6");
	CHECK_INT(ipam_allocate(p, "b", &a), -ENOSPC);
	CHECK_INT(ipam_list(p, collect, &s), 5);
	CHECK(seen_has(&s, "10.0.0.2="));
	CHECK(seen_has(&s, "10.0.0.3="));
	CHECK(seen_has(&s, "10.0.0.4="));
	CHECK(seen_has(&s, "10.0.0.5="));
	CHECK(seen_has(&s, "10.0.0.6=a"));
	/* The garbage collector frees what nobody owns, or anything by address. */
	CHECK_INT(net_addr_parse("10.0.0.6", &a), 0);
	CHECK_INT(ipam_release_addr(p, &a), 0);
	CHECK_INT(ipam_lookup(p, "a", &a), -ENOENT);
	CHECK_INT(net_addr_parse("10.0.0.5", &a), 0);
	CHECK_INT(ipam_release_addr(p, &a), 0);
	CHECK_INT(net_addr_parse("10.0.0.4", &a), 0);
	CHECK_INT(ipam_release_addr(p, &a), 0);
	CHECK_INT(ipam_release_addr(p, &a), 0);
	CHECK(access("/etc/passwd", F_OK) == 0);
	CHECK_INT(ipam_allocate(p, "b", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.4");
	CHECK_INT(ipam_allocate(p, "c", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.5");
	CHECK(has_file(t->dir, "garbage"));
}

UNIT_TEST(ipam_stray_and_corrupt_files)
{
	WITH_IPAM29(stray);
}

static void bad_owner(ipam *p, struct tdir *t)
{
	static const char *bad[] = {"",  "a/b", "../x", "a b", "a\nb", "a.b",
	                            "é", "a_b", "a\\b", "a:b", "%2e"};
	char longest[IPAM_OWNER_MAX + 2];
	net_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(ipam_allocate(p, bad[i], &a), -EINVAL);
		CHECK_INT(ipam_lookup(p, bad[i], &a), -EINVAL);
		CHECK_INT(ipam_release(p, bad[i]), -EINVAL);
	}
	CHECK_INT(ipam_allocate(p, NULL, &a), -EINVAL);
	CHECK_INT(ipam_allocate(p, "a", NULL), -EINVAL);
	CHECK_INT(ipam_allocate(NULL, "a", &a), -EINVAL);
	CHECK_INT(ipam_release(p, NULL), -EINVAL);
	memset(longest, 'x', IPAM_OWNER_MAX + 1);
	longest[IPAM_OWNER_MAX + 1] = '\0';
	CHECK_INT(ipam_allocate(p, longest, &a), -EINVAL);
	longest[IPAM_OWNER_MAX] = '\0';
	CHECK_INT(ipam_allocate(p, longest, &a), 0);
	CHECK_INT(ipam_allocate(p, "6f0c1b2a-3d4e-4f50-8a9b-0c1d2e3f4a5b", &a), 0);
	CHECK_STR(fmt(&a), "10.0.0.3");
	/* Nothing escaped the store directory. */
	CHECK(!has_file(t->base, "x"));
}

UNIT_TEST(ipam_bad_owner_rejected)
{
	WITH_IPAM29(bad_owner);
}

UNIT_TEST(ipam_ipv6_120)
{
	struct tdir t;
	net_cidr c = cidr("fd00:10:244:1::/120");
	ipam *p;
	net_addr a, gw;
	char owner[16];
	int i, ok = 1;

	CHECK_INT(tdir_make(&t), 0);
	p = ipam_open(t.dir, &c);
	if (!p) {
		tdir_free(&t);
		CHECK(p != NULL);
	}
	ok = ipam_gateway(p, &gw) == 0 && !strcmp(fmt(&gw), "fd00:10:244:1::1");
	/* IPv6 has no broadcast: ::2 .. ::ff, 254 addresses. */
	for (i = 0; ok && i < 254; i++) {
		snprintf(owner, sizeof(owner), "pod-%d", i);
		ok = ipam_allocate(p, owner, &a) == 0;
	}
	ok = ok && !strcmp(fmt(&a), "fd00:10:244:1::ff") &&
	     ipam_allocate(p, "one-more", &a) == -ENOSPC && has_file(t.dir, "fd00:10:244:1::2") &&
	     ipam_lookup(p, "pod-0", &a) == 0 && !strcmp(fmt(&a), "fd00:10:244:1::2") &&
	     ipam_release(p, "pod-7") == 0 && ipam_allocate(p, "late", &a) == 0 &&
	     !strcmp(fmt(&a), "fd00:10:244:1::9");
	ipam_close(p);
	tdir_free(&t);
	CHECK(ok);
}

UNIT_TEST(ipam_ipv6_64_wraps_without_enumerating)
{
	struct tdir t;
	net_cidr c = cidr("fd00:1::/64");
	ipam *p;
	net_addr a;
	int ok;

	CHECK_INT(tdir_make(&t), 0);
	p = ipam_open(t.dir, &c);
	ok = p && put_file(t.dir, "last_reserved", "fd00:1::ffff:ffff:ffff:fffe") == 0 &&
	     ipam_allocate(p, "top", &a) == 0 && !strcmp(fmt(&a), "fd00:1::ffff:ffff:ffff:ffff") &&
	     ipam_allocate(p, "wrapped", &a) == 0 && !strcmp(fmt(&a), "fd00:1::2") &&
	     ipam_allocate(p, "next", &a) == 0 && !strcmp(fmt(&a), "fd00:1::3");
	ipam_close(p);
	tdir_free(&t);
	CHECK(ok);
}

static void gc_release(const net_addr *a, const char *owner, void *arg)
{
	ipam *p = arg;

	if (!strcmp(owner, "gone"))
		ipam_release(p, owner);
}

UNIT_TEST(ipam_cidr_change_and_gc)
{
	struct tdir t;
	net_cidr c1 = cidr("10.0.0.0/29"), c2 = cidr("10.1.0.0/29");
	struct seen s = {0}, s2 = {0};
	ipam *p;
	net_addr a;
	int ok = 0;

	CHECK_INT(tdir_make(&t), 0);
	p = ipam_open(t.dir, &c1);
	if (p && ipam_allocate(p, "keep", &a) == 0 && ipam_allocate(p, "gone", &a) == 0) {
		ipam_close(p);
		p = ipam_open(t.dir, &c2);
		/* Old addresses are not "held" in the new range but are listed. */
		ok = p && ipam_lookup(p, "keep", &a) == -ENOENT && ipam_list(p, collect, &s) == 2 &&
		     seen_has(&s, "10.0.0.2=keep") && seen_has(&s, "10.0.0.3=gone") &&
		     ipam_list(p, gc_release, p) == 2 && ipam_allocate(p, "keep", &a) == 0 &&
		     !strcmp(fmt(&a), "10.1.0.2") && ipam_list(p, collect, &s2) == 2 &&
		     seen_has(&s2, "10.0.0.2=keep") && seen_has(&s2, "10.1.0.2=keep") &&
		     ipam_release(p, "keep") == 0 && ipam_list(p, collect, &s2) == 0;
	}
	ipam_close(p);
	tdir_free(&t);
	CHECK(ok);
}

UNIT_TEST(ipam_open_rejects)
{
	static const char *bad[] = {"10.0.0.0/31", "10.0.0.0/32", "fd00::/127", "fd00::/128"};
	struct tdir t;
	net_cidr c, ok30 = cidr("10.0.0.0/30"), unaligned;
	ipam *p;
	net_addr a;
	size_t i;
	int r = 0;

	CHECK_INT(tdir_make(&t), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = cidr(bad[i]);
		errno = 0;
		p = ipam_open(t.dir, &c);
		r |= p != NULL || errno != EINVAL;
		ipam_close(p);
	}
	memset(&c, 0, sizeof(c));
	p = ipam_open(t.dir, &c);
	r |= (p != NULL) << 1;
	ipam_close(p);
	p = ipam_open(NULL, &ok30);
	r |= (p != NULL) << 2;
	ipam_close(p);
	/* A file where the directory should be. */
	r |= (put_file(t.base, "file", "") != 0) << 3;
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/file", t.base);
		errno = 0;
		p = ipam_open(path, &ok30);
		r |= (p != NULL || errno != ENOTDIR) << 4;
		ipam_close(p);
		snprintf(path, sizeof(path), "%s/no/such", t.base);
		p = ipam_open(path, &ok30);
		r |= (p != NULL || errno != ENOENT) << 5;
		ipam_close(p);
	}
	/* A /30 has exactly one usable address; host bits in the CIDR are cleared. */
	unaligned = ok30;
	unaligned.addr.a[3] = 3;
	p = ipam_open(t.dir, &unaligned);
	r |= (!p || ipam_allocate(p, "a", &a) != 0 || strcmp(fmt(&a), "10.0.0.2") != 0 ||
	      ipam_allocate(p, "b", &a) != -ENOSPC)
	     << 6;
	ipam_close(p);
	tdir_free(&t);
	CHECK_INT(r, 0);
}

static void count_addr(const net_addr *a, const char *owner, void *arg)
{
	unsigned char *hits = arg;

	if (a->family == AF_INET && owner[0])
		hits[a->a[3]]++;
}

/* Two processes racing on one directory: every owner gets its own address. */
UNIT_TEST(ipam_two_processes_race)
{
	struct tdir t;
	net_cidr c = cidr("10.0.0.0/24");
	unsigned char hits[256] = {0};
	char owner[32];
	ipam *p;
	net_addr a;
	pid_t pid;
	int i, st = -1, n = -1, dup = 0, fails = 0;

	CHECK_INT(tdir_make(&t), 0);
	pid = fork();
	if (pid == 0) {
		p = ipam_open(t.dir, &c);
		for (i = 0; p && i < 100; i++) {
			snprintf(owner, sizeof(owner), "child-%d", i);
			fails += ipam_allocate(p, owner, &a) != 0;
		}
		ipam_close(p);
		_exit(p && !fails ? 0 : 1);
	}
	p = ipam_open(t.dir, &c);
	for (i = 0; p && i < 100; i++) {
		snprintf(owner, sizeof(owner), "parent-%d", i);
		fails += ipam_allocate(p, owner, &a) != 0;
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (p)
		n = ipam_list(p, count_addr, hits);
	for (i = 0; i < 256; i++)
		dup += hits[i] > 1;
	ipam_close(p);
	tdir_free(&t);
	CHECK(pid > 0);
	CHECK_INT(st, 0);
	CHECK_INT(fails, 0);
	CHECK_INT(n, 200);
	CHECK_INT(dup, 0);
	CHECK_INT(hits[0] + hits[1] + hits[255], 0);
}
