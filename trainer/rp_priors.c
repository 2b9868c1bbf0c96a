/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_priors.c: the product priors at a cutoff (definitions in
 * rp_train.h), what the model file carries so that the module can look a
 * product up by id.
 *
 * One pass over the events marks each pair's purchases before and inside
 * the last 30 days and collects (pair, day) keys; sorted, they give each
 * pair's distinct days, first and last day. The pairs are then folded
 * into their product, and each product's repeat buyers' mean gaps into a
 * median.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"


/* a day number kept positive for the keys: timestamps start in 1970 */
#define RP_DAY_BIAS  16

typedef struct {
    uint32_t  product;
    float     gap;
} rp_gap_t;


static int rp_u64_cmp(const void *a, const void *b);
static int rp_gap_cmp(const void *a, const void *b);
static double rp_median(const rp_gap_t *g, size_t n);


static int
rp_u64_cmp(const void *a, const void *b)
{
    uint64_t  x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return (x > y) - (x < y);
}


static int
rp_gap_cmp(const void *a, const void *b)
{
    const rp_gap_t  *x = a, *y = b;

    if (x->product != y->product) {
        return (x->product > y->product) - (x->product < y->product);
    }

    return (x->gap > y->gap) - (x->gap < y->gap);
}


/* the median of n sorted gaps (the mean of the middle two when even) */
static double
rp_median(const rp_gap_t *g, size_t n)
{
    if (n == 0) {
        return NAN;
    }

    return n % 2 ? g[n / 2].gap : ((double) g[n / 2 - 1].gap + g[n / 2].gap) / 2;
}


void
rp_priors_compute(const rp_dataset_t *ds, int64_t cutoff, rp_priors_t *pr)
{
    size_t          i, j, nk, ng, k;
    float          *row;
    uint8_t        *old, *recent;
    int64_t         d;
    uint32_t        pair, p, ndays, first, last, *buyers, *buyers30, *pairs_old,
                   *rebought, *repeaters;
    uint64_t       *keys, all_pairs, all_old, all_rebought, all_repeat;
    rp_gap_t       *gaps, *all_gaps;
    const rp_interned_event_t  *e;
    double          g_rebuy, g_repeat, g_med;

    memset(pr, 0, sizeof(*pr));
    pr->n_products = ds->products.n;

    old = rp_xalloc(ds->n_pairs + 1);
    recent = rp_xalloc(ds->n_pairs + 1);
    keys = rp_xalloc((ds->n + 1) * sizeof(uint64_t));

    nk = 0;
    for (i = 0; i < ds->n; i++) {
        e = &ds->ev[i];
        if (e->type != RP_EVENT_PURCHASE || e->ts > cutoff) {
            continue;
        }
        if (e->ts <= cutoff - RP_PRIOR_WINDOW) {
            old[e->pair] = 1;
        } else {
            recent[e->pair] = 1;
        }
        d = rp_day(e->ts) + RP_DAY_BIAS;
        keys[nk++] = ((uint64_t) e->pair << 32) | (uint32_t) (d < 0 ? 0 : d);
    }

    qsort(keys, nk, sizeof(uint64_t), rp_u64_cmp);

    buyers = rp_xalloc((pr->n_products + 1) * sizeof(uint32_t));
    buyers30 = rp_xalloc((pr->n_products + 1) * sizeof(uint32_t));
    pairs_old = rp_xalloc((pr->n_products + 1) * sizeof(uint32_t));
    rebought = rp_xalloc((pr->n_products + 1) * sizeof(uint32_t));
    repeaters = rp_xalloc((pr->n_products + 1) * sizeof(uint32_t));
    gaps = rp_xalloc((nk + 1) * sizeof(rp_gap_t));

    /* each run of keys is one pair's purchase days, ascending */
    ng = 0;
    for (i = 0; i < nk; i = j) {
        pair = (uint32_t) (keys[i] >> 32);
        first = (uint32_t) keys[i];
        last = first;
        ndays = 0;
        for (j = i; j < nk && (uint32_t) (keys[j] >> 32) == pair; j++) {
            if (j == i || keys[j] != keys[j - 1]) {
                ndays++;
                last = (uint32_t) keys[j];
            }
        }

        p = ds->pair_product[pair];
        buyers[p]++;
        buyers30[p] += recent[pair];
        pairs_old[p] += old[pair];
        rebought[p] += old[pair] && recent[pair];

        if (ndays >= 2) {
            repeaters[p]++;
            gaps[ng].product = p;
            gaps[ng].gap = (float) ((double) (last - first) / (ndays - 1));
            ng++;
        }
    }

    all_pairs = 0;
    all_old = 0;
    all_rebought = 0;
    all_repeat = 0;
    for (p = 0; p < pr->n_products; p++) {
        all_pairs += buyers[p];
        all_old += pairs_old[p];
        all_rebought += rebought[p];
        all_repeat += repeaters[p];
    }

    g_rebuy = all_old ? (double) all_rebought / all_old : 0;
    g_repeat = all_pairs ? (double) all_repeat / all_pairs : 0;

    /* the global median over every repeat pair's gap, then the
     * products' medians over their runs of the (product, gap) order */
    all_gaps = rp_xalloc((ng + 1) * sizeof(rp_gap_t));
    for (k = 0; k < ng; k++) {
        all_gaps[k].product = 0;
        all_gaps[k].gap = gaps[k].gap;
    }
    qsort(all_gaps, ng, sizeof(rp_gap_t), rp_gap_cmp);
    g_med = rp_median(all_gaps, ng);
    free(all_gaps);

    qsort(gaps, ng, sizeof(rp_gap_t), rp_gap_cmp);

    pr->rows = rp_xalloc(((size_t) pr->n_products + 1) * RP_MODEL_PRIOR_N
                         * sizeof(float));
    pr->known = rp_xalloc(pr->n_products + 1);

    pr->rows[0] = 0;
    pr->rows[1] = 0;
    pr->rows[2] = (float) g_rebuy;
    pr->rows[3] = (float) g_repeat;
    pr->rows[4] = (float) g_med;

    for (p = 0; p < pr->n_products; p++) {
        row = rp_priors_row(pr, p);
        if (buyers[p] == 0) {
            memcpy(row, pr->rows, RP_MODEL_PRIOR_N * sizeof(float));
            continue;
        }
        pr->known[p] = 1;
        pr->n_known++;
        row[0] = (float) buyers[p];
        row[1] = (float) buyers30[p];
        row[2] = (float) ((rebought[p] + RP_PRIOR_M * g_rebuy)
                          / (pairs_old[p] + RP_PRIOR_M));
        row[3] = (float) ((double) repeaters[p] / buyers[p]);
        row[4] = NAN;
    }

    for (i = 0; i < ng; i = j) {
        for (j = i; j < ng && gaps[j].product == gaps[i].product; j++) {
            /* void */
        }
        rp_priors_row(pr, gaps[i].product)[4] = (float) rp_median(gaps + i,
                                                                  j - i);
    }

    free(keys);
    free(old);
    free(recent);
    free(buyers);
    free(buyers30);
    free(pairs_old);
    free(rebought);
    free(repeaters);
    free(gaps);
}


