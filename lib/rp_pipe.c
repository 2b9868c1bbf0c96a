/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_pipe.c: events into the Redis feature store, pipelined (see
 * rp_pipe.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_pipe.h"


/* Grows an array to hold n elements of size sz. 0 / -1. */
static int
rp_grow(void *pp, size_t n, size_t sz)
{
    void  *q = realloc(*(void **) pp, n * sz);

    if (q == NULL) {
        return -1;
    }
    *(void **) pp = q;
    return 0;
}


/* Room for n items and n events. 0 / -1. */
static int
rp_pipe_reserve(rp_pipe_t *p, size_t n)
{
    size_t  cap;

    if (n > p->itemcap) {
        cap = n > 2 * p->itemcap ? n : 2 * p->itemcap;
        if (rp_grow(&p->item_event, cap, sizeof(int32_t)) != 0
            || rp_grow(&p->item_why, cap, sizeof(uint32_t)) != 0)
        {
            return -1;          /* what grew stays valid; the cap does not */
        }
        p->itemcap = cap;
    }

    if (n <= p->evcap) {
        return 0;
    }

    cap = n > 2 * p->evcap ? n : 2 * p->evcap;
    if (rp_grow(&p->evs, cap, sizeof(rp_event_t)) != 0
        || rp_grow(&p->evp, cap, sizeof(rp_event_t *)) != 0
        || rp_grow(&p->at, cap, sizeof(rp_store_pos_t)) != 0
        || rp_grow(&p->evitem, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->status, cap, 1) != 0
        || rp_grow(&p->order, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->ends, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->work, rp_store_plan_words(cap), sizeof(uint32_t)) != 0
        || rp_grow(&p->cstate, cap, 1) != 0
        || rp_grow(&p->cwhy, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->cslot, cap, sizeof(uint16_t)) != 0
        || rp_grow(&p->cnode, cap, sizeof(int16_t)) != 0
        || rp_grow(&p->cflag, cap, 1) != 0
        || rp_grow(&p->coff, cap + 1, sizeof(size_t)) != 0)
    {
        return -1;
    }

    p->evcap = cap;
    return 0;
}


uint32_t
rp_pipe_why(rp_pipe_t *p, const char *s, size_t len)
{
    size_t  cap, at = p->whylen;

    if (p->whylen + len + 1 > p->whycap) {
        cap = p->whycap ? p->whycap : 4096;
        while (cap < p->whylen + len + 1) {
            cap *= 2;
        }
        if (cap > UINT32_MAX || rp_grow(&p->why, cap, 1) != 0) {
            return 0;
        }
        p->whycap = cap;
    }

    memcpy(p->why + at, s, len);
    p->why[at + len] = '\0';
    p->whylen += len + 1;
    return (uint32_t) at + 1;
}


int
rp_pipe_event(const char *s, size_t len, rp_event_t *ev, int64_t now,
    int64_t max_future, char *err, size_t errlen)
{
    if (s == NULL || len == 0) {
        snprintf(err, errlen, "empty message");
        return -1;
    }

    if (rp_event_from_json(s, len, ev, err, errlen) != 0
        || rp_event_time_check(ev->ts, now, max_future, err, errlen) != 0)
    {
        return -1;
    }

    if (rp_store_event_valid(ev) != 0) {
        snprintf(err, errlen, "refused by the store");
        return -1;
    }

    return 0;
}


void
rp_pipe_reset(rp_pipe_t *p)
{
    p->nitems = 0;
    p->nev = 0;
    p->ncmd = 0;
    p->resplen = 0;
    p->whylen = 0;
    p->whyplan = 0;
}


/* Item nitems gets event nev (ev copied unless it is already there). */
static void
rp_pipe_take(rp_pipe_t *p, const rp_event_t *ev, const rp_store_pos_t *at)
{
    if (ev != &p->evs[p->nev]) {
        p->evs[p->nev] = *ev;
    }
    p->at[p->nev] = *at;
    p->evitem[p->nev] = (uint32_t) p->nitems;
    p->status[p->nev] = RP_PIPE_QUEUED;
    p->item_event[p->nitems] = (int32_t) p->nev;
    p->item_why[p->nitems] = 0;
    p->nev++;
    p->nitems++;
}


/* Item nitems has no event, for the reason why (NULL: none). 0 / -1. */
static int
rp_pipe_skip(rp_pipe_t *p, const char *why)
{
    uint32_t  w = 0;

    if (why != NULL && (w = rp_pipe_why(p, why, strlen(why))) == 0) {
        return -1;
    }
    p->item_event[p->nitems] = -1;
    p->item_why[p->nitems] = w;
    p->nitems++;
    return 0;
}


int
rp_pipe_parse(rp_pipe_t *p, size_t n, rp_pipe_payload_pt payload,
    void *data, int64_t now, int64_t max_future)
{
    size_t           i, len;
    const char      *s;
    char             err[RP_ERR_MAX];
    rp_store_pos_t   at;

    if (rp_pipe_reserve(p, p->nitems + n) != 0) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        s = payload(data, i, &len, &at);
        if (s == NULL) {
            if (rp_pipe_skip(p, NULL) != 0) {
                return -1;
            }
            continue;
        }

        if (rp_pipe_event(s, len, &p->evs[p->nev], now, max_future, err,
                          sizeof(err)) != 0)
        {
            if (rp_pipe_skip(p, err) != 0) {
                return -1;
            }
            continue;
        }

        rp_pipe_take(p, &p->evs[p->nev], &at);
    }

    return 0;
}


