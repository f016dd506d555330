/* cmd.h - entry points of the subcommands; each parses its own flags. */
#ifndef SVCNET_CMD_H
#define SVCNET_CMD_H

int cmd_server(int argc, char **argv);
int cmd_netexec(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_proxy(int argc, char **argv);

#include <stddef.h>

#include "client/httpc.h"
#include "lib/ev.h"

/* A long-running command against the API (proxy, dns): a loop, the
 * kubeconfig's client, SIGTERM/SIGINT stopping the loop, start, run, stop. */
struct cmd_daemon {
	const char *mod;       /* log module */
	const char *stop_note; /* after "signal N: stopping" */
	int start_fail_rc;     /* exit status when start fails */
	int (*start)(ev_loop *l, httpc *api, void *arg, void **obj, char *err, size_t errlen);
	void (*stop)(void *obj);
	void (*started)(void *arg); /* optional, after a good start */
	void *arg;
};
/* The command's exit status: 0 after a signal, else 1 (or start_fail_rc). */
int cmd_daemon_run(const char *kubeconfig, const struct cmd_daemon *d);
int cmd_dns(int argc, char **argv);

/* The IPVS mode's flags, the same for `svcnet proxy` and `svcnet agent`:
 * their getopt entries (values above any letter), their usage lines, and
 * the parsing of one: 1 when opt was one of them (into o), 0 when it is not,
 * -1 for a bad value (said on stderr). */
enum { CMD_OPT_IPVS_SCHED = 0x100, CMD_OPT_IPVS_TCP, CMD_OPT_IPVS_TCPFIN, CMD_OPT_IPVS_UDP };
#define CMD_IPVS_OPTIONS                                                                           \
	{"ipvs-scheduler", required_argument, NULL, CMD_OPT_IPVS_SCHED},                           \
	    {"ipvs-tcp-timeout", required_argument, NULL, CMD_OPT_IPVS_TCP},                       \
	    {"ipvs-tcpfin-timeout", required_argument, NULL, CMD_OPT_IPVS_TCPFIN},                 \
	{                                                                                          \
		"ipvs-udp-timeout", required_argument, NULL, CMD_OPT_IPVS_UDP                      \
	}
#define CMD_IPVS_USAGE                                                                             \
	"  --ipvs-scheduler S       ipvs: " PXB_IPVS_SCHEDULERS " (default rr)\n"                  \
	"  --ipvs-tcp-timeout D, --ipvs-tcpfin-timeout D, --ipvs-udp-timeout D\n"                  \
	"                           ipvs: the node's IPVS connection timeouts (default\n"          \
	"                           0: the kernel's 900s, 120s, 300s)\n"
struct proxy_ipvs_opts;
int cmd_ipvs_flag(const char *mod, int opt, const char *arg, struct proxy_ipvs_opts *o);

#endif
