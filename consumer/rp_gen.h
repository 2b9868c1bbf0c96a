/*
 * rp_gen.h: a small deterministic event generator for rp-produce.
 *
 * Model: users pick products from a catalogue with fixed prices; each
 * session views a product one to three times, sometimes adds it to the
 * cart and sometimes buys it, and users come back to products they bought
 * before (so repeat purchases exist). Time moves forward from a fixed
 * start. The same seed gives the same events.
 *
 * Interim: rp-train generate (trainer/) has the project's behaviour model;
 * this one is to be unified with it.
 */

#ifndef RP_GEN_H
#define RP_GEN_H

#include <stdint.h>
#include "rp_event.h"

#define RP_GEN_QUEUE  8

typedef struct {
    uint64_t     rng;
    uint64_t     seed;
    int          users;
    int          products;
    int64_t      now;          /* timestamp of the next event */
    int64_t      step;         /* mean seconds between events */
    uint64_t     serial;       /* event id counter */
    rp_event_t   queue[RP_GEN_QUEUE];
    int          qhead;
    int          qlen;
} rp_gen_t;

/* users, products >= 1; days: span over which the events are spread. */
void rp_gen_init(rp_gen_t *g, uint64_t seed, int users, int products,
    int days, uint64_t events);

/* Next event (always succeeds). */
void rp_gen_next(rp_gen_t *g, rp_event_t *ev);

#endif /* RP_GEN_H */
