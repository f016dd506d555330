/*
 * nft.c - the nftables proxy mode (pxb_nft_ops): what the table holds, and
 * the one transaction each sync sends through libnftables.
 *
 * The backend keeps each port's plan (nft_int.h). A full sync lists the
 * names in the table (not its elements: that alone would take longer than
 * the sync), builds every plan again and sends the whole table, flushing
 * the chains and maps it refills and deleting whatever else it finds (left
 * by an earlier process, or by a port that went while a sync failed), but
 * never the table, nor an affinity set whose port still uses it: its clients
 * keep their endpoint. A partial sync diffs the old and new plans of the
 * changed ports only: element deletes and adds, and for ports with affinity
 * their own chains and sets.
 *
 * Measured in a private namespace (test_proxy_nft.c with SVCNET_NFT_BENCH=1,
 * 2 CPUs): a full sync of 10,000 services x 10 endpoints takes 1.4-1.6 s
 * (about 1.2 s of it libnftables and the kernel taking 100,000 map
 * elements); one changed endpoint 0.2-0.3 ms at 1,000, 10,000 and 30,000
 * services alike.
 */
#include "proxy/nft_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "lib/nftrun.h"

struct pxnft_port {
	char *key; /* also the owner of its destinations in g.owner */
	char *plan;
	struct pxnft_counts n;
};

/* What the backend believes is in the kernel. */
struct pxnft_state {
	dict *ports;                        /* port key -> struct pxnft_port */
	dict *owner;                        /* destination -> port key */
	dict *hairpin;                      /* address -> number of plans naming it */
	dict *shared;                       /* shared chain id -> non-NULL */
	struct pxnft_counts fixed, ports_n; /* base and shared; sum over ports */
};

struct pxb {
	struct pxb_config cfg;
	char *node_name;
	nftrun *nr; /* kept: closing its socket after a change costs ~5 ms */
	struct pxnft_gen g;
	struct pxnft_state st;
	bool trusted;    /* st matches the kernel: the last sync succeeded */
	bool base_reset; /* this process re-made the base chains once */
};

/* ---- state ---- */

static void pxnft_port_free(void *v)
{
	struct pxnft_port *p = v;

	if (!p)
		return;
	free(p->key);
	free(p->plan);
	free(p);
}

static void pxnft_state_free(struct pxnft_state *st)
{
	if (st->ports)
		dict_free(st->ports, pxnft_port_free);
	if (st->owner)
		dict_free(st->owner, NULL);
	if (st->hairpin)
		dict_free(st->hairpin, NULL);
	if (st->shared)
		dict_free(st->shared, NULL);
	memset(st, 0, sizeof(*st));
}

static int pxnft_state_init(struct pxnft_state *st)
{
	memset(st, 0, sizeof(*st));
	st->ports = dict_new();
	st->owner = dict_new();
	st->hairpin = dict_new();
	st->shared = dict_new();
	if (!st->ports || !st->owner || !st->hairpin || !st->shared) {
		pxnft_state_free(st);
		return -ENOMEM;
	}
	return 0;
}

static void pxnft_forget(pxb *b)
{
	pxnft_state_free(&b->st);
	b->g.owner = NULL;
	b->trusted = false;
}

static void pxnft_plan_count(const char *plan, struct pxnft_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (const char *l = plan; l && *l;) {
		const char *e = strchr(l, '\n');

		c->rules += l[0] == 'R';
		c->chains += l[0] == 'C';
		c->elements += l[0] == 'E';
		l = e ? e + 1 : l + strlen(l);
	}
}

static void pxnft_counts_add(struct pxnft_counts *t, const struct pxnft_counts *c, int sign)
{
	t->rules += (size_t)sign * c->rules;
	t->chains += (size_t)sign * c->chains;
	t->elements += (size_t)sign * c->elements;
}

static void pxnft_result(const pxb *b, struct pxb_result *res, size_t written)
{
	const struct pxnft_state *st = &b->st;

	res->rules = st->fixed.rules + st->ports_n.rules;
	res->chains = st->fixed.chains + st->ports_n.chains;
	res->elements = st->fixed.elements + st->ports_n.elements + dict_size(st->hairpin);
	res->written = written;
}

/* A new port record with its plan for sp (NULL: an empty plan). */
static int pxnft_port_new(pxb *b, const char *key, const struct pxm_svcport *sp,
                          struct pxnft_port **out)
{
	struct pxnft_port *p = calloc(1, sizeof(*p));
	buf pl = BUF_INIT;
	int rc = -ENOMEM;

