/*
 * pki.c - CA, serving certificate and admin token for `svcnet server`.
 *
 * Write order is chosen so that a crash between two files is recoverable:
 * a key is always written before its certificate, so a certificate on disk
 * always has its key. ca.key without ca.crt means the CA was never
 * published (nobody received ca_pem yet) and is simply minted again;
 * ca.crt without ca.key is an operator error we refuse to paper over.
 */
#include "server/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "lib/buf.h"
#include "lib/log.h"

#define PKI_CA_DAYS      3650
#define PKI_SERVER_DAYS  1095
#define PKI_RENEW_BEFORE (30L * 24 * 3600)
#define PKI_MAX_FILE     (1 << 20)

/* Room for "<dir>/pki/<name>" without a PATH_MAX-sized stack buffer per call. */
struct pki_paths {
	char dir[4000];
	char ca_crt[4096], ca_key[4096], crt[4096], key[4096], token[4096];
};

/* ---- SAN handling ---- */

/* Host names as certificates carry them: LDH labels, an optional "*." first. */
static int pki_valid_dns(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 253)
		return 0;
	if (s[0] == '*' && s[1] == '.')
		s += 2;
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '.') {
			if (label == 0 || s[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (c == '-' && label == 0)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[-1] != '-';
}

static int pki_ip_unspecified(const ASN1_OCTET_STRING *ip)
{
	const unsigned char *d = ASN1_STRING_get0_data(ip);

	for (int i = 0; i < ASN1_STRING_length(ip); i++)
		if (d[i])
			return 0;
	return 1;
}

static int pki_gen_equal(const GENERAL_NAME *a, const GENERAL_NAME *b)
{
	const ASN1_STRING *x, *y;

	if (a->type != b->type)
		return 0;
	if (a->type == GEN_IPADD) {
		x = a->d.iPAddress;
		y = b->d.iPAddress;
		return ASN1_STRING_length(x) == ASN1_STRING_length(y) &&
		       memcmp(ASN1_STRING_get0_data(x), ASN1_STRING_get0_data(y),
		              (size_t)ASN1_STRING_length(x)) == 0;
	}
	if (a->type == GEN_DNS) {
		x = a->d.dNSName;
		y = b->d.dNSName;
		return ASN1_STRING_length(x) == ASN1_STRING_length(y) &&
		       strncasecmp((const char *)ASN1_STRING_get0_data(x),
		                   (const char *)ASN1_STRING_get0_data(y),
		                   (size_t)ASN1_STRING_length(x)) == 0;
	}
	return 0;
}

static int pki_gens_has(const GENERAL_NAMES *gens, const GENERAL_NAME *g)
{
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++)
		if (pki_gen_equal(sk_GENERAL_NAME_value(gens, i), g))
			return 1;
	return 0;
}

/* Builds the deduplicated SAN list; -EINVAL names the offending entry in the log. */
static int pki_build_sans(GENERAL_NAMES **out, const char *const *ips, size_t n_ip,
                          const char *const *dns, size_t n_dns)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int rc = -ENOMEM;

	*out = NULL;
	if (!gens)
		return -ENOMEM;
	for (size_t i = 0; i < n_ip + n_dns; i++) {
		GENERAL_NAME *g;
		const char *s = i < n_ip ? ips[i] : dns[i - n_ip];

		if (!s) {
			rc = -EINVAL;
			goto fail;
		}
		g = GENERAL_NAME_new();
		if (!g)
			goto fail;
		if (i < n_ip) {
			ASN1_OCTET_STRING *ip = a2i_IPADDRESS(s);

			if (!ip) {
				GENERAL_NAME_free(g);
				log_error("pki", "invalid IP SAN \"%s\"", s);
				rc = -EINVAL;
				goto fail;
			}
			GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
			if (pki_ip_unspecified(ip)) {
				GENERAL_NAME_free(g);
				continue;
			}
		} else {
			ASN1_IA5STRING *ia5;

			if (!pki_valid_dns(s)) {
				GENERAL_NAME_free(g);
				log_error("pki", "invalid DNS SAN \"%s\"", s);
				rc = -EINVAL;
				goto fail;
			}
			ia5 = ASN1_IA5STRING_new();
			if (!ia5 || !ASN1_STRING_set(ia5, s, (int)strlen(s))) {
				ASN1_IA5STRING_free(ia5);
				GENERAL_NAME_free(g);
				goto fail;
			}
			GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
		}
		if (pki_gens_has(gens, g)) {
			GENERAL_NAME_free(g);
			continue;
		}
		if (!sk_GENERAL_NAME_push(gens, g)) {
			GENERAL_NAME_free(g);
			goto fail;
		}
	}
	*out = gens;
	return 0;
fail:
	GENERAL_NAMES_free(gens);
	ERR_clear_error();
	return rc;
}

