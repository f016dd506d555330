/* sandbox_proc.c - children in sessions of their own, and /proc; see sandbox_int.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

int sandbox_proc_stat(pid_t pid, struct sandbox_procstat *st)
{
	char path[64], text[1024], *p, *save = NULL, *tok;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	text[n] = '\0';
	/* The command name may hold spaces and parentheses: the fields start
	 * after the last ')'. */
	p = strrchr(text, ')');
	if (!p)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	/* Field 3 is the state, 4 the parent, 22 the start time. */
	for (field = 3, tok = strtok_r(p + 1, " ", &save); tok;
	     field++, tok = strtok_r(NULL, " ", &save)) {
		if (field == 3)
			st->state = tok[0];
		else if (field == 4)
			st->ppid = (pid_t)atoi(tok);
		else if (field == 22) {
			st->start = strtoull(tok, NULL, 10);
			return 0;
		}
	}
	return -EINVAL;
}

int sandbox_proc_alive(const struct sandbox_proc *p)
{
	struct sandbox_procstat st;

	if (!p || p->pid <= 0 || sandbox_proc_stat(p->pid, &st) < 0)
		return 0;
	return st.state != 'Z' && st.state != 'X' && (!p->start || st.start == p->start);
}

void sandbox_reap_children(void)
{
	int st;

	while (waitpid(-1, &st, WNOHANG) > 0)
		;
}

int sandbox_self_exe(char out[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
	size_t len;

	if (n <= 0)
		return -errno;
	out[n] = '\0';
	/* Rebuilt while running: the kernel appends " (deleted)". */
	len = (size_t)n;
	if (len > 10 && !strcmp(out + len - 10, " (deleted)"))
		out[len - 10] = '\0';
	return 0;
}

/* Only system calls from here to exec: the child of a fork. */
static void sandbox_child(char *const argv[], int nullfd, int logfd, int nsfd, int errfd)
{
	sigset_t none;
	int err;

	setsid();
	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		goto fail;
	if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	/* Sockets and files of `up` itself stay behind. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	execv(argv[0], argv);
fail:
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

int sandbox_spawn(char *const argv[], const char *log_path, const char *netns_path,
                  struct sandbox_proc *out)
{
	int pfd[2] = {-1, -1}, nullfd, logfd, nsfd = -1, err = 0, rc = 0, st;
	struct sandbox_procstat ps;
	ssize_t n;
	pid_t pid;

	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (netns_path)
		nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || logfd < 0 || (netns_path && nsfd < 0) || pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto out;
	}
	if (pid == 0) {
		close(pfd[0]);
		sandbox_child(argv, nullfd, logfd, nsfd, pfd[1]);
	}
	close(pfd[1]);
	pfd[1] = -1;
	/* EOF: the exec succeeded (the pipe was close-on-exec). */
	do
		n = read(pfd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		rc = -(err ? err : EIO);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	out->pid = pid;
	out->start = sandbox_proc_stat(pid, &ps) == 0 ? ps.start : 0;
out:
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	if (nullfd >= 0)
		close(nullfd);
	if (logfd >= 0)
		close(logfd);
	if (nsfd >= 0)
		close(nsfd);
	return rc;
}
