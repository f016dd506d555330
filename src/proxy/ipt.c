/*
 * ipt.c - the iptables proxy mode (pxb_ipt_ops): what was programmed, the
 * sync of kube-proxy's iptables proxier, and running iptables-restore,
 * iptables-save and iptables (or their ip6tables twins) as child processes.
 *
 * A full sync writes every chain, adds the jumps from the built-in chains
 * that iptables-save does not show, and deletes service chains nobody needs
 * (an earlier process's too). A partial sync rewrites the top-level chains,
 * which list every service, but only the changed ports' own chains, and
 * deletes what those ports no longer need: the kept state below tells which.
 * Either is one iptables-restore --noflush; a full sync that finds the jumps
 * missing runs a small one for them first (see ipt_int.h).
 */
#include "proxy/ipt_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

extern char **environ;

/* kube-proxy's iptables-restore flags: wait 5 s for the xtables lock,
 * polling every 100 ms (legacy iptables; iptables-nft ignores both). */
#define PXIPT_RESTORE_ARGS "-w", "5", "-W", "100000", "--noflush", "--counters"
#define PXIPT_NCANARIES    3 /* mangle, nat, filter */

/* A port as programmed, and what its own chains hold. */
struct pxipt_port {
	const struct pxm_svcport *sp; /* a reference */
	size_t rules, chains;
	bool dirty; /* its chains are written by the sync being built */
};

struct pxipt {
	struct pxipt_cfg cfg;
	struct pxipt_tools tools;
	struct pxipt_port *ports; /* sorted by key; only ports of cfg.family */
	size_t n;
	bool synced; /* the last sync succeeded: ports is what the kernel has */
	bool nft;    /* iptables-nft, not legacy */
	struct pxipt_gen g;
	buf in;    /* the last input, kept for its allocation (and tests) */
	buf jumps; /* the jumps a full sync adds first */
};

/* ---- processes ---- */

static int pxipt_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Files in memory instead of pipes: the child never waits for us, nor we for
 * it, whatever sizes the input and outputs have. */
static int pxipt_memfd(const char *name, const char *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = pxipt_write_all(fd, data, len);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = -errno;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

static int pxipt_null(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int pxipt_slurp(int fd, buf *out)
{
	char tmp[65536];
	ssize_t n;

	if (!out)
		return 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (buf_append(out, tmp, (size_t)n) < 0)
			return -ENOMEM;
	}
	return buf_cstr(out);
}

/* The caller's loop may block or catch signals; the tool must not inherit
 * that. posix_spawn's error numbers are positive. */
static int pxipt_spawn_attr(posix_spawnattr_t *at)
{
	static const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD};
	sigset_t none, def;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&def, sigs[i]);
	rc = posix_spawnattr_setsigmask(at, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(at, &def);
	if (!rc)
		rc = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	return rc;
}

