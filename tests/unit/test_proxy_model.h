/* test_proxy_model.h - fixtures shared by the proxy model's unit tests. */
#ifndef SVCNET_TEST_PROXY_MODEL_H
#define SVCNET_TEST_PROXY_MODEL_H

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>

#include "proxy/backend.h"
#include "proxy/model.h"

/* JSON from text written with single quotes (turned into double quotes). */
json_t *tpm_json(const char *s);
/* A model for node `node` (NULL: none) and proxy name (NULL: default). */
pxm *tpm_model(const char *node, const char *proxy_name);
/* pxm_service_set / pxm_slice_set of the JSON text; -999 when it does not parse. */
int tpm_svc(pxm *m, const char *json, double now);
int tpm_slice(pxm *m, const char *json, double now);
/* "ip:port ..." of a family's endpoints (those with cat bit set; 0: all), or
 * "-" when the port has no such family. A static buffer. */
const char *tpm_eps(const struct pxm_svcport *sp, int family, unsigned bit);
/* A Service (slice false) or EndpointSlice from printf-style JSON with single
 * quotes, at time 1. */
int tpm_fmt(pxm *m, bool slice, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Takes the model's changes and hands them to a backend's sync: every port
 * when full. The error (if any) is printed and left in err. */
int tpm_sync(const struct pxb_ops *ops, pxb *b, pxm *m, bool full, struct pxb_result *res,
             char *err, size_t errlen);

#endif
