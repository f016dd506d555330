/* test_http_parse.c - the HTTP/1.1 request and response parser. */
#include "unit.h"

#include "lib/http_parse.h"

#include <stdlib.h>

/* Runs a whole request given at once; HTTP_HEAD_DONE is stepped over. */
static int req_once(const char *s, http_request *req)
{
	http_parser p;
	buf in = BUF_INIT;
	int r;

	http_parser_init(&p, 0, 0);
	if (buf_append(&in, s, strlen(s)) < 0)
		return -ENOMEM;
	do
		r = http_parse_request(&p, &in, req);
	while (r == HTTP_HEAD_DONE);
	buf_free(&in);
	return r;
}

/* Feeds s in pieces of step bytes, calling the parser after each, until a
 * result other than "need more" (or the input runs out: 0). */
static int req_steps(http_parser *p, const char *s, size_t len, size_t step, http_request *req,
                     buf *in)
{
	int r = 0;

	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;

		if (buf_append(in, s + i, k) < 0)
			return -ENOMEM;
		do
			r = http_parse_request(p, in, req);
		while (r == HTTP_HEAD_DONE || r == HTTP_BODY_PART);
		if (r != 0)
			return r;
	}
	return r;
}

static void req_summary(const http_request *r, buf *out)
{
	buf_printf(out, "%s|%s|%s|%s|%d|%d|%lld|%d|%d|", r->method, r->target ? r->target : "-",
	           r->path ? r->path : "-", r->query ? r->query : "-", r->minor_version,
	           r->keep_alive, r->content_length, r->chunked, r->expect_continue);
	for (int i = 0; i < r->nheaders; i++)
		buf_printf(out, "%s=%s;", r->headers[i].name, r->headers[i].value);
	buf_printf(out, "|%zu:", buf_avail(&r->body));
	if (buf_avail(&r->body))
		buf_append(out, buf_head(&r->body), buf_avail(&r->body));
}

