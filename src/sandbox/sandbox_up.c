/*
 * sandbox_up.c - `svcnet up`: fabric, node namespaces, the server, one agent
 * per node; wait until every node is Ready; then supervise (or detach).
 *
 * SIGINT, SIGTERM, SIGHUP and SIGCHLD stay blocked and are taken with
 * sigtimedwait() between steps and while waiting, so a Ctrl-C at any point
 * ends in the same teardown as `svcnet down`, never halfway through a step.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "sandbox/sandbox_int.h"

#define SANDBOX_TAIL_LINES 15

struct sandbox_upctx {
	struct sandbox_state st;
	char exe[PATH_MAX];
	char kubeconfig[PATH_MAX];
	const char *dir;
	int timeout_ms;
	int node_cidr_mask;
	sigset_t sigs;
	int interrupted;
	sandbox_api *api;
	struct sandbox_node_status *nodes;
	const struct sandbox_up_opts *opts;
	int dns_ready; /* ready kube-dns endpoints when `up` finished waiting */
	int dns_state; /* SANDBOX_DNS_* */
};

enum { SANDBOX_DNS_OFF, SANDBOX_DNS_FAILED, SANDBOX_DNS_ON };

/* The cluster DNS Pods have this long to become ready once the nodes are. */
#define SANDBOX_DNS_WAIT_MS 30000

static void sandbox_log_path(const struct sandbox_upctx *u, int node, char out[PATH_MAX])
{
	char name[32];

	if (node == 0) {
		sandbox_path(out, PATH_MAX, "%s/logs/server.log", u->dir);
		return;
	}
	sandbox_node_name(node, name);
	sandbox_path(out, PATH_MAX, "%s/logs/%s.log", u->dir, name);
}

static const char *sandbox_what(int node, char out[48])
{
	if (node == 0)
		return "the server";
	snprintf(out, 48, "the agent of node-%d", node);
	return out;
}

static void sandbox_exit_text(int status, char out[64])
{
	if (WIFEXITED(status))
		snprintf(out, 64, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, 64, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, 64, "status %d", status);
}

/* Takes a pending signal, waiting up to ms: 0 when none came. Records
 * SIGINT/SIGTERM/SIGHUP; SIGCHLD is left to the caller's waitpid. */
static int sandbox_wait_signal(struct sandbox_upctx *u, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	int sig = sigtimedwait(&u->sigs, NULL, &ts);

	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
		u->interrupted = sig;
	return sig > 0 ? sig : 0;
}

/* Which of our children has exited (0 the server, i the agent of node-i),
 * after saying so with the tail of its log; -1 when all run. */
static int sandbox_reap_ours(struct sandbox_upctx *u, int loud)
{
	char text[64], what[48], log[PATH_MAX];
	int status;

	for (int i = 0; i <= u->st.nodes; i++) {
		struct sandbox_proc *p = i == 0 ? &u->st.server : &u->st.agents[i - 1];

		if (p->pid <= 0 || waitpid(p->pid, &status, WNOHANG) != p->pid)
			continue;
		p->pid = 0;
		p->start = 0;
		sandbox_state_write(&u->st);
		sandbox_exit_text(status, text);
		sandbox_log_path(u, i, log);
		log_error("sandbox", "%s exited (%s)%s", sandbox_what(i, what), text,
		          loud ? ": the sandbox is degraded until `svcnet down`" : "");
		sandbox_log_tail(log, SANDBOX_TAIL_LINES, "    ");
		return i;
	}
	return -1;
}

static int sandbox_spawn_server(struct sandbox_upctx *u)
{
	char sdir[PATH_MAX], log[PATH_MAX], mask[16];
	char *argv[] = {u->exe,
	                "server",
	                "--data-dir",
	                sdir,
	                "--listen",
	                SANDBOX_LISTEN,
	                "--cluster-cidr",
	                SANDBOX_CLUSTER_CIDR,
	                "--node-monitor-grace-period",
	                SANDBOX_NODE_GRACE_S,
	                NULL,
	                NULL,
	                NULL};
	int rc;

	if (u->node_cidr_mask) {
		snprintf(mask, sizeof(mask), "%d", u->node_cidr_mask);
		argv[10] = "--node-cidr-mask-size";
		argv[11] = mask;
	}
	sandbox_path(sdir, sizeof(sdir), "%s/server", u->dir);
	sandbox_log_path(u, 0, log);
	log_info("sandbox", "starting the API server on %s (log %s)", SANDBOX_LISTEN, log);
	rc = sandbox_spawn(argv, log, NULL, &u->st.server);
	if (rc < 0)
		log_error("sandbox", "cannot start %s server: %s", u->exe, strerror(-rc));
	return rc;
}

