/* test_prom.c - Prometheus text output, Go-style durations, extra loop hooks. */
#include <errno.h>
#include <string.h>

#include "lib/ev.h"
#include "lib/duration.h"
#include "lib/prom.h"
#include "unit.h"

UNIT_TEST(prom_histogram_text)
{
	prom_hist h;
	buf b;

	prom_hist_exp(&h, 0.001, 10, 3); /* 0.001 0.01 0.1 */
	prom_hist_observe(&h, 0.0005);
	prom_hist_observe(&h, 0.001); /* le is inclusive */
	prom_hist_observe(&h, 0.05);
	prom_hist_observe(&h, 7);
	buf_init(&b);
	CHECK_INT(prom_family(&b, "x_seconds", "histogram", "help text"), 0);
	CHECK_INT(prom_hist_write(&b, "x_seconds", "", &h), 0);
	CHECK_INT(prom_sample(&b, "y_total", "mode=\"nftables\"", 12), 0);
	CHECK_INT(prom_sample(&b, "z", "", 0.25), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "# HELP x_seconds help text\n"
	                        "# TYPE x_seconds histogram\n"
	                        "x_seconds_bucket{le=\"0.001\"} 2\n"
	                        "x_seconds_bucket{le=\"0.01\"} 2\n"
	                        "x_seconds_bucket{le=\"0.1\"} 3\n"
	                        "x_seconds_bucket{le=\"+Inf\"} 4\n"
	                        "x_seconds_sum 7.0515\n"
	                        "x_seconds_count 4\n"
	                        "y_total{mode=\"nftables\"} 12\n"
	                        "z 0.25\n");
	buf_free(&b);
}

UNIT_TEST(prom_histogram_labels)
{
	prom_hist h;
	buf b;

	prom_hist_exp(&h, 1, 2, 1);
	prom_hist_observe(&h, 3);
	buf_init(&b);
	CHECK_INT(prom_hist_write(&b, "h", "a=\"b\"", &h), 0);
	CHECK_INT(buf_cstr(&b), 0);
	CHECK_STR(buf_head(&b), "h_bucket{a=\"b\",le=\"1\"} 0\n"
	                        "h_bucket{a=\"b\",le=\"+Inf\"} 1\n"
	                        "h_sum{a=\"b\"} 3\n"
	                        "h_count{a=\"b\"} 1\n");
	buf_free(&b);
}

UNIT_TEST(hostns_durations)
{
	CHECK(duration_parse_ms("0") == 0);
	CHECK(duration_parse_ms("250ms") == 250);
	CHECK(duration_parse_ms("1s") == 1000);
	CHECK(duration_parse_ms("1.5s") == 1500);
	CHECK(duration_parse_ms("2m") == 120000);
	CHECK(duration_parse_ms("1h") == 3600000);
	CHECK(duration_parse_ms("5") == -1); /* no unit */
	CHECK(duration_parse_ms("-1s") == -1);
	CHECK(duration_parse_ms("1x") == -1);
	CHECK(duration_parse_ms("") == -1);
	CHECK(duration_parse_ms("s") == -1);
	CHECK(duration_parse_ms("nans") == -1);
	CHECK(duration_parse_ms(NULL) == -1);
}

static int hook_runs[3];

static void hook(ev_loop *l, void *data)
{
	int *n = data;

	if (++*n >= 3)
		ev_stop(l);
}

static long long tick(ev_loop *l, ev_timer *t, void *data)
{
	return 1;
}

UNIT_TEST(ev_extra_before_sleep_hooks)
{
	ev_loop *l = ev_loop_new();
	ev_timer *t;

	memset(hook_runs, 0, sizeof(hook_runs));
	CHECK(l != NULL);
	t = ev_timer_add(l, 1, tick, NULL);
	CHECK_INT(ev_add_before_sleep(l, hook, &hook_runs[0]), 0);
	CHECK_INT(ev_add_before_sleep(l, hook, &hook_runs[1]), 0);
	CHECK_INT(ev_add_before_sleep(l, hook, &hook_runs[2]), 0);
	ev_del_before_sleep(l, hook, &hook_runs[1]);
	ev_run(l);
	CHECK_INT(hook_runs[0], 3);
	CHECK_INT(hook_runs[1], 0);
	CHECK_INT(hook_runs[2], 3);
	CHECK_INT(ev_add_before_sleep(l, hook, &hook_runs[1]), 0);
	CHECK_INT(ev_add_before_sleep(l, hook, NULL), 0);
	CHECK_INT(ev_add_before_sleep(l, hook, NULL), -ENOSPC);
	ev_timer_del(l, t);
	ev_loop_free(l);
}
