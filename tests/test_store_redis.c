/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_store_redis.c: the update script against a real redis-server
 * (port in RP_TEST_REDIS_PORT). The state the script builds must equal the
 * in-memory rp_state_apply() state of the same events in the order the
 * store received them, in any grouping; replays must change nothing; a
 * corrupt state must be refused whole.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "rp_store.h"
#include "store_cases.h"

#define NUSERS     5
#define NPRODUCTS  4
#define NEVENTS    400


static redisContext  *rc;
static char           sha[41];
static rp_event_t     events[NEVENTS];

/* the order in which the store first received each event (replays left
 * out): the in-memory state applies them in the same order */
static int            seq[NEVENTS], nseq;
static char           sent[NEVENTS];

/* where each event comes from for the replay guard: one source, the
 * position its first send gave it (a source delivers in its order) */
static rp_store_pos_t at[NEVENTS];


static void
flush(void)
{
    redisReply  *r = redisCommand(rc, "FLUSHDB");

    freeReplyObject(r);
    nseq = 0;
    memset(sent, 0, sizeof(sent));
}


static uint64_t
rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


static int
setup(void **state)
{
    const char  *port = getenv("RP_TEST_REDIS_PORT");
    redisReply  *r;
    uint64_t     s = 42;
    int          i;

    (void) state;
    if (port == NULL) {
        fprintf(stderr, "RP_TEST_REDIS_PORT is not set (run via scripts/with-redis)\n");
        return -1;
    }
    rc = redisConnect("127.0.0.1", atoi(port));
    if (rc == NULL || rc->err) {
        fprintf(stderr, "cannot connect to redis on port %s\n", port);
        return -1;
    }
    r = redisCommand(rc, "SELECT 9");
    freeReplyObject(r);
    r = redisCommand(rc, "FLUSHDB");
    freeReplyObject(r);
    /* the script's name is what SCRIPT LOAD answers */
    {
        rp_store_cmd_t  lc;

        rp_store_script_load_cmd(&lc);
        r = redisCommandArgv(rc, lc.argc, lc.argv, lc.argvlen);
        if (r == NULL || r->type != REDIS_REPLY_STRING || r->len != 40) {
            fprintf(stderr, "SCRIPT LOAD failed\n");
            return -1;
        }
        memcpy(sha, r->str, 41);
        freeReplyObject(r);
    }

    for (i = 0; i < NEVENTS; i++) {
        rp_event_t *e = &events[i];

        rp_store_source("test:events", 11, at[i].src);

        memset(e, 0, sizeof(*e));
        e->event_id_len = (size_t) sprintf(e->event_id, "ev-%d", i);
        e->user_id_len = (size_t) sprintf(e->user_id, "user {%d}", (int) (rnd(&s) % NUSERS));
        e->product_id_len = (size_t) sprintf(e->product_id, "prod:%d", (int) (rnd(&s) % NPRODUCTS));
        e->type = (rp_event_type_t) (rnd(&s) % 3);
        e->amount_cents = (int64_t) (rnd(&s) % 100000);
        e->ts = 1700000000 + (int64_t) (rnd(&s) % (90 * 86400));
    }

    return 0;
}


static int
teardown(void **state)
{
    (void) state;
    if (rc != NULL) {
        redisFree(rc);
    }
    return 0;
}


/*
 * Applies events in the given order, batch events at a time: each batch is
 * planned into update commands (rp_store_plan), pipelined, and the replies'
 * bits counted. Returns how many events were applied.
 */
