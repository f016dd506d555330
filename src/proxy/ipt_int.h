/*
 * ipt_int.h - the iptables mode's internals (pxipt_): ipt.c runs the tools
 * and keeps the state between syncs, ipt_gen.c writes iptables-restore input
 * and reads iptables-save output without any I/O, so the rule text is
 * tested on its own.
 *
 * The layout is kube-proxy's iptables proxier (pkg/proxy/iptables/proxier.go):
 *
 *   nat    PREROUTING, OUTPUT -> KUBE-SERVICES -> KUBE-SVC-<h> (Cluster policy)
 *                                               -> KUBE-SVL-<h> (Local policy)
 *                                               -> KUBE-EXT-<h> (external IPs, LB IPs, node
 *                                                  ports) -> KUBE-SVC/SVL-<h>
 *                                               -> KUBE-FW-<h>  (LB IPs with source ranges)
 *                                               -> KUBE-NODEPORTS (last, local addresses)
 *          KUBE-SVC/SVL-<h> -> KUBE-SEP-<endpoint h> -> DNAT
 *          POSTROUTING -> KUBE-POSTROUTING (MASQUERADE of what KUBE-MARK-MASQ marked)
 *   filter INPUT, FORWARD, OUTPUT -> KUBE-SERVICES, KUBE-EXTERNAL-SERVICES,
 *          KUBE-NODEPORTS, KUBE-FORWARD, KUBE-PROXY-FIREWALL (REJECT/DROP of ports
 *          without usable endpoints, LB source ranges, forwarding of marked traffic)
 *   mangle, nat, filter: KUBE-PROXY-CANARY, empty, the sign that nobody flushed us.
 *
 * A sync is one iptables-restore --noflush of filter and nat (and mangle's
 * canary on a full sync). As kube-proxy's EnsureRule does outside its
 * restore, the jumps from the built-in chains go in before it, in an input of
 * their own, when a full sync finds them missing in iptables-save.
 *
 * Returns: 0 or a negative errno; generators record the first -ENOMEM in
 * the generator and carry on as no-ops, so callers check once at the end.
 */
#ifndef SVCNET_PROXY_IPT_INT_H
#define SVCNET_PROXY_IPT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/net.h"
#include "proxy/backend.h"
#include "proxy/model.h"

/* "KUBE-SEP-" + a 16-character hash + NUL fits; iptables allows 28 characters. */
#define PXIPT_CHAIN_LEN 32
/* kube-proxy's largeClusterEndpointsThreshold: above it, no per-endpoint comments. */
#define PXIPT_LARGE_EPS 1000
/* Chains declared in one input above which iptables-nft is faster told to
 * fetch its whole table (pxipt_gen_finish); below, fetching costs more. */
#define PXIPT_LIST_ALL_CHAINS 256

/* What the generator knows of the instance. */
struct pxipt_cfg {
	int family;            /* AF_INET or AF_INET6 */
	net_cidr cluster_cidr; /* of family; family 0: unknown, masquerade all */
	bool masquerade_all;
	uint32_t mark;    /* the masquerade bit */
	bool tcp_liberal; /* nf_conntrack_tcp_be_liberal: no DROP of INVALID packets */
};

/* ---- chain names ---- */

struct pxipt_names {
	char (*v)[PXIPT_CHAIN_LEN];
	size_t n, cap;
	int err;
};

/* Appends prefix + hash (prefix "" for a whole name). */
void pxipt_names_add(struct pxipt_names *s, const char *prefix, const char *hash);
void pxipt_names_free(struct pxipt_names *s);
/* Appends sp's chains in cfg's family (those pxipt_gen_port declares). */
void pxipt_port_names(const struct pxipt_cfg *cfg, const struct pxm_svcport *sp,
                      struct pxipt_names *out);
void pxipt_names_sort(struct pxipt_names *s);
/* In a sorted set. */
bool pxipt_names_has(const struct pxipt_names *s, const char *name);
/* KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-FW-, KUBE-SEP-: a chain of one service port. */
bool pxipt_is_port_chain(const char *name);

/* ---- restore input (ipt_gen.c) ---- */

/*
 * kube-proxy's line buffers: chain declarations and rules per table, kept
 * apart because iptables-restore wants a chain declared before a rule jumps
 * to it, and deletions after every rule that could jump to what goes.
 */
struct pxipt_gen {
	const struct pxipt_cfg *cfg;
	bool large;    /* PXIPT_LARGE_EPS exceeded */
	bool full;     /* also the canaries */
	bool list_all; /* see pxipt_gen_finish */
	buf fchains, frules;
	buf nchains, nrules, ndel;
	size_t lines;  /* written to the buffers */
	size_t rules;  /* -A lines */
	size_t chains; /* chain declarations, deletions excluded */
	size_t ndecl;  /* nat chain declarations, deletions included */
	int err;       /* first failure */
	char *probs;   /* 1/n as kube-proxy prints it, PXIPT_PROB_LEN each, cached */
	size_t nprobs;
};