static const char *const samples[] = {
    "GET /api/v1/pods?watch=1&labelSelector=a%3Db HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
    "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
    ("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
    "PUT /a HTTP/1.1\nHost: x\nContent-Length: 3\nExpect: 100-continue\n\nabc",
    "\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX",
};

UNIT_TEST(http_req_get_fields)
{
	http_request req = {0};
	int r = req_once("GET /api/v1/namespaces/default/pods?limit=500&watch HTTP/1.1\r\n"
	                 "Host: 127.0.0.1:6443\r\nUser-Agent:kubectl/v1.32.0  \r\n"
	                 "Accept: application/json\r\n\r\n",
	                 &req);

	CHECK_INT(r, HTTP_DONE);
	CHECK_STR(req.method, "GET");
	CHECK_STR(req.target, "/api/v1/namespaces/default/pods?limit=500&watch");
	CHECK_STR(req.path, "/api/v1/namespaces/default/pods");
	CHECK_STR(req.query, "limit=500&watch");
	CHECK_INT(req.minor_version, 1);
	CHECK_INT(req.nheaders, 3);
	CHECK_STR(http_header_get(&req, "user-agent"), "kubectl/v1.32.0");
	CHECK_STR(http_header_get(&req, "HOST"), "127.0.0.1:6443");
	CHECK(http_header_get(&req, "Content-Type") == NULL);
	CHECK_INT(req.content_length, -1);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(req.chunked, 0);
	CHECK_INT(buf_avail(&req.body), 0);
	http_request_free(&req);
}

UNIT_TEST(http_req_targets)
{
	http_request req;

	http_request_init(&req);
	CHECK_INT(req_once("GET /x? HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.path, "/x");
	CHECK_STR(req.query, "");
	CHECK_INT(req_once("GET /x HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK(req.query == NULL);
	CHECK_INT(req_once("GET http://h:80/a/b?c=d HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.path, "/a/b");
	CHECK_STR(req.query, "c=d");
	CHECK_INT(req_once("GET HTTPS://h?q HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.path, "/");
	CHECK_STR(req.query, "q");
	CHECK_INT(req_once("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.path, "*");
	CHECK_INT(req_once("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.path, "h:443");
	CHECK_INT(req_once("GET x HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	http_request_free(&req);
}

UNIT_TEST(http_req_request_line_errors)
{
	http_request req = {0};

	CHECK_INT(req_once("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET /\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / http/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.10\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/2.0\r\nHost: h\r\n\r\n", &req), HTTP_E_VERSION);
	CHECK_INT(req_once("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &req), HTTP_E_VERSION);
	CHECK_INT(req_once("GET / HTTP/0.9\r\n\r\n", &req), HTTP_E_VERSION);
	CHECK_INT(req_once("GET / HTTP/1.2\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req.minor_version, 1);
	CHECK_INT(req_once("ABCDEFGHIJKLMNOP / HTTP/1.1\r\nHost: h\r\n\r\n", &req),
	          HTTP_E_NOT_IMPLEMENTED);
	CHECK_INT(req_once("ABCDEFGHIJKLMNO / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(req.method, "ABCDEFGHIJKLMNO");
	CHECK_INT(req_once("GET / HTTP/1.1\rHost: h\r\n\r\n", &req), HTTP_E_BAD);
	http_request_free(&req);
}

UNIT_TEST(http_req_field_errors)
{
	http_request req = {0};

	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost : h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tb\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX(: v\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01z\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: a\rz\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fz\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: \t a\tb \t\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(http_header_get(&req, "x"), "a\tb");
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX:\r\n\r\n", &req), HTTP_DONE);
	CHECK_STR(http_header_get(&req, "x"), "");
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n", &req), HTTP_DONE);
	/* Host rules (RFC 9112 3.2) */
	CHECK_INT(req_once("GET / HTTP/1.1\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.0\r\n\r\n", &req), HTTP_DONE);
	http_request_free(&req);
}

UNIT_TEST(http_req_nul_in_head)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
	static const char raw2[] = "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n";
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	buf_append(&in, raw, sizeof(raw) - 1);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_BAD);
	http_parser_init(&p, 0, 0);
	buf_reset(&in);
	buf_append(&in, raw2, sizeof(raw2) - 1);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_BAD);
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_req_line_endings)
{
	http_request req = {0};

	CHECK_INT(req_once("GET / HTTP/1.1\nHost: h\nX: 1\n\n", &req), HTTP_DONE);
	CHECK_STR(http_header_get(&req, "x"), "1");
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\n", &req), HTTP_DONE);
	CHECK_INT(req_once("GET / HTTP/1.1\nHost: h\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req_once("\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req_once("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_E_BAD);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\n\r\r\n", &req), 0);
	http_request_free(&req);
}

UNIT_TEST(http_req_content_length)
{
	http_request req = {0};

	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", &req),
	          HTTP_DONE);
	CHECK_INT(req.content_length, 3);
	CHECK_INT(buf_avail(&req.body), 3);
	CHECK(memcmp(buf_head(&req.body), "abc", 3) == 0);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", &req),
	          HTTP_DONE);
	CHECK_INT(req.content_length, 0);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n"
	                   "Content-Length: 3\r\n\r\nabc",
	                   &req),
	          HTTP_DONE);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	                   "Content-Length: 4\r\n\r\nabcd",
	                   &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3 3\r\n\r\nabc", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\n"
	                   "Content-Length: 99999999999999999999\r\n\r\n",
	                   &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\n"
	                   "Content-Length: 9223372036854775807\r\n\r\n",
	                   &req),
	          HTTP_E_BODY_TOO_BIG);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	                   "Transfer-Encoding: chunked\r\n\r\n",
	                   &req),
	          HTTP_E_BAD);
	http_request_free(&req);
}

UNIT_TEST(http_req_transfer_encoding)
{
	http_request req = {0};

	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", &req),
	          HTTP_E_NOT_IMPLEMENTED);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	                   &req),
	          HTTP_E_NOT_IMPLEMENTED);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	                   "Transfer-Encoding: chunked\r\n\r\n",
	                   &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &req),
	          HTTP_E_BAD);
	CHECK_INT(req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: , Chunked\r\n\r\n"
	                   "0\r\n\r\n",
	                   &req),
	          HTTP_DONE);
	CHECK_INT(req.chunked, 1);
	http_request_free(&req);
}

UNIT_TEST(http_req_chunked)
{
	http_request req = {0};
	int nh;

	CHECK_INT(
	    req_once("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	             "4\r\nWiki\r\n5;name=\"v a l\" ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
	             "0\r\nX-Sum: 1\r\nY: 2\r\n\r\n",
	             &req),
	    HTTP_DONE);
	CHECK_INT(req.chunked, 1);
	CHECK_INT(req.content_length, -1);
	CHECK_INT(buf_avail(&req.body), 23);
	CHECK(memcmp(buf_head(&req.body), "Wikipedia in\r\n\r\nchunks.", 23) == 0);
	nh = req.nheaders;
	CHECK_INT(nh, 2); /* trailers dropped */
	CHECK(http_header_get(&req, "X-Sum") == NULL);
	/* bare LF and leading zeros */
	CHECK_INT(req_once("POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n"
	                   "0003\nabc\n00\n\n",
	                   &req),
	          HTTP_DONE);
	CHECK_INT(buf_avail(&req.body), 3);
	http_request_free(&req);
}

UNIT_TEST(http_req_chunked_errors)
{
	http_request req = {0};
	const char *h = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
	static const char *const bad[] = {
	    "z\r\n",
	    "\r\n",
	    "-1\r\n",
	    "10000000000000000\r\n",       /* 2^64: overflow */
	    "3\r\nabcX\r\n",               /* data not followed by CRLF */
	    "3\r\nabc\rX",                 /* CR not followed by LF */
	    "3 \r\nabc\r\n0\r\n\r\n",      /* BWS without an extension */
	    "3;a\x01\r\nabc\r\n0\r\n\r\n", /* control byte in an extension */
	    "3x\r\nabc\r\n0\r\n\r\n",
	    "0\r\nBad Trailer: x\r\n\r\n",
	    "0\r\n folded\r\n\r\n",
	    "0\r\nX: a\x01\r\n\r\n",
	};
	buf s = BUF_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&s);
		buf_puts(&s, h);
		buf_puts(&s, bad[i]);
		buf_cstr(&s);
		if (req_once(buf_head(&s), &req) != HTTP_E_BAD) {
			unit_fail(__FILE__, __LINE__, "case %zu accepted", i);
			break;
		}
	}
	/* extensions: one line bounded, and the whole message bounded */
	buf_reset(&s);
	buf_puts(&s, h);
	buf_puts(&s, "1;");
	for (int i = 0; i < HTTP_MAX_CHUNK_LINE; i++)
		buf_puts(&s, "x");
	buf_puts(&s, "\r\na\r\n0\r\n\r\n");
	buf_cstr(&s);
	CHECK_INT(req_once(buf_head(&s), &req), HTTP_E_BAD);
	buf_reset(&s);
	buf_puts(&s, h);
	for (int i = 0; i < 3; i++) {
		buf_puts(&s, "1;");
		for (int j = 0; j < 2000; j++)
			buf_puts(&s, "x");
		buf_puts(&s, "\r\na\r\n");
	}
	buf_puts(&s, "0\r\n\r\n");
	buf_cstr(&s);
	CHECK_INT(req_once(buf_head(&s), &req), HTTP_E_BAD);
	/* trailers count against max_head */
	buf_reset(&s);
	buf_puts(&s, h);
	buf_puts(&s, "0\r\n");
	for (int i = 0; i < HTTP_DEFAULT_MAX_HEAD / 10 + 1; i++)
		buf_puts(&s, "X: 123456\r\n");
	buf_puts(&s, "\r\n");
	buf_cstr(&s);
	CHECK_INT(req_once(buf_head(&s), &req), HTTP_E_HEAD_TOO_BIG);
	buf_free(&s);
	http_request_free(&req);
}

UNIT_TEST(http_req_head_limit)
{
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT, s = BUF_INIT;
	int r = 0;

	/* 431 as soon as max_head bytes are buffered without the end of the head */
	http_parser_init(&p, 128, 0);
	buf_puts(&s, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	while (buf_avail(&s) < 300)
		buf_puts(&s, "a");
	for (size_t i = 0; i < 127; i++) {
		buf_append(&in, buf_head(&s) + i, 1);
		r = http_parse_request(&p, &in, &req);
		if (r != 0)
			break;
	}
	CHECK_INT(r, 0);
	buf_append(&in, buf_head(&s) + 127, 1);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_HEAD_TOO_BIG);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_HEAD_TOO_BIG); /* sticky */
	CHECK_INT(http_error_status(HTTP_E_HEAD_TOO_BIG), 431);

	/* a head of exactly max_head bytes fits */
	buf_reset(&s);
	buf_puts(&s, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	while (buf_avail(&s) < 124)
		buf_puts(&s, "a");
	buf_puts(&s, "\r\n\r\n");
	CHECK_INT(buf_avail(&s), 128);
	http_parser_init(&p, 128, 0);
	buf_reset(&in);
	buf_append(&in, buf_head(&s), buf_avail(&s));
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	http_parser_init(&p, 127, 0);
	buf_reset(&in);
	buf_append(&in, buf_head(&s), buf_avail(&s));
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_HEAD_TOO_BIG);

	/* leading empty lines are bounded too */
	http_parser_init(&p, 128, 0);
	buf_reset(&in);
	for (int i = 0; i < 100; i++)
		buf_puts(&in, "\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_HEAD_TOO_BIG);
	buf_free(&in);
	buf_free(&s);
	http_request_free(&req);
}

UNIT_TEST(http_req_header_count)
{
	http_request req = {0};
	buf s = BUF_INIT;

	buf_puts(&s, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < HTTP_MAX_HEADERS; i++)
		buf_printf(&s, "X-%d: %d\r\n", i, i);
	buf_puts(&s, "\r\n");
	buf_cstr(&s);
	CHECK_INT(req_once(buf_head(&s), &req), HTTP_DONE);
	CHECK_INT(req.nheaders, HTTP_MAX_HEADERS);
	CHECK_STR(http_header_get(&req, "x-63"), "63");
	buf_reset(&s);
	buf_puts(&s, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		buf_printf(&s, "X-%d: %d\r\n", i, i);
	buf_puts(&s, "\r\n");
	buf_cstr(&s);
	CHECK_INT(req_once(buf_head(&s), &req), HTTP_E_HEAD_TOO_BIG);
	buf_free(&s);
	http_request_free(&req);
}

UNIT_TEST(http_req_body_limit)
{
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	/* Content-Length over the limit fails before any body byte arrives */
	http_parser_init(&p, 0, 10);
	buf_puts(&in, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_BODY_TOO_BIG);
	CHECK_STR(req.method, "POST"); /* the head is there for the log line */
	CHECK_INT(http_error_status(HTTP_E_BODY_TOO_BIG), 413);
	http_parser_init(&p, 0, 10);
	buf_reset(&in);
	buf_puts(&in, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	/* chunked: at the size line that passes the limit */
	http_parser_init(&p, 0, 10);
	buf_reset(&in);
	buf_puts(&in, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	              "6\r\nabcdef\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	buf_puts(&in, "5\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_BODY_TOO_BIG);
	http_parser_init(&p, 0, 10);
	buf_reset(&in);
	buf_puts(&in, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	              "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_INT(buf_avail(&req.body), 10);
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_req_pipelining)
{
	const char *two = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nxy"
	                  "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
	                  "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	                  "1\r\nz\r\n0\r\n\r\n"
	                  "GET /d HTTP/1.1\r\n";
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	buf_puts(&in, two);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/a");
	CHECK_INT(buf_avail(&req.body), 2);
	CHECK(strncmp(buf_head(&in), "GET /b", 6) == 0);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/b");
	CHECK_INT(buf_avail(&req.body), 0);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/c");
	CHECK_INT(buf_avail(&req.body), 1);
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(buf_avail(&in), strlen("GET /d HTTP/1.1\r\n")); /* partial head untouched */
	CHECK_INT(http_parser_in_progress(&p), 1);
	buf_puts(&in, "Host: h\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/d");
	CHECK_INT(buf_avail(&in), 0);
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_req_bytewise_equals_oneshot)
{
	buf a = BUF_INIT, b = BUF_INIT;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		static const size_t steps[] = {1, 2, 3, 7, 64, 100000};
		const char *s = samples[i];
		size_t len = strlen(s);

		buf_reset(&a);
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			http_request req = {0};
			http_parser p;
			buf in = BUF_INIT;
			int r;

			http_parser_init(&p, 0, 0);
			r = req_steps(&p, s, len, steps[k], &req, &in);
			buf_reset(&b);
			buf_printf(&b, "%d|%zu|", r, buf_avail(&in));
			if (r == HTTP_DONE)
				req_summary(&req, &b);
			buf_cstr(&b);
			if (k == 0) {
				buf_append(&a, buf_head(&b), buf_avail(&b));
				buf_cstr(&a);
			} else if (strcmp(buf_head(&a), buf_head(&b))) {
				unit_fail(__FILE__, __LINE__, "sample %zu step %zu: %s != %s", i,
				          steps[k], buf_head(&b), buf_head(&a));
			}
			buf_free(&in);
			http_request_free(&req);
		}
	}
	buf_free(&a);
	buf_free(&b);
}

UNIT_TEST(http_req_keep_alive)
{
	http_request req = {0};

	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &req),
	          HTTP_DONE);
	CHECK_INT(req.keep_alive, 0);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", &req),
	          HTTP_DONE);
	CHECK_INT(req.keep_alive, 0);
	CHECK_INT(req_once("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", &req),
	          HTTP_DONE);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(req_once("GET / HTTP/1.0\r\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req.keep_alive, 0);
	CHECK_INT(req_once("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req), HTTP_DONE);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(req_once("GET / HTTP/1.0\r\nConnection: foo,keep-alive \r\n\r\n", &req),
	          HTTP_DONE);
	CHECK_INT(req.keep_alive, 1);
	CHECK_INT(
	    req_once("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", &req),
	    HTTP_DONE);
	CHECK_INT(req.keep_alive, 0);
	CHECK(http_header_has_token(req.headers, req.nheaders, "connection", "Close"));
	CHECK(!http_header_has_token(req.headers, req.nheaders, "connection", "upgrade"));
	http_request_free(&req);
}

UNIT_TEST(http_req_expect_continue)
{
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	buf_puts(&in, "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(http_parser_in_progress(&p), 1);
	CHECK_INT(http_parser_wants_continue(&p), 0);
	buf_puts(&in, "Expect: 100-Continue\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(http_parser_wants_continue(&p), 1);
	CHECK_INT(req.expect_continue, 1);
	CHECK_STR(req.path, "/x"); /* the head is readable while waiting */
	CHECK_INT(http_parser_in_progress(&p), 1);
	buf_puts(&in, "hel");
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(http_parser_wants_continue(&p), 1);
	buf_puts(&in, "lo");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_INT(buf_avail(&req.body), 5);
	CHECK_STR(req.path, "/x");
	CHECK_INT(http_parser_wants_continue(&p), 0);
	CHECK_INT(http_parser_in_progress(&p), 0);
	/* the body came with the head: done at once */
	buf_puts(&in, "PUT /y HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	              "Expect: 100-continue\r\n\r\n1\r\na\r\n0\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_INT(buf_avail(&req.body), 1);
	CHECK_INT(http_parser_wants_continue(&p), 0);
	/* no body follows, or HTTP/1.0: nothing to wait for */
	buf_puts(&in, "PUT /z HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
	              "Expect: 100-continue\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_INT(http_parser_wants_continue(&p), 0);
	buf_puts(&in, "PUT /z HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(req.expect_continue, 0);
	CHECK_INT(http_parser_wants_continue(&p), 0);
	buf_puts(&in, "q");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	/* idle again */
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	CHECK_INT(http_parser_in_progress(&p), 0);
	CHECK_INT(http_error_status(HTTP_E_TIMEOUT), 408);
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_req_stream_mode)
{
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 4);
	http_parser_set_stream(&p, 1);
	buf_puts(&in, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\nabc");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_HEAD_DONE);
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_BODY_PART);
	CHECK_INT(buf_avail(&req.body), 3);
	buf_reset(&req.body);
	CHECK_INT(http_parse_request(&p, &in, &req), 0);
	buf_puts(&in, "defgh");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_E_BODY_TOO_BIG); /* 5 undrained > 4 */
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_req_reuse_grows_store)
{
	http_request req = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	buf_puts(&in, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	buf_puts(&in, "GET /b HTTP/1.1\r\nHost: h\r\nX: ");
	for (int i = 0; i < 5000; i++)
		buf_puts(&in, "v");
	buf_puts(&in, "\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/b");
	CHECK_INT(strlen(http_header_get(&req, "x")), 5000);
	buf_puts(&in, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	CHECK_INT(http_parse_request(&p, &in, &req), HTTP_DONE);
	CHECK_STR(req.path, "/c");
	CHECK_INT(req.nheaders, 1);
	buf_free(&in);
	http_request_free(&req);
}

UNIT_TEST(http_status_and_reason)
{
	static const int used[] = {100, 200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 405, 406,
	                           409, 410, 413, 415, 422, 429, 431, 500, 501, 503, 504, 505};

	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		CHECK(strcmp(http_reason(used[i]), "Unknown") != 0);
	CHECK_STR(http_reason(404), "Not Found");
	CHECK_STR(http_reason(799), "Unknown");
	CHECK_INT(http_error_status(HTTP_E_BAD), 400);
	CHECK_INT(http_error_status(HTTP_E_NOT_IMPLEMENTED), 501);
	CHECK_INT(http_error_status(HTTP_E_VERSION), 505);
	CHECK_INT(http_error_status(HTTP_E_NOMEM), 500);
}

/* ---- responses ---- */

static int resp_once(http_parser *p, const char *s, http_response *resp, buf *in)
{
	buf_puts(in, s);
	return http_parse_response(p, in, resp);
}

UNIT_TEST(http_resp_basic)
{
	http_response resp = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	CHECK_INT(
	    resp_once(
	        &p,
	        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	        "Content-Length: 2\r\n\r\n{}HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	        &resp, &in),
	    HTTP_DONE);
	CHECK_INT(resp.status, 201);
	CHECK_STR(resp.reason, "Created");
	CHECK_INT(resp.keep_alive, 1);
	CHECK_INT(resp.content_length, 2);
	CHECK_STR(http_response_header_get(&resp, "content-type"), "application/json");
	CHECK_INT(buf_avail(&resp.body), 2);
	CHECK_INT(http_parse_response(&p, &in, &resp), HTTP_DONE);
	CHECK_INT(resp.status, 404);
	CHECK_INT(buf_avail(&resp.body), 0);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", &resp, &in),
	          HTTP_DONE);
	CHECK_STR(resp.reason, "");
	CHECK_INT(resp_once(&p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &resp, &in),
	          HTTP_DONE);
	CHECK_INT(resp.keep_alive, 0);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	                    &resp, &in),
	          HTTP_DONE);
	CHECK_INT(resp.keep_alive, 0);
	CHECK_INT(http_parse_response_eof(&p, &in, &resp), 0);
	buf_free(&in);
	http_response_free(&resp);
}

UNIT_TEST(http_resp_bad_status_lines)
{
	static const char *const bad[] = {
	    "HTTP/1.1 20 OK\r\n\r\n",      "HTTP/1.1 600 X\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
	    "HTTP/1.1  200 OK\r\n\r\n",    "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
	    "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1\r\n\r\n",       "ICY 200 OK\r\n\r\n",
	};
	http_response resp = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http_parser p;
		buf in = BUF_INIT;
		int r;

		http_parser_init(&p, 0, 0);
		r = resp_once(&p, bad[i], &resp, &in);
		buf_free(&in);
		if (r != HTTP_E_BAD)
			unit_fail(__FILE__, __LINE__, "case %zu: %d", i, r);
	}
	{
		http_parser p;
		buf in = BUF_INIT;

		http_parser_init(&p, 0, 0);
		CHECK_INT(resp_once(&p, "HTTP/2.0 200 OK\r\n\r\n", &resp, &in), HTTP_E_VERSION);
		buf_free(&in);
	}
	http_response_free(&resp);
}

UNIT_TEST(http_resp_no_body_cases)
{
	http_response resp = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	http_parser_response_to_head(&p);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", &resp, &in),
	          HTTP_DONE);
	CHECK_INT(resp.content_length, 100);
	CHECK_INT(buf_avail(&resp.body), 0);
	/* the flag was for that response only */
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", &resp, &in),
	          HTTP_DONE);
	CHECK_INT(buf_avail(&resp.body), 1);
	CHECK_INT(resp_once(&p, "HTTP/1.1 204 No Content\r\n\r\n", &resp, &in), HTTP_DONE);
	CHECK_INT(resp.keep_alive, 1);
	CHECK_INT(resp_once(&p, "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
	                    &resp, &in),
	          HTTP_DONE);
	/* interim responses are skipped */
	CHECK_INT(
	    resp_once(&p,
	              "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
	              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	              &resp, &in),
	    HTTP_DONE);
	CHECK_INT(resp.status, 200);
	CHECK_INT(resp.nheaders, 1);
	CHECK_INT(resp_once(&p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nraw",
	                    &resp, &in),
	          HTTP_DONE);
	CHECK_INT(resp.status, 101);
	CHECK_INT(buf_avail(&in), 3);
	buf_free(&in);
	http_response_free(&resp);
}

UNIT_TEST(http_resp_until_close)
{
	http_response resp = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 0);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\n\r\nabc", &resp, &in), 0);
	CHECK_INT(resp.keep_alive, 0);
	CHECK_INT(resp_once(&p, "def", &resp, &in), 0);
	buf_puts(&in, "g");
	CHECK_INT(http_parse_response_eof(&p, &in, &resp), HTTP_DONE);
	CHECK_INT(buf_avail(&resp.body), 7);
	CHECK(memcmp(buf_head(&resp.body), "abcdefg", 7) == 0);
	/* truncated Content-Length body */
	http_parser_init(&p, 0, 0);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", &resp, &in), 0);
	CHECK_INT(http_parse_response_eof(&p, &in, &resp), HTTP_E_BAD);
	/* truncated head */
	http_parser_init(&p, 0, 0);
	buf_reset(&in);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\n", &resp, &in), 0);
	CHECK_INT(http_parse_response_eof(&p, &in, &resp), HTTP_E_BAD);
	/* limit */
	http_parser_init(&p, 0, 4);
	buf_reset(&in);
	CHECK_INT(resp_once(&p, "HTTP/1.1 200 OK\r\n\r\nabcde", &resp, &in), HTTP_E_BODY_TOO_BIG);
	buf_free(&in);
	http_response_free(&resp);
}

UNIT_TEST(http_resp_chunked_stream)
{
	/* a watch stream: every event arrives as its own chunk */
	static const char *const parts[] = {
	    ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
	     "\r\n"),
	    "1",
	    "1\r\n{\"type\":\"ADDED\"}\n\r\n",
	    "",
	    "13\r\n{\"type\":\"DELETED\"}",
	    "\n",
	    "\r",
	    "\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	};
	static const int want[] = {HTTP_HEAD_DONE, 0, HTTP_BODY_PART, 0, HTTP_BODY_PART,
	                           HTTP_BODY_PART, 0, HTTP_DONE};
	static const char *const got_body[] = {
	    "", "", "{\"type\":\"ADDED\"}\n", "", "{\"type\":\"DELETED\"}", "\n", "", ""};
	http_response resp = {0};
	http_parser p;
	buf in = BUF_INIT;

	http_parser_init(&p, 0, 64);
	http_parser_set_stream(&p, 1);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int r;

		buf_puts(&in, parts[i]);
		r = http_parse_response(&p, &in, &resp);
		if (r != want[i]) {
			unit_fail(__FILE__, __LINE__, "part %zu: %d != %d", i, r, want[i]);
			break;
		}
		CHECK_INT(buf_avail(&resp.body), strlen(got_body[i]));
		CHECK(!*got_body[i] ||
		      memcmp(buf_head(&resp.body), got_body[i], strlen(got_body[i])) == 0);
		if (i == 0) {
			CHECK_INT(resp.status, 200);
			CHECK_INT(resp.chunked, 1);
		}
		buf_reset(&resp.body); /* the informer drains after each part */
	}
	CHECK_INT(http_parse_response(&p, &in, &resp), HTTP_DONE);
	CHECK_INT(resp.content_length, 0);
	buf_free(&in);
	http_response_free(&resp);
}

UNIT_TEST(http_resp_chunked_bytewise)
{
	const char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                "5\r\nhello\r\n1;x=y\r\n \r\n5\r\nworld\r\n0\r\nT: 1\r\n\r\n";
	http_response resp = {0};
	http_parser p;
	buf in = BUF_INIT, all = BUF_INIT;
	int r = 0, parts = 0;

	http_parser_init(&p, 0, 0);
	http_parser_set_stream(&p, 1);
	for (size_t i = 0; s[i]; i++) {
		buf_append(&in, s + i, 1);
		r = http_parse_response(&p, &in, &resp);
		CHECK(r >= 0);
		if (r == HTTP_BODY_PART || r == HTTP_DONE) {
			parts += r == HTTP_BODY_PART;
			if (buf_avail(&resp.body))
				buf_append(&all, buf_head(&resp.body), buf_avail(&resp.body));
			buf_reset(&resp.body);
		}
		if (r == HTTP_DONE)
			break;
	}
	CHECK_INT(r, HTTP_DONE);
	CHECK_INT(parts, 11);
	CHECK_INT(buf_avail(&all), 11);
	CHECK(memcmp(buf_head(&all), "hello world", 11) == 0);
	/* and without stream mode, the whole body at once */
	http_parser_init(&p, 0, 0);
	buf_reset(&in);
	buf_puts(&in, s);
	CHECK_INT(http_parse_response(&p, &in, &resp), HTTP_DONE);
	CHECK_INT(buf_avail(&resp.body), 11);
	buf_free(&in);
	buf_free(&all);
	http_response_free(&resp);
}

UNIT_TEST(http_resp_framing_errors)
{
	static const char *const cases[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
	};
	http_response resp = {0};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_parser p;
		buf in = BUF_INIT;
		int r;

		http_parser_init(&p, 0, 0);
		http_parser_set_stream(&p, 1);
		r = resp_once(&p, cases[i], &resp, &in);
		while (r == HTTP_HEAD_DONE)
			r = http_parse_response(&p, &in, &resp);
		buf_free(&in);
		if (r != HTTP_E_BAD)
			unit_fail(__FILE__, __LINE__, "case %zu: %d", i, r);
	}
	{
		http_parser p;
		buf in = BUF_INIT;

		http_parser_init(&p, 0, 0);
		CHECK_INT(
		    resp_once(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", &resp, &in),
		    HTTP_E_NOT_IMPLEMENTED);
		buf_free(&in);
	}
	http_response_free(&resp);
}
