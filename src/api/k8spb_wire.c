/*
 * k8spb_wire.c - protobuf wire reading, text clean-up and the well-known
 * apimachinery types (Time, MicroTime, IntOrString, Quantity, FieldsV1) for
 * the k8spb decoder.
 */
#include "api/k8spb.h"
#include "api/k8spb_wire.h"
#include "lib/base64.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Protobuf's largest field number. */
#define MAX_FIELD_NUM 536870911u
/* Go's zero time.Time (0001-01-01T00:00:00Z) and the last second of 9999,
 * the range RFC 3339 can print. */
#define ZERO_TIME_SECS (-62135596800LL)
#define MAX_TIME_SECS  253402300799LL

/* Records the first error only: it names the innermost problem. */
int k8spb_fail(struct k8spb_dec *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->failed)
		return -1;
	d->failed = 1;
	if (!d->errlen)
		return -1;
	n = snprintf(d->err, d->errlen, "protobuf: ");
	if (n < 0 || (size_t)n >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int k8spb_spend(struct k8spb_dec *d, size_t n)
{
	if (d->budget < n)
		return k8spb_fail(d, "more than %u values", K8SPB_MAX_ELEMENTS);
	d->budget -= n;
	return 0;
}

/* Up to 10 bytes; bits past 64 are dropped, as Go's decoders drop them. */
int k8spb_rd_varint(struct k8spb_rd *r, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			return -1;
		b = *r->p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

int k8spb_rd_key(struct k8spb_rd *r, uint32_t *num, int *wt)
{
	uint64_t k;

	if (k8spb_rd_varint(r, &k) < 0 || (k >> 3) == 0 || (k >> 3) > MAX_FIELD_NUM)
		return -1;
	*num = (uint32_t)(k >> 3);
	*wt = (int)(k & 7);
	return 0;
}

int k8spb_rd_len(struct k8spb_rd *r, struct k8spb_rd *sub)
{
	uint64_t n;

	if (k8spb_rd_varint(r, &n) < 0 || n > (uint64_t)(r->end - r->p))
		return -1;
	sub->p = r->p;
	sub->end = r->p + n;
	r->p += n;
	return 0;
}

static int rd_skip(struct k8spb_rd *r, size_t n)
{
	if (n > (size_t)(r->end - r->p))
		return -1;
	r->p += n;
	return 0;
}

/* Skips one value of an unknown field; a group runs to its matching end. */
int k8spb_skip(struct k8spb_dec *d, struct k8spb_rd *r, uint32_t num, int wt, int depth)
{
	uint64_t v;
	struct k8spb_rd sub;

	switch (wt) {
	case K8SPB_WT_VARINT:
		if (k8spb_rd_varint(r, &v) == 0)
			return 0;
		break;
	case K8SPB_WT_I64:
		if (rd_skip(r, 8) == 0)
			return 0;
		break;
	case K8SPB_WT_I32:
		if (rd_skip(r, 4) == 0)
			return 0;
		break;
	case K8SPB_WT_LEN:
		if (k8spb_rd_len(r, &sub) == 0)
			return 0;
		break;
	case K8SPB_WT_SGROUP:
		if (depth >= K8SPB_MAX_DEPTH)
			return k8spb_fail(d, "groups nested deeper than %d", K8SPB_MAX_DEPTH);
		while (r->p < r->end) {
			uint32_t n2;
			int wt2;

			if (k8spb_rd_key(r, &n2, &wt2) < 0)
				break;
			if (wt2 == K8SPB_WT_EGROUP)
				return n2 == num ? 0
				                 : k8spb_fail(d, "mismatched end of group %u", num);
			if (k8spb_skip(d, r, n2, wt2, depth + 1) < 0)
				return -1;
		}
		return k8spb_fail(d, "unterminated group %u", num);
	default:
		return k8spb_fail(d, "field %u: invalid wire type %d", num, wt);
	}
	return k8spb_fail(d, "field %u: truncated value", num);
}

/* Length of the valid UTF-8 sequence at s (Go's rules: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * Proto strings are unchecked bytes; Go's JSON encoder prints each invalid
 * byte as U+FFFD, so do the same. NUL is refused: the JSON path (jansson
 * without JSON_ALLOW_NUL) refuses it too, and C strings downstream would cut
 * at it. Returns the text in *out (input or *tofree) and its length.
 */
int k8spb_text(struct k8spb_dec *d, struct k8spb_rd s, const char **out, size_t *outlen,
               char **tofree)
{
	size_t n = (size_t)(s.end - s.p), i = 0, o = 0;
	int clean = 1;
	char *buf;

	*tofree = NULL;
	if (n == 0) {
		*out = "";
		*outlen = 0;
		return 0;
	}
	if (memchr(s.p, 0, n))
		return k8spb_fail(d, "string contains a NUL byte");
	while (i < n && clean) {
		size_t l = utf8_seq(s.p + i, n - i);

		clean = l != 0;
		i += l;
	}
	if (clean) {
		*out = (const char *)s.p;
		*outlen = n;
		return 0;
	}
	buf = malloc(n * 3 + 1);
	if (!buf)
		return k8spb_fail(d, "out of memory");
	for (i = 0; i < n;) {
		size_t l = utf8_seq(s.p + i, n - i);

		if (l) {
			memcpy(buf + o, s.p + i, l);
			o += l;
			i += l;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	buf[o] = 0;
	*out = buf;
	*outlen = o;
	*tofree = buf;
	return 0;
}

json_t *k8spb_mk_string(struct k8spb_dec *d, struct k8spb_rd s)
{
	const char *t;
	size_t n;
	char *tofree;
	json_t *v;

	if (k8spb_spend(d, 1) < 0 || k8spb_text(d, s, &t, &n, &tofree) < 0)
		return NULL;
	v = json_stringn(t, n);
	free(tofree);
	if (!v)
		k8spb_fail(d, "out of memory");
	return v;
}

json_t *k8spb_mk_base64(struct k8spb_dec *d, struct k8spb_rd s)
{
	char *b;
	json_t *v;

	if (k8spb_spend(d, 1) < 0)
		return NULL;
	b = base64_encode_alloc(s.p ? (const void *)s.p : "", (size_t)(s.end - s.p));
	v = b ? json_string(b) : NULL;
	free(b);
	if (!v)
		k8spb_fail(d, "out of memory");
	return v;
}

json_t *k8spb_mk(struct k8spb_dec *d, json_t *v)
{
	if (!v)
		k8spb_fail(d, "out of memory");
	else if (k8spb_spend(d, 1) < 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *dd)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * meta/v1 Time {seconds = 1, nanos = 2} and MicroTime. Go writes a zero time
 * as an empty message and prints it as null; Time keeps whole seconds only
 * (its Unmarshal drops nanos), MicroTime prints microseconds. Years outside
 * 1..9999 are refused: Go would print them, but no RFC 3339 parser
 * downstream could read them back.
 */
json_t *k8spb_time(struct k8spb_dec *d, struct k8spb_rd r, int micro)
{
	uint64_t v, secs = 0, nanos = 0;
	uint32_t num;
	int wt;
	int64_t s, ns, days, rem, y;
	unsigned mo, dd;
	char buf[48];

	if (r.p == r.end)
		return k8spb_mk(d, json_null());
	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "Time: bad field key"), NULL;
		if ((num == 1 || num == 2) && wt == K8SPB_WT_VARINT) {
			if (k8spb_rd_varint(&r, &v) < 0)
				return k8spb_fail(d, "Time: truncated value"), NULL;
			*(num == 1 ? &secs : &nanos) = v;
		} else if (num == 1 || num == 2) {
			return k8spb_fail(d, "Time: wrong wire type %d", wt), NULL;
		} else if (k8spb_skip(d, &r, num, wt, 0) < 0) {
			return NULL;
		}
	}
	s = (int64_t)secs;
	/* MicroTime truncates nanos toward zero to microseconds before use. */
	ns = micro ? (int64_t)(int32_t)(uint32_t)nanos / 1000 * 1000 : 0;
	if (s < ZERO_TIME_SECS - 3 || s > MAX_TIME_SECS + 3)
		return k8spb_fail(d, "Time: %lld seconds out of range", (long long)s), NULL;
	/* time.Unix carries nanoseconds outside [0, 1e9) into the seconds. */
	s += ns / 1000000000;
	ns %= 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		s--;
	}
	if (s == ZERO_TIME_SECS && ns == 0)
		return k8spb_mk(d, json_null());
	if (s < ZERO_TIME_SECS || s > MAX_TIME_SECS)
		return k8spb_fail(d, "Time: %lld seconds out of range", (long long)s), NULL;
	days = (s >= 0 ? s : s - 86399) / 86400;
	rem = s - days * 86400;
	civil_from_days(days, &y, &mo, &dd);
	if (micro)
		snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", (long long)y,
		         mo, dd, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60),
		         (int)(ns / 1000));
	else
		snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, mo, dd,
		         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	return k8spb_mk(d, json_string(buf));
}

