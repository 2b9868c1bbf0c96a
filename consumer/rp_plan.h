/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_plan.h: a batch of Kafka messages as feature-store update commands.
 *
 * rp_plan_make() hands the batch's pending messages to the events -> Redis
 * pipe (lib/rp_pipe.h: parse, one EVALSHA per user, up to
 * --events-per-call events, encoded in one buffer). rp-consumer makes the
 * plan of the next batch while the batch in hand is in flight, so Redis
 * does not sit idle while messages are parsed.
 *
 * A plan remembers the batch it was made for (every message's partition
 * and offset, and which were still pending): rp_plan_fits() tells whether
 * it still describes a batch, e.g. after the messages moved from the next
 * batch to the one in hand, or after a Redis failure.
 *
 * Knows nothing of Kafka or Redis connections: a message's bytes come from
 * the caller's function.
 */

#ifndef RP_PLAN_H
#define RP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rp_batch.h"
#include "rp_pipe.h"

/* Marks of a batch message (rp_bmsg_t.mark) from sending to the replies. */
#define RP_MARK_INVALID     1       /* no command: a dead letter */
#define RP_MARK_SENT        2       /* command sent, reply not read */
#define RP_MARK_DONE        4       /* acknowledged */

/* A message's bytes (msg is the batch's rp_bmsg_t.msg). */
typedef const char *(*rp_plan_payload_pt)(void *msg, size_t *len);

typedef struct {
    int32_t   partition;
    int64_t   offset;
    int       pending;
} rp_plan_msg_t;

typedef struct {
    rp_pipe_t             pipe;     /* item i: the batch's message i */

    /* the replay guard's source of the last partition seen */
    const char           *topic;
    int32_t               src_part;
    char                  src[RP_STORE_SOURCE_LEN + 1];

    /* the batch it was made for */
    rp_plan_msg_t        *msgs;
    size_t                nmsgs;
    size_t                msgcap;
    int                   made;
    int64_t               now;      /* the clock it was made at, seconds */
} rp_plan_t;

/*
 * Makes the plan of batch b, messages of topic: parses each pending
 * message with rp_pipe_event at the clock now (invalid ones get no event
 * and keep their reason), plans the commands and encodes them with sha
 * (EVALSHA; NULL: EVAL). Each event's source for the replay guard is
 * rp_plan_source(topic, its partition), its position its offset. 0, or
 * -1 when out of memory (then the plan is not made).
 */
int rp_plan_make(rp_plan_t *p, const rp_batch_t *b, rp_plan_payload_pt payload,
    const char *topic, const char *sha, int64_t ttl, size_t per_call,
    int64_t now, int64_t max_future);

/* The replay guard's source of a topic's partition: the token of
 * "kafka:TOPIC:PARTITION" (rp_store_source). */
void rp_plan_source(const char *topic, int32_t partition,
    char out[RP_STORE_SOURCE_LEN + 1]);

/* 1 when p was made for b as b is now (same messages, none dropped since). */
int rp_plan_fits(const rp_plan_t *p, const rp_batch_t *b);

/* Before sending: marks b's messages RP_MARK_SENT (with an event) or
 * RP_MARK_INVALID (without). p must fit b. */
void rp_plan_arm(rp_plan_t *p, rp_batch_t *b);

/* Forgets the batch (the plan must be made again before use). */
void rp_plan_forget(rp_plan_t *p);

void rp_plan_free(rp_plan_t *p);

#endif /* RP_PLAN_H */
