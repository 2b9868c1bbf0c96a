/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_synth.c: the programs' behaviour model (lib/rp_synth.c), the one
 * generator behind "rp-train generate" and rp-produce.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_event.h"
#include "rp_synth.h"


static rp_synth_t *
gen_new(uint32_t users, uint32_t products, uint32_t days, uint64_t seed)
{
    char             err[RP_ERR_MAX];
    rp_synth_t        *g;
    rp_synth_params_t  p;

    rp_synth_params_default(&p);
    p.users = users;
    p.products = products;
    p.days = days;
    p.seed = seed;

    g = rp_synth_create(&p, err, sizeof(err));
    if (g == NULL) {
        fail_msg("rp_synth_create: %s", err);
    }
    return g;
}


/* The number after the prefix of an id like user_00042; 0 if malformed. */
static unsigned long
id_num(const char *id, size_t len, const char *prefix, size_t width)
{
    size_t         i, pl = strlen(prefix);
    unsigned long  v = 0;

    if (len != pl + width || memcmp(id, prefix, pl) != 0) {
        return 0;
    }
    for (i = pl; i < len; i++) {
        if (id[i] < '0' || id[i] > '9') {
            return 0;
        }
        v = v * 10 + (unsigned long) (id[i] - '0');
    }
    return v;
}


static int
same_event(const rp_event_t *a, const rp_event_t *b)
{
    return strcmp(a->event_id, b->event_id) == 0
           && strcmp(a->user_id, b->user_id) == 0
           && strcmp(a->product_id, b->product_id) == 0
           && a->event_id_len == b->event_id_len
           && a->user_id_len == b->user_id_len
           && a->product_id_len == b->product_id_len
           && a->type == b->type && a->amount_cents == b->amount_cents
           && a->ts == b->ts;
}


/* Same params, same events; another seed, other events. */
static void
test_synth_determinism(void **state)
{
    int          r1, r2, differ = 0;
    uint64_t     n = 0;
    rp_synth_t    *g1, *g2, *g3;
    rp_event_t   a, b, c;

    (void) state;
    g1 = gen_new(300, 120, 40, 7);
    g2 = gen_new(300, 120, 40, 7);
    g3 = gen_new(300, 120, 40, 8);

    for ( ;; ) {
        r1 = rp_synth_next(g1, &a);
        r2 = rp_synth_next(g2, &b);
        assert_int_equal(r1, r2);
        if (r1 == 0) {
            break;
        }
        assert_int_equal(r1, 1);
        assert_true(same_event(&a, &b));

        if (rp_synth_next(g3, &c) == 1 && !same_event(&a, &c)) {
            differ++;
        }
        n++;
    }

    assert_true(n > 1000);
    assert_true(differ > 0);

    /* over is over */
    assert_int_equal(rp_synth_next(g1, &a), 0);
    assert_int_equal(rp_synth_next(g1, &a), 0);

    rp_synth_destroy(g1);
    rp_synth_destroy(g2);
    rp_synth_destroy(g3);
}


/*
 * Time order, ranges, valid ids, types and amounts; every event survives
 * the CSV and JSON encodings; roughly the expected mix of event types.
 */