	*out = NULL;
	if (!p || !(p->key = strdup(key)))
		goto fail;
	if (sp)
		rc = pxnft_plan(&b->g, sp, p->key, &pl);
	if ((!sp || rc == 0) && (rc = buf_cstr(&pl)) == 0) {
		/* An exact copy: the buffer grew by doubling, and 10,000 plans
		 * with their slack were a quarter of the proxy's heap. */
		p->plan = strndup(pl.data, pl.len);
		rc = p->plan ? 0 : -ENOMEM;
	}
	if (p->plan) {
		buf_free(&pl);
		pxnft_plan_count(p->plan, &p->n);
		*out = p;
		return 0;
	}
	/* Claims made before the failure point at this record. */
	if (buf_cstr(&pl) == 0)
		pxnft_plan_release(&b->g, pl.data, p->key);
fail:
	buf_free(&pl);
	pxnft_port_free(p);
	return rc;
}

/* ---- a plan as lines ---- */

struct pxnft_lines {
	char *text; /* the plan with '\0' for '\n' */
	const char **e, **s, **x, **h;
	size_t ne, ns, nx, nh;
	struct pxnft_block {
		const char *name; /* after "C " */
		const char *start;
		size_t len; /* the C line and its R lines */
	} * c;
	size_t nc;
};

static void pxnft_lines_free(struct pxnft_lines *l)
{
	free(l->text);
	free(l->e);
	free(l->s);
	free(l->x);
	free(l->h);
	free(l->c);
	memset(l, 0, sizeof(*l));
}

static int pxnft_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int pxnft_block_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pxnft_block *)a)->name, ((const struct pxnft_block *)b)->name);
}

static int pxnft_lines_parse(const char *plan, struct pxnft_lines *l)
{
	size_t n = 1;

	memset(l, 0, sizeof(*l));
	for (const char *p = plan ? plan : ""; *p; p++)
		n += *p == '\n';
	l->text = strdup(plan ? plan : "");
	l->e = malloc(n * sizeof(*l->e));
	l->s = malloc(n * sizeof(*l->s));
	l->x = malloc(n * sizeof(*l->x));
	l->h = malloc(n * sizeof(*l->h));
	l->c = malloc(n * sizeof(*l->c));
	if (!l->text || !l->e || !l->s || !l->x || !l->h || !l->c) {
		pxnft_lines_free(l);
		return -ENOMEM;
	}
	for (char *p = l->text, *nl, *end; *p; p = nl ? nl + 1 : end) {
		nl = strchr(p, '\n');
		end = nl ? nl : p + strlen(p);
		if (nl)
			*nl = '\0';
		if (p[0] == 'E')
			l->e[l->ne++] = p + 2;
		else if (p[0] == 'S')
			l->s[l->ns++] = p + 2;
		else if (p[0] == 'X')
			l->x[l->nx++] = p + 2;
		else if (p[0] == 'H')
			l->h[l->nh++] = p + 2;
		else if (p[0] == 'C')
			l->c[l->nc++] = (struct pxnft_block){p + 2, p, 0};
		if ((p[0] == 'C' || p[0] == 'R') && l->nc)
			l->c[l->nc - 1].len = (size_t)(end - l->c[l->nc - 1].start);
	}
	qsort(l->e, l->ne, sizeof(*l->e), pxnft_strp_cmp);
	qsort(l->s, l->ns, sizeof(*l->s), pxnft_strp_cmp);
	qsort(l->c, l->nc, sizeof(*l->c), pxnft_block_cmp);
	return 0;
}

/* "<set> <element>" -> the element, with the set's name in set. */
static const char *pxnft_elem_split(const char *line, char set[64])
{
	const char *sp = strchr(line, ' ');
	size_t n = sp ? (size_t)(sp - line) : 0;

	if (n >= 64)
		n = 63;
	memcpy(set, line, n);
	set[n] = '\0';
	return sp ? sp + 1 : "";
}

static void pxnft_elem(struct pxnft_script *s, bool add, const char *line)
{
	char set[64];
	const char *e = pxnft_elem_split(line, set);

	pxnft_s_elem(s, add, set, e);
}

/* The rules of a block, each "R <rule>" NUL-separated. */
static void pxnft_block_rules(struct pxnft_script *s, const struct pxnft_block *c)
{
	const char *end = c->start + c->len;

	for (const char *p = c->start + strlen(c->start) + 1; p < end; p += strlen(p) + 1)
		pxnft_s_rule(s, c->name, p + 2);
}

/* ---- listing what is there ---- */

struct pxnft_listing {
	dict *chains; /* name -> non-NULL */
	dict *sets;   /* name -> timeout + 1 (sets) or PXNFT_MAP (maps) */
	bool table;
};

#define PXNFT_MAP ((void *)UINTPTR_MAX)

static void pxnft_listing_free(struct pxnft_listing *l)
{
	if (l->chains)
		dict_free(l->chains, NULL);
	if (l->sets)
		dict_free(l->sets, NULL);
	memset(l, 0, sizeof(*l));
}

/* One line of the listings (terse, numeric time): "\t<kind> <name> {" opens
 * a chain, set or map; "\t\ttimeout <n>s" inside a set is its timeout. */
