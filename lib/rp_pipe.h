/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_pipe.h: events into the Redis feature store, pipelined over a
 * blocking hiredis connection. The one path of rp-consumer and of
 * "rp-train materialize".
 *
 * A pipe holds the items of one batch (a consumer's Kafka messages, a
 * trainer's CSV rows) and, for each valid one, its event:
 *
 *   rp_pipe_reset(p);
 *   rp_pipe_parse(p, n, payload, data, now, max_future);   or rp_pipe_add()
 *   rp_pipe_plan(p, per_call, sha, ttl);      one EVALSHA per user and group
 *   rp_pipe_send(p, c);                        written out, replies not read
 *   rp_pipe_recv(p, c);                        every reply; NOSCRIPT -> EVAL
 *
 * then each event's status (applied, a replay, refused by the store) and
 * each invalid item's reason, kept from the parse: a bad message is parsed
 * once. A plan can be made while another batch is in flight (the consumer
 * keeps two pipes), and sent again after a failure: the update script's
 * replay guard makes a resent batch harmless.
 *
 * Knows nothing of Kafka: an item's bytes come from the caller's function.
 */

#ifndef RP_PIPE_H
#define RP_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "rp_event.h"
#include "rp_store.h"
#include "rp_cluster.h"

/* An event's status after rp_pipe_recv. */
#define RP_PIPE_QUEUED    0         /* no reply read yet */
#define RP_PIPE_APPLIED   1
#define RP_PIPE_REPLAY    2         /* applied before: nothing changed */
#define RP_PIPE_REFUSED   3         /* the store refused its command */

/* rp_pipe_recv's answer besides 0. */
#define RP_PIPE_RETRY     1         /* a transient error reply: send again */
#define RP_PIPE_LOST      (-1)      /* the connection failed */

/* The bytes of item i and where it comes from (*at: its source and
 * position, for the replay guard), or NULL to leave the item out (no
 * event, no reason: e.g. a message of a revoked partition). */
typedef const char *(*rp_pipe_payload_pt)(void *data, size_t i, size_t *len,
    rp_store_pos_t *at);

typedef struct {
    /* the batch's events, each with the item it came from */
    rp_event_t           *evs;
    const rp_event_t    **evp;
    rp_store_pos_t       *at;           /* where each event comes from */
    uint32_t             *evitem;
    uint8_t              *status;       /* RP_PIPE_QUEUED ... */
    size_t                nev;
    size_t                evcap;

    /* the items: their event (or -1), their reason (offset + 1 in why) */
    int32_t              *item_event;
    uint32_t             *item_why;
    size_t                nitems;
    size_t                itemcap;

    /* the commands: order[ends[k-1]..ends[k]) are command k's events */
    uint32_t             *order;
    uint32_t             *ends;
    uint32_t             *work;
    uint8_t              *cstate;       /* per command, internal */
    uint32_t             *cwhy;         /* per command: refusal (offset + 1) */
    uint16_t             *cslot;        /* per command: its key's slot */
    int16_t              *cnode;        /* per command: its cluster node */
    uint8_t              *cflag;        /* per command: ASKING, EVAL */
    size_t               *coff;         /* per command: where in resp */
    size_t                ncmd;
    int64_t               ttl;

    /* the commands in Redis' protocol, back to back */
    char                 *resp;
    size_t                resplen;
    size_t                respcap;

    /* reasons, NUL-terminated, back to back */
    char                 *why;
    size_t                whylen;
    size_t                whycap;
    size_t                whyplan;      /* whylen when planned */

    /* the last rp_pipe_recv */
    uint64_t              applied;
    uint64_t              replays;
    uint64_t              refused;      /* events */
    uint64_t              noscript;     /* commands resent with EVAL */
    uint64_t              redirects;    /* MOVED and ASK followed */
    char                  err[256];     /* why it did not return 0 */

    rp_store_update_t     cmd;          /* scratch: one command */
} rp_pipe_t;

/*
 * One message as an event the store takes: the JSON parser's rules, the
 * time rule (rp_event_time_check: at most max_future seconds after now)
 * and the store's own (rp_store_event_valid). 0 / -1 with the reason.
 */
int rp_pipe_event(const char *s, size_t len, rp_event_t *ev, int64_t now,
    int64_t max_future, char *err, size_t errlen);

/* Forgets the items, events and commands (memory is kept). */
void rp_pipe_reset(rp_pipe_t *p);

/* Items 0..n-1 by payload(data, i): each parsed with rp_pipe_event at the
 * clock now; an invalid one keeps its reason. 0, or -1 out of memory. */
int rp_pipe_parse(rp_pipe_t *p, size_t n, rp_pipe_payload_pt payload,
    void *data, int64_t now, int64_t max_future);

/* One more item, already an event (the trainer's rows) from at: refused
 * with a reason unless rp_store_event_valid. 0, or -1 out of memory. */
int rp_pipe_add(rp_pipe_t *p, const rp_event_t *ev, const rp_store_pos_t *at);

/* Plans the events into commands (rp_store_plan, at most per_call events
 * of one user each) and encodes them: EVALSHA sha, or EVAL with sha NULL.
 * 0, or -1 out of memory. */
int rp_pipe_plan(rp_pipe_t *p, size_t per_call, const char *sha,
    int64_t ttl);

/* Builds command k into p->cmd (EVALSHA sha, or EVAL with NULL). 0 / -1. */
int rp_pipe_cmd(rp_pipe_t *p, size_t k, const char *sha);

/* First index in p->order of command k's events. */
size_t rp_pipe_first(const rp_pipe_t *p, size_t k);

/* Buffers every planned command and writes them out (replies not read).
 * 0, or -1 with p->err. */
int rp_pipe_send(rp_pipe_t *p, redisContext *c);

/*
 * Reads every reply of what rp_pipe_send sent; the commands answered
 * NOSCRIPT (a restarted or flushed Redis) go again as EVAL, then the
 * script is loaded again for the next batches. Sets each event's status
 * and the counts. Returns 0 when every command got its answer (applied,
 * replays, or refused by the store: a corrupt state, a wrong type);
 * RP_PIPE_RETRY on a transient error reply (rp_pipe_transient: the whole
 * batch is to be sent again later; every reply was read, the connection
 * stays usable); RP_PIPE_LOST when the connection failed. p->err says why.
 */
int rp_pipe_recv(rp_pipe_t *p, redisContext *c);

/* Item i's reason: why it has no event, or the store's refusal of its
 * event's command; NULL when there is none. */
const char *rp_pipe_reason(const rp_pipe_t *p, size_t i);

/*
 * The same on a Redis Cluster: each command goes to the primary of its
 * key's slot, every node's commands written out before any reply is read.
 * 0, or -1 with p->err (every connection closed: the map is refreshed on
 * the next send).
 */
int rp_pipe_csend(rp_pipe_t *p, rp_cluster_t *cl);

/*
 * rp_pipe_recv on a cluster: reads every node's replies; a command
 * answered MOVED goes again to the node named (the map updated, then
 * refreshed), ASK to the node named after ASKING, NOSCRIPT as EVAL (and
 * the script is loaded there again). The same answers as rp_pipe_recv;
 * on RP_PIPE_LOST every connection is closed.
 */
int rp_pipe_crecv(rp_pipe_t *p, rp_cluster_t *cl);

/* 1 when an error reply is a passing state of the server (loading, busy,
 * read-only replica, failover, out of memory, ...), not a verdict on the
 * command: LOADING BUSY OOM READONLY MASTERDOWN TRYAGAIN CLUSTERDOWN
 * MISCONF NOREPLICAS. */
int rp_pipe_transient(const char *s, size_t len);

/* SCRIPT LOAD of the update script: its name (the 40 hex digits EVALSHA
 * takes) into sha. 0, or -1 with err. */
int rp_pipe_load(redisContext *c, char sha[41], char *err, size_t errlen);

/* Inside the pipe (rp_pipe.c and rp_pipe_cluster.c). A command's state
 * between sending and the end of its replies: */
#define RP_CMD_SENT   1
#define RP_CMD_EVAL   2             /* got NOSCRIPT: goes again as EVAL */
#define RP_CMD_DONE   3
#define RP_CMD_MOVE   4             /* redirected: goes again elsewhere */

/* Keeps a reason; its offset + 1 (0: out of memory, no reason). */
uint32_t rp_pipe_why(rp_pipe_t *p, const char *s, size_t len);

/* Command k's reply r: statuses, counts, or its state for the next pass.
 * Returns 1 for a transient error, -1 out of memory, else 0. */
int rp_pipe_reply(rp_pipe_t *p, size_t k, const redisReply *r, int pass);

void rp_pipe_free(rp_pipe_t *p);

#endif /* RP_PIPE_H */