static void
test_synth_events(void **state)
{
    char             buf[1024], err[RP_ERR_MAX];
    int64_t          last_ts;
    uint64_t         n, count[3] = { 0, 0, 0 };
    unsigned long    u, p;
    rp_synth_t        *g;
    rp_event_t       ev, back;
    rp_synth_stats_t   st;
    const uint32_t   users = 500, products = 200, days = 60;
    const int64_t    start = RP_SYNTH_DEFAULT_START;

    (void) state;
    g = gen_new(users, products, days, 42);
    last_ts = start;
    n = 0;

    while (rp_synth_next(g, &ev) == 1) {
        n++;

        assert_true(ev.ts >= last_ts);
        assert_true(ev.ts < start + (int64_t) (days + 1) * 86400);
        last_ts = ev.ts;

        assert_true(rp_id_valid(ev.event_id, ev.event_id_len));
        assert_true(rp_id_valid(ev.user_id, ev.user_id_len));
        assert_true(rp_id_valid(ev.product_id, ev.product_id_len));
        assert_int_equal(strlen(ev.event_id), ev.event_id_len);
        assert_int_equal(strlen(ev.user_id), ev.user_id_len);
        assert_int_equal(strlen(ev.product_id), ev.product_id_len);

        /* ev_0000000001, ev_0000000002, ...: unique and in order */
        assert_int_equal(id_num(ev.event_id, ev.event_id_len, "ev_", 10), n);
        u = id_num(ev.user_id, ev.user_id_len, "user_", 5);
        p = id_num(ev.product_id, ev.product_id_len, "prod_", 4);
        assert_true(u >= 1 && u <= users);
        assert_true(p >= 1 && p <= products);

        assert_true(ev.type == RP_EVENT_VIEW
                    || ev.type == RP_EVENT_ADD_TO_CART
                    || ev.type == RP_EVENT_PURCHASE);
        count[ev.type]++;
        assert_true(ev.amount_cents > 0);
        assert_true(ev.amount_cents <= (int64_t) (RP_AMOUNT_MAX * 100));
        assert_int_equal(ev.amount_cents % 100, 99);     /* x.99 prices */

        assert_true(rp_event_to_json(&ev, buf, sizeof(buf)) > 0);
        assert_int_equal(rp_event_from_json(buf, strlen(buf), &back, err,
                                            sizeof(err)), 0);
        assert_true(same_event(&ev, &back));

        assert_true(rp_event_to_csv(&ev, buf, sizeof(buf)) > 0);
        buf[strcspn(buf, "\n")] = '\0';
        assert_int_equal(rp_event_from_csv(buf, strlen(buf), &back, err,
                                           sizeof(err)), 0);
        assert_true(same_event(&ev, &back));
    }

    rp_synth_stats(g, &st);
    assert_int_equal(st.events, n);
    assert_int_equal(st.purchases, count[RP_EVENT_PURCHASE]);
    assert_int_equal(st.days_done, days);
    assert_int_equal(st.days, days);
    assert_int_equal(st.users, users);
    assert_int_equal(st.products, products);

    /* about 2/3 views, 1/5 carts, 1/9 purchases */
    assert_true(n > 5000);
    assert_true(count[RP_EVENT_PURCHASE] > 0);
    assert_true(count[RP_EVENT_VIEW] > n / 2
                && count[RP_EVENT_VIEW] < n * 8 / 10);
    assert_true(count[RP_EVENT_ADD_TO_CART] > n / 10
                && count[RP_EVENT_ADD_TO_CART] < n * 3 / 10);
    assert_true(count[RP_EVENT_PURCHASE] > n / 20
                && count[RP_EVENT_PURCHASE] < n / 5);
    assert_true(count[RP_EVENT_VIEW] > count[RP_EVENT_ADD_TO_CART]);
    assert_true(count[RP_EVENT_ADD_TO_CART] > count[RP_EVENT_PURCHASE]);

    rp_synth_destroy(g);
}


/* Repeat purchases exist: the point of the model. */
static void
test_synth_repeat_purchases(void **state)
{
    char           seen[20000];
    uint64_t       repeats = 0;
    unsigned long  u, p;
    rp_synth_t      *g;
    rp_event_t     ev;

    (void) state;
    memset(seen, 0, sizeof(seen));
    g = gen_new(100, 200, 120, 3);

    while (rp_synth_next(g, &ev) == 1) {
        if (ev.type != RP_EVENT_PURCHASE) {
            continue;
        }
        u = id_num(ev.user_id, ev.user_id_len, "user_", 5);
        p = id_num(ev.product_id, ev.product_id_len, "prod_", 4);
        assert_true(u >= 1 && u <= 100 && p >= 1 && p <= 200);
        repeats += seen[(u - 1) * 200 + (p - 1)]++ > 0;
    }

    assert_true(repeats > 10);
    rp_synth_destroy(g);
}


/* The MVP's ids, wider only when needed. */
static void
test_synth_id_width(void **state)
{
    rp_synth_t    *g;
    rp_event_t   ev;

    (void) state;
    g = gen_new(123456, 12345, 3, 1);
    assert_int_equal(rp_synth_next(g, &ev), 1);
    assert_int_equal(ev.user_id_len, strlen("user_") + 6);
    assert_int_equal(ev.product_id_len, strlen("prod_") + 5);
    assert_true(id_num(ev.user_id, ev.user_id_len, "user_", 6) >= 1);
    assert_true(id_num(ev.product_id, ev.product_id_len, "prod_", 5) >= 1);
    rp_synth_destroy(g);

    g = gen_new(1, 1, 30, 1);
    while (rp_synth_next(g, &ev) == 1) {
        assert_string_equal(ev.user_id, "user_00001");
        assert_string_equal(ev.product_id, "prod_0001");
    }
    rp_synth_destroy(g);
}


