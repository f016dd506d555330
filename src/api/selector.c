/*
 * selector.c - the selector type: building, matching, freeing.
 *
 * Parsing lives in selector_labels.c (label syntax) and selector_fields.c
 * (field syntax and the per-kind field sets).
 */
#include "api/selector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector_int.h"

/* ---- building ---- */

void sel_req_clear(struct sel_req *r)
{
	free(r->key);
	for (size_t i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
}

void sel_free(sel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		sel_req_clear(&s->reqs[i]);
	free(s->reqs);
	free(s);
}

sel *sel_new(void)
{
	return calloc(1, sizeof(sel));
}

/* Takes ownership of r's strings, also on failure. */
int sel_push(sel *s, struct sel_req *r)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 4;
		struct sel_req *nr = realloc(s->reqs, nc * sizeof(*nr));

		if (!nr) {
			sel_req_clear(r);
			return -ENOMEM;
		}
		s->reqs = nr;
		s->cap = nc;
	}
	s->reqs[s->n++] = *r;
	return 0;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Values form a set: sort and drop duplicates, as sets.String does. */
void sel_vals_normalize(struct sel_req *r)
{
	size_t j = 0;

	if (r->nvals < 2)
		return;
	qsort(r->vals, r->nvals, sizeof(char *), strp_cmp);
	for (size_t i = 1; i < r->nvals; i++) {
		if (strcmp(r->vals[i], r->vals[j]) == 0)
			free(r->vals[i]);
		else
			r->vals[++j] = r->vals[i];
	}
	r->nvals = j + 1;
}

int sel_vals_add(struct sel_req *r, const char *p, size_t len)
{
	char **nv = realloc(r->vals, (r->nvals + 1) * sizeof(char *));

	if (!nv)
		return -ENOMEM;
	r->vals = nv;
	if (!(r->vals[r->nvals] = strndup(p, len)))
		return -ENOMEM;
	r->nvals++;
	return 0;
}

static int req_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sel_req *)a)->key, ((const struct sel_req *)b)->key);
}

/* Requirements sorted by key, as apimachinery keeps them (deterministic String()). */
void sel_sort(sel *s)
{
	if (s->n > 1)
		qsort(s->reqs, s->n, sizeof(*s->reqs), req_cmp);
}

int sel_parse_int64(const char *s, long long *out)
{
	char *end;

	/* strtoll would skip leading blanks; ParseInt does not (it does take a '+') */
	if (!*s || (*s != '+' && *s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || *end) ? -1 : 0;
}

void sel_set_err(char *err, size_t errlen, const char *m, size_t len)
{
	if (!err || !errlen)
		return;
	if (len >= errlen)
		len = errlen - 1;
	memcpy(err, m, len);
	err[len] = '\0';
}

/* ---- selectors from objects ---- */

static int push_eq(sel *s, const char *k, const char *v)
{
	struct sel_req r = {.op = SEL_EQ};

	if (!(r.key = strdup(k)) || sel_vals_add(&r, v, strlen(v)) < 0) {
		sel_req_clear(&r);
		return -ENOMEM;
	}
	return sel_push(s, &r);
}

static int add_match_labels(sel *s, const json_t *m)
{
	const char *k;
	json_t *v;

	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return -EINVAL;
	json_object_foreach ((json_t *)m, k, v) {
		if (!json_is_string(v))
			return -EINVAL;
		if (push_eq(s, k, json_string_value(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

int sel_from_map(const json_t *match_labels, sel **out)
{
	sel *s = sel_new();
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if ((rc = add_match_labels(s, match_labels)) < 0) {
		sel_free(s);
		return rc;
	}
	s->nothing = s->n == 0;
	sel_sort(s);
	*out = s;
	return 0;
}

static int add_expression(sel *s, const json_t *e)
{
	static const struct {
		const char *name;
		enum sel_op op;
	} ops[] = {{"In", SEL_IN},
	           {"NotIn", SEL_NOTIN},
	           {"Exists", SEL_EXISTS},
	           {"DoesNotExist", SEL_DNE}};
	const char *key = json_string_value(json_object_get(e, "key"));
	const char *op = json_string_value(json_object_get(e, "operator"));
	json_t *vals = json_object_get(e, "values"), *v;
	struct sel_req r = {0};
	size_t i, nv;
	int found = 0;

	if (!json_is_object(e) || !key || !op ||
	    (vals && !json_is_null(vals) && !json_is_array(vals)))
		return -EINVAL;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i].name))
			r.op = ops[i].op, found = 1;
	nv = json_array_size(vals);
	if (!found || ((r.op == SEL_IN || r.op == SEL_NOTIN) != (nv > 0)))
		return -EINVAL;
	if (!(r.key = strdup(key)))
		return -ENOMEM;
	json_array_foreach (vals, i, v) {
		int rc = json_is_string(v)
		             ? sel_vals_add(&r, json_string_value(v), json_string_length(v))
		             : -EINVAL;
		if (rc < 0) {
			sel_req_clear(&r);
			return rc;
		}
	}
	sel_vals_normalize(&r);
	return sel_push(s, &r);
}

int sel_from_label_selector(const json_t *ls, sel **out)
{
	sel *s = sel_new();
	json_t *exprs, *e;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (!ls || json_is_null(ls)) {
		s->nothing = 1;
		*out = s;
		return 0;
	}
	if (!json_is_object(ls))
		rc = -EINVAL;
	if (!rc)
		rc = add_match_labels(s, json_object_get(ls, "matchLabels"));
	exprs = json_object_get(ls, "matchExpressions");
	if (!rc && exprs && !json_is_null(exprs) && !json_is_array(exprs))
		rc = -EINVAL;
	json_array_foreach (exprs, i, e) {
		if (rc)
			break;
		rc = add_expression(s, e);
	}
	if (rc) {
		sel_free(s);
		return rc;
	}
	sel_sort(s);
	*out = s;
	return 0;
}

/* ---- matching ---- */

static int has_val(const struct sel_req *r, const char *v)
{
	return r->nvals && bsearch(&v, r->vals, r->nvals, sizeof(char *), strp_cmp) != NULL;
}

/* v is NULL when the key is absent. */
int sel_req_match(const struct sel_req *r, const char *v)
{
	long long a, b;

	switch (r->op) {
	case SEL_EQ:
	case SEL_IN:
		return v && has_val(r, v);
	case SEL_NE:
	case SEL_NOTIN:
		return !v || !has_val(r, v);
	case SEL_EXISTS:
		return v != NULL;
	case SEL_DNE:
		return v == NULL;
	case SEL_GT:
	case SEL_LT:
		if (!v || r->nvals != 1 || sel_parse_int64(v, &a) < 0 ||
		    sel_parse_int64(r->vals[0], &b) < 0)
			return 0;
		return r->op == SEL_GT ? a > b : a < b;
	}
	return 0;
}

int sel_match_labels(const sel *s, const json_t *labels)
{
	if (!s || s->nothing)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *v = json_string_value(json_object_get(labels, s->reqs[i].key));

		if (!sel_req_match(&s->reqs[i], v))
			return 0;
	}
	return 1;
}

int sel_is_empty(const sel *s)
{
	return s && !s->nothing && s->n == 0;
}

const char *sel_exact_value(const sel *s, const char *key)
{
	for (size_t i = 0; s && i < s->n; i++) {
		const struct sel_req *r = &s->reqs[i];

		if (strcmp(r->key, key) == 0 && (r->op == SEL_EQ || r->op == SEL_IN) &&
		    r->nvals == 1)
			return r->vals[0];
	}
	return NULL;
}
