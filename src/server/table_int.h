/*
 * table_int.h - internal to the table module: the per-kind row printers and
 * the JSON helpers they share.
 */
#ifndef SVCNET_SERVER_TABLE_INT_H
#define SVCNET_SERVER_TABLE_INT_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

/* Appends the cells of one object to cells (a JSON array). May add
 * "conditions" to row. 0 or -ENOMEM. */
typedef int (*table_row_fn)(json_t *obj, time_t now, json_t *cells, json_t *row);

int table_row_pod(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_service(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_namespace(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_endpoints(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_node(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_secret(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_event(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_endpointslice(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_ingress(json_t *obj, time_t now, json_t *cells, json_t *row);
int table_row_ingressclass(json_t *obj, time_t now, json_t *cells, json_t *row);

/* Value at a dotted path ("spec.clusterIP"), or NULL. */
json_t *table_get(json_t *obj, const char *path);
/* String at a dotted path, or "" when absent or not a string. */
const char *table_str(json_t *obj, const char *path);
/* Integer at a dotted path, or 0. */
long long table_int(json_t *obj, const char *path);
/* translateTimestampSince: the age of an RFC 3339 timestamp, "<unknown>" when
 * it is absent or unreadable. out must hold 32 bytes. */
const char *table_since(json_t *ts, time_t now, char *out, size_t outlen);

/* Appends a string / an integer cell. 0 or -ENOMEM. */
int table_cell_str(json_t *cells, const char *s);
int table_cell_int(json_t *cells, long long v);
/* Appends the contents of b as a string cell (b need not be NUL-terminated). */
int table_cell_buf(json_t *cells, const buf *b);

/* labels.FormatLabels: "k=v,..." sorted by key, "<none>" when empty. */
int table_format_labels(json_t *map, buf *out);

#endif
