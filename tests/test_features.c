/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_features.c: the features on hand-computed histories.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "rp_features.h"

#define DAY  86400


static rp_event_t
ev(const char *product, rp_event_type_t type, int64_t cents, int64_t ts)
{
    rp_event_t  e;

    memset(&e, 0, sizeof(e));
    strcpy(e.event_id, "e");
    e.event_id_len = 1;
    strcpy(e.user_id, "u");
    e.user_id_len = 1;
    e.product_id_len = strlen(product);
    memcpy(e.product_id, product, e.product_id_len + 1);
    e.type = type;
    e.amount_cents = cents;
    e.ts = ts;

    return e;
}


/* The table's order is an interface (model files name features; the
 * priors are contiguous): it changes only on purpose. */
static const char *names[] = {
    "event_count", "amount_max", "amount_mean", "amount_min", "amount_sum",
    "total_spend", "avg_transaction_amount", "purchase_count", "view_count",
    "product_view_count", "product_purchase_count", "repeat_purchase_count",
    "view_to_purchase_ratio", "days_since_last_purchase",
    "pp_days_since_last", "pp_days_since_first", "pp_ndays", "pp_mean_gap",
    "pp_recency_ratio", "pp_day_share", "pp_amount", "u_ndays",
    "u_nproducts", "u_days_since_first", "prod_buyers", "prod_buyers_30d",
    "prod_rebuy_rate", "prod_repeat_share", "prod_med_interval"
};


static void
test_table(void **state)
{
    int  i;

    (void) state;
    assert_int_equal(RP_NFEATURES, 29);
    assert_int_equal(RP_F_SEED_N, 14);
    assert_int_equal(RP_F_PRIOR_FIRST, 24);
    assert_int_equal(RP_F_PRIOR_FIRST + RP_PRIOR_N, RP_NFEATURES);
    for (i = 0; i < RP_NFEATURES; i++) {
        assert_string_equal(rp_features[i].name, names[i]);
        assert_int_equal(rp_feature_index(rp_features[i].name,
                                          strlen(rp_features[i].name)), i);
        assert_true(strlen(rp_features[i].name) < RP_FEATURE_NAME_MAX);
    }
    assert_int_equal(rp_feature_index("event_coun", 10), -1);
    assert_int_equal(rp_feature_index("nope", 4), -1);
}


/*
 * History of user u, now = day 100:
 *   day 10 view A 10.00; day 11 purchase A 10.00; day 20 view B 4.00;
 *   day 30 cart A 10.00; day 40 purchase A 12.00; day 50 purchase B 4.00;
 *   day 60 view A 10.00; day 90 purchase A 12.00
 */
static void
test_history(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  a, b;
    rp_event_t       e[8];
    float            f[RP_NFEATURES];
    int              i;

    (void) state;
    e[0] = ev("A", RP_EVENT_VIEW, 1000, 10 * DAY);
    e[1] = ev("A", RP_EVENT_PURCHASE, 1000, 11 * DAY);
    e[2] = ev("B", RP_EVENT_VIEW, 400, 20 * DAY);
    e[3] = ev("A", RP_EVENT_ADD_TO_CART, 1000, 30 * DAY);
    e[4] = ev("A", RP_EVENT_PURCHASE, 1200, 40 * DAY);
    e[5] = ev("B", RP_EVENT_PURCHASE, 400, 50 * DAY);
    e[6] = ev("A", RP_EVENT_VIEW, 1000, 60 * DAY);
    e[7] = ev("A", RP_EVENT_PURCHASE, 1200, 90 * DAY);

    /* apply in reverse order: the seed's features do not depend on order */
    rp_user_state_init(&u);
    rp_pair_state_init(&a);
    rp_pair_state_init(&b);
    for (i = 7; i >= 0; i--) {
        rp_state_apply(&u, e[i].product_id[0] == 'A' ? &a : &b, &e[i]);
    }

    rp_features_compute(&u, &a, NULL, 100 * DAY, f);

    assert_float_equal(f[RP_F_EVENT_COUNT], 8, 0);
    assert_float_equal(f[RP_F_AMOUNT_MAX], 12.0, 1e-6);
    assert_float_equal(f[RP_F_AMOUNT_MIN], 4.0, 1e-6);
    assert_float_equal(f[RP_F_AMOUNT_SUM], 72.0, 1e-5);
    assert_float_equal(f[RP_F_AMOUNT_MEAN], 9.0, 1e-6);
    assert_float_equal(f[RP_F_TOTAL_SPEND], 38.0, 1e-5);
    assert_float_equal(f[RP_F_AVG_TRANSACTION_AMOUNT], 9.5, 1e-6);
    assert_float_equal(f[RP_F_PURCHASE_COUNT], 4, 0);
    assert_float_equal(f[RP_F_VIEW_COUNT], 3, 0);
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 2, 0);
    assert_float_equal(f[RP_F_PRODUCT_PURCHASE_COUNT], 3, 0);
    assert_float_equal(f[RP_F_REPEAT_PURCHASE_COUNT], 1, 0);
    assert_float_equal(f[RP_F_VIEW_TO_PURCHASE_RATIO], 0.75, 1e-6);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], 10.0, 1e-6);

    /* the same user, product B */
    rp_features_compute(&u, &b, NULL, 100 * DAY, f);
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 1, 0);
    assert_float_equal(f[RP_F_PRODUCT_PURCHASE_COUNT], 1, 0);

    /* a product never touched */
    rp_features_compute(&u, NULL, NULL, 100 * DAY, f);
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 0, 0);
    assert_float_equal(f[RP_F_PRODUCT_PURCHASE_COUNT], 0, 0);

    /* half a day later */
    rp_features_compute(&u, &a, NULL, 100 * DAY + DAY / 2, f);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], 10.5, 1e-6);

    /* now before the last purchase: clamped at 0 */
    rp_features_compute(&u, &a, NULL, 80 * DAY, f);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], 0, 0);
}