static int pxnft_listing_line(struct pxnft_listing *l, const char *p, char *cur_set)
{
	char kind[8], name[PXNFT_NAME_MAX];
	unsigned long t;

	if (sscanf(p, "\t%7s %255s {", kind, name) == 2 && p[1] != '\t') {
		size_t n = strlen(name);

		if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
			memmove(name, name + 1, n - 2);
			name[n - 2] = '\0';
		}
		cur_set[0] = '\0';
		if (!strcmp(kind, "chain"))
			return dict_set(l->chains, name, (void *)1, NULL);
		if (!strcmp(kind, "map"))
			return dict_set(l->sets, name, PXNFT_MAP, NULL);
		if (!strcmp(kind, "set")) {
			snprintf(cur_set, PXNFT_NAME_MAX, "%s", name);
			return dict_set(l->sets, name, (void *)1, NULL);
		}
		return 0;
	}
	if (cur_set[0] && sscanf(p, "\t\ttimeout %lus", &t) == 1)
		return dict_set(l->sets, cur_set, (void *)(uintptr_t)(t + 1), NULL);
	return 0;
}

/* The lines of our table in out (which lists every table of the family). */
static int pxnft_listing_parse(struct pxnft_listing *l, const pxb *b, char *out)
{
	char head[32], cur[PXNFT_NAME_MAX] = "";
	bool ours = false;
	int rc = 0;

	snprintf(head, sizeof(head), "table %s " PXNFT_TABLE " {", b->g.fam.ip);
	for (char *p = out, *nl; p && *p && rc == 0; p = nl ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')))
			*nl = '\0';
		if (!strncmp(p, "table ", 6)) {
			ours = !strcmp(p, head);
			l->table |= ours;
			cur[0] = '\0';
		} else if (ours) {
			rc = pxnft_listing_line(l, p, cur);
		}
	}
	return rc;
}

/*
 * The names of our chains, sets and maps (and the sets' timeouts). Lists of
 * names only: "list table", even terse, makes libnftables fetch every
 * element (1.4 s at 10,000 services).
 */
static int pxnft_list(const pxb *b, struct pxnft_listing *l, char *err, size_t errlen)
{
	char cmd[96], *out = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	l->chains = dict_new();
	l->sets = dict_new();
	if (!l->chains || !l->sets) {
		pxnft_listing_free(l);
		return -ENOMEM;
	}
	snprintf(cmd, sizeof(cmd), "list chains %s\nlist sets %s\nlist maps %s", b->g.fam.ip,
	         b->g.fam.ip, b->g.fam.ip);
	rc = nftrun_ctx_list(b->nr, cmd, NFT_CTX_OUTPUT_TERSE | NFT_CTX_OUTPUT_NUMERIC_TIME, &out,
	                     err, errlen);
	if (rc == 0)
		rc = pxnft_listing_parse(l, b, out);
	free(out);
	if (rc < 0)
		pxnft_listing_free(l);
	return rc;
}

/* ---- full sync ---- */

struct pxnft_full {
	pxb *b;
	struct pxnft_script s;
	struct pxnft_listing have;
	dict *want_chains, *want_sets;
	int err;
};

static void pxnft_want(void *arg, const char *name, bool is_map)
{
	struct pxnft_full *f = arg;

	if (dict_set(is_map ? f->want_sets : f->want_chains, name, (void *)1, NULL) < 0)
		f->err = -ENOMEM;
}

static void pxnft_want_list(struct pxnft_full *f, const char *const *names, bool is_set)
{
	for (size_t i = 0; names[i]; i++)
		pxnft_want(f, names[i], is_set);
}

/* Base chains are made again once per process: an earlier version may have
 * made them with another priority, which "add chain" cannot change. */
static void pxnft_full_reset(struct pxnft_full *f)
{
	for (size_t i = 0; pxnft_base_chains[i]; i++)
		if (dict_get(f->have.chains, pxnft_base_chains[i])) {
			pxnft_s_cmd(&f->s, PXNFT_SEC_RESET, "flush chain %s " PXNFT_TABLE " %s",
			            f->b->g.fam.ip, pxnft_base_chains[i]);
			pxnft_s_cmd(&f->s, PXNFT_SEC_RESET, "delete chain %s " PXNFT_TABLE " %s",
			            f->b->g.fam.ip, pxnft_base_chains[i]);
		}
}

