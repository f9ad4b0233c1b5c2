/* server/net.c: ftkv's worker threads, epoll and connections.
 *
 * Threads. N workers (ftkv_worker_main), each started with ft_thread_start
 * (attached for its whole life, detached before it exits), each with its own
 * epoll instance and its own listening socket (all on one port with
 * SO_REUSEPORT: the kernel spreads connections over the workers). A worker
 * owns the connections it accepts until they are closed: a connection's
 * buffers and parser are touched by that thread only, so they need no lock.
 * Only ftrt objects are shared between workers, and only through ftrt's own
 * synchronisation (server/cmd.h).
 *
 * One round of a worker:
 *   1. blocking region: epoll_wait (100 ms timeout), then accept() and
 *      read() on every ready socket (non-blocking, bounded per round);
 *   2. attached: ft_safepoint(), worker 0's periodic work, then parse and
 *      run the complete commands of every connection that got input;
 *   3. blocking region: write() the replies, update epoll interests, close
 *      the connections that are done.
 * So every call that can block (epoll_wait, accept, read, write, close) is
 * inside ft_blocking_begin/ft_blocking_end, and a stop-the-world never waits
 * for a worker idle in epoll_wait. The 100 ms timeout gives an idle worker a
 * safepoint ten times a second (merges of objects others released, its share
 * of a MEMORY TRIM); a busy one polls at its allocations, and explicitly
 * every 64 rounds.
 *
 * Bounds per connection (hostile input): the input buffer holds only bytes
 * the client sent, at most RESP_MAX_BULK + 64 KB (the largest legal
 * argument plus headers) before the connection is closed; at most 1 MB is
 * read per round, so a fast sender cannot starve the others; a client that
 * does not read its replies stops being read once OUT_HIGH bytes are
 * pending (backpressure), so replies cannot grow without bound either.
 *
 * Shutdown: main() writes the stop eventfd (in every epoll set, never read,
 * so it stays readable); each worker leaves its loop, closes its
 * connections and returns, and ft_thread_start's wrapper detaches it.
 */
#include "net.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK   (16 * 1024)
#define READ_BUDGET  (1024 * 1024)      /* bytes per connection per round */
#define IN_MAX       ((size_t)RESP_MAX_BULK + 64 * 1024)
#define OUT_HIGH     (4 * 1024 * 1024)  /* stop reading/processing above */
#define MAX_EVENTS   128
#define TICK_MS      100

typedef struct Conn {
    int fd;
    char *in;                   /* input buffer (malloc) */
    size_t inlen, incap;
    RespParser parser;
    RespOut out;
    int eof;                    /* peer closed its side */
    int closing;                /* close once the replies are written */
    int dead;                   /* close now */
    int epoll_out;              /* EPOLLOUT is in the interest set */
    int reading;                /* EPOLLIN is in the interest set */
    int active;                 /* on this round's active list */
    int more;                   /* input left unprocessed (backpressure) */
    struct Conn *next_active;
    struct Conn *prev, *next;   /* the worker's list of all its conns */
} Conn;

static char listen_tag, stop_tag;       /* epoll data for the two fds */

/* ---- Connections (owner thread only) ---- */

static void conn_set_interest(Worker *w, Conn *c)
{
    int want_in = !c->closing && !c->dead && !c->eof &&
                  resp_out_pending(&c->out) < OUT_HIGH;
    int want_out = resp_out_pending(&c->out) > 0;
    if (want_in == c->reading && want_out == c->epoll_out)
        return;
    struct epoll_event ev = { .events = (want_in ? EPOLLIN : 0) |
                              (want_out ? EPOLLOUT : 0) | EPOLLRDHUP,
                              .data.ptr = c };
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->reading = want_in;
    c->epoll_out = want_out;
}

static void conn_free(Worker *w, Conn *c)
{
    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    resp_parser_free(&c->parser);
    resp_out_free(&c->out);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    atomic_fetch_sub_explicit(&w->srv->nclients, 1, memory_order_relaxed);
    w->nconns--;
}

