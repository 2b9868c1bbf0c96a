/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_data.c: reading events files and building samples at a cutoff.
 *
 * A file is read line by line with getline(); every row goes through the
 * core parser rp_event_from_csv(), so a bad row is rejected here exactly
 * as the consumer would reject it. Ids are interned into dense indices and
 * each event kept as a 32-byte struct, so 10 million events take about
 * 320 MB.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp_train.h"


#define RP_BAD_SHOWN   5


static uint32_t rp_intern(rp_intern_t *t, const char *s, size_t len);
static void rp_intern_free(rp_intern_t *t);
static uint32_t rp_pair_intern(rp_dataset_t *ds, uint32_t u, uint32_t p);
static int rp_dataset_row(void *ctx, const rp_event_t *ev, size_t line);


int
rp_csv_each(const char *path, int strict, rp_csv_row_pt cb, void *ctx,
    size_t *lines, size_t *bad)
{
    int          rc;
    FILE        *f;
    char        *line;
    size_t       cap, lineno, nbad, len;
    ssize_t      n;
    int64_t      now;
    rp_event_t   ev;
    char         err[RP_ERR_MAX];

    f = fopen(path, "r");
    if (f == NULL) {
        rp_err("open() \"%s\" failed: %s", path, strerror(errno));
        return -1;
    }

    setvbuf(f, NULL, _IOFBF, 1 << 20);

    /* one clock for the whole file: the time rule of every reader */
    now = (int64_t) time(NULL);
    line = NULL;
    cap = 0;
    lineno = 0;
    nbad = 0;
    rc = 0;

    n = getline(&line, &cap, f);
    if (n < 0) {
        rp_err("%s: empty file, expected the header \"%s\"", path,
               RP_CSV_HEADER);
        rc = -1;
        goto done;
    }

    lineno = 1;
    len = (size_t) n;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }

    /* a UTF-8 byte order mark is tolerated */
    if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        memmove(line, line + 3, len - 3);
        len -= 3;
    }

    if (len != sizeof(RP_CSV_HEADER) - 1
        || memcmp(line, RP_CSV_HEADER, len) != 0)
    {
        rp_err("%s: line 1: bad header \"%.*s\", expected \"%s\"", path,
               (int) (len > 200 ? 200 : len), line, RP_CSV_HEADER);
        rc = -1;
        goto done;
    }

    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        len = (size_t) n;

        if (len > 0 && line[len - 1] == '\n') {
            len--;
        }

        if (len == 0 || (len == 1 && line[0] == '\r')) {
            continue;
        }

        if (rp_event_from_csv(line, len, &ev, err, sizeof(err)) != 0
            || rp_event_time_check(ev.ts, now, rp_max_future, err,
                                   sizeof(err)) != 0)
        {
            nbad++;

            if (strict) {
                rp_err("%s: line %zu: %s (--strict)", path, lineno, err);
                rc = -1;
                goto done;
            }

            if (nbad <= RP_BAD_SHOWN) {
                rp_err("%s: line %zu: %s (skipped)", path, lineno, err);
            }

            continue;
        }

        if (cb(ctx, &ev, lineno) != 0) {
            rc = -1;
            goto done;
        }
    }

    if (ferror(f)) {
        rp_err("read() \"%s\" failed: %s", path, strerror(errno));
        rc = -1;
        goto done;
    }

    if (nbad > 0) {
        rp_err("%s: %zu bad row%s skipped (of %zu data lines)", path, nbad,
               nbad == 1 ? "" : "s", lineno - 1);
    }

done:

    free(line);
    fclose(f);

    if (lines != NULL) {
        *lines = lineno > 0 ? lineno - 1 : 0;
    }

    if (bad != NULL) {
        *bad = nbad;
    }

    return rc;
}


