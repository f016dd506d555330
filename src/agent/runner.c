/* runner.c - container processes: fork, namespaces, exec, reaping, graceful stop. */
#include "agent/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* containerd's default when the container's environment has no PATH. */
#define RUNNER_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct runner {
	ev_loop *loop;
	int sfd;
	runner_exit_fn *on_exit;
	void *data;
	runner_proc *head;
};

struct runner_proc {
	runner *r;
	runner_proc *prev, *next;
	pid_t pid;
	void *data;
	runner_exit_fn *on_exit; /* per-process override, or NULL */
	void *exit_data;
	unsigned long long start_time;
	ev_timer *kill_timer;
	uint64_t kill_at; /* ev_clock_ms() deadline of kill_timer */
	int done;         /* reaped (adopted: seen to exit) */
	int stopping;
	int detached; /* freed by the caller while running: no callback, free on reap */
	int pidfd;    /* adopted processes only, else -1 */
};

/* What the child tells the parent when it cannot reach exec. */
enum runner_stage {
	RUNNER_STAGE_SETUP,
	RUNNER_STAGE_NETNS,
	RUNNER_STAGE_UTSNS,
	RUNNER_STAGE_MOUNT, /* index: the failed bind, or -1 for the namespace itself */
	RUNNER_STAGE_CHDIR,
	RUNNER_STAGE_EXEC,
	RUNNER_STAGE_LOOKUP, /* nothing runnable found along PATH */
};

struct runner_report {
	int stage;
	int err;
	int index;
};

static void runner_reap(runner *r);

static void runner_on_signal(ev_loop *l, int fd, void *data, int mask)
{
	runner *r = data;
	struct signalfd_siginfo si;

	/* SIGCHLDs coalesce, so the info is only a wake-up: every child is checked. */
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	runner_reap(r);
}

