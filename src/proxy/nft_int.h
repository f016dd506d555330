/*
 * nft_int.h - the nftables proxy mode's internals (pxnft_), shared by nft.c
 * (the backend: state, listing, applying) and nft_gen.c (script text).
 *
 * Table `ip svcnet` (`ip6 svcnet`) has kube-proxy's nftables layout at the
 * top: base chains filter-{prerouting,input,forward,output} (plus
 * filter-output-post-dnat) and nat-{prerouting,output,postrouting}; verdict
 * maps service-ips, service-nodeports, no-endpoint-services,
 * no-endpoint-nodeports and firewall-ips; chains services,
 * service-endpoints-check, nodeport-endpoints-check, firewall-check,
 * reject-chain, mark-for-masquerade, masquerading; an empty chain canary.
 *
 * Below that it differs, because of what was measured on this kernel (6.18)
 * with Debian's libnftables 1.0.6 (numbers in nft.c):
 *  - kube-proxy binds an anonymous `numgen ... vmap { ... }` per service:
 *    the kernel walks the whole transaction for every anonymous set it binds
 *    (__nft_set_trans_bind), so a full sync of 10,000 services took 144 s;
 *    a named map looked up from per-service rules instead makes every element
 *    insertion walk every binding (28 s). And a chain plus DNAT rule per
 *    endpoint alone costs ~4 s per 100,000 endpoints.
 *  - libnftables 1.0.6 dumps every chain of the ruleset before running any
 *    command, so with chains per service each partial sync costs O(services)
 *    (60 ms at 30,000).
 * So a port without session affinity owns no chain, only map elements. They
 * send it to chains shared by all ports with the same endpoint count N
 * (internal-cluster-N, external-local-C-L, ...), which pick an endpoint with
 *   meta l4proto tcp dnat ip to ip daddr . tcp dport . numgen random mod N
 *       map @endpoint-ips-cluster-N-tcp
 * from per-N, per-protocol maps holding "<service IP> . <port> . <i> :
 * <endpoint> . <port>" (node ports: "<nodePort> . <i> : ..."). Hairpin
 * traffic is found in postrouting by the set hairpin ("<ep> . <ep>": source
 * equals destination after DNAT). A port with ClientIP affinity keeps
 * kube-proxy's own chains (service-/local-/external-<hash>-ns/name/proto/port,
 * endpoint-<hash>-...__ip/port with hairpin rule, affinity update and DNAT,
 * and affinity-<hash>-... sets with the timeout), since its state lives in
 * per-endpoint sets.
 */
#ifndef SVCNET_PROXY_NFT_INT_H
#define SVCNET_PROXY_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/dict.h"
#include "proxy/backend.h"

#define PXNFT_TABLE  "svcnet"
#define PXNFT_CANARY "canary"

/* Priorities as numbers: nft 1.0.6 refuses "dstnat" in the output hook. */
#define PXNFT_PRIO_FILTER    (-110) /* before DNAT: sees service addresses */
#define PXNFT_PRIO_DNAT      (-100)
#define PXNFT_PRIO_POST_DNAT (-90)
#define PXNFT_PRIO_SNAT      100

/* The words of one address family. */
struct pxnft_fam {
	int family;
	const char *ip;     /* table family and expression prefix: "ip", "ip6" */
	const char *addr_t; /* "ipv4_addr", "ipv6_addr" */
	const char *lo;     /* loopback destinations, which get no NodePort */
};

int pxnft_fam_init(int family, struct pxnft_fam *f);

/*
 * What one service port puts in the table: its "plan", text lines of
 *   D <destination>           a destination it owns ("10.96.0.1 . tcp . 80", "tcp . 30080")
 *   E <set> <element>         a map or set element ("<key> : <value>" for maps)
 *   C <chain>                 a chain of its own, followed by its rules:
 *   R <rule>
 *   S <set> <timeout>         an affinity set
 *   X <id>                    a shared chain it uses (pxnft_shared_*)
 *   H <ip>                    an endpoint address for the hairpin set
 * A partial sync diffs the old and new plan of each changed port, so it
 * deletes exactly what was added and touches nothing else.
 */
struct pxnft_gen {
	const struct pxb_config *cfg;
	struct pxnft_fam fam;
	char masq_if[NET_CIDR_STRLEN + 32]; /* "ip saddr != <cidr> " or "" */
	char cidr[NET_CIDR_STRLEN];         /* "" when unknown */
	char mark[16];                      /* "0x4000" */
	/* destination -> key of the port owning it: two ports claiming one
	 * address and port (an external IP given twice) would make the whole
	 * transaction fail, so the first one wins. */
	dict *owner;
};

int pxnft_gen_init(struct pxnft_gen *g, const struct pxb_config *cfg);