int
rp_pipe_add(rp_pipe_t *p, const rp_event_t *ev, const rp_store_pos_t *at)
{
    if (rp_pipe_reserve(p, p->nitems + 1) != 0) {
        return -1;
    }

    if (rp_store_event_valid(ev) != 0) {
        return rp_pipe_skip(p, "refused by the store");
    }

    rp_pipe_take(p, ev, at);
    return 0;
}


size_t
rp_pipe_first(const rp_pipe_t *p, size_t k)
{
    return k ? p->ends[k - 1] : 0;
}


int
rp_pipe_cmd(rp_pipe_t *p, size_t k, const char *sha)
{
    const rp_event_t      *grp[RP_STORE_GROUP_MAX];
    const rp_store_pos_t  *at[RP_STORE_GROUP_MAX];
    size_t                 i, from = rp_pipe_first(p, k);

    for (i = from; i < p->ends[k]; i++) {
        grp[i - from] = p->evp[p->order[i]];
        at[i - from] = &p->at[p->order[i]];
    }

    return rp_store_update_cmd(&p->cmd, grp, at, p->ends[k] - from, p->ttl,
                               sha);
}


/* Appends command k in Redis' protocol (hiredis formats it). 0 / -1. */
static int
rp_pipe_encode(rp_pipe_t *p)
{
    int     n;
    char   *s;
    size_t  cap;

    n = redisFormatCommandArgv(&s, p->cmd.argc, p->cmd.argv, p->cmd.argvlen);
    if (n < 0) {
        return -1;
    }

    if (p->resplen + (size_t) n > p->respcap) {
        cap = p->respcap ? p->respcap : 65536;
        while (cap < p->resplen + (size_t) n) {
            cap *= 2;
        }
        if (rp_grow(&p->resp, cap, 1) != 0) {
            redisFreeCommand(s);
            return -1;
        }
        p->respcap = cap;
    }

    memcpy(p->resp + p->resplen, s, (size_t) n);
    p->resplen += (size_t) n;
    redisFreeCommand(s);
    return 0;
}


/* The cluster slot of command k's key: its user's. */
static unsigned
rp_pipe_slot(const rp_pipe_t *p, size_t k)
{
    size_t             n;
    char               key[RP_STORE_KEY_MAX + 8];
    const rp_event_t  *ev = p->evp[p->order[rp_pipe_first(p, k)]];

    n = rp_store_user_key(ev->user_id, ev->user_id_len, key, sizeof(key));
    return rp_store_key_slot(key, n);
}


