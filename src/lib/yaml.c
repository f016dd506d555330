/*
 * yaml.c - YAML to JSON: libyaml parser events, go-yaml v2 rules
 * (yaml_scalar.c), sigs.k8s.io/yaml's conversion of keys to strings.
 *
 * The reader builds jansson values straight from parser events with an
 * explicit stack, so the depth bound is a check on that stack, and aliases are
 * deep copies charged against YAML_MAX_ALIAS_NODES before they are made.
 */
#include "lib/yaml.h"
#include "lib/yaml_scalar.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* ---- the event-driven builder ---- */

struct yj_frame {
	json_t *node;  /* object or array being filled (owned) */
	char *anchor;  /* registered when the node is complete */
	size_t nodes0; /* node count before this node, to size its anchor */
	json_t *key;   /* pending key (a JSON string), when have_key */
	int have_key;
	int merge;        /* the pending key is "<<" */
	yaml_mark_t mark; /* where the node starts, for messages */
};

struct yj {
	yaml_parser_t p;
	struct yj_frame stack[YAML_MAX_DEPTH];
	int depth;
	json_t *root;
	json_t *anchors; /* name -> value */
	json_t *sizes;   /* name -> node count */
	size_t nodes, expanded;
	int docs;
	char *err;
	size_t errlen;
	int nomem;
};

__attribute__((format(printf, 3, 4))) static int yj_fail(struct yj *y, const yaml_mark_t *m,
                                                         const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (y->err && y->errlen) {
		if (m)
			snprintf(y->err, y->errlen, "line %zu:%zu: %s", m->line + 1, m->column + 1,
			         msg);
		else
			snprintf(y->err, y->errlen, "%s", msg);
	}
	return -EINVAL;
}

static int yj_nomem(struct yj *y)
{
	y->nomem = 1;
	if (y->err && y->errlen)
		snprintf(y->err, y->errlen, "out of memory");
	return -ENOMEM;
}

static json_t *yj_string(struct yj *y, const char *s, size_t n, const yaml_mark_t *m)
{
	json_t *v;

	if (!yaml_sc_utf8_ok(s, n)) {
		yj_fail(y, m, "string is not valid UTF-8");
		return NULL;
	}
	v = json_stringn(s, n);
	if (!v)
		yj_nomem(y);
	return v;
}

/*
 * A float as it comes out of Go's json.Marshal and back through the
 * apiserver's decoder: whole numbers under 1e21 are written as digits (the
 * shortest that round-trip, then zeros) and read back as int64 when those
 * digits fit; anything else stays a float.
 */
static json_t *yj_go_number(double d)
{
	char e[40], digits[24], text[48];
	int p, exp, nd = 0, len = 0;
	long long i;
	char *end;

	if (d != floor(d) || fabs(d) >= 1e21)
		return json_real(d);
	if (d == 0)
		return json_integer(0);
	for (p = 1; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, d);
		if (strtod(e, NULL) == d)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, d);
	exp = atoi(strchr(e, 'e') + 1);
	for (const char *c = e; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	if (d < 0)
		text[len++] = '-';
	for (int k = 0; k <= exp; k++)
		text[len++] = k < nd ? digits[k] : '0';
	text[len] = '\0';
	errno = 0;
	i = strtoll(text, &end, 10);
	if (errno == ERANGE)
		return json_real(d);
	return json_integer(i);
}

static json_t *yj_scalar_json(struct yj *y, const struct yaml_scalar *sc, const yaml_mark_t *m)
{
	json_t *v = NULL;

	switch (sc->t) {
	case YAML_SC_NULL:
		return json_null();
	case YAML_SC_BOOL:
		return json_boolean(sc->b);
	case YAML_SC_INT:
		v = json_integer(sc->i);
		break;
	case YAML_SC_FLOAT:
	case YAML_SC_BIG:
		if (!isfinite(sc->d)) {
			yj_fail(y, m, "unsupported value: %s (JSON has no NaN or infinity)",
			        isnan(sc->d) ? "NaN"
			        : sc->d > 0  ? "+Inf"
			                     : "-Inf");
			return NULL;
		}
		v = yj_go_number(sc->d);
		break;
	case YAML_SC_STR:
		return yj_string(y, sc->s, sc->len, m);
	}
	if (!v)
		yj_nomem(y);
	return v;
}

