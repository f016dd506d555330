/*
 * selector.h - label and field selectors, as the Kubernetes API reads them.
 *
 * Label selectors follow k8s.io/apimachinery/pkg/labels:
 *   "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x)", "a", "!a", "a>1", "a<1",
 *   comma-separated requirements ANDed, whitespace between tokens ignored.
 * Keys and values are validated with the label rules, and errors read like the
 * apiserver's ("unable to parse requirement: ...") so a 400 answer can carry them.
 *
 * Field selectors follow k8s.io/apimachinery/pkg/fields: "f=v", "f==v", "f!=v",
 * comma-separated; in values "\\", "\," and "\=" escape those characters.
 * Which fields a kind supports is checked separately (sel_fields_check), as the
 * apiserver does per resource.
 *
 * A sel is immutable once built, so one parsed selector may serve a whole watch.
 * Functions that build return 0, -EINVAL (bad input, message in err) or -ENOMEM.
 */
#ifndef SVCNET_API_SELECTOR_H
#define SVCNET_API_SELECTOR_H

#include <jansson.h>
#include <stddef.h>

#include "api/resource.h"

typedef struct sel sel;

/* Parses a label selector; "" (or NULL) gives a selector that matches everything. */
int sel_parse_labels(const char *s, sel **out, char *err, size_t errlen);
/* 1 when labels (an object of strings, or NULL for "no labels") satisfy s. */
int sel_match_labels(const sel *s, const json_t *labels);

/*
 * Equality selector from a map of strings (a Service's spec.selector). A NULL,
 * non-object or empty map yields a selector that matches NOTHING: for Services
 * an absent selector means "endpoints are managed by the user", never "every
 * pod". Callers that must tell "no selector" apart (the EndpointSlice
 * controller emits no slices at all then) check the map themselves.
 * Non-string values give -EINVAL.
 */
int sel_from_map(const json_t *match_labels, sel **out);
/*
 * From a metav1.LabelSelector object {matchLabels, matchExpressions}. As in
 * LabelSelectorAsSelector: NULL matches nothing, {} matches everything.
 * Malformed expressions (unknown operator, In without values...) give -EINVAL.
 */
int sel_from_label_selector(const json_t *ls, sel **out);

/* Parses a field selector; unsupported field names are not an error here. */
int sel_parse_fields(const char *s, sel **out, char *err, size_t errlen);

/* Per-kind set of selectable fields: returns 1 when field is supported. */
typedef int (*sel_field_allowed_fn)(const char *field);
/* The selectable fields of a kind (metadata.name everywhere, metadata.namespace for
 * namespaced kinds, plus e.g. spec.nodeName/status.phase for pods). Never NULL. */
sel_field_allowed_fn sel_fields_for_kind(enum api_kind_id kind);
/* -EINVAL with "field label not supported: x" when s names a field that allowed rejects. */
int sel_fields_check(const sel *s, sel_field_allowed_fn allowed, char *err, size_t errlen);
/*
 * 1 when obj satisfies the field selector. Values come from obj's JSON by dotted
 * path (booleans as "true"/"false", absent as ""), with the few Kubernetes
 * special cases (events' "source" is source.component). A field that allowed
 * rejects (when allowed is non-NULL) never matches.
 */
int sel_match_fields(const sel *s, const json_t *obj, sel_field_allowed_fn allowed);

/* 1 when s places no restriction (parsed from an empty string, or {}). */
int sel_is_empty(const sel *s);
/* The value key must equal for s to match ("a=b", "a==b", "a in (b)"), or NULL.
 * Lets a list handler narrow a scan (metadata.namespace, spec.nodeName). */
const char *sel_exact_value(const sel *s, const char *key);

/* NULL-safe. */
void sel_free(sel *s);

#endif
