/*
 * dnsanswer.h - query bytes in, response bytes out (or "forward this"):
 * the whole of the cluster DNS protocol without any I/O, so that it is
 * tested with packets and fuzzed.
 *
 * The cluster zone is answered authoritatively (AA) from dnszone; reverse
 * names of cluster addresses from its PTR index; everything else is handed
 * to the forwarder (DNSA_FORWARD) when there is one, else REFUSED (names
 * outside our zones) or NXDOMAIN (reverse names we do not know). An
 * ExternalName whose target lies outside the zone ends in DNSA_CHASE: the
 * response so far (the CNAME) is in out, and the forwarder appends the
 * target's records.
 */
#ifndef SVCNET_DNSANSWER_H
#define SVCNET_DNSANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "dns/dnsmsg.h"
#include "dns/dnszone.h"

enum dnsa_pods { DNSA_PODS_DISABLED = 0, DNSA_PODS_INSECURE, DNSA_PODS_VERIFIED };

struct dnsa_config {
	enum dnsa_pods pods;
	bool forward;     /* an upstream exists: RA, and names outside go there */
	net_addr ns_addr; /* answer for ns.dns.<zone> (family 0: none) */
};

enum dnsa_action {
	DNSA_DROP = 0, /* say nothing */
	DNSA_REPLY,    /* out[0..len) is the response */
	DNSA_FORWARD,  /* ask the upstreams (q holds the query) */
	DNSA_CHASE,    /* out[0..len) is the CNAME part, without OPT; resolve target upstream */
};

struct dnsa_result {
	enum dnsa_action action;
	size_t len;
	size_t max_size; /* the most the client takes in one response */
	int rcode;
	struct dns_query q;
	uint8_t target[DNS_NAME_MAX]; /* DNSA_CHASE */
	size_t target_len;
};

/* The largest response we ever build (TCP). */
#define DNSA_MAX_MSG DNS_TCP_MAX

/*
 * Answers one query. tcp: the response may use up to 65535 bytes (else the
 * client's UDP size, at most 1232, and TC=1 with the question only when the
 * answer does not fit). out must hold DNSA_MAX_MSG bytes for TCP and
 * DNS_UDP_EDNS for UDP. Never fails: hostile input ends in DNSA_DROP or an
 * error rcode.
 */
void dnsa_answer(const dz_zone *z, const struct dnsa_config *c, const uint8_t *pkt, size_t len,
                 bool tcp, uint8_t *out, size_t cap, struct dnsa_result *r);

/* The client's limit for a query: 65535 over TCP, else its EDNS size clamped
 * to [512, 1232], or 512 without EDNS. */
size_t dnsa_max_size(const struct dns_query *q, bool tcp);

/* A response with only header, question and (if the query had EDNS) OPT:
 * error rcodes (SERVFAIL after failed forwarding), TC answers. */
size_t dnsa_error(const struct dns_query *q, uint16_t flags, int rcode, uint8_t *out, size_t cap);

#endif
