/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_synth.c: the behaviour model behind synthetic shop events (see
 * rp_synth.h).
 *
 * Needs only libc and libm: no exit(), no output; errors are returned.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_synth.h"


#define RP_SYNTH_HABITS_MAX  12
#define RP_SYNTH_FAVS        3
#define RP_SYNTH_DAY         86400
#define RP_SYNTH_SPAN        (2 * RP_SYNTH_DAY)   /* a day, with spill-over */
#define RP_SYNTH_PI          3.14159265358979323846
#define RP_SYNTH_ID_LEN      24

enum { RP_KIND_QUICK = 0, RP_KIND_MEDIUM, RP_KIND_LONG, RP_KIND_DURABLE };

typedef struct {
    uint64_t  s[4];
} rp_rng_t;

typedef struct {
    uint32_t  product;
    float     cycle;       /* days */
    int32_t   due;         /* day index */
} rp_habit_t;

typedef struct {
    float       rate;      /* browse sessions per day */
    float       strength;  /* probability to keep a habit when due */
    float       habit_p;   /* probability a consumable purchase becomes one */
    int32_t     join;
    int32_t     churn;
    uint16_t    favs[RP_SYNTH_FAVS];
    uint8_t     n_habits;
    rp_habit_t  habits[RP_SYNTH_HABITS_MAX];
} rp_synth_user_t;

typedef struct {
    int64_t   ts;
    int64_t   cents;
    uint32_t  user;
    uint32_t  product;
    uint32_t  seq;
    uint8_t   type;
} rp_synth_event_t;

struct rp_synth_s {
    rp_rng_t     rng;
    uint32_t     n_users;
    uint32_t     n_products;
    uint32_t     n_cats;
    int32_t      n_days;
    int64_t      start;
    int          uid_width;
    int          pid_width;
    rp_synth_user_t  *users;
    int64_t     *price;          /* cents */
    uint16_t    *cat;
    float       *cycle;          /* base cycle in days, 0 = durable */
    double      *cdf;            /* global popularity */
    uint32_t   **cat_items;      /* products of a category */
    double     **cat_cdf;
    uint32_t    *cat_n;
    uint8_t     *cat_kind;
    char        (*uid)[RP_SYNTH_ID_LEN];
    char        (*pid)[RP_SYNTH_ID_LEN];
    rp_synth_event_t  *day;         /* the day being simulated, push order */
    size_t       day_n;
    size_t       day_cap;
    size_t       uid_len;
    size_t       pid_len;
    rp_synth_event_t  *sorted;      /* the day being returned, time order */
    size_t       sorted_n;
    size_t       sorted_cap;
    size_t       cursor;         /* next event of sorted to return */
    uint32_t    *bucket;
    int32_t      next_day;       /* next day to simulate */
    int          reported;       /* the last simulated day was reported */
    int          nomem;
    uint64_t     events;
    uint64_t     purchases;
    void       (*progress)(const rp_synth_stats_t *st, void *data);
    void        *progress_data;
    char         err[RP_ERR_MAX];
};


static uint64_t rp_splitmix(uint64_t *x);
static uint64_t rp_rng_next(rp_rng_t *r);
static double rp_u01(rp_rng_t *r);
static double rp_normal(rp_rng_t *r);
static uint32_t rp_pick(const double *cdf, uint32_t n, double u);
static int rp_synth_setup(rp_synth_t *g, uint32_t *rank, double *cat_price,
    double *cat_cycle);
static void rp_synth_push(rp_synth_t *g, int64_t ts, uint32_t u, uint32_t p,
    int type);
static uint32_t rp_synth_choose(rp_synth_t *g, const rp_synth_user_t *gu);
static void rp_synth_buy(rp_synth_t *g, uint32_t u, uint32_t p, int64_t *t,
    int day, int views);
static void rp_synth_calendar(int64_t ts, int *wday, int *yday);
static void rp_synth_day(rp_synth_t *g, int day, int64_t day_ts);
static int rp_synth_sort(rp_synth_t *g, int64_t day_ts);
static int rp_synth_digits(uint64_t n);


static uint64_t
rp_splitmix(uint64_t *x)
{
    uint64_t  z;

    z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;

    return z ^ (z >> 31);
}


#define rp_rotl(x, k)  (((x) << (k)) | ((x) >> (64 - (k))))

