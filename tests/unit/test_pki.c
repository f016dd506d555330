/* test_pki.c - CA and serving certificate lifecycle, token, SSL_CTX builders. */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "server/pki.h"

static const char *const tp_ips[] = {"127.0.0.1", "::1", "10.43.0.1", "0.0.0.0"};
static const char *const tp_dns[] = {"localhost", "kubernetes", "kubernetes.default",
                                     "kubernetes.default.svc",
                                     "kubernetes.default.svc.cluster.local"};
#define TP_NIP  (sizeof(tp_ips) / sizeof(tp_ips[0]))
#define TP_NDNS (sizeof(tp_dns) / sizeof(tp_dns[0]))

static int tp_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tp_rmrf(const char *dir)
{
	nftw(dir, tp_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void tp_tmpdir(char *out, size_t n)
{
	snprintf(out, n, "/tmp/svcnet-pki-XXXXXX");
	if (!mkdtemp(out))
		out[0] = '\0';
}

static unsigned tp_mode(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/pki/%s", dir, name);
	if (stat(path, &st) < 0)
		return 01000;
	return st.st_mode & 0777;
}

static void tp_path(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/pki/%s", dir, name);
}

static int tp_write(const char *dir, const char *name, const char *data)
{
	char path[512];

	tp_path(path, sizeof(path), dir, name);
	return pki_write_atomic(path, data, strlen(data), 0600);
}

static int tp_verify(X509 *ca, X509 *cert)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX_init(ctx, store, cert, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

static int tp_run_contains(const char *cmd, const char *needle)
{
	char line[1024];
	int found = 0;
	FILE *f = popen(cmd, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = 1;
	pclose(f);
	return found;
}

UNIT_TEST(pki_creates_files_with_modes)
{
	char dir[64];
	struct pki p;
	DIR *d;
	struct dirent *e;
	int n = 0;

	tp_tmpdir(dir, sizeof(dir));
	CHECK(dir[0]);
	CHECK_INT(pki_ensure(&p, dir, tp_ips, TP_NIP, tp_dns, TP_NDNS), 0);
	CHECK(p.ca && p.ca_key && p.cert && p.key && p.ca_pem);
	CHECK(strncmp(p.ca_pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
	CHECK_INT(strlen(p.token), 64);
	CHECK_INT(strspn(p.token, "0123456789abcdef"), 64);
	CHECK_INT(tp_mode(dir, ""), 0700);
	CHECK_INT(tp_mode(dir, "ca.key"), 0600);
	CHECK_INT(tp_mode(dir, "server.key"), 0600);
	CHECK_INT(tp_mode(dir, "admin.token"), 0600);
	CHECK_INT(tp_mode(dir, "ca.crt"), 0644);
	CHECK_INT(tp_mode(dir, "server.crt"), 0644);
	/* No temporary files left behind by the atomic writes. */
	{
		char pkidir[128];

		snprintf(pkidir, sizeof(pkidir), "%s/pki", dir);
		d = opendir(pkidir);
		CHECK(d);
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				n++;
		closedir(d);
		CHECK_INT(n, 5);
	}
	pki_free(&p);
	CHECK(p.ca == NULL && p.token[0] == '\0');
	pki_free(&p); /* idempotent */
	pki_free(NULL);
	tp_rmrf(dir);
}

UNIT_TEST(pki_second_call_loads_same)
{
	char dir[64];
	struct pki a, b;

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&a, dir, tp_ips, TP_NIP, tp_dns, TP_NDNS), 0);
	CHECK_INT(pki_ensure(&b, dir, tp_ips, TP_NIP, tp_dns, TP_NDNS), 0);
	CHECK_INT(X509_cmp(a.ca, b.ca), 0);
	CHECK_INT(X509_cmp(a.cert, b.cert), 0);
	CHECK_INT(EVP_PKEY_eq(a.key, b.key), 1);
	CHECK_STR(a.token, b.token);
	CHECK_STR(a.ca_pem, b.ca_pem);
	/* A subset of the SANs does not re-issue either. */
	pki_free(&b);
	CHECK_INT(pki_ensure(&b, dir, tp_ips, 1, tp_dns, 1), 0);
	CHECK_INT(X509_cmp(a.cert, b.cert), 0);
	pki_free(&a);
	pki_free(&b);
	tp_rmrf(dir);
}

UNIT_TEST(pki_new_san_reissues_with_same_ca)
{
	char dir[64];
	struct pki a, b;
	const char *ips[] = {"127.0.0.1", "192.0.2.7"};
	const char *dns[] = {"localhost", "api.example.test"};

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&a, dir, ips, 1, dns, 1), 0);
	CHECK_INT(X509_check_ip_asc(a.cert, "192.0.2.7", 0), 0);
	CHECK_INT(pki_ensure(&b, dir, ips, 2, dns, 1), 0);
	CHECK_INT(X509_cmp(a.ca, b.ca), 0);
	CHECK(X509_cmp(a.cert, b.cert) != 0);
	CHECK_INT(X509_check_ip_asc(b.cert, "192.0.2.7", 0), 1);
	CHECK_INT(X509_check_ip_asc(b.cert, "127.0.0.1", 0), 1);
	CHECK_INT(tp_verify(b.ca, b.cert), 1);
	CHECK_STR(a.token, b.token);
	pki_free(&b);
	/* A new DNS name too; the file on disk now matches what was returned. */
	CHECK_INT(pki_ensure(&b, dir, ips, 2, dns, 2), 0);
	CHECK_INT(X509_check_host(b.cert, "api.example.test", 0, 0, NULL), 1);
	pki_free(&a);
	CHECK_INT(pki_ensure(&a, dir, ips, 2, dns, 2), 0);
	CHECK_INT(X509_cmp(a.cert, b.cert), 0);
	pki_free(&a);
	pki_free(&b);
	tp_rmrf(dir);
}

UNIT_TEST(pki_cert_verifies_against_ca)
{
	char dir[64];
	struct pki p;
	const ASN1_INTEGER *serial;
	BIGNUM *bn;
	time_t in2y = time(NULL) + 2 * 365 * 86400L, in4y = time(NULL) + 4 * 365 * 86400L;
	time_t in9y = time(NULL) + 9 * 365 * 86400L;

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, tp_ips, TP_NIP, tp_dns, TP_NDNS), 0);
	CHECK_INT(tp_verify(p.ca, p.cert), 1);
	CHECK_INT(X509_check_ca(p.ca), 1);
	CHECK_INT(X509_check_ca(p.cert), 0);
	CHECK((X509_get_key_usage(p.ca) & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) ==
	      (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
	CHECK(X509_get_extended_key_usage(p.cert) & XKU_SSL_SERVER);
	CHECK(X509_get0_subject_key_id(p.ca) != NULL);
	CHECK(X509_get0_authority_key_id(p.cert) != NULL);
	CHECK_INT(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(p.ca),
	                                X509_get0_authority_key_id(p.cert)),
	          0);
	CHECK_INT(EVP_PKEY_get_base_id(p.ca_key), EVP_PKEY_EC);
	CHECK_INT(EVP_PKEY_get_bits(p.key), 256);
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(X509_check_ip_asc(p.cert, tp_ips[i], 0), 1);
	CHECK_INT(X509_check_ip_asc(p.cert, "0.0.0.0", 0), 0); /* skipped on purpose */
	CHECK_INT(X509_check_ip_asc(p.cert, "10.43.0.2", 0), 0);
	for (size_t i = 0; i < TP_NDNS; i++)
		CHECK_INT(X509_check_host(p.cert, tp_dns[i], 0, 0, NULL), 1);
	CHECK_INT(X509_check_host(p.cert, "KUBERNETES.default", 0, 0, NULL), 1);
	CHECK_INT(X509_check_host(p.cert, "evil.example", 0, 0, NULL), 0);
	/* Random serial of 120+ bits; validity 3 years for the cert, 10 for the CA. */
	serial = X509_get0_serialNumber(p.cert);
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	CHECK(bn);
	CHECK(BN_num_bits(bn) > 120 && !BN_is_negative(bn));
	BN_free(bn);
	CHECK(X509_cmp_time(X509_get0_notAfter(p.cert), &in2y) > 0);
	CHECK(X509_cmp_time(X509_get0_notAfter(p.cert), &in4y) < 0);
	CHECK(X509_cmp_time(X509_get0_notAfter(p.ca), &in9y) > 0);
	pki_free(&p);
	tp_rmrf(dir);
}

UNIT_TEST(pki_openssl_cli_agrees)
{
	char dir[64], cmd[512];
	struct pki p;

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, tp_ips, TP_NIP, tp_dns, TP_NDNS), 0);
	snprintf(cmd, sizeof(cmd),
	         "openssl verify -purpose sslserver -CAfile %s/pki/ca.crt %s/pki/server.crt", dir,
	         dir);
	CHECK(tp_run_contains(cmd, ": OK"));
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -in %s/pki/server.crt", dir);
	CHECK(tp_run_contains(cmd, "TLS Web Server Authentication"));
	CHECK(tp_run_contains(cmd, "IP Address:127.0.0.1"));
	CHECK(tp_run_contains(cmd, "IP Address:0:0:0:0:0:0:0:1"));
	CHECK(tp_run_contains(cmd, "DNS:kubernetes.default.svc.cluster.local"));
	CHECK(tp_run_contains(cmd, "Authority Key Identifier"));
	snprintf(cmd, sizeof(cmd), "openssl x509 -noout -text -in %s/pki/ca.crt", dir);
	CHECK(tp_run_contains(cmd, "CA:TRUE"));
	CHECK(tp_run_contains(cmd, "Certificate Sign, CRL Sign"));
	CHECK(tp_run_contains(cmd, "ASN1 OID: prime256v1"));
	snprintf(cmd, sizeof(cmd), "openssl pkey -noout -in %s/pki/server.key && echo KEYOK", dir);
	CHECK(tp_run_contains(cmd, "KEYOK"));
	pki_free(&p);
	tp_rmrf(dir);
}

