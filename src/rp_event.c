/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_event.c: the event record, its validation and its two encodings.
 */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rp_event.h"


static const char *const rp_event_type_names[] = {
    "view", "add_to_cart", "purchase"
};


static void
rp_seterr(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, fmt, arg);
    }
}


int
rp_id_valid(const char *s, size_t len)
{
    size_t  i;

    if (s == NULL || len == 0 || len > RP_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        if (c < 0x20 || c > 0x7e) {
            return 0;
        }
    }

    return 1;
}


int
rp_event_type_parse(const char *s, size_t len, rp_event_type_t *out)
{
    int  i;

    for (i = 0; i < 3; i++) {
        if (strlen(rp_event_type_names[i]) == len
            && memcmp(rp_event_type_names[i], s, len) == 0)
        {
            *out = (rp_event_type_t) i;
            return 0;
        }
    }

    return -1;
}


const char *
rp_event_type_name(rp_event_type_t t)
{
    if ((unsigned) t > RP_EVENT_PURCHASE) {
        return "unknown";
    }

    return rp_event_type_names[t];
}


/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's). */
static int64_t
rp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t   era;
    unsigned  yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned) (y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t) doe - 719468;
}


static int
rp_digits(const char *s, size_t n, int *out)
{
    size_t  i;
    int     v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }

    *out = v;
    return 0;
}


static int
rp_time_parse_epoch(const char *s, size_t len, int64_t *out)
{
    size_t   i = 0;
    int64_t  v = 0;

    if (len == 0 || len > 19) {
        return -1;
    }

    for (; i < len && s[i] != '.'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 12) {
            return -1;                 /* not a digit, or past year 9999 */
        }
        v = v * 10 + (s[i] - '0');
    }

    if (i == 0) {
        return -1;
    }

    if (i < len) {
        /* a fraction: digits only, truncated */
        if (i + 1 == len) {
            return -1;
        }
        for (i++; i < len; i++) {
            if (s[i] < '0' || s[i] > '9') {
                return -1;
            }
        }
    }

    if (v > RP_TIME_MAX) {
        return -1;
    }

    *out = v;
    return 0;
}


int
rp_time_parse(const char *s, size_t len, int64_t *out)
{
    int      Y, M, D, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign;
    size_t   i;
    int64_t  days, t;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }

    if (len < 10 || s[4] != '-') {
        return rp_time_parse_epoch(s, len, out);
    }

    if (rp_digits(s, 4, &Y) || s[4] != '-' || rp_digits(s + 5, 2, &M)
        || s[7] != '-' || rp_digits(s + 8, 2, &D))
    {
        return -1;
    }

    if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || Y < 1970 || Y > 9999) {
        return -1;
    }

    if (M == 2 && D == 29 && !((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0)) {
        return -1;
    }

    i = 10;

    if (i < len) {
        if ((s[i] != 'T' && s[i] != 't' && s[i] != ' ') || len < i + 9) {
            return -1;
        }
        if (rp_digits(s + i + 1, 2, &h) || s[i + 3] != ':'
            || rp_digits(s + i + 4, 2, &mi) || s[i + 6] != ':'
            || rp_digits(s + i + 7, 2, &sec))
        {
            return -1;
        }
        if (h > 23 || mi > 59 || sec > 60) {
            return -1;
        }
        i += 9;

        if (i < len && s[i] == '.') {
            size_t  f = ++i;

            while (i < len && s[i] >= '0' && s[i] <= '9') {
                i++;
            }
            if (i == f || i - f > 9) {
                return -1;
            }
        }

        if (i < len) {
            if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
                i++;

            } else if ((s[i] == '+' || s[i] == '-') && len - i == 6
                       && s[i + 3] == ':')
            {
                sign = s[i] == '-' ? -1 : 1;
                if (rp_digits(s + i + 1, 2, &oh) || rp_digits(s + i + 4, 2, &om)
                    || oh > 23 || om > 59)
                {
                    return -1;
                }
                oh *= sign;
                om *= sign;
                i = len;

            } else {
                return -1;
            }
        }
    }

    if (i != len) {
        return -1;
    }

    days = rp_days_from_civil(Y, (unsigned) M, (unsigned) D);
    t = days * 86400 + h * 3600 + mi * 60 + sec;
    t -= (int64_t) oh * 3600 + (int64_t) om * 60;

    if (t < 0) {
        return -1;
    }

    *out = t;
    return 0;
}


