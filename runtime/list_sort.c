/* runtime/list_sort.c: stable list sort.
 *
 * Algorithm: binary insertion sort on runs of RUN items, then bottom-up
 * merging of neighbouring runs (a merge whose halves are already in order
 * costs one comparison, so sorted input takes O(n) comparisons). Only
 * "a < b" is asked of the comparison; an item moves ahead of an earlier
 * one only when strictly less, which makes the sort stable. reverse sorts
 * the reversed list and reverses the result, as CPython does, so equal
 * items keep their order there too.
 *
 * Mutation detection (as CPython's list.sort): the items are taken out of
 * the list for the duration, which then looks empty (ob_item NULL, size 0)
 * and has allocated = -1. Any write that stores into the list publishes a
 * block and changes `allocated`, so at the end a list whose allocated is
 * not -1 was modified: the sorted items are put back, what was written
 * meanwhile is dropped, and the sort fails with FT_ERR_VALUE.
 *
 * Every step keeps the item array a permutation of its original items,
 * also when a comparison fails half-way through a merge, so no reference is
 * lost or duplicated on any error path.
 *
 * Locking: the sort runs in the list's critical section (protocol point 1
 * in runtime/list.c). Comparisons run arbitrary code and may suspend the
 * section; another writer then finds the empty list, which is what the
 * detection above catches. Lock-free readers that loaded the item block
 * before it was taken out may still read it: item stores use relaxed
 * atomics, and those readers' re-check of ob_item sends them to the lock.
 */
#include "runtime/internal.h"
#include "runtime/list.h"
#include "runtime/seq.h"
#include "threads/lock.h"

#define RUN 32

typedef struct Sorter {
    FtCompareFunc cmp;          /* NULL: ft_compare_bool(FT_LT) */
    void *arg;
    FtObject **tmp;             /* n slots of scratch for merges */
} Sorter;

static void put(FtObject **slot, FtObject *v)
{
    FT_STORE_RELAXED(*slot, v);
}

/* 1 if a < b, 0 if not, -1 on error (set). */
static int islt(Sorter *s, FtObject *a, FtObject *b)
{
    if (!s->cmp)
        return ft_compare_bool(a, b, FT_LT);
    int r = s->cmp(a, b, s->arg);
    if (r == FT_CMP_ERROR) {
        if (!ft_error_occurred())
            ft_error_set(FT_ERR_VALUE, "sort comparison failed");
        return -1;
    }
    return r < 0;
}

static void reverse_items(FtObject **a, FtSsize n)
{
    for (FtSsize lo = 0, hi = n - 1; lo < hi; lo++, hi--) {
        FtObject *t = a[lo];
        put(&a[lo], a[hi]);
        put(&a[hi], t);
    }
}

/* Sort a[lo, hi) by binary insertion. */
static int insertion_sort(Sorter *s, FtObject **a, FtSsize lo, FtSsize hi)
{
    for (FtSsize i = lo + 1; i < hi; i++) {
        FtObject *pivot = a[i];
        FtSsize l = lo, r = i;
        while (l < r) {             /* first position whose item > pivot */
            FtSsize m = l + (r - l) / 2;
            int c = islt(s, pivot, a[m]);
            if (c < 0)
                return -1;
            if (c)
                r = m;
            else
                l = m + 1;
        }
        for (FtSsize j = i; j > l; j--)
            put(&a[j], a[j - 1]);
        put(&a[l], pivot);
    }
    return 0;
}

/* Merge the sorted runs a[lo, mid) and a[mid, hi). The left run is moved
 * to the scratch; on error the rest of it fills the gap that is left, which
 * is exactly its size, so the array stays a permutation. */
static int merge(Sorter *s, FtObject **a, FtSsize lo, FtSsize mid, FtSsize hi)
{
    int c = islt(s, a[mid], a[mid - 1]);
    if (c <= 0)
        return c;                   /* already in order (or error) */
    FtSsize nl = mid - lo, i = 0, j = mid, k = lo;
    memcpy(s->tmp, a + lo, (size_t)nl * sizeof(FtObject *));
    int rc = 0;
    while (i < nl && j < hi) {
        c = islt(s, a[j], s->tmp[i]);
        if (c < 0) {
            rc = -1;
            break;
        }
        put(&a[k++], c ? a[j++] : s->tmp[i++]);
    }
    while (i < nl)
        put(&a[k++], s->tmp[i++]);
    return rc;
}

static int merge_sort(Sorter *s, FtObject **a, FtSsize n)
{
    for (FtSsize lo = 0; lo < n; lo += RUN) {
        FtSsize hi = n - lo > RUN ? lo + RUN : n;
        if (insertion_sort(s, a, lo, hi) < 0)
            return -1;
    }
    for (FtSsize width = RUN; width < n; width *= 2) {
        for (FtSsize lo = 0; lo + width < n; lo += 2 * width) {
            FtSsize mid = lo + width;
            FtSsize hi = n - mid > width ? mid + width : n;
            if (merge(s, a, lo, mid, hi) < 0)
                return -1;
        }
        if (width > FT_SSIZE_MAX / 2)
            break;
    }
    return 0;
}

/* Sort n items in place: 0, or -1 with the error set. */
static int sort_items(FtObject **items, FtSsize n, FtCompareFunc cmp,
                      void *arg, int reverse)
{
    if (n < 2)
        return 0;
    Sorter s = { cmp, arg, NULL };
    s.tmp = ft_mem_alloc((size_t)n * sizeof(FtObject *));
    if (!s.tmp)
        return -1;
    if (reverse)
        reverse_items(items, n);
    int rc = merge_sort(&s, items, n);
    if (reverse)
        reverse_items(items, n);
    ft_mem_free(s.tmp);
    return rc;
}

int ft_list_sort(FtObject *op, FtCompareFunc cmp, void *arg, int reverse)
{
    FT_NONNULL(-1, op);
    if (ft__list_check(op, "ft_list_sort") < 0)
        return -1;
    FtListObject *l = FT_LIST(op);
    FtObject **intruders = NULL;
    FtSsize n_intruders = 0;
    int intruders_shared = 0, rc;

    FT_BEGIN_CRITICAL_SECTION(op);
    ft__list_write_begin_locked(l);
    FtObject **items = l->ob_item;
    FtSsize n = l->ob_base.ob_size, cap = l->allocated;
    /* Take the items out: readers see an empty list until they are back. */
    FT_STORE_RELAXED(l->ob_base.ob_size, 0);
    FT_STORE_RELEASE(l->ob_item, NULL);
    FT_STORE_RELAXED(l->allocated, -1);

    rc = sort_items(items, n, cmp, arg, reverse);

    if (l->allocated != -1) {       /* written to while we sorted */
        intruders = l->ob_item;
        n_intruders = l->ob_base.ob_size;
        intruders_shared = ft__object_is_shared(op);
        if (rc == 0)
            ft_error_set(FT_ERR_VALUE, "list modified during sort");
        rc = -1;
    }
    /* Put the items back. A thread that began sharing the list meanwhile
     * marked only the intruders: mark ours now. */
    if (ft__object_is_shared(op))
        ft__list_share_items(items, n);
    /* release: pairs with the readers' acquire of ob_item (list.c). */
    FT_STORE_RELEASE(l->ob_item, items);
    FT_STORE_RELAXED(l->allocated, cap);
    FT_STORE_RELAXED(l->ob_base.ob_size, n);
    FT_END_CRITICAL_SECTION();

    for (FtSsize i = n_intruders; i-- > 0;)
        ft_xdecref(intruders[i]);
    ft__list_free_items(intruders, intruders_shared);
    return rc;
}