/* ---- certificate minting ---- */

static int pki_add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A positive 127-bit random serial, as RFC 5280 asks for at least 64 bits of entropy. */
static int pki_set_serial(X509 *x)
{
	unsigned char b[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(b, sizeof(b)) != 1)
		return 0;
	b[0] &= 0x7f;
	b[0] |= 0x01; /* never zero, and a stable DER length */
	bn = BN_bin2bn(b, sizeof(b), NULL);
	if (!bn)
		return 0;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static X509 *pki_new_cert(EVP_PKEY *key, const char *cn, long days)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) || !pki_set_serial(x) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
	                                -1, 0) ||
	    /* An hour of slack for clients whose clock is behind ours. */
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    !X509_set_pubkey(x, key)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int pki_mint_ca(X509 **out, EVP_PKEY **out_key)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = NULL;
	char cn[64];

	*out = NULL;
	*out_key = NULL;
	if (!key)
		return -ENOMEM;
	/* Distinct names per CA keep two svcnet CAs apart in one trust store. */
	snprintf(cn, sizeof(cn), "svcnet-ca@%lld", (long long)time(NULL));
	x = pki_new_cert(key, cn, PKI_CA_DAYS);
	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    !pki_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !pki_add_ext(x, x, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") ||
	    !pki_add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    !pki_add_ext(x, x, NID_authority_key_identifier, "keyid:always") ||
	    !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		EVP_PKEY_free(key);
		ERR_clear_error();
		return -ENOMEM;
	}
	*out = x;
	*out_key = key;
	return 0;
}

static int pki_mint_server(X509 **out, EVP_PKEY **out_key, X509 *ca, EVP_PKEY *ca_key,
                           GENERAL_NAMES *sans)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = NULL;

	*out = NULL;
	*out_key = NULL;
	if (!key)
		return -ENOMEM;
	x = pki_new_cert(key, "kube-apiserver", PKI_SERVER_DAYS);
	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(ca)) ||
	    !pki_add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !pki_add_ext(x, ca, NID_key_usage, "critical,digitalSignature") ||
	    !pki_add_ext(x, ca, NID_ext_key_usage, "serverAuth") ||
	    !pki_add_ext(x, ca, NID_subject_key_identifier, "hash") ||
	    !pki_add_ext(x, ca, NID_authority_key_identifier, "keyid:always") ||
	    (sk_GENERAL_NAME_num(sans) > 0 &&
	     X509_add1_ext_i2d(x, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) != 1) ||
	    !X509_sign(x, ca_key, EVP_sha256())) {
		X509_free(x);
		EVP_PKEY_free(key);
		ERR_clear_error();
		return -ENOMEM;
	}
	*out = x;
	*out_key = key;
	return 0;
}

/* ---- PEM files ---- */

static int pki_save(const char *path, X509 *x, EVP_PKEY *key, unsigned mode)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc;

	if (!b)
		return -ENOMEM;
	if ((x && !PEM_write_bio_X509(b, x)) ||
	    (key && !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))) {
		BIO_free(b);
		ERR_clear_error();
		return -ENOMEM;
	}
	n = BIO_get_mem_data(b, &data);
	rc = pki_write_atomic(path, data, (size_t)n, mode);
	/* The key's PEM sat in this BIO's memory; do not leave it in the heap. */
	if (n > 0)
		OPENSSL_cleanse(data, (size_t)n);
	BIO_free(b);
	return rc;
}

