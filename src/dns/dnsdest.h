/*
 * dnsdest.h - where a response goes: a UDP peer (with the local address the
 * query arrived on, for wildcard listeners) or a TCP connection. The server
 * fills it, the forwarder keeps a copy while it waits for an upstream.
 */
#ifndef SVCNET_DNSDEST_H
#define SVCNET_DNSDEST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct dns_dest {
	bool tcp;
	int fd; /* UDP: the listening socket */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	int local_family; /* AF_INET/AF_INET6 when local is set (wildcard listeners) */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} local;
	uint32_t conn_slot, conn_gen; /* TCP: the connection, if it still exists */
};

/* Sends a response that was not ready when the query arrived. */
typedef void dns_reply_fn(void *data, const struct dns_dest *d, const uint8_t *msg, size_t len);

#endif