static uint32_t
rp_intern(rp_intern_t *t, const char *s, size_t len)
{
    size_t     i, j, nmask;
    uint32_t  *nslots, k;

    if ((size_t) t->n * 2 >= t->mask) {
        nmask = t->mask ? t->mask * 2 + 1 : 1023;
        nslots = rp_xalloc((nmask + 1) * sizeof(uint32_t));

        for (i = 0; i <= t->mask && t->slots != NULL; i++) {
            if (t->slots[i] == 0) {
                continue;
            }
            k = t->slots[i] - 1;
            j = rp_id_hash(t->names[k], t->lens[k]) & nmask;
            while (nslots[j] != 0) {
                j = (j + 1) & nmask;
            }
            nslots[j] = t->slots[i];
        }

        free(t->slots);
        t->slots = nslots;
        t->mask = nmask;
    }

    i = rp_id_hash(s, len) & t->mask;

    while (t->slots[i] != 0) {
        k = t->slots[i] - 1;
        if (t->lens[k] == len && memcmp(t->names[k], s, len) == 0) {
            return k;
        }
        i = (i + 1) & t->mask;
    }

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1024;
        t->names = rp_xrealloc(t->names, t->cap * sizeof(char *));
        t->lens = rp_xrealloc(t->lens, t->cap * sizeof(uint32_t));
    }

    k = t->n++;
    t->names[k] = rp_xalloc(len + 1);
    memcpy(t->names[k], s, len);
    t->lens[k] = (uint32_t) len;
    t->slots[i] = k + 1;

    return k;
}


static void
rp_intern_free(rp_intern_t *t)
{
    uint32_t  i;

    for (i = 0; i < t->n; i++) {
        free(t->names[i]);
    }

    free(t->names);
    free(t->lens);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}


#define rp_pair_hash(key, mask)                                              \
    ((size_t) (((key) * 0x9e3779b97f4a7c15ull) >> 17) & (mask))


static uint32_t
rp_pair_intern(rp_dataset_t *ds, uint32_t u, uint32_t p)
{
    size_t     i, j, nmask;
    uint32_t  *nidx, k;
    uint64_t   key, *nslots;

    if ((size_t) ds->n_pairs * 2 >= ds->pair_mask) {
        nmask = ds->pair_mask ? ds->pair_mask * 2 + 1 : 4095;
        nslots = rp_xalloc((nmask + 1) * sizeof(uint64_t));
        nidx = rp_xalloc((nmask + 1) * sizeof(uint32_t));

        for (i = 0; i <= ds->pair_mask && ds->pair_idx != NULL; i++) {
            if (ds->pair_idx[i] == 0) {
                continue;
            }
            j = rp_pair_hash(ds->pair_slots[i], nmask);
            while (nidx[j] != 0) {
                j = (j + 1) & nmask;
            }
            nslots[j] = ds->pair_slots[i];
            nidx[j] = ds->pair_idx[i];
        }

        free(ds->pair_slots);
        free(ds->pair_idx);
        ds->pair_slots = nslots;
        ds->pair_idx = nidx;
        ds->pair_mask = nmask;
    }

    key = ((uint64_t) u << 32) | p;
    i = rp_pair_hash(key, ds->pair_mask);

    while (ds->pair_idx[i] != 0) {
        if (ds->pair_slots[i] == key) {
            return ds->pair_idx[i] - 1;
        }
        i = (i + 1) & ds->pair_mask;
    }

    if (ds->n_pairs == ds->pair_cap) {
        ds->pair_cap = ds->pair_cap ? ds->pair_cap * 2 : 4096;
        ds->pair_user = rp_xrealloc(ds->pair_user,
                                    ds->pair_cap * sizeof(uint32_t));
        ds->pair_product = rp_xrealloc(ds->pair_product,
                                       ds->pair_cap * sizeof(uint32_t));
    }

    k = ds->n_pairs++;
    ds->pair_user[k] = u;
    ds->pair_product[k] = p;
    ds->pair_slots[i] = key;
    ds->pair_idx[i] = k + 1;

    return k;
}


int
rp_idset_add(rp_idset_t *s, const char *id, size_t len)
{
    size_t     i, j, nmask;
    uint64_t   h, *ns;

    if (s->n * 2 >= s->mask) {
        nmask = s->mask ? s->mask * 2 + 1 : 65535;
        ns = rp_xalloc((nmask + 1) * sizeof(uint64_t));

        for (i = 0; s->slot != NULL && i <= s->mask; i++) {
            if (s->slot[i] != 0) {
                j = (size_t) (s->slot[i] * 0x9e3779b97f4a7c15ull >> 20)
                    & nmask;
                while (ns[j] != 0) {
                    j = (j + 1) & nmask;
                }
                ns[j] = s->slot[i];
            }
        }

        free(s->slot);
        s->slot = ns;
        s->mask = nmask;
    }

    h = rp_id_hash(id, len);
    h += (h == 0);
    i = (size_t) (h * 0x9e3779b97f4a7c15ull >> 20) & s->mask;

    while (s->slot[i] != 0) {
        if (s->slot[i] == h) {
            return 1;
        }
        i = (i + 1) & s->mask;
    }

    s->slot[i] = h;
    s->n++;
    return 0;
}


