/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer.c: rp-consumer, Kafka events into the Redis feature store.
 *
 * One consumer-group member. The loop:
 *
 *   1. poll a batch (up to --batch messages, or what arrived within 100 ms);
 *   2. parse each value (rp_event_from_json); pipeline one EVALSHA of the
 *      store's update script per valid event, then read every reply;
 *   3. produce the invalid ones to the dead-letter topic and flush;
 *   4. only then commit, synchronously, the batch's last offset + 1 of
 *      each partition.
 *
 * Commits: enable.auto.commit=false with explicit offset lists. An offset
 * is committed only after Redis acknowledged every event before it and the
 * dead letters were delivered, so a crash anywhere redelivers, and the
 * update script's replay guard (per user, the last offset applied of each
 * partition) makes the redelivery harmless. librdkafka makes no final
 * commit on revoke or close in this mode (explicit offset lists, no auto
 * commit), so both are done here.
 *
 * With --min-replicas N, between 2 and 4: WAIT N on every primary the
 * batch wrote to. Redis replicates asynchronously: a primary acknowledges
 * a write before its replicas have it, and if it dies then, its promoted
 * replica never had the event; committing its offset would lose it. When
 * fewer than N replicas acknowledged in time the batch is not committed
 * and is applied again after a pause (a replay: harmless).
 *
 * --redis-cluster: the same pipeline split per primary by each user's
 * slot (lib/rp_pipe_cluster.c), MOVED and ASK followed; a node lost is a
 * Redis failure like any other (the slot map is read again on reconnect).
 *
 * Redis down or slow: every wait is bounded (redisSetTimeout). On failure
 * the assigned partitions are paused, rd_kafka_consumer_poll keeps us in
 * the group, the connection is retried with capped exponential backoff,
 * and the same batch is applied again (idempotent) before resuming.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>

#include "rp_event.h"
#include "rp_store.h"
#include "rp_batch.h"
#include "rp_consumer_opts.h"
#include "rp_consumer.h"
#include "rp_tool.h"
#include "rp_metrics_http.h"
#include "rp_version.h"

#define RP_BACKOFF_MIN_MS   100
#define RP_BACKOFF_MAX_MS   5000
#define RP_COLLECT_MS       100
#define RP_LOG_REJECTS      100     /* log every rejection up to this many */
#define RP_DLQ_FLUSH_MS     10000



volatile sig_atomic_t  rp_consumer_run = 1;


static void rp_stop(int sig);
static void rp_msg_release(void *msg);
static int rp_redis_connect(rp_ctx_t *ctx);
static const char *rp_redis_err(rp_ctx_t *ctx, const redisContext *c);
static void rp_redis_drop(rp_ctx_t *ctx, const char *why);
static int rp_collect(rp_ctx_t *ctx, rp_batch_t *b, double *t0,
    int timeout_ms, int unbounded);
static int rp_send(rp_ctx_t *ctx);
static int rp_recv(rp_ctx_t *ctx);
static int rp_wait(rp_ctx_t *ctx);
static int rp_finish(rp_ctx_t *ctx);
static int rp_pause_and_reapply(rp_ctx_t *ctx);
static int rp_dead_letter(rp_ctx_t *ctx);
static int rp_process(rp_ctx_t *ctx);
static int rp_recover(rp_ctx_t *ctx);
static int rp_batch_job_done(rp_ctx_t *ctx);


static void
rp_stop(int sig)
{
    (void) sig;
    rp_consumer_run = 0;
}



static void
rp_msg_release(void *msg)
{
    rd_kafka_message_destroy(msg);
}


/* hiredis' error text, or a plain statement when the timeout expired. */
static const char *
rp_redis_err(rp_ctx_t *ctx, const redisContext *c)
{
    static char  buf[64];

    if (c->err == REDIS_ERR_IO && strcmp(c->errstr, strerror(EAGAIN)) == 0) {
        snprintf(buf, sizeof(buf), "no reply within %d ms (--redis-timeout)",
                 ctx->o->redis_timeout_ms);
        return buf;
    }

    return c->errstr[0] ? c->errstr : "connection lost";
}


/* "redis HOST:PORT" or "redis cluster SEEDS", for messages. */
static const char *
rp_redis_name(const rp_ctx_t *ctx)
{
    static char  buf[600];

    if (ctx->cluster != NULL) {
        snprintf(buf, sizeof(buf), "redis cluster %s", ctx->o->redis_cluster);
    } else {
        snprintf(buf, sizeof(buf), "redis %s:%d", ctx->o->redis_host,
                 ctx->o->redis_port);
    }
    return buf;
}


