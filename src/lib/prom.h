/*
 * prom.h - Prometheus text exposition (format 0.0.4) for the daemons'
 * /metrics: counters, gauges and histograms written into a buf.
 *
 * Histograms keep cumulative-at-print counts per bucket upper bound, a sum
 * and a count, as client_golang's do; metric families get their # HELP and
 * # TYPE lines from prom_family().
 */
#ifndef SVCNET_PROM_H
#define SVCNET_PROM_H

#include <stddef.h>

#include "lib/buf.h"

#define PROM_MAX_BUCKETS 24

typedef struct prom_hist {
	double bounds[PROM_MAX_BUCKETS]; /* upper bounds, ascending; +Inf implied */
	unsigned long long counts[PROM_MAX_BUCKETS + 1];
	size_t n;
	double sum;
	unsigned long long count;
} prom_hist;

/* n bounds start, start*factor, ... (n <= PROM_MAX_BUCKETS). */
void prom_hist_exp(prom_hist *h, double start, double factor, size_t n);
void prom_hist_observe(prom_hist *h, double v);

/* "# HELP name help\n# TYPE name type\n". -ENOMEM or 0, as every call below. */
int prom_family(buf *b, const char *name, const char *type, const char *help);
/* One sample: name{labels} value; labels "" or 'k="v",k2="v2"' (escaped by the caller). */
int prom_sample(buf *b, const char *name, const char *labels, double v);
/* The _bucket, _sum and _count lines of a histogram. */
int prom_hist_write(buf *b, const char *name, const char *labels, const prom_hist *h);

#endif
