/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer_kafka.c: rp-consumer's librdkafka side: the consumer and
 * dead-letter producer handles, the rebalance callback, commits, pause.
 *
 * Commits: enable.auto.commit=false with explicit offset lists, committed
 * synchronously after Redis acknowledged the batch. librdkafka makes no
 * final commit on revoke or close in this mode, so the revoke branch of
 * the rebalance callback commits what was applied.
 */

#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "rp_batch.h"
#include "rp_consumer.h"
#include "rp_kafka_conf.h"


static void
rp_part_mark(rp_ctx_t *ctx, const rd_kafka_topic_partition_list_t *parts,
    uint8_t state)
{
    int  i;

    for (i = 0; i < parts->cnt; i++) {
        if (parts->elems[i].partition >= 0
            && parts->elems[i].partition < RP_PARTS_MAX
            && strcmp(parts->elems[i].topic, ctx->o->topic) == 0)
        {
            ctx->part[parts->elems[i].partition] = state;
        }
    }
}


int
rp_caught_up(const rp_ctx_t *ctx)
{
    int  i, n = 0;

    if (ctx->assigned <= 0) {
        return 0;
    }

    for (i = 0; i < RP_PARTS_MAX; i++) {
        if (ctx->part[i] == RP_PART_BEHIND) {
            return 0;
        }
        n += ctx->part[i] == RP_PART_END;
    }

    /* a partition beyond RP_PARTS_MAX is never known to be at its end */
    return n == ctx->assigned;
}


/*
 * Called from rd_kafka_consumer_poll(). On revoke the messages in hand of
 * the revoked partitions are dropped (the next owner gets them again from
 * the committed offset), and what was applied but not yet committed is
 * committed now, unless the assignment was lost.
 */
void
rp_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    int          i, coop, lost;
    size_t       dropped = 0;
    rp_ctx_t    *ctx = opaque;
    const char  *proto;

    proto = rd_kafka_rebalance_protocol(rk);
    coop = proto != NULL && strcmp(proto, "COOPERATIVE") == 0;
    ctx->last_activity = rp_clock_sec();

    switch (err) {

    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e != NULL) {
                fprintf(stderr, "rp-consumer: incremental assign: %s\n",
                        rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, parts);
        }
        ctx->assigned += parts->cnt;
        ctx->ever_assigned = 1;
        rp_part_mark(ctx, parts, RP_PART_BEHIND);
        if (ctx->paused) {
            /* Redis is down: new partitions wait like the others. */
            rd_kafka_pause_partitions(rk, parts);
        }
        if (!ctx->o->quiet) {
            fprintf(stderr, "rp-consumer: assigned %d partition(s)\n",
                    parts->cnt);
        }
        break;

    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        lost = rd_kafka_assignment_lost(rk);
        for (i = 0; i < parts->cnt; i++) {
            if (strcmp(parts->elems[i].topic, ctx->o->topic) != 0) {
                continue;
            }
            dropped += rp_batch_drop_partition(&ctx->batch,
                                               parts->elems[i].partition)
                       + rp_batch_drop_partition(&ctx->next,
                                                 parts->elems[i].partition);
            if (!lost) {
                rp_commit(ctx, parts->elems[i].partition);
            }
            rp_batch_forget_partition(&ctx->batch, parts->elems[i].partition);
        }
        ctx->dropped += dropped;
        if (coop) {
            rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
            if (e != NULL) {
                rd_kafka_error_destroy(e);
            }
        } else {
            rd_kafka_assign(rk, NULL);
        }
        ctx->assigned -= parts->cnt;
        if (ctx->assigned < 0) {
            ctx->assigned = 0;
        }
        rp_part_mark(ctx, parts, RP_PART_NONE);
        if (!ctx->o->quiet || lost) {
            fprintf(stderr, "rp-consumer: %s %d partition(s), %zu message(s) "
                    "in hand dropped (redelivered later)\n",
                    lost ? "lost" : "revoked", parts->cnt, dropped);
        }
        break;

    default:
        fprintf(stderr, "rp-consumer: rebalance failed: %s\n",
                rd_kafka_err2str(err));
        rd_kafka_assign(rk, NULL);
        ctx->assigned = 0;
        memset(ctx->part, RP_PART_NONE, sizeof(ctx->part));
        break;
    }
}


void
rp_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    rp_ctx_t  *ctx = opaque;

    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        ctx->broker_down = 1;
    }

    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char  buf[512];

        rd_kafka_fatal_error(rk, buf, sizeof(buf));
        fprintf(stderr, "rp-consumer: fatal Kafka error: %s\n", buf);
        ctx->fatal = 1;
        rp_consumer_run = 0;
        return;
    }

    if (!ctx->o->quiet) {
        fprintf(stderr, "rp-consumer: kafka: %s: %s\n",
                rd_kafka_err2name((rd_kafka_resp_err_t) err), reason);
    }
}


void
rp_dlq_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    rp_ctx_t  *ctx = opaque;

    (void) rk;
    if (m->err) {
        fprintf(stderr, "rp-consumer: dead letter not delivered: %s\n",
                rd_kafka_err2str(m->err));
        ctx->dlq_dr_failed++;
    }
}


