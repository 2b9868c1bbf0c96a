/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_event.c: the event record's parsers and encoders.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "rp_event.h"


static int
csv(const char *text, rp_event_t *ev, char *err)
{
    char  line[1024];

    snprintf(line, sizeof(line), "%s", text);
    return rp_event_from_csv(line, strlen(line), ev, err, RP_ERR_MAX);
}


static void
test_time_parse(void **state)
{
    int64_t  t;

    assert_int_equal(rp_time_parse("1970-01-01T00:00:00Z", 20, &t), 0);
    assert_int_equal(t, 0);
    assert_int_equal(rp_time_parse("2024-03-01T12:34:56Z", 20, &t), 0);
    assert_int_equal(t, 1709296496);
    assert_int_equal(rp_time_parse("2024-03-01 12:34:56", 19, &t), 0);
    assert_int_equal(t, 1709296496);
    assert_int_equal(rp_time_parse("2024-03-01T12:34:56.123456Z", 27, &t), 0);
    assert_int_equal(t, 1709296496);
    assert_int_equal(rp_time_parse("2024-03-01T14:34:56+02:00", 25, &t), 0);
    assert_int_equal(t, 1709296496);
    assert_int_equal(rp_time_parse("2024-03-01", 10, &t), 0);
    assert_int_equal(t, 1709251200);
    assert_int_equal(rp_time_parse("2024-02-29T00:00:00Z", 20, &t), 0);
    assert_int_equal(rp_time_parse("1709296496", 10, &t), 0);
    assert_int_equal(t, 1709296496);
    assert_int_equal(rp_time_parse("1709296496.75", 13, &t), 0);
    assert_int_equal(t, 1709296496);

    assert_int_equal(rp_time_parse("2023-02-29T00:00:00Z", 20, &t), -1);
    assert_int_equal(rp_time_parse("2024-13-01T00:00:00Z", 20, &t), -1);
    assert_int_equal(rp_time_parse("2024-03-01T24:00:00Z", 20, &t), -1);
    assert_int_equal(rp_time_parse("2024-03-01T12:34", 16, &t), -1);
    assert_int_equal(rp_time_parse("2024-03-01T12:34:56Zjunk", 24, &t), -1);
    assert_int_equal(rp_time_parse("yesterday", 9, &t), -1);
    assert_int_equal(rp_time_parse("", 0, &t), -1);
    assert_int_equal(rp_time_parse("-5", 2, &t), -1);
    assert_int_equal(rp_time_parse("12.", 3, &t), -1);
    assert_int_equal(rp_time_parse("99999999999999999999", 20, &t), -1);
    assert_int_equal(rp_time_parse("253402300800", 12, &t), -1);
    assert_int_equal(rp_time_parse("253402300799", 12, &t), 0);
}


static void
test_time_roundtrip(void **state)
{
    char     buf[32];
    int64_t  t, back;

    for (t = 0; t < 4102444800LL; t += 86400 * 37 + 3599) {
        assert_int_equal(rp_time_format(t, buf, sizeof(buf)), 20);
        assert_int_equal(rp_time_parse(buf, 20, &back), 0);
        assert_int_equal(back, t);
    }
    assert_int_equal(rp_time_format(0, buf, 10), 0);
}


static void
test_time_civil(void **state)
{
    struct tm   tm;
    rp_civil_t  c;
    time_t      tt;
    int64_t     t;

    (void) state;
    /* against libc's gmtime_r, across 400 years of leap rules */
    for (t = 0; t < 12622780800LL; t += 86400 * 3 + 7919) {
        tt = (time_t) t;
        gmtime_r(&tt, &tm);
        rp_time_civil(t, &c);
        assert_int_equal(c.year, tm.tm_year + 1900);
        assert_int_equal(c.month, tm.tm_mon + 1);
        assert_int_equal(c.mday, tm.tm_mday);
        assert_int_equal(c.wday, tm.tm_wday);
        assert_int_equal(c.yday, tm.tm_yday);
        assert_int_equal(c.hour, tm.tm_hour);
        assert_int_equal(c.min, tm.tm_min);
        assert_int_equal(c.sec, tm.tm_sec);
    }
}


