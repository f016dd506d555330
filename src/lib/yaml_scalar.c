/*
 * yaml_scalar.c - how go-yaml v2 (the YAML library behind sigs.k8s.io/yaml
 * and so behind kube-apiserver's YAML bodies) reads a plain scalar, and the
 * few string helpers the reader and the writer share.
 */
#include "lib/yaml_scalar.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int yaml_sc_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(s, lit, n);
}

static int yj_any(const char *s, size_t n, const char *const *lits)
{
	for (; *lits; lits++)
		if (yaml_sc_is(s, n, *lits))
			return 1;
	return 0;
}

static const char *const yj_true[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                      "True", "TRUE", "on",  "On",  "ON",  NULL};
static const char *const yj_false[] = {"n",     "N",     "no",  "No",  "NO",  "false",
                                       "False", "FALSE", "off", "Off", "OFF", NULL};
static const char *const yj_null[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const yj_nan[] = {".nan", ".NaN", ".NAN", NULL};
static const char *const yj_pinf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
static const char *const yj_ninf[] = {"-.inf", "-.Inf", "-.INF", NULL};

static int yj_lookup(const char *s, size_t n, struct yaml_scalar *o)
{
	if (yj_any(s, n, yj_true) || yj_any(s, n, yj_false)) {
		o->t = YAML_SC_BOOL;
		o->b = yj_any(s, n, yj_true);
	} else if (yj_any(s, n, yj_null)) {
		o->t = YAML_SC_NULL;
	} else if (yj_any(s, n, yj_nan)) {
		o->t = YAML_SC_FLOAT;
		o->d = NAN;
	} else if (yj_any(s, n, yj_pinf) || yj_any(s, n, yj_ninf)) {
		o->t = YAML_SC_FLOAT;
		o->d = yj_any(s, n, yj_pinf) ? INFINITY : -INFINITY;
	} else {
		return 0;
	}
	return 1;
}

static int yj_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return 99;
}

