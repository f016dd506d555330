/* main.c - `svcnet <command>`: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

#ifndef SVCNET_VERSION
#define SVCNET_VERSION "0.1.0"
#endif

static const struct cmd_entry {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmd_table[] = {
    {"server", cmd_server, "API server, controllers and store"},
    {"netexec", cmd_netexec, "test server for Pods (HTTP + UDP)"},
    {"agent", cmd_agent, "node agent: Node, Pods, pod network, service proxy"},
    {"proxy", cmd_proxy, "service proxy (nftables or iptables mode)"},
    {"dns", cmd_dns, "cluster DNS server (Kubernetes DNS spec, forwarder with cache)"},
    {"up", cmd_up, "sandbox cluster of network namespaces on this machine"},
    {"down", cmd_down, "remove the sandbox cluster"},
    {"exec", cmd_exec, "run a command in a sandbox Pod"},
};

/* Commands of the design that later milestones build; they say so at run time. */
static const char *const cmd_planned[] = {"ingress", "explain"};

static void cmd_usage(FILE *f)
{
	fprintf(f, "usage: svcnet <command> [flags]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		fprintf(f, "  %-10s %s\n", cmd_table[i].name, cmd_table[i].help);
	fprintf(f, "\nnot built yet: ");
	for (size_t i = 0; i < sizeof(cmd_planned) / sizeof(cmd_planned[0]); i++)
		fprintf(f, "%s%s", i ? ", " : "", cmd_planned[i]);
	fprintf(f, "\nrun `svcnet <command> --help` for a command's flags\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cmd_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("svcnet %s\n", SVCNET_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (!strcmp(argv[1], cmd_table[i].name))
			return cmd_table[i].fn(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cmd_planned) / sizeof(cmd_planned[0]); i++) {
		if (!strcmp(argv[1], cmd_planned[i])) {
			fprintf(stderr,
			        "svcnet %s: not built yet in this version (see README.md, "
			        "\"What works today\")\n",
			        argv[1]);
			return 2;
		}
	}
	fprintf(stderr, "svcnet: unknown command \"%s\"\n", argv[1]);
	cmd_usage(stderr);
	return 2;
}