static void
test_amount(void **state)
{
    int64_t  c;

    assert_int_equal(rp_amount_parse("19.99", 5, &c), 0);
    assert_int_equal(c, 1999);
    assert_int_equal(rp_amount_parse("0", 1, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rp_amount_parse("1e3", 3, &c), 0);
    assert_int_equal(c, 100000);
    assert_int_equal(rp_amount_parse("-1", 2, &c), -1);
    assert_int_equal(rp_amount_parse("nan", 3, &c), -1);
    assert_int_equal(rp_amount_parse("inf", 3, &c), -1);
    assert_int_equal(rp_amount_parse("0x10", 4, &c), -1);
    assert_int_equal(rp_amount_parse("1e400", 5, &c), -1);
    assert_int_equal(rp_amount_parse("", 0, &c), -1);
    assert_int_equal(rp_amount_parse("12 ", 3, &c), -1);
}


static void
test_ids(void **state)
{
    char  id[200];

    memset(id, 'a', sizeof(id));
    assert_true(rp_id_valid("user_00001", 10));
    assert_true(rp_id_valid("with space", 10));
    assert_true(rp_id_valid(id, 128));
    assert_false(rp_id_valid(id, 129));
    assert_false(rp_id_valid("", 0));
    assert_false(rp_id_valid("a\nb", 3));
    assert_false(rp_id_valid("a\x7f", 2));
    assert_false(rp_id_valid("caf\xc3\xa9", 5));
}


static void
test_csv_split(void **state)
{
    char    line[128], *f[8];
    size_t  l[8];

    strcpy(line, "a,\"b,c\",\"d\"\"e\",,f\r");
    assert_int_equal(rp_csv_split(line, strlen(line), f, l, 8), 5);
    assert_memory_equal(f[1], "b,c", 3);
    assert_int_equal(l[1], 3);
    assert_memory_equal(f[2], "d\"e", 3);
    assert_int_equal(l[3], 0);
    assert_int_equal(l[4], 1);

    strcpy(line, "a,\"unterminated");
    assert_int_equal(rp_csv_split(line, strlen(line), f, l, 8), -1);
    strcpy(line, "a,\"x\"y");
    assert_int_equal(rp_csv_split(line, strlen(line), f, l, 8), -1);
    strcpy(line, "a,b\"c");
    assert_int_equal(rp_csv_split(line, strlen(line), f, l, 8), -1);
    strcpy(line, "1,2,3");
    assert_int_equal(rp_csv_split(line, strlen(line), f, l, 2), -1);
}


static void
test_csv_event(void **state)
{
    rp_event_t  ev, back;
    char        err[RP_ERR_MAX], out[1024];
    size_t      n;

    assert_int_equal(csv("e1,user_1,prod_1,purchase,19.99,2024-03-01T12:00:00Z",
                         &ev, err), 0);
    assert_string_equal(ev.user_id, "user_1");
    assert_int_equal(ev.user_id_len, 6);
    assert_int_equal(ev.type, RP_EVENT_PURCHASE);
    assert_int_equal(ev.amount_cents, 1999);
    assert_int_equal(ev.ts, 1709294400);

    n = rp_event_to_csv(&ev, out, sizeof(out));
    assert_string_equal(out,
        "e1,user_1,prod_1,purchase,19.99,2024-03-01T12:00:00Z\n");
    assert_int_equal(rp_event_from_csv(out, n - 1, &back, err, sizeof(err)), 0);
    assert_int_equal(back.amount_cents, ev.amount_cents);

    /* an id with a comma and a quote survives the round trip */
    strcpy(ev.product_id, "p,\"x\"");
    ev.product_id_len = 5;
    n = rp_event_to_csv(&ev, out, sizeof(out));
    assert_int_equal(rp_event_from_csv(out, n - 1, &back, err, sizeof(err)), 0);
    assert_string_equal(back.product_id, "p,\"x\"");
    assert_int_equal(rp_event_to_csv(&ev, out, 20), 0);

    assert_int_equal(csv("e1,u,p,refund,1,2024-03-01", &ev, err), -1);
    assert_string_equal(err, "unknown event_type");
    assert_int_equal(csv("e1,u,p,view,-3,2024-03-01", &ev, err), -1);
    assert_non_null(strstr(err, "amount"));
    assert_int_equal(csv("e1,u,p,view,3,someday", &ev, err), -1);
    assert_non_null(strstr(err, "timestamp"));
    assert_int_equal(csv("e1,,p,view,3,2024-03-01", &ev, err), -1);
    assert_string_equal(err, "user_id is empty");
    assert_int_equal(csv("e1,u,p,view,3", &ev, err), -1);
    assert_string_equal(err, "expected 6 fields, found 5");
    assert_int_equal(csv("e1,u\x01,p,view,3,2024-03-01", &ev, err), -1);
    assert_non_null(strstr(err, "non-printable"));
}


static void
test_json_event(void **state)
{
    rp_event_t   ev, back;
    char         err[RP_ERR_MAX], out[1024];
    const char  *ok = "{\"event_id\":\"e9\",\"user_id\":\"u\\\"1\","
                      "\"product_id\":\"p1\",\"event_type\":\"view\","
                      "\"amount\":5.5,\"timestamp\":1700000000} \n";
    size_t       n;

    assert_int_equal(rp_event_from_json(ok, strlen(ok), &ev, err, sizeof(err)), 0);
    assert_string_equal(ev.user_id, "u\"1");
    assert_int_equal(ev.amount_cents, 550);
    assert_int_equal(ev.ts, 1700000000);

    n = rp_event_to_json(&ev, out, sizeof(out));
    assert_true(n > 0);
    assert_int_equal(rp_event_from_json(out, n, &back, err, sizeof(err)), 0);
    assert_string_equal(back.user_id, ev.user_id);
    assert_int_equal(back.ts, ev.ts);
    assert_int_equal(back.amount_cents, ev.amount_cents);
    assert_int_equal(rp_event_to_json(&ev, out, 30), 0);

#define BAD(js, msg) do {                                                   \
        const char *s_ = js;                                                \
        assert_int_equal(rp_event_from_json(s_, strlen(s_), &ev, err,       \
                                            sizeof(err)), -1);              \
        assert_non_null(strstr(err, msg));                                  \
    } while (0)

    BAD("{", "invalid JSON");
    BAD("[1]", "not a JSON object");
    BAD("{} {}", "trailing");
    BAD("{\"user_id\":\"u\",\"product_id\":\"p\"}", "missing field \"event_id\"");
    BAD("{\"event_id\":1,\"user_id\":\"u\",\"product_id\":\"p\"}", "not a string");
    BAD("{\"event_id\":\"e\",\"user_id\":\"u\",\"product_id\":\"p\","
        "\"event_type\":\"x\",\"amount\":1,\"timestamp\":1}", "event_type");
    BAD("{\"event_id\":\"e\",\"user_id\":\"u\",\"product_id\":\"p\","
        "\"event_type\":\"view\",\"amount\":-1,\"timestamp\":1}", "amount");
    BAD("{\"event_id\":\"e\",\"user_id\":\"u\",\"product_id\":\"p\","
        "\"event_type\":\"view\",\"amount\":true,\"timestamp\":1}", "amount");
    BAD("{\"event_id\":\"e\",\"user_id\":\"u\",\"product_id\":\"p\","
        "\"event_type\":\"view\",\"amount\":1,\"timestamp\":-1}", "timestamp");
    BAD("{\"event_id\":\"e\",\"user_id\":\"u\",\"product_id\":\"p\","
        "\"event_type\":\"view\",\"amount\":1}", "missing field \"timestamp\"");
}


