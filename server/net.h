/* server/net.h: ftkv's workers (server/net.c has the protocol). */
#ifndef FTKV_NET_H
#define FTKV_NET_H

#include "server.h"

#include <pthread.h>
#include <stddef.h>

struct Conn;

typedef struct Worker {
    int index;
    Server *srv;
    int listen_fd;              /* this worker's (SO_REUSEPORT), non-blocking */
    int stop_fd;                /* eventfd: readable = stop */
    int epfd;
    pthread_t thread;
    /* owner-only state */
    struct Conn *conns;         /* every connection of this worker */
    struct Conn *active;        /* this round's connections with work */
    long nconns;
    unsigned rounds;            /* loop iterations, for the safepoint cadence */
    const char **argv;          /* scratch argument vector */
    size_t *argl;
    size_t argv_cap;
} Worker;

/* Create the worker's epoll set (listen_fd, stop_fd set). 0 or -1. */
int ftkv_worker_setup(Worker *w);
/* The thread body, for ft_thread_start (runs attached). */
void *ftkv_worker_main(void *arg);

#endif /* FTKV_NET_H */
