/*
 * url.h - percent-decoding, query strings and path segments of request targets.
 *
 * Everything here reads hostile input: lengths and counts are bounded, and
 * decoding refuses %00 so a decoded string never hides a NUL.
 */
#ifndef SVCNET_URL_H
#define SVCNET_URL_H

#include <stddef.h>

#include "lib/buf.h"

#define URL_MAX_PARAMS   256
#define URL_MAX_SEGMENTS 32

typedef struct url_param {
	char *key;   /* decoded, NUL-terminated */
	char *value; /* decoded; "" for a key without '=' */
} url_param;

/*
 * Percent-decodes in[0..len) into out and NUL-terminates it ('+' becomes a
 * space when plus_as_space). Returns the decoded length, -EINVAL for a bad or
 * truncated %xx, %00, a raw NUL or len > INT_MAX, -ENOSPC if out cannot hold
 * the result and its NUL (len + 1 bytes always suffice).
 */
int url_decode(const char *in, size_t len, char *out, size_t outcap, int plus_as_space);

/*
 * Splits a raw query (without '?'; NULL or "" give none) at '&' into decoded
 * pairs, '+' read as space, empty pieces skipped, in order of appearance.
 * *out is one allocation (NULL when *n is 0). Returns 0, -EINVAL (bad
 * encoding), -E2BIG (more than URL_MAX_PARAMS pairs) or -ENOMEM.
 */
int url_parse_query(const char *query, url_param **out, size_t *n);
void url_params_free(url_param *p, size_t n);
/* Value of the first pair with exactly this key, or NULL. */
const char *url_param_get(const url_param *p, size_t n, const char *key);

/*
 * Splits a raw path ("/api/v1/pods") into percent-decoded segments. The path
 * must start with '/'; "/" has no segments (*segs NULL); one trailing slash is
 * tolerated. -EINVAL for empty interior segments ("/a//b"), "." and ".."
 * (also when encoded), a '/' or NUL decoded from %2F/%00 and bad encoding;
 * -E2BIG above URL_MAX_SEGMENTS; -ENOMEM. *segs is one allocation.
 */
int url_split_path(const char *path, char ***segs, size_t *nsegs);
void url_segs_free(char **segs, size_t nsegs);

/* Appends s percent-encoded for a query value or path segment (only
 * A-Z a-z 0-9 - . _ ~ stay as they are). Returns 0 or -ENOMEM. */
int url_encode(const char *s, buf *out);

#endif
