/*
 * rp_store.h: the feature store's layout in Redis, as argument vectors.
 *
 * This file owns no connection. It builds commands (argv + argvlen, for
 * hiredis' redisCommandArgv / redisAsyncCommandArgv / redisAppendCommandArgv)
 * and parses replies given as plain strings, so the trainer and consumer
 * (blocking hiredis) and the module (async hiredis on nginx's loop) share
 * one layout.
 *
 * Layout (all keys of a user share one Redis Cluster slot via the hash tag):
 *   rp:{USER}        hash: user counters and per-product counters
 *       n   event count          s   amount sum (cents)
 *       lo  amount min (cents)   hi  amount max (cents)
 *       pn  purchase count       ps  purchase sum (cents)
 *       vn  view count           rn  products bought at least twice
 *       lp  last purchase (epoch seconds)
 *       p:PRODUCT:v  views of PRODUCT      p:PRODUCT:b  purchases of PRODUCT
 *   rp:{USER}:seen   set of applied events (replay guard), each as a 63-bit
 *                    hash of its event id (rp_store_event_hash): Redis keeps
 *                    up to set-max-intset-entries (512) of them in its
 *                    compact intset encoding, 8 bytes each. Two ids of one
 *                    user colliding (odds about n^2 / 2^64 for n events)
 *                    would make the second look like a replay.
 * Both keys get the retention as TTL on every update.
 *
 * One prediction = one HMGET of rp:{USER} (11 fields). An update = one
 * EVALSHA of RP_STORE_UPDATE_LUA for up to RP_STORE_GROUP_MAX events of one
 * user: atomic, and a replay of an applied event id changes nothing.
 * rp_store_plan() groups a batch of events into such commands.
 */

#ifndef RP_STORE_H
#define RP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "rp_event.h"
#include "rp_features.h"

#define RP_STORE_PREFIX          "rp:"
#define RP_STORE_RETENTION_DEF   (30 * 86400)   /* seconds */
#define RP_STORE_USER_FIELDS     9              /* n s lo hi pn ps vn rn lp */
#define RP_STORE_READ_FIELDS     (RP_STORE_USER_FIELDS + 2)

/* The update script; KEYS[1] user hash, KEYS[2] seen set; ARGV[1] ttl
 * seconds (0: none), then 5 per event: event id hash, type (0 view, 1 cart,
 * 2 purchase), amount cents, ts, product id. Returns an integer whose bit i
 * is set when the i-th event was applied (clear: a replay). */
extern const char RP_STORE_UPDATE_LUA[];

/* Events in one update command; the reply's bits must fit a double. */
#define RP_STORE_GROUP_MAX  32

/* The replay guard's 63-bit hash of an event id (FNV-1a 64, shifted). */
uint64_t rp_store_event_hash(const char *id, size_t len);

/* Hex SHA1 of RP_STORE_UPDATE_LUA (what SCRIPT LOAD returns). 41 bytes. */
void rp_store_script_sha(char out[41]);

/* Room for the longest key or field this layout builds. */
#define RP_STORE_KEY_MAX   (RP_ID_MAX + 16)

/* A built command: argv points into buf (or at static strings). */
#define RP_STORE_ARGC_MAX  (2 + RP_STORE_READ_FIELDS)
typedef struct {
    int          argc;
    const char  *argv[RP_STORE_ARGC_MAX];
    size_t       argvlen[RP_STORE_ARGC_MAX];
    char         buf[6 * (RP_STORE_KEY_MAX + 24)];
} rp_store_cmd_t;

/* "rp:{USER}" into buf; returns its length or 0 if size is short. */
size_t rp_store_user_key(const char *user, size_t ulen, char *buf, size_t size);

/*
 * HMGET rp:{USER} n s lo hi pn ps vn rn lp p:PRODUCT:v p:PRODUCT:b
 * product may be NULL (plen 0): then only the 9 user fields are asked.
 * Returns 0, or -1 for an invalid id.
 */
int rp_store_read_cmd(rp_store_cmd_t *cmd, const char *user, size_t ulen,
    const char *product, size_t plen);

/* 0 when the event can be stored (valid ids, type, amount in cents within
 * 0..RP_AMOUNT_MAX * 100), else -1. */
int rp_store_event_valid(const rp_event_t *ev);

/* A built update command (large: keep it off small stacks). */
#define RP_STORE_UPDATE_ARGC  (6 + 5 * RP_STORE_GROUP_MAX)
typedef struct {
    int          argc;
    const char  *argv[RP_STORE_UPDATE_ARGC];
    size_t       argvlen[RP_STORE_UPDATE_ARGC];
    char         buf[2 * (RP_STORE_KEY_MAX + 8) + 24
                     + RP_STORE_GROUP_MAX * (RP_ID_MAX + 80)];
} rp_store_update_t;

/*
 * EVALSHA sha 2 rp:{USER} rp:{USER}:seen ttl, then per event: idhash type
 * cents ts product. evs[0..n) must be valid events of one user, 1 <= n <=
 * RP_STORE_GROUP_MAX. With sha == NULL it builds EVAL with the script text
 * instead (the fallback after a NOSCRIPT reply). Returns 0 / -1.
 */
int rp_store_update_cmd(rp_store_update_t *cmd, const rp_event_t *const *evs,
    size_t n, int64_t ttl, const char *sha);

/*
 * Plans the update commands of a batch of n events: order[0..n) gets the
 * event indices user by user (users in their order of first appearance,
 * each user's events in batch order) and ends[] the end of each command in
 * order[] (a command: at most per_call events of one user, 1 <= per_call
 * <= RP_STORE_GROUP_MAX). Returns the number of commands. work holds
 * rp_store_plan_words(n) uint32_t. Events of one user arrive in Redis in
 * their batch order.
 */
size_t rp_store_plan_words(size_t n);
size_t rp_store_plan(const rp_event_t *const *evs, size_t n, size_t per_call,
    uint32_t *order, uint32_t *ends, uint32_t *work);

/* SCRIPT LOAD of the update script (its reply is rp_store_script_sha()). */
void rp_store_script_load_cmd(rp_store_cmd_t *cmd);

/* One element of an HMGET reply: str == NULL for a nil. */
typedef struct {
    const char *str;
    size_t      len;
} rp_store_val_t;

/*
 * Parses the HMGET reply (n values, 9 or 11). Sets *found to 1 when the user
 * exists (any user field present). Missing fields read as 0 (lo/hi/lp as
 * "none"). Returns 0, or -1 with err set when a stored value is not a
 * canonical integer in range (a corrupted store).
 */
int rp_store_parse_read(const rp_store_val_t *vals, size_t n,
    rp_user_state_t *u, rp_pair_state_t *p, int *found,
    char *err, size_t errlen);

#endif /* RP_STORE_H */
