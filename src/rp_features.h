/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_features.h: the one definition of the features (table v2).
 *
 * The feature store keeps raw state (integer counters, sums in cents, the
 * last purchase time, first/last purchase days). rp_features_compute()
 * derives the vector from that state at a time `now`; the trainer
 * (now = cutoff) and the module (now = request time) both call it.
 *
 * Updates are commutative (counts, sums, min, max) except the counts of
 * distinct purchase days, which rely on the events of one user arriving in
 * time order, as they do within one Kafka partition (events are keyed by
 * user). The rule, applied per purchase on day d (rp_day(ts)) to the user
 * and to the pair:
 *   - the first purchase: first = last = d, ndays = 1;
 *   - d after the last purchase day, or before the first: ndays + 1 and
 *     the span [first, last] grows to d;
 *   - d within [first, last]: ndays unchanged (a purchase on an already
 *     counted day, or a late event on a day between two counted ones,
 *     which is then not counted: the count errs low, never high).
 * So ndays <= last - first + 1 always holds, and a replay changes nothing
 * (the store's replay guard drops it; the trainer and materialize drop
 * repeated ids).
 */

#ifndef RP_FEATURES_H
#define RP_FEATURES_H

#include <stdint.h>
#include "rp_event.h"

enum {
    RP_F_EVENT_COUNT = 0,
    RP_F_AMOUNT_MAX,
    RP_F_AMOUNT_MEAN,
    RP_F_AMOUNT_MIN,
    RP_F_AMOUNT_SUM,
    RP_F_TOTAL_SPEND,
    RP_F_AVG_TRANSACTION_AMOUNT,
    RP_F_PURCHASE_COUNT,
    RP_F_VIEW_COUNT,
    RP_F_PRODUCT_VIEW_COUNT,
    RP_F_PRODUCT_PURCHASE_COUNT,
    RP_F_REPEAT_PURCHASE_COUNT,
    RP_F_VIEW_TO_PURCHASE_RATIO,
    RP_F_DAYS_SINCE_LAST_PURCHASE,
    RP_F_PP_DAYS_SINCE_LAST,        /* 14 */
    RP_F_PP_DAYS_SINCE_FIRST,
    RP_F_PP_NDAYS,
    RP_F_PP_MEAN_GAP,
    RP_F_PP_RECENCY_RATIO,
    RP_F_PP_DAY_SHARE,
    RP_F_PP_AMOUNT,
    RP_F_U_NDAYS,
    RP_F_U_NPRODUCTS,
    RP_F_U_DAYS_SINCE_FIRST,
    RP_F_PROD_BUYERS,               /* 24: the product priors */
    RP_F_PROD_BUYERS_30D,
    RP_F_PROD_REBUY_RATE,
    RP_F_PROD_REPEAT_SHARE,
    RP_F_PROD_MED_INTERVAL,
    RP_NFEATURES
};

#define RP_F_SEED_N           14       /* the seed's features: indices 0..13 */
#define RP_F_PRIOR_FIRST      RP_F_PROD_BUYERS
#define RP_PRIOR_N            5        /* prior features, contiguous */

#define RP_FEATURE_NAME_MAX   32       /* including the NUL */
#define RP_DAYS_NEVER         365.0    /* days_since_last_purchase without a purchase */
#define RP_DAY_SECONDS        86400

typedef struct {
    const char *name;
    const char *meaning;
    double      unknown_default;     /* value for a user the store does not
                                      * know (NaN: missing) */
} rp_feature_def_t;

extern const rp_feature_def_t rp_features[RP_NFEATURES];

/* Index of a feature by name, or -1. */
int rp_feature_index(const char *name, size_t len);

/* The day number of a time: floor(ts / 86400). */
int64_t rp_day(int64_t ts);

/* Raw state of one user (all of that user's events). */
typedef struct {
    int64_t event_count;
    int64_t amount_sum;       /* cents, all events */
    int64_t amount_min;       /* cents; meaningless when event_count == 0 */
    int64_t amount_max;       /* cents */
    int64_t purchase_count;
    int64_t purchase_sum;     /* cents */
    int64_t view_count;
    int64_t repeat_products;  /* products bought at least twice */
    int64_t last_purchase;    /* epoch seconds; meaningless without purchases */
    int64_t first_day;        /* day of the first purchase (same) */
    int64_t ndays;            /* distinct purchase days (rule above) */
    int64_t nproducts;        /* distinct products bought */
} rp_user_state_t;

/* Raw state of one (user, product) pair. */
typedef struct {
    int64_t views;
    int64_t purchases;
    int64_t first_day;        /* days of the first and last purchase; */
    int64_t last_day;         /* meaningless when purchases == 0 */
    int64_t ndays;            /* distinct purchase days (rule above) */
    int64_t amount;           /* cents spent on the product */
} rp_pair_state_t;

void rp_user_state_init(rp_user_state_t *u);
void rp_pair_state_init(rp_pair_state_t *p);

/*
 * Applies one event to the state in memory (the trainer's path; the store
 * applies the same rules in its Lua script, see rp_store.h). Events of one
 * user must come in time order for the distinct-day counts (see above).
 */
void rp_state_apply(rp_user_state_t *u, rp_pair_state_t *p, const rp_event_t *ev);

/*
 * The feature vector, in table order, at time now. u == NULL means an
 * unknown user (every user feature takes its unknown_default); p == NULL
 * means the pair has no history. prior points to the product's RP_PRIOR_N
 * prior features or is NULL (then they are NaN).
 *
 * The v2 "days since" features are whole days between day numbers
 * (rp_day(now) - day), never negative; a feature that needs an event that
 * never happened (no purchase of the pair or of the user, fewer than two
 * purchase days for a gap) is NaN, which the scorer and XGBoost treat as
 * missing. Counts with nothing to count are 0.
 */
void rp_features_compute(const rp_user_state_t *u, const rp_pair_state_t *p,
    const float *prior, int64_t now, float out[RP_NFEATURES]);

#endif /* RP_FEATURES_H */