/* A map key from a scalar, as sigs.k8s.io/yaml turns Go keys into strings. */
static json_t *yj_scalar_key(struct yj *y, const struct yaml_scalar *sc, const yaml_mark_t *m)
{
	char b[64];
	json_t *k;

	switch (sc->t) {
	case YAML_SC_STR:
		return yj_string(y, sc->s, sc->len, m);
	case YAML_SC_INT:
		snprintf(b, sizeof(b), "%lld", sc->i);
		break;
	case YAML_SC_FLOAT:
		yaml_sc_float_key(sc->d, b, sizeof(b));
		break;
	case YAML_SC_BOOL:
		snprintf(b, sizeof(b), "%s", sc->b ? "true" : "false");
		break;
	default:
		yj_fail(y, m, "unsupported map key: %s",
		        sc->t == YAML_SC_NULL ? "null" : "integer out of range");
		return NULL;
	}
	k = json_string(b);
	if (!k)
		yj_nomem(y);
	return k;
}

/* A map key from an aliased value. */
static json_t *yj_json_key(struct yj *y, const json_t *v, const yaml_mark_t *m)
{
	struct yaml_scalar sc = {YAML_SC_STR, 0, 0, 0, NULL, 0};

	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_incref((json_t *)v);
	case JSON_INTEGER:
		sc.t = YAML_SC_INT;
		sc.i = json_integer_value(v);
		break;
	case JSON_REAL:
		sc.t = YAML_SC_FLOAT;
		sc.d = json_real_value(v);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		sc.t = YAML_SC_BOOL;
		sc.b = json_is_true(v);
		break;
	case JSON_NULL:
		sc.t = YAML_SC_NULL;
		break;
	default:
		yj_fail(y, m, "invalid map key: a mapping or sequence cannot be a key");
		return NULL;
	}
	return yj_scalar_key(y, &sc, m);
}

/* d.merge(): "<<: map" or "<<: [maps]"; earlier maps in a list win. */
static int yj_merge(struct yj *y, json_t *into, json_t *v, const yaml_mark_t *m)
{
	if (json_is_object(v))
		return json_object_update(into, v) < 0 ? yj_nomem(y) : 0;
	if (json_is_array(v)) {
		size_t i = json_array_size(v);

		for (size_t j = 0; j < i; j++)
			if (!json_is_object(json_array_get(v, j)))
				goto bad;
		while (i--)
			if (json_object_update(into, json_array_get(v, i)) < 0)
				return yj_nomem(y);
		return 0;
	}
bad:
	return yj_fail(y, m, "map merge requires map or sequence of maps as the value");
}

static int yj_register(struct yj *y, const char *anchor, json_t *v, size_t size)
{
	if (!anchor)
		return 0;
	if (json_object_set(y->anchors, anchor, v) < 0 ||
	    json_object_set_new(y->sizes, anchor, json_integer((json_int_t)size)) < 0)
		return yj_nomem(y);
	return 0;
}

/*
 * Places a finished node (reference taken): root, sequence element, key or
 * value. sc is the scalar it came from (NULL for containers and aliases);
 * empty_doc marks an implicit empty scalar, which may end the stream.
 */
static int yj_place(struct yj *y, json_t *v, const struct yaml_scalar *sc, int merge_key,
                    int empty_doc, const yaml_mark_t *m)
{
	struct yj_frame *f;
	int rc = 0;

	if (!v)
		return y->nomem ? -ENOMEM : -EINVAL;
	if (y->depth == 0) {
		if (y->docs <= 1) {
			json_decref(y->root);
			y->root = v;
			return 0;
		}
		json_decref(v);
		if (empty_doc)
			return 0;
		return yj_fail(y, m, "a YAML body holds one document; found a second");
	}
	f = &y->stack[y->depth - 1];
	if (json_is_array(f->node))
		return json_array_append_new(f->node, v) < 0 ? yj_nomem(y) : 0;
	if (!f->have_key) {
		f->have_key = 1;
		f->merge = merge_key;
		if (!merge_key) {
			f->key = sc ? yj_scalar_key(y, sc, m) : yj_json_key(y, v, m);
			if (!f->key)
				rc = y->nomem ? -ENOMEM : -EINVAL;
		}
		json_decref(v);
		return rc;
	}
	if (f->merge) {
		rc = yj_merge(y, f->node, v, m);
		json_decref(v);
	} else if (json_object_setn_new(f->node, json_string_value(f->key),
	                                json_string_length(f->key), v) < 0) {
		rc = yj_nomem(y);
	}
	json_decref(f->key);
	f->key = NULL;
	f->have_key = f->merge = 0;
	return rc;
}

