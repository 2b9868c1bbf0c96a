/*
 * rp_consumer_stats.c: rp-consumer's stats line on stderr and its
 * Prometheus metrics file (written to PATH.tmp, then renamed).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include "rp_batch.h"
#include "rp_consumer.h"


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
                "redis %s, broker %s, partitions %d, commits %llu\n",
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
                (unsigned long long) ctx->commits);
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


/* Prometheus text exposition, written to PATH.tmp and renamed. */
static void
rp_metrics(rp_ctx_t *ctx)
{
    char   tmp[4096];
    FILE  *f;

    if (ctx->o->metrics_file == NULL) {
        return;
    }

    snprintf(tmp, sizeof(tmp), "%s.tmp", ctx->o->metrics_file);
    f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "rp-consumer: cannot write \"%s\": %s\n", tmp,
                strerror(errno));
        return;
    }

    fprintf(f,
        "# TYPE rp_consumer_messages_total counter\n"
        "rp_consumer_messages_total %llu\n"
        "# TYPE rp_consumer_events_total counter\n"
        "rp_consumer_events_total{result=\"applied\"} %llu\n"
        "rp_consumer_events_total{result=\"replay\"} %llu\n"
        "rp_consumer_events_total{result=\"rejected\"} %llu\n"
        "# TYPE rp_consumer_dlq_failures_total counter\n"
        "rp_consumer_dlq_failures_total %llu\n"
        "# TYPE rp_consumer_redis_failures_total counter\n"
        "rp_consumer_redis_failures_total %llu\n"
        "# TYPE rp_consumer_commits_total counter\n"
        "rp_consumer_commits_total %llu\n"
        "# TYPE rp_consumer_commit_failures_total counter\n"
        "rp_consumer_commit_failures_total %llu\n"
        "# TYPE rp_consumer_lag gauge\n"
        "rp_consumer_lag %lld\n"
        "# TYPE rp_consumer_redis_up gauge\n"
        "rp_consumer_redis_up %d\n"
        "# TYPE rp_consumer_broker_up gauge\n"
        "rp_consumer_broker_up %d\n"
        "# TYPE rp_consumer_assigned_partitions gauge\n"
        "rp_consumer_assigned_partitions %d\n"
        "# TYPE rp_consumer_batch_rtt_ms summary\n"
        "rp_consumer_batch_rtt_ms{quantile=\"0.5\"} %lld\n"
        "rp_consumer_batch_rtt_ms{quantile=\"0.99\"} %lld\n"
        "# TYPE rp_consumer_polled_to_applied_ms summary\n"
        "rp_consumer_polled_to_applied_ms{quantile=\"0.5\"} %lld\n"
        "rp_consumer_polled_to_applied_ms{quantile=\"0.99\"} %lld\n"
        "# TYPE rp_consumer_produce_to_applied_ms summary\n"
        "rp_consumer_produce_to_applied_ms{quantile=\"0.5\"} %lld\n"
        "rp_consumer_produce_to_applied_ms{quantile=\"0.99\"} %lld\n",
        (unsigned long long) ctx->consumed,
        (unsigned long long) ctx->applied,
        (unsigned long long) ctx->replays,
        (unsigned long long) ctx->rejected,
        (unsigned long long) ctx->dlq_failed,
        (unsigned long long) ctx->redis_failures,
        (unsigned long long) ctx->commits,
        (unsigned long long) ctx->commit_failures,
        (long long) ctx->lag, ctx->redis_up, !ctx->broker_down,
        ctx->assigned,
        (long long) rp_hist_quantile(ctx->rtt, 0.5),
        (long long) rp_hist_quantile(ctx->rtt, 0.99),
        (long long) rp_hist_quantile(ctx->p2a, 0.5),
        (long long) rp_hist_quantile(ctx->p2a, 0.99),
        (long long) rp_hist_quantile(ctx->e2e, 0.5),
        (long long) rp_hist_quantile(ctx->e2e, 0.99));

    if (fclose(f) != 0 || rename(tmp, ctx->o->metrics_file) != 0) {
        fprintf(stderr, "rp-consumer: cannot write \"%s\": %s\n",
                ctx->o->metrics_file, strerror(errno));
        unlink(tmp);
    }
}