static int
apply_all(const int *order, int n, const char *use_sha, int batch)
{
    static rp_store_update_t   c;
    const rp_event_t          *evs[2 * NEVENTS], *grp[RP_STORE_GROUP_MAX];
    const rp_store_pos_t      *pos[2 * NEVENTS], *gat[RP_STORE_GROUP_MAX];
    uint32_t                   ord[2 * NEVENTS], ends[2 * NEVENTS];
    uint32_t                  *work;
    redisReply                *r;
    size_t                     nc, k, i, from;
    int                        b, bn, applied = 0;

    work = malloc(rp_store_plan_words(2 * NEVENTS) * sizeof(uint32_t));
    assert_non_null(work);

    for (b = 0; b < n; b += batch) {
        bn = n - b < batch ? n - b : batch;
        for (i = 0; i < (size_t) bn; i++) {
            evs[i] = &events[order[b + (int) i]];
            pos[i] = &at[order[b + (int) i]];
            if (!sent[order[b + (int) i]]) {
                sent[order[b + (int) i]] = 1;
                at[order[b + (int) i]].pos = nseq;
                seq[nseq++] = order[b + (int) i];
            }
        }
        nc = rp_store_plan(evs, (size_t) bn, RP_STORE_GROUP_MAX, ord, ends,
                           work);

        for (k = 0, from = 0; k < nc; from = ends[k++]) {
            for (i = from; i < ends[k]; i++) {
                grp[i - from] = evs[ord[i]];
                gat[i - from] = pos[ord[i]];
            }
            assert_int_equal(rp_store_update_cmd(&c, grp, gat, ends[k] - from,
                                                 3600, use_sha), 0);
            assert_int_equal(redisAppendCommandArgv(rc, c.argc, c.argv,
                                                    c.argvlen), REDIS_OK);
        }
        for (k = 0, from = 0; k < nc; from = ends[k++]) {
            assert_int_equal(redisGetReply(rc, (void **) &r), REDIS_OK);
            if (r->type != REDIS_REPLY_INTEGER) {
                fail_msg("script reply type %d: %s", r->type, r->str ? r->str : "");
            }
            /* one bit per event of the command, no more */
            assert_true(r->integer >= 0
                        && r->integer < (1LL << (ends[k] - from)));
            applied += __builtin_popcountll((unsigned long long) r->integer);
            freeReplyObject(r);
        }
    }

    free(work);
    return applied;
}


static void
read_state(int user, int product, rp_user_state_t *u, rp_pair_state_t *p,
    int *found)
{
    rp_store_cmd_t   c;
    rp_store_val_t   v[RP_STORE_READ_FIELDS];
    redisReply      *r;
    char             uid[32], pid[32], err[RP_ERR_MAX];
    size_t           i;

    sprintf(uid, "user {%d}", user);
    sprintf(pid, "prod:%d", product);
    assert_int_equal(rp_store_read_cmd(&c, uid, strlen(uid), pid, strlen(pid)), 0);
    r = redisCommandArgv(rc, c.argc, c.argv, c.argvlen);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, RP_STORE_READ_FIELDS);
    for (i = 0; i < r->elements; i++) {
        v[i].str = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : NULL;
        v[i].len = r->element[i]->len;
    }
    assert_int_equal(rp_store_parse_read(v, r->elements, u, p, found, err,
                                         sizeof(err)), 0);
    freeReplyObject(r);
}


static void
check_against_memory(void)
{
    rp_user_state_t  mu[NUSERS], su;
    rp_pair_state_t  mp[NUSERS][NPRODUCTS], sp;
    int              i, u, p, found;

    memset(mp, 0, sizeof(mp));
    for (u = 0; u < NUSERS; u++) {
        rp_user_state_init(&mu[u]);
    }
    assert_int_equal(nseq, NEVENTS);
    for (i = 0; i < NEVENTS; i++) {
        const rp_event_t *e = &events[seq[i]];

        u = atoi(strchr(e->user_id, '{') + 1);
        p = atoi(e->product_id + 5);
        rp_state_apply(&mu[u], &mp[u][p], e);
    }

    for (u = 0; u < NUSERS; u++) {
        for (p = 0; p < NPRODUCTS; p++) {
            read_state(u, p, &su, &sp, &found);
            assert_true(found);
            assert_memory_equal(&su, &mu[u], sizeof(su));
            assert_memory_equal(&sp, &mp[u][p], sizeof(sp));
        }
    }
}


static void
shuffle(int *order, int n, uint64_t seed)
{
    int  i, j, t;

    for (i = 0; i < n; i++) {
        order[i] = i;
    }
    for (i = n - 1; i > 0; i--) {
        j = (int) (rnd(&seed) % (uint64_t) (i + 1));
        t = order[i]; order[i] = order[j]; order[j] = t;
    }
}


