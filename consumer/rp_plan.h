/*
 * rp_plan.h: a batch of messages as feature-store update commands.
 *
 * rp_plan_make() parses the batch's pending messages, groups their events
 * by user (rp_store_plan: one EVALSHA per user, up to --events-per-call
 * events) and encodes those commands in Redis' protocol into one buffer,
 * which rp-consumer hands to hiredis in one piece. rp-consumer makes the
 * plan of the next batch while the batch in hand is in flight, so Redis
 * does not sit idle while messages are parsed.
 *
 * A plan remembers the batch it was made for (every message's partition
 * and offset, and which were still pending): rp_plan_fits() tells whether
 * it still describes a batch, e.g. after the messages moved from the next
 * batch to the one in hand, or after a Redis failure.
 *
 * Knows nothing of Kafka or Redis connections: a message's bytes come from
 * the caller's function.
 */

#ifndef RP_PLAN_H
#define RP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "rp_batch.h"
#include "rp_event.h"
#include "rp_store.h"

/* Marks of a batch message (rp_bmsg_t.mark) and of an update command
 * (rp_plan_t.cmark) from sending to the replies. */
#define RP_MARK_INVALID     1       /* no command: a dead letter */
#define RP_MARK_SENT        2       /* command sent, reply not read */
#define RP_MARK_EVAL        3       /* got NOSCRIPT: resend with EVAL */
#define RP_MARK_DONE        4       /* acknowledged */

typedef const char *(*rp_plan_payload_pt)(void *msg, size_t *len);

typedef struct {
    int32_t   partition;
    int64_t   offset;
    int       pending;
    int32_t   event;                /* its event, or -1 (invalid message) */
} rp_plan_msg_t;

typedef struct {
    /* the events of the batch's valid messages, and their commands */
    rp_event_t           *evs;
    const rp_event_t    **evp;
    uint32_t             *evmsg;    /* event -> index in the batch */
    uint32_t             *order;    /* rp_store_plan() of evp */
    uint32_t             *ends;     /* command k: order[ends[k-1]..ends[k]) */
    uint32_t             *work;
    uint8_t              *cmark;    /* per command, RP_MARK_* */
    size_t                nev;
    size_t                ncmd;
    size_t                evcap;

    /* the EVALSHA commands, RESP-encoded back to back */
    char                 *resp;
    size_t                resplen;
    size_t                respcap;

    /* the batch it was made for */
    rp_plan_msg_t        *msgs;
    size_t                nmsgs;
    size_t                msgcap;
    int                   made;
    int64_t               now;      /* the clock it was made at, seconds */
    int64_t               max_future;

    rp_store_update_t     cmd;      /* scratch: one command */
} rp_plan_t;

/*
 * One message as an event the store takes: the JSON parser's rules, the
 * time rule (rp_event_time_check: at most max_future seconds after now)
 * and the store's own (rp_store_event_valid). 0 / -1 with the reason.
 */
int rp_plan_event(const char *s, size_t len, rp_event_t *ev, int64_t now,
    int64_t max_future, char *err, size_t errlen);

/*
 * Makes the plan of batch b: parses each pending message with
 * rp_plan_event at the clock now (invalid ones get no event), plans the
 * commands and encodes them with sha (EVALSHA). 0, or -1 when out of
 * memory (then the plan is not made).
 */
int rp_plan_make(rp_plan_t *p, const rp_batch_t *b, rp_plan_payload_pt payload,
    const char *sha, int64_t ttl, size_t per_call, int64_t now,
    int64_t max_future);

/* 1 when p was made for b as b is now (same messages, none dropped since). */
int rp_plan_fits(const rp_plan_t *p, const rp_batch_t *b);

/*
 * Before sending: marks b's messages (RP_MARK_SENT with an event,
 * RP_MARK_INVALID without) and every command RP_MARK_SENT. p must fit b.
 */
void rp_plan_arm(rp_plan_t *p, rp_batch_t *b);

/* Builds command k into p->cmd (EVALSHA with sha, EVAL without). 0 / -1. */
int rp_plan_cmd(rp_plan_t *p, size_t k, int64_t ttl, const char *sha);

/* First index in p->order of command k's events. */
size_t rp_plan_first(const rp_plan_t *p, size_t k);

/* Forgets the batch (the plan must be made again before use). */
void rp_plan_forget(rp_plan_t *p);

void rp_plan_free(rp_plan_t *p);

#endif /* RP_PLAN_H */
