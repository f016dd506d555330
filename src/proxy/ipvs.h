/*
 * ipvs.h - the IPVS proxy mode (pxb_ipvs_ops, see proxy/backend.h and
 * docs/PROXY_IPVS.md).
 */
#ifndef SVCNET_PROXY_IPVS_H
#define SVCNET_PROXY_IPVS_H

#include <stddef.h>

#include "proxy/backend.h"

/* The schedulers --ipvs-scheduler accepts. */
#define PXB_IPVS_SCHEDULERS "rr|lc|dh|sh|sed|nq|wrr"

/* create() with a scheduler (NULL: rr); -EINVAL with err for another name.
 * pxb_ipvs_ops.create is this with NULL until struct pxb_config has a field
 * for it. */
int pxb_ipvs_create(const struct pxb_config *cfg, const char *sched, pxb **out, char *err,
                    size_t errlen);
/* 0 when name is one of PXB_IPVS_SCHEDULERS. */
int pxb_ipvs_sched_valid(const char *name);

extern const struct pxb_ops pxb_ipvs_ops;

#endif
