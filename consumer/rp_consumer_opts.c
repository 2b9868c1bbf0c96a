/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer_opts.c: rp-consumer's command line (see rp_consumer_opts.h).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_event.h"
#include "rp_store.h"
#include "rp_consumer_opts.h"

const char rp_consumer_usage[] =
"usage: rp-consumer -b BROKERS --redis HOST:PORT [options]\n"
"       rp-consumer -b BROKERS --redis-cluster HOST:PORT[,...] [options]\n"
"\n"
"Consumes events from Kafka and applies them to the Redis feature store.\n"
"Offsets are committed only after Redis acknowledged the whole batch.\n"
"\n"
"  -b, --brokers LIST       bootstrap servers (host:port,...)\n"
"  -t, --topic TOPIC        topic (default ecommerce-events)\n"
"  -g, --group GROUP        consumer group (default rp-consumer)\n"
"      --redis HOST:PORT    feature store\n"
"      --redis-cluster HOST:PORT[,HOST:PORT...]\n"
"                           a Redis Cluster's seed nodes (instead of --redis)\n"
"      --min-replicas N     before a commit, WAIT until N replicas of every\n"
"                           primary written have the batch (default 1 with\n"
"                           --redis-cluster, 0 with --redis); fewer: not\n"
"                           committed, applied again after a pause\n"
"      --min-replicas-timeout MS  WAIT's bound (default 500, below\n"
"                           --redis-timeout)\n"
"      --db N               Redis database (default 0)\n"
"      --redis-timeout MS   bound on every Redis wait (default 2000)\n"
"      --retention SECONDS  TTL of the user's keys (default 400 days)\n"
"      --dlq TOPIC          dead-letter topic (default TOPIC.dlq)\n"
"      --no-dlq             log and skip bad messages, no dead-letter topic\n"
"      --batch N            messages per Redis pipeline (default 1000)\n"
"      --events-per-call N  a user's events in one update script call\n"
"                           (1-32, default 32; 1: one call per event)\n"
"  -X key=value             librdkafka property (repeatable)\n"
"      --max-future S       events stamped more than S s ahead of this\n"
"                           clock go to the DLQ (default 86400)\n"
"  -e, --exit-at-end        commit and exit 0 once at the end of every\n"
"                           assigned partition (caught up)\n"
"      --exit-on-idle S     commit and exit 0 once caught up for S s\n"
"      --assign-timeout S   with -e or --exit-on-idle: exit 1 after S s\n"
"                           without an assignment (default 120)\n"
"      --stats-interval S   stats line every S seconds (default 5, 0 off)\n"
"      --metrics-file PATH  Prometheus text file, rewritten atomically\n"
"      --metrics-listen HOST:PORT  serve the metrics over HTTP (GET /metrics)\n"
"      --metrics-port PORT  the same on 127.0.0.1:PORT\n"
"  -q, --quiet              no stats lines\n"
"      --test-commit-delay MS  sleep between Redis' acknowledgement and the\n"
"                           commit (widens the crash window for tests)\n"
"  -h, --help               this text\n";



/* The long options without a short form take values above a char's. */
enum {
    RP_O_REDIS = 256, RP_O_REDIS_CLUSTER, RP_O_MIN_REPLICAS,
    RP_O_MIN_REPLICAS_TIMEOUT, RP_O_DB, RP_O_REDIS_TIMEOUT, RP_O_RETENTION,
    RP_O_DLQ, RP_O_NO_DLQ, RP_O_BATCH, RP_O_EVENTS_PER_CALL,
    RP_O_EXIT_ON_IDLE, RP_O_ASSIGN_TIMEOUT, RP_O_MAX_FUTURE,
    RP_O_STATS_INTERVAL, RP_O_METRICS_FILE, RP_O_METRICS_LISTEN,
    RP_O_METRICS_PORT, RP_O_COMMIT_DELAY
};

