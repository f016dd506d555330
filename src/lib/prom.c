/* prom.c - Prometheus text exposition helpers. */
#include "lib/prom.h"

#include <math.h>
#include <string.h>

void prom_hist_exp(prom_hist *h, double start, double factor, size_t n)
{
	memset(h, 0, sizeof(*h));
	if (n > PROM_MAX_BUCKETS)
		n = PROM_MAX_BUCKETS;
	for (size_t i = 0; i < n; i++, start *= factor)
		h->bounds[i] = start;
	h->n = n;
}

void prom_hist_observe(prom_hist *h, double v)
{
	size_t i = 0;

	while (i < h->n && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->sum += v;
	h->count++;
}

int prom_family(buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) < 0 ? -1 : 0;
}

/* Integers print without exponent, so counters stay exact and readable. */
static int prom_val(buf *b, double v)
{
	if (isnan(v))
		return buf_puts(b, "NaN");
	if (isinf(v))
		return buf_puts(b, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15)
		return buf_printf(b, "%.0f", v);
	return buf_printf(b, "%.15g", v); /* unix timestamps keep their microseconds */
}

int prom_sample(buf *b, const char *name, const char *labels, double v)
{
	if (buf_printf(b, labels && labels[0] ? "%s{%s} " : "%s ", name, labels) < 0 ||
	    prom_val(b, v) < 0 || buf_puts(b, "\n") < 0)
		return -1;
	return 0;
}

int prom_hist_write(buf *b, const char *name, const char *labels, const prom_hist *h)
{
	const char *sep = labels && labels[0] ? "," : "";
	unsigned long long cum = 0;

	if (!labels)
		labels = "";
	for (size_t i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		if (i < h->n) {
			if (buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
			               h->bounds[i], cum) < 0)
				return -1;
		} else if (buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		                      cum) < 0) {
			return -1;
		}
	}
	if (buf_printf(b, labels[0] ? "%s_sum{%s} " : "%s_sum%s ", name, labels) < 0 ||
	    prom_val(b, h->sum) < 0 ||
	    buf_printf(b, labels[0] ? "\n%s_count{%s} %llu\n" : "\n%s_count%s %llu\n", name, labels,
	               h->count) < 0)
		return -1;
	return 0;
}