/* Parses a JSON message of n bytes (it may hold NUL bytes). */
static int
json_n(const char *s, size_t n, rp_event_t *ev, char *err)
{
    return rp_event_from_json(s, n, ev, err, RP_ERR_MAX);
}


/*
 * A NUL or another control byte inside any string, raw or escaped as
 * \u0000, refuses the message: with strlen the ids "kt_dup\u0000A" and
 * "kt_dup\u0000B" were one id, and "user_id\u0000x" was the key user_id.
 */
static void
test_json_control_bytes(void **state)
{
    rp_event_t   ev;
    char         err[RP_ERR_MAX];

#define EV_HEAD  "{\"event_id\":\"e1\",\"product_id\":\"p\"," \
                 "\"event_type\":\"view\",\"amount\":1,\"timestamp\":1,"

    static const char esc_id[] = EV_HEAD "\"user_id\":\"kt_user\\u0000evil\"}";
    static const char esc_key[] = EV_HEAD "\"user_id\\u0000x\":\"u1\","
                                  "\"user_id\":\"u2\"}";
    static const char esc_type[] = "{\"event_id\":\"e1\",\"user_id\":\"u\","
        "\"product_id\":\"p\",\"event_type\":\"view\\u0000x\","
        "\"amount\":1,\"timestamp\":1}";
    static const char raw_id[] = EV_HEAD "\"user_id\":\"kt_user\0zz\"}";
    static const char raw_ctl[] = EV_HEAD "\"user_id\":\"kt\x01user\"}";
    static const char raw_out[] = EV_HEAD "\"user_id\":\"u\"}\x00";
    static const char ok_esc[] = EV_HEAD "\"user_id\":\"a\\\\u0000\"}";

    (void) state;

    assert_int_equal(json_n(esc_id, sizeof(esc_id) - 1, &ev, err), -1);
    assert_non_null(strstr(err, "\\u0000 inside a string"));
    assert_int_equal(json_n(esc_key, sizeof(esc_key) - 1, &ev, err), -1);
    assert_non_null(strstr(err, "\\u0000"));
    assert_int_equal(json_n(esc_type, sizeof(esc_type) - 1, &ev, err), -1);
    assert_int_equal(json_n(raw_id, sizeof(raw_id) - 1, &ev, err), -1);
    assert_non_null(strstr(err, "control byte 0x00 inside a string"));
    assert_int_equal(json_n(raw_ctl, sizeof(raw_ctl) - 1, &ev, err), -1);
    assert_non_null(strstr(err, "control byte 0x01"));
    assert_int_equal(json_n(raw_out, sizeof(raw_out) - 1, &ev, err), -1);
    assert_non_null(strstr(err, "control byte 0x00 at offset"));

    /* an escaped backslash followed by "u0000" is text, not a NUL */
    assert_int_equal(json_n(ok_esc, sizeof(ok_esc) - 1, &ev, err), 0);
    assert_string_equal(ev.user_id, "a\\u0000");
    assert_int_equal(ev.user_id_len, 7);
#undef EV_HEAD
}


