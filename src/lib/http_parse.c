/*
 * http_parse.c - resumable HTTP/1.1 message parser.
 *
 * A head stays in the input buffer until its empty line has arrived (the
 * search for it resumes where the last call stopped, so byte-at-a-time input
 * costs O(n)); it is then copied once into the message's reusable store and
 * cut into NUL-terminated strings in place, so no field costs an allocation.
 * Bodies move into ->body as they arrive.
 */
#include "lib/http_parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	S_IDLE, /* between messages, or reading a head */
	S_BODY_LEN,
	S_CHUNK_SIZE,
	S_CHUNK_DATA,
	S_CHUNK_CRLF,
	S_TRAILER,
	S_BODY_EOF,
	S_ERROR,
};

#define C_TCHAR  1 /* RFC 9110 token character */
#define C_FIELD  2 /* field-value / reason / chunk-ext byte: HTAB, SP, VCHAR, obs-text */
#define C_TARGET 4 /* request-target byte: VCHAR, obs-text */
#define C_HEX    8

static const unsigned char cls[256] = {
    0,  0,  0,  0,  0,  0,  0,  0,  0,  2,  0, 0, 0, 0, 0, 0, /* 0x00 */
    0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0, 0, 0, 0, 0, 0, /* 0x10 */
    2,  7,  6,  7,  7,  7,  7,  7,  6,  6,  7, 7, 6, 7, 7, 6, /* 0x20 */
    15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 6, 6, 6, 6, 6, 6, /* 0x30 */
    6,  15, 15, 15, 15, 15, 15, 7,  7,  7,  7, 7, 7, 7, 7, 7, /* 0x40 */
    7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, 6, 6, 6, 7, 7, /* 0x50 */
    7,  15, 15, 15, 15, 15, 15, 7,  7,  7,  7, 7, 7, 7, 7, 7, /* 0x60 */
    7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7, 6, 7, 6, 7, 0, /* 0x70 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0x80 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0x90 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xa0 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xb0 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xc0 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xd0 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xe0 */
    6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6, 6, 6, 6, 6, 6, /* 0xf0 */
};

#define IS(c, k) (cls[(unsigned char)(c)] & (k))

/* What the framing-relevant fields of a head said. */
struct framing {
	long long cl;
	int te; /* Transfer-Encoding present */
	int chunked;
	int te_other; /* a coding we do not implement */
	int close;
	int keep;
	int expect;
	int hosts;
};

/* buf_head() without pointer arithmetic on an empty buffer's NULL, which UBSan flags. */
static const char *unread(const buf *b)
{
	return b->data ? b->data + b->off : NULL;
}

static int fail(http_parser *p, int err)
{
	p->state = S_ERROR;
	p->expect = 0;
	p->err = err;
	return err;
}

void http_parser_init(http_parser *p, size_t max_head, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->max_head = max_head ? max_head : HTTP_DEFAULT_MAX_HEAD;
	p->max_body = max_body ? max_body : HTTP_DEFAULT_MAX_BODY;
}

void http_parser_set_stream(http_parser *p, int on)
{
	p->stream = !!on;
}

void http_parser_response_to_head(http_parser *p)
{
	p->no_body = 1;
}

int http_parser_in_progress(const http_parser *p)
{
	return p->partial || (p->state != S_IDLE && p->state != S_ERROR);
}

int http_parser_wants_continue(const http_parser *p)
{
	return p->expect && p->state != S_IDLE && p->state != S_ERROR;
}

/* Returns the offset just past the empty line ending a head in d[0..n), or 0
 * when it has not arrived; *scan remembers how far the search got. */
static size_t find_head_end(const char *d, size_t n, size_t *scan)
{
	size_t i = *scan;

	while (i < n) {
		const char *nl = memchr(d + i, '\n', n - i);

		if (!nl)
			break;
		i = (size_t)(nl - d);
		if (i + 1 >= n) {
			*scan = i;
			return 0;
		}
		if (d[i + 1] == '\n')
			return i + 2;
		if (d[i + 1] == '\r') {
			if (i + 2 >= n) {
				*scan = i;
				return 0;
			}
			if (d[i + 2] == '\n')
				return i + 3;
		}
		i++;
	}
	*scan = n;
	return 0;
}

/*
 * Finds the next line of the input within limit bytes (LF included). Returns 1
 * with its length without CR LF in *len and with them in *eol, 0 if more bytes
 * are needed, -1 if the line is longer than limit.
 */