static void pxnft_full_port(struct pxnft_full *f, const struct pxnft_port *p)
{
	struct pxnft_lines l;
	char set[PXNFT_NAME_MAX];
	unsigned long t;

	if (pxnft_lines_parse(p->plan, &l) < 0) {
		f->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < l.ne; i++)
		pxnft_elem(&f->s, true, l.e[i]);
	for (size_t i = 0; i < l.nc; i++) {
		pxnft_want(f, l.c[i].name, false);
		pxnft_s_add_chain(&f->s, l.c[i].name);
		if (dict_get(f->have.chains, l.c[i].name))
			pxnft_s_flush_chain(&f->s, l.c[i].name);
		pxnft_block_rules(&f->s, &l.c[i]);
	}
	for (size_t i = 0; i < l.ns; i++) {
		void *had;

		if (sscanf(l.s[i], "%255s %lu", set, &t) != 2)
			continue;
		pxnft_want(f, set, true);
		had = dict_get(f->have.sets, set);
		/* Kept as it is (with its clients) unless the timeout changed. */
		if (had == (void *)(uintptr_t)(t + 1))
			continue;
		if (had) {
			pxnft_s_cmd(&f->s, PXNFT_SEC_DEL, "delete %s %s " PXNFT_TABLE " %s",
			            had == PXNFT_MAP ? "map" : "set", f->b->g.fam.ip, set);
			pxnft_s_affinity_set(&f->s, PXNFT_SEC_READD, set, t);
		} else {
			pxnft_s_affinity_set(&f->s, PXNFT_SEC_ADD, set, t);
		}
	}
	pxnft_lines_free(&l);
}

static void pxnft_full_stale(struct pxnft_full *f)
{
	const char *ip = f->b->g.fam.ip, *name;
	dict_iter it;
	void *v;

	/* Flushed first (all of them, in FLUSH), deleted after: stale chains
	 * may jump to each other. */
	dict_iter_init(&it, f->have.chains);
	while (dict_next(&it, &name, &v))
		if (!dict_get(f->want_chains, name)) {
			pxnft_s_flush_chain(&f->s, name);
			pxnft_s_del_chain(&f->s, name);
		}
	dict_iter_init(&it, f->have.sets);
	while (dict_next(&it, &name, &v))
		if (!dict_get(f->want_sets, name))
			pxnft_s_cmd(&f->s, PXNFT_SEC_DEL, "delete %s %s " PXNFT_TABLE " %s",
			            v == PXNFT_MAP ? "map" : "set", ip, name);
}

/* Every port's plan, in all[]'s order (the first claim of a destination
 * wins), into the new state st. */
static int pxnft_full_plans(pxb *b, const struct pxb_sync *s, struct pxnft_state *st)
{
	int rc = 0;

	b->g.owner = st->owner;
	for (size_t i = 0; i < s->n_all && rc == 0; i++) {
		const struct pxm_svcport *sp = s->all[i];
		struct pxnft_port *p;

		if (!sp || !sp->key || dict_get(st->ports, sp->key))
			continue;
		if ((rc = pxnft_port_new(b, sp->key, sp, &p)) < 0)
			break;
		if ((rc = dict_set(st->ports, p->key, p, NULL)) < 0) {
			pxnft_port_free(p);
			break;
		}
		pxnft_counts_add(&st->ports_n, &p->n, 1);
	}
	return rc;
}

/* The shared chains and hairpin addresses the plans name. */
static int pxnft_full_index(struct pxnft_state *st)
{
	dict_iter it;
	const char *key;
	void *v;
	int rc = 0;

	dict_iter_init(&it, st->ports);
	while (rc == 0 && dict_next(&it, &key, &v)) {
		const struct pxnft_port *p = v;

		for (const char *l = p->plan; *l && rc == 0;) {
			const char *e = strchr(l, '\n');
			size_t n = e ? (size_t)(e - l) : strlen(l);
			char w[PXNFT_NAME_MAX];

			if ((l[0] == 'X' || l[0] == 'H') && n > 2 && n - 2 < sizeof(w)) {
				memcpy(w, l + 2, n - 2);
				w[n - 2] = '\0';
				if (l[0] == 'X') {
					rc = pxnft_shared_closure(w, st->shared);
				} else {
					uintptr_t c = (uintptr_t)dict_get(st->hairpin, w);

					rc = dict_set(st->hairpin, w, (void *)(c + 1), NULL);
				}
			}
			l += n + (e ? 1 : 0);
		}
	}
	return rc;
}

static void pxnft_full_script(struct pxnft_full *f, struct pxnft_state *st)
{
	pxb *b = f->b;
	dict_iter it;
	const char *key;
	void *v;

	if (f->have.table && !b->base_reset)
		pxnft_full_reset(f);
	pxnft_emit_base(&f->s, &b->g, true, &st->fixed);
	pxnft_want_list(f, pxnft_base_chains, false);
	pxnft_want_list(f, pxnft_fixed_chains, false);
	pxnft_want_list(f, pxnft_fixed_maps, true);
	pxnft_want_list(f, pxnft_fixed_sets, true);
	dict_iter_init(&it, st->shared);
	while (dict_next(&it, &key, &v)) {
		pxnft_shared_emit(&f->s, &b->g, key, true, &st->fixed);
		pxnft_shared_names(key, pxnft_want, f);
	}
	dict_iter_init(&it, st->ports);
	while (dict_next(&it, &key, &v))
		pxnft_full_port(f, v);
	dict_iter_init(&it, st->hairpin);
	while (dict_next(&it, &key, &v)) {
		char e[2 * NET_ADDR_STRLEN + 4];

		snprintf(e, sizeof(e), "%s . %s", key, key);
		pxnft_s_elem(&f->s, true, "hairpin", e);
	}
	pxnft_full_stale(f);
}