void
rp_time_civil(int64_t ts, rp_civil_t *c)
{
    int64_t   days = ts >= 0 ? ts / 86400 : (ts - 86399) / 86400;
    int64_t   secs = ts - days * 86400;
    int64_t   z, era, y;
    unsigned  doe, yoe, doy, mp, d, m;

    /* civil_from_days (Howard Hinnant's) */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned) (z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int64_t) yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;

    c->year = y;
    c->month = (int) m;
    c->mday = (int) d;
    c->wday = (int) (((days + 4) % 7 + 7) % 7);      /* 1970-01-01: Thursday */
    c->yday = (int) (days - rp_days_from_civil(y, 1, 1));
    c->hour = (int) (secs / 3600);
    c->min = (int) (secs / 60 % 60);
    c->sec = (int) (secs % 60);
}


size_t
rp_time_format(int64_t ts, char *buf, size_t size)
{
    rp_civil_t  c;
    int         n;

    rp_time_civil(ts, &c);

    n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                 (long long) c.year, c.month, c.mday, c.hour, c.min, c.sec);

    if (n < 0 || (size_t) n >= size) {
        return 0;
    }

    return (size_t) n;
}


int
rp_amount_from_double(double v, int64_t *cents)
{
    if (!isfinite(v) || v < 0 || v > RP_AMOUNT_MAX) {
        return -1;
    }

    *cents = llround(v * 100.0);
    return 0;
}


int
rp_amount_parse(const char *s, size_t len, int64_t *cents)
{
    char    buf[64], *end;
    double  v;
    size_t  i;

    if (len == 0 || len >= sizeof(buf)) {
        return -1;
    }

    /* plain decimal numbers only: no hex, no inf/nan words, no spaces */
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E'
              || c == '+' || c == '-'))
        {
            return -1;
        }
    }

    memcpy(buf, s, len);
    buf[len] = '\0';

    errno = 0;
    v = strtod(buf, &end);

    if (end != buf + len || errno == ERANGE) {
        return -1;
    }

    return rp_amount_from_double(v, cents);
}


int
rp_csv_split(char *line, size_t len, char **fields, size_t *lens, int max)
{
    size_t  i = 0, w;
    int     n = 0;

    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }

    for ( ;; ) {
        if (n == max) {
            return -1;
        }

        if (i < len && line[i] == '"') {
            /* quoted: unescape "" in place */
            i++;
            fields[n] = line + i;
            w = i;
            for ( ;; ) {
                if (i >= len) {
                    return -1;                 /* unterminated quote */
                }
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        line[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                line[w++] = line[i++];
            }
            lens[n] = w - (size_t) (fields[n] - line);
            n++;
            if (i == len) {
                return n;
            }
            if (line[i] != ',') {
                return -1;                     /* text after the closing quote */
            }
            i++;
            continue;
        }

        fields[n] = line + i;
        while (i < len && line[i] != ',') {
            if (line[i] == '"') {
                return -1;                     /* stray quote */
            }
            i++;
        }
        lens[n] = (size_t) (line + i - fields[n]);
        n++;

        if (i == len) {
            return n;
        }
        i++;                                   /* the comma */
    }
}


static int
rp_event_set_id(char *dst, size_t *dlen, const char *what, const char *s,
    size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        rp_seterr(err, errlen, "%s is empty", what);
        return -1;
    }
    if (len > RP_ID_MAX) {
        rp_seterr(err, errlen, "%s is longer than 128 bytes", what);
        return -1;
    }
    if (!rp_id_valid(s, len)) {
        rp_seterr(err, errlen, "%s has a non-printable character", what);
        return -1;
    }

    memcpy(dst, s, len);
    dst[len] = '\0';
    *dlen = len;
    return 0;
}


