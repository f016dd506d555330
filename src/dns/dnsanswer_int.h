/*
 * dnsanswer_int.h - the answer engine's state while one response is built,
 * shared by dnsanswer.c (protocol, reverse names) and dnsanswer_zone.c (the
 * cluster zone's records).
 */
#ifndef SVCNET_DNSANSWER_INT_H
#define SVCNET_DNSANSWER_INT_H

#include "dns/dnsanswer.h"

#define DNSA_MAX_LABELS 8 /* deeper names below the apex do not exist */

struct actx {
	const dz_zone *z;
	const struct dnsa_config *c;
	uint16_t qtype;
	int rcode;
	bool aa, forward, truncated, chase;
	const uint8_t *soa_owner; /* negative answers carry this zone's SOA */
	size_t soa_owner_len;
	uint8_t lname[DNS_NAME_MAX]; /* the question's name in lower case */
	size_t lname_len;
	uint8_t target[DNS_NAME_MAX]; /* ExternalName target left for upstream */
	size_t target_len;
	struct dnsw w; /* last: not cleared per query */
};

int dnsa_suffix(const uint8_t *name, size_t len, const uint8_t *suffix, size_t slen, size_t *rel);
int dnsa_labels(const uint8_t *name, size_t rel, char labels[DNSA_MAX_LABELS][DZ_NAME_MAX]);
/* label + "." + name (wire). 0 or -1 when too long. */
int dnsa_prepend(const char *label, const uint8_t *name, size_t len, uint8_t *out, size_t *outlen);
/* The zone's SOA record with the given owner into the current section. */
int dnsa_soa(struct actx *x, const uint8_t *owner);
/* Names below the apex (rel: bytes of the name before it). */
void dnsa_zone(struct actx *x, size_t rel);

#endif
