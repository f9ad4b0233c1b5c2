/* stress/stress_util.h: small helpers the stress programs share (on top of
 * harness.h): a polite wait, float and stats shorthands, and a bounded
 * multi-producer multi-consumer ring for handing objects between threads.
 */
#ifndef FT_STRESS_UTIL_H
#define FT_STRESS_UTIL_H

#include "harness.h"
#include <sched.h>
#include <stddef.h>

/* Wait politely while attached: a safepoint (stop requests, merges, QSBR)
 * and a yield; in mode gil a blocking region hands the global lock over. */
static inline void pause_attached(void)
{
#if FT_MODE_GIL
    ft_blocking_begin();
    sched_yield();
    ft_blocking_end();
#else
    ft_safepoint();
    sched_yield();
#endif
}

static inline FtObject *new_float(double v)
{
    FtObject *f = ft_float_from_double(v);
    STRESS_OK(f);
    return f;
}

static inline FtStats stats_now(void)
{
    FtStats s;
    ft_stats_get(&s);
    return s;
}

/* ---- A bounded MPMC ring of sequence-numbered cells ----
 *
 * Cell protocol: seq == ticket -> free for the pusher of `ticket`;
 * seq == ticket + 1 -> full for the popper of `ticket`. The pusher's release
 * store of seq publishes obj (and the object's contents); the popper's
 * acquire load pairs with it, and its release store of the next free seq
 * pairs with the next pusher's acquire (obj slot reuse). Ticket CASes are
 * relaxed: the cell's seq carries all ordering. */

#define RING_CAP 256

typedef struct Cell {
    _Atomic size_t seq;
    FtObject *obj;
} Cell;

typedef struct Ring {
    Cell cells[RING_CAP];
    _Atomic size_t head;     /* next push ticket */
    _Atomic size_t tail;     /* next pop ticket */
} Ring;

static inline void ring_init(Ring *q)
{
    for (size_t i = 0; i < RING_CAP; i++)
        atomic_init(&q->cells[i].seq, i);
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
}

/* 1 if pushed, 0 if the ring is full. */
static inline int ring_push(Ring *q, FtObject *o)
{
    size_t t = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        Cell *c = &q->cells[t % RING_CAP];
        size_t s = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t d = (intptr_t)s - (intptr_t)t;
        if (d == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->head, &t, t + 1,
                    memory_order_relaxed, memory_order_relaxed)) {
                c->obj = o;
                atomic_store_explicit(&c->seq, t + 1, memory_order_release);
                return 1;
            }
        } else if (d < 0) {
            return 0;                    /* full */
        } else {
            t = atomic_load_explicit(&q->head, memory_order_relaxed);
        }
    }
}

/* The oldest object, or NULL if the ring is empty. */
static inline FtObject *ring_pop(Ring *q)
{
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    for (;;) {
        Cell *c = &q->cells[t % RING_CAP];
        size_t s = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t d = (intptr_t)s - (intptr_t)(t + 1);
        if (d == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->tail, &t, t + 1,
                    memory_order_relaxed, memory_order_relaxed)) {
                FtObject *o = c->obj;
                atomic_store_explicit(&c->seq, t + RING_CAP, memory_order_release);
                return o;
            }
        } else if (d < 0) {
            return NULL;                 /* empty */
        } else {
            t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        }
    }
}

#endif
