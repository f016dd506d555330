/*
 * apibench.c - modes of the API load generator; bench/api/run strings them
 * together against fresh servers and feeds the collected lines to `report`.
 *
 *   ready    wait until the server answers /healthz over TLS; prints the time
 *            since --since-ns (the run script's clock just before the exec)
 *   creates  N Services over C keep-alive connections (one thread each)
 *   list     K full lists of a namespace's Services
 *   watch    write-to-event latency for W watchers (watch.c)
 *   mem      VmRSS / VmHWM of --pid
 *   freeport a TCP port on 127.0.0.1 that is free right now
 *   commit   the data dir's disk as the store uses it (probe.c)
 *   report   the table from a file of "key value" lines (report.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "apibench.h"

struct ab_opts {
	const char *host, *ca, *token, *ns, *prefix, *label;
	int port, n, conc, lists, watchers, events;
	double rate, timeout_s;
	long long since_ns;
	pid_t pid;
};

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: apibench MODE [options]\n"
	       "modes: ready | creates | list | watch | mem | freeport | commit DIR | report FILE\n"
	       "  --host IP --port N --ca FILE --token FILE --pid PID\n"
	       "  --ns NS (default) --prefix P (bsvc-) --label L --timeout S (300)\n"
	       "  creates: --n N (10000) --conc C (8)\n"
	       "  list:    --lists K (20)\n"
	       "  watch:   --watchers W (100) --events M (1000) --rate R (500)\n"
	       "  ready:   --since-ns NS (CLOCK_REALTIME when the server was exec'd)\n");
}

/* ---- creates ---------------------------------------------------------- */

struct ab_cstate {
	const struct ab_target *t;
	const struct ab_opts *o;
	double *lat;
	double deadline;
	atomic_int next;
	atomic_int fails;
	atomic_int abort;
};

static void *ab_create_thread(void *arg)
{
	struct ab_cstate *s = arg;
	const struct ab_opts *o = s->o;
	struct ab_conn c;
	char path[256], body[1024];
	int rc, open = 0, i;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services", o->ns);
	while (!atomic_load(&s->abort) && (i = atomic_fetch_add(&s->next, 1)) < o->n) {
		double t0;
		int n;

		if (ab_now() > s->deadline) {
			fprintf(stderr, "apibench: creates: timed out\n");
			atomic_store(&s->abort, 1);
			break;
		}
		if (!open) {
			rc = ab_conn_open(s->t, &c);
			if (rc < 0) {
				ab_fail(s->t, "creates: connect", rc);
				atomic_store(&s->abort, 1);
				break;
			}
			open = 1;
		}
		/* Realistic: every Service selects pods (none exist), so the server
		 * also writes its EndpointSlice and Endpoints. */
		n = snprintf(body, sizeof(body),
		             "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":"
		             "\"%s%06d\",\"labels\":{\"app.kubernetes.io/part-of\":\"apibench\"}},"
		             "\"spec\":{\"type\":\"ClusterIP\",\"selector\":{\"app\":\"%s%06d\"},"
		             "\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,"
		             "\"targetPort\":8080}]}}",
		             o->prefix, i, o->prefix, i);
		rc = ab_request(s->t, &c, "POST", path, "application/json", body, (size_t)n, &t0);
		s->lat[i] = (ab_now() - t0) * 1e3;
		if (rc == 201)
			continue;
		if (atomic_fetch_add(&s->fails, 1) < 5) {
			buf *b = &c.resp.body;

			if (rc < 0)
				fprintf(stderr, "apibench: create %s%06d: %s\n", o->prefix, i,
				        strerror(-rc));
			else
				fprintf(stderr, "apibench: create %s%06d: HTTP %d %.*s\n",
				        o->prefix, i, rc,
				        (int)(buf_avail(b) < 300 ? buf_avail(b) : 300),
				        b->data ? buf_head(b) : "");
		}
		if (rc < 0 || !c.resp.keep_alive) {
			ab_conn_close(&c);
			open = 0;
			if (!ab_server_alive(s->t->pid)) {
				ab_fail(s->t, "creates", rc);
				atomic_store(&s->abort, 1);
			}
		}
	}
	if (open)
		ab_conn_close(&c);
	return NULL;
}