/* Scripts this long are applied from a child process (full syncs of large
 * clusters): libnftables' parse of 210,000 elements peaks at about 300 MB,
 * which the proxy's heap would keep (RSS 130 MB at 10,000 services after
 * malloc_trim, measured by bench/proxy). Short ones keep the fast path. */
#define PXNFT_ISOLATE_BYTES (1u << 20)

static int pxnft_apply(pxb *b, struct pxnft_script *s, char *err, size_t errlen)
{
	buf out = BUF_INIT;
	int rc = pxnft_script_finish(s, &out);

	if (rc == 0 && out.len >= PXNFT_ISOLATE_BYTES)
		rc = nftrun_apply_isolated(out.data, err, errlen);
	else if (rc == 0 && out.len)
		rc = nftrun_ctx_apply(b->nr, out.data, err, errlen);
	else if (rc < 0)
		snprintf(err, errlen, "nftables: out of memory building the script");
	buf_free(&out);
	return rc;
}

static int pxnft_sync_full(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                           size_t errlen)
{
	struct pxnft_full f = {.b = b};
	struct pxnft_state st;
	int rc;

	pxnft_forget(b);
	if ((rc = pxnft_state_init(&st)) < 0)
		return rc;
	if ((rc = pxnft_list(b, &f.have, err, errlen)) < 0)
		goto out;
	f.want_chains = dict_new();
	f.want_sets = dict_new();
	if (!f.want_chains || !f.want_sets || pxnft_script_init(&f.s, &b->g.fam) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = pxnft_full_plans(b, s, &st)) < 0 || (rc = pxnft_full_index(&st)) < 0)
		goto out;
	pxnft_full_script(&f, &st);
	if ((rc = f.err ? f.err : f.s.err) < 0)
		goto out;
	if ((rc = pxnft_apply(b, &f.s, err, errlen)) < 0)
		goto out;
	b->st = st;
	memset(&st, 0, sizeof(st));
	b->trusted = true;
	b->base_reset = true;
	pxnft_result(b, res, f.s.written);
out:
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "nftables: out of memory");
	if (!b->trusted)
		b->g.owner = NULL;
	pxnft_state_free(&st);
	pxnft_script_free(&f.s);
	pxnft_listing_free(&f.have);
	if (f.want_chains)
		dict_free(f.want_chains, NULL);
	if (f.want_sets)
		dict_free(f.want_sets, NULL);
	return rc;
}

/* ---- partial sync ---- */

struct pxnft_part {
	pxb *b;
	struct pxnft_script s;
	dict *touched; /* hairpin address -> 1: was there before, 2: was not */
	int err;
};

/* Elements only in old are deleted, only in new added (both sorted). */
static void pxnft_diff_elems(struct pxnft_part *d, const struct pxnft_lines *o,
                             const struct pxnft_lines *n)
{
	size_t i = 0, j = 0;

	while (i < o->ne || j < n->ne) {
		int c = i == o->ne ? 1 : j == n->ne ? -1 : strcmp(o->e[i], n->e[j]);

		if (c < 0)
			pxnft_elem(&d->s, false, o->e[i++]);
		else if (c > 0)
			pxnft_elem(&d->s, true, n->e[j++]);
		else
			i++, j++;
	}
}

static void pxnft_diff_chains(struct pxnft_part *d, const struct pxnft_lines *o,
                              const struct pxnft_lines *n, bool force)
{
	size_t i = 0, j = 0;

	while (i < o->nc || j < n->nc) {
		int c = i == o->nc ? 1 : j == n->nc ? -1 : strcmp(o->c[i].name, n->c[j].name);

		if (c < 0) {
			pxnft_s_flush_chain(&d->s, o->c[i].name);
			pxnft_s_del_chain(&d->s, o->c[i].name);
			i++;
		} else if (c > 0) {
			pxnft_s_add_chain(&d->s, n->c[j].name);
			pxnft_block_rules(&d->s, &n->c[j]);
			j++;
		} else {
			if (force || o->c[i].len != n->c[j].len ||
			    memcmp(o->c[i].start, n->c[j].start, o->c[i].len) != 0) {
				pxnft_s_flush_chain(&d->s, n->c[j].name);
				pxnft_block_rules(&d->s, &n->c[j]);
			}
			i++, j++;
		}
	}
}

