/*
 * podenv.h - a container's argv and environment, as the kubelet and its
 * container runtime would build them.
 *
 * The environment is, in order:
 *   PATH      the container's own PATH if its env sets one (kept in this
 *             place, as containerd replaces in place), else path_prefix
 *             (if any) + ":" + containerd's default
 *             "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
 *   HOSTNAME  the Pod's hostname (podenv_hostname), as the runtime sets it;
 *   Service variables (kubelet envvars.FromServices) of the visible
 *             Services, sorted by Service name, minus the names the
 *             container's env overrides;
 *   the container's env, in declaration order (a repeated name keeps its
 *             first place and its last value), values $(VAR)-expanded
 *             against the variables declared before it and the Service
 *             variables, valueFrom.fieldRef resolved.
 * The kubelet itself hands these to the runtime in map order (random); this
 * order is one fixed choice among those. argv is command then args, both
 * expanded against the kubelet's variables (Service and container env, not
 * PATH/HOSTNAME, which the runtime adds).
 *
 * Pod JSON is user input: wrong types are errors (-EINVAL with a message),
 * never crashes. Messages are what the kubelet would put in the
 * CreateContainerConfigError waiting state.
 */
#ifndef SVCNET_PODENV_H
#define SVCNET_PODENV_H

#include <stddef.h>

#include <jansson.h>

/* containerd's default PATH (oci.defaultUnixEnv). */
#define PODENV_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct podenv_in {
	const json_t *pod;             /* the Pod object */
	const json_t *container;       /* one of pod.spec.containers[] */
	const json_t *const *services; /* Services, any order; invisible ones are skipped */
	size_t nservices;
	const char *pod_ips[2]; /* status.podIP(s); sorted by the node IP's family first */
	int npod_ips;
	const char *host_ip; /* node IP */
	const char
	    *path_prefix; /* directory of the svcnet binary, put first on PATH; NULL = none */
	/* Added by h2: */
	const char *cluster_domain; /* for setHostnameAsFQDN; NULL = "cluster.local" */
};

/*
 * argv and envp are malloc'd NULL-terminated arrays of malloc'd strings (free
 * with podenv_free). Returns 0, or -EINVAL with a message in err (e.g.
 * "secretKeyRef is not supported by svcnet agent"), or -ENOMEM. On error
 * *argv and *envp are NULL.
 */
int podenv_build(const struct podenv_in *in, char ***argv, char ***envp, char *err, size_t errlen);
/* NULL-safe. */
void podenv_free(char **v);

/*
 * Which Services a Pod sees (kubelet getServiceEnvVarMap): those of the Pod's
 * namespace when spec.enableServiceLinks is not false, plus the master
 * Service "kubernetes" of namespace "default" always; only those whose
 * spec.clusterIP is set and not "None". 1 if svc should be passed, else 0.
 */
int podenv_service_visible(const json_t *pod, const json_t *svc);

/*
 * The Pod's hostname as the kubelet gives it to the sandbox: spec.hostname or
 * metadata.name, cut to 63 bytes without a trailing '-' or '.'; with
 * spec.setHostnameAsFQDN and spec.subdomain the FQDN
 * "<host>.<subdomain>.<ns>.svc.<cluster_domain>" (at most 64 bytes); under
 * hostNetwork the node's (gethostname). 0, or -EINVAL with a message.
 */
int podenv_hostname(const json_t *pod, const char *cluster_domain, char *out, size_t outlen,
                    char *err, size_t errlen);

#endif