/* strconv.ParseUint(s, 0, 64): 0, -EINVAL (syntax) or -ERANGE. */
static int yj_parse_uint(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	unsigned base = 10;
	uint64_t v = 0;

	if (!n)
		return -EINVAL;
	if (s[0] == '0') {
		char c = n >= 3 ? (char)(s[1] | 0x20) : 0;

		base = c == 'b' ? 2 : c == 'o' ? 8 : c == 'x' ? 16 : 8;
		s += base == 8 && c != 'o' ? 1 : 2;
	}
	for (; *s; s++) {
		int d = yj_digit(*s);

		if (d >= (int)base)
			return -EINVAL;
		/* Upstream reports the overflow at once, before checking the rest. */
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

/* strconv.ParseInt(s, 0, 64). */
static int yj_parse_int(const char *s, long long *out)
{
	int neg = 0, rc;
	uint64_t u;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	rc = yj_parse_uint(s, &u);
	if (rc < 0)
		return rc;
	if ((!neg && u > (uint64_t)INT64_MAX) || (neg && u > (uint64_t)INT64_MAX + 1))
		return -ERANGE;
	*out = neg ? (long long)(0 - u) : (long long)u;
	return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static int yj_float_syntax(const char *s)
{
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

/* ParseFloat of a syntax-checked decimal; overflow is a failure as in Go. */
static int yj_strtod(const char *s, double *out)
{
	double d = strtod(s, NULL);

	if (isinf(d))
		return -1;
	*out = d;
	return 0;
}

/* Numbers starting with a digit or sign: the 'D'/'S' branch of resolve(). */
static void yj_resolve_number(const char *in, size_t n, struct yaml_scalar *o)
{
	char stack[64], *plain = n < sizeof(stack) ? stack : malloc(n + 1);
	size_t k = 0;
	uint64_t u;

	if (!plain)
		return; /* stays a string; only a huge scalar can get here */
	for (size_t i = 0; i < n; i++)
		if (in[i] != '_')
			plain[k++] = in[i];
	plain[k] = '\0';
	if (memchr(in, '\0', n)) {
		/* not a number */
	} else if (yj_parse_int(plain, &o->i) == 0) {
		o->t = YAML_SC_INT;
	} else if (yj_parse_uint(plain, &u) == 0) {
		o->t = YAML_SC_BIG;
		o->d = (double)u;
	} else if (yj_float_syntax(plain) && yj_strtod(plain, &o->d) == 0) {
		/* Past uint64, decimal digits still make a float; hex and
		 * friends stay strings, as in yaml.v2 2.4.0. */
		o->t = YAML_SC_FLOAT;
	}
	if (plain != stack)
		free(plain);
}

/* resolve("", in) for plain scalars: the first byte picks what to try. */
void yaml_sc_resolve_plain(const char *s, size_t n, struct yaml_scalar *o)
{
	char c = n ? s[0] : '~';

	memset(o, 0, sizeof(*o));
	o->t = YAML_SC_STR;
	o->s = s;
	o->len = n;
	if (c == '\0' || !strchr("+-0123456789yYnNtTfFoO~.", c))
		return;
	if (yj_lookup(s, n, o))
		return;
	if (c == '.') {
		char tmp[64];

		/* The '.' branch: ParseFloat on the text as is. */
		if (n < sizeof(tmp) && !memchr(s, '_', n) && !memchr(s, '\0', n)) {
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			if (yj_float_syntax(tmp) && yj_strtod(tmp, &o->d) == 0)
				o->t = YAML_SC_FLOAT;
		}
	} else if (strchr("+-0123456789", c)) {
		yj_resolve_number(s, n, o);
	}
}

const char *yaml_sc_type_tag(enum yaml_sc_type t)
{
	static const char *const names[] = {"!!null",  "!!bool", "!!int",
	                                    "!!float", "!!int",  "!!str"};

	return names[t];
}

/* UTF-8 as jansson accepts it; libyaml's \u escapes can still produce other bytes. */
int yaml_sc_utf8_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		unsigned c = *p++, need, v;

		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, v = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, v = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, v = c & 0x07;
		else
			return 0;
		if ((size_t)(e - p) < need)
			return 0;
		for (unsigned i = 0; i < need; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			v = v << 6 | (*p & 0x3f);
		}
		if ((need == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
		    (need == 3 && (v < 0x10000 || v > 0x10ffff)))
			return 0;
	}
	return 1;
}

/* Go's FormatFloat(f, 'g', -1, 32), which upstream uses for float keys. */
void yaml_sc_float_key(double d, char *out, size_t n)
{
	float f = (float)d;
	char e[48];
	int p, exp, dec;

	if (isnan(f)) {
		snprintf(out, n, ".nan");
		return;
	}
	if (isinf(f)) {
		snprintf(out, n, f > 0 ? ".inf" : "-.inf");
		return;
	}
	for (p = 1; p < 9; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, (double)f);
		if ((float)strtod(e, NULL) == f)
			break;
	}
	snprintf(e, sizeof(e), "%.*e", p - 1, (double)f);
	exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 6) {
		snprintf(out, n, "%s", e);
		return;
	}
	dec = p - (exp + 1);
	snprintf(out, n, "%.*f", dec > 0 ? dec : 0, (double)f);
}

/* isBase60Float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static int yj_base60(const char *s)
{
	const char *p = s;
	int groups = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (!(*p >= '0' && *p <= '9'))
		return 0;
	while ((*p >= '0' && *p <= '9') || *p == '_')
		p++;
	while (*p == ':') {
		p++;
		if (*p >= '0' && *p <= '5' && p[1] >= '0' && p[1] <= '9')
			p += 2;
		else if (*p >= '0' && *p <= '9')
			p++;
		else
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (*p == '.')
		for (p++; (*p >= '0' && *p <= '9') || *p == '_'; p++)
			;
	return *p == '\0';
}

/* Would this string, written plain, read back as something else? */
int yaml_sc_needs_quotes(const char *s, size_t n)
{
	struct yaml_scalar sc;

	yaml_sc_resolve_plain(s, n, &sc);
	if (sc.t != YAML_SC_STR || yaml_sc_is(s, n, "<<") || memchr(s, '\0', n))
		return 1;
	/* Timestamps and base-60 numbers are other types to other readers. */
	if (n >= 5 && s[4] == '-' && strspn(s, "0123456789") == 4)
		return 1;
	return yj_base60(s);
}
