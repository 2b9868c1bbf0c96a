/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_batch.c: batch and commit bookkeeping (see rp_batch.h).
 */

#include <stdlib.h>
#include <string.h>

#include "rp_batch.h"


static rp_bpart_t *
rp_batch_part(rp_batch_t *b, int32_t partition, int create)
{
    size_t       i, ncap;
    rp_bpart_t  *np;

    for (i = 0; i < b->nparts; i++) {
        if (b->parts[i].partition == partition) {
            return &b->parts[i];
        }
    }

    if (!create) {
        return NULL;
    }

    if (b->nparts == b->partcap) {
        ncap = b->partcap ? b->partcap * 2 : 8;
        np = realloc(b->parts, ncap * sizeof(*np));
        if (np == NULL) {
            return NULL;
        }
        b->parts = np;
        b->partcap = ncap;
    }

    np = &b->parts[b->nparts++];
    np->partition = partition;
    np->applied = -1;
    np->committed = -1;
    return np;
}


int
rp_batch_init(rp_batch_t *b, size_t cap, rp_batch_release_pt release)
{
    memset(b, 0, sizeof(*b));
    b->release = release;
    b->cap = cap ? cap : 1;
    b->msgs = malloc(b->cap * sizeof(*b->msgs));
    return b->msgs == NULL ? -1 : 0;
}


static void
rp_batch_release_all(rp_batch_t *b)
{
    size_t  i;

    for (i = 0; i < b->n; i++) {
        if (b->msgs[i].msg != NULL && b->release != NULL) {
            b->release(b->msgs[i].msg);
        }
        b->msgs[i].msg = NULL;
    }
    b->n = 0;
    b->live = 0;
}


void
rp_batch_discard(rp_batch_t *b)
{
    rp_batch_release_all(b);
}


void
rp_batch_free(rp_batch_t *b)
{
    rp_batch_release_all(b);
    free(b->msgs);
    free(b->parts);
    memset(b, 0, sizeof(*b));
}


int
rp_batch_add(rp_batch_t *b, int32_t partition, int64_t offset, void *msg)
{
    size_t      ncap;
    rp_bmsg_t  *nm;

    if (b->n == b->cap) {
        ncap = b->cap * 2;
        nm = realloc(b->msgs, ncap * sizeof(*nm));
        if (nm == NULL) {
            return -1;
        }
        b->msgs = nm;
        b->cap = ncap;
    }

    nm = &b->msgs[b->n++];
    nm->partition = partition;
    nm->offset = offset;
    nm->state = RP_BMSG_PENDING;
    nm->mark = 0;
    nm->msg = msg;
    b->live++;
    return 0;
}


int
rp_batch_move(rp_batch_t *dst, rp_batch_t *src)
{
    size_t      i, need, ncap;
    rp_bmsg_t  *nm;

    need = dst->n + src->n;
    if (need > dst->cap) {
        ncap = dst->cap;
        while (ncap < need) {
            ncap *= 2;
        }
        nm = realloc(dst->msgs, ncap * sizeof(*nm));
        if (nm == NULL) {
            return -1;
        }
        dst->msgs = nm;
        dst->cap = ncap;
    }

    for (i = 0; i < src->n; i++) {
        if (src->msgs[i].state == RP_BMSG_PENDING) {
            dst->msgs[dst->n++] = src->msgs[i];
            dst->live++;
        }
    }

    src->n = 0;
    src->live = 0;
    return 0;
}


size_t
rp_batch_live(const rp_batch_t *b)
{
    return b->live;     /* counted as messages come and go: called per poll */
}


size_t
rp_batch_drop_partition(rp_batch_t *b, int32_t partition)
{
    size_t      i, dropped = 0;
    rp_bmsg_t  *m;

    for (i = 0; i < b->n; i++) {
        m = &b->msgs[i];
        if (m->partition != partition || m->state == RP_BMSG_DROPPED) {
            continue;
        }
        if (m->msg != NULL && b->release != NULL) {
            b->release(m->msg);
        }
        m->msg = NULL;
        m->state = RP_BMSG_DROPPED;
        dropped++;
    }

    b->live -= dropped;
    return dropped;
}


void
rp_batch_forget_partition(rp_batch_t *b, int32_t partition)
{
    size_t  i;

    for (i = 0; i < b->nparts; i++) {
        if (b->parts[i].partition == partition) {
            b->parts[i] = b->parts[--b->nparts];
            return;
        }
    }
}


int
rp_batch_applied(rp_batch_t *b)
{
    size_t       i;
    rp_bmsg_t   *m;
    rp_bpart_t  *p;

    for (i = 0; i < b->n; i++) {
        m = &b->msgs[i];
        if (m->state == RP_BMSG_DROPPED) {
            continue;
        }
        p = rp_batch_part(b, m->partition, 1);
        if (p == NULL) {
            return -1;
        }
        if (m->offset + 1 > p->applied) {
            p->applied = m->offset + 1;
        }
    }

    rp_batch_release_all(b);
    return 0;
}


size_t
rp_batch_commit_list(const rp_batch_t *b, int32_t only_partition,
    int32_t *partitions, int64_t *offsets, size_t max)
{
    size_t             i, k = 0;
    const rp_bpart_t  *p;

    for (i = 0; i < b->nparts && k < max; i++) {
        p = &b->parts[i];
        if (only_partition >= 0 && p->partition != only_partition) {
            continue;
        }
        if (p->applied >= 0 && p->applied > p->committed) {
            partitions[k] = p->partition;
            offsets[k] = p->applied;
            k++;
        }
    }

    return k;
}


void
rp_batch_committed(rp_batch_t *b, int32_t partition, int64_t offset)
{
    rp_bpart_t  *p;

    p = rp_batch_part(b, partition, 0);
    if (p != NULL && offset > p->committed) {
        p->committed = offset;
    }
}


int64_t
rp_backoff_next(int64_t cur, int64_t min, int64_t max)
{
    if (cur < min) {
        return min;
    }
    if (cur >= max / 2) {
        return max;
    }
    return cur * 2;
}


void
rp_hist_add(rp_hist_t *h, int64_t ms)
{
    if (ms < 0) {
        ms = 0;
    }
    if (ms >= RP_HIST_MAX) {
        ms = RP_HIST_MAX - 1;
    }
    h->bucket[ms]++;
    h->count++;
}


int64_t
rp_hist_quantile(const rp_hist_t *h, double q)
{
    uint64_t  need, seen = 0;
    size_t    i;

    if (h->count == 0) {
        return -1;
    }

    need = (uint64_t) (q * (double) h->count + 0.999999);
    if (need < 1) {
        need = 1;
    }
    if (need > h->count) {
        need = h->count;
    }

    for (i = 0; i < RP_HIST_MAX; i++) {
        seen += h->bucket[i];
        if (seen >= need) {
            return (int64_t) i;
        }
    }

    return RP_HIST_MAX - 1;
}