#define PXIPT_PROB_LEN 16

void pxipt_gen_init(struct pxipt_gen *g, const struct pxipt_cfg *cfg);
/* Empties the buffers for the next sync; the allocations stay. */
void pxipt_gen_reset(struct pxipt_gen *g, bool full, bool large);
void pxipt_gen_free(struct pxipt_gen *g);
/* The top-level chains and their fixed rules. */
void pxipt_gen_head(struct pxipt_gen *g);
/* sp's rules in the top-level chains (every sync writes them). */
void pxipt_gen_top(struct pxipt_gen *g, const struct pxm_svcport *sp);
/* sp's own chains; *rules and *chains get what they hold. */
void pxipt_gen_port(struct pxipt_gen *g, const struct pxm_svcport *sp, size_t *rules,
                    size_t *chains);
/* A nat chain to flush and delete after the rules. */
void pxipt_gen_delete(struct pxipt_gen *g, const char *chain);
/* The jump to KUBE-NODEPORTS, last in nat KUBE-SERVICES. */
void pxipt_gen_tail(struct pxipt_gen *g);
/*
 * The whole input, NUL-terminated: filter, nat (and mangle when full). 0 or
 * -ENOMEM. With list_all, nat starts with "-S": iptables-nft 1.8 otherwise
 * keeps the chains an input names in a sorted linked list, one insertion per
 * line, which is quadratic (7 s instead of 0.8 s for 1,000 services); a
 * command naming no chain makes it fetch the whole table instead. What -S
 * prints is thrown away. (With the table fetched, a jump into a built-in
 * chain that nft does not have yet fails: one more reason for the jumps'
 * own input.)
 */
int pxipt_gen_finish(struct pxipt_gen *g, buf *out);

/*
 * kube-proxy's jumps from the built-in chains of table (its EnsureChain and
 * EnsureRule, outside the restore of the rules): appends to out
 * "*table ... COMMIT" with an -I for each jump "save" (iptables-save -t table
 * output) lacks, after declaring the target chains it lacks. Returns the
 * lines appended (0: all there), or -ENOMEM.
 */
int pxipt_gen_jumps(const char *table, const char *save, size_t len, buf *out);
/* Number of jumps from built-in chains. */
size_t pxipt_njumps(void);

/* Deletes from nat the service chains "save" has and "keep" (sorted) lacks. */
void pxipt_gen_stale(struct pxipt_gen *g, const char *save, size_t len,
                     const struct pxipt_names *keep);

/*
 * Input for one table that removes everything of ours from "save" (that
 * table's iptables-save output): the chains we ever make, and every rule of
 * another chain jumping to one of them. Appends "*table ... COMMIT" to out
 * and returns the number of chains found (0: nothing appended), or -ENOMEM.
 * list_all: iptables-nft, so a "-S" when the chains are many (see
 * pxipt_gen_finish).
 */
int pxipt_gen_cleanup(const char *table, const char *save, size_t len, bool list_all, buf *out);

/* A full-sync input for ports (sorted, this family's only) without looking at
 * what is there: the text tests read. 0 or -ENOMEM. */
int pxipt_render(const struct pxipt_cfg *cfg, const struct pxm_svcport *const *ports, size_t n,
                 buf *out);

/* ---- tools and processes (ipt.c) ---- */

struct pxipt_tools {
	char restore[256]; /* iptables-restore or ip6tables-restore */
	char save[256];
	char ipt[256];
};

/*
 * Finds the family's three tools in path (a PATH value; NULL: $PATH, then
 * /usr/sbin and /sbin, where Debian keeps them). -ENOENT with the missing
 * tool's name in err.
 */
int pxipt_tools_find(int family, const char *path, struct pxipt_tools *t, char *err, size_t errlen);

/*
 * Runs argv (argv[0] a full path) with stdin from in[0..inlen), stdout into
 * out and stderr into errout (either may be NULL: discarded). Returns the
 * exit status (128 + signal when killed), or a negative errno when it could
 * not be run.
 */
int pxipt_run(char *const argv[], const char *in, size_t inlen, buf *out, buf *errout);

/* The tools' table dump: 0, or a negative errno with the reason in err. */
int pxipt_save(const struct pxipt_tools *t, const char *table, buf *out, char *err, size_t errlen);
/* iptables-restore --noflush of in: 0, or -EIO with its message and the line
 * it names in err. */
int pxipt_restore(const struct pxipt_tools *t, const char *in, size_t inlen, char *err,
                  size_t errlen);

/* For tests: the input the last sync sent, NUL-terminated (empty before the first). */
const buf *pxipt_last_input(const pxb *b);

#endif
