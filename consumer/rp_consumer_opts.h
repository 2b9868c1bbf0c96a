/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_consumer_opts.h: command line of rp-consumer, parsed without Kafka or
 * Redis so that it can be unit tested.
 */

#ifndef RP_CONSUMER_OPTS_H
#define RP_CONSUMER_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "rp_tool.h"

#define RP_CONSUMER_X_MAX  64
#define RP_ASSIGN_TIMEOUT_DEF  120  /* --assign-timeout: beyond librdkafka's
                                       default session timeout (45 s), which
                                       a killed member's eviction waits for */

typedef struct {
    const char  *brokers;           /* -b, required */
    const char  *topic;             /* -t, default ecommerce-events */
    const char  *group;             /* -g, default rp-consumer */
    char         redis_host[256];   /* --redis HOST:PORT, required */
    int          redis_port;
    const char  *redis_cluster;     /* --redis-cluster seeds (or --redis) */
    int          min_replicas;      /* --min-replicas N: WAIT before commit */
    int          min_replicas_timeout_ms;   /* --min-replicas-timeout MS */
    int          redis_db;          /* --db, default 0 */
    int          redis_timeout_ms;  /* --redis-timeout, default 2000 */
    int64_t      retention;         /* --retention SECONDS */
    const char  *dlq;               /* --dlq TOPIC, NULL with --no-dlq */
    int          batch;             /* --batch N, default 1000 */
    int          per_call;          /* --events-per-call N, default 32 */
    int          exit_on_idle;      /* --exit-on-idle SECONDS, 0 = never */
    int          exit_at_end;       /* -e, --exit-at-end */
    int          assign_timeout;    /* --assign-timeout SECONDS */
    int64_t      max_future;        /* --max-future SECONDS */
    int          stats_interval;    /* --stats-interval SECONDS, 0 = off */
    const char  *metrics_file;      /* --metrics-file PATH */
    char         metrics_host[256]; /* --metrics-listen HOST:PORT, or */
    int          metrics_port;      /* --metrics-port P (loopback); 0 = off */
    int          quiet;             /* -q */
    int          commit_delay_ms;   /* --test-commit-delay MS (fault tests) */
    int          nx;                /* -X key=value pairs, pointers into argv */
    const char  *x[RP_CONSUMER_X_MAX];
} rp_consumer_opts_t;

/*
 * Parses argv (argv[0] is the program name). Returns 0 on success, 1 when
 * --help was asked, -1 with err set on a bad command line. Strings in opts
 * point into argv.
 */
int rp_consumer_opts_parse(rp_consumer_opts_t *o, int argc, char **argv,
    char *err, size_t errlen);

extern const char rp_consumer_usage[];

#endif /* RP_CONSUMER_OPTS_H */
