/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_store.c: key layout, command vectors and reply parsing (no Redis;
 * tests/test_store_redis.c runs the script against a real server).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rp_store.h"
#include "store_cases.h"


static void
test_user_key(void **state)
{
    char  buf[64];

    (void) state;
    assert_int_equal(rp_store_user_key("user_1", 6, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "rp:{user_1}");
    assert_int_equal(rp_store_user_key("user_1", 6, buf, 11), 0);
}


static void
test_read_cmd(void **state)
{
    rp_store_cmd_t  c;
    char            big[200];

    (void) state;
    assert_int_equal(rp_store_read_cmd(&c, "u1", 2, "p9", 2), 0);
    assert_int_equal(c.argc, 2 + RP_STORE_READ_FIELDS);
    assert_string_equal(c.argv[0], "HMGET");
    assert_string_equal(c.argv[1], "rp:{u1}");
    assert_string_equal(c.argv[2], "u");
    assert_string_equal(c.argv[3], "b");
    assert_string_equal(c.argv[4], "p:p9");
    assert_int_equal(c.argvlen[4], 4);

    assert_int_equal(rp_store_read_cmd(&c, "u1", 2, NULL, 0), 0);
    assert_int_equal(c.argc, 2 + RP_STORE_USER_FIELDS);

    memset(big, 'x', sizeof(big));
    assert_int_equal(rp_store_read_cmd(&c, big, 128, big, 128), 0);
    assert_int_equal(c.argvlen[1], 133);
    assert_int_equal(rp_store_read_cmd(&c, big, 129, "p", 1), -1);
    assert_int_equal(rp_store_read_cmd(&c, "", 0, "p", 1), -1);
    assert_int_equal(rp_store_read_cmd(&c, "u", 1, "p\n", 2), -1);
}


static void
test_update_cmd(void **state)
{
    static rp_store_update_t  c;
    rp_event_t                e, e2, other;
    rp_store_pos_t            w, w2, bad;
    const rp_event_t         *evs[RP_STORE_GROUP_MAX + 1];
    const rp_store_pos_t     *at[RP_STORE_GROUP_MAX + 1];
    char                      sha[41], tok[RP_STORE_SOURCE_LEN + 1];
    int                       i;

    (void) state;
    memset(&e, 0, sizeof(e));
    strcpy(e.event_id, "ev-1");   e.event_id_len = 4;
    strcpy(e.user_id, "u1");      e.user_id_len = 2;
    strcpy(e.product_id, "p2");   e.product_id_len = 2;
    e.type = RP_EVENT_PURCHASE;
    e.amount_cents = 1999;
    e.ts = 1700000000;
    evs[0] = &e;

    /* a source's token: the top 48 bits of FNV-1a 64 of its name
     * (computed independently: Python, h ^= byte; h *= 0x100000001b3) */
    rp_store_source("kafka:events:3", 14, tok);
    assert_string_equal(tok, "583300a92e3d");
    rp_store_source("kafka:events:4", 14, w2.src);
    assert_string_not_equal(tok, w2.src);
    memcpy(w.src, tok, sizeof(w.src));
    w.pos = 123456789012LL;
    at[0] = &w;

    snprintf(sha, sizeof(sha), "%040d", 7);   /* any script name */
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 3600, sha), 0);
    assert_int_equal(c.argc, 11);
    assert_string_equal(c.argv[0], "EVALSHA");
    assert_string_equal(c.argv[1], sha);
    assert_string_equal(c.argv[2], "1");
    assert_string_equal(c.argv[3], "rp:{u1}");
    assert_string_equal(c.argv[4], "3600");
    assert_string_equal(c.argv[5], "583300a92e3d");
    assert_string_equal(c.argv[6], "123456789012");
    assert_string_equal(c.argv[7], "2");
    assert_string_equal(c.argv[8], "1999");
    assert_string_equal(c.argv[9], "1700000000");
    assert_string_equal(c.argv[10], "p2");

    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 0, NULL), 0);
    assert_string_equal(c.argv[0], "EVAL");
    assert_ptr_equal(c.argv[1], RP_STORE_UPDATE_LUA);
    assert_string_equal(c.argv[4], "0");

    /* a group: 6 arguments per event after the ttl */
    e2 = e;
    strcpy(e2.event_id, "ev-2");
    strcpy(e2.product_id, "a-much-longer-product-id"); e2.product_id_len = 24;
    e2.type = RP_EVENT_VIEW;
    e2.amount_cents = 0;
    evs[1] = &e2;
    w2.pos = 0;
    at[1] = &w2;
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 2, 60, sha), 0);
    assert_int_equal(c.argc, 17);
    assert_string_equal(c.argv[11], w2.src);
    assert_string_equal(c.argv[12], "0");
    assert_string_equal(c.argv[13], "0");
    assert_string_equal(c.argv[14], "0");
    assert_string_equal(c.argv[16], "a-much-longer-product-id");

    /* the largest group, with the longest ids and positions, fits */
    memset(e2.product_id, 'x', RP_ID_MAX);
    e2.product_id[RP_ID_MAX] = '\0';
    e2.product_id_len = RP_ID_MAX;
    e2.amount_cents = (int64_t) (RP_AMOUNT_MAX * 100);
    e2.ts = RP_TIME_MAX;
    w2.pos = INT64_MAX;
    for (i = 0; i < RP_STORE_GROUP_MAX + 1; i++) {
        evs[i] = &e2;
        at[i] = &w2;
    }
    assert_int_equal(rp_store_update_cmd(&c, evs, at, RP_STORE_GROUP_MAX, 60,
                                         NULL), 0);
    assert_int_equal(c.argc, 5 + 6 * RP_STORE_GROUP_MAX);
    assert_int_equal(c.argvlen[c.argc - 1], RP_ID_MAX);
    assert_string_equal(c.argv[c.argc - 5], "9223372036854775807");
    assert_int_equal(rp_store_update_cmd(&c, evs, at, RP_STORE_GROUP_MAX + 1,
                                         60, sha), -1);
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 0, 60, sha), -1);

    /* one user per command */
    other = e;
    strcpy(other.user_id, "u2");
    evs[0] = &e;
    evs[1] = &other;
    at[0] = &w;
    at[1] = &w;
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 2, 60, sha), -1);

    /* a position below 0, a source that is not a token */
    bad = w;
    bad.pos = -1;
    at[0] = &bad;
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 60, sha), -1);
    bad = w;
    bad.src[3] = 'G';
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 60, sha), -1);
    bad.src[3] = '\0';
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 60, sha), -1);
    at[0] = &w;

    evs[1] = &e;
    e.amount_cents = -1;
    assert_int_equal(rp_store_event_valid(&e), -1);
    e.amount_cents = (int64_t) (RP_AMOUNT_MAX * 100) + 1;
    assert_int_equal(rp_store_event_valid(&e), -1);
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 0, sha), -1);
    e.amount_cents = 1;
    e.user_id_len = 0;
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, 0, sha), -1);
    e.user_id_len = 2;
    assert_int_equal(rp_store_update_cmd(&c, evs, at, 1, -1, sha), -1);
}


