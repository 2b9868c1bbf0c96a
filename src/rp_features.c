/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_features.c: the feature table, the state updates and the vector.
 */

#include <math.h>
#include <string.h>

#include "rp_features.h"


const rp_feature_def_t rp_features[RP_NFEATURES] = {
    { "event_count",   "events of the user (views, add-to-carts, purchases)", 0 },
    { "amount_max",    "largest amount over all the user's events", 0 },
    { "amount_mean",   "mean amount over all the user's events", 0 },
    { "amount_min",    "smallest amount over all the user's events", 0 },
    { "amount_sum",    "sum of amounts over all the user's events", 0 },
    { "total_spend",   "sum paid over the user's purchases", 0 },
    { "avg_transaction_amount", "total_spend / purchase_count (0 without purchases)", 0 },
    { "purchase_count", "purchases of the user", 0 },
    { "view_count",    "views of the user", 0 },
    { "product_view_count", "views of this product by the user", 0 },
    { "product_purchase_count", "purchases of this product by the user", 0 },
    { "repeat_purchase_count", "products the user bought at least twice", 0 },
    { "view_to_purchase_ratio", "view_count / max(purchase_count, 1)", 0 },
    { "days_since_last_purchase",
      "days from the user's last purchase to now (365 without one)", RP_DAYS_NEVER },
    { "pp_days_since_last",
      "whole days from the last purchase of this product to now", NAN },
    { "pp_days_since_first",
      "whole days from the first purchase of this product to now", NAN },
    { "pp_ndays", "distinct days on which the user bought this product", 0 },
    { "pp_mean_gap",
      "(day of last - day of first) / (pp_ndays - 1); missing when pp_ndays < 2",
      NAN },
    { "pp_recency_ratio",
      "pp_days_since_last / pp_mean_gap; missing without pp_mean_gap", NAN },
    { "pp_day_share", "pp_ndays / u_ndays; missing when u_ndays is 0", NAN },
    { "pp_amount", "money spent on this product", 0 },
    { "u_ndays", "distinct days with a purchase", 0 },
    { "u_nproducts", "distinct products bought", 0 },
    { "u_days_since_first",
      "whole days from the user's first purchase to now", NAN },
    { "prod_buyers", "product prior: buyers (from the model file)", NAN },
    { "prod_buyers_30d",
      "product prior: buyers in the 30 days before the cutoff", NAN },
    { "prod_rebuy_rate", "product prior: smoothed rebuy rate", NAN },
    { "prod_repeat_share",
      "product prior: share of its buyers who bought it twice", NAN },
    { "prod_med_interval", "product prior: median repurchase interval", NAN },
};


