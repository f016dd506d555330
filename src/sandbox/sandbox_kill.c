/*
 * sandbox_kill.c - finding and stopping every process of a sandbox.
 *
 * Pods are started by the agents in sessions of their own, and after a
 * SIGKILLed `up` nothing may be recorded at all, so processes are found by
 * what they are in: a process whose network or UTS namespace is a node's or
 * a Pod's pinned one belongs to the sandbox. Namespaces are compared by
 * their nsfs identity (st_dev, st_ino), as `ip netns identify` does.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "sandbox/sandbox_int.h"

#define SANDBOX_TERM_GRACE_MS 3000
#define SANDBOX_KILL_WAIT_MS  2000
/* A foreground `up` tears the sandbox down itself on SIGTERM. */
#define SANDBOX_SUPERVISOR_WAIT_MS 20000

int sandbox_nsids_has(const struct sandbox_nsids *ids, unsigned long long dev,
                      unsigned long long ino)
{
	for (size_t i = 0; i < ids->n; i++)
		if (ids->v[2 * i] == dev && ids->v[2 * i + 1] == ino)
			return 1;
	return 0;
}

int sandbox_nsids_add_file(struct sandbox_nsids *ids, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (sandbox_nsids_has(ids, st.st_dev, st.st_ino))
		return 0;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 64;
		unsigned long long *v = realloc(ids->v, cap * 2 * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[2 * ids->n] = st.st_dev;
	ids->v[2 * ids->n + 1] = st.st_ino;
	ids->n++;
	return 0;
}

void sandbox_nsids_free(struct sandbox_nsids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

/* The Pods' pins: DIR/nodes/<node>/pins/<uid>.net and .uts. */
static void sandbox_pod_nsids(const char *dir, struct sandbox_nsids *ids)
{
	char nodes[PATH_MAX], pins[PATH_MAX], path[PATH_MAX];
	struct dirent *nd, *pd;
	DIR *dn, *dp;

	if (sandbox_path(nodes, sizeof(nodes), "%s/nodes", dir) < 0 || !(dn = opendir(nodes)))
		return;
	while ((nd = readdir(dn))) {
		if (nd->d_name[0] == '.' ||
		    sandbox_path(pins, sizeof(pins), "%s/%s/pins", nodes, nd->d_name) < 0 ||
		    !(dp = opendir(pins)))
			continue;
		while ((pd = readdir(dp)))
			if (pd->d_name[0] != '.' &&
			    sandbox_path(path, sizeof(path), "%s/%s", pins, pd->d_name) == 0)
				sandbox_nsids_add_file(ids, path);
		closedir(dp);
	}
	closedir(dn);
}

static int sandbox_ns_matches(pid_t pid, const struct sandbox_nsids *ids)
{
	static const char *const kinds[] = {"net", "uts"};
	char path[64];
	struct stat st;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, kinds[k]);
		if (stat(path, &st) == 0 && sandbox_nsids_has(ids, st.st_dev, st.st_ino))
			return 1;
	}
	return 0;
}

/* A svcnet server on the fabric address, or an agent with its state under
 * dir: found by command line when nothing recorded them. */
static int sandbox_cmdline_matches(pid_t pid, const char *dir)
{
	char path[64], exe[PATH_MAX], args[8192], nodes[PATH_MAX];
	const char *base;
	int fd, server = 0, agent = 0, fabric = 0, ours = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strncmp(base, "svcnet", 6) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	args[n] = '\0';
	if (sandbox_path(nodes, sizeof(nodes), "%s/nodes", dir) < 0)
		nodes[0] = '\0';
	for (const char *a = args; a < args + n; a += strlen(a) + 1) {
		const char *v = strchr(a, '=');

		server |= !strcmp(a, "server");
		agent |= !strcmp(a, "agent");
		fabric |= !strcmp(a, SANDBOX_LISTEN) || (v && !strcmp(v + 1, SANDBOX_LISTEN));
		ours |= nodes[0] &&
		        (sandbox_path_under(a, nodes) || (v && sandbox_path_under(v + 1, nodes)));
	}
	return (server && fabric) || (agent && ours);
}

struct sandbox_pent {
	pid_t pid, ppid;
	unsigned long long start;
	int victim;
};

struct sandbox_scan {
	struct sandbox_pent *v;
	size_t n, cap;
};

static int sandbox_is_recorded(const struct sandbox_state *st, pid_t pid, unsigned long long start)
{
	if (!st)
		return 0;
	if (st->server.pid == pid && st->server.start == start)
		return 1;
	for (int i = 0; i < st->nodes && i < SANDBOX_MAX_NODES; i++)
		if (st->agents[i].pid == pid && st->agents[i].start == start)
			return 1;
	return 0;
}

/* This process and its ancestors are never victims (`down` may run from a
 * shell that happens to be inside a node namespace). */
static int sandbox_ancestors(pid_t *out, int max)
{
	struct sandbox_procstat ps;
	pid_t p = getpid();
	int n = 0;

	while (p > 0 && n < max) {
		out[n++] = p;
		if (p == 1 || sandbox_proc_stat(p, &ps) < 0)
			break;
		p = ps.ppid;
	}
	return n;
}