/* go-yaml ignores the tag of a collection; we still refuse non-core ones. */
static int yj_tag_ok(const char *tag)
{
	static const char *const core[] = {"map",  "seq",  "str",       "int", "float",
	                                   "bool", "null", "timestamp", NULL};
	size_t n = strlen(YAML_SC_TAG);

	if (!tag || !strcmp(tag, "!"))
		return 1;
	if (strncmp(tag, YAML_SC_TAG, n))
		return 0;
	for (int i = 0; core[i]; i++)
		if (!strcmp(tag + n, core[i]))
			return 1;
	return 0;
}

/* Explicit tags resolve as go-yaml's resolve(tag, in) does, then must agree. */
static int yj_resolve_tagged(struct yj *y, const yaml_event_t *ev, struct yaml_scalar *sc)
{
	const char *tag = (const char *)ev->data.scalar.tag, *want;
	const char *val = sc->s;
	int len = sc->len > 64 ? 64 : (int)sc->len;

	if (!tag) {
		if (ev->data.scalar.plain_implicit)
			yaml_sc_resolve_plain(sc->s, sc->len, sc);
		return 0;
	}
	if (!strcmp(tag, "!") || !strcmp(tag, YAML_SC_TAG "str"))
		return 0;
	if (!strcmp(tag, YAML_SC_TAG "timestamp")) {
		/* Stays a string, as go-yaml hands timestamps to interface{} values. */
		if (sc->len < 5 || !(val[0] >= '0' && val[0] <= '9') || val[4] != '-')
			return yj_fail(y, &ev->start_mark,
			               "cannot decode !!str `%.*s` as a !!timestamp", len, val);
		return 0;
	}
	if (!strcmp(tag, YAML_SC_TAG "merge"))
		return yj_fail(y, &ev->start_mark, "cannot decode !!str `%.*s` as a !!merge", len,
		               val);
	if (strcmp(tag, YAML_SC_TAG "int") && strcmp(tag, YAML_SC_TAG "float") &&
	    strcmp(tag, YAML_SC_TAG "bool") && strcmp(tag, YAML_SC_TAG "null"))
		return yj_fail(y, &ev->start_mark, "unsupported tag %s", tag);
	want = tag + strlen(YAML_SC_TAG);
	yaml_sc_resolve_plain(sc->s, sc->len, sc);
	/* Only int64 values convert: go-yaml's float conversion skips uint64. */
	if (!strcmp(want, "float") && sc->t == YAML_SC_INT) {
		sc->d = (double)sc->i;
		sc->t = YAML_SC_FLOAT;
	} else if (strcmp(yaml_sc_type_tag(sc->t) + 2, want)) {
		return yj_fail(y, &ev->start_mark, "cannot decode %s `%.*s` as a !!%s",
		               yaml_sc_type_tag(sc->t), len, val, want);
	}
	return 0;
}

static int yj_on_scalar(struct yj *y, const yaml_event_t *ev)
{
	const char *val = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor = (const char *)ev->data.scalar.anchor;
	size_t len = ev->data.scalar.length;
	const yaml_mark_t *m = &ev->start_mark;
	struct yj_frame *top = y->depth ? &y->stack[y->depth - 1] : NULL;
	int key_pos = top && json_is_object(top->node) && !top->have_key;
	struct yaml_scalar sc;
	int merge_key, rc;
	json_t *v;

	memset(&sc, 0, sizeof(sc));
	sc.t = YAML_SC_STR;
	sc.s = val;
	sc.len = len;
	/* isMerge(): a "<<" key, plain or tagged !!merge, is a merge, not a key. */
	merge_key = key_pos && yaml_sc_is(val, len, "<<") &&
	            (ev->data.scalar.plain_implicit || (tag && !strcmp(tag, YAML_SC_TAG "merge")));
	if (!merge_key) {
		rc = yj_resolve_tagged(y, ev, &sc);
		if (rc < 0)
			return rc;
	}
	y->nodes++;
	/* A key becomes a string at once: .inf is a fine key, a bad value. */
	if (merge_key)
		v = json_string("<<");
	else if (key_pos)
		v = yj_scalar_key(y, &sc, m);
	else
		v = yj_scalar_json(y, &sc, m);
	if (!v)
		return y->nomem || merge_key ? yj_nomem(y) : -EINVAL;
	rc = yj_register(y, anchor, v, 1);
	if (rc < 0) {
		json_decref(v);
		return rc;
	}
	return yj_place(y, v, merge_key || key_pos ? NULL : &sc, merge_key,
	                !tag && !anchor && ev->data.scalar.plain_implicit && len == 0, m);
}

