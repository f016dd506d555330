/*
 * test_validate_helpers.h - shared by the defaults/validation unit tests.
 *
 * Objects are written as JSON with single quotes (tj("{'a':1}")) to keep the
 * C literals readable; a literal single quote cannot appear in such a string.
 */
#ifndef SVCNET_TEST_VALIDATE_HELPERS_H
#define SVCNET_TEST_VALIDATE_HELPERS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/defaults.h"
#include "api/validate.h"
#include "unit.h"

static inline json_t *tj(const char *s)
{
	char *copy = strdup(s);
	json_error_t err;
	json_t *v;

	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(copy, 0, &err);
	if (!v)
		fprintf(stdout, "    bad test JSON: %s: %s\n", err.text, copy);
	free(copy);
	return v;
}

/* Validates and returns the causes array (caller decrefs); n gets the count. */
static inline json_t *tvalidate(enum api_kind_id kind, const json_t *obj, const json_t *old, int *n)
{
	json_t *causes = json_array();

	*n = api_validate(kind, obj, old, causes);
	return causes;
}

/* The message of the first cause for field, or NULL. */
static inline const char *tcause(const json_t *causes, const char *field)
{
	size_t i;
	json_t *c;

	json_array_foreach (causes, i, c) {
		const char *f = json_string_value(json_object_get(c, "field"));

		if (f && !strcmp(f, field))
			return json_string_value(json_object_get(c, "message"));
	}
	return NULL;
}

/* The reason of the first cause for field, or NULL. */
static inline const char *treason(const json_t *causes, const char *field)
{
	size_t i;
	json_t *c;

	json_array_foreach (causes, i, c) {
		const char *f = json_string_value(json_object_get(c, "field"));

		if (f && !strcmp(f, field))
			return json_string_value(json_object_get(c, "reason"));
	}
	return NULL;
}

/* Whether some cause for field has a message containing sub. */
static inline int thas(const json_t *causes, const char *field, const char *sub)
{
	size_t i;
	json_t *c;

	json_array_foreach (causes, i, c) {
		const char *f = json_string_value(json_object_get(c, "field"));
		const char *m = json_string_value(json_object_get(c, "message"));

		if (f && m && !strcmp(f, field) && strstr(m, sub))
			return 1;
	}
	return 0;
}

static inline void tdump(const json_t *causes)
{
	char *s = json_dumps(causes, JSON_INDENT(1));

	fprintf(stdout, "    causes: %s\n", s ? s : "?");
	free(s);
}

/* Defaults then validates; returns the count and dumps the causes when not want. */
static inline int tcheck(enum api_kind_id kind, json_t *obj, int want_valid)
{
	int n;
	json_t *causes;

	if (!obj)
		return -1;
	api_default(kind, obj, NULL);
	causes = tvalidate(kind, obj, NULL, &n);
	if ((n == 0) != (want_valid != 0))
		tdump(causes);
	json_decref(causes);
	return n;
}

/* A string at a dotted path of plain object keys ("spec.type"), or NULL. */
static inline const char *tstr(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *tok;
	const json_t *v = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline const json_t *tget(const json_t *obj, const char *path)
{
	char buf[256], *save = NULL, *tok;
	const json_t *v = obj;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return v;
}

#endif
