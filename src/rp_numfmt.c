/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_numfmt.c: %.*g without printf (see rp_numfmt.h).
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rp_numfmt.h"


#if defined(__SIZEOF_INT128__)

typedef unsigned __int128  rp_u128;

static const uint64_t  rp_p10[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL,
    10000000000000000000ULL
};


/*
 * The P significant digits of |v| = m 2^-s, 10^x <= |v| < 10^(x+1), as
 * an integer n (10^(P-1) <= n < 10^P), rounded to nearest: 0 on an exact
 * tie, whose rounding is printf's business.
 */
static uint64_t
rp_numfmt_digits(uint64_t m, int s, int k, int *tie)
{
    rp_u128   num, q, r, half;

    /* |v| 10^k = m 10^k / 2^s; k <= 21 keeps m 10^k below 2^127 */
    if (k <= 19) {
        num = (rp_u128) m * rp_p10[k];
    } else {
        num = (rp_u128) m * rp_p10[19] * rp_p10[k - 19];
    }

    q = num >> s;
    r = num - (q << s);
    half = (rp_u128) 1 << (s - 1);

    *tie = r == half;

    return (uint64_t) (r > half ? q + 1 : q);
}


size_t
rp_numfmt_g(char *buf, size_t size, double v, int prec)
{
    double     f, a;
    uint64_t   m, n;
    int        ex, s, x, k, tie, i, nd;
    char       dig[20], *p;

    a = fabs(v);

    /* plain notation is %g's for 1e-4 <= |v| < 10^prec (after rounding:
     * checked below); 2^-s with s < 128 */
    if (!(a >= 1e-4 && a < 1e17) || prec < 1 || prec > 17) {
        goto fallback;
    }

    f = frexp(a, &ex);                      /* a = f 2^ex, 0.5 <= f < 1 */
    m = (uint64_t) ldexp(f, 53);
    s = 53 - ex;

    if (s <= 0 || s >= 127) {
        goto fallback;                      /* an integer of 2^53 or more */
    }

    /* 2^(ex-1) <= a < 2^ex: floor(log10(a)) or one less, which the loop
     * corrects (cheaper than log10) */
    x = (int) floor((ex - 1) * 0.30102999566398120);

    for (i = 0; i < 2; i++) {
        k = prec - 1 - x;

        if (k < 0 || k > 21) {
            goto fallback;
        }

        n = rp_numfmt_digits(m, s, k, &tie);

        if (n < rp_p10[prec - 1]) {
            x--;                            /* the estimate was too high */
            continue;
        }

        if (n >= rp_p10[prec]) {
            /* too low an estimate, or rounded up to 10^prec */
            if (n == rp_p10[prec] && !tie) {
                n = rp_p10[prec - 1];
                x++;
                break;
            }
            x++;
            continue;
        }

        break;
    }

    if (i == 2 || tie || x < -4 || x >= prec) {
        goto fallback;
    }

    /* the digits, most significant first; trailing zeros of the fraction
     * dropped as %g does */
    for (i = prec - 1; i >= 0; i--) {
        dig[i] = (char) ('0' + n % 10);
        n /= 10;
    }

    nd = prec;
    while (nd > x + 1 && nd > 1 && dig[nd - 1] == '0') {
        nd--;
    }

    p = buf;
    if (v < 0) {
        *p++ = '-';
    }

    if (x < 0) {
        *p++ = '0';
        *p++ = '.';
        for (i = 0; i < -x - 1; i++) {
            *p++ = '0';
        }
        memcpy(p, dig, nd);
        p += nd;

    } else {
        memcpy(p, dig, x + 1);
        p += x + 1;
        if (nd > x + 1) {
            *p++ = '.';
            memcpy(p, dig + x + 1, nd - x - 1);
            p += nd - x - 1;
        }
    }

    *p = '\0';
    return (size_t) (p - buf);

fallback:

    return (size_t) snprintf(buf, size, "%.*g", prec, v);
}

#else

size_t
rp_numfmt_g(char *buf, size_t size, double v, int prec)
{
    return (size_t) snprintf(buf, size, "%.*g", prec, v);
}

#endif
