/* up_cmd.c - `svcnet up`: flags -> sandbox_up(). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/log.h"
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
	        "  --proxy-mode MODE    the agents' service proxy: nftables (default), iptables\n"
	        "                       or none\n"
	        "  --node-cidr-mask-size N  prefix of each node's pod CIDR, 17-29 (default 24)\n"
	        "  --data-dir DIR       state, kubeconfig and logs (default %s)\n"
	        "  --detach             exit once Ready; stop it later with `svcnet down`\n"
	        "  --timeout SECONDS    for the server and the nodes to be Ready (default 60)\n"
	        "  --log-level LEVEL    debug, info, warn, error (default info)\n",
	        SANDBOX_MAX_NODES, SANDBOX_DEFAULT_DIR);
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