static uint64_t
rp_rng_next(rp_rng_t *r)
{
    uint64_t  res, t;

    res = rp_rotl(r->s[1] * 5, 7) * 9;
    t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rp_rotl(r->s[3], 45);

    return res;
}


static double
rp_u01(rp_rng_t *r)
{
    return (rp_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}


static double
rp_normal(rp_rng_t *r)
{
    double  a, b;

    a = rp_u01(r);
    b = rp_u01(r);

    return sqrt(-2 * log(a + 1e-300)) * cos(2 * RP_SYNTH_PI * b);
}


static uint32_t
rp_pick(const double *cdf, uint32_t n, double u)
{
    uint32_t  lo, hi, mid;

    u *= cdf[n - 1];
    lo = 0;
    hi = n - 1;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (cdf[mid] > u) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }

    return lo;
}


/* The catalogue and the users; g's arrays are allocated, rank, cat_price
 * and cat_cycle are scratch. Draws in a fixed order: same seed, same shop. */
static int
rp_synth_setup(rp_synth_t *g, uint32_t *rank, double *cat_price,
    double *cat_cycle)
{
    uint32_t     i, j, c, k;
    double       w;
    rp_synth_user_t  *gu;
    rp_rng_t    *r = &g->rng;

    for (c = 0; c < g->n_cats; c++) {
        /* 30% quick, 25% medium, 15% long consumables, 30% durable */
        w = rp_u01(r);
        g->cat_kind[c] = w < 0.30 ? RP_KIND_QUICK
                         : w < 0.55 ? RP_KIND_MEDIUM
                         : w < 0.70 ? RP_KIND_LONG : RP_KIND_DURABLE;
        switch (g->cat_kind[c]) {
        case RP_KIND_QUICK:
            cat_cycle[c] = 6 + 8 * rp_u01(r);
            cat_price[c] = 3 + 12 * rp_u01(r);
            break;
        case RP_KIND_MEDIUM:
            cat_cycle[c] = 22 + 20 * rp_u01(r);
            cat_price[c] = 10 + 40 * rp_u01(r);
            break;
        case RP_KIND_LONG:
            cat_cycle[c] = 55 + 60 * rp_u01(r);
            cat_price[c] = 15 + 60 * rp_u01(r);
            break;
        default:
            cat_cycle[c] = 0;
            cat_price[c] = 30 + 300 * rp_u01(r);
            break;
        }
    }

    /* a random permutation gives each product its popularity rank */
    for (i = 0; i < g->n_products; i++) {
        rank[i] = i;
    }
    for (i = g->n_products - 1; i > 0; i--) {
        j = (uint32_t) (rp_rng_next(r) % (i + 1));
        k = rank[i]; rank[i] = rank[j]; rank[j] = k;
    }

    w = 0;
    for (i = 0; i < g->n_products; i++) {
        c = (uint32_t) (rp_rng_next(r) % g->n_cats);
        g->cat[i] = (uint16_t) c;
        g->cat_n[c]++;
        g->price[i] = (int64_t) (cat_price[c] * exp(0.35 * rp_normal(r))
                                 * 100) / 100 * 100 + 99;
        g->cycle[i] = (float) (cat_cycle[c] * (0.8 + 0.45 * rp_u01(r)));
        w += 1 / pow(rank[i] + 1.0, 1.07);
        g->cdf[i] = w;
        snprintf(g->pid[i], sizeof(g->pid[i]), "prod_%0*u", g->pid_width & 15,
                 i + 1);
    }

    for (c = 0; c < g->n_cats; c++) {
        g->cat_items[c] = calloc(g->cat_n[c] + 1, sizeof(uint32_t));
        g->cat_cdf[c] = calloc(g->cat_n[c] + 1, sizeof(double));
        if (g->cat_items[c] == NULL || g->cat_cdf[c] == NULL) {
            return -1;
        }
        g->cat_n[c] = 0;
    }

    for (i = 0; i < g->n_products; i++) {
        c = g->cat[i];
        k = g->cat_n[c]++;
        g->cat_items[c][k] = i;
        g->cat_cdf[c][k] = (k ? g->cat_cdf[c][k - 1] : 0)
                           + 1 / pow(rank[i] + 1.0, 1.07);
    }

    for (i = 0; i < g->n_users; i++) {
        gu = &g->users[i];
        w = rp_u01(r);

        if (w < 0.2) {                                  /* loyal */
            gu->rate = 0.22f;
            gu->strength = 0.92f;
            gu->habit_p = 0.85f;
            gu->churn = rp_u01(r) < 0.08 ? 1 : 0;

        } else if (w < 0.6) {                           /* regular */
            gu->rate = 0.08f;
            gu->strength = 0.80f;
            gu->habit_p = 0.65f;
            gu->churn = rp_u01(r) < 0.25 ? 1 : 0;

        } else {                                        /* occasional */
            gu->rate = 0.03f;
            gu->strength = 0.60f;
            gu->habit_p = 0.45f;
            gu->churn = rp_u01(r) < 0.45 ? 1 : 0;
        }

        gu->rate *= (float) exp(0.4 * rp_normal(r));
        /* 60% are customers from the start, the others join later */
        gu->join = rp_u01(r) < 0.6 ? 0 : (int32_t) (rp_u01(r) * g->n_days);
        gu->churn = gu->churn ? gu->join + 1 + (int32_t) (rp_u01(r)
                                              * (g->n_days - gu->join))
                              : INT32_MAX;

        for (j = 0; j < RP_SYNTH_FAVS; j++) {
            gu->favs[j] = (uint16_t) (rp_rng_next(r) % g->n_cats);
        }

        snprintf(g->uid[i], sizeof(g->uid[i]), "user_%0*u", g->uid_width & 15,
                 i + 1);
    }

    return 0;
}