static int pxipt_spawn(char *const argv[], const int fds[3], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int rc;

	if (posix_spawn_file_actions_init(&fa))
		return -ENOMEM;
	if (posix_spawnattr_init(&at)) {
		posix_spawn_file_actions_destroy(&fa);
		return -ENOMEM;
	}
	rc = pxipt_spawn_attr(&at);
	for (int i = 0; !rc && i < 3; i++)
		rc = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* The proxy's sockets are none of the tool's business, CLOEXEC or not. */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (!rc)
		rc = posix_spawn(pid, argv[0], &fa, &at, argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

int pxipt_run(char *const argv[], const char *in, size_t inlen, buf *out, buf *errout)
{
	int fds[3] = {-1, -1, -1}, rc, st = 0;
	pid_t pid = -1;

	rc = fds[0] = pxipt_memfd("pxipt-in", in ? in : "", in ? inlen : 0);
	if (rc >= 0)
		rc = fds[1] = out ? pxipt_memfd("pxipt-out", "", 0) : pxipt_null();
	if (rc >= 0)
		rc = fds[2] = errout ? pxipt_memfd("pxipt-err", "", 0) : pxipt_null();
	if (rc >= 0)
		rc = pxipt_spawn(argv, fds, &pid);
	while (rc >= 0 && waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			break;
		}
	}
	if (rc >= 0)
		rc = pxipt_slurp(fds[1], out);
	if (rc >= 0)
		rc = pxipt_slurp(fds[2], errout);
	if (rc >= 0)
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

static int pxipt_find_in(const char *name, const char *path, char *out, size_t outlen)
{
	for (const char *p = path; p && *p;) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		int k = snprintf(out, outlen, "%.*s/%s", (int)n, p, name);

		if (n && k > 0 && (size_t)k < outlen && access(out, X_OK) == 0)
			return 0;
		p = c ? c + 1 : p + n;
	}
	out[0] = '\0';
	return -ENOENT;
}

int pxipt_tools_find(int family, const char *path, struct pxipt_tools *t, char *err, size_t errlen)
{
	const char *pre = family == AF_INET6 ? "ip6tables" : "iptables";
	const char *env = getenv("PATH");
	char *outs[3] = {t->restore, t->save, t->ipt}, name[32], *def = NULL;
	static const char *const suffix[3] = {"-restore", "-save", ""};
	int rc = 0;

	/* Debian keeps the tools in /usr/sbin, outside many users' PATH. */
	if (!path && asprintf(&def, "%s:/usr/sbin:/sbin", env ? env : "") < 0)
		return -ENOMEM;
	for (int i = 0; rc == 0 && i < 3; i++) {
		snprintf(name, sizeof(name), "%s%s", pre, suffix[i]);
		rc = pxipt_find_in(name, path ? path : def, outs[i], sizeof(t->restore));
		if (rc < 0)
			snprintf(
			    err, errlen,
			    "%s not found in PATH: the iptables mode needs the iptables package",
			    name);
	}
	free(def);
	return rc;
}

/* The line of the tool's complaint that names an input line, else its
 * first that says something (iptables-nft starts with its version alone,
 * legacy with "Ignoring deprecated --wait-interval option."), else the exit
 * status. */
static void pxipt_first_line(const buf *e, int st, const char *tool, char *out, size_t outlen)
{
	const char *s = e->len ? e->data : "", *pick = NULL;
	size_t n, pn = 0;

	for (; *s; s += n + (s[n] == '\n')) {
		n = strcspn(s, "\n");
		if (n && memmem(s, n, "line ", 5)) {
			pick = s;
			pn = n;
			break;
		}
		if (!pick && n && s[n - 1] != ' ' && s[n - 1] != ':' &&
		    strncmp(s, "Ignoring deprecated", 19)) {
			pick = s;
			pn = n;
		}
	}
	if (pick)
		snprintf(out, outlen, "%.*s", (int)pn, pick);
	else
		snprintf(out, outlen, "%s exited with status %d", tool, st);
}

int pxipt_save(const struct pxipt_tools *t, const char *table, buf *out, char *err, size_t errlen)
{
	char *argv[] = {(char *)t->save, "-t", (char *)table, NULL};
	buf e = BUF_INIT;
	int st;

	buf_reset(out);
	st = pxipt_run(argv, NULL, 0, out, &e);
	if (st != 0) {
		if (st < 0)
			snprintf(err, errlen, "%s: %s", t->save, strerror(-st));
		else
			pxipt_first_line(&e, st, t->save, err, errlen);
	}
	buf_free(&e);
	return st > 0 ? -EIO : st;
}

/* "iptables-restore: line 12 failed: ...": the message, with line 12 of
 * the input, which is what one needs to see. */
static void pxipt_restore_msg(const buf *e, int st, const char *tool, const char *in, size_t inlen,
                              char *err, size_t errlen)
{
	char first[512];
	const char *p, *end = in + inlen;
	unsigned long ln = 0;

	pxipt_first_line(e, st, tool, first, sizeof(first));
	p = strstr(first, "line ");
	if (p)
		ln = strtoul(p + 5, NULL, 10);
	for (p = in; ln > 1 && p < end; ln--) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		p = nl ? nl + 1 : end;
	}
	if (ln == 1 && p < end)
		snprintf(err, errlen, "%s [%.*s]", first, (int)strcspn(p, "\n"), p);
	else
		snprintf(err, errlen, "%s", first);
}

int pxipt_restore(const struct pxipt_tools *t, const char *in, size_t inlen, char *err,
                  size_t errlen)
{
	char *argv[] = {(char *)t->restore, PXIPT_RESTORE_ARGS, NULL};
	buf e = BUF_INIT;
	int st = pxipt_run(argv, in, inlen, NULL, &e);

	if (st < 0)
		snprintf(err, errlen, "%s: %s", t->restore, strerror(-st));
	else if (st > 0)
		pxipt_restore_msg(&e, st, t->restore, in, inlen, err, errlen);
	buf_free(&e);
	return st > 0 ? -EIO : st;
}