/* Affinity sets; true when one is made again (its port's chains, which
 * name it, must then be rewritten too). */
static bool pxnft_diff_sets(struct pxnft_part *d, const struct pxnft_lines *o,
                            const struct pxnft_lines *n)
{
	const char *ip = d->b->g.fam.ip;
	size_t i = 0, j = 0;
	bool remade = false;

	while (i < o->ns || j < n->ns) {
		char on[PXNFT_NAME_MAX] = "", nn[PXNFT_NAME_MAX] = "";
		unsigned long ot = 0, nt = 0;
		int c;

		if (i < o->ns)
			sscanf(o->s[i], "%255s %lu", on, &ot);
		if (j < n->ns)
			sscanf(n->s[j], "%255s %lu", nn, &nt);
		c = i == o->ns ? 1 : j == n->ns ? -1 : strcmp(on, nn);
		if (c < 0) {
			pxnft_s_cmd(&d->s, PXNFT_SEC_DEL, "delete set %s " PXNFT_TABLE " %s", ip,
			            on);
			i++;
		} else if (c > 0) {
			pxnft_s_affinity_set(&d->s, PXNFT_SEC_ADD, nn, nt);
			j++;
		} else {
			if (ot != nt) {
				pxnft_s_cmd(&d->s, PXNFT_SEC_DEL,
				            "delete set %s " PXNFT_TABLE " %s", ip, on);
				pxnft_s_affinity_set(&d->s, PXNFT_SEC_READD, nn, nt);
				remade = true;
			}
			i++, j++;
		}
	}
	return remade;
}

static void pxnft_hairpin_step(struct pxnft_part *d, const char *ip, int delta)
{
	dict *h = d->b->st.hairpin;
	uintptr_t c = (uintptr_t)dict_get(h, ip);

	if (!dict_get(d->touched, ip) &&
	    dict_set(d->touched, ip, (void *)(uintptr_t)(c ? 1 : 2), NULL) < 0) {
		d->err = -ENOMEM;
		return;
	}
	if (delta < 0 && c <= 1)
		dict_del(h, ip);
	else if (dict_set(h, ip, (void *)(c + (uintptr_t)(intptr_t)delta), NULL) < 0)
		d->err = -ENOMEM;
}

/* Addresses whose count went from or to zero. */
static void pxnft_hairpin_flush(struct pxnft_part *d)
{
	dict_iter it;
	const char *ip;
	void *v;

	dict_iter_init(&it, d->touched);
	while (dict_next(&it, &ip, &v)) {
		bool was = v == (void *)1, is = dict_get(d->b->st.hairpin, ip) != NULL;
		char e[2 * NET_ADDR_STRLEN + 4];

		if (was == is)
			continue;
		snprintf(e, sizeof(e), "%s . %s", ip, ip);
		pxnft_s_elem(&d->s, is, "hairpin", e);
	}
}

/* Shared chains the new plan needs and the table does not have yet. */
static void pxnft_need_shared(struct pxnft_part *d, const struct pxnft_lines *n)
{
	struct pxnft_state *st = &d->b->st;
	dict *need = dict_new();
	dict_iter it;
	const char *id;
	void *v;

	if (!need) {
		d->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < n->nx && !d->err; i++)
		if (pxnft_shared_closure(n->x[i], need) < 0)
			d->err = -ENOMEM;
	dict_iter_init(&it, need);
	while (!d->err && dict_next(&it, &id, &v)) {
		if (dict_get(st->shared, id))
			continue;
		pxnft_shared_emit(&d->s, &d->b->g, id, false, &st->fixed);
		if (dict_set(st->shared, id, (void *)1, NULL) < 0)
			d->err = -ENOMEM;
	}
	dict_free(need, NULL);
}

static void pxnft_diff(struct pxnft_part *d, const char *old_plan, const char *new_plan)
{
	struct pxnft_lines o, n;

	if (pxnft_lines_parse(old_plan, &o) < 0) {
		d->err = -ENOMEM;
		return;
	}
	if (pxnft_lines_parse(new_plan, &n) < 0) {
		pxnft_lines_free(&o);
		d->err = -ENOMEM;
		return;
	}
	pxnft_need_shared(d, &n);
	pxnft_diff_elems(d, &o, &n);
	pxnft_diff_chains(d, &o, &n, pxnft_diff_sets(d, &o, &n));
	for (size_t i = 0; i < o.nh; i++)
		pxnft_hairpin_step(d, o.h[i], -1);
	for (size_t i = 0; i < n.nh; i++)
		pxnft_hairpin_step(d, n.h[i], 1);
	pxnft_lines_free(&o);
	pxnft_lines_free(&n);
}

/* The new records of the changed ports: old claims released first, so that
 * a destination moving between two changed ports is free for the new one. */
