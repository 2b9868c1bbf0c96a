/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * trainer_priors.c: the product priors (trainer/rp_priors.c) on a
 * hand-computed history. Prints "ok"/"not ok" lines.
 *
 * Cutoff T = day 100 at noon; the 30-day window is (day 70 noon, T].
 * Purchases (user, product, day[:hour]), and what they make:
 *   u0 A: 10, 20, 20, 80    days {10, 20, 80}: old and recent, gap 35
 *   u1 A: 50                old only
 *   u2 A: 75, 90            recent only, gap 15
 *   u3 A: a view on 95, a purchase on 101 (after T): not a buyer
 *   u0 B: 60                old only
 *   u1 B: 40, 71:00         old and recent (71 00:00 is inside), gap 31
 *   u3 B: 70:12             exactly T - 30 d: old, not recent
 *   u2 C: 100:12            exactly T: bought, recent
 *   D: only a purchase after T: not in the table
 * Old pairs: A 2 (u0, u1), B 3 (u0, u1, u3); rebought: A 1, B 1: global
 * share g = 2 / 5 = 0.4. Pairs 7, repeat pairs 3 (u0 A, u2 A, u1 B);
 * gaps {35, 15, 31}: global median 31.
 *   A: buyers 3, recent 2, rebuy (1 + 8) / 22, repeat 2/3, median 25
 *   B: buyers 3, recent 1, rebuy (1 + 8) / 23, repeat 1/3, median 31
 *   C: buyers 1, recent 1, rebuy (0 + 8) / 20, repeat 0, median NaN
 *   default: 0, 0, 0.4, 3/7, 31
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"


static int  failed;


void *
rp_xalloc(size_t n)
{
    void  *p = calloc(1, n ? n : 1);

    if (p == NULL) {
        abort();
    }

    return p;
}


static void
near(const char *what, double got, double want)
{
    int  ok = fabs(got - want) <= 1e-6 || (isnan(got) && isnan(want));

    printf("%s priors: %s = %.9g (want %.9g)\n", ok ? "ok" : "not ok", what,
           got, want);
    failed += !ok;
}


int
main(void)
{
    int             j;
    size_t          i;
    rp_interned_event_t         ev[32];
    uint32_t        pu[16], pp[16];
    rp_dataset_t    ds;
    rp_priors_t     pr;
    const float    *row;
    char            what[64];

    enum { A, B, C, D };
    enum { U0, U1, U2, U3 };

    /* pairs: user, product */
    static const uint32_t  pairs[][2] = {
        { U0, A }, { U1, A }, { U2, A }, { U3, A }, { U0, B }, { U1, B },
        { U3, B }, { U2, C }, { U0, D }
    };

    /* events: pair, day, hour, type (2 = purchase) */
    static const int  evs[][4] = {
        { 0, 10, 9, 2 }, { 0, 20, 8, 2 }, { 0, 20, 17, 2 }, { 0, 80, 12, 2 },
        { 1, 50, 12, 2 },
        { 2, 75, 12, 2 }, { 2, 90, 12, 2 },
        { 3, 95, 12, 0 }, { 3, 101, 12, 2 },
        { 4, 60, 12, 2 },
        { 5, 40, 12, 2 }, { 5, 71, 0, 2 },
        { 6, 70, 12, 2 },
        { 7, 100, 12, 2 },
        { 8, 100, 13, 2 },
    };

    static const double  want[4][RP_MODEL_PRIOR_N] = {
        { 3, 2, 9.0 / 22, 2.0 / 3, 25 },
        { 3, 1, 9.0 / 23, 1.0 / 3, 31 },
        { 1, 1, 8.0 / 20, 0, NAN },
        { 0, 0, 0.4, 3.0 / 7, 31 },        /* D: the default row */
    };

    memset(&ds, 0, sizeof(ds));
    for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        pu[i] = pairs[i][0];
        pp[i] = pairs[i][1];
    }
    ds.n_pairs = (uint32_t) i;
    ds.pair_user = pu;
    ds.pair_product = pp;
    ds.products.n = 4;
    ds.users.n = 4;

    /* in reverse file order: the result must not depend on it */
    ds.n = sizeof(evs) / sizeof(evs[0]);
    for (i = 0; i < ds.n; i++) {
        const int  *x = evs[ds.n - 1 - i];

        memset(&ev[i], 0, sizeof(ev[i]));
        ev[i].pair = (uint32_t) x[0];
        ev[i].user = pu[x[0]];
        ev[i].ts = (int64_t) x[1] * RP_DAY + x[2] * 3600;
        ev[i].type = (uint8_t) x[3];
        ev[i].cents = 100;
    }
    ds.ev = ev;

    rp_priors_compute(&ds, 100 * RP_DAY + 12 * 3600, &pr);

    printf("%s priors: 3 products known (got %u)\n",
           pr.n_known == 3 ? "ok" : "not ok", pr.n_known);
    failed += pr.n_known != 3;
    printf("%s priors: D is not known\n", pr.known[D] ? "not ok" : "ok");
    failed += pr.known[D];

    for (i = 0; i < 4; i++) {
        row = rp_priors_row(&pr, i);
        for (j = 0; j < RP_MODEL_PRIOR_N; j++) {
            snprintf(what, sizeof(what), "product %c value %d", (int) ('A' + i),
                     j);
            near(what, row[j], want[i][j]);
        }
    }
    for (j = 0; j < RP_MODEL_PRIOR_N; j++) {
        snprintf(what, sizeof(what), "default value %d", j);
        near(what, pr.rows[j], want[3][j]);
    }

    rp_priors_free(&pr);

    return failed ? 1 : 0;
}
