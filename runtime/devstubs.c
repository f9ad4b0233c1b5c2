/* runtime/devstubs.c: TEMPORARY weak fallbacks so the foundation links and
 * can be tested while the modules that define these symbols are written in
 * parallel. Every symbol here is weak and overridden by the real module; the
 * file is deleted once all of them exist. */
#include "runtime/internal.h"
#include "threads/tstate.h"
#include "threads/lock.h"
#include "alloc/alloc.h"

#define WEAK __attribute__((weak))

static FtObject dummy_true = FT_STATIC_OBJECT_HEAD(&ft_object_type), dummy_false = FT_STATIC_OBJECT_HEAD(&ft_object_type);
WEAK FtObject *const ft__true_ptr = &dummy_true;
WEAK FtObject *const ft__false_ptr = &dummy_false;
WEAK FtObject ft__none_object = FT_STATIC_OBJECT_HEAD(&ft_object_type);
WEAK FtObject *ft_str_from_format(const char *fmt, ...) { (void)fmt; ft_error_set(FT_ERR_STATE, "str not linked"); return NULL; }
WEAK FtObject *ft_str_from_utf8(const char *s, FtSsize len) { (void)s; (void)len; ft_error_set(FT_ERR_STATE, "str not linked"); return NULL; }
WEAK const char *ft_str_as_utf8(FtObject *op, FtSsize *len_out) { (void)op; (void)len_out; ft_error_set(FT_ERR_STATE, "str not linked"); return NULL; }
WEAK int ft_str_equal_cstr(FtObject *a, const char *utf8) { (void)a; (void)utf8; return 0; }
WEAK FtObject *ft_iter(FtObject *op) { (void)op; ft_error_set(FT_ERR_STATE, "iter not linked"); return NULL; }
WEAK FtObject *ft_iter_next(FtObject *op) { (void)op; return NULL; }
WEAK void ft__critical_sections_suspend(FtThreadState *ts) { (void)ts; }
WEAK void ft__critical_sections_resume(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_attach(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_detach(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_online(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_offline(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_quiescent(FtThreadState *ts) { (void)ts; }
WEAK void ft__qsbr_barrier(void) { }
WEAK void ft__object_free_delayed(FtObject *op) { ft__object_release_block(op); }
WEAK void ft__gc_on_safepoint(FtThreadState *ts) { ft__breaker_clear(ts, FT_BREAK_GC); }
WEAK void ft__gc_on_detach(FtThreadState *ts) { (void)ts; }
#include "runtime/weakref.h"
WEAK int ft__weakref_has_refs(FtObject *op) { (void)op; return 0; }
WEAK FtSsize ft_weakref_count(FtObject *op) { (void)op; return 0; }
WEAK int ft__weakref_has_callback(FtObject *wr) { (void)wr; return 0; }
WEAK void ft__weakrefs_clear_world_stopped(FtObject *op, FtWeakrefVisit visit, void *arg) { (void)op; (void)visit; (void)arg; }
WEAK void ft__weakref_run_callback(FtObject *wr) { (void)wr; }
WEAK FtObject *ft_list_new(FtSsize n) { (void)n; ft_error_set(FT_ERR_STATE, "list not linked"); return NULL; }
WEAK int ft_list_append(FtObject *l, FtObject *item) { (void)l; (void)item; ft_error_set(FT_ERR_STATE, "list not linked"); return -1; }
WEAK FtObject *ft_list_get_item(FtObject *l, FtSsize i) { (void)l; (void)i; ft_error_set(FT_ERR_STATE, "list not linked"); return NULL; }
