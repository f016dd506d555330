/*
 * pki_ctx.c - OpenSSL contexts for the server and for our own clients, and
 * the bearer token comparison.
 */
#include "server/pki.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* TLS 1.2 suites with forward secrecy and AEAD; TLS 1.3 keeps OpenSSL's defaults. */
static const char pki_tls12_ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";

static const unsigned char pki_alpn_http11[] = "\x08http/1.1";

/*
 * Picks "http/1.1" wherever the client lists it. A client that offers only
 * protocols we lack gets no ALPN answer instead of a fatal alert, which is
 * what HTTP/1.1-only servers traditionally do.
 */
static int pki_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                           const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	while (i < inlen) {
		unsigned int n = in[i];

		if (n == 0 || n > inlen - i - 1)
			break;
		if (n == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = (unsigned char)n;
			return SSL_TLSEXT_ERR_OK;
		}
		i += n + 1;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

static int pki_ctx_common(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
	       SSL_CTX_set_cipher_list(ctx, pki_tls12_ciphers) == 1;
}

SSL_CTX *pki_server_ctx(const struct pki *p)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	if (!p || !p->cert || !p->key)
		return NULL;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto fail;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (!pki_ctx_common(ctx) || SSL_CTX_use_certificate(ctx, p->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, p->key) != 1 || SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"svcnet", 6) != 1)
		goto fail;
	SSL_CTX_set_alpn_select_cb(ctx, pki_alpn_select, NULL);
	ERR_clear_error();
	return ctx;
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

static int pki_is_pem(const char *s)
{
	return strncmp(s, "-----BEGIN", 10) == 0;
}

/* Adds every certificate in a PEM bundle to ctx's trust store; 0 if none. */
static int pki_trust_pem(SSL_CTX *ctx, const char *pem)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int n = 0;

	if (!b)
		return 0;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();
	return n;
}

SSL_CTX *pki_client_ctx(const char *ca_pem_or_file, int verify)
{
	SSL_CTX *ctx;

	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx || !pki_ctx_common(ctx))
		goto fail;
	/* SSL_CTX_set_alpn_protos is the odd one out: 0 means success. */
	if (SSL_CTX_set_alpn_protos(ctx, pki_alpn_http11, sizeof(pki_alpn_http11) - 1) != 0)
		goto fail;
	if (verify) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (!ca_pem_or_file) {
			if (SSL_CTX_set_default_verify_paths(ctx) != 1)
				goto fail;
		} else if (pki_is_pem(ca_pem_or_file)) {
			if (pki_trust_pem(ctx, ca_pem_or_file) == 0)
				goto fail;
		} else if (SSL_CTX_load_verify_locations(ctx, ca_pem_or_file, NULL) != 1) {
			goto fail;
		}
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ERR_clear_error();
	return ctx;
fail:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

static int pki_use_cert_pem(SSL_CTX *ctx, const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x;
	int ok = 0;

	if (!b)
		return 0;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (x && SSL_CTX_use_certificate(ctx, x) == 1) {
		X509 *extra;

		ok = 1;
		/* Intermediates after the leaf go out in the chain. */
		while (ok && (extra = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
			if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
				X509_free(extra);
				ok = 0;
			}
		}
	}
	X509_free(x);
	BIO_free(b);
	return ok;
}

static int pki_use_key_pem(SSL_CTX *ctx, const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k;
	int ok;

	if (!b)
		return 0;
	k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	ok = k && SSL_CTX_use_PrivateKey(ctx, k) == 1;
	EVP_PKEY_free(k);
	BIO_free(b);
	return ok;
}

int pki_client_ctx_use_cert(SSL_CTX *ctx, const char *cert_pem_or_file, const char *key_pem_or_file)
{
	int ok;

	if (!ctx || !cert_pem_or_file || !key_pem_or_file)
		return -EINVAL;
	ERR_clear_error();
	ok = pki_is_pem(cert_pem_or_file)
	         ? pki_use_cert_pem(ctx, cert_pem_or_file)
	         : SSL_CTX_use_certificate_chain_file(ctx, cert_pem_or_file) == 1;
	ok = ok && (pki_is_pem(key_pem_or_file)
	                ? pki_use_key_pem(ctx, key_pem_or_file)
	                : SSL_CTX_use_PrivateKey_file(ctx, key_pem_or_file, SSL_FILETYPE_PEM) == 1);
	ok = ok && SSL_CTX_check_private_key(ctx) == 1;
	ERR_clear_error();
	return ok ? 0 : -EINVAL;
}

int pki_token_equal(const char *a, const char *b)
{
	unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
	unsigned int la = 0, lb = 0;

	if (!a || !b || !*a || !*b)
		return 0;
	/* Comparing digests hides the length of the secret as well as its bytes. */
	if (!EVP_Digest(a, strlen(a), da, &la, EVP_sha256(), NULL) ||
	    !EVP_Digest(b, strlen(b), db, &lb, EVP_sha256(), NULL) || la != lb) {
		ERR_clear_error();
		return 0;
	}
	return CRYPTO_memcmp(da, db, la) == 0;
}
