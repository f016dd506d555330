/*
 * yaml_scalar.h - scalar rules shared by the YAML reader (yaml.c) and writer
 * (yaml_emit.c). Internal to the yaml module: use lib/yaml.h.
 */
#ifndef SVCNET_LIB_YAML_SCALAR_H
#define SVCNET_LIB_YAML_SCALAR_H

#include <stddef.h>

#define YAML_SC_TAG "tag:yaml.org,2002:"

enum yaml_sc_type {
	YAML_SC_NULL,
	YAML_SC_BOOL,
	YAML_SC_INT,
	YAML_SC_FLOAT,
	YAML_SC_BIG, /* an integer past int64; d holds it approximately */
	YAML_SC_STR,
};

/* A resolved scalar, before it becomes a JSON value or a key. */
struct yaml_scalar {
	enum yaml_sc_type t;
	int b;
	long long i;
	double d; /* YAML_SC_FLOAT and YAML_SC_BIG */
	const char *s;
	size_t len;
};

/* go-yaml v2 resolve("", s) for a plain scalar; s need not be NUL-terminated. */
void yaml_sc_resolve_plain(const char *s, size_t n, struct yaml_scalar *o);
/* "!!int", "!!str", ... for a resolved type. */
const char *yaml_sc_type_tag(enum yaml_sc_type t);
int yaml_sc_is(const char *s, size_t n, const char *lit);
/* UTF-8 as jansson accepts it (no surrogates, no overlongs). */
int yaml_sc_utf8_ok(const char *s, size_t n);
/* Go's FormatFloat(d, 'g', -1, 32), which sigs.k8s.io/yaml uses for float keys. */
void yaml_sc_float_key(double d, char *out, size_t n);
/* Would s, written plain, read back as something other than this string? */
int yaml_sc_needs_quotes(const char *s, size_t n);

#endif
