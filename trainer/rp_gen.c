/*
 * rp_gen.c: "rp-train generate", synthetic shop events.
 *
 * The simulation walks day by day. Products have a category, a price and
 * a Zipf popularity; a category is quick (about weekly), medium (about
 * monthly), long (about quarterly) consumable, or durable. Users are loyal,
 * regular or occasional: they join, may churn, prefer a few categories and
 * browse in sessions (views, some add_to_cart, some purchases) whose rate
 * follows the week and the season. A purchase of a consumable may become a
 * habit: the user rebuys that product on a personal cycle, with a strength
 * that depends on the user; habits lapse and users churn, so repurchase is
 * predictable from history but not trivially. One day's events are sorted
 * and written before the next day is simulated, so memory stays small and
 * the file is in time order. xoshiro256** seeded by splitmix64 makes runs
 * with the same --seed identical.
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp_train.h"


#define RP_GEN_HABITS_MAX  12
#define RP_GEN_FAVS        3
#define RP_GEN_SPAN        (2 * RP_DAY)   /* a day's events, with spill-over */

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
    uint16_t    favs[RP_GEN_FAVS];
    uint8_t     n_habits;
    rp_habit_t  habits[RP_GEN_HABITS_MAX];
} rp_guser_t;

typedef struct {
    int64_t   ts;
    int64_t   cents;
    uint32_t  user;
    uint32_t  product;
    uint32_t  seq;
    uint8_t   type;
} rp_gev_t;

typedef struct {
    rp_rng_t     rng;
    uint32_t     n_users;
    uint32_t     n_products;
    uint32_t     n_cats;
    int32_t      n_days;
    int          uid_width;
    int          pid_width;
    rp_guser_t  *users;
    int64_t     *price;          /* cents */
    uint16_t    *cat;
    float       *cycle;          /* base cycle in days, 0 = durable */
    double      *cdf;            /* global popularity */
    uint32_t   **cat_items;      /* products of a category */
    double     **cat_cdf;
    uint32_t    *cat_n;
    uint8_t     *cat_kind;
    char        (*uid)[24];
    char        (*pid)[24];
    rp_gev_t    *day;
    size_t       day_n;
    size_t       day_cap;
    size_t       uid_len;
    size_t       pid_len;
    rp_gev_t    *sorted;
    size_t       sorted_cap;
    uint32_t    *bucket;
    uint64_t     written;
    uint64_t     purchases;
} rp_gen_t;


static uint64_t rp_splitmix(uint64_t *x);
static uint64_t rp_rng_next(rp_rng_t *r);
static double rp_u01(rp_rng_t *r);
static double rp_normal(rp_rng_t *r);
static uint32_t rp_pick(const double *cdf, uint32_t n, double u);
static void rp_gen_setup(rp_gen_t *g);
static void rp_gen_push(rp_gen_t *g, int64_t ts, uint32_t u, uint32_t p,
    int type);
static uint32_t rp_gen_choose(rp_gen_t *g, const rp_guser_t *gu);
static void rp_gen_buy(rp_gen_t *g, uint32_t u, uint32_t p, int64_t *t,
    int day, int views);
static void rp_gen_day(rp_gen_t *g, int day, int64_t day_ts);
static int rp_gen_flush(rp_gen_t *g, FILE *f, int64_t day_ts);
static void rp_gen_free(rp_gen_t *g);
static void rp_gen_usage(FILE *f);
static int rp_gen_digits(uint64_t n);


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

    return sqrt(-2 * log(a + 1e-300)) * cos(2 * M_PI * b);
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


