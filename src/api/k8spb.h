/*
 * k8spb.h - decodes Kubernetes protobuf request bodies into API JSON.
 *
 * kubectl's typed clients (create namespace/service/secret/configmap/
 * ingress...) POST bodies as application/vnd.kubernetes.protobuf. The server
 * works on JSON, so this turns such a body into the jansson object a JSON
 * client would have sent: JSON field names, int-or-string as number or
 * string, Time as RFC 3339, []byte as base64, maps as objects, zero values
 * dropped where Go's omitempty drops them.
 *
 * The input is hostile network data: every length is checked, nesting is
 * capped at K8SPB_MAX_DEPTH, the output at K8SPB_MAX_ELEMENTS values, and
 * malformed wire data is an error. Unknown fields are skipped by wire type,
 * as protobuf decoders do.
 */
#ifndef SVCNET_API_K8SPB_H
#define SVCNET_API_K8SPB_H

#include <jansson.h>
#include <stddef.h>

#define K8SPB_CONTENT_TYPE "application/vnd.kubernetes.protobuf"
/* Nesting limit for messages (and skipped groups). */
#define K8SPB_MAX_DEPTH 32
/* Limit on JSON values one body may produce. */
#define K8SPB_MAX_ELEMENTS (1u << 20)

/* True when body starts with the 4-byte "k8s\0" envelope magic. */
int k8spb_is_protobuf(const void *body, size_t len);

/*
 * Decodes "k8s\0" + runtime.Unknown{typeMeta, raw} into a new JSON object
 * {"kind", "apiVersion", "metadata", ...}. Kinds: v1 Namespace, Service,
 * Secret, ConfigMap, Pod, Node, Endpoints, Event; discovery.k8s.io/v1
 * EndpointSlice; networking.k8s.io/v1 Ingress, IngressClass; DeleteOptions
 * under any apiVersion. Returns NULL and a message in err (if errlen > 0)
 * for malformed input, an unsupported kind, or allocation failure.
 */
json_t *k8spb_decode(const void *body, size_t len, char *err, size_t errlen);

#endif
