/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_consumer_units.c: cmocka tests of rp-consumer's pure parts: option
 * parsing (rp_consumer_opts.c, over lib/rp_tool's rp_getopt, tested here
 * for every program), batch and commit bookkeeping, backoff and
 * latency histogram (rp_batch.c), a batch as update commands (rp_plan.c
 * over lib/rp_pipe.c). The event generator is the programs' library's,
 * tested by test_synth.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_event.h"
#include "rp_store.h"
#include "rp_batch.h"
#include "rp_consumer_opts.h"
#include "rp_plan.h"
#include "rp_cluster.h"

#include <hiredis/hiredis.h>

#define ARGC(a)  ((int) (sizeof(a) / sizeof((a)[0])))

static int  released;


static void
count_release(void *msg)
{
    (void) msg;
    released++;
}


static void
test_opts_defaults(void **state)
{
    char                err[256];
    rp_consumer_opts_t  o;
    char               *argv[] = { "rp-consumer", "-b", "k:9092",
                                   "--redis", "127.0.0.1:6379" };

    (void) state;
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(argv), argv, err,
                                            sizeof(err)), 0);
    assert_string_equal(o.brokers, "k:9092");
    assert_string_equal(o.topic, "ecommerce-events");
    assert_string_equal(o.group, "rp-consumer");
    assert_string_equal(o.redis_host, "127.0.0.1");
    assert_int_equal(o.redis_port, 6379);
    assert_int_equal(o.redis_db, 0);
    assert_int_equal(o.retention, RP_STORE_RETENTION_DEF);
    assert_non_null(o.dlq);
    assert_string_equal(o.dlq, "");           /* default: TOPIC.dlq */
    assert_int_equal(o.batch, 1000);
    assert_int_equal(o.per_call, RP_STORE_GROUP_MAX);
    assert_int_equal(o.exit_on_idle, 0);
    assert_int_equal(o.exit_at_end, 0);
    assert_int_equal(o.assign_timeout, RP_ASSIGN_TIMEOUT_DEF);
    assert_int_equal(o.max_future, 86400);
    assert_int_equal(o.nx, 0);
    assert_int_equal(o.quiet, 0);
}


static void
test_opts_all(void **state)
{
    char                err[256];
    rp_consumer_opts_t  o;
    char               *argv[] = { "rp-consumer", "--brokers=a:1,b:2",
        "-t", "ev", "-g", "grp", "--redis", "redis.local:7000", "--db=3",
        "--retention", "3600", "--dlq", "dead", "--batch", "50",
        "--events-per-call", "1", "-X", "session.timeout.ms=6000", "-X", "client.id=x=y",
        "--exit-on-idle", "5", "--stats-interval", "0",
        "--metrics-file", "m.prom", "--redis-timeout", "250", "-q",
        "--test-commit-delay", "10", "-e", "--assign-timeout", "30",
        "--max-future=0" };

    (void) state;
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(argv), argv, err,
                                            sizeof(err)), 0);
    assert_string_equal(o.brokers, "a:1,b:2");
    assert_string_equal(o.topic, "ev");
    assert_string_equal(o.group, "grp");
    assert_string_equal(o.redis_host, "redis.local");
    assert_int_equal(o.redis_port, 7000);
    assert_int_equal(o.redis_db, 3);
    assert_int_equal(o.retention, 3600);
    assert_string_equal(o.dlq, "dead");
    assert_int_equal(o.batch, 50);
    assert_int_equal(o.per_call, 1);
    assert_int_equal(o.nx, 2);
    assert_string_equal(o.x[0], "session.timeout.ms=6000");
    assert_string_equal(o.x[1], "client.id=x=y");
    assert_int_equal(o.exit_on_idle, 5);
    assert_int_equal(o.stats_interval, 0);
    assert_string_equal(o.metrics_file, "m.prom");
    assert_int_equal(o.redis_timeout_ms, 250);
    assert_int_equal(o.quiet, 1);
    assert_int_equal(o.commit_delay_ms, 10);
    assert_int_equal(o.exit_at_end, 1);
    assert_int_equal(o.assign_timeout, 30);
    assert_int_equal(o.max_future, 0);
}


static void
test_opts_no_dlq_and_help(void **state)
{
    char                err[256];
    rp_consumer_opts_t  o;
    char               *a1[] = { "rp-consumer", "-b", "k", "--redis",
                                 "h:1", "--no-dlq" };
    char               *a2[] = { "rp-consumer", "--help" };

    (void) state;
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(a1), a1, err,
                                            sizeof(err)), 0);
    assert_null(o.dlq);
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(a2), a2, err,
                                            sizeof(err)), 1);
}


static void
expect_bad(int argc, char **argv, const char *needle);


