/*
 * rtnl_impl.h - what the rtnl_*.c files share: the handle and the one
 * request/answer exchange. Not for users of rtnl.h.
 */
#ifndef SVCNET_RTNL_IMPL_H
#define SVCNET_RTNL_IMPL_H

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdint.h>

#include "agent/rtnl.h"

_Static_assert(RTNL_IFNAMSIZ == IFNAMSIZ, "RTNL_IFNAMSIZ");

/* Requests are a header, a fixed struct and a few short attributes. */
#define RTNL_SBUF_SIZE 1024
/* Dumps: the kernel sizes its dump messages after the reader's buffer, up to
 * 32 KiB; a smaller buffer would truncate them. */
#define RTNL_RBUF_SIZE 32768

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char err[256];
	char sbuf[RTNL_SBUF_SIZE] __attribute__((aligned(8)));
	char *rbuf;
};

/* Called for each answer other than the closing ack/done; 0 to go on,
 * non-zero to stop calling it (the exchange still drains the answer). */
typedef int (*rtnl_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/* Starts a request in h->sbuf with the next sequence number. */
struct nlmsghdr *rtnl_req_start(rtnl *h, uint16_t type, uint16_t flags);
/* Sends the request in h->sbuf and reads answers up to its ack or dump end.
 * Returns 0, the callback's non-zero value, or a negative errno, with
 * h->err saying "<what>: <strerror> (<kernel text>)" on errors. */
int rtnl_exchange(rtnl *h, const char *what, rtnl_msg_cb cb, void *arg);
/* Records an error found before sending; returns err. */
int rtnl_fail(rtnl *h, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 0 for a usable interface name, else -EINVAL recorded on h. */
int rtnl_check_name(rtnl *h, const char *name);
/* Appends a struct ifinfomsg (AF_UNSPEC, the given index) to the request. */
struct ifinfomsg *rtnl_put_ifinfo(struct nlmsghdr *nlh, int index);
/* h->err cleared; returns 0. For errors a flag turns into success. */
int rtnl_ok(rtnl *h);

#endif