int
rp_pipe_plan(rp_pipe_t *p, size_t per_call, const char *sha, int64_t ttl)
{
    size_t  k;

    /* evs may have moved while items were added */
    for (k = 0; k < p->nev; k++) {
        p->evp[k] = &p->evs[k];
    }

    p->ttl = ttl;
    p->ncmd = rp_store_plan(p->evp, p->nev, per_call, p->order, p->ends,
                            p->work);
    p->resplen = 0;
    p->whyplan = p->whylen;

    for (k = 0; k < p->ncmd; k++) {
        p->coff[k] = p->resplen;
        if (rp_pipe_cmd(p, k, sha) != 0 || rp_pipe_encode(p) != 0) {
            return -1;
        }
        p->cslot[k] = (uint16_t) rp_pipe_slot(p, k);
    }
    if (p->ncmd > 0) {
        p->coff[p->ncmd] = p->resplen;
    }

    return 0;
}


int
rp_pipe_send(rp_pipe_t *p, redisContext *c)
{
    int  done;

    /* a batch sent again starts from its plan: no answers yet (an empty
     * batch may have no arrays) */
    p->whylen = p->whyplan;
    if (p->nev > 0) {
        memset(p->status, RP_PIPE_QUEUED, p->nev);
        memset(p->cstate, RP_CMD_SENT, p->ncmd);
        memset(p->cwhy, 0, p->ncmd * sizeof(uint32_t));
    }

    if (p->resplen > 0
        && redisAppendFormattedCommand(c, p->resp, p->resplen) != REDIS_OK)
    {
        snprintf(p->err, sizeof(p->err), "cannot buffer the commands");
        return -1;
    }

    do {
        if (redisBufferWrite(c, &done) != REDIS_OK) {
            snprintf(p->err, sizeof(p->err), "%s",
                     c->errstr[0] ? c->errstr : "connection lost");
            return -1;
        }
    } while (!done);

    return 0;
}


int
rp_pipe_transient(const char *s, size_t len)
{
    static const char *const  prefixes[] = {
        "LOADING", "BUSY", "OOM", "READONLY", "MASTERDOWN", "TRYAGAIN",
        "CLUSTERDOWN", "MISCONF", "NOREPLICAS"
    };
    size_t  i, n;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i]);
        if (len >= n && strncmp(s, prefixes[i], n) == 0) {
            return 1;
        }
    }
    return 0;
}


int
rp_pipe_reply(rp_pipe_t *p, size_t k, const redisReply *r, int pass)
{
    size_t    i, from = rp_pipe_first(p, k), n = p->ends[k] - from;
    uint64_t  bits;

    if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0
        && (uint64_t) r->integer < (1ULL << n))
    {
        p->cstate[k] = RP_CMD_DONE;
        bits = (uint64_t) r->integer;
        for (i = from; i < p->ends[k]; i++, bits >>= 1) {
            p->status[p->order[i]] = (bits & 1) ? RP_PIPE_APPLIED
                                                : RP_PIPE_REPLAY;
            if (bits & 1) {
                p->applied++;
            } else {
                p->replays++;
            }
        }
        return 0;
    }

    if (r->type == REDIS_REPLY_ERROR && pass == 0
        && strncmp(r->str, "NOSCRIPT", 8) == 0)
    {
        p->cstate[k] = RP_CMD_EVAL;
        p->noscript++;
        return 0;
    }

    p->cstate[k] = RP_CMD_DONE;

    if (r->type == REDIS_REPLY_ERROR && rp_pipe_transient(r->str, r->len)) {
        return 1;
    }

    /* the store's verdict on this user's events */
    if (r->type == REDIS_REPLY_ERROR) {
        p->cwhy[k] = rp_pipe_why(p, r->str, r->len);
    } else {
        p->cwhy[k] = rp_pipe_why(p, "unexpected reply", 16);
    }
    if (p->cwhy[k] == 0) {
        return -1;
    }
    for (i = from; i < p->ends[k]; i++) {
        p->status[p->order[i]] = RP_PIPE_REFUSED;
        p->refused++;
    }
    return 0;
}