void
rp_idset_free(rp_idset_t *s)
{
    free(s->slot);
    memset(s, 0, sizeof(*s));
}


static int
rp_dataset_row(void *ctx, const rp_event_t *ev, size_t line)
{
    rp_interned_event_t       *e;
    uint32_t       u, p;
    rp_dataset_t  *ds = ctx;

    if (rp_idset_add(&ds->seen, ev->event_id, ev->event_id_len)) {
        if (ds->dups++ < 5) {
            rp_err("line %zu: event id \"%s\" seen before (skipped, as "
                   "materialize does)", line, ev->event_id);
        }
        return 0;
    }

    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? ds->cap * 2 : 65536;
        ds->ev = rp_xrealloc(ds->ev, ds->cap * sizeof(rp_interned_event_t));
    }

    u = rp_intern(&ds->users, ev->user_id, ev->user_id_len);
    p = rp_intern(&ds->products, ev->product_id, ev->product_id_len);

    e = &ds->ev[ds->n++];
    e->ts = ev->ts;
    e->cents = ev->amount_cents;
    e->user = u;
    e->pair = rp_pair_intern(ds, u, p);
    e->type = (uint8_t) ev->type;

    if (ds->n == 1 || ev->ts < ds->first_ts) {
        ds->first_ts = ev->ts;
    }

    if (ds->n == 1 || ev->ts > ds->last_ts) {
        ds->last_ts = ev->ts;
    }

    if (ds->n % 2000000 == 0) {
        rp_log("read %zu events", ds->n);
    }

    return 0;
}


int
rp_dataset_load(rp_dataset_t *ds, const char *path, int strict)
{
    double  t0;

    memset(ds, 0, sizeof(*ds));
    t0 = rp_clock_sec();

    if (rp_csv_each(path, strict, rp_dataset_row, ds, &ds->lines, &ds->bad)
        != 0)
    {
        return -1;
    }

    rp_idset_free(&ds->seen);

    if (ds->dups > 0) {
        rp_err("%s: %zu repeated event id%s skipped", path, ds->dups,
               ds->dups == 1 ? "" : "s");
    }

    if (ds->n == 0) {
        rp_err("%s: no valid events", path);
        return -1;
    }

    rp_log("read %zu events (%u users, %u products, %u pairs) in %.2f s",
           ds->n, ds->users.n, ds->products.n, ds->n_pairs,
           rp_clock_sec() - t0);

    return 0;
}


void
rp_dataset_free(rp_dataset_t *ds)
{
    free(ds->ev);
    rp_intern_free(&ds->users);
    rp_intern_free(&ds->products);
    free(ds->pair_slots);
    free(ds->pair_idx);
    free(ds->pair_user);
    free(ds->pair_product);
    rp_idset_free(&ds->seen);
    memset(ds, 0, sizeof(*ds));
}