static int find_line(http_parser *p, buf *in, size_t limit, size_t *len, size_t *eol)
{
	const char *d = unread(in), *nl;
	size_t n = buf_avail(in), lim = n < limit ? n : limit;

	if (p->scan < lim && (nl = memchr(d + p->scan, '\n', lim - p->scan))) {
		*eol = (size_t)(nl - d) + 1;
		*len = *eol - 1;
		if (*len && d[*len - 1] == '\r')
			(*len)--;
		p->scan = 0;
		return 1;
	}
	if (n >= limit)
		return -1;
	p->scan = n;
	return 0;
}

/*
 * Moves a complete head out of the input into *store (grown if needed, with
 * room after it for extra bytes). Returns 1 with the copy in *head and *hlen, 0 if
 * more bytes are needed, or an error.
 */
static int take_head(http_parser *p, buf *in, char **store, size_t *cap, int request, char **head,
                     size_t *hlen)
{
	const char *d;
	size_t n, end, need, line1;

	/* RFC 9112 2.2: empty lines before a message are ignored, within max_head. */
	for (;;) {
		size_t k;

		n = buf_avail(in);
		d = unread(in);
		if (!n) {
			p->partial = 0;
			return 0;
		}
		if (d[0] == '\n')
			k = 1;
		else if (d[0] != '\r')
			break;
		else if (n < 2)
			return 0; /* a lone CR: not yet a message */
		else if (d[1] != '\n')
			return HTTP_E_BAD;
		else
			k = 2;
		buf_consume(in, k);
		p->extra += k;
		if (p->extra > p->max_head)
			return HTTP_E_HEAD_TOO_BIG;
	}
	end = find_head_end(d, n < p->max_head ? n : p->max_head, &p->scan);
	p->partial = !end;
	if (!end)
		return n >= p->max_head ? HTTP_E_HEAD_TOO_BIG : 0;
	/* The request target is copied once more behind the head, split into path and query. */
	line1 = (size_t)((const char *)memchr(d, '\n', end) - d) + 1;
	need = end + 1 + (request ? line1 + 2 : 0);
	if (need > *cap) {
		size_t ncap = *cap ? *cap : 1024;
		char *ns;

		while (ncap < need)
			ncap *= 2;
		ns = malloc(ncap);
		if (!ns)
			return HTTP_E_NOMEM;
		free(*store);
		*store = ns;
		*cap = ncap;
	}
	memcpy(*store, d, end);
	(*store)[end] = '\0';
	buf_consume(in, end);
	p->scan = 0;
	p->extra = 0;
	p->ext = 0;
	p->total = 0;
	p->remaining = 0;
	*head = *store;
	*hlen = end;
	return 1;
}

/* NUL-terminates the line at *pos (dropping CR LF), returns its end and moves
 * *pos to the next line. The head copy always ends in LF. */
static char *cut_line(char **pos, char *end)
{
	char *s = *pos;
	char *nl = memchr(s, '\n', (size_t)(end - s));
	char *e = nl;

	if (e > s && e[-1] == '\r')
		e--;
	*e = '\0';
	*pos = nl + 1;
	return e;
}

/* Steps through a comma-separated list: returns the next element with OWS
 * trimmed (length in *len, possibly 0), or NULL after the last. */
static const char *list_next(const char **pos, size_t *len)
{
	const char *s = *pos, *e;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	e = strchr(s, ',');
	*pos = e ? e + 1 : NULL;
	if (!e)
		e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*len = (size_t)(e - s);
	return s;
}

static int tok_eq(const char *s, size_t len, const char *tok)
{
	return strlen(tok) == len && strncasecmp(s, tok, len) == 0;
}