/* Until /readyz answers 200 over TLS with the server's own CA. */
static int sandbox_wait_server(struct sandbox_upctx *u)
{
	char skc[PATH_MAX], err[256];
	uint64_t deadline = ev_clock_ms() + (uint64_t)u->timeout_ms;
	int status = 0;
	buf body;

	buf_init(&body);
	sandbox_path(skc, sizeof(skc), "%s/server/kubeconfig", u->dir);
	while (ev_clock_ms() < deadline && !u->interrupted) {
		if (sandbox_reap_ours(u, 0) >= 0)
			break;
		if (!u->api && access(skc, R_OK) == 0 &&
		    sandbox_api_open(skc, &u->api, err, sizeof(err)) < 0)
			log_debug("sandbox", "kubeconfig %s: %s", skc, err);
		if (u->api && sandbox_api_get(u->api, "/readyz", 1000, &status, &body) == 0 &&
		    status == 200) {
			buf_free(&body);
			return sandbox_copy_file(skc, u->kubeconfig, 0600);
		}
		sandbox_wait_signal(u, 100);
	}
	buf_free(&body);
	if (!u->interrupted && u->st.server.pid > 0) {
		char log[PATH_MAX];

		sandbox_log_path(u, 0, log);
		log_error("sandbox", "the server did not become ready in %d s",
		          u->timeout_ms / 1000);
		sandbox_log_tail(log, SANDBOX_TAIL_LINES, "    ");
	}
	return -ETIMEDOUT;
}

/* `svcnet up --log-level` reaches the agents too (the server keeps info:
 * its debug lines would drown the agents'). */
static const char *sandbox_log_level_name(void)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};

	return names[log_min_level <= LOG_ERROR ? log_min_level : LOG_INFO];
}

static int sandbox_spawn_agent(struct sandbox_upctx *u, int i)
{
	char name[32], ip[16], netns[64], state[PATH_MAX], log[PATH_MAX];
	char *argv[] = {u->exe,
	                "agent",
	                "--kubeconfig",
	                u->kubeconfig,
	                "--node-name",
	                name,
	                "--node-ip",
	                ip,
	                "--state-dir",
	                state,
	                "--proxy-mode",
	                u->st.proxy_mode,
	                "--cluster-dns",
	                SANDBOX_CLUSTER_DNS,
	                "--cluster-cidr",
	                SANDBOX_CLUSTER_CIDR,
	                "--log-level",
	                (char *)sandbox_log_level_name(),
	                NULL};
	int rc;

	sandbox_node_name(i, name);
	sandbox_node_ip(i, ip);
	sandbox_node_netns(i, netns);
	sandbox_path(state, sizeof(state), "%s/nodes/%s", u->dir, name);
	sandbox_log_path(u, i, log);
	if ((rc = sandbox_mkdir_p(state, 0700)) < 0) {
		log_error("sandbox", "%s: %s", state, strerror(-rc));
		return rc;
	}
	rc = sandbox_spawn(argv, log, netns, &u->st.agents[i - 1]);
	if (rc < 0)
		log_error("sandbox", "cannot start the agent of %s: %s", name, strerror(-rc));
	return rc;
}

static int sandbox_wait_nodes(struct sandbox_upctx *u)
{
	uint64_t deadline = ev_clock_ms() + (uint64_t)u->timeout_ms, next_log = 0;
	int n = u->st.nodes, ready = 0;

	log_info("sandbox", "waiting for %d node%s to be Ready", n, n == 1 ? "" : "s");
	while (ev_clock_ms() < deadline && !u->interrupted) {
		if (sandbox_reap_ours(u, 0) >= 0)
			return -ECHILD;
		ready = sandbox_api_nodes(u->api, n, u->nodes);
		if (ready == n)
			return 0;
		if (ready >= 0 && ev_clock_ms() >= next_log) {
			log_info("sandbox", "%d of %d nodes Ready", ready, n);
			next_log = ev_clock_ms() + 5000;
		}
		sandbox_wait_signal(u, 300);
	}
	if (u->interrupted)
		return -EINTR;
	log_error("sandbox", "only %d of %d nodes became Ready in %d s", ready < 0 ? 0 : ready, n,
	          u->timeout_ms / 1000);
	for (int i = 1; i <= n; i++) {
		char log[PATH_MAX];

		if (ready >= 0 && u->nodes[i - 1].ready)
			continue;
		log_error("sandbox", "node-%d is not Ready", i);
		sandbox_log_path(u, i, log);
		sandbox_log_tail(log, SANDBOX_TAIL_LINES, "    ");
	}
	return -ETIMEDOUT;
}

