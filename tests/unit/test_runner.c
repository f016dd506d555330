/*
 * test_runner.c - container process runner: logs, exit codes, start errors,
 * graceful stop, namespaces, fd and zombie hygiene, back-off and policy.
 *
 * Namespace tests fork a child that takes a private mount namespace, pins a
 * fresh net+uts namespace by bind-mounting a helper's ns files onto temp
 * files, and runs the runner there; everything dies with that child.
 * Adoption tests make orphans with a double fork, as an earlier agent's
 * containers look to a restarted one.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/runner.h"

struct rt {
	ev_loop *loop;
	runner *r;
	int nexits;
	int want; /* stop the loop after this many exits */
	int exited, code, signo;
	runner_proc *last;
	int free_in_cb;
};

static void rt_on_exit(runner_proc *p, int exited, int code, int signo, void *data)
{
	struct rt *t = data;

	t->nexits++;
	t->exited = exited;
	t->code = code;
	t->signo = signo;
	t->last = p;
	if (t->free_in_cb)
		runner_proc_free(p);
	if (t->nexits >= t->want)
		ev_stop(t->loop);
}

static long long rt_timeout(ev_loop *l, ev_timer *tm, void *data)
{
	ev_stop(l);
	return EV_TIMER_STOP;
}

static int rt_init(struct rt *t)
{
	memset(t, 0, sizeof(*t));
	t->loop = ev_loop_new();
	if (!t->loop)
		return -1;
	t->r = runner_new(t->loop, rt_on_exit, t);
	return t->r ? 0 : -1;
}

/* Runs the loop until t->want exits or ms pass; returns 1 if all exits came. */
static int rt_wait(struct rt *t, int want, long long ms)
{
	ev_timer *tm;

	t->want = want;
	if (t->nexits >= want)
		return 1;
	tm = ev_timer_add(t->loop, ms, rt_timeout, t);
	ev_run(t->loop);
	if (t->nexits >= want)
		ev_timer_del(t->loop, tm);
	return t->nexits >= want;
}

static void rt_fini(struct rt *t)
{
	runner_free(t->r);
	ev_loop_free(t->loop);
}

static char *rt_slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

static void rt_tmpname(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/runner-test-%d-%s", (int)getpid(), tag);
	unlink(buf);
}

static int rt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char *sh_argv(const char *script)
{
	return (char *)script;
}

static char *const rt_env[] = {"PATH=/usr/bin:/bin", "FOO=bar baz", NULL};

UNIT_TEST(runner_exit_code_and_log)
{
	char log[128], err[RUNNER_ERR_LEN];
	char *argv[] = {"/bin/sh", "-c", sh_argv("echo out; echo err >&2; exit 3"), NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env, .log_path = log};
	struct rt t;
	runner_proc *p;
	int ok;

	rt_tmpname(log, sizeof(log), "log1");
	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), 0);
	CHECK(runner_proc_pid(p) > 0);
	ok = rt_wait(&t, 1, 10000);
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.exited, 1);
	CHECK_INT(t.code, 3);
	CHECK_INT(t.signo, 0);
	CHECK_STR(rt_slurp(log), "out\nerr\n");
	unlink(log);
}

UNIT_TEST(runner_env_dir_and_append)
{
	char log[128], err[RUNNER_ERR_LEN];
	char *argv[] = {"sh", "-c", sh_argv("echo \"$FOO\"; pwd; echo $$ > /dev/null"), NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env, .dir = "/tmp", .log_path = log};
	struct rt t;
	runner_proc *p;
	int fd, ok;

	rt_tmpname(log, sizeof(log), "log2");
	fd = open(log, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "old\n", 4), 4);
	close(fd);
	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), 0);
	ok = rt_wait(&t, 1, 10000);
	CHECK(t.last == p);
	CHECK(runner_proc_done(p));
	CHECK_INT(runner_signal(p, SIGTERM), -ESRCH);
	CHECK_INT(runner_stop(p, 5), 0); /* after the exit: nothing to do */
	runner_proc_free(p);
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.code, 0);
	CHECK_STR(rt_slurp(log), "old\nbar baz\n/tmp\n");
	unlink(log);
}

