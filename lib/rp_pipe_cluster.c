/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_pipe_cluster.c: the events -> Redis pipe on a Redis Cluster (see
 * rp_pipe.h): the planned commands split per primary by their key's slot,
 * one pipeline per node, redirects followed.
 */

#include <stdio.h>
#include <string.h>

#include "rp_pipe.h"


/* Rounds of redirects and NOSCRIPT a batch may take: a slot moves once
 * (MOVED), or is being moved (ASK), and a command may then meet an empty
 * script cache on its new node. */
#define RP_PIPE_ROUNDS  6

#define RP_FLAG_ASK     1           /* send ASKING before it */
#define RP_FLAG_EVAL    2           /* send it as EVAL */


/* Writes out the commands buffered on the nodes of sent[]. 0 / -1. */
static int
rp_pipe_flush(rp_pipe_t *p, rp_cluster_t *cl, const uint8_t *sent)
{
    int            done;
    size_t         i;
    redisContext  *c;

    for (i = 0; i < cl->nnodes; i++) {
        if (!sent[i]) {
            continue;
        }
        c = cl->node[i].c;
        do {
            if (redisBufferWrite(c, &done) != REDIS_OK) {
                snprintf(p->err, sizeof(p->err), "%s:%d: %s",
                         cl->node[i].host, cl->node[i].port,
                         c->errstr[0] ? c->errstr : "connection lost");
                return -1;
            }
        } while (!done);
    }

    return 0;
}


/* Buffers command k on its node p->cnode[k] (ASKING first, or as EVAL,
 * per its flags). 0 / -1. */
static int
rp_pipe_put(rp_pipe_t *p, rp_cluster_t *cl, size_t k, uint8_t *sent)
{
    int            rc;
    redisContext  *c;

    c = rp_cluster_conn(cl, p->cnode[k]);
    if (c == NULL) {
        snprintf(p->err, sizeof(p->err), "%s", cl->err);
        return -1;
    }

    if ((p->cflag[k] & RP_FLAG_ASK)
        && redisAppendCommand(c, "ASKING") != REDIS_OK)
    {
        goto failed;
    }

    if (p->cflag[k] & RP_FLAG_EVAL) {
        rc = rp_pipe_cmd(p, k, NULL) == 0
             && redisAppendCommandArgv(c, p->cmd.argc, p->cmd.argv,
                                       p->cmd.argvlen) == REDIS_OK;
    } else {
        rc = redisAppendFormattedCommand(c, p->resp + p->coff[k],
                                         p->coff[k + 1] - p->coff[k])
             == REDIS_OK;
    }
    if (!rc) {
        goto failed;
    }

    p->cstate[k] = RP_CMD_SENT;
    sent[p->cnode[k]] = 1;
    cl->node[p->cnode[k]].written = 1;
    return 0;

failed:

    snprintf(p->err, sizeof(p->err), "cannot buffer the commands");
    return -1;
}


int
rp_pipe_csend(rp_pipe_t *p, rp_cluster_t *cl)
{
    size_t   k;
    uint8_t  sent[RP_CLUSTER_NODES_MAX] = { 0 };

    p->whylen = p->whyplan;
    if (p->nev > 0) {
        memset(p->status, RP_PIPE_QUEUED, p->nev);
        memset(p->cstate, RP_CMD_SENT, p->ncmd);
        memset(p->cwhy, 0, p->ncmd * sizeof(uint32_t));
        memset(p->cflag, 0, p->ncmd);
    }

    if (cl->stale && rp_cluster_refresh(cl) != 0) {
        snprintf(p->err, sizeof(p->err), "%s", cl->err);
        return -1;
    }

    for (k = 0; k < p->ncmd; k++) {
        p->cnode[k] = (int16_t) rp_cluster_slot_node(cl, p->cslot[k]);
        if (p->cnode[k] < 0) {
            snprintf(p->err, sizeof(p->err), "no node serves slot %u",
                     (unsigned) p->cslot[k]);
            cl->stale = 1;
            goto failed;
        }
        if (rp_pipe_put(p, cl, k, sent) != 0) {
            goto failed;
        }
    }

    if (rp_pipe_flush(p, cl, sent) == 0) {
        return 0;
    }

failed:

    rp_cluster_disconnect(cl);      /* some nodes may have half a batch */
    return -1;
}