static void
rp_redis_drop(rp_ctx_t *ctx, const char *why)
{
    if (why != ctx->errmsg) {
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", why);
    }
    if (ctx->redis_up || ctx->redis != NULL) {
        fprintf(stderr, "rp-consumer: %s: %s\n", rp_redis_name(ctx),
                ctx->errmsg);
    }
    if (ctx->redis != NULL) {
        redisFree(ctx->redis);
        ctx->redis = NULL;
    }
    if (ctx->cluster != NULL) {
        rp_cluster_disconnect(ctx->cluster);
    }
    ctx->inflight = 0;                  /* its replies are lost with it */
    if (ctx->redis_up) {
        ctx->redis_failures++;
    }
    ctx->redis_up = 0;
}


/* The cluster: its slot map, the script on every primary. 0 / -1. */
static int
rp_redis_cluster_connect(rp_ctx_t *ctx)
{
    redisContext    *c;
    rp_store_cmd_t   cmd;
    rp_cluster_t    *cl = ctx->cluster;

    rp_store_script_load_cmd(&cmd);
    if (rp_cluster_refresh(cl) != 0
        || (c = rp_cluster_conn(cl, rp_cluster_slot_node(cl, 0))) == NULL
        || rp_cluster_all(cl, cmd.argc, cmd.argv, cmd.argvlen) != 0)
    {
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", cl->err);
        rp_cluster_disconnect(cl);
        return -1;
    }

    if (rp_pipe_load(c, ctx->sha, ctx->errmsg, sizeof(ctx->errmsg)) != 0) {
        rp_cluster_disconnect(cl);
        return -1;
    }

    ctx->redis_up = 1;
    return 0;
}


/* Connects, selects the db and loads the update script. 0 / -1. */
static int
rp_redis_connect(rp_ctx_t *ctx)
{
    char             db[16];
    struct timeval   tv;
    redisReply      *r;
    redisContext    *c;

    if (ctx->cluster != NULL) {
        return rp_redis_cluster_connect(ctx);
    }

    tv.tv_sec = ctx->o->redis_timeout_ms / 1000;
    tv.tv_usec = (ctx->o->redis_timeout_ms % 1000) * 1000;

    c = redisConnectWithTimeout(ctx->o->redis_host, ctx->o->redis_port, tv);
    if (c == NULL || c->err) {
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "connect: %s",
                 c ? c->errstr : "out of memory");
        if (c != NULL) {
            redisFree(c);
        }
        return -1;
    }

    if (redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "cannot set timeout");
        redisFree(c);
        return -1;
    }
    redisEnableKeepAlive(c);

    snprintf(db, sizeof(db), "%d", ctx->o->redis_db);
    r = redisCommand(c, "SELECT %s", db);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "SELECT %s: %s", db,
                 r ? r->str : rp_redis_err(ctx, c));
        goto failed;
    }
    freeReplyObject(r);

    /* the script's name for EVALSHA: the same on every Redis */
    r = NULL;
    if (rp_pipe_load(c, ctx->sha, ctx->errmsg, sizeof(ctx->errmsg)) != 0) {
        if (c->err) {
            snprintf(ctx->errmsg, sizeof(ctx->errmsg), "SCRIPT LOAD: %s",
                     rp_redis_err(ctx, c));
        }
        goto failed;
    }

    ctx->redis = c;
    ctx->redis_up = 1;
    return 0;

failed:

    if (r != NULL) {
        freeReplyObject(r);
    }
    redisFree(c);
    return -1;
}


/*
 * Polls until the batch is full (unless unbounded: while paused, whatever
 * still arrives joins the batch in hand), nothing more is immediately
 * available, or the first poll timed out. Returns the number added.
 */
