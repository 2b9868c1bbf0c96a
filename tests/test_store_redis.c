/*
 * test_store_redis.c: the update script against a real redis-server
 * (port in RP_TEST_REDIS_PORT). The state the script builds must equal the
 * in-memory rp_state_apply() state, in any order, and replays must change
 * nothing.
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

#define NUSERS     5
#define NPRODUCTS  4
#define NEVENTS    400


static redisContext  *rc;
static char           sha[41];
static rp_event_t     events[NEVENTS];


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
    rp_store_script_sha(sha);

    for (i = 0; i < NEVENTS; i++) {
        rp_event_t *e = &events[i];

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


/* Applies events in the given order (pipelined); returns how many applied. */
static int
apply_all(const int *order, int n, const char *use_sha)
{
    rp_store_cmd_t   c;
    redisReply      *r;
    int              i, applied = 0;

    for (i = 0; i < n; i++) {
        assert_int_equal(rp_store_update_cmd(&c, &events[order[i]], 3600, use_sha), 0);
        assert_int_equal(redisAppendCommandArgv(rc, c.argc, c.argv, c.argvlen), REDIS_OK);
    }
    for (i = 0; i < n; i++) {
        assert_int_equal(redisGetReply(rc, (void **) &r), REDIS_OK);
        if (r->type != REDIS_REPLY_INTEGER) {
            fail_msg("script reply type %d: %s", r->type, r->str ? r->str : "");
        }
        applied += (int) r->integer;
        freeReplyObject(r);
    }

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
    for (i = 0; i < NEVENTS; i++) {
        u = atoi(strchr(events[i].user_id, '{') + 1);
        p = atoi(events[i].product_id + 5);
        rp_state_apply(&mu[u], &mp[u][p], &events[i]);
    }

    for (u = 0; u < NUSERS; u++) {
        for (p = 0; p < NPRODUCTS; p++) {
            read_state(u, p, &su, &sp, &found);
            assert_true(found);
            assert_memory_equal(&su, &mu[u], sizeof(su));
            assert_int_equal(sp.views, mp[u][p].views);
            assert_int_equal(sp.purchases, mp[u][p].purchases);
        }
    }
}


static void
test_apply_equals_memory(void **state)
{
    int  order[NEVENTS], i, j, t;
    uint64_t s = 7;

    (void) state;
    for (i = 0; i < NEVENTS; i++) {
        order[i] = i;
    }
    /* a shuffled order: the state must not depend on it */
    for (i = NEVENTS - 1; i > 0; i--) {
        j = (int) (rnd(&s) % (uint64_t) (i + 1));
        t = order[i]; order[i] = order[j]; order[j] = t;
    }

    assert_int_equal(apply_all(order, NEVENTS / 2, NULL), NEVENTS / 2);
    assert_int_equal(apply_all(order + NEVENTS / 2, NEVENTS - NEVENTS / 2, sha),
                     NEVENTS - NEVENTS / 2);
    check_against_memory();

    /* a full replay applies nothing and changes nothing */
    assert_int_equal(apply_all(order, NEVENTS, sha), 0);
    check_against_memory();
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
    r = redisCommand(rc, "TTL %s", "rp:{user {0}}:seen");
    assert_true(r->integer > 3000 && r->integer <= 3600);
    freeReplyObject(r);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_equals_memory),
        cmocka_unit_test(test_unknown_and_ttl),
    };

    return cmocka_run_group_tests_name("store-redis", tests, setup, teardown);
}
