/*
 * rp_apply.c: pipelined, replay-safe application of events to the Redis
 * feature store (see rp_apply.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_apply.h"
#include "rp_store.h"


#define RP_APPLY_ERRORS_SHOWN  5

struct rp_apply_s {
    redisContext        *c;
    int64_t              ttl;
    size_t               batch;
    size_t               n;
    rp_event_t          *queue;
    const rp_event_t   **valid;     /* the queue's valid events */
    uint32_t            *order;     /* rp_store_plan of valid */
    uint32_t            *ends;
    uint32_t            *work;
    uint8_t             *retry;     /* per command: got NOSCRIPT */
    rp_store_update_t    cmd;
    char                 sha[41];
    rp_apply_stats_t     st;
};


static int rp_apply_load(rp_apply_t *a, char *err, size_t errlen);
static int rp_apply_send(rp_apply_t *a, size_t from, size_t to,
    const char *sha);
static int rp_apply_reply(rp_apply_t *a, size_t from, size_t to, int first,
    char *err, size_t errlen);


static int
rp_apply_load(rp_apply_t *a, char *err, size_t errlen)
{
    redisReply      *r;
    rp_store_cmd_t   cmd;

    rp_store_script_load_cmd(&cmd);
    r = redisCommandArgv(a->c, cmd.argc, cmd.argv, cmd.argvlen);
    if (r == NULL) {
        snprintf(err, errlen, "SCRIPT LOAD failed: %s", a->c->errstr);
        return -1;
    }

    if (r->type != REDIS_REPLY_STRING || r->len != sizeof(a->sha) - 1) {
        snprintf(err, errlen, "SCRIPT LOAD: unexpected reply \"%.*s\"",
                 r->str ? (int) r->len : 0, r->str ? r->str : "");
        freeReplyObject(r);
        return -1;
    }

    memcpy(a->sha, r->str, sizeof(a->sha));   /* the name EVALSHA takes */

    freeReplyObject(r);
    return 0;
}


rp_apply_t *
rp_apply_create(redisContext *c, int64_t ttl, size_t batch, char *err,
    size_t errlen)
{
    rp_apply_t  *a;

    a = calloc(1, sizeof(rp_apply_t));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    a->c = c;
    a->ttl = ttl;
    a->batch = batch ? batch : 1;
    a->queue = malloc(a->batch * sizeof(rp_event_t));
    a->valid = malloc(a->batch * sizeof(rp_event_t *));
    a->order = malloc(a->batch * sizeof(uint32_t));
    a->ends = malloc(a->batch * sizeof(uint32_t));
    a->work = malloc(rp_store_plan_words(a->batch) * sizeof(uint32_t));
    a->retry = malloc(a->batch);

    if (a->queue == NULL || a->valid == NULL || a->order == NULL
        || a->ends == NULL || a->work == NULL || a->retry == NULL)
    {
        snprintf(err, errlen, "out of memory");
        rp_apply_destroy(a);
        return NULL;
    }

    if (rp_apply_load(a, err, errlen) != 0) {
        rp_apply_destroy(a);
        return NULL;
    }

    return a;
}


/* Appends the command of the planned events order[from..to). 0 / -1. */
static int
rp_apply_send(rp_apply_t *a, size_t from, size_t to, const char *sha)
{
    const rp_event_t  *grp[RP_STORE_GROUP_MAX];
    size_t             i;

    for (i = from; i < to; i++) {
        grp[i - from] = a->valid[a->order[i]];
    }

    if (rp_store_update_cmd(&a->cmd, grp, to - from, a->ttl, sha) != 0) {
        return -1;                  /* cannot happen: events were checked */
    }

    /* hiredis copies the formatted command */
    return redisAppendCommandArgv(a->c, a->cmd.argc, a->cmd.argv,
                                  a->cmd.argvlen) == REDIS_OK ? 0 : -1;
}