/* ---- the ports programmed ---- */

static void pxipt_ports_free(struct pxipt_port *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pxm_svcport_unref(v[i].sp);
	free(v);
}

static int pxipt_next_full(struct pxipt *st, const struct pxb_sync *s, struct pxipt_port **out,
                           size_t *nout)
{
	struct pxipt_port *v = calloc(s->n_all ? s->n_all : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_all; i++)
		if (pxm_svcport_family(s->all[i], st->cfg.family))
			v[k++] =
			    (struct pxipt_port){.sp = pxm_svcport_ref(s->all[i]), .dirty = true};
	*out = v;
	*nout = k;
	return 0;
}

static int pxipt_change_cmp(const void *a, const void *b)
{
	const struct pxm_change *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* The chains old had that cur (NULL: none) does not. */
static void pxipt_gone(const struct pxipt_cfg *cfg, const struct pxm_svcport *old,
                       const struct pxm_svcport *cur, struct pxipt_names *gone)
{
	struct pxipt_names was = {0}, is = {0};

	pxipt_port_names(cfg, old, &was);
	if (cur)
		pxipt_port_names(cfg, cur, &is);
	pxipt_names_sort(&is);
	for (size_t i = 0; i < was.n; i++)
		if (!pxipt_names_has(&is, was.v[i]))
			pxipt_names_add(gone, "", was.v[i]);
	if (was.err || is.err)
		gone->err = -ENOMEM;
	pxipt_names_free(&was);
	pxipt_names_free(&is);
}

/* One change: the port as it will be (if any), and what goes. */
static void pxipt_apply(struct pxipt *st, const struct pxipt_port *old,
                        const struct pxm_svcport *cur, struct pxipt_port *v, size_t *k,
                        struct pxipt_names *gone)
{
	bool same = old && cur && (old->sp == cur || pxm_svcport_equal(old->sp, cur));

	if (cur) {
		v[*k] = same ? *old : (struct pxipt_port){.dirty = true};
		v[*k].sp = pxm_svcport_ref(cur);
		v[*k].dirty = !same;
		(*k)++;
	}
	if (old && !same)
		pxipt_gone(&st->cfg, old->sp, cur, gone);
}

/* Merges the sorted changes into the sorted ports. */
static int pxipt_next_partial(struct pxipt *st, const struct pxb_sync *s, struct pxipt_port **out,
                              size_t *nout, struct pxipt_names *gone)
{
	const struct pxm_change **cs = calloc(s->n_ch ? s->n_ch : 1, sizeof(*cs));
	struct pxipt_port *v = calloc(st->n + s->n_ch + 1, sizeof(*v));
	size_t i = 0, j = 0, k = 0;

	if (!cs || !v) {
		free(cs);
		free(v);
		return -ENOMEM;
	}
	for (size_t c = 0; c < s->n_ch; c++)
		cs[c] = &s->ch[c];
	qsort(cs, s->n_ch, sizeof(*cs), pxipt_change_cmp);
	while (i < st->n || j < s->n_ch) {
		int c = i == st->n     ? 1
		        : j == s->n_ch ? -1
		                       : strcmp(st->ports[i].sp->key, cs[j]->key);
		const struct pxm_svcport *cur;

		if (c < 0) {
			v[k] = st->ports[i++];
			v[k].sp = pxm_svcport_ref(v[k].sp);
			v[k++].dirty = false;
			continue;
		}
		cur = cs[j]->cur;
		if (cur && !pxm_svcport_family(cur, st->cfg.family))
			cur = NULL;
		pxipt_apply(st, c == 0 ? &st->ports[i] : NULL, cur, v, &k, gone);
		i += c == 0;
		/* One change per key; a repeat would be applied twice. */
		for (j++; j < s->n_ch && !strcmp(cs[j]->key, cs[j - 1]->key); j++)
			;
	}
	free(cs);
	*out = v;
	*nout = k;
	return gone->err;
}

/* ---- a sync ---- */

static int pxipt_add_jumps(struct pxipt *st, const char *table, const buf *save, size_t *lines)
{
	int rc = pxipt_gen_jumps(table, save->data, save->len, &st->jumps);

	if (rc > 0)
		*lines += (size_t)rc;
	return rc < 0 ? rc : 0;
}

/* Leftovers of earlier processes, and the jumps from the built-in chains,
 * which somebody may have flushed. */
static int pxipt_full_extras(struct pxipt *st, const struct pxipt_port *v, size_t n, size_t *jlines,
                             char *err, size_t errlen)
{
	struct pxipt_names keep = {0};
	buf save = BUF_INIT;
	int rc = pxipt_save(&st->tools, "nat", &save, err, errlen);

	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			pxipt_port_names(&st->cfg, v[i].sp, &keep);
		pxipt_names_sort(&keep);
		rc = keep.err;
	}
	if (rc == 0) {
		pxipt_gen_stale(&st->g, save.data, save.len, &keep);
		rc = pxipt_add_jumps(st, "nat", &save, jlines);
	}
	if (rc == 0)
		rc = pxipt_save(&st->tools, "filter", &save, err, errlen);
	if (rc == 0)
		rc = pxipt_add_jumps(st, "filter", &save, jlines);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	pxipt_names_free(&keep);
	buf_free(&save);
	return rc;
}