runner *runner_new(ev_loop *l, runner_exit_fn *on_exit, void *data)
{
	runner *r;
	sigset_t set;
	int e;

	if (!l) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->loop = l;
	r->on_exit = on_exit;
	r->data = data;
	/* SIG_IGN would make the kernel auto-reap and leave nothing to wait for. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		goto fail;
	r->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sfd < 0)
		goto fail;
	e = ev_add(l, r->sfd, EV_READ, runner_on_signal, r);
	if (e < 0) {
		close(r->sfd);
		errno = -e;
		goto fail;
	}
	return r;
fail:
	e = errno;
	free(r);
	errno = e;
	return NULL;
}

static void runner_link(runner *r, runner_proc *p)
{
	p->prev = NULL;
	p->next = r->head;
	if (r->head)
		r->head->prev = p;
	r->head = p;
}

static void runner_unlink(runner_proc *p)
{
	runner *r = p->r;

	if (p->prev)
		p->prev->next = p->next;
	else
		r->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = p->next = NULL;
}

static void runner_proc_release(runner_proc *p)
{
	ev_timer_del(p->r->loop, p->kill_timer);
	if (p->pidfd >= 0) {
		ev_del(p->r->loop, p->pidfd, EV_READ);
		close(p->pidfd);
	}
	runner_unlink(p);
	free(p);
}

/*
 * Signals p's process group. A started process is not reaped before it is
 * marked done, so its pid (and with it the group id) cannot have been reused.
 * An adopted one is reaped by someone else: the pidfd tells whether the
 * leader, and so the group id, is still its own (signal 0 only checks).
 */
static int runner_group_kill(runner_proc *p, int sig)
{
	if (p->pidfd >= 0 && pidfd_send_signal(p->pidfd, 0, NULL, 0) < 0)
		return -errno;
	return kill(-p->pid, sig) < 0 ? -errno : 0;
}

void runner_free(runner *r)
{
	if (!r)
		return;
	while (r->head) {
		runner_proc *p = r->head;

		if (!p->done) {
			runner_group_kill(p, SIGKILL);
			while (p->pidfd < 0 && waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		runner_proc_release(p);
	}
	ev_del(r->loop, r->sfd, EV_READ);
	close(r->sfd);
	free(r);
}

void runner_free_detach(runner *r)
{
	if (!r)
		return;
	while (r->head)
		runner_proc_release(r->head);
	ev_del(r->loop, r->sfd, EV_READ);
	close(r->sfd);
	free(r);
}

/* --- the child, between fork and exec --- */

static void runner_child_fail_at(int fd, int stage, int err, int index)
{
	struct runner_report rep = {stage, err, index};
	ssize_t n = write(fd, &rep, sizeof(rep));

	(void)n;
	_exit(127);
}

static void runner_child_fail(int fd, int stage, int err)
{
	runner_child_fail_at(fd, stage, err, -1);
}

/* Marks every fd >= 3 close-on-exec, keeping the report pipe and ns fds usable until exec. */
static void runner_child_cloexec_all(void)
{
	struct rlimit rl;
	int max;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	for (int fd = 3; fd < max; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl >= 0 && !(fl & FD_CLOEXEC))
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
}

static const char *runner_env_path(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			return envp[i] + 5;
	return RUNNER_DEFAULT_PATH;
}

/*
 * execvpe() searches the agent's own PATH; a container's command is looked up
 * in the container's environment instead, as runc does. Returns only on
 * failure: EACCES if something was found but not runnable, like execvp.
 */
static void runner_child_exec(int rfd, char *const *argv, char *const *envp)
{
	static char *const empty[] = {NULL};
	const char *name = argv[0], *path, *p;
	char buf[PATH_MAX];
	int seen_eacces = 0;

	if (!envp)
		envp = empty;
	if (strchr(name, '/')) {
		execve(name, argv, envp);
		runner_child_fail(rfd, RUNNER_STAGE_EXEC, errno);
	}
	path = runner_env_path(envp);
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dl = end ? (size_t)(end - p) : strlen(p);
		int n;

		/* An empty PATH element means the working directory. */
		n = dl ? snprintf(buf, sizeof(buf), "%.*s/%s", (int)dl, p, name)
		       : snprintf(buf, sizeof(buf), "%s", name);
		if (n > 0 && (size_t)n < sizeof(buf)) {
			execve(buf, argv, envp);
			if (errno == EACCES)
				seen_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
			         errno != ENODEV && errno != ETIMEDOUT && errno != ELOOP)
				runner_child_fail(rfd, RUNNER_STAGE_EXEC, errno);
		}
		if (!end)
			break;
		p = end;
	}
	runner_child_fail(rfd, seen_eacces ? RUNNER_STAGE_EXEC : RUNNER_STAGE_LOOKUP,
	                  seen_eacces ? EACCES : ENOENT);
}

static void runner_child(const struct runner_spec *s, int rfd, int logfd, int nullfd, int netfd,
                         int utsfd)
{
	sigset_t none;

	if (setsid() < 0)
		runner_child_fail(rfd, RUNNER_STAGE_SETUP, errno);
	if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		runner_child_fail(rfd, RUNNER_STAGE_SETUP, errno);
	runner_child_cloexec_all();
	if (netfd >= 0 && setns(netfd, CLONE_NEWNET) < 0)
		runner_child_fail(rfd, RUNNER_STAGE_NETNS, errno);
	if (utsfd >= 0 && setns(utsfd, CLONE_NEWUTS) < 0)
		runner_child_fail(rfd, RUNNER_STAGE_UTSNS, errno);
	if (s->nbinds > 0) {
		int failed = -1, e = podfs_enter(s->binds, s->nbinds, &failed);

		if (e < 0)
			runner_child_fail_at(rfd, RUNNER_STAGE_MOUNT, -e, failed);
	}
	if (chdir(s->dir ? s->dir : "/") < 0)
		runner_child_fail(rfd, RUNNER_STAGE_CHDIR, errno);
	/* Ignored signals survive exec (the agent ignores SIGPIPE); handlers don't matter. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	runner_child_exec(rfd, s->argv, s->envp);
}

/* --- the parent --- */

static void runner_errmsg(char *err, size_t errlen, const struct runner_spec *s,
                          const struct runner_report *rep)
{
	if (!err || !errlen)
		return;
	switch (rep->stage) {
	case RUNNER_STAGE_LOOKUP:
		snprintf(err, errlen, "exec: \"%s\": executable file not found in $PATH",
		         s->argv[0]);
		break;
	case RUNNER_STAGE_EXEC:
		/* Go's error strings are strerror in lower case. */
		snprintf(err, errlen, "exec: \"%s\": %s", s->argv[0], strerror(rep->err));
		if (strlen(err) > strlen(s->argv[0]) + 10) {
			char *c = err + strlen(s->argv[0]) + 10;

			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		}
		break;
	case RUNNER_STAGE_NETNS:
		snprintf(err, errlen, "setns net \"%s\": %s", s->netns_path, strerror(rep->err));
		break;
	case RUNNER_STAGE_UTSNS:
		snprintf(err, errlen, "setns uts \"%s\": %s", s->uts_path, strerror(rep->err));
		break;
	case RUNNER_STAGE_MOUNT:
		if (rep->index >= 0 && rep->index < s->nbinds)
			snprintf(err, errlen, "mount \"%s\": %s", s->binds[rep->index].dst,
			         strerror(rep->err));
		else
			snprintf(err, errlen, "mount namespace: %s", strerror(rep->err));
		break;
	case RUNNER_STAGE_CHDIR:
		snprintf(err, errlen, "chdir \"%s\": %s", s->dir ? s->dir : "/",
		         strerror(rep->err));
		break;
	default:
		snprintf(err, errlen, "start \"%s\": %s", s->argv[0], strerror(rep->err));
		break;
	}
}

static int runner_open(const char *path, int flags, const char *what, char *err, size_t errlen)
{
	int fd = open(path, flags | O_CLOEXEC, 0640);

	if (fd < 0) {
		int e = errno;

		if (err && errlen)
			snprintf(err, errlen, "open %s \"%s\": %s", what, path, strerror(e));
		return -e;
	}
	return fd;
}

static void runner_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int runner_start(runner *r, const struct runner_spec *s, runner_proc **out, char *err,
                 size_t errlen)
{
	int logfd = -1, nullfd = -1, netfd = -1, utsfd = -1, pfd[2] = {-1, -1}, ret;
	struct runner_report rep;
	runner_proc *p = NULL;
	ssize_t n;
	pid_t pid;

	if (err && errlen)
		err[0] = 0;
	if (out)
		*out = NULL;
	if (!r || !s || !out || !s->argv || !s->argv[0] || !s->argv[0][0]) {
		if (err && errlen)
			snprintf(err, errlen, "invalid spec: empty command");
		return -EINVAL;
	}
	if (s->nbinds < 0 || (s->nbinds > 0 && !s->binds)) {
		if (err && errlen)
			snprintf(err, errlen, "invalid spec: bad bind list");
		return -EINVAL;
	}
	/* Files are opened here so their errors name the file and cost no fork. */
	ret = nullfd = runner_open("/dev/null", O_RDONLY, "stdin", err, errlen);
	if (ret < 0)
		goto out;
	ret = logfd = runner_open(s->log_path ? s->log_path : "/dev/null",
	                          O_WRONLY | O_APPEND | O_CREAT, "log", err, errlen);
	if (ret < 0)
		goto out;
	if (s->netns_path) {
		ret = netfd = runner_open(s->netns_path, O_RDONLY, "netns", err, errlen);
		if (ret < 0)
			goto out;
	}
	if (s->uts_path) {
		ret = utsfd = runner_open(s->uts_path, O_RDONLY, "utsns", err, errlen);
		if (ret < 0)
			goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "pipe: %s", strerror(-ret));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "fork: %s", strerror(-ret));
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		runner_child(s, pfd[1], logfd, nullfd, netfd, utsfd);
	}
	close(pfd[1]);
	pfd[1] = -1;
	/*
	 * Blocks only until the child's exec: EOF means it succeeded (the pipe is
	 * close-on-exec), a report means it failed and the child is exiting.
	 */
	do
		n = read(pfd[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(rep)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ret = rep.err > 0 ? -rep.err : -EIO;
		runner_errmsg(err, errlen, s, &rep);
		goto out;
	}
	/* Allocated only now so that a failing child has nothing of ours to leak. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		ret = -ENOMEM;
		if (err && errlen)
			snprintf(err, errlen, "start: %s", strerror(ENOMEM));
		goto out;
	}
	p->r = r;
	p->pid = pid;
	p->pidfd = -1;
	p->data = s->data;
	p->on_exit = s->on_exit;
	p->exit_data = s->exit_data;
	/* Past exec the child's stat is stable; a failure leaves 0 (unknown). */
	runner_pid_start_time(pid, &p->start_time);
	runner_link(r, p);
	*out = p;
	p = NULL;
	ret = 0;
	log_debug("runner", "started %s as pid %d", s->argv[0], (int)pid);
out:
	free(p);
	runner_close(pfd[0]);
	runner_close(pfd[1]);
	runner_close(logfd);
	runner_close(nullfd);
	runner_close(netfd);
	runner_close(utsfd);
	return ret;
}

/* Reaps one exited child of ours, if any; returns it, or NULL when none is ready. */
static runner_proc *runner_reap_one(runner *r, int *status)
{
	for (runner_proc *p = r->head; p; p = p->next) {
		siginfo_t si;

		if (p->done || p->pidfd >= 0)
			continue;
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
		    si.si_pid == 0)
			continue;
		/* While the zombie holds the pid, the group id cannot be reused. */
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, status, 0) < 0 && errno == EINTR)
			;
		p->done = 1;
		ev_timer_del(r->loop, p->kill_timer);
		p->kill_timer = NULL;
		return p;
	}
	return NULL;
}