static void
test_views_only(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  p;
    rp_event_t       e;
    float            f[RP_NFEATURES];

    (void) state;
    rp_user_state_init(&u);
    rp_pair_state_init(&p);
    e = ev("A", RP_EVENT_VIEW, 250, DAY);
    rp_state_apply(&u, &p, &e);
    e = ev("A", RP_EVENT_VIEW, 750, 2 * DAY);
    rp_state_apply(&u, &p, &e);

    rp_features_compute(&u, &p, NULL, 3 * DAY, f);
    assert_float_equal(f[RP_F_PURCHASE_COUNT], 0, 0);
    assert_float_equal(f[RP_F_AVG_TRANSACTION_AMOUNT], 0, 0);
    assert_float_equal(f[RP_F_VIEW_TO_PURCHASE_RATIO], 2, 0);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], RP_DAYS_NEVER, 0);
    assert_float_equal(f[RP_F_AMOUNT_MEAN], 5.0, 1e-6);
    assert_float_equal(f[RP_F_AMOUNT_MIN], 2.5, 1e-6);
    /* no purchase: no days to count or share, nothing since */
    assert_float_equal(f[RP_F_U_NDAYS], 0, 0);
    assert_float_equal(f[RP_F_PP_NDAYS], 0, 0);
    assert_true(isnan(f[RP_F_U_DAYS_SINCE_FIRST]));
    assert_true(isnan(f[RP_F_PP_DAY_SHARE]));
    assert_true(isnan(f[RP_F_PP_DAYS_SINCE_LAST]));
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 2, 0);
}


static void
test_repeat_counts_once(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  p;
    rp_event_t       e;
    int              i;

    (void) state;
    rp_user_state_init(&u);
    rp_pair_state_init(&p);
    for (i = 0; i < 5; i++) {
        e = ev("A", RP_EVENT_PURCHASE, 100, DAY * (i + 1));
        rp_state_apply(&u, &p, &e);
    }
    assert_int_equal(u.repeat_products, 1);
    assert_int_equal(p.purchases, 5);
    assert_int_equal(u.last_purchase, 5 * DAY);
}


static void
test_unknown_user(void **state)
{
    float  f[RP_NFEATURES];
    int    i;

    (void) state;
    rp_features_compute(NULL, NULL, NULL, 1000, f);
    for (i = 0; i < RP_NFEATURES; i++) {
        if (isnan(rp_features[i].unknown_default)) {
            assert_true(isnan(f[i]));
        } else {
            assert_float_equal(f[i], rp_features[i].unknown_default, 0);
        }
    }
    /* the seed's 14 keep their defaults: 0, and 365 days */
    for (i = 0; i < RP_F_SEED_N; i++) {
        assert_float_equal(f[i], i == RP_F_DAYS_SINCE_LAST_PURCHASE
                                 ? RP_DAYS_NEVER : 0, 0);
    }
    /* v2: counts 0, the rest missing */
    assert_float_equal(f[RP_F_PP_NDAYS], 0, 0);
    assert_float_equal(f[RP_F_PP_AMOUNT], 0, 0);
    assert_float_equal(f[RP_F_U_NDAYS], 0, 0);
    assert_float_equal(f[RP_F_U_NPRODUCTS], 0, 0);
    assert_true(isnan(f[RP_F_PP_DAYS_SINCE_LAST]));
    assert_true(isnan(f[RP_F_PP_DAY_SHARE]));
    assert_true(isnan(f[RP_F_U_DAYS_SINCE_FIRST]));
    for (i = RP_F_PRIOR_FIRST; i < RP_NFEATURES; i++) {
        assert_true(isnan(f[i]));
    }
}


