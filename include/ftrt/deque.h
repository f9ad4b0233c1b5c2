/* ftrt/deque.h: a double-ended queue with O(1) append and pop at both
 * ends, like Python's collections.deque.
 *
 * Thread safety: every operation takes the deque's per-object lock (its
 * critical section) for its whole step, so each one is atomic; only ft_len
 * reads without it (a relaxed load of the size). No user code and no
 * decref run while the lock is held. ft_iter gives an iterator that reports
 * FT_ERR_RUNTIME ("deque mutated during iteration") from the first next()
 * after any change to the deque, as Python does; ft_repr gives
 * "deque([1, 2])" or "deque([1, 2], maxlen=3)". Deques take part in cycle
 * collection.
 *
 * maxlen: -1 unbounded; otherwise at most maxlen items, and appending to a
 * full deque drops one item from the other end (append drops the leftmost,
 * appendleft the rightmost); with maxlen 0 every append is dropped at once.
 *
 * Errors: FT_ERR_TYPE for a non-deque, FT_ERR_INDEX for an index out of
 * range or a pop from an empty deque (ft_deque_pop/popleft; the try_ forms
 * return 0 instead), FT_ERR_VALUE for maxlen < -1, FT_ERR_MEMORY; a NULL
 * deque, item or out-pointer is FT_ERR_STATE "NULL object passed to
 * ft_deque_xxx" (include/ftrt.h). Items are borrowed on the way in, new
 * references on the way out.
 */
#ifndef FTRT_DEQUE_H
#define FTRT_DEQUE_H

#include <ftrt/object.h>

FT_API extern FtType ft_deque_type;
static inline int ft_is_deque(const FtObject *op) { return op->ob_type == &ft_deque_type; }

FT_API FtObject *ft_deque_new(FtSsize maxlen);      /* -1: unbounded */
FT_API int ft_deque_append(FtObject *dq, FtObject *item);       /* 0 / -1 */
FT_API int ft_deque_appendleft(FtObject *dq, FtObject *item);
/* 1 popped (*out a new reference), 0 empty (no error), -1 error. */
FT_API int ft_deque_try_pop(FtObject *dq, FtObject **out);
FT_API int ft_deque_try_popleft(FtObject *dq, FtObject **out);
FT_API FtObject *ft_deque_pop(FtObject *dq);        /* FT_ERR_INDEX when empty */
FT_API FtObject *ft_deque_popleft(FtObject *dq);
/* dq[i] (new reference); negative i counts from the right. O(n / 64). */
FT_API FtObject *ft_deque_get_item(FtObject *dq, FtSsize i);
FT_API int ft_deque_clear(FtObject *dq);
FT_API FtSsize ft_deque_maxlen(FtObject *dq);       /* -1 unbounded, -2 + error */

#endif /* FTRT_DEQUE_H */
