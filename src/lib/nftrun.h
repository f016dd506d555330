/*
 * nftrun.h - runs an nftables script (the text `nft -f` reads) through
 * libnftables, in the calling thread's network namespace, as one atomic
 * transaction: either every command applies or none does.
 */
#ifndef SVCNET_NFTRUN_H
#define SVCNET_NFTRUN_H

#include <stddef.h>

/* 0, or -EINVAL with libnftables' error text (first line) in err (-ENOENT
 * when what a command names does not exist), or -ENOMEM. */
int nftrun_apply(const char *script, char *err, size_t errlen);

/* nftrun_apply in a forked child: the same transaction, but libnftables'
 * parse of a large script (hundreds of MB for 300,000 elements) never
 * grows the caller's heap, whose memory glibc would keep. For large scripts
 * from a single-threaded caller; same returns (-EIO when the child died). */
int nftrun_apply_isolated(const char *script, char *err, size_t errlen);

/* Runs a listing command ("list table ip svcnet") and returns its output
 * (malloc'd, caller frees) in *out. 0, -ENOENT when the object does not
 * exist, -EINVAL with err, -ENOMEM. */
int nftrun_list(const char *cmd, char **out, char *err, size_t errlen);

/* nftrun_list with libnftables output flags (NFT_CTX_OUTPUT_*). TERSE leaves
 * set elements out; for "list sets"/"list maps" libnftables then does not
 * fetch them either (for "list table" it still does). */
int nftrun_list_flags(const char *cmd, unsigned int flags, char **out, char *err, size_t errlen);

/*
 * A context kept across calls, for callers that send many scripts (the
 * nftables proxy): closing libnftables' netlink socket after a change costs
 * the kernel an RCU grace period (~5 ms here), a context keeps one open. The
 * socket stays in the network namespace the context was made in, whatever
 * namespace the calling thread is in later. Not thread-safe.
 */
typedef struct nftrun nftrun;

nftrun *nftrun_new(void);
void nftrun_free(nftrun *r); /* NULL-safe */
int nftrun_ctx_apply(nftrun *r, const char *script, char *err, size_t errlen);
int nftrun_ctx_list(nftrun *r, const char *cmd, unsigned int flags, char **out, char *err,
                    size_t errlen);

#endif
