/* runtime/seq.h: helpers shared by the sequence types (internal).
 *
 * Slice index arithmetic, pointer-wise atomic moves for item arrays that
 * lock-free readers may be reading, snapshots of arbitrary iterables, and the
 * lexicographic comparison and repr that tuple and list share. Implemented in
 * runtime/tuple.c (compare, repr) and runtime/iter.c (snapshots, iterators).
 */
#ifndef FT_RUNTIME_SEQ_H
#define FT_RUNTIME_SEQ_H

#include "runtime/internal.h"

/* Python's slice clamping (PySlice_AdjustIndices): *start and *stop are
 * made to lie in range for a sequence of `len` items and the number of
 * items selected is returned. step must have passed ft__slice_check_step.
 * FT_SSIZE_MAX / FT_SSIZE_MIN stands for an omitted bound (s[::-1] is start = MAX, stop =
 * MIN, step = -1). */
#define FT_SSIZE_MAX PTRDIFF_MAX
#define FT_SSIZE_MIN PTRDIFF_MIN
static inline FtSsize ft__slice_adjust(FtSsize len, FtSsize *start,
                                       FtSsize *stop, FtSsize step)
{
    FT_ASSERT(step != 0);
    if (*start < 0) {
        *start += len;
        if (*start < 0)
            *start = step < 0 ? -1 : 0;
    } else if (*start >= len) {
        *start = step < 0 ? len - 1 : len;
    }
    if (*stop < 0) {
        *stop += len;
        if (*stop < 0)
            *stop = step < 0 ? -1 : 0;
    } else if (*stop >= len) {
        *stop = step < 0 ? len - 1 : len;
    }
    if (step < 0) {
        if (*stop < *start)
            return (*start - *stop - 1) / (-step) + 1;
    } else if (*start < *stop) {
        return (*stop - *start - 1) / step + 1;
    }
    return 0;
}

/* Reject step 0 (FT_ERR_VALUE, -1) and clamp FT_SSIZE_MIN so -step cannot
 * overflow. */
static inline int ft__slice_check_step(FtSsize *step)
{
    if (*step == 0) {
        ft_error_set(FT_ERR_VALUE, "slice step cannot be zero");
        return -1;
    }
    if (*step < -FT_SSIZE_MAX)
        *step = -FT_SSIZE_MAX;
    return 0;
}

/* Every item of `iterable` as new references in a fresh ft_mem_alloc'd
 * array (*items is NULL when *n is 0). Tuples are read directly, lists are
 * copied under their lock, anything else goes through ft_iter. Calls no
 * user code while holding a lock. Returns 0, or -1 with the error set
 * (nothing leaked). Release with ft__seq_snapshot_free. */
int ft__seq_snapshot(FtObject *iterable, FtObject ***items, FtSsize *n);
void ft__seq_snapshot_free(FtObject **items, FtSsize n);

/* Lexicographic rich comparison of two item arrays (borrowed items),
 * as tuple and list compare: the result as a new bool, NULL on error. */
FtObject *ft__seq_richcompare(FtObject *const *a, FtSsize na,
                              FtObject *const *b, FtSsize nb, FtCompareOp op);

/* "[a, b]" / "(a, b)" / "(a,)" for `self` whose items are items[0..n)
 * (borrowed); a self-containing container prints open "..." close. */
FtObject *ft__seq_repr(FtObject *self, FtObject *const *items, FtSsize n,
                       const char *open, const char *close, int one_comma);

/* tp_iter of tuple and list (runtime/iter.c). */
FtObject *ft__tuple_iter(FtObject *op);
FtObject *ft__list_iter(FtObject *op);

#endif /* FT_RUNTIME_SEQ_H */