static void
test_priors(void **state)
{
    rp_user_state_t  u;
    float            f[RP_NFEATURES];
    const float      prior[RP_PRIOR_N] = { 120, 14, 0.25f, 0.4f, 21 };
    int              i;

    (void) state;
    rp_user_state_init(&u);
    u.event_count = 1;
    rp_features_compute(&u, NULL, prior, 1000, f);
    for (i = 0; i < RP_PRIOR_N; i++) {
        assert_float_equal(f[RP_F_PRIOR_FIRST + i], prior[i], 0);
    }
    rp_features_compute(NULL, NULL, prior, 1000, f);
    assert_float_equal(f[RP_F_PROD_MED_INTERVAL], 21, 0);
}


static void
test_day(void **state)
{
    (void) state;
    assert_int_equal(rp_day(0), 0);
    assert_int_equal(rp_day(DAY - 1), 0);
    assert_int_equal(rp_day(DAY), 1);
    assert_int_equal(rp_day(-1), -1);
    assert_int_equal(rp_day(-DAY), -1);
    assert_int_equal(rp_day(-DAY - 1), -2);
}


static void
apply(rp_user_state_t *u, rp_pair_state_t *a, rp_pair_state_t *b,
    const rp_event_t *e, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        rp_state_apply(u, e[i].product_id[0] == 'A' ? a : b, &e[i]);
    }
}


/*
 * In time order, now = day 100, 06:00:
 *   day 10 10:00 purchase A 10.00; day 10 15:00 purchase A 5.00 (same day);
 *   day 20 purchase B 4.00; day 30 view A 1.00; day 40 purchase A 12.00;
 *   day 70 purchase A 12.00; day 70 purchase B 4.00.
 * A: 4 purchases on days 10, 40, 70 (3 days), 39.00; B: days 20, 70.
 * The user: days 10, 20, 40, 70 (4), 2 products.
 */
static void
test_v2_history(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  a, b;
    rp_event_t       e[7];
    float            f[RP_NFEATURES];
    int64_t          now = 100 * DAY + 6 * 3600;

    (void) state;
    e[0] = ev("A", RP_EVENT_PURCHASE, 1000, 10 * DAY + 10 * 3600);
    e[1] = ev("A", RP_EVENT_PURCHASE, 500, 10 * DAY + 15 * 3600);
    e[2] = ev("B", RP_EVENT_PURCHASE, 400, 20 * DAY);
    e[3] = ev("A", RP_EVENT_VIEW, 100, 30 * DAY);
    e[4] = ev("A", RP_EVENT_PURCHASE, 1200, 40 * DAY);
    e[5] = ev("A", RP_EVENT_PURCHASE, 1200, 70 * DAY + 3600);
    e[6] = ev("B", RP_EVENT_PURCHASE, 400, 70 * DAY + 7200);
    rp_user_state_init(&u);
    rp_pair_state_init(&a);
    rp_pair_state_init(&b);
    apply(&u, &a, &b, e, 7);

    assert_int_equal(u.first_day, 10);
    assert_int_equal(u.ndays, 4);
    assert_int_equal(u.nproducts, 2);
    assert_int_equal(u.repeat_products, 2);
    assert_int_equal(a.first_day, 10);
    assert_int_equal(a.last_day, 70);
    assert_int_equal(a.ndays, 3);
    assert_int_equal(a.amount, 3900);
    assert_int_equal(a.purchases, 4);
    assert_int_equal(a.views, 1);

    rp_features_compute(&u, &a, NULL, now, f);
    assert_float_equal(f[RP_F_PP_DAYS_SINCE_LAST], 30, 0);
    assert_float_equal(f[RP_F_PP_DAYS_SINCE_FIRST], 90, 0);
    assert_float_equal(f[RP_F_PP_NDAYS], 3, 0);
    assert_float_equal(f[RP_F_PP_MEAN_GAP], 30, 0);
    assert_float_equal(f[RP_F_PP_RECENCY_RATIO], 1, 0);
    assert_float_equal(f[RP_F_PP_DAY_SHARE], 0.75, 0);
    assert_float_equal(f[RP_F_PP_AMOUNT], 39.0, 1e-6);
    assert_float_equal(f[RP_F_U_NDAYS], 4, 0);
    assert_float_equal(f[RP_F_U_NPRODUCTS], 2, 0);
    assert_float_equal(f[RP_F_U_DAYS_SINCE_FIRST], 90, 0);
    /* the seed's recency stays fractional: 100.25 - 70.0833 days */
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE],
                       (now - (70 * DAY + 7200)) / 86400.0, 1e-5);
    assert_true(isnan(f[RP_F_PROD_BUYERS]));

    rp_features_compute(&u, &b, NULL, now, f);
    assert_float_equal(f[RP_F_PP_NDAYS], 2, 0);
    assert_float_equal(f[RP_F_PP_MEAN_GAP], 50, 0);
    assert_float_equal(f[RP_F_PP_RECENCY_RATIO], 0.6, 1e-6);
    assert_float_equal(f[RP_F_PP_DAY_SHARE], 0.5, 0);
    assert_float_equal(f[RP_F_PP_AMOUNT], 8.0, 1e-6);

    /* a product the user never bought: counts 0, the rest missing */
    rp_features_compute(&u, NULL, NULL, now, f);
    assert_true(isnan(f[RP_F_PP_DAYS_SINCE_LAST]));
    assert_true(isnan(f[RP_F_PP_DAYS_SINCE_FIRST]));
    assert_true(isnan(f[RP_F_PP_MEAN_GAP]));
    assert_true(isnan(f[RP_F_PP_RECENCY_RATIO]));
    assert_float_equal(f[RP_F_PP_NDAYS], 0, 0);
    assert_float_equal(f[RP_F_PP_DAY_SHARE], 0, 0);
    assert_float_equal(f[RP_F_PP_AMOUNT], 0, 0);
    assert_float_equal(f[RP_F_U_NDAYS], 4, 0);

    /* now before the last purchase day: clamped at 0 */
    rp_features_compute(&u, &a, NULL, 69 * DAY, f);
    assert_float_equal(f[RP_F_PP_DAYS_SINCE_LAST], 0, 0);
    assert_float_equal(f[RP_F_PP_RECENCY_RATIO], 0, 0);
    assert_float_equal(f[RP_F_PP_DAYS_SINCE_FIRST], 59, 0);
}


