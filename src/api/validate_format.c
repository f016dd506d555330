/* validate_format.c - name, label, port-name and IP format checks with Kubernetes' wording. */
#include "api/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

/* Messages exactly as k8s.io/apimachinery/pkg/util/validation builds them
 * (RegexError puts ", " after each example and " or " between them). */
#define MSG_LABEL_REGEX                                                                            \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "   \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define MSG_SUBDOMAIN_REGEX                                                                        \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "  \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "      \
	"regex used for validation is "                                                            \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define MSG_1035_REGEX                                                                             \
	"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "  \
	"an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "    \
	"'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define MSG_WILDCARD_REGEX                                                                         \
	"a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "  \
	"which must consist of lower case alphanumeric characters, '-' or '.' and end with an "    \
	"alphanumeric character (e.g. '*.example.com', regex used for validation is "              \
	"'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define MSG_QNAME_BODY                                                                             \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "  \
	"validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define MSG_LABEL_VALUE_REGEX                                                                      \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "   \
	"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "      \
	"'my_value',  or '12345', regex used for validation is "                                   \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define MSG_CONFIG_KEY_REGEX                                                                       \
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "       \
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "                \
	"'[-._a-zA-Z0-9]+')"

static int is_lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

static int is_alnum(char ch)
{
	return isalnum((unsigned char)ch) != 0;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static int match_label(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

static int match_subdomain(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!match_label(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static int match_qname(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

int api_is_dns1123_label(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0;

	if (n > 63)
		msgs[k++] = "must be no more than 63 characters";
	if (!match_label(s, n))
		msgs[k++] = match_subdomain(s, n) ? "must not contain dots" : MSG_LABEL_REGEX;
	return k;
}

int api_is_dns1123_subdomain(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0;

	if (n > 253)
		msgs[k++] = "must be no more than 253 characters";
	if (!match_subdomain(s, n))
		msgs[k++] = MSG_SUBDOMAIN_REGEX;
	return k;
}

int api_is_dns1035_label(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0;

	if (n > 63)
		msgs[k++] = "must be no more than 63 characters";
	if (!match_label(s, n) || !(s[0] >= 'a' && s[0] <= 'z'))
		msgs[k++] = MSG_1035_REGEX;
	return k;
}

int api_is_wildcard_dns1123_subdomain(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0;

	if (n > 253)
		msgs[k++] = "must be no more than 253 characters";
	if (n < 3 || s[0] != '*' || s[1] != '.' || !match_subdomain(s + 2, n - 2))
		msgs[k++] = MSG_WILDCARD_REGEX;
	return k;
}

int api_is_qualified_name(const char *s, const char **msgs)
{
	const char *slash = strchr(s, '/'), *name = s;
	int k = 0;

	if (slash) {
		const char *sub[API_FMT_MAX_MSGS];
		size_t plen = (size_t)(slash - s);
		int nsub;

		if (strchr(slash + 1, '/')) {
			msgs[k++] = "a qualified name " MSG_QNAME_BODY
			            " with an optional DNS subdomain prefix and '/' (e.g. "
			            "'example.com/MyName')";
			return k;
		}
		if (plen == 0) {
			msgs[k++] = "prefix part must be non-empty";
		} else {
			/* The prefix is checked as a subdomain over its own bytes only. */
			nsub = 0;
			if (plen > 253)
				sub[nsub++] = "prefix part must be no more than 253 characters";
			if (!match_subdomain(s, plen))
				sub[nsub++] = "prefix part " MSG_SUBDOMAIN_REGEX;
			for (int i = 0; i < nsub; i++)
				msgs[k++] = sub[i];
		}
		name = slash + 1;
	}
	if (*name == '\0')
		msgs[k++] = "name part must be non-empty";
	else if (strlen(name) > 63)
		msgs[k++] = "name part must be no more than 63 characters";
	if (!match_qname(name, strlen(name)))
		msgs[k++] = "name part " MSG_QNAME_BODY;
	return k;
}

int api_is_label_value(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0;

	if (n > 63)
		msgs[k++] = "must be no more than 63 characters";
	if (n && !match_qname(s, n))
		msgs[k++] = MSG_LABEL_VALUE_REGEX;
	return k;
}

int api_is_port_name(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0, letter = 0, charset = n > 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = 1;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			charset = 0;
	}
	if (n > 15)
		msgs[k++] = "must be no more than 15 characters";
	if (!charset)
		msgs[k++] =
		    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
	if (!letter)
		msgs[k++] = "must contain at least one letter (a-z)";
	if (strstr(s, "--"))
		msgs[k++] = "must not contain consecutive hyphens";
	if (n && (s[0] == '-' || s[n - 1] == '-'))
		msgs[k++] = "must not begin or end with a hyphen";
	return k;
}

int api_is_config_key(const char *s, const char **msgs)
{
	size_t n = strlen(s);
	int k = 0, ok = n > 0;

	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			ok = 0;
	if (n > 253)
		msgs[k++] = "must be no more than 253 characters";
	if (!ok)
		msgs[k++] = MSG_CONFIG_KEY_REGEX;
	if (!strcmp(s, "."))
		msgs[k++] = "must not be '.'";
	else if (!strcmp(s, ".."))
		msgs[k++] = "must not be '..'";
	else if (!strncmp(s, "..", 2))
		msgs[k++] = "must not start with '..'";
	return k;
}

/* Dotted quad with Go's sloppy leading zeros; n bytes of s. */
static int parse_ipv4(const char *s, size_t n, unsigned char *out)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t digits = 0;

		if (part) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return 0;
			i++;
			digits++;
		}
		if (!digits)
			return 0;
		if (out)
			out[part] = (unsigned char)v;
	}
	return i == n;
}

static int parse_ip_n(const char *s, size_t n, unsigned char *out)
{
	unsigned char a[16];
	char tmp[64];
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(a, 0, sizeof(a));
	if (n == 0 || n >= sizeof(tmp))
		return 0;
	if (!memchr(s, ':', n)) {
		if (!parse_ipv4(s, n, a + 12))
			return 0;
		memcpy(a, mapped, 12);
		if (out)
			memcpy(out, a, 16);
		return 4;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET6, tmp, a) != 1)
		return 0;
	if (out)
		memcpy(out, a, 16);
	return memcmp(a, mapped, 12) ? 6 : 4;
}

int api_parse_ip(const char *s, unsigned char *out)
{
	return parse_ip_n(s, strlen(s), out);
}

int api_parse_cidr(const char *s, unsigned char *addr, int *prefix)
{
	const char *slash = strrchr(s, '/');
	const char *p;
	int fam, max, v = 0;

	if (!slash || !slash[1])
		return 0;
	fam = parse_ip_n(s, (size_t)(slash - s), addr);
	if (!fam)
		return 0;
	/* An IPv4-mapped IPv6 address written in IPv6 syntax is a 128-bit CIDR. */
	if (memchr(s, ':', (size_t)(slash - s)))
		fam = 6;
	max = fam == 4 ? 32 : 128;
	for (p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (*p - '0');
		if (v > max)
			return 0;
	}
	if (prefix)
		*prefix = v;
	return fam;
}
