/*
 * registry_lb.c - svcnet's built-in load-balancer IP controller: Services of
 * type LoadBalancer (without a foreign loadBalancerClass) get addresses from
 * the --lb-pool pools into status.loadBalancer.ingress, committed with the
 * Service; pending ones are retried as addresses free up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "server/registry_svc.h"
#include "server/rest.h"

json_t *regsvc_lb_ingress_ips(const json_t *svc)
{
	json_t *ing = json_object_get(
	    json_object_get(json_object_get(svc, "status"), "loadBalancer"), "ingress");
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach (ing, i, v) {
		if (json_string_value(json_object_get(v, "ip")))
			json_array_append(out, json_object_get(v, "ip"));
	}
	return out;
}

static void svc_set_lb_condition(json_t *status, int ok, const char *reason, const char *msg)
{
	json_t *conds = json_array(), *old = json_object_get(status, "conditions"), *v;
	char now[32];
	size_t i;

	json_array_foreach (old, i, v) {
		if (strcmp(svc_str(v, "type"), SVC_LB_COND) != 0)
			json_array_append(conds, v);
	}
	rest_now(now, sizeof(now));
	json_array_append_new(conds,
	                      json_pack("{s:s,s:s,s:s,s:s,s:s}", "type", SVC_LB_COND, "status",
	                                ok ? "True" : "False", "lastTransitionTime", now, "reason",
	                                reason, "message", msg));
	json_object_set_new(status, "conditions", conds);
}

/* Requested IPs: the svcnet annotation, then spec.loadBalancerIP. */
static int svc_lb_requested(const json_t *svc, char ips[2][NET_ADDR_STRLEN])
{
	const char *ann = svc_str(json_object_get(json_object_get(svc, "metadata"), "annotations"),
	                          SVC_LB_ANNOTATION);
	const char *lbip = svc_str(json_object_get(svc, "spec"), "loadBalancerIP");
	int n = 0;

	if (ann[0]) {
		const char *p = ann;

		while (*p && n < 2) {
			size_t l = strcspn(p, ", ");

			if (l && l < NET_ADDR_STRLEN) {
				memcpy(ips[n], p, l);
				ips[n++][l] = '\0';
			}
			p += l;
			p += strspn(p, ", ");
		}
	} else if (lbip[0] && strlen(lbip) < NET_ADDR_STRLEN) {
		strcpy(ips[n++], lbip);
	}
	return n;
}

