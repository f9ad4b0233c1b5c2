/* ftrt.h: the whole public API of ftrt, a free-threaded object runtime.
 *
 * Start with ft_runtime_init() on one thread; other pthreads join with
 * ft_thread_attach() and leave with ft_thread_detach(). See README.md and
 * docs/embedding.md.
 *
 * NULL arguments (one policy for the whole API): a function given NULL for
 * a required pointer argument (an object, a type, a C string, an
 * out-pointer it must write) returns its error value (NULL, -1, -1.0, 0 for
 * ft_sizeof, (uint32_t)-1 for ft_str_read_char; a void function only sets
 * the indicator) with FT_ERR_STATE and the message "NULL object passed to
 * ft_xxx"; it never crashes. Arguments documented as optional (ft_set_new's
 * iterable, ft_int_pow's mod, ft_dict_pop's default, out-lengths, ...) keep
 * their meaning. Exceptions, by design: the inline counting functions
 * ft_incref/ft_decref/ft_newref (as Py_INCREF/Py_DECREF: NULL is a
 * programming error and crashes; use ft_xincref/ft_xdecref/ft_xnewref, which
 * accept NULL), the inline accessors and type predicates (ft_type_of,
 * ft_is_int, ft_is_list, ...; ft_is_none accepts NULL), and ft_fatal_at.
 * tests/test_null_args.c checks every public function (its table is
 * checked against these headers by tests/check_null_table.py).
 */
#ifndef FTRT_H
#define FTRT_H

#include <ftrt/common.h>
#include <ftrt/error.h>
#include <ftrt/object.h>
#include <ftrt/thread.h>
#include <ftrt/critical.h>
#include <ftrt/stats.h>
#include <ftrt/debug.h>
#include <ftrt/memory.h>
#include <ftrt/number.h>
#include <ftrt/str.h>
#include <ftrt/bytes.h>
#include <ftrt/container.h>
#include <ftrt/deque.h>
#include <ftrt/class.h>
#include <ftrt/gc.h>

#endif /* FTRT_H */
