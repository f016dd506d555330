/* ev.c - epoll event loop with a timer heap. */
#include "lib/ev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct ev_file {
	int mask;
	ev_file_fn *rfn, *wfn;
	void *rdata, *wdata;
};

struct ev_timer {
	uint64_t when;
	size_t idx; /* position in the heap, or (size_t)-1 when not queued */
	ev_timer_fn *fn;
	void *data;
	int running; /* inside its callback */
	int deleted; /* deleted from inside its callback */
};

struct ev_loop {
	int epfd;
	int stop;
	int wake;
	uint64_t now;
	struct ev_file *files;
	int nfiles;
	ev_timer **heap;
	size_t nheap, capheap;
	/* [0]: ev_set_before_sleep's; the rest: ev_add_before_sleep's, for
	 * pieces that share a loop (the proxy inside the agent). */
	struct {
		ev_hook_fn *fn;
		void *data;
	} hooks[1 + EV_MAX_HOOKS];
};

uint64_t ev_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t ev_now(ev_loop *l)
{
	return l->now;
}

ev_loop *ev_loop_new(void)
{
	ev_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	l->now = ev_clock_ms();
	return l;
}

void ev_loop_free(ev_loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->files);
	close(l->epfd);
	free(l);
}

static int ev_grow_files(ev_loop *l, int fd)
{
	int n = l->nfiles ? l->nfiles : 64;
	struct ev_file *f;

	while (n <= fd)
		n *= 2;
	f = realloc(l->files, (size_t)n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + l->nfiles, 0, (size_t)(n - l->nfiles) * sizeof(*f));
	l->files = f;
	l->nfiles = n;
	return 0;
}

static int ev_apply(ev_loop *l, int fd, int oldmask, int newmask)
{
	struct epoll_event ee = {0};
	int op;

	if (newmask & EV_READ)
		ee.events |= EPOLLIN;
	if (newmask & EV_WRITE)
		ee.events |= EPOLLOUT;
	ee.data.fd = fd;
	if (!newmask)
		op = EPOLL_CTL_DEL;
	else
		op = oldmask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(l->epfd, op, fd, &ee) < 0)
		return -errno;
	return 0;
}

int ev_add(ev_loop *l, int fd, int mask, ev_file_fn *fn, void *data)
{
	struct ev_file *f;
	int r;

	if (fd < 0)
		return -EBADF;
	if (fd >= l->nfiles && ev_grow_files(l, fd) < 0)
		return -ENOMEM;
	f = &l->files[fd];
	if ((f->mask | mask) != f->mask) {
		r = ev_apply(l, fd, f->mask, f->mask | mask);
		if (r < 0)
			return r;
	}
	f->mask |= mask;
	if (mask & EV_READ) {
		f->rfn = fn;
		f->rdata = data;
	}
	if (mask & EV_WRITE) {
		f->wfn = fn;
		f->wdata = data;
	}
	return 0;
}

void ev_del(ev_loop *l, int fd, int mask)
{
	struct ev_file *f;
	int nm;

	if (fd < 0 || fd >= l->nfiles)
		return;
	f = &l->files[fd];
	nm = f->mask & ~mask;
	if (nm != f->mask)
		ev_apply(l, fd, f->mask, nm);
	f->mask = nm;
	if (!(nm & EV_READ))
		f->rfn = NULL;
	if (!(nm & EV_WRITE))
		f->wfn = NULL;
}

/* --- timer heap --- */

static void ev_heap_swap(ev_loop *l, size_t a, size_t b)
{
	ev_timer *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void ev_heap_up(ev_loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->when <= l->heap[i]->when)
			break;
		ev_heap_swap(l, p, i);
		i = p;
	}
}

static void ev_heap_down(ev_loop *l, size_t i)
{
	for (;;) {
		size_t a = 2 * i + 1, b = a + 1, m = i;

		if (a < l->nheap && l->heap[a]->when < l->heap[m]->when)
			m = a;
		if (b < l->nheap && l->heap[b]->when < l->heap[m]->when)
			m = b;
		if (m == i)
			break;
		ev_heap_swap(l, i, m);
		i = m;
	}
}

