/*
 * sandbox_exec.c - `svcnet exec POD -- CMD`: a command in a Pod's network,
 * UTS and mount namespaces, found through the agents' state in the data dir
 * (DIR/nodes/<node>/pods/<uid>/meta.json), like `kubectl exec` without a
 * round trip through the API server.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/podfs.h"
#include "agent/podnet.h"
#include "sandbox/sandbox_int.h"

#define SANDBOX_MAX_BINDS    16
#define SANDBOX_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct sandbox_pod {
	json_t *meta; /* the chosen meta.json */
	int score;    /* how alive it looks; the best candidate wins */
	time_t mtime;
};

static int sandbox_pin_is_netns(const char *path)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, ok;

	if (fd < 0)
		return 0;
	ok = ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
	close(fd);
	return ok;
}

/* 2 for a mounted netns pin with a running container, 1 for the pin only. A
 * Pod recreated under the same name leaves an older uid behind for a while. */
static int sandbox_pod_score(json_t *meta)
{
	json_t *ctrs = json_object_get(meta, "containers"), *c;
	const char *k;
	int score = sandbox_pin_is_netns(json_string_value(json_object_get(meta, "netns")));

	json_object_foreach (ctrs, k, c) {
		struct sandbox_proc p = {(pid_t)json_integer_value(json_object_get(c, "pid")), 0};

		if (score && p.pid > 0 && sandbox_proc_alive(&p)) {
			score = 2;
			break;
		}
	}
	return score;
}

static void sandbox_pod_consider(const char *path, const char *ns, const char *name,
                                 struct sandbox_pod *best)
{
	json_error_t jerr;
	struct stat st;
	json_t *meta = json_load_file(path, 0, &jerr);
	const char *mns = json_string_value(json_object_get(meta, "namespace"));
	const char *mname = json_string_value(json_object_get(meta, "name"));
	int score;

	if (!mns || !mname || strcmp(mns, ns) || strcmp(mname, name) || stat(path, &st) < 0) {
		json_decref(meta);
		return;
	}
	score = sandbox_pod_score(meta);
	if (!best->meta || score > best->score ||
	    (score == best->score && st.st_mtime > best->mtime)) {
		json_decref(best->meta);
		best->meta = meta;
		best->score = score;
		best->mtime = st.st_mtime;
		return;
	}
	json_decref(meta);
}

static int sandbox_find_pod(const char *dir, const char *ns, const char *name,
                            struct sandbox_pod *best)
{
	char nodes[PATH_MAX], pods[PATH_MAX], meta[PATH_MAX];
	struct dirent *nd, *pd;
	DIR *dn, *dp;

	if (sandbox_path(nodes, sizeof(nodes), "%s/nodes", dir) < 0)
		return -ENAMETOOLONG;
	if (!(dn = opendir(nodes)))
		return -errno;
	while ((nd = readdir(dn))) {
		if (nd->d_name[0] == '.' ||
		    sandbox_path(pods, sizeof(pods), "%s/%s/pods", nodes, nd->d_name) < 0 ||
		    !(dp = opendir(pods)))
			continue;
		while ((pd = readdir(dp)))
			if (pd->d_name[0] != '.' &&
			    sandbox_path(meta, sizeof(meta), "%s/%s/meta.json", pods, pd->d_name) ==
			        0)
				sandbox_pod_consider(meta, ns, name, best);
		closedir(dp);
	}
	closedir(dn);
	return best->meta ? 0 : -ESRCH;
}

struct sandbox_exec_err {
	int stage; /* 1 namespaces, 2 mounts, 3 exec */
	int err;
};