static int pxnft_part_plans(pxb *b, const struct pxb_sync *s, struct pxnft_port **nw, dict *seen)
{
	for (size_t i = 0; i < s->n_ch; i++) {
		struct pxnft_port *p = s->ch[i].key ? dict_get(b->st.ports, s->ch[i].key) : NULL;

		if (p)
			pxnft_plan_release(&b->g, p->plan, p->key);
	}
	for (size_t i = 0; i < s->n_ch; i++) {
		int rc;

		/* A key given twice would be programmed twice. */
		if (!s->ch[i].key || dict_get(seen, s->ch[i].key))
			continue;
		if (dict_set(seen, s->ch[i].key, (void *)1, NULL) < 0)
			return -ENOMEM;
		if ((rc = pxnft_port_new(b, s->ch[i].key, s->ch[i].cur, &nw[i])) < 0)
			return rc;
	}
	return 0;
}

/* Swaps the new records in (an empty plan: the port is gone). -ENOMEM when
 * one could not be kept: the kernel has it, this state would not. */
static int pxnft_part_commit(pxb *b, const struct pxb_sync *s, struct pxnft_port **nw)
{
	struct pxnft_state *st = &b->st;
	int rc = 0;

	for (size_t i = 0; i < s->n_ch; i++) {
		struct pxnft_port *old;

		if (!nw[i])
			continue;
		old = dict_del(st->ports, nw[i]->key);
		if (old) {
			pxnft_counts_add(&st->ports_n, &old->n, -1);
			pxnft_port_free(old);
		}
		if (nw[i]->plan[0] && dict_set(st->ports, nw[i]->key, nw[i], NULL) == 0) {
			pxnft_counts_add(&st->ports_n, &nw[i]->n, 1);
		} else {
			if (nw[i]->plan[0])
				rc = -ENOMEM;
			pxnft_plan_release(&b->g, nw[i]->plan, nw[i]->key);
			pxnft_port_free(nw[i]);
		}
		nw[i] = NULL;
	}
	return rc;
}

static int pxnft_sync_partial(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                              size_t errlen)
{
	struct pxnft_part d = {.b = b};
	struct pxnft_port **nw = NULL;
	dict *seen = NULL;
	int rc;

	if (!b->trusted) {
		snprintf(err, errlen, "nftables: a partial sync needs a full sync first");
		return -EINVAL;
	}
	if (s->n_ch && !s->ch)
		return -EINVAL;
	nw = calloc(s->n_ch ? s->n_ch : 1, sizeof(*nw));
	d.touched = dict_new();
	seen = dict_new();
	if (!nw || !d.touched || !seen || pxnft_script_init(&d.s, &b->g.fam) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = pxnft_part_plans(b, s, nw, seen)) < 0)
		goto out;
	for (size_t i = 0; i < s->n_ch && !d.err; i++) {
		struct pxnft_port *old = nw[i] ? dict_get(b->st.ports, nw[i]->key) : NULL;

		if (nw[i])
			pxnft_diff(&d, old ? old->plan : "", nw[i]->plan);
	}
	pxnft_hairpin_flush(&d);
	if ((rc = d.err ? d.err : d.s.err) < 0)
		goto out;
	if (!pxnft_script_empty(&d.s) && (rc = pxnft_apply(b, &d.s, err, errlen)) < 0)
		goto out;
	if ((rc = pxnft_part_commit(b, s, nw)) < 0)
		goto out;
	pxnft_result(b, res, d.s.written);
out:
	if (rc < 0) {
		if (rc == -ENOMEM && !err[0])
			snprintf(err, errlen, "nftables: out of memory");
		/* What the table holds is now unknown to us: the core does a
		 * full sync next, which starts from a listing. */
		pxnft_forget(b);
	}
	for (size_t i = 0; nw && i < s->n_ch; i++)
		pxnft_port_free(nw[i]);
	free(nw);
	if (d.touched)
		dict_free(d.touched, NULL);
	if (seen)
		dict_free(seen, NULL);
	pxnft_script_free(&d.s);
	return rc;
}

/* ---- ops ---- */

/* A full sync leaves the kept libnftables context holding the whole ruleset
 * as its cache (about 240 MB at 10,000 services); a fresh context costs one
 * netlink socket. Kept when a new one cannot be had. */
static void pxnft_drop_cache(pxb *b)
{
	nftrun *fresh = nftrun_new();

	if (!fresh)
		return;
	nftrun_free(b->nr);
	b->nr = fresh;
}

