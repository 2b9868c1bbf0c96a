/*
 * trainer_metrics.c: rp-train's metrics on hand-computed cases (values
 * checked against scikit-learn's roc_auc_score, average_precision_score,
 * log_loss and brier_score_loss). Prints "ok"/"not ok" lines.
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
near(const char *what, double got, double want)
{
    int  ok = fabs(got - want) <= 1e-9 || (isnan(got) && isnan(want));

    printf("%s metrics: %s = %.12g (want %.12g)\n", ok ? "ok" : "not ok",
           what, got, want);
    failed += !ok;
}


int
main(void)
{
    rp_metrics_t  m;

    static const double  p1[] = { 0.1, 0.4, 0.35, 0.8 };
    static const float   y1[] = { 0, 0, 1, 1 };
    static const double  p2[] = { 0.5, 0.5, 0.5, 0.9, 0.2 };
    static const float   y2[] = { 1, 0, 0, 1, 0 };
    static const float   y3[] = { 1, 1 };

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

    return failed ? 1 : 0;
}
