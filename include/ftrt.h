/* ftrt.h: the whole public API of ftrt, a free-threaded object runtime.
 *
 * Start with ft_runtime_init() on one thread; other pthreads join with
 * ft_thread_attach() and leave with ft_thread_detach(). See README.md and
 * docs/embedding.md.
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
#include <ftrt/container.h>
#include <ftrt/class.h>
#include <ftrt/gc.h>

#endif /* FTRT_H */
