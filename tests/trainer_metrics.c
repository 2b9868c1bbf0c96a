/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * trainer_metrics.c: rp-train's metrics on hand-computed cases (values
 * checked against scikit-learn's roc_auc_score, average_precision_score,
 * log_loss and brier_score_loss; the calibration figures and Platt's fit
 * worked out by hand in the comments). Prints "ok"/"not ok" lines.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
near_tol(const char *what, double got, double want, double tol)
{
    int  ok = fabs(got - want) <= tol || (isnan(got) && isnan(want));

    printf("%s metrics: %s = %.12g (want %.12g)\n", ok ? "ok" : "not ok",
           what, got, want);
    failed += !ok;
}


static void
near(const char *what, double got, double want)
{
    near_tol(what, got, want, 1e-9);
}


static void
count(const char *what, size_t got, size_t want)
{
    int  ok = got == want;

    printf("%s metrics: %s = %zu (want %zu)\n", ok ? "ok" : "not ok", what,
           got, want);
    failed += !ok;
}


int
main(void)
{
    int           k;
    double        a, b;
    rp_metrics_t  m;
    char          what[64];

    static const double  p1[] = { 0.1, 0.4, 0.35, 0.8 };
    static const float   y1[] = { 0, 0, 1, 1 };
    static const double  p2[] = { 0.5, 0.5, 0.5, 0.9, 0.2 };
    static const float   y2[] = { 1, 0, 0, 1, 0 };
    static const float   y3[] = { 1, 1 };
    static const double  p4[] = { 0.05, 0.15, 0.15, 0.35, 0.65, 0.75, 0.95,
                                  0.95 };
    static const float   y4[] = { 0, 0, 1, 0, 1, 1, 1, 0 };
    static const double  p5[] = { 0.3, 1.0, 0.0 };
    static const float   y5[] = { 1, 1, 0 };
    static const double  x6[] = { 0, 0, 0, 0, 1, 1, 1, 1 };
    static const float   y6[] = { 1, 1, 1, 0, 1, 0, 0, 0 };

    /* per bin of p4: rows, mean predicted, observed rate (NaN: empty) */
    static const size_t  n4[10] = { 1, 2, 0, 1, 0, 0, 1, 1, 0, 2 };
    static const double  mp4[10] = { 0.05, 0.15, NAN, 0.35, NAN, NAN, 0.65,
                                     0.75, NAN, 0.95 };
    static const double  or4[10] = { 0, 0.5, NAN, 0, NAN, NAN, 1, 1, NAN,
                                     0.5 };

    rp_metrics_compute(p1, y1, 4, &m);
    near("auc", m.auc, 0.75);
    near("pr_auc", m.pr_auc, 0.8333333333333333);
    near("logloss", m.logloss, 0.47228795380917615);
    near("accuracy", m.accuracy, 0.75);
    near("brier", m.brier, 0.158125);
    near("positive_rate", m.positive_rate, 0.5);

    /* ties share their rank */
    rp_metrics_compute(p2, y2, 5, &m);
    near("auc with ties", m.auc, 0.8333333333333334);
    near("pr_auc with ties", m.pr_auc, 0.75);

    /* one class only: AUC undefined */
    rp_metrics_compute(p1, y3, 2, &m);
    near("auc, one class", m.auc, NAN);

    /*
     * Calibration. ECE = sum over bins of rows/8 x |mean - rate|
     * = (0.05 + 2 x 0.35 + 0.35 + 0.35 + 0.25 + 2 x 0.45) / 8 = 0.325;
     * Brier = (0.0025 + 0.0225 + 0.7225 + 0.1225 + 0.1225 + 0.0625
     * + 0.0025 + 0.9025) / 8 = 0.245.
     */
    rp_metrics_compute(p4, y4, 8, &m);
    near("ece", m.ece, 0.325);
    near("brier (calibration case)", m.brier, 0.245);
    near("mean_predicted", m.mean_predicted, 0.5);
    for (k = 0; k < RP_REL_BINS; k++) {
        snprintf(what, sizeof(what), "bin %d rows", k);
        count(what, m.rel[k].count, n4[k]);
        snprintf(what, sizeof(what), "bin %d range", k);
        near(what, m.rel[k].lo + m.rel[k].hi, (2 * k + 1) / 10.0);
        snprintf(what, sizeof(what), "bin %d mean predicted", k);
        near(what, m.rel[k].mean_predicted, mp4[k]);
        snprintf(what, sizeof(what), "bin %d observed rate", k);
        near(what, m.rel[k].observed_rate, or4[k]);
    }

    /* bands: low {0.05, 0.15, 0.15}, medium {0.35, 0.65}, high {0.75,
     * 0.95, 0.95} */
    count("low band rows", m.band[0].count, 3);
    near("low band mean", m.band[0].mean_predicted, 0.35 / 3);
    near("low band rate", m.band[0].observed_rate, 1.0 / 3);
    count("medium band rows", m.band[1].count, 2);
    near("medium band mean", m.band[1].mean_predicted, 0.5);
    near("medium band rate", m.band[1].observed_rate, 0.5);
    count("high band rows", m.band[2].count, 3);
    near("high band mean", m.band[2].mean_predicted, 2.65 / 3);
    near("high band rate", m.band[2].observed_rate, 2.0 / 3);

    /* edges: 0.3 is medium and bin 3, 1.0 is high and the last bin */
    rp_metrics_compute(p5, y5, 3, &m);
    count("0.0 in bin 0", m.rel[0].count, 1);
    count("0.3 in bin 3", m.rel[3].count, 1);
    count("1.0 in bin 9", m.rel[9].count, 1);
    count("0.3 is medium", m.band[1].count, 1);
    count("1.0 is high", m.band[2].count, 1);
    near("ece at the edges", m.ece, 0.7 / 3);

    /* no rows: every figure undefined */
    rp_metrics_compute(p5, y5, 0, &m);
    near("ece of nothing", m.ece, NAN);
    near("empty bin rate", m.rel[4].observed_rate, NAN);

    /*
     * Platt: margins 0 (3 of 4 positive) and 1 (1 of 4): the best fit
     * predicts each group's rate, sigmoid(b) = 3/4 and sigmoid(a + b) =
     * 1/4, so b = ln 3 and a = -2 ln 3.
     */
    if (rp_platt_fit(x6, y6, 8, &a, &b) != 0) {
        printf("not ok metrics: platt fit failed\n");
        failed++;
    } else {
        near_tol("platt a", a, -2 * log(3), 1e-6);
        near_tol("platt b", b, log(3), 1e-6);
    }
    k = rp_platt_fit(x6, y3, 2, &a, &b);
    printf("%s metrics: platt refuses one class\n", k != 0 ? "ok" : "not ok");
    failed += k == 0;

    return failed ? 1 : 0;
}
