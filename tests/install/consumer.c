/* A program outside the tree, built with `pkg-config --cflags --libs ftrt`
 * against an installed ftrt. */
#include <ftrt.h>
#include <stdio.h>

static void *worker(void *arg)
{
    (void)arg;
    ft_safepoint();
    return NULL;
}

int main(void)
{
    if (ft_runtime_init() < 0) {
        fprintf(stderr, "init failed: %s\n", ft_error_message());
        return 1;
    }
    pthread_t t;
    if (ft_thread_start(&t, worker, NULL) < 0)
        return 1;
    ft_thread_join(t, NULL);
    ft_world_stop();
    ft_world_start();
    FtStats s;
    ft_stats_get(&s);
    int ok = s.threads_attached_total >= 2 && ft_is_immortal(FT_NONE);
    printf("consumer: mode %s, %llu threads attached, ok=%d\n", FT_MODE_NAME,
           (unsigned long long)s.threads_attached_total, ok);
    ft_runtime_fini();
    return ok ? 0 : 1;
}
