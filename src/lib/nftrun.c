/* nftrun.c - nftables scripts through libnftables; see nftrun.h. */
#include "lib/nftrun.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void nftrun_err(struct nft_ctx *ctx, char *err, size_t errlen)
{
	const char *e = nft_ctx_get_error_buffer(ctx);
	size_t n;

	if (!err || !errlen)
		return;
	if (!e || !*e)
		e = "nftables: command failed";
	n = strcspn(e, "\n");
	snprintf(err, errlen, "%.*s", (int)n, e);
}

static int nftrun_run(const char *cmd, char **out, char *err, size_t errlen)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc = 0;

	if (!ctx)
		return -ENOMEM;
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return -ENOMEM;
	}
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		const char *e = nft_ctx_get_error_buffer(ctx);

		rc = (e && strstr(e, "No such file or directory")) ? -ENOENT : -EINVAL;
		nftrun_err(ctx, err, errlen);
	} else if (out) {
		const char *o = nft_ctx_get_output_buffer(ctx);

		if (!(*out = strdup(o ? o : "")))
			rc = -ENOMEM;
	}
	nft_ctx_free(ctx);
	return rc;
}

int nftrun_apply(const char *script, char *err, size_t errlen)
{
	if (!script)
		return -EINVAL;
	return nftrun_run(script, NULL, err, errlen);
}

int nftrun_list(const char *cmd, char **out, char *err, size_t errlen)
{
	if (!cmd || !out)
		return -EINVAL;
	*out = NULL;
	return nftrun_run(cmd, out, err, errlen);
}
