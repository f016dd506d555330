/* test_kubeconfig.c - kubeconfig writer/reader, checked against kubectl; base64 codec. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>

#include "lib/base64.h"
#include "server/kubeconfig.h"
#include "server/pki.h"

static const char tk_pem[] = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
static const char tk_key[] = "-----BEGIN PRIVATE KEY-----\nMIGfake\n-----END PRIVATE KEY-----\n";

static int tk_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void tk_tmpdir(char *out, size_t n)
{
	snprintf(out, n, "/tmp/svcnet-kc-XXXXXX");
	if (!mkdtemp(out))
		out[0] = '\0';
}

static void tk_rmrf(const char *dir)
{
	nftw(dir, tk_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int tk_put(const char *dir, const char *name, const char *data)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return pki_write_atomic(path, data, strlen(data), 0600);
}

static int tk_parse(const char *yaml, const char *dir, struct kubeconfig *kc)
{
	return kubeconfig_parse(yaml, strlen(yaml), dir, kc);
}

/* Runs a command and returns its first output line (trimmed) in out. */
static int tk_run(const char *cmd, char *out, size_t n)
{
	FILE *f = popen(cmd, "r");
	int rc;

	out[0] = '\0';
	if (!f)
		return -1;
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	while (fgetc(f) != EOF)
		;
	rc = pclose(f);
	return rc;
}

