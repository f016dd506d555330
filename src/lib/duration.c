/* duration.c - Go-style durations for flags. */
#include "lib/duration.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long duration_parse_ms(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	char *end;
	double v;

	if (!s || !s[0])
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0 || v > 1e12)
		return -1;
	if (!*end)
		return v == 0 ? 0 : -1; /* a bare number other than 0 has no unit */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit))
			return (long long)(v * units[i].ms + 0.5);
	return -1;
}

int duration_flag(const char *cmd, const char *flag, const char *v, long long min_ms, int *out)
{
	long long ms = duration_parse_ms(v);

	if (ms < 0 || ms > 24LL * 3600 * 1000) {
		fprintf(stderr, "svcnet %s: %s %s: not a duration (like 250ms, 1s, 2m)\n", cmd,
		        flag, v);
		return -1;
	}
	if (ms < min_ms) {
		fprintf(stderr, "svcnet %s: %s must be at least %lld ms\n", cmd, flag, min_ms);
		return -1;
	}
	*out = (int)ms;
	return 0;
}