static void runner_notify(runner_proc *p, int exited, int code, int signo)
{
	runner *r = p->r;

	if (p->detached)
		runner_proc_release(p);
	else if (p->on_exit)
		p->on_exit(p, exited, code, signo, p->exit_data);
	else if (r->on_exit)
		r->on_exit(p, exited, code, signo, r->data);
}

static void runner_reap(runner *r)
{
	runner_proc *p;
	int st = 0;

	/* Rescan after every callback: it may have freed or started processes. */
	while ((p = runner_reap_one(r, &st)) != NULL) {
		int exited = WIFEXITED(st), signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
		int code = exited ? WEXITSTATUS(st) : 128 + signo;

		log_debug("runner", "pid %d ended: code %d signal %d", (int)p->pid, code, signo);
		runner_notify(p, exited, code, signo);
	}
}

/* --- adopted processes: an earlier agent's, watched through a pidfd --- */

int runner_pid_start_time(pid_t pid, unsigned long long *out)
{
	char path[32], buf[2048], *p, *end;
	ssize_t n;
	int fd, e;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -EIO;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	e = errno;
	close(fd);
	if (n <= 0)
		return n == 0 || e == ESRCH ? -ESRCH : -EIO;
	buf[n] = 0;
	/* comm may hold spaces and ')': the fields go on after the last ')', with field 3. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
	}
	while (*p == ' ')
		p++;
	if (*p < '0' || *p > '9')
		return -EIO;
	errno = 0;
	*out = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end))
		return -EIO;
	return 0;
}

/* The adopted process ended (the pidfd became readable). */
static void runner_on_pidfd(ev_loop *l, int fd, void *data, int mask)
{
	runner_proc *p = data;
	int exited = 0, code = -1, signo = 0;
	siginfo_t si;

	ev_del(l, fd, EV_READ);
	/* The rest of the group goes as with a started process. The leader's
	 * pid is held while members are left, so the group id is still ours. */
	kill(-p->pid, SIGKILL);
	/* A process this very agent once started (and detached) is still our
	 * child: then it is reaped here, and its status is known after all. */
	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == 0 && si.si_pid > 0) {
		exited = si.si_code == CLD_EXITED;
		signo = exited ? 0 : si.si_status;
		code = exited ? si.si_status : 128 + signo;
	}
	close(fd);
	p->pidfd = -1;
	p->done = 1;
	ev_timer_del(l, p->kill_timer);
	p->kill_timer = NULL;
	log_debug("runner", "adopted pid %d ended", (int)p->pid);
	runner_notify(p, exited, code, signo);
}

