/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cmd_generate.c: "rp-train generate", synthetic shop events as CSV.
 *
 * The behaviour model lives in the core library (lib/rp_synth.h), shared
 * with rp-produce; this is the command line, the CSV writer and the
 * progress lines. Runs with the same --seed write identical files.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "rp_train.h"
#include "rp_synth.h"


static void rp_synth_usage(FILE *f);
static void rp_synth_progress(const rp_synth_stats_t *st, void *data);


static void
rp_synth_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train generate [--users N] [--products N] [--days N]\n"
        "                         [--seed N] [--start ISO8601] [-q] [-v]"
        " -o EVENTS.csv\n"
        "  synthetic shop events (CSV, time order); -o - writes stdout\n"
        "  defaults: --users 1000 --products 500 --days 180 --seed 42\n"
        "            --start 2025-01-01T00:00:00Z\n");
}


static void
rp_synth_progress(const rp_synth_stats_t *st, void *data)
{
    (void) data;

    if (st->days_done % 30 == 0) {
        rp_log("generate: day %u/%u, %llu events", st->days_done, st->days,
               (unsigned long long) st->events);
    }
}


int
rp_cmd_generate(int argc, char **argv)
{
    int               c, rc, more;
    FILE             *f;
    size_t            n;
    int64_t           users, products, days, seed, start;
    rp_synth_t         *g;
    rp_event_t        ev;
    rp_synth_params_t   gp;
    rp_synth_stats_t    st;
    double            t0;
    const char       *out;
    char              err[RP_ERR_MAX], buf[3 * RP_ID_MAX + 128];

    static const struct option  opts[] = {
        { "users", required_argument, NULL, 'u' },
        { "products", required_argument, NULL, 'p' },
        { "days", required_argument, NULL, 'd' },
        { "seed", required_argument, NULL, 's' },
        { "start", required_argument, NULL, 'S' },
        { "output", required_argument, NULL, 'o' },
        RP_OPTS_COMMON
    };

    users = RP_SYNTH_DEFAULT_USERS;
    products = RP_SYNTH_DEFAULT_PRODUCTS;
    days = RP_SYNTH_DEFAULT_DAYS;
    seed = RP_SYNTH_DEFAULT_SEED;
    start = RP_SYNTH_DEFAULT_START;
    out = NULL;

    while ((c = rp_getopt(&rp_opt, argc, argv, "o:qvh", opts)) != -1) {
        switch (c) {
        case 'u':
            if (rp_opt_i64(&rp_opt, optarg, 1, 50000000, &users) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'p':
            if (rp_opt_i64(&rp_opt, optarg, 1, 10000000, &products) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'd':
            if (rp_opt_i64(&rp_opt, optarg, 1, 3650, &days) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 's':
            if (rp_opt_i64(&rp_opt, optarg, INT64_MIN, INT64_MAX, &seed) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'S':
            if (rp_opt_time(optarg, &start) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'o':
            out = optarg;
            break;
        default:
            if ((rc = rp_opt_common(c, rp_synth_usage)) >= 0) {
                return rc;
            }
        }
    }

    if (out == NULL || optind != argc) {
        rp_err("generate: %s", out == NULL ? "-o EVENTS.csv is required"
                                           : "unexpected argument");
        rp_synth_usage(stderr);
        return 2;
    }

    t0 = rp_clock_sec();

    rp_synth_params_default(&gp);
    gp.users = (uint32_t) users;
    gp.products = (uint32_t) products;
    gp.days = (uint32_t) days;
    gp.seed = (uint64_t) seed;
    gp.start = start;
    gp.progress = rp_synth_progress;

    g = rp_synth_create(&gp, err, sizeof(err));
    if (g == NULL) {
        rp_err("generate: %s", err);
        return 1;
    }

    f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (f == NULL) {
        rp_err("generate: open() \"%s\" failed: %s", out, strerror(errno));
        rp_synth_destroy(g);
        return 1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);

    rc = 0;
    if (fputs(RP_CSV_HEADER "\n", f) == EOF) {
        rc = -1;
    }

    memset(&ev, 0, sizeof(ev));
    more = 0;

    while (rc == 0 && (more = rp_synth_next(g, &ev)) == 1) {
        n = rp_event_to_csv(&ev, buf, sizeof(buf));
        if (n == 0 || fwrite(buf, 1, n, f) != n) {
            rc = -1;
        }
    }

    if (more < 0) {
        rp_err("generate: %s", rp_synth_error(g));
        if (f != stdout) {
            fclose(f);
        }
        rp_synth_destroy(g);
        return 1;
    }

    if (fflush(f) != 0 || rc != 0 || (f != stdout && fclose(f) != 0)) {
        rp_err("generate: write \"%s\" failed: %s", out, strerror(errno));
        rp_synth_destroy(g);
        return 1;
    }

    rp_synth_stats(g, &st);
    rp_log("generate: %llu events (%llu purchases), %u users, %u products, "
           "%d days in %.2f s", (unsigned long long) st.events,
           (unsigned long long) st.purchases, st.users, st.products,
           (int) days, rp_clock_sec() - t0);

    rp_synth_destroy(g);
    return 0;
}
