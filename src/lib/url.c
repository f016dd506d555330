/* url.c - percent-decoding, query strings and path segments. */
#include "lib/url.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int url_decode(const char *in, size_t len, char *out, size_t outcap, int plus_as_space)
{
	size_t o = 0;

	if (len > INT_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hexval((unsigned char)in[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)in[i + 2])) < 0)
				return -EINVAL;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (!c)
				return -EINVAL;
		} else if (c == '+' && plus_as_space) {
			c = ' ';
		} else if (!c) {
			return -EINVAL;
		}
		if (o + 1 >= outcap)
			return -ENOSPC;
		out[o++] = (char)c;
	}
	if (o >= outcap)
		return -ENOSPC;
	out[o] = '\0';
	return (int)o;
}

int url_parse_query(const char *query, url_param **out, size_t *n)
{
	size_t qlen, cnt = 0, k = 0;
	const char *s, *e;
	url_param *ps;
	char *str;

	*out = NULL;
	*n = 0;
	if (!query || !*query)
		return 0;
	qlen = strlen(query);
	for (s = query; s <= query + qlen; s = e + 1) {
		e = s + strcspn(s, "&");
		if (e > s && ++cnt > URL_MAX_PARAMS)
			return -E2BIG;
	}
	if (!cnt)
		return 0;
	/* Decoding never lengthens, so the raw length plus two NULs a pair suffices. */
	ps = malloc(cnt * sizeof(*ps) + qlen + 2 * cnt);
	if (!ps)
		return -ENOMEM;
	str = (char *)(ps + cnt);
	for (s = query; s <= query + qlen; s = e + 1) {
		const char *eq;
		int r;

		e = s + strcspn(s, "&");
		if (e == s)
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		if (!eq)
			eq = e;
		ps[k].key = str;
		r = url_decode(s, (size_t)(eq - s), str, (size_t)(eq - s) + 1, 1);
		if (r < 0)
			goto bad;
		str += r + 1;
		ps[k].value = str;
		if (eq == e) {
			*str++ = '\0';
		} else {
			r = url_decode(eq + 1, (size_t)(e - eq - 1), str, (size_t)(e - eq), 1);
			if (r < 0)
				goto bad;
			str += r + 1;
		}
		k++;
	}
	*out = ps;
	*n = cnt;
	return 0;
bad:
	free(ps);
	return -EINVAL;
}

void url_params_free(url_param *p, size_t n)
{
	(void)n;
	free(p);
}

const char *url_param_get(const url_param *p, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].key, key))
			return p[i].value;
	return NULL;
}

int url_split_path(const char *path, char ***segs, size_t *nsegs)
{
	size_t len, cnt = 1, k = 0;
	const char *s, *end;
	char **v, *str;

	*segs = NULL;
	*nsegs = 0;
	if (!path || path[0] != '/')
		return -EINVAL;
	len = strlen(path) - 1;
	s = path + 1;
	if (len && s[len - 1] == '/')
		len--;
	if (!len) {
		/* "/" alone; "//" would be an empty segment followed by the trailing slash */
		return path[1] ? -EINVAL : 0;
	}
	end = s + len;
	for (const char *c = s; c < end; c++)
		if (*c == '/' && ++cnt > URL_MAX_SEGMENTS)
			return -E2BIG;
	v = malloc(cnt * sizeof(*v) + len + cnt);
	if (!v)
		return -ENOMEM;
	str = (char *)(v + cnt);
	while (s <= end) {
		const char *e = memchr(s, '/', (size_t)(end - s));
		int r;

		if (!e)
			e = end;
		r = url_decode(s, (size_t)(e - s), str, (size_t)(e - s) + 1, 0);
		/* An empty, dot or '/'-carrying segment would let a path name two things. */
		if (r <= 0 || !strcmp(str, ".") || !strcmp(str, "..") ||
		    memchr(str, '/', (size_t)r))
			goto bad;
		v[k++] = str;
		str += r + 1;
		s = e + 1;
	}
	*segs = v;
	*nsegs = cnt;
	return 0;
bad:
	free(v);
	return -EINVAL;
}

void url_segs_free(char **segs, size_t nsegs)
{
	(void)nsegs;
	free(segs);
}

int url_encode(const char *s, buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *o;

	if (n > ((size_t)-1) / 3 || buf_reserve(out, 3 * n) < 0)
		return -ENOMEM;
	o = out->data + out->len;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	out->len = (size_t)(o - out->data);
	return 0;
}
