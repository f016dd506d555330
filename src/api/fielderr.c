/* fielderr.c - field paths, StatusCause building and typed JSON getters. */
#include "api/fielderr.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fe_init(struct fe_ctx *c, json_t *causes)
{
	memset(c, 0, sizeof(*c));
	c->causes = causes;
	c->first = causes ? json_array_size(causes) : 0;
}

/* Appends raw text to the path; on overflow the path is cut and stays cut until
 * popped below the cut, which is all a message needs. */
static void fe_path_append(struct fe_ctx *c, const char *s, size_t n)
{
	size_t room = FE_PATH_MAX - 1 - c->len;

	if (n > room) {
		/* Cut on a UTF-8 boundary: causes must stay valid JSON strings. */
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(c->path + c->len, s, n);
	c->len += n;
	c->path[c->len] = '\0';
}

size_t fe_push(struct fe_ctx *c, const char *child)
{
	size_t mark = c->len;

	if (c->len)
		fe_path_append(c, ".", 1);
	fe_path_append(c, child, strlen(child));
	return mark;
}

size_t fe_push_index(struct fe_ctx *c, size_t i)
{
	char tmp[32];
	size_t mark = c->len;
	int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

	fe_path_append(c, tmp, (size_t)n);
	return mark;
}

size_t fe_push_key(struct fe_ctx *c, const char *key)
{
	size_t mark = c->len;

	fe_path_append(c, "[", 1);
	fe_path_append(c, key, strlen(key));
	fe_path_append(c, "]", 1);
	return mark;
}

void fe_pop(struct fe_ctx *c, size_t mark)
{
	if (mark < c->len) {
		c->len = mark;
		c->path[mark] = '\0';
	}
}

void fe_save(struct fe_ctx *c, struct fe_saved *s)
{
	s->len = c->len;
	memcpy(s->path, c->path, c->len + 1);
	fe_pop(c, 0);
}

void fe_restore(struct fe_ctx *c, const struct fe_saved *s)
{
	c->len = s->len;
	memcpy(c->path, s->path, s->len + 1);
}

/* ---- string sets ---- */

static size_t fe_hash(const char *k)
{
	size_t h = 1469598103934665603ull;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ull;
	return h;
}

static size_t fe_set_find(char **slot, size_t cap, const char *key)
{
	size_t i = fe_hash(key) & (cap - 1);

	while (slot[i] && strcmp(slot[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

int fe_set_has(const struct fe_set *s, const char *key)
{
	return s->cap && s->slot[fe_set_find(s->slot, s->cap, key)] != NULL;
}

int fe_set_add(struct fe_set *s, const char *key)
{
	size_t i;

	if (fe_set_has(s, key))
		return 1;
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		char **ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (size_t j = 0; j < s->cap; j++)
			if (s->slot[j])
				ns[fe_set_find(ns, ncap, s->slot[j])] = s->slot[j];
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	i = fe_set_find(s->slot, s->cap, key);
	s->slot[i] = strdup(key);
	if (!s->slot[i])
		return -ENOMEM;
	s->n++;
	return 0;
}

void fe_set_free(struct fe_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}

/* The field of a cause: current path plus sub. */
static void fe_field(const struct fe_ctx *c, const char *sub, char *out)
{
	size_t n = c->len, k;

	memcpy(out, c->path, n);
	if (sub && *sub) {
		if (n && sub[0] != '[' && n < FE_PATH_MAX - 1)
			out[n++] = '.';
		k = strlen(sub);
		if (k > FE_PATH_MAX - 1 - n)
			k = FE_PATH_MAX - 1 - n;
		memcpy(out + n, sub, k);
		n += k;
	}
	out[n] = '\0';
}

/* Whether a type error was already reported for this field in this run. */
static int fe_had_type_error(const struct fe_ctx *c, const char *field)
{
	size_t i, n = json_array_size(c->causes);

	for (i = c->first; i < n; i++) {
		const json_t *cause = json_array_get(c->causes, i);
		const char *f = fe_peek_str(cause, "field");
		const char *r = fe_peek_str(cause, "reason");

		if (f && r && !strcmp(f, field) && !strcmp(r, "FieldValueTypeInvalid"))
			return 1;
	}
	return 0;
}

static void fe_emit(struct fe_ctx *c, const char *reason, const char *sub, const char *msg)
{
	char field[FE_PATH_MAX];
	json_t *cause;

	if (!c->causes)
		return;
	if (c->n >= FE_MAX_CAUSES) {
		c->dropped++;
		return;
	}
	fe_field(c, sub, field);
	if (!strcmp(reason, "FieldValueRequired") && fe_had_type_error(c, field))
		return;
	cause = json_pack("{s:s,s:s,s:s}", "reason", reason, "message", msg, "field", field);
	if (!cause) {
		/* json_pack also fails on invalid UTF-8; retry with a plain message. */
		cause = json_pack("{s:s,s:s,s:s}", "reason", reason, "message", "Invalid value",
		                  "field", "");
		if (!cause) {
			c->oom = 1;
			return;
		}
	}
	if (json_array_append_new(c->causes, cause) < 0) {
		c->oom = 1;
		return;
	}
	c->n++;
}

/* Emits "<head>[: <value>][: <detail>]", value and detail optional. */
static void fe_emitv(struct fe_ctx *c, const char *reason, const char *head, const char *sub,
                     const char *value, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
static void fe_emitv(struct fe_ctx *c, const char *reason, const char *head, const char *sub,
                     const char *value, const char *fmt, va_list ap)
{
	buf b = BUF_INIT;
	int r = buf_puts(&b, head);

	if (!r && value)
		r = buf_printf(&b, ": %s", value);
	if (!r && fmt) {
		va_list ap2;
		int n;

		va_copy(ap2, ap);
		n = vsnprintf(NULL, 0, fmt, ap2);
		va_end(ap2);
		if (n > 0) {
			r = buf_puts(&b, ": ");
			if (!r)
				r = buf_vprintf(&b, fmt, ap);
		}
	}
	if (!r)
		r = buf_cstr(&b);
	if (r)
		c->oom = 1;
	else
		fe_emit(c, reason, sub, b.data);
	buf_free(&b);
}

void fe_required(struct fe_ctx *c, const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fe_emitv(c, "FieldValueRequired", "Required value", sub, NULL, fmt, ap);
	va_end(ap);
}

void fe_forbidden(struct fe_ctx *c, const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fe_emitv(c, "FieldValueForbidden", "Forbidden", sub, NULL, fmt, ap);
	va_end(ap);
}

void fe_invalid_raw(struct fe_ctx *c, const char *sub, const char *rendered, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fe_emitv(c, "FieldValueInvalid", "Invalid value", sub, rendered, fmt, ap);
	va_end(ap);
}

void fe_invalid(struct fe_ctx *c, const char *sub, const json_t *bad, const char *fmt, ...)
{
	buf v = BUF_INIT;
	va_list ap;

	if (fe_render(&v, bad) < 0 || buf_cstr(&v) < 0) {
		c->oom = 1;
		buf_free(&v);
		return;
	}
	va_start(ap, fmt);
	fe_emitv(c, "FieldValueInvalid", "Invalid value", sub, v.data, fmt, ap);
	va_end(ap);
	buf_free(&v);
}

void fe_invalid_str(struct fe_ctx *c, const char *sub, const char *bad, const char *fmt, ...)
{
	buf v = BUF_INIT;
	va_list ap;

	if (fe_goquote(&v, bad, strlen(bad)) < 0 || buf_cstr(&v) < 0) {
		c->oom = 1;
		buf_free(&v);
		return;
	}
	va_start(ap, fmt);
	fe_emitv(c, "FieldValueInvalid", "Invalid value", sub, v.data, fmt, ap);
	va_end(ap);
	buf_free(&v);
}

void fe_invalid_int(struct fe_ctx *c, const char *sub, long long bad, const char *fmt, ...)
{
	char v[32];
	va_list ap;

	snprintf(v, sizeof(v), "%lld", bad);
	va_start(ap, fmt);
	fe_emitv(c, "FieldValueInvalid", "Invalid value", sub, v, fmt, ap);
	va_end(ap);
}

/* A va_list-free wrapper for emitters without a detail. */
static void fe_emit_plain(struct fe_ctx *c, const char *reason, const char *head, const char *sub,
                          const char *value, const char *detail)
{
	buf b = BUF_INIT;
	int r = buf_puts(&b, head);

	if (!r && value)
		r = buf_printf(&b, ": %s", value);
	if (!r && detail && *detail)
		r = buf_printf(&b, ": %s", detail);
	if (!r)
		r = buf_cstr(&b);
	if (r)
		c->oom = 1;
	else
		fe_emit(c, reason, sub, b.data);
	buf_free(&b);
}

void fe_duplicate_raw(struct fe_ctx *c, const char *sub, const char *rendered)
{
	fe_emit_plain(c, "FieldValueDuplicate", "Duplicate value", sub, rendered, NULL);
}

void fe_duplicate_detail(struct fe_ctx *c, const char *sub, const char *rendered,
                         const char *detail)
{
	fe_emit_plain(c, "FieldValueDuplicate", "Duplicate value", sub, rendered, detail);
}

void fe_duplicate_str(struct fe_ctx *c, const char *sub, const char *bad)
{
	buf v = BUF_INIT;

	if (fe_goquote(&v, bad, strlen(bad)) < 0 || buf_cstr(&v) < 0)
		c->oom = 1;
	else
		fe_duplicate_raw(c, sub, v.data);
	buf_free(&v);
}

void fe_duplicate_int(struct fe_ctx *c, const char *sub, long long bad)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", bad);
	fe_duplicate_raw(c, sub, v);
}

void fe_not_found(struct fe_ctx *c, const char *sub, const char *bad)
{
	buf v = BUF_INIT;

	if (fe_goquote(&v, bad, strlen(bad)) < 0 || buf_cstr(&v) < 0)
		c->oom = 1;
	else
		fe_emit_plain(c, "FieldValueNotFound", "Not found", sub, v.data, NULL);
	buf_free(&v);
}

void fe_not_supported(struct fe_ctx *c, const char *sub, const char *bad, const char *const *valid)
{
	buf v = BUF_INIT, d = BUF_INIT;
	int r = fe_goquote(&v, bad, strlen(bad));

	if (!r)
		r = buf_cstr(&v);
	if (!r && valid && valid[0])
		r = buf_puts(&d, "supported values: ");
	for (size_t i = 0; !r && valid && valid[i]; i++) {
		if (i)
			r = buf_puts(&d, ", ");
		if (!r)
			r = fe_goquote(&d, valid[i], strlen(valid[i]));
	}
	if (!r)
		r = buf_cstr(&d);
	if (r)
		c->oom = 1;
	else
		fe_emit_plain(c, "FieldValueNotSupported", "Unsupported value", sub, v.data,
		              d.data);
	buf_free(&v);
	buf_free(&d);
}

void fe_too_long(struct fe_ctx *c, const char *sub, long long max)
{
	char d[64];

	snprintf(d, sizeof(d), "must have at most %lld bytes", max);
	fe_emit_plain(c, "FieldValueTooLong", "Too long", sub, NULL, d);
}

void fe_too_many(struct fe_ctx *c, const char *sub, long long actual, long long max)
{
	char v[32], d[64];

	snprintf(v, sizeof(v), "%lld", actual);
	snprintf(d, sizeof(d), "must have at most %lld items", max);
	fe_emit_plain(c, "FieldValueTooMany", "Too many", sub, v, d);
}

void fe_type_invalid(struct fe_ctx *c, const char *sub, const json_t *bad, const char *want)
{
	buf v = BUF_INIT;
	char d[64];

	if (fe_render(&v, bad) < 0 || buf_cstr(&v) < 0) {
		c->oom = 1;
		buf_free(&v);
		return;
	}
	snprintf(d, sizeof(d), "must be of type %s", want);
	fe_emit_plain(c, "FieldValueTypeInvalid", "Invalid value", sub, v.data, d);
	buf_free(&v);
}

/* ---- typed getters ---- */

static const json_t *fe_get(const json_t *parent, const char *key)
{
	const json_t *v;

	if (!parent || !json_is_object(parent))
		return NULL;
	v = json_object_get(parent, key);
	return v && !json_is_null(v) ? v : NULL;
}

int fe_present(const json_t *parent, const char *key)
{
	return fe_get(parent, key) != NULL;
}

const char *fe_peek_str(const json_t *parent, const char *key)
{
	const json_t *v = fe_get(parent, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const json_t *fe_obj(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *v = fe_get(parent, key);

	if (!v)
		return NULL;
	if (!json_is_object(v)) {
		fe_type_invalid(c, key, v, "object");
		return NULL;
	}
	return v;
}

const json_t *fe_arr(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *v = fe_get(parent, key);

	if (!v)
		return NULL;
	if (!json_is_array(v)) {
		fe_type_invalid(c, key, v, "array");
		return NULL;
	}
	return v;
}

/* Shared by fe_str and fe_elem_str: sub NULL means the current path. */
static const char *fe_check_str(struct fe_ctx *c, const char *sub, const json_t *v)
{
	if (!json_is_string(v)) {
		fe_type_invalid(c, sub, v, "string");
		return NULL;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		fe_invalid_raw(c, sub, "\"\"", "must not contain NUL characters");
		return NULL;
	}
	return json_string_value(v);
}

const char *fe_str(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *v = fe_get(parent, key);

	return v ? fe_check_str(c, key, v) : NULL;
}

int fe_int(struct fe_ctx *c, const json_t *parent, const char *key, long long *out)
{
	const json_t *v = fe_get(parent, key);

	if (!v)
		return 0;
	if (!json_is_integer(v)) {
		fe_type_invalid(c, key, v, "integer");
		return 0;
	}
	*out = json_integer_value(v);
	return 1;
}

int fe_bool(struct fe_ctx *c, const json_t *parent, const char *key, int *out)
{
	const json_t *v = fe_get(parent, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		fe_type_invalid(c, key, v, "boolean");
		return 0;
	}
	*out = json_is_true(v);
	return 1;
}

int fe_intstr(struct fe_ctx *c, const json_t *parent, const char *key, long long *iv,
              const char **sv)
{
	const json_t *v = fe_get(parent, key);

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		*iv = json_integer_value(v);
		return 1;
	}
	if (json_is_string(v)) {
		*sv = fe_check_str(c, key, v);
		return *sv ? 2 : 0;
	}
	fe_type_invalid(c, key, v, "integer or string");
	return 0;
}

const json_t *fe_strmap(struct fe_ctx *c, const json_t *parent, const char *key)
{
	const json_t *m = fe_obj(c, parent, key), *v;
	const char *k;

	if (!m)
		return NULL;
	json_object_foreach ((json_t *)m, k, v) {
		size_t klen = json_object_iter_key_len(json_object_key_to_iter(k));
		size_t mark, m2;

		if (json_is_string(v) && klen == strlen(k) &&
		    strlen(json_string_value(v)) == json_string_length(v))
			continue;
		mark = fe_push(c, key);
		m2 = fe_push_key(c, k);
		if (!json_is_string(v))
			fe_type_invalid(c, NULL, v, "string");
		else
			/* Keys or values cut short at a NUL would validate as something else. */
			fe_invalid_raw(c, NULL, "\"\"", "must not contain NUL characters");
		fe_pop(c, m2);
		fe_pop(c, mark);
	}
	/* A map with bad values is still returned; callers skip non-string values. */
	return m;
}

const json_t *fe_elem_obj(struct fe_ctx *c, const json_t *v)
{
	if (!json_is_object(v)) {
		fe_type_invalid(c, NULL, v, "object");
		return NULL;
	}
	return v;
}

const char *fe_elem_str(struct fe_ctx *c, const json_t *v)
{
	return fe_check_str(c, NULL, v);
}

/* ---- rendering bad values the way Go prints them ---- */

/* Decodes one UTF-8 sequence; returns its length, or 0 when invalid. */
static size_t fe_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* An approximation of unicode.IsPrint for the code points Go escapes in %q. */
static int fe_isprint(unsigned cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xad)
		return 0;
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff || (cp >= 0x200b && cp <= 0x200f))
		return 0;
	if ((cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000 || (cp & 0xfffe) == 0xfffe)
		return 0;
	return 1;
}

int fe_goquote(buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	unsigned cp;
	int r = buf_puts(b, "\"");

	while (!r && i < n) {
		unsigned char ch = p[i];

		if (ch >= 0x20 && ch < 0x7f) {
			if (ch == '"' || ch == '\\')
				r = buf_printf(b, "\\%c", ch);
			else
				r = buf_append(b, &ch, 1);
			i++;
			continue;
		}
		switch (ch) {
		case '\a':
			r = buf_puts(b, "\\a");
			i++;
			continue;
		case '\b':
			r = buf_puts(b, "\\b");
			i++;
			continue;
		case '\f':
			r = buf_puts(b, "\\f");
			i++;
			continue;
		case '\n':
			r = buf_puts(b, "\\n");
			i++;
			continue;
		case '\r':
			r = buf_puts(b, "\\r");
			i++;
			continue;
		case '\t':
			r = buf_puts(b, "\\t");
			i++;
			continue;
		case '\v':
			r = buf_puts(b, "\\v");
			i++;
			continue;
		default:
			break;
		}
		k = fe_utf8(p + i, n - i, &cp);
		if (!k || cp < 0x80) {
			r = buf_printf(b, "\\x%02x", ch);
			i++;
		} else if (fe_isprint(cp)) {
			r = buf_append(b, p + i, k);
			i += k;
		} else {
			r = cp < 0x10000 ? buf_printf(b, "\\u%04x", cp)
			                 : buf_printf(b, "\\U%08x", cp);
			i += k;
		}
	}
	if (!r)
		r = buf_puts(b, "\"");
	return r;
}

/* Go's %v of a float64: shortest form that reads back, exponent from 1e21. */
static int fe_render_real(buf *b, double d)
{
	char tmp[64];

	if (isnan(d))
		return buf_puts(b, "NaN");
	if (isinf(d))
		return buf_puts(b, d > 0 ? "+Inf" : "-Inf");
	if (d == floor(d) && fabs(d) < 1e21)
		return buf_printf(b, "%.0f", d);
	for (int p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return buf_puts(b, tmp);
}

int fe_render(buf *b, const json_t *v)
{
	char *s;
	int r;

	if (!v || json_is_null(v))
		return buf_puts(b, "null");
	if (json_is_string(v))
		return fe_goquote(b, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return buf_printf(b, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return fe_render_real(b, json_real_value(v));
	if (json_is_boolean(v))
		return buf_puts(b, json_is_true(v) ? "true" : "false");
	/* Objects and arrays: compact JSON, cut so a hostile value cannot bloat the answer. */
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (!s)
		return -ENOMEM;
	if (strlen(s) > 256) {
		r = buf_append(b, s, 256);
		if (!r)
			r = buf_puts(b, "...");
	} else {
		r = buf_puts(b, s);
	}
	free(s);
	return r;
}

int fe_render_strlist(buf *b, const char *gotype, const json_t *arr)
{
	size_t i;
	const json_t *v;
	int r = buf_printf(b, "%s{", gotype);

	if (!json_is_array(arr))
		return r ? r : buf_puts(b, "}");
	json_array_foreach (arr, i, v) {
		if (r)
			break;
		if (i)
			r = buf_puts(b, ", ");
		if (!r)
			r = fe_render(b, v);
		if (i >= 16) {
			r = r ? r : buf_puts(b, ", ...");
			break;
		}
	}
	return r ? r : buf_puts(b, "}");
}
