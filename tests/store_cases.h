/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * store_cases.h: a consistent stored user and the ways to corrupt it, for
 * the reader (test_store.c) and the update script (test_store_redis.c):
 * both must refuse every case.
 */

#ifndef RP_STORE_CASES_H
#define RP_STORE_CASES_H

/* HMGET order: u, b, then the product p9. lp is day 90; p9 bought on 3
 * days from day 11 to day 90. */
static const char *const good_user[RP_STORE_USER_FIELDS] = {
    "8,7200,400,1200,3", "4,3800,7776000,11,4,2,1"
};
static const char good_pair[] = "2,3,11,79,3,3400";

typedef struct {
    int          field;       /* 0 u, 1 b, 2 the product */
    const char  *value;       /* NULL: the field is missing */
} corrupt_case_t;

static const corrupt_case_t corrupt_cases[] = {
    { 0, NULL },                        /* b and a product without u */
    { 0, "" }, { 0, "8,7200,400,1200" }, { 0, "8,7200,400,1200,3,1" },
    { 0, "08,7200,400,1200,3" }, { 0, "8,7200,400,1200,x" },
    { 0, "8,,400,1200,3" }, { 0, "-8,7200,400,1200,3" },
    { 0, " 8,7200,400,1200,3" }, { 0, "8,7200,400,1200,3 " },
    { 0, "8,7200,400,1200,3," },
    { 0, "1000000000000000,7200,400,1200,3" },   /* 16 digits */
    { 0, "0,7200,400,1200,0" },         /* no event */
    { 0, "8,7200,1300,1200,3" },        /* lo > hi */
    { 0, "8,1100,400,1200,3" },         /* hi > s */
    { 0, "8,7200,400,1200,9" },         /* vn > n */
    { 1, NULL },                        /* a product bought, no purchase */
    { 1, "4,3800,7776000,11,4,2" }, { 1, "4,3800,7776000x,11,4,2,1" },
    { 1, "4,3800,07776000,11,4,2,1" },
    { 1, "0,3800,7776000,11,4,2,1" },   /* pn = 0 */
    { 1, "4,7300,7776000,11,4,2,1" },   /* ps > s */
    { 1, "4,3800,7776000,91,4,2,1" },   /* first day after the last */
    { 1, "4,3800,7776000,88,4,2,1" },   /* nd > last - first + 1 */
    { 1, "4,3800,7776000,11,5,2,1" },   /* nd > pn */
    { 1, "4,3800,7776000,11,0,2,1" },
    { 1, "4,3800,7776000,11,4,5,1" },   /* np > pn */
    { 1, "4,3800,7776000,11,4,2,3" },   /* rn > np */
    { 1, "6,3800,7776000,11,4,2,1" },   /* pn + vn > n */
    { 2, "2,3,11,79,4,3400" },          /* product ndays > purchases */
    { 2, "2,3,11,79,0,3400" },
    { 2, "2,3,11,1,3,3400" },           /* ndays > span + 1 */
    { 2, "2,3,10,79,3,3400" },          /* first before the user's first */
    { 2, "2,3,11,80,3,3400" },          /* last after the user's last */
    { 2, "2,3,11,79,3,3900" },          /* amount > ps */
    { 2, "4,3,11,79,3,3400" },          /* views > vn */
    { 2, "2,5,11,79,3,3400" },          /* purchases > pn */
    { 2, "2,0,11,79,1,0" },             /* the long form without purchase */
    { 2, "2,3,011,79,3,3400" },
    { 2, "0" }, { 2, "02" }, { 2, "a" }, { 2, "" }, { 2, "2,3" },
    { 2, "2,3,11,79,3,3400,1" }, { 2, "2,,11,79,3,3400" },
    { 2, "2,3,11,79,3,3400," },
};

#define NCORRUPT  (sizeof(corrupt_cases) / sizeof(corrupt_cases[0]))

#endif /* RP_STORE_CASES_H */
