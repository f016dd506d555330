/* down_cmd.c - `svcnet down`: flags -> sandbox_down(). */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "sandbox/sandbox.h"

/* Declared here too so this file builds before cmd.h lists it. */
int cmd_down(int argc, char **argv);

static void down_usage(FILE *f)
{
	fprintf(f,
	        "usage: svcnet down [flags]\n\n"
	        "Removes the sandbox that `svcnet up` made: stops the server, the agents\n"
	        "and every process in a node or Pod namespace, removes the namespaces,\n"
	        "links, mounts and the files it made in the data dir. Works also when\n"
	        "`up` was killed halfway; running it again is harmless. Exits 0 when\n"
	        "nothing is left, 1 after listing what could not be removed.\n\n"
	        "flags:\n"
	        "  --data-dir DIR       as given to `svcnet up` (default %s)\n"
	        "  --log-level LEVEL    debug, info, warn, error (default info)\n",
	        SANDBOX_DEFAULT_DIR);
}

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data-dir", required_argument, NULL, 'd'},
	    {"log-level", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	int c, lvl;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'v':
			if ((lvl = log_parse_level(optarg)) < 0) {
				fprintf(stderr, "svcnet down: unknown log level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)lvl);
			break;
		case 'h':
			down_usage(stdout);
			return 0;
		default:
			down_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "svcnet down: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "svcnet down: needs root\n");
		return 1;
	}
	return sandbox_down(dir);
}