int regsvc_alloc_lb(struct reg_ctx *x, const json_t *old, json_t *svc)
{
	struct apiserver *as = x->as;
	json_t *spec = json_object_get(svc, "spec"), *status = json_object_get(svc, "status");
	json_t *had = old && svc_is_our_lb(json_object_get(old, "spec"))
	                  ? regsvc_lb_ingress_ips(old)
	                  : json_array();
	json_t *ingress = json_array(), *newips = json_array();
	char req[2][NET_ADDR_STRLEN], why[256] = "";
	int nreq = svc_lb_requested(svc, req), pending = 0;
	size_t i;
	json_t *v;

	if (!json_is_object(status)) {
		status = json_object();
		json_object_set_new(svc, "status", status);
	}
	if (!svc_is_our_lb(spec))
		goto release;
	if (nreq) {
		for (int k = 0; k < nreq; k++) {
			net_addr a;
			int r;

			if (svc_ip_in(had, req[k])) {
				json_array_append_new(newips, json_string(req[k]));
				continue;
			}
			if (net_addr_parse(req[k], &a) < 0) {
				snprintf(why, sizeof(why), "requested IP %s is not a valid IP",
				         req[k]);
				pending = 1;
				continue;
			}
			r = lbipam_allocate(as->lb, &a);
			if (r < 0) {
				snprintf(why, sizeof(why), "requested IP %s is %s", req[k],
				         r == -EEXIST ? "already in use" : "not in any pool");
				pending = 1;
				continue;
			}
			svc_track(x, (struct reg_alloc){.kind = REG_LB_IP, .addr = a}, 0);
			json_array_append_new(newips, json_string(req[k]));
		}
	} else if (json_array_size(had)) {
		json_array_extend(newips, had);
	} else {
		json_t *fams = json_object_get(spec, "ipFamilies");

		if (!json_array_size(fams))
			fams = json_pack("[s]", "IPv4");
		else
			json_incref(fams);
		json_array_foreach (fams, i, v) {
			int fam = !strcmp(json_string_value(v) ? json_string_value(v) : "", "IPv6")
			              ? AF_INET6
			              : AF_INET;
			char s[NET_ADDR_STRLEN];
			net_addr a;

			if (!lbipam_pool_count(as->lb, fam))
				continue;
			if (lbipam_allocate_next(as->lb, fam, &a) < 0) {
				snprintf(why, sizeof(why), "no available %s address in the pools",
				         svc_family_name(fam));
				pending = 1;
				continue;
			}
			svc_track(x, (struct reg_alloc){.kind = REG_LB_IP, .addr = a}, 0);
			net_addr_fmt(&a, s, sizeof(s));
			json_array_append_new(newips, json_string(s));
		}
		if (!json_array_size(newips) && !pending) {
			snprintf(why, sizeof(why),
			         "no load-balancer pool is configured (--lb-pool)");
			pending = 1;
		}
		json_decref(fams);
	}
	json_array_foreach (newips, i, v) {
		json_array_append_new(ingress, json_pack("{s:O,s:s}", "ip", v, "ipMode", "VIP"));
	}
	json_object_set_new(status, "loadBalancer", json_pack("{s:O}", "ingress", ingress));
	if (pending)
		svc_set_lb_condition(status, 0, "AllocationFailed", why);
	else
		svc_set_lb_condition(status, 1, "Allocated", "load-balancer IPs assigned");
release:
	json_array_foreach (had, i, v) {
		net_addr a;

		if (!svc_ip_in(newips, json_string_value(v)) &&
		    net_addr_parse(json_string_value(v), &a) == 0)
			svc_track(x, (struct reg_alloc){.kind = REG_LB_IP, .addr = a}, 1);
	}
	if (!svc_is_our_lb(spec) && old && svc_is_our_lb(json_object_get(old, "spec")))
		json_object_set_new(status, "loadBalancer", json_object());
	json_decref(had);
	json_decref(ingress);
	json_decref(newips);
	if (pending) {
		snprintf(x->message, sizeof(x->message), "%s", why);
		return 1;
	}
	return 0;
}

void registry_lb_retry(struct apiserver *as)
{
	dict_iter it;
	const char *k;
	char *keys[1024];
	int nk = 0;

	dict_iter_init(&it, as->lb_pending);
	while (nk < 1024 && dict_next(&it, &k, NULL))
		keys[nk++] = strdup(k);
	for (int i = 0; i < nk; i++) {
		store_val *v = keys[i] ? store_get(as->st, keys[i]) : NULL;
		json_t *svc = v ? rest_load(v) : NULL, *old = v ? rest_load(v) : NULL;
		struct reg_ctx x;

		if (!svc || !old) {
			if (keys[i])
				dict_del(as->lb_pending, keys[i]);
			goto next;
		}
		registry_ctx_init(&x, as);
		if (regsvc_alloc_lb(&x, old, svc) == 0) {
			if (store_put(as->st, keys[i], svc, 0, v->rev, NULL) == 0) {
				registry_finish(&x);
				dict_del(as->lb_pending, keys[i]);
				log_info("lb", "%s: load-balancer IP assigned", keys[i]);
			} else {
				registry_abort(&x);
			}
		} else {
			registry_abort(&x);
		}
		registry_ctx_free(&x);
	next:
		json_decref(svc);
		json_decref(old);
		free(keys[i]);
	}
}
