/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/* rp_numfmt_g: byte for byte what snprintf's %.*g prints. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "rp_numfmt.h"


static uint64_t  rs = 88172645463325252ULL;

static uint64_t
rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}


static void
check(double v, int prec)
{
    char    got[64], want[64];
    size_t  n;

    n = rp_numfmt_g(got, sizeof(got), v, prec);
    snprintf(want, sizeof(want), "%.*g", prec, v);

    if (strcmp(got, want) != 0 || n != strlen(want)) {
        fail_msg("%a (%.17g) at %%.%dg: \"%s\", printf \"%s\"", v, v, prec,
                 got, want);
    }
}


/* rounding up a digit, to the next power of ten, ties, plain/exponent
 * boundaries, signs, and values whose digits are exact */
static void
test_edges(void **state)
{
    static const double  v[] = {
        0.1, 0.5, 1, 1.5, 2.5, 0.25, 0.125, 1e-4, 9.9999999999999995e-5,
        0.00010000000000000001, 999999.95, 9999999.5, 99999999.5,
        0.99999999999999989, 0.9999999999999999, 1e15, 1e16, 1e17,
        123456789012345678.0, 3.0517578125e-05, 1.0 / 3, 2.0 / 3,
        4.35087729, 0.161140382, 2.296007, 1e-300, 5e-324, 0, -0.0,
        1.7976931348623157e308
    };
    size_t  i;
    int     prec;

    (void) state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (prec = 1; prec <= 17; prec++) {
            check(v[i], prec);
            check(-v[i], prec);
        }
    }
    check(NAN, 15);
    check(INFINITY, 9);
}


/* the values the JSON writers print: probabilities at 15 to 17 digits,
 * floats at 7 and 9, and any double at any precision */
static void
test_random(void **state)
{
    long      i;
    uint32_t  u;
    float     f;

    (void) state;
    for (i = 0; i < 2000000; i++) {
        check((double) (rnd() >> 11) / 9007199254740992.0, 15 + (int) (i % 3));

        u = (uint32_t) rnd();
        memcpy(&f, &u, sizeof(f));
        if (isfinite(f)) {
            check(f, i % 2 ? 7 : 9);
        }

        check((double) (int64_t) rnd() / (double) (1ULL << (rnd() % 60)),
              1 + (int) (rnd() % 17));
    }
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
