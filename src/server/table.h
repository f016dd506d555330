/*
 * table.h - server-side printing: meta.k8s.io/v1 Table output for `kubectl get`.
 *
 * kubectl get asks for tables with
 *   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
 *           application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
 * and adds ?includeObject=Object only when sorting (--sort-by); otherwise the
 * server's default is Metadata: each row carries a PartialObjectMetadata that
 * kubectl reads for the NAMESPACE column, --show-labels and -L.
 *
 * The columns and cells are those of kube-apiserver's printers
 * (pkg/printers/internalversion/printers.go), which always generate the wide
 * (priority 1) columns too: kubectl hides them unless -o wide. The response
 * Content-Type is "application/json;as=Table;v=v1;g=meta.k8s.io".
 *
 * On a watch, every event's object is a one-row Table; only the first event
 * carries the columnDefinitions (table_drop_columns() for the others).
 */
#ifndef SVCNET_SERVER_TABLE_H
#define SVCNET_SERVER_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "api/resource.h"

/* What each row's "object" holds (the includeObject query parameter). */
enum table_include {
	TABLE_INCLUDE_METADATA = 0, /* PartialObjectMetadata: the default */
	TABLE_INCLUDE_OBJECT,       /* the full object */
	TABLE_INCLUDE_NONE,         /* "object": null */
};

/* Parses an includeObject value: NULL or "" is Metadata; "Object", "Metadata"
 * and "None" are case-sensitive as in Kubernetes. 0, or -EINVAL (the server
 * answers 400 BadRequest then). */
int table_parse_include(const char *value, enum table_include *out);

/* Builds the Table for items, an array of objects of the given kind (a list's
 * items, or one object for a GET of a single name). resource_version and
 * continue_token go to the Table's metadata when non-empty; now is the clock
 * for the Age columns. Rows reference (do not copy) parts of items, so items
 * must not change while the table is alive. Objects that are not JSON objects
 * are skipped. Returns a new reference, or NULL on allocation failure or when
 * items is not an array or kind is out of range. */
json_t *table_build(enum api_kind_id kind, json_t *items, enum table_include include,
                    const char *resource_version, const char *continue_token, time_t now);

/* Removes the column definitions ("columnDefinitions": null), as kube-apiserver
 * does for every watch event after the first. */
void table_drop_columns(json_t *table);

enum table_want {
	TABLE_WANT_NONE = 0, /* plain JSON (or nothing acceptable) */
	TABLE_WANT_V1,       /* meta.k8s.io/v1 Table */
	TABLE_WANT_V1BETA1,  /* meta.k8s.io/v1beta1 Table: same body, that apiVersion */
};

/* Reads an Accept header the way the apiserver's negotiation does for JSON:
 * the first clause that can be served decides. NULL is TABLE_WANT_NONE. */
enum table_want table_negotiate(const char *accept);

/* duration.HumanDuration of Kubernetes ("45s", "3m20s", "5h", "2d4h", "3y"),
 * for an elapsed time in seconds. Writes a NUL-terminated string; returns out. */
char *table_human_duration(long long seconds, char *out, size_t outlen);

/* Parses an RFC 3339 timestamp ("2024-05-01T10:00:00Z", fractions and
 * +hh:mm offsets allowed). 0 or -EINVAL. */
int table_parse_time(const char *s, time_t *out);

#endif