static int
rp_collect(rp_ctx_t *ctx, rp_batch_t *b, double *t0, int timeout_ms,
    int unbounded)
{
    int                   added = 0;
    rd_kafka_message_t   *m;

    rp_metrics_http_poll();

    while (rp_consumer_run
           && (unbounded || rp_batch_live(b) < (size_t) ctx->o->batch))
    {
        m = rd_kafka_consumer_poll(ctx->rk, added == 0 ? timeout_ms : 0);
        if (m == NULL) {
            break;
        }

        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            /* every message of the partition before it was polled */
            if (m->partition >= 0 && m->partition < RP_PARTS_MAX
                && ctx->part[m->partition] == RP_PART_BEHIND)
            {
                ctx->part[m->partition] = RP_PART_END;
            }
            rd_kafka_message_destroy(m);
            continue;
        }

        if (m->err) {
            fprintf(stderr, "rp-consumer: %s\n", rd_kafka_message_errstr(m));
            if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
                ctx->fatal = 1;
                rp_consumer_run = 0;
            }
            rd_kafka_message_destroy(m);
            continue;
        }

        if (rp_batch_live(b) == 0) {
            *t0 = rp_clock_sec();
        }
        if (m->partition >= 0 && m->partition < RP_PARTS_MAX
            && ctx->part[m->partition] == RP_PART_END)
        {
            ctx->part[m->partition] = RP_PART_BEHIND;
        }

        if (rp_batch_add(b, m->partition, m->offset, m) != 0) {
            fprintf(stderr, "rp-consumer: out of memory\n");
            rd_kafka_message_destroy(m);
            ctx->fatal = 1;
            rp_consumer_run = 0;
            break;
        }

        ctx->broker_down = 0;
        if (ctx->consumed == 0) {
            ctx->first_msg = rp_clock_sec();
        }
        ctx->consumed++;
        ctx->tick_consumed++;
        added++;
    }

    if (added) {
        ctx->last_activity = rp_clock_sec();
    }

    return added;
}



static const char *
rp_msg_payload(void *msg, size_t *len)
{
    rd_kafka_message_t  *m = msg;

    *len = m->len;
    return m->payload;
}


/* Makes the plan of batch b (rp_plan.h) into plan p. 0 / -1. */
static int
rp_plan(rp_ctx_t *ctx, rp_plan_t *p, const rp_batch_t *b)
{
    /* no name yet (not connected): EVAL, which needs none */
    return rp_plan_make(p, b, rp_msg_payload, ctx->o->topic,
                        ctx->sha[0] ? ctx->sha : NULL,
                        ctx->o->retention,
                        (size_t) ctx->o->per_call, (int64_t) time(NULL),
                        ctx->o->max_future);
}


/*
 * While the batch in hand is in flight: the next batch's plan, so that it
 * can be sent as soon as the replies are in.
 */
static void
rp_plan_next(rp_ctx_t *ctx)
{
    rp_plan_t  *p = &ctx->plan[!ctx->cur];

    if (rp_batch_live(&ctx->next) == 0 || rp_plan_fits(p, &ctx->next)) {
        return;
    }

    if (rp_plan(ctx, p, &ctx->next) != 0) {
        rp_plan_forget(p);              /* made again when sent */
    }
}


/*
 * Sends the batch in hand as update commands, one per user (up to
 * --events-per-call events each), pipelined and written out before
 * returning; replies not read. Its plan is usually made already (while
 * the previous batch was in flight); otherwise it is made now. Invalid
 * messages are marked RP_MARK_INVALID: no command (they go to the DLQ).
 * 0 / -1.
 */
static int
rp_send(rp_ctx_t *ctx)
{
    int         rc;
    rp_plan_t  *p = &ctx->plan[ctx->cur];

    if ((ctx->cluster != NULL ? !ctx->redis_up : ctx->redis == NULL)
        && rp_redis_connect(ctx) != 0)
    {
        return -1;
    }

    if (!rp_plan_fits(p, &ctx->batch) && rp_plan(ctx, p, &ctx->batch) != 0) {
        rp_plan_forget(p);
        rp_redis_drop(ctx, "out of memory for the batch's commands");
        return -1;
    }

    ctx->send_t0 = rp_clock_sec();
    rp_plan_arm(p, &ctx->batch);

    if (ctx->cluster != NULL) {
        rc = rp_pipe_csend(&p->pipe, ctx->cluster);
        if (rc != 0) {
            rp_redis_drop(ctx, p->pipe.err);
            return -1;
        }

    } else if (rp_pipe_send(&p->pipe, ctx->redis) != 0) {
        rp_redis_drop(ctx, ctx->redis->err ? rp_redis_err(ctx, ctx->redis)
                                           : p->pipe.err);
        return -1;
    }

    ctx->inflight = 1;
    return 0;
}



