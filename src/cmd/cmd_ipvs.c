/* cmd_ipvs.c - the --ipvs-* flags of `svcnet proxy` and `svcnet agent`. */
#include <stdio.h>

#include "cmd/cmd.h"
#include "lib/duration.h"
#include "proxy/ipvs.h"
#include "proxy/proxy.h"

int cmd_ipvs_flag(const char *mod, int opt, const char *arg, struct proxy_ipvs_opts *o)
{
	switch (opt) {
	case CMD_OPT_IPVS_SCHED:
		if (pxb_ipvs_sched_valid(arg) < 0) {
			fprintf(stderr,
			        "svcnet %s: --ipvs-scheduler %s: one of " PXB_IPVS_SCHEDULERS "\n",
			        mod, arg);
			return -1;
		}
		o->scheduler = arg;
		return 1;
	case CMD_OPT_IPVS_TCP:
		return duration_flag(mod, "--ipvs-tcp-timeout", arg, 0, &o->tcp_timeout_ms) < 0 ? -1
		                                                                                : 1;
	case CMD_OPT_IPVS_TCPFIN:
		return duration_flag(mod, "--ipvs-tcpfin-timeout", arg, 0, &o->tcpfin_timeout_ms) <
		               0
		           ? -1
		           : 1;
	case CMD_OPT_IPVS_UDP:
		return duration_flag(mod, "--ipvs-udp-timeout", arg, 0, &o->udp_timeout_ms) < 0 ? -1
		                                                                                : 1;
	}
	return 0;
}