static void
test_apply_equals_memory(void **state)
{
    int  order[NEVENTS];

    (void) state;
    /* a shuffled order: late events on days already inside a span */
    flush();
    shuffle(order, NEVENTS, 7);

    /* one event per command (EVAL), then groups of up to 32 (EVALSHA) */
    assert_int_equal(apply_all(order, NEVENTS / 2, NULL, 1), NEVENTS / 2);
    assert_int_equal(apply_all(order + NEVENTS / 2, NEVENTS - NEVENTS / 2,
                               sha, 37), NEVENTS - NEVENTS / 2);
    check_against_memory();

    /* a full replay applies nothing and changes nothing, in any grouping */
    assert_int_equal(apply_all(order, NEVENTS, sha, NEVENTS), 0);
    assert_int_equal(apply_all(order, NEVENTS, sha, 3), 0);
    check_against_memory();
}


/* Any grouping reaches the same store: big batches (commands of 32 events
 * of one user, 80 per user here), every event twice in one batch, and a
 * replay mixed into new events, where only the new ones' bits are set. */
static void
test_groupings(void **state)
{
    static int  twice[2 * NEVENTS];
    int         order[NEVENTS], i, seed;

    (void) state;
    for (seed = 1; seed <= 3; seed++) {
        flush();
        shuffle(order, NEVENTS, (uint64_t) seed * 1000);

        if (seed == 1) {
            assert_int_equal(apply_all(order, NEVENTS, sha, NEVENTS), NEVENTS);
        } else if (seed == 2) {
            for (i = 0; i < NEVENTS; i++) {
                twice[2 * i] = order[i];
                twice[2 * i + 1] = order[i];
            }
            assert_int_equal(apply_all(twice, 2 * NEVENTS, sha, 2 * NEVENTS),
                             NEVENTS);
        } else {
            assert_int_equal(apply_all(order, 150, sha, 150), 150);
            assert_int_equal(apply_all(order + 100, NEVENTS - 100, sha, 64),
                             NEVENTS - 150);
        }
        check_against_memory();
    }
}


/* The largest amounts, 32 in one call: the script's sums stay exact. */
static void
test_large_amounts(void **state)
{
    static rp_store_update_t   c;
    static rp_event_t          ev[RP_STORE_GROUP_MAX];
    const rp_event_t          *evs[RP_STORE_GROUP_MAX];
    static rp_store_pos_t      w[RP_STORE_GROUP_MAX];
    const rp_store_pos_t      *wp[RP_STORE_GROUP_MAX];
    rp_user_state_t            u;
    rp_pair_state_t            p;
    redisReply                *r;
    int                        i, found;
    int64_t                    max = (int64_t) (RP_AMOUNT_MAX * 100);

    (void) state;
    for (i = 0; i < RP_STORE_GROUP_MAX; i++) {
        memset(&ev[i], 0, sizeof(ev[i]));
        ev[i].event_id_len = (size_t) sprintf(ev[i].event_id, "big-%d", i);
        ev[i].user_id_len = (size_t) sprintf(ev[i].user_id, "user {7}");
        ev[i].product_id_len = (size_t) sprintf(ev[i].product_id, "prod:%d", i % 2);
        ev[i].type = RP_EVENT_PURCHASE;
        ev[i].amount_cents = max - i;
        ev[i].ts = 1700000000 + i;
        evs[i] = &ev[i];
        rp_store_source("test:big", 8, w[i].src);
        w[i].pos = i;
        wp[i] = &w[i];
    }

    assert_int_equal(rp_store_update_cmd(&c, evs, wp, RP_STORE_GROUP_MAX, 0,
                                         sha), 0);
    r = redisCommandArgv(rc, c.argc, c.argv, c.argvlen);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer == (long long) ((1ULL << RP_STORE_GROUP_MAX) - 1));
    freeReplyObject(r);

    read_state(7, 1, &u, &p, &found);
    assert_true(found);
    assert_int_equal(u.event_count, RP_STORE_GROUP_MAX);
    assert_int_equal(u.purchase_count, RP_STORE_GROUP_MAX);
    assert_int_equal(u.amount_sum, RP_STORE_GROUP_MAX * max - 496);   /* 0+..+31 */
    assert_int_equal(u.purchase_sum, u.amount_sum);
    assert_int_equal(u.amount_min, max - 31);
    assert_int_equal(u.amount_max, max);
    assert_int_equal(u.last_purchase, 1700000031);
    assert_int_equal(u.repeat_products, 2);
    assert_int_equal(u.nproducts, 2);
    assert_int_equal(u.ndays, 1);
    assert_int_equal(u.first_day, 1700000000 / 86400);
    assert_int_equal(p.purchases, RP_STORE_GROUP_MAX / 2);
    assert_int_equal(p.amount, u.purchase_sum / 2 - 8);   /* odd i: 16 more */
}