/* --metrics-port: loopback; --metrics-listen: any HOST:PORT; off by default */
static void
test_opts_metrics_http(void **state)
{
    char                err[256];
    rp_consumer_opts_t  o;
    char               *a0[] = { "rp-consumer", "-b", "k", "--redis", "h:1" };
    char               *a1[] = { "rp-consumer", "-b", "k", "--redis", "h:1",
                                 "--metrics-port", "9108" };
    char               *a2[] = { "rp-consumer", "-b", "k", "--redis", "h:1",
                                 "--metrics-listen", "0.0.0.0:9200" };
    char               *b1[] = { "rp-consumer", "-b", "k", "--redis", "h:1",
                                 "--metrics-port", "0" };
    char               *b2[] = { "rp-consumer", "-b", "k", "--redis", "h:1",
                                 "--metrics-listen", "9200" };
    char               *b3[] = { "rp-consumer", "-b", "k", "--redis", "h:1",
                                 "--metrics-port" };

    (void) state;
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(a0), a0, err,
                                            sizeof(err)), 0);
    assert_int_equal(o.metrics_port, 0);
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(a1), a1, err,
                                            sizeof(err)), 0);
    assert_string_equal(o.metrics_host, "127.0.0.1");
    assert_int_equal(o.metrics_port, 9108);
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(a2), a2, err,
                                            sizeof(err)), 0);
    assert_string_equal(o.metrics_host, "0.0.0.0");
    assert_int_equal(o.metrics_port, 9200);
    expect_bad(ARGC(b1), b1, "--metrics-port");
    expect_bad(ARGC(b2), b2, "--metrics-listen");
    expect_bad(ARGC(b3), b3, "needs a value");
}


static void
expect_bad(int argc, char **argv, const char *needle)
{
    char                err[256];
    rp_consumer_opts_t  o;

    err[0] = '\0';
    assert_int_equal(rp_consumer_opts_parse(&o, argc, argv, err, sizeof(err)),
                     -1);
    if (strstr(err, needle) == NULL) {
        fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
    }
}


static void
test_opts_errors(void **state)
{
    char  *no_b[] = { "x", "--redis", "h:1" };
    char  *no_r[] = { "x", "-b", "k" };
    char  *bad_r[] = { "x", "-b", "k", "--redis", "nocolon" };
    char  *bad_p[] = { "x", "-b", "k", "--redis", "h:70000" };
    char  *bad_db[] = { "x", "-b", "k", "--redis", "h:1", "--db", "-1" };
    char  *bad_n[] = { "x", "-b", "k", "--redis", "h:1", "--batch", "0" };
    char  *bad_n2[] = { "x", "-b", "k", "--redis", "h:1", "--batch", "9x" };
    char  *bad_x[] = { "x", "-b", "k", "--redis", "h:1", "-X", "novalue" };
    char  *miss[] = { "x", "-b", "k", "--redis", "h:1", "--db" };
    char  *unk[] = { "x", "-b", "k", "--redis", "h:1", "--frobnicate" };
    char  *pre[] = { "x", "-b", "k", "--redis", "h:1", "--redisx", "1" };
    char  *empty_t[] = { "x", "-b", "k", "--redis", "h:1", "-t", "" };
    char  *bad_pc[] = { "x", "-b", "k", "--redis", "h:1",
                        "--events-per-call", "33" };
    char  *unk_last[] = { "x", "-b", "k", "--redis", "h:1", "--bogus" };
    char  *flag_val[] = { "x", "-b", "k", "--redis", "h:1", "--quiet=1" };
    char  *bad_mf[] = { "x", "-b", "k", "--redis", "h:1", "--max-future",
                        "-1" };
    char  *bad_at[] = { "x", "-b", "k", "--redis", "h:1", "--assign-timeout",
                        "0" };

    (void) state;
    expect_bad(ARGC(no_b), no_b, "-b");
    expect_bad(ARGC(no_r), no_r, "--redis");
    expect_bad(ARGC(bad_r), bad_r, "HOST:PORT");
    expect_bad(ARGC(bad_p), bad_p, "HOST:PORT");
    expect_bad(ARGC(bad_db), bad_db, "--db");
    expect_bad(ARGC(bad_n), bad_n, "--batch");
    expect_bad(ARGC(bad_n2), bad_n2, "9x");
    expect_bad(ARGC(bad_x), bad_x, "key=value");
    expect_bad(ARGC(miss), miss, "needs a value");
    expect_bad(ARGC(unk), unk, "--frobnicate");
    expect_bad(ARGC(pre), pre, "--redisx");
    expect_bad(ARGC(empty_t), empty_t, "empty");
    expect_bad(ARGC(bad_pc), bad_pc, "--events-per-call");
    expect_bad(ARGC(unk_last), unk_last, "unknown option \"--bogus\"");
    expect_bad(ARGC(flag_val), flag_val, "unknown option \"--quiet=1\"");
    expect_bad(ARGC(bad_mf), bad_mf, "--max-future");
    expect_bad(ARGC(bad_at), bad_at, "--assign-timeout");
}