static void
rp_synth_push(rp_synth_t *g, int64_t ts, uint32_t u, uint32_t p, int type)
{
    size_t     cap;
    rp_synth_event_t  *e;

    if (g->day_n == g->day_cap) {
        cap = g->day_cap ? g->day_cap * 2 : 65536;
        e = realloc(g->day, cap * sizeof(rp_synth_event_t));
        if (e == NULL) {
            g->nomem = 1;       /* the day is dropped, rp_synth_next fails */
            return;
        }
        g->day = e;
        g->day_cap = cap;
    }

    e = &g->day[g->day_n];
    e->ts = ts;
    e->cents = g->price[p];
    e->user = u;
    e->product = p;
    e->seq = (uint32_t) g->day_n;
    e->type = (uint8_t) type;
    g->day_n++;
}


static uint32_t
rp_synth_choose(rp_synth_t *g, const rp_synth_user_t *gu)
{
    uint32_t  c;

    if (rp_u01(&g->rng) < 0.7) {
        c = gu->favs[rp_rng_next(&g->rng) % RP_SYNTH_FAVS];
        if (g->cat_n[c] > 0) {
            return g->cat_items[c][rp_pick(g->cat_cdf[c], g->cat_n[c],
                                           rp_u01(&g->rng))];
        }
    }

    return rp_pick(g->cdf, g->n_products, rp_u01(&g->rng));
}


/* A purchase (after views, maybe a cart); keeps or starts the habit. */
static void
rp_synth_buy(rp_synth_t *g, uint32_t u, uint32_t p, int64_t *t, int day,
    int views)
{
    int          i;
    rp_synth_user_t  *gu = &g->users[u];
    rp_rng_t    *r = &g->rng;

    for (i = 0; i < views; i++) {
        rp_synth_push(g, *t, u, p, RP_EVENT_VIEW);
        *t += 5 + (int64_t) (rp_u01(r) * 120);
    }

    if (rp_u01(r) < 0.8) {
        rp_synth_push(g, *t, u, p, RP_EVENT_ADD_TO_CART);
        *t += 10 + (int64_t) (rp_u01(r) * 300);
    }

    rp_synth_push(g, *t, u, p, RP_EVENT_PURCHASE);
    *t += 5 + (int64_t) (rp_u01(r) * 60);

    if (g->cycle[p] <= 0) {
        return;
    }

    for (i = 0; i < gu->n_habits; i++) {
        if (gu->habits[i].product == p) {
            gu->habits[i].due = day + (int32_t) (gu->habits[i].cycle
                                       * (0.85 + 0.3 * rp_u01(r)) + 0.5);
            return;
        }
    }

    if (gu->n_habits < RP_SYNTH_HABITS_MAX && rp_u01(r) < gu->habit_p) {
        i = gu->n_habits++;
        gu->habits[i].product = p;
        gu->habits[i].cycle = g->cycle[p] * (float) exp(0.2 * rp_normal(r));
        gu->habits[i].due = day + (int32_t) (gu->habits[i].cycle + 0.5);
    }
}


