/* dns_cmd.c - `svcnet dns`: flags -> the cluster DNS server on its own loop. */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/httpc.h"
#include "cmd/cmd.h"
#include "dns/dns.h"
#include "lib/buf.h"
#include "lib/ev.h"
#include "lib/log.h"
#include "lib/sigstop.h"
#include "lib/net.h"
#include "lib/sockaddr.h"

static void dns_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet dns --kubeconfig FILE [flags]\n\n"
	        "Cluster DNS (what CoreDNS does in a cluster): answers the Kubernetes DNS\n"
	        "specification 1.1.0 for <svc>.<ns>.svc.<zone> and friends from Services and\n"
	        "EndpointSlices watched through the API, and forwards other names to upstream\n"
	        "servers through a cache.\n\n"
	        "flags:\n"
	        "  --kubeconfig FILE          credentials and address of the API server\n"
	        "  --listen ADDR:PORT         where to answer, UDP and TCP; repeatable\n"
	        "                             (default 10.43.0.10:53; 0.0.0.0:53 = all addresses)\n"
	        "  --zone NAME                the cluster domain (default cluster.local)\n"
	        "  --upstream IP[:PORT]       forward other names there; repeatable (default: the\n"
	        "                             nameservers of /etc/resolv.conf); \"none\": no\n"
	        "                             forwarding, names outside the zone get REFUSED\n"
	        "  --ttl SECONDS              TTL of cluster records and of denials (default 5)\n"
	        "  --pods MODE                disabled, insecure (default) or verified: pod\n"
	        "                             records a-b-c-d.<ns>.pod.<zone>\n"
	        "  --http-bind-address A      /health, /ready, /metrics (default: none)\n"
	        "  --cache-size N             forwarder cache entries (default 10000)\n"
	        "  --log-level LEVEL          debug, info, warn, error (default info)\n");
}

/* "IP", "IP:PORT", "[IPv6]:PORT" or a bare IPv6 address. */
static int parse_upstream(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	net_addr a;
	char host[NET_ADDR_STRLEN];
	int port = 53;

	if (net_addr_parse(s, &a) < 0) {
		if (net_parse_hostport(s, host, sizeof(host), &port) < 0 ||
		    net_addr_parse(host, &a) < 0)
			return -EINVAL;
	}
	return net_addr_to_sockaddr(&a, port, ss, len);
}

/* 1 when a is assigned to an interface of this network namespace. */
static int is_local_addr(const net_addr *a)
{
	struct ifaddrs *ifs, *i;
	int found = 0;

	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i && !found; i = i->ifa_next) {
		net_addr b;
		int port;

		if (i->ifa_addr &&
		    (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6) &&
		    net_addr_from_sockaddr(i->ifa_addr, &b, &port) == 0)
			found = !memcmp(a, &b, sizeof(b));
	}
	freeifaddrs(ifs);
	return found;
}

static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	net_addr x, y;
	int px, py;

	if (net_addr_from_sockaddr((const struct sockaddr *)a, &x, &px) < 0 ||
	    net_addr_from_sockaddr((const struct sockaddr *)b, &y, &py) < 0 || px != py)
		return 0;
	if (!memcmp(&x, &y, sizeof(x)))
		return 1;
	/* A wildcard listener answers on loopback and every local address. */
	static const uint8_t zero[16];
	return !memcmp(y.a, zero, 16) && x.family == y.family &&
	       ((x.family == AF_INET && x.a[0] == 127) || is_local_addr(&x));
}

/* Adds an upstream unless it is one of our own listen addresses. */
static int add_upstream(struct dns_config *cfg, const char *s, const char *from)
{
	struct sockaddr_storage ss, ls;
	socklen_t len, ll;

	if (parse_upstream(s, &ss, &len) < 0) {
		fprintf(stderr, "svcnet dns: %s %s: expected IP or IP:PORT\n", from, s);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nlisten; i++) {
		if (sa_parse(cfg->listen[i], &ls, &ll) == 0 && same_endpoint(&ss, &ls)) {
			log_warn("dns", "%s %s is our own listen address: not used", from, s);
			return 0;
		}
	}
	if (cfg->fwd.nup == DNSFWD_MAX_UPSTREAMS) {
		fprintf(stderr, "svcnet dns: at most %d upstreams\n", DNSFWD_MAX_UPSTREAMS);
		return -EINVAL;
	}
	cfg->fwd.up[cfg->fwd.nup] = ss;
	cfg->fwd.uplen[cfg->fwd.nup] = len;
	cfg->fwd.nup++;
	return 0;
}

static void resolv_conf_upstreams(struct dns_config *cfg)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;

		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || strcmp(tok, "nameserver"))
			continue;
		tok = strtok_r(NULL, " \t\r\n", &save);
		if (tok && cfg->fwd.nup < DNSFWD_MAX_UPSTREAMS)
			add_upstream(cfg, tok, "/etc/resolv.conf nameserver");
	}
	fclose(f);
}