static void
rp_gen_setup(rp_gen_t *g)
{
    uint32_t     i, j, c, k, *rank;
    double       w, *cat_price, *cat_cycle;
    rp_guser_t  *gu;
    rp_rng_t    *r = &g->rng;

    g->n_cats = g->n_products / 25;
    g->n_cats = g->n_cats < 4 ? 4 : (g->n_cats > 60 ? 60 : g->n_cats);
    if (g->n_cats > g->n_products) {
        g->n_cats = g->n_products;
    }

    cat_price = rp_xalloc(g->n_cats * sizeof(double));
    cat_cycle = rp_xalloc(g->n_cats * sizeof(double));
    g->cat_kind = rp_xalloc(g->n_cats);

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

    g->price = rp_xalloc(g->n_products * sizeof(int64_t));
    g->cat = rp_xalloc(g->n_products * sizeof(uint16_t));
    g->cycle = rp_xalloc(g->n_products * sizeof(float));
    g->cdf = rp_xalloc(g->n_products * sizeof(double));
    g->cat_n = rp_xalloc(g->n_cats * sizeof(uint32_t));
    g->cat_items = rp_xalloc(g->n_cats * sizeof(uint32_t *));
    g->cat_cdf = rp_xalloc(g->n_cats * sizeof(double *));
    g->pid = rp_xalloc(g->n_products * sizeof(*g->pid));
    rank = rp_xalloc(g->n_products * sizeof(uint32_t));

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
        g->cat_items[c] = rp_xalloc((g->cat_n[c] + 1) * sizeof(uint32_t));
        g->cat_cdf[c] = rp_xalloc((g->cat_n[c] + 1) * sizeof(double));
        g->cat_n[c] = 0;
    }

    for (i = 0; i < g->n_products; i++) {
        c = g->cat[i];
        k = g->cat_n[c]++;
        g->cat_items[c][k] = i;
        g->cat_cdf[c][k] = (k ? g->cat_cdf[c][k - 1] : 0)
                           + 1 / pow(rank[i] + 1.0, 1.07);
    }

    g->users = rp_xalloc(g->n_users * sizeof(rp_guser_t));
    g->uid = rp_xalloc(g->n_users * sizeof(*g->uid));

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

        for (j = 0; j < RP_GEN_FAVS; j++) {
            gu->favs[j] = (uint16_t) (rp_rng_next(r) % g->n_cats);
        }

        snprintf(g->uid[i], sizeof(g->uid[i]), "user_%0*u", g->uid_width & 15,
                 i + 1);
    }

    free(rank);
    free(cat_price);
    free(cat_cycle);
}


static void
rp_gen_push(rp_gen_t *g, int64_t ts, uint32_t u, uint32_t p, int type)
{
    rp_gev_t  *e;

    if (g->day_n == g->day_cap) {
        g->day_cap = g->day_cap ? g->day_cap * 2 : 65536;
        g->day = rp_xrealloc(g->day, g->day_cap * sizeof(rp_gev_t));
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
rp_gen_choose(rp_gen_t *g, const rp_guser_t *gu)
{
    uint32_t  c;

    if (rp_u01(&g->rng) < 0.7) {
        c = gu->favs[rp_rng_next(&g->rng) % RP_GEN_FAVS];
        if (g->cat_n[c] > 0) {
            return g->cat_items[c][rp_pick(g->cat_cdf[c], g->cat_n[c],
                                           rp_u01(&g->rng))];
        }
    }

    return rp_pick(g->cdf, g->n_products, rp_u01(&g->rng));
}


/* A purchase (after views, maybe a cart); keeps or starts the habit. */
static void
rp_gen_buy(rp_gen_t *g, uint32_t u, uint32_t p, int64_t *t, int day,
    int views)
{
    int          i;
    rp_guser_t  *gu = &g->users[u];
    rp_rng_t    *r = &g->rng;

    for (i = 0; i < views; i++) {
        rp_gen_push(g, *t, u, p, RP_EVENT_VIEW);
        *t += 5 + (int64_t) (rp_u01(r) * 120);
    }

    if (rp_u01(r) < 0.8) {
        rp_gen_push(g, *t, u, p, RP_EVENT_ADD_TO_CART);
        *t += 10 + (int64_t) (rp_u01(r) * 300);
    }

    rp_gen_push(g, *t, u, p, RP_EVENT_PURCHASE);
    *t += 5 + (int64_t) (rp_u01(r) * 60);
    g->purchases++;

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

    if (gu->n_habits < RP_GEN_HABITS_MAX && rp_u01(r) < gu->habit_p) {
        i = gu->n_habits++;
        gu->habits[i].product = p;
        gu->habits[i].cycle = g->cycle[p] * (float) exp(0.2 * rp_normal(r));
        gu->habits[i].due = day + (int32_t) (gu->habits[i].cycle + 0.5);
    }
}


static void
rp_gen_day(rp_gen_t *g, int day, int64_t day_ts)
{
    int          i, k, n, items, wd, doy;
    double       mult, lambda, u01, term, cum;
    int64_t      t;
    uint32_t     u, p;
    struct tm    tm;
    time_t       tt;
    rp_guser_t  *gu;
    rp_rng_t    *r = &g->rng;

    tt = (time_t) day_ts;
    gmtime_r(&tt, &tm);
    wd = tm.tm_wday;
    doy = tm.tm_yday;

    /* weekly and seasonal rhythm */
    mult = (wd == 0 || wd == 6) ? 1.25 : (wd == 1 ? 0.9 : 1.0);
    mult *= 1 + 0.15 * sin(2 * M_PI * (doy - 80) / 365.0);
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
                rp_gen_buy(g, u, p, &t, day, (int) (rp_u01(r) * 2.2));

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
                p = rp_gen_choose(g, gu);
                u01 = rp_u01(r);

                /* cheaper products convert better */
                if (u01 < (g->cycle[p] > 0 ? 0.12 : 0.04)
                         * (g->price[p] < 2000 ? 1.3 : 1.0))
                {
                    rp_gen_buy(g, u, p, &t, day, 1 + (int) (rp_u01(r) * 2));
                    continue;
                }

                rp_gen_push(g, t, u, p, RP_EVENT_VIEW);
                t += 5 + (int64_t) (rp_u01(r) * 90);

                if (u01 < 0.3) {
                    rp_gen_push(g, t, u, p, RP_EVENT_ADD_TO_CART);
                    t += 10 + (int64_t) (rp_u01(r) * 120);
                }
            }
        }
    }
}