static void sandbox_exec_child(json_t *meta, const char *path_env, char *const *argv, int errfd)
{
	struct podfs_bind binds[SANDBOX_MAX_BINDS];
	struct sandbox_exec_err e = {1, 0};
	json_t *jb = json_object_get(meta, "binds"), *b;
	size_t i;
	int n = 0, rc;

	json_array_foreach (jb, i, b) {
		if (n == SANDBOX_MAX_BINDS)
			break;
		binds[n].src = json_string_value(json_object_get(b, "src"));
		binds[n].dst = json_string_value(json_object_get(b, "dst"));
		if (binds[n].src && binds[n].dst)
			n++;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	rc = podnet_enter(json_string_value(json_object_get(meta, "netns")),
	                  json_string_value(json_object_get(meta, "uts")));
	if (rc == 0) {
		e.stage = 2;
		rc = podfs_enter(binds, n, NULL);
	}
	if (rc == 0) {
		e.stage = 3;
		setenv("PATH", path_env, 1);
		execvp(argv[0], argv);
		rc = -errno;
	}
	e.err = -rc;
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(1);
	/* The shells' codes: 127 not found, 126 found but not runnable. */
	if (e.stage == 3)
		_exit(e.err == ENOENT ? 127 : 126);
	_exit(1);
}

/* The svcnet binary's directory first, so `svcnet` works in the Pod. */
static void sandbox_exec_path(char *out, size_t len)
{
	char exe[PATH_MAX];
	const char *old = getenv("PATH");

	if (!old || !*old)
		old = SANDBOX_DEFAULT_PATH;
	if (sandbox_self_exe(exe) == 0)
		snprintf(out, len, "%s:%s", dirname(exe), old);
	else
		snprintf(out, len, "%s", old);
}

static int sandbox_exec_run(json_t *meta, char *const *argv, const char *pod)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, oint, oquit;
	struct sandbox_exec_err e = {0, 0};
	char path_env[PATH_MAX + 512];
	int pfd[2], st;
	ssize_t n;
	pid_t pid;

	sandbox_exec_path(path_env, sizeof(path_env));
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		perror("svcnet exec: pipe");
		return 1;
	}
	/* Like system(): a Ctrl-C is the command's to handle; we pass its
	 * outcome on. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		sandbox_exec_child(meta, path_env, argv, pfd[1]);
	}
	close(pfd[1]);
	if (pid < 0) {
		perror("svcnet exec: fork");
		close(pfd[0]);
		st = -1;
		goto out;
	}
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(e)) {
		if (e.stage == 3 && e.err == ENOENT)
			fprintf(stderr, "svcnet exec: \"%s\": executable file not found in $PATH\n",
			        argv[0]);
		else
			fprintf(stderr, "svcnet exec: %s in pod \"%s\": %s\n",
			        e.stage == 1   ? "entering the namespaces"
			        : e.stage == 2 ? "mounting the Pod's files"
			                       : argv[0],
			        pod, strerror(e.err));
	}
out:
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (st == -1)
		return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

int sandbox_exec(const struct sandbox_exec_opts *o)
{
	const char *ns = o->namespace ? o->namespace : "default";
	struct sandbox_pod best = {0};
	char dir[PATH_MAX];
	int rc;

	if (!o->pod || !*o->pod || !o->argv || !o->argv[0]) {
		fprintf(stderr, "svcnet exec: a pod and a command are required\n");
		return 1;
	}
	rc = sandbox_resolve_dir(o->data_dir ? o->data_dir : SANDBOX_DEFAULT_DIR, 0, dir);
	if (rc < 0) {
		fprintf(stderr, "svcnet exec: data dir \"%s\": refused\n", o->data_dir);
		return 1;
	}
	rc = sandbox_find_pod(dir, ns, o->pod, &best);
	if (rc == -ENOENT) {
		fprintf(stderr, "svcnet exec: no sandbox in %s (no nodes/ directory)\n", dir);
		return 1;
	}
	if (rc < 0 || best.score == 0) {
		if (rc < 0)
			fprintf(stderr, "svcnet exec: pod \"%s\" not found in namespace \"%s\"\n",
			        o->pod, ns);
		else
			fprintf(stderr,
			        "svcnet exec: pod \"%s\" in namespace \"%s\" has no network "
			        "namespace (not running?)\n",
			        o->pod, ns);
		json_decref(best.meta);
		return 1;
	}
	rc = sandbox_exec_run(best.meta, o->argv, o->pod);
	json_decref(best.meta);
	return rc;
}