static void
test_plan(void **state)
{
    enum { N = 300 };
    static rp_event_t   ev[N];
    const rp_event_t   *evs[N];
    uint32_t            order[N], ends[N], seen[N];
    uint32_t           *work;
    size_t              nc, c, i, from;
    int                 users[N], u;


    (void) state;
    /* user 0: 62 events (2 commands), users 1..9 the rest, interleaved */
    for (i = 0; i < N; i++) {
        u = i % 4 == 0 || i < 40 ? 0 : (int) (i % 9) + 1;
        if (i >= 100 && i % 4 == 0) {
            u = (int) (i % 9) + 1;
        }
        users[i] = u;
        memset(&ev[i], 0, sizeof(ev[i]));
        ev[i].user_id_len = (size_t) sprintf(ev[i].user_id, "user %d", u);
        evs[i] = &ev[i];
    }

    work = malloc(rp_store_plan_words(N) * sizeof(uint32_t));
    assert_non_null(work);
    nc = rp_store_plan(evs, N, RP_STORE_GROUP_MAX, order, ends, work);

    memset(seen, 0, sizeof(seen));
    for (c = 0, from = 0; c < nc; c++) {
        assert_true(ends[c] > from);
        assert_true(ends[c] - from <= RP_STORE_GROUP_MAX);
        for (i = from; i < ends[c]; i++) {
            seen[order[i]]++;
            /* one user per command, batch order inside it */
            assert_int_equal(users[order[i]], users[order[from]]);
            if (i > from) {
                assert_true(order[i] > order[i - 1]);
            }
        }
        /* users in order of first appearance: user 0 first */
        if (c == 0) {
            assert_int_equal(users[order[0]], 0);
        }
        from = ends[c];
    }
    assert_int_equal(from, N);
    for (i = 0; i < N; i++) {
        assert_int_equal(seen[i], 1);
    }
    /* commands: each user's count rounded up to whole groups */
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < N; i++) {
        seen[users[i]]++;
    }
    for (i = 0, from = 0; i < N; i++) {
        from += (seen[i] + RP_STORE_GROUP_MAX - 1) / RP_STORE_GROUP_MAX;
    }
    assert_true(seen[0] > RP_STORE_GROUP_MAX);
    assert_int_equal(nc, from);

    assert_int_equal(rp_store_plan(evs, 0, 1, order, ends, work), 0);

    /* one event per command */
    assert_int_equal(rp_store_plan(evs, N, 1, order, ends, work), N);
    for (i = 0; i < N; i++) {
        assert_int_equal(ends[i], i + 1);
    }
    free(work);
}


