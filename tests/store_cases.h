/*
 * store_cases.h: a consistent stored user and the ways to corrupt it, for
 * the reader (test_store.c) and the update script (test_store_redis.c):
 * both must refuse every case.
 */

#ifndef RP_STORE_CASES_H
#define RP_STORE_CASES_H

/* HMGET order: n s lo hi pn ps vn rn lp fd nd np, then the product p9.
 * lp is day 90; p9 bought on 3 days from day 11 to day 90. */
static const char *const good_user[RP_STORE_USER_FIELDS] = {
    "8", "7200", "400", "1200", "4", "3800", "3", "1", "7776000", "11", "4",
    "2"
};
static const char good_pair[] = "2,3,11,79,3,3400";

typedef struct {
    int          field;       /* 0..11 a user field, 12 the product */
    const char  *value;       /* NULL: the field is missing */
} corrupt_case_t;

static const corrupt_case_t corrupt_cases[] = {
    { 0, "12abc" }, { 0, "abc" }, { 0, "-3" }, { 0, "007" }, { 0, "" },
    { 0, "1000000000000000" },          /* 16 digits */
    { 0, NULL },                        /* a user field missing */
    { 0, "0" },
    { 8, "7776000x" },
    { 2, "1300" },                      /* lo > hi */
    { 1, "1100" },                      /* hi > s */
    { 4, "0" },                         /* pn = 0 with ps > 0 */
    { 5, "7300" },                      /* ps > s */
    { 9, NULL },                        /* purchase fields incomplete */
    { 9, "91" },                        /* first day after the last */
    { 9, "88" },                        /* nd > last - first + 1 */
    { 10, "5" },                        /* nd > pn */
    { 10, "0" },
    { 11, "5" },                        /* np > pn */
    { 7, "3" },                         /* rn > np */
    { 6, "5" },                         /* pn + vn > n */
    { 12, "2,3,11,79,4,3400" },         /* product ndays > purchases */
    { 12, "2,3,11,79,0,3400" },
    { 12, "2,3,11,1,3,3400" },          /* ndays > span + 1 */
    { 12, "2,3,10,79,3,3400" },         /* first before the user's first */
    { 12, "2,3,11,80,3,3400" },         /* last after the user's last */
    { 12, "2,3,11,79,3,3900" },         /* amount > ps */
    { 12, "4,3,11,79,3,3400" },         /* views > vn */
    { 12, "2,5,11,79,3,3400" },         /* purchases > pn */
    { 12, "2,0,11,79,1,0" },            /* the long form without purchase */
    { 12, "0" }, { 12, "02" }, { 12, "a" }, { 12, "" }, { 12, "2,3" },
    { 12, "2,3,11,79,3,3400,1" }, { 12, "2,,11,79,3,3400" },
    { 12, "2,3,11,79,3,3400," },
};

#define NCORRUPT  (sizeof(corrupt_cases) / sizeof(corrupt_cases[0]))

#endif /* RP_STORE_CASES_H */