void
rp_priors_free(rp_priors_t *pr)
{
    free(pr->rows);
    free(pr->known);
    memset(pr, 0, sizeof(*pr));
}


const float **
rp_priors_rows(const rp_dataset_t *ds, const rp_priors_t *pr)
{
    uint32_t      p;
    const float **rows;

    rows = rp_xalloc(((size_t) ds->products.n + 1) * sizeof(float *));
    for (p = 0; p < ds->products.n; p++) {
        rows[p] = rp_priors_row(pr, p);
    }

    return rows;
}


const float **
rp_model_prior_rows(const rp_dataset_t *ds, const rp_model_t *m)
{
    uint32_t      p;
    const float **rows;

    rows = rp_xalloc(((size_t) ds->products.n + 1) * sizeof(float *));
    for (p = 0; p < ds->products.n; p++) {
        rows[p] = rp_model_prior(m, ds->products.names[p],
                                 ds->products.lens[p]);
    }

    return rows;
}


int
rp_model_uses_priors(const rp_model_t *m)
{
    uint32_t  j;

    for (j = 0; j < m->hdr->n_features; j++) {
        if (m->feat_map[j] >= RP_F_PRIOR_FIRST
            && m->feat_map[j] < RP_F_PRIOR_FIRST + RP_PRIOR_N)
        {
            return 1;
        }
    }

    return 0;
}


void
rp_priors_spec(const rp_dataset_t *ds, const rp_priors_t *pr,
    rp_model_spec_t *spec)
{
    uint32_t      i, np;
    uint32_t     *lens;
    float        *vals;
    const char  **ids;

    ids = rp_xalloc(((size_t) pr->n_known + 1) * sizeof(char *));
    lens = rp_xalloc(((size_t) pr->n_known + 1) * sizeof(uint32_t));
    vals = rp_xalloc(((size_t) pr->n_known + 1) * RP_MODEL_PRIOR_N
                     * sizeof(float));
    memcpy(vals, pr->rows, RP_MODEL_PRIOR_N * sizeof(float));

    for (i = 0, np = 0; i < pr->n_products; i++) {
        if (!pr->known[i]) {
            continue;
        }
        ids[np] = ds->products.names[i];
        lens[np] = ds->products.lens[i];
        np++;
        memcpy(vals + (size_t) np * RP_MODEL_PRIOR_N, rp_priors_row(pr, i),
               RP_MODEL_PRIOR_N * sizeof(float));
    }

    spec->n_priors = np;
    spec->prior_ids = ids;
    spec->prior_id_lens = lens;
    spec->prior_values = vals;
}


void
rp_priors_spec_free(rp_model_spec_t *spec)
{
    free((void *) spec->prior_ids);
    free((void *) spec->prior_id_lens);
    free((void *) spec->prior_values);
    spec->prior_ids = NULL;
    spec->prior_id_lens = NULL;
    spec->prior_values = NULL;
    spec->n_priors = 0;
}
