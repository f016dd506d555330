/* up_cmd.c - `svcnet up`: flags -> sandbox_up(). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "lib/net.h"
#include "sandbox/sandbox.h"

/* Declared here too so this file builds before cmd.h lists it. */
int cmd_up(int argc, char **argv);

static void up_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet up [flags]\n\n"
	        "Builds a sandbox cluster on this machine: a fabric bridge svcnet0\n"
	        "(198.18.0.1/24) in the root network namespace, the API server on\n"
	        "198.18.0.1:6443, and N nodes, each a network namespace\n"
	        "(/run/netns/svcnet-node-<i>, eth0 198.18.0.<10+i>) running its agent.\n"
	        "Nothing is routed out of the machine. Waits until every node is Ready,\n"
	        "writes DIR/kubeconfig and stays in the foreground: Ctrl-C tears it all\n"
	        "down. Needs root.\n\n"
	        "flags:\n"
	        "  --nodes N            nodes, 0-%d (default 2; 0: server and fabric only)\n"
	        "  --proxy-mode MODE    the agents' service proxy: nftables (default), iptables,\n"
	        "                       userspace or none\n"
	        "  --node-cidr-mask-size N  prefix of each node's pod CIDR, 17-29 (default 24)\n"
	        "  --data-dir DIR       state, kubeconfig and logs (default %s)\n"
	        "  --detach             exit once Ready; stop it later with `svcnet down`\n"
	        "  --timeout SECONDS    for the server and the nodes to be Ready (default 60)\n"
	        "  --dns-upstream IP[:PORT]  where the cluster DNS forwards names outside\n"
	        "                       cluster.local (repeatable, up to %d; default none:\n"
	        "                       such names get REFUSED, nothing is sent to the host's\n"
	        "                       resolver)\n"
	        "  --no-dns             no cluster DNS addon (kube-system/kube-dns at %s\n"
	        "                       and a svcnet dns Pod on each node; with --proxy-mode\n"
	        "                       none that Service IP does not route, ask a DNS Pod)\n"
	        "  --log-level LEVEL    debug, info, warn, error (default info)\n",
	        SANDBOX_MAX_NODES, SANDBOX_DEFAULT_DIR, SANDBOX_MAX_UPSTREAMS, "10.43.0.10");
}

static int up_int(const char *flag, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "svcnet up: %s wants a number %d-%d, got \"%s\"\n", flag, lo, hi,
		        s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* "none", an IP, or IP:PORT (IPv6 in brackets): what `svcnet dns
 * --upstream` takes, checked here so that a typo fails `up`, not a Pod. */
static int up_upstream(const char *s)
{
	char host[64];
	net_addr a;
	int port;

	if (!strcmp(s, "none") || net_addr_parse(s, &a) == 0)
		return 0;
	if (net_parse_hostport(s, host, sizeof(host), &port) == 0 && net_addr_parse(host, &a) == 0)
		return 0;
	fprintf(stderr, "svcnet up: --dns-upstream wants IP[:PORT] or none, got \"%s\"\n", s);
	return -1;
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"nodes", required_argument, NULL, 'n'},
	    {"proxy-mode", required_argument, NULL, 'm'},
	    {"data-dir", required_argument, NULL, 'd'},
	    {"detach", no_argument, NULL, 'D'},
	    {"timeout", required_argument, NULL, 't'},
	    {"node-cidr-mask-size", required_argument, NULL, 'c'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"dns-upstream", required_argument, NULL, 'u'},
	    {"no-dns", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sandbox_up_opts o = {0};
	int c, lvl;

	o.nodes = 2;
	o.proxy_mode = "nftables";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (up_int("--nodes", optarg, 0, SANDBOX_MAX_NODES, &o.nodes) < 0)
				return 2;
			break;
		case 'm':
			if (!*optarg || strlen(optarg) > 32) {
				fprintf(stderr, "svcnet up: --proxy-mode wants a mode name\n");
				return 2;
			}
			o.proxy_mode = optarg;
			break;
		case 'd':
			o.data_dir = optarg;
			break;
		case 'D':
			o.detach = 1;
			break;
		case 't':
			if (up_int("--timeout", optarg, 1, 3600, &o.timeout_s) < 0)
				return 2;
			break;
		case 'c':
			if (up_int("--node-cidr-mask-size", optarg, 17, 29, &o.node_cidr_mask) < 0)
				return 2;
			break;
		case 'v':
			if ((lvl = log_parse_level(optarg)) < 0) {
				fprintf(stderr, "svcnet up: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'u':
			if (up_upstream(optarg) < 0)
				return 2;
			if (o.dns_nupstreams == SANDBOX_MAX_UPSTREAMS) {
				fprintf(stderr, "svcnet up: at most %d --dns-upstream\n",
				        SANDBOX_MAX_UPSTREAMS);
				return 2;
			}
			/* "none" alone means no forwarding; with others it is noise */
			if (strcmp(optarg, "none"))
				o.dns_upstreams[o.dns_nupstreams++] = optarg;
			break;
		case 'N':
			o.no_dns = 1;
			break;
		case 'h':
			up_usage(stdout);
			return 0;
		default:
			up_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet up: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "svcnet up: needs root (network namespaces, links, mounts)\n");
		return 1;
	}
	return sandbox_up(&o);
}