static void
rp_synth_day(rp_synth_t *g, int day, int64_t day_ts)
{
    int          i, k, n, items, wd, doy;
    double       mult, lambda, u01, term, cum;
    int64_t      t;
    uint32_t     u, p;
    rp_synth_user_t  *gu;
    rp_rng_t    *r = &g->rng;

    rp_synth_calendar(day_ts, &wd, &doy);

    /* weekly and seasonal rhythm */
    mult = (wd == 0 || wd == 6) ? 1.25 : (wd == 1 ? 0.9 : 1.0);
    mult *= 1 + 0.15 * sin(2 * RP_SYNTH_PI * (doy - 80) / 365.0);
    if (doy >= 325) {
        mult *= 1.35;
    }

    for (u = 0; u < g->n_users; u++) {
        gu = &g->users[u];

        if (day < gu->join || day >= gu->churn) {
            continue;
        }

        /* habits that are due: rebuy, postpone, or lapse */
        for (k = 0; k < gu->n_habits; k++) {
            if (gu->habits[k].due > day) {
                continue;
            }

            p = gu->habits[k].product;
            u01 = rp_u01(r);

            if (u01 < gu->strength) {
                t = day_ts + 7 * 3600 + (int64_t) (rp_u01(r) * 15 * 3600);
                rp_synth_buy(g, u, p, &t, day, (int) (rp_u01(r) * 2.2));

            } else if (u01 < gu->strength + (1 - gu->strength) * 0.55) {
                gu->habits[k].due = day + 1 + (int32_t) (gu->habits[k].cycle
                                                         * rp_u01(r));
            } else {
                gu->habits[k] = gu->habits[--gu->n_habits];
                k--;
            }
        }

        /* browse sessions, Poisson by inversion */
        lambda = gu->rate * mult;
        u01 = rp_u01(r);
        term = exp(-lambda);
        cum = term;
        for (n = 0; u01 > cum && n < 8; /* void */) {
            n++;
            term *= lambda / n;
            cum += term;
        }

        for (i = 0; i < n; i++) {
            /* sessions peak in the evening */
            u01 = rp_u01(r);
            t = day_ts + (int64_t) ((8 + 14 * sqrt(u01)) * 3600 * 0.98)
                + (int64_t) (rp_u01(r) * 600);
            items = 1 + (int) (rp_u01(r) * rp_u01(r) * 5);

            for (k = 0; k < items; k++) {
                p = rp_synth_choose(g, gu);
                u01 = rp_u01(r);

                /* cheaper products convert better */
                if (u01 < (g->cycle[p] > 0 ? 0.12 : 0.04)
                         * (g->price[p] < 2000 ? 1.3 : 1.0))
                {
                    rp_synth_buy(g, u, p, &t, day, 1 + (int) (rp_u01(r) * 2));
                    continue;
                }

                rp_synth_push(g, t, u, p, RP_EVENT_VIEW);
                t += 5 + (int64_t) (rp_u01(r) * 90);

                if (u01 < 0.3) {
                    rp_synth_push(g, t, u, p, RP_EVENT_ADD_TO_CART);
                    t += 10 + (int64_t) (rp_u01(r) * 120);
                }
            }
        }
    }
}


/* Weekday (0 = Sunday) and day of the year (0-based) of ts, as gmtime(). */
static void
rp_synth_calendar(int64_t ts, int *wday, int *yday)
{
    rp_civil_t  c;

    rp_time_civil(ts, &c);
    *wday = c.wday;
    *yday = c.yday;
}


/*
 * Moves the simulated day into g->sorted: counting sort by second of the
 * day (stable, so ties keep push order).
 */