/* Loads a PEM cert or key; -ENOENT when absent, -EINVAL when unparsable. */
static int pki_load(const char *path, X509 **x, EVP_PKEY **key)
{
	char *data;
	size_t len;
	BIO *b;
	int rc = pki_read_file(path, PKI_MAX_FILE, &data, &len);

	if (rc < 0)
		return rc;
	b = BIO_new_mem_buf(data, (int)len);
	if (!b) {
		free(data);
		return -ENOMEM;
	}
	if (x)
		*x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	else
		*key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	OPENSSL_cleanse(data, len);
	free(data);
	ERR_clear_error();
	if (x ? !*x : !*key)
		return -EINVAL;
	return 0;
}

/* A key readable by others is fixed rather than fatal: it is ours to protect. */
static void pki_tighten_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		log_warn("pki", "%s was mode %03o; setting 0600", path, st.st_mode & 0777);
		chmod(path, 0600);
	}
}

static int pki_ca(struct pki *p, const struct pki_paths *pp, int *minted)
{
	int rc_crt, rc_key;

	*minted = 0;
	rc_crt = pki_load(pp->ca_crt, &p->ca, NULL);
	rc_key = pki_load(pp->ca_key, NULL, &p->ca_key);
	if (rc_crt == -ENOENT) {
		X509_free(p->ca);
		EVP_PKEY_free(p->ca_key);
		p->ca = NULL;
		p->ca_key = NULL;
		if (rc_key != -ENOENT)
			log_warn("pki", "%s without %s: minting a new CA", pp->ca_key, pp->ca_crt);
		if ((rc_key = pki_mint_ca(&p->ca, &p->ca_key)) < 0 ||
		    (rc_key = pki_save(pp->ca_key, NULL, p->ca_key, 0600)) < 0 ||
		    (rc_key = pki_save(pp->ca_crt, p->ca, NULL, 0644)) < 0)
			return rc_key;
		log_info("pki", "created CA %s", pp->ca_crt);
		*minted = 1;
		return 0;
	}
	if (rc_crt < 0) {
		log_error("pki", "cannot load %s: %s", pp->ca_crt, strerror(-rc_crt));
		return rc_crt;
	}
	if (rc_key < 0) {
		log_error("pki", "cannot load %s: %s", pp->ca_key, strerror(-rc_key));
		return rc_key == -ENOENT ? -EINVAL : rc_key;
	}
	if (X509_check_private_key(p->ca, p->ca_key) != 1) {
		ERR_clear_error();
		log_error("pki", "%s does not match %s", pp->ca_key, pp->ca_crt);
		return -EINVAL;
	}
	pki_tighten_mode(pp->ca_key);
	return 0;
}

/* Why the serving cert must be re-issued, or NULL when it is fine. */
static const char *pki_server_stale(const struct pki *p, const GENERAL_NAMES *want)
{
	time_t soon = time(NULL) + PKI_RENEW_BEFORE;
	GENERAL_NAMES *have;
	const char *why = NULL;

	if (!p->cert || !p->key)
		return "missing or unreadable";
	if (X509_check_private_key(p->cert, p->key) != 1)
		why = "does not match its key";
	else if (X509_verify(p->cert, p->ca_key) != 1)
		why = "not signed by the current CA";
	else if (X509_cmp_time(X509_get0_notAfter(p->cert), &soon) <= 0)
		why = "expires within 30 days";
	ERR_clear_error();
	if (why)
		return why;
	have = X509_get_ext_d2i(p->cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; i < sk_GENERAL_NAME_num(want); i++) {
		if (!pki_gens_has(have, sk_GENERAL_NAME_value(want, i))) {
			why = "lacks a requested SAN";
			break;
		}
	}
	GENERAL_NAMES_free(have);
	ERR_clear_error();
	return why;
}

static int pki_server(struct pki *p, const struct pki_paths *pp, const GENERAL_NAMES *want,
                      int force)
{
	const char *why;
	int rc;

	if (!force) {
		pki_load(pp->crt, &p->cert, NULL);
		pki_load(pp->key, NULL, &p->key);
	}
	why = force ? "new CA" : pki_server_stale(p, want);
	if (!why) {
		pki_tighten_mode(pp->key);
		return 0;
	}
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
	p->cert = NULL;
	p->key = NULL;
	rc = pki_mint_server(&p->cert, &p->key, p->ca, p->ca_key, (GENERAL_NAMES *)want);
	if (rc < 0 || (rc = pki_save(pp->key, NULL, p->key, 0600)) < 0 ||
	    (rc = pki_save(pp->crt, p->cert, NULL, 0644)) < 0)
		return rc;
	log_info("pki", "issued serving certificate %s (%s)", pp->crt, why);
	return 0;
}

