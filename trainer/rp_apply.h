/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_apply.h: "rp-train materialize"'s side of the events -> Redis pipe
 * (lib/rp_pipe.h), the one rp-consumer uses: a queued batch is planned
 * into one command per user (up to RP_STORE_GROUP_MAX events), sent
 * pipelined, and every reply read; NOSCRIPT is answered with EVAL.
 * A transient error reply (Redis loading its data, busy, a read-only
 * replica after a failover...) sends the whole batch again after a
 * pause, up to RP_APPLY_RETRIES times: the update script's replay guard
 * makes that harmless. A replay of an applied event is counted, not an
 * error.
 *
 * The replay guard knows an event by its source and its position there:
 * here the source is named by the caller (materialize: the file's
 * identity) and the position is the event's line, increasing.
 *
 *   a = rp_apply_create(c, ttl, 1000, "file:...", err, sizeof(err));
 *   for each event: rp_apply_event(a, &ev, line, err, sizeof(err));
 *   rp_apply_flush(a, err, sizeof(err));
 *   rp_apply_destroy(a);
 */

#ifndef RP_APPLY_H
#define RP_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "rp_event.h"
#include "rp_cluster.h"

#define RP_APPLY_RETRIES      20    /* sends of a batch after a transient */
#define RP_APPLY_PAUSE_MS     100   /* first pause, doubled up to ... */
#define RP_APPLY_PAUSE_MAX_MS 2000

typedef struct rp_apply_s  rp_apply_t;

typedef struct {
    uint64_t  applied;     /* the script applied it */
    uint64_t  replays;     /* the script saw it before: nothing changed */
    uint64_t  rejected;    /* refused by the store's rules or by Redis */
    uint64_t  noscript;    /* commands answered NOSCRIPT, resent as EVAL */
    uint64_t  retries;     /* batches sent again after a transient error */
    uint64_t  redirects;   /* cluster: commands sent again after MOVED/ASK */
} rp_apply_stats_t;

/* Loads the script (SCRIPT LOAD). NULL with err. */
rp_apply_t *rp_apply_create(redisContext *c, int64_t ttl, size_t batch,
    const char *source, char *err, size_t errlen);

/* The same on a Redis Cluster: the script is loaded on every primary;
 * each batch goes per node (rp_pipe_csend), and a lost connection (a
 * primary failing over) is retried like a transient error, with a fresh
 * slot map. */
rp_apply_t *rp_apply_create_cluster(rp_cluster_t *cl, int64_t ttl,
    size_t batch, const char *source, char *err, size_t errlen);

/* Queues one event at position pos (>= 0, increasing) of the source;
 * sends and reads the batch when it is full. 0 / -1. */
int rp_apply_event(rp_apply_t *a, const rp_event_t *ev, int64_t pos,
    char *err, size_t errlen);

/* Sends what is queued and reads every reply. 0, or -1 on a connection
 * error or a transient error that outlasted the retries (the events of
 * the batch may or may not be applied: run again, it is replay-safe). */
int rp_apply_flush(rp_apply_t *a, char *err, size_t errlen);

void rp_apply_stats(const rp_apply_t *a, rp_apply_stats_t *st);
void rp_apply_destroy(rp_apply_t *a);

#endif /* RP_APPLY_H */