/* Reads command k's reply on its node: 0, 1 transient, -1 lost. */
static int
rp_pipe_creply(rp_pipe_t *p, rp_cluster_t *cl, size_t k)
{
    int                 to, rc;
    redisReply         *r;
    rp_cluster_node_t  *nd = &cl->node[p->cnode[k]];

    if (p->cflag[k] & RP_FLAG_ASK) {
        if (redisGetReply(nd->c, (void **) &r) != REDIS_OK || r == NULL) {
            goto lost;
        }
        freeReplyObject(r);         /* ASKING's +OK */
    }

    if (redisGetReply(nd->c, (void **) &r) != REDIS_OK || r == NULL) {
        goto lost;
    }

    rc = 0;
    if (r->type == REDIS_REPLY_ERROR
        && (to = -1, rc = rp_cluster_redirect(cl, r->str, r->len, &to)) != 0)
    {
        p->cstate[k] = RP_CMD_MOVE;
        p->cnode[k] = (int16_t) to;
        p->cflag[k] = (uint8_t) ((p->cflag[k] & RP_FLAG_EVAL)
                                 | (rc == RP_CLUSTER_ASK ? RP_FLAG_ASK : 0));
        p->redirects++;
        rc = 0;

    } else if (r->type == REDIS_REPLY_ERROR
               && strncmp(r->str, "NOSCRIPT", 8) == 0
               && !(p->cflag[k] & RP_FLAG_EVAL))
    {
        p->cstate[k] = RP_CMD_EVAL;
        p->cflag[k] = (uint8_t) ((p->cflag[k] & RP_FLAG_ASK) | RP_FLAG_EVAL);
        nd->noscript = 1;
        p->noscript++;

    } else {
        p->cflag[k] &= (uint8_t) ~RP_FLAG_ASK;
        rc = rp_pipe_reply(p, k, r, 1);
        if (rc == 1 && p->err[0] == '\0') {
            snprintf(p->err, sizeof(p->err), "%s:%d: %.*s", nd->host,
                     nd->port, (int) r->len, r->str);
        }
    }

    freeReplyObject(r);
    if (rc < 0) {
        snprintf(p->err, sizeof(p->err), "out of memory");
    }
    return rc;

lost:

    snprintf(p->err, sizeof(p->err), "%s:%d: %s", nd->host, nd->port,
             nd->c->errstr[0] ? nd->c->errstr : "connection lost");
    return -1;
}


int
rp_pipe_crecv(rp_pipe_t *p, rp_cluster_t *cl)
{
    int      rc, retry = 0, again;
    char     sha[41];
    size_t   i, k, round;
    uint8_t  sent[RP_CLUSTER_NODES_MAX];

    p->applied = 0;
    p->replays = 0;
    p->refused = 0;
    p->noscript = 0;
    p->redirects = 0;
    p->err[0] = '\0';

    for (round = 0; ; round++) {

        /* each node's replies come in the order its commands went */
        for (i = 0; i < cl->nnodes; i++) {
            for (k = 0; k < p->ncmd; k++) {
                if (p->cstate[k] != RP_CMD_SENT || p->cnode[k] != (int) i) {
                    continue;
                }
                rc = rp_pipe_creply(p, cl, k);
                if (rc < 0) {
                    rp_cluster_disconnect(cl);
                    return RP_PIPE_LOST;
                }
                if (rc == 1) {
                    retry = 1;
                }
            }
        }

        /* every reply is read, so every connection is in step */
        if (retry) {
            return RP_PIPE_RETRY;
        }

        again = 0;
        memset(sent, 0, sizeof(sent));
        for (k = 0; k < p->ncmd; k++) {
            if (p->cstate[k] != RP_CMD_MOVE && p->cstate[k] != RP_CMD_EVAL) {
                continue;
            }
            if (round + 1 == RP_PIPE_ROUNDS) {
                snprintf(p->err, sizeof(p->err), "slot %u: still redirected "
                         "after %d sends", (unsigned) p->cslot[k],
                         RP_PIPE_ROUNDS);
                cl->stale = 1;
                return RP_PIPE_RETRY;
            }
            if (rp_pipe_put(p, cl, k, sent) != 0) {
                rp_cluster_disconnect(cl);
                return RP_PIPE_LOST;
            }
            again = 1;
        }

        if (!again) {
            break;
        }
        if (rp_pipe_flush(p, cl, sent) != 0) {
            rp_cluster_disconnect(cl);
            return RP_PIPE_LOST;
        }
    }

    /* EVAL cached the script where it was missing; loading it by name
     * there keeps it for the next batches' EVALSHA */
    for (i = 0; i < cl->nnodes; i++) {
        if (!cl->node[i].noscript) {
            continue;
        }
        cl->node[i].noscript = 0;
        if (cl->node[i].c != NULL
            && rp_pipe_load(cl->node[i].c, sha, p->err, sizeof(p->err)) != 0
            && cl->node[i].c->err)
        {
            rp_cluster_disconnect(cl);
            return RP_PIPE_LOST;
        }
    }

    /* a slot moved: learn the rest of the move for the next batch */
    if (cl->stale) {
        rp_cluster_refresh(cl);
    }

    return 0;
}
