/* test_url.c - percent-decoding, query strings, path segments, encoding. */
#include "unit.h"

#include "lib/url.h"

#include <errno.h>
#include <stdlib.h>

UNIT_TEST(url_decode_cases)
{
	char out[64];

	CHECK_INT(url_decode("a%20b+c", 7, out, sizeof(out), 0), 5);
	CHECK_STR(out, "a b+c");
	CHECK_INT(url_decode("a%20b+c", 7, out, sizeof(out), 1), 5);
	CHECK_STR(out, "a b c");
	CHECK_INT(url_decode("%2b%2B%c3%A9", 12, out, sizeof(out), 1), 4);
	CHECK_STR(out, "++\xc3\xa9");
	CHECK_INT(url_decode("", 0, out, sizeof(out), 0), 0);
	CHECK_STR(out, "");
	CHECK_INT(url_decode("abc", 2, out, sizeof(out), 0), 2); /* len, not the NUL, bounds */
	CHECK_STR(out, "ab");
	CHECK_INT(url_decode("%zz", 3, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("%4", 2, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("%4g", 3, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("%", 1, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("%41%4", 5, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("a%00", 4, out, sizeof(out), 0), -EINVAL);
	CHECK_INT(url_decode("a\0b", 3, out, sizeof(out), 0), -EINVAL);
	/* capacity: the result plus its NUL */
	CHECK_INT(url_decode("abcd", 4, out, 5, 0), 4);
	CHECK_INT(url_decode("abcd", 4, out, 4, 0), -ENOSPC);
	CHECK_INT(url_decode("%41%42", 6, out, 3, 0), 2);
	CHECK_STR(out, "AB");
	CHECK_INT(url_decode("", 0, out, 0, 0), -ENOSPC);
}

UNIT_TEST(url_query_parse)
{
	url_param *p;
	size_t n;

	CHECK_INT(url_parse_query("labelSelector=app%3Dweb%2Ctier+in+(a)&watch&&limit=&=x&a=b=c&",
	                          &p, &n),
	          0);
	CHECK_INT(n, 5);
	CHECK_STR(p[0].key, "labelSelector");
	CHECK_STR(p[0].value, "app=web,tier in (a)");
	CHECK_STR(p[1].key, "watch");
	CHECK_STR(p[1].value, "");
	CHECK_STR(p[2].key, "limit");
	CHECK_STR(p[2].value, "");
	CHECK_STR(p[3].key, "");
	CHECK_STR(p[3].value, "x");
	CHECK_STR(p[4].value, "b=c");
	CHECK_STR(url_param_get(p, n, "watch"), "");
	CHECK_STR(url_param_get(p, n, "a"), "b=c");
	CHECK(url_param_get(p, n, "Watch") == NULL);
	CHECK(url_param_get(p, n, "missing") == NULL);
	url_params_free(p, n);

	CHECK_INT(url_parse_query("a=1&a=2", &p, &n), 0);
	CHECK_STR(url_param_get(p, n, "a"), "1");
	url_params_free(p, n);
	CHECK_INT(url_parse_query(NULL, &p, &n), 0);
	CHECK_INT(n, 0);
	CHECK(p == NULL);
	CHECK_INT(url_parse_query("", &p, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(url_parse_query("&&&", &p, &n), 0);
	CHECK_INT(n, 0);
	url_params_free(p, n);
	CHECK_INT(url_parse_query("a=%zz", &p, &n), -EINVAL);
	CHECK(p == NULL);
	CHECK_INT(url_parse_query("a%00=1", &p, &n), -EINVAL);
	CHECK_INT(url_parse_query("a=%", &p, &n), -EINVAL);
}

UNIT_TEST(url_query_bound)
{
	buf q = BUF_INIT;
	url_param *p;
	size_t n;

	for (int i = 0; i < URL_MAX_PARAMS; i++)
		buf_printf(&q, "k%d=v%d&", i, i);
	buf_cstr(&q);
	CHECK_INT(url_parse_query(buf_head(&q), &p, &n), 0);
	CHECK_INT(n, URL_MAX_PARAMS);
	CHECK_STR(url_param_get(p, n, "k255"), "v255");
	url_params_free(p, n);
	buf_puts(&q, "one=more");
	buf_cstr(&q);
	CHECK_INT(url_parse_query(buf_head(&q), &p, &n), -E2BIG);
	buf_free(&q);
}

UNIT_TEST(url_path_split)
{
	char **s;
	size_t n;

	CHECK_INT(url_split_path("/", &s, &n), 0);
	CHECK_INT(n, 0);
	url_segs_free(s, n);
	CHECK_INT(url_split_path("/api/v1/namespaces/kube-system/pods", &s, &n), 0);
	CHECK_INT(n, 5);
	CHECK_STR(s[0], "api");
	CHECK_STR(s[4], "pods");
	url_segs_free(s, n);
	CHECK_INT(url_split_path("/apis/apps/v1/", &s, &n), 0);
	CHECK_INT(n, 3);
	CHECK_STR(s[2], "v1");
	url_segs_free(s, n);
	CHECK_INT(url_split_path("/a%20b/%7Euser/x+y", &s, &n), 0);
	CHECK_INT(n, 3);
	CHECK_STR(s[0], "a b");
	CHECK_STR(s[1], "~user");
	CHECK_STR(s[2], "x+y");
	url_segs_free(s, n);
	CHECK_INT(url_split_path("/...", &s, &n), 0);
	CHECK_STR(s[0], "...");
	url_segs_free(s, n);

	static const char *const bad[] = {
	    "",      "a/b",  "//",      "/a//b",  "/a/b//", "//a",   "/.",   "/a/./b",
	    "/a/..", "/%2e", "/%2E%2e", "/a%2Fb", "/a%00",  "/a%zz", "/a%2", "/a/../",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = url_split_path(bad[i], &s, &n);

		if (r != -EINVAL)
			unit_fail(__FILE__, __LINE__, "\"%s\": %d", bad[i], r);
	}
	CHECK_INT(url_split_path(NULL, &s, &n), -EINVAL);
}

UNIT_TEST(url_path_bound)
{
	buf p = BUF_INIT;
	char **s;
	size_t n;

	for (int i = 0; i < URL_MAX_SEGMENTS; i++)
		buf_printf(&p, "/s%d", i);
	buf_puts(&p, "/");
	buf_cstr(&p);
	CHECK_INT(url_split_path(buf_head(&p), &s, &n), 0);
	CHECK_INT(n, URL_MAX_SEGMENTS);
	CHECK_STR(s[31], "s31");
	url_segs_free(s, n);
	buf_puts(&p, "x");
	buf_cstr(&p);
	CHECK_INT(url_split_path(buf_head(&p), &s, &n), -E2BIG);
	buf_free(&p);
}

UNIT_TEST(url_encode_roundtrip)
{
	buf b = BUF_INIT;
	char out[128];
	const char *in = "app in (a,b), tier!=x&y=z/\xc3\xa9~._-+%";

	CHECK_INT(url_encode("a b&c=d/\xc3\xa9~", &b), 0);
	buf_cstr(&b);
	CHECK_STR(buf_head(&b), "a%20b%26c%3Dd%2F%C3%A9~");
	buf_reset(&b);
	CHECK_INT(url_encode("", &b), 0);
	CHECK_INT(buf_avail(&b), 0);
	CHECK_INT(url_encode(in, &b), 0);
	CHECK_INT(url_decode(buf_head(&b), buf_avail(&b), out, sizeof(out), 1), (int)strlen(in));
	CHECK_STR(out, in);
	buf_free(&b);
}