static void
test_parse_helpers(void **state)
{
    char     host[8];
    int      port;
    int64_t  v;

    (void) state;
    assert_int_equal(rp_parse_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(rp_parse_i64("101", 0, 100, &v), -1);
    assert_int_equal(rp_parse_i64("", 0, 100, &v), -1);
    assert_int_equal(rp_parse_i64("1 ", 0, 100, &v), -1);
    assert_int_equal(rp_parse_i64("99999999999999999999", 0, INT64_MAX, &v),
                     -1);
    assert_int_equal(rp_parse_hostport("a:1", host, sizeof(host), &port), 0);
    assert_string_equal(host, "a");
    assert_int_equal(port, 1);
    assert_int_equal(rp_parse_hostport(":1", host, sizeof(host), &port), -1);
    assert_int_equal(rp_parse_hostport("a:0", host, sizeof(host), &port), -1);
    assert_int_equal(rp_parse_hostport("toolonghost:1", host, sizeof(host),
                                       &port), -1);
}


/* The options of the rp_getopt tests: two long names sharing a prefix. */
static const struct option  test_long[] = {
    { "port", required_argument, NULL, 'p' },
    { "partitions", required_argument, NULL, 'n' },
    { "quiet", no_argument, NULL, 'q' },
    { "topic", required_argument, NULL, 't' },
    { NULL, 0, NULL, 0 }
};


/*
 * Runs rp_getopt over argv; into trace, each option returned as
 * "NAME=VALUE " (the name as rp_getopt reports it) and each argument as
 * "[ARG] "; the last return value ('?' or -1).
 */
static int
getopt_trace(rp_opt_t *p, int argc, char **argv, const char *shortopts,
    char *trace, size_t len)
{
    int     c;
    size_t  n = 0;

    memset(p, 0, sizeof(*p));
    trace[0] = '\0';

    while ((c = rp_getopt(p, argc, argv, shortopts, test_long)) != -1
           && c != '?')
    {
        if (c == 1) {
            n += (size_t) snprintf(trace + n, len - n, "[%s] ", optarg);
        } else {
            n += (size_t) snprintf(trace + n, len - n, "%s=%s ", p->name,
                                   optarg != NULL && c != 'q' ? optarg : "");
        }
    }

    return c;
}


/* One way for every program: getopt_long's forms, rp's messages. */
static void
test_getopt(void **state)
{
    char      tr[256];
    rp_opt_t  p;
    int64_t   v;
    char      host[16];
    int       port;
    char     *ok1[] = { "x", "--port", "1", "--part=3", "-qt", "a", "--",
                        "-z" };
    char     *ok2[] = { "x", "raw", "-t", "b", "more" };
    char     *unk[] = { "x", "--port", "1", "--bogus=2" };
    char     *unk_s[] = { "x", "--topic=a", "-qz" };
    char     *flag[] = { "x", "--quiet=1" };
    char     *amb[] = { "x", "--p", "1" };
    char     *miss[] = { "x", "--topic=a", "--part" };
    char     *miss_s[] = { "x", "-qt" };

    (void) state;

    /* long, a unique prefix (named in full), a cluster with a value in
     * the next argument, "--" ends the options */
    assert_int_equal(getopt_trace(&p, ARGC(ok1), ok1, "qt:", tr, sizeof(tr)),
                     -1);
    assert_string_equal(tr, "--port=1 --partitions=3 -q= -t=a ");
    assert_int_equal(optind, 7);
    assert_string_equal(ok1[optind], "-z");

    /* "-" first: the arguments in order, among the options */
    assert_int_equal(getopt_trace(&p, ARGC(ok2), ok2, "-qt:", tr, sizeof(tr)),
                     -1);
    assert_string_equal(tr, "[raw] -t=b [more] ");

    assert_int_equal(getopt_trace(&p, ARGC(unk), unk, "qt:", tr, sizeof(tr)),
                     '?');
    assert_string_equal(p.err, "unknown option \"--bogus=2\"");
    /* a short one in a cluster is named alone, not by the argument before */
    assert_int_equal(getopt_trace(&p, ARGC(unk_s), unk_s, "qt:", tr,
                                  sizeof(tr)), '?');
    assert_string_equal(p.err, "unknown option \"-z\"");
    assert_int_equal(getopt_trace(&p, ARGC(flag), flag, "qt:", tr,
                                  sizeof(tr)), '?');
    assert_string_equal(p.err, "unknown option \"--quiet=1\"");
    assert_int_equal(getopt_trace(&p, ARGC(amb), amb, "qt:", tr, sizeof(tr)),
                     '?');
    assert_non_null(strstr(p.err, "ambiguous option \"--p\""));
    assert_int_equal(getopt_trace(&p, ARGC(miss), miss, "qt:", tr,
                                  sizeof(tr)), '?');
    assert_string_equal(p.err, "option \"--partitions\" needs a value");
    assert_int_equal(getopt_trace(&p, ARGC(miss_s), miss_s, "qt:", tr,
                                  sizeof(tr)), '?');
    assert_string_equal(p.err, "option \"-t\" needs a value");

    /* values: the option as known, the value quoted, what was expected */
    snprintf(p.name, sizeof(p.name), "--port");
    assert_int_equal(rp_opt_i64(&p, "70000", 1, 65535, &v), -1);
    assert_string_equal(p.err, "option \"--port\": invalid value \"70000\" "
                        "(an integer from 1 to 65535)");
    assert_int_equal(rp_opt_i64(&p, "-1", 0, INT64_MAX, &v), -1);
    assert_string_equal(p.err, "option \"--port\": invalid value \"-1\" "
                        "(an integer, 0 or more)");
    assert_int_equal(rp_opt_i64(&p, "8", 1, 65535, &v), 0);
    assert_int_equal(v, 8);
    assert_int_equal(rp_opt_hostport(&p, "h", host, sizeof(host), &port),
                     -1);
    assert_string_equal(p.err, "option \"--port\": invalid value \"h\" "
                        "(expected HOST:PORT)");
    assert_int_equal(rp_opt_hostport(&p, "[::1]:7", host, sizeof(host),
                                     &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 7);
}


/* Applied offsets become committable, per partition, as last + 1. */
static void
test_batch_commit_offsets(void **state)
{
    rp_batch_t  b;
    int32_t     parts[8];
    int64_t     offs[8];
    size_t      n, i;
    int         msgs[6];

    (void) state;
    released = 0;
    assert_int_equal(rp_batch_init(&b, 2, count_release), 0);

    /* Nothing applied: nothing to commit. */
    assert_int_equal(rp_batch_commit_list(&b, -1, parts, offs, 8), 0);

    assert_int_equal(rp_batch_add(&b, 0, 10, &msgs[0]), 0);
    assert_int_equal(rp_batch_add(&b, 1, 7, &msgs[1]), 0);
    assert_int_equal(rp_batch_add(&b, 0, 11, &msgs[2]), 0);  /* grows */
    assert_int_equal(rp_batch_add(&b, 2, 0, &msgs[3]), 0);
    assert_int_equal(rp_batch_live(&b), 4);

    /* Polled but not applied: still nothing to commit. */
    assert_int_equal(rp_batch_commit_list(&b, -1, parts, offs, 8), 0);

    assert_int_equal(rp_batch_applied(&b), 0);
    assert_int_equal(released, 4);
    assert_int_equal(b.n, 0);

    n = rp_batch_commit_list(&b, -1, parts, offs, 8);
    assert_int_equal(n, 3);
    for (i = 0; i < n; i++) {
        switch (parts[i]) {
        case 0: assert_int_equal(offs[i], 12); break;
        case 1: assert_int_equal(offs[i], 8); break;
        case 2: assert_int_equal(offs[i], 1); break;
        default: fail_msg("unexpected partition %d", (int) parts[i]);
        }
    }

    /* One partition only. */
    n = rp_batch_commit_list(&b, 1, parts, offs, 8);
    assert_int_equal(n, 1);
    assert_int_equal(parts[0], 1);
    assert_int_equal(offs[0], 8);

    /* Committed ones disappear from the list; the others stay pending. */
    rp_batch_committed(&b, 0, 12);
    rp_batch_committed(&b, 1, 8);
    n = rp_batch_commit_list(&b, -1, parts, offs, 8);
    assert_int_equal(n, 1);
    assert_int_equal(parts[0], 2);

    /* A stale commit result never moves the committed offset back. */
    rp_batch_committed(&b, 0, 5);
    assert_int_equal(rp_batch_add(&b, 0, 12, &msgs[4]), 0);
    assert_int_equal(rp_batch_applied(&b), 0);
    n = rp_batch_commit_list(&b, 0, parts, offs, 8);
    assert_int_equal(n, 1);
    assert_int_equal(offs[0], 13);

    /* Max caps the output. */
    assert_int_equal(rp_batch_commit_list(&b, -1, parts, offs, 1), 1);

    rp_batch_free(&b);
}


/* A revoked partition's messages in hand are dropped, never committed. */
static void
test_batch_revoke(void **state)
{
    rp_batch_t  b;
    int32_t     parts[8];
    int64_t     offs[8];
    size_t      n;
    int         m;

    (void) state;
    released = 0;
    assert_int_equal(rp_batch_init(&b, 4, count_release), 0);

    rp_batch_add(&b, 0, 1, &m);
    rp_batch_add(&b, 1, 5, &m);
    rp_batch_add(&b, 0, 2, &m);
    rp_batch_add(&b, 1, 6, &m);

    assert_int_equal(rp_batch_drop_partition(&b, 1), 2);
    assert_int_equal(released, 2);
    assert_int_equal(rp_batch_live(&b), 2);
    assert_int_equal(rp_batch_drop_partition(&b, 1), 0);    /* idempotent */
    assert_int_equal(released, 2);

    /* Reassigned later: redelivered from the committed offset. */
    rp_batch_add(&b, 1, 5, &m);
    assert_int_equal(rp_batch_live(&b), 3);

    assert_int_equal(rp_batch_applied(&b), 0);
    assert_int_equal(released, 5);

    n = rp_batch_commit_list(&b, -1, parts, offs, 8);
    assert_int_equal(n, 2);
    assert_int_equal(rp_batch_commit_list(&b, 1, parts, offs, 8), 1);
    assert_int_equal(offs[0], 6);   /* 5 + 1, not 7: 6 was dropped */

    /* Revoked for good: its tracking is forgotten. */
    rp_batch_forget_partition(&b, 1);
    assert_int_equal(rp_batch_commit_list(&b, 1, parts, offs, 8), 0);
    assert_int_equal(rp_batch_commit_list(&b, -1, parts, offs, 8), 1);
    assert_int_equal(parts[0], 0);
    assert_int_equal(offs[0], 3);

    rp_batch_free(&b);
}


/* Discarding (shutdown with Redis down) releases and commits nothing. */
static void
test_batch_discard(void **state)
{
    rp_batch_t  b;
    int32_t     parts[8];
    int64_t     offs[8];
    int         m;

    (void) state;
    released = 0;
    assert_int_equal(rp_batch_init(&b, 1, count_release), 0);
    rp_batch_add(&b, 0, 1, &m);
    rp_batch_add(&b, 0, 2, &m);
    rp_batch_discard(&b);
    assert_int_equal(released, 2);
    assert_int_equal(rp_batch_live(&b), 0);
    assert_int_equal(rp_batch_commit_list(&b, -1, parts, offs, 8), 0);
    rp_batch_free(&b);
    assert_int_equal(released, 2);
}


/* The next batch joins the batch in hand (after a failure): live messages
 * move with their ownership, dropped ones do not, tracking stays. */
static void
test_batch_move(void **state)
{
    rp_batch_t  a, b;
    int32_t     parts[8];
    int64_t     offs[8];
    int         m;
    size_t      i;

    (void) state;
    released = 0;
    assert_int_equal(rp_batch_init(&a, 1, count_release), 0);
    assert_int_equal(rp_batch_init(&b, 1, count_release), 0);

    rp_batch_add(&a, 0, 1, &m);
    for (i = 0; i < 5; i++) {
        rp_batch_add(&b, (int32_t) (i % 2), (int64_t) (10 + i), &m);
    }
    assert_int_equal(rp_batch_drop_partition(&b, 1), 2);
    assert_int_equal(released, 2);

    assert_int_equal(rp_batch_move(&a, &b), 0);
    assert_int_equal(b.n, 0);
    assert_int_equal(rp_batch_live(&b), 0);
    assert_int_equal(rp_batch_live(&a), 4);
    assert_int_equal(a.msgs[a.n - 1].offset, 14);

    /* Moving an empty batch changes nothing. */
    assert_int_equal(rp_batch_move(&a, &b), 0);
    assert_int_equal(rp_batch_live(&a), 4);

    assert_int_equal(rp_batch_applied(&a), 0);
    assert_int_equal(released, 6);
    assert_int_equal(rp_batch_commit_list(&a, -1, parts, offs, 8), 1);
    assert_int_equal(parts[0], 0);
    assert_int_equal(offs[0], 15);

    /* Freeing the emptied source releases nothing twice. */
    rp_batch_free(&b);
    rp_batch_free(&a);
    assert_int_equal(released, 6);
}


static void
test_backoff(void **state)
{
    int64_t  b = 0;
    int      i;

    (void) state;
    b = rp_backoff_next(b, 100, 5000);
    assert_int_equal(b, 100);
    b = rp_backoff_next(b, 100, 5000);
    assert_int_equal(b, 200);
    for (i = 0; i < 20; i++) {
        b = rp_backoff_next(b, 100, 5000);
        assert_true(b <= 5000);
    }
    assert_int_equal(b, 5000);
}


static void
test_hist(void **state)
{
    rp_hist_t  *h;
    int         i;

    (void) state;
    h = calloc(1, sizeof(*h));
    assert_non_null(h);
    assert_int_equal(rp_hist_quantile(h, 0.5), -1);

    for (i = 1; i <= 100; i++) {
        rp_hist_add(h, i);
    }
    assert_int_equal(rp_hist_quantile(h, 0.5), 50);
    assert_int_equal(rp_hist_quantile(h, 0.99), 99);
    assert_int_equal(rp_hist_quantile(h, 1.0), 100);

    rp_hist_add(h, -5);                    /* clock skew: counted as 0 */
    rp_hist_add(h, 1000000);               /* overflow bucket */
    assert_int_equal(h->count, 102);
    assert_int_equal(h->bucket[0], 1);
    assert_int_equal(rp_hist_quantile(h, 1.0), RP_HIST_MAX - 1);
    free(h);
}


/* A fake message for the plan: its payload is the string itself. */
static const char *
str_payload(void *msg, size_t *len)
{
    *len = strlen(msg);
    return msg;
}


static void
test_plan(void **state)
{
    static char        msgs[8][160];
    static rp_plan_t   pl;
    rp_batch_t         b, nb;
    char               sha[41], *want = NULL;
    size_t             i, k, off = 0;
    int                n, users[] = { 1, 2, 1, -1, 3, 1, 2, -2 };

    (void) state;
    snprintf(sha, sizeof(sha), "%040d", 7);   /* any script name */
    assert_int_equal(rp_batch_init(&b, 4, NULL), 0);
    assert_int_equal(rp_batch_init(&nb, 4, NULL), 0);

    /* users 1, 2, 3; -1 is not JSON, -2 breaks the event contract */
    for (i = 0; i < 8; i++) {
        if (users[i] == -1) {
            strcpy(msgs[i], "{not json");
        } else if (users[i] == -2) {
            strcpy(msgs[i], "{\"event_id\":\"e\",\"user_id\":\"u\","
                   "\"product_id\":\"p\",\"event_type\":\"view\","
                   "\"amount\":-1,\"timestamp\":1700000000}");
        } else {
            sprintf(msgs[i], "{\"event_id\":\"e%zu\",\"user_id\":\"u%d\","
                    "\"product_id\":\"p%zu\",\"event_type\":\"purchase\","
                    "\"amount\":1.5,\"timestamp\":1700000000}", i, users[i], i);
        }
        assert_int_equal(rp_batch_add(&b, 0, (int64_t) i, msgs[i]), 0);
    }

    assert_int_equal(rp_plan_make(&pl, &b, str_payload, "t", sha, 60, 2, 1700000000,
                                  RP_MAX_FUTURE_DEF), 0);
    assert_int_equal(pl.pipe.nev, 6);
    /* u1 has 3 events: 2 commands of at most 2; u2 one, u3 one */
    assert_int_equal(pl.pipe.ncmd, 4);
    assert_true(rp_plan_fits(&pl, &b));

    rp_plan_arm(&pl, &b);
    for (i = 0; i < 8; i++) {
        assert_int_equal(b.msgs[i].mark, users[i] > 0 ? RP_MARK_SENT
                                                      : RP_MARK_INVALID);
    }
    /* the parse's reasons are kept for the dead letters */
    assert_null(rp_pipe_reason(&pl.pipe, 0));
    assert_non_null(rp_pipe_reason(&pl.pipe, 3));
    assert_non_null(strstr(rp_pipe_reason(&pl.pipe, 7), "amount"));

    /* the encoded commands, back to back: each an EVALSHA of its user's
     * events with the script's name */
    for (k = 0; k < pl.pipe.ncmd; k++) {
        assert_int_equal(rp_pipe_cmd(&pl.pipe, k, sha), 0);
        assert_string_equal(pl.pipe.cmd.argv[0], "EVALSHA");
        assert_string_equal(pl.pipe.cmd.argv[1], sha);
        n = redisFormatCommandArgv(&want, pl.pipe.cmd.argc, pl.pipe.cmd.argv,
                                   pl.pipe.cmd.argvlen);
        assert_true(n > 0 && off + (size_t) n <= pl.pipe.resplen);
        assert_memory_equal(pl.pipe.resp + off, want, (size_t) n);
        off += (size_t) n;
        free(want);
    }
    assert_int_equal(off, pl.pipe.resplen);

    /* first command: u1's first two events, in batch order */
    assert_int_equal(rp_pipe_first(&pl.pipe, 1), 2);
    assert_int_equal(pl.pipe.evitem[pl.pipe.order[0]], 0);
    assert_int_equal(pl.pipe.evitem[pl.pipe.order[1]], 2);

    /* moved to an empty batch unchanged: still fits */
    assert_int_equal(rp_batch_move(&nb, &b), 0);
    assert_true(rp_plan_fits(&pl, &nb));

    /* a message dropped (revoked): no longer */
    rp_batch_drop_partition(&nb, 0);
    assert_false(rp_plan_fits(&pl, &nb));

    /* one more message: no longer either */
    rp_batch_discard(&nb);
    for (i = 0; i < 8; i++) {
        assert_int_equal(rp_batch_add(&nb, 0, (int64_t) i, msgs[i]), 0);
    }
    assert_true(rp_plan_fits(&pl, &nb));
    assert_int_equal(rp_batch_add(&nb, 0, 8, msgs[0]), 0);
    assert_false(rp_plan_fits(&pl, &nb));

    /* other offsets, same count: no */
    rp_batch_discard(&nb);
    for (i = 0; i < 8; i++) {
        assert_int_equal(rp_batch_add(&nb, 1, (int64_t) i, msgs[i]), 0);
    }
    assert_false(rp_plan_fits(&pl, &nb));

    rp_plan_forget(&pl);
    assert_false(rp_plan_fits(&pl, &b));

    /* an empty batch: no commands */
    rp_batch_discard(&nb);
    assert_int_equal(rp_plan_make(&pl, &nb, str_payload, "t", sha, 60, 32, 1700000000,
                                  RP_MAX_FUTURE_DEF), 0);
    assert_int_equal(pl.pipe.ncmd, 0);
    assert_int_equal(pl.pipe.resplen, 0);

    rp_plan_free(&pl);
    rp_batch_free(&b);
    rp_batch_free(&nb);
}


/* Messages stamped beyond the skew get no event, and the reason says why. */
static void
test_plan_future(void **state)
{
    static rp_plan_t   pl;
    rp_batch_t         b;
    rp_event_t         ev;
    char               sha[41], err[RP_ERR_MAX];
    int64_t            now = 1700000000;
    static char        msgs[3][200];
    int64_t            ts[3] = { 1700000000 + 86400, 1700000000 + 86401,
                                 253402300799LL };
    size_t             i;

    (void) state;
    snprintf(sha, sizeof(sha), "%040d", 7);   /* any script name */
    assert_int_equal(rp_batch_init(&b, 4, NULL), 0);

    for (i = 0; i < 3; i++) {
        sprintf(msgs[i], "{\"event_id\":\"f%zu\",\"user_id\":\"u\","
                "\"product_id\":\"p\",\"event_type\":\"purchase\","
                "\"amount\":1,\"timestamp\":%lld}", i, (long long) ts[i]);
        assert_int_equal(rp_batch_add(&b, 0, (int64_t) i, msgs[i]), 0);
    }

    assert_int_equal(rp_plan_make(&pl, &b, str_payload, "t", sha, 60, 32, now,
                                  RP_MAX_FUTURE_DEF), 0);
    assert_int_equal(pl.pipe.nev, 1);
    assert_int_equal(pl.pipe.item_event[0], 0);
    assert_int_equal(pl.pipe.item_event[1], -1);
    assert_int_equal(pl.pipe.item_event[2], -1);

    /* the reason comes from the one parse */
    assert_non_null(strstr(rp_pipe_reason(&pl.pipe, 2),
                           "timestamp 9999-12-31T23:59:59Z is more than "
                           "86400 s ahead of the clock"));
    assert_int_equal(rp_pipe_event("", 0, &ev, now, 0, err, sizeof(err)), -1);
    assert_string_equal(err, "empty message");

    /* a larger skew takes them all */
    assert_int_equal(rp_plan_make(&pl, &b, str_payload, "t", sha, 60, 32, now,
                                  RP_TIME_MAX), 0);
    assert_int_equal(pl.pipe.nev, 3);

    rp_plan_free(&pl);
    rp_batch_free(&b);
}


/* --redis-cluster: exclusive with --redis, WAIT on by default, db 0. */
static void
test_opts_cluster(void **state)
{
    char                err[256];
    rp_consumer_opts_t  o;
    char  *c1[] = { "x", "-b", "k", "--redis-cluster", "h:1,h:2" };
    char  *c2[] = { "x", "-b", "k", "--redis-cluster", "h:1",
                    "--min-replicas", "0" };
    char  *c3[] = { "x", "-b", "k", "--redis", "h:1", "--min-replicas=2",
                    "--min-replicas-timeout", "50" };
    char  *b1[] = { "x", "-b", "k", "--redis", "h:1", "--redis-cluster",
                    "h:2" };
    char  *b2[] = { "x", "-b", "k", "--redis-cluster", "h:1", "--db", "1" };
    char  *b3[] = { "x", "-b", "k", "--redis-cluster", "h:1",
                    "--min-replicas-timeout", "2000" };
    char  *b4[] = { "x", "-b", "k", "--redis-cluster", "h:1",
                    "--min-replicas", "-1" };
    char  *b5[] = { "x", "-b", "k" };

    (void) state;
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(c1), c1, err,
                                            sizeof(err)), 0);
    assert_string_equal(o.redis_cluster, "h:1,h:2");
    assert_int_equal(o.min_replicas, 1);
    assert_int_equal(o.min_replicas_timeout_ms, 500);

    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(c2), c2, err,
                                            sizeof(err)), 0);
    assert_int_equal(o.min_replicas, 0);

    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(c3), c3, err,
                                            sizeof(err)), 0);
    assert_null(o.redis_cluster);
    assert_int_equal(o.min_replicas, 2);
    assert_int_equal(o.min_replicas_timeout_ms, 50);

    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(b1), b1, err,
                                            sizeof(err)), -1);
    assert_non_null(strstr(err, "exclude each other"));
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(b2), b2, err,
                                            sizeof(err)), -1);
    assert_non_null(strstr(err, "only database 0"));
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(b3), b3, err,
                                            sizeof(err)), -1);
    assert_non_null(strstr(err, "below --redis-timeout"));
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(b4), b4, err,
                                            sizeof(err)), -1);
    assert_int_equal(rp_consumer_opts_parse(&o, ARGC(b5), b5, err,
                                            sizeof(err)), -1);
    assert_non_null(strstr(err, "--redis-cluster"));
}


