/*
 * rp_gen.c: deterministic event generator (see rp_gen.h).
 */

#include <stdio.h>
#include <string.h>

#include "rp_gen.h"

#define RP_GEN_START  1704067200      /* 2024-01-01T00:00:00Z */


static uint64_t
rp_gen_rand(rp_gen_t *g)
{
    uint64_t  z;

    /* splitmix64 */
    z = (g->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


static int
rp_gen_below(rp_gen_t *g, int n)
{
    return (int) (rp_gen_rand(g) % (uint64_t) n);
}


/* Price of a product in cents, a fixed function of the seed and product. */
static int64_t
rp_gen_price(const rp_gen_t *g, int product)
{
    uint64_t  z;

    z = (g->seed ^ 0x5bd1e995ULL) + (uint64_t) product * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 32;
    return 199 + (int64_t) (z % 20000);     /* 1.99 .. 201.98 */
}


void
rp_gen_init(rp_gen_t *g, uint64_t seed, int users, int products, int days,
    uint64_t events)
{
    memset(g, 0, sizeof(*g));
    g->seed = seed;
    g->rng = seed * 0x2545f4914f6cdd1dULL + 1;
    g->users = users > 0 ? users : 1;
    g->products = products > 0 ? products : 1;
    g->now = RP_GEN_START;
    g->step = events > 0 ? ((int64_t) days * 86400) / (int64_t) events : 1;
    if (g->step < 1) {
        g->step = 1;
    }
}


static void
rp_gen_push(rp_gen_t *g, int user, int product, rp_event_type_t type,
    int64_t cents)
{
    rp_event_t  *ev;

    ev = &g->queue[(g->qhead + g->qlen) % RP_GEN_QUEUE];
    g->qlen++;

    memset(ev, 0, sizeof(*ev));
    ev->event_id_len = (size_t) snprintf(ev->event_id, sizeof(ev->event_id),
        "evt_%llx_%08llu", (unsigned long long) (g->seed & 0xffffffff),
        (unsigned long long) g->serial++);
    ev->user_id_len = (size_t) snprintf(ev->user_id, sizeof(ev->user_id),
        "user_%05d", user);
    ev->product_id_len = (size_t) snprintf(ev->product_id,
        sizeof(ev->product_id), "prod_%04d", product);
    ev->type = type;
    ev->amount_cents = cents;
    ev->ts = g->now;
    g->now += 1 + rp_gen_below(g, (int) (2 * g->step));
}


/* A session: 1-3 views, maybe a cart, maybe a purchase. */
static void
rp_gen_session(rp_gen_t *g)
{
    int      user, product, views, i, r;
    int64_t  price;

    /* Skewed user choice: half the sessions come from a tenth of the users. */
    if (rp_gen_below(g, 2) == 0) {
        user = rp_gen_below(g, (g->users + 9) / 10);
    } else {
        user = rp_gen_below(g, g->users);
    }

    /* Each user has a few favourite products, the rest are random. */
    if (rp_gen_below(g, 100) < 40) {
        product = (int) ((uint64_t) (user * 7919 + rp_gen_below(g, 3) * 104729)
                         % (uint64_t) g->products);
    } else {
        product = rp_gen_below(g, g->products);
    }

    price = rp_gen_price(g, product);
    views = 1 + rp_gen_below(g, 3);

    for (i = 0; i < views; i++) {
        rp_gen_push(g, user + 1, product + 1, RP_EVENT_VIEW, price);
    }

    r = rp_gen_below(g, 100);
    if (r < 30) {
        rp_gen_push(g, user + 1, product + 1, RP_EVENT_ADD_TO_CART, price);
        if (r < 20) {
            rp_gen_push(g, user + 1, product + 1, RP_EVENT_PURCHASE, price);
        }
    }
}


void
rp_gen_next(rp_gen_t *g, rp_event_t *ev)
{
    if (g->qlen == 0) {
        rp_gen_session(g);
    }

    *ev = g->queue[g->qhead];
    g->qhead = (g->qhead + 1) % RP_GEN_QUEUE;
    g->qlen--;
}
