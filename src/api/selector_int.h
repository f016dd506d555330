/*
 * selector_int.h - what the selector files share; not part of the API.
 */
#ifndef SVCNET_API_SELECTOR_INT_H
#define SVCNET_API_SELECTOR_INT_H

#include <stddef.h>

#include "api/selector.h"

enum sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_DNE, SEL_GT, SEL_LT };

struct sel_req {
	char *key;
	enum sel_op op;
	char **vals; /* sorted, unique (sel_vals_normalize) */
	size_t nvals;
};

struct sel {
	struct sel_req *reqs;
	size_t n, cap;
	int nothing; /* matches no object at all */
};

sel *sel_new(void);
/* Appends r; takes ownership of its strings, also on failure. */
int sel_push(sel *s, struct sel_req *r);
void sel_sort(sel *s);
void sel_req_clear(struct sel_req *r);
int sel_vals_add(struct sel_req *r, const char *p, size_t len);
void sel_vals_normalize(struct sel_req *r);
/* v is the object's value, NULL when the key or field is absent. */
int sel_req_match(const struct sel_req *r, const char *v);
/* strconv.ParseInt(s, 10, 64): 0 or -1. */
int sel_parse_int64(const char *s, long long *out);
/* Copies a message into the caller's err buffer, truncating. */
void sel_set_err(char *err, size_t errlen, const char *m, size_t len);

#endif