static int pxipt_build(struct pxipt *st, bool full, struct pxipt_port *v, size_t n,
                       const struct pxipt_names *gone, size_t *jlines, char *err, size_t errlen)
{
	size_t eps = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		eps += pxm_svcport_family(v[i].sp, st->cfg.family)->n_eps;
	pxipt_gen_reset(&st->g, full, eps > PXIPT_LARGE_EPS);
	pxipt_gen_head(&st->g);
	for (size_t i = 0; i < n; i++) {
		pxipt_gen_top(&st->g, v[i].sp);
		if (v[i].dirty)
			pxipt_gen_port(&st->g, v[i].sp, &v[i].rules, &v[i].chains);
	}
	buf_reset(&st->jumps);
	if (full)
		rc = pxipt_full_extras(st, v, n, jlines, err, errlen);
	for (size_t i = 0; !full && i < gone->n; i++)
		pxipt_gen_delete(&st->g, gone->v[i]);
	pxipt_gen_tail(&st->g);
	st->g.list_all = st->nft && st->g.ndecl > PXIPT_LIST_ALL_CHAINS;
	if (rc == 0 && pxipt_gen_finish(&st->g, &st->in) < 0) {
		rc = st->g.err;
		snprintf(err, errlen, "iptables-restore input: %s", strerror(-rc));
	}
	return rc;
}

static void pxipt_result(const struct pxipt *st, bool full, const struct pxipt_port *v, size_t n,
                         size_t jlines, struct pxb_result *res)
{
	res->rules = st->g.rules + pxipt_njumps();
	res->chains = st->g.chains + (full ? 0 : PXIPT_NCANARIES);
	for (size_t i = 0; i < n; i++) {
		if (v[i].dirty)
			continue;
		res->rules += v[i].rules;
		res->chains += v[i].chains;
	}
	res->elements = 0;
	res->written = st->g.lines + jlines;
}

static int pxipt_sync(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                      size_t errlen)
{
	struct pxipt *st = (struct pxipt *)b;
	struct pxipt_names gone = {0};
	struct pxipt_port *v = NULL;
	size_t n = 0, jlines = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!s->full && !st->synced) {
		snprintf(err, errlen, "a partial sync needs a successful full sync before it");
		return -EINVAL;
	}
	rc = s->full ? pxipt_next_full(st, s, &v, &n) : pxipt_next_partial(st, s, &v, &n, &gone);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	if (rc == 0)
		rc = pxipt_build(st, s->full, v, n, &gone, &jlines, err, errlen);
	/* As kube-proxy, the jumps first and on their own: they lead to chains
	 * that exist (declared if they did not), so they change nothing yet. */
	if (rc == 0 && st->jumps.len)
		rc = pxipt_restore(&st->tools, st->jumps.data, st->jumps.len, err, errlen);
	if (rc == 0)
		rc = pxipt_restore(&st->tools, st->in.data, st->in.len, err, errlen);
	pxipt_names_free(&gone);
	if (rc < 0) {
		/* What the kernel has is not known now; the next sync is a full one. */
		pxipt_ports_free(v, n);
		st->synced = false;
		return rc;
	}
	pxipt_result(st, s->full, v, n, jlines, res);
	for (size_t i = 0; i < n; i++)
		v[i].dirty = false;
	pxipt_ports_free(st->ports, st->n);
	st->ports = v;
	st->n = n;
	st->synced = true;
	log_debug("proxy", "iptables: %s sync of %zu ports: %zu lines, %zu rules, %zu chains",
	          s->full ? "full" : "partial", n, res->written, res->rules, res->chains);
	return 0;
}

