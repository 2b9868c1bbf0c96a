/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
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
 *   rp:{USER}        hash: the user's two fields and one field per product,
 *                    each a packed list of decimal integers, and the
 *                    replay guard r:
 *       u          "n,s,lo,hi,vn": events, amount sum, min and max (cents),
 *                  views; written at the user's first event
 *       b          "pn,ps,lp,fd,nd,np,rn": purchases, their sum (cents),
 *                  last purchase (epoch seconds), day of the first
 *                  purchase (rp_day), distinct purchase days, distinct
 *                  products bought, products bought at least twice;
 *                  written at the user's first purchase
 *       p:PRODUCT  "V" (views only) or "V,B,F,S,N,A": views, purchases,
 *                  day of the first purchase, days from the first to the
 *                  last purchase, distinct purchase days, cents spent on it
 *       r          the replay guard: "SRC:POS,SRC:POS,...", for each source
 *                  that fed the user (a Kafka topic's partition, an events
 *                  file: rp_store_source), the position (offset, line) of
 *                  the last event applied from it; most recent first, at
 *                  most RP_STORE_SOURCES_MAX. An event at or below its
 *                  source's position is a replay. Written with u.
 * The key gets the retention as TTL on every update.
 *
 * The invariants a stored user keeps (checked by the script before it
 * writes; all but r's by rp_store_parse_read): r only with u, at most
 * RP_STORE_SOURCES_MAX distinct sources, canonical positions; every number is a canonical decimal
 * of at most 15 digits; b and the products only with u; n >= 1,
 * lo <= hi <= s, vn <= n; 1 <= nd, np <= pn, rn <= np, ps <= s,
 * pn + vn <= n, fd <= day(lp), nd <= day(lp) - fd + 1; a product's
 * 1 <= V <= vn (short form) or V <= vn, 1 <= N <= B <= pn, N <= S + 1,
 * F >= fd, F + S <= day(lp), A <= ps.
 *
 * One prediction = one HMGET of rp:{USER} (3 fields). An update = one
 * EVALSHA of RP_STORE_UPDATE_LUA for up to RP_STORE_GROUP_MAX events of one
 * user: atomic, all or nothing (a corrupt state is refused before the first
 * write), and a replay (an event at or below its source's position in r)
 * changes nothing. A source's events must reach the script in their
 * order (Kafka keeps a partition's; a file is read in line order). The
 * distinct-day counts take the events in the call's order (rp_features.h).
 * rp_store_plan() groups a batch of events into such commands.
 */

#ifndef RP_STORE_H
#define RP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "rp_event.h"
#include "rp_features.h"

#define RP_STORE_PREFIX          "rp:"
/* Keys live this long after the user's last event: long enough to keep
 * the customers who come back after months. */
#define RP_STORE_RETENTION_DEF   (400 * 86400)  /* seconds */
#define RP_STORE_USER_FIELDS     2    /* u b */
#define RP_STORE_READ_FIELDS     (RP_STORE_USER_FIELDS + 1)
#define RP_STORE_DIGITS          15   /* longest stored integer */

/* The user field names, in HMGET order. */
extern const char *const rp_store_user_fields[RP_STORE_USER_FIELDS];

/* The update script; KEYS[1] user hash; ARGV[1] ttl seconds (0: none),
 * then 6 per event: source, position, type (0 view, 1 cart, 2 purchase),
 * amount cents, ts, product id. Returns an integer whose bit i
 * is set when the i-th event was applied (clear: a replay), or an error
 * reply "rp: corrupt store state in KEY: WHY" (nothing written) when the
 * stored state breaks the layout. */
extern const char RP_STORE_UPDATE_LUA[];

/* Events in one update command; the reply's bits must fit a double. */
#define RP_STORE_GROUP_MAX  32

/* Where an event comes from: its source's token (rp_store_source) and its
 * position there (a Kafka offset, a line number), >= 0. */
#define RP_STORE_SOURCE_LEN   12
#define RP_STORE_SOURCES_MAX  6
typedef struct {
    char     src[RP_STORE_SOURCE_LEN + 1];
    int64_t  pos;
} rp_store_pos_t;

/* A source's token: 12 hex digits of FNV-1a 64 of its name ("kafka:TOPIC:
 * PARTITION", "file:..."); two sources of one user colliding (odds about
 * k^2 / 2^49 for k sources) would make one's events look like replays. */
void rp_store_source(const char *name, size_t len,
    char out[RP_STORE_SOURCE_LEN + 1]);

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

/*
 * The Redis Cluster hash slot (0..16383) of a key, by the cluster's rule:
 * CRC16 (XMODEM) of the hash tag, the bytes between the first '{' and the
 * next '}' when that is not empty, else of the whole key.
 */
#define RP_STORE_SLOTS  16384
unsigned rp_store_key_slot(const char *key, size_t len);

/* "rp:{USER}" into buf; returns its length or 0 if size is short. */
size_t rp_store_user_key(const char *user, size_t ulen, char *buf, size_t size);

/*
 * HMGET rp:{USER} u b p:PRODUCT
 * product may be NULL (plen 0): then only the 2 user fields are asked.
 * Returns 0, or -1 for an invalid id.
 */
int rp_store_read_cmd(rp_store_cmd_t *cmd, const char *user, size_t ulen,
    const char *product, size_t plen);

/* 0 when the event can be stored (valid ids, type, amount in cents within
 * 0..RP_AMOUNT_MAX * 100), else -1. */
int rp_store_event_valid(const rp_event_t *ev);

/* A built update command (large: keep it off small stacks). */
#define RP_STORE_UPDATE_ARGC  (5 + 6 * RP_STORE_GROUP_MAX)
typedef struct {
    int          argc;
    const char  *argv[RP_STORE_UPDATE_ARGC];
    size_t       argvlen[RP_STORE_UPDATE_ARGC];
    char         buf[2 * (RP_STORE_KEY_MAX + 8) + 24
                     + RP_STORE_GROUP_MAX * (RP_ID_MAX + 100)];
} rp_store_update_t;

/*
 * EVALSHA sha 1 rp:{USER} ttl, then per event: source position type cents
 * ts product. evs[0..n) must be valid events of one user, at[i] where
 * evs[i] comes from, 1 <= n <= RP_STORE_GROUP_MAX. With sha == NULL it builds EVAL with the script text
 * instead (the fallback after a NOSCRIPT reply). Returns 0 / -1.
 */
int rp_store_update_cmd(rp_store_update_t *cmd, const rp_event_t *const *evs,
    const rp_store_pos_t *const *at, size_t n, int64_t ttl, const char *sha);

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

/* SCRIPT LOAD of the update script: its reply is the script's name (the
 * hex SHA-1 of its text, 40 characters) that EVALSHA takes. */
void rp_store_script_load_cmd(rp_store_cmd_t *cmd);

/* One element of an HMGET reply: str == NULL for a nil. */
typedef struct {
    const char *str;
    size_t      len;
} rp_store_val_t;

/*
 * Parses the HMGET reply (n values, 2 or 3). Sets *found to 1 when the
 * user exists (field u present). Missing fields read as 0. Returns
 * 0, or -1 with err set when a stored value is not in its format or the
 * state breaks an invariant of the layout (a corrupted store).
 */
int rp_store_parse_read(const rp_store_val_t *vals, size_t n,
    rp_user_state_t *u, rp_pair_state_t *p, int *found,
    char *err, size_t errlen);

/* A product field's packed value -> p (0), or -1 when it is not one. */
int rp_store_parse_pair(const char *s, size_t len, rp_pair_state_t *p);

/* p as the script writes it into buf; its length, or 0 if size is short. */
size_t rp_store_format_pair(const rp_pair_state_t *p, char *buf, size_t size);

#endif /* RP_STORE_H */
