/* server/server.h: ftkv's shared state and the interface between the
 * network layer (server/net.c, server/main.c) and the commands
 * (server/commands.c). Architecture: docs/server.md.
 *
 * Who writes what:
 *   - the configuration fields are written by main() before any worker
 *     starts and only read afterwards;
 *   - db and expiring are ftrt objects shared by every worker: all their
 *     synchronisation is ftrt's (per-object locks, critical sections, the
 *     atomic dict updates); the server adds no lock of its own;
 *   - the counters are plain C11 atomics (relaxed: statistics only, nothing
 *     is published through them).
 */
#ifndef FTKV_SERVER_H
#define FTKV_SERVER_H

#include <ftrt.h>
#include <stdatomic.h>
#include <stdint.h>

#include "resp.h"

#define FTKV_VERSION "0.1.0"

typedef struct Server {
    /* configuration (main() only, before the workers start) */
    int port;
    int nthreads;
    long maxclients;
    long long maxmemory;        /* bytes of RSS; 0: no limit */
    int64_t start_ms;

    /* the keyspace: key (bytes) -> entry; an entry is the value, or a
     * 2-tuple (value, deadline in ms since the epoch) when it has a TTL */
    FtObject *db;
    /* keys given a TTL, for the periodic expiry sampler (a set of bytes) */
    FtObject *expiring;

    /* statistics (relaxed atomics) */
    _Atomic long nclients;
    _Atomic uint64_t total_connections;
    _Atomic uint64_t rejected_connections;
    _Atomic uint64_t total_commands;
    _Atomic uint64_t expired_keys;
    _Atomic int64_t rss_bytes;  /* sampled by worker 0 every tick */
} Server;

/* What a command asks the connection to do after its reply. */
enum { CMD_CONTINUE = 0, CMD_CLOSE = 1 };

/* Create db and expiring (the calling thread attached). 0 or -1. */
int cmd_init(Server *s);
void cmd_fini(Server *s);
/* Run one command (argc >= 1); the reply goes to out. The calling thread is
 * attached and holds no critical section. */
int cmd_execute(Server *s, RespOut *out, int argc, const char **argv,
                const size_t *argl);
/* Periodic work of worker 0: sample keys with a TTL, delete expired ones. */
void cmd_expire_cycle(Server *s);

/* Ms since the epoch: the calling thread's copy if it refreshes one with
 * ftkv_clock_update (the workers, once per round), else the clock. */
int64_t ftkv_now_ms(void);
int64_t ftkv_clock_update(void);
int64_t ftkv_rss_bytes(void);

#endif /* FTKV_SERVER_H */