int
rp_pipe_recv(rp_pipe_t *p, redisContext *c)
{
    int          pass, rc, retry = 0;
    char         sha[41];
    size_t       k;
    redisReply  *r;

    p->applied = 0;
    p->replays = 0;
    p->refused = 0;
    p->noscript = 0;
    p->err[0] = '\0';

    /* pass 0: the replies as sent; pass 1: EVAL after NOSCRIPT */
    for (pass = 0; pass < 2; pass++) {

        for (k = 0; k < p->ncmd; k++) {
            if (p->cstate[k] != RP_CMD_SENT) {
                continue;
            }

            if (redisGetReply(c, (void **) &r) != REDIS_OK || r == NULL) {
                snprintf(p->err, sizeof(p->err), "%s",
                         c->errstr[0] ? c->errstr : "connection lost");
                return RP_PIPE_LOST;
            }

            rc = rp_pipe_reply(p, k, r, pass);
            if (rc == 1 && !retry) {
                retry = 1;
                snprintf(p->err, sizeof(p->err), "%.*s", (int) r->len,
                         r->str);
            }
            freeReplyObject(r);

            if (rc < 0) {
                snprintf(p->err, sizeof(p->err), "out of memory");
                return RP_PIPE_LOST;
            }
        }

        /* every reply is read, so the connection is in step */
        if (retry) {
            return RP_PIPE_RETRY;
        }

        if (p->noscript == 0 || pass == 1) {
            break;
        }

        for (k = 0; k < p->ncmd; k++) {
            if (p->cstate[k] != RP_CMD_EVAL) {
                continue;
            }
            if (rp_pipe_cmd(p, k, NULL) != 0
                || redisAppendCommandArgv(c, p->cmd.argc, p->cmd.argv,
                                          p->cmd.argvlen) != REDIS_OK)
            {
                snprintf(p->err, sizeof(p->err), "cannot resend with EVAL");
                return RP_PIPE_LOST;
            }
            p->cstate[k] = RP_CMD_SENT;
        }
    }

    /* EVAL cached the script again; loading it by name as well keeps it
     * for the next batches' EVALSHA even if this Redis forgets EVAL'd
     * scripts. An error reply only means NOSCRIPT again next time. */
    if (p->noscript > 0
        && rp_pipe_load(c, sha, p->err, sizeof(p->err)) != 0 && c->err)
    {
        return RP_PIPE_LOST;
    }

    return 0;
}


const char *
rp_pipe_reason(const rp_pipe_t *p, size_t i)
{
    int32_t  e;
    size_t   k;

    if (i >= p->nitems) {
        return NULL;
    }

    if (p->item_why[i] != 0) {
        return p->why + p->item_why[i] - 1;
    }

    e = p->item_event[i];
    if (e < 0 || p->status[e] != RP_PIPE_REFUSED) {
        return NULL;
    }

    for (k = 0; k < p->ncmd; k++) {
        size_t  j;

        for (j = rp_pipe_first(p, k); j < p->ends[k]; j++) {
            if (p->order[j] == (uint32_t) e) {
                return p->cwhy[k] ? p->why + p->cwhy[k] - 1 : NULL;
            }
        }
    }

    return NULL;
}


int
rp_pipe_load(redisContext *c, char sha[41], char *err, size_t errlen)
{
    redisReply      *r;
    rp_store_cmd_t   cmd;

    rp_store_script_load_cmd(&cmd);
    r = redisCommandArgv(c, cmd.argc, cmd.argv, cmd.argvlen);
    if (r == NULL) {
        snprintf(err, errlen, "SCRIPT LOAD: %s",
                 c->errstr[0] ? c->errstr : "no reply");
        return -1;
    }

    if (r->type != REDIS_REPLY_STRING || r->len != 40) {
        snprintf(err, errlen, "SCRIPT LOAD: %.*s",
                 r->str ? (int) r->len : 16,
                 r->str ? r->str : "unexpected reply");
        freeReplyObject(r);
        return -1;
    }

    memcpy(sha, r->str, 41);
    freeReplyObject(r);
    return 0;
}


void
rp_pipe_free(rp_pipe_t *p)
{
    free(p->evs);
    free(p->evp);
    free(p->at);
    free(p->evitem);
    free(p->status);
    free(p->item_event);
    free(p->item_why);
    free(p->order);
    free(p->ends);
    free(p->work);
    free(p->cstate);
    free(p->cwhy);
    free(p->cslot);
    free(p->cnode);
    free(p->cflag);
    free(p->coff);
    free(p->resp);
    free(p->why);
    memset(p, 0, sizeof(*p));
}
