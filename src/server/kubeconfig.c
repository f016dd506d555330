/*
 * kubeconfig.c - kubeconfig writer and reader.
 *
 * The reader turns libyaml's event stream into a small tree (bounded in
 * depth and node count, aliases kept as references rather than expanded so
 * an alias bomb costs nothing) and then looks fields up by path.
 */
#include "server/kubeconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <yaml.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "server/pki.h"

#define KC_MAX_FILE  (16u << 20)
#define KC_MAX_REF   (1u << 20)
#define KC_MAX_DEPTH 64
#define KC_MAX_NODES 200000

enum kc_kind { KC_SCALAR, KC_SEQ, KC_MAP, KC_ALIAS };

struct kc_node {
	enum kc_kind kind;
	int null;              /* a plain "", "~" or "null" scalar */
	char *s;               /* scalar text */
	size_t len;            /* its length (it may hold NULs) */
	struct kc_node **kids; /* sequence items; mapping keys and values alternating */
	size_t n, cap;
	struct kc_node *target; /* for KC_ALIAS: not owned */
};

struct kc_anchor {
	char *name;
	struct kc_node *node;
};

struct kc_tree {
	struct kc_node *root;
	struct kc_anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;
};

/* ---- writer ---- */

/* Only printable ASCII goes into the file, so the quoting below is complete. */
static int kc_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int kc_quote(buf *b, const char *s)
{
	int rc = buf_puts(b, "\"");

	for (; !rc && *s; s++) {
		if (*s == '"' || *s == '\\')
			rc = buf_append(b, "\\", 1);
		if (!rc)
			rc = buf_append(b, s, 1);
	}
	return rc ? rc : buf_puts(b, "\"");
}

static int kc_line(buf *b, const char *prefix, const char *value)
{
	int rc = buf_puts(b, prefix);

	if (!rc)
		rc = kc_quote(b, value);
	return rc ? rc : buf_puts(b, "\n");
}

int kubeconfig_write(const char *path, const char *server_url, const char *ca_pem,
                     const char *token, const char *cluster_name)
{
	buf b = BUF_INIT;
	char *ca64 = NULL, *user = NULL, *parent = NULL, *slash;
	int rc;

	if (!cluster_name)
		cluster_name = "svcnet";
	if (!path || !*path || !server_url || !*server_url || !ca_pem || !token || !*token ||
	    !*cluster_name || !kc_printable(server_url) || !kc_printable(token) ||
	    !kc_printable(cluster_name))
		return -EINVAL;
	ca64 = base64_encode_alloc(ca_pem, strlen(ca_pem));
	if (!ca64 || asprintf(&user, "%s-admin", cluster_name) < 0) {
		user = NULL;
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = buf_puts(&b, "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n")) ||
	    (rc = kc_line(&b, "    certificate-authority-data: ", ca64)) ||
	    (rc = kc_line(&b, "    server: ", server_url)) ||
	    (rc = kc_line(&b, "  name: ", cluster_name)) ||
	    (rc = buf_puts(&b, "contexts:\n- context:\n")) ||
	    (rc = kc_line(&b, "    cluster: ", cluster_name)) ||
	    (rc = kc_line(&b, "    user: ", user)) ||
	    (rc = kc_line(&b, "  name: ", cluster_name)) ||
	    (rc = kc_line(&b, "current-context: ", cluster_name)) ||
	    (rc = buf_puts(&b, "preferences: {}\nusers:\n")) ||
	    (rc = kc_line(&b, "- name: ", user)) || (rc = buf_puts(&b, "  user:\n")) ||
	    (rc = kc_line(&b, "    token: ", token)))
		goto out;
	parent = strdup(path);
	if (!parent) {
		rc = -ENOMEM;
		goto out;
	}
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if ((rc = pki_mkdir_p(parent, 0700)) < 0)
			goto out;
	}
	rc = pki_write_atomic(path, b.data, b.len, 0600);