int
rp_feature_index(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < RP_NFEATURES; i++) {
        if (strlen(rp_features[i].name) == len
            && memcmp(rp_features[i].name, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


int64_t
rp_day(int64_t ts)
{
    return ts >= 0 ? ts / RP_DAY_SECONDS
                   : -((-ts + RP_DAY_SECONDS - 1) / RP_DAY_SECONDS);
}


void
rp_user_state_init(rp_user_state_t *u)
{
    memset(u, 0, sizeof(*u));
}


void
rp_pair_state_init(rp_pair_state_t *p)
{
    memset(p, 0, sizeof(*p));
}


void
rp_state_apply(rp_user_state_t *u, rp_pair_state_t *p, const rp_event_t *ev)
{
    int64_t  a = ev->amount_cents, d, last;

    if (u->event_count == 0 || a < u->amount_min) {
        u->amount_min = a;
    }
    if (u->event_count == 0 || a > u->amount_max) {
        u->amount_max = a;
    }
    u->event_count++;
    u->amount_sum += a;

    switch (ev->type) {

    case RP_EVENT_VIEW:
        u->view_count++;
        p->views++;
        break;

    case RP_EVENT_PURCHASE:
        d = rp_day(ev->ts);

        /* the distinct-day rule of rp_features.h, on the old span */
        if (u->purchase_count == 0) {
            u->first_day = d;
            u->ndays = 1;
            u->last_purchase = ev->ts;
        } else {
            last = rp_day(u->last_purchase);
            if (d > last || d < u->first_day) {
                u->ndays++;
            }
            if (d < u->first_day) {
                u->first_day = d;
            }
            if (ev->ts > u->last_purchase) {
                u->last_purchase = ev->ts;
            }
        }

        if (p->purchases == 0) {
            p->first_day = d;
            p->last_day = d;
            p->ndays = 1;
            u->nproducts++;
        } else if (d > p->last_day) {
            p->last_day = d;
            p->ndays++;
        } else if (d < p->first_day) {
            p->first_day = d;
            p->ndays++;
        }

        u->purchase_count++;
        u->purchase_sum += a;
        p->amount += a;
        if (++p->purchases == 2) {
            u->repeat_products++;
        }
        break;

    default:
        break;
    }
}


/* Whole days from day d to the day of now, never negative. */
static double
rp_days_to(int64_t now, int64_t d)
{
    int64_t  n = rp_day(now) - d;

    return n > 0 ? (double) n : 0;
}


static void
rp_features_pair(const rp_pair_state_t *p, int64_t now, float *out)
{
    double  since, gap;

    out[RP_F_PRODUCT_VIEW_COUNT] = p ? (float) p->views : 0;
    out[RP_F_PRODUCT_PURCHASE_COUNT] = p ? (float) p->purchases : 0;

    if (p == NULL || p->purchases == 0) {
        out[RP_F_PP_DAYS_SINCE_LAST] = NAN;
        out[RP_F_PP_DAYS_SINCE_FIRST] = NAN;
        out[RP_F_PP_NDAYS] = 0;
        out[RP_F_PP_MEAN_GAP] = NAN;
        out[RP_F_PP_RECENCY_RATIO] = NAN;
        out[RP_F_PP_AMOUNT] = 0;
        return;
    }

    since = rp_days_to(now, p->last_day);
    out[RP_F_PP_DAYS_SINCE_LAST] = (float) since;
    out[RP_F_PP_DAYS_SINCE_FIRST] = (float) rp_days_to(now, p->first_day);
    out[RP_F_PP_NDAYS] = (float) p->ndays;
    out[RP_F_PP_AMOUNT] = (float) (p->amount / 100.0);

    if (p->ndays < 2) {
        out[RP_F_PP_MEAN_GAP] = NAN;
        out[RP_F_PP_RECENCY_RATIO] = NAN;
        return;
    }

    /* ndays <= last - first + 1 (the day rule), so gap >= 1 */
    gap = (double) (p->last_day - p->first_day) / (double) (p->ndays - 1);
    out[RP_F_PP_MEAN_GAP] = (float) gap;
    out[RP_F_PP_RECENCY_RATIO] = gap > 0 ? (float) (since / gap) : NAN;
}


void
rp_features_compute(const rp_user_state_t *u, const rp_pair_state_t *p,
    const float *prior, int64_t now, float out[RP_NFEATURES])
{
    double  n, pc, days;
    int     i;

    if (u == NULL) {
        for (i = 0; i < RP_F_PRIOR_FIRST; i++) {
            out[i] = (float) rp_features[i].unknown_default;
        }

    } else {
        n = (double) u->event_count;
        pc = (double) u->purchase_count;

        out[RP_F_EVENT_COUNT] = (float) n;
        out[RP_F_AMOUNT_MAX] = u->event_count
                               ? (float) (u->amount_max / 100.0) : 0;
        out[RP_F_AMOUNT_MEAN] = u->event_count
                                ? (float) (u->amount_sum / 100.0 / n) : 0;
        out[RP_F_AMOUNT_MIN] = u->event_count
                               ? (float) (u->amount_min / 100.0) : 0;
        out[RP_F_AMOUNT_SUM] = (float) (u->amount_sum / 100.0);
        out[RP_F_TOTAL_SPEND] = (float) (u->purchase_sum / 100.0);
        out[RP_F_AVG_TRANSACTION_AMOUNT] = u->purchase_count
                                           ? (float) (u->purchase_sum / 100.0
                                                      / pc)
                                           : 0;
        out[RP_F_PURCHASE_COUNT] = (float) pc;
        out[RP_F_VIEW_COUNT] = (float) u->view_count;
        out[RP_F_REPEAT_PURCHASE_COUNT] = (float) u->repeat_products;
        out[RP_F_VIEW_TO_PURCHASE_RATIO] = (float) ((double) u->view_count
                                                    / (pc > 1 ? pc : 1));

        if (u->purchase_count == 0 || u->last_purchase <= 0) {
            days = RP_DAYS_NEVER;
        } else {
            days = (double) (now - u->last_purchase) / 86400.0;
            if (days < 0) {
                days = 0;
            }
        }
        out[RP_F_DAYS_SINCE_LAST_PURCHASE] = (float) days;

        out[RP_F_U_NDAYS] = (float) u->ndays;
        out[RP_F_U_NPRODUCTS] = (float) u->nproducts;
        out[RP_F_U_DAYS_SINCE_FIRST] = u->purchase_count
                                       ? (float) rp_days_to(now, u->first_day)
                                       : NAN;
    }

    if (u != NULL || p != NULL) {
        rp_features_pair(p, now, out);
    }

    out[RP_F_PP_DAY_SHARE] = u != NULL && u->ndays > 0
                             ? (float) ((double) (p ? p->ndays : 0)
                                        / (double) u->ndays)
                             : NAN;

    for (i = 0; i < RP_PRIOR_N; i++) {
        out[RP_F_PRIOR_FIRST + i] = prior ? prior[i] : NAN;
    }
}
