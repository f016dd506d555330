/*
 * podenv.c - a container's argv and environment; see podenv.h.
 *
 * Service variables follow kubelet envvars.FromServices, $(VAR) references
 * the Kubernetes expansion rules (third_party/forked/golang/expansion):
 * "$$" is a literal "$", "$(NAME)" is NAME's value or, when NAME is unknown,
 * stays as written, an unclosed "$(" and any other "$x" stay as written.
 */
#include "agent/podenv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/podstatus.h"
#include "lib/buf.h"
#include "lib/dict.h"

#define PE_HOSTNAME_MAX 63 /* kubelet hostnameMaxLen for a pod hostname */
#define PE_FQDN_MAX     64 /* the kernel's limit for a FQDN hostname */

/* ---- an ordered environment with name lookup ---- */

struct pe_var {
	char *name, *value;
};

struct pe_env {
	struct pe_var *v;
	size_t n, cap;
	dict *idx; /* name -> index + 1 */
};

static int pe_env_init(struct pe_env *e)
{
	memset(e, 0, sizeof(*e));
	return (e->idx = dict_new()) ? 0 : -ENOMEM;
}

static void pe_env_free(struct pe_env *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].name);
		free(e->v[i].value);
	}
	free(e->v);
	dict_free(e->idx, NULL);
	memset(e, 0, sizeof(*e));
}

static const struct pe_var *pe_env_find(const struct pe_env *e, const char *name)
{
	uintptr_t i = e && e->idx ? (uintptr_t)dict_get(e->idx, name) : 0;

	return i ? &e->v[i - 1] : NULL;
}

/* Sets name to value (taking value, a malloc'd string): in place when the
 * name exists, else appended. */
static int pe_env_set(struct pe_env *e, const char *name, char *value)
{
	uintptr_t i = (uintptr_t)dict_get(e->idx, name);
	struct pe_var *nv;

	if (!value)
		return -ENOMEM;
	if (i) {
		free(e->v[i - 1].value);
		e->v[i - 1].value = value;
		return 0;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 32;

		if (!(nv = realloc(e->v, cap * sizeof(*nv)))) {
			free(value);
			return -ENOMEM;
		}
		e->v = nv;
		e->cap = cap;
	}
	if (!(e->v[e->n].name = strdup(name)) ||
	    dict_set(e->idx, name, (void *)(uintptr_t)(e->n + 1), NULL) < 0) {
		free(e->v[e->n].name);
		free(value);
		return -ENOMEM;
	}
	e->v[e->n++].value = value;
	return 0;
}

static char *pe_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pe_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	return rc < 0 ? NULL : s;
}

static int pe_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int pe_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *pe_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *pe_meta(const json_t *o, const char *k)
{
	const char *s = pe_str(json_object_get(o, "metadata"), k);

	return s ? s : "";
}

/* ---- Service variables ---- */

int podenv_service_visible(const json_t *pod, const json_t *svc)
{
	const char *ip = pe_str(json_object_get(svc, "spec"), "clusterIP");
	const char *name = pe_str(json_object_get(svc, "metadata"), "name");
	const json_t *links = json_object_get(json_object_get(pod, "spec"), "enableServiceLinks");
	const char *pns = pe_meta(pod, "namespace");

	if (!ip || !ip[0] || !strcmp(ip, "None") || !name)
		return 0;
	if (!strcmp(pe_meta(svc, "namespace"), "default") && !strcmp(name, "kubernetes"))
		return 1;
	return !json_is_false(links) &&
	       !strcmp(pe_meta(svc, "namespace"), pns[0] ? pns : "default");
}

/* makeEnvVariableName: upper case, '-' to '_' (ASCII only, as the names are
 * DNS labels). */
static void pe_varname(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] == '-' ? '_' : (in[i] >= 'a' && in[i] <= 'z') ? in[i] - 32 : in[i];
	out[i] = '\0';
}