/* The cluster DNS addon, after the nodes are Ready. Nothing here fails
 * `up`: a sandbox without DNS is still a sandbox (warnings say why). */
static void sandbox_dns_step(struct sandbox_upctx *u)
{
	struct sandbox_dns_opts d = {0};
	uint64_t deadline, next_log;
	int n = u->st.nodes, ready = 0;

	if (u->opts->no_dns || n == 0)
		return;
	d.exe = u->exe;
	d.kubeconfig = u->kubeconfig;
	d.nodes = n;
	d.upstreams = u->opts->dns_upstreams;
	d.nupstreams = u->opts->dns_nupstreams;
	log_info("sandbox",
	         "cluster DNS: Service kube-system/kube-dns %s, a svcnet dns Pod on "
	         "each node (upstream %s)",
	         SANDBOX_CLUSTER_DNS, d.nupstreams ? d.upstreams[0] : "none");
	u->dns_state = SANDBOX_DNS_FAILED;
	if (sandbox_dns_apply(u->api, &d) < 0)
		return;
	deadline = ev_clock_ms() + SANDBOX_DNS_WAIT_MS;
	next_log = ev_clock_ms() + 5000;
	while (!u->interrupted) {
		ready = sandbox_dns_ready(u->api);
		if (ready >= n || ev_clock_ms() >= deadline)
			break;
		if (ev_clock_ms() >= next_log) {
			log_info("sandbox", "cluster DNS: %d of %d Pods ready",
			         ready < 0 ? 0 : ready, n);
			next_log = ev_clock_ms() + 5000;
		}
		sandbox_wait_signal(u, 200);
	}
	u->dns_ready = ready < 0 ? 0 : ready;
	if (u->dns_ready > 0)
		u->dns_state = SANDBOX_DNS_ON;
	if (u->dns_ready < n && !u->interrupted)
		log_warn("sandbox",
		         "cluster DNS: only %d of %d Pods ready after %d s (kubectl -n "
		         "kube-system describe pods; logs under %s/nodes/*/pods/)",
		         u->dns_ready, n, SANDBOX_DNS_WAIT_MS / 1000, u->dir);
}

/* "svcnet" when that name on PATH is this binary, else the full path. */
static const char *sandbox_cmd_name(const struct sandbox_upctx *u)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], cand[PATH_MAX], real[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			if (sandbox_path(cand, sizeof(cand), "%s/svcnet", dir) == 0 &&
			    realpath(cand, real))
				return strcmp(real, u->exe) ? u->exe : "svcnet";
		}
		path += n + (path[n] == ':');
	}
	return u->exe;
}

static void sandbox_print_ready(const struct sandbox_upctx *u, int detach)
{
	const char *cmd = sandbox_cmd_name(u);
	char flag[PATH_MAX + 16] = "";

	if (strcmp(u->dir, SANDBOX_DEFAULT_DIR))
		snprintf(flag, sizeof(flag), " --data-dir %s", u->dir);
	printf("\nsvcnet sandbox is up: API server https://%s, %d node%s\n", SANDBOX_LISTEN,
	       u->st.nodes, u->st.nodes == 1 ? "" : "s");
	for (int i = 1; i <= u->st.nodes; i++)
		printf("  node-%-4d %-15s Ready   (netns svcnet-node-%d)\n", i,
		       u->nodes[i - 1].ip[0] ? u->nodes[i - 1].ip : "?", i);
	if (u->dns_state == SANDBOX_DNS_ON)
		printf(
		    "  cluster DNS %s (kube-system/kube-dns): %d of %d svcnet dns Pods ready%s\n",
		    SANDBOX_CLUSTER_DNS, u->dns_ready, u->st.nodes,
		    strcmp(u->st.proxy_mode, "none")
		        ? ""
		        : "\n    (proxy mode none: the Service IP does "
		          "not route; ask a DNS Pod's IP)");
	else if (u->dns_state == SANDBOX_DNS_FAILED)
		printf("  cluster DNS: not ready (see the warnings above)\n");
	printf("\nTry:\n"
	       "  export KUBECONFIG=%s\n"
	       "  kubectl get nodes -o wide\n",
	       u->kubeconfig);
	if (u->st.nodes > 0)
		printf("  kubectl run hello --image=svcnet --command -- svcnet netexec\n"
		       "  kubectl get pods -o wide\n"
		       "  %s exec%s hello -- curl -s http://localhost:8080/hostname\n"
		       "  %s exec%s hello -- dig +short kubernetes.default.svc.cluster.local\n"
		       "  ip netns exec svcnet-node-1 ip -br addr\n",
		       cmd, flag, cmd, flag);
	printf("\n");
	if (detach)
		printf("Stop it with: %s down%s\n", cmd, flag);
	else
		printf("Ctrl-C here (or `%s down%s`) tears it all down.\n", cmd, flag);
	fflush(stdout);
}