/* intstr.IntOrString {type = 1, intVal = 2, strVal = 3}. */
json_t *k8spb_intstr(struct k8spb_dec *d, struct k8spb_rd r)
{
	uint64_t type = 0, ival = 0;
	struct k8spb_rd sval = {NULL, NULL};
	uint32_t num;
	int wt;

	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "IntOrString: bad field key"), NULL;
		if ((num == 1 || num == 2) && wt == K8SPB_WT_VARINT) {
			if (k8spb_rd_varint(&r, num == 1 ? &type : &ival) < 0)
				return k8spb_fail(d, "IntOrString: truncated value"), NULL;
		} else if (num == 3 && wt == K8SPB_WT_LEN) {
			if (k8spb_rd_len(&r, &sval) < 0)
				return k8spb_fail(d, "IntOrString: truncated value"), NULL;
		} else if (num <= 3) {
			return k8spb_fail(d, "IntOrString: wrong wire type %d", wt), NULL;
		} else if (k8spb_skip(d, &r, num, wt, 0) < 0) {
			return NULL;
		}
	}
	if (type == 0)
		return k8spb_mk(d, json_integer((int32_t)(uint32_t)ival));
	if (type == 1)
		return k8spb_mk_string(d, sval);
	return k8spb_fail(d, "IntOrString: invalid type %llu", (unsigned long long)type), NULL;
}

