/* netexec_cmd.c - `svcnet netexec`: flags -> netexec_run(). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/net.h"
#include "netexec/netexec.h"

/* Declared here too so this file builds before cmd.h lists it. */

static void netexec_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet netexec [flags]\n\n"
	        "A small test server for Pods, after Kubernetes' agnhost netexec.\n\n"
	        "HTTP (text/plain; keep-alive):\n"
	        "  /hostname            the Pod name ($POD_NAME, else the hostname)\n"
	        "  /clientip            the client's ip:port as this server sees it\n"
	        "  /echo?msg=X&code=N   X, with status N (200-599) if given\n"
	        "  /healthz             200 \"ok\", or the status set by /sethealth\n"
	        "  /sethealth?status=N  make /healthz answer N (200-599), for readiness tests\n"
	        "  /exit?code=N         answer, then exit with N (0-255, default 0)\n"
	        "  /                    the current time\n"
	        "UDP datagrams: \"hostname\", \"clientip\", \"echo X\" (others get no answer).\n\n"
	        "flags:\n"
	        "  --http-port PORT          HTTP port (default 8080)\n"
	        "  --udp-port PORT           UDP port (default 8081; 0 or -1 disables)\n"
	        "  --listen-address IP       address to bind (default: all, IPv4 and IPv6)\n"
	        "  --delay-shutdown SECONDS  on SIGTERM keep serving this long, then exit 0\n"
	        "                            (default 0; a second signal exits at once)\n"
	        "  --verbose, -v             log every request\n"
	        "  --help, -h                this text\n");
}

static int netexec_cmd_port(const char *flag, const char *s, int lo, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > 65535) {
		fprintf(stderr, "svcnet netexec: %s wants a port %d-65535, got \"%s\"\n", flag, lo,
		        s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cmd_netexec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"http-port", required_argument, NULL, 'p'},
	    {"udp-port", required_argument, NULL, 'u'},
	    {"listen-address", required_argument, NULL, 'l'},
	    {"delay-shutdown", required_argument, NULL, 'd'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct netexec_config cfg = {0};
	net_addr a;
	char *end;
	int o;

	cfg.http_port = 8080;
	cfg.udp_port = 8081;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if (netexec_cmd_port("--http-port", optarg, 0, &cfg.http_port) < 0)
				return 2;
			break;
		case 'u':
			if (netexec_cmd_port("--udp-port", optarg, -1, &cfg.udp_port) < 0)
				return 2;
			break;
		case 'l':
			cfg.listen_address = optarg;
			break;
		case 'd':
			errno = 0;
			cfg.delay_shutdown_s = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(cfg.delay_shutdown_s) ||
			    cfg.delay_shutdown_s < 0 || cfg.delay_shutdown_s > 86400) {
				fprintf(stderr,
				        "svcnet netexec: --delay-shutdown wants seconds 0-86400, "
				        "got \"%s\"\n",
				        optarg);
				return 2;
			}
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'h':
			netexec_usage(stdout);
			return 0;
		default:
			netexec_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet netexec: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (cfg.listen_address && cfg.listen_address[0]) {
		const char *s = cfg.listen_address;
		char tmp[NET_ADDR_STRLEN + 2];
		size_t n = strlen(s);

		if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof(tmp)) {
			memcpy(tmp, s + 1, n - 2);
			tmp[n - 2] = '\0';
			s = tmp;
		}
		if (net_addr_parse(s, &a) < 0) {
			fprintf(stderr,
			        "svcnet netexec: --listen-address wants an IP, got \"%s\"\n",
			        cfg.listen_address);
			return 2;
		}
	}
	return netexec_run(&cfg);
}