int
rp_apply_event(rp_apply_t *a, const rp_event_t *ev, char *err,
    size_t errlen)
{
    a->queue[a->n++] = *ev;

    if (a->n == a->batch) {
        return rp_apply_flush(a, err, errlen);
    }

    return 0;
}


/* Reads the reply of the command of order[from..to); *retry set for a
 * NOSCRIPT on the first try. 0, or -1 when the connection failed. */
static int
rp_apply_reply(rp_apply_t *a, size_t from, size_t to, int first,
    char *err, size_t errlen)
{
    void        *p;
    size_t       k = to - from;
    uint64_t     bits;
    redisReply  *r;

    if (redisGetReply(a->c, &p) != REDIS_OK || p == NULL) {
        snprintf(err, errlen, "redis: %s", a->c->errstr[0] ? a->c->errstr
                                                          : "no reply");
        return -1;
    }

    r = p;

    if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0
        && (uint64_t) r->integer < (1ULL << k))
    {
        bits = (uint64_t) r->integer;
        a->st.applied += (uint64_t) __builtin_popcountll(bits);
        a->st.replays += k - (uint64_t) __builtin_popcountll(bits);

    } else if (first && r->type == REDIS_REPLY_ERROR
               && strncmp(r->str, "NOSCRIPT", 8) == 0)
    {
        a->retry[from] = 1;
        a->st.noscript += k;

    } else {
        a->st.rejected += k;
        if (a->st.rejected <= RP_APPLY_ERRORS_SHOWN) {
            fprintf(stderr, "rp_apply: %zu event(s) of user \"%s\" refused "
                    "by redis: %.*s\n", k, a->valid[a->order[from]]->user_id,
                    r->type == REDIS_REPLY_ERROR ? (int) r->len : 15,
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        }
    }

    freeReplyObject(r);
    return 0;
}


int
rp_apply_flush(rp_apply_t *a, char *err, size_t errlen)
{
    size_t   i, nv = 0, nc, k, from, retries;

    if (a->n == 0) {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        if (rp_store_event_valid(&a->queue[i]) == 0) {
            a->valid[nv++] = &a->queue[i];
        } else {
            a->st.rejected++;
        }
    }

    /* one command per user (up to RP_STORE_GROUP_MAX events), pipelined */
    nc = rp_store_plan(a->valid, nv, RP_STORE_GROUP_MAX, a->order, a->ends,
                       a->work);

    for (k = 0, from = 0; k < nc; from = a->ends[k++]) {
        a->retry[from] = 0;
        if (rp_apply_send(a, from, a->ends[k], a->sha) != 0) {
            snprintf(err, errlen, "redis: %s", a->c->errstr);
            return -1;
        }
    }

    for (k = 0, from = 0; k < nc; from = a->ends[k++]) {
        if (rp_apply_reply(a, from, a->ends[k], 1, err, errlen) != 0) {
            return -1;
        }
    }

    /* NOSCRIPT: the script cache was lost; EVAL loads it again */
    retries = 0;
    for (k = 0, from = 0; k < nc; from = a->ends[k++]) {
        if (a->retry[from]) {
            if (rp_apply_send(a, from, a->ends[k], NULL) != 0) {
                snprintf(err, errlen, "redis: %s", a->c->errstr);
                return -1;
            }
            retries++;
        }
    }

    for (k = 0, from = 0; retries > 0 && k < nc; from = a->ends[k++]) {
        if (a->retry[from]) {
            a->retry[from] = 0;
            if (rp_apply_reply(a, from, a->ends[k], 0, err, errlen) != 0) {
                return -1;
            }
        }
    }

    a->n = 0;

    return 0;
}


void
rp_apply_stats(const rp_apply_t *a, rp_apply_stats_t *st)
{
    *st = a->st;
}


void
rp_apply_destroy(rp_apply_t *a)
{
    if (a == NULL) {
        return;
    }

    free(a->queue);
    free(a->valid);
    free(a->order);
    free(a->ends);
    free(a->work);
    free(a->retry);
    free(a);
}
