/* rfc3339.c - see rfc3339.h. */
#include "lib/rfc3339.h"

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
