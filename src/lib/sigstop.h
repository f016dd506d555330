/*
 * sigstop.h - SIGTERM and SIGINT as loop events: one log line, then the loop
 * stops and the command tears down in its own order.
 *
 * Every long-running command (agent, proxy, dns) stops the same way; a
 * signalfd keeps the work out of an async signal handler.
 */
#ifndef SVCNET_SIGSTOP_H
#define SVCNET_SIGSTOP_H

#include "lib/ev.h"

typedef struct sigstop sigstop;

/*
 * Blocks SIGTERM and SIGINT for the calling thread (call before starting
 * threads, so they inherit the mask), ignores SIGPIPE, and watches the two
 * through a signalfd on l: on either, logs "signal N: stopping<note>" under
 * mod, sets *flag to 1 when flag is not NULL, and stops the loop. mod and
 * note must outlive the sigstop. NULL with errno set on failure.
 */
sigstop *sigstop_new(ev_loop *l, const char *mod, const char *note, int *flag);
/* NULL-safe. */
void sigstop_free(sigstop *s);

#endif