static int ab_creates(const struct ab_target *t, const struct ab_opts *o)
{
	struct ab_cstate s = {.t = t, .o = o};
	pthread_t *th = calloc((size_t)o->conc, sizeof(*th));
	int nth = 0, ret = 1;
	double t0, wall;
	struct ab_usage u0, u1;

	s.lat = calloc((size_t)o->n, sizeof(double));
	s.deadline = ab_now() + o->timeout_s;
	if (!th || !s.lat)
		goto out;
	ab_usage_take(t->pid, &u0);
	t0 = ab_now();
	for (; nth < o->conc; nth++)
		if (pthread_create(&th[nth], NULL, ab_create_thread, &s) != 0)
			break;
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	wall = ab_now() - t0;
	ab_usage_take(t->pid, &u1);
	if (nth < o->conc || atomic_load(&s.abort))
		goto out;
	printf("create_n_%s %d\ncreate_conc_%s %d\n", o->label, o->n, o->label, o->conc);
	printf("creates_per_s_%s %.0f\n", o->label, (double)o->n / wall);
	printf("create_p50_ms_%s %.2f\n", o->label, ab_quantile(s.lat, (size_t)o->n, 0.50));
	printf("create_p99_ms_%s %.2f\n", o->label, ab_quantile(s.lat, (size_t)o->n, 0.99));
	printf("create_fail_%s %d\n", o->label, atomic_load(&s.fails));
	ab_usage_print(&u0, &u1, o->n, "create", o->label);
	ret = 0;
out:
	free(th);
	free(s.lat);
	return ret;
}

/* ---- list ------------------------------------------------------------- */