/*
 * rp-train generate's defaults give the file the project has always had:
 * its first and last rows and its size (a change here changes every
 * generated data set, and must be deliberate).
 */
static void
test_synth_golden(void **state)
{
    char             buf[1024];
    uint64_t         n = 0;
    rp_synth_t        *g;
    rp_event_t       ev;
    rp_synth_stats_t   st;

    (void) state;
    g = gen_new(RP_SYNTH_DEFAULT_USERS, RP_SYNTH_DEFAULT_PRODUCTS,
                RP_SYNTH_DEFAULT_DAYS, RP_SYNTH_DEFAULT_SEED);

    while (rp_synth_next(g, &ev) == 1) {
        assert_true(rp_event_to_csv(&ev, buf, sizeof(buf)) > 0);
        if (++n == 1) {
            assert_string_equal(buf, "ev_0000000001,user_00986,prod_0089,"
                                "view,18.99,2025-01-01T08:46:21Z\n");
        }
    }

    assert_string_equal(buf, "ev_0000044789,user_00204,prod_0070,purchase,"
                        "40.99,2025-06-29T21:56:40Z\n");
    assert_int_equal(n, 44789);
    rp_synth_stats(g, &st);
    assert_true(st.purchases > 0);
    rp_synth_destroy(g);
}


typedef struct {
    uint32_t  calls;
    uint32_t  last_day;
    uint64_t  last_events;
} progress_t;


static void
on_progress(const rp_synth_stats_t *st, void *data)
{
    progress_t  *pr = data;

    pr->calls++;
    assert_int_equal(st->days_done, pr->last_day + 1);
    assert_true(st->events >= pr->last_events);
    pr->last_day = st->days_done;
    pr->last_events = st->events;
}


/* One progress call per simulated day, after its last event. */
static void
test_synth_progress(void **state)
{
    char             err[RP_ERR_MAX];
    uint64_t         n = 0;
    rp_synth_t        *g;
    rp_event_t       ev;
    progress_t       pr;
    rp_synth_params_t  p;

    (void) state;
    memset(&pr, 0, sizeof(pr));
    rp_synth_params_default(&p);
    p.users = 200;
    p.products = 50;
    p.days = 25;
    p.progress = on_progress;
    p.progress_data = &pr;

    g = rp_synth_create(&p, err, sizeof(err));
    assert_non_null(g);
    while (rp_synth_next(g, &ev) == 1) {
        n++;
    }
    assert_int_equal(rp_synth_next(g, &ev), 0);

    assert_int_equal(pr.calls, 25);
    assert_int_equal(pr.last_day, 25);
    assert_int_equal(pr.last_events, n);
    rp_synth_destroy(g);
}


static void
test_synth_bad_params(void **state)
{
    char             err[RP_ERR_MAX];
    rp_synth_params_t  p;

    (void) state;

#define BAD(field, value)                                                    \
    rp_synth_params_default(&p);                                               \
    p.field = value;                                                         \
    err[0] = '\0';                                                           \
    assert_null(rp_synth_create(&p, err, sizeof(err)));                        \
    assert_true(strlen(err) > 0);

    BAD(users, 0)
    BAD(users, RP_SYNTH_USERS_MAX + 1)
    BAD(products, 0)
    BAD(days, 0)
    BAD(days, RP_SYNTH_DAYS_MAX + 1)
    BAD(start, -1)
    BAD(start, RP_TIME_MAX)

    rp_synth_destroy(NULL);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synth_determinism),
        cmocka_unit_test(test_synth_events),
        cmocka_unit_test(test_synth_repeat_purchases),
        cmocka_unit_test(test_synth_id_width),
        cmocka_unit_test(test_synth_golden),
        cmocka_unit_test(test_synth_progress),
        cmocka_unit_test(test_synth_bad_params),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
