/*
 * report.c - the results table. Targets are the issue's; a missed one reads
 * "NO" and is not an error (benchmarks never assert timings). A metric that
 * is absent (its phase did not run) shows "-".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apibench.h"

#define AB_MAX_METRICS 128

struct ab_metric {
	char key[64];
	double v;
};

static struct ab_metric metrics[AB_MAX_METRICS];
static int nmetrics;
static int context_rows; /* the cost section: no target column */

static double m(const char *key)
{
	for (int i = 0; i < nmetrics; i++)
		if (!strcmp(metrics[i].key, key))
			return metrics[i].v;
	return NAN;
}

enum ab_cmp { NONE, GE, LE, LT, EQ0 };

static void row(const char *label, const char *value, enum ab_cmp cmp, double target, double v)
{
	char tgt[32] = "-";
	const char *ok = "-";

	switch (cmp) {
	case GE:
		snprintf(tgt, sizeof(tgt), ">= %g", target);
		break;
	case LE:
		snprintf(tgt, sizeof(tgt), "<= %g", target);
		break;
	case LT:
		snprintf(tgt, sizeof(tgt), "< %g", target);
		break;
	case EQ0:
		snprintf(tgt, sizeof(tgt), "0");
		break;
	case NONE:
		break;
	}
	if (cmp != NONE && !isnan(v))
		ok = (cmp == GE && v >= target) || (cmp == LE && v <= target) ||
		             (cmp == LT && v < target) || (cmp == EQ0 && v == 0)
		         ? "yes"
		         : "NO";
	if (context_rows)
		printf("%-44s %s\n", label, value);
	else
		printf("%-44s %-14s %-10s %s\n", label, value, tgt, ok);
}

static void row1(const char *label, const char *key, int decimals, double scale, enum ab_cmp cmp,
                 double target)
{
	char val[32];
	double v = m(key) * scale;

	if (isnan(v))
		snprintf(val, sizeof(val), "-");
	else
		snprintf(val, sizeof(val), "%.*f", decimals, v);
	row(label, val, cmp, target, v);
}

static void row2(const char *label, const char *k1, const char *k2, int decimals)
{
	char val[40];

	if (isnan(m(k1)) || isnan(m(k2)))
		snprintf(val, sizeof(val), "-");
	else
		snprintf(val, sizeof(val), "%.*f / %.*f", decimals, m(k1), decimals, m(k2));
	row(label, val, NONE, 0, NAN);
}

static int ab_load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nmetrics < AB_MAX_METRICS) {
		struct ab_metric *x = &metrics[nmetrics];
		char key[64];
		double v;

		if (sscanf(line, "%63s %lf", key, &v) != 2)
			continue;
		/* A later line for the same key wins (a re-run phase). */
		for (int i = 0; i < nmetrics; i++)
			if (!strcmp(metrics[i].key, key))
				x = &metrics[i];
		snprintf(x->key, sizeof(x->key), "%s", key);
		x->v = v;
		if (x == &metrics[nmetrics])
			nmetrics++;
	}
	fclose(f);
	return 0;
}

static void row_ratio(const char *label, const char *num, const char *den)
{
	char val[32] = "-";
	double r = m(num) / m(den);

	if (!isnan(r) && !isinf(r))
		snprintf(val, sizeof(val), "%.2fx", r);
	row(label, val, NONE, 0, NAN);
}