static const struct option  rp_consumer_long[] = {
    { "brokers", required_argument, NULL, 'b' },
    { "topic", required_argument, NULL, 't' },
    { "group", required_argument, NULL, 'g' },
    { "exit-at-end", no_argument, NULL, 'e' },
    { "quiet", no_argument, NULL, 'q' },
    { "redis", required_argument, NULL, RP_O_REDIS },
    { "redis-cluster", required_argument, NULL, RP_O_REDIS_CLUSTER },
    { "min-replicas", required_argument, NULL, RP_O_MIN_REPLICAS },
    { "min-replicas-timeout", required_argument, NULL,
      RP_O_MIN_REPLICAS_TIMEOUT },
    { "db", required_argument, NULL, RP_O_DB },
    { "redis-timeout", required_argument, NULL, RP_O_REDIS_TIMEOUT },
    { "retention", required_argument, NULL, RP_O_RETENTION },
    { "dlq", required_argument, NULL, RP_O_DLQ },
    { "no-dlq", no_argument, NULL, RP_O_NO_DLQ },
    { "batch", required_argument, NULL, RP_O_BATCH },
    { "events-per-call", required_argument, NULL, RP_O_EVENTS_PER_CALL },
    { "exit-on-idle", required_argument, NULL, RP_O_EXIT_ON_IDLE },
    { "assign-timeout", required_argument, NULL, RP_O_ASSIGN_TIMEOUT },
    { "max-future", required_argument, NULL, RP_O_MAX_FUTURE },
    { "stats-interval", required_argument, NULL, RP_O_STATS_INTERVAL },
    { "metrics-file", required_argument, NULL, RP_O_METRICS_FILE },
    { "metrics-listen", required_argument, NULL, RP_O_METRICS_LISTEN },
    { "metrics-port", required_argument, NULL, RP_O_METRICS_PORT },
    { "test-commit-delay", required_argument, NULL, RP_O_COMMIT_DELAY },
    RP_OPT_HELP,
    { NULL, 0, NULL, 0 }
};


/* A string option's value, refused when empty; 0 / -1 with p->err. */
static int
rp_opt_nonempty(rp_opt_t *p, const char *val, const char **out)
{
    if (*val == '\0') {
        return rp_opt_bad(p, val, "not empty");
    }

    *out = val;
    return 0;
}


/* An integer option's value into an int field; 0 / -1 with p->err. */
static int
rp_opt_int(rp_opt_t *p, const char *val, int64_t min, int64_t max, int *out)
{
    int64_t  v;

    if (rp_opt_i64(p, val, min, max, &v) != 0) {
        return -1;
    }

    *out = (int) v;
    return 0;
}


/* One option (c, with optarg) into o; 0 / -1 with p->err. */
static int
rp_consumer_opt(rp_consumer_opts_t *o, rp_opt_t *p, int c, int *have_redis,
    int *min_replicas)
{
    const char  *val = optarg;

    switch (c) {
    case 'b':
        o->brokers = val;
        return 0;
    case 't':
        o->topic = val;
        return 0;
    case 'g':
        o->group = val;
        return 0;
    case 'e':
        o->exit_at_end = 1;
        return 0;
    case 'q':
        o->quiet = 1;
        return 0;
    case RP_O_REDIS:
        *have_redis = 1;
        return rp_opt_hostport(p, val, o->redis_host, sizeof(o->redis_host),
                               &o->redis_port);
    case RP_O_REDIS_CLUSTER:
        return rp_opt_nonempty(p, val, &o->redis_cluster);
    case RP_O_MIN_REPLICAS:
        return rp_opt_int(p, val, 0, 100, min_replicas);
    case RP_O_MIN_REPLICAS_TIMEOUT:
        return rp_opt_int(p, val, 1, 3600000, &o->min_replicas_timeout_ms);
    case RP_O_DB:
        return rp_opt_int(p, val, 0, 1000000, &o->redis_db);
    case RP_O_REDIS_TIMEOUT:
        return rp_opt_int(p, val, 1, 3600000, &o->redis_timeout_ms);
    case RP_O_RETENTION:
        return rp_opt_i64(p, val, 1, INT32_MAX, &o->retention);
    case RP_O_DLQ:
        return rp_opt_nonempty(p, val, &o->dlq);
    case RP_O_NO_DLQ:
        o->dlq = NULL;
        return 0;
    case RP_O_BATCH:
        return rp_opt_int(p, val, 1, 1000000, &o->batch);
    case RP_O_EVENTS_PER_CALL:
        return rp_opt_int(p, val, 1, RP_STORE_GROUP_MAX, &o->per_call);
    case 'X':
        if (strchr(val, '=') == NULL || val[0] == '=') {
            return rp_opt_bad(p, val, "expected key=value");
        }
        if (o->nx == RP_CONSUMER_X_MAX) {
            snprintf(p->err, sizeof(p->err), "more than %d -X options",
                     RP_CONSUMER_X_MAX);
            return -1;
        }
        o->x[o->nx++] = val;
        return 0;
    case RP_O_EXIT_ON_IDLE:
        return rp_opt_int(p, val, 1, 86400 * 365, &o->exit_on_idle);
    case RP_O_ASSIGN_TIMEOUT:
        return rp_opt_int(p, val, 1, 86400 * 365, &o->assign_timeout);
    case RP_O_MAX_FUTURE:
        return rp_opt_i64(p, val, 0, RP_TIME_MAX, &o->max_future);
    case RP_O_STATS_INTERVAL:
        return rp_opt_int(p, val, 0, 86400, &o->stats_interval);
    case RP_O_METRICS_FILE:
        return rp_opt_nonempty(p, val, &o->metrics_file);
    case RP_O_METRICS_LISTEN:
        return rp_opt_hostport(p, val, o->metrics_host,
                               sizeof(o->metrics_host), &o->metrics_port);
    case RP_O_METRICS_PORT:
        snprintf(o->metrics_host, sizeof(o->metrics_host), "127.0.0.1");
        return rp_opt_int(p, val, 1, 65535, &o->metrics_port);
    case RP_O_COMMIT_DELAY:
        return rp_opt_int(p, val, 0, 60000, &o->commit_delay_ms);
    default:
        return -1;          /* rp_getopt's '?': p->err says why */
    }
}


