/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_event.h: the event record shared by files, Kafka and the feature store.
 *
 * One record, two encodings: a CSV row with the header
 *   event_id,user_id,product_id,event_type,amount,timestamp
 * and a JSON object with the same keys. Both parsers validate the whole
 * record before returning it, so a caller never sees half of a bad event.
 *
 * Needs only libc and cJSON.
 */

#ifndef RP_EVENT_H
#define RP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define RP_ID_MAX        128          /* bytes, excluding the NUL */
#define RP_AMOUNT_MAX    1e10         /* largest accepted amount (currency units) */
#define RP_CSV_HEADER    "event_id,user_id,product_id,event_type,amount,timestamp"
#define RP_TIME_MAX      253402300799LL  /* 9999-12-31T23:59:59Z */
#define RP_ERR_MAX       160          /* room for any error message of this library */
#define RP_MAX_FUTURE_DEF  86400      /* default clock skew allowed, seconds */

typedef enum {
    RP_EVENT_VIEW = 0,
    RP_EVENT_ADD_TO_CART = 1,
    RP_EVENT_PURCHASE = 2
} rp_event_type_t;

typedef struct {
    char             event_id[RP_ID_MAX + 1];
    char             user_id[RP_ID_MAX + 1];
    char             product_id[RP_ID_MAX + 1];
    size_t           event_id_len;
    size_t           user_id_len;
    size_t           product_id_len;
    rp_event_type_t  type;
    int64_t          amount_cents;   /* amount rounded to cents: sums stay exact */
    int64_t          ts;             /* seconds since the epoch, UTC */
} rp_event_t;

/* Ids are 1..RP_ID_MAX bytes of printable ASCII (0x20..0x7e). */
int rp_id_valid(const char *s, size_t len);

/* A 64-bit hash of an id (FNV-1a with its high bits folded), for hash
 * tables of ids: the model file's prior table stores it, so it is part of
 * the file format and must not change. */
uint64_t rp_id_hash(const char *s, size_t len);

/* "view" | "add_to_cart" | "purchase" -> type; returns -1 when unknown. */
int rp_event_type_parse(const char *s, size_t len, rp_event_type_t *out);
const char *rp_event_type_name(rp_event_type_t t);

/*
 * Timestamps: ISO-8601 UTC ("2024-03-01T12:00:00Z", optional fraction,
 * "Z" or "+00:00" or no zone, 'T' or ' ' as separator; a date alone is
 * midnight) or epoch seconds (integer or fractional). Fractions are
 * truncated to whole seconds. Returns 0 on success, -1 on error.
 */
int rp_time_parse(const char *s, size_t len, int64_t *out);

/* A UTC time broken down, as gmtime() would (proleptic Gregorian). */
typedef struct {
    int64_t  year;
    int      month;      /* 1..12 */
    int      mday;       /* 1..31 */
    int      wday;       /* 0 = Sunday */
    int      yday;       /* 0-based day of the year */
    int      hour, min, sec;
} rp_civil_t;

void rp_time_civil(int64_t ts, rp_civil_t *c);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL). Returns the length. */
size_t rp_time_format(int64_t ts, char *buf, size_t size);

/* Amount text or number -> cents; rejects negatives, NaN, Inf, > RP_AMOUNT_MAX. */
int rp_amount_parse(const char *s, size_t len, int64_t *cents);
int rp_amount_from_double(double v, int64_t *cents);

/*
 * CSV. rp_csv_split splits one line (without the newline; a trailing '\r'
 * is ignored) into at most max fields, honouring RFC 4180 quotes. Quoted
 * fields are unescaped in place, so line is modified. Returns the number
 * of fields or -1 for a malformed line (unterminated quote, too many).
 */
int rp_csv_split(char *line, size_t len, char **fields, size_t *lens, int max);

/* Parses a data row; err receives the reason on failure. 0 / -1. */
int rp_event_from_csv(char *line, size_t len, rp_event_t *ev,
    char *err, size_t errlen);

/* Writes one CSV row with a trailing '\n'; returns its length or 0 if size is short. */
size_t rp_event_to_csv(const rp_event_t *ev, char *buf, size_t size);

/*
 * Parses a JSON object (exactly one value, trailing whitespace allowed).
 * A control byte (below 0x20) inside a string, raw or as the escape
 * \u0000, refuses the whole message: JSON forbids the raw bytes, and a NUL
 * would silently cut a C string (an id, a key) short. 0 / -1.
 */
int rp_event_from_json(const char *buf, size_t len, rp_event_t *ev,
    char *err, size_t errlen);

/* Writes a compact JSON object (no newline); returns its length or 0 if short. */
size_t rp_event_to_json(const rp_event_t *ev, char *buf, size_t size);

/*
 * The rule on event times against the reader's clock, shared by every
 * program that takes in events: an event stamped more than max_future
 * seconds after now is refused (a clock far ahead would otherwise hold a
 * user's last purchase in the future for ever). now and max_future are
 * seconds; max_future >= 0. 0 when accepted; -1 with the reason in err.
 */
int rp_event_time_check(int64_t ts, int64_t now, int64_t max_future,
    char *err, size_t errlen);

#endif /* RP_EVENT_H */
