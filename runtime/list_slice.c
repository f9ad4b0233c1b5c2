/* runtime/list_slice.c: list slices: get, assign, delete, simple and
 * extended.
 *
 * Follows the list's concurrency protocol (runtime/list.c, points 1-4):
 * the whole slice operation runs in the list's critical section; indices
 * are resolved against the size seen inside it; the buffer that receives
 * the removed items is allocated outside the section (then the operation
 * starts over, as the list may have changed), and growth happens before any
 * item moves; removed references are dropped after the section ends. The
 * right-hand side is snapshotted first, so l[a:b] = l works and no user
 * code runs under the lock.
 */
#include "runtime/internal.h"
#include "runtime/list.h"
#include "runtime/seq.h"
#include "threads/lock.h"

#define STACK_ITEMS 8

/* A buffer for k removed items: the stack one when it is big enough. */
typedef struct RemovedBuf {
    FtObject **items;
    FtSsize cap;
    FtObject *stack[STACK_ITEMS];
} RemovedBuf;

static void buf_init(RemovedBuf *b)
{
    b->items = b->stack;
    b->cap = STACK_ITEMS;
}

static int buf_reserve(RemovedBuf *b, FtSsize need)
{
    if (b->items != b->stack)
        ft_mem_free(b->items);
    b->items = b->stack;
    b->cap = STACK_ITEMS;
    FtObject **p = ft_mem_alloc((size_t)need * sizeof(FtObject *));
    if (!p)
        return -1;
    b->items = p;
    b->cap = need;
    return 0;
}

/* Drop the k removed references (outside the lock) and free the buffer. */
static void buf_release(RemovedBuf *b, FtSsize k)
{
    for (FtSsize i = 0; i < k; i++)
        ft_decref(b->items[i]);
    if (b->items != b->stack)
        ft_mem_free(b->items);
}

/* As move_items_locked in list.c: release stores, so that a lock-free
 * reader of a moved item's new slot is ordered after its construction. */
static void move_items_locked(FtObject **dst, FtObject **src, FtSsize n)
{
    FT_ASSERT(dst < src);
    for (FtSsize i = 0; i < n; i++)
        FT_STORE_RELEASE(dst[i], FT_LOAD_RELAXED(src[i]));
}

static void move_items_up_locked(FtObject **dst, FtObject **src, FtSsize n)
{
    FT_ASSERT(dst > src);
    for (FtSsize i = n; i-- > 0;)
        FT_STORE_RELEASE(dst[i], FT_LOAD_RELAXED(src[i]));
}

static void null_tail_locked(FtListObject *l, FtSsize from, FtSsize to)
{
    for (FtSsize i = from; i < to; i++)
        FT_STORE_RELAXED(l->ob_item[i], NULL);
}

/* ---- Get ---- */

FtObject *ft_list_get_slice(FtObject *op, FtSsize start, FtSsize stop,
                            FtSsize step)
{
    FT_NONNULL(NULL, op);
    if (ft__list_check(op, "ft_list_get_slice") < 0
        || ft__slice_check_step(&step) < 0)
        return NULL;
    FtListObject *l = FT_LIST(op);
    FtObject **buf = NULL;
    FtSsize cap = 0, k;
    for (;;) {
        int done = 0;
        FT_BEGIN_CRITICAL_SECTION(op);
        FtSsize lo = start, hi = stop;
        k = ft__slice_adjust(l->ob_base.ob_size, &lo, &hi, step);
        if (k <= cap) {
            for (FtSsize j = 0; j < k; j++)
                buf[j] = ft_newref(l->ob_item[lo + j * step]);
            done = 1;
        }
        FT_END_CRITICAL_SECTION();
        if (done)
            break;
        ft_mem_free(buf);
        buf = ft_mem_alloc((size_t)k * sizeof(FtObject *));
        if (!buf)
            return NULL;
        cap = k;
    }
    FtObject *res = ft__list_from_stolen(buf, k);
    ft_mem_free(buf);
    return res;
}

/* ---- Simple slices: l[start:stop] = src (m items, stolen on success) ---- */

/* One attempt under the lock. Returns 1 when done (*removed = items taken
 * out, now in b), 0 when b must grow to *need first, -1 on error. */
static int ass_simple_locked(FtListObject *l, FtSsize start, FtSsize stop,
                             FtObject **src, FtSsize m, RemovedBuf *b,
                             FtSsize *need, FtSsize *removed)
{
    ft__list_write_begin_locked(l);
    for (;;) {
        FtSsize n = l->ob_base.ob_size, lo = start, hi = stop;
        ft__slice_adjust(n, &lo, &hi, 1);
        if (hi < lo)
            hi = lo;
        FtSsize k = hi - lo;
        if (k > b->cap) {
            *need = k;
            return 0;
        }
        if (m > k && n - k + m > l->allocated) {
            if (ft__list_grow_locked(l, n - k + m) < 0)
                return -1;
            continue;               /* re-resolve against the new state */
        }
        FtObject **it = l->ob_item;
        for (FtSsize j = 0; j < k; j++)
            b->items[j] = it[lo + j];
        if (m < k)
            move_items_locked(it + lo + m, it + hi, n - hi);
        else if (m > k)
            move_items_up_locked(it + lo + m, it + hi, n - hi);
        for (FtSsize j = 0; j < m; j++)
            ft__list_store_locked(l, lo + j, src[j]);
        if (m < k)
            null_tail_locked(l, n - k + m, n);
        FT_STORE_RELAXED(l->ob_base.ob_size, n - k + m);
        if (m < k)
            ft__list_shrink_locked(l);
        *removed = k;
        return 1;
    }
}

