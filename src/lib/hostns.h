/*
 * hostns.h - is this the host's network namespace? The agent and the proxy
 * refuse to put bridges, routes and NAT rules there unless told to: on a
 * development machine that would rewire the machine itself.
 */
#ifndef SVCNET_HOSTNS_H
#define SVCNET_HOSTNS_H

/* 1 when the calling process shares pid 1's network namespace, else 0
 * (also when that cannot be told). */
int hostns_is_host(void);

#endif