out:
	/* The buffer held the token in clear. */
	if (b.data)
		OPENSSL_cleanse(b.data, b.cap);
	buf_free(&b);
	free(ca64);
	free(user);
	free(parent);
	return rc;
}

/* ---- YAML tree ---- */

static void kc_node_free(struct kc_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		kc_node_free(n->kids[i]);
	free(n->kids);
	if (n->s)
		OPENSSL_cleanse(n->s, n->len);
	free(n->s);
	free(n);
}

static void kc_tree_free(struct kc_tree *t)
{
	kc_node_free(t->root);
	for (size_t i = 0; i < t->n_anchors; i++)
		free(t->anchors[i].name);
	free(t->anchors);
	memset(t, 0, sizeof(*t));
}

static int kc_add_kid(struct kc_node *parent, struct kc_node *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct kc_node **k = realloc(parent->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static int kc_add_anchor(struct kc_tree *t, const unsigned char *name, struct kc_node *n)
{
	if (!name)
		return 0;
	if (t->n_anchors == t->cap_anchors) {
		size_t cap = t->cap_anchors ? t->cap_anchors * 2 : 8;
		struct kc_anchor *a = realloc(t->anchors, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		t->anchors = a;
		t->cap_anchors = cap;
	}
	t->anchors[t->n_anchors].name = strdup((const char *)name);
	if (!t->anchors[t->n_anchors].name)
		return -ENOMEM;
	t->anchors[t->n_anchors++].node = n;
	return 0;
}

/* The latest definition of an anchor wins, as YAML allows redefinition. */
static struct kc_node *kc_find_anchor(struct kc_tree *t, const unsigned char *name)
{
	for (size_t i = t->n_anchors; i-- > 0;)
		if (strcmp(t->anchors[i].name, (const char *)name) == 0)
			return t->anchors[i].node;
	return NULL;
}

static int kc_is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* Makes a node for a content event; stores it in *out (NULL for other events). */
static int kc_node_for(struct kc_tree *t, yaml_event_t *ev, struct kc_node **out, char *err,
                       size_t errsz)
{
	struct kc_node *n;

	*out = NULL;
	if (ev->type != YAML_SCALAR_EVENT && ev->type != YAML_SEQUENCE_START_EVENT &&
	    ev->type != YAML_MAPPING_START_EVENT && ev->type != YAML_ALIAS_EVENT)
		return 0;
	if (++t->nodes > KC_MAX_NODES) {
		snprintf(err, errsz, "too many YAML nodes");
		return -EFBIG;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n->kind = KC_SCALAR;
		n->len = ev->data.scalar.length;
		n->s = malloc(n->len + 1);
		if (!n->s) {
			free(n);
			return -ENOMEM;
		}
		memcpy(n->s, ev->data.scalar.value, n->len);
		n->s[n->len] = '\0';
		n->null = kc_is_null(ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		n->kind = KC_SEQ;
		break;
	case YAML_MAPPING_START_EVENT:
		n->kind = KC_MAP;
		break;
	default:
		n->kind = KC_ALIAS;
		n->target = kc_find_anchor(t, ev->data.alias.anchor);
		if (!n->target) {
			snprintf(err, errsz, "unknown YAML alias \"*%.60s\"",
			         (const char *)ev->data.alias.anchor);
			free(n);
			return -EINVAL;
		}
		break;
	}
	*out = n;
	return 0;
}

static const unsigned char *kc_event_anchor(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/* Parses the first YAML document of yaml into t->root (NULL if empty). */
static int kc_tree_build(struct kc_tree *t, const char *yaml, size_t len, char *err, size_t errsz)
{
	struct kc_node *stack[KC_MAX_DEPTH];
	yaml_parser_t p;
	yaml_event_t ev;
	size_t depth = 0;
	int rc = 0, done = 0;

	memset(t, 0, sizeof(*t));
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	while (!done && rc == 0) {
		struct kc_node *n;

		if (!yaml_parser_parse(&p, &ev)) {
			snprintf(err, errsz, "YAML error at line %zu: %s",
			         (size_t)p.problem_mark.line + 1,
			         p.problem ? p.problem : "parse failure");
			rc = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		rc = kc_node_for(t, &ev, &n, err, errsz);
		if (rc == 0 && n) {
			if (depth == 0) {
				t->root = n;
			} else if ((rc = kc_add_kid(stack[depth - 1], n)) < 0) {
				kc_node_free(n);
				n = NULL;
			}
			if (n && rc == 0)
				rc = kc_add_anchor(t, kc_event_anchor(&ev), n);
			if (n && rc == 0 && (n->kind == KC_SEQ || n->kind == KC_MAP)) {
				if (depth == KC_MAX_DEPTH) {
					snprintf(err, errsz, "YAML nested too deeply");
					rc = -EINVAL;
				} else {
					stack[depth++] = n;
				}
			}
		}
		if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			if (depth > 0)
				depth--;
		}
		/* Only the first document counts, as in kubectl. */
		if (ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT)
			done = 1;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc < 0)
		kc_tree_free(t);
	return rc;
}

/* ---- lookups ---- */

static struct kc_node *kc_deref(struct kc_node *n)
{
	return n && n->kind == KC_ALIAS ? n->target : n;
}

static int kc_is_key(struct kc_node *k, const char *key)
{
	k = kc_deref(k);
	return k && k->kind == KC_SCALAR && strlen(k->s) == k->len && strcmp(k->s, key) == 0;
}

/* The value of key in a mapping; the last duplicate wins, as in JSON decoders. */
static struct kc_node *kc_get(struct kc_node *map, const char *key)
{
	struct kc_node *v = NULL;

	map = kc_deref(map);
	if (!map || map->kind != KC_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (kc_is_key(map->kids[i], key))
			v = kc_deref(map->kids[i + 1]);
	if (v && v->kind == KC_SCALAR && v->null)
		return NULL;
	return v;
}

struct kc_ctx {
	struct kubeconfig *out;
	const char *base_dir;
};

static int kc_fail(struct kc_ctx *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int kc_fail(struct kc_ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->out->error, sizeof(c->out->error), fmt, ap);
	va_end(ap);
	return rc;
}

/* A string field: *s is NULL when absent; a non-string value is an error. */
static int kc_str(struct kc_ctx *c, struct kc_node *map, const char *key, const char **s)
{
	struct kc_node *v = kc_get(map, key);

	*s = NULL;
	if (!v)
		return 0;
	if (v->kind != KC_SCALAR || strlen(v->s) != v->len)
		return kc_fail(c, -EINVAL, "field \"%s\" must be a string", key);
	*s = v->s;
	return 0;
}

static int kc_bool(struct kc_ctx *c, struct kc_node *map, const char *key, int *out)
{
	const char *s;
	int rc = kc_str(c, map, key, &s);

	*out = 0;
	if (rc < 0 || !s)
		return rc;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = 1;
	else if (strcasecmp(s, "false") && strcasecmp(s, "no") && strcasecmp(s, "off"))
		return kc_fail(c, -EINVAL, "field \"%s\" must be true or false", key);
	return 0;
}

/* The entry of list (clusters, contexts, users) called name, or NULL. */
static struct kc_node *kc_named(struct kc_node *root, const char *list, const char *name)
{
	struct kc_node *seq = kc_get(root, list), *found = NULL;

	if (!seq || seq->kind != KC_SEQ)
		return NULL;
	for (size_t i = 0; i < seq->n; i++) {
		struct kc_node *item = kc_deref(seq->kids[i]), *nm = kc_get(item, "name");

		if (nm && nm->kind == KC_SCALAR && nm->len == strlen(name) &&
		    memcmp(nm->s, name, nm->len) == 0)
			found = item;
	}
	return found;
}

static int kc_dup(struct kc_ctx *c, char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : kc_fail(c, -ENOMEM, "out of memory");
}

/* Reads a file a kubeconfig refers to; relative names are relative to it. */
static int kc_read_ref(struct kc_ctx *c, const char *key, const char *name, char **data,
                       size_t *len)
{
	char *path = NULL;
	int rc;

	if (name[0] != '/' && c->base_dir && *c->base_dir) {
		if (asprintf(&path, "%s/%s", c->base_dir, name) < 0)
			return kc_fail(c, -ENOMEM, "out of memory");
		name = path;
	}
	rc = pki_read_file(name, KC_MAX_REF, data, len);
	if (rc < 0)
		kc_fail(c, rc, "%s: cannot read %s: %s", key, name, strerror(-rc));
	free(path);
	return rc;
}

/*
 * A PEM field from "<key>-data" (base64) or "<key>" (a file); the data form
 * wins. Text before the first BEGIN line is dropped, as in files written by
 * `openssl x509 -text`, so the result always starts with "-----BEGIN".
 */
static int kc_pem(struct kc_ctx *c, struct kc_node *map, const char *key, char **out)
{
	char data_key[64];
	const char *v, *file, *begin;
	unsigned char *raw = NULL;
	size_t len = 0;
	int rc;

	snprintf(data_key, sizeof(data_key), "%s-data", key);
	if ((rc = kc_str(c, map, data_key, &v)) < 0 || (rc = kc_str(c, map, key, &file)) < 0)
		return rc;
	if (v && *v) {
		rc = base64_decode(v, strlen(v), &raw, &len);
		if (rc < 0)
			return kc_fail(c, rc, "%s is not valid base64", data_key);
		key = data_key;
	} else if (file && *file) {
		rc = kc_read_ref(c, key, file, (char **)&raw, &len);
		if (rc < 0)
			return rc;
	} else {
		return 0;
	}
	begin = memmem(raw, len, "-----BEGIN", 10);
	if (!begin)
		rc = kc_fail(c, -EINVAL, "%s holds no PEM data", key);
	else
		rc = kc_dup(c, out, begin);
	OPENSSL_cleanse(raw, len);
	free(raw);
	return rc;
}

static int kc_user(struct kc_ctx *c, struct kc_node *root)
{
	struct kubeconfig *kc = c->out;
	struct kc_node *item = kc_named(root, "users", kc->user), *u;
	const char *token, *token_file;
	int rc;

	if (!item)
		return kc_fail(c, -EINVAL, "user \"%s\" not found", kc->user);
	u = kc_get(item, "user");
	if ((rc = kc_str(c, u, "token", &token)) < 0 ||
	    (rc = kc_str(c, u, "tokenFile", &token_file)) < 0)
		return rc;
	if (token_file && *token_file) {
		char *data;
		size_t len;

		/* client-go: the file's contents take precedence over token. */
		if ((rc = kc_read_ref(c, "tokenFile", token_file, &data, &len)) < 0)
			return rc;
		while (len > 0 && strchr(" \t\r\n", data[len - 1]))
			data[--len] = '\0';
		if (len == 0 || strlen(data) != len)
			rc = kc_fail(c, -EINVAL, "tokenFile %s holds no token", token_file);
		kc->token = data;
		if (rc < 0)
			return rc;
	} else if (token && *token) {
		if ((rc = kc_dup(c, &kc->token, token)) < 0)
			return rc;
	}
	if ((rc = kc_pem(c, u, "client-certificate", &kc->client_cert_pem)) < 0 ||
	    (rc = kc_pem(c, u, "client-key", &kc->client_key_pem)) < 0)
		return rc;
	if (!kc->client_cert_pem != !kc->client_key_pem)
		return kc_fail(c, -EINVAL,
		               "user \"%s\": client-certificate and client-key "
		               "must be given together",
		               kc->user);
	return 0;
}

static int kc_walk(struct kc_ctx *c, struct kc_node *root)
{
	struct kubeconfig *kc = c->out;
	struct kc_node *item, *ctx, *cl;
	const char *s;
	int rc;

	if (!root || root->kind != KC_MAP)
		return kc_fail(c, -EINVAL, "kubeconfig is not a YAML mapping");
	if ((rc = kc_str(c, root, "current-context", &s)) < 0)
		return rc;
	if (!s || !*s)
		return kc_fail(c, -EINVAL, "current-context is not set");
	if ((rc = kc_dup(c, &kc->context, s)) < 0)
		return rc;
	item = kc_named(root, "contexts", kc->context);
	if (!item)
		return kc_fail(c, -EINVAL, "context \"%s\" not found", kc->context);
	ctx = kc_get(item, "context");
	if ((rc = kc_str(c, ctx, "cluster", &s)) < 0)
		return rc;
	if (!s || !*s)
		return kc_fail(c, -EINVAL, "context \"%s\" names no cluster", kc->context);
	if ((rc = kc_dup(c, &kc->cluster, s)) < 0 || (rc = kc_str(c, ctx, "user", &s)) < 0 ||
	    (s && *s && (rc = kc_dup(c, &kc->user, s)) < 0) ||
	    (rc = kc_str(c, ctx, "namespace", &s)) < 0 ||
	    (s && *s && (rc = kc_dup(c, &kc->namespace, s)) < 0))
		return rc;

	item = kc_named(root, "clusters", kc->cluster);
	if (!item)
		return kc_fail(c, -EINVAL, "cluster \"%s\" not found", kc->cluster);
	cl = kc_get(item, "cluster");
	if ((rc = kc_str(c, cl, "server", &s)) < 0)
		return rc;
	if (!s || !*s)
		return kc_fail(c, -EINVAL, "cluster \"%s\" has no server", kc->cluster);
	if ((rc = kc_dup(c, &kc->server, s)) < 0 ||
	    (rc = kc_str(c, cl, "tls-server-name", &s)) < 0 ||
	    (s && *s && (rc = kc_dup(c, &kc->tls_server_name, s)) < 0) ||
	    (rc = kc_bool(c, cl, "insecure-skip-tls-verify", &kc->insecure)) < 0 ||
	    (rc = kc_pem(c, cl, "certificate-authority", &kc->ca_pem)) < 0)
		return rc;
	return kc->user ? kc_user(c, root) : 0;
}

int kubeconfig_parse(const char *yaml, size_t len, const char *base_dir, struct kubeconfig *out)
{
	struct kc_ctx c = {out, base_dir};
	struct kc_tree t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!yaml)
		return kc_fail(&c, -EINVAL, "no kubeconfig data");
	rc = kc_tree_build(&t, yaml, len, out->error, sizeof(out->error));
	if (rc == -ENOMEM)
		kc_fail(&c, rc, "out of memory");
	if (rc < 0)
		return rc;
	rc = kc_walk(&c, t.root);
	kc_tree_free(&t);
	if (rc < 0) {
		char err[sizeof(out->error)];

		memcpy(err, out->error, sizeof(err));
		kubeconfig_free(out);
		memcpy(out->error, err, sizeof(err));
	}
	return rc;
}

int kubeconfig_load(const char *path, struct kubeconfig *out)
{
	char *data = NULL, *dir = NULL, *slash;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path || !*path) {
		snprintf(out->error, sizeof(out->error), "no kubeconfig path");
		return -EINVAL;
	}
	rc = pki_read_file(path, KC_MAX_FILE, &data, &len);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "cannot read %s: %s", path, strerror(-rc));
		return rc;
	}
	dir = strdup(path);
	if (!dir) {
		free(data);
		snprintf(out->error, sizeof(out->error), "out of memory");
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0'; /* "/config": the base is "/" */
	else if (slash)
		*slash = '\0';
	rc = kubeconfig_parse(data, len, slash ? dir : ".", out);
	OPENSSL_cleanse(data, len);
	free(data);
	free(dir);
	return rc;
}

static void kc_wipe_free(char *s)
{
	if (s)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->context);
	free(kc->cluster);
	free(kc->user);
	free(kc->namespace);
	free(kc->server);
	free(kc->tls_server_name);
	free(kc->ca_pem);
	kc_wipe_free(kc->token);
	free(kc->client_cert_pem);
	kc_wipe_free(kc->client_key_pem);
	memset(kc, 0, sizeof(*kc));
}
