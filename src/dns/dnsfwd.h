/*
 * dnsfwd.h - the forwarder: names outside the cluster go to the upstream
 * servers, through a cache (dnscache.h).
 *
 *  - every upstream query gets a random ID and leaves from one of a small
 *    pool of connected UDP sockets (random source ports, rotated every 15 s:
 *    a retired socket still takes answers until the next rotation);
 *  - an answer counts only with our ID, from the upstream we asked (the
 *    connected socket sees no other source), with our question;
 *  - no answer within the timeout: the next upstream (failover); all tried:
 *    SERVFAIL to the clients. TC from an upstream: that upstream again over TCP;
 *  - identical questions in flight share one upstream query; each client gets
 *    the answer with its own ID, its question's case and its EDNS;
 *  - answers are cached, so a name in the cache still resolves while the
 *    upstreams are down.
 */
#ifndef SVCNET_DNSFWD_H
#define SVCNET_DNSFWD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dns/dnsdest.h"
#include "dns/dnsmsg.h"
#include "lib/ev.h"

#define DNSFWD_MAX_UPSTREAMS 8

struct dnsfwd_config {
	struct sockaddr_storage up[DNSFWD_MAX_UPSTREAMS];
	socklen_t uplen[DNSFWD_MAX_UPSTREAMS];
	int nup;
	size_t cache_size;  /* entries (10000) */
	int timeout_ms;     /* per upstream try (1500) */
	size_t max_pending; /* distinct questions in flight (4096) */
};

struct dnsfwd_stats {
	unsigned long long queries;   /* client queries handed to the forwarder */
	unsigned long long upstream;  /* upstream queries sent (UDP and TCP) */
	unsigned long long shared;    /* client queries that joined one in flight */
	unsigned long long timeouts;  /* upstream tries without an answer */
	unsigned long long servfail;  /* clients answered SERVFAIL after all failed */
	unsigned long long tcp_retry; /* truncated upstream answers retried over TCP */
	unsigned long long bad;       /* upstream packets dropped (ID, question, garbage) */
	unsigned long long cache_hits, cache_misses;
	size_t cache_entries, pending;
};

typedef struct dnsfwd dnsfwd;

/* 0, -EINVAL (no upstream), -ENOMEM, or a socket error. */
int dnsfwd_new(ev_loop *l, const struct dnsfwd_config *cfg, dns_reply_fn *reply, void *data,
               dnsfwd **out);
void dnsfwd_free(dnsfwd *f); /* NULL-safe; waiting clients get nothing */

/*
 * A client query to resolve upstream. max: the most the client takes (UDP
 * size or 65535). For an ExternalName chase, prefix holds the response so
 * far (the CNAME records, no OPT) and target the name to resolve; else
 * prefix is NULL and the question is q's. Returns the response length when
 * the cache answered at once (in out, of outcap >= max bytes), 0 when the
 * answer will come through the reply callback.
 */
size_t dnsfwd_query(dnsfwd *f, const struct dns_query *q, size_t max, const struct dns_dest *dest,
                    const uint8_t *prefix, size_t prefix_len, const uint8_t *target,
                    size_t target_len, uint8_t *out, size_t outcap);

void dnsfwd_get_stats(const dnsfwd *f, struct dnsfwd_stats *st);

/* Turns a stored/upstream response (no OPT) into the answer for q: its ID,
 * its question case, RD as asked, RA, OPT when q had EDNS; TC with the
 * question only when over max. prefix: an ExternalName chase (see above).
 * Returns the length in out (0 on garbage). Exposed for tests. */
size_t dnsfwd_finish(const struct dns_query *q, size_t max, const uint8_t *prefix,
                     size_t prefix_len, const uint8_t *resp, size_t len, uint8_t *out,
                     size_t outcap);

#endif
