/*
 * rp_features.c: the feature table, the state updates and the vector.
 */

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


void
rp_user_state_init(rp_user_state_t *u)
{
    memset(u, 0, sizeof(*u));
}


void
rp_state_apply(rp_user_state_t *u, rp_pair_state_t *p, const rp_event_t *ev)
{
    int64_t  a = ev->amount_cents;

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
        u->purchase_count++;
        u->purchase_sum += a;
        if (++p->purchases == 2) {
            u->repeat_products++;
        }
        if (ev->ts > u->last_purchase) {
            u->last_purchase = ev->ts;
        }
        break;

    default:
        break;
    }
}


void
rp_features_compute(const rp_user_state_t *u, const rp_pair_state_t *p,
    int64_t now, float out[RP_NFEATURES])
{
    double  n, pc, days;
    int     i;

    if (u == NULL) {
        for (i = 0; i < RP_NFEATURES; i++) {
            out[i] = (float) rp_features[i].unknown_default;
        }
        if (p != NULL) {
            out[RP_F_PRODUCT_VIEW_COUNT] = (float) p->views;
            out[RP_F_PRODUCT_PURCHASE_COUNT] = (float) p->purchases;
        }
        return;
    }

    n = (double) u->event_count;
    pc = (double) u->purchase_count;

    out[RP_F_EVENT_COUNT] = (float) n;
    out[RP_F_AMOUNT_MAX] = u->event_count ? (float) (u->amount_max / 100.0) : 0;
    out[RP_F_AMOUNT_MEAN] = u->event_count
                            ? (float) (u->amount_sum / 100.0 / n) : 0;
    out[RP_F_AMOUNT_MIN] = u->event_count ? (float) (u->amount_min / 100.0) : 0;
    out[RP_F_AMOUNT_SUM] = (float) (u->amount_sum / 100.0);
    out[RP_F_TOTAL_SPEND] = (float) (u->purchase_sum / 100.0);
    out[RP_F_AVG_TRANSACTION_AMOUNT] = u->purchase_count
                                       ? (float) (u->purchase_sum / 100.0 / pc)
                                       : 0;
    out[RP_F_PURCHASE_COUNT] = (float) pc;
    out[RP_F_VIEW_COUNT] = (float) u->view_count;
    out[RP_F_PRODUCT_VIEW_COUNT] = p ? (float) p->views : 0;
    out[RP_F_PRODUCT_PURCHASE_COUNT] = p ? (float) p->purchases : 0;
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
}