/* Quantity {string = 1}; its zero value prints as "0". */
json_t *k8spb_quantity(struct k8spb_dec *d, struct k8spb_rd r)
{
	struct k8spb_rd s = {(const uint8_t *)"0", (const uint8_t *)"0" + 1};
	uint32_t num;
	int wt;

	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "Quantity: bad field key"), NULL;
		if (num == 1 && wt == K8SPB_WT_LEN) {
			if (k8spb_rd_len(&r, &s) < 0)
				return k8spb_fail(d, "Quantity: truncated value"), NULL;
		} else if (num == 1) {
			return k8spb_fail(d, "Quantity: wrong wire type %d", wt), NULL;
		} else if (k8spb_skip(d, &r, num, wt, 0) < 0) {
			return NULL;
		}
	}
	return k8spb_mk_string(d, s);
}

/* FieldsV1 {Raw = 1}: managed-fields JSON carried verbatim. */
json_t *k8spb_fieldsv1(struct k8spb_dec *d, struct k8spb_rd r)
{
	struct k8spb_rd raw = {NULL, NULL};
	uint32_t num;
	int wt;
	json_error_t jerr;
	json_t *v;

	while (r.p < r.end) {
		if (k8spb_rd_key(&r, &num, &wt) < 0)
			return k8spb_fail(d, "FieldsV1: bad field key"), NULL;
		if (num == 1 && wt == K8SPB_WT_LEN) {
			if (k8spb_rd_len(&r, &raw) < 0)
				return k8spb_fail(d, "FieldsV1: truncated value"), NULL;
		} else if (num == 1) {
			return k8spb_fail(d, "FieldsV1: wrong wire type %d", wt), NULL;
		} else if (k8spb_skip(d, &r, num, wt, 0) < 0) {
			return NULL;
		}
	}
	if (raw.p == raw.end)
		return k8spb_mk(d, json_null());
	/* Each parsed value takes at least one input byte. */
	if (k8spb_spend(d, (size_t)(raw.end - raw.p)) < 0)
		return NULL;
	v = json_loadb((const char *)raw.p, (size_t)(raw.end - raw.p), JSON_DECODE_ANY, &jerr);
	if (!v)
		k8spb_fail(d, "FieldsV1: invalid JSON: %s", jerr.text);
	return v;
}
