/*
 * proxy_sync.c - when to sync and what a sync does (kube-proxy's
 * BoundedFrequencyRunner and syncProxyRules around the backend).
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "proxy/proxy_int.h"

/* After a failed sync the next try waits this long at least, doubling per
 * failure up to the sync period, so a broken kernel setup is not hammered. */
#define PROXY_RETRY_MS 1000

double proxy_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double proxy_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void proxy_sync(proxy *p);

static long long sync_due(ev_loop *l, ev_timer *t, void *data)
{
	proxy *p = data;

	p->sync_timer = NULL;
	proxy_sync(p);
	return EV_TIMER_STOP;
}

static void proxy_sync_at(proxy *p, long long delay)
{
	if (p->sync_timer) {
		return;
	}
	p->sync_timer = ev_timer_add(p->loop, delay, sync_due, p);
	if (!p->sync_timer)
		log_error("proxy", "cannot schedule a sync: out of memory");
}

/* A sync runs min_sync_ms after the previous one began at the earliest;
 * `now` (first sync, canary gone) skips that wait. */
void proxy_sync_schedule(proxy *p, bool now)
{
	uint64_t t = ev_clock_ms(), next = p->last_start_ms + (uint64_t)p->cfg.min_sync_ms;

	if (!p->started)
		return;
	if (now && p->sync_timer) {
		ev_timer_reset(p->loop, p->sync_timer, 0);
		return;
	}
	proxy_sync_at(p, now || !p->last_start_ms || next <= t ? 0 : (long long)(next - t));
}

/* How often everything is rewritten: the sync period, or less often when
 * the mode asks (pxb_ops.full_resync_min_s). */
static uint64_t proxy_full_period_ms(const proxy *p)
{
	uint64_t ms = (uint64_t)p->cfg.sync_period_ms, min = 1000ull * p->ops->full_resync_min_s;

	return ms < min ? min : ms;
}

static long long period_tick(ev_loop *l, ev_timer *t, void *data)
{
	proxy *p = data;
	uint64_t now = ev_clock_ms();

	if (!p->started)
		return p->cfg.canary_ms;
	if (p->need_full) {
		/* A failed sync has its retry timer; a change lost to ENOMEM has not. */
		if (!p->sync_timer)
			proxy_sync_schedule(p, false);
		return p->cfg.canary_ms;
	}
	for (int i = 0; i < p->nfam; i++) {
		int ok = p->ops->canary_ok(p->fam[i].be);

		if (ok == 0) {
			log_warn("proxy",
			         "%s: the canary is gone (someone flushed the rules): "
			         "restoring them with a full sync",
			         p->ops->name);
			p->n_canary++;
			p->need_full = true;
			proxy_sync_schedule(p, true);
			return p->cfg.canary_ms;
		}
	}
	/* Nothing waiting and the last sync worked: the rules are current,
	 * which is what /healthz reports (kube-proxy's "no pending updates"). */
	if (!p->sync_timer && !p->fail_streak && !pxm_pending(p->model)) {
		p->last_ok_ms = now;
		p->last_ok_wall = proxy_wall();
	}
	if (now - p->last_full_ms >= proxy_full_period_ms(p)) {
		p->need_full = true;
		proxy_sync_schedule(p, false);
	}
	return p->cfg.canary_ms;
}

int proxy_sync_timers(proxy *p)
{
	p->period_timer = ev_timer_add(p->loop, p->cfg.canary_ms, period_tick, p);
	return p->period_timer ? 0 : -ENOMEM;
}

static void proxy_sync_failed(proxy *p, const char *fam, const char *err)
{
	long long delay = PROXY_RETRY_MS;

	p->n_errors++;
	p->need_full = true;
	for (int i = 0; i < p->fail_streak && delay < p->cfg.sync_period_ms; i++)
		delay *= 2;
	if (delay > p->cfg.sync_period_ms)
		delay = p->cfg.sync_period_ms;
	p->fail_streak++;
	log_error("proxy", "sync failed (%s %s): %s; full sync again in %lld ms", p->ops->name, fam,
	          err, delay);
	proxy_sync_at(p, delay);
}

/* Network programming latency: from each change (its trigger time) to now,
 * when the rules are in (kube-proxy's network_programming_duration). */
