/* server_cmd.c - `svcnet server`: flags -> apiserver_run(). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "server/apiserver.h"

static void server_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: svcnet server --data-dir DIR [flags]\n\n"
	    "Runs the API server, its controllers and the embedded store in the foreground.\n"
	    "On first start it creates a CA, a serving certificate, an admin token and\n"
	    "DIR/kubeconfig (mode 0600) for kubectl. SIGTERM or Ctrl-C stops it cleanly.\n\n"
	    "flags:\n"
	    "  --data-dir DIR              state, certificates and kubeconfig (default "
	    "/var/lib/svcnet)\n"
	    "  --listen HOST:PORT          HTTPS address (default 127.0.0.1:6443)\n"
	    "  --service-cidr CIDR[,CIDR]  service IP range(s), a second of the other family\n"
	    "                              for dual-stack (default 10.43.0.0/16)\n"
	    "  --cluster-cidr CIDR         pod network, split into per-node CIDRs (default "
	    "10.42.0.0/16)\n"
	    "  --node-cidr-mask-size N     size of each node's pod CIDR (default 24)\n"
	    "  --node-port-range LO-HI     node port range (default 30000-32767)\n"
	    "  --lb-pool CIDR|IP-IP        load-balancer IP pool; repeatable\n"
	    "  --compact-keep N            revisions of history kept for watches (default "
	    "10000)\n"
	    "  --request-timeout SECONDS   a request must arrive whole within this (default 30)\n"
	    "  --node-monitor-grace-period SECONDS  a node without a status update this long\n"
	    "                              turns Ready=Unknown (default 40)\n"
	    "  --log-level LEVEL           debug, info, warn, error (default info)\n");
}

int cmd_server(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data-dir", required_argument, NULL, 'd'},
	    {"listen", required_argument, NULL, 'l'},
	    {"service-cidr", required_argument, NULL, 's'},
	    {"cluster-cidr", required_argument, NULL, 'c'},
	    {"node-cidr-mask-size", required_argument, NULL, 'm'},
	    {"node-port-range", required_argument, NULL, 'p'},
	    {"lb-pool", required_argument, NULL, 'b'},
	    {"compact-keep", required_argument, NULL, 'k'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"request-timeout", required_argument, NULL, 't'},
	    {"node-monitor-grace-period", required_argument, NULL, 'g'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct apiserver_config cfg = {0};
	char scidr[256] = "10.43.0.0/16";
	int o, lvl;

	cfg.data_dir = "/var/lib/svcnet";
	cfg.listen = "127.0.0.1:6443";
	snprintf(cfg.cluster_cidr, sizeof(cfg.cluster_cidr), "10.42.0.0/16");
	cfg.node_cidr_mask = 24;
	cfg.node_port_lo = 30000;
	cfg.node_port_hi = 32767;
	cfg.compact_keep = 10000;
	cfg.compact_interval_s = 60;
	cfg.request_timeout_s = 30;
	cfg.node_grace_s = 40;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			cfg.data_dir = optarg;
			break;
		case 'l':
			cfg.listen = optarg;
			break;
		case 's':
			snprintf(scidr, sizeof(scidr), "%s", optarg);
			break;
		case 'c':
			snprintf(cfg.cluster_cidr, sizeof(cfg.cluster_cidr), "%s", optarg);
			break;
		case 'm':
			cfg.node_cidr_mask = atoi(optarg);
			break;
		case 'p':
			if (sscanf(optarg, "%d-%d", &cfg.node_port_lo, &cfg.node_port_hi) != 2) {
				fprintf(stderr, "svcnet server: --node-port-range wants LO-HI\n");
				return 2;
			}
			break;
		case 'b':
			if (cfg.n_lb_pools == 16) {
				fprintf(stderr, "svcnet server: at most 16 --lb-pool\n");
				return 2;
			}
			cfg.lb_pools[cfg.n_lb_pools++] = optarg;
			break;
		case 'k':
			cfg.compact_keep = atoi(optarg);
			break;
		case 'g':
			cfg.node_grace_s = atoi(optarg);
			if (cfg.node_grace_s < 1) {
				fprintf(stderr,
					"svcnet server: --node-monitor-grace-period must be >= 1\n");
				return 2;
			}
			break;
		case 't':
			cfg.request_timeout_s = atoi(optarg);
			if (cfg.request_timeout_s < 1) {
				fprintf(stderr, "svcnet server: --request-timeout must be >= 1\n");
				return 2;
			}
			break;
		case 'v':
			lvl = log_parse_level(optarg);
			if (lvl < 0) {
				fprintf(stderr, "svcnet server: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'h':
			server_usage(stdout);
			return 0;
		default:
			server_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet server: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	{
		char *save = NULL, *tok = strtok_r(scidr, ",", &save);

		while (tok && cfg.n_service_cidrs < 2) {
			snprintf(cfg.service_cidrs[cfg.n_service_cidrs++], 64, "%s", tok);
			tok = strtok_r(NULL, ",", &save);
		}
		if (tok || !cfg.n_service_cidrs) {
			fprintf(stderr, "svcnet server: --service-cidr takes one or two CIDRs\n");
			return 2;
		}
	}
	if (cfg.compact_keep < 100)
		cfg.compact_keep = 100;
	return apiserver_run(&cfg);
}