static void
test_script_load_cmd(void **state)
{
    rp_store_cmd_t  c;

    (void) state;
    rp_store_script_load_cmd(&c);
    assert_int_equal(c.argc, 3);
    assert_string_equal(c.argv[0], "SCRIPT");
    assert_string_equal(c.argv[1], "LOAD");
    assert_ptr_equal(c.argv[2], RP_STORE_UPDATE_LUA);
    assert_int_equal(c.argvlen[2], strlen(RP_STORE_UPDATE_LUA));
}


static void
set_vals(rp_store_val_t *v, const char *pair)
{
    size_t  i;

    for (i = 0; i < RP_STORE_USER_FIELDS; i++) {
        v[i].str = good_user[i];
        v[i].len = strlen(good_user[i]);
    }
    v[i].str = pair;
    v[i].len = pair ? strlen(pair) : 0;
}


static void
test_parse_read(void **state)
{
    rp_store_val_t   v[RP_STORE_READ_FIELDS];
    rp_user_state_t  u;
    rp_pair_state_t  p;
    int              found;
    char             err[RP_ERR_MAX];
    size_t           i;

    (void) state;
    set_vals(v, good_pair);
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_true(found);
    assert_int_equal(u.event_count, 8);
    assert_int_equal(u.amount_sum, 7200);
    assert_int_equal(u.amount_min, 400);
    assert_int_equal(u.amount_max, 1200);
    assert_int_equal(u.view_count, 3);
    assert_int_equal(u.purchase_count, 4);
    assert_int_equal(u.purchase_sum, 3800);
    assert_int_equal(u.last_purchase, 7776000);
    assert_int_equal(u.first_day, 11);
    assert_int_equal(u.ndays, 4);
    assert_int_equal(u.nproducts, 2);
    assert_int_equal(u.repeat_products, 1);
    assert_int_equal(p.views, 2);
    assert_int_equal(p.purchases, 3);
    assert_int_equal(p.first_day, 11);
    assert_int_equal(p.last_day, 90);
    assert_int_equal(p.ndays, 3);
    assert_int_equal(p.amount, 3400);

    /* a nil pair: zero counts; the user fields only */
    set_vals(v, NULL);
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_int_equal(p.views, 0);
    assert_int_equal(p.purchases, 0);
    assert_int_equal(rp_store_parse_read(v, 2, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_true(found);

    /* views only: the short form */
    set_vals(v, "3");
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_int_equal(p.views, 3);
    assert_int_equal(p.purchases, 0);

    /* a user without purchases: no field b */
    set_vals(v, "2");
    v[1].str = NULL;
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_true(found);
    assert_int_equal(u.purchase_count, 0);
    assert_int_equal(u.event_count, 8);
    assert_int_equal(p.views, 2);

    /* unknown user: all nil */
    for (i = 0; i < RP_STORE_READ_FIELDS; i++) {
        v[i].str = NULL;
    }
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), 0);
    assert_false(found);

    /* a product without its user */
    v[2].str = "2";  v[2].len = 1;
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), -1);
    assert_non_null(strstr(err, "without user"));

    assert_int_equal(rp_store_parse_read(v, 5, &u, &p, &found, err,
                                         sizeof(err)), -1);
    assert_int_equal(rp_store_parse_read(v, 1, &u, &p, &found, err,
                                         sizeof(err)), -1);
}


