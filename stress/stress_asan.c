/* stress/stress_asan.c: AddressSanitizer sees inside ftrt's heaps
 * (issue 10, "The sanitizer lane must see our heap"; docs/testing.md).
 *
 * Death tests: each case runs in a forked child that initialises the
 * runtime, frees something, reads it, and must be stopped by ASan with a
 * "use-after-poison" report (alloc/heap.c and alloc/freelist.h poison free
 * blocks: runtime/internal.h FT_ASAN_*). The parent reads the child's
 * stderr and checks the report and the exit status. A control case reads
 * a live object and must exit 0 without a report.
 *
 *   stress_asan            # every case; exit 0 if all behave
 *   stress_asan CASE       # run one case in this process (what the child does)
 *
 * Built in every build (suite stress); outside ASan builds it exits 77
 * (meson: skipped). Mutant asan_no_poison (stress/mutants) removes the
 * poisoning and makes it fail.
 */
#include "runtime/internal.h"
#include <ftrt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned char sink;

/* Read one byte the way buggy code would: an instrumented load. */
static void touch(const void *p, size_t off)
{
    sink = ((const volatile unsigned char *)p)[off];
}

/* Each case returns only if ASan did not stop it. */
static int case_live(void)
{
    FtObject *f = ft_float_from_double(1.5);
    touch(f, 0);
    touch(f, sizeof(FtObject) + 7);   /* the double's last byte */
    int ok = ft_float_as_double(f) == 1.5;
    ft_decref(f);
    return ok ? 0 : 1;
}

static int case_float_freelist(void)
{
    /* A float's block goes on the thread's free list when released. */
    FtObject *f = ft_float_from_double(2.5);
    ft_decref(f);
    printf("read %f\n", ft_float_as_double(f));   /* use after free */
    return 0;
}

static int case_object_heap(void)
{
    /* A str's block goes back to mimalloc (no free list for str). */
    FtObject *s = ft_str_from_utf8("a string long enough to be its own block", -1);
    ft_decref(s);
    touch(s, offsetof(FtObject, ob_ref_local));   /* what a stray decref reads */
    return 0;
}

static int case_decref_freed(void)
{
    FtObject *s = ft_str_from_utf8("another string, decref'd twice", -1);
    ft_decref(s);
    ft_decref(s);                                 /* one decref too many */
    return 0;
}

static int case_raw(void)
{
    unsigned char *p = ft_mem_alloc(100);
    if (!p)
        return 1;
    memset(p, 1, 100);
    ft_mem_free(p);
    touch(p, 50);
    return 0;
}

static int case_list_items(void)
{
    /* The item block replaced by growth (an unshared list frees or grows
     * it at once): read through a pointer taken before the growth. */
    FtObject *l = ft_list_new(0);
    FtObject *x = ft_int_from_i64(1);
    for (int i = 0; i < 4; i++)
        ft_list_append(l, x);
    FtObject ***items = (FtObject ***)((char *)l + sizeof(FtVarObject));
    FtObject **old = *items;
    for (int i = 0; i < 1000; i++)
        ft_list_append(l, x);
    if (*items == old)
        return 2;                                 /* grew in place: no UAF to see */
    touch(old, 0);
    return 0;
}

typedef struct Case {
    const char *name;
    int (*run)(void);
    int must_die;
} Case;

static const Case cases[] = {
    { "live", case_live, 0 },
    { "float_freelist", case_float_freelist, 1 },
    { "object_heap", case_object_heap, 1 },
    { "decref_freed", case_decref_freed, 1 },
    { "raw", case_raw, 1 },
    { "list_items", case_list_items, 1 },
};

static int run_one(const char *name)
{
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        if (strcmp(cases[i].name, name) != 0)
            continue;
        if (ft_runtime_init() < 0) {
            fprintf(stderr, "init: %s\n", ft_error_message());
            return 3;
        }
        int rc = cases[i].run();
        ft_runtime_fini();
        return rc;
    }
    fprintf(stderr, "unknown case %s\n", name);
    return 2;
}

/* Fork + exec ourselves with the case name; collect stderr. */
static int check(const Case *c, const char *self)
{
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execl(self, self, c->name, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    static char buf[1 << 16];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd[0]);
    int st;
    waitpid(pid, &st, 0);
    int died = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    int reported = strstr(buf, "use-after-poison") != NULL;
    int ok = c->must_die ? (died && reported) : (!died && !reported);
    printf("%-16s %s (exit %d, %s)\n", c->name, ok ? "ok" : "FAILED",
           WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st),
           reported ? "use-after-poison reported" : "no ASan report");
    if (!ok)
        fprintf(stderr, "--- child stderr (%s) ---\n%s\n", c->name, buf);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (!FT_ASAN) {
        printf("stress_asan: not an AddressSanitizer build, skipped\n");
        return 77;
    }
    if (argc == 2)
        return run_one(argv[1]);
    int bad = 0;
    for (size_t i = 0; i < FT_ARRAY_LEN(cases); i++) {
        int r = check(&cases[i], "/proc/self/exe");
        if (r < 0) {
            perror("fork/pipe");
            return 1;
        }
        bad += r;
    }
    printf("stress_asan: %d of %zu cases failed\n", bad, FT_ARRAY_LEN(cases));
    return bad ? 1 : 0;
}
