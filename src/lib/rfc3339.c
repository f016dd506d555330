/* rfc3339.c - see rfc3339.h. */
#include "lib/rfc3339.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <time.h>

char *rfc3339_fmt(long long t, char *out, size_t outlen)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		if (outlen)
			out[0] = '\0';
	}
	return out;
}

static int rfc3339_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int rfc3339_parse(const char *s, double *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	double frac = 0, scale = 0.1;
	const char *p;
	time_t t;

	if (!s || strlen(s) < 20 || rfc3339_digits(s, 4, &y) || s[4] != '-' ||
	    rfc3339_digits(s + 5, 2, &mo) || s[7] != '-' || rfc3339_digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || rfc3339_digits(s + 11, 2, &h) || s[13] != ':' ||
	    rfc3339_digits(s + 14, 2, &mi) || s[16] != ':' || rfc3339_digits(s + 17, 2, &se))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !rfc3339_digits(p + 1, 2, &oh) &&
	           p[3] == ':' && !rfc3339_digits(p + 4, 2, &om) && oh < 24 && om < 60) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return -EINVAL;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(y == 1969 && mo == 12 && d == 31))
		return -EINVAL;
	*out = (double)t - sign * (double)(oh * 3600 + om * 60) + frac;
	return 0;
}
