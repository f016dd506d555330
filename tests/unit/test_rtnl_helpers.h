/*
 * test_rtnl_helpers.h - running test bodies in private network namespaces.
 *
 * rt_in_netns() forks a child that first moves into a fresh network
 * namespace (unshare), and checks that it did, before running the body;
 * "pod" namespaces are more of the same, held open by fd. When the child
 * exits, its namespaces and all in them vanish, so the machine's own
 * namespace is never touched, whatever fails. Without the privilege to
 * unshare, tests print "skip" and pass. Bodies report with T()/T_RC(), which
 * print the failed check and return 1, the child's exit status.
 */
#ifndef SVCNET_TEST_RTNL_HELPERS_H
#define SVCNET_TEST_RTNL_HELPERS_H

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/rtnl.h"

#define RT_SKIP 77

/* Checks inside the child: print, then fail the child with exit status 1. */
#define T(cond)                                                                                    \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("    child %s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond);         \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* expr must return want; on mismatch the handle's last error is shown. */
#define T_RC(h, expr, want)                                                                        \
	do {                                                                                       \
		int r_ = (expr), w_ = (want);                                                      \
		if (r_ != w_) {                                                                    \
			printf("    child %s:%d: %s = %d (%s), want %d; last error: %s\n",         \
			       __FILE__, __LINE__, #expr, r_, r_ < 0 ? strerror(-r_) : "-", w_,    \
			       rtnl_last_error(h));                                                \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static inline int rt_ns_ino(ino_t *ino)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/* Runs body in a child inside a new network namespace: its exit status, or
 * RT_SKIP when namespaces cannot be made here. */
static inline int rt_in_netns(int (*body)(void))
{
	ino_t root_ino = 0;
	int st;
	pid_t pid;

	if (rt_ns_ino(&root_ino) < 0)
		return RT_SKIP;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		ino_t ino = 0;
		int rc;

		if (unshare(CLONE_NEWNET) < 0) {
			if (errno == EPERM || errno == EINVAL || errno == ENOSYS)
				_exit(RT_SKIP);
			printf("    child: unshare: %s\n", strerror(errno));
			fflush(stdout);
			_exit(1);
		}
		/* Never run a body in the machine's namespace. */
		if (rt_ns_ino(&ino) < 0 || ino == root_ino) {
			printf("    child: not in a new network namespace\n");
			fflush(stdout);
			_exit(1);
		}
		alarm(60); /* a hung test fails rather than blocks the suite */
		rc = body();
		fflush(stdout);
		exit(rc); /* exit, not _exit: leak checkers run in the child too */
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	printf("    child killed by signal %d\n", WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

#define RUN_IN_NETNS(body)                                                                         \
	do {                                                                                       \
		int st_ = rt_in_netns(body);                                                       \
		if (st_ == RT_SKIP) {                                                              \
			printf("    skip %s: cannot create network namespaces here\n", #body);     \
			return;                                                                    \
		}                                                                                  \
		CHECK_INT(st_, 0);                                                                 \
	} while (0)

/* A second fresh namespace, held by the returned fd; the caller stays put. */
static inline int rt_new_netns(void)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd = -1;

	if (self < 0)
		return -1;
	if (unshare(CLONE_NEWNET) == 0)
		fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* We would be stuck in the new one; still a private namespace,
		 * but the test is meaningless. */
		printf("    child: cannot return to namespace\n");
		exit(1);
	}
	close(self);
	return fd;
}

/* A socket created inside the namespace of nsfd (sockets keep theirs). */
static inline int rt_socket_in(int nsfd, int family, int type)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), s = -1;

	if (self < 0)
		return -1;
	if (setns(nsfd, CLONE_NEWNET) == 0) {
		s = socket(family, type | SOCK_CLOEXEC, 0);
		if (setns(self, CLONE_NEWNET) < 0)
			exit(1);
	}
	close(self);
	return s;
}

static inline net_addr rt_ip(const char *s)
{
	net_addr a;

	memset(&a, 0, sizeof(a));
	if (net_addr_parse(s, &a) < 0)
		printf("    bad test address %s\n", s);
	return a;
}

static inline net_cidr rt_cidr(const char *s)
{
	net_cidr c;

	memset(&c, 0, sizeof(c));
	if (net_cidr_parse(s, &c, 1) < 0)
		printf("    bad test CIDR %s\n", s);
	return c;
}

/* IPv6 addresses become reachable once their local route is in, which the
 * kernel adds from a work queue a moment after the address: until a datagram
 * to the address arrives, DNAT to it would find no route. 0 once one
 * arrived, -1 after 2 s. (Before any rule exists, so no conntrack entry.) */
static inline int rt_wait_local(const char *ip)
{
	net_addr a = rt_ip(ip);
	struct sockaddr_storage ss;
	socklen_t len;
	int l = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int c = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0), ok = 0;
	struct pollfd p = {.fd = l, .events = POLLIN};

	if (net_addr_to_sockaddr(&a, 9999, &ss, &len) < 0 ||
	    (l >= 0 && bind(l, (struct sockaddr *)&ss, len) < 0)) {
		if (l >= 0)
			close(l);
		l = -1;
	}
	for (int i = 0; l >= 0 && c >= 0 && i < 200 && !ok; i++) {
		if (sendto(c, "x", 1, 0, (struct sockaddr *)&ss, len) != 1)
			usleep(10000); /* no route yet */
		else
			ok = poll(&p, 1, 10) == 1;
	}
	if (l >= 0)
		close(l);
	if (c >= 0)
		close(c);
	return ok ? 0 : -1;
}

/* The proxy tests' network: lo up, every address of addrs on lo (/32,
 * /128), the service ranges 198.18.200.0/24 and fd00:200::/64 routed to
 * svc_dev (lo, or a link made before), then every IPv6 address waited for.
 * DNAT in the output hook turns service addresses local. 0 or -1. */
static inline int rt_proxy_net(const char *const *addrs, size_t n, const char *svc_dev)
{
	net_cidr svc4 = rt_cidr("198.18.200.0/24"), svc6 = rt_cidr("fd00:200::/64");
	rtnl *h = rtnl_open();

	T(h);
	T_RC(h, rtnl_link_set_up(h, "lo", 1), 0);
	for (size_t i = 0; i < n; i++) {
		net_addr a = rt_ip(addrs[i]);

		T_RC(h, rtnl_addr_add(h, "lo", &a, a.family == AF_INET ? 32 : 128, 0), 0);
	}
	T_RC(h, rtnl_route_add(h, &svc4, NULL, svc_dev, 0), 0);
	T_RC(h, rtnl_route_add(h, &svc6, NULL, svc_dev, 0), 0);
	rtnl_close(h);
	for (size_t i = 0; i < n; i++)
		if (strchr(addrs[i], ':'))
			T(rt_wait_local(addrs[i]) == 0);
	return 0;
}

#endif