static void proxy_observe_changes(proxy *p, const struct pxm_changes *ch, double wall)
{
	for (size_t i = 0; i < ch->n; i++)
		if (ch->v[i].since > 0 && wall >= ch->v[i].since)
			prom_hist_observe(&p->h_netprog, wall - ch->v[i].since);
}

/* The ports whose conntrack entries to reconcile: every UDP port on a full
 * sync (what happened before this process is unknown), else the changed
 * ones. Deleted ports give their old state: their entries go entirely. */
static void proxy_after_sync(proxy *p, const struct pxm_changes *ch,
                             const struct pxm_svcport *const *all, size_t n_all, bool full)
{
	const struct pxm_svcport **v;
	size_t n = 0, cap = full ? n_all : ch->n;

	proxy_hc_update(p->hc, ch->v, ch->n, full ? all : NULL, n_all);
	if (p->ops->skip_conntrack)
		return;
	v = calloc(cap + 1, sizeof(*v));
	if (!v)
		return;
	if (full) {
		for (size_t i = 0; i < n_all; i++)
			if (all[i]->proto == PXM_UDP)
				v[n++] = all[i];
	}
	for (size_t i = 0; i < ch->n && !full; i++) {
		const struct pxm_svcport *sp = ch->v[i].cur ? ch->v[i].cur : ch->v[i].old;

		if (sp->proto == PXM_UDP)
			v[n++] = sp;
	}
	for (int f = 0; f < p->nfam && n; f++)
		proxy_ct_cleanup(p, p->fam[f].family, v, n);
	free(v);
}

static void proxy_sync(proxy *p)
{
	struct pxm_changes ch;
	const struct pxm_svcport **all = NULL;
	size_t n_all = 0;
	double t0 = proxy_mono(), dt;
	bool full = p->need_full;
	char err[512];

	p->last_start_ms = ev_clock_ms();
	if (pxm_take_changes(p->model, &ch) < 0) {
		proxy_sync_failed(p, "", "out of memory taking changes");
		return;
	}
	full = full || ch.full;
	if (!full && !ch.n) {
		p->last_ok_ms = ev_clock_ms();
		p->last_ok_wall = proxy_wall();
		pxm_changes_free(&ch);
		return;
	}
	if (full && pxm_snapshot(p->model, &all, &n_all) < 0) {
		pxm_changes_free(&ch);
		proxy_sync_failed(p, "", "out of memory taking a snapshot");
		return;
	}
	for (int i = 0; i < p->nfam; i++) {
		struct pxb_sync s = {full, all, n_all, ch.v, ch.n};
		struct pxb_result res = {0};

		err[0] = 0;
		if (p->ops->sync(p->fam[i].be, &s, &res, err, sizeof(err)) < 0) {
			/* The changes are spent: the retry is a full sync from the model. */
			proxy_sync_failed(p, p->fam[i].family == AF_INET ? "IPv4" : "IPv6", err);
			pxm_changes_free(&ch);
			free(all);
			return;
		}
		p->fam[i].res = res;
	}
	dt = proxy_mono() - t0;
	p->fail_streak = 0;
	p->need_full = false;
	p->n_syncs++;
	p->last_ok_ms = ev_clock_ms();
	p->last_ok_wall = proxy_wall();
	prom_hist_observe(&p->h_sync, dt);
	if (full) {
		p->n_full++;
		p->last_full_ms = p->last_ok_ms;
		prom_hist_observe(&p->h_full, dt);
	} else {
		prom_hist_observe(&p->h_partial, dt);
	}
	proxy_observe_changes(p, &ch, p->last_ok_wall);
	log_info("proxy",
	         "sync mode=%s %s services_changed=%zu ports=%zu rules=%zu elements=%zu "
	         "written=%zu duration=%.1fms",
	         p->ops->name, full ? "full" : "partial", ch.n, pxm_size(p->model),
	         p->fam[0].res.rules, p->fam[0].res.elements, p->fam[0].res.written, dt * 1000);
	proxy_after_sync(p, &ch, all, n_all, full);
	pxm_changes_free(&ch);
	free(all);
	/* A full sync's script and libnftables' transaction take hundreds of
	 * megabytes at 10,000 services for a moment; give them back, or the
	 * proxy's RSS stays at its peak. */
	if (full)
		malloc_trim(0);
}