int
rp_consumer_opts_parse(rp_consumer_opts_t *o, int argc, char **argv,
    char *err, size_t errlen)
{
    int       c, have_redis = 0, min_replicas = -1;
    rp_opt_t  p;

    memset(o, 0, sizeof(*o));
    o->topic = "ecommerce-events";
    o->group = "rp-consumer";
    o->redis_timeout_ms = 2000;
    o->min_replicas_timeout_ms = 500;
    o->retention = RP_STORE_RETENTION_DEF;
    o->dlq = "";                    /* "" = default, TOPIC.dlq */
    o->batch = 1000;
    o->per_call = RP_STORE_GROUP_MAX;
    o->stats_interval = 5;
    o->max_future = RP_MAX_FUTURE_DEF;
    o->assign_timeout = RP_ASSIGN_TIMEOUT_DEF;

    memset(&p, 0, sizeof(p));

    while ((c = rp_getopt(&p, argc, argv, "b:t:g:X:eqh", rp_consumer_long))
           != -1)
    {
        if (c == 'h') {
            return 1;
        }
        if (rp_consumer_opt(o, &p, c, &have_redis, &min_replicas) != 0) {
            snprintf(err, errlen, "%s", p.err);
            return -1;
        }
    }

    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\"", argv[optind]);
        return -1;
    }

    if (o->brokers == NULL || *o->brokers == '\0') {
        snprintf(err, errlen, "-b BROKERS is required");
        return -1;
    }

    if (have_redis && o->redis_cluster != NULL) {
        snprintf(err, errlen, "--redis and --redis-cluster exclude each "
                 "other: one Redis, or the seed nodes of a cluster");
        return -1;
    }

    if (!have_redis && o->redis_cluster == NULL) {
        snprintf(err, errlen, "--redis HOST:PORT (or --redis-cluster "
                 "HOST:PORT[,...]) is required");
        return -1;
    }

    if (o->redis_cluster != NULL && o->redis_db != 0) {
        snprintf(err, errlen, "--db %d: a Redis Cluster has only database 0",
                 o->redis_db);
        return -1;
    }

    /* a cluster fails over: an acknowledged write is safe only once a
     * replica has it too */
    o->min_replicas = min_replicas >= 0 ? min_replicas
                                        : (o->redis_cluster != NULL ? 1 : 0);

    if (o->min_replicas > 0
        && o->min_replicas_timeout_ms >= o->redis_timeout_ms)
    {
        snprintf(err, errlen, "--min-replicas-timeout %d must be below "
                 "--redis-timeout %d (WAIT's reply comes after it)",
                 o->min_replicas_timeout_ms, o->redis_timeout_ms);
        return -1;
    }

    if (*o->topic == '\0' || *o->group == '\0') {
        snprintf(err, errlen, "topic and group must not be empty");
        return -1;
    }

    return 0;
}
