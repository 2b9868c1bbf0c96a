/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cluster.c: a small blocking Redis Cluster client (see rp_cluster.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "rp_cluster.h"
#include "rp_tool.h"
#include "rp_store.h"


/* rp_cluster_command's sends of one command, and its pauses between them:
 * together longer than a failover with cluster-node-timeout about 1 s */
#define RP_CLUSTER_TRIES       10
#define RP_CLUSTER_PAUSE_MS    100
#define RP_CLUSTER_PAUSE_MAX   1000


rp_cluster_t *
rp_cluster_create(const char *seeds, int timeout_ms, char *err, size_t errlen)
{
    int            port;
    char           one[300], host[256];
    size_t         n;
    const char    *s, *e;
    rp_cluster_t  *cl;

    if (seeds == NULL || *seeds == '\0') {
        snprintf(err, errlen, "no seed node: expected HOST:PORT[,HOST:PORT...]");
        return NULL;
    }

    cl = calloc(1, sizeof(rp_cluster_t));
    if (cl == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cl->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
    memset(cl->slot, 0xff, sizeof(cl->slot));

    for (s = seeds; ; s = e + 1) {
        e = strchr(s, ',');
        n = e ? (size_t) (e - s) : strlen(s);
        if (n == 0 || n >= sizeof(one)) {
            snprintf(err, errlen, "bad seed list \"%s\": expected "
                     "HOST:PORT[,HOST:PORT...]", seeds);
            goto failed;
        }
        memcpy(one, s, n);
        one[n] = '\0';
        if (rp_parse_hostport(one, host, sizeof(host), &port) != 0) {
            snprintf(err, errlen, "bad seed \"%s\": expected HOST:PORT", one);
            goto failed;
        }
        if (rp_cluster_node_find(cl, host, strlen(host), port) < 0) {
            snprintf(err, errlen, "more than %d seeds", RP_CLUSTER_NODES_MAX);
            goto failed;
        }
        if (e == NULL) {
            break;
        }
    }

    cl->nseeds = cl->nnodes;
    return cl;

failed:

    free(cl);
    return NULL;
}


int
rp_cluster_node_find(rp_cluster_t *cl, const char *host, size_t hlen,
    int port)
{
    size_t              i;
    rp_cluster_node_t  *nd;

    if (hlen == 0 || hlen >= sizeof(cl->node[0].host)) {
        return -1;
    }

    for (i = 0; i < cl->nnodes; i++) {
        nd = &cl->node[i];
        if (nd->port == port && strlen(nd->host) == hlen
            && memcmp(nd->host, host, hlen) == 0)
        {
            return (int) i;
        }
    }

    if (cl->nnodes == RP_CLUSTER_NODES_MAX) {
        return -1;
    }

    nd = &cl->node[cl->nnodes];
    memset(nd, 0, sizeof(*nd));
    memcpy(nd->host, host, hlen);
    nd->host[hlen] = '\0';
    nd->port = port;
    return (int) cl->nnodes++;
}


redisContext *
rp_cluster_conn(rp_cluster_t *cl, int i)
{
    struct timeval      tv;
    redisContext       *c;
    rp_cluster_node_t  *nd;

    if (i < 0 || (size_t) i >= cl->nnodes) {
        snprintf(cl->err, sizeof(cl->err), "no node serves this slot");
        return NULL;
    }

    nd = &cl->node[i];
    if (nd->c != NULL) {
        return nd->c;
    }

    tv.tv_sec = cl->timeout_ms / 1000;
    tv.tv_usec = (cl->timeout_ms % 1000) * 1000;

    c = redisConnectWithTimeout(nd->host, nd->port, tv);
    if (c == NULL || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(cl->err, sizeof(cl->err), "%s:%d: connect: %s", nd->host,
                 nd->port, c ? c->errstr : "out of memory");
        if (c != NULL) {
            redisFree(c);
        }
        cl->stale = 1;
        return NULL;
    }

    redisEnableKeepAlive(c);
    nd->c = c;
    nd->written = 0;
    return c;
}


void
rp_cluster_close(rp_cluster_t *cl, int i)
{
    if (i < 0 || (size_t) i >= cl->nnodes || cl->node[i].c == NULL) {
        return;
    }
    redisFree(cl->node[i].c);
    cl->node[i].c = NULL;
    cl->node[i].written = 0;
    cl->stale = 1;
}


void
rp_cluster_disconnect(rp_cluster_t *cl)
{
    size_t  i;

    for (i = 0; i < cl->nnodes; i++) {
        rp_cluster_close(cl, (int) i);
    }
}


int
rp_cluster_slot_node(const rp_cluster_t *cl, unsigned slot)
{
    return slot < RP_CLUSTER_SLOTS ? cl->slot[slot] : -1;
}


/* The map in CLUSTER SLOTS' reply r, asked of node from (whose host an
 * empty address means), into map. 0 / -1. */
static int
rp_cluster_parse_slots(rp_cluster_t *cl, int from, const redisReply *r,
    int16_t *map)
{
    int                 node;
    size_t              i;
    long long           a, b, s;
    const char         *host;
    size_t              hlen;
    const redisReply   *e, *pri;

    if (r->type != REDIS_REPLY_ARRAY) {
        return -1;
    }

    for (i = 0; i < r->elements; i++) {
        e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3
            || e->element[0]->type != REDIS_REPLY_INTEGER
            || e->element[1]->type != REDIS_REPLY_INTEGER
            || e->element[2]->type != REDIS_REPLY_ARRAY
            || e->element[2]->elements < 2
            || e->element[2]->element[0]->type != REDIS_REPLY_STRING
            || e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
        {
            return -1;
        }

        a = e->element[0]->integer;
        b = e->element[1]->integer;
        pri = e->element[2];
        host = pri->element[0]->str;
        hlen = pri->element[0]->len;
        if (hlen == 0) {
            /* unknown address: the one we asked */
            host = cl->node[from].host;
            hlen = strlen(host);
        }

        node = rp_cluster_node_find(cl, host, hlen,
                                    (int) pri->element[1]->integer);
        if (node < 0 || a < 0 || b >= RP_CLUSTER_SLOTS || a > b) {
            return -1;
        }
        for (s = a; s <= b; s++) {
            map[s] = (int16_t) node;
        }
    }

    return 0;
}


int
rp_cluster_refresh(rp_cluster_t *cl)
{
    int            ok;
    size_t         i;
    redisReply    *r;
    redisContext  *c;
    int16_t        map[RP_CLUSTER_SLOTS];
    char           last[256] = "no node known";

    /* nnodes may grow while the map is read: new nodes are tried too */
    for (i = 0; i < cl->nnodes; i++) {
        c = rp_cluster_conn(cl, (int) i);
        if (c == NULL) {
            snprintf(last, sizeof(last), "%s", cl->err);
            continue;
        }

        r = redisCommand(c, "CLUSTER SLOTS");
        if (r == NULL) {
            snprintf(last, sizeof(last), "%s:%d: CLUSTER SLOTS: %s",
                     cl->node[i].host, cl->node[i].port,
                     c->errstr[0] ? c->errstr : "no reply");
            rp_cluster_close(cl, (int) i);
            continue;
        }

        memset(map, 0xff, sizeof(map));
        ok = rp_cluster_parse_slots(cl, (int) i, r, map) == 0;
        if (!ok) {
            snprintf(last, sizeof(last), "%s:%d: CLUSTER SLOTS: %s",
                     cl->node[i].host, cl->node[i].port,
                     r->type == REDIS_REPLY_ERROR ? r->str
                                                  : "unexpected reply");
        }
        freeReplyObject(r);

        if (ok) {
            memcpy(cl->slot, map, sizeof(map));
            cl->stale = 0;
            cl->refreshes++;
            return 0;
        }
    }

    snprintf(cl->err, sizeof(cl->err), "no node gave the slot map (last: "
             "%.200s)", last);
    return -1;
}


int
rp_cluster_redirect(rp_cluster_t *cl, const char *s, size_t len, int *node)
{
    int          kind, port;
    long         slot;
    char        *end, buf[300];
    const char  *colon;

    if (len >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';

    if (strncmp(buf, "MOVED ", 6) == 0) {
        kind = RP_CLUSTER_MOVED;
        s = buf + 6;
    } else if (strncmp(buf, "ASK ", 4) == 0) {
        kind = RP_CLUSTER_ASK;
        s = buf + 4;
    } else {
        return 0;
    }

    slot = strtol(s, &end, 10);
    if (end == s || *end != ' ' || slot < 0 || slot >= RP_CLUSTER_SLOTS) {
        return 0;
    }
    s = end + 1;

    colon = strrchr(s, ':');
    if (colon == NULL || colon == s) {
        return 0;
    }
    port = (int) strtol(colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
        return 0;
    }

    *node = rp_cluster_node_find(cl, s, (size_t) (colon - s), port);
    if (*node < 0) {
        return 0;
    }

    if (kind == RP_CLUSTER_MOVED) {
        cl->slot[slot] = (int16_t) *node;
        cl->moved++;
        cl->stale = 1;
    } else {
        cl->ask++;
    }
    return kind;
}


static void
rp_cluster_pause(int *ms)
{
    usleep((useconds_t) *ms * 1000);
    *ms = *ms * 2 > RP_CLUSTER_PAUSE_MAX ? RP_CLUSTER_PAUSE_MAX : *ms * 2;
}


redisReply *
rp_cluster_command(rp_cluster_t *cl, const char *key, size_t keylen,
    int argc, const char **argv, const size_t *argvlen)
{
    int            try, node, to, asking = 0, pause = RP_CLUSTER_PAUSE_MS;
    unsigned       slot = rp_store_key_slot(key, keylen);
    redisReply    *r;
    redisContext  *c;

    node = rp_cluster_slot_node(cl, slot);

    for (try = 0; try < RP_CLUSTER_TRIES; try++) {
        if (try > 0 && cl->stale) {
            rp_cluster_refresh(cl);
            if (!asking) {
                node = rp_cluster_slot_node(cl, slot);
            }
        }

        c = rp_cluster_conn(cl, node);
        if (c == NULL) {
            rp_cluster_pause(&pause);
            cl->stale = 1;
            continue;
        }

        if (asking) {
            r = redisCommand(c, "ASKING");
            if (r != NULL) {
                freeReplyObject(r);
            }
            asking = 0;
        }

        r = redisCommandArgv(c, argc, argv, argvlen);
        if (r == NULL) {
            snprintf(cl->err, sizeof(cl->err), "%s:%d: %s",
                     cl->node[node].host, cl->node[node].port,
                     c->errstr[0] ? c->errstr : "no reply");
            rp_cluster_close(cl, node);
            rp_cluster_pause(&pause);
            continue;
        }

        if (r->type != REDIS_REPLY_ERROR) {
            return r;
        }

        switch (rp_cluster_redirect(cl, r->str, r->len, &to)) {
        case RP_CLUSTER_MOVED:
            node = to;
            freeReplyObject(r);
            continue;
        case RP_CLUSTER_ASK:
            node = to;
            asking = 1;
            freeReplyObject(r);
            continue;
        }

        if (strncmp(r->str, "TRYAGAIN", 8) == 0
            || strncmp(r->str, "CLUSTERDOWN", 11) == 0)
        {
            snprintf(cl->err, sizeof(cl->err), "%s", r->str);
            freeReplyObject(r);
            cl->stale = 1;
            rp_cluster_pause(&pause);
            continue;
        }

        return r;
    }

    snprintf(cl->err + strlen(cl->err), sizeof(cl->err) - strlen(cl->err),
             " (still after %d tries)", RP_CLUSTER_TRIES);
    return NULL;
}


int
rp_cluster_all(rp_cluster_t *cl, int argc, const char **argv,
    const size_t *argvlen)
{
    int            seen[RP_CLUSTER_NODES_MAX] = { 0 };
    size_t         s;
    int            node;
    redisReply    *r;
    redisContext  *c;

    for (s = 0; s < RP_CLUSTER_SLOTS; s++) {
        node = cl->slot[s];
        if (node < 0) {
            snprintf(cl->err, sizeof(cl->err), "slot %zu has no primary", s);
            return -1;
        }
        if (seen[node]) {
            continue;
        }
        seen[node] = 1;

        c = rp_cluster_conn(cl, node);
        if (c == NULL) {
            return -1;
        }
        r = redisCommandArgv(c, argc, argv, argvlen);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(cl->err, sizeof(cl->err), "%s:%d: %s: %s",
                     cl->node[node].host, cl->node[node].port, argv[0],
                     r ? r->str : (c->errstr[0] ? c->errstr : "no reply"));
            if (r != NULL) {
                freeReplyObject(r);
            } else {
                rp_cluster_close(cl, node);
            }
            return -1;
        }
        freeReplyObject(r);
    }

    return 0;
}


int
rp_cluster_wait(rp_cluster_t *cl, int numreplicas, int timeout_ms,
    int *shortfall)
{
    size_t              i;
    redisReply         *r;
    rp_cluster_node_t  *nd;

    *shortfall = 0;

    for (i = 0; i < cl->nnodes; i++) {
        nd = &cl->node[i];
        if (!nd->written) {
            continue;
        }
        if (nd->c == NULL
            || redisAppendCommand(nd->c, "WAIT %d %d", numreplicas,
                                  timeout_ms) != REDIS_OK)
        {
            snprintf(cl->err, sizeof(cl->err), "%s:%d: WAIT: not connected",
                     nd->host, nd->port);
            return -1;
        }
    }

    for (i = 0; i < cl->nnodes; i++) {
        nd = &cl->node[i];
        if (!nd->written) {
            continue;
        }

        if (redisGetReply(nd->c, (void **) &r) != REDIS_OK || r == NULL) {
            snprintf(cl->err, sizeof(cl->err), "%s:%d: WAIT: %s", nd->host,
                     nd->port, nd->c->errstr[0] ? nd->c->errstr
                                                : "no reply");
            rp_cluster_disconnect(cl);  /* the others are out of step */
            return -1;
        }

        if (r->type != REDIS_REPLY_INTEGER) {
            snprintf(cl->err, sizeof(cl->err), "%s:%d: WAIT: %s", nd->host,
                     nd->port, r->type == REDIS_REPLY_ERROR ? r->str
                                                            : "bad reply");
            freeReplyObject(r);
            rp_cluster_disconnect(cl);
            return -1;
        }

        if (r->integer < numreplicas) {
            (*shortfall)++;
        }
        freeReplyObject(r);
    }

    for (i = 0; i < cl->nnodes; i++) {
        cl->node[i].written = 0;
    }
    return 0;
}


void
rp_cluster_free(rp_cluster_t *cl)
{
    if (cl == NULL) {
        return;
    }
    rp_cluster_disconnect(cl);
    free(cl);
}
