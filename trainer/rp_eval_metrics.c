/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_eval_metrics.c: classification metrics of probabilities against labels.
 *
 * ROC AUC uses average ranks for ties (the Mann-Whitney statistic, as
 * scikit-learn's roc_auc_score); PR AUC is average precision (the step
 * sum of scikit-learn's average_precision_score); log loss clips p into
 * [1e-15, 1 - 1e-15]; accuracy thresholds at 0.5. Calibration: a
 * 10-bin reliability table (equal width), the expected calibration error
 * over it, and the observed rate in each confidence band.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"
#include "rp_model.h"


typedef struct {
    double  p;
    float   y;
} rp_scored_t;


static int rp_scored_cmp_desc(const void *a, const void *b);
static void rp_bins_finish(rp_bin_t *b, size_t nb, const double *sum_p,
    const double *sum_y);
static double rp_platt_loss(const double *x, const float *y, size_t n,
    double a, double b);


const char *const  rp_band_names[RP_BANDS] = { "low", "medium", "high" };


static int
rp_scored_cmp_desc(const void *a, const void *b)
{
    const rp_scored_t  *x = a, *y = b;

    return (x->p < y->p) - (x->p > y->p);
}


static void
rp_bins_finish(rp_bin_t *b, size_t nb, const double *sum_p,
    const double *sum_y)
{
    size_t  k;

    for (k = 0; k < nb; k++) {
        b[k].mean_predicted = b[k].count ? sum_p[k] / b[k].count : NAN;
        b[k].observed_rate = b[k].count ? sum_y[k] / b[k].count : NAN;
    }
}


void
rp_metrics_compute(const double *p, const float *y, size_t n,
    rp_metrics_t *m)
{
    size_t        i, j, pos, tp, fp;
    int           k;
    double        q, ll, br, acc, rank_sum, r, ap, prev_recall, tie_pos, sp,
                  rel_p[RP_REL_BINS], rel_y[RP_REL_BINS], band_p[RP_BANDS],
                  band_y[RP_BANDS];
    rp_scored_t  *s;

    static const double  band_lo[RP_BANDS] = { 0, RP_CONF_MEDIUM, RP_CONF_HIGH };
    static const double  band_hi[RP_BANDS] = { RP_CONF_MEDIUM, RP_CONF_HIGH, 1 };

    memset(m, 0, sizeof(*m));
    m->rows = n;
    m->auc = NAN;
    m->pr_auc = NAN;

    for (k = 0; k < RP_REL_BINS; k++) {
        m->rel[k].lo = (double) k / RP_REL_BINS;
        m->rel[k].hi = (double) (k + 1) / RP_REL_BINS;
        rel_p[k] = 0;
        rel_y[k] = 0;
    }
    for (k = 0; k < RP_BANDS; k++) {
        m->band[k].lo = band_lo[k];
        m->band[k].hi = band_hi[k];
        band_p[k] = 0;
        band_y[k] = 0;
    }

    if (n == 0) {
        m->logloss = NAN;
        m->accuracy = NAN;
        m->brier = NAN;
        m->ece = NAN;
        m->positive_rate = NAN;
        m->mean_predicted = NAN;
        rp_bins_finish(m->rel, RP_REL_BINS, rel_p, rel_y);
        rp_bins_finish(m->band, RP_BANDS, band_p, band_y);
        return;
    }

    pos = 0;
    ll = 0;
    br = 0;
    acc = 0;
    sp = 0;

    for (i = 0; i < n; i++) {
        q = p[i] < 1e-15 ? 1e-15 : (p[i] > 1 - 1e-15 ? 1 - 1e-15 : p[i]);
        sp += p[i];

        /* bin k holds [k/10, (k+1)/10); 1.0 goes to the last bin */
        k = (int) (p[i] * RP_REL_BINS);
        k = k < 0 ? 0 : (k >= RP_REL_BINS ? RP_REL_BINS - 1 : k);
        m->rel[k].count++;
        rel_p[k] += p[i];
        rel_y[k] += y[i] > 0.5f;

        k = p[i] < RP_CONF_MEDIUM ? 0 : (p[i] < RP_CONF_HIGH ? 1 : 2);
        m->band[k].count++;
        band_p[k] += p[i];
        band_y[k] += y[i] > 0.5f;

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
    m->mean_predicted = sp / n;

    rp_bins_finish(m->rel, RP_REL_BINS, rel_p, rel_y);
    rp_bins_finish(m->band, RP_BANDS, band_p, band_y);

    m->ece = 0;
    for (k = 0; k < RP_REL_BINS; k++) {
        if (m->rel[k].count > 0) {
            m->ece += (double) m->rel[k].count / n
                      * fabs(m->rel[k].mean_predicted - m->rel[k].observed_rate);
        }
    }

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


static double
rp_platt_loss(const double *x, const float *y, size_t n, double a, double b)
{
    size_t  i;
    double  z, l;

    /* log(1 + e^z) - y z, written so that neither term overflows */
    l = 0;
    for (i = 0; i < n; i++) {
        z = a * x[i] + b;
        l += (z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)))
             - (y[i] > 0.5f ? z : 0);
    }

    return l;
}


int
rp_platt_fit(const double *x, const float *y, size_t n, double *a_out,
    double *b_out)
{
    int     it, half;
    size_t  i;
    double  a, b, q, w, ga, gb, haa, hab, hbb, det, da, db, loss, next;

    q = 0;
    for (i = 0; i < n; i++) {
        q += y[i] > 0.5f;
    }
    if (q == 0 || q == n) {
        return -1;
    }

    a = 1;
    b = 0;
    loss = rp_platt_loss(x, y, n, a, b);

    for (it = 0; it < 100; it++) {
        ga = gb = haa = hab = hbb = 0;
        for (i = 0; i < n; i++) {
            q = 1 / (1 + exp(-(a * x[i] + b)));
            w = q * (1 - q);
            ga += (q - (y[i] > 0.5f)) * x[i];
            gb += q - (y[i] > 0.5f);
            haa += w * x[i] * x[i];
            hab += w * x[i];
            hbb += w;
        }

        /* a tiny ridge keeps the step defined when the margins are flat */
        haa += 1e-12 * n;
        hbb += 1e-12 * n;
        det = haa * hbb - hab * hab;
        if (!(det > 0)) {
            return -1;
        }
        da = (hbb * ga - hab * gb) / det;
        db = (haa * gb - hab * ga) / det;

        /* Newton's step, halved until the loss does not grow */
        for (half = 0; half < 30; half++) {
            next = rp_platt_loss(x, y, n, a - da, b - db);
            if (next <= loss) {
                break;
            }
            da /= 2;
            db /= 2;
        }
        if (half == 30) {
            break;
        }

        a -= da;
        b -= db;
        if (loss - next <= 1e-12 * (1 + fabs(loss))) {
            loss = next;
            break;
        }
        loss = next;
    }

    if (!isfinite(a) || !isfinite(b)) {
        return -1;
    }

    *a_out = a;
    *b_out = b;
    return 0;
}