/* Replaces server.crt with one signed by the CA that expires in `days`. */
static int tp_plant_cert(const char *dir, struct pki *p, int days)
{
	char path[512];
	X509 *x = X509_new();
	FILE *f;
	int ok;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                           (const unsigned char *)"old", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(p->ca));
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL);
	X509_set_pubkey(x, p->key);
	{
		X509V3_CTX ctx;
		X509_EXTENSION *ext;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, p->ca, x, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name,
		                          "IP:127.0.0.1,DNS:localhost");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, p->ca_key, EVP_sha256());
	tp_path(path, sizeof(path), dir, "server.crt");
	f = fopen(path, "w");
	ok = f && PEM_write_X509(f, x);
	if (f)
		fclose(f);
	X509_free(x);
	return ok;
}

UNIT_TEST(pki_expiring_cert_reissued)
{
	char dir[64];
	struct pki p, q;
	time_t in1y = time(NULL) + 365 * 86400L;
	const char *ips[] = {"127.0.0.1"}, *dns[] = {"localhost"};

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, ips, 1, dns, 1), 0);
	/* 60 days left: kept. */
	CHECK(tp_plant_cert(dir, &p, 60));
	CHECK_INT(pki_ensure(&q, dir, ips, 1, dns, 1), 0);
	CHECK_INT(ASN1_INTEGER_get(X509_get0_serialNumber(q.cert)), 42);
	pki_free(&q);
	/* 10 days left: re-issued with the same CA. */
	CHECK(tp_plant_cert(dir, &p, 10));
	CHECK_INT(pki_ensure(&q, dir, ips, 1, dns, 1), 0);
	CHECK(ASN1_INTEGER_get(X509_get0_serialNumber(q.cert)) != 42);
	CHECK(X509_cmp_time(X509_get0_notAfter(q.cert), &in1y) > 0);
	CHECK_INT(X509_cmp(p.ca, q.ca), 0);
	CHECK_INT(tp_verify(q.ca, q.cert), 1);
	pki_free(&p);
	pki_free(&q);
	tp_rmrf(dir);
}

