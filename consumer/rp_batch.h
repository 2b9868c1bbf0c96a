/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_batch.h: the consumer's batch and commit bookkeeping, in plain C.
 *
 * A batch is the list of messages polled but not yet applied to Redis.
 * The rule it enforces: an offset becomes committable only after every
 * message of the batch up to it was applied (or dead-lettered), and a
 * partition revoked in the middle of a batch loses its messages from the
 * batch (they are redelivered to the new owner; replays are harmless).
 *
 * Knows nothing of Kafka or Redis: messages are opaque pointers released
 * through a caller's function, partitions are int32 numbers of one topic.
 */

#ifndef RP_BATCH_H
#define RP_BATCH_H

#include <stddef.h>
#include <stdint.h>

typedef void (*rp_batch_release_pt)(void *msg);

typedef enum {
    RP_BMSG_PENDING = 0,    /* polled, not yet applied */
    RP_BMSG_DROPPED         /* its partition was revoked: skip, never commit */
} rp_bmsg_state_e;

typedef struct {
    int32_t   partition;
    int64_t   offset;
    int       state;        /* rp_bmsg_state_e */
    int       mark;         /* free for the caller; 0 when added */
    void     *msg;          /* owned by the batch until released */
} rp_bmsg_t;

typedef struct {
    int32_t   partition;
    int64_t   applied;      /* next offset to commit (last applied + 1), -1 */
    int64_t   committed;    /* last offset committed, -1 */
} rp_bpart_t;

typedef struct {
    rp_bmsg_t            *msgs;
    size_t                n;
    size_t                live;     /* of msgs, those still pending */
    size_t                cap;
    rp_bpart_t           *parts;
    size_t                nparts;
    size_t                partcap;
    rp_batch_release_pt   release;
} rp_batch_t;

/* release may be NULL. 0 / -1 (out of memory). */
int rp_batch_init(rp_batch_t *b, size_t cap, rp_batch_release_pt release);

/* Releases the messages in hand without applying them (never committed). */
void rp_batch_discard(rp_batch_t *b);

/* Releases the messages in hand and frees the arrays. */
void rp_batch_free(rp_batch_t *b);

/* Appends a message (the batch grows as needed). 0 / -1. */
int rp_batch_add(rp_batch_t *b, int32_t partition, int64_t offset, void *msg);

/*
 * Moves every live message of src to the end of dst (ownership included);
 * src is left empty. Commit tracking stays where it is. 0 / -1 (out of
 * memory; then nothing moved).
 */
int rp_batch_move(rp_batch_t *dst, rp_batch_t *src);

/* Number of messages still to apply (not dropped). */
size_t rp_batch_live(const rp_batch_t *b);

/*
 * Revocation of a partition: its messages in hand are released and marked
 * dropped. Returns how many were dropped.
 */
size_t rp_batch_drop_partition(rp_batch_t *b, int32_t partition);

/*
 * Forgets the commit tracking of a partition (after its final commit on
 * revoke, or when the assignment was lost).
 */
void rp_batch_forget_partition(rp_batch_t *b, int32_t partition);

/*
 * The whole batch was applied: advance each partition's committable offset
 * to its highest live offset + 1, release every message, empty the batch.
 * 0 / -1 (out of memory).
 */
int rp_batch_applied(rp_batch_t *b);

/*
 * Offsets applied but not yet committed: fills up to max pairs
 * (partition, offset to commit) and returns the number of pairs.
 * With only_partition >= 0 only that partition is reported.
 */
size_t rp_batch_commit_list(const rp_batch_t *b, int32_t only_partition,
    int32_t *partitions, int64_t *offsets, size_t max);

/* The commit of (partition, offset) succeeded. */
void rp_batch_committed(rp_batch_t *b, int32_t partition, int64_t offset);

/* Capped exponential backoff: 0 -> min, then doubling up to max (ms). */
int64_t rp_backoff_next(int64_t cur, int64_t min, int64_t max);

/* Latency histogram in whole milliseconds (0 .. RP_HIST_MAX-1, last = more). */
#define RP_HIST_MAX  10001

typedef struct {
    uint64_t  count;
    uint64_t  bucket[RP_HIST_MAX];
} rp_hist_t;

void rp_hist_add(rp_hist_t *h, int64_t ms);

/* Smallest bucket value v such that at least q (0..1] of samples are <= v;
 * -1 when empty. */
int64_t rp_hist_quantile(const rp_hist_t *h, double q);

#endif /* RP_BATCH_H */
