/*
 * selector_labels.c - the label selector parser.
 *
 * The grammar, its lexer quirks (keywords "in"/"notin" are plain values in a
 * value position, "a in ()" means the empty value) and its error texts follow
 * k8s.io/apimachinery/pkg/labels, because kubectl users read those messages in
 * 400 answers and scripts sometimes grep them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/selector.h"
#include "api/selector_int.h"
#include "lib/buf.h"

/* ---- validation, with apimachinery's wording ---- */

#define QN_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QN_BODY                                                                                    \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "  \
	"validation is '" QN_FMT "')"
#define LV_MSG                                                                                     \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "   \
	"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "      \
	"'my_value',  or '12345', regex used for validation is "                                   \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_MSG                                                                                    \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "  \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "      \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-" \
	"9])?)*')"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static int qname_ok(const char *p, size_t len)
{
	if (len == 0 || !is_alnum(p[0]) || !is_alnum(p[len - 1]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.')
			return 0;
	return 1;
}

static int dns_label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int dns_subdomain_ok(const char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '.') {
			if (!dns_label_char(p[i]) && p[i] != '-')
				return 0;
			continue;
		}
		if (i == start || !dns_label_char(p[start]) || !dns_label_char(p[i - 1]))
			return 0;
		start = i + 1;
	}
	return 1;
}

static void add_msg(buf *b, const char *m)
{
	if (b->len)
		buf_puts(b, "; ");
	buf_puts(b, m);
}

/* IsQualifiedName; appends "; "-joined problems to b, returns their count. */
static int check_label_key(const char *k, buf *b)
{
	const char *slash = strchr(k, '/');
	const char *name = k;
	int n = 0;

	if (slash && strchr(slash + 1, '/')) {
		add_msg(b, "a qualified name " QN_BODY
		           " with an optional DNS subdomain prefix and '/' "
		           "(e.g. 'example.com/MyName')");
		return 1;
	}
	if (slash) {
		size_t plen = (size_t)(slash - k);

		name = slash + 1;
		if (plen == 0) {
			add_msg(b, "prefix part must be non-empty"), n++;
		} else {
			if (plen > 253)
				add_msg(b, "prefix part must be no more than 253 characters"), n++;
			if (!dns_subdomain_ok(k, plen))
				add_msg(b, "prefix part " DNS_MSG), n++;
		}
	}
	size_t nlen = strlen(name);
	if (nlen == 0)
		add_msg(b, "name part must be non-empty"), n++;
	else if (nlen > 63)
		add_msg(b, "name part must be no more than 63 characters"), n++;
	if (!qname_ok(name, nlen))
		add_msg(b, "name part " QN_BODY), n++;
	return n;
}

static int check_label_value(const char *v, buf *b)
{
	size_t len = strlen(v);
	int n = 0;

	if (len > 63)
		add_msg(b, "must be no more than 63 characters"), n++;
	if (len && !qname_ok(v, len))
		add_msg(b, LV_MSG), n++;
	return n;
}

/* Go's %q, near enough: the value is user input echoed back in an error. */
static void put_quoted(buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_append(b, s, 1);
	}
	buf_puts(b, "\"");
}

/* field.Invalid(path, value, detail).Error(), appended to an aggregate list. */
static void add_invalid(buf *all, int *nerr, const char *path, const char *key, const char *value,
                        const char *detail)
{
	if ((*nerr)++)
		buf_puts(all, ", ");
	buf_puts(all, path);
	if (key)
		buf_printf(all, "[%s]", key);
	buf_puts(all, ": Invalid value: ");
	put_quoted(all, value);
	buf_printf(all, ": %s", detail);
}

/* NewRequirement's value checks; several errors print as Go's aggregate "[a, b]". */
static int check_values(const struct sel_req *r, buf *out)
{
	buf all = BUF_INIT, detail = BUF_INIT;
	int nerr = 0;

	for (size_t i = 0; i < r->nvals; i++) {
		char path[40];
		long long v;

		snprintf(path, sizeof(path), "values[%zu]", i);
		if ((r->op == SEL_GT || r->op == SEL_LT) && sel_parse_int64(r->vals[i], &v) < 0)
			add_invalid(&all, &nerr, path, NULL, r->vals[i],
			            "for 'Gt', 'Lt' operators, the value must be an integer");
		buf_reset(&detail);
		if (check_label_value(r->vals[i], &detail) && buf_cstr(&detail) == 0)
			add_invalid(&all, &nerr, path, r->key, r->vals[i], detail.data);
	}
	if (nerr == 1)
		buf_append(out, all.data, all.len);
	else if (nerr > 1)
		buf_printf(out, "[%.*s]", (int)all.len, all.data);
	buf_free(&all);
	buf_free(&detail);
	return nerr ? -EINVAL : 0;
}