/* Blocking region. */
static void accept_some(Worker *w)
{
    Server *s = w->srv;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;     /* EAGAIN: another worker took it, or none left */
        atomic_fetch_add_explicit(&s->total_connections, 1, memory_order_relaxed);
        long n = atomic_fetch_add_explicit(&s->nclients, 1, memory_order_relaxed);
        if (n >= s->maxclients) {
            static const char err[] = "-ERR max number of clients reached\r\n";
            ssize_t wr = write(fd, err, sizeof err - 1);
            (void)wr;
            close(fd);
            atomic_fetch_sub_explicit(&s->nclients, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&s->rejected_connections, 1, memory_order_relaxed);
            continue;
        }
        Conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            atomic_fetch_sub_explicit(&s->nclients, 1, memory_order_relaxed);
            continue;
        }
        c->fd = fd;
        c->reading = 1;
        resp_parser_init(&c->parser);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
            atomic_fetch_sub_explicit(&s->nclients, 1, memory_order_relaxed);
            continue;
        }
        c->next = w->conns;
        if (w->conns)
            w->conns->prev = c;
        w->conns = c;
        w->nconns++;
    }
}

/* Room for at least `want` more bytes, never past IN_MAX. 0 or -1. */
static int in_reserve(Conn *c, size_t want)
{
    if (c->incap - c->inlen >= want)
        return 0;
    if (c->inlen + want > IN_MAX)
        want = IN_MAX - c->inlen;
    if (want == 0)
        return -1;
    size_t ncap = c->incap ? c->incap : READ_CHUNK;
    while (ncap - c->inlen < want)
        ncap *= 2;
    if (ncap > IN_MAX)
        ncap = IN_MAX;
    char *nb = realloc(c->in, ncap);
    if (!nb)
        return -1;
    c->in = nb;
    c->incap = ncap;
    return 0;
}

/* Blocking region: read what is there, at most READ_BUDGET. */
static void conn_read(Conn *c)
{
    size_t budget = READ_BUDGET;
    while (budget > 0 && !c->eof && !c->dead) {
        size_t want = resp_parser_wanted(&c->parser, c->inlen);
        if (want < READ_CHUNK)
            want = READ_CHUNK;
        if (want > budget)
            want = budget;
        if (in_reserve(c, want) < 0) {
            c->dead = 1;    /* over IN_MAX, or no memory: drop the client */
            return;
        }
        size_t room = c->incap - c->inlen;
        if (room > budget)
            room = budget;
        ssize_t n = read(c->fd, c->in + c->inlen, room);
        if (n > 0) {
            c->inlen += (size_t)n;
            budget -= (size_t)n;
            if ((size_t)n < room)
                return;     /* drained (level-triggered: we hear of more) */
        } else if (n == 0) {
            c->eof = 1;
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                c->dead = 1;
            return;
        }
    }
}

/* Blocking region: write pending replies. */
static void conn_write(Conn *c)
{
    while (resp_out_pending(&c->out) > 0 && !c->dead) {
        ssize_t n = write(c->fd, c->out.buf + c->out.sent, resp_out_pending(&c->out));
        if (n > 0) {
            c->out.sent += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                c->dead = 1;
            break;
        }
    }
    resp_out_compact(&c->out);
}

/* Attached: run every complete command in c's input. */
static void conn_process(Worker *w, Conn *c)
{
    Server *s = w->srv;
    c->more = 0;
    while (!c->closing && !c->dead) {
        if (resp_out_pending(&c->out) >= OUT_HIGH) {
            c->more = 1;    /* resumed once the replies are written */
            break;
        }
        int r = resp_parse(&c->parser, c->in, c->inlen);
        if (r == RESP_NEED_MORE)
            break;
        if (r == RESP_ERROR) {
            resp_out_errorf(&c->out, "ERR %s", c->parser.error);
            c->closing = 1;
            break;
        }
        if (r == RESP_NOMEM) {
            resp_out_error(&c->out, "ERR out of memory parsing the request");
            c->closing = 1;
            break;
        }
        RespParser *p = &c->parser;
        if (p->nargs > w->argv_cap) {
            size_t ncap = p->nargs;
            const char **nv = realloc(w->argv, ncap * sizeof *nv);
            size_t *nl = nv ? realloc(w->argl, ncap * sizeof *nl) : NULL;
            if (nv)
                w->argv = nv;
            if (!nv || !nl) {
                resp_out_error(&c->out, "ERR out of memory parsing the request");
                c->closing = 1;
                break;
            }
            w->argl = nl;
            w->argv_cap = ncap;
        }
        for (size_t i = 0; i < p->nargs; i++) {
            w->argv[i] = c->in + p->args[i].off;
            w->argl[i] = p->args[i].len;
        }
        int flags = cmd_execute(s, &c->out, (int)p->nargs, w->argv, w->argl);
        atomic_fetch_add_explicit(&s->total_commands, 1, memory_order_relaxed);
        resp_parser_reset(p);
        if (flags == CMD_CLOSE)
            c->closing = 1;
        if (c->out.oom) {
            c->dead = 1;    /* a reply could not be built: drop the client */
            break;
        }
    }
    /* Drop the consumed input. */
    size_t used = resp_parser_consumed(&c->parser);
    if (used > 0) {
        memmove(c->in, c->in + used, c->inlen - used);
        c->inlen -= used;
        resp_parser_shift(&c->parser, used);
    }
    if (c->inlen == 0 && c->incap > 64 * 1024) {
        free(c->in);
        c->in = NULL;
        c->incap = 0;
    }
    /* A peer that closed its side gets the replies to everything it sent
     * (commands held back by backpressure run first), then is closed. */
    if (c->eof && !c->more)
        c->closing = 1;
}

