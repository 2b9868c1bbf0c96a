/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer.h: the state shared by rp-consumer's files.
 *
 *   rp_consumer.c        main loop, Redis pipeline, dead letters, recovery
 *   rp_consumer_kafka.c  librdkafka handles, rebalance, commits, pause
 *   rp_consumer_stats.c  stats line and Prometheus metrics (text, file)
 *   rp_metrics_http.c    the metrics over HTTP (--metrics-listen)
 *   rp_plan.c            a batch as update commands (no Kafka, no socket)
 *   rp_batch.c           batch and commit bookkeeping (no Kafka)
 */

#ifndef RP_CONSUMER_H
#define RP_CONSUMER_H

#include <signal.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>

#include "rp_store.h"
#include "rp_cluster.h"
#include "rp_batch.h"
#include "rp_plan.h"
#include "rp_consumer_opts.h"

#define RP_PARTS_MAX        1024    /* partitions in one commit */

#define RP_PART_NONE        0       /* not assigned */
#define RP_PART_BEHIND      1       /* assigned, end not reached */
#define RP_PART_END         2       /* assigned, at the high watermark */

typedef struct {
    rp_consumer_opts_t  *o;
    rd_kafka_t          *rk;
    rd_kafka_t          *dlq;
    char                 dlq_topic[512];
    redisContext        *redis;
    rp_cluster_t        *cluster;       /* --redis-cluster, redis NULL */
    char                 sha[41];
    rp_batch_t           batch;         /* in hand: being applied */
    rp_batch_t           next;          /* polled while batch is in flight */
    int                  inflight;      /* batch sent, replies not read */

    /* The batches as update commands: plan[cur] is the batch in hand's,
     * plan[!cur] the next batch's, made while the one in hand is in
     * flight. */
    rp_plan_t            plan[2];
    int                  cur;

    int                  redis_up;
    int                  paused;
    int                  broker_down;
    int                  fatal;
    int                  assigned;
    int                  ever_assigned;
    double               last_activity;

    /* Per partition of the topic: RP_PART_* (end-of-partition events,
     * enable.partition.eof, say when a partition is caught up). */
    uint8_t              part[RP_PARTS_MAX];
    double               caught_up_since;   /* 0 = not caught up */
    double               unassigned_since;  /* 0 = has an assignment */

    /* Totals. */
    uint64_t             consumed;
    uint64_t             applied;
    uint64_t             replays;
    uint64_t             rejected;
    uint64_t             dlq_failed;
    uint64_t             redis_failures;
    uint64_t             wait_shortfalls;   /* batches WAIT did not cover */
    uint64_t             redirects;     /* cluster: MOVED and ASK followed */
    uint64_t             commits;
    uint64_t             commit_failures;
    uint64_t             dropped;
    int64_t              lag;
    double               first_msg;     /* when the first message arrived */
    double               last_applied;  /* when the last batch was acked */
    double               batch_t0;      /* first poll of the batch in hand */
    double               next_t0;       /* first poll of the next batch */
    double               send_t0;       /* batch in hand sent */
    rp_hist_t           *e2e;          /* produce -> applied, ms */
    rp_hist_t           *p2a;          /* polled -> applied, ms */
    rp_hist_t           *rtt;          /* one batch pipeline, ms */

    /* Current stats interval. */
    double               tick;
    uint64_t             tick_applied;
    uint64_t             tick_replays;
    uint64_t             tick_consumed;

    /* Delivery reports of the current DLQ flush. */
    uint64_t             dlq_dr_failed;

    char                 errmsg[1024];
} rp_ctx_t;

static volatile sig_atomic_t  rp_run = 1;

/* Cleared by SIGINT/SIGTERM and by fatal errors: the main loop ends. */
extern volatile sig_atomic_t  rp_consumer_run;

/* Monotonic seconds; wall-clock milliseconds. */

/* rp_consumer_kafka.c. The handles take ctx as their opaque. */
rd_kafka_t *rp_kafka_consumer(rp_ctx_t *ctx);
rd_kafka_t *rp_kafka_dlq(rp_ctx_t *ctx);
void rp_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque);
void rp_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque);
void rp_dlq_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);

/*
 * Synchronous commit of what was applied and not yet committed (one
 * partition, or all with only_partition < 0). Failures are logged; the
 * offsets stay pending and go out with the next commit.
 */
void rp_commit(rp_ctx_t *ctx, int32_t only_partition);

/* Pauses (1) or resumes (0) the whole assignment. */
void rp_pause(rp_ctx_t *ctx, int pause);

/* 1 when assigned and at the end of every assigned partition. */
int rp_caught_up(const rp_ctx_t *ctx);

/* Messages behind the high watermarks of the assignment, -1 if unknown. */
int64_t rp_lag(rp_ctx_t *ctx);

/* rp_consumer_stats.c: the stats line (unless -q; always when final) and
 * the metrics file; starts a new interval. */
void rp_stats(rp_ctx_t *ctx, int final);

/* The Prometheus text of ctx (an rp_ctx_t *) into buf; its length. */
size_t rp_metrics_render(void *ctx, char *buf, size_t size);

#endif /* RP_CONSUMER_H */