/* Foreground: until a signal. A process that exits is reported loudly; a
 * node that stops being Ready too. */
static int sandbox_supervise(struct sandbox_upctx *u)
{
	int was_ready[SANDBOX_MAX_NODES];

	for (int i = 0; i < u->st.nodes; i++)
		was_ready[i] = 1;
	while (!u->interrupted) {
		int sig = sandbox_wait_signal(u, 10000);

		if (sig == SIGCHLD) {
			while (sandbox_reap_ours(u, 1) >= 0)
				;
			sandbox_reap_children();
		} else if (sig == 0 && u->st.nodes > 0 &&
		           sandbox_api_nodes(u->api, u->st.nodes, u->nodes) >= 0) {
			for (int i = 0; i < u->st.nodes; i++) {
				if (was_ready[i] != u->nodes[i].ready)
					log_msg(u->nodes[i].ready ? LOG_INFO : LOG_ERROR, "sandbox",
					        "node-%d is %s", i + 1,
					        u->nodes[i].ready ? "Ready again" : "not Ready");
				was_ready[i] = u->nodes[i].ready;
			}
		}
	}
	log_info("sandbox", "%s: tearing down", strsignal(u->interrupted));
	return sandbox_teardown(u->dir, 0) == 0 ? 0 : 1;
}

/* What of an earlier sandbox is still alive or mounted, into what; 0 when
 * nothing is. */
static int sandbox_leftover(const char *dir, char *what, size_t len)
{
	struct sandbox_state old;
	char path[PATH_MAX];

	if (sandbox_state_read(dir, &old) == 0 && sandbox_state_live(&old)) {
		snprintf(what, len, "processes recorded in sandbox.json are running");
		return 1;
	}
	if (sandbox_fabric_present(what, len))
		return 1;
	for (int i = 0; sandbox_owned_entries[i]; i++) {
		if (sandbox_path(path, sizeof(path), "%s/%s", dir, sandbox_owned_entries[i]) == 0 &&
		    sandbox_mounts_under(path, NULL, NULL) > 0) {
			snprintf(what, len, "namespaces are still mounted under %s/",
			         sandbox_owned_entries[i]);
			return 1;
		}
	}
	return 0;
}

/* `up` refuses while anything of an earlier sandbox lives; files alone are
 * just removed. */
static int sandbox_check_existing(struct sandbox_upctx *u)
{
	struct sandbox_report r;
	char what[160];
	int rc = 0;

	if (sandbox_leftover(u->dir, what, sizeof(what))) {
		fprintf(stderr,
		        "svcnet up: a sandbox already exists (%s);\n"
		        "run `svcnet down --data-dir %s` first\n",
		        what, u->dir);
		return -EEXIST;
	}
	sandbox_report_init(&r);
	sandbox_remove_owned(u->dir, &r);
	if (r.n) {
		buf_cstr(&r.text);
		fprintf(stderr, "svcnet up: cannot clear the old files:\n%s", buf_head(&r.text));
		rc = -EEXIST;
	}
	sandbox_report_free(&r);
	return rc;
}

