/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * xgb_support.c: what the tests that link the trainer's XGBoost converter
 * (trainer/rp_export.c) need from rp-train, and their random numbers.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "xgb_support.h"


void
rp_err(const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


void *
rp_xalloc(size_t n)
{
    void  *p = calloc(1, n ? n : 1);

    if (p == NULL) {
        abort();
    }
    return p;
}


void *
rp_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        abort();
    }
    return p;
}


uint64_t
rp_test_rnd(uint64_t *s)
{
    uint64_t  z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


double
rp_test_unif(uint64_t *s)
{
    return (double) (rp_test_rnd(s) >> 11) / 9007199254740992.0;
}
