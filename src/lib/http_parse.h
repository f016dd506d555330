/*
 * http_parse.h - resumable HTTP/1.1 request and response parser (no sockets).
 *
 * The connection appends bytes to its input buf as they arrive and calls
 * http_parse_request() (server) or http_parse_response() (client) again each
 * time. The parser takes bytes out of the buffer (buf_consume) only when it has
 * moved them into its own state, so bytes of a pipelined next message stay in
 * the buffer for the next call. The caller must not consume from the buffer
 * itself while a message is in progress.
 *
 * Return values of both parse functions:
 *   HTTP_NEED_MORE (0)  append more bytes and call again
 *   HTTP_DONE (1)       a complete message is in *req / *resp
 *   HTTP_HEAD_DONE (2)  stream mode only: the head is parsed and its fields are
 *                       valid, a body follows; call again to read it
 *   HTTP_BODY_PART (3)  stream mode only: more de-chunked body bytes were
 *                       appended to ->body; the caller may drain ->body (e.g.
 *                       buf_consume/buf_reset) before calling again.
 *   < 0                 HTTP_E_* below. Errors are sticky: the connection must
 *                       answer http_error_status(err) (server) and close.
 *                       On HTTP_E_BODY_TOO_BIG the head in *req is valid.
 *
 * 100-continue: when http_parse_request() returns HTTP_NEED_MORE and
 * http_parser_wants_continue() is nonzero, the head (valid in *req) asked for
 * "Expect: 100-continue" and its body has not all arrived: the server sends
 * "HTTP/1.1 100 Continue\r\n\r\n" once (or a final error status and closes).
 * A request whose body arrived with its head completes without that step.
 *
 * Starting a new message resets *req / *resp (allocations are kept), so the
 * same struct is passed on every call of a connection's life.
 *
 * Strictness (all violations are HTTP_E_BAD unless noted): CRLF line endings,
 * with bare LF tolerated as nginx does (a bare CR is an error); control
 * characters and NUL anywhere in a head; method and field names must be
 * tokens; exactly one SP between request-line parts; no whitespace before a
 * field's colon; no obs-fold continuation lines; a request-target of visible
 * ASCII (bytes >= 0x80 tolerated); more than HTTP_MAX_HEADERS fields or a head
 * longer than max_head -> HTTP_E_HEAD_TOO_BIG, as soon as max_head bytes are
 * buffered without an end of head; a method longer than 15 bytes ->
 * HTTP_E_NOT_IMPLEMENTED; a version other than HTTP/1.x -> HTTP_E_VERSION;
 * an HTTP/1.1 request without Host or any request with two Host fields;
 * Content-Length must be 1*DIGIT without overflow, repeated only with the same
 * value; Content-Length together with Transfer-Encoding; any transfer coding
 * but a single "chunked" -> HTTP_E_NOT_IMPLEMENTED; Transfer-Encoding in an
 * HTTP/1.0 request; a body longer than max_body -> HTTP_E_BODY_TOO_BIG right
 * after the head (Content-Length) or at the chunk-size line that passes it.
 * Chunk extensions are accepted and ignored within HTTP_MAX_CHUNK_LINE per line
 * and HTTP_MAX_CHUNK_EXT per message; trailer fields are checked for syntax,
 * charged to max_head and dropped. Empty lines before a request line are
 * skipped (RFC 9112 2.2).
 */
#ifndef SVCNET_HTTP_PARSE_H
#define SVCNET_HTTP_PARSE_H

#include <errno.h>
#include <stddef.h>

#include "lib/buf.h"

#define HTTP_MAX_HEADERS      64
#define HTTP_DEFAULT_MAX_HEAD (64 * 1024)
#define HTTP_DEFAULT_MAX_BODY (3 * 1024 * 1024) /* kube-apiserver's request limit */
#define HTTP_MAX_CHUNK_LINE   4096              /* one chunk-size line, extensions included */
#define HTTP_MAX_CHUNK_EXT    4096              /* chunk-extension bytes in one message */

enum {
	HTTP_NEED_MORE = 0,
	HTTP_DONE = 1,
	HTTP_HEAD_DONE = 2,
	HTTP_BODY_PART = 3,
};

/* Error codes are minus the status they map to, so logs read naturally. */
enum {
	HTTP_E_BAD = -400,
	HTTP_E_TIMEOUT = -408, /* never returned by the parser; for the connection's timers */
	HTTP_E_BODY_TOO_BIG = -413,
	HTTP_E_HEAD_TOO_BIG = -431,
	HTTP_E_NOT_IMPLEMENTED = -501,
	HTTP_E_VERSION = -505,
	HTTP_E_NOMEM = -ENOMEM,
};

