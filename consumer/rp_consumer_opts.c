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



/*
 * Matches argv[*i] against a short and a long name. For options taking a
 * value, accepts "--name VALUE", "--name=VALUE" and "-x VALUE". Returns 1
 * on a match (with *val set and *i advanced past a separate value), 0 when
 * it is another option (or a flag given "=VALUE"), -1 when the value is
 * missing.
 */
static int
rp_opt_match(int argc, char **argv, int *i, const char *sname,
    const char *lname, const char **val)
{
    const char  *a = argv[*i];
    size_t       llen;

    if (lname != NULL) {
        llen = strlen(lname);
        if (strncmp(a, lname, llen) == 0) {
            if (a[llen] == '=') {
                if (val == NULL) {
                    return 0;          /* a flag takes no value: unknown */
                }
                *val = a + llen + 1;
                return 1;
            }
            if (a[llen] != '\0') {
                return 0;
            }
            goto matched;
        }
    }

    if (sname != NULL && strcmp(a, sname) == 0) {
        goto matched;
    }

    return 0;

matched:

    if (val == NULL) {
        return 1;
    }

    if (*i + 1 >= argc) {
        return -1;
    }

    *i += 1;
    *val = argv[*i];
    return 1;
}


int
rp_consumer_opts_parse(rp_consumer_opts_t *o, int argc, char **argv,
    char *err, size_t errlen)
{
    int          i, oi, rc, have_redis = 0, min_replicas = -1;
    int64_t      v;
    const char  *val;

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

    oi = 0;
    for (i = 1; i < argc; i++) {
        val = NULL;
        oi = i;

        if ((rc = rp_opt_match(argc, argv, &i, "-h", "--help", NULL)) == 1) {
            return 1;
        }

        if ((rc = rp_opt_match(argc, argv, &i, "-b", "--brokers", &val))) {
            if (rc < 0) goto missing;
            o->brokers = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, "-t", "--topic",
                                      &val)))
        {
            if (rc < 0) goto missing;
            o->topic = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, "-g", "--group",
                                      &val)))
        {
            if (rc < 0) goto missing;
            o->group = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--redis",
                                      &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_hostport(val, o->redis_host, sizeof(o->redis_host),
                                  &o->redis_port) != 0)
            {
                snprintf(err, errlen, "--redis: expected HOST:PORT, got "
                         "\"%s\"", val);
                return -1;
            }
            have_redis = 1;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--redis-cluster", &val)))
        {
            if (rc < 0) goto missing;
            if (*val == '\0') goto bad;
            o->redis_cluster = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--min-replicas", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 0, 100, &v) != 0) goto bad;
            min_replicas = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--min-replicas-timeout", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 3600000, &v) != 0) goto bad;
            o->min_replicas_timeout_ms = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--db", &val))) {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 0, 1000000, &v) != 0) goto bad;
            o->redis_db = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--redis-timeout", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 3600000, &v) != 0) goto bad;
            o->redis_timeout_ms = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--retention",
                                      &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, INT32_MAX, &v) != 0) goto bad;
            o->retention = v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--dlq",
                                      &val)))
        {
            if (rc < 0) goto missing;
            if (*val == '\0') goto bad;
            o->dlq = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--no-dlq",
                                      NULL)))
        {
            o->dlq = NULL;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--batch",
                                      &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 1000000, &v) != 0) goto bad;
            o->batch = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--events-per-call", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, RP_STORE_GROUP_MAX, &v) != 0) goto bad;
            o->per_call = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, "-X", NULL, &val))) {
            if (rc < 0) goto missing;
            if (strchr(val, '=') == NULL || val[0] == '=') {
                snprintf(err, errlen, "-X: expected key=value, got \"%s\"",
                         val);
                return -1;
            }
            if (o->nx == RP_CONSUMER_X_MAX) {
                snprintf(err, errlen, "too many -X options");
                return -1;
            }
            o->x[o->nx++] = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--exit-on-idle", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 86400 * 365, &v) != 0) goto bad;
            o->exit_on_idle = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, "-e", "--exit-at-end",
                                      NULL)))
        {
            o->exit_at_end = 1;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--assign-timeout", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 86400 * 365, &v) != 0) goto bad;
            o->assign_timeout = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL, "--max-future",
                                      &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 0, RP_TIME_MAX, &v) != 0) goto bad;
            o->max_future = v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--stats-interval", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 0, 86400, &v) != 0) goto bad;
            o->stats_interval = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--metrics-file", &val)))
        {
            if (rc < 0) goto missing;
            if (*val == '\0') goto bad;
            o->metrics_file = val;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--metrics-listen", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_hostport(val, o->metrics_host,
                                  sizeof(o->metrics_host),
                                  &o->metrics_port) != 0)
            {
                goto bad;
            }

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--metrics-port", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 1, 65535, &v) != 0) goto bad;
            snprintf(o->metrics_host, sizeof(o->metrics_host), "127.0.0.1");
            o->metrics_port = (int) v;

        } else if ((rc = rp_opt_match(argc, argv, &i, "-q", "--quiet",
                                      NULL)))
        {
            o->quiet = 1;

        } else if ((rc = rp_opt_match(argc, argv, &i, NULL,
                                      "--test-commit-delay", &val)))
        {
            if (rc < 0) goto missing;
            if (rp_parse_i64(val, 0, 60000, &v) != 0) goto bad;
            o->commit_delay_ms = (int) v;

        } else {
            snprintf(err, errlen, "unknown option \"%s\"", argv[i]);
            return -1;
        }
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

missing:

    snprintf(err, errlen, "option \"%s\" needs a value", argv[oi]);
    return -1;

bad:

    snprintf(err, errlen, "option \"%s\": invalid value \"%s\"", argv[oi],
             val);
    return -1;
}