static void pe_lower(const char *in, char *out, size_t len, int upper)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = upper ? ((in[i] >= 'a' && in[i] <= 'z') ? in[i] - 32 : in[i])
		               : ((in[i] >= 'A' && in[i] <= 'Z') ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

static int pe_port_of(const json_t *p)
{
	json_int_t v = json_integer_value(json_object_get(p, "port"));

	return json_is_integer(json_object_get(p, "port")) && v > 0 && v <= 65535 ? (int)v : 0;
}

/* envvars.FromServices for one Service. */
static int pe_svc_vars(struct pe_env *e, const json_t *svc)
{
	const json_t *spec = json_object_get(svc, "spec"), *ports = json_object_get(spec, "ports");
	const char *ip = pe_str(spec, "clusterIP"), *pname, *proto;
	char pfx[300], pn[300], name[700], up[32], lo[32];
	const json_t *p;
	size_t i;
	int rc, port;

	pe_varname(pe_meta(svc, "name"), pfx, sizeof(pfx));
	snprintf(name, sizeof(name), "%s_SERVICE_HOST", pfx);
	if ((rc = pe_env_set(e, name, strdup(ip))) < 0)
		return rc;
	/* Validation gives a ClusterIP Service at least one port. */
	if (!(port = pe_port_of(json_array_get(ports, 0))))
		return 0;
	snprintf(name, sizeof(name), "%s_SERVICE_PORT", pfx);
	if ((rc = pe_env_set(e, name, pe_fmt("%d", port))) < 0)
		return rc;
	json_array_foreach (ports, i, p) {
		if (!(port = pe_port_of(p)) || !(pname = pe_str(p, "name")) || !pname[0])
			continue;
		pe_varname(pname, pn, sizeof(pn));
		snprintf(name, sizeof(name), "%s_SERVICE_PORT_%s", pfx, pn);
		if ((rc = pe_env_set(e, name, pe_fmt("%d", port))) < 0)
			return rc;
	}
	/* Docker-link variables (makeLinkVariables). */
	json_array_foreach (ports, i, p) {
		if (!(port = pe_port_of(p)))
			continue;
		proto = pe_str(p, "protocol");
		if (!proto || !proto[0])
			proto = "TCP";
		pe_lower(proto, up, sizeof(up), 1);
		pe_lower(proto, lo, sizeof(lo), 0);
		if (i == 0) {
			snprintf(name, sizeof(name), "%s_PORT", pfx);
			if ((rc = pe_env_set(e, name, pe_fmt("%s://%s:%d", lo, ip, port))) < 0)
				return rc;
		}
		snprintf(name, sizeof(name), "%s_PORT_%d_%s", pfx, port, up);
		if ((rc = pe_env_set(e, name, pe_fmt("%s://%s:%d", lo, ip, port))) < 0)
			return rc;
		snprintf(name, sizeof(name), "%s_PORT_%d_%s_PROTO", pfx, port, up);
		if ((rc = pe_env_set(e, name, strdup(lo))) < 0)
			return rc;
		snprintf(name, sizeof(name), "%s_PORT_%d_%s_PORT", pfx, port, up);
		if ((rc = pe_env_set(e, name, pe_fmt("%d", port))) < 0)
			return rc;
		snprintf(name, sizeof(name), "%s_PORT_%d_%s_ADDR", pfx, port, up);
		if ((rc = pe_env_set(e, name, strdup(ip))) < 0)
			return rc;
	}
	return 0;
}

static int pe_by_name(const void *a, const void *b)
{
	return strcmp(pe_meta(*(const json_t *const *)a, "name"),
	              pe_meta(*(const json_t *const *)b, "name"));
}

/* getServiceEnvVarMap: one Service per name, the Pod's namespace winning
 * over the master Service; sorted by name for a stable order. */
static int pe_services(const struct podenv_in *in, struct pe_env *e)
{
	const json_t **sel = calloc(in->nservices + 1, sizeof(*sel));
	size_t n = 0, i, j;
	int rc = 0;

	if (!sel)
		return -ENOMEM;
	for (i = 0; i < in->nservices; i++) {
		const json_t *s = in->services ? in->services[i] : NULL;
		int master;

		if (!s || !podenv_service_visible(in->pod, s))
			continue;
		master = !strcmp(pe_meta(s, "namespace"), "default") &&
		         !strcmp(pe_meta(s, "name"), "kubernetes");
		for (j = 0; j < n && strcmp(pe_meta(sel[j], "name"), pe_meta(s, "name")); j++)
			;
		if (j == n)
			sel[n++] = s;
		else if (!master)
			sel[j] = s;
	}
	qsort(sel, n, sizeof(*sel), pe_by_name);
	for (i = 0; i < n && rc == 0; i++)
		rc = pe_svc_vars(e, sel[i]);
	free(sel);
	return rc;
}

/* ---- $(VAR) expansion ---- */

/* Expands s with the variables of a, then b (either may be NULL). */
static char *pe_expand(const char *s, const struct pe_env *a, const struct pe_env *b)
{
	buf out = BUF_INIT;
	const struct pe_var *v;
	const char *close;
	char *name;
	int rc = 0;

	while (*s && rc == 0) {
		if (s[0] != '$' || !s[1]) {
			rc = buf_append(&out, s++, 1);
		} else if (s[1] == '$') {
			rc = buf_append(&out, "$", 1);
			s += 2;
		} else if (s[1] != '(' || !(close = strchr(s + 2, ')'))) {
			rc = buf_append(&out, s, 2);
			s += 2;
		} else {
			if (!(name = strndup(s + 2, (size_t)(close - s - 2)))) {
				rc = -ENOMEM;
				break;
			}
			if (!(v = pe_env_find(a, name)))
				v = pe_env_find(b, name);
			rc = v ? buf_puts(&out, v->value)
			       : buf_append(&out, s, (size_t)(close - s + 1));
			free(name);
			s = close + 1;
		}
	}
	if (rc < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out, NULL);
}

/* ---- valueFrom.fieldRef ---- */

/* "metadata.labels['key']" -> the label's value ("" when absent). 1 when
 * fp has that form for field ("labels" or "annotations"). */
static int pe_subscript(const json_t *pod, const char *fp, const char *field, char **val)
{
	char pre[32];
	size_t lp, l = strlen(fp);
	const char *v;
	char *key;

	lp = (size_t)snprintf(pre, sizeof(pre), "metadata.%s['", field);
	if (l < lp + 2 || strncmp(fp, pre, lp) || strcmp(fp + l - 2, "']"))
		return 0;
	if (!(key = strndup(fp + lp, l - lp - 2)))
		return -ENOMEM;
	v = pe_str(json_object_get(json_object_get(pod, "metadata"), field), key);
	free(key);
	*val = strdup(v ? v : "");
	return *val ? 1 : -ENOMEM;
}

static int pe_field_ref(const struct podenv_in *in, const json_t *fr, char **val, char *err,
                        size_t errlen)
{
	const json_t *spec = json_object_get(in->pod, "spec");
	const char *fp = pe_str(fr, "fieldPath"), *ver = pe_str(fr, "apiVersion"), *s = NULL;
	const char *ips[2];
	int nips, rc;

	*val = NULL;
	if (!fp)
		return pe_err(err, errlen, "fieldRef: fieldPath is required");
	if (json_object_get(fr, "apiVersion") && (!ver || (ver[0] && strcmp(ver, "v1"))))
		return pe_err(err, errlen, "unsupported pod version: %s", ver ? ver : "");
	if (in->npod_ips > 0)
		nips = podstatus_sort_ips(in->pod_ips, in->npod_ips > 2 ? 2 : in->npod_ips,
		                          in->host_ip, ips);
	else if (json_is_true(json_object_get(spec, "hostNetwork")) && in->host_ip)
		nips = podstatus_sort_ips(&in->host_ip, 1, in->host_ip, ips);
	else
		nips = 0;
	if (!strcmp(fp, "metadata.name") || !strcmp(fp, "metadata.namespace") ||
	    !strcmp(fp, "metadata.uid"))
		s = pe_meta(in->pod, fp + 9);
	else if (!strcmp(fp, "spec.nodeName") || !strcmp(fp, "spec.serviceAccountName"))
		s = pe_str(spec, fp + 5);
	else if (!strcmp(fp, "status.hostIP") || !strcmp(fp, "status.hostIPs"))
		s = in->host_ip;
	else if (!strcmp(fp, "status.podIP"))
		s = nips ? ips[0] : "";
	else if (!strcmp(fp, "status.podIPs"))
		*val = nips == 2 ? pe_fmt("%s,%s", ips[0], ips[1]) : strdup(nips ? ips[0] : "");
	else if ((rc = pe_subscript(in->pod, fp, "labels", val)) != 0 ||
	         (rc = pe_subscript(in->pod, fp, "annotations", val)) != 0)
		return rc < 0 ? rc : 0;
	else
		return pe_err(err, errlen, "field label not supported: %s", fp);
	if (!*val)
		*val = strdup(s ? s : "");
	return *val ? 0 : -ENOMEM;
}

/* ---- the container's env ---- */

static const char *const pe_unsupported[] = {
    "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef", NULL,
};

static int pe_name_ok(const char *s)
{
	return s && s[0] && !strchr(s, '=');
}

/* Adds the container's env to c, expanding against c (so far) and svc. */
static int pe_container_env(const struct podenv_in *in, struct pe_env *c, const struct pe_env *svc,
                            char *err, size_t errlen)
{
	const json_t *env = json_object_get(in->container, "env"), *ef, *e, *vf, *x;
	const char *name, *value;
	char *v;
	size_t i;
	int rc;

	ef = json_object_get(in->container, "envFrom");
	if (ef && !json_is_null(ef) && !(json_is_array(ef) && json_array_size(ef) == 0))
		return pe_err(err, errlen, "envFrom is not supported by svcnet agent");
	if (env && !json_is_null(env) && !json_is_array(env))
		return pe_err(err, errlen, "env must be a list");
	json_array_foreach (env, i, e) {
		name = pe_str(e, "name");
		if (!json_is_object(e) || !pe_name_ok(name))
			return pe_err(err, errlen,
			              "env[%zu]: invalid environment variable name \"%s\"", i,
			              name ? name : "");
		x = json_object_get(e, "value");
		value = json_string_value(x);
		if (x && !json_is_null(x) && !value)
			return pe_err(err, errlen, "env %s: value must be a string", name);
		vf = json_object_get(e, "valueFrom");
		if (value && value[0]) {
			v = pe_expand(value, c, svc);
		} else if (json_is_object(vf) && json_is_object(json_object_get(vf, "fieldRef"))) {
			if ((rc = pe_field_ref(in, json_object_get(vf, "fieldRef"), &v, err,
			                       errlen)) < 0)
				return rc;
		} else {
			for (int k = 0; json_is_object(vf) && pe_unsupported[k]; k++)
				if (json_object_get(vf, pe_unsupported[k]) &&
				    !json_is_null(json_object_get(vf, pe_unsupported[k])))
					return pe_err(err, errlen,
					              "%s is not supported by svcnet agent",
					              pe_unsupported[k]);
			x = json_object_get(vf, "fieldRef");
			if ((vf && !json_is_null(vf) && !json_is_object(vf)) ||
			    (x && !json_is_null(x)))
				return pe_err(err, errlen,
				              "env %s: valueFrom and fieldRef must be objects",
				              name);
			v = strdup("");
		}
		if ((rc = pe_env_set(c, name, v)) < 0)
			return rc;
	}
	return 0;
}

/* ---- hostname ---- */

static int pe_dns_label(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int podenv_hostname(const json_t *pod, const char *cluster_domain, char *out, size_t outlen,
                    char *err, size_t errlen)
{
	const json_t *spec = json_object_get(pod, "spec");
	const char *name = pe_str(json_object_get(pod, "metadata"), "name");
	const char *h = pe_str(spec, "hostname"), *sub = pe_str(spec, "subdomain");
	char host[PE_HOSTNAME_MAX + 1], fqdn[512];
	size_t n;

	if (!out || !outlen)
		return -EINVAL;
	out[0] = '\0';
	if (json_is_true(json_object_get(spec, "hostNetwork"))) {
		/* The runtime leaves the node's hostname to host-network Pods. */
		if (gethostname(host, sizeof(host)) < 0)
			return pe_err(err, errlen, "gethostname: %s", strerror(errno));
		host[sizeof(host) - 1] = '\0';
		return snprintf(out, outlen, "%s", host) < (int)outlen ? 0 : -ENOSPC;
	}
	if (!name || !name[0])
		return pe_err(err, errlen, "pod has no name");
	if (h && h[0] && !pe_dns_label(h))
		return pe_err(err, errlen, "pod Hostname \"%s\" is not a valid DNS label", h);
	if (!h || !h[0])
		h = name;
	/* truncatePodHostnameIfNeeded */
	snprintf(host, sizeof(host), "%s", h);
	for (n = strlen(host); n > 0 && (host[n - 1] == '-' || host[n - 1] == '.'); n--)
		host[n - 1] = '\0';
	if (!host[0])
		return pe_err(err, errlen, "hostname for pod \"%s\" was invalid: \"%s\"", name, h);
	if (sub && sub[0] && json_is_true(json_object_get(spec, "setHostnameAsFQDN"))) {
		if (!pe_dns_label(sub))
			return pe_err(err, errlen, "pod Subdomain \"%s\" is not a valid DNS label",
			              sub);
		n = (size_t)snprintf(fqdn, sizeof(fqdn), "%s.%s.%s.svc.%s", host, sub,
		                     pe_meta(pod, "namespace"),
		                     cluster_domain ? cluster_domain : "cluster.local");
		if (n > PE_FQDN_MAX)
			return pe_err(
			    err, errlen,
			    "failed to construct FQDN from pod hostname and cluster domain, "
			    "FQDN %s is too long (%d characters is the max, %zu characters "
			    "requested)",
			    fqdn, PE_FQDN_MAX, n);
		return snprintf(out, outlen, "%s", fqdn) < (int)outlen ? 0 : -ENOSPC;
	}
	return snprintf(out, outlen, "%s", host) < (int)outlen ? 0 : -ENOSPC;
}

/* ---- argv and envp ---- */

void podenv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Appends the expanded strings of list (an array of strings) to v[*n]. */
static int pe_argv_add(const json_t *list, const char *what, char **v, size_t *n,
                       const struct pe_env *env, char *err, size_t errlen)
{
	const json_t *x;
	size_t i;

	json_array_foreach (list, i, x) {
		if (!json_is_string(x))
			return pe_err(err, errlen, "%s[%zu] must be a string", what, i);
		if (!(v[(*n)++] = pe_expand(json_string_value(x), env, NULL)))
			return -ENOMEM;
	}
	return 0;
}

static int pe_argv(const struct podenv_in *in, const struct pe_env *env, char ***argv, char *err,
                   size_t errlen)
{
	const json_t *cmd = json_object_get(in->container, "command");
	const json_t *args = json_object_get(in->container, "args");
	const char *cname = pe_str(in->container, "name");
	size_t n = 0;
	char **v;
	int rc;

	if ((cmd && !json_is_null(cmd) && !json_is_array(cmd)) ||
	    (args && !json_is_null(args) && !json_is_array(args)))
		return pe_err(err, errlen, "command and args must be lists of strings");
	if (!json_array_size(cmd) && !json_array_size(args))
		return pe_err(err, errlen,
		              "container \"%s\" has no command: svcnet runs no image entrypoints, "
		              "so set command",
		              cname ? cname : "");
	if (!(v = calloc(json_array_size(cmd) + json_array_size(args) + 1, sizeof(*v))))
		return -ENOMEM;
	/* Without a command the args would follow the image's entrypoint;
	 * there is none here, so they are the whole command line. */
	if ((rc = pe_argv_add(cmd, "command", v, &n, env, err, errlen)) < 0 ||
	    (rc = pe_argv_add(args, "args", v, &n, env, err, errlen)) < 0) {
		podenv_free(v);
		return rc;
	}
	*argv = v;
	return 0;
}

static int pe_envp(const struct podenv_in *in, const struct pe_env *kenv, char ***envp, char *err,
                   size_t errlen)
{
	const struct pe_var *path = pe_env_find(kenv, "PATH"), *hn = pe_env_find(kenv, "HOSTNAME");
	char host[PE_FQDN_MAX + 1];
	char **v = calloc(kenv->n + 3, sizeof(*v));
	size_t n = 0;
	int rc;

	if (!v)
		return -ENOMEM;
	if (!hn && (rc = podenv_hostname(in->pod, in->cluster_domain, host, sizeof(host), err,
	                                 errlen)) < 0) {
		free(v);
		return rc;
	}
	/* containerd: PATH from its default spec, then HOSTNAME, then the
	 * kubelet's variables replacing those in place. */
	if (path)
		v[n++] = pe_fmt("PATH=%s", path->value);
	else if (in->path_prefix && in->path_prefix[0])
		v[n++] = pe_fmt("PATH=%s:%s", in->path_prefix, PODENV_DEFAULT_PATH);
	else
		v[n++] = pe_fmt("PATH=%s", PODENV_DEFAULT_PATH);
	v[n++] = hn ? pe_fmt("HOSTNAME=%s", hn->value) : pe_fmt("HOSTNAME=%s", host);
	for (size_t i = 0; i < kenv->n && v[n - 1]; i++)
		if (strcmp(kenv->v[i].name, "PATH") && strcmp(kenv->v[i].name, "HOSTNAME"))
			v[n++] = pe_fmt("%s=%s", kenv->v[i].name, kenv->v[i].value);
	if (!v[n - 1] || !v[0]) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return -ENOMEM;
	}
	*envp = v;
	return 0;
}

int podenv_build(const struct podenv_in *in, char ***argv, char ***envp, char *err, size_t errlen)
{
	struct pe_env svc, ctr, kenv;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (argv)
		*argv = NULL;
	if (envp)
		*envp = NULL;
	if (!in || !argv || !envp || !json_is_object(in->pod) || !json_is_object(in->container))
		return pe_err(err, errlen, "no pod or container");
	memset(&svc, 0, sizeof(svc));
	memset(&ctr, 0, sizeof(ctr));
	memset(&kenv, 0, sizeof(kenv));
	if ((rc = pe_env_init(&svc)) < 0 || (rc = pe_env_init(&ctr)) < 0 ||
	    (rc = pe_env_init(&kenv)) < 0)
		goto out;
	if ((rc = pe_services(in, &svc)) < 0 ||
	    (rc = pe_container_env(in, &ctr, &svc, err, errlen)) < 0)
		goto out;
	/* The kubelet's list: Service variables the container does not
	 * override, then the container's own. */
	for (size_t i = 0; i < svc.n && rc == 0; i++)
		if (!pe_env_find(&ctr, svc.v[i].name))
			rc = pe_env_set(&kenv, svc.v[i].name, strdup(svc.v[i].value));
	for (size_t i = 0; i < ctr.n && rc == 0; i++)
		rc = pe_env_set(&kenv, ctr.v[i].name, strdup(ctr.v[i].value));
	if (rc < 0 || (rc = pe_argv(in, &kenv, argv, err, errlen)) < 0)
		goto out;
	if ((rc = pe_envp(in, &kenv, envp, err, errlen)) < 0) {
		podenv_free(*argv);
		*argv = NULL;
	}
out:
	if (rc == -ENOMEM && err && errlen)
		snprintf(err, errlen, "out of memory");
	pe_env_free(&svc);
	pe_env_free(&ctr);
	pe_env_free(&kenv);
	return rc;
}
