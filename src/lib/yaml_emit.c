/*
 * yaml_emit.c - JSON to block-style YAML with libyaml's emitter, quoting as
 * go-yaml v2 does: a string that would read back as another type is written
 * double-quoted, a multi-line one as a literal block.
 */
#include "lib/yaml.h"
#include "lib/yaml_scalar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

static int yj_write(void *data, unsigned char *bytes, size_t size)
{
	return buf_append(data, bytes, size) == 0;
}

static int yj_emit(yaml_emitter_t *e, yaml_event_t *ev, int ok)
{
	if (!ok)
		return -ENOMEM;
	if (!yaml_emitter_emit(e, ev))
		return e->error == YAML_MEMORY_ERROR || e->error == YAML_WRITER_ERROR ? -ENOMEM
		                                                                      : -EINVAL;
	return 0;
}

static int yj_emit_str(yaml_emitter_t *e, const char *s, size_t n, int is_string)
{
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	yaml_event_t ev;

	if (is_string && !yaml_sc_utf8_ok(s, n))
		return -EINVAL;
	if (is_string && yaml_sc_needs_quotes(s, n))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (is_string && memchr(s, '\n', n))
		style = YAML_LITERAL_SCALAR_STYLE;
	return yj_emit(
	    e, &ev,
	    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1, style));
}

struct yj_key {
	const char *s;
	size_t n;
};

/* Byte order, as strcmp would give, but keys may hold NUL bytes. */
static int yj_cmp_keys(const void *a, const void *b)
{
	const struct yj_key *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int yj_emit_node(yaml_emitter_t *e, const json_t *v, int depth)
{
	yaml_event_t ev;
	char b[64];
	int rc;

	if (depth > 4096)
		return -EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		struct yj_key *keys = malloc((n ? n : 1) * sizeof(*keys));
		const char *k;
		json_t *c;

		if (!keys)
			return -ENOMEM;
		json_object_foreach ((json_t *)v, k, c) {
			keys[i].s = k;
			keys[i++].n = json_object_iter_key_len(json_object_key_to_iter(k));
		}
		qsort(keys, n, sizeof(*keys), yj_cmp_keys);
		rc = yj_emit(e, &ev,
		             yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		                                                 n ? YAML_BLOCK_MAPPING_STYLE
		                                                   : YAML_FLOW_MAPPING_STYLE));
		for (i = 0; i < n && rc == 0; i++) {
			rc = yj_emit_str(e, keys[i].s, keys[i].n, 1);
			if (rc == 0)
				rc = yj_emit_node(e, json_object_getn(v, keys[i].s, keys[i].n),
				                  depth + 1);
		}
		free(keys);
		if (rc == 0)
			rc = yj_emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
		return rc;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		rc = yj_emit(e, &ev,
		             yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		                                                  n ? YAML_BLOCK_SEQUENCE_STYLE
		                                                    : YAML_FLOW_SEQUENCE_STYLE));
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = yj_emit_node(e, json_array_get(v, i), depth + 1);
		if (rc == 0)
			rc = yj_emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
		return rc;
	}
	case JSON_STRING:
		return yj_emit_str(e, json_string_value(v), json_string_length(v), 1);
	case JSON_INTEGER:
		snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return yj_emit_str(e, b, strlen(b), 0);
	case JSON_REAL: {
		double d = json_real_value(v);

		for (int p = 15; p <= 17; p++) {
			snprintf(b, sizeof(b), "%.*g", p, d);
			if (strtod(b, NULL) == d)
				break;
		}
		if (!strpbrk(b, ".eEni"))
			strcat(b, ".0");
		return yj_emit_str(e, b, strlen(b), 0);
	}
	case JSON_TRUE:
		return yj_emit_str(e, "true", 4, 0);
	case JSON_FALSE:
		return yj_emit_str(e, "false", 5, 0);
	default:
		return yj_emit_str(e, "null", 4, 0);
	}
}

int yaml_from_json(const json_t *v, buf *out)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int rc;

	if (!yaml_emitter_initialize(&e))
		return -ENOMEM;
	yaml_emitter_set_output(&e, yj_write, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_indent(&e, 2);
	yaml_emitter_set_width(&e, -1);
	rc = yj_emit(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (rc == 0)
		rc = yj_emit(&e, &ev,
		             yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	if (rc == 0)
		rc = yj_emit_node(&e, v, 0);
	if (rc == 0)
		rc = yj_emit(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (rc == 0)
		rc = yj_emit(&e, &ev, yaml_stream_end_event_initialize(&ev));
	if (rc == 0 && !yaml_emitter_flush(&e))
		rc = -ENOMEM;
	yaml_emitter_delete(&e);
	return rc;
}