static void
test_unknown_and_ttl(void **state)
{
    rp_user_state_t  u;
    rp_pair_state_t  p;
    int              found;
    redisReply      *r;

    (void) state;
    read_state(99, 0, &u, &p, &found);
    assert_false(found);

    r = redisCommand(rc, "TTL %s", "rp:{user {0}}");
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer > 3000 && r->integer <= 3600);
    freeReplyObject(r);
    /* the replay guard is a field of the user's hash: no other key */
    r = redisCommand(rc, "EXISTS %s", "rp:{user {0}}:seen");
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
}


static redisReply *
cmd(const char *fmt, ...)
{
    va_list      ap;
    redisReply  *r;

    va_start(ap, fmt);
    r = redisvCommand(rc, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}


#define UKEY  "rp:{user {8}}"

/* The good user of store_cases.h as user {8} with one case applied
 * (case < 0: none). */
static void
store_case(int c)
{
    redisReply  *r;
    int          i;
    const char  *v;

    r = cmd("DEL %s", UKEY);
    freeReplyObject(r);
    for (i = 0; i <= RP_STORE_USER_FIELDS; i++) {
        v = i < RP_STORE_USER_FIELDS ? good_user[i] : good_pair;
        if (c >= 0 && corrupt_cases[c].field == i) {
            v = corrupt_cases[c].value;
        }
        if (v != NULL) {
            r = cmd("HSET %s %s %s", UKEY,
                    i < RP_STORE_USER_FIELDS ? rp_store_user_fields[i]
                                             : "p:prod:9", v);
            freeReplyObject(r);
        }
    }
}


/* A purchase of prod:9 on day 95 and a view of prod:1, positions 7 and
 * 8 of source "test:case"; the reply. */
static redisReply *
update_case(void)
{
    static rp_store_update_t   c;
    static rp_event_t          ev[2];
    static rp_store_pos_t      w[2];
    const rp_event_t          *evs[2] = { &ev[0], &ev[1] };
    const rp_store_pos_t      *wp[2] = { &w[0], &w[1] };
    int                        i;

    for (i = 0; i < 2; i++) {
        memset(&ev[i], 0, sizeof(ev[i]));
        ev[i].event_id_len = (size_t) sprintf(ev[i].event_id, "case-%d", i);
        ev[i].user_id_len = (size_t) sprintf(ev[i].user_id, "user {8}");
        ev[i].product_id_len = (size_t) sprintf(ev[i].product_id, "prod:%d",
                                                i ? 1 : 9);
        ev[i].type = i ? RP_EVENT_VIEW : RP_EVENT_PURCHASE;
        ev[i].amount_cents = 500;
        ev[i].ts = 95 * 86400 + 100;
        rp_store_source("test:case", 9, w[i].src);
        w[i].pos = 7 + i;
    }
    assert_int_equal(rp_store_update_cmd(&c, evs, wp, 2, 3600, NULL), 0);
    return redisCommandArgv(rc, c.argc, c.argv, c.argvlen);
}


/*
 * The script checks everything before its first write: a corrupt user is
 * refused with an error and left exactly as it was (no event id in the
 * replay guard, no field written, no TTL), and the reader refuses the same
 * state. The good state takes the events.
 */
static void
test_corrupt_refused(void **state)
{
    redisReply       *r, *before, *after;
    rp_user_state_t   u;
    rp_pair_state_t   p;
    rp_store_cmd_t    rd;
    rp_store_val_t    v[RP_STORE_READ_FIELDS];
    char              err[RP_ERR_MAX];
    int               c, found;
    size_t            i;

    (void) state;
    store_case(-1);
    r = update_case();
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_int_equal(r->integer, 3);
    freeReplyObject(r);
    read_state(8, 9, &u, &p, &found);
    assert_int_equal(p.purchases, 4);
    assert_int_equal(p.ndays, 4);
    assert_int_equal(p.last_day, 95);
    assert_int_equal(u.ndays, 5);
    assert_int_equal(u.event_count, 10);
    assert_int_equal(u.view_count, 4);

    for (c = 0; c < (int) NCORRUPT; c++) {
        store_case(c);
        before = cmd("HGETALL %s", UKEY);

        r = update_case();
        assert_non_null(r);
        if (r->type != REDIS_REPLY_ERROR) {
            fail_msg("case %d (field %d = \"%s\"): script reply type %d", c,
                     corrupt_cases[c].field,
                     corrupt_cases[c].value ? corrupt_cases[c].value : "nil",
                     r->type);
        }
        assert_non_null(strstr(r->str, "corrupt"));
        freeReplyObject(r);

        after = cmd("HGETALL %s", UKEY);
        assert_int_equal(after->elements, before->elements);
        for (i = 0; i < after->elements; i++) {
            assert_string_equal(after->element[i]->str,
                                before->element[i]->str);
        }
        freeReplyObject(before);
        freeReplyObject(after);

        r = cmd("TTL %s", UKEY);
        assert_int_equal(r->integer, -1);
        freeReplyObject(r);

        /* the reader: the same state is corrupt */
        assert_int_equal(rp_store_read_cmd(&rd, "user {8}", 8, "prod:9", 6), 0);
        r = redisCommandArgv(rc, rd.argc, rd.argv, rd.argvlen);
        for (i = 0; i < r->elements; i++) {
            v[i].str = r->element[i]->type == REDIS_REPLY_STRING
                       ? r->element[i]->str : NULL;
            v[i].len = r->element[i]->len;
        }
        assert_int_equal(rp_store_parse_read(v, r->elements, &u, &p, &found,
                                             err, sizeof(err)), -1);
        freeReplyObject(r);
    }
}


/* Keys of the wrong type fail before any write, whichever it is. */
static void
test_wrong_types(void **state)
{
    redisReply  *r;

    (void) state;
    r = cmd("DEL %s", UKEY);
    freeReplyObject(r);
    r = cmd("SET %s x", UKEY);
    freeReplyObject(r);
    r = update_case();
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    r = cmd("GET %s", UKEY);
    assert_string_equal(r->str, "x");
    freeReplyObject(r);

    /* a product field without its user */
    r = cmd("DEL %s", UKEY);
    freeReplyObject(r);
    r = cmd("HSET %s p:prod:9 2", UKEY);
    freeReplyObject(r);
    r = update_case();
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    r = cmd("HLEN %s", UKEY);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
}


/*
 * The replay guard r: an event at or below its source's position is a
 * replay, whatever else the call holds; each source keeps its own
 * position; at most RP_STORE_SOURCES_MAX sources, the most recent first;
 * a malformed r is refused like any corrupt state.
 */
static void
test_replay_guard(void **state)
{
    static rp_store_update_t   c;
    static rp_event_t          ev;
    rp_store_pos_t             w[RP_STORE_SOURCES_MAX + 2];
    const rp_event_t          *evs[1] = { &ev };
    const rp_store_pos_t      *wp[1];
    redisReply                *r;
    char                       name[32];
    size_t                     k;
    int                        i;
    static const char *const   bad_r[] = {
        "", ",", "abc", "0123456789ab", "0123456789ab:", "0123456789ab:01",
        "0123456789AB:1", "0123456789a:1", "0123456789abc:1",
        "0123456789ab:1,", ",0123456789ab:1", "0123456789ab:1,,0123456789ac:2",
        "0123456789ab:1,0123456789ab:2", "0123456789ab:-1",
        "0123456789ab:12345678901234567890",
        "0123456789a0:1,0123456789a1:1,0123456789a2:1,0123456789a3:1,"
        "0123456789a4:1,0123456789a5:1,0123456789a6:1"
    };

    (void) state;
    memset(&ev, 0, sizeof(ev));
    ev.event_id_len = (size_t) sprintf(ev.event_id, "g");
    ev.user_id_len = (size_t) sprintf(ev.user_id, "user {6}");
    ev.product_id_len = (size_t) sprintf(ev.product_id, "prod:1");
    ev.type = RP_EVENT_VIEW;
    ev.ts = 1700000000;
    for (i = 0; i < RP_STORE_SOURCES_MAX + 2; i++) {
        k = (size_t) sprintf(name, "kafka:t:%d", i);
        rp_store_source(name, k, w[i].src);
    }

#define APPLY(src, p, want) do {                                            \
        w[src].pos = (p);                                                   \
        wp[0] = &w[src];                                                    \
        assert_int_equal(rp_store_update_cmd(&c, evs, wp, 1, 0, sha), 0);    \
        r = redisCommandArgv(rc, c.argc, c.argv, c.argvlen);                \
        assert_int_equal(r->type, REDIS_REPLY_INTEGER);                     \
        assert_int_equal(r->integer, (want));                               \
        freeReplyObject(r);                                                 \
    } while (0)

    r = cmd("DEL %s", "rp:{user {6}}");
    freeReplyObject(r);
    APPLY(0, 10, 1);
    APPLY(0, 10, 0);            /* the same position: a replay */
    APPLY(0, 9, 0);             /* below it: a replay */
    APPLY(0, 100, 1);           /* a longer number is further on */
    APPLY(0, 99, 0);
    APPLY(1, 5, 1);             /* another source: its own position */
    APPLY(0, 100, 0);
    APPLY(1, 5, 0);
    r = cmd("HGET %s r", "rp:{user {6}}");
    assert_non_null(strstr(r->str, w[1].src));
    assert_true(strstr(r->str, w[1].src) == r->str);    /* most recent first */
    freeReplyObject(r);

    /* more sources than kept: the least recent one is forgotten, and r
     * stays bounded */
    for (i = 2; i < RP_STORE_SOURCES_MAX + 1; i++) {
        APPLY(i, 1, 1);
    }
    r = cmd("HGET %s r", "rp:{user {6}}");
    assert_null(strstr(r->str, w[0].src));
    assert_non_null(strstr(r->str, w[1].src));
    assert_true(r->len <= RP_STORE_SOURCES_MAX * (RP_STORE_SOURCE_LEN + 21));
    freeReplyObject(r);
    r = cmd("HGET %s u", "rp:{user {6}}");
    assert_string_equal(r->str, "8,0,0,0,8");
    freeReplyObject(r);

    /* a malformed guard: refused, nothing written */
    for (k = 0; k < sizeof(bad_r) / sizeof(bad_r[0]); k++) {
        r = cmd("HSET %s r %s", "rp:{user {6}}", bad_r[k]);
        freeReplyObject(r);
        w[7].pos = 1000;
        wp[0] = &w[7];
        assert_int_equal(rp_store_update_cmd(&c, evs, wp, 1, 0, sha), 0);
        r = redisCommandArgv(rc, c.argc, c.argv, c.argvlen);
        if (r->type != REDIS_REPLY_ERROR || strstr(r->str, "corrupt") == NULL) {
            fail_msg("r = \"%s\": reply type %d", bad_r[k], r->type);
        }
        freeReplyObject(r);
        r = cmd("HGET %s u", "rp:{user {6}}");
        assert_string_equal(r->str, "8,0,0,0,8");
        freeReplyObject(r);
    }

    /* r without u */
    r = cmd("DEL %s", "rp:{user {6}}");
    freeReplyObject(r);
    r = cmd("HSET %s r %s:1", "rp:{user {6}}", w[0].src);
    freeReplyObject(r);
    w[0].pos = 2;
    wp[0] = &w[0];
    assert_int_equal(rp_store_update_cmd(&c, evs, wp, 1, 0, sha), 0);
    r = redisCommandArgv(rc, c.argc, c.argv, c.argvlen);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
#undef APPLY
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_equals_memory),
        cmocka_unit_test(test_groupings),
        cmocka_unit_test(test_large_amounts),
        cmocka_unit_test(test_unknown_and_ttl),
        cmocka_unit_test(test_corrupt_refused),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_replay_guard),
    };

    return cmocka_run_group_tests_name("store-redis", tests, setup, teardown);
}