/* Appends sp's plan (nothing for a port without this family). owner_key is
 * the string stored in g->owner for its destinations (it must live as long
 * as the claims). 0 or -ENOMEM. */
int pxnft_plan(struct pxnft_gen *g, const struct pxm_svcport *sp, const char *owner_key, buf *out);

/* Releases the destinations a plan claimed, when still claimed by owner_key. */
void pxnft_plan_release(struct pxnft_gen *g, const char *plan, const char *owner_key);

/* ---- scripts ---- */

enum pxnft_sec {
	PXNFT_SEC_TABLE,
	PXNFT_SEC_RESET,    /* base chains re-made once per process */
	PXNFT_SEC_ADD,      /* chains, sets, maps */
	PXNFT_SEC_FLUSH,    /* chains (rewritten or going) and maps (full sync) */
	PXNFT_SEC_DEL_ELEM, /* elements (generated from the per-set lists) */
	PXNFT_SEC_DEL,      /* chains, then sets: flushed and unreferenced by now */
	PXNFT_SEC_READD,    /* sets deleted above to change their timeout */
	PXNFT_SEC_RULES,
	PXNFT_SEC_ADD_ELEM,
	PXNFT_NSEC
};

struct pxnft_script {
	const struct pxnft_fam *fam;
	buf sec[PXNFT_NSEC];
	dict *eadd, *edel; /* set name -> buf of ", "-joined elements */
	size_t written;    /* commands, counting each element and rule as one */
	int err;           /* sticky: -ENOMEM */
};

int pxnft_script_init(struct pxnft_script *s, const struct pxnft_fam *fam);
void pxnft_script_free(struct pxnft_script *s);
/* The whole transaction as one text in out. 0 or -ENOMEM. */
int pxnft_script_finish(struct pxnft_script *s, buf *out);
bool pxnft_script_empty(const struct pxnft_script *s);

void pxnft_s_cmd(struct pxnft_script *s, enum pxnft_sec sec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pxnft_s_add_chain(struct pxnft_script *s, const char *name);
void pxnft_s_flush_chain(struct pxnft_script *s, const char *name);
void pxnft_s_del_chain(struct pxnft_script *s, const char *name);
void pxnft_s_rule(struct pxnft_script *s, const char *chain, const char *rule);
/* An element "key" or "key : value"; deletes send the key only. */
void pxnft_s_elem(struct pxnft_script *s, bool add, const char *set, const char *elem);
void pxnft_s_affinity_set(struct pxnft_script *s, enum pxnft_sec sec, const char *name,
                          unsigned long timeout);

/* Counts of what a sync leaves in the table. */
struct pxnft_counts {
	size_t rules, chains, elements;
};

/* The table, its base and fixed chains, maps and sets, and their rules.
 * flush: empty the chains and maps first (full sync). */
void pxnft_emit_base(struct pxnft_script *s, const struct pxnft_gen *g, bool flush,
                     struct pxnft_counts *c);
/* Names of what pxnft_emit_base makes (NULL-terminated lists). */
extern const char *const pxnft_base_chains[]; /* hooked */
extern const char *const pxnft_fixed_chains[];
extern const char *const pxnft_fixed_maps[];
extern const char *const pxnft_fixed_sets[];

/*
 * Shared chains, by id: "dc<N>"/"dl<N>" pick one of N cluster/local
 * endpoints (with their maps), "ic<N>"/"il<N>" enter them for a cluster IP
 * (masquerading outside sources), "ec<N>" for external traffic under eTP
 * Cluster, "el<C>-<L>" under eTP Local. Each id's objects and rules are a
 * function of the id and the config only.
 */
/* Adds the ids an id needs (itself first) to out (id -> non-NULL). */
int pxnft_shared_closure(const char *id, dict *out);
/* Creates one id's objects (not its dependencies); flush: they may exist. */
void pxnft_shared_emit(struct pxnft_script *s, const struct pxnft_gen *g, const char *id,
                       bool flush, struct pxnft_counts *c);
/* Calls fn for each chain (is_map false) and map (true) an id makes. */
void pxnft_shared_names(const char *id, void (*fn)(void *arg, const char *name, bool is_map),
                        void *arg);

/* The chain and set names kube-proxy gives a port,
 * "<prefix><hash8>-ns/name/proto/portName", and an endpoint,
 * "<prefix><hash8>-ns/name/proto/portName__ip/port" (IPv6 colons as dots);
 * truncated with "..." past kube-proxy's limit. Characters nft would not
 * read in a name (the model keeps what the API server sent) become '_'. */
#define PXNFT_NAME_MAX 256
void pxnft_port_name(char out[PXNFT_NAME_MAX], const char *prefix, const struct pxm_svcport *sp,
                     const struct pxm_endpoint *ep);

#endif
