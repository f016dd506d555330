/* sigstop.c - SIGTERM/SIGINT through a signalfd; see sigstop.h. */
#include "lib/sigstop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/log.h"

struct sigstop {
	ev_loop *l;
	int fd;
	const char *mod, *note;
	int *flag;
};

static void sigstop_on_read(ev_loop *l, int fd, void *data, int mask)
{
	sigstop *s = data;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info(s->mod, "signal %u: stopping%s", si.ssi_signo, s->note);
		if (s->flag)
			*s->flag = 1;
		ev_stop(l);
	}
}

sigstop *sigstop_new(ev_loop *l, const char *mod, const char *note, int *flag)
{
	sigstop *s = calloc(1, sizeof(*s));
	sigset_t mask;

	if (!s)
		return NULL;
	*s = (struct sigstop){.l = l, .fd = -1, .mod = mod, .note = note ? note : "", .flag = flag};
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0)
		goto fail;
	if (ev_add(l, s->fd, EV_READ, sigstop_on_read, s) < 0) {
		close(s->fd);
		s->fd = -1;
		errno = errno ? errno : ENOMEM;
		goto fail;
	}
	return s;
fail:
	free(s);
	return NULL;
}

void sigstop_free(sigstop *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		ev_del(s->l, s->fd, EV_READ);
		close(s->fd);
	}
	free(s);
}