static int ev_heap_push(ev_loop *l, ev_timer *t)
{
	if (l->nheap == l->capheap) {
		size_t nc = l->capheap ? l->capheap * 2 : 64;
		ev_timer **h = realloc(l->heap, nc * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->capheap = nc;
	}
	t->idx = l->nheap;
	l->heap[l->nheap++] = t;
	ev_heap_up(l, t->idx);
	return 0;
}

static void ev_heap_remove(ev_loop *l, ev_timer *t)
{
	size_t i = t->idx;

	if (i == (size_t)-1)
		return;
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i;
		ev_heap_down(l, i);
		ev_heap_up(l, i);
	}
	t->idx = (size_t)-1;
}

ev_timer *ev_timer_add(ev_loop *l, long long ms, ev_timer_fn *fn, void *data)
{
	ev_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->when = ev_clock_ms() + (uint64_t)(ms < 0 ? 0 : ms);
	t->fn = fn;
	t->data = data;
	if (ev_heap_push(l, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void ev_timer_del(ev_loop *l, ev_timer *t)
{
	if (!t)
		return;
	if (t->running) {
		t->deleted = 1;
		return;
	}
	ev_heap_remove(l, t);
	free(t);
}

void ev_timer_reset(ev_loop *l, ev_timer *t, long long ms)
{
	if (!t || t->running)
		return;
	ev_heap_remove(l, t);
	t->when = ev_clock_ms() + (uint64_t)(ms < 0 ? 0 : ms);
	ev_heap_push(l, t); /* cannot fail: the slot was just freed */
}

static void ev_run_timers(ev_loop *l)
{
	uint64_t now = ev_clock_ms();

	while (l->nheap && l->heap[0]->when <= now) {
		ev_timer *t = l->heap[0];
		long long again;

		ev_heap_remove(l, t);
		t->running = 1;
		again = t->fn(l, t, t->data);
		t->running = 0;
		if (t->deleted || again < 0) {
			free(t);
			continue;
		}
		t->when = ev_clock_ms() + (uint64_t)again;
		ev_heap_push(l, t);
	}
}

void ev_set_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data)
{
	l->hooks[0].fn = fn;
	l->hooks[0].data = data;
}

int ev_add_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data)
{
	for (int i = 1; i <= EV_MAX_HOOKS; i++)
		if (!l->hooks[i].fn) {
			l->hooks[i].fn = fn;
			l->hooks[i].data = data;
			return 0;
		}
	return -ENOSPC;
}

void ev_del_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data)
{
	for (int i = 1; i <= EV_MAX_HOOKS; i++)
		if (l->hooks[i].fn == fn && l->hooks[i].data == data)
			l->hooks[i].fn = NULL;
}

void ev_stop(ev_loop *l)
{
	l->stop = 1;
}

void ev_wake(ev_loop *l)
{
	l->wake = 1;
}

void ev_run(ev_loop *l)
{
	struct epoll_event evs[256];

	l->stop = 0;
	while (!l->stop) {
		int timeout = -1, n;

		for (int i = 0; i <= EV_MAX_HOOKS; i++)
			if (l->hooks[i].fn)
				l->hooks[i].fn(l, l->hooks[i].data);
		if (l->stop)
			break;
		if (l->wake) {
			timeout = 0;
			l->wake = 0;
		} else if (l->nheap) {
			uint64_t now = ev_clock_ms();

			timeout = l->heap[0]->when <= now ? 0 : (int)(l->heap[0]->when - now);
		}
		n = epoll_wait(l->epfd, evs, 256, timeout);
		l->now = ev_clock_ms();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			uint32_t e = evs[i].events;
			struct ev_file *f;

			if (fd >= l->nfiles)
				continue;
			f = &l->files[fd];
			/* Errors and hangups are reported to whichever side listens. */
			if ((f->mask & EV_READ) && (e & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
				f->rfn(l, fd, f->rdata, EV_READ);
			}
			f = &l->files[fd]; /* the callback may have grown the table */
			if ((f->mask & EV_WRITE) && (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
				f->wfn(l, fd, f->wdata, EV_WRITE);
			}
		}
		ev_run_timers(l);
	}
}
