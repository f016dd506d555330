/*
 * ev.h - a tiny epoll event loop with timers, in the manner of Redis' ae.
 *
 * File events: one callback per direction (read, write) per fd.
 * Timers: a min-heap; a callback returns the delay in ms until it runs again,
 * or EV_TIMER_STOP, after which the loop frees it.
 * before_sleep runs once per iteration before epoll_wait: the server uses it
 * to group-commit the store and then flush the responses that wait for it.
 */
#ifndef SVCNET_EV_H
#define SVCNET_EV_H

#include <stdint.h>

#define EV_READ  1
#define EV_WRITE 2

#define EV_TIMER_STOP (-1)

typedef struct ev_loop ev_loop;
typedef struct ev_timer ev_timer;

typedef void ev_file_fn(ev_loop *l, int fd, void *data, int mask);
typedef long long ev_timer_fn(ev_loop *l, ev_timer *t, void *data);
typedef void ev_hook_fn(ev_loop *l, void *data);

ev_loop *ev_loop_new(void);
void ev_loop_free(ev_loop *l);

/* Registers fn for the directions in mask; other directions keep their callback. */
int ev_add(ev_loop *l, int fd, int mask, ev_file_fn *fn, void *data);
/* Unregisters the directions in mask. Safe on an fd that was never added. */
void ev_del(ev_loop *l, int fd, int mask);

/* Runs fn after ms milliseconds. Returns NULL on allocation failure. */
ev_timer *ev_timer_add(ev_loop *l, long long ms, ev_timer_fn *fn, void *data);
/* Cancels a pending timer. NULL-safe; safe from inside the timer's own callback. */
void ev_timer_del(ev_loop *l, ev_timer *t);
/* Moves a pending timer to fire ms from now. */
void ev_timer_reset(ev_loop *l, ev_timer *t, long long ms);

void ev_set_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data);
/* Further before-sleep hooks, run after the one above in the order added:
 * 0, or -ENOSPC past EV_MAX_HOOKS. */
#define EV_MAX_HOOKS 4
int ev_add_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data);
void ev_del_before_sleep(ev_loop *l, ev_hook_fn *fn, void *data);

/* Runs until ev_stop(). */
void ev_run(ev_loop *l);
void ev_stop(ev_loop *l);
/* Asks the loop to not block in the next epoll_wait (work is pending). */
void ev_wake(ev_loop *l);

/* Monotonic milliseconds, cached per iteration (ev_now) or fresh (ev_clock_ms). */
uint64_t ev_now(ev_loop *l);
uint64_t ev_clock_ms(void);

#endif
