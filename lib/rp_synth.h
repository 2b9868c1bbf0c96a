/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_synth.h: the behaviour model behind synthetic shop events.
 *
 * One generator for every program: "rp-train generate" writes its events
 * to a CSV file, rp-produce sends them to Kafka. The simulation walks day
 * by day. Products have a category, a price and a Zipf popularity; a
 * category is a quick (about weekly), medium (about monthly) or long
 * (about quarterly) consumable, or durable. Users are loyal, regular or
 * occasional: they join, may churn, prefer a few categories and browse in
 * sessions (views, some add_to_cart, some purchases) whose rate follows the
 * week and the season. A purchase of a consumable may become a habit: the
 * user rebuys that product on a personal cycle, with a strength that
 * depends on the user; habits lapse and users churn, so repurchase is
 * predictable from history but not trivially.
 *
 * The iterator returns the events in time order (one simulated day is
 * sorted before it is handed out, so memory stays small). The same params
 * give the same events: xoshiro256** seeded by splitmix64.
 *
 * Ids: user_%0*u (width max(5, digits of users)), prod_%0*u (width
 * max(4, digits of products)), event ids ev_%010u numbered from 1.
 *
 * Needs only libc (and libm).
 */

#ifndef RP_SYNTH_H
#define RP_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "rp_event.h"

#define RP_SYNTH_USERS_MAX     100000000u
#define RP_SYNTH_PRODUCTS_MAX  100000000u
#define RP_SYNTH_DAYS_MAX      36500u

typedef struct rp_synth_s  rp_synth_t;

typedef struct {
    uint64_t  events;       /* events returned so far */
    uint64_t  purchases;    /* of which purchases */
    uint32_t  days_done;    /* simulated days whose events were all returned */
    uint32_t  days;
    uint32_t  users;
    uint32_t  products;
} rp_synth_stats_t;

typedef struct {
    uint32_t  users;        /* 1..RP_SYNTH_USERS_MAX */
    uint32_t  products;     /* 1..RP_SYNTH_PRODUCTS_MAX */
    uint32_t  days;         /* 1..RP_SYNTH_DAYS_MAX: the simulated period */
    uint64_t  seed;
    int64_t   start;        /* first day, epoch seconds (UTC) */
    /* optional: called each time a simulated day has been returned whole */
    void    (*progress)(const rp_synth_stats_t *st, void *data);
    void     *progress_data;
} rp_synth_params_t;

/* rp-train generate's defaults: 1000 users, 500 products, 180 days, seed 42. */
#define RP_SYNTH_DEFAULT_USERS     1000
#define RP_SYNTH_DEFAULT_PRODUCTS  500
#define RP_SYNTH_DEFAULT_DAYS      180
#define RP_SYNTH_DEFAULT_SEED      42
#define RP_SYNTH_DEFAULT_START     1735689600   /* 2025-01-01T00:00:00Z */

/* Fills p with the defaults above (no progress callback). */
void rp_synth_params_default(rp_synth_params_t *p);

/* NULL on bad params or no memory, with the reason in err. */
rp_synth_t *rp_synth_create(const rp_synth_params_t *p, char *err,
    size_t errlen);

/*
 * The next event in time order: 1 = *ev filled, 0 = the simulated period
 * is over (and stays over), -1 = no memory (rp_synth_error tells).
 */
int rp_synth_next(rp_synth_t *g, rp_event_t *ev);

void rp_synth_stats(const rp_synth_t *g, rp_synth_stats_t *st);
const char *rp_synth_error(const rp_synth_t *g);

void rp_synth_destroy(rp_synth_t *g);

#endif /* RP_SYNTH_H */
