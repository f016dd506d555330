/*
 * yaml.h - YAML request bodies to JSON, and JSON to block-style YAML, on
 * libyaml (Debian's libyaml-dev).
 *
 * Reading follows what kube-apiserver does with a YAML body:
 * sigs.k8s.io/yaml.YAMLToJSON over its go-yaml v2 fork. Plain scalars resolve
 * the YAML 1.1 way: ~, null and the empty scalar are null; y/yes/on/true and
 * n/no/off/false (in their lower, Title and UPPER spellings) are booleans;
 * integers take Go's syntax with 0x/0o/0b prefixes, a leading 0 meaning octal
 * and '_' separators; floats that are whole numbers come out as integers, as
 * they do once Go has written them as JSON. Quoted and block scalars are
 * strings, and so are timestamps. Map keys always become strings (yes: 1 gives
 * {"true": 1}, as upstream). "<<" merge keys work as in go-yaml.
 *
 * Hostile input is bounded: nesting deeper than YAML_MAX_DEPTH, aliases whose
 * expansion would exceed YAML_MAX_ALIAS_NODES nodes, tags other than the
 * YAML 1.1 core ones (!!str !!int !!float !!bool !!null !!map !!seq
 * !!timestamp !!merge and the non-specific "!"), keys that are mappings,
 * sequences or null, NaN and infinities (JSON has none), and a second
 * non-empty document are errors (go-yaml would take unknown tags as strings
 * and ignore later documents).
 *
 * Differential tests against sigs.k8s.io/yaml agree except where libyaml's
 * scanner and go-yaml's differ (go-yaml accepts "[a:]" and reads "[!!str,7]"
 * as one tag) and for integers past int64, which come out as floats here
 * (jansson has no uint64; the apiserver re-reads them as float64 anyway).
 */
#ifndef SVCNET_LIB_YAML_H
#define SVCNET_LIB_YAML_H

#include <stddef.h>

#include <jansson.h>

#include "lib/buf.h"

#define YAML_MAX_DEPTH       100
#define YAML_MAX_ALIAS_NODES 100000

/*
 * Converts one YAML document (a leading "---" is fine; an empty input is
 * null). Returns a new reference, or NULL with "line L:C: what" in err and
 * errno set to EINVAL (bad input) or ENOMEM.
 */
json_t *yaml_to_json(const char *data, size_t len, char *err, size_t errlen);

/*
 * Appends v as a block-style YAML document, as kubectl -o yaml prints one:
 * keys sorted, two-space indentation, sequences not indented under their
 * key, strings quoted when they would read back as another type, multi-line
 * strings as literal blocks. Returns 0, -ENOMEM, or -EINVAL (a value that
 * cannot be written, such as a string that is not UTF-8).
 */
int yaml_from_json(const json_t *v, buf *out);

#endif