/* Counting sort by second of the day (stable, so ties keep push order). */
static int
rp_gen_flush(rp_gen_t *g, FILE *f, int64_t day_ts)
{
    size_t       i, n, k, len;
    int64_t      off;
    uint64_t     id;
    rp_gev_t    *e;
    rp_event_t   ev;
    char         buf[3 * RP_ID_MAX + 128];

    if (g->day_n > g->sorted_cap) {
        g->sorted_cap = g->day_cap;
        g->sorted = rp_xrealloc(g->sorted, g->sorted_cap * sizeof(rp_gev_t));
    }

    memset(g->bucket, 0, (RP_GEN_SPAN + 1) * sizeof(uint32_t));

    for (i = 0; i < g->day_n; i++) {
        off = g->day[i].ts - day_ts;
        off = off < 0 ? 0 : (off >= RP_GEN_SPAN ? RP_GEN_SPAN - 1 : off);
        g->bucket[off + 1]++;
    }

    for (i = 1; i <= RP_GEN_SPAN; i++) {
        g->bucket[i] += g->bucket[i - 1];
    }

    for (i = 0; i < g->day_n; i++) {
        off = g->day[i].ts - day_ts;
        off = off < 0 ? 0 : (off >= RP_GEN_SPAN ? RP_GEN_SPAN - 1 : off);
        g->sorted[g->bucket[off]++] = g->day[i];
    }

    memset(&ev, 0, sizeof(ev));
    memcpy(ev.event_id, "ev_", 3);
    ev.event_id_len = 13;

    for (i = 0; i < g->day_n; i++) {
        e = &g->sorted[i];
        id = ++g->written;

        for (k = 12; k >= 3; k--) {
            ev.event_id[k] = (char) ('0' + id % 10);
            id /= 10;
        }

        len = g->uid_len;
        memcpy(ev.user_id, g->uid[e->user], len + 1);
        ev.user_id_len = len;
        len = g->pid_len;
        memcpy(ev.product_id, g->pid[e->product], len + 1);
        ev.product_id_len = len;
        ev.type = (rp_event_type_t) e->type;
        ev.amount_cents = e->cents;
        ev.ts = e->ts;

        n = rp_event_to_csv(&ev, buf, sizeof(buf));
        if (n == 0 || fwrite(buf, 1, n, f) != n) {
            return -1;
        }
    }

    g->day_n = 0;

    return 0;
}


static void
rp_gen_free(rp_gen_t *g)
{
    uint32_t  c;

    for (c = 0; c < g->n_cats; c++) {
        free(g->cat_items[c]);
        free(g->cat_cdf[c]);
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
}


static void
rp_gen_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train generate [--users N] [--products N] [--days N]\n"
        "                         [--seed N] [--start ISO8601] [-q] [-v]"
        " -o EVENTS.csv\n"
        "  synthetic shop events (CSV, time order); -o - writes stdout\n"
        "  defaults: --users 1000 --products 500 --days 180 --seed 42\n"
        "            --start 2025-01-01T00:00:00Z\n");
}


static int
rp_gen_digits(uint64_t n)
{
    int  d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }

    return d;
}


