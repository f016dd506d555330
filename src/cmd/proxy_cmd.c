/* proxy_cmd.c - `svcnet proxy`: flags -> the proxy core on its own loop. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/httpc.h"
#include "cmd/cmd.h"
#include "lib/duration.h"
#include "lib/ev.h"
#include "lib/hostns.h"
#include "lib/log.h"
#include "lib/sigstop.h"
#include "proxy/ipvs.h"
#include "proxy/proxy.h"

static void proxy_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: svcnet proxy --kubeconfig FILE --node-name NAME [flags]\n"
	    "       svcnet proxy --cleanup\n\n"
	    "The service proxy (kube-proxy): watches Services, EndpointSlices and its Node\n"
	    "through the Kubernetes API (svcnet's server or a real kube-apiserver) and\n"
	    "programs this network namespace so that cluster IPs, node ports, external IPs\n"
	    "and load balancer IPs reach the Services' endpoints. IPv4.\n\n"
	    "flags:\n"
	    "  --kubeconfig FILE        credentials and address of the API server\n"
	    "  --node-name NAME         this node (endpoints on it are local)\n"
	    "  --mode MODE              nftables (default), iptables, userspace (the\n"
	    "                           proxy relays every connection itself; clients'\n"
	    "                           addresses are lost, no SCTP) or ipvs (needs the\n"
	    "                           kernel's ip_vs); ebpf is not built yet\n" CMD_IPVS_USAGE
	    "  --udp-timeout D          userspace: a UDP flow ends after D idle (default 30s)\n"
	    "  --cluster-cidr CIDR      the Pods' addresses: traffic to a cluster IP from\n"
	    "                           elsewhere is masqueraded (default: unknown, so all)\n"
	    "  --masquerade-all         masquerade all traffic to cluster IPs\n"
	    "  --min-sync-period D      at most one sync per D (default 1s; 0 allowed)\n"
	    "  --sync-period D          full resync every D (default 30s)\n"
	    "  --metrics-bind-address A /metrics, /healthz, /livez (default 127.0.0.1:10249,\n"
	    "                           \"\" for none)\n"
	    "  --healthz-bind-address A /healthz, /livez (default 0.0.0.0:10256, \"\" for none)\n"
	    "  --service-proxy-name N   handle only Services labelled\n"
	    "                           service.kubernetes.io/service-proxy-name=N\n"
	    "  --cleanup                remove every rule of every mode, then exit\n"
	    "  --log-level LEVEL        debug, info, warn, error (default info)\n"
	    "  --allow-host-netns       run in the host's network namespace (a real node);\n"
	    "                           refused otherwise\n");
}

static int proxy_run_start(ev_loop *l, httpc *api, void *arg, void **obj, char *err, size_t errlen)
{
	proxy *p = NULL;
	int rc = proxy_start(l, api, arg, &p, err, errlen);

	*obj = p;
	return rc;
}

static void proxy_run_stop(void *obj)
{
	proxy_free(obj);
}

static int proxy_main(const char *kubeconfig, const struct proxy_config *cfg)
{
	const struct cmd_daemon d = {.mod = "proxy",
	                             .stop_note = " (the rules stay)",
	                             .start_fail_rc = 2,
	                             .start = proxy_run_start,
	                             .stop = proxy_run_stop,
	                             .arg = (void *)cfg};

	return cmd_daemon_run(kubeconfig, &d);
}

int cmd_proxy(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"kubeconfig", required_argument, NULL, 'k'},
	    {"node-name", required_argument, NULL, 'n'},
	    {"mode", required_argument, NULL, 'm'},
	    {"proxy-mode", required_argument, NULL, 'm'},
	    {"cluster-cidr", required_argument, NULL, 'c'},
	    {"masquerade-all", no_argument, NULL, 'M'},
	    {"min-sync-period", required_argument, NULL, 'i'},
	    {"sync-period", required_argument, NULL, 's'},
	    {"metrics-bind-address", required_argument, NULL, 'a'},
	    {"metrics-addr", required_argument, NULL, 'a'},
	    {"healthz-bind-address", required_argument, NULL, 'z'},
	    {"service-proxy-name", required_argument, NULL, 'N'},
	    {"udp-timeout", required_argument, NULL, 'u'},
	    CMD_IPVS_OPTIONS,
	    {"cleanup", no_argument, NULL, 'C'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"allow-host-netns", no_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct proxy_config cfg = {0};
	const char *kubeconfig = NULL;
	int o, lvl, r, cleanup = 0, host_ok = 0;

	cfg.min_sync_ms = 1000;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'k':
			kubeconfig = optarg;
			break;
		case 'n':
			cfg.node_name = optarg;
			break;
		case 'm':
			cfg.mode = optarg;
			break;
		case 'c':
			cfg.cluster_cidr = optarg;
			break;
		case 'M':
			cfg.masquerade_all = true;
			break;
		case 'i':
			if (duration_flag("proxy", "--min-sync-period", optarg, 0,
			                  &cfg.min_sync_ms) < 0)
				return 2;
			break;
		case 's':
			if (duration_flag("proxy", "--sync-period", optarg, 1000,
			                  &cfg.sync_period_ms) < 0)
				return 2;
			break;
		case 'a':
			cfg.metrics_addr = optarg;
			break;
		case 'z':
			cfg.healthz_addr = optarg;
			break;
		case 'N':
			cfg.proxy_name = optarg;
			break;
		case 'u':
			if (duration_flag("proxy", "--udp-timeout", optarg, 1,
			                  &cfg.udp_timeout_ms) < 0)
				return 2;
			break;
		case 'C':
			cleanup = 1;
			break;
		case 'v':
			lvl = log_parse_level(optarg);
			if (lvl < 0) {
				fprintf(stderr, "svcnet proxy: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'H':
			host_ok = 1;
			break;
		case 'h':
			proxy_usage(stdout);
			return 0;
		default:
			if ((r = cmd_ipvs_flag("proxy", o, optarg, &cfg.ipvs)) > 0)
				break;
			if (r == 0)
				proxy_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet proxy: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!host_ok && hostns_is_host()) {
		log_error("proxy", "this is the host's network namespace: the proxy would put NAT "
		                   "rules here. Run it inside a node namespace, or pass "
		                   "--allow-host-netns on a machine that is really a node");
		return 2;
	}
	if (cleanup) {
		char err[512];

		if (proxy_cleanup_all(err, sizeof(err)) < 0) {
			log_error("proxy", "cleanup: %s", err);
			return 1;
		}
		log_info("proxy", "cleanup: no rules of any mode remain");
		return 0;
	}
	if (!kubeconfig || !cfg.node_name) {
		fprintf(stderr, "svcnet proxy: --kubeconfig and --node-name are required\n");
		return 2;
	}
	return proxy_main(kubeconfig, &cfg);
}