static int pxnft_sync(pxb *b, const struct pxb_sync *s, struct pxb_result *res, char *err,
                      size_t errlen)
{
	struct pxb_result dummy;
	struct timespec t0, t1;
	int rc;

	if (!err || !errlen)
		return -EINVAL;
	err[0] = '\0';
	if (!b || !s) {
		snprintf(err, errlen, "nftables: no backend or sync");
		return -EINVAL;
	}
	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (s->full) {
		if (s->n_all && !s->all) {
			snprintf(err, errlen, "nftables: full sync without ports");
			return -EINVAL;
		}
		rc = pxnft_sync_full(b, s, res, err, errlen);
		pxnft_drop_cache(b);
	} else {
		rc = pxnft_sync_partial(b, s, res, err, errlen);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == 0)
		log_debug("proxy", "nftables %s %s sync: %zu written in %.1f ms", b->g.fam.ip,
		          s->full ? "full" : "partial", res->written,
		          (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return rc;
}

/*
 * Does chain table/chain exist? One NFT_MSG_GETCHAIN over a fresh netlink
 * socket (libmnl), in the calling thread's namespace: 1, 0, or a negative
 * errno (-EPROTONOSUPPORT and the like when there is no nf_tables). Not
 * libnftables: its "list chain" of 1.0.6 first loads every set element of
 * the ruleset (2-3 s and 265 MB at 10,000 services, measured by
 * bench/proxy), which the canary would pay every few seconds.
 */
static int pxnft_chain_exists(int family, const char *table, const char *chain)
{
	/* MNL_SOCKET_BUFFER_SIZE is not a constant expression; zeroed because
	 * libmnl leaves attribute padding as it finds it. */
	char msg[8192] = {0};
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	unsigned seq = (unsigned)time(NULL);
	ssize_t n;
	int rc = -EIO;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	nlh = mnl_nlmsg_put_header(msg);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	/* The chain (NEWCHAIN) then an ACK, or only an error. */
	while ((n = mnl_socket_recvfrom(nl, msg, sizeof(msg))) > 0) {
		for (nlh = (struct nlmsghdr *)msg; mnl_nlmsg_ok(nlh, (int)n);
		     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				rc = e->error == 0 ? 1 : e->error == -ENOENT ? 0 : e->error;
				goto out;
			}
			if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWCHAIN)
				rc = 1; /* the ACK follows */
		}
	}
	if (n < 0)
		rc = -errno;
out:
	mnl_socket_close(nl);
	return rc;
}

static int pxnft_canary_ok(pxb *b)
{
	if (!b)
		return -EINVAL;
	return pxnft_chain_exists(b->cfg.family, PXNFT_TABLE, PXNFT_CANARY);
}

static void pxnft_free(pxb *b)
{
	if (!b)
		return;
	pxnft_state_free(&b->st);
	nftrun_free(b->nr);
	free(b->node_name);
	free(b);
}

static int pxnft_create(const struct pxb_config *cfg, pxb **out, char *err, size_t errlen)
{
	struct pxnft_fam fam;
	pxb *b;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg || pxnft_fam_init(cfg->family, &fam) < 0) {
		snprintf(err, errlen, "nftables: the family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	if (cfg->masq_mark & (cfg->masq_mark - 1)) {
		snprintf(err, errlen, "nftables: the masquerade mark 0x%x is not one bit",
		         cfg->masq_mark);
		return -EINVAL;
	}
	if (!(b = calloc(1, sizeof(*b))) || !(b->nr = nftrun_new())) {
		free(b);
		return -ENOMEM;
	}
	/* Harmless, and it needs the kernel's nf_tables. */
	rc = pxnft_chain_exists(cfg->family, PXNFT_TABLE, PXNFT_CANARY);
	if (rc < 0) {
		snprintf(err, errlen, "nftables: nf_tables is not usable here (%s)", strerror(-rc));
		pxnft_free(b);
		return rc == -ENOMEM ? -ENOMEM : -ENOTSUP;
	}
	b->cfg = *cfg;
	if (!b->cfg.masq_mark)
		b->cfg.masq_mark = PXB_MASQ_MARK_DEFAULT;
	if (cfg->node_name && !(b->node_name = strdup(cfg->node_name))) {
		pxnft_free(b);
		return -ENOMEM;
	}
	b->cfg.node_name = b->node_name;
	pxnft_gen_init(&b->g, &b->cfg);
	*out = b;
	return 0;
}

static int pxnft_cleanup(const struct pxb_config *cfg, char *err, size_t errlen)
{
	struct pxnft_fam fam;
	char cmd[64];
	int rc;

	if (!cfg || pxnft_fam_init(cfg->family, &fam) < 0) {
		snprintf(err, errlen, "nftables: the family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	snprintf(cmd, sizeof(cmd), "delete table %s " PXNFT_TABLE, fam.ip);
	rc = nftrun_apply(cmd, err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

const struct pxb_ops pxb_nft_ops = {
    .name = "nftables",
    .create = pxnft_create,
    .sync = pxnft_sync,
    .canary_ok = pxnft_canary_ok,
    .free = pxnft_free,
    .cleanup = pxnft_cleanup,
};
