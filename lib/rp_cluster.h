/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cluster.h: a small blocking Redis Cluster client over hiredis (whose
 * Debian version has none), for the programs: rp-consumer and
 * "rp-train materialize|verify".
 *
 * It keeps the slot map (CLUSTER SLOTS: which primary serves each of the
 * 16384 slots) and one connection per primary, opened when first needed.
 * Callers route a command by its key's slot (rp_cluster_slot_node) and
 * pipeline on that node's context; a reply that redirects is theirs to
 * follow with rp_cluster_redirect (MOVED: the slot now lives elsewhere,
 * the map is updated at once and refreshed later; ASK: this one command
 * goes to the other node after ASKING). rp_cluster_command does all of it
 * for one command.
 *
 *   cl = rp_cluster_create("127.0.0.1:7000,127.0.0.1:7001", 2000, err, n);
 *   rp_cluster_refresh(cl);           the map, from any node that answers
 *   c = rp_cluster_conn(cl, rp_cluster_slot_node(cl, slot));
 *   ...
 *   rp_cluster_wait(cl, 1, 500, &shortfall);   WAIT on the nodes written
 *   rp_cluster_free(cl);
 */

#ifndef RP_CLUSTER_H
#define RP_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define RP_CLUSTER_NODES_MAX   64
#define RP_CLUSTER_SLOTS       16384

/* rp_cluster_redirect's answers */
#define RP_CLUSTER_MOVED       1
#define RP_CLUSTER_ASK         2

typedef struct {
    char             host[256];
    int              port;
    redisContext    *c;             /* NULL: not connected */
    int              written;       /* commands sent since the last WAIT */
    int              noscript;      /* answered NOSCRIPT: load the script */
} rp_cluster_node_t;

typedef struct {
    rp_cluster_node_t   node[RP_CLUSTER_NODES_MAX];
    size_t              nnodes;
    size_t              nseeds;     /* node[0..nseeds) are the seeds */
    int16_t             slot[RP_CLUSTER_SLOTS];     /* node, -1: none */
    int                 timeout_ms;
    int                 stale;      /* a redirect or a failure since the
                                       last refresh */

    /* totals */
    uint64_t            moved;
    uint64_t            ask;
    uint64_t            refreshes;

    char                err[256];
} rp_cluster_t;

/* Seeds "HOST:PORT[,HOST:PORT...]"; nothing is connected yet. timeout_ms
 * bounds every connect and every reply. NULL with err on a bad list. */
rp_cluster_t *rp_cluster_create(const char *seeds, int timeout_ms, char *err,
    size_t errlen);

/* The slot map from the first node that answers CLUSTER SLOTS (the seeds,
 * then every node known). 0, or -1 with cl->err (no node answered, or a
 * slot without a primary). */
int rp_cluster_refresh(rp_cluster_t *cl);

/* The node serving slot, -1 when the map has none. */
int rp_cluster_slot_node(const rp_cluster_t *cl, unsigned slot);

/* Node i's connection, opened now if needed; NULL with cl->err. */
redisContext *rp_cluster_conn(rp_cluster_t *cl, int i);

/* Closes node i's connection (after an error on it): the map is stale. */
void rp_cluster_close(rp_cluster_t *cl, int i);

/* Closes every connection; the nodes and the map are kept. */
void rp_cluster_disconnect(rp_cluster_t *cl);

/* The node HOST:PORT, added if new. -1 when the table is full. */
int rp_cluster_node_find(rp_cluster_t *cl, const char *host, size_t hlen,
    int port);

/*
 * An error reply s: RP_CLUSTER_MOVED (the map now sends its slot to the
 * node named, *node) or RP_CLUSTER_ASK (*node: where to ask, map kept);
 * 0 when it is neither (or names a node that cannot be kept).
 */
int rp_cluster_redirect(rp_cluster_t *cl, const char *s, size_t len,
    int *node);

/* One command routed by key: follows MOVED and ASK, and retries after a
 * connection error or TRYAGAIN/CLUSTERDOWN with a fresh map, a few
 * times. The reply (maybe an error reply), or NULL with cl->err. */
redisReply *rp_cluster_command(rp_cluster_t *cl, const char *key,
    size_t keylen, int argc, const char **argv, const size_t *argvlen);

/* The same command on every primary of the map (SCRIPT LOAD): 0 when
 * each answered without an error, -1 with cl->err. */
int rp_cluster_all(rp_cluster_t *cl, int argc, const char **argv,
    const size_t *argvlen);

/*
 * WAIT numreplicas timeout_ms on every node written since the last wait,
 * all sent before any reply is read. *shortfall: the nodes whose writes
 * fewer than numreplicas replicas acknowledged in time. 0, or -1 with
 * cl->err when a node did not answer (its connection is closed).
 */
int rp_cluster_wait(rp_cluster_t *cl, int numreplicas, int timeout_ms,
    int *shortfall);

void rp_cluster_free(rp_cluster_t *cl);

#endif /* RP_CLUSTER_H */