typedef struct http_header {
	char *name;  /* NUL-terminated, as received (compare case-insensitively) */
	char *value; /* NUL-terminated, surrounding whitespace removed */
} http_header;

typedef struct http_request {
	char method[16];
	char *target;      /* raw request-target */
	char *path;        /* raw (not percent-decoded) path; "*" for asterisk-form */
	char *query;       /* raw query without '?', or NULL when there is no '?' */
	int minor_version; /* 0 or 1 for HTTP/1.0, HTTP/1.1 (1.x > 1 reads as 1) */
	http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	long long content_length; /* -1 when absent */
	int chunked;
	int keep_alive;      /* the connection may carry another request after this one */
	int expect_continue; /* "Expect: 100-continue" on an HTTP/1.1 request */
	buf body;            /* the de-chunked body */
	/* private: one allocation holding the head, reused across requests */
	char *store_;
	size_t store_cap_;
} http_request;

typedef struct http_response {
	int status;
	int minor_version;
	char *reason; /* may be "" */
	http_header headers[HTTP_MAX_HEADERS];
	int nheaders;
	long long content_length; /* -1 when absent */
	int chunked;
	int keep_alive; /* 0 also when the body is delimited by the connection's close */
	buf body;
	char *store_;
	size_t store_cap_;
} http_response;

/* All fields are private; only the limits may be read. */
typedef struct http_parser {
	int state;
	int err;                      /* the sticky error once one was returned */
	int stream;                   /* see http_parser_set_stream */
	int no_body;                  /* the next final response answers a HEAD request */
	int partial;                  /* the last call left part of a head in the input */
	int expect;                   /* the current request waits for 100 Continue */
	size_t scan;                  /* unread input bytes already searched for a line end */
	size_t extra;                 /* skipped empty lines / trailer bytes, charged to max_head */
	size_t ext;                   /* chunk-extension bytes of this message */
	unsigned long long remaining; /* of the current chunk or Content-Length body */
	unsigned long long total;     /* body bytes of this message */
	size_t max_head;
	size_t max_body;
} http_parser;

/* Limits of 0 pick HTTP_DEFAULT_MAX_HEAD / HTTP_DEFAULT_MAX_BODY. Also resets a
 * parser for reuse. */
void http_parser_init(http_parser *p, size_t max_head, size_t max_body);
/*
 * Stream mode: HTTP_HEAD_DONE after every head that a body follows (also for
 * requests, which then skip the 100-continue query), then
 * HTTP_BODY_PART whenever body bytes were appended, and HTTP_DONE at the end
 * (for a chunked watch stream: at its terminating chunk). max_body then bounds
 * the undrained bytes in ->body rather than the body's total length.
 */
void http_parser_set_stream(http_parser *p, int on);
/* The next final response answers a HEAD request, so it has no body whatever
 * its headers say. (204, 304 and 1xx need no flag.) */
void http_parser_response_to_head(http_parser *p);
/* Nonzero once a message has begun: part of its head was buffered at the last
 * call, or its body is being read. A close now truncates it; a request timer
 * runs from here. */
int http_parser_in_progress(const http_parser *p);
/* See "100-continue" above. */
int http_parser_wants_continue(const http_parser *p);

int http_parse_request(http_parser *p, buf *in, http_request *req);
/*
 * 1xx responses other than 101 are read and discarded; 101 is returned as
 * HTTP_DONE with no body and the connection then belongs to the caller.
 * A response without Content-Length or chunked coding runs until the
 * connection closes: call http_parse_response_eof() then.
 */
int http_parse_response(http_parser *p, buf *in, http_response *resp);
/* The peer closed. Returns HTTP_DONE if that completed a close-delimited
 * response (remaining bytes of in are taken into ->body), 0 if no message was in
 * progress, HTTP_E_BAD if a message was truncated. */
int http_parse_response_eof(http_parser *p, buf *in, http_response *resp);

/* A zeroed struct is also a valid empty request/response. */
void http_request_init(http_request *req);
void http_request_reset(http_request *req);
void http_request_free(http_request *req);
void http_response_init(http_response *resp);
void http_response_reset(http_response *resp);
void http_response_free(http_response *resp);

/* Value of the first field named name (case-insensitive), or NULL. */
const char *http_header_find(const http_header *h, int n, const char *name);
const char *http_header_get(const http_request *r, const char *name);
const char *http_response_header_get(const http_response *r, const char *name);
/* Nonzero if the comma-separated value list of any field named name holds
 * token (case-insensitive), e.g. ("Connection", "upgrade"). */
int http_header_has_token(const http_header *h, int n, const char *name, const char *token);

/* The status to answer for an HTTP_E_* code (500 for anything else). */
int http_error_status(int err);
/* The reason phrase of status, "Unknown" for ones we never send. */
const char *http_reason(int status);

#endif