UNIT_TEST(pki_rejects_bad_sans)
{
	char dir[64];
	struct pki p;
	const char *bad_ip[] = {"300.1.1.1"}, *bad_ip2[] = {"localhost"};
	const char *bad_dns[] = {"a,b"}, *bad_dns2[] = {"a..b"}, *bad_dns3[] = {""};
	const char *bad_dns4[] = {"x.-a"}, *bad_dns5[] = {"IP:1.2.3.4"}, *bad_dns6[] = {"a-"};
	const char *ok_dns[] = {"*.apps.example.test", "a-b.c0"}, *null_dns[] = {NULL};

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, bad_ip, 1, NULL, 0), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, bad_ip2, 1, NULL, 0), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns2, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns3, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns5, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, null_dns, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns6, 1), -EINVAL);
	CHECK_INT(pki_ensure(&p, NULL, NULL, 0, NULL, 0), -EINVAL);
	CHECK_INT(pki_ensure(&p, "", NULL, 0, NULL, 0), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 1, NULL, 0), -EINVAL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, bad_dns4, 1), -EINVAL);
	CHECK(p.ca == NULL);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, ok_dns, 2), 0);
	CHECK_INT(X509_check_host(p.cert, "web.apps.example.test", 0, 0, NULL), 1);
	pki_free(&p);
	tp_rmrf(dir);
}