/* Records what a field means for framing and connection handling. */
static int note_field(const char *name, size_t nlen, const char *v, struct framing *f)
{
	const char *pos = v, *el;
	size_t len;
	long long cl = 0;

	switch (nlen) {
	case 4:
		if (!strcasecmp(name, "host"))
			f->hosts++;
		break;
	case 6:
		if (!strcasecmp(name, "expect") && !strcasecmp(v, "100-continue"))
			f->expect = 1;
		break;
	case 10:
		if (strcasecmp(name, "connection"))
			break;
		while ((el = list_next(&pos, &len))) {
			if (tok_eq(el, len, "close"))
				f->close = 1;
			else if (tok_eq(el, len, "keep-alive"))
				f->keep = 1;
		}
		break;
	case 14:
		if (strcasecmp(name, "content-length"))
			break;
		/* Lists ("5, 5") and signs are refused: smuggling defenses want one reading. */
		if (!*v)
			return HTTP_E_BAD;
		for (; *v; v++) {
			if (*v < '0' || *v > '9' || cl > (LLONG_MAX - (*v - '0')) / 10)
				return HTTP_E_BAD;
			cl = cl * 10 + (*v - '0');
		}
		if (f->cl >= 0 && f->cl != cl)
			return HTTP_E_BAD;
		f->cl = cl;
		break;
	case 17:
		if (strcasecmp(name, "transfer-encoding"))
			break;
		f->te = 1;
		while ((el = list_next(&pos, &len))) {
			if (!len)
				continue;
			if (!tok_eq(el, len, "chunked"))
				f->te_other = 1;
			else if (f->chunked)
				return HTTP_E_BAD;
			else
				f->chunked = 1;
		}
		break;
	}
	return 0;
}

/* Cuts the field lines starting at s into h[] until the empty line. */
static int parse_fields(char *s, char *end, http_header *h, int *nh, struct framing *f)
{
	for (;;) {
		char *line = s, *e, *c, *val;
		int r;

		if (s >= end)
			return HTTP_E_BAD;
		e = cut_line(&s, end);
		if (e == line)
			return 0;
		/* A leading SP/HTAB (obs-fold) is no token byte, so it fails here too. */
		for (c = line; IS(*c, C_TCHAR); c++)
			;
		if (c == line || *c != ':')
			return HTTP_E_BAD;
		*c = '\0';
		for (val = c + 1; *val == ' ' || *val == '\t'; val++)
			;
		for (char *q = val; q < e; q++)
			if (!IS(*q, C_FIELD))
				return HTTP_E_BAD;
		while (e > val && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (*nh >= HTTP_MAX_HEADERS)
			return HTTP_E_HEAD_TOO_BIG;
		h[*nh].name = line;
		h[*nh].value = val;
		(*nh)++;
		r = note_field(line, (size_t)(c - line), val, f);
		if (r < 0)
			return r;
	}
}

static int check_framing(const struct framing *f, int minor, int request)
{
	if (f->te) {
		if (f->cl >= 0)
			return HTTP_E_BAD;
		if (f->te_other)
			return HTTP_E_NOT_IMPLEMENTED;
		if (!f->chunked || (request && minor == 0))
			return HTTP_E_BAD;
	}
	/* RFC 9112 3.2: a server MUST reject these. */
	if (request && (f->hosts > 1 || (minor >= 1 && !f->hosts)))
		return HTTP_E_BAD;
	return 0;
}

/* Checks "HTTP/d.d" at s (8 bytes known to be there). */
static int parse_version(const char *s, int *minor)
{
	if (memcmp(s, "HTTP/", 5) || s[5] < '0' || s[5] > '9' || s[6] != '.' || s[7] < '0' ||
	    s[7] > '9')
		return HTTP_E_BAD;
	if (s[5] != '1')
		return HTTP_E_VERSION;
	*minor = s[7] > '1' ? 1 : s[7] - '0';
	return 0;
}

static int parse_request_line(char *s, char *e, http_request *req)
{
	char *m = s, *t;

	while (IS(*s, C_TCHAR))
		s++;
	if (s == m || *s != ' ')
		return HTTP_E_BAD;
	if ((size_t)(s - m) >= sizeof(req->method))
		return HTTP_E_NOT_IMPLEMENTED;
	memcpy(req->method, m, (size_t)(s - m));
	req->method[s - m] = '\0';
	t = ++s;
	while (IS(*s, C_TARGET))
		s++;
	if (s == t || *s != ' ')
		return HTTP_E_BAD;
	*s++ = '\0';
	req->target = t;
	if (e - s != 8)
		return HTTP_E_BAD;
	return parse_version(s, &req->minor_version);
}

/* Fills path and query from a copy of the target at out (strlen(target)+2 bytes). */
static int split_target(http_request *req, char *out)
{
	const char *t = req->target, *rest;
	char *q;

	if (t[0] == '/' || !strcmp(t, "*")) {
		strcpy(out, t);
	} else if (!strcmp(req->method, "CONNECT")) {
		strcpy(out, t);
		req->path = out;
		return 0;
	} else if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		/* absolute-form, which RFC 9112 3.2.2 says servers must accept */
		t = strstr(t, "://") + 3;
		rest = t + strcspn(t, "/?");
		if (rest == t)
			return HTTP_E_BAD;
		if (*rest == '/') {
			strcpy(out, rest);
		} else {
			out[0] = '/';
			strcpy(out + 1, rest);
		}
	} else {
		return HTTP_E_BAD;
	}
	req->path = out;
	if (out[0] != '*' && (q = strchr(out, '?'))) {
		*q = '\0';
		req->query = q + 1;
	}
	return 0;
}

