/* sockaddr.h - "host:port" <-> struct sockaddr_storage, for listeners and clients. */
#ifndef SVCNET_SOCKADDR_H
#define SVCNET_SOCKADDR_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Parses "1.2.3.4:6443", "[::1]:6443", ":6443" (all IPv4 addresses) or
 * "localhost:6443" (127.0.0.1). No DNS: svcnet never resolves names to listen.
 * Returns 0 or -EINVAL.
 */
int sa_parse(const char *hostport, struct sockaddr_storage *ss, socklen_t *len);
/* Formatting: net_sockaddr_fmt() in lib/net.h. */

#endif