/*
 * --min-replicas N: WAIT N on what this batch wrote (every primary it
 * went to). 0 when enough replicas have it; -1 when not (errmsg says
 * why: the batch is not committed, it goes again), or on a Redis failure.
 */
static int
rp_wait(rp_ctx_t *ctx)
{
    int          n = ctx->o->min_replicas, ms = ctx->o->min_replicas_timeout_ms;
    int          shortfall = 0;
    redisReply  *r;

    if (n == 0) {
        return 0;
    }

    if (ctx->cluster != NULL) {
        if (rp_cluster_wait(ctx->cluster, n, ms, &shortfall) != 0) {
            rp_redis_drop(ctx, ctx->cluster->err);
            return -1;
        }

    } else {
        r = redisCommand(ctx->redis, "WAIT %d %d", n, ms);
        if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
            snprintf(ctx->errmsg, sizeof(ctx->errmsg), "WAIT: %s",
                     r != NULL ? (r->type == REDIS_REPLY_ERROR ? r->str
                                                               : "bad reply")
                               : rp_redis_err(ctx, ctx->redis));
            if (r != NULL) {
                freeReplyObject(r);
            }
            rp_redis_drop(ctx, ctx->errmsg);
            return -1;
        }
        shortfall = r->integer < n;
        freeReplyObject(r);
    }

    if (shortfall) {
        ctx->wait_shortfalls++;
        snprintf(ctx->errmsg, sizeof(ctx->errmsg), "WAIT %d %d: fewer than "
                 "%d replica(s) acknowledged the batch on %d %s "
                 "(--min-replicas); not committed", n, ms, n, shortfall,
                 shortfall == 1 ? "node" : "nodes");
        return -1;
    }

    return 0;
}


/*
 * Reads the replies of the batch in flight (the pipe resends with EVAL the
 * commands that got NOSCRIPT). Messages of a partition revoked while the
 * batch was in flight still have their reply read, but are not counted.
 * Returns 0 when Redis answered all of them, -1 on a Redis failure
 * (nothing counted; the caller applies the same batch again later).
 */
static int
rp_recv(rp_ctx_t *ctx)
{
    int                   rc;
    size_t                i, e;
    int64_t               now_ms, ts, waited;
    uint64_t              applied = 0, replays = 0;
    rp_bmsg_t            *bm;
    rp_plan_t            *p = &ctx->plan[ctx->cur];
    rp_pipe_t            *pipe = &p->pipe;
    rd_kafka_message_t   *m;
    rd_kafka_timestamp_type_t  tstype;

    if (ctx->cluster != NULL) {
        rc = rp_pipe_crecv(pipe, ctx->cluster);
        ctx->redirects += pipe->redirects;
        if (rc != 0) {
            rp_redis_drop(ctx, pipe->err);
            return -1;
        }

    } else {
        rc = rp_pipe_recv(pipe, ctx->redis);
        if (rc != 0) {
            rp_redis_drop(ctx, rc == RP_PIPE_LOST && ctx->redis->err
                               ? rp_redis_err(ctx, ctx->redis) : pipe->err);
            return -1;
        }
    }

    ctx->inflight = 0;
    if (rp_wait(ctx) != 0) {
        return -1;
    }

    if (pipe->noscript > 0) {
        fprintf(stderr, "rp-consumer: NOSCRIPT: the script cache was "
                "flushed; resent %llu command(s) with EVAL and reloaded "
                "it\n", (unsigned long long) pipe->noscript);
    }

    for (e = 0; e < pipe->nev; e++) {
        bm = &ctx->batch.msgs[pipe->evitem[e]];
        if (bm->state != RP_BMSG_PENDING) {
            bm->mark = RP_MARK_INVALID;         /* revoked meanwhile */
            continue;
        }

        switch (pipe->status[e]) {

        case RP_PIPE_APPLIED:
            applied++;
            bm->mark = RP_MARK_DONE;
            break;

        case RP_PIPE_REPLAY:
            replays++;
            bm->mark = RP_MARK_DONE;
            break;

        default:
            /* The store refused this user's events: dead letters. */
            bm->mark = RP_MARK_INVALID;
            m = bm->msg;
            fprintf(stderr, "rp-consumer: partition %d offset %lld: "
                    "store error: %s\n", (int) m->partition,
                    (long long) m->offset,
                    rp_pipe_reason(pipe, pipe->evitem[e]) != NULL
                        ? rp_pipe_reason(pipe, pipe->evitem[e])
                        : "unexpected reply");
        }
    }

    ctx->inflight = 0;

    /* Everything acknowledged: count, and measure. */
    ctx->last_applied = rp_clock_sec();
    rp_hist_add(ctx->rtt, (int64_t) ((ctx->last_applied - ctx->send_t0)
                                     * 1000.0));
    now_ms = rp_wall_ms();
    waited = (int64_t) ((ctx->last_applied - ctx->batch_t0) * 1000.0);

    for (i = 0; i < ctx->batch.n; i++) {
        bm = &ctx->batch.msgs[i];
        if (bm->state != RP_BMSG_PENDING || bm->mark != RP_MARK_DONE) {
            continue;
        }
        rp_hist_add(ctx->p2a, waited);
        ts = rd_kafka_message_timestamp(bm->msg, &tstype);
        if (tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME && ts > 0) {
            rp_hist_add(ctx->e2e, now_ms - ts);
        }
    }

    ctx->applied += applied;
    ctx->tick_applied += applied;
    ctx->replays += replays;
    ctx->tick_replays += replays;
    return 0;
}