/*
 * The distinct-day rule: a purchase after the last day or before the first
 * counts a new day; a late one inside [first, last] does not (the count
 * errs low, never above last - first + 1).
 */
static void
test_distinct_days_order(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  a, b;
    rp_event_t       e[5];
    float            f[RP_NFEATURES];

    (void) state;
    e[0] = ev("A", RP_EVENT_PURCHASE, 100, 1 * DAY);
    e[1] = ev("A", RP_EVENT_PURCHASE, 100, 5 * DAY);
    e[2] = ev("A", RP_EVENT_PURCHASE, 100, 3 * DAY);   /* late */
    e[3] = ev("A", RP_EVENT_PURCHASE, 100, 0 * DAY + 60);   /* before first */
    e[4] = ev("A", RP_EVENT_PURCHASE, 100, 5 * DAY + 60);   /* same day */

    rp_user_state_init(&u);
    rp_pair_state_init(&a);
    apply(&u, &a, &b, e, 5);
    assert_int_equal(a.ndays, 3);          /* days 0, 1, 5: day 3 is lost */
    assert_int_equal(a.first_day, 0);
    assert_int_equal(a.last_day, 5);
    assert_int_equal(u.ndays, 3);
    assert_int_equal(u.first_day, 0);
    assert_int_equal(u.last_purchase, 5 * DAY + 60);
    assert_int_equal(a.purchases, 5);
    rp_features_compute(&u, &a, NULL, 10 * DAY, f);
    assert_float_equal(f[RP_F_PP_MEAN_GAP], 2.5, 0);   /* (5 - 0) / 2 */

    /* in time order the late day counts */
    rp_user_state_init(&u);
    rp_pair_state_init(&a);
    apply(&u, &a, &b, (rp_event_t[]) { e[3], e[0], e[2], e[1], e[4] }, 5);
    assert_int_equal(a.ndays, 4);
    assert_int_equal(u.ndays, 4);
    rp_features_compute(&u, &a, NULL, 10 * DAY, f);
    assert_float_equal(f[RP_F_PP_MEAN_GAP], 5.0 / 3, 1e-6);
    assert_float_equal(f[RP_F_PP_RECENCY_RATIO], 5 / (5.0 / 3), 1e-5);

    /* one day only: no gap */
    rp_user_state_init(&u);
    rp_pair_state_init(&a);
    apply(&u, &a, &b, (rp_event_t[]) { e[1], e[4] }, 2);
    assert_int_equal(a.ndays, 1);
    rp_features_compute(&u, &a, NULL, 10 * DAY, f);
    assert_true(isnan(f[RP_F_PP_MEAN_GAP]));
    assert_true(isnan(f[RP_F_PP_RECENCY_RATIO]));
    assert_float_equal(f[RP_F_PP_DAYS_SINCE_LAST], 5, 0);
    assert_float_equal(f[RP_F_PP_DAY_SHARE], 1, 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_views_only),
        cmocka_unit_test(test_repeat_counts_once),
        cmocka_unit_test(test_unknown_user),
        cmocka_unit_test(test_priors),
        cmocka_unit_test(test_day),
        cmocka_unit_test(test_v2_history),
        cmocka_unit_test(test_distinct_days_order),
    };

    return cmocka_run_group_tests_name("features", tests, NULL, NULL);
}