int
rp_event_from_csv(char *line, size_t len, rp_event_t *ev, char *err,
    size_t errlen)
{
    char    *f[7];
    size_t   fl[7];
    int      n;

    n = rp_csv_split(line, len, f, fl, 7);

    if (n < 0) {
        rp_seterr(err, errlen, "%s", "malformed CSV (quotes or field count)");
        return -1;
    }
    if (n != 6) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "expected 6 fields, found %d", n);
        }
        return -1;
    }

    if (rp_event_set_id(ev->event_id, &ev->event_id_len, "event_id", f[0],
                        fl[0], err, errlen)
        || rp_event_set_id(ev->user_id, &ev->user_id_len, "user_id", f[1],
                           fl[1], err, errlen)
        || rp_event_set_id(ev->product_id, &ev->product_id_len, "product_id",
                           f[2], fl[2], err, errlen))
    {
        return -1;
    }

    if (rp_event_type_parse(f[3], fl[3], &ev->type) != 0) {
        rp_seterr(err, errlen, "%s", "unknown event_type");
        return -1;
    }
    if (rp_amount_parse(f[4], fl[4], &ev->amount_cents) != 0) {
        rp_seterr(err, errlen, "%s",
                  "amount is not a number between 0 and 1e10");
        return -1;
    }
    if (rp_time_parse(f[5], fl[5], &ev->ts) != 0) {
        rp_seterr(err, errlen, "%s",
                  "timestamp is neither ISO-8601 nor epoch seconds");
        return -1;
    }

    return 0;
}


static size_t
rp_csv_put(char *p, char *last, const char *s, size_t len)
{
    size_t  i, need = len;
    int     quote = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == ',' || s[i] == '"') {
            quote = 1;
            need += s[i] == '"';
        }
    }
    need += quote ? 2 : 0;

    if ((size_t) (last - p) < need) {
        return (size_t) -1;
    }

    if (!quote) {
        memcpy(p, s, len);
        return len;
    }

    *p++ = '"';
    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            *p++ = '"';
        }
        *p++ = s[i];
    }
    *p = '"';

    return need;
}


static size_t
rp_amount_format(int64_t cents, char *buf, size_t size)
{
    int  n;

    if (cents % 100 == 0) {
        n = snprintf(buf, size, "%lld", (long long) (cents / 100));
    } else {
        n = snprintf(buf, size, "%lld.%02lld", (long long) (cents / 100),
                     (long long) (cents % 100));
    }

    return (n < 0 || (size_t) n >= size) ? 0 : (size_t) n;
}


size_t
rp_event_to_csv(const rp_event_t *ev, char *buf, size_t size)
{
    char         *p = buf, *last = buf + size, tmp[64];
    const char   *s[6];
    size_t        l[6], k, i;

    s[0] = ev->event_id;   l[0] = ev->event_id_len;
    s[1] = ev->user_id;    l[1] = ev->user_id_len;
    s[2] = ev->product_id; l[2] = ev->product_id_len;
    s[3] = rp_event_type_name(ev->type);
    l[3] = strlen(s[3]);

    for (i = 0; i < 6; i++) {
        if (i == 4) {
            k = rp_amount_format(ev->amount_cents, tmp, sizeof(tmp));
            k = k ? rp_csv_put(p, last, tmp, k) : (size_t) -1;
        } else if (i == 5) {
            k = rp_time_format(ev->ts, tmp, sizeof(tmp));
            k = k ? rp_csv_put(p, last, tmp, k) : (size_t) -1;
        } else {
            k = rp_csv_put(p, last, s[i], l[i]);
        }
        if (k == (size_t) -1 || p + k + 1 >= last) {
            return 0;
        }
        p += k;
        *p++ = i == 5 ? '\n' : ',';
    }

    *p = '\0';
    return (size_t) (p - buf);
}


/*
 * Refuses what cJSON would take but JSON does not, or what a C string
 * cannot hold: a raw byte below 0x20 inside a string (cJSON copies it),
 * the escape \u0000 (cJSON decodes it to a NUL that ends the string early,
 * in values and in keys alike), and control bytes other than JSON's
 * whitespace between tokens (cJSON skips every byte up to 0x20). 0 / -1.
 */