/* ---- label selector lexer and parser ---- */

enum tok {
	T_END,
	T_CPAR,
	T_COMMA,
	T_DNE,
	T_DEQ,
	T_EQ,
	T_GT,
	T_ID,
	T_IN,
	T_LT,
	T_NE,
	T_NOTIN,
	T_OPAR
};
enum ctx { CTX_KEYOP, CTX_VALUES };

struct token {
	enum tok t;
	const char *p;
	int len;
};

struct parser {
	struct token *toks;
	size_t n, cap, pos;
	buf msg;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_special(char c)
{
	return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

static int tok_push(struct parser *p, enum tok t, const char *s, size_t len)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 16;
		struct token *nt = realloc(p->toks, nc * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		p->toks = nt;
		p->cap = nc;
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	p->toks[p->n++] = (struct token){t, s, (int)len};
	return 0;
}

/* Maximal munch over {"!=", "=="} and the single special characters gives the
 * same tokens as apimachinery's scanSpecialSymbol. */
static int lex(struct parser *p, const char *s)
{
	size_t i = 0;

	for (;;) {
		while (is_ws(s[i]))
			i++;
		if (!s[i])
			return tok_push(p, T_END, s + i, 0);
		size_t st = i;
		enum tok t;
		if (is_special(s[i])) {
			if ((s[i] == '!' || s[i] == '=') && s[i + 1] == '=') {
				t = s[i] == '!' ? T_NE : T_DEQ;
				i += 2;
			} else {
				switch (s[i++]) {
				case '!':
					t = T_DNE;
					break;
				case '=':
					t = T_EQ;
					break;
				case '(':
					t = T_OPAR;
					break;
				case ')':
					t = T_CPAR;
					break;
				case ',':
					t = T_COMMA;
					break;
				case '>':
					t = T_GT;
					break;
				default:
					t = T_LT;
					break;
				}
			}
		} else {
			while (s[i] && !is_special(s[i]) && !is_ws(s[i]))
				i++;
			t = T_ID;
			if (i - st == 2 && !strncmp(s + st, "in", 2))
				t = T_IN;
			else if (i - st == 5 && !strncmp(s + st, "notin", 5))
				t = T_NOTIN;
		}
		if (tok_push(p, t, s + st, i - st) < 0)
			return -ENOMEM;
	}
}

/* In a value position the keywords are ordinary identifiers ("a in (in)"). */
static struct token look(struct parser *p, enum ctx c)
{
	struct token t = p->toks[p->pos < p->n ? p->pos : p->n - 1];

	if (c == CTX_VALUES && (t.t == T_IN || t.t == T_NOTIN))
		t.t = T_ID;
	return t;
}

static struct token take(struct parser *p, enum ctx c)
{
	struct token t = look(p, c);

	if (p->pos < p->n - 1)
		p->pos++;
	return t;
}

__attribute__((format(printf, 2, 3))) static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	buf_reset(&p->msg);
	va_start(ap, fmt);
	buf_vprintf(&p->msg, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_ident_list(struct parser *p, struct sel_req *r)
{
	for (;;) {
		struct token t = take(p, CTX_VALUES), t2;

		if (t.t == T_ID) {
			if (sel_vals_add(r, t.p, (size_t)t.len) < 0)
				return -ENOMEM;
			t2 = look(p, CTX_VALUES);
			if (t2.t == T_COMMA)
				continue;
			if (t2.t == T_CPAR)
				return 0;
			return perr(p, "found '%.*s', expected: ',' or ')'", t2.len, t2.p);
		} else if (t.t == T_COMMA) {
			/* "(,", ",)" and ",," each stand for the empty value */
			if (r->nvals == 0 && sel_vals_add(r, "", 0) < 0)
				return -ENOMEM;
			t2 = look(p, CTX_VALUES);
			if (t2.t == T_CPAR || t2.t == T_COMMA) {
				if (sel_vals_add(r, "", 0) < 0)
					return -ENOMEM;
				if (t2.t == T_CPAR)
					return 0;
			}
		} else {
			return perr(p, "found '%.*s', expected: ',', or identifier", t.len, t.p);
		}
	}
}

static int parse_values(struct parser *p, struct sel_req *r)
{
	struct token t = take(p, CTX_VALUES), la;
	int rc;

	if (t.t != T_OPAR)
		return perr(p, "found '%.*s' expected: '('", t.len, t.p);
	la = look(p, CTX_VALUES);
	if (la.t == T_ID || la.t == T_COMMA) {
		if ((rc = parse_ident_list(p, r)) < 0)
			return rc;
		if (take(p, CTX_VALUES).t != T_CPAR)
			return perr(p, "found '%.*s', expected: ')'", la.len, la.p);
		return 0;
	}
	if (la.t == T_CPAR) {
		take(p, CTX_VALUES);
		return sel_vals_add(r, "", 0);
	}
	return perr(p, "found '%.*s', expected: ',', ')' or identifier", la.len, la.p);
}

static int parse_exact(struct parser *p, struct sel_req *r)
{
	struct token t = look(p, CTX_VALUES);

	if (t.t == T_END || t.t == T_COMMA)
		return sel_vals_add(r, "", 0);
	t = take(p, CTX_VALUES);
	if (t.t == T_ID)
		return sel_vals_add(r, t.p, (size_t)t.len);
	return perr(p, "found '%.*s', expected: identifier", t.len, t.p);
}

static int parse_requirement(struct parser *p, struct sel_req *r)
{
	struct token t = take(p, CTX_VALUES);
	int dne = 0, rc;

	if (t.t == T_DNE) {
		dne = 1;
		t = take(p, CTX_VALUES);
	}
	if (t.t != T_ID)
		return perr(p, "found '%.*s', expected: identifier", t.len, t.p);
	if (!(r->key = strndup(t.p, (size_t)t.len)))
		return -ENOMEM;
	buf detail = BUF_INIT;
	if (check_label_key(r->key, &detail) && buf_cstr(&detail) == 0) {
		int n = 0;

		/* apimachinery validates the key with a nil field path */
		buf_reset(&p->msg);
		add_invalid(&p->msg, &n, "<nil>", NULL, r->key, detail.data);
		buf_free(&detail);
		return -EINVAL;
	}
	buf_free(&detail);
	struct token la = look(p, CTX_VALUES);
	if (dne) {
		/* "!a=b" keeps the DoesNotExist and then trips over the '=' */
		r->op = SEL_DNE;
		return 0;
	}
	if (la.t == T_END || la.t == T_COMMA) {
		r->op = SEL_EXISTS;
		return 0;
	}
	t = take(p, CTX_KEYOP);
	switch (t.t) {
	case T_IN:
		r->op = SEL_IN;
		break;
	case T_NOTIN:
		r->op = SEL_NOTIN;
		break;
	case T_EQ:
	case T_DEQ:
		r->op = SEL_EQ;
		break;
	case T_NE:
		r->op = SEL_NE;
		break;
	case T_GT:
		r->op = SEL_GT;
		break;
	case T_LT:
		r->op = SEL_LT;
		break;
	default:
		return perr(p, "found '%.*s', expected: in, notin, =, ==, !=, gt, lt", t.len, t.p);
	}
	rc = (r->op == SEL_IN || r->op == SEL_NOTIN) ? parse_values(p, r) : parse_exact(p, r);
	if (rc < 0)
		return rc;
	sel_vals_normalize(r);
	buf_reset(&p->msg);
	return check_values(r, &p->msg);
}

static int parse_labels(struct parser *p, sel *s)
{
	for (;;) {
		struct token t = look(p, CTX_VALUES);

		if (t.t == T_END)
			return 0;
		if (t.t != T_ID && t.t != T_DNE)
			return perr(p, "found '%.*s', expected: !, identifier, or 'end of string'",
			            t.len, t.p);
		struct sel_req r = {0};
		int rc = parse_requirement(p, &r);
		if (rc < 0) {
			sel_req_clear(&r);
			if (rc == -EINVAL) {
				buf_cstr(&p->msg);
				char *m = buf_steal(&p->msg, NULL);
				if (!m)
					return -ENOMEM;
				perr(p, "unable to parse requirement: %s", m);
				free(m);
			}
			return rc;
		}
		if (sel_push(s, &r) < 0)
			return -ENOMEM;
		t = take(p, CTX_VALUES);
		if (t.t == T_END)
			return 0;
		if (t.t != T_COMMA)
			return perr(p, "found '%.*s', expected: ',' or 'end of string'", t.len,
			            t.p);
		t = look(p, CTX_VALUES);
		if (t.t != T_ID && t.t != T_DNE)
			return perr(p, "found '%.*s', expected: identifier after ','", t.len, t.p);
	}
}

int sel_parse_labels(const char *str, sel **out, char *err, size_t errlen)
{
	struct parser p = {.msg = BUF_INIT};
	sel *s = sel_new();
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	rc = lex(&p, str ? str : "");
	if (rc == 0)
		rc = parse_labels(&p, s);
	if (rc == -EINVAL)
		sel_set_err(err, errlen, p.msg.data ? p.msg.data : "", p.msg.len);
	else if (rc == -ENOMEM)
		sel_set_err(err, errlen, "out of memory", 13);
	free(p.toks);
	buf_free(&p.msg);
	if (rc < 0) {
		sel_free(s);
		return rc;
	}
	sel_sort(s);
	*out = s;
	return 0;
}
