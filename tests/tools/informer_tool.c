/*
 * informer_tool.c - runs informers against a server from a kubeconfig and
 * prints one line per callback, flushed, for the integration tests:
 *
 *   ADD ns/name rv | UPDATE ns/name rv | DELETE ns/name rv | SYNCED n
 *
 * With more than one -r, each line starts with the resource ("pods ADD ...").
 * On SIGTERM/SIGINT (or after --exit-after seconds) it prints the counters
 * to stderr ("STATS resource lists=.. watches=.. gone=.. errors=.. events=..")
 * and exits 0 after freeing everything, so valgrind sees no leak.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/httpc.h"
#include "client/informer.h"
#include "lib/log.h"

#define TOOL_MAX_RES 8

static volatile sig_atomic_t tool_stop;
static int tool_multi;
static uint64_t tool_deadline;

static void tool_on_signal(int sig)
{
	tool_stop = 1;
}

static void tool_print(informer *inf, const char *verb, json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *rv = json_string_value(json_object_get(md, "resourceVersion"));

	printf("%s%s%s %s%s%s %s\n", tool_multi ? informer_resource(inf) : "",
	       tool_multi ? " " : "", verb, ns && ns[0] ? ns : "", ns && ns[0] ? "/" : "",
	       name ? name : "?", rv ? rv : "?");
	fflush(stdout);
}

static void tool_add(informer *inf, json_t *obj, void *data)
{
	tool_print(inf, "ADD", obj);
}

static void tool_update(informer *inf, json_t *old_obj, json_t *new_obj, void *data)
{
	tool_print(inf, "UPDATE", new_obj);
}

static void tool_delete(informer *inf, json_t *obj, void *data)
{
	tool_print(inf, "DELETE", obj);
}

static void tool_synced(informer *inf, void *data)
{
	printf("%s%sSYNCED %zu\n", tool_multi ? informer_resource(inf) : "", tool_multi ? " " : "",
	       informer_size(inf));
	fflush(stdout);
}

static long long tool_tick(ev_loop *l, ev_timer *t, void *data)
{
	if (tool_stop || (tool_deadline && ev_now(l) >= tool_deadline)) {
		ev_stop(l);
		return EV_TIMER_STOP;
	}
	return 50;
}

static const char *tool_prefix(const char *res)
{
	static const struct {
		const char *res, *prefix;
	} map[] = {
	    {"endpointslices", "/apis/discovery.k8s.io/v1"},
	    {"ingresses", "/apis/networking.k8s.io/v1"},
	    {"ingressclasses", "/apis/networking.k8s.io/v1"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].res, res))
			return map[i].prefix;
	return "/api/v1";
}

static void tool_usage(void)
{
	fprintf(stderr, "usage: informer-tool --kubeconfig PATH [-r RESOURCE]... [-n NAMESPACE]\n"
	                "  [-l LABEL_SELECTOR] [--field-selector SEL] [--watch-timeout S]\n"
	                "  [--backoff-max-ms MS] [--exit-after S] [--log-level LEVEL]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"resource", required_argument, NULL, 'r'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"selector", required_argument, NULL, 'l'},
	    {"field-selector", required_argument, NULL, 'f'},
	    {"watch-timeout", required_argument, NULL, 'w'},
	    {"backoff-max-ms", required_argument, NULL, 'b'},
	    {"exit-after", required_argument, NULL, 'x'},
	    {"log-level", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	const char *kubeconfig = NULL, *ns = NULL, *ls = NULL, *fs = NULL;
	const char *res[TOOL_MAX_RES];
	informer *infs[TOOL_MAX_RES] = {0};
	struct informer_callbacks cb = {tool_add, tool_update, tool_delete, tool_synced};
	struct informer_tuning tune = {0};
	struct sigaction sa;
	int nres = 0, c, rc = 1, exit_after = 0;
	char err[256];
	ev_loop *loop;
	httpc *cl = NULL;

	while ((c = getopt_long(argc, argv, "k:r:n:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'r':
			if (nres == TOOL_MAX_RES) {
				tool_usage();
				return 2;
			}
			res[nres++] = optarg;
			break;
		case 'n':
			ns = optarg;
			break;
		case 'l':
			ls = optarg;
			break;
		case 'f':
			fs = optarg;
			break;
		case 'w':
			tune.watch_timeout_s = atoi(optarg);
			break;
		case 'b':
			tune.backoff_max_ms = atoi(optarg);
			break;
		case 'x':
			exit_after = atoi(optarg);
			break;
		case 'v':
			if (log_parse_level(optarg) < 0) {
				tool_usage();
				return 2;
			}
			log_set_level((enum log_level)log_parse_level(optarg));
			break;
		default:
			tool_usage();
			return 2;
		}
	}
	if (!kubeconfig || optind != argc) {
		tool_usage();
		return 2;
	}
	if (!nres)
		res[nres++] = "services";
	tool_multi = nres > 1;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tool_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	loop = ev_loop_new();
	if (!loop)
		return 1;
	if (httpc_new_kubeconfig(loop, kubeconfig, &cl, err, sizeof(err)) < 0) {
		fprintf(stderr, "informer-tool: %s\n", err);
		goto out;
	}
	for (int i = 0; i < nres; i++) {
		if (informer_new(loop, cl, tool_prefix(res[i]), res[i], ns, ls, fs, &cb, NULL,
		                 &infs[i]) < 0) {
			fprintf(stderr, "informer-tool: bad resource or namespace\n");
			goto out;
		}
		informer_set_tuning(infs[i], &tune);
		if (informer_start(infs[i]) < 0)
			goto out;
	}
	if (exit_after > 0)
		tool_deadline = ev_clock_ms() + (uint64_t)exit_after * 1000;
	if (!ev_timer_add(loop, 50, tool_tick, NULL))
		goto out;
	ev_run(loop);
	for (int i = 0; i < nres; i++) {
		struct informer_stats st;

		informer_get_stats(infs[i], &st);
		fprintf(stderr, "STATS %s lists=%lu watches=%lu gone=%lu errors=%lu events=%lu\n",
		        res[i], st.lists, st.watches, st.gone, st.errors, st.events);
	}
	rc = 0;
out:
	for (int i = 0; i < nres; i++)
		informer_free(infs[i]);
	httpc_free(cl);
	ev_loop_free(loop);
	return rc;
}
