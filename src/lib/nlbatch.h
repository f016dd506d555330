/*
 * nlbatch.h - many netlink requests in few writes.
 *
 * A full sync of the IPVS mode sends tens of thousands of requests (virtual
 * services, real servers, addresses on the dummy device). One round trip
 * each is what made it slow: here up to NLBATCH_MAX requests go in one
 * sendto(), each with NLM_F_ACK, and every acknowledgement is read back and
 * matched to its request by sequence number. The kernel handles a write's
 * messages one after another and goes on after a failed one, so each request
 * gets its own result and the callers' order holds.
 */
#ifndef SVCNET_LIB_NLBATCH_H
#define SVCNET_LIB_NLBATCH_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#define NLBATCH_BYTES 32768 /* bytes of requests per write */
/* Requests per write: each ack comes back as its own small skb, and the
 * receive buffer counts skbs at their true size (~1 KiB): a few hundred
 * would overflow the default 208 KiB (ENOBUFS). */
#define NLBATCH_MAX     64
#define NLBATCH_MSG     1024 /* room a builder gets for one request */
#define NLBATCH_RC_NONE 1    /* "no answer yet" in rcs (never a result) */

/* Builds request i into buf (NLBATCH_MSG bytes, zeroed): its header, with
 * type and flags set (nlbatch adds NLM_F_ACK and the sequence number). */
typedef struct nlmsghdr *(*nlbatch_build_fn)(void *buf, size_t i, void *arg);

/* Sends the n requests build() makes, on nl, numbering them from *seq + 1
 * (which it advances), and reads their acks: rcs[i] gets request i's 0 or
 * negative errno. 0, or a negative errno when the socket failed (rcs is then
 * incomplete). */
int nlbatch_run(struct mnl_socket *nl, uint32_t *seq, size_t n, nlbatch_build_fn build, void *arg,
                int *rcs);

/* Pure: the acks in buf (len bytes) of the requests numbered seq0 ..
 * seq0 + n - 1: rcs[i] is set where it still holds NLBATCH_RC_NONE, and
 * *got counted; other messages are skipped. 0, or -EINVAL for a malformed
 * ack. */
int nlbatch_parse_acks(const void *buf, size_t len, uint32_t seq0, size_t n, int *rcs, size_t *got);

#endif
