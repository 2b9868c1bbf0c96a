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
    redisContext      *c;
    int64_t            ttl;
    size_t             batch;
    size_t             n;
    rp_event_t        *queue;
    uint8_t           *retry;
    char               sha[41];
    rp_apply_stats_t   st;
};


static int rp_apply_load(rp_apply_t *a, char *err, size_t errlen);
static int rp_apply_send(rp_apply_t *a, const rp_event_t *ev,
    const char *sha);
static int rp_apply_reply(rp_apply_t *a, size_t i, int first, char *err,
    size_t errlen);


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

    if (r->type != REDIS_REPLY_STRING || r->len != 40
        || memcmp(r->str, a->sha, 40) != 0)
    {
        snprintf(err, errlen, "SCRIPT LOAD: unexpected reply \"%.*s\" "
                 "(expected sha %s)", r->str ? (int) r->len : 0,
                 r->str ? r->str : "", a->sha);
        freeReplyObject(r);
        return -1;
    }

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
    a->retry = malloc(a->batch);

    if (a->queue == NULL || a->retry == NULL) {
        snprintf(err, errlen, "out of memory");
        rp_apply_destroy(a);
        return NULL;
    }

    rp_store_script_sha(a->sha);

    if (rp_apply_load(a, err, errlen) != 0) {
        rp_apply_destroy(a);
        return NULL;
    }

    return a;
}


static int
rp_apply_send(rp_apply_t *a, const rp_event_t *ev, const char *sha)
{
    rp_store_cmd_t  cmd;

    if (rp_store_update_cmd(&cmd, ev, a->ttl, sha) != 0) {
        return 1;
    }

    /* hiredis copies the formatted command: cmd may go out of scope */
    if (redisAppendCommandArgv(a->c, cmd.argc, cmd.argv, cmd.argvlen)
        != REDIS_OK)
    {
        return -1;
    }

    return 0;
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


/* Reads the reply of queue[i]; marks NOSCRIPT for a retry. */
static int
rp_apply_reply(rp_apply_t *a, size_t i, int first, char *err, size_t errlen)
{
    void        *p;
    redisReply  *r;

    if (redisGetReply(a->c, &p) != REDIS_OK || p == NULL) {
        snprintf(err, errlen, "redis: %s", a->c->errstr[0] ? a->c->errstr
                                                          : "no reply");
        return -1;
    }

    r = p;

    if (r->type == REDIS_REPLY_INTEGER && (r->integer == 0
                                           || r->integer == 1))
    {
        if (r->integer) {
            a->st.applied++;
        } else {
            a->st.replays++;
        }

    } else if (first && r->type == REDIS_REPLY_ERROR
               && strncmp(r->str, "NOSCRIPT", 8) == 0)
    {
        a->retry[i] = 1;
        a->st.noscript++;

    } else {
        a->st.rejected++;
        if (a->st.rejected <= RP_APPLY_ERRORS_SHOWN) {
            fprintf(stderr, "rp_apply: event \"%s\" refused by redis: %.*s\n",
                    a->queue[i].event_id,
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
    int      rc;
    size_t   i, retries;
    uint8_t *sent;

    if (a->n == 0) {
        return 0;
    }

    /* retry[] doubles as "was sent" while the batch is appended */
    sent = a->retry;

    for (i = 0; i < a->n; i++) {
        rc = rp_apply_send(a, &a->queue[i], a->sha);
        if (rc < 0) {
            snprintf(err, errlen, "redis: %s", a->c->errstr);
            return -1;
        }
        sent[i] = (rc == 0);
        if (rc > 0) {
            a->st.rejected++;
        }
    }

    for (i = 0; i < a->n; i++) {
        if (!sent[i]) {
            continue;
        }
        sent[i] = 0;
        if (rp_apply_reply(a, i, 1, err, errlen) != 0) {
            return -1;
        }
    }

    /* NOSCRIPT: the script cache was lost; EVAL loads it again */
    retries = 0;
    for (i = 0; i < a->n; i++) {
        if (a->retry[i]) {
            if (rp_apply_send(a, &a->queue[i], NULL) != 0) {
                snprintf(err, errlen, "redis: %s", a->c->errstr);
                return -1;
            }
            retries++;
        }
    }

    for (i = 0; retries > 0 && i < a->n; i++) {
        if (a->retry[i]) {
            a->retry[i] = 0;
            if (rp_apply_reply(a, i, 0, err, errlen) != 0) {
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
    free(a->retry);
    free(a);
}