int runner_adopt(runner *r, pid_t pid, unsigned long long start_time, void *data, runner_proc **out)
{
	unsigned long long st = 0;
	runner_proc *p;
	int fd, e;

	if (out)
		*out = NULL;
	if (!r || !out || pid <= 0)
		return -EINVAL;
	for (p = r->head; p; p = p->next)
		if (p->pid == pid && !p->done)
			return -EEXIST;
	/*
	 * Open first, compare after: the pidfd pins the process that had the
	 * pid when it was opened, so a matching start time read afterwards
	 * cannot belong to a later process that reused the pid.
	 */
	fd = pidfd_open(pid, 0);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	e = runner_pid_start_time(pid, &st);
	if (e == 0 && st != start_time)
		e = -ESRCH;
	p = e == 0 ? calloc(1, sizeof(*p)) : NULL;
	if (e == 0 && !p)
		e = -ENOMEM;
	if (e == 0)
		e = ev_add(r->loop, fd, EV_READ, runner_on_pidfd, p);
	if (e < 0) {
		free(p);
		close(fd);
		return e;
	}
	p->r = r;
	p->pid = pid;
	p->pidfd = fd;
	p->data = data;
	p->start_time = st;
	runner_link(r, p);
	*out = p;
	log_debug("runner", "adopted pid %d", (int)pid);
	return 0;
}