/*
 * Produces the batch's invalid messages to the DLQ (original key and
 * value, headers rp-error and rp-source) and waits for their delivery.
 * Counts and logs them. 0 / -1 (a dead letter was not delivered).
 */
static int
rp_dead_letter(rp_ctx_t *ctx)
{
    size_t                i, n = 0, rej = 0;
    char                  err[RP_ERR_MAX], src[600];
    rp_bmsg_t            *bm;
    const char           *why;
    rd_kafka_message_t   *m;
    rd_kafka_resp_err_t   e;
    const rp_plan_t      *p = &ctx->plan[ctx->cur];

    for (i = 0; i < ctx->batch.n; i++) {
        bm = &ctx->batch.msgs[i];
        if (bm->state != RP_BMSG_PENDING || bm->mark != RP_MARK_INVALID) {
            continue;
        }
        m = bm->msg;

        /* the reason the plan found, or the store's refusal */
        why = rp_pipe_reason(&p->pipe, i);
        snprintf(err, sizeof(err), "%s",
                 why != NULL ? why : "refused by the store");

        rej++;
        if (ctx->rejected + rej <= RP_LOG_REJECTS
            || (ctx->rejected + rej) % 1000 == 0)
        {
            fprintf(stderr, "rp-consumer: rejected partition %d offset %lld:"
                    " %s%s\n", (int) m->partition, (long long) m->offset, err,
                    ctx->rejected + rej == RP_LOG_REJECTS
                        ? " (further rejections logged every 1000th)" : "");
        }

        if (ctx->dlq == NULL) {
            continue;
        }

        snprintf(src, sizeof(src), "%s/%d/%lld", ctx->o->topic,
                 (int) m->partition, (long long) m->offset);

        do {
            e = rd_kafka_producev(ctx->dlq,
                    RD_KAFKA_V_TOPIC(ctx->dlq_topic),
                    RD_KAFKA_V_KEY(m->key, m->key_len),
                    RD_KAFKA_V_VALUE(m->payload, m->len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_HEADER("rp-error", err, -1),
                    RD_KAFKA_V_HEADER("rp-source", src, -1),
                    RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(ctx->dlq, 100);
            }
        } while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);

        if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(ctx->errmsg, sizeof(ctx->errmsg), "dead letter to "
                     "\"%s\": %s", ctx->dlq_topic, rd_kafka_err2str(e));
            ctx->dlq_failed++;
            return -1;
        }
        n++;
    }

    if (n > 0) {
        ctx->dlq_dr_failed = 0;
        if (rd_kafka_flush(ctx->dlq, RP_DLQ_FLUSH_MS)
            != RD_KAFKA_RESP_ERR_NO_ERROR || ctx->dlq_dr_failed > 0)
        {
            snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%zu dead letter(s) "
                     "not delivered to \"%s\"", n, ctx->dlq_topic);
            ctx->dlq_failed++;
            return -1;
        }
    }

    ctx->rejected += rej;
    return 0;
}


/*
 * Applies the batch in hand (send and read) and dead-letters its invalid
 * messages. 0 / -1.
 */
static int
rp_process(rp_ctx_t *ctx)
{
    if (rp_send(ctx) != 0 || rp_recv(ctx) != 0) {
        return -1;
    }
    return rp_dead_letter(ctx);
}


