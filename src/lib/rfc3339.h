/* rfc3339.h - the one way svcnet writes a time: "2026-11-24T10:00:00Z" (UTC,
 * whole seconds), as Kubernetes' metav1.Time marshals. */
#ifndef SVCNET_RFC3339_H
#define SVCNET_RFC3339_H

#include <stddef.h>

/* Writes t (unix seconds) into out; outlen >= 21. Returns out. */
char *rfc3339_fmt(long long t, char *out, size_t outlen);

/* Parses an RFC 3339 time ("2026-11-24T10:00:00Z", "...T10:00:00.25+01:00")
 * into unix seconds with the fraction. 0 or -EINVAL. */
int rfc3339_parse(const char *s, double *out);

#endif