static int
rp_json_check_bytes(const char *buf, size_t len, char *err, size_t errlen)
{
    size_t         i;
    int            in_str = 0;
    unsigned char  c;
    char           msg[80];

    for (i = 0; i < len; i++) {
        c = (unsigned char) buf[i];

        if (!in_str) {
            if (c == '"') {
                in_str = 1;
            } else if (c < 0x20 && c != ' ' && c != '\t' && c != '\n'
                       && c != '\r')
            {
                snprintf(msg, sizeof(msg), "control byte 0x%02x at offset %zu",
                         c, i);
                rp_seterr(err, errlen, "%s", msg);
                return -1;
            }
            continue;
        }

        if (c < 0x20) {
            snprintf(msg, sizeof(msg), "control byte 0x%02x inside a string "
                     "at offset %zu", c, i);
            rp_seterr(err, errlen, "%s", msg);
            return -1;
        }

        if (c == '"') {
            in_str = 0;

        } else if (c == '\\' && i + 1 < len) {
            if (buf[i + 1] == 'u' && i + 6 <= len
                && memcmp(buf + i + 2, "0000", 4) == 0)
            {
                snprintf(msg, sizeof(msg), "\\u0000 inside a string at "
                         "offset %zu", i);
                rp_seterr(err, errlen, "%s", msg);
                return -1;
            }
            i++;                       /* the escaped byte is not a quote */
        }
    }

    return 0;
}


static int
rp_json_id(cJSON *root, const char *key, char *dst, size_t *dlen, char *err,
    size_t errlen)
{
    cJSON  *it = cJSON_GetObjectItemCaseSensitive(root, key);

    if (it == NULL) {
        rp_seterr(err, errlen, "missing field \"%s\"", key);
        return -1;
    }
    if (!cJSON_IsString(it) || it->valuestring == NULL) {
        rp_seterr(err, errlen, "field \"%s\" is not a string", key);
        return -1;
    }

    return rp_event_set_id(dst, dlen, key, it->valuestring,
                           strlen(it->valuestring), err, errlen);
}


int
rp_event_from_json(const char *buf, size_t len, rp_event_t *ev, char *err,
    size_t errlen)
{
    cJSON       *root, *it;
    const char  *end = NULL;
    int          rc = -1;

    if (rp_json_check_bytes(buf, len, err, errlen) != 0) {
        return -1;
    }

    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

    if (root == NULL) {
        rp_seterr(err, errlen, "%s", "invalid JSON");
        return -1;
    }

    while (end != NULL && end < buf + len
           && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
    {
        end++;
    }

    if (end != buf + len) {
        rp_seterr(err, errlen, "%s", "trailing data after the JSON value");
        goto done;
    }

    if (!cJSON_IsObject(root)) {
        rp_seterr(err, errlen, "%s", "not a JSON object");
        goto done;
    }

    if (rp_json_id(root, "event_id", ev->event_id, &ev->event_id_len, err,
                   errlen)
        || rp_json_id(root, "user_id", ev->user_id, &ev->user_id_len, err,
                      errlen)
        || rp_json_id(root, "product_id", ev->product_id, &ev->product_id_len,
                      err, errlen))
    {
        goto done;
    }

    it = cJSON_GetObjectItemCaseSensitive(root, "event_type");
    if (!cJSON_IsString(it) || it->valuestring == NULL
        || rp_event_type_parse(it->valuestring, strlen(it->valuestring),
                               &ev->type) != 0)
    {
        rp_seterr(err, errlen, "%s", it == NULL ? "missing field \"event_type\""
                                                : "unknown event_type");
        goto done;
    }

    it = cJSON_GetObjectItemCaseSensitive(root, "amount");
    if (it == NULL) {
        rp_seterr(err, errlen, "%s", "missing field \"amount\"");
        goto done;
    }
    if (!(cJSON_IsNumber(it)
          ? rp_amount_from_double(it->valuedouble, &ev->amount_cents) == 0
          : cJSON_IsString(it) && it->valuestring != NULL
            && rp_amount_parse(it->valuestring, strlen(it->valuestring),
                               &ev->amount_cents) == 0))
    {
        rp_seterr(err, errlen, "%s", "amount is not a number between 0 and 1e10");
        goto done;
    }

    it = cJSON_GetObjectItemCaseSensitive(root, "timestamp");
    if (it == NULL) {
        rp_seterr(err, errlen, "%s", "missing field \"timestamp\"");
        goto done;
    }
    if (cJSON_IsNumber(it)) {
        if (!isfinite(it->valuedouble) || it->valuedouble < 0
            || it->valuedouble > (double) RP_TIME_MAX)
        {
            rp_seterr(err, errlen, "%s", "timestamp out of range");
            goto done;
        }
        ev->ts = (int64_t) it->valuedouble;

    } else if (!cJSON_IsString(it) || it->valuestring == NULL
               || rp_time_parse(it->valuestring, strlen(it->valuestring),
                                &ev->ts) != 0)
    {
        rp_seterr(err, errlen, "%s",
                  "timestamp is neither ISO-8601 nor epoch seconds");
        goto done;
    }

    rc = 0;

done:
    cJSON_Delete(root);
    return rc;
}


/* JSON string body: escapes quotes, backslashes and control characters. */
static size_t
rp_json_put(char *p, char *last, const char *s, size_t len)
{
    char   *start = p;
    size_t  i;

    if (p >= last) {
        return (size_t) -1;
    }
    *p++ = '"';

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];

        if (last - p < 8) {
            return (size_t) -1;
        }
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char) c;
        } else if (c < 0x20) {
            p += snprintf(p, 7, "\\u%04x", c);
        } else {
            *p++ = (char) c;
        }
    }

    if (p >= last) {
        return (size_t) -1;
    }
    *p++ = '"';

    return (size_t) (p - start);
}