/*
 * The batch in hand is applied and dead-lettered: its offsets become
 * committable (and its messages are released). 0 / -1 (out of memory).
 */
static int
rp_applied(rp_ctx_t *ctx)
{
    if (rp_batch_applied(&ctx->batch) != 0) {
        fprintf(stderr, "rp-consumer: out of memory\n");
        return -1;
    }

    return 0;
}


/* Commits what is committable (a synchronous round trip to the broker). */
static void
rp_commit_applied(rp_ctx_t *ctx)
{
    if (ctx->o->commit_delay_ms > 0) {
        usleep((useconds_t) ctx->o->commit_delay_ms * 1000);
    }

    rp_commit(ctx, -1);
}


/* rp_applied, then the commit. 0 / -1. */
static int
rp_finish(rp_ctx_t *ctx)
{
    if (rp_applied(ctx) != 0) {
        return -1;
    }

    rp_commit_applied(ctx);
    return 0;
}


/*
 * A failure of Redis or of the DLQ: the next batch (if polled already)
 * joins the batch in hand and all of it is applied again once possible.
 * 0 when applied, -1 when stopped first.
 */
static int
rp_pause_and_reapply(rp_ctx_t *ctx)
{
    fprintf(stderr, "rp-consumer: %s: pausing consumption\n", ctx->errmsg);

    if (rp_batch_move(&ctx->batch, &ctx->next) != 0) {
        fprintf(stderr, "rp-consumer: out of memory\n");
        ctx->fatal = 1;
        return -1;
    }

    return rp_recover(ctx);
}


/*
 * Redis (or the DLQ) is down: pause, keep polling (to stay in the group;
 * messages that still arrive join the batch in hand), reconnect with
 * capped backoff and apply the same batch again. Returns 0 once applied,
 * -1 when stopped.
 */
static int
rp_recover(rp_ctx_t *ctx)
{
    int64_t  backoff = 0;
    double   until;

    rp_pause(ctx, 1);

    while (rp_consumer_run) {
        backoff = rp_backoff_next(backoff, RP_BACKOFF_MIN_MS,
                                  RP_BACKOFF_MAX_MS);
        until = rp_clock_sec() + (double) backoff / 1000.0;

        while (rp_consumer_run && rp_clock_sec() < until) {
            rp_collect(ctx, &ctx->batch, &ctx->batch_t0, RP_COLLECT_MS, 1);
            if (rp_clock_sec() - ctx->tick >= ctx->o->stats_interval
                && ctx->o->stats_interval > 0)
            {
                rp_stats(ctx, 0);
            }
        }

        if (!rp_consumer_run) {
            break;
        }

        if (rp_process(ctx) == 0) {
            fprintf(stderr, "rp-consumer: recovered, batch of %zu applied\n",
                    rp_batch_live(&ctx->batch));
            rp_pause(ctx, 0);
            return 0;
        }

        fprintf(stderr, "rp-consumer: still failing (%s); next "
                "try in %lld ms\n", ctx->errmsg,
                (long long) rp_backoff_next(backoff, RP_BACKOFF_MIN_MS,
                                            RP_BACKOFF_MAX_MS));
    }

    return -1;
}


/*
 * -e and --exit-on-idle, checked when nothing is in hand (everything
 * polled so far is applied and committed). Done (1) once caught up (at
 * the end of every assigned partition) for --exit-on-idle seconds, or at
 * once with -e; a change of assignment or a message starts over. Without
 * an assignment it waits, at most --assign-timeout seconds (-1). 0: go on.
 */
