/* server/main.c: ftkv, a multithreaded Redis-protocol (RESP2) key-value
 * server embedding ftrt (docs/server.md).
 *
 *   ftkv [--port N] [--threads N] [--maxclients N] [--maxmemory BYTES[k|m|g]]
 *
 * Listens on 127.0.0.1 only. SIGINT/SIGTERM: the workers stop, close their
 * connections and detach, the keyspace is released, the runtime finalizes,
 * and the process exits 0.
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (the mask is set
 * before the workers start and inherited); the main thread waits for them
 * with sigwait inside a blocking region, so no code runs in a signal
 * handler. SIGPIPE is ignored (a write to a closed socket is EPIPE).
 */
#include "net.h"
#include "server.h"

#include <arpa/inet.h>
#include <mimalloc.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr,
        "usage: ftkv [--port N] [--threads N] [--maxclients N] [--maxmemory BYTES[k|m|g]]\n"
        "  --port        TCP port on 127.0.0.1 (default 6379; 0: any free port,\n"
        "                printed on stdout as 'port N')\n"
        "  --threads     worker threads (default: the number of cores)\n"
        "  --maxclients  connections at once (default 10000)\n"
        "  --maxmemory   refuse writes with -OOM when the RSS is above (0: no limit)\n");
}

static int parse_long(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s)
        return -1;
    long long mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1024, end++;
    else if (*end == 'm' || *end == 'M') mul = 1024 * 1024, end++;
    else if (*end == 'g' || *end == 'G') mul = 1024LL * 1024 * 1024, end++;
    if (*end || v < lo || v > hi / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int parse_args(Server *s, int argc, char **argv)
{
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    s->port = 6379;
    s->nthreads = nproc > 0 ? (int)nproc : 1;
    s->maxclients = 10000;
    s->maxmemory = 0;
    for (int i = 1; i < argc; i++) {
        long long v;
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage();
            exit(0);
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ftkv: %s needs a value\n", o);
            return -1;
        }
        const char *val = argv[++i];
        if (!strcmp(o, "--port") && parse_long(val, 0, 65535, &v) == 0)
            s->port = (int)v;
        else if (!strcmp(o, "--threads") && parse_long(val, 1, 256, &v) == 0)
            s->nthreads = (int)v;
        else if (!strcmp(o, "--maxclients") && parse_long(val, 1, 1000000, &v) == 0)
            s->maxclients = (long)v;
        else if (!strcmp(o, "--maxmemory") && parse_long(val, 0, INT64_MAX, &v) == 0)
            s->maxmemory = v;
        else {
            fprintf(stderr, "ftkv: bad option or value: %s %s\n", o, val);
            usage();
            return -1;
        }
    }
    return 0;
}

/* One listening socket per worker, all on the same port with SO_REUSEPORT:
 * the kernel spreads new connections over them by address hash. (One
 * shared socket in every epoll set gave nearly every connection of a burst
 * to the first worker awake: measured, one worker did all the work of
 * redis-benchmark -c 50.) */
static int listen_loopback(int port, int *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        close(fd);
        return -1;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 511) < 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *bound_port = ntohs(a.sin_port);
    return fd;
}

int main(int argc, char **argv)
{
    static Server srv;
    if (parse_args(&srv, argc, argv) < 0)
        return 2;
    srv.start_ms = ftkv_now_ms();

    /* Free memory back to the OS without waiting: mimalloc decommits the
     * free parts of a segment only after decommit_delay (25 ms) AND on a
     * later call into that heap, which an idle worker never makes. With
     * the default, RSS stayed at its peak after FLUSHALL and MEMORY TRIM
     * (200,000 LPUSHes: 2.8 -> 17.7 MB, 17.7 after both); with 0 it falls
     * back to 3.3 MB on FLUSHALL alone. ftrt has no API for mimalloc's
     * options, so ftkv sets this one itself (docs/server.md, Limits). */
    mi_option_set(mi_option_decommit_delay, 0);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stopsigs;
    sigemptyset(&stopsigs);
    sigaddset(&stopsigs, SIGINT);
    sigaddset(&stopsigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopsigs, NULL);   /* inherited by workers */

    int *lfds = calloc((size_t)srv.nthreads, sizeof *lfds);
    if (!lfds) {
        fprintf(stderr, "ftkv: out of memory\n");
        return 1;
    }
    for (int i = 0; i < srv.nthreads; i++) {
        int port = 0;
        if ((lfds[i] = listen_loopback(srv.port, &port)) < 0) {
            fprintf(stderr, "ftkv: cannot listen on 127.0.0.1:%d: %s\n", srv.port, strerror(errno));
            return 1;
        }
        srv.port = port;        /* --port 0: the others join the first's port */
    }
    int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (stop_fd < 0) {
        perror("ftkv: eventfd");
        return 1;
    }

    if (ft_runtime_init() < 0) {
        fprintf(stderr, "ftkv: ft_runtime_init: %s\n", ft_error_message());
        return 1;
    }
    /* The workers malloc/free connection buffers inside their blocking
     * regions (accept, read): MEMORY TRIM must then leave the heaps of
     * detached workers alone; each trims its own at its next safepoint
     * (within one 100 ms tick, server/net.c). */
    ft_memory_trim_set_idle_heaps(0);
    if (cmd_init(&srv) < 0) {
        fprintf(stderr, "ftkv: %s\n", ft_error_message());
        ft_runtime_fini();
        return 1;
    }

    Worker *workers = calloc((size_t)srv.nthreads, sizeof *workers);
    if (!workers) {
        fprintf(stderr, "ftkv: out of memory\n");
        return 1;
    }
    int started = 0;
    for (int i = 0; i < srv.nthreads; i++) {
        Worker *w = &workers[i];
        w->index = i;
        w->srv = &srv;
        w->listen_fd = lfds[i];
        w->stop_fd = stop_fd;
        if (ftkv_worker_setup(w) < 0 ||
            ft_thread_start(&w->thread, ftkv_worker_main, w) != 0) {
            fprintf(stderr, "ftkv: cannot start worker %d\n", i);
            break;
        }
        started++;
    }
    if (started == srv.nthreads) {
        printf("ftkv %s (ftrt %s, mode %s): 127.0.0.1 port %d, %d threads\n",
               FTKV_VERSION, FT_VERSION, FT_MODE_NAME, srv.port, srv.nthreads);
        printf("port %d\n", srv.port);
        fflush(stdout);

        /* Wait for SIGINT/SIGTERM, detached (a collection never waits). */
        int sig = 0;
        ft_blocking_begin();
        sigwait(&stopsigs, &sig);
        ft_blocking_end();
        fprintf(stderr, "ftkv: signal %d, shutting down\n", sig);
    }

    uint64_t one = 1;
    ssize_t wr = write(stop_fd, &one, sizeof one);
    (void)wr;
    for (int i = 0; i < started; i++)
        ft_thread_join(workers[i].thread, NULL);   /* joins detached */
    for (int i = 0; i < srv.nthreads; i++) {
        free(workers[i].argv);
        free(workers[i].argl);
    }
    free(workers);
    for (int i = 0; i < srv.nthreads; i++)
        close(lfds[i]);
    free(lfds);
    close(stop_fd);

    cmd_fini(&srv);
    ft_runtime_fini();
    return started == srv.nthreads ? 0 : 1;
}