UNIT_TEST(kubeconfig_write_load_roundtrip)
{
	char dir[64], path[128];
	struct kubeconfig kc;
	struct stat st;

	tk_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/sub/admin.kubeconfig", dir);
	CHECK_INT(kubeconfig_write(path, "https://127.0.0.1:6443", tk_pem, "s3cr3t", NULL), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(kubeconfig_load(path, &kc), 0);
	CHECK_STR(kc.context, "svcnet");
	CHECK_STR(kc.cluster, "svcnet");
	CHECK_STR(kc.user, "svcnet-admin");
	CHECK_STR(kc.server, "https://127.0.0.1:6443");
	CHECK_STR(kc.ca_pem, tk_pem);
	CHECK_STR(kc.token, "s3cr3t");
	CHECK(kc.namespace == NULL && kc.client_cert_pem == NULL && !kc.insecure);
	kubeconfig_free(&kc);
	CHECK(kc.server == NULL);
	kubeconfig_free(&kc);
	kubeconfig_free(NULL);

	/* Rewriting replaces the file whole; odd characters survive quoting. */
	CHECK_INT(kubeconfig_write(path, "https://[::1]:6443", tk_pem, "a\"b\\c: #d", "lab: one"),
	          0);
	CHECK_INT(kubeconfig_load(path, &kc), 0);
	CHECK_STR(kc.token, "a\"b\\c: #d");
	CHECK_STR(kc.cluster, "lab: one");
	CHECK_STR(kc.user, "lab: one-admin");
	CHECK_STR(kc.server, "https://[::1]:6443");
	kubeconfig_free(&kc);
	tk_rmrf(dir);
}

UNIT_TEST(kubeconfig_write_rejects_bad_input)
{
	char dir[64], path[128];

	tk_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	CHECK_INT(kubeconfig_write(NULL, "https://x", tk_pem, "t", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, NULL, tk_pem, "t", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x", NULL, "t", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x", tk_pem, "", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x", tk_pem, "t\nx", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x\x01", tk_pem, "t", NULL), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x", tk_pem, "t", "caf\xc3\xa9"), -EINVAL);
	CHECK_INT(kubeconfig_write(path, "https://x", tk_pem, "t", ""), -EINVAL);
	CHECK(access(path, F_OK) != 0);
	tk_rmrf(dir);
}

/* kubectl 1.32 is the consumer that matters: it must parse what we write. */
UNIT_TEST(kubeconfig_kubectl_reads_it)
{
	char dir[64], path[128], cmd[512], out[4096];
	struct pki p;
	const char *ips[] = {"127.0.0.1"};

	if (system("command -v kubectl >/dev/null 2>&1") != 0) {
		printf("    (kubectl not installed: skipped)\n");
		return;
	}
	tk_tmpdir(dir, sizeof(dir));
	CHECK_INT(pki_ensure(&p, dir, ips, 1, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/admin.kubeconfig", dir);
	CHECK_INT(kubeconfig_write(path, "https://127.0.0.1:6443", p.ca_pem, p.token, "svcnet"), 0);
	snprintf(cmd, sizeof(cmd), "kubectl --kubeconfig %s config view --raw >/dev/null 2>&1",
	         path);
	CHECK_INT(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "kubectl --kubeconfig %s config current-context 2>&1", path);
	CHECK_INT(tk_run(cmd, out, sizeof(out)), 0);
	CHECK_STR(out, "svcnet");
	snprintf(cmd, sizeof(cmd),
	         "kubectl --kubeconfig %s config view --raw -o "
	         "jsonpath='{.users[0].user.token}' 2>&1",
	         path);
	CHECK_INT(tk_run(cmd, out, sizeof(out)), 0);
	CHECK_STR(out, p.token);
	snprintf(cmd, sizeof(cmd),
	         "kubectl --kubeconfig %s config view --raw --minify -o "
	         "jsonpath='{.clusters[0].cluster.server}' 2>&1",
	         path);
	CHECK_INT(tk_run(cmd, out, sizeof(out)), 0);
	CHECK_STR(out, "https://127.0.0.1:6443");
	/* The CA data decodes to exactly our ca.crt. */
	snprintf(cmd, sizeof(cmd),
	         "kubectl --kubeconfig %s config view --raw -o "
	         "jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d | "
	         "cmp - %s/pki/ca.crt && echo SAME",
	         path, dir);
	CHECK_INT(tk_run(cmd, out, sizeof(out)), 0);
	CHECK_STR(out, "SAME");
	pki_free(&p);
	tk_rmrf(dir);
}

UNIT_TEST(kubeconfig_load_follows_client_go_rules)
{
	char dir[64], *ca64 = base64_encode_alloc(tk_pem, strlen(tk_pem));
	char *key64 = base64_encode_alloc(tk_key, strlen(tk_key)), yaml[4096];
	struct kubeconfig kc;

	CHECK(ca64 && key64);
	tk_tmpdir(dir, sizeof(dir));
	CHECK_INT(tk_put(dir, "ca.crt",
	                 "Certificate:\n  text first\n-----BEGIN CERTIFICATE-----\n"
	                 "FILE\n-----END CERTIFICATE-----\n"),
	          0);
	CHECK_INT(tk_put(dir, "token", "from-file\n"), 0);
	CHECK_INT(tk_put(dir, "client.crt", tk_pem), 0);
	CHECK_INT(tk_put(dir, "client.key", tk_key), 0);
	/* Several contexts; relative paths; tokenFile beats token; data beats file. */
	snprintf(yaml, sizeof(yaml),
	         "apiVersion: v1\n"
	         "kind: Config\n"
	         "current-context: b\n"
	         "clusters:\n"
	         "- name: one\n"
	         "  cluster: {server: 'https://one:1', certificate-authority-data: %s}\n"
	         "- name: two\n"
	         "  cluster:\n"
	         "    server: https://two:2\n"
	         "    certificate-authority: ca.crt\n"
	         "    insecure-skip-tls-verify: true\n"
	         "    tls-server-name: kubernetes\n"
	         "contexts:\n"
	         "- name: a\n"
	         "  context: {cluster: one, user: u1}\n"
	         "- name: b\n"
	         "  context:\n"
	         "    cluster: two\n"
	         "    user: u2\n"
	         "    namespace: kube-system\n"
	         "users:\n"
	         "- name: u1\n"
	         "  user: {token: tok1}\n"
	         "- name: u2\n"
	         "  user:\n"
	         "    token: ignored\n"
	         "    tokenFile: token\n"
	         "    client-certificate: client.crt\n"
	         "    client-key-data: %s\n"
	         "    client-key: /nonexistent\n"
	         "preferences: {}\n",
	         ca64, key64);
	CHECK_INT(tk_parse(yaml, dir, &kc), 0);
	CHECK_STR(kc.context, "b");
	CHECK_STR(kc.cluster, "two");
	CHECK_STR(kc.namespace, "kube-system");
	CHECK_STR(kc.server, "https://two:2");
	CHECK_STR(kc.tls_server_name, "kubernetes");
	CHECK_INT(kc.insecure, 1);
	CHECK_STR(kc.ca_pem, "-----BEGIN CERTIFICATE-----\nFILE\n-----END CERTIFICATE-----\n");
	CHECK_STR(kc.token, "from-file");
	CHECK_STR(kc.client_cert_pem, tk_pem);
	CHECK_STR(kc.client_key_pem, tk_key);
	kubeconfig_free(&kc);

	/* The same file with the other context current. */
	memcpy(strstr(yaml, "current-context: b"), "current-context: a", 18);
	CHECK_INT(tk_parse(yaml, dir, &kc), 0);
	CHECK_STR(kc.server, "https://one:1");
	CHECK_STR(kc.ca_pem, tk_pem);
	CHECK_STR(kc.token, "tok1");
	CHECK(kc.namespace == NULL && kc.client_cert_pem == NULL && !kc.insecure);
	kubeconfig_free(&kc);
	free(ca64);
	free(key64);
	tk_rmrf(dir);
}

UNIT_TEST(kubeconfig_load_json_aliases_and_no_user)
{
	struct kubeconfig kc;

	/* kubeconfigs may be JSON, a subset of YAML. */
	CHECK_INT(tk_parse("{\"current-context\":\"c\",\"contexts\":[{\"name\":\"c\",\"context\":"
	                   "{\"cluster\":\"k\"}}],\"clusters\":[{\"name\":\"k\",\"cluster\":"
	                   "{\"server\":\"http://x:8080\",\"insecure-skip-tls-verify\":false}}]}",
	                   NULL, &kc),
	          0);
	CHECK_STR(kc.server, "http://x:8080");
	CHECK(kc.user == NULL && kc.token == NULL && kc.ca_pem == NULL);
	kubeconfig_free(&kc);

	/* Anchors and aliases resolve; a self-referencing alias is no trap. */
	CHECK_INT(
	    tk_parse("base: &srv {server: 'https://a:1'}\n"
	             "loop: &l [*l]\n"
	             "current-context: c\n"
	             "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	             "clusters: [{name: k, cluster: *srv}]\n"
	             "users: [{name: u, user: {token: &t abc}}, {name: v, user: {token: *t}}]\n",
	             NULL, &kc),
	    0);
	CHECK_STR(kc.server, "https://a:1");
	CHECK_STR(kc.token, "abc");
	kubeconfig_free(&kc);

	/* Null values count as absent; only the first document is read. */
	CHECK_INT(
	    tk_parse("current-context: c\n"
	             "contexts: [{name: c, context: {cluster: k, user: ~, namespace: null}}]\n"
	             "clusters: [{name: k, cluster: {server: s, certificate-authority: }}]\n"
	             "---\n"
	             "current-context: other\n",
	             NULL, &kc),
	    0);
	CHECK(kc.user == NULL && kc.namespace == NULL && kc.ca_pem == NULL);
	kubeconfig_free(&kc);
}

struct tk_bad {
	const char *yaml;
	const char *error; /* substring of kc.error */
};

UNIT_TEST(kubeconfig_load_rejects_malformed)
{
	static const struct tk_bad cases[] = {
	    {"", "not a YAML mapping"},
	    {"- a\n- b\n", "not a YAML mapping"},
	    {"current-context: [\n", "YAML error at line"},
	    {"a: b\n", "current-context is not set"},
	    {"current-context: {x: y}\n", "must be a string"},
	    {"current-context: c\n", "context \"c\" not found"},
	    {"current-context: c\ncontexts: [{name: c}]\n", "names no cluster"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n",
	     "cluster \"k\" not found"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
	     "clusters: [{name: k, cluster: {}}]\n",
	     "has no server"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
	     "clusters: [{name: k, cluster: {server: s}}]\n",
	     "user \"u\" not found"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
	     "clusters: [{name: k, cluster: {server: s, certificate-authority-data: '!!!'}}]\n",
	     "not valid base64"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
	     "clusters: [{name: k, cluster: {server: s, certificate-authority-data: aGVsbG8=}}]\n",
	     "holds no PEM data"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
	     "clusters: [{name: k, cluster: {server: s, insecure-skip-tls-verify: maybe}}]\n",
	     "must be true or false"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
	     "clusters: [{name: k, cluster: {server: s, certificate-authority: "
	     "/nonexistent/ca}}]\n",
	     "cannot read /nonexistent/ca"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
	     "clusters: [{name: k, cluster: {server: s}}]\n"
	     "users: [{name: u, user: {token: [1, 2]}}]\n",
	     "\"token\" must be a string"},
	    {"current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n"
	     "clusters: [{name: k, cluster: {server: s}}]\n"
	     "users: [{name: u, user: {client-certificate-data: "
	     "LS0tLS1CRUdJTiBYLS0tLS0K}}]\n",
	     "must be given together"},
	    {"current-context: \"a\\0b\"\n", "must be a string"},
	    {"x: *nope\n", "unknown YAML alias"},
	    {"x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]"
	     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	     "nested too deeply"},
	};
	struct kubeconfig kc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = tk_parse(cases[i].yaml, NULL, &kc);

		if (rc >= 0 || !strstr(kc.error, cases[i].error)) {
			unit_fail(__FILE__, __LINE__, "case %zu: rc %d, error \"%s\"", i, rc,
			          kc.error);
			kubeconfig_free(&kc);
			return;
		}
		CHECK(kc.server == NULL && kc.context == NULL);
		kubeconfig_free(&kc);
	}
	CHECK_INT(kubeconfig_parse(NULL, 0, NULL, &kc), -EINVAL);
	CHECK_INT(kubeconfig_load("/nonexistent/kubeconfig", &kc), -ENOENT);
	CHECK(strstr(kc.error, "cannot read /nonexistent/kubeconfig"));
	CHECK_INT(kubeconfig_load(NULL, &kc), -EINVAL);
}

/* Hostile inputs end in an error, never a crash or a hang (ASan run). */
UNIT_TEST(kubeconfig_load_survives_hostile_input)
{
	struct kubeconfig kc;
	char *big;
	size_t n = 300000;

	/* An alias bomb stays linear: aliases are never expanded. */
	CHECK_INT(tk_parse("a: &a [x, x, x, x, x, x, x, x, x]\n"
	                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	                   "current-context: [*d, *d, *d, *d, *d, *d, *d, *d]\n",
	                   NULL, &kc),
	          -EINVAL);
	/* Node count is bounded. */
	big = malloc(n * 3 + 8);
	CHECK(big);
	memcpy(big, "x: [", 4);
	for (size_t i = 0; i < n; i++)
		memcpy(big + 4 + i * 3, "1, ", 3);
	memcpy(big + 4 + n * 3, "1]\n", 4);
	CHECK_INT(tk_parse(big, NULL, &kc), -EFBIG);
	free(big);
	/* Truncated inputs of a valid file at every length. */
	{
		static const char good[] =
		    "current-context: c\ncontexts: [{name: c, context: {cluster: k}}]\n"
		    "clusters: [{name: k, cluster: {server: s}}]\n";
		int ok = 0;

		for (size_t len = 0; len <= sizeof(good) - 1; len++) {
			if (kubeconfig_parse(good, len, NULL, &kc) == 0)
				ok++;
			kubeconfig_free(&kc);
		}
		CHECK(ok >= 1);
	}
}

UNIT_TEST(base64_vectors)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
	                                  "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[32];
	unsigned char *dec;
	size_t len;

	for (size_t i = 0; i < 7; i++) {
		CHECK_INT(base64_encode(plain[i], strlen(plain[i]), out), strlen(enc[i]));
		CHECK_STR(out, enc[i]);
		CHECK_INT(base64_encoded_size(strlen(plain[i])), strlen(enc[i]) + 1);
		CHECK_INT(base64_decode(enc[i], strlen(enc[i]), &dec, &len), 0);
		CHECK_INT(len, strlen(plain[i]));
		CHECK_STR((char *)dec, plain[i]);
		free(dec);
	}
	/* Binary round trip, all byte values. */
	{
		unsigned char bin[256];
		char *e;

		for (int i = 0; i < 256; i++)
			bin[i] = (unsigned char)i;
		e = base64_encode_alloc(bin, sizeof(bin));
		CHECK(e);
		CHECK_INT(base64_decode(e, strlen(e), &dec, &len), 0);
		CHECK_INT(len, 256);
		CHECK(memcmp(dec, bin, 256) == 0);
		free(dec);
		free(e);
	}
}

UNIT_TEST(base64_decode_edges)
{
	unsigned char *dec;
	size_t len;

	/* Whitespace anywhere and missing padding are accepted. */
	CHECK_INT(base64_decode(" Zm9v\nYmE\r\n", 11, &dec, &len), 0);
	CHECK_STR((char *)dec, "fooba");
	free(dec);
	CHECK_INT(base64_decode("Zg", 2, &dec, &len), 0);
	CHECK_STR((char *)dec, "f");
	free(dec);
	/* Malformed: stray characters, bad padding, data after padding, a lone digit. */
	CHECK_INT(base64_decode("Zm9v!", 5, &dec, &len), -EINVAL);
	CHECK(dec == NULL);
	CHECK_INT(base64_decode("Zg=", 3, &dec, &len), -EINVAL);
	CHECK_INT(base64_decode("Zm8==", 5, &dec, &len), -EINVAL);
	CHECK_INT(base64_decode("Zg==Zg==", 8, &dec, &len), -EINVAL);
	CHECK_INT(base64_decode("Zm9vY", 5, &dec, &len), -EINVAL);
	CHECK_INT(base64_decode("====", 4, &dec, &len), -EINVAL);
	CHECK_INT(base64_decode("Zm9v-_", 6, &dec, &len), -EINVAL);
}
