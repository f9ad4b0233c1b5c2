/* examples/demo.c: a tour of ftrt for a newcomer.
 *
 * Threads attach, build objects, hand them to each other through a shared
 * list, release objects they did not create (exercising the merge queues),
 * leave while others still hold their objects, and the main thread stops the
 * world and walks the heaps. It prints what happened and the runtime's
 * counters. Public API only.
 */
#include <ftrt.h>
#include <stdio.h>

enum { WORKERS = 4, PER_WORKER = 20000 };

typedef struct {
    FtObject *outbox;       /* a shared list: objects handed to main */
    int index;
} Worker;

static void *worker(void *arg)
{
    Worker *w = arg;
    for (int i = 0; i < PER_WORKER; i++) {
        FtObject *f = ft_float_from_double(w->index * 1e6 + i);
        FtObject *s = ft_str_from_format("worker %d item %d", w->index, i);
        FtObject *t = ft_tuple_pack(2, f, s);
        if (!f || !s || !t) {
            fprintf(stderr, "worker %d: %s\n", w->index, ft_error_message());
            return NULL;
        }
        if (i % 4 == 0)
            ft_list_append(w->outbox, t);    /* crosses to the main thread */
        ft_decref(t);
        ft_decref(s);
        ft_decref(f);
    }
    return NULL;      /* ft_thread_start detaches us: our objects are merged */
}

static int count_tracked(FtObject *op, void *arg)
{
    (void)op;
    (*(long *)arg)++;
    return 0;
}

int main(void)
{
    if (ft_runtime_init() < 0) {
        fprintf(stderr, "ft_runtime_init: %s\n", ft_error_message());
        return 1;
    }
    printf("ftrt %s, mode %s\n", FT_VERSION, FT_MODE_NAME);

    FtObject *outbox = ft_list_new(0);
    Worker w[WORKERS];
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        w[i] = (Worker){ .outbox = outbox, .index = i };
        ft_thread_start(&t[i], worker, &w[i]);
    }
    for (int i = 0; i < WORKERS; i++)
        ft_thread_join(t[i], NULL);
    printf("%d threads made %d tuples each and handed %zd to main, then left\n",
           WORKERS, PER_WORKER, (size_t)ft_len(outbox));

    FtObject *first = ft_list_get_item(outbox, 0);
    FtObject *r = ft_repr(first);
    printf("first handed-over item: %s\n", ft_str_as_utf8(r, NULL));
    ft_decref(r);
    ft_decref(first);

    uint64_t ns = ft_world_stop();
    long heap_objects = 0;
    ft_heap_visit(count_tracked, &heap_objects);
    ft_world_start();
    printf("stopped the world in %.1f us; the GC heaps hold %ld objects "
           "(those of departed threads via the orphan registry)\n",
           (double)ns / 1e3, heap_objects);

    FtStats s;
    ft_stats_get(&s);
    printf("\nruntime counters before releasing the handed-over objects:\n");
    ft_stats_print(&s, stdout);

    ft_decref(outbox);      /* frees objects whose creators are gone */
    ft_gc_collect();
    ft_stats_get(&s);
    printf("\nafter releasing them: %lld objects live, %llu orphans\n",
           (long long)s.objects_live, (unsigned long long)s.orphans_live);
    ft_runtime_fini();
    return 0;
}
