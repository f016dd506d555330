/* agent_cmd.c - `svcnet agent`: flags -> agent_run(). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cmd/cmd.h"
#include "lib/duration.h"
#include "lib/log.h"
#include "proxy/ipvs.h"

static void agent_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet agent --kubeconfig FILE --node-name NAME [flags]\n\n"
	        "Runs the node agent in the current network namespace (the node's): registers\n"
	        "the Node and keeps it Ready, builds the bridge "
	        "cni0"
	        " for the node's pod CIDR,\n"
	        "routes to other nodes' pod CIDRs, and runs the Pods bound to the node as\n"
	        "processes in their own network and UTS namespaces (the host filesystem is\n"
	        "used: images are not pulled). SIGTERM stops the agent; its Pods keep running\n"
	        "and a restarted agent adopts them.\n\n"
	        "flags:\n"
	        "  --kubeconfig FILE        credentials and address of the API server\n"
	        "  --node-name NAME         the Node to register\n"
	        "  --node-ip IP             the node's InternalIP (default: first global IPv4)\n"
	        "  --state-dir DIR          Pod state, namespace pins, IPAM, logs\n"
	        "                           (default /var/lib/svcnet/agent)\n"
	        "  --cluster-dns IP         nameserver in Pods' resolv.conf (default 10.43.0.10)\n"
	        "  --cluster-domain NAME    DNS domain (default cluster.local)\n"
	        "  --cluster-cidr CIDR      the whole pod network: traffic leaving it is\n"
	        "                           masqueraded (default 10.42.0.0/16)\n"
	        "  --proxy-mode MODE        service proxy: nftables (default), iptables,\n"
	        "                           userspace, ipvs, or none; ebpf is not built "
	        "yet\n" CMD_IPVS_USAGE
	        "  --service-cidr CIDR      cluster IPs, routed to cni0 when a proxy runs\n"
	        "                           (default 10.43.0.0/16)\n"
	        "  --min-sync-period D      proxy: at most one sync per D (default 1s; 0 allowed)\n"
	        "  --sync-period D          proxy: full resync every D (default 30s)\n"
	        "  --node-status-update-frequency SECONDS  heartbeat period (default 10)\n"
	        "  --log-level LEVEL        debug, info, warn, error (default info)\n"
	        "  --allow-host-netns       run in the host's network namespace (a real node);\n"
	        "                           refused otherwise, so that a mistake cannot put\n"
	        "                           bridges, routes and NAT rules on the host\n");
}

int cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"node-name", required_argument, NULL, 'n'},
	    {"node-ip", required_argument, NULL, 'i'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"cluster-dns", required_argument, NULL, 'd'},
	    {"cluster-domain", required_argument, NULL, 'D'},
	    {"cluster-cidr", required_argument, NULL, 'c'},
	    {"proxy-mode", required_argument, NULL, 'p'},
	    {"service-cidr", required_argument, NULL, 'S'},
	    {"min-sync-period", required_argument, NULL, 'm'},
	    CMD_IPVS_OPTIONS,
	    {"sync-period", required_argument, NULL, 'P'},
	    {"node-status-update-frequency", required_argument, NULL, 'f'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"allow-host-netns", no_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct agent_config cfg = {0};
	int o, lvl, r;

	cfg.state_dir = "/var/lib/svcnet/agent";
	cfg.cluster_dns = "10.43.0.10";
	cfg.cluster_domain = "cluster.local";
	cfg.cluster_cidr = "10.42.0.0/16";
	cfg.proxy_mode = "nftables";
	cfg.service_cidr = "10.43.0.0/16";
	cfg.min_sync_ms = 1000;
	cfg.sync_period_ms = 30000;
	cfg.heartbeat_s = 10;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			cfg.kubeconfig = optarg;
			break;
		case 'n':
			cfg.node_name = optarg;
			break;
		case 'i':
			cfg.node_ip = optarg;
			break;
		case 's':
			cfg.state_dir = optarg;
			break;
		case 'd':
			cfg.cluster_dns = optarg;
			break;
		case 'D':
			cfg.cluster_domain = optarg;
			break;
		case 'c':
			cfg.cluster_cidr = optarg;
			break;
		case 'p':
			cfg.proxy_mode = optarg;
			break;
		case 'S':
			cfg.service_cidr = optarg;
			break;
		case 'm':
			if (duration_flag("agent", "--min-sync-period", optarg, 0,
			                  &cfg.min_sync_ms) < 0)
				return 2;
			break;
		case 'P':
			if (duration_flag("agent", "--sync-period", optarg, 1000,
			                  &cfg.sync_period_ms) < 0)
				return 2;
			break;
		case 'f':
			cfg.heartbeat_s = atoi(optarg);
			if (cfg.heartbeat_s < 1) {
				fprintf(stderr, "svcnet agent: --node-status-update-frequency must "
				                "be >= 1\n");
				return 2;
			}
			break;
		case 'v':
			lvl = log_parse_level(optarg);
			if (lvl < 0) {
				fprintf(stderr, "svcnet agent: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'H':
			cfg.allow_host_netns = 1;
			break;
		case 'h':
			agent_usage(stdout);
			return 0;
		default:
			if ((r = cmd_ipvs_flag("agent", o, optarg, &cfg.ipvs)) > 0)
				break;
			if (r == 0)
				agent_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet agent: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!cfg.kubeconfig || !cfg.node_name) {
		fprintf(stderr, "svcnet agent: --kubeconfig and --node-name are required\n");
		return 2;
	}
	return agent_run(&cfg);
}
