/*
 * kubeconfig.h - write the admin kubeconfig, and read kubeconfigs for our
 * own clients (agent, CLI).
 *
 * The reader follows client-go's rules for the fields it understands:
 * current-context picks the context, which names a cluster and a user;
 * *-data fields win over their file counterparts (certificate-authority,
 * client-certificate, client-key); tokenFile wins over token; relative file
 * paths are relative to the kubeconfig's directory. Exec and auth-provider
 * plugins, impersonation and proxies are not supported and are ignored.
 */
#ifndef SVCNET_KUBECONFIG_H
#define SVCNET_KUBECONFIG_H

#include <stddef.h>

struct kubeconfig {
	char *context;         /* the current-context's name */
	char *cluster;         /* the cluster's name */
	char *user;            /* the user's name, NULL when the context has none */
	char *namespace;       /* the context's namespace, NULL when unset */
	char *server;          /* e.g. "https://127.0.0.1:6443" */
	char *tls_server_name; /* overrides the host name checked in the cert, or NULL */
	char *ca_pem;          /* trusted CA(s) as PEM text; NULL means system roots */
	int insecure;          /* insecure-skip-tls-verify */
	char *token;           /* bearer token, or NULL */
	char *client_cert_pem; /* client certificate (PEM), or NULL */
	char *client_key_pem;  /* its key (PEM), or NULL */
	char error[200];       /* why loading failed, for the user */
};

/*
 * Writes a one-cluster kubeconfig (cluster, user "<cluster_name>-admin" with
 * the token, a context, current-context) atomically with mode 0600,
 * creating the parent directory (0700) if needed. cluster_name NULL means
 * "svcnet". 0, -EINVAL or -errno.
 */
int kubeconfig_write(const char *path, const char *server_url, const char *ca_pem,
                     const char *token, const char *cluster_name);

/*
 * Loads path into *out (zeroed first). 0 on success; on failure out->error
 * says why and the result is -ENOENT (no such file), -EINVAL (malformed or
 * inconsistent), -EFBIG, -ENOMEM or -errno. kubeconfig_free is safe either way.
 */
int kubeconfig_load(const char *path, struct kubeconfig *out);

/* As kubeconfig_load, from memory; base_dir (may be NULL = cwd) resolves
 * relative file references. */
int kubeconfig_parse(const char *yaml, size_t len, const char *base_dir, struct kubeconfig *out);

/* Frees the strings (wiping token and key) and zeroes *kc. NULL-safe. */
void kubeconfig_free(struct kubeconfig *kc);

#endif