/* CSV fields carry their lengths: a NUL inside one is a bad row. */
static void
test_csv_control_bytes(void **state)
{
    rp_event_t   ev;
    char         err[RP_ERR_MAX];
    char         id[] = "e1,kt_user\0evil,p,view,3,2024-03-01";
    char         ts[] = "e1,u,p,view,3,2024-03-01\0x";
    char         ty[] = "e1,u,p,view\0x,3,2024-03-01";

    (void) state;

    assert_int_equal(rp_event_from_csv(id, sizeof(id) - 1, &ev, err,
                                       sizeof(err)), -1);
    assert_non_null(strstr(err, "user_id has a non-printable character"));
    assert_int_equal(rp_event_from_csv(ts, sizeof(ts) - 1, &ev, err,
                                       sizeof(err)), -1);
    assert_non_null(strstr(err, "timestamp"));
    assert_int_equal(rp_event_from_csv(ty, sizeof(ty) - 1, &ev, err,
                                       sizeof(err)), -1);
    assert_non_null(strstr(err, "event_type"));
}


static void
test_time_check(void **state)
{
    char     err[RP_ERR_MAX];
    int64_t  now = 1700000000;

    (void) state;

    assert_int_equal(rp_event_time_check(now, now, RP_MAX_FUTURE_DEF, err,
                                         sizeof(err)), 0);
    assert_int_equal(rp_event_time_check(now - 86400 * 365, now,
                                         RP_MAX_FUTURE_DEF, err,
                                         sizeof(err)), 0);
    assert_int_equal(rp_event_time_check(now + 86400, now, 86400, err,
                                         sizeof(err)), 0);
    assert_int_equal(rp_event_time_check(now + 86401, now, 86400, err,
                                         sizeof(err)), -1);
    assert_string_equal(err, "timestamp 2023-11-15T22:13:21Z is more than "
                        "86400 s ahead of the clock (2023-11-14T22:13:20Z)");
    assert_int_equal(rp_event_time_check(RP_TIME_MAX, now, 86400, NULL, 0),
                     -1);
    assert_int_equal(rp_event_time_check(now + 1, now, 0, err, sizeof(err)),
                     -1);
    assert_int_equal(rp_event_time_check(now, now, 0, err, sizeof(err)), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_roundtrip),
        cmocka_unit_test(test_time_civil),
        cmocka_unit_test(test_amount),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_csv_event),
        cmocka_unit_test(test_json_event),
        cmocka_unit_test(test_json_control_bytes),
        cmocka_unit_test(test_csv_control_bytes),
        cmocka_unit_test(test_time_check),
    };

    return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