UNIT_TEST(runner_log_mode_created_0640)
{
	char log[128];
	char *argv[] = {"true", NULL};
	struct runner_spec s = {.argv = argv, .log_path = log}; /* no env: default PATH */
	struct rt t;
	runner_proc *p;
	struct stat st;
	mode_t old = umask(0);
	int ok;

	rt_tmpname(log, sizeof(log), "log3");
	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	ok = rt_wait(&t, 1, 10000);
	rt_fini(&t);
	umask(old);
	CHECK(ok);
	CHECK_INT(t.code, 0);
	CHECK(stat(log, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0640);
	unlink(log);
}

UNIT_TEST(runner_path_from_spec_env)
{
	char dir[128], tool[160], env0[160], err[RUNNER_ERR_LEN], log[128];
	char *argv[] = {"svcnet-runner-tool", NULL};
	char *env[] = {env0, NULL};
	struct runner_spec s = {.argv = argv, .envp = env, .log_path = log};
	struct rt t;
	runner_proc *p;
	int fd, ok, rc;

	rt_tmpname(dir, sizeof(dir), "bin");
	rt_tmpname(log, sizeof(log), "log4");
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(tool, sizeof(tool), "%s/svcnet-runner-tool", dir);
	snprintf(env0, sizeof(env0), "PATH=/nonexistent::%s", dir);
	fd = open(tool, O_WRONLY | O_CREAT, 0700);
	CHECK(fd >= 0);
	CHECK_INT(write(fd, "#!/bin/sh\necho tool\n", 20), 20);
	close(fd);
	CHECK(rt_init(&t) == 0);
	rc = runner_start(t.r, &s, &p, err, sizeof(err));
	ok = rc == 0 && rt_wait(&t, 1, 10000);
	rt_fini(&t);
	CHECK_INT(rc, 0);
	CHECK(ok);
	CHECK_INT(t.code, 0);
	CHECK_STR(rt_slurp(log), "tool\n");
	/* Not executable: permission denied, as execvp reports it. */
	CHECK(chmod(tool, 0600) == 0);
	CHECK(rt_init(&t) == 0);
	rc = runner_start(t.r, &s, &p, err, sizeof(err));
	rt_fini(&t);
	CHECK_INT(rc, -EACCES);
	CHECK_STR(err, "exec: \"svcnet-runner-tool\": permission denied");
	unlink(tool);
	unlink(log);
	rmdir(dir);
}

UNIT_TEST(runner_start_errors)
{
	char err[RUNNER_ERR_LEN];
	char *nf[] = {"svcnet-no-such-command", "x", NULL};
	char *abs[] = {"/nonexistent/bin/foo", NULL};
	char *ok[] = {"true", NULL};
	char *empty[] = {"", NULL};
	char *none[] = {NULL};
	struct runner_spec s = {.argv = nf, .envp = rt_env};
	struct rt t;
	runner_proc *p = (runner_proc *)&s;

	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	CHECK(p == NULL);
	CHECK_STR(err, "exec: \"svcnet-no-such-command\": executable file not found in $PATH");

	s.argv = abs;
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "exec: \"/nonexistent/bin/foo\": no such file or directory");

	s.argv = ok;
	s.dir = "/nonexistent-dir";
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	CHECK_STR(err, "chdir \"/nonexistent-dir\": No such file or directory");
	s.dir = NULL;

	s.log_path = "/nonexistent-dir/log";
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "open log \"/nonexistent-dir/log\"") != NULL);
	s.log_path = NULL;

	s.netns_path = "/nonexistent-netns";
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "netns") != NULL);
	s.netns_path = "/dev/null"; /* opens, but is no namespace */
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "setns net \"/dev/null\"") != NULL);
	s.netns_path = NULL;

	s.argv = empty;
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -EINVAL);
	s.argv = none;
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -EINVAL);
	s.argv = NULL;
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), -EINVAL);
	CHECK_INT(runner_start(t.r, NULL, &p, err, sizeof(err)), -EINVAL);
	/* Failed starts leave no child and no callback behind. */
	CHECK_INT(t.nexits, 0);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	rt_fini(&t);
}