static int yj_on_start(struct yj *y, const yaml_event_t *ev, int is_map)
{
	const char *tag =
	    (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
	const char *anchor =
	    (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
	struct yj_frame *f;

	if (!yj_tag_ok(tag))
		return yj_fail(y, &ev->start_mark, "unsupported tag %s", tag);
	if (y->depth >= YAML_MAX_DEPTH)
		return yj_fail(y, &ev->start_mark, "nesting deeper than %d levels", YAML_MAX_DEPTH);
	f = &y->stack[y->depth];
	memset(f, 0, sizeof(*f));
	f->nodes0 = y->nodes++;
	f->mark = ev->start_mark;
	f->node = is_map ? json_object() : json_array();
	if (!f->node)
		return yj_nomem(y);
	if (anchor) {
		/* go-yaml binds the name when the node opens: an alias inside it
		 * refers to the unfinished node, which is an error. */
		f->anchor = strdup(anchor);
		if (!f->anchor || json_object_set_new(y->sizes, anchor, json_integer(-1)) < 0) {
			free(f->anchor);
			json_decref(f->node);
			return yj_nomem(y);
		}
	}
	y->depth++;
	return 0;
}

static int yj_on_end(struct yj *y, const yaml_event_t *ev)
{
	struct yj_frame f = y->stack[--y->depth];
	int rc;

	json_decref(f.key);
	rc = yj_register(y, f.anchor, f.node, y->nodes - f.nodes0);
	free(f.anchor);
	if (rc < 0) {
		json_decref(f.node);
		return rc;
	}
	return yj_place(y, f.node, NULL, 0, 0, &f.mark);
}

static int yj_on_alias(struct yj *y, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *v = json_object_get(y->anchors, name);
	size_t size;

	if (!v && !json_object_get(y->sizes, name))
		return yj_fail(y, &ev->start_mark, "unknown anchor '%s' referenced", name);
	if (json_integer_value(json_object_get(y->sizes, name)) < 0)
		return yj_fail(y, &ev->start_mark, "anchor '%s' value contains itself", name);
	size = (size_t)json_integer_value(json_object_get(y->sizes, name));
	if (size > YAML_MAX_ALIAS_NODES - y->expanded)
		return yj_fail(y, &ev->start_mark, "aliases expand to more than %d nodes",
		               YAML_MAX_ALIAS_NODES);
	y->expanded += size;
	y->nodes += size;
	v = json_deep_copy(v);
	if (!v)
		return yj_nomem(y);
	return yj_place(y, v, NULL, 0, 0, &ev->start_mark);
}

static int yj_parser_error(struct yj *y)
{
	yaml_parser_t *p = &y->p;
	const char *what = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return yj_nomem(y);
	if (p->error == YAML_READER_ERROR)
		return yj_fail(y, NULL, "byte %zu: %s", p->problem_offset, what);
	if (p->context)
		return yj_fail(y, &p->problem_mark, "%s %s", what, p->context);
	return yj_fail(y, &p->problem_mark, "%s", what);
}

static int yj_step(struct yj *y, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		y->docs++;
		return 0;
	case YAML_MAPPING_START_EVENT:
		return yj_on_start(y, ev, 1);
	case YAML_SEQUENCE_START_EVENT:
		return yj_on_start(y, ev, 0);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return yj_on_end(y, ev);
	case YAML_SCALAR_EVENT:
		return yj_on_scalar(y, ev);
	case YAML_ALIAS_EVENT:
		return yj_on_alias(y, ev);
	default:
		return 0;
	}
}

json_t *yaml_to_json(const char *data, size_t len, char *err, size_t errlen)
{
	struct yj y;
	yaml_event_t ev;
	int rc = 0, done = 0;

	memset(&y, 0, sizeof(y));
	y.err = err;
	y.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	y.anchors = json_object();
	y.sizes = json_object();
	if (!y.anchors || !y.sizes || !yaml_parser_initialize(&y.p)) {
		json_decref(y.anchors);
		json_decref(y.sizes);
		yj_nomem(&y);
		errno = ENOMEM;
		return NULL;
	}
	yaml_parser_set_input_string(&y.p, (const unsigned char *)data, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&y.p, &ev)) {
			rc = yj_parser_error(&y);
			break;
		}
		rc = yj_step(&y, &ev);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	while (y.depth > 0) {
		struct yj_frame *f = &y.stack[--y.depth];

		json_decref(f->node);
		json_decref(f->key);
		free(f->anchor);
	}
	yaml_parser_delete(&y.p);
	json_decref(y.anchors);
	json_decref(y.sizes);
	if (rc < 0) {
		json_decref(y.root);
		errno = rc == -ENOMEM ? ENOMEM : EINVAL;
		return NULL;
	}
	return y.root ? y.root : json_null();
}
