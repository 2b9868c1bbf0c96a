/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_plan.c: a batch of Kafka messages as feature-store update commands
 * (see rp_plan.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_plan.h"


typedef struct {
    rp_plan_t           *p;
    const rp_batch_t    *b;
    rp_plan_payload_pt   payload;
} rp_plan_src_t;


void
rp_plan_source(const char *topic, int32_t partition,
    char out[RP_STORE_SOURCE_LEN + 1])
{
    char  name[300];
    int   n;

    n = snprintf(name, sizeof(name), "kafka:%s:%d", topic, (int) partition);
    rp_store_source(name, n < (int) sizeof(name) ? (size_t) n
                                                 : sizeof(name) - 1, out);
}


/* The pipe's view of the batch: pending messages only. */
static const char *
rp_plan_item(void *data, size_t i, size_t *len, rp_store_pos_t *at)
{
    rp_plan_src_t    *src = data;
    rp_plan_t        *p = src->p;
    const rp_bmsg_t  *bm = &src->b->msgs[i];
    const char       *s;

    if (bm->state != RP_BMSG_PENDING) {
        return NULL;
    }

    /* a batch holds runs of one partition: one token per run */
    if (bm->partition != p->src_part || p->src[0] == '\0') {
        rp_plan_source(p->topic, bm->partition, p->src);
        p->src_part = bm->partition;
    }
    memcpy(at->src, p->src, sizeof(at->src));
    at->pos = bm->offset;

    s = src->payload(bm->msg, len);
    return s != NULL ? s : "";          /* no value: an empty message */
}


int
rp_plan_make(rp_plan_t *p, const rp_batch_t *b, rp_plan_payload_pt payload,
    const char *topic, const char *sha, int64_t ttl, size_t per_call,
    int64_t now, int64_t max_future)
{
    size_t          i;
    void           *q;
    rp_plan_src_t   src;

    p->made = 0;
    p->now = now;

    if (b->n > p->msgcap) {
        q = realloc(p->msgs, b->n * sizeof(rp_plan_msg_t));
        if (q == NULL) {
            return -1;
        }
        p->msgs = q;
        p->msgcap = b->n;
    }

    p->nmsgs = b->n;
    for (i = 0; i < b->n; i++) {
        p->msgs[i].partition = b->msgs[i].partition;
        p->msgs[i].offset = b->msgs[i].offset;
        p->msgs[i].pending = b->msgs[i].state == RP_BMSG_PENDING;
    }

    if (p->topic != topic) {
        p->topic = topic;
        p->src[0] = '\0';
    }

    src.p = p;
    src.b = b;
    src.payload = payload;
    rp_pipe_reset(&p->pipe);

    if (rp_pipe_parse(&p->pipe, b->n, rp_plan_item, &src, now, max_future)
        != 0
        || rp_pipe_plan(&p->pipe, per_call, sha, ttl) != 0)
    {
        return -1;
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
        b->msgs[i].mark = p->pipe.item_event[i] >= 0 ? RP_MARK_SENT
                                                     : RP_MARK_INVALID;
    }
}


void
rp_plan_forget(rp_plan_t *p)
{
    p->made = 0;
}


void
rp_plan_free(rp_plan_t *p)
{
    rp_pipe_free(&p->pipe);
    free(p->msgs);
    memset(p, 0, sizeof(*p));
}