static int
rp_batch_job_done(rp_ctx_t *ctx)
{
    double  now = rp_clock_sec();

    if (ctx->assigned <= 0) {
        ctx->caught_up_since = 0;
        if (ctx->unassigned_since == 0) {
            ctx->unassigned_since = now;
        }
        if (now - ctx->unassigned_since >= ctx->o->assign_timeout) {
            fprintf(stderr, "rp-consumer: no partition of \"%s\" assigned "
                    "within %ds (--assign-timeout): group \"%s\" %s; "
                    "exiting with status 1\n", ctx->o->topic,
                    ctx->o->assign_timeout, ctx->o->group,
                    ctx->ever_assigned ? "took the partitions back"
                                       : "never gave this member any");
            return -1;
        }
        return 0;
    }

    ctx->unassigned_since = 0;

    if (ctx->paused || !rp_caught_up(ctx)) {
        ctx->caught_up_since = 0;
        return 0;
    }

    /* a message or a rebalance since: caught up again only from now */
    if (ctx->caught_up_since == 0
        || ctx->last_activity > ctx->caught_up_since)
    {
        ctx->caught_up_since = now;
    }

    if (ctx->o->exit_at_end) {
        if (!ctx->o->quiet) {
            fprintf(stderr, "rp-consumer: at the end of %d partition(s), "
                    "exiting\n", ctx->assigned);
        }
        return 1;
    }

    if (now - ctx->caught_up_since >= ctx->o->exit_on_idle) {
        if (!ctx->o->quiet) {
            fprintf(stderr, "rp-consumer: caught up on %d partition(s) for "
                    "%ds, exiting\n", ctx->assigned, ctx->o->exit_on_idle);
        }
        return 1;
    }

    return 0;
}