static void log_start(const struct dns_config *cfg, const char *pods)
{
	buf b;

	buf_init(&b);
	for (int i = 0; i < cfg->nlisten; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", cfg->listen[i]);
	buf_printf(&b, " (udp+tcp); zone %s, ttl %d, pods %s; upstreams ", cfg->zone, cfg->ttl,
	           pods);
	for (int i = 0; i < cfg->fwd.nup; i++) {
		char t[64];

		net_sockaddr_fmt(&cfg->fwd.up[i], t, sizeof(t));
		buf_printf(&b, "%s%s", i ? ", " : "", t);
	}
	if (!cfg->fwd.nup)
		buf_puts(&b, "none (no forwarding)");
	else
		buf_printf(&b, " (cache %zu)", cfg->fwd.cache_size);
	if (cfg->http_addr && cfg->http_addr[0])
		buf_printf(&b, "; http %s", cfg->http_addr);
	buf_cstr(&b);
	log_info("dns", "listening on %s", b.data ? b.data : "");
	buf_free(&b);
}

struct dns_run {
	const struct dns_config *cfg;
	const char *pods;
};

static int dns_run_start(ev_loop *l, httpc *api, void *arg, void **obj, char *err, size_t errlen)
{
	struct dns_run *r = arg;
	dns *d = NULL;
	int rc = dns_start(l, api, r->cfg, &d, err, errlen);

	*obj = d;
	return rc;
}

static void dns_run_stop(void *obj)
{
	dns_free(obj);
}

static void dns_run_started(void *arg)
{
	struct dns_run *r = arg;

	log_start(r->cfg, r->pods);
}

static int dns_main(const char *kubeconfig, const struct dns_config *cfg, const char *pods)
{
	struct dns_run r = {cfg, pods};
	const struct cmd_daemon d = {.mod = "dns",
	                             .stop_note = "",
	                             .start_fail_rc = 1,
	                             .start = dns_run_start,
	                             .stop = dns_run_stop,
	                             .started = dns_run_started,
	                             .arg = &r};

	return cmd_daemon_run(kubeconfig, &d);
}

int cmd_dns(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"listen", required_argument, NULL, 'l'},
	    {"zone", required_argument, NULL, 'z'},
	    {"upstream", required_argument, NULL, 'u'},
	    {"ttl", required_argument, NULL, 't'},
	    {"pods", required_argument, NULL, 'p'},
	    {"http-bind-address", required_argument, NULL, 'a'},
	    {"cache-size", required_argument, NULL, 'c'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dns_config cfg = {0};
	const char *kubeconfig = NULL, *pods = "insecure";
	const char *ups[DNSFWD_MAX_UPSTREAMS + 1];
	int o, lvl, nups = 0, no_upstream = 0;
	char *end;
	long v;

	cfg.zone = "cluster.local";
	cfg.ttl = 5;
	cfg.pods = DNSA_PODS_INSECURE;
	cfg.fwd.cache_size = 10000;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'l':
			if (cfg.nlisten == DNSSRV_MAX_LISTEN) {
				fprintf(stderr, "svcnet dns: at most %d --listen\n",
				        DNSSRV_MAX_LISTEN);
				return 2;
			}
			{
				struct sockaddr_storage ss;
				socklen_t sl;

				if (sa_parse(optarg, &ss, &sl) < 0) {
					fprintf(stderr,
					        "svcnet dns: --listen %s: expected ADDR:PORT\n",
					        optarg);
					return 2;
				}
			}
			cfg.listen[cfg.nlisten++] = optarg;
			break;
		case 'z':
			cfg.zone = optarg;
			break;
		case 'u':
			if (!strcmp(optarg, "none")) {
				no_upstream = 1;
			} else if (nups == DNSFWD_MAX_UPSTREAMS) {
				fprintf(stderr, "svcnet dns: at most %d --upstream\n",
				        DNSFWD_MAX_UPSTREAMS);
				return 2;
			} else {
				ups[nups++] = optarg;
			}
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 86400) {
				fprintf(stderr, "svcnet dns: --ttl %s: expected 0..86400 seconds\n",
				        optarg);
				return 2;
			}
			cfg.ttl = (int)v;
			break;
		case 'p':
			pods = optarg;
			if (!strcmp(optarg, "disabled")) {
				cfg.pods = DNSA_PODS_DISABLED;
			} else if (!strcmp(optarg, "insecure")) {
				cfg.pods = DNSA_PODS_INSECURE;
			} else if (!strcmp(optarg, "verified")) {
				cfg.pods = DNSA_PODS_VERIFIED;
			} else {
				fprintf(stderr,
				        "svcnet dns: --pods %s: expected disabled, insecure or "
				        "verified\n",
				        optarg);
				return 2;
			}
			break;
		case 'a':
			cfg.http_addr = optarg;
			break;
		case 'c':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 10000000) {
				fprintf(
				    stderr,
				    "svcnet dns: --cache-size %s: expected 1..10000000 entries\n",
				    optarg);
				return 2;
			}
			cfg.fwd.cache_size = (size_t)v;
			break;
		case 'v':
			lvl = log_parse_level(optarg);
			if (lvl < 0) {
				fprintf(stderr, "svcnet dns: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'h':
			dns_usage(stdout);
			return 0;
		default:
			dns_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet dns: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!kubeconfig) {
		fprintf(stderr, "svcnet dns: --kubeconfig is required\n");
		return 2;
	}
	if (no_upstream && nups) {
		fprintf(stderr, "svcnet dns: --upstream none cannot be combined with upstreams\n");
		return 2;
	}
	{
		uint8_t w[DNS_NAME_MAX];
		size_t wl;

		if (dnsmsg_name_from_text(cfg.zone, w, &wl) < 0 || wl < 2) {
			fprintf(stderr, "svcnet dns: --zone %s: not a DNS name\n", cfg.zone);
			return 2;
		}
	}
	if (!cfg.nlisten)
		cfg.listen[cfg.nlisten++] = "10.43.0.10:53";
	for (int i = 0; i < nups; i++)
		if (add_upstream(&cfg, ups[i], "--upstream") < 0)
			return 2;
	if (!no_upstream && !nups) {
		resolv_conf_upstreams(&cfg);
		if (!cfg.fwd.nup)
			log_warn("dns", "no nameserver in /etc/resolv.conf: no forwarding");
	}
	return dns_main(kubeconfig, &cfg, pods);
}