void
rp_state_at(const rp_dataset_t *ds, int64_t cutoff, int64_t horizon,
    int64_t retention, rp_user_state_t **users_out,
    rp_pair_state_t **pairs_out, uint8_t **label_out)
{
    size_t            i;
    uint8_t          *label;
    uint32_t          k, *gen, *pgen;
    int64_t          *last;
    rp_event_t        ev;
    const rp_interned_event_t    *e;
    rp_pair_state_t  *pairs;
    rp_user_state_t  *users, *u;

    users = rp_xalloc((size_t) ds->users.n * sizeof(rp_user_state_t));
    pairs = rp_xalloc((size_t) ds->n_pairs * sizeof(rp_pair_state_t));
    label = rp_xalloc(ds->n_pairs ? ds->n_pairs : 1);

    /* a user's state has a generation, bumped when the store would have
     * forgotten the user; a pair of an older generation is empty */
    last = rp_xalloc(((size_t) ds->users.n + 1) * sizeof(int64_t));
    gen = rp_xalloc(((size_t) ds->users.n + 1) * sizeof(uint32_t));
    pgen = rp_xalloc(((size_t) ds->n_pairs + 1) * sizeof(uint32_t));

    for (k = 0; k < ds->users.n; k++) {
        rp_user_state_init(&users[k]);
    }

    memset(&ev, 0, sizeof(ev));

    for (i = 0; i < ds->n; i++) {
        e = &ds->ev[i];

        if (e->ts <= cutoff) {
            u = &users[e->user];

            if (u->event_count > 0) {
                if (retention > 0 && e->ts - last[e->user] > retention) {
                    rp_user_state_init(u);
                    gen[e->user]++;
                }
            }

            if (pgen[e->pair] != gen[e->user]) {
                rp_pair_state_init(&pairs[e->pair]);
                pgen[e->pair] = gen[e->user];
            }

            if (u->event_count == 0 || e->ts > last[e->user]) {
                last[e->user] = e->ts;
            }

            ev.type = (rp_event_type_t) e->type;
            ev.amount_cents = e->cents;
            ev.ts = e->ts;
            rp_state_apply(u, &pairs[e->pair], &ev);

            if (e->type == RP_EVENT_PURCHASE) {
                label[e->pair] |= RP_LABEL_BOUGHT;
            }

        } else if (e->ts - cutoff <= horizon
                   && e->type == RP_EVENT_PURCHASE)
        {
            label[e->pair] |= RP_LABEL_POS;
        }
    }

    for (k = 0; retention > 0 && k < ds->users.n; k++) {
        if (users[k].event_count > 0 && cutoff - last[k] > retention) {
            rp_user_state_init(&users[k]);
            gen[k]++;
        }
    }

    for (k = 0; k < ds->n_pairs; k++) {
        if (pgen[k] != gen[ds->pair_user[k]]) {
            rp_pair_state_init(&pairs[k]);
        }
    }

    free(last);
    free(gen);
    free(pgen);

    *users_out = users;
    *pairs_out = pairs;

    if (label_out != NULL) {
        *label_out = label;
    } else {
        free(label);
    }
}


int
rp_samples_build(const rp_dataset_t *ds, int64_t cutoff, int64_t horizon,
    int64_t retention, const float *const *prior, rp_samples_t *s)
{
    size_t                  n;
    uint8_t                *label;
    uint32_t                k;
    rp_pair_state_t        *pairs;
    rp_user_state_t        *users;
    const rp_user_state_t  *u;

    rp_state_at(ds, cutoff, horizon, retention, &users, &pairs, &label);

    n = 0;
    for (k = 0; k < ds->n_pairs; k++) {
        n += (label[k] & RP_LABEL_BOUGHT) != 0;
    }

    if (s->n + n > s->cap) {
        s->cap = s->n + n;
        s->x = rp_xrealloc(s->x, s->cap * RP_NFEATURES * sizeof(float));
        s->y = rp_xrealloc(s->y, s->cap * sizeof(float));
        s->pair = rp_xrealloc(s->pair, s->cap * sizeof(uint32_t));
    }

    for (k = 0; k < ds->n_pairs; k++) {
        if (!(label[k] & RP_LABEL_BOUGHT)) {
            continue;
        }

        /* a user the store forgot reads as unknown, as in the module */
        u = &users[ds->pair_user[k]];
        rp_features_compute(u->event_count > 0 ? u : NULL,
                            u->event_count > 0 ? &pairs[k] : NULL,
                            prior != NULL ? prior[ds->pair_product[k]] : NULL,
                            cutoff, &s->x[s->n * RP_NFEATURES]);
        s->y[s->n] = (label[k] & RP_LABEL_POS) != 0;
        s->pos += (label[k] & RP_LABEL_POS) != 0;
        s->pair[s->n] = k;
        s->n++;
    }

    free(users);
    free(pairs);
    free(label);

    return 0;
}


void
rp_samples_free(rp_samples_t *s)
{
    free(s->x);
    free(s->y);
    free(s->pair);
    memset(s, 0, sizeof(*s));
}
