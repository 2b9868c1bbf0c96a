/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer_stats.c: rp-consumer's stats line on stderr and its
 * Prometheus metrics: the text (rp_metrics_render), also served over HTTP
 * by rp_metrics_http.c, and the metrics file (written to PATH.tmp, then
 * renamed).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "rp_batch.h"
#include "rp_consumer.h"
#include "rp_version.h"


static void rp_metrics(rp_ctx_t *ctx);


void
rp_stats(rp_ctx_t *ctx, int final)
{
    double                     now = rp_clock_sec(), dt = now - ctx->tick;
    const struct rd_kafka_metadata  *md;

    ctx->lag = final ? ctx->lag : rp_lag(ctx);

    /* After "all brokers down", a short metadata request tells when they
     * are back even if no message flows. */
    if (ctx->broker_down && !final && ctx->rk != NULL
        && rd_kafka_metadata(ctx->rk, 0, NULL, &md, 200)
           == RD_KAFKA_RESP_ERR_NO_ERROR)
    {
        rd_kafka_metadata_destroy(md);
        ctx->broker_down = 0;
    }

    if (!ctx->o->quiet || final) {
        fprintf(stderr,
                "rp-consumer: %s%.0f ev/s, consumed %llu, applied %llu, "
                "replays %llu, rejected %llu, lag %lld, batch rtt p50/p99 "
                "%lld/%lld ms, polled->applied p50/p99 %lld/%lld ms, "
                "produce->applied p50/p99 %lld/%lld ms, "
                "redis %s, broker %s, partitions %d, commits %llu, "
                "wait shortfalls %llu, redirects %llu\n",
                final ? "final: " : "",
                dt > 0 ? (double) ctx->tick_consumed / dt : 0.0,
                (unsigned long long) ctx->consumed,
                (unsigned long long) ctx->applied,
                (unsigned long long) ctx->replays,
                (unsigned long long) ctx->rejected,
                (long long) ctx->lag,
                (long long) rp_hist_quantile(ctx->rtt, 0.5),
                (long long) rp_hist_quantile(ctx->rtt, 0.99),
                (long long) rp_hist_quantile(ctx->p2a, 0.5),
                (long long) rp_hist_quantile(ctx->p2a, 0.99),
                (long long) rp_hist_quantile(ctx->e2e, 0.5),
                (long long) rp_hist_quantile(ctx->e2e, 0.99),
                ctx->redis_up ? "up" : "DOWN",
                ctx->broker_down ? "DOWN" : "up", ctx->assigned,
                (unsigned long long) ctx->commits,
                (unsigned long long) ctx->wait_shortfalls,
                (unsigned long long) ctx->redirects);
    }

    ctx->tick = now;
    ctx->tick_consumed = ctx->tick_applied = ctx->tick_replays = 0;

    if (final && ctx->consumed > 0 && ctx->last_applied > ctx->first_msg) {
        struct rusage  ru;

        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr, "rp-consumer: final: %llu messages in %.3f s from "
                "the first message to the last acknowledged batch: "
                "%.0f ev/s (process CPU %.2f s)\n",
                (unsigned long long) ctx->consumed,
                ctx->last_applied - ctx->first_msg,
                (double) ctx->consumed / (ctx->last_applied - ctx->first_msg),
                (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
                + (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    }

    rp_metrics(ctx);
}


/*
 * One latency summary in seconds: the 0.5 and 0.99 quantiles, _sum and
 * _count. The histogram has whole milliseconds, so the sum is that of the
 * rounded samples (and samples of 10 s or more count as 10 s).
 */
static int
rp_summary(char *p, size_t size, const char *name, const char *help,
    const rp_hist_t *h)
{
    uint64_t  sum_ms = 0;
    size_t    i;
    int64_t   q50 = rp_hist_quantile(h, 0.5), q99 = rp_hist_quantile(h, 0.99);
    char      v50[32], v99[32];

    for (i = 0; i < RP_HIST_MAX; i++) {
        sum_ms += (uint64_t) i * h->bucket[i];
    }

    /* no sample yet: the quantiles are NaN, as client libraries write */
    if (q50 < 0) {
        snprintf(v50, sizeof(v50), "NaN");
        snprintf(v99, sizeof(v99), "NaN");
    } else {
        snprintf(v50, sizeof(v50), "%.3f", (double) q50 / 1000.0);
        snprintf(v99, sizeof(v99), "%.3f", (double) q99 / 1000.0);
    }

    return snprintf(p, size,
        "# HELP %s %s\n# TYPE %s summary\n"
        "%s{quantile=\"0.5\"} %s\n%s{quantile=\"0.99\"} %s\n"
        "%s_sum %.3f\n%s_count %llu\n",
        name, help, name, name, v50, name, v99,
        name, (double) sum_ms / 1000.0, name, (unsigned long long) h->count);
}


size_t
rp_metrics_render(void *data, char *buf, size_t size)
{
    rp_ctx_t  *ctx = data;
    size_t     n;
    int        w;

    w = snprintf(buf, size,
        "# HELP rp_consumer_build_info rp-consumer's version.\n"
        "# TYPE rp_consumer_build_info gauge\n"
        "rp_consumer_build_info{version=\"%s\"} 1\n"
        "# HELP rp_consumer_messages_total Kafka messages consumed.\n"
        "# TYPE rp_consumer_messages_total counter\n"
        "rp_consumer_messages_total %llu\n"
        "# HELP rp_consumer_events_total Events by result: applied to the "
        "store, replays of applied ones, rejected (dead letters).\n"
        "# TYPE rp_consumer_events_total counter\n"
        "rp_consumer_events_total{result=\"applied\"} %llu\n"
        "rp_consumer_events_total{result=\"replay\"} %llu\n"
        "rp_consumer_events_total{result=\"rejected\"} %llu\n"
        "# HELP rp_consumer_dlq_failures_total Dead letters that could not "
        "be delivered.\n"
        "# TYPE rp_consumer_dlq_failures_total counter\n"
        "rp_consumer_dlq_failures_total %llu\n"
        "# HELP rp_consumer_redis_failures_total Batches whose Redis "
        "pipeline failed.\n"
        "# TYPE rp_consumer_redis_failures_total counter\n"
        "rp_consumer_redis_failures_total %llu\n"
        "# HELP rp_consumer_commits_total Offset commits that succeeded.\n"
        "# TYPE rp_consumer_commits_total counter\n"
        "rp_consumer_commits_total %llu\n"
        "# HELP rp_consumer_commit_failures_total Offset commits that "
        "failed.\n"
        "# TYPE rp_consumer_commit_failures_total counter\n"
        "rp_consumer_commit_failures_total %llu\n"
        "# HELP rp_consumer_lag Messages behind the high watermarks of the "
        "assignment (-1 while unknown).\n"
        "# TYPE rp_consumer_lag gauge\n"
        "rp_consumer_lag %lld\n"
        "# HELP rp_consumer_redis_up 1 when the last Redis call succeeded.\n"
        "# TYPE rp_consumer_redis_up gauge\n"
        "rp_consumer_redis_up %d\n"
        "# HELP rp_consumer_broker_up 0 after librdkafka reported all "
        "brokers down, until one answers.\n"
        "# TYPE rp_consumer_broker_up gauge\n"
        "rp_consumer_broker_up %d\n"
        "# HELP rp_consumer_assigned_partitions Partitions assigned to "
        "this member.\n"
        "# TYPE rp_consumer_assigned_partitions gauge\n"
        "rp_consumer_assigned_partitions %d\n"
        "# HELP rp_consumer_wait_shortfalls_total Batches applied but not "
        "committed: fewer replicas than --min-replicas acknowledged them "
        "within --min-replicas-timeout.\n"
        "# TYPE rp_consumer_wait_shortfalls_total counter\n"
        "rp_consumer_wait_shortfalls_total %llu\n"
        "# HELP rp_consumer_redis_redirects_total Commands sent again to "
        "another cluster node after MOVED or ASK.\n"
        "# TYPE rp_consumer_redis_redirects_total counter\n"
        "rp_consumer_redis_redirects_total %llu\n",
        rp_version(),
        (unsigned long long) ctx->consumed,
        (unsigned long long) ctx->applied,
        (unsigned long long) ctx->replays,
        (unsigned long long) ctx->rejected,
        (unsigned long long) ctx->dlq_failed,
        (unsigned long long) ctx->redis_failures,
        (unsigned long long) ctx->commits,
        (unsigned long long) ctx->commit_failures,
        (long long) ctx->lag, ctx->redis_up, !ctx->broker_down,
        ctx->assigned, (unsigned long long) ctx->wait_shortfalls,
        (unsigned long long) ctx->redirects);

    n = (w < 0) ? 0 : ((size_t) w < size ? (size_t) w : size - 1);

    w = rp_summary(buf + n, size - n, "rp_consumer_batch_duration_seconds",
                   "Time of one batch's Redis pipeline.", ctx->rtt);
    n += (w < 0) ? 0 : ((size_t) w < size - n ? (size_t) w : size - n - 1);

    w = rp_summary(buf + n, size - n,
                   "rp_consumer_polled_to_applied_seconds",
                   "From polling an event to Redis applying it.", ctx->p2a);
    n += (w < 0) ? 0 : ((size_t) w < size - n ? (size_t) w : size - n - 1);

    w = rp_summary(buf + n, size - n,
                   "rp_consumer_produce_to_applied_seconds",
                   "From the message's Kafka timestamp to Redis applying "
                   "the event.", ctx->e2e);
    n += (w < 0) ? 0 : ((size_t) w < size - n ? (size_t) w : size - n - 1);

    return n;
}


/* The same text, written to PATH.tmp and renamed. */
static void
rp_metrics(rp_ctx_t *ctx)
{
    char    tmp[4096], text[16384];
    size_t  n;
    FILE   *f;

    if (ctx->o->metrics_file == NULL) {
        return;
    }

    n = rp_metrics_render(ctx, text, sizeof(text));

    snprintf(tmp, sizeof(tmp), "%s.tmp", ctx->o->metrics_file);
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "rp-consumer: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        return;
    }

    if (fwrite(text, 1, n, f) != n) {
        fprintf(stderr, "rp-consumer: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        fclose(f);
        unlink(tmp);
        return;
    }

    if (fclose(f) != 0 || rename(tmp, ctx->o->metrics_file) != 0) {
        fprintf(stderr, "rp-consumer: cannot write \"%s\": %s\n",
                ctx->o->metrics_file, strerror(errno));
        unlink(tmp);
    }
}