int runner_signal(runner_proc *p, int sig)
{
	if (!p)
		return -EINVAL;
	if (p->done)
		return -ESRCH;
	return runner_group_kill(p, sig);
}

static long long runner_kill_timer(ev_loop *l, ev_timer *t, void *data)
{
	runner_proc *p = data;

	p->kill_timer = NULL;
	if (!p->done) {
		log_debug("runner", "pid %d outlived its grace period: SIGKILL", (int)p->pid);
		runner_group_kill(p, SIGKILL);
	}
	return EV_TIMER_STOP;
}

int runner_stop(runner_proc *p, int grace_seconds)
{
	long long ms = grace_seconds > 0 ? (long long)grace_seconds * 1000 : 0;
	uint64_t at = ev_clock_ms() + (uint64_t)ms;

	if (!p)
		return -EINVAL;
	if (p->done)
		return 0;
	if (ms == 0) {
		p->stopping = 1;
		runner_group_kill(p, SIGKILL);
		return 0;
	}
	if (p->stopping) {
		if (p->kill_timer && at < p->kill_at) {
			ev_timer_reset(p->r->loop, p->kill_timer, ms);
			p->kill_at = at;
		}
		return 0;
	}
	p->kill_timer = ev_timer_add(p->r->loop, ms, runner_kill_timer, p);
	if (!p->kill_timer) {
		/* Without a timer there is no later: skip the grace rather than hang. */
		runner_group_kill(p, SIGKILL);
		p->stopping = 1;
		return -ENOMEM;
	}
	p->kill_at = at;
	p->stopping = 1;
	runner_group_kill(p, SIGTERM);
	return 0;
}

void runner_proc_free(runner_proc *p)
{
	if (!p)
		return;
	if (p->done) {
		runner_proc_release(p);
		return;
	}
	if (p->pidfd >= 0) {
		/* No child of ours: nothing to reap later. */
		runner_group_kill(p, SIGKILL);
		runner_proc_release(p);
		return;
	}
	p->detached = 1;
	ev_timer_del(p->r->loop, p->kill_timer);
	p->kill_timer = NULL;
	kill(-p->pid, SIGKILL);
}

pid_t runner_proc_pid(const runner_proc *p)
{
	return p ? p->pid : -1;
}

unsigned long long runner_proc_start_time(const runner_proc *p)
{
	return p ? p->start_time : 0;
}

void *runner_proc_data(const runner_proc *p)
{
	return p ? p->data : NULL;
}

int runner_proc_done(const runner_proc *p)
{
	return p ? p->done : 0;
}

int runner_proc_stopping(const runner_proc *p)
{
	return p ? p->stopping : 0;
}

/* --- policy helpers --- */

long long runner_backoff_ms(int restarts)
{
	long long ms = 10000;

	if (restarts <= 0)
		return 0;
	for (int i = 1; i < restarts && ms < 300000; i++)
		ms *= 2;
	return ms < 300000 ? ms : 300000;
}

int runner_should_restart(const char *policy, int exit_code)
{
	if (!policy || !*policy || strcmp(policy, "Always") == 0)
		return 1;
	if (strcmp(policy, "OnFailure") == 0)
		return exit_code != 0;
	if (strcmp(policy, "Never") == 0)
		return 0;
	return -EINVAL;
}
