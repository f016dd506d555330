/*
 * openapi.h - the OpenAPI v3 documents served under /openapi/v3.
 *
 * kubectl 1.32 reads them on every `apply`: it decides from the PATCH
 * operations' "fieldValidation" parameter that the server validates fields
 * itself (and then sends ?fieldValidation=Strict instead of downloading
 * /openapi/v2), and it computes strategic merge patches from the kinds'
 * component schemas (x-kubernetes-patch-merge-key and friends). `kubectl
 * explain` renders the same schemas.
 *
 * The documents are built once, on the first call (or openapi_init()), and
 * never change while the server runs, so each has a fixed hash.
 *
 * Serving them the way kube-apiserver does (kube-openapi handler3):
 *   GET /openapi/v3            openapi_v3_index(); Content-Type application/json.
 *   GET /openapi/v3/<gv>       openapi_v3_doc(<gv>), Content-Type application/json,
 *                              ETag "\"" + openapi_v3_hash(<gv>) + "\"".
 *     ?hash=H, H == the hash:  add "Cache-Control: public, immutable" and an Expires a
 *                              year ahead (clients cache it forever).
 *     ?hash=H, H != the hash:  301 to the URL that openapi_v3_index lists.
 *     unknown <gv>:            404.
 * kubectl asks with "Accept: application/json" for the documents.
 */
#ifndef SVCNET_SERVER_OPENAPI_H
#define SVCNET_SERVER_OPENAPI_H

#include <stddef.h>

#include "lib/buf.h"

/* Builds every document. 0, or -ENOMEM (nothing is cached then and the next
 * call tries again). Not thread-safe: call it once at startup when requests may
 * be served from several threads; the functions below call it lazily. */
int openapi_init(void);

/* Frees the documents (for leak checkers at exit). */
void openapi_cleanup(void);

/* Appends the root index {"paths":{"api/v1":{"serverRelativeURL":
 * "/openapi/v3/api/v1?hash=..."},...}} to out. 0 or -ENOMEM. */
int openapi_v3_index(buf *out);

/* Appends the document of gv_path ("api/v1", "apis/discovery.k8s.io/v1",
 * "apis/networking.k8s.io/v1"; a leading '/' is accepted) to out.
 * 0, -ENOENT for any other path, -ENOMEM. */
int openapi_v3_doc(const char *gv_path, buf *out);

/* The cached document without a copy: *data stays valid until
 * openapi_cleanup(). 0, -ENOENT or -ENOMEM. */
int openapi_v3_doc_ref(const char *gv_path, const char **data, size_t *len);

/* The document's hash (128 upper-case hex digits of its SHA-512, as
 * kube-apiserver computes its ETag), or NULL for an unknown path or when the
 * documents cannot be built. */
const char *openapi_v3_hash(const char *gv_path);

#endif
