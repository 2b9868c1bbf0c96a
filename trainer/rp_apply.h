/*
 * rp_apply.h: applying events to the Redis feature store, pipelined, over
 * a blocking hiredis connection.
 *
 * The commands are the core library's, as the consumer sends them: a
 * queued batch is planned into one command per user (rp_store_plan, up to
 * RP_STORE_GROUP_MAX events each), EVALSHA of the update script after one
 * SCRIPT LOAD, and EVAL of the script text for a command whose EVALSHA got
 * NOSCRIPT (a restarted or flushed Redis). The commands are sent with
 * redisAppendCommandArgv, then every reply is read with redisGetReply. A replay of an applied event id
 * is counted, not an error: the script guarantees it changes nothing.
 *
 *   a = rp_apply_create(c, ttl, 1000, err, sizeof(err));
 *   for each event: rp_apply_event(a, &ev, err, sizeof(err));
 *   rp_apply_flush(a, err, sizeof(err));
 *   rp_apply_destroy(a);
 */

#ifndef RP_APPLY_H
#define RP_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "rp_event.h"


typedef struct rp_apply_s  rp_apply_t;

typedef struct {
    uint64_t  applied;     /* the script returned 1 */
    uint64_t  replays;     /* the script returned 0: event id already seen */
    uint64_t  rejected;    /* refused by the command builder or by Redis */
    uint64_t  noscript;    /* EVALSHA answered NOSCRIPT, resent as EVAL */
} rp_apply_stats_t;

/* Loads the script (SCRIPT LOAD) and checks its sha. NULL with err. */
rp_apply_t *rp_apply_create(redisContext *c, int64_t ttl, size_t batch,
    char *err, size_t errlen);

/* Queues one event; sends and reads the batch when it is full. 0 / -1. */
int rp_apply_event(rp_apply_t *a, const rp_event_t *ev, char *err,
    size_t errlen);

/* Sends what is queued and reads every reply. 0, or -1 on a connection
 * error (the events of the batch may or may not be applied: replay). */
int rp_apply_flush(rp_apply_t *a, char *err, size_t errlen);

void rp_apply_stats(const rp_apply_t *a, rp_apply_stats_t *st);
void rp_apply_destroy(rp_apply_t *a);

#endif /* RP_APPLY_H */