static int pki_token(struct pki *p, const struct pki_paths *pp)
{
	unsigned char raw[32];
	char *data;
	size_t len;
	int rc = pki_read_file(pp->token, 4096, &data, &len);

	if (rc == -ENOENT) {
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			return -EIO;
		for (size_t i = 0; i < sizeof(raw); i++)
			snprintf(p->token + 2 * i, 3, "%02x", raw[i]);
		OPENSSL_cleanse(raw, sizeof(raw));
		p->token[64] = '\n';
		rc = pki_write_atomic(pp->token, p->token, 65, 0600);
		p->token[64] = '\0';
		if (rc == 0)
			log_info("pki", "created admin token %s", pp->token);
		return rc;
	}
	if (rc < 0)
		return rc;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' ' ||
	                   data[len - 1] == '\t'))
		len--;
	rc = len > 0 && len < sizeof(p->token) ? 0 : -EINVAL;
	for (size_t i = 0; rc == 0 && i < len; i++)
		if ((unsigned char)data[i] <= ' ' || (unsigned char)data[i] >= 0x7f)
			rc = -EINVAL;
	if (rc == 0) {
		memcpy(p->token, data, len);
		p->token[len] = '\0';
		pki_tighten_mode(pp->token);
	} else {
		log_error("pki", "%s is not a valid token", pp->token);
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

static char *pki_cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s = NULL;
	long n;

	if (!b)
		return NULL;
	if (PEM_write_bio_X509(b, x)) {
		n = BIO_get_mem_data(b, &data);
		s = malloc((size_t)n + 1);
		if (s) {
			memcpy(s, data, (size_t)n);
			s[n] = '\0';
		}
	}
	BIO_free(b);
	ERR_clear_error();
	return s;
}

static int pki_paths_init(struct pki_paths *pp, const char *dir)
{
	int n = snprintf(pp->dir, sizeof(pp->dir), "%s/pki", dir);

	if (n < 0 || n >= (int)sizeof(pp->dir))
		return -ENAMETOOLONG;
	snprintf(pp->ca_crt, sizeof(pp->ca_crt), "%s/ca.crt", pp->dir);
	snprintf(pp->ca_key, sizeof(pp->ca_key), "%s/ca.key", pp->dir);
	snprintf(pp->crt, sizeof(pp->crt), "%s/server.crt", pp->dir);
	snprintf(pp->key, sizeof(pp->key), "%s/server.key", pp->dir);
	snprintf(pp->token, sizeof(pp->token), "%s/admin.token", pp->dir);
	return 0;
}

int pki_ensure(struct pki *p, const char *dir, const char *const *ip_sans, size_t n_ip,
               const char *const *dns_sans, size_t n_dns)
{
	struct pki_paths *pp;
	GENERAL_NAMES *sans = NULL;
	int rc, minted;

	memset(p, 0, sizeof(*p));
	if (!dir || !*dir || (n_ip && !ip_sans) || (n_dns && !dns_sans))
		return -EINVAL;
	pp = malloc(sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	ERR_clear_error();
	if ((rc = pki_paths_init(pp, dir)) < 0 ||
	    (rc = pki_build_sans(&sans, ip_sans, n_ip, dns_sans, n_dns)) < 0 ||
	    (rc = pki_mkdir_p(dir, 0755)) < 0 || (rc = pki_mkdir_p(pp->dir, 0700)) < 0 ||
	    (rc = pki_ca(p, pp, &minted)) < 0 || (rc = pki_server(p, pp, sans, minted)) < 0 ||
	    (rc = pki_token(p, pp)) < 0)
		goto out;
	p->ca_pem = pki_cert_pem(p->ca);
	if (!p->ca_pem)
		rc = -ENOMEM;
out:
	GENERAL_NAMES_free(sans);
	free(pp);
	if (rc < 0)
		pki_free(p);
	ERR_clear_error();
	return rc;
}

void pki_free(struct pki *p)
{
	if (!p)
		return;
	X509_free(p->ca);
	EVP_PKEY_free(p->ca_key);
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
	free(p->ca_pem);
	OPENSSL_cleanse(p, sizeof(*p));
	memset(p, 0, sizeof(*p));
}