static int ass_simple(FtListObject *l, FtSsize start, FtSsize stop,
                      FtObject **src, FtSsize m)
{
    RemovedBuf b;
    FtSsize removed = 0;
    int rc;
    buf_init(&b);
    for (;;) {
        FtSsize need = 0;
        FT_BEGIN_CRITICAL_SECTION(l);
        rc = ass_simple_locked(l, start, stop, src, m, &b, &need, &removed);
        FT_END_CRITICAL_SECTION();
        if (rc != 0)
            break;
        if (buf_reserve(&b, need) < 0) {
            rc = -1;
            break;
        }
    }
    buf_release(&b, rc > 0 ? removed : 0);
    return rc > 0 ? 0 : -1;
}

/* ---- Extended slices ---- */

static int ass_extended_locked(FtListObject *l, FtSsize start, FtSsize stop,
                               FtSsize step, FtObject **src, FtSsize m,
                               RemovedBuf *b, FtSsize *need)
{
    ft__list_write_begin_locked(l);
    FtSsize lo = start, hi = stop;
    FtSsize k = ft__slice_adjust(l->ob_base.ob_size, &lo, &hi, step);
    if (k != m) {
        ft_error_set(FT_ERR_VALUE,
                     "attempt to assign sequence of size %td to extended slice of size %td",
                     m, k);
        return -1;
    }
    if (k > b->cap) {
        *need = k;
        return 0;
    }
    for (FtSsize j = 0; j < k; j++) {
        b->items[j] = l->ob_item[lo + j * step];
        ft__list_store_locked(l, lo + j * step, src[j]);
    }
    return 1;
}

static int ass_extended(FtListObject *l, FtSsize start, FtSsize stop,
                        FtSsize step, FtObject **src, FtSsize m)
{
    RemovedBuf b;
    int rc;
    buf_init(&b);
    for (;;) {
        FtSsize need = 0;
        FT_BEGIN_CRITICAL_SECTION(l);
        rc = ass_extended_locked(l, start, stop, step, src, m, &b, &need);
        FT_END_CRITICAL_SECTION();
        if (rc != 0)
            break;
        if (buf_reserve(&b, need) < 0) {
            rc = -1;
            break;
        }
    }
    buf_release(&b, rc > 0 ? m : 0);
    return rc > 0 ? 0 : -1;
}

/* Delete every step-th item of the resolved slice, compacting the rest. */
static int del_extended_locked(FtListObject *l, FtSsize start, FtSsize stop,
                               FtSsize step, RemovedBuf *b, FtSsize *need,
                               FtSsize *removed)
{
    ft__list_write_begin_locked(l);
    FtSsize n = l->ob_base.ob_size, lo = start, hi = stop;
    FtSsize k = ft__slice_adjust(n, &lo, &hi, step);
    if (k == 0) {
        *removed = 0;
        return 1;
    }
    if (k > b->cap) {
        *need = k;
        return 0;
    }
    if (step < 0) {             /* the same items, walked upwards */
        lo += step * (k - 1);
        step = -step;
    }
    FtObject **it = l->ob_item;
    FtSsize w = lo, taken = 0;
    for (FtSsize i = lo; i < n; i++) {
        if (taken < k && i == lo + taken * step)
            b->items[taken++] = it[i];
        else
            FT_STORE_RELEASE(it[w++], it[i]);   /* as move_items_locked */
    }
    null_tail_locked(l, n - k, n);
    FT_STORE_RELAXED(l->ob_base.ob_size, n - k);
    ft__list_shrink_locked(l);
    *removed = k;
    return 1;
}

static int del_extended(FtListObject *l, FtSsize start, FtSsize stop,
                        FtSsize step)
{
    RemovedBuf b;
    FtSsize removed = 0;
    int rc;
    buf_init(&b);
    for (;;) {
        FtSsize need = 0;
        FT_BEGIN_CRITICAL_SECTION(l);
        rc = del_extended_locked(l, start, stop, step, &b, &need, &removed);
        FT_END_CRITICAL_SECTION();
        if (rc != 0)
            break;
        if (buf_reserve(&b, need) < 0) {
            rc = -1;
            break;
        }
    }
    buf_release(&b, rc > 0 ? removed : 0);
    return rc > 0 ? 0 : -1;
}

/* ---- API ---- */

int ft_list_del_slice(FtObject *op, FtSsize start, FtSsize stop, FtSsize step)
{
    FT_NONNULL(-1, op);
    if (ft__list_check(op, "ft_list_del_slice") < 0
        || ft__slice_check_step(&step) < 0)
        return -1;
    if (step == 1)
        return ass_simple(FT_LIST(op), start, stop, NULL, 0);
    return del_extended(FT_LIST(op), start, stop, step);
}

int ft_list_set_slice(FtObject *op, FtSsize start, FtSsize stop, FtSsize step,
                      FtObject *items)
{
    FT_NONNULL(-1, op);
    if (!items)
        return ft_list_del_slice(op, start, stop, step);
    if (ft__list_check(op, "ft_list_set_slice") < 0
        || ft__slice_check_step(&step) < 0)
        return -1;
    FtObject **src;
    FtSsize m;
    if (ft__seq_snapshot(items, &src, &m) < 0)
        return -1;
    int rc = step == 1 ? ass_simple(FT_LIST(op), start, stop, src, m)
                       : ass_extended(FT_LIST(op), start, stop, step, src, m);
    if (rc == 0)
        ft_mem_free(src);          /* the references moved into the list */
    else
        ft__seq_snapshot_free(src, m);
    return rc;
}
