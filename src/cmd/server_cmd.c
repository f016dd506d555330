/* server_cmd.c - `svcnet server`: placeholder until the server lands. */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_server(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "svcnet server: not built yet\n");
	return 1;
}