UNIT_TEST(runner_stop_sigterm)
{
	char *argv[] = {"sleep", "100", NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env};
	struct rt t;
	runner_proc *p;
	int ok;

	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	CHECK_INT(runner_stop(p, 1), 0);
	CHECK_INT(runner_stop(p, 30), 0); /* idempotent; a longer grace is ignored */
	CHECK(runner_proc_stopping(p));
	ok = rt_wait(&t, 1, 10000);
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.exited, 0);
	CHECK_INT(t.signo, SIGTERM);
	CHECK_INT(t.code, 128 + SIGTERM);
}

UNIT_TEST(runner_stop_sigkill_after_grace)
{
	char *argv[] = {"/bin/sh", "-c", sh_argv("trap '' TERM; sleep 100; exit 0"), NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env};
	struct rt t;
	runner_proc *p;
	uint64_t t0, dt;
	int ok;

	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	usleep(100000); /* let the shell install its trap */
	t0 = ev_clock_ms();
	CHECK_INT(runner_stop(p, 1), 0);
	ok = rt_wait(&t, 1, 10000);
	dt = ev_clock_ms() - t0;
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.exited, 0);
	CHECK_INT(t.signo, SIGKILL);
	CHECK(dt >= 900);
}

UNIT_TEST(runner_stop_shorter_grace_and_signal)
{
	char *argv[] = {"/bin/sh", "-c", sh_argv("trap '' TERM; sleep 100; exit 0"), NULL};
	char *argv2[] = {"sleep", "100", NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env};
	struct rt t;
	runner_proc *p, *q;
	int ok;

	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	usleep(100000);
	CHECK_INT(runner_stop(p, 60), 0);
	CHECK_INT(runner_stop(p, 0), 0); /* a second delete with grace 0 kills at once */
	ok = rt_wait(&t, 1, 10000);
	CHECK(ok);
	CHECK_INT(t.signo, SIGKILL);
	s.argv = argv2;
	CHECK_INT(runner_start(t.r, &s, &q, NULL, 0), 0);
	CHECK_INT(runner_signal(q, SIGINT), 0);
	ok = rt_wait(&t, 2, 10000);
	CHECK(!runner_proc_stopping(q));
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.signo, SIGINT);
}

/* When the main process ends, the rest of its process group goes too. */
UNIT_TEST(runner_group_killed_on_exit)
{
	char pidf[128], script[256];
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env};
	struct rt t;
	runner_proc *p;
	char *txt, stat_path[64];
	int ok, bg, gone = 0;

	rt_tmpname(pidf, sizeof(pidf), "bgpid");
	snprintf(script, sizeof(script), "sleep 100 & echo $! > %s; exit 0", pidf);
	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	ok = rt_wait(&t, 1, 10000);
	rt_fini(&t);
	CHECK(ok);
	CHECK_INT(t.code, 0);
	txt = rt_slurp(pidf);
	CHECK(txt != NULL);
	bg = atoi(txt);
	CHECK(bg > 0);
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", bg);
	for (int i = 0; i < 100 && !gone; i++) {
		char *st = rt_slurp(stat_path), *rp = st ? strrchr(st, ')') : NULL;

		gone = !rp || rp[1] == 0 || rp[2] == 'Z' || rp[2] == 'X';
		if (!gone)
			usleep(20000);
	}
	unlink(pidf);
	CHECK(gone);
}

