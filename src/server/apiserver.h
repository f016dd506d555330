/*
 * apiserver.h - the control plane process: HTTPS API, store, allocators and
 * controllers on one event loop.
 *
 * Per loop iteration (before sleeping): controllers work off what the
 * iteration's writes marked dirty, the store commits the batch (one fsync),
 * and only then do responses and watch events leave (http_server_flush).
 */
#ifndef SVCNET_APISERVER_H
#define SVCNET_APISERVER_H

#include <jansson.h>
#include <openssl/ssl.h>

#include "controllers/ipalloc.h"
#include "controllers/lbipam.h"
#include "controllers/podcidr.h"
#include "controllers/portalloc.h"
#include "lib/dict.h"
#include "lib/ev.h"
#include "lib/http_server.h"
#include "lib/net.h"
#include "server/pki.h"
#include "store/store.h"

struct apiserver_config {
	const char *data_dir;
	const char *listen;        /* host:port */
	char service_cidrs[2][64]; /* primary, optional secondary family */
	int n_service_cidrs;
	char cluster_cidr[64];
	int node_cidr_mask;
	int node_port_lo, node_port_hi;
	const char *lb_pools[16];
	int n_lb_pools;
	int compact_keep;       /* revisions of history kept */
	int compact_interval_s; /* how often compaction runs */
	int request_timeout_s;  /* slow clients are cut off after this */
	int node_grace_s;       /* a node silent this long is Ready=Unknown */
};

struct epslice_ctrl;
struct sched_ctrl;

struct apiserver {
	ev_loop *loop;
	store *st;
	http_server *http;
	struct pki pki;
	SSL_CTX *tls;
	struct apiserver_config cfg;
	net_cidr svc_cidr[2];
	ipalloc *svc_ip[2];
	portalloc *node_ports;
	podcidr *pod_cidrs;
	lbipam *lb;
	struct epslice_ctrl *eps;
	struct sched_ctrl *sched;
	dict *terminating_pods; /* key -> deadline (uint64_t seconds since the epoch) */
	dict *lb_pending;       /* service keys waiting for an LB IP */
	dict *ns_terminating;   /* names of namespaces being emptied */
	int ns_kick;            /* run the namespace controller before the next commit */
	char server_url[128];
	int stopping;
};

int apiserver_run(struct apiserver_config *cfg);

struct api_default_opts;
void apiserver_default_opts(struct apiserver *as, struct api_default_opts *o);

/* The HTTP entry point (rest.c). */
void rest_handle(http_conn *c, http_request *req, void *data);

/* Seconds since the epoch as RFC 3339 ("2026-11-24T16:20:00Z"). */
void apiserver_timestamp(char *out, size_t outlen, time_t t);

#endif