static void mark_active(Worker *w, Conn *c)
{
    if (!c->active) {
        c->active = 1;
        c->next_active = w->active;
        w->active = c;
    }
}

/* ---- The worker ---- */

int ftkv_worker_setup(Worker *w)
{
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN,
                              .data.ptr = &listen_tag };
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->listen_fd, &ev) < 0)
        return -1;
    struct epoll_event sev = { .events = EPOLLIN, .data.ptr = &stop_tag };
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stop_fd, &sev) < 0)
        return -1;
    return 0;
}

void *ftkv_worker_main(void *arg)
{
    Worker *w = arg;
    Server *s = w->srv;
    struct epoll_event evs[MAX_EVENTS];
    int stop = 0;
    int64_t next_tick = ftkv_now_ms() + TICK_MS;
    while (!stop) {
        /* 1. wait and read, detached; connections carried over from the
         * last round (w->active not empty) mean: do not sleep */
        ft_blocking_begin();
        int n = epoll_wait(w->epfd, evs, MAX_EVENTS, w->active ? 0 : TICK_MS);
        for (int i = 0; i < n; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &stop_tag) {
                stop = 1;
            } else if (tag == &listen_tag) {
                accept_some(w);
            } else {
                Conn *c = tag;
                if (evs[i].events & (EPOLLERR | EPOLLHUP))
                    c->dead = 1;
                else if (evs[i].events & (EPOLLIN | EPOLLRDHUP))
                    conn_read(c);
                mark_active(w, c);
            }
        }
        ft_blocking_end();

        /* 2. run commands, attached. A busy worker reaches safepoints at
         * its allocations; an idle one needs this (merges, trims). */
        if (n <= 0 || (++w->rounds & 63) == 0)
            ft_safepoint();
        int64_t now = ftkv_clock_update();
        if (w->index == 0 && now >= next_tick) {
            next_tick = now + TICK_MS;
            atomic_store_explicit(&s->rss_bytes, ftkv_rss_bytes(), memory_order_relaxed);
            cmd_expire_cycle(s);
        }
        for (Conn *c = w->active; c; c = c->next_active)
            if (!c->dead)
                conn_process(w, c);

        /* 3. write, detached */
        ft_blocking_begin();
        Conn *c = w->active;
        w->active = NULL;
        while (c) {
            Conn *next = c->next_active;
            c->active = 0;
            c->next_active = NULL;
            conn_write(c);
            if (c->dead || (c->closing && resp_out_pending(&c->out) == 0)) {
                conn_free(w, c);
            } else {
                conn_set_interest(w, c);
                /* Commands held back by backpressure, now that the replies
                 * went out: run them next round without waiting for input
                 * (the client may be waiting for exactly those replies). */
                if (c->more && resp_out_pending(&c->out) < OUT_HIGH)
                    mark_active(w, c);
            }
            c = next;
        }
        ft_blocking_end();
    }

    /* Shutdown: close every connection of this worker (detached: close). */
    ft_blocking_begin();
    while (w->conns)
        conn_free(w, w->conns);
    close(w->epfd);
    w->epfd = -1;
    ft_blocking_end();
    return NULL;
}