UNIT_TEST(pki_corrupt_or_partial_files)
{
	char dir[64], other[64], path[512], path2[512];
	struct pki p, q;
	const char *ips[] = {"127.0.0.1"};

	tp_tmpdir(dir, sizeof(dir));
	tp_tmpdir(other, sizeof(other));
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	pki_free(&p);

	/* A corrupt serving cert or key is simply re-issued. */
	CHECK_INT(tp_write(dir, "server.crt", "garbage"), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	pki_free(&p);
	CHECK_INT(tp_write(dir, "server.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	CHECK_INT(X509_check_private_key(p.cert, p.key), 1);
	pki_free(&p);

	/* A serving cert from another CA is re-issued. */
	CHECK_INT(pki_ensure(&q, other, ips, 1, NULL, 0), 0);
	tp_path(path, sizeof(path), other, "server.crt");
	tp_path(path2, sizeof(path2), dir, "server.crt");
	CHECK_INT(rename(path, path2), 0);
	tp_path(path, sizeof(path), other, "server.key");
	tp_path(path2, sizeof(path2), dir, "server.key");
	CHECK_INT(rename(path, path2), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	CHECK(X509_cmp(p.cert, q.cert) != 0);
	CHECK_INT(tp_verify(p.ca, p.cert), 1);
	pki_free(&p);

	/* A CA key that does not match the CA cert is fatal. */
	tp_path(path, sizeof(path), dir, "ca.key");
	tp_path(path2, sizeof(path2), other, "ca.key");
	CHECK_INT(rename(path2, path), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), -EINVAL);
	/* So is a CA cert without its key... */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), -EINVAL);
	/* ...and a corrupt CA cert. */
	CHECK_INT(tp_write(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\nxx\n"), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), -EINVAL);
	CHECK(p.ca == NULL && p.ca_pem == NULL);
	/* No CA cert at all: a fresh CA, and the serving cert follows it. */
	tp_path(path, sizeof(path), dir, "ca.crt");
	CHECK_INT(unlink(path), 0);
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	CHECK_INT(tp_verify(p.ca, p.cert), 1);
	pki_free(&p);
	pki_free(&q);
	tp_rmrf(dir);
	tp_rmrf(other);
}

UNIT_TEST(pki_token_file_rules)
{
	char dir[64], path[512];
	struct pki p;

	tp_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), 0);
	pki_free(&p);
	/* An operator-provided token is used as is, trailing newline trimmed. */
	CHECK_INT(tp_write(dir, "admin.token", "my-own.token_1\r\n"), 0);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), 0);
	CHECK_STR(p.token, "my-own.token_1");
	pki_free(&p);
	CHECK_INT(tp_write(dir, "admin.token", "two words"), 0);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), -EINVAL);
	CHECK_INT(tp_write(dir, "admin.token", "\n"), 0);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), -EINVAL);
	{
		char big[200];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK_INT(tp_write(dir, "admin.token", big), 0);
		CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), -EINVAL);
	}
	/* Loose modes on secrets are tightened. */
	CHECK_INT(tp_write(dir, "admin.token", "tok\n"), 0);
	tp_path(path, sizeof(path), dir, "admin.token");
	chmod(path, 0644);
	tp_path(path, sizeof(path), dir, "server.key");
	chmod(path, 0640);
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), 0);
	CHECK_INT(tp_mode(dir, "admin.token"), 0600);
	CHECK_INT(tp_mode(dir, "server.key"), 0600);
	pki_free(&p);
	tp_rmrf(dir);
}