static int ab_list(const struct ab_target *t, const struct ab_opts *o)
{
	double *lat = calloc((size_t)o->lists, sizeof(double)), deadline = ab_now() + o->timeout_s;
	struct ab_conn c;
	char path[256];
	size_t bytes = 0, items = 0;
	struct ab_usage u0, u1;
	double parse_ms = 0;
	int rc = ab_conn_open(t, &c), ret = 1;

	if (rc < 0) {
		free(lat);
		return ab_fail(t, "list: connect", rc);
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services", o->ns);
	ab_usage_take(t->pid, &u0);
	for (int k = 0; lat && k < o->lists; k++) {
		double t0;

		if (ab_now() > deadline) {
			fprintf(stderr, "apibench: list: timed out\n");
			goto out;
		}
		rc = ab_request(t, &c, "GET", path, NULL, NULL, 0, &t0);
		lat[k] = (ab_now() - t0) * 1e3;
		if (rc != 200) {
			ab_fail(t, "list", rc);
			goto out;
		}
		if (k == 0) {
			/* Checked once, outside the timing; its CPU is taken off the
			 * client's share below. */
			struct ab_usage p0, p1;
			json_t *j;

			ab_usage_take(0, &p0);
			j = json_loadb(buf_head(&c.resp.body), buf_avail(&c.resp.body), 0, NULL);
			bytes = buf_avail(&c.resp.body);
			items = json_array_size(json_object_get(j, "items"));
			json_decref(j);
			ab_usage_take(0, &p1);
			parse_ms = p1.cli_cpu_ms - p0.cli_cpu_ms;
		}
	}
	ab_usage_take(t->pid, &u1);
	u1.cli_cpu_ms -= parse_ms;
	printf("list_items %zu\nlist_bytes %zu\nlist_count %d\n", items, bytes, o->lists);
	printf("list_median_ms %.1f\n", ab_quantile(lat, (size_t)o->lists, 0.50));
	printf("list_p99_ms %.1f\n", ab_quantile(lat, (size_t)o->lists, 0.99));
	ab_usage_print(&u0, &u1, o->lists, "list", "list");
	ret = 0;
out:
	ab_conn_close(&c);
	free(lat);
	return ret;
}

/* ---- ready / mem ------------------------------------------------------ */

static long long ab_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The CA file appears only once the server has made it, so the target is set
 * up inside the polling loop. */
static int ab_ready(const struct ab_opts *o)
{
	double deadline = ab_now() + o->timeout_s;
	struct ab_target t = {0};
	int have_target = 0;

	while (ab_now() < deadline) {
		struct timespec pause = {0, 2 * 1000 * 1000};
		struct ab_conn c;

		if (!ab_server_alive(o->pid)) {
			fprintf(stderr, "apibench: ready: the server (pid %d) exited\n",
			        (int)o->pid);
			return 1;
		}
		if (!have_target && access(o->ca, R_OK) == 0 &&
		    ab_target_init(&t, o->host, o->port, o->ca, NULL, o->pid, 2000) == 0)
			have_target = 1;
		if (have_target && ab_conn_open(&t, &c) == 0) {
			int rc = ab_request(&t, &c, "GET", "/healthz", NULL, NULL, 0, NULL);

			ab_conn_close(&c);
			if (rc == 200) {
				long long ns = ab_realtime_ns() - o->since_ns;

				struct ab_usage u;

				ab_usage_take(o->pid, &u);
				printf("%s %.0f\n", o->label, o->since_ns ? (double)ns / 1e6 : 0.0);
				/* A fresh process: its totals are the start-up's. */
				if (u.srv_cpu_ms >= 0)
					printf("%s_cpu %.0f\n%s_runq %.0f\n", o->label,
					       u.srv_cpu_ms, o->label, u.srv_wait_ms);
				ab_target_free(&t);
				return 0;
			}
		}
		nanosleep(&pause, NULL);
	}
	ab_target_free(&t);
	fprintf(stderr, "apibench: ready: no answer from %s:%d in %.0f s\n", o->host, o->port,
	        o->timeout_s);
	return 1;
}

static int ab_mem(const struct ab_opts *o)
{
	long rss, hwm;

	if (ab_proc_mem(o->pid, &rss, &hwm) < 0) {
		fprintf(stderr, "apibench: mem: cannot read /proc/%d/status\n", (int)o->pid);
		return 1;
	}
	printf("rss_kb_%s %ld\nhwm_kb_%s %ld\n", o->label, rss, o->label, hwm);
	return 0;
}

/* The kernel picks the port; it is closed again before the server binds it,
 * which is racy only against other programs grabbing ports this instant. */
static int ab_freeport(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("apibench: freeport");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

/* ---- main ------------------------------------------------------------- */

static int ab_parse(int argc, char **argv, struct ab_opts *o)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'H'},     {"port", required_argument, NULL, 'p'},
	    {"ca", required_argument, NULL, 'c'},       {"token", required_argument, NULL, 't'},
	    {"pid", required_argument, NULL, 'P'},      {"ns", required_argument, NULL, 's'},
	    {"prefix", required_argument, NULL, 'x'},   {"label", required_argument, NULL, 'l'},
	    {"timeout", required_argument, NULL, 'T'},  {"n", required_argument, NULL, 'n'},
	    {"conc", required_argument, NULL, 'C'},     {"lists", required_argument, NULL, 'k'},
	    {"watchers", required_argument, NULL, 'w'}, {"events", required_argument, NULL, 'm'},
	    {"rate", required_argument, NULL, 'r'},     {"since-ns", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			o->port = atoi(optarg);
			break;
		case 'c':
			o->ca = optarg;
			break;
		case 't':
			o->token = optarg;
			break;
		case 'P':
			o->pid = (pid_t)atoi(optarg);
			break;
		case 's':
			o->ns = optarg;
			break;
		case 'x':
			o->prefix = optarg;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'T':
			o->timeout_s = atof(optarg);
			break;
		case 'n':
			o->n = atoi(optarg);
			break;
		case 'C':
			o->conc = atoi(optarg);
			break;
		case 'k':
			o->lists = atoi(optarg);
			break;
		case 'w':
			o->watchers = atoi(optarg);
			break;
		case 'm':
			o->events = atoi(optarg);
			break;
		case 'r':
			o->rate = atof(optarg);
			break;
		case 'S':
			o->since_ns = atoll(optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (o->port <= 0 || o->port > 65535 || o->n <= 0 || o->conc <= 0 || o->conc > 1024 ||
	    o->lists <= 0 || o->watchers <= 0 || o->watchers > 10000 || o->events <= 0 ||
	    o->events > 1000000 || o->rate <= 0 || o->timeout_s <= 0 || !o->ca) {
		fprintf(stderr, "apibench: --port, --ca and positive sizes are required\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ab_opts o = {.host = "127.0.0.1",
	                    .ns = "default",
	                    .prefix = "bsvc-",
	                    .label = "run",
	                    .n = 10000,
	                    .conc = 8,
	                    .lists = 20,
	                    .watchers = 100,
	                    .events = 1000,
	                    .rate = 500,
	                    .timeout_s = 300};
	struct ab_target t;
	const char *mode;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[1];
	if (!strcmp(mode, "help") || !strcmp(mode, "-h") || !strcmp(mode, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(mode, "report"))
		return argc == 3 ? ab_report(argv[2]) : 2;
	if (!strcmp(mode, "freeport"))
		return ab_freeport();
	if (!strcmp(mode, "commit"))
		return argc == 3 ? ab_commit_probe(argv[2]) : 2;
	optind = 2;
	if (ab_parse(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "ready"))
		return ab_ready(&o);
	if (!strcmp(mode, "mem"))
		return ab_mem(&o);
	if (!o.token || ab_target_init(&t, o.host, o.port, o.ca, o.token, o.pid, 15000) < 0) {
		fprintf(stderr, "apibench: %s needs --ca and --token\n", mode);
		return 2;
	}
	if (!strcmp(mode, "creates")) {
		ret = ab_creates(&t, &o);
	} else if (!strcmp(mode, "list")) {
		ret = ab_list(&t, &o);
	} else if (!strcmp(mode, "watch")) {
		struct ab_watch_opts w = {o.watchers, o.events, o.rate,
		                          o.ns,       o.prefix, o.timeout_s};

		ret = ab_watch_phase(&t, &w);
	} else {
		usage(stderr);
		ret = 2;
	}
	ab_target_free(&t);
	return ret;
}
