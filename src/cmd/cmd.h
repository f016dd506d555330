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
int cmd_dns(int argc, char **argv);

#endif
