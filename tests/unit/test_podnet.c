/*
 * test_podnet.c - Pod networking, each test inside a child that owns fresh
 * network and mount namespaces: the node is that network namespace, and the
 * pins (bind mounts) vanish with its private mount namespace. The pin
 * directory is made and removed by the parent, so a failing child leaves
 * nothing behind.
 */
#include "unit.h"

#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/time.h>

#include "agent/podnet.h"
#include "agent/sysctl.h"
#include "lib/nftrun.h"
#include "test_rtnl_helpers.h"

#define UID_A     "0f6c1c5e-8a43-4b0e-9d2c-6a1f0e7b1a01"
#define UID_B     "0f6c1c5e-8a43-4b0e-9d2c-6a1f0e7b1a02"
#define LONG_NAME "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-xyz"

static char pn_dir[64];

static void pn_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	closedir(d);
	rmdir(dir);
}

/* Runs body in a child with its own network and (private) mount namespace. */
static int pn_run(int (*body)(void))
{
	ino_t root_ino = 0;
	int st = -1;
	pid_t pid;

	if (rt_ns_ino(&root_ino) < 0)
		return RT_SKIP;
	strcpy(pn_dir, "/tmp/podnet-test-XXXXXX");
	if (!mkdtemp(pn_dir))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ino_t ino = 0;

		if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
			_exit(errno == EPERM || errno == EINVAL || errno == ENOSYS ? RT_SKIP : 1);
		if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
		    rt_ns_ino(&ino) < 0 || ino == root_ino) {
			printf("    child: no private namespaces\n");
			fflush(stdout);
			_exit(1);
		}
		alarm(60);
		st = body();
		fflush(stdout);
		exit(st);
	}
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	pn_rmdir(pn_dir);
	if (pid < 0)
		return -1;
	if (WIFSIGNALED(st)) {
		printf("    child killed by signal %d\n", WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	return WEXITSTATUS(st);
}

#define PN_RUN(body)                                                                               \
	do {                                                                                       \
		int st_ = pn_run(body);                                                            \
		if (st_ == RT_SKIP) {                                                              \
			printf("    skip %s: cannot create namespaces here\n", #body);             \
			return;                                                                    \
		}                                                                                  \
		CHECK_INT(st_, 0);                                                                 \
	} while (0)

static struct podnet_pod pn_pod(const char *uid, const char *name, const char *ip)
{
	struct podnet_pod p;

	memset(&p, 0, sizeof(p));
	p.pin_dir = pn_dir;
	p.uid = uid;
	p.name = name;
	p.nips = 1;
	p.ips[0].addr = rt_ip(ip);
	p.ips[0].prefix = 24;
	p.ips[0].gw = rt_ip("198.18.20.1");
	return p;
}

static int pn_node(void)
{
	struct podnet_node n;

	memset(&n, 0, sizeof(n));
	n.pod_cidrs[0] = rt_cidr("198.18.20.0/24");
	n.ncidrs = 1;
	return podnet_node_setup(&n);
}

static int pn_nsfd(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void pn_sa(const char *ip, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	net_addr a = rt_ip(ip);

	net_addr_to_sockaddr(&a, port, ss, len);
}

/* A socket of type bound to ip:port inside the namespace pinned at path (or
 * here when path is NULL), listening when it is a stream. */
static int pn_listener(const char *path, int type, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = path ? pn_nsfd(path) : -1, s, one = 1;

	s = path ? rt_socket_in(fd, AF_INET, type) : socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		close(fd);
	pn_sa(ip, port, &ss, &len);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(s, 4) < 0)) {
		printf("    listener %s:%d: %s\n", ip, port, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static int pn_wait_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 5000) == 1;
}

/* Serves one TCP exchange on listener l: reads a message, answers "re:"+msg,
 * and checks the peer's address. */
static int pn_serve_tcp(int l, const char *want_peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[64] = "re:", peer[NET_ADDR_STRLEN];
	net_addr a;
	ssize_t n;
	int c;

	T(pn_wait_readable(l));
	c = accept4(l, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	T(c >= 0);
	T(pn_wait_readable(c));
	n = read(c, buf + 3, sizeof(buf) - 4);
	T(n > 0);
	T(write(c, buf, (size_t)n + 3) == n + 3);
	close(c);
	T(net_addr_from_sockaddr((struct sockaddr *)&ss, &a, NULL) == 0);
	net_addr_fmt(&a, peer, sizeof(peer));
	if (strcmp(peer, want_peer)) {
		printf("    tcp peer %s, want %s\n", peer, want_peer);
		return 1;
	}
	return 0;
}

static int pn_serve_udp(int u, const char *want_peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[64] = "re:", peer[NET_ADDR_STRLEN];
	net_addr a;
	ssize_t n;

	T(pn_wait_readable(u));
	n = recvfrom(u, buf + 3, sizeof(buf) - 4, 0, (struct sockaddr *)&ss, &len);
	T(n > 0);
	T(sendto(u, buf, (size_t)n + 3, 0, (struct sockaddr *)&ss, len) == n + 3);
	T(net_addr_from_sockaddr((struct sockaddr *)&ss, &a, NULL) == 0);
	net_addr_fmt(&a, peer, sizeof(peer));
	if (strcmp(peer, want_peer)) {
		printf("    udp peer %s, want %s\n", peer, want_peer);
		return 1;
	}
	return 0;
}

/* Client side, in the grandchild: send msg, expect "re:"+msg back. */
static int pn_ask(int type, const char *ip, int port)
{
	struct sockaddr_storage ss;
	struct timeval tv = {.tv_sec = 5};
	socklen_t len;
	char buf[64];
	int s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	ssize_t n;

	pn_sa(ip, port, &ss, &len);
	T(s >= 0);
	T(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	if (connect(s, (struct sockaddr *)&ss, len) < 0) {
		printf("    gc: connect %s:%d: %s\n", ip, port, strerror(errno));
		return 1;
	}
	T(write(s, "hi", 2) == 2);
	n = read(s, buf, sizeof(buf) - 1);
	close(s);
	T(n == 5 && memcmp(buf, "re:hi", 5) == 0);
	return 0;
}

/* Pod A's view, from a grandchild in its namespaces: its hostname, pod B
 * over TCP and UDP, the gateway over TCP. The child serves all three. */
static int pn_check_from_a(const struct podnet_result *a, const struct podnet_result *b)
{
	int tb = pn_listener(b->netns_path, SOCK_STREAM, "198.18.20.3", 7000);
	int ub = pn_listener(b->netns_path, SOCK_DGRAM, "198.18.20.3", 7001);
	int tg = pn_listener(NULL, SOCK_STREAM, "198.18.20.1", 7002);
	int st = 0, rc;
	pid_t pid;

	T(tb >= 0 && ub >= 0 && tg >= 0);
	fflush(stdout);
	pid = fork();
	T(pid >= 0);
	if (pid == 0) {
		char h[128] = "";

		close(tb);
		close(ub);
		close(tg);
		if (podnet_enter(a->netns_path, a->uts_path) < 0 || gethostname(h, sizeof(h)) < 0 ||
		    strcmp(h, "pod-a")) {
			printf("    gc: enter/hostname \"%s\"\n", h);
			fflush(stdout);
			_exit(1);
		}
		rc = pn_ask(SOCK_STREAM, "198.18.20.3", 7000) ||
		     pn_ask(SOCK_DGRAM, "198.18.20.3", 7001) ||
		     pn_ask(SOCK_STREAM, "198.18.20.1", 7002);
		fflush(stdout);
		_exit(rc);
	}
	rc = pn_serve_tcp(tb, "198.18.20.2") || pn_serve_udp(ub, "198.18.20.2") ||
	     pn_serve_tcp(tg, "198.18.20.2");
	if (rc)
		kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(tb);
	close(ub);
	close(tg);
	T(rc == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("    grandchild status 0x%x\n", st);
		return 1;
	}
	return 0;
}

/* The hostname seen in the UTS namespace pinned at path. */
static int pn_hostname_in(const char *path, char *out, size_t outlen)
{
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char h[128] = "";

		close(pfd[0]);
		if (podnet_enter(NULL, path) == 0 && gethostname(h, sizeof(h)) == 0)
			(void)!write(pfd[1], h, strlen(h));
		_exit(0);
	}
	close(pfd[1]);
	n = pid > 0 ? read(pfd[0], out, outlen - 1) : -1;
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	out[n > 0 ? n : 0] = '\0';
	return n > 0 ? 0 : -1;
}

static int pn_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int body_two_pods(void)
{
	struct podnet_pod pa = pn_pod(UID_A, "pod-a", "198.18.20.2"),
	                  pb = pn_pod(UID_B, LONG_NAME, "198.18.20.3");
	struct podnet_result ra, rb;
	struct rtnl_link_info br, va;
	char v[32], host[128];
	rtnl *h = rtnl_open();

	T(h);
	T(pn_node() == 0);
	T(pn_node() == 0); /* converges */
	T_RC(h, rtnl_link_get(h, "cni0", &br), 0);
	T(!strcmp(br.kind, "bridge"));
	T(br.flags & IFF_UP);
	T(sysctl_get("net/ipv4/ip_forward", v, sizeof(v)) > 0 && !strcmp(v, "1"));

	T(podnet_pod_create(&pa, &ra) == 0);
	T(podnet_pod_create(&pb, &rb) == 0);
	T(!strncmp(ra.host_veth, "veth", 4) && strlen(ra.host_veth) == 12);
	T(strcmp(ra.host_veth, rb.host_veth) != 0);
	T_RC(h, rtnl_link_get(h, ra.host_veth, &va), 0);
	T(va.master == br.index && (va.flags & IFF_UP));
	/* Hairpin on both ports, so each Pod reaches itself via a Service. */
	T_RC(h, rtnl_link_get_hairpin(h, ra.host_veth), 1);
	T_RC(h, rtnl_link_get_hairpin(h, rb.host_veth), 1);
	T(pn_exists(ra.netns_path) && pn_exists(ra.uts_path));

	T(pn_check_from_a(&ra, &rb) == 0);
	/* Kubernetes cuts hostnames at 63 bytes and drops a trailing '-'. */
	T(pn_hostname_in(rb.uts_path, host, sizeof(host)) == 0);
	T(strlen(host) == 62 && host[61] == 'b');

	T(podnet_pod_delete(&pa) == 0);
	T_RC(h, rtnl_link_get(h, ra.host_veth, &va), -ENODEV);
	T(!pn_exists(ra.netns_path) && !pn_exists(ra.uts_path));
	T(podnet_pod_delete(&pa) == 0); /* twice is fine */
	T(pn_exists(rb.netns_path));    /* B untouched */

	T(podnet_pod_create(&pa, &ra) == 0);
	T(pn_check_from_a(&ra, &rb) == 0);
	T(podnet_pod_delete(&pa) == 0);
	T(podnet_pod_delete(&pb) == 0);
	rtnl_close(h);
	return 0;
}

/* Pod A's eth0 index, read from inside its namespace. */
static int pn_eth0_index(const struct podnet_result *r)
{
	int fd = pn_nsfd(r->netns_path), ix = -1;
	rtnl *h = fd >= 0 ? rtnl_open_netns(fd) : NULL;

	if (h)
		ix = rtnl_link_index(h, "eth0");
	rtnl_close(h);
	if (fd >= 0)
		close(fd);
	return ix;
}

/* A second create over a working Pod (agent restart) keeps its links and an
 * open connection; a half-made Pod (pin file without mount) is completed. */
static int body_idempotent(void)
{
	struct podnet_pod pa = pn_pod(UID_A, "pod-a", "198.18.20.2");
	struct podnet_result ra, r2;
	int l, c, s, nsfd, hix, eix;
	struct sockaddr_storage ss;
	socklen_t len;
	char host[128], buf[8];
	rtnl *h = rtnl_open();

	T(h && pn_node() == 0);
	T(podnet_pod_create(&pa, &ra) == 0);
	hix = rtnl_link_index(h, ra.host_veth);
	eix = pn_eth0_index(&ra);
	T(hix > 0 && eix > 0);

	l = pn_listener(NULL, SOCK_STREAM, "198.18.20.1", 7100);
	nsfd = pn_nsfd(ra.netns_path);
	s = rt_socket_in(nsfd, AF_INET, SOCK_STREAM);
	close(nsfd);
	pn_sa("198.18.20.1", 7100, &ss, &len);
	T(l >= 0 && s >= 0 && connect(s, (struct sockaddr *)&ss, len) == 0);
	c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	T(c >= 0);

	/* Hairpin found off (an agent before it was set) is turned on, with
	 * the Pod's connection untouched. */
	T_RC(h, rtnl_link_set_hairpin(h, ra.host_veth, 0), 0);
	T(podnet_pod_create(&pa, &r2) == 0);
	T(!strcmp(r2.host_veth, ra.host_veth));
	T(rtnl_link_index(h, ra.host_veth) == hix && pn_eth0_index(&ra) == eix);
	T_RC(h, rtnl_link_get_hairpin(h, ra.host_veth), 1);
	T(write(s, "x", 1) == 1 && pn_wait_readable(c) && read(c, buf, 1) == 1 && buf[0] == 'x');
	close(s);
	close(c);
	close(l);

	/* A crash between creating the pin file and mounting it. */
	T(umount2(ra.uts_path, 0) == 0 && pn_exists(ra.uts_path));
	T(podnet_pod_create(&pa, &r2) == 0);
	T(pn_hostname_in(ra.uts_path, host, sizeof(host)) == 0);
	T(!strcmp(host, "pod-a"));
	T(rtnl_link_index(h, ra.host_veth) == hix); /* the network was left alone */

	/* The netns lost: a new one, a new pair. */
	T(podnet_pod_delete(&pa) == 0);
	T(podnet_pod_create(&pa, &r2) == 0);
	T(umount2(ra.netns_path, 0) == 0);
	/* The old namespace dies with its last reference and its pair with it,
	 * but the kernel tears namespaces down asynchronously; until then the
	 * old host end is not this Pod's pair and is left alone. */
	for (int i = 0; i < 200 && rtnl_link_index(h, ra.host_veth) > 0; i++)
		usleep(10000);
	T(podnet_pod_create(&pa, &r2) == 0);
	T(pn_eth0_index(&r2) > 0 && rtnl_link_index(h, r2.host_veth) > 0);
	T_RC(h, rtnl_link_get_hairpin(h, r2.host_veth), 1);
	T(podnet_pod_delete(&pa) == 0);
	rtnl_close(h);
	return 0;
}

/* A link of the Pod's host veth name that is not its pair (another Pod with
 * a colliding hash, or foreign) is never taken over nor removed. */
static int body_foreign_link(void)
{
	struct podnet_pod pa = pn_pod(UID_A, "pod-a", "198.18.20.2");
	char veth[RTNL_IFNAMSIZ];
	struct podnet_result r;
	rtnl *h = rtnl_open();

	T(h && pn_node() == 0);
	T(podnet_veth_name(UID_A, veth) == 0);
	T_RC(h, rtnl_veth_add(h, veth, "vforeign0", -1, 0), 0);
	T(podnet_pod_create(&pa, &r) == -EEXIST);
	T(podnet_pod_delete(&pa) == 0);
	T(rtnl_link_index(h, veth) > 0);
	T_RC(h, rtnl_link_del(h, veth, 0), 0);
	/* Missing bridge: a clear error, then a clean delete. */
	pa.bridge = "nobr0";
	T(podnet_pod_create(&pa, &r) == -ENODEV);
	T(podnet_pod_delete(&pa) == 0);
	T(rtnl_link_index(h, veth) == -ENODEV);
	rtnl_close(h);
	return 0;
}

/* ---- hairpin: a Pod reaching itself through a "Service" ---- */

#define HP_SVC_IP   "198.19.96.1"
#define HP_SVC_PORT 80
#define HP_POD_PORT 8080
#define HP_TABLE    "svcnet-hairpin-test"

/* 1: br_netfilter hands bridged IP traffic to the node's IP hooks (the
 * kubelet's usual setup, and the default in a new namespace while the
 * module is loaded); 0: it does not, so Pod traffic to the node is routed. */
static int pn_brnf;

/* One connection from inside the Pod (nsfd) to the Service, which the node
 * DNATs to the Pod's own listener l: 0 when it connects, is seen from the
 * bridge address (masqueraded) and carries data both ways; -ETIMEDOUT when
 * the SYN never arrives; 1 on anything else. */
static int pn_hairpin_talk(int nsfd, int l)
{
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t len, elen = sizeof(int);
	char buf[16], peer[NET_ADDR_STRLEN];
	net_addr a;
	int s, c, err = 0;

	s = rt_socket_in(nsfd, AF_INET, SOCK_STREAM);
	T(s >= 0);
	/* Non-blocking: a dropped SYN is retried for minutes otherwise. The
	 * first retry comes after 1 s, so 2 s see it too. */
	T(fcntl(s, F_SETFL, O_NONBLOCK) == 0);
	pn_sa(HP_SVC_IP, HP_SVC_PORT, &ss, &len);
	T(connect(s, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS);
	pfd = (struct pollfd){.fd = s, .events = POLLOUT};
	if (poll(&pfd, 1, 2000) == 0) {
		close(s);
		return -ETIMEDOUT;
	}
	T(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
	if (err) {
		printf("    connect to the service: %s\n", strerror(err));
		close(s);
		return 1;
	}
	len = sizeof(ss);
	T(pn_wait_readable(l));
	c = accept4(l, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	T(c >= 0);
	T(net_addr_from_sockaddr((struct sockaddr *)&ss, &a, NULL) == 0);
	net_addr_fmt(&a, peer, sizeof(peer));
	/* Its own address as the source would make the Pod's kernel drop the
	 * packet (a martian); the masquerade rule makes it the bridge's. */
	if (strcmp(peer, "198.18.20.1")) {
		printf("    hairpin peer %s, want 198.18.20.1\n", peer);
		close(c);
		close(s);
		return 1;
	}
	T(write(s, "ping", 4) == 4);
	T(pn_wait_readable(c) && read(c, buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4));
	T(write(c, "pong", 4) == 4);
	T(pn_wait_readable(s) && read(s, buf, sizeof(buf)) == 4 && !memcmp(buf, "pong", 4));
	close(c);
	close(s);
	return 0;
}

static int body_hairpin_traffic(void)
{
	struct podnet_pod pa = pn_pod(UID_A, "pod-a", "198.18.20.2");
	struct podnet_result ra;
	/* What kube-proxy's rules come down to for one Service with one
	 * endpoint: DNAT in prerouting, and masquerade of a Pod's traffic to
	 * itself (the address match works bridged, where the hook sees no
	 * input device, and routed alike). */
	static const char rules[] =
	    "table ip " HP_TABLE " {\n"
	    "\tchain pre {\n"
	    "\t\ttype nat hook prerouting priority -100; policy accept;\n"
	    "\t\tip daddr " HP_SVC_IP " tcp dport 80 dnat to 198.18.20.2:8080\n"
	    "\t}\n"
	    "\tchain post {\n"
	    "\t\ttype nat hook postrouting priority 100; policy accept;\n"
	    "\t\tct status dnat ip saddr 198.18.20.2 ip daddr 198.18.20.2 masquerade\n"
	    "\t}\n"
	    "}\n";
	const char *v = pn_brnf ? "1" : "0";
	char err[256] = "";
	int nsfd, l, off;
	rtnl *h = rtnl_open();

	T(h && pn_node() == 0);
	/* Per namespace. Without the module there is no such switch, and
	 * routed is all there is. */
	if (sysctl_set("net/bridge/bridge-nf-call-iptables", v) < 0 && pn_brnf) {
		printf("    skip: no br_netfilter here\n");
		rtnl_close(h);
		return 0;
	}
	T(podnet_pod_create(&pa, &ra) == 0);
	T_RC(h, rtnl_link_get_hairpin(h, ra.host_veth), 1);
	if (nftrun_apply(rules, err, sizeof(err)) < 0) {
		printf("    nft: %s\n", err);
		return 1;
	}
	nsfd = pn_nsfd(ra.netns_path);
	T(nsfd >= 0);
	l = pn_listener(ra.netns_path, SOCK_STREAM, "198.18.20.2", HP_POD_PORT);
	T(l >= 0);

	/* As podnet_pod_create left it: the Pod reaches itself. */
	T(pn_hairpin_talk(nsfd, l) == 0);
	/* Hairpin off: bridged, the DNATed SYN would have to leave by the
	 * port it came in by, and the bridge drops it. Routed, the node sends
	 * it from the bridge device itself, so hairpin mode plays no part. */
	T_RC(h, rtnl_link_set_hairpin(h, ra.host_veth, 0), 0);
	off = pn_hairpin_talk(nsfd, l);
	if (off != (pn_brnf ? -ETIMEDOUT : 0)) {
		printf("    hairpin off, br_netfilter %d: talk gave %d\n", pn_brnf, off);
		return 1;
	}
	/* And on again, on the same port: back. */
	T_RC(h, rtnl_link_set_hairpin(h, ra.host_veth, 1), 0);
	T(pn_hairpin_talk(nsfd, l) == 0);

	close(l);
	close(nsfd);
	T(nftrun_apply("delete table ip " HP_TABLE "\n", err, sizeof(err)) == 0);
	T(podnet_pod_delete(&pa) == 0);
	rtnl_close(h);
	return 0;
}

static int body_enter_errors(void)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/plain", pn_dir);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	T(fd >= 0);
	close(fd);
	T(podnet_enter("/nonexistent/x.net", NULL) == -ENOENT);
	T(podnet_enter(p, NULL) == -EINVAL);
	T(podnet_enter(NULL, p) == -EINVAL);
	T(podnet_enter("/proc/self/ns/uts", NULL) == -EINVAL); /* wrong type */
	T(podnet_enter(NULL, NULL) == 0);
	return 0;
}

UNIT_TEST(podnet_two_pods_reach)
{
	PN_RUN(body_two_pods);
}

UNIT_TEST(podnet_create_idempotent)
{
	PN_RUN(body_idempotent);
}

UNIT_TEST(podnet_foreign_link)
{
	PN_RUN(body_foreign_link);
}

UNIT_TEST(podnet_hairpin_br_netfilter)
{
	pn_brnf = 1;
	PN_RUN(body_hairpin_traffic);
}

UNIT_TEST(podnet_hairpin_routed)
{
	pn_brnf = 0;
	PN_RUN(body_hairpin_traffic);
}

UNIT_TEST(podnet_enter_errors)
{
	PN_RUN(body_enter_errors);
}

UNIT_TEST(podnet_veth_names)
{
	char a[RTNL_IFNAMSIZ], b[RTNL_IFNAMSIZ], c[RTNL_IFNAMSIZ];
	char long_uid[PODNET_UID_MAX + 2];

	CHECK_INT(podnet_veth_name(UID_A, a), 0);
	CHECK_INT(podnet_veth_name(UID_A, b), 0);
	CHECK_INT(podnet_veth_name(UID_B, c), 0);
	CHECK_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK_INT(strlen(a), 12);
	CHECK(strncmp(a, "veth", 4) == 0 && strspn(a + 4, "0123456789abcdef") == 8);
	CHECK_INT(podnet_veth_name("", a), -EINVAL);
	CHECK_INT(podnet_veth_name("../x", a), -EINVAL);
	CHECK_INT(podnet_veth_name("a/b", a), -EINVAL);
	CHECK_INT(podnet_veth_name(NULL, a), -EINVAL);
	memset(long_uid, 'a', sizeof(long_uid) - 1);
	long_uid[sizeof(long_uid) - 1] = '\0';
	CHECK_INT(podnet_veth_name(long_uid, a), -EINVAL);
	long_uid[PODNET_UID_MAX] = '\0';
	CHECK_INT(podnet_veth_name(long_uid, a), 0);
}

/* Refused before anything is made, so no namespace is needed. */
UNIT_TEST(podnet_bad_args)
{
	struct podnet_pod p = pn_pod(UID_A, "pod-a", "198.18.20.2"), q;
	struct podnet_node n;

	p.pin_dir = "/nonexistent-podnet-dir";
	q = p, q.uid = "../etc";
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.name = "";
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.name = "a b";
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.name = "---";
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.nips = 0;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.nips = 3;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.ips[0].prefix = 33;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.ips[0].gw = rt_ip("198.18.21.1"); /* not on-link */
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.ips[0].gw = rt_ip("fd00::1");
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.ips[0].gw = q.ips[0].addr;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.nips = 2, q.ips[1] = q.ips[0]; /* two of one family */
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.mtu = 20;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	q = p, q.pin_dir = NULL;
	CHECK_INT(podnet_pod_create(&q, NULL), -EINVAL);
	CHECK_INT(podnet_pod_create(NULL, NULL), -EINVAL);
	CHECK_INT(podnet_pod_delete(NULL), -EINVAL);
	q = p, q.uid = "a/b";
	CHECK_INT(podnet_pod_delete(&q), -EINVAL);

	memset(&n, 0, sizeof(n));
	CHECK_INT(podnet_node_setup(&n), -EINVAL); /* no CIDR */
	CHECK_INT(podnet_node_setup(NULL), -EINVAL);
	n.ncidrs = 1;
	n.pod_cidrs[0] = rt_cidr("198.18.20.4/31"); /* no host address besides the gateway */
	CHECK_INT(podnet_node_setup(&n), -EINVAL);
	n.ncidrs = 2;
	n.pod_cidrs[0] = rt_cidr("198.18.20.0/24");
	n.pod_cidrs[1] = rt_cidr("198.18.21.0/24");
	CHECK_INT(podnet_node_setup(&n), -EINVAL);
}

static int pn_slurp(const char *path, char *out, size_t outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, outlen - 1) : -1;

	if (fd >= 0)
		close(fd);
	out[n > 0 ? n : 0] = '\0';
	return n > 0 ? 0 : -1;
}

UNIT_TEST(podnet_resolv_conf)
{
	char dir[] = "/tmp/podnet-resolv-XXXXXX", path[PATH_MAX], text[512];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "default", "cluster.local"), 0);
	CHECK_INT(pn_slurp(path, text, sizeof(text)), 0);
	CHECK_STR(text, "nameserver 198.18.96.10\n"
	                "search default.svc.cluster.local svc.cluster.local cluster.local\n"
	                "options ndots:5\n");
	/* Rewritten in place, default zone, IPv6 server. */
	CHECK_INT(podnet_write_resolv_conf(path, "fd00:96::a", "kube-system", NULL), 0);
	CHECK_INT(pn_slurp(path, text, sizeof(text)), 0);
	CHECK_STR(text, "nameserver fd00:96::a\n"
	                "search kube-system.svc.cluster.local svc.cluster.local cluster.local\n"
	                "options ndots:5\n");
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "ns1", "example.test"), 0);
	CHECK_INT(pn_slurp(path, text, sizeof(text)), 0);
	CHECK(strstr(text, "search ns1.svc.example.test svc.example.test example.test\n"));

	CHECK_INT(podnet_write_resolv_conf(path, "dns.example", "default", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "Default", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "a\nnameserver 1.2.3.4", NULL),
	          -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "-x", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "default", "a..b"), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, "198.18.96.10", "default", "x y"), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(path, NULL, "default", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf(NULL, "198.18.96.10", "default", NULL), -EINVAL);
	CHECK_INT(podnet_write_resolv_conf("/nonexistent-dir/resolv.conf", "198.18.96.10",
	                                   "default", NULL),
	          -ENOENT);
	/* the failed writes left the good file alone and no temporary behind */
	CHECK_INT(pn_slurp(path, text, sizeof(text)), 0);
	CHECK(strstr(text, "example.test"));
	strcat(path, ".tmp");
	CHECK(!pn_exists(path));
	path[strlen(path) - 4] = '\0';
	unlink(path);
	CHECK_INT(rmdir(dir), 0);
}