rd_kafka_t *
rp_kafka_consumer(rp_ctx_t *ctx)
{
    char                              errstr[512];
    rd_kafka_t                       *rk;
    rd_kafka_conf_t                  *conf;
    rd_kafka_resp_err_t               err;
    rd_kafka_topic_partition_list_t  *sub;
    size_t                            i;
    static const char *const          props[][2] = {
        { "enable.auto.commit", "false" },
        { "auto.offset.reset", "earliest" },
        { "enable.partition.eof", "false" },
        { "log_level", "4" },
        /* How long a broker may hold a fetch that finds no new data. A
         * Kafka broker answers as soon as data arrives, whatever this is;
         * librdkafka's mock cluster (rp-mock-kafka) holds every fetch for
         * the whole wait, so librdkafka's default of 500 ms made that the
         * delay of every event (bench/freshness-results.md). 20 ms costs
         * at most 50 empty fetches a second per broker when idle. -X
         * fetch.wait.max.ms=... overrides it. */
        { "fetch.wait.max.ms", "20" },
    };

    conf = rd_kafka_conf_new();

    if (rd_kafka_conf_set(conf, "bootstrap.servers", ctx->o->brokers,
                          errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "group.id", ctx->o->group,
                             errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "rp-consumer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
        if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK)
        {
            fprintf(stderr, "rp-consumer: %s: %s\n", props[i][0], errstr);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }

    if (rp_kafka_conf_x(conf, ctx->o->x, ctx->o->nx, "rp-consumer") != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    /* -e and --exit-on-idle need to know when a partition's end is
     * reached, whatever -X said. */
    if ((ctx->o->exit_at_end || ctx->o->exit_on_idle)
        && rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr,
                             sizeof(errstr)) != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "rp-consumer: enable.partition.eof: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    rd_kafka_conf_set_opaque(conf, ctx);
    rd_kafka_conf_set_rebalance_cb(conf, rp_rebalance_cb);
    rd_kafka_conf_set_error_cb(conf, rp_error_cb);

    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "rp-consumer: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    conf = NULL;    /* rd_kafka_new() took ownership */

    rd_kafka_poll_set_consumer(rk);

    sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, ctx->o->topic,
                                      RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);

    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "rp-consumer: subscribe to \"%s\": %s\n",
                ctx->o->topic, rd_kafka_err2str(err));
        rd_kafka_destroy(rk);
        return NULL;
    }

    return rk;
}


rd_kafka_t *
rp_kafka_dlq(rp_ctx_t *ctx)
{
    char              errstr[512];
    rd_kafka_t       *rk;
    rd_kafka_conf_t  *conf;

    conf = rd_kafka_conf_new();

    if (rd_kafka_conf_set(conf, "bootstrap.servers", ctx->o->brokers,
                          errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "linger.ms", "1", errstr, sizeof(errstr))
           != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr))
           != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "rp-consumer: dlq producer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    /* Security and client settings given with -X apply to both handles;
     * consumer-only properties are ignored by a producer (its warning is
     * below log_level 3, so it stays quiet). */
    if (rp_kafka_conf_x(conf, ctx->o->x, ctx->o->nx, "rp-consumer") != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    rd_kafka_conf_set_opaque(conf, ctx);
    rd_kafka_conf_set_dr_msg_cb(conf, rp_dlq_dr_cb);

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "rp-consumer: dlq producer: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }

    return rk;
}


void
rp_commit(rp_ctx_t *ctx, int32_t only_partition)
{
    int32_t                           parts[RP_PARTS_MAX];
    int64_t                           offs[RP_PARTS_MAX];
    size_t                            i, n;
    rd_kafka_resp_err_t               err;
    rd_kafka_topic_partition_list_t  *list;

    n = rp_batch_commit_list(&ctx->batch, only_partition, parts, offs,
                             RP_PARTS_MAX);
    if (n == 0) {
        return;
    }

    list = rd_kafka_topic_partition_list_new((int) n);
    for (i = 0; i < n; i++) {
        rd_kafka_topic_partition_list_add(list, ctx->o->topic,
                                          parts[i])->offset = offs[i];
    }

    err = rd_kafka_commit(ctx->rk, list, 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR
        && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
    {
        ctx->commit_failures++;
        fprintf(stderr, "rp-consumer: commit failed: %s (offsets stay "
                "pending)\n", rd_kafka_err2str(err));
    }

    for (i = 0; i < (size_t) list->cnt; i++) {
        if (list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR
            && err == RD_KAFKA_RESP_ERR_NO_ERROR)
        {
            rp_batch_committed(&ctx->batch, list->elems[i].partition,
                               list->elems[i].offset);
        }
    }

    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ctx->commits++;
    }

    rd_kafka_topic_partition_list_destroy(list);
}


void
rp_pause(rp_ctx_t *ctx, int pause)
{
    rd_kafka_topic_partition_list_t  *parts = NULL;

    if (rd_kafka_assignment(ctx->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return;
    }

    if (pause) {
        rd_kafka_pause_partitions(ctx->rk, parts);
    } else {
        rd_kafka_resume_partitions(ctx->rk, parts);
    }
    ctx->paused = pause;

    if (!ctx->o->quiet) {
        fprintf(stderr, "rp-consumer: %s %d partition(s)\n",
                pause ? "paused" : "resumed", parts->cnt);
    }

    rd_kafka_topic_partition_list_destroy(parts);
}


int64_t
rp_lag(rp_ctx_t *ctx)
{
    int                               i;
    int64_t                           lag = 0, lo, hi;
    rd_kafka_topic_partition_list_t  *parts = NULL;

    if (rd_kafka_assignment(ctx->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return -1;
    }

    rd_kafka_position(ctx->rk, parts);

    for (i = 0; i < parts->cnt; i++) {
        if (rd_kafka_get_watermark_offsets(ctx->rk, parts->elems[i].topic,
                                           parts->elems[i].partition, &lo, &hi)
            != RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
        {
            continue;
        }
        if (parts->elems[i].offset >= 0) {
            lag += hi - parts->elems[i].offset;
        } else if (lo >= 0) {
            lag += hi - lo;
        }
    }

    rd_kafka_topic_partition_list_destroy(parts);
    return lag;
}
