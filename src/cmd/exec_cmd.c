/* exec_cmd.c - `svcnet exec [flags] POD -- CMD [ARG...]`: flags -> sandbox_exec(). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "sandbox/sandbox.h"

/* Declared here too so this file builds before cmd.h lists it. */
int cmd_exec(int argc, char **argv);

static void exec_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet exec [flags] POD -- CMD [ARG...]\n\n"
	        "Runs CMD inside a sandbox Pod's network and UTS namespaces, with the Pod's\n"
	        "/etc/resolv.conf and /etc/hosts, stdin/stdout/stderr attached, and exits\n"
	        "with its status (128+N when killed by signal N; 127: not found). The\n"
	        "directory of this svcnet binary comes first on PATH.\n\n"
	        "flags:\n"
	        "  -n, --namespace NS   the Pod's namespace (default \"default\")\n"
	        "  --data-dir DIR       the sandbox's data dir (default %s)\n",
	        SANDBOX_DEFAULT_DIR);
}

int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {"data-dir", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sandbox_exec_opts o = {0};
	int c, dash = -1;

	/* Flags only before "--": everything after it is the command's. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			dash = i;
			break;
		}
	}
	optind = 1;
	while ((c = getopt_long(dash < 0 ? argc : dash, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.namespace = optarg;
			break;
		case 'd':
			o.data_dir = optarg;
			break;
		case 'h':
			exec_usage(stdout);
			return 0;
		default:
			exec_usage(stderr);
			return 2;
		}
	}
	if (dash < 0 || optind != dash - 1 || dash + 1 >= argc) {
		fprintf(stderr, "svcnet exec: want POD -- CMD [ARG...]\n");
		exec_usage(stderr);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "svcnet exec: needs root (setns)\n");
		return 1;
	}
	o.pod = argv[optind];
	o.argv = argv + dash + 1;
	return sandbox_exec(&o);
}