/* Free inside the callback, free while running (reaped silently), runner_free with live procs. */
UNIT_TEST(runner_lifetimes)
{
	char *fast[] = {"true", NULL};
	char *slow[] = {"sleep", "100", NULL};
	struct runner_spec s = {.argv = fast, .envp = rt_env};
	struct rt t;
	runner_proc *p, *q;
	int ok;

	CHECK(rt_init(&t) == 0);
	t.free_in_cb = 1;
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	ok = rt_wait(&t, 1, 10000);
	CHECK(ok);
	t.free_in_cb = 0;
	s.argv = slow;
	CHECK_INT(runner_start(t.r, &s, &q, NULL, 0), 0);
	runner_proc_free(q); /* detached: killed, no callback */
	s.argv = fast;
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	ok = rt_wait(&t, 2, 10000);
	CHECK(ok);
	CHECK(t.last == p);
	usleep(50000);
	ok = rt_wait(&t, 3, 300); /* drains the detached one; must not call back */
	CHECK(!ok);
	CHECK_INT(t.nexits, 2);
	s.argv = slow;
	CHECK_INT(runner_start(t.r, &s, &q, NULL, 0), 0);
	CHECK_INT(runner_stop(q, 30), 0); /* pending kill timer freed by runner_free */
	rt_fini(&t);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

UNIT_TEST(runner_no_fd_leaks_no_zombies)
{
	char *ok[] = {"true", NULL};
	char *bad[] = {"svcnet-no-such-command", NULL};
	char log[128], err[RUNNER_ERR_LEN];
	struct runner_spec s = {.argv = ok, .envp = rt_env, .log_path = log};
	struct rt t;
	runner_proc *p;
	int before, after, got;

	rt_tmpname(log, sizeof(log), "log5");
	CHECK(rt_init(&t) == 0);
	before = rt_count_fds();
	for (int i = 0; i < 50; i++) {
		CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), 0);
		got = rt_wait(&t, i + 1, 10000);
		CHECK(got);
		runner_proc_free(p);
	}
	s.argv = bad;
	for (int i = 0; i < 10; i++)
		CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -ENOENT);
	after = rt_count_fds();
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	rt_fini(&t);
	CHECK_INT(after, before);
	unlink(log);
}

/* The child's fds: 0-2 only (the listing's own fd aside). */
UNIT_TEST(runner_child_fds_closed)
{
	char log[128];
	char *argv[] = {"/bin/sh", "-c", sh_argv("ls /proc/self/fd | wc -l"), NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env, .log_path = log};
	struct rt t;
	runner_proc *p;
	int ok, extra = open("/dev/null", O_RDONLY); /* no CLOEXEC: must still not leak */

	rt_tmpname(log, sizeof(log), "log6");
	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	ok = rt_wait(&t, 1, 10000);
	rt_fini(&t);
	close(extra);
	CHECK(ok);
	/* ls sees 0,1,2 and its own directory fd. */
	CHECK_STR(rt_slurp(log), "4\n");
	unlink(log);
}

/* --- namespaces, in a forked child with a private mount namespace --- */

static int ns_pin(pid_t helper, const char *kind, const char *target)
{
	char src[64];
	int fd = open(target, O_WRONLY | O_CREAT, 0600);

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/%s", (int)helper, kind);
	return mount(src, target, "none", MS_BIND, NULL);
}