static int sandbox_build(struct sandbox_upctx *u)
{
	char path[PATH_MAX];
	int rc;

	if ((rc = sandbox_path(path, sizeof(path), "%s/logs", u->dir)) < 0 ||
	    (rc = sandbox_mkdir_p(path, 0755)) < 0 ||
	    (rc = sandbox_path(path, sizeof(path), "%s/nodes", u->dir)) < 0 ||
	    (rc = sandbox_mkdir_p(path, 0700)) < 0 || (rc = sandbox_state_write(&u->st)) < 0) {
		log_error("sandbox", "%s: %s", u->dir, strerror(-rc));
		return rc;
	}
	log_info("sandbox", "fabric: bridge %s %s/%d", SANDBOX_BRIDGE, SANDBOX_BRIDGE_IP,
	         SANDBOX_FABRIC_PREFIX);
	if ((rc = sandbox_fabric_setup()) < 0)
		return rc;
	for (int i = 1; i <= u->st.nodes && !u->interrupted; i++) {
		char ip[16];

		sandbox_node_ip(i, ip);
		log_info("sandbox", "node-%d: namespace svcnet-node-%d, eth0 %s/%d", i, i, ip,
		         SANDBOX_FABRIC_PREFIX);
		if ((rc = sandbox_node_setup(i)) < 0)
			return rc;
		sandbox_wait_signal(u, 0);
	}
	if (u->interrupted || (rc = sandbox_spawn_server(u)) < 0 ||
	    (rc = sandbox_state_write(&u->st)) < 0 || (rc = sandbox_wait_server(u)) < 0)
		return u->interrupted ? -EINTR : rc;
	for (int i = 1; i <= u->st.nodes && !u->interrupted; i++) {
		if ((rc = sandbox_spawn_agent(u, i)) < 0)
			return rc;
		sandbox_state_write(&u->st);
		sandbox_wait_signal(u, 0);
	}
	if (u->interrupted)
		return -EINTR;
	if (u->st.nodes && (rc = sandbox_wait_nodes(u)) < 0)
		return rc;
	sandbox_dns_step(u);
	return u->interrupted ? -EINTR : 0;
}

int sandbox_up(const struct sandbox_up_opts *o)
{
	struct sandbox_upctx *u = calloc(1, sizeof(*u));
	char dir[PATH_MAX];
	sigset_t old;
	int rc;

	if (!u)
		return 1;
	u->nodes = calloc(SANDBOX_MAX_NODES, sizeof(*u->nodes));
	rc = u->nodes ? sandbox_resolve_dir(o->data_dir ? o->data_dir : SANDBOX_DEFAULT_DIR, 1, dir)
	              : -ENOMEM;
	if (rc < 0) {
		fprintf(stderr, "svcnet up: data dir \"%s\": %s\n", o->data_dir ? o->data_dir : "",
		        rc == -EINVAL ? "refused" : strerror(-rc));
		goto out_free;
	}
	u->dir = u->st.dir;
	snprintf(u->st.dir, sizeof(u->st.dir), "%s", dir);
	snprintf(u->st.proxy_mode, sizeof(u->st.proxy_mode), "%s",
	         o->proxy_mode ? o->proxy_mode : "nftables");
	u->st.nodes = o->nodes;
	u->st.detached = o->detach;
	u->timeout_ms = (o->timeout_s > 0 ? o->timeout_s : 60) * 1000;
	u->node_cidr_mask = o->node_cidr_mask;
	u->opts = o;
	if ((rc = sandbox_self_exe(u->exe)) < 0 ||
	    (rc = sandbox_path(u->kubeconfig, sizeof(u->kubeconfig), "%s/kubeconfig", dir)) < 0) {
		fprintf(stderr, "svcnet up: %s\n", strerror(-rc));
		goto out_free;
	}
	if ((rc = sandbox_check_existing(u)) < 0)
		goto out_free;
	sigemptyset(&u->sigs);
	sigaddset(&u->sigs, SIGINT);
	sigaddset(&u->sigs, SIGTERM);
	sigaddset(&u->sigs, SIGHUP);
	sigaddset(&u->sigs, SIGCHLD);
	sigprocmask(SIG_BLOCK, &u->sigs, &old);
	if ((rc = sandbox_record_write(dir)) < 0)
		log_warn("sandbox", "%s: %s", SANDBOX_RECORD, strerror(-rc));
	if (!o->detach) {
		struct sandbox_procstat ps;

		u->st.supervisor.pid = getpid();
		u->st.supervisor.start = sandbox_proc_stat(getpid(), &ps) == 0 ? ps.start : 0;
	}
	rc = sandbox_build(u);
	if (rc < 0) {
		if (u->interrupted)
			log_info("sandbox", "%s: stopping", strsignal(u->interrupted));
		else
			log_error("sandbox", "svcnet up failed; removing what it made");
		sandbox_teardown(dir, 1);
		rc = u->interrupted ? 128 + u->interrupted : 1;
	} else {
		sandbox_state_write(&u->st);
		sandbox_print_ready(u, o->detach);
		rc = o->detach ? 0 : sandbox_supervise(u);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
out_free:
	sandbox_api_close(u->api);
	free(u->nodes);
	free(u);
	return rc < 0 ? 1 : rc;
}
