/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_apply.c: "rp-train materialize"'s use of the events -> Redis pipe
 * (see rp_apply.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_apply.h"
#include "rp_pipe.h"


#define RP_APPLY_ERRORS_SHOWN  5

struct rp_apply_s {
    redisContext        *c;
    rp_cluster_t        *cl;            /* or a cluster, c NULL */
    int64_t              ttl;
    size_t               batch;
    rp_pipe_t            pipe;
    rp_store_pos_t       at;        /* the source, the next event's line */
    char                 sha[41];
    rp_apply_stats_t     st;
};


rp_apply_t *
rp_apply_create(redisContext *c, int64_t ttl, size_t batch,
    const char *source, char *err, size_t errlen)
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
    rp_store_source(source, strlen(source), a->at.src);

    if (rp_pipe_load(c, a->sha, err, errlen) != 0) {
        rp_apply_destroy(a);
        return NULL;
    }

    return a;
}


rp_apply_t *
rp_apply_create_cluster(rp_cluster_t *cl, int64_t ttl, size_t batch,
    const char *source, char *err, size_t errlen)
{
    rp_apply_t      *a;
    redisContext    *c;
    rp_store_cmd_t   cmd;

    a = calloc(1, sizeof(rp_apply_t));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    a->cl = cl;
    a->ttl = ttl;
    a->batch = batch ? batch : 1;
    rp_store_source(source, strlen(source), a->at.src);

    /* its name from one primary, the script on all of them */
    rp_store_script_load_cmd(&cmd);
    if (rp_cluster_refresh(cl) != 0
        || (c = rp_cluster_conn(cl, rp_cluster_slot_node(cl, 0))) == NULL
        || rp_cluster_all(cl, cmd.argc, cmd.argv, cmd.argvlen) != 0)
    {
        snprintf(err, errlen, "redis cluster: %s", cl->err);
        rp_apply_destroy(a);
        return NULL;
    }
    if (rp_pipe_load(c, a->sha, err, errlen) != 0) {
        rp_apply_destroy(a);
        return NULL;
    }

    return a;
}


int
rp_apply_event(rp_apply_t *a, const rp_event_t *ev, int64_t pos, char *err,
    size_t errlen)
{
    a->at.pos = pos;
    if (rp_pipe_add(&a->pipe, ev, &a->at) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (a->pipe.nitems == a->batch) {
        return rp_apply_flush(a, err, errlen);
    }

    return 0;
}


/* The store refused a command: the first few are shown, all counted. */
static void
rp_apply_refused(rp_apply_t *a)
{
    size_t       i;
    int32_t      e;
    rp_pipe_t   *p = &a->pipe;
    const char  *why;

    for (i = 0; i < p->nitems; i++) {
        e = p->item_event[i];
        if (e >= 0 && p->status[e] != RP_PIPE_REFUSED) {
            continue;
        }

        a->st.rejected++;
        if (e >= 0 && a->st.rejected <= RP_APPLY_ERRORS_SHOWN) {
            why = rp_pipe_reason(p, i);
            fprintf(stderr, "rp_apply: event \"%s\" of user \"%s\" refused "
                    "by redis: %s\n", p->evs[e].event_id, p->evs[e].user_id,
                    why != NULL ? why : "unexpected reply");
        }
    }
}


int
rp_apply_flush(rp_apply_t *a, char *err, size_t errlen)
{
    int         rc, tries;
    useconds_t  pause = RP_APPLY_PAUSE_MS * 1000;
    rp_pipe_t  *p = &a->pipe;

    if (p->nitems == 0) {
        return 0;
    }

    if (rp_pipe_plan(p, RP_STORE_GROUP_MAX, a->sha, a->ttl) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (tries = 0; ; tries++) {
        if (a->cl != NULL) {
            /* a node lost is a failover under way: sent again later */
            rc = rp_pipe_csend(p, a->cl) != 0 ? RP_PIPE_LOST
                                              : rp_pipe_crecv(p, a->cl);
            a->st.redirects += p->redirects;
            if (rc == RP_PIPE_LOST) {
                rc = RP_PIPE_RETRY;
            }

        } else {
            if (rp_pipe_send(p, a->c) != 0) {
                snprintf(err, errlen, "redis: %s", p->err);
                return -1;
            }
            rc = rp_pipe_recv(p, a->c);
        }

        if (rc != RP_PIPE_RETRY) {
            break;
        }

        if (tries == RP_APPLY_RETRIES) {
            snprintf(err, errlen, "redis: %s (still after %d tries)", p->err,
                     tries + 1);
            return -1;
        }

        fprintf(stderr, "rp_apply: redis: %s: sending the batch again in "
                "%u ms\n", p->err, (unsigned) (pause / 1000));
        a->st.retries++;
        usleep(pause);
        if (pause < RP_APPLY_PAUSE_MAX_MS * 1000) {
            pause *= 2;
        }
    }

    if (rc != 0) {
        snprintf(err, errlen, "redis: %s", p->err);
        return -1;
    }

    a->st.applied += p->applied;
    a->st.replays += p->replays;
    a->st.noscript += p->noscript;
    rp_apply_refused(a);

    rp_pipe_reset(p);
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

    rp_pipe_free(&a->pipe);
    free(a);
}
