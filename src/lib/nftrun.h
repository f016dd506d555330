/*
 * nftrun.h - runs an nftables script (the text `nft -f` reads) through
 * libnftables, in the calling thread's network namespace, as one atomic
 * transaction: either every command applies or none does.
 */
#ifndef SVCNET_NFTRUN_H
#define SVCNET_NFTRUN_H

#include <stddef.h>

/* 0, or -EINVAL with libnftables' error text (first line) in err, or -ENOMEM. */
int nftrun_apply(const char *script, char *err, size_t errlen);

/* Runs a listing command ("list table ip svcnet") and returns its output
 * (malloc'd, caller frees) in *out. 0, -ENOENT when the object does not
 * exist, -EINVAL with err, -ENOMEM. */
int nftrun_list(const char *cmd, char **out, char *err, size_t errlen);

#endif
