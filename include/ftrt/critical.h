/* ftrt/critical.h: critical sections on one or two objects.
 *
 *     FT_BEGIN_CRITICAL_SECTION(dict);
 *     ... read-modify-write dict, exclusive of every other section on it ...
 *     FT_END_CRITICAL_SECTION();
 *
 *     FT_BEGIN_CRITICAL_SECTION2(src, dst);     // either argument order
 *     ... move items from src to dst ...
 *     FT_END_CRITICAL_SECTION2();
 *
 * Modelled on CPython 3.13's Py_BEGIN_CRITICAL_SECTION. A section holds the
 * object's per-object lock, the same lock ftrt's own container operations
 * take (docs/concurrency.md says which ones), so a section excludes
 * ft_list_append, ft_dict_set_item, ... on that object too. The BEGIN macro
 * opens a C block `{` that the matching END closes: both must be in the same
 * function and block, and control must not leave the block by return, goto
 * or break (the END would not run). Sections may nest in one function.
 *
 * Two objects are locked in address order (lower address first), so two
 * threads that lock the same pair in opposite argument orders cannot
 * deadlock; the same object twice is one lock.
 *
 * Suspension. A section is released while its thread parks, and re-taken
 * before the thread continues: in a blocking region (ft_blocking_begin /
 * ft_blocking_end), while it waits for another object's lock, while it is
 * stopped by a stop-the-world, while it waits for the global lock in mode
 * gil. So sections never deadlock with each other nor with a stop-the-world
 * (the stopper may lock anything). The price: ANOTHER THREAD MAY HAVE
 * MODIFIED THE OBJECT meanwhile. After any call that can park, re-read what
 * you read before it; values cached across such a call may be stale.
 *
 * What may run inside a section:
 * - object operations, allocation, ft_safepoint: fine. Allocation polls a
 *   safepoint, and a safepoint may park (a stop-the-world), so the rule
 *   above applies to every allocating call;
 * - anything that blocks (I/O, a pthread mutex or condition variable,
 *   pthread_join, sleeping) only inside ft_blocking_begin/ft_blocking_end,
 *   which suspends the section: a thread must never block attached;
 * - nesting: sections nest (a stack per thread). A section on an object the
 *   innermost section already holds locks nothing. A section on an object
 *   an OUTER section holds parks once and suspends the outer one, so it
 *   works but the outer object may change meanwhile; as with any nested
 *   lock, prefer one two-object section to two nested ones;
 * - user code (callbacks, comparisons, deallocators run by ft_decref) may do
 *   any of the above, so treat a call into user code as a possible park.
 * - ft_thread_detach inside a section is an error (FT_ERR_STATE).
 *
 * While the calling thread holds the world stopped (ft_world_stop), a
 * section whose lock is not free at once locks nothing: no other thread
 * runs, and a stopped thread may still own the mutex. Such a section must
 * end before ft_world_start.
 *
 * NULL (the policy of include/ftrt.h): a NULL object is an error, not a
 * crash. begin sets FT_ERR_STATE "NULL object passed to
 * ft_critical_section_begin" (..._section2_begin if either object is NULL)
 * and locks NOTHING (not even the other object of a pair); the block still
 * runs, unprotected, and the matching end does nothing and sets no error.
 * So check ft_error_occurred() after a BEGIN whose object may be NULL, or
 * better, do not pass one. A NULL section pointer to any of the four
 * functions sets the same error and does nothing (the macros never pass
 * one).
 *
 * Thread contract: the calling thread must be attached (a fatal error
 * otherwise). Mode gil: the macros compile to a plain block (the global lock
 * serialises every attached thread) and check nothing; the functions only
 * check their arguments for NULL, as above, and otherwise do nothing.
 *
 * The structures are public only so that sections can live on the stack:
 * their fields are private to ftrt.
 */
#ifndef FTRT_CRITICAL_H
#define FTRT_CRITICAL_H

#include <ftrt/object.h>

typedef struct FtCriticalSection {
    uintptr_t prev;          /* private: the thread's previous top, tagged */
    FtObject *obj;           /* private: the object locked, NULL if none */
} FtCriticalSection;

typedef struct FtCriticalSection2 {
    FtCriticalSection base;  /* private: the lower-address object */
    FtObject *obj2;          /* private: the other object */
} FtCriticalSection2;

/* The functions behind the macros (use the macros). `end` must be given the
 * section its `begin` started, innermost first. */
FT_API void ft_critical_section_begin(FtCriticalSection *c, FtObject *op);
FT_API void ft_critical_section_end(FtCriticalSection *c);
FT_API void ft_critical_section2_begin(FtCriticalSection2 *c, FtObject *a,
                                       FtObject *b);
FT_API void ft_critical_section2_end(FtCriticalSection2 *c);

/* Nested sections in one function declare the same block-scoped name; the
 * inner one shadows the outer on purpose (its END must see the inner). */
#if defined(__GNUC__) || defined(__clang__)
#  define FT_CS_SHADOW_OK_(decl)                                           \
    _Pragma("GCC diagnostic push")                                         \
    _Pragma("GCC diagnostic ignored \"-Wshadow\"")                         \
    decl                                                                   \
    _Pragma("GCC diagnostic pop")
#else
#  define FT_CS_SHADOW_OK_(decl) decl
#endif

#if FT_MODE_GIL
#define FT_BEGIN_CRITICAL_SECTION(op) { (void)(op);
#define FT_END_CRITICAL_SECTION() }
#define FT_BEGIN_CRITICAL_SECTION2(a, b) { (void)(a); (void)(b);
#define FT_END_CRITICAL_SECTION2() }
#else
#define FT_BEGIN_CRITICAL_SECTION(op)                                      \
    {                                                                      \
        FT_CS_SHADOW_OK_(FtCriticalSection ft_cs_;)                        \
        ft_critical_section_begin(&ft_cs_, (FtObject *)(op));
#define FT_END_CRITICAL_SECTION()                                          \
        ft_critical_section_end(&ft_cs_);                                  \
    }
#define FT_BEGIN_CRITICAL_SECTION2(a, b)                                   \
    {                                                                      \
        FT_CS_SHADOW_OK_(FtCriticalSection2 ft_cs2_;)                      \
        ft_critical_section2_begin(&ft_cs2_, (FtObject *)(a), (FtObject *)(b));
#define FT_END_CRITICAL_SECTION2()                                         \
        ft_critical_section2_end(&ft_cs2_);                                \
    }
#endif

#endif /* FTRT_CRITICAL_H */