int ab_report(const char *path)
{
	double cp, cs, fails;
	char l[96];

	if (ab_load(path) < 0) {
		fprintf(stderr, "apibench: report: cannot read %s\n", path);
		return 1;
	}
	cp = m("create_conc_par");
	cs = m("create_conc_seq");
	printf("%-44s %-14s %-10s %s\n", "metric", "value", "target", "ok");
	snprintf(l, sizeof(l), "creates/s (c=%.0f, N=%.0f)", cp, m("create_n_par"));
	row1(l, "creates_per_s_par", 0, 1, GE, 2000);
	snprintf(l, sizeof(l), "creates/s (c=%.0f, N=%.0f)", cs, m("create_n_seq"));
	row1(l, "creates_per_s_seq", 0, 1, NONE, 0);
	snprintf(l, sizeof(l), "  speedup c=%.0f over c=%.0f (group commit)", cp, cs);
	row_ratio(l, "creates_per_s_par", "creates_per_s_seq");
	snprintf(l, sizeof(l), "create latency p50 / p99, c=%.0f (ms)", cp);
	row2(l, "create_p50_ms_par", "create_p99_ms_par", 2);
	snprintf(l, sizeof(l), "create latency p50 / p99, c=%.0f (ms)", cs);
	row2(l, "create_p50_ms_seq", "create_p99_ms_seq", 2);
	fails = m("create_fail_par") + (isnan(m("create_fail_seq")) ? 0 : m("create_fail_seq"));
	snprintf(l, sizeof(l), "%.0f", fails);
	row("create failures (non-201)", isnan(fails) ? "-" : l, EQ0, 0, fails);
	snprintf(l, sizeof(l), "full list median, %.0f items (ms)", m("list_items"));
	row1(l, "list_median_ms", 1, 1, LE, 150);
	snprintf(l, sizeof(l), "full list p99 of %.0f (ms)", m("list_count"));
	row1(l, "list_p99_ms", 1, 1, NONE, 0);
	row1("full list response size (MB)", "list_bytes", 1, 1.0 / (1024 * 1024), NONE, 0);
	snprintf(l, sizeof(l), "watch p50, %.0f watchers x %.0f updates (ms)", m("watch_watchers"),
	         m("watch_updates"));
	row1(l, "watch_p50_ms", 2, 1, NONE, 0);
	row1("watch p99 (ms)", "watch_p99_ms", 2, 1, LE, 10);
	row1("watch max (ms)", "watch_max_ms", 2, 1, NONE, 0);
	row1("watch events missing", "watch_missing", 0, 1, EQ0, 0);
	row1("watch writer rate (updates/s)", "watch_rate", 0, 1, NONE, 0);
	row2("watch writer PATCH p50 / p99 (ms)", "watch_write_p50_ms", "watch_write_p99_ms", 2);
	snprintf(l, sizeof(l), "server RSS after %.0f creates (MB)", m("create_n_par"));
	row1(l, "rss_kb_creates", 1, 1.0 / 1024, LE, 100);
	row1("server RSS after list + watch (MB)", "rss_kb_end", 1, 1.0 / 1024, NONE, 0);
	row1("server VmHWM, peak RSS (MB)", "hwm_kb_end", 1, 1.0 / 1024, NONE, 0);
	row1("startup, empty data dir (ms)", "startup_empty_ms", 0, 1, NONE, 0);
	snprintf(l, sizeof(l), "startup with %.0f Services stored (ms)", m("list_items"));
	row1(l, "startup_full_ms", 0, 1, LT, 1000);

	/* Where the time went: CPU cost per operation does not depend on what
	 * else the machine runs; the run-queue wait says how much it did. */
	context_rows = 1;
	printf("\n%-44s %s\n", "cost (CPU time; server's from schedstat)", "value");
	snprintf(l, sizeof(l), "server CPU per create, c=%.0f (ms)", cp);
	row1(l, "server_cpu_ms_per_create_par", 3, 1, NONE, 0);
	snprintf(l, sizeof(l), "server CPU per create, c=%.0f (ms)", cs);
	row1(l, "server_cpu_ms_per_create_seq", 3, 1, NONE, 0);
	snprintf(l, sizeof(l), "client CPU per create, c=%.0f (ms)", cp);
	row1(l, "client_cpu_ms_per_create_par", 3, 1, NONE, 0);
	row1("server CPU per full list (ms)", "server_cpu_ms_per_list_list", 1, 1, NONE, 0);
	row1("client CPU per full list (ms)", "client_cpu_ms_per_list_list", 1, 1, NONE, 0);
	snprintf(l, sizeof(l), "server CPU per update to %.0f watchers (ms)", m("watch_watchers"));
	row1(l, "server_cpu_ms_per_update_watch", 3, 1, NONE, 0);
	row1("client CPU per update, all watchers (ms)", "client_cpu_ms_per_update_watch", 3, 1,
	     NONE, 0);
	row1("server CPU to start, empty (ms)", "startup_empty_ms_cpu", 0, 1, NONE, 0);
	snprintf(l, sizeof(l), "server CPU to start with %.0f Services (ms)", m("list_items"));
	row1(l, "startup_full_ms_cpu", 0, 1, NONE, 0);
	printf("server waited for a CPU (run queue, ms):\n");
	snprintf(l, sizeof(l), "  during creates c=%.0f / c=%.0f", cp, cs);
	row2(l, "server_runq_ms_par", "server_runq_ms_seq", 0);
	row1("  during the lists", "server_runq_ms_list", 0, 1, NONE, 0);
	row1("  during the watch phase", "server_runq_ms_watch", 0, 1, NONE, 0);
	row1("  during the start with Services stored", "startup_full_ms_runq", 0, 1, NONE, 0);
	{
		char val[32] = "-";
		double v = m("startup_full_ms") - m("startup_full_ms_runq");

		if (!isnan(v))
			snprintf(val, sizeof(val), "%.0f", v);
		row("start with Services stored, less that wait", val, NONE, 0, NAN);
	}
	row2("disk: serial store-like commits p50/p99 (ms)", "disk_commit_p50_ms",
	     "disk_commit_p99_ms", 2);
	printf("\n");
	for (int i = 0; i < nmetrics; i++)
		printf("apibench.%s=%g\n", metrics[i].key, metrics[i].v);
	return 0;
}
