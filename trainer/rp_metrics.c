/*
 * rp_metrics.c: classification metrics of probabilities against labels.
 *
 * ROC AUC uses average ranks for ties (the Mann-Whitney statistic, as
 * scikit-learn's roc_auc_score); PR AUC is average precision (the step
 * sum of scikit-learn's average_precision_score); log loss clips p into
 * [1e-15, 1 - 1e-15]; accuracy thresholds at 0.5.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"


typedef struct {
    double  p;
    float   y;
} rp_scored_t;


static int rp_scored_cmp_desc(const void *a, const void *b);


static int
rp_scored_cmp_desc(const void *a, const void *b)
{
    const rp_scored_t  *x = a, *y = b;

    return (x->p < y->p) - (x->p > y->p);
}


void
rp_metrics_compute(const double *p, const float *y, size_t n,
    rp_metrics_t *m)
{
    size_t        i, j, pos, tp, fp;
    double        q, ll, br, acc, rank_sum, r, ap, prev_recall, tie_pos;
    rp_scored_t  *s;

    memset(m, 0, sizeof(*m));
    m->rows = n;
    m->auc = NAN;
    m->pr_auc = NAN;

    if (n == 0) {
        m->logloss = NAN;
        m->accuracy = NAN;
        m->brier = NAN;
        m->positive_rate = NAN;
        return;
    }

    pos = 0;
    ll = 0;
    br = 0;
    acc = 0;

    for (i = 0; i < n; i++) {
        q = p[i] < 1e-15 ? 1e-15 : (p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i]);

        if (y[i] > 0.5f) {
            pos++;
            ll -= log(q);
            acc += p[i] >= 0.5;
            br += (1 - p[i]) * (1 - p[i]);

        } else {
            ll -= log(1 - q);
            acc += p[i] < 0.5;
            br += p[i] * p[i];
        }
    }

    m->logloss = ll / n;
    m->accuracy = acc / n;
    m->brier = br / n;
    m->positive_rate = (double) pos / n;

    if (pos == 0 || pos == n) {
        return;
    }

    s = rp_xalloc(n * sizeof(rp_scored_t));
    for (i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].y = y[i];
    }

    qsort(s, n, sizeof(rp_scored_t), rp_scored_cmp_desc);

    /* descending order: a group of ties gets the average rank */
    rank_sum = 0;
    tp = 0;
    fp = 0;
    ap = 0;
    prev_recall = 0;

    for (i = 0; i < n; i = j) {
        tie_pos = 0;
        for (j = i; j < n && s[j].p == s[i].p; j++) {
            tie_pos += s[j].y > 0.5f;
        }

        /* ranks in ascending order are n - j + 1 .. n - i */
        r = ((double) (n - j + 1) + (double) (n - i)) / 2;
        rank_sum += tie_pos * r;

        tp += (size_t) tie_pos;
        fp += (j - i) - (size_t) tie_pos;
        ap += ((double) tp / pos - prev_recall) * ((double) tp / (tp + fp));
        prev_recall = (double) tp / pos;
    }

    m->auc = (rank_sum - (double) pos * (pos + 1) / 2)
             / ((double) pos * (n - pos));
    m->pr_auc = ap;

    free(s);
}
