/*
 * runner.h - runs a container's command as a host process, on the agent's ev loop.
 *
 * A container here is a process in its own session and process group, started
 * with the Pod's network and UTS namespaces (setns on pinned ns files), the
 * given environment and working directory, stdin from /dev/null and stdout and
 * stderr appended to one log file. The image is not pulled: the host
 * filesystem is used.
 *
 * Exits are learnt through a signalfd for SIGCHLD (runner_new blocks SIGCHLD
 * for the calling thread; call it before starting other threads). Only the
 * runner's own children are reaped (waitid per pid), so code elsewhere in the
 * agent that forks and waits for its own helpers keeps working.
 *
 * When a container's main process ends, what is left of its process group is
 * SIGKILLed, as the end of a container's init tears down its pid namespace.
 */
#ifndef SVCNET_RUNNER_H
#define SVCNET_RUNNER_H

#include <stddef.h>
#include <sys/types.h>

#include "agent/podfs.h"
#include "lib/ev.h"

/* Room for a start error message such as exec: "foo": executable file not found in $PATH. */
#define RUNNER_ERR_LEN 512

typedef struct runner runner;
typedef struct runner_proc runner_proc;

/*
 * Called once per started process after it has been reaped. exited=1: code is
 * the exit status, signo 0. exited=0: killed by signo, code is 128+signo (the
 * exit code the kubelet reports). p stays valid after the callback returns,
 * until runner_proc_free(), which the callback may call itself. The callback
 * may start and stop processes but must not free the runner.
 */
typedef void runner_exit_fn(runner_proc *p, int exited, int code, int signo, void *data);

struct runner_spec {
	char *const *argv;      /* NULL-terminated, argv[0] required; no '/' => PATH lookup */
	char *const *envp;      /* NULL-terminated or NULL (empty); its PATH is searched */
	const char *dir;        /* working directory; NULL => "/" */
	const char *log_path;   /* stdout+stderr, O_APPEND|O_CREAT 0640; NULL => /dev/null */
	const char *netns_path; /* optional: setns(CLONE_NEWNET) on this file */
	const char *uts_path;   /* optional: setns(CLONE_NEWUTS) on this file */
	void *data;             /* caller's pointer, see runner_proc_data() */
	/* Bind mounts in a private mount namespace (podfs_enter), entered after
	 * the setns calls and before chdir; a failure is a start error
	 * `mount "<dst>": <strerror>`. NULL/0: the node's mount namespace. */
	const struct podfs_bind *binds;
	int nbinds;
	/* Per-process exit callback: when not NULL it is called instead of the
	 * runner-wide one, with exit_data as data (exec probes use it). */
	runner_exit_fn *on_exit;
	void *exit_data;
};

/* Returns NULL on error (errno set). on_exit may be NULL. */
runner *runner_new(ev_loop *l, runner_exit_fn *on_exit, void *data);
/*
 * SIGKILLs the process groups of processes still running, reaps them (without
 * callbacks) and frees every proc, including ones the caller has not freed.
 * NULL-safe. SIGCHLD stays blocked.
 */
void runner_free(runner *r);
/*
 * Frees the runner and every proc without signalling any process: the agent
 * goes, its Pods keep running, and the next agent adopts them. Children of
 * ours that are still running are not reaped (they are reparented when this
 * process exits). NULL-safe.
 */
void runner_free_detach(runner *r);

/*
 * Starts s->argv. Returns 0 and *out once the child has reached exec
 * successfully. Otherwise returns a negative errno and, when err is not NULL,
 * a message in the manner of the kubelet's StartError, e.g.
 *   exec: "foo": executable file not found in $PATH   (-ENOENT)
 *   exec: "/etc/passwd": permission denied            (-EACCES)
 *   chdir "/nope": No such file or directory          (-ENOENT)
 * No exit callback follows a failed start: treat it as an exit with code 128,
 * reason StartError.
 */
int runner_start(runner *r, const struct runner_spec *s, runner_proc **out, char *err,
                 size_t errlen);

/*
 * Adopts a container process that an earlier agent started (with setsid, so
 * its process group id is its pid) and that is no child of ours. start_time
 * (see runner_proc_start_time) guards against a reused pid. The process is
 * watched through a pidfd; when it ends, what is left of its group is
 * SIGKILLed as for a started process and the runner-wide exit callback gets
 * exited=0, code=-1, signo=0: the exit status of a process that is not our
 * child cannot be known (if it still is our child, e.g. after
 * runner_free_detach in this same process, it is reaped and the real status
 * is reported). Signals, stop and free work as for started ones, and signal
 * the group only while the leader's pidfd says it lives; runner_proc_free
 * and runner_free kill a running adopted process at once (nothing to reap).
 * Returns 0 and *out, -ESRCH (gone, or the pid now names another process),
 * -EEXIST (already a proc of this runner), -EINVAL, -ENOMEM, -ENOSYS (no
 * pidfd_open, e.g. under valgrind 3.19), or another negative errno.
 */
int runner_adopt(runner *r, pid_t pid, unsigned long long start_time, void *data,
                 runner_proc **out);
/* The process's start time (field 22 of /proc/PID/stat: clock ticks since
 * boot), read when it was started or adopted, for the agent to persist. */
unsigned long long runner_proc_start_time(const runner_proc *p);
/* Reads that start time for any pid: 0, -ESRCH (no such process), -EIO. */
int runner_pid_start_time(pid_t pid, unsigned long long *out);

/* Sends sig to the process group. -ESRCH once the process has been reaped. */
int runner_signal(runner_proc *p, int sig);
/*
 * Graceful stop: SIGTERM to the process group, SIGKILL grace_seconds later
 * (at once when grace_seconds <= 0). Idempotent: a repeated call may only
 * shorten the pending grace, and a call after the exit does nothing (0).
 */
int runner_stop(runner_proc *p, int grace_seconds);

/*
 * Releases p. If it still runs, its process group is SIGKILLed and it is
 * reaped later without a callback. NULL-safe.
 */
void runner_proc_free(runner_proc *p);

pid_t runner_proc_pid(const runner_proc *p);
void *runner_proc_data(const runner_proc *p);
/* 1 once reaped (the exit callback has been or is being called). */
int runner_proc_done(const runner_proc *p);
/* 1 if runner_stop() was called before the exit: the kubelet then does not restart. */
int runner_proc_stopping(const runner_proc *p);

/*
 * Kubelet crash-loop back-off before the next restart, given how many restarts
 * already happened: the first restart is immediate (0), then 10 s, 20 s,
 * 40 s, ... capped at 300 s.
 */
long long runner_backoff_ms(int restarts);

/*
 * Pod restartPolicy after an exit with exit_code (128+signo when killed):
 * 1 restart, 0 don't, -EINVAL for an unknown policy. NULL or "" is the API
 * default, Always.
 */
int runner_should_restart(const char *policy, int exit_code);

#endif