/* ---- the ops ---- */

static bool pxipt_tcp_liberal(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal", "re");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

/* "iptables v1.8.9 (nf_tables)" or "(legacy)". */
static bool pxipt_is_nft(const struct pxipt_tools *t)
{
	char *argv[] = {(char *)t->ipt, "--version", NULL};
	buf out = BUF_INIT;
	bool nft =
	    pxipt_run(argv, NULL, 0, &out, NULL) == 0 && out.data && strstr(out.data, "nf_tables");

	buf_free(&out);
	return nft;
}

static int pxipt_create(const struct pxb_config *cfg, pxb **out, char *err, size_t errlen)
{
	struct pxipt *st;
	int rc;

	*out = NULL;
	if (cfg->family != AF_INET && cfg->family != AF_INET6) {
		snprintf(err, errlen, "iptables: address family %d", cfg->family);
		return -EINVAL;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = pxipt_tools_find(cfg->family, NULL, &st->tools, err, errlen);
	if (rc < 0) {
		free(st);
		return -ENOTSUP;
	}
	st->cfg.family = cfg->family;
	if (cfg->cluster_cidr.addr.family == cfg->family)
		st->cfg.cluster_cidr = cfg->cluster_cidr;
	st->cfg.masquerade_all = cfg->masquerade_all;
	st->cfg.mark = cfg->masq_mark ? cfg->masq_mark : PXB_MASQ_MARK_DEFAULT;
	st->cfg.tcp_liberal = pxipt_tcp_liberal();
	st->nft = pxipt_is_nft(&st->tools);
	pxipt_gen_init(&st->g, &st->cfg);
	*out = (pxb *)st;
	return 0;
}

/* The mangle canary: nothing else of ours lives in mangle, so only someone
 * flushing tables wholesale removes it. */
static int pxipt_canary_ok(pxb *b)
{
	struct pxipt *st = (struct pxipt *)b;
	char *argv[] = {st->tools.ipt, "-w", "5", "-t", "mangle", "-S", "KUBE-PROXY-CANARY", NULL};
	int rc = pxipt_run(argv, NULL, 0, NULL, NULL);

	if (rc == 0 || rc == 1)
		return rc == 0;
	return rc < 0 ? rc : -EIO;
}

static void pxipt_free(pxb *b)
{
	struct pxipt *st = (struct pxipt *)b;

	if (!st)
		return;
	pxipt_ports_free(st->ports, st->n);
	pxipt_gen_free(&st->g);
	buf_free(&st->in);
	buf_free(&st->jumps);
	free(st);
}

static int pxipt_cleanup(const struct pxb_config *cfg, char *err, size_t errlen)
{
	static const char *const tables[] = {"filter", "nat", "mangle"};
	struct pxipt_tools t;
	buf save = BUF_INIT, in = BUF_INIT;
	int rc = 0, found = 0;
	bool nft;

	/* Without the tools nothing of this mode can have been made. */
	if (pxipt_tools_find(cfg->family, NULL, &t, err, errlen) < 0) {
		err[0] = '\0';
		return 0;
	}
	nft = pxipt_is_nft(&t);
	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
		rc = pxipt_save(&t, tables[i], &save, err, errlen);
		if (rc == 0 &&
		    (rc = pxipt_gen_cleanup(tables[i], save.data, save.len, nft, &in)) > 0) {
			found += rc;
			rc = 0;
		}
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
	}
	if (rc == 0 && found)
		rc = pxipt_restore(&t, in.data, in.len, err, errlen);
	buf_free(&save);
	buf_free(&in);
	return rc;
}

const buf *pxipt_last_input(const pxb *b)
{
	return &((const struct pxipt *)b)->in;
}

const struct pxb_ops pxb_ipt_ops = {
    .name = "iptables",
    /* kube-proxy's largeClusterFullSyncPeriod: iptables-restore of 10,000
     * Services takes tens of seconds; the canary still catches a flush. */
    .full_resync_min_s = 3600,
    .create = pxipt_create,
    .sync = pxipt_sync,
    .canary_ok = pxipt_canary_ok,
    .free = pxipt_free,
    .cleanup = pxipt_cleanup,
};
