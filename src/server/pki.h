/*
 * pki.h - the server's certificate authority, serving certificate and admin
 * bearer token, kept in DIR/pki/:
 *
 *   ca.crt  ca.key          ECDSA P-256 self-signed CA, 10 years
 *   server.crt  server.key  serving cert signed by the CA, 3 years, serverAuth
 *   admin.token             64 hex chars (32 random bytes)
 *
 * Keys and the token are mode 0600, certificates 0644, the directory 0700.
 * Every file is written to a temporary name, fsynced and renamed, so a crash
 * leaves either the old file or the new one, never half of a key.
 *
 * Files: pki.c mints and loads, pki_ctx.c builds SSL_CTXs, pki_file.c holds
 * the file primitives.
 *
 * TLS policy (pki_server_ctx): TLS 1.2 minimum, AEAD suites with forward
 * secrecy only, ALPN "http/1.1" (the server never speaks h2; a client that
 * offers "h2","http/1.1" as Go's does gets http/1.1).
 */
#ifndef SVCNET_PKI_H
#define SVCNET_PKI_H

#include <stddef.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

struct pki {
	X509 *ca;
	EVP_PKEY *ca_key;
	X509 *cert;
	EVP_PKEY *key;
	char token[128]; /* the admin bearer token, NUL-terminated */
	char *ca_pem;    /* ca.crt as PEM text, for kubeconfigs and clients */
};

/*
 * Loads DIR/pki, creating whatever is missing. The serving certificate is
 * (re)issued when it is missing, unreadable, not signed by the CA, does not
 * match its key, lacks one of the requested SANs, or expires within 30 days.
 * ip_sans are IPv4/IPv6 literals; the unspecified addresses (0.0.0.0, ::)
 * are skipped since no client dials them. dns_sans are host names
 * (letters, digits, '-', '.', and a leading "*." wildcard).
 * A CA certificate without its key (or the reverse) is an error rather than
 * a reason to mint a new CA: that would silently break every kubeconfig.
 * Returns 0, or -EINVAL (bad SAN, corrupt CA or token), -ENOMEM, -EIO or
 * another -errno from the file system; *p is zeroed on failure.
 */
int pki_ensure(struct pki *p, const char *dir, const char *const *ip_sans, size_t n_ip,
               const char *const *dns_sans, size_t n_dns);

/* Frees everything in *p and zeroes it (the token too). NULL-safe. */
void pki_free(struct pki *p);

/* A server context with p's cert and key; NULL on failure. */
SSL_CTX *pki_server_ctx(const struct pki *p);

/*
 * A client context. ca_pem_or_file is PEM text (starts with "-----BEGIN")
 * or a file path, or NULL for the system trust store. verify == 0 skips
 * peer verification (insecure-skip-tls-verify). Offers ALPN "http/1.1".
 * The hostname to check is given per connection (tls_conn_new's sni_host).
 */
SSL_CTX *pki_client_ctx(const char *ca_pem_or_file, int verify);

/*
 * Loads a client certificate and key (PEM text or file paths, as above)
 * into ctx, for kubeconfigs that authenticate with client-certificate.
 * 0 or -EINVAL.
 */
int pki_client_ctx_use_cert(SSL_CTX *ctx, const char *cert_pem_or_file,
                            const char *key_pem_or_file);

/* Constant-time token comparison: 1 when equal. NULL or "" never matches. */
int pki_token_equal(const char *a, const char *b);

/*
 * Writes data to path atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory) with the given mode. 0 or -errno.
 */
int pki_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Reads a whole regular file of at most max bytes, NUL-terminated.
 * 0, -ENOENT, -EFBIG, -ENOMEM or -errno. */
int pki_read_file(const char *path, size_t max, char **out, size_t *len);

/* mkdir -p; the last component gets mode, parents 0755. 0 or -errno. */
int pki_mkdir_p(const char *path, unsigned mode);

#endif