size_t
rp_event_to_json(const rp_event_t *ev, char *buf, size_t size)
{
    char         *p = buf, *last = buf + size, tmp[64];
    size_t        k;
    int           n;
    const char   *keys[3] = { "event_id", "user_id", "product_id" };
    const char   *vals[3];
    size_t        lens[3], i;

    vals[0] = ev->event_id;   lens[0] = ev->event_id_len;
    vals[1] = ev->user_id;    lens[1] = ev->user_id_len;
    vals[2] = ev->product_id; lens[2] = ev->product_id_len;

    for (i = 0; i < 3; i++) {
        n = snprintf(p, (size_t) (last - p), "%s\"%s\":", i ? "," : "{",
                     keys[i]);
        if (n < 0 || n >= last - p) {
            return 0;
        }
        p += n;
        k = rp_json_put(p, last, vals[i], lens[i]);
        if (k == (size_t) -1) {
            return 0;
        }
        p += k;
    }

    if (rp_amount_format(ev->amount_cents, tmp, sizeof(tmp)) == 0) {
        return 0;
    }

    n = snprintf(p, (size_t) (last - p),
                 ",\"event_type\":\"%s\",\"amount\":%s,\"timestamp\":\"",
                 rp_event_type_name(ev->type), tmp);
    if (n < 0 || n >= last - p) {
        return 0;
    }
    p += n;

    k = rp_time_format(ev->ts, p, (size_t) (last - p));
    if (k == 0 || last - (p + k) < 3) {
        return 0;
    }
    p += k;
    *p++ = '"';
    *p++ = '}';
    *p = '\0';

    return (size_t) (p - buf);
}


int
rp_event_time_check(int64_t ts, int64_t now, int64_t max_future, char *err,
    size_t errlen)
{
    char  t[32], n[32], msg[RP_ERR_MAX];

    if (ts - now <= max_future) {
        return 0;
    }

    if (err != NULL && errlen > 0) {
        if (rp_time_format(ts, t, sizeof(t)) == 0) {
            snprintf(t, sizeof(t), "%lld", (long long) ts);
        }
        if (rp_time_format(now, n, sizeof(n)) == 0) {
            snprintf(n, sizeof(n), "%lld", (long long) now);
        }
        snprintf(msg, sizeof(msg), "timestamp %s is more than %lld s ahead "
                 "of the clock (%s)", t, (long long) max_future, n);
        rp_seterr(err, errlen, "%s", msg);
    }

    return -1;
}


uint64_t
rp_id_hash(const char *s, size_t len)
{
    size_t    i;
    uint64_t  h;

    h = 1469598103934665603ull;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ull;
    }

    /* FNV-1a's high bits (a table's home slot) mix poorly: fold them */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;

    return h;
}
