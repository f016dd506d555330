/*
 * ipvs_nl.h - a small client of the kernel's IPVS generic netlink family
 * ("IPVS", linux/ip_vs.h) on libmnl: virtual services and their real servers
 * (destinations), added, edited, deleted and dumped. No ipvsadm, no libnl.
 *
 * The message builders and parsers are pure (no socket) so that the unit
 * tests check them on any kernel; the rest talks to the kernel of the calling
 * thread's network namespace. Everything read from the kernel is bounds
 * checked: a short or odd attribute makes the entry invalid, never a crash.
 */
#ifndef SVCNET_PROXY_IPVS_NL_H
#define SVCNET_PROXY_IPVS_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "lib/net.h"

#define IPVSNL_SCHED_MAX 16   /* IP_VS_SCHEDNAME_MAXLEN */
#define IPVSNL_MSGBUF    1024 /* room for any request ipvsnl_msg builds */

/* A virtual service: address:port/protocol (no firewall-mark services). */
struct ipvsnl_svc {
	net_addr addr;  /* its family is the service's */
	uint16_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t port;
	char sched[IPVSNL_SCHED_MAX];
	uint32_t flags;   /* IP_VS_SVC_F_* (IP_VS_SVC_F_PERSISTENT) */
	uint32_t timeout; /* persistence timeout, seconds */
};

/* A real server of a virtual service. */
struct ipvsnl_dest {
	net_addr addr;
	uint16_t port;
	uint32_t weight;
	uint32_t fwd; /* IP_VS_CONN_F_MASQ (0) */
};

/* The namespace-wide connection timeouts (ipvsadm --set), in seconds; 0 in
 * a request leaves that one as it is. */
struct ipvsnl_timeouts {
	uint32_t tcp;     /* an established TCP connection (kernel: 900) */
	uint32_t tcp_fin; /* TCP after a FIN (FIN_WAIT; kernel: 120) */
	uint32_t udp;     /* a UDP flow (kernel: 300) */
};

typedef struct ipvsnl ipvsnl;

/* ---- pure: building and parsing messages ---- */

/* Builds a request into buf (IPVSNL_MSGBUF bytes): cmd is an
 * IPVS_CMD_*; svc always (its key, or all of it when full), dest for the
 * *_DEST commands (NULL otherwise; all of it when full). Returns the message. */
struct nlmsghdr *ipvsnl_msg(void *buf, uint16_t family_id, uint8_t cmd, uint16_t nlflags,
                            const struct ipvsnl_svc *svc, const struct ipvsnl_dest *dest,
                            bool full);
/* IPVS_CMD_SET_CONFIG with the non-zero timeouts of t, into buf. */
struct nlmsghdr *ipvsnl_msg_timeouts(void *buf, uint16_t family_id,
                                     const struct ipvsnl_timeouts *t);
/* The timeouts of an IPVS_CMD_GET_CONFIG answer: 0 or -EINVAL. */
int ipvsnl_parse_timeouts(const struct nlmsghdr *nlh, struct ipvsnl_timeouts *out);
/* Reads the IPVS_CMD_ATTR_SERVICE (or _DEST) of a message of the family:
 * 0, or -EINVAL when it is missing, short or of an unknown family. */
int ipvsnl_parse_svc(const struct nlmsghdr *nlh, struct ipvsnl_svc *out);
int ipvsnl_parse_dest(const struct nlmsghdr *nlh, int family, struct ipvsnl_dest *out);

/* "TCP 10.0.0.1:80" / "UDP [fd00::1]:53" into out (64 bytes suffice). */
void ipvsnl_svc_fmt(const struct ipvsnl_svc *s, char *out, size_t outlen);

/* ---- the kernel ---- */

/* Opens a socket in the calling thread's namespace and resolves the family:
 * -ENOTSUP when the kernel has no IPVS (module not loaded and not loadable),
 * or another negative errno. */
int ipvsnl_open(ipvsnl **out);
void ipvsnl_close(ipvsnl *h); /* NULL-safe */

/* Each 0 or the kernel's negative errno (-EEXIST, -ESRCH for a missing
 * service, -ENOENT for a missing destination...). */
int ipvsnl_svc_add(ipvsnl *h, const struct ipvsnl_svc *s);
int ipvsnl_svc_edit(ipvsnl *h, const struct ipvsnl_svc *s);
int ipvsnl_svc_del(ipvsnl *h, const struct ipvsnl_svc *s);
int ipvsnl_dest_add(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d);
int ipvsnl_dest_edit(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d);
int ipvsnl_dest_del(ipvsnl *h, const struct ipvsnl_svc *s, const struct ipvsnl_dest *d);

/* One request of a batch: cmd (IPVS_CMD_NEW_SERVICE...) for svc, and dest
 * for the *_DEST ones (else NULL); full: every attribute (adds, edits), or
 * only the keys (deletes). */
struct ipvsnl_req {
	uint8_t cmd;
	bool full;
	const struct ipvsnl_svc *svc;
	const struct ipvsnl_dest *dest;
};

/* Sends the n requests in batches (lib/nlbatch.h), each acknowledged on
 * its own: rcs[i] gets request i's 0 or negative errno. The kernel goes on
 * after a failed request, so all are tried. 0, or a negative errno when the
 * socket failed (rcs is then incomplete). */
int ipvsnl_do_many(ipvsnl *h, const struct ipvsnl_req *reqs, size_t n, int *rcs);

/* Sets the non-zero ones of t / reads all three. */
int ipvsnl_timeouts_set(ipvsnl *h, const struct ipvsnl_timeouts *t);
int ipvsnl_timeouts_get(ipvsnl *h, struct ipvsnl_timeouts *out);

/* Dumps into a malloc'd array (*out, *n; free() it): every virtual service of
 * the namespace (of both families), or every real server of s. */
int ipvsnl_svc_list(ipvsnl *h, struct ipvsnl_svc **out, size_t *n);
int ipvsnl_dest_list(ipvsnl *h, const struct ipvsnl_svc *s, struct ipvsnl_dest **out, size_t *n);

#endif
