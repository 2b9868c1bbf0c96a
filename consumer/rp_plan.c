/*
 * rp_plan.c: a batch of messages as feature-store update commands (see
 * rp_plan.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_plan.h"


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


static int
rp_plan_reserve(rp_plan_t *p, size_t n)
{
    size_t  cap;

    if (n > p->msgcap) {
        if (rp_grow(&p->msgs, n, sizeof(rp_plan_msg_t)) != 0) {
            return -1;
        }
        p->msgcap = n;
    }

    if (n <= p->evcap) {
        return 0;
    }

    cap = n > 2 * p->evcap ? n : 2 * p->evcap;
    if (rp_grow(&p->evs, cap, sizeof(rp_event_t)) != 0
        || rp_grow(&p->evp, cap, sizeof(rp_event_t *)) != 0
        || rp_grow(&p->evmsg, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->order, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->ends, cap, sizeof(uint32_t)) != 0
        || rp_grow(&p->work, rp_store_plan_words(cap), sizeof(uint32_t)) != 0
        || rp_grow(&p->cmark, cap, 1) != 0)
    {
        return -1;              /* what grew stays valid; evcap is unchanged */
    }

    p->evcap = cap;
    return 0;
}


/* Appends one command in Redis' protocol (RESP arrays of bulk strings). */
static int
rp_plan_encode(rp_plan_t *p, const rp_store_update_t *c)
{
    size_t  need = 16, cap;
    int     i;
    char   *w;

    for (i = 0; i < c->argc; i++) {
        need += c->argvlen[i] + 32;
    }

    if (p->resplen + need > p->respcap) {
        cap = p->respcap ? p->respcap : 65536;
        while (cap < p->resplen + need) {
            cap *= 2;
        }
        if (rp_grow(&p->resp, cap, 1) != 0) {
            return -1;
        }
        p->respcap = cap;
    }

    w = p->resp + p->resplen;
    w += sprintf(w, "*%d\r\n", c->argc);
    for (i = 0; i < c->argc; i++) {
        w += sprintf(w, "$%zu\r\n", c->argvlen[i]);
        memcpy(w, c->argv[i], c->argvlen[i]);
        w += c->argvlen[i];
        *w++ = '\r';
        *w++ = '\n';
    }
    p->resplen = (size_t) (w - p->resp);

    return 0;
}


int
rp_plan_event(const char *s, size_t len, rp_event_t *ev, int64_t now,
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


int
rp_plan_make(rp_plan_t *p, const rp_batch_t *b, rp_plan_payload_pt payload,
    const char *sha, int64_t ttl, size_t per_call, int64_t now,
    int64_t max_future)
{
    size_t             i, k;
    size_t             len;
    const char        *s;
    char               err[RP_ERR_MAX];
    const rp_bmsg_t   *bm;
    rp_plan_msg_t     *pm;

    p->made = 0;
    p->now = now;
    p->max_future = max_future;

    if (rp_plan_reserve(p, b->n) != 0) {
        return -1;
    }

    p->nev = 0;
    p->nmsgs = b->n;

    for (i = 0; i < b->n; i++) {
        bm = &b->msgs[i];
        pm = &p->msgs[i];
        pm->partition = bm->partition;
        pm->offset = bm->offset;
        pm->pending = bm->state == RP_BMSG_PENDING;
        pm->event = -1;

        if (!pm->pending) {
            continue;
        }

        s = payload(bm->msg, &len);
        if (rp_plan_event(s, len, &p->evs[p->nev], now, max_future, err,
                          sizeof(err)) != 0)
        {
            continue;
        }

        pm->event = (int32_t) p->nev;
        p->evp[p->nev] = &p->evs[p->nev];
        p->evmsg[p->nev] = (uint32_t) i;
        p->nev++;
    }

    p->ncmd = rp_store_plan(p->evp, p->nev, per_call, p->order, p->ends,
                            p->work);

    p->resplen = 0;
    for (k = 0; k < p->ncmd; k++) {
        if (rp_plan_cmd(p, k, ttl, sha) != 0 || rp_plan_encode(p, &p->cmd) != 0)
        {
            return -1;
        }
    }

    p->made = 1;
    return 0;
}


int
rp_plan_fits(const rp_plan_t *p, const rp_batch_t *b)
{
    size_t  i;

    if (!p->made || p->nmsgs != b->n) {
        return 0;
    }

    for (i = 0; i < b->n; i++) {
        if (b->msgs[i].partition != p->msgs[i].partition
            || b->msgs[i].offset != p->msgs[i].offset
            || (b->msgs[i].state == RP_BMSG_PENDING) != p->msgs[i].pending)
        {
            return 0;
        }
    }

    return 1;
}


void
rp_plan_arm(rp_plan_t *p, rp_batch_t *b)
{
    size_t  i;

    for (i = 0; i < b->n; i++) {
        b->msgs[i].mark = p->msgs[i].event >= 0 ? RP_MARK_SENT
                                                : RP_MARK_INVALID;
    }

    memset(p->cmark, RP_MARK_SENT, p->ncmd);
}


size_t
rp_plan_first(const rp_plan_t *p, size_t k)
{
    return k ? p->ends[k - 1] : 0;
}


int
rp_plan_cmd(rp_plan_t *p, size_t k, int64_t ttl, const char *sha)
{
    const rp_event_t  *grp[RP_STORE_GROUP_MAX];
    size_t             i, from = rp_plan_first(p, k);

    for (i = from; i < p->ends[k]; i++) {
        grp[i - from] = p->evp[p->order[i]];
    }

    return rp_store_update_cmd(&p->cmd, grp, p->ends[k] - from, ttl, sha);
}


void
rp_plan_forget(rp_plan_t *p)
{
    p->made = 0;
}


void
rp_plan_free(rp_plan_t *p)
{
    free(p->evs);
    free(p->evp);
    free(p->evmsg);
    free(p->order);
    free(p->ends);
    free(p->work);
    free(p->cmark);
    free(p->resp);
    free(p->msgs);
    memset(p, 0, sizeof(*p));
}