static int
rp_synth_sort(rp_synth_t *g, int64_t day_ts)
{
    size_t     i;
    int64_t    off;
    rp_synth_event_t  *s;

    if (g->day_n > g->sorted_cap) {
        s = realloc(g->sorted, g->day_cap * sizeof(rp_synth_event_t));
        if (s == NULL) {
            return -1;
        }
        g->sorted = s;
        g->sorted_cap = g->day_cap;
    }

    memset(g->bucket, 0, (RP_SYNTH_SPAN + 1) * sizeof(uint32_t));

    for (i = 0; i < g->day_n; i++) {
        off = g->day[i].ts - day_ts;
        off = off < 0 ? 0 : (off >= RP_SYNTH_SPAN ? RP_SYNTH_SPAN - 1 : off);
        g->bucket[off + 1]++;
    }

    for (i = 1; i <= RP_SYNTH_SPAN; i++) {
        g->bucket[i] += g->bucket[i - 1];
    }

    for (i = 0; i < g->day_n; i++) {
        off = g->day[i].ts - day_ts;
        off = off < 0 ? 0 : (off >= RP_SYNTH_SPAN ? RP_SYNTH_SPAN - 1 : off);
        g->sorted[g->bucket[off]++] = g->day[i];
    }

    g->sorted_n = g->day_n;
    g->cursor = 0;
    g->day_n = 0;

    return 0;
}


static int
rp_synth_digits(uint64_t n)
{
    int  d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }

    return d;
}


void
rp_synth_params_default(rp_synth_params_t *p)
{
    memset(p, 0, sizeof(*p));
    p->users = RP_SYNTH_DEFAULT_USERS;
    p->products = RP_SYNTH_DEFAULT_PRODUCTS;
    p->days = RP_SYNTH_DEFAULT_DAYS;
    p->seed = RP_SYNTH_DEFAULT_SEED;
    p->start = RP_SYNTH_DEFAULT_START;
}


rp_synth_t *
rp_synth_create(const rp_synth_params_t *p, char *err, size_t errlen)
{
    int        i, rc;
    uint64_t   sm;
    uint32_t  *rank;
    double    *cat_price, *cat_cycle;
    rp_synth_t  *g;

    if (p->users < 1 || p->users > RP_SYNTH_USERS_MAX) {
        snprintf(err, errlen, "users must be 1..%u", RP_SYNTH_USERS_MAX);
        return NULL;
    }
    if (p->products < 1 || p->products > RP_SYNTH_PRODUCTS_MAX) {
        snprintf(err, errlen, "products must be 1..%u", RP_SYNTH_PRODUCTS_MAX);
        return NULL;
    }
    if (p->days < 1 || p->days > RP_SYNTH_DAYS_MAX) {
        snprintf(err, errlen, "days must be 1..%u", RP_SYNTH_DAYS_MAX);
        return NULL;
    }
    if (p->start < 0
        || p->start > RP_TIME_MAX - ((int64_t) p->days + 2) * RP_SYNTH_DAY)
    {
        snprintf(err, errlen, "start must be between 1970 and 9999 minus "
                 "the simulated days");
        return NULL;
    }

    g = calloc(1, sizeof(rp_synth_t));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    sm = p->seed;
    for (i = 0; i < 4; i++) {
        g->rng.s[i] = rp_splitmix(&sm);
    }
    g->n_users = p->users;
    g->n_products = p->products;
    g->n_days = (int32_t) p->days;
    g->start = p->start;
    g->progress = p->progress;
    g->progress_data = p->progress_data;
    /* the MVP's ids (user_00001, prod_0001), wider only when needed */
    g->uid_width = rp_synth_digits(p->users) > 5 ? rp_synth_digits(p->users)
                                                 : 5;
    g->pid_width = rp_synth_digits(p->products) > 4
                   ? rp_synth_digits(p->products) : 4;

    g->n_cats = g->n_products / 25;
    g->n_cats = g->n_cats < 4 ? 4 : (g->n_cats > 60 ? 60 : g->n_cats);
    if (g->n_cats > g->n_products) {
        g->n_cats = g->n_products;
    }

    g->cat_kind = calloc(g->n_cats, 1);
    g->price = calloc(g->n_products, sizeof(int64_t));
    g->cat = calloc(g->n_products, sizeof(uint16_t));
    g->cycle = calloc(g->n_products, sizeof(float));
    g->cdf = calloc(g->n_products, sizeof(double));
    g->cat_n = calloc(g->n_cats, sizeof(uint32_t));
    g->cat_items = calloc(g->n_cats, sizeof(uint32_t *));
    g->cat_cdf = calloc(g->n_cats, sizeof(double *));
    g->pid = calloc(g->n_products, sizeof(*g->pid));
    g->users = calloc(g->n_users, sizeof(rp_synth_user_t));
    g->uid = calloc(g->n_users, sizeof(*g->uid));
    g->bucket = calloc(RP_SYNTH_SPAN + 1, sizeof(uint32_t));
    rank = calloc(g->n_products, sizeof(uint32_t));
    cat_price = calloc(g->n_cats, sizeof(double));
    cat_cycle = calloc(g->n_cats, sizeof(double));

    rc = -1;
    if (g->cat_kind != NULL && g->price != NULL && g->cat != NULL
        && g->cycle != NULL && g->cdf != NULL && g->cat_n != NULL
        && g->cat_items != NULL && g->cat_cdf != NULL && g->pid != NULL
        && g->users != NULL && g->uid != NULL && g->bucket != NULL
        && rank != NULL && cat_price != NULL && cat_cycle != NULL)
    {
        rc = rp_synth_setup(g, rank, cat_price, cat_cycle);
    }

    free(rank);
    free(cat_price);
    free(cat_cycle);

    if (rc != 0) {
        snprintf(err, errlen, "out of memory (%u users, %u products)",
                 p->users, p->products);
        rp_synth_destroy(g);
        return NULL;
    }

    g->uid_len = strlen(g->uid[0]);
    g->pid_len = strlen(g->pid[0]);

    return g;
}


