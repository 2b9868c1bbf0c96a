/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_train.c: rp-train's entry point, subcommand dispatch and the small
 * helpers every subcommand uses (messages, allocation, argument parsing).
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "rp_train.h"
#include "rp_version.h"


typedef struct {
    const char  *name;
    int        (*run)(int argc, char **argv);
    const char  *summary;
} rp_subcmd_t;


static void rp_usage(FILE *f);


int  rp_quiet;
int64_t  rp_max_future = RP_MAX_FUTURE_DEF;
int  rp_verbose;
rp_opt_t  rp_opt;

static const char  *rp_cmd_name = "rp-train";

static const rp_subcmd_t  rp_subcmds[] = {
    { "generate", rp_cmd_generate, "synthetic shop events as CSV" },
    { "features", rp_cmd_features, "the training matrix at a cutoff" },
    { "fit", rp_cmd_fit, "train, prove parity, write MODEL.rpf + MODEL.json" },
    { "eval", rp_cmd_eval, "metrics of a model on an events file (JSON)" },
    { "inspect", rp_cmd_inspect, "what a model file holds; validates it" },
    { "import", rp_cmd_import, "an XGBoost JSON model into a model file" },
    { "materialize", rp_cmd_materialize, "replay events into the Redis store" },
    { "verify", rp_cmd_verify, "compare the Redis store with the events" },
    { NULL, NULL, NULL }
};


static void
rp_usage(FILE *f)
{
    const rp_subcmd_t  *c;

    fprintf(f, "usage: rp-train COMMAND [OPTIONS] (COMMAND --help for more)\n");

    for (c = rp_subcmds; c->name != NULL; c++) {
        fprintf(f, "  %-12s %s\n", c->name, c->summary);
    }
}


int
main(int argc, char **argv)
{
    int                 rc;
    double              t0;
    struct rusage       ru;
    const rp_subcmd_t  *c;

    if (rp_version_arg(argc, argv, "rp-train")) {
        return 0;
    }

    if (argc < 2) {
        rp_usage(stderr);
        return 2;
    }

    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "help") == 0)
    {
        rp_usage(stdout);
        return 0;
    }

    for (c = rp_subcmds; c->name != NULL; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            break;
        }
    }

    if (c->name == NULL) {
        rp_err("unknown command \"%s\"", argv[1]);
        rp_usage(stderr);
        return 2;
    }

    rp_cmd_name = c->name;
    t0 = rp_clock_sec();
    rc = c->run(argc - 1, argv + 1);

    if (rp_verbose && getrusage(RUSAGE_SELF, &ru) == 0) {
        fprintf(stderr, "rp-train %s: wall %.2f s, user %.2f s, "
                "max rss %ld KiB\n", c->name, rp_clock_sec() - t0,
                ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                ru.ru_maxrss);
    }

    return rc;
}


void
rp_log(const char *fmt, ...)
{
    va_list  ap;

    if (rp_quiet) {
        return;
    }

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


void
rp_err(const char *fmt, ...)
{
    va_list  ap;

    fputs("rp-train: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


void *
rp_xalloc(size_t n)
{
    void  *p;

    p = calloc(1, n ? n : 1);
    if (p == NULL) {
        rp_err("out of memory (%zu bytes)", n);
        exit(1);
    }

    return p;
}


void *
rp_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        rp_err("out of memory (%zu bytes)", n);
        exit(1);
    }

    return p;
}



int
rp_parse_time_arg(const char *s, int64_t *out)
{
    return rp_time_parse(s, strlen(s), out);
}


int
rp_opt_refuse(void)
{
    rp_err("%s: %s", rp_cmd_name, rp_opt.err);
    return 2;
}


int
rp_opt_time(const char *arg, int64_t *out)
{
    if (rp_parse_time_arg(arg, out) != 0) {
        return rp_opt_bad(&rp_opt, arg, "ISO-8601 UTC or epoch seconds");
    }

    return 0;
}


int
rp_window_opt(int c, const char *arg, int64_t *cutoff, int *have_cutoff,
    int64_t *horizon, int64_t *retention)
{
    if (c == 'R') {
        return rp_opt_i64(&rp_opt, arg, 0, INT32_MAX, retention) != 0
               ? rp_opt_refuse() : 0;
    }

    if (c == 'c') {
        if (rp_opt_time(arg, cutoff) != 0) {
            return rp_opt_refuse();
        }
        *have_cutoff = 1;
        return 0;
    }

    return rp_opt_i64(&rp_opt, arg, 1, 3650, horizon) != 0
           ? rp_opt_refuse() : 0;
}


int
rp_opt_common(int c, void (*usage)(FILE *f))
{
    switch (c) {
    case 'q':
        rp_quiet = 1;
        return -1;
    case 'v':
        rp_verbose = 1;
        return -1;
    case 'F':
        if (rp_opt_i64(&rp_opt, optarg, 0, RP_TIME_MAX, &rp_max_future)
            != 0)
        {
            return rp_opt_refuse();
        }
        return -1;
    case 'h':
        usage(stdout);
        return 0;
    default:
        /* '?': rp_getopt said why */
        rp_opt_refuse();
        usage(stderr);
        return 2;
    }
}


int
rp_nthreads(void)
{
    long  n;

    n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (int) n : 1;
}