/* Seeds and redirects, without a network: MOVED changes the map, ASK
 * does not; anything else is no redirect. */
static void
test_cluster_redirect(void **state)
{
    int            node = -1;
    char           err[256];
    rp_cluster_t  *cl;
    const char    *moved = "MOVED 3999 127.0.0.1:7002";
    const char    *ask = "ASK 12 10.0.0.5:7005";

    (void) state;
    assert_null(rp_cluster_create("", 100, err, sizeof(err)));
    assert_null(rp_cluster_create("h:1,,h:2", 100, err, sizeof(err)));
    assert_null(rp_cluster_create("h:1,nocolon", 100, err, sizeof(err)));
    assert_non_null(strstr(err, "nocolon"));

    cl = rp_cluster_create("127.0.0.1:7000,127.0.0.1:7001", 100, err,
                           sizeof(err));
    assert_non_null(cl);
    assert_int_equal(cl->nseeds, 2);
    assert_int_equal(rp_cluster_slot_node(cl, 3999), -1);

    assert_int_equal(rp_cluster_redirect(cl, moved, strlen(moved), &node),
                     RP_CLUSTER_MOVED);
    assert_int_equal(node, 2);
    assert_string_equal(cl->node[2].host, "127.0.0.1");
    assert_int_equal(cl->node[2].port, 7002);
    assert_int_equal(rp_cluster_slot_node(cl, 3999), 2);
    assert_int_equal(cl->moved, 1);

    assert_int_equal(rp_cluster_redirect(cl, ask, strlen(ask), &node),
                     RP_CLUSTER_ASK);
    assert_int_equal(node, 3);
    assert_int_equal(rp_cluster_slot_node(cl, 12), -1);
    assert_int_equal(cl->ask, 1);

    /* the same node again: no new entry */
    assert_int_equal(rp_cluster_node_find(cl, "127.0.0.1", 9, 7001), 1);

    assert_int_equal(rp_cluster_redirect(cl, "MOVED 16384 h:1", 15, &node),
                     0);
    assert_int_equal(rp_cluster_redirect(cl, "MOVED 5 h", 9, &node), 0);
    assert_int_equal(rp_cluster_redirect(cl, "ERR wrong", 9, &node), 0);
    assert_int_equal(rp_cluster_redirect(cl, "NOSCRIPT x", 10, &node), 0);
    rp_cluster_free(cl);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_defaults),
        cmocka_unit_test(test_opts_all),
        cmocka_unit_test(test_opts_no_dlq_and_help),
        cmocka_unit_test(test_opts_errors),
        cmocka_unit_test(test_opts_metrics_http),
        cmocka_unit_test(test_opts_cluster),
        cmocka_unit_test(test_cluster_redirect),
        cmocka_unit_test(test_parse_helpers),
        cmocka_unit_test(test_getopt),
        cmocka_unit_test(test_batch_commit_offsets),
        cmocka_unit_test(test_batch_revoke),
        cmocka_unit_test(test_batch_discard),
        cmocka_unit_test(test_batch_move),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_hist),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_future),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