int
rp_synth_next(rp_synth_t *g, rp_event_t *ev)
{
    int              k;
    int64_t          day_ts;
    uint64_t         id;
    const rp_synth_event_t  *e;
    rp_synth_stats_t   st;

    while (g->cursor == g->sorted_n) {
        if (g->nomem) {
            return -1;
        }

        if (g->next_day > 0 && !g->reported) {
            g->reported = 1;
            if (g->progress != NULL) {
                rp_synth_stats(g, &st);
                g->progress(&st, g->progress_data);
            }
        }

        if (g->next_day >= g->n_days) {
            return 0;
        }

        day_ts = g->start + (int64_t) g->next_day * RP_SYNTH_DAY;
        rp_synth_day(g, g->next_day, day_ts);

        if (g->nomem || rp_synth_sort(g, day_ts) != 0) {
            g->nomem = 1;
            snprintf(g->err, sizeof(g->err), "out of memory on day %d "
                     "(%zu events)", (int) g->next_day + 1, g->day_n);
            return -1;
        }

        g->next_day++;
        g->reported = 0;
    }

    e = &g->sorted[g->cursor++];
    id = ++g->events;

    memcpy(ev->event_id, "ev_", 3);
    for (k = 12; k >= 3; k--) {
        ev->event_id[k] = (char) ('0' + id % 10);
        id /= 10;
    }
    ev->event_id[13] = '\0';
    ev->event_id_len = 13;

    memcpy(ev->user_id, g->uid[e->user], g->uid_len + 1);
    ev->user_id_len = g->uid_len;
    memcpy(ev->product_id, g->pid[e->product], g->pid_len + 1);
    ev->product_id_len = g->pid_len;
    ev->type = (rp_event_type_t) e->type;
    ev->amount_cents = e->cents;
    ev->ts = e->ts;

    if (e->type == RP_EVENT_PURCHASE) {
        g->purchases++;
    }

    return 1;
}


void
rp_synth_stats(const rp_synth_t *g, rp_synth_stats_t *st)
{
    st->events = g->events;
    st->purchases = g->purchases;
    st->days_done = (uint32_t) g->next_day
                    - (g->next_day > 0 && g->cursor < g->sorted_n ? 1 : 0);
    st->days = (uint32_t) g->n_days;
    st->users = g->n_users;
    st->products = g->n_products;
}


const char *
rp_synth_error(const rp_synth_t *g)
{
    return g->err[0] ? g->err : "no error";
}


void
rp_synth_destroy(rp_synth_t *g)
{
    uint32_t  c;

    if (g == NULL) {
        return;
    }

    if (g->cat_items != NULL) {
        for (c = 0; c < g->n_cats; c++) {
            free(g->cat_items[c]);
        }
    }
    if (g->cat_cdf != NULL) {
        for (c = 0; c < g->n_cats; c++) {
            free(g->cat_cdf[c]);
        }
    }

    free(g->cat_items);
    free(g->cat_cdf);
    free(g->cat_n);
    free(g->cat_kind);
    free(g->price);
    free(g->cat);
    free(g->cycle);
    free(g->cdf);
    free(g->pid);
    free(g->uid);
    free(g->users);
    free(g->day);
    free(g->sorted);
    free(g->bucket);
    free(g);
}