int
main(int argc, char **argv)
{
    int                 rc, status = 0;
    char                err[256];
    rp_ctx_t            ctx;
    rp_consumer_opts_t  o;
    struct sigaction    sa;

    if (rp_version_arg(argc, argv, "rp-consumer")) {
        return 0;
    }

    rc = rp_consumer_opts_parse(&o, argc, argv, err, sizeof(err));
    if (rc == 1) {
        fputs(rp_consumer_usage, stdout);
        return 0;
    }
    if (rc != 0) {
        fprintf(stderr, "rp-consumer: %s\n%s", err, rp_consumer_usage);
        return 2;
    }

    memset(&ctx, 0, sizeof(ctx));
    ctx.o = &o;
    ctx.e2e = calloc(1, sizeof(rp_hist_t));
    ctx.rtt = calloc(1, sizeof(rp_hist_t));
    ctx.p2a = calloc(1, sizeof(rp_hist_t));
    if (ctx.e2e == NULL || ctx.rtt == NULL || ctx.p2a == NULL
        || rp_batch_init(&ctx.batch, (size_t) o.batch, rp_msg_release) != 0
        || rp_batch_init(&ctx.next, (size_t) o.batch, rp_msg_release) != 0)
    {
        fprintf(stderr, "rp-consumer: out of memory\n");
        return 1;
    }

    if (o.dlq != NULL) {
        snprintf(ctx.dlq_topic, sizeof(ctx.dlq_topic), "%s%s",
                 *o.dlq ? o.dlq : o.topic, *o.dlq ? "" : ".dlq");
    }

    if (o.metrics_port > 0) {
        if (rp_metrics_http_start(o.metrics_host, o.metrics_port,
                                  rp_metrics_render, &ctx, err, sizeof(err))
            != 0)
        {
            fprintf(stderr, "rp-consumer: %s\n", err);
            return 1;
        }
        if (!o.quiet) {
            fprintf(stderr, "rp-consumer: metrics on http://%s:%d/metrics\n",
                    o.metrics_host, o.metrics_port);
        }
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rp_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (o.redis_cluster != NULL) {
        ctx.cluster = rp_cluster_create(o.redis_cluster, o.redis_timeout_ms,
                                        err, sizeof(err));
        if (ctx.cluster == NULL) {
            fprintf(stderr, "rp-consumer: --redis-cluster: %s\n", err);
            return 2;
        }
    }

    /* Redis first: no point joining the group if the store is unusable. */
    if (rp_redis_connect(&ctx) != 0) {
        fprintf(stderr, "rp-consumer: %s: %s (will retry)\n",
                rp_redis_name(&ctx), ctx.errmsg);
    }

    if (o.dlq != NULL) {
        ctx.dlq = rp_kafka_dlq(&ctx);
        if (ctx.dlq == NULL) {
            status = 1;
            goto done;
        }
    }

    ctx.rk = rp_kafka_consumer(&ctx);
    if (ctx.rk == NULL) {
        status = 1;
        goto done;
    }

    if (!o.quiet) {
        fprintf(stderr, "rp-consumer: %s -> %s db %d, group \"%s\","
                " dlq %s, min replicas %d\n", o.topic, rp_redis_name(&ctx),
                o.redis_db, o.group, o.dlq ? ctx.dlq_topic : "off",
                o.min_replicas);
    }

    ctx.tick = ctx.last_activity = rp_clock_sec();

    /*
     * One batch in flight: while Redis works on the batch in hand, the next
     * one is polled; then the replies are read, the batch is committed and
     * the next one is sent. After a signal no new batch is polled, and the
     * ones in hand are finished.
     */
    for ( ;; ) {
        if (o.stats_interval > 0
            && rp_clock_sec() - ctx.tick >= o.stats_interval)
        {
            rp_stats(&ctx, 0);
        }

        if (!ctx.inflight) {
            if (!rp_consumer_run) {
                break;
            }

            rp_collect(&ctx, &ctx.batch, &ctx.batch_t0, RP_COLLECT_MS, 0);

            if (rp_batch_live(&ctx.batch) == 0) {
                rp_batch_applied(&ctx.batch);   /* releases dropped ones */
                if ((o.exit_at_end || o.exit_on_idle)
                    && (rc = rp_batch_job_done(&ctx)) != 0)
                {
                    if (rc < 0) {
                        status = 1;
                    }
                    break;
                }
                continue;
            }

            if (rp_send(&ctx) != 0) {
                if (rp_pause_and_reapply(&ctx) != 0 || rp_finish(&ctx) != 0) {
                    break;
                }
                continue;
            }
        }

        /* The batch in hand is in flight: poll the next one meanwhile,
         * and make its commands. */
        if (rp_consumer_run) {
            rp_collect(&ctx, &ctx.next, &ctx.next_t0, 0, 0);
            rp_plan_next(&ctx);
        }

        if ((rp_recv(&ctx) != 0 || rp_dead_letter(&ctx) != 0)
            && rp_pause_and_reapply(&ctx) != 0)
        {
            break;
        }

        /*
         * Applied: the next batch goes out first, and this one's commit
         * (a round trip to the broker) runs while Redis works on it, so
         * neither Redis nor the broker waits for the other
         * (bench/consumer-history.md has the gain).
         */
        if (rp_applied(&ctx) != 0) {
            break;
        }

        if (rp_batch_live(&ctx.next) > 0) {
            if (rp_batch_move(&ctx.batch, &ctx.next) != 0) {
                fprintf(stderr, "rp-consumer: out of memory\n");
                ctx.fatal = 1;
                break;
            }
            ctx.batch_t0 = ctx.next_t0;

            /* the next batch's plan is the one in hand's now (rp_send
             * checks that it still fits, e.g. after a rebalance) */
            rp_plan_forget(&ctx.plan[ctx.cur]);
            ctx.cur = !ctx.cur;

            if (rp_send(&ctx) != 0
                && (rp_pause_and_reapply(&ctx) != 0 || rp_finish(&ctx) != 0))
            {
                break;
            }
        }

        rp_commit_applied(&ctx);
    }

    if (rp_batch_live(&ctx.batch) + rp_batch_live(&ctx.next) > 0) {
        fprintf(stderr, "rp-consumer: %zu message(s) in hand not applied; "
                "they are redelivered to the next consumer\n",
                rp_batch_live(&ctx.batch) + rp_batch_live(&ctx.next));
    }

    /* Release everything in hand before close: librdkafka waits for
     * outstanding messages. Then the final commit, which librdkafka does
     * not make on close in this mode. */
    rp_batch_discard(&ctx.batch);
    rp_batch_discard(&ctx.next);
    rp_commit(&ctx, -1);

    if (!o.quiet) {
        fprintf(stderr, "rp-consumer: leaving the group\n");
    }
    rd_kafka_consumer_close(ctx.rk);

    if (ctx.fatal) {
        status = 1;
    }

done:

    rp_stats(&ctx, 1);
    rp_metrics_http_stop();

    if (ctx.rk != NULL) {
        rd_kafka_destroy(ctx.rk);
    }
    if (ctx.dlq != NULL) {
        rd_kafka_flush(ctx.dlq, RP_DLQ_FLUSH_MS);
        rd_kafka_destroy(ctx.dlq);
    }
    if (ctx.redis != NULL) {
        redisFree(ctx.redis);
    }
    rp_cluster_free(ctx.cluster);
    rp_batch_free(&ctx.batch);
    rp_batch_free(&ctx.next);
    rp_plan_free(&ctx.plan[0]);
    rp_plan_free(&ctx.plan[1]);
    free(ctx.e2e);
    free(ctx.rtt);
    free(ctx.p2a);
    return status;
}

