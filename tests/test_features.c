/*
 * test_features.c: the 14 features on hand-computed histories.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

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


static void
test_table(void **state)
{
    int  i;

    (void) state;
    assert_int_equal(RP_NFEATURES, 14);
    for (i = 0; i < RP_NFEATURES; i++) {
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
    rp_pair_state_t  a = { 0, 0 }, b = { 0, 0 };
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

    /* apply in reverse order: the state must not depend on order */
    rp_user_state_init(&u);
    for (i = 7; i >= 0; i--) {
        rp_state_apply(&u, e[i].product_id[0] == 'A' ? &a : &b, &e[i]);
    }

    rp_features_compute(&u, &a, 100 * DAY, f);

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
    rp_features_compute(&u, &b, 100 * DAY, f);
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 1, 0);
    assert_float_equal(f[RP_F_PRODUCT_PURCHASE_COUNT], 1, 0);

    /* a product never touched */
    rp_features_compute(&u, NULL, 100 * DAY, f);
    assert_float_equal(f[RP_F_PRODUCT_VIEW_COUNT], 0, 0);
    assert_float_equal(f[RP_F_PRODUCT_PURCHASE_COUNT], 0, 0);

    /* half a day later */
    rp_features_compute(&u, &a, 100 * DAY + DAY / 2, f);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], 10.5, 1e-6);

    /* now before the last purchase: clamped at 0 */
    rp_features_compute(&u, &a, 80 * DAY, f);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], 0, 0);
}


static void
test_views_only(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  p = { 0, 0 };
    rp_event_t       e;
    float            f[RP_NFEATURES];

    (void) state;
    rp_user_state_init(&u);
    e = ev("A", RP_EVENT_VIEW, 250, DAY);
    rp_state_apply(&u, &p, &e);
    e = ev("A", RP_EVENT_VIEW, 750, 2 * DAY);
    rp_state_apply(&u, &p, &e);

    rp_features_compute(&u, &p, 3 * DAY, f);
    assert_float_equal(f[RP_F_PURCHASE_COUNT], 0, 0);
    assert_float_equal(f[RP_F_AVG_TRANSACTION_AMOUNT], 0, 0);
    assert_float_equal(f[RP_F_VIEW_TO_PURCHASE_RATIO], 2, 0);
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], RP_DAYS_NEVER, 0);
    assert_float_equal(f[RP_F_AMOUNT_MEAN], 5.0, 1e-6);
    assert_float_equal(f[RP_F_AMOUNT_MIN], 2.5, 1e-6);
}


static void
test_repeat_counts_once(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  p = { 0, 0 };
    rp_event_t       e;
    int              i;

    (void) state;
    rp_user_state_init(&u);
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
    rp_features_compute(NULL, NULL, 1000, f);
    for (i = 0; i < RP_NFEATURES; i++) {
        assert_float_equal(f[i], rp_features[i].unknown_default, 0);
    }
    assert_float_equal(f[RP_F_DAYS_SINCE_LAST_PURCHASE], RP_DAYS_NEVER, 0);
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
    };

    return cmocka_run_group_tests_name("features", tests, NULL, NULL);
}