/* Every corrupt case is refused, and names the field when one does not
 * parse. */
static void
test_parse_corrupt(void **state)
{
    rp_store_val_t   v[RP_STORE_READ_FIELDS];
    rp_user_state_t  u;
    rp_pair_state_t  p;
    int              found;
    char             err[RP_ERR_MAX];
    size_t           c;

    (void) state;
    for (c = 0; c < NCORRUPT; c++) {
        set_vals(v, good_pair);
        v[corrupt_cases[c].field].str = corrupt_cases[c].value;
        v[corrupt_cases[c].field].len = corrupt_cases[c].value
                                        ? strlen(corrupt_cases[c].value) : 0;
        err[0] = '\0';
        if (rp_store_parse_read(v, 3, &u, &p, &found, err, sizeof(err))
            != -1)
        {
            fail_msg("case %zu (field %d = \"%s\") was accepted", c,
                     corrupt_cases[c].field,
                     corrupt_cases[c].value ? corrupt_cases[c].value : "nil");
        }
        assert_true(err[0] != '\0');
    }

    set_vals(v, good_pair);
    v[0].str = "12abc";
    v[0].len = 5;
    assert_int_equal(rp_store_parse_read(v, 3, &u, &p, &found, err,
                                         sizeof(err)), -1);
    assert_non_null(strstr(err, "\"u\""));
}


static void
test_key_slot(void **state)
{
    /* the slots a real Redis Cluster node answers to CLUSTER KEYSLOT */
    static const struct { const char *key; unsigned slot; }  v[] = {
        { "foo", 12182 },
        { "{user1000}.following", 3443 },
        { "rp:{u1}", 4574 },
        { "rp:{}x", 15995 },
        { "a{b", 13340 },
        { "rp:{{x}}", 11068 },
        { "123456789", 12739 },
        { "rp:{u}}z", 11826 },
        { "rp:{user_00001}", 2360 },
        { "a{}", 6082 },
        { "{", 4092 },
        { "}", 12090 },
        { "", 0 },
    };
    size_t  i;

    (void) state;

    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        assert_int_equal(rp_store_key_slot(v[i].key, strlen(v[i].key)),
                         v[i].slot);
    }

    /* the tag is what counts: every key of one user is in one slot */
    assert_int_equal(rp_store_key_slot("rp:{u1}", 7),
                     rp_store_key_slot("x{u1}y", 6));
}


static void
test_pair_format(void **state)
{
    rp_pair_state_t  p, q;
    char             buf[96];
    size_t           n;

    (void) state;
    rp_pair_state_init(&p);
    p.views = 7;
    n = rp_store_format_pair(&p, buf, sizeof(buf));
    assert_string_equal(buf, "7");
    assert_int_equal(n, 1);
    assert_int_equal(rp_store_parse_pair(buf, n, &q), 0);
    assert_memory_equal(&p, &q, sizeof(p));

    p.purchases = 4;
    p.first_day = 20000;
    p.last_day = 20045;
    p.ndays = 3;
    p.amount = 123456;
    n = rp_store_format_pair(&p, buf, sizeof(buf));
    assert_string_equal(buf, "7,4,20000,45,3,123456");
    assert_int_equal(rp_store_parse_pair(buf, n, &q), 0);
    assert_memory_equal(&p, &q, sizeof(p));
    assert_int_equal(rp_store_format_pair(&p, buf, 5), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_key),
        cmocka_unit_test(test_read_cmd),
        cmocka_unit_test(test_update_cmd),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_script_load_cmd),
        cmocka_unit_test(test_parse_read),
        cmocka_unit_test(test_parse_corrupt),
        cmocka_unit_test(test_pair_format),
        cmocka_unit_test(test_key_slot),
    };

    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
