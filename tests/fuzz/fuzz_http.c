/*
 * fuzz_http.c - libFuzzer target for the HTTP parser and the URL helpers.
 *
 * The first input byte seeds how the rest is cut into pieces, so every run
 * also checks resumption: feeding in pieces must give exactly what feeding at
 * once gives (requests), and stream mode must deliver the same body bytes as
 * whole-message mode (responses). A difference traps.
 */
#include "lib/http_parse.h"
#include "lib/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cutter {
	uint32_t s;
};

/* Next piece length: mostly tiny pieces, sometimes big ones. */
static size_t next_cut(struct cutter *c, size_t left)
{
	size_t n;

	c->s = c->s * 1103515245u + 12345u;
	n = (c->s >> 16) % 8 == 0 ? (c->s >> 8) % 512 + 1 : (c->s >> 16) % 4 + 1;
	return n < left ? n : left;
}

static void append_bytes(buf *b, const void *p, size_t n)
{
	if (n)
		buf_append(b, p, n);
}

static void note_request(buf *ev, http_request *r)
{
	url_param *params = NULL;
	size_t np = 0, nsegs = 0;
	char **segs = NULL;

	buf_printf(ev, "[%s %s %s %s %d %d %lld %d %d %d ", r->method, r->target, r->path,
	           r->query ? r->query : "-", r->minor_version, r->keep_alive, r->content_length,
	           r->chunked, r->expect_continue, r->nheaders);
	for (int i = 0; i < r->nheaders; i++)
		buf_printf(ev, "%s:%s;", r->headers[i].name, r->headers[i].value);
	buf_printf(ev, "%zu:", buf_avail(&r->body));
	append_bytes(ev, buf_head(&r->body), buf_avail(&r->body));
	buf_puts(ev, "]");
	/* what the REST layer does next */
	if (r->query && url_parse_query(r->query, &params, &np) == 0) {
		for (size_t i = 0; i < np; i++)
			if (!params[i].key || !params[i].value)
				__builtin_trap();
		url_params_free(params, np);
	}
	if (url_split_path(r->path, &segs, &nsegs) == 0)
		url_segs_free(segs, nsegs);
}

/* Runs the request parser over in (cut per c, or whole when c is NULL) and
 * records every outcome in ev. */
static void run_requests(const uint8_t *d, size_t n, struct cutter *c, buf *ev)
{
	http_parser p;
	http_request req;
	buf in = BUF_INIT;
	size_t i = 0;
	int r = 0;

	http_parser_init(&p, 1024, 2048);
	http_request_init(&req);
	while (i < n && r >= 0) {
		size_t k = c ? next_cut(c, n - i) : n - i;

		append_bytes(&in, d + i, k);
		i += k;
		while ((r = http_parse_request(&p, &in, &req)) == HTTP_DONE)
			note_request(ev, &req);
		if (r < 0)
			buf_printf(ev, "E%d", r);
		(void)http_parser_in_progress(&p);
		(void)http_parser_wants_continue(&p);
	}
	buf_printf(ev, "|%zu", r < 0 ? 0 : buf_avail(&in));
	http_request_free(&req);
	buf_free(&in);
}

/* Runs the response parser; in stream mode the body is drained into one
 * buffer per response. */
static void run_responses(const uint8_t *d, size_t n, struct cutter *c, int stream, int head,
                          buf *ev)
{
	http_parser p;
	http_response resp;
	buf in = BUF_INIT, body = BUF_INIT;
	size_t i = 0;
	int r = 0;

	http_parser_init(&p, 1024, 1 << 20);
	http_parser_set_stream(&p, stream);
	if (head)
		http_parser_response_to_head(&p);
	http_response_init(&resp);
	while (i < n && r >= 0) {
		size_t k = c ? next_cut(c, n - i) : n - i;

		append_bytes(&in, d + i, k);
		i += k;
		for (;;) {
			r = http_parse_response(&p, &in, &resp);
			if (r == HTTP_BODY_PART || r == HTTP_DONE) {
				append_bytes(&body, buf_head(&resp.body), buf_avail(&resp.body));
				buf_reset(&resp.body);
			}
			if (r == HTTP_DONE) {
				buf_printf(ev, "[%d %d %lld %d %zu:", resp.status, resp.keep_alive,
				           resp.content_length, resp.chunked, buf_avail(&body));
				append_bytes(ev, buf_head(&body), buf_avail(&body));
				buf_puts(ev, "]");
				buf_reset(&body);
				if (resp.status == 101)
					goto out;
			} else if (r != HTTP_HEAD_DONE && r != HTTP_BODY_PART) {
				break;
			}
		}
		if (r < 0)
			buf_printf(ev, "E%d", r);
	}
	if (r >= 0) {
		r = http_parse_response_eof(&p, &in, &resp);
		append_bytes(&body, buf_head(&resp.body), buf_avail(&resp.body));
		buf_printf(ev, "EOF%d %zu:", r, buf_avail(&body));
		append_bytes(ev, buf_head(&body), buf_avail(&body));
	}
out:
	http_response_free(&resp);
	buf_free(&in);
	buf_free(&body);
}

static void same_or_trap(buf *a, buf *b)
{
	if (buf_avail(a) != buf_avail(b) ||
	    (buf_avail(a) && memcmp(buf_head(a), buf_head(b), buf_avail(a))))
		__builtin_trap();
	buf_reset(a);
	buf_reset(b);
}

static void run_url(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1), *out = malloc(n + 1);
	url_param *params;
	size_t np, nsegs;
	char **segs;
	buf enc = BUF_INIT;
	int r;

	if (!s || !out)
		goto done;
	memcpy(s, d, n);
	s[n] = '\0';
	r = url_decode(s, n, out, n + 1, d[0] & 1);
	if (r >= 0 && (size_t)r > n)
		__builtin_trap();
	if (n && url_decode(s, n, out, n / 2, 0) >= (int)(n / 2))
		__builtin_trap();
	if (url_parse_query(s, &params, &np) == 0)
		url_params_free(params, np);
	if (url_split_path(s, &segs, &nsegs) == 0) {
		for (size_t i = 0; i < nsegs; i++)
			if (!segs[i][0] || !strcmp(segs[i], ".") || !strcmp(segs[i], ".."))
				__builtin_trap();
		url_segs_free(segs, nsegs);
	}
	/* encoding then decoding gives back the string (up to its first NUL) */
	if (url_encode(s, &enc) == 0) {
		char *back = malloc(buf_avail(&enc) + 1);

		if (back) {
			r = url_decode(buf_head(&enc), buf_avail(&enc), back, buf_avail(&enc) + 1,
			               1);
			if (r != (int)strlen(s) || memcmp(back, s, (size_t)r))
				__builtin_trap();
			free(back);
		}
	}
done:
	buf_free(&enc);
	free(s);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf a = BUF_INIT, b = BUF_INIT;
	struct cutter c;

	if (size < 1)
		return 0;
	c.s = data[0];
	data++;
	size--;

	run_requests(data, size, NULL, &a);
	run_requests(data, size, &c, &b);
	same_or_trap(&a, &b);

	/* Stream mode bounds only undrained bytes, so a whole-message 413 may differ. */
	run_responses(data, size, NULL, 0, c.s & 2, &a);
	run_responses(data, size, &c, 1, c.s & 2, &b);
	if (!buf_avail(&a) || !memmem(buf_head(&a), buf_avail(&a), "E-413", 5))
		same_or_trap(&a, &b);
	buf_reset(&a);
	buf_reset(&b);

	if (size)
		run_url(data, size);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