/* Returns 0 on success, a line number of the failed step otherwise, 77 to skip. */
static int ns_child(const char *netf, const char *utsf, const char *log)
{
	char *argv[] = {"/bin/sh", "-c", sh_argv("cat /proc/net/dev; uname -n"), NULL};
	struct runner_spec s = {
	    .argv = argv, .envp = rt_env, .log_path = log, .netns_path = netf, .uts_path = utsf};
	int ready[2], ifaces = 0, lo = 0;
	char c, host[256], *txt, *line;
	struct rt t;
	runner_proc *p;
	pid_t h;

	if (unshare(CLONE_NEWNS) < 0)
		return 77;
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return __LINE__;
	if (pipe(ready) < 0)
		return __LINE__;
	h = fork();
	if (h < 0)
		return __LINE__;
	if (h == 0) {
		close(ready[0]);
		if (unshare(CLONE_NEWNET | CLONE_NEWUTS) < 0 ||
		    sethostname("runner-uts-test", 15) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		return __LINE__;
	close(ready[0]);
	if (ns_pin(h, "net", netf) < 0 || ns_pin(h, "uts", utsf) < 0)
		return __LINE__;
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	/* The helper is gone: only the bind mounts keep the namespaces now. */
	if (rt_init(&t) < 0)
		return __LINE__;
	if (runner_start(t.r, &s, &p, NULL, 0) < 0)
		return __LINE__;
	if (!rt_wait(&t, 1, 10000) || t.code != 0)
		return __LINE__;
	rt_fini(&t);
	txt = rt_slurp(log);
	if (!txt)
		return __LINE__;
	for (line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');

		if (strchr(line, '|'))
			continue;
		if (colon) {
			ifaces++;
			while (*line == ' ')
				line++;
			lo += strncmp(line, "lo:", 3) == 0;
		} else if (strcmp(line, "runner-uts-test") != 0) {
			return __LINE__;
		} else {
			lo += 100; /* hostname seen */
		}
	}
	if (ifaces != 1 || lo != 101)
		return __LINE__;
	/* The runner's setns stayed in its child. */
	if (gethostname(host, sizeof(host)) < 0 || strcmp(host, "runner-uts-test") == 0)
		return __LINE__;
	umount(netf);
	umount(utsf);
	return 0;
}

UNIT_TEST(runner_netns_and_utsns)
{
	char netf[128], utsf[128], log[128];
	pid_t pid;
	int st = 0;

	rt_tmpname(netf, sizeof(netf), "net");
	rt_tmpname(utsf, sizeof(utsf), "uts");
	rt_tmpname(log, sizeof(log), "log7");
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(ns_child(netf, utsf, log));
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	unlink(netf);
	unlink(utsf);
	unlink(log);
	CHECK(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		printf("    skip: no mount namespaces here\n");
		return;
	}
	CHECK_INT(WEXITSTATUS(st), 0);
}

UNIT_TEST(runner_backoff)
{
	CHECK_INT(runner_backoff_ms(-1), 0);
	CHECK_INT(runner_backoff_ms(0), 0);
	CHECK_INT(runner_backoff_ms(1), 10000);
	CHECK_INT(runner_backoff_ms(2), 20000);
	CHECK_INT(runner_backoff_ms(3), 40000);
	CHECK_INT(runner_backoff_ms(5), 160000);
	CHECK_INT(runner_backoff_ms(6), 300000);
	CHECK_INT(runner_backoff_ms(7), 300000);
	CHECK_INT(runner_backoff_ms(1 << 30), 300000);
}

UNIT_TEST(runner_restart_policy)
{
	CHECK_INT(runner_should_restart("Always", 0), 1);
	CHECK_INT(runner_should_restart("Always", 1), 1);
	CHECK_INT(runner_should_restart(NULL, 0), 1);
	CHECK_INT(runner_should_restart("", 0), 1);
	CHECK_INT(runner_should_restart("OnFailure", 0), 0);
	CHECK_INT(runner_should_restart("OnFailure", 137), 1);
	CHECK_INT(runner_should_restart("Never", 1), 0);
	CHECK_INT(runner_should_restart("never", 1), -EINVAL);
	CHECK_INT(runner_should_restart("Sometimes", 0), -EINVAL);
}

/* --- per-process exit callback, bind mounts --- */

static void rt_own_exit(runner_proc *p, int exited, int code, int signo, void *data)
{
	struct rt *t = data;

	t->code = 1000 + code; /* tells this callback's call from the runner-wide one */
	t->last = p;
	runner_proc_free(p);
	ev_stop(t->loop);
}

UNIT_TEST(runner_per_proc_exit_callback)
{
	char *argv[] = {"/bin/sh", "-c", sh_argv("exit 4"), NULL};
	struct rt t;
	struct runner_spec s = {.argv = argv, .envp = rt_env, .on_exit = rt_own_exit};
	runner_proc *p;
	ev_timer *tm;

	CHECK(rt_init(&t) == 0);
	s.exit_data = &t;
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	tm = ev_timer_add(t.loop, 10000, rt_timeout, &t);
	ev_run(t.loop);
	ev_timer_del(t.loop, tm);
	rt_fini(&t);
	CHECK_INT(t.nexits, 0); /* the runner-wide callback was not called */
	CHECK_INT(t.code, 1004);
	CHECK(t.last == p);
}

static int rt_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

UNIT_TEST(runner_binds)
{
	char src[128], dst[128], log[128], cmd[300], err[RUNNER_ERR_LEN];
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	struct podfs_bind b[2];
	struct runner_spec s = {.argv = argv, .envp = rt_env, .log_path = log, .binds = b};
	struct rt t;
	runner_proc *p;
	int rc, ok;

	rt_tmpname(src, sizeof(src), "bind-src");
	rt_tmpname(dst, sizeof(dst), "bind-dst");
	rt_tmpname(log, sizeof(log), "log8");
	CHECK(rt_write_file(src, "pod-hostname\n") == 0);
	CHECK(rt_write_file(dst, "node-hostname\n") == 0);
	snprintf(cmd, sizeof(cmd), "cat %s", dst);
	b[0] = (struct podfs_bind){src, dst};
	s.nbinds = 1;
	CHECK(rt_init(&t) == 0);
	rc = runner_start(t.r, &s, &p, err, sizeof(err));
	ok = rc == 0 && rt_wait(&t, 1, 10000);
	if (rc == -EPERM) {
		rt_fini(&t);
		printf("    skip: no mount namespaces here (%s)\n", err);
		return;
	}
	CHECK_INT(rc, 0);
	CHECK(ok);
	CHECK_INT(t.code, 0);
	CHECK_STR(rt_slurp(log), "pod-hostname\n");
	/* The mount stayed in the child's namespace. */
	CHECK_STR(rt_slurp(dst), "node-hostname\n");

	/* A missing mount point is a start error naming it. */
	b[1] = (struct podfs_bind){src, "/nonexistent-dir/hosts"};
	s.nbinds = 2;
	rc = runner_start(t.r, &s, &p, err, sizeof(err));
	CHECK_INT(rc, -ENOENT);
	CHECK_STR(err, "mount \"/nonexistent-dir/hosts\": No such file or directory");
	s.binds = NULL;
	CHECK_INT(runner_start(t.r, &s, &p, err, sizeof(err)), -EINVAL);
	CHECK_INT(t.nexits, 1);
	rt_fini(&t);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	unlink(src);
	unlink(dst);
	unlink(log);
}

/* --- start times, adoption, detaching --- */

/* Starts argv as an orphan in a session of its own (a double fork), as an
 * earlier agent's container looks to a new one. Its pid, or -1. */
static pid_t rt_orphan(char *const argv[])
{
	int pfd[2];
	pid_t c, g = -1;

	if (pipe(pfd) < 0)
		return -1;
	c = fork();
	if (c == 0) {
		sigset_t none;
		pid_t gc;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		gc = fork();
		if (gc == 0) {
			close(pfd[0]);
			close(pfd[1]);
			setsid();
			execv(argv[0], argv);
			_exit(127);
		}
		if (write(pfd[1], &gc, sizeof(gc)) != (ssize_t)sizeof(gc))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	if (c > 0) {
		if (read(pfd[0], &g, sizeof(g)) != (ssize_t)sizeof(g))
			g = -1;
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(pfd[0]);
	return g;
}

/* 1 once pid is gone or a zombie (whoever reaps orphans here may be slow). */
static int rt_gone(pid_t pid, int wait_ms)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (int i = 0; i <= wait_ms / 20; i++) {
		char *st = rt_slurp(path), *rp = st ? strrchr(st, ')') : NULL;

		if (!rp || rp[1] == 0 || rp[2] == 'Z' || rp[2] == 'X')
			return 1;
		usleep(20000);
	}
	return 0;
}

/* Valgrind 3.19 does not know pidfd_open: adoption tests skip under it. */
static int rt_no_pidfd(void)
{
	int fd = pidfd_open(getpid(), 0);

	if (fd >= 0)
		close(fd);
	if (fd < 0 && errno == ENOSYS) {
		printf("    skip: no pidfd_open here\n");
		return 1;
	}
	return 0;
}

UNIT_TEST(runner_pid_start_time_parse)
{
	unsigned long long a = 0, b = 0, self = 0;
	int pfd[2];
	pid_t c;
	char x;

	CHECK_INT(runner_pid_start_time(getpid(), &self), 0);
	CHECK(self > 0);
	CHECK_INT(runner_pid_start_time(0, &a), -ESRCH);
	CHECK_INT(runner_pid_start_time(4194304 + 1, &a), -ESRCH);
	/* A comm with spaces and parentheses does not shift the fields. */
	CHECK(pipe(pfd) == 0);
	c = fork();
	CHECK(c >= 0);
	if (c == 0) {
		if (read(pfd[0], &x, 1) == 1)
			prctl(PR_SET_NAME, "a) 1 2 (b) c", 0, 0, 0);
		if (write(pfd[1], "y", 1) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK_INT(runner_pid_start_time(c, &a), 0);
	CHECK_INT(write(pfd[1], "x", 1), 1);
	usleep(50000);
	CHECK_INT(read(pfd[0], &x, 1), 1);
	CHECK_INT(runner_pid_start_time(c, &b), 0);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
	CHECK(a >= self);
	CHECK_INT(a, b);
}

UNIT_TEST(runner_adopt_exit_unknown)
{
	char *argv[] = {"/bin/sleep", "100", NULL};
	unsigned long long st = 0;
	struct rt t;
	runner_proc *p = NULL, *q;
	pid_t g;
	int ok;

	if (rt_no_pidfd())
		return;

	CHECK(rt_init(&t) == 0);
	g = rt_orphan(argv);
	CHECK(g > 0);
	CHECK_INT(runner_pid_start_time(g, &st), 0);
	CHECK_INT(runner_adopt(t.r, g, st + 1, NULL, &p), -ESRCH); /* another process's pid */
	CHECK(p == NULL);
	CHECK_INT(runner_adopt(t.r, g, st, &t, &p), 0);
	CHECK(p != NULL);
	CHECK_INT(runner_adopt(t.r, g, st, &t, &q), -EEXIST);
	CHECK_INT(runner_proc_pid(p), g);
	CHECK(runner_proc_data(p) == &t);
	CHECK(runner_proc_start_time(p) == st);
	CHECK(!runner_proc_done(p));
	kill(g, SIGKILL); /* dies of something outside the agent */
	ok = rt_wait(&t, 1, 10000);
	CHECK(ok);
	CHECK(t.last == p);
	CHECK(runner_proc_done(p));
	CHECK_INT(t.exited, 0);
	CHECK_INT(t.code, -1);
	CHECK_INT(t.signo, 0);
	CHECK_INT(runner_signal(p, SIGTERM), -ESRCH);
	CHECK_INT(runner_stop(p, 0), 0);
	runner_proc_free(p);
	rt_fini(&t);
	CHECK(rt_gone(g, 2000));
	CHECK_INT(runner_adopt(NULL, g, st, NULL, &p), -EINVAL);
}

UNIT_TEST(runner_adopt_stop_kills_group)
{
	char pidf[128], script[512], *txt;
	char *argv[] = {"/bin/sh", "-c", script, NULL};
	unsigned long long st = 0;
	struct rt t;
	runner_proc *p;
	pid_t g, bg = 0;
	int ok;

	if (rt_no_pidfd())
		return;

	rt_tmpname(pidf, sizeof(pidf), "adopt-bg");
	snprintf(script, sizeof(script), "sleep 100 & echo $! > %s.tmp; mv %s.tmp %s; wait", pidf,
	         pidf, pidf);
	CHECK(rt_init(&t) == 0);
	g = rt_orphan(argv);
	CHECK(g > 0);
	for (int i = 0; i < 250 && bg <= 0; i++) {
		txt = rt_slurp(pidf);
		bg = txt ? atoi(txt) : 0;
		if (bg <= 0)
			usleep(20000);
	}
	CHECK(bg > 0);
	CHECK_INT(runner_pid_start_time(g, &st), 0);
	CHECK_INT(runner_adopt(t.r, g, st, NULL, &p), 0);
	CHECK_INT(runner_signal(p, 0), 0);
	CHECK_INT(runner_stop(p, 0), 0);
	CHECK(runner_proc_stopping(p));
	ok = rt_wait(&t, 1, 10000);
	CHECK(ok);
	CHECK_INT(t.code, -1);
	CHECK(rt_gone(bg, 5000));

	/* Freeing an adopted process that still runs kills its group, at once. */
	g = rt_orphan((char *[]){"/bin/sleep", "100", NULL});
	CHECK(g > 0);
	usleep(50000); /* past its setsid */
	CHECK_INT(runner_pid_start_time(g, &st), 0);
	CHECK_INT(runner_adopt(t.r, g, st, NULL, &p), 0);
	runner_proc_free(p);
	CHECK(rt_gone(g, 5000));
	rt_fini(&t);
	CHECK_INT(t.nexits, 1);
	unlink(pidf);
}

/* The agent goes, its processes stay; a new runner adopts them. */
UNIT_TEST(runner_free_detach_then_adopt)
{
	char *argv[] = {"sleep", "100", NULL};
	struct runner_spec s = {.argv = argv, .envp = rt_env};
	unsigned long long st = 0, st2 = 0;
	struct rt t;
	runner_proc *p, *q;
	pid_t pid, qpid;
	int ok;

	if (rt_no_pidfd())
		return;

	CHECK(rt_init(&t) == 0);
	CHECK_INT(runner_start(t.r, &s, &p, NULL, 0), 0);
	CHECK_INT(runner_start(t.r, &s, &q, NULL, 0), 0);
	CHECK_INT(runner_stop(q, 1), 0); /* its pending SIGKILL is dropped too */
	qpid = runner_proc_pid(q);
	pid = runner_proc_pid(p);
	st = runner_proc_start_time(p);
	CHECK(st > 0);
	CHECK_INT(runner_pid_start_time(pid, &st2), 0);
	CHECK(st == st2);
	runner_free_detach(t.r);
	t.r = NULL;
	usleep(50000);
	CHECK(!rt_gone(pid, 0));
	/* Still our child here, so the new runner even learns its status. */
	t.r = runner_new(t.loop, rt_on_exit, &t);
	CHECK(t.r != NULL);
	CHECK_INT(runner_adopt(t.r, pid, st, NULL, &p), 0);
	CHECK_INT(runner_stop(p, 0), 0);
	ok = rt_wait(&t, 1, 10000);
	CHECK(ok);
	CHECK_INT(t.signo, SIGKILL);
	CHECK_INT(t.code, 128 + SIGKILL);
	rt_fini(&t);
	kill(qpid, SIGKILL);
	CHECK(waitpid(qpid, NULL, 0) == qpid);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}