static int parse_chunk_size(http_parser *p, const char *d, size_t len)
{
	unsigned long long v = 0;
	size_t i = 0, j;

	for (; i < len && IS(d[i], C_HEX); i++) {
		unsigned char c = (unsigned char)d[i];

		if (v >> 60)
			return HTTP_E_BAD;
		v = v << 4 | (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	if (!i)
		return HTTP_E_BAD;
	if (i < len) {
		/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): checked for bytes only
		 */
		for (j = i; j < len && (d[j] == ' ' || d[j] == '\t'); j++)
			;
		if (j == len || d[j] != ';')
			return HTTP_E_BAD;
		p->ext += len - i;
		if (p->ext > HTTP_MAX_CHUNK_EXT)
			return HTTP_E_BAD;
		for (; j < len; j++)
			if (!IS(d[j], C_FIELD))
				return HTTP_E_BAD;
	}
	if (!p->stream && v > p->max_body - p->total)
		return HTTP_E_BODY_TOO_BIG;
	p->total += v;
	p->remaining = v;
	return 0;
}

/* A trailer line: checked like a field line, then dropped. */
static int field_line_ok(const char *d, size_t len)
{
	size_t i = 0;

	while (i < len && IS(d[i], C_TCHAR))
		i++;
	if (!i || i == len || d[i] != ':')
		return 0;
	for (i++; i < len; i++)
		if (!IS(d[i], C_FIELD))
			return 0;
	return 1;
}

/* Moves body bytes from in to body. Returns 1 at the end of the message, 0 if
 * more bytes are needed, or an error; *got is set when bytes were added. */
static int read_body(http_parser *p, buf *in, buf *body, int *got)
{
	for (;;) {
		const char *d = unread(in);
		size_t n = buf_avail(in), len, eol, k;
		int r;

		switch (p->state) {
		case S_BODY_LEN:
		case S_CHUNK_DATA:
		case S_BODY_EOF:
			k = n;
			if (p->state != S_BODY_EOF && p->remaining < n)
				k = (size_t)p->remaining;
			if (k) {
				if (buf_append(body, d, k) < 0)
					return HTTP_E_NOMEM;
				buf_consume(in, k);
				*got = 1;
				if (p->state == S_BODY_EOF)
					p->total += k;
				else
					p->remaining -= k;
				if (p->stream ? buf_avail(body) > p->max_body
				              : p->total > p->max_body)
					return HTTP_E_BODY_TOO_BIG;
			}
			if (p->state == S_BODY_EOF || p->remaining)
				return 0;
			if (p->state == S_BODY_LEN)
				return 1;
			p->state = S_CHUNK_CRLF;
			break;
		case S_CHUNK_CRLF:
			if (!n || (d[0] == '\r' && n < 2))
				return 0;
			if (d[0] == '\n')
				buf_consume(in, 1);
			else if (d[0] == '\r' && d[1] == '\n')
				buf_consume(in, 2);
			else
				return HTTP_E_BAD;
			p->state = S_CHUNK_SIZE;
			break;
		case S_CHUNK_SIZE:
			r = find_line(p, in, HTTP_MAX_CHUNK_LINE, &len, &eol);
			if (r <= 0)
				return r ? HTTP_E_BAD : 0;
			r = parse_chunk_size(p, d, len);
			if (r < 0)
				return r;
			buf_consume(in, eol);
			p->state = p->remaining ? S_CHUNK_DATA : S_TRAILER;
			break;
		case S_TRAILER:
			r = find_line(p, in, p->max_head > p->extra ? p->max_head - p->extra : 0,
			              &len, &eol);
			if (r <= 0)
				return r ? HTTP_E_HEAD_TOO_BIG : 0;
			if (len && !field_line_ok(d, len))
				return HTTP_E_BAD;
			buf_consume(in, eol);
			if (!len)
				return 1;
			p->extra += eol;
			break;
		default:
			return HTTP_E_BAD;
		}
	}
}

/* Turns read_body's result into the caller's return value. */
static int body_result(http_parser *p, int r, int got)
{
	if (r < 0)
		return fail(p, r);
	if (r == 1) {
		p->state = S_IDLE;
		p->extra = 0;
		p->expect = 0;
		return HTTP_DONE;
	}
	return p->stream && got ? HTTP_BODY_PART : HTTP_NEED_MORE;
}

/* Sets up reading a body of Content-Length cl (>= 0) or chunked. */
static int start_body(http_parser *p, const struct framing *f)
{
	if (f->chunked) {
		p->state = S_CHUNK_SIZE;
	} else if (f->cl > 0) {
		if (!p->stream && (unsigned long long)f->cl > p->max_body)
			return HTTP_E_BODY_TOO_BIG;
		p->remaining = (unsigned long long)f->cl;
		p->state = S_BODY_LEN;
	}
	return 0;
}

static int read_request_head(http_parser *p, buf *in, http_request *req)
{
	struct framing f = {.cl = -1};
	char *h, *pos, *end, *e;
	size_t hl;
	int r;

	r = take_head(p, in, &req->store_, &req->store_cap_, 1, &h, &hl);
	if (r <= 0)
		return r;
	http_request_reset(req);
	pos = h;
	end = h + hl;
	e = cut_line(&pos, end);
	if ((r = parse_request_line(h, e, req)) < 0 || (r = split_target(req, end + 1)) < 0 ||
	    (r = parse_fields(pos, end, req->headers, &req->nheaders, &f)) < 0 ||
	    (r = check_framing(&f, req->minor_version, 1)) < 0)
		return r;
	req->content_length = f.cl;
	req->chunked = f.chunked;
	req->keep_alive = req->minor_version >= 1 ? !f.close : f.keep && !f.close;
	/* RFC 9110 10.1.1: ignore 100-continue from an HTTP/1.0 client. */
	req->expect_continue = req->minor_version >= 1 && f.expect;
	if (start_body(p, &f) < 0)
		return HTTP_E_BODY_TOO_BIG;
	p->expect = req->expect_continue && p->state != S_IDLE;
	return 1;
}

int http_parse_request(http_parser *p, buf *in, http_request *req)
{
	int r, got = 0;

	if (p->state == S_ERROR)
		return p->err;
	if (p->state == S_IDLE) {
		r = read_request_head(p, in, req);
		if (r <= 0)
			return r < 0 ? fail(p, r) : HTTP_NEED_MORE;
		if (p->state == S_IDLE)
			return HTTP_DONE;
		if (p->stream)
			return HTTP_HEAD_DONE;
	}
	r = read_body(p, in, &req->body, &got);
	return body_result(p, r, got);
}

static int parse_status_line(char *s, char *e, http_response *resp)
{
	int r;

	if (e - s < 12)
		return HTTP_E_BAD;
	if ((r = parse_version(s, &resp->minor_version)) < 0)
		return r;
	if (s[8] != ' ' || s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' ||
	    s[11] > '9')
		return HTTP_E_BAD;
	resp->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (e - s == 12) {
		resp->reason = e;
		return 0;
	}
	if (s[12] != ' ')
		return HTTP_E_BAD;
	for (char *q = s + 13; q < e; q++)
		if (!IS(*q, C_FIELD))
			return HTTP_E_BAD;
	resp->reason = s + 13;
	return 0;
}

/* Returns 1 for a final head, 2 for an interim (1xx) one to skip, 0, or an error. */
static int read_response_head(http_parser *p, buf *in, http_response *resp)
{
	struct framing f = {.cl = -1};
	char *h, *pos, *end, *e;
	size_t hl;
	int r, s;

	r = take_head(p, in, &resp->store_, &resp->store_cap_, 0, &h, &hl);
	if (r <= 0)
		return r;
	http_response_reset(resp);
	pos = h;
	end = h + hl;
	e = cut_line(&pos, end);
	if ((r = parse_status_line(h, e, resp)) < 0 ||
	    (r = parse_fields(pos, end, resp->headers, &resp->nheaders, &f)) < 0 ||
	    (r = check_framing(&f, resp->minor_version, 0)) < 0)
		return r;
	s = resp->status;
	resp->content_length = f.cl;
	resp->chunked = f.chunked;
	resp->keep_alive = resp->minor_version >= 1 ? !f.close : f.keep && !f.close && !f.te;
	if (s / 100 == 1 && s != 101)
		return 2;
	if (p->no_body || s / 100 == 1 || s == 204 || s == 304) {
		p->no_body = 0;
		return 1;
	}
	p->no_body = 0;
	if (!f.chunked && f.cl < 0) {
		p->state = S_BODY_EOF;
		resp->keep_alive = 0;
		return 1;
	}
	return start_body(p, &f) < 0 ? HTTP_E_BODY_TOO_BIG : 1;
}

int http_parse_response(http_parser *p, buf *in, http_response *resp)
{
	int r, got = 0;

	if (p->state == S_ERROR)
		return p->err;
	if (p->state == S_IDLE) {
		do
			r = read_response_head(p, in, resp);
		while (r == 2);
		if (r <= 0)
			return r < 0 ? fail(p, r) : HTTP_NEED_MORE;
		if (p->state == S_IDLE)
			return HTTP_DONE;
		if (p->stream)
			return HTTP_HEAD_DONE;
	}
	r = read_body(p, in, &resp->body, &got);
	return body_result(p, r, got);
}

int http_parse_response_eof(http_parser *p, buf *in, http_response *resp)
{
	int got = 0, r;

	if (p->state == S_ERROR)
		return p->err;
	if (p->state == S_BODY_EOF) {
		r = read_body(p, in, &resp->body, &got);
		if (r < 0)
			return fail(p, r);
		p->state = S_IDLE;
		return HTTP_DONE;
	}
	if (p->state == S_IDLE) {
		/* Stray line ends after the last message are no truncation. */
		const char *d = unread(in);
		size_t i = 0, n = buf_avail(in);

		while (i < n && (d[i] == '\r' || d[i] == '\n'))
			i++;
		if (i == n)
			return 0;
	}
	return fail(p, HTTP_E_BAD);
}

void http_request_init(http_request *req)
{
	memset(req, 0, sizeof(*req));
	req->content_length = -1;
}

void http_request_reset(http_request *req)
{
	req->method[0] = '\0';
	req->target = req->path = req->query = NULL;
	req->minor_version = 0;
	req->nheaders = 0;
	req->content_length = -1;
	req->chunked = req->keep_alive = req->expect_continue = 0;
	buf_reset(&req->body);
}

void http_request_free(http_request *req)
{
	buf_free(&req->body);
	free(req->store_);
	http_request_init(req);
}

void http_response_init(http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
}

void http_response_reset(http_response *resp)
{
	resp->status = resp->minor_version = 0;
	resp->reason = NULL;
	resp->nheaders = 0;
	resp->content_length = -1;
	resp->chunked = resp->keep_alive = 0;
	buf_reset(&resp->body);
}

void http_response_free(http_response *resp)
{
	buf_free(&resp->body);
	free(resp->store_);
	http_response_init(resp);
}

const char *http_header_find(const http_header *h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcasecmp(h[i].name, name))
			return h[i].value;
	return NULL;
}

const char *http_header_get(const http_request *r, const char *name)
{
	return http_header_find(r->headers, r->nheaders, name);
}

const char *http_response_header_get(const http_response *r, const char *name)
{
	return http_header_find(r->headers, r->nheaders, name);
}

int http_header_has_token(const http_header *h, int n, const char *name, const char *token)
{
	for (int i = 0; i < n; i++) {
		const char *pos = h[i].value, *el;
		size_t len;

		if (strcasecmp(h[i].name, name))
			continue;
		while ((el = list_next(&pos, &len)))
			if (tok_eq(el, len, token))
				return 1;
	}
	return 0;
}

int http_error_status(int err)
{
	switch (err) {
	case HTTP_E_BAD:
	case HTTP_E_TIMEOUT:
	case HTTP_E_BODY_TOO_BIG:
	case HTTP_E_HEAD_TOO_BIG:
	case HTTP_E_NOT_IMPLEMENTED:
	case HTTP_E_VERSION:
		return -err;
	default:
		return 500;
	}
}

static const struct {
	int status;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Entity"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *http_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}
