/* hostns.c - the host-namespace check and Go-style durations for flags. */
#include "lib/hostns.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int hostns_is_host(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) < 0 || stat("/proc/1/ns/net", &init) < 0)
		return 0;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

long long hostns_parse_duration_ms(const char *s)
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