UNIT_TEST(pki_token_equal_cases)
{
	CHECK_INT(pki_token_equal("abc", "abc"), 1);
	CHECK_INT(pki_token_equal("abc", "abd"), 0);
	CHECK_INT(pki_token_equal("abc", "abcd"), 0);
	CHECK_INT(pki_token_equal("abcd", "abc"), 0);
	CHECK_INT(pki_token_equal("", ""), 0);
	CHECK_INT(pki_token_equal(NULL, "abc"), 0);
	CHECK_INT(pki_token_equal("abc", NULL), 0);
	CHECK_INT(pki_token_equal(NULL, NULL), 0);
}

UNIT_TEST(pki_ctx_builders)
{
	char dir[64], other[64], path[512], path2[512];
	struct pki p, q;
	SSL_CTX *ctx;

	tp_tmpdir(dir, sizeof(dir));
	tp_tmpdir(other, sizeof(other));
	CHECK_INT(pki_ensure(&p, dir, NULL, 0, NULL, 0), 0);
	CHECK_INT(pki_ensure(&q, other, NULL, 0, NULL, 0), 0);
	ctx = pki_server_ctx(&p);
	CHECK(ctx);
	CHECK_INT(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
	SSL_CTX_free(ctx);
	CHECK(pki_server_ctx(NULL) == NULL);

	ctx = pki_client_ctx(p.ca_pem, 1);
	CHECK(ctx);
	CHECK_INT(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_PEER);
	/* A client certificate: any cert with its key will do for the loader. */
	tp_path(path, sizeof(path), dir, "server.crt");
	tp_path(path2, sizeof(path2), dir, "server.key");
	CHECK_INT(pki_client_ctx_use_cert(ctx, path, path2), 0);
	tp_path(path2, sizeof(path2), other, "server.key");
	CHECK_INT(pki_client_ctx_use_cert(ctx, path, path2), -EINVAL);
	CHECK_INT(pki_client_ctx_use_cert(ctx, q.ca_pem, "-----BEGIN junk"), -EINVAL);
	CHECK_INT(pki_client_ctx_use_cert(ctx, NULL, path2), -EINVAL);
	SSL_CTX_free(ctx);

	tp_path(path, sizeof(path), dir, "ca.crt");
	ctx = pki_client_ctx(path, 1);
	CHECK(ctx);
	SSL_CTX_free(ctx);
	ctx = pki_client_ctx(NULL, 1);
	CHECK(ctx);
	SSL_CTX_free(ctx);
	ctx = pki_client_ctx("/nonexistent/ca.crt", 0); /* not read when not verifying */
	CHECK(ctx);
	CHECK_INT(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
	SSL_CTX_free(ctx);
	CHECK(pki_client_ctx("/nonexistent/ca.crt", 1) == NULL);
	CHECK(pki_client_ctx("-----BEGIN CERTIFICATE-----\nnope\n", 1) == NULL);
	CHECK_INT(ERR_peek_error(), 0);
	pki_free(&p);
	pki_free(&q);
	tp_rmrf(dir);
	tp_rmrf(other);
}

UNIT_TEST(pki_file_primitives)
{
	char dir[64], path[256], *data;
	size_t len;
	struct stat st;

	tp_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	CHECK_INT(pki_mkdir_p(path, 0700), 0);
	CHECK_INT(pki_mkdir_p(path, 0700), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/a/f", dir);
	CHECK_INT(pki_write_atomic(path, "hello", 5, 0640), 0);
	CHECK_INT(pki_write_atomic(path, "hello!", 6, 0640), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0640);
	CHECK_INT(pki_read_file(path, 100, &data, &len), 0);
	CHECK_INT(len, 6);
	CHECK_STR(data, "hello!");
	free(data);
	CHECK_INT(pki_read_file(path, 3, &data, &len), -EFBIG);
	CHECK(data == NULL);
	snprintf(path, sizeof(path), "%s/a", dir);
	CHECK_INT(pki_read_file(path, 100, &data, &len), -EISDIR);
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK_INT(pki_read_file(path, 100, &data, &len), -ENOENT);
	snprintf(path, sizeof(path), "%s/nodir/f", dir);
	CHECK_INT(pki_write_atomic(path, "x", 1, 0600), -ENOENT);
	tp_rmrf(dir);
}
