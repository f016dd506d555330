/*
 * validate.h - validation of API objects as kube-apiserver does it.
 *
 * Objects are decoded JSON (jansson). The REST layer runs, in this order:
 *
 *   create: api_default -> [Service: api_service_init_ip_families, allocate
 *           cluster IPs / node ports] -> api_validate(kind, obj, NULL, causes)
 *   update: api_default_update -> [Service: api_service_init_ip_families,
 *           allocate] -> api_validate(kind, obj, old, causes)
 *
 * and answers 422 Invalid when causes were appended, with details.causes set
 * to the array and the message from api_invalid_message(). Causes are
 * Kubernetes StatusCause objects ({"reason","message","field"}) worded as
 * apimachinery's field.Error words them, so kubectl shows the familiar text:
 *
 *   The Service "web" is invalid: spec.ports[0].port: Invalid value: 70000:
 *   must be between 1 and 65535, inclusive
 *
 * A JSON value of the wrong type anywhere ("port": "80") gives a
 * FieldValueTypeInvalid cause, never a crash and never a silently ignored field.
 * At most FE_MAX_CAUSES (1000) causes are appended per call.
 */
#ifndef SVCNET_API_VALIDATE_H
#define SVCNET_API_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "api/resource.h"

/*
 * Validates obj of the given kind; old is the stored object on update, NULL on
 * create. Appends causes to the jansson array `causes` and returns how many it
 * appended (0: valid), or -ENOMEM (causes may then hold a partial list), or
 * -EINVAL for a bad kind or a causes that is not an array.
 */
int api_validate(enum api_kind_id kind, const json_t *obj, const json_t *old, json_t *causes);

/*
 * Validation for writes to the /status subresource (Service, Pod, Node,
 * Namespace, Ingress): metadata update rules plus the status rules
 * (load-balancer ingress IPs and hostnames, pod IPs, ...). old is required.
 */
int api_validate_status(enum api_kind_id kind, const json_t *obj, const json_t *old,
                        json_t *causes);

/*
 * Checks a metadata.name for the kind's rule (DNS-1035 label for Services,
 * DNS-1123 label for Namespaces, DNS-1123 subdomain otherwise). Returns 0 when
 * valid, else -EINVAL with the reasons joined by "; " in why (always
 * NUL-terminated when whylen > 0). With prefix set the name is a generateName
 * prefix, whose trailing '-' is allowed.
 */
int api_validate_name(enum api_kind_id kind, const char *name, int prefix, char *why,
                      size_t whylen);

/*
 * The Status message for a 422:  <kind> "<name>" is invalid: <field>: <message>
 * (several causes in brackets, comma separated, duplicates dropped, as
 * apimachinery's aggregate prints them). kind is the qualified kind
 * ("Service", "Ingress.networking.k8s.io"; see api_qualified_kind). Returns a
 * malloc'd string, or NULL when out of memory.
 */
char *api_invalid_message(const char *kind, const char *name, const json_t *causes);
/* "Kind" for the core group, "Kind.group" otherwise, into out. */
const char *api_qualified_kind(enum api_kind_id kind, char *out, size_t outlen);

/*
 * String format checks, usable by any module (label selectors, URL segments).
 * Each returns the number of problems found (0: valid) and points msgs[i] at
 * static Kubernetes-worded explanations; msgs holds API_FMT_MAX_MSGS entries.
 */
#define API_FMT_MAX_MSGS 6
int api_is_dns1123_label(const char *s, const char **msgs);
int api_is_dns1123_subdomain(const char *s, const char **msgs);
int api_is_dns1035_label(const char *s, const char **msgs);
/* "*.example.com" */
int api_is_wildcard_dns1123_subdomain(const char *s, const char **msgs);
/* Label keys, annotation keys (lowercased by the caller), finalizers, appProtocol. */
int api_is_qualified_name(const char *s, const char **msgs);
int api_is_label_value(const char *s, const char **msgs);
/* IANA_SVC_NAME: named container ports and string targetPorts. */
int api_is_port_name(const char *s, const char **msgs);
/* Secret and ConfigMap data keys. */
int api_is_config_key(const char *s, const char **msgs);

/*
 * IP parsing as Go's net.ParseIP (IPv4 may carry leading zeros, as
 * netutils.ParseIPSloppy allows). Returns 4, 6 or 0 when not an IP; an
 * IPv4-mapped IPv6 address counts as 4, as Go's To4() does. out (16 bytes,
 * may be NULL) receives the address, IPv4 in the last 4 bytes.
 */
int api_parse_ip(const char *s, unsigned char *out);
/* "10.0.0.0/8", "fd00::/64": returns 4 or 6 (family of the address), else 0;
 * *prefix gets the prefix length. Host bits may be set, as Go's ParseCIDR allows. */
int api_parse_cidr(const char *s, unsigned char *addr, int *prefix);

/* The volume source fields of core/v1 Volume, NULL-terminated. */
extern const char *const api_volume_sources[];

#endif