int
rp_cmd_generate(int argc, char **argv)
{
    int              c, day, rc;
    FILE            *f;
    int64_t          users, products, days, seed, start;
    uint64_t         sm;
    uint32_t         i;
    rp_gen_t         g;
    double           t0;
    const char      *out;

    static const struct option  opts[] = {
        { "users", required_argument, NULL, 'u' },
        { "products", required_argument, NULL, 'p' },
        { "days", required_argument, NULL, 'd' },
        { "seed", required_argument, NULL, 's' },
        { "start", required_argument, NULL, 'S' },
        { "output", required_argument, NULL, 'o' },
        { "quiet", no_argument, NULL, 'q' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    users = 1000;
    products = 500;
    days = 180;
    seed = 42;
    start = 1735689600;   /* 2025-01-01T00:00:00Z */
    out = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            if (rp_parse_i64(optarg, 1, 50000000, &users) != 0) {
                rp_err("generate: bad --users \"%s\" (1..50000000)", optarg);
                return 2;
            }
            break;
        case 'p':
            if (rp_parse_i64(optarg, 1, 10000000, &products) != 0) {
                rp_err("generate: bad --products \"%s\" (1..10000000)",
                       optarg);
                return 2;
            }
            break;
        case 'd':
            if (rp_parse_i64(optarg, 1, 3650, &days) != 0) {
                rp_err("generate: bad --days \"%s\" (1..3650)", optarg);
                return 2;
            }
            break;
        case 's':
            if (rp_parse_i64(optarg, INT64_MIN, INT64_MAX, &seed) != 0) {
                rp_err("generate: bad --seed \"%s\"", optarg);
                return 2;
            }
            break;
        case 'S':
            if (rp_parse_time_arg(optarg, &start) != 0) {
                rp_err("generate: bad --start \"%s\"", optarg);
                return 2;
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'q':
            rp_quiet = 1;
            break;
        case 'v':
            rp_verbose = 1;
            break;
        case 'h':
            rp_gen_usage(stdout);
            return 0;
        default:
            rp_gen_usage(stderr);
            return 2;
        }
    }

    if (out == NULL || optind != argc) {
        rp_err("generate: %s", out == NULL ? "-o EVENTS.csv is required"
                                           : "unexpected argument");
        rp_gen_usage(stderr);
        return 2;
    }

    t0 = rp_now_sec();
    memset(&g, 0, sizeof(g));
    sm = (uint64_t) seed;
    for (i = 0; i < 4; i++) {
        g.rng.s[i] = rp_splitmix(&sm);
    }
    g.n_users = (uint32_t) users;
    g.n_products = (uint32_t) products;
    g.n_days = (int32_t) days;
    /* the MVP's ids (user_00001, prod_0001), wider only when needed */
    g.uid_width = rp_gen_digits(users) > 5 ? rp_gen_digits(users) : 5;
    g.pid_width = rp_gen_digits(products) > 4 ? rp_gen_digits(products) : 4;

    rp_gen_setup(&g);
    g.uid_len = strlen(g.uid[0]);
    g.pid_len = strlen(g.pid[0]);
    g.bucket = rp_xalloc((RP_GEN_SPAN + 1) * sizeof(uint32_t));

    f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (f == NULL) {
        rp_err("generate: open() \"%s\" failed: %s", out, strerror(errno));
        rp_gen_free(&g);
        return 1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);

    rc = 0;
    if (fputs(RP_CSV_HEADER "\n", f) == EOF) {
        rc = -1;
    }

    for (day = 0; rc == 0 && day < days; day++) {
        rp_gen_day(&g, day, start + (int64_t) day * RP_DAY);
        rc = rp_gen_flush(&g, f, start + (int64_t) day * RP_DAY);

        if ((day + 1) % 30 == 0) {
            rp_log("generate: day %d/%d, %llu events", day + 1, (int) days,
                   (unsigned long long) g.written);
        }
    }

    if (fflush(f) != 0 || rc != 0 || (f != stdout && fclose(f) != 0)) {
        rp_err("generate: write \"%s\" failed: %s", out, strerror(errno));
        rp_gen_free(&g);
        return 1;
    }

    rp_log("generate: %llu events (%llu purchases), %u users, %u products, "
           "%d days in %.2f s", (unsigned long long) g.written,
           (unsigned long long) g.purchases, g.n_users, g.n_products,
           (int) days, rp_now_sec() - t0);

    rp_gen_free(&g);
    return 0;
}