static int sandbox_pid_in(pid_t pid, const pid_t *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

static int sandbox_scan_procs(const char *dir, const struct sandbox_state *st,
                              const struct sandbox_nsids *ids, struct sandbox_scan *s)
{
	struct sandbox_procstat ps;
	struct dirent *de;
	DIR *d = opendir("/proc");
	pid_t anc[64];
	int changed, nvictims = 0, nanc = sandbox_ancestors(anc, 64);

	s->n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid == 1 || sandbox_pid_in(pid, anc, nanc) || sandbox_proc_stat(pid, &ps) < 0 ||
		    ps.state == 'Z' || ps.state == 'X')
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 256;
			struct sandbox_pent *v = realloc(s->v, cap * sizeof(*v));

			if (!v)
				break;
			s->v = v;
			s->cap = cap;
		}
		s->v[s->n++] = (struct sandbox_pent){pid, ps.ppid, ps.start,
		                                     sandbox_is_recorded(st, pid, ps.start) ||
		                                         sandbox_ns_matches(pid, ids) ||
		                                         sandbox_cmdline_matches(pid, dir)};
	}
	closedir(d);
	/* Descendants too: what an agent or a Pod started outside its
	 * namespaces is still the sandbox's. */
	do {
		changed = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (s->v[i].victim)
				continue;
			for (size_t j = 0; j < s->n; j++) {
				if (s->v[j].victim && s->v[j].pid == s->v[i].ppid) {
					s->v[i].victim = changed = 1;
					break;
				}
			}
		}
	} while (changed);
	for (size_t i = 0; i < s->n; i++)
		nvictims += s->v[i].victim;
	return nvictims;
}

static void sandbox_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits up to ms for the victims to be gone; the number still alive. */
static int sandbox_wait_gone(const struct sandbox_scan *s, int ms)
{
	int alive = 0;

	for (int waited = 0;; waited += 50) {
		sandbox_reap_children();
		alive = 0;
		for (size_t i = 0; i < s->n; i++) {
			struct sandbox_proc p = {s->v[i].pid, s->v[i].start};

			alive += s->v[i].victim && sandbox_proc_alive(&p);
		}
		if (!alive || waited >= ms)
			return alive;
		sandbox_sleep_ms(50);
	}
}

static void sandbox_signal_victims(const struct sandbox_scan *s, int sig)
{
	for (size_t i = 0; i < s->n; i++) {
		struct sandbox_proc p = {s->v[i].pid, s->v[i].start};

		if (s->v[i].victim && sandbox_proc_alive(&p))
			kill(s->v[i].pid, sig);
	}
}

static void sandbox_stop_supervisor(const struct sandbox_state *st)
{
	struct sandbox_scan one = {0};
	struct sandbox_pent e;

	if (!st || !st->supervisor.pid || st->supervisor.pid == getpid() ||
	    !sandbox_proc_alive(&st->supervisor))
		return;
	log_info("sandbox", "stopping the foreground `svcnet up` (pid %d)",
	         (int)st->supervisor.pid);
	e = (struct sandbox_pent){st->supervisor.pid, 0, st->supervisor.start, 1};
	one.v = &e;
	one.n = 1;
	kill(e.pid, SIGTERM);
	if (sandbox_wait_gone(&one, SANDBOX_SUPERVISOR_WAIT_MS)) {
		kill(e.pid, SIGKILL);
		sandbox_wait_gone(&one, SANDBOX_KILL_WAIT_MS);
	}
}

static void sandbox_comm(pid_t pid, char out[64])
{
	char path[64];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, 63);
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
}

void sandbox_kill_all(const char *dir, const struct sandbox_state *st, struct sandbox_report *r)
{
	struct sandbox_nsids ids = {0};
	struct sandbox_scan s = {0};
	int n = 0;

	sandbox_stop_supervisor(st);
	/* Agents start new Pods until they are gone themselves: go round
	 * until a scan finds nothing. */
	for (int round = 0; round < 5; round++) {
		ids.n = 0;
		sandbox_fabric_nsids(&ids);
		sandbox_pod_nsids(dir, &ids);
		n = sandbox_scan_procs(dir, st, &ids, &s);
		if (n <= 0)
			break;
		log_info("sandbox", "stopping %d process%s", n, n == 1 ? "" : "es");
		sandbox_signal_victims(&s, SIGTERM);
		if (sandbox_wait_gone(&s, SANDBOX_TERM_GRACE_MS)) {
			sandbox_signal_victims(&s, SIGKILL);
			sandbox_wait_gone(&s, SANDBOX_KILL_WAIT_MS);
		}
	}
	if (n > 0) {
		for (size_t i = 0; i < s.n; i++) {
			struct sandbox_proc p = {s.v[i].pid, s.v[i].start};
			char comm[64];

			if (!s.v[i].victim || !sandbox_proc_alive(&p))
				continue;
			sandbox_comm(p.pid, comm);
			sandbox_report_add(r, "process %d (%s)", (int)p.pid, comm);
		}
	} else if (n < 0) {
		sandbox_report_add(r, "/proc: %s", strerror(-n));
	}
	free(s.v);
	sandbox_nsids_free(&ids);
}
