/*
 * portalloc.h - node port allocation over [lo, hi], as Kubernetes'
 * portallocator does it.
 *
 * The lowest min(max(16, size/32), 128) ports (none when size <= 16) form the
 * static band, kept for explicit nodePort requests: allocate_next() takes
 * from the band only once the ports above it are all in use (KEP-3668).
 * For 30000-32767 the band is 30000-30085.
 *
 * Purely in memory, rebuilt by the server from stored Services; not
 * thread-safe.
 */
#ifndef SVCNET_PORTALLOC_H
#define SVCNET_PORTALLOC_H

#include <stdint.h>

typedef struct portalloc portalloc;

/* Inclusive range; NULL with errno EINVAL unless 1 <= lo <= hi <= 65535, or
 * ENOMEM. */
portalloc *portalloc_new(int lo, int hi);
void portalloc_free(portalloc *p);

/* Takes a specific port: 0, -EEXIST if taken, -ERANGE outside the range. */
int portalloc_allocate(portalloc *p, int port);
/* Takes a free port, dynamic band first: 0 or -ENOSPC. */
int portalloc_allocate_next(portalloc *p, int *port);
/* Frees a port; a free or out-of-range port is a no-op (0). */
int portalloc_release(portalloc *p, int port);
/* 1 if the port is allocated here. */
int portalloc_has(const portalloc *p, int port);

int portalloc_used(const portalloc *p);
int portalloc_free_count(const portalloc *p);
/* Ports in the static band. */
int portalloc_static_size(const portalloc *p);
void portalloc_range(const portalloc *p, int *lo, int *hi);
/* Fixes the random scan starts, for reproducible tests. */
void portalloc_seed(portalloc *p, uint64_t seed);

#endif
