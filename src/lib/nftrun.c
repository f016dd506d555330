/* nftrun.c - nftables scripts through libnftables; see nftrun.h. */
#include "lib/nftrun.h"

#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* libnftables hands a buffer's contents out once (the next call returns
 * what came since), so the caller reads it once and passes it here. */
static void nftrun_err(const char *e, const char *out, char *err, size_t errlen)
{
	size_t n;

	if (!err || !errlen)
		return;
	/* Errors met while reading the ruleset go to the output stream. */
	if (!e || !*e)
		e = out;
	if (e)
		e += strspn(e, "\n");
	if (!e || !*e)
		e = "nftables: command failed";
	n = strcspn(e, "\n");
	snprintf(err, errlen, "%.*s", (int)n, e);
}

struct nftrun {
	struct nft_ctx *ctx;
};

static struct nft_ctx *nftrun_ctx_new(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (ctx && (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)) {
		nft_ctx_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

static int nftrun_run(struct nft_ctx *ctx, const char *cmd, unsigned int flags, char **out,
                      char *err, size_t errlen)
{
	const char *e, *o;
	int rc = 0;

	nft_ctx_output_set_flags(ctx, flags);
	rc = nft_run_cmd_from_buffer(ctx, cmd);
	/* Both read every time: each read empties its buffer for the next run. */
	e = nft_ctx_get_error_buffer(ctx);
	o = nft_ctx_get_output_buffer(ctx);
	if (rc != 0) {
		rc = (e && strstr(e, "No such file or directory")) ? -ENOENT : -EINVAL;
		nftrun_err(e, o, err, errlen);
	} else if (out && !(*out = strdup(o ? o : ""))) {
		rc = -ENOMEM;
	}
	return rc;
}

/* One context per call (25 us to make); see nftrun_new for a kept one. */
static int nftrun_once(const char *cmd, unsigned int flags, char **out, char *err, size_t errlen)
{
	struct nft_ctx *ctx = nftrun_ctx_new();
	int rc;

	if (!ctx)
		return -ENOMEM;
	rc = nftrun_run(ctx, cmd, flags, out, err, errlen);
	nft_ctx_free(ctx);
	return rc;
}

int nftrun_apply(const char *script, char *err, size_t errlen)
{
	if (!script)
		return -EINVAL;
	return nftrun_once(script, 0, NULL, err, errlen);
}

int nftrun_apply_isolated(const char *script, char *err, size_t errlen)
{
	int pfd[2], status = 0, rc;
	char msg[512];
	ssize_t n, got = 0;
	pid_t pid;

	if (!script)
		return -EINVAL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (pid == 0) {
		/* The child: its memory, libnftables' parse of the whole
		 * transaction included, goes with it. */
		char e[512] = "";

		close(pfd[0]);
		rc = nftrun_apply(script, e, sizeof(e));
		if (rc < 0 && write(pfd[1], e, strlen(e)) < 0)
			_exit(3);
		_exit(rc == 0 ? 0 : rc == -ENOMEM ? 2 : rc == -ENOENT ? 4 : 1);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	msg[got] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (err && errlen)
		snprintf(err, errlen, "%s", got ? msg : "nftables: the applying process failed");
	if (!WIFEXITED(status))
		return -EIO;
	switch (WEXITSTATUS(status)) {
	case 2:
		return -ENOMEM;
	case 4:
		return -ENOENT;
	case 1:
		return -EINVAL;
	default:
		return -EIO;
	}
}

int nftrun_list(const char *cmd, char **out, char *err, size_t errlen)
{
	return nftrun_list_flags(cmd, 0, out, err, errlen);
}

int nftrun_list_flags(const char *cmd, unsigned int flags, char **out, char *err, size_t errlen)
{
	if (!cmd || !out)
		return -EINVAL;
	*out = NULL;
	return nftrun_once(cmd, flags, out, err, errlen);
}

nftrun *nftrun_new(void)
{
	nftrun *r = calloc(1, sizeof(*r));

	if (r && !(r->ctx = nftrun_ctx_new())) {
		free(r);
		r = NULL;
	}
	return r;
}

void nftrun_free(nftrun *r)
{
	if (!r)
		return;
	nft_ctx_free(r->ctx);
	free(r);
}

int nftrun_ctx_apply(nftrun *r, const char *script, char *err, size_t errlen)
{
	if (!r || !script)
		return -EINVAL;
	return nftrun_run(r->ctx, script, 0, NULL, err, errlen);
}

int nftrun_ctx_list(nftrun *r, const char *cmd, unsigned int flags, char **out, char *err,
                    size_t errlen)
{
	if (!r || !cmd || !out)
		return -EINVAL;
	*out = NULL;
	return nftrun_run(r->ctx, cmd, flags, out, err, errlen);
}
