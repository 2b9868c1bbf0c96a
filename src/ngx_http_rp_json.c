/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Hand-written JSON for the fixed-shape responses: bounded writes into one
 * pool buffer, numbers in the shortest form that reads back exactly
 * (%.15g, else %.16g, else %.17g; floats %.7g, else %.9g), NaN and
 * infinities as null, strings escaped with ngx_escape_json().
 *
 * Every writer stops at last and then returns last, never a shorter
 * text: a reply whose p reached last may have been cut, and the sender
 * refuses it (ngx_http_rp_send_reply). The _len functions give the
 * longest text of each writer, so that a buffer one byte longer than their
 * sum never fills.
 */


#include "ngx_http_rp_module.h"
#include "rp_numfmt.h"
#include "rp_explain.h"

#include <math.h>


static u_char *ngx_http_rp_json_raw(u_char *p, u_char *last, const char *s,
    size_t len);
static u_char *ngx_http_rp_json_fixed(u_char *p, u_char *last,
    int64_t scaled, unsigned k);
static u_char *ngx_http_rp_json_explanation(u_char *p, u_char *last,
    ngx_http_rp_item_t *it, rp_model_t *m);


static const double  ngx_http_rp_p10[7] = {
    1, 10, 100, 1e3, 1e4, 1e5, 1e6
};


static u_char *
ngx_http_rp_json_raw(u_char *p, u_char *last, const char *s, size_t len)
{
    if (len >= (size_t) (last - p)) {
        return last;
    }

    return ngx_cpymem(p, s, len);
}


/* scaled / 10^k with exactly k decimals; digits written by hand, as this
 * runs for every feature of every answer */

static u_char *
ngx_http_rp_json_fixed(u_char *p, u_char *last, int64_t scaled, unsigned k)
{
    u_char    buf[NGX_INT64_LEN + 2], *q, *end;
    uint64_t  u;
    unsigned  i;

    end = buf + sizeof(buf);
    q = end;
    u = scaled < 0 ? 0 - (uint64_t) scaled : (uint64_t) scaled;

    for (i = 0; i < k; i++) {
        *--q = (u_char) ('0' + u % 10);
        u /= 10;
    }

    if (k) {
        *--q = '.';
    }

    do {
        *--q = (u_char) ('0' + u % 10);
        u /= 10;
    } while (u);

    if (scaled < 0) {
        *--q = '-';
    }

    return ngx_http_rp_json_raw(p, last, (char *) q, end - q);
}


u_char *
ngx_http_rp_json_double(u_char *p, u_char *last, double v)
{
    char    buf[RP_NUMFMT_G_MAX + 8];
    size_t  n;

    if (!isfinite(v)) {
        return ngx_http_rp_json_raw(p, last, "null", 4);
    }

    if (v > -1e15 && v < 1e15 && v == (double) (int64_t) v) {
        return ngx_slprintf(p, last, "%L", (int64_t) v);
    }

    n = rp_numfmt_g(buf, sizeof(buf), v, 15);

    if (strtod(buf, NULL) != v) {
        n = rp_numfmt_g(buf, sizeof(buf), v, 16);

        if (strtod(buf, NULL) != v) {
            n = rp_numfmt_g(buf, sizeof(buf), v, 17);
        }
    }

    return ngx_http_rp_json_raw(p, last, buf, n);
}


u_char *
ngx_http_rp_json_float(u_char *p, u_char *last, float v)
{
    char      buf[RP_NUMFMT_G_MAX + 8];
    size_t    n;
    double    d;
    int64_t   scaled;
    unsigned  k;

    if (!isfinite(v)) {
        return ngx_http_rp_json_raw(p, last, "null", 4);
    }

    /*
     * Most features are counts or money: the fewest decimals (up to 6)
     * that read back as the same float, without libc's printf (checked
     * offline against strtof() on 15 million random floats).
     */

    if (v > -1e9f && v < 1e9f) {
        for (k = 0; k < 7; k++) {
            d = (double) v * ngx_http_rp_p10[k];
            scaled = (int64_t) (d < 0 ? d - 0.5 : d + 0.5);

            if ((float) ((double) scaled / ngx_http_rp_p10[k]) == v) {
                return ngx_http_rp_json_fixed(p, last, scaled, k);
            }
        }
    }

    n = rp_numfmt_g(buf, sizeof(buf), (double) v, 7);

    if (strtof(buf, NULL) != v) {
        n = rp_numfmt_g(buf, sizeof(buf), (double) v, 9);
    }

    return ngx_http_rp_json_raw(p, last, buf, n);
}


size_t
ngx_http_rp_json_str_len(u_char *s, size_t len)
{
    return 2 + len + (size_t) ngx_escape_json(NULL, s, len);
}


/* s quoted and escaped, or last when that does not fit before last */

u_char *
ngx_http_rp_json_str(u_char *p, u_char *last, u_char *s, size_t len)
{
    if ((size_t) (last - p) <= ngx_http_rp_json_str_len(s, len)) {
        return last;
    }

    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s, len);
    *p++ = '"';

    return p;
}


/* s escaped without quotes (a Prometheus label value), or last */

u_char *
ngx_http_rp_json_esc(u_char *p, u_char *last, u_char *s, size_t len)
{
    if ((size_t) (last - p) <= ngx_http_rp_json_str_len(s, len) - 2) {
        return last;
    }

    return (u_char *) ngx_escape_json(p, s, len);
}


const char *
ngx_http_rp_source_name(ngx_uint_t source)
{
    return source == NGX_HTTP_RP_SRC_STORE ? "store" : "default";
}


/* A day number (rp_day) as its date, "YYYY-MM-DD"; null when n == 0 (no
 * purchase: no such day). */

u_char *
ngx_http_rp_json_day(u_char *p, u_char *last, int64_t n, int64_t day)
{
    rp_civil_t  c;

    if (n == 0) {
        return ngx_http_rp_json_raw(p, last, "null", 4);
    }

    rp_time_civil(day * RP_DAY_SECONDS, &c);

    return ngx_slprintf(p, last, "\"%04d-%02d-%02d\"", (int) c.year,
                        (int) c.month, (int) c.mday);
}


/* The features f (table order) named by map[0..n) (table indices; NULL:
 * the whole table), missing ones as null. */

u_char *
ngx_http_rp_json_features(u_char *p, u_char *last, const float *f,
    const uint8_t *map, ngx_uint_t n)
{
    u_char      key[RP_FEATURE_NAME_MAX + 4], *q;
    size_t      len;
    ngx_uint_t  i, k;

    p = ngx_http_rp_json_raw(p, last, "{", 1);

    for (i = 0; i < n; i++) {
        k = map ? map[i] : i;
        len = ngx_strnlen((u_char *) rp_features[k].name,
                          RP_FEATURE_NAME_MAX - 1);

        q = key;
        if (i) {
            *q++ = ',';
        }
        *q++ = '"';
        q = ngx_cpymem(q, rp_features[k].name, len);
        *q++ = '"';
        *q++ = ':';

        p = ngx_http_rp_json_raw(p, last, (char *) key, q - key);
        p = ngx_http_rp_json_float(p, last, f[k]);
    }

    return ngx_http_rp_json_raw(p, last, "}", 1);
}


/* the longest text of ngx_http_rp_json_features */

size_t
ngx_http_rp_json_features_len(const uint8_t *map, ngx_uint_t n)
{
    size_t      len;
    ngx_uint_t  i;

    len = sizeof("{}") - 1;

    for (i = 0; i < n; i++) {
        len += sizeof(",\"\":") - 1
               + ngx_strlen(rp_features[map ? map[i] : i].name)
               + NGX_HTTP_RP_JSON_FLOAT_LEN;
    }

    return len;
}


/* the longest text of ngx_http_rp_json_item for it and m */

size_t
ngx_http_rp_json_item_len(ngx_http_rp_item_t *it, rp_model_t *m)
{
    return sizeof("{\"user_id\":,\"product_id\":"
                  ",\"repeat_purchase_probability\":"
                  ",\"confidence\":\"medium\""
                  ",\"prediction_timestamp\":\"\""
                  ",\"model_version\":"
                  ",\"features_source\":\"default\""
                  ",\"features_used\":}") - 1
           + ngx_http_rp_json_str_len(it->user.data, it->user.len)
           + ngx_http_rp_json_str_len(it->product.data, it->product.len)
           + NGX_HTTP_RP_JSON_DOUBLE_LEN
           + NGX_HTTP_RP_JSON_TIME_LEN
           + ngx_http_rp_json_str_len((u_char *) m->hdr->version,
                                      ngx_strnlen((u_char *) m->hdr->version,
                                                  RP_MODEL_VERSION_MAX))
           + ngx_http_rp_json_features_len(m->feat_map, m->hdr->n_features)
           + (it->contrib != NULL ? ngx_http_rp_json_explanation_len(m) : 0);
}


/* the longest text of ngx_http_rp_json_explanation for m */

size_t
ngx_http_rp_json_explanation_len(rp_model_t *m)
{
    size_t      len;
    ngx_uint_t  j;

    len = sizeof(",\"explanation\":{\"method\":\"tree_shap\",\"bias\":"
                 ",\"contributions\":{}}") - 1
          + NGX_HTTP_RP_JSON_DOUBLE_LEN;

    for (j = 0; j < m->hdr->n_features; j++) {
        len += sizeof(",\"\":") - 1
               + ngx_strlen(rp_features[m->feat_map[j]].name)
               + NGX_HTTP_RP_JSON_DOUBLE_LEN;
    }

    return len;
}


/* ,"explanation":{...}: the bias and each model feature's contribution,
 * in margin space, every digit a double needs (they sum to the margin) */

static u_char *
ngx_http_rp_json_explanation(u_char *p, u_char *last, ngx_http_rp_item_t *it,
    rp_model_t *m)
{
    u_char      key[RP_FEATURE_NAME_MAX + 4], *q;
    size_t      len;
    ngx_uint_t  j;
    const char  *name;

    p = ngx_slprintf(p, last, ",\"explanation\":{\"method\":\"%s\",\"bias\":",
                     rp_explain_method_name((int) it->method));
    p = ngx_http_rp_json_double(p, last, it->bias);
    p = ngx_http_rp_json_raw(p, last, ",\"contributions\":{", 18);

    for (j = 0; j < m->hdr->n_features; j++) {
        name = rp_features[m->feat_map[j]].name;
        len = ngx_strnlen((u_char *) name, RP_FEATURE_NAME_MAX - 1);

        q = key;
        if (j) {
            *q++ = ',';
        }
        *q++ = '"';
        q = ngx_cpymem(q, name, len);
        *q++ = '"';
        *q++ = ':';

        p = ngx_http_rp_json_raw(p, last, (char *) key, q - key);
        p = ngx_http_rp_json_double(p, last, it->contrib[j]);
    }

    return ngx_http_rp_json_raw(p, last, "}}", 2);
}


u_char *
ngx_http_rp_json_item(u_char *p, u_char *last, ngx_http_rp_item_t *it,
    rp_model_t *m, struct timeval *tv)
{
    struct tm   tm;
    const char  *version;

    version = m->hdr->version;

    gmtime_r(&tv->tv_sec, &tm);

    /* fixed texts copied, not formatted: this runs for every item */
#define ngx_http_rp_json_text(p, last, s)                                    \
    ngx_http_rp_json_raw(p, last, s, sizeof(s) - 1)

    p = ngx_http_rp_json_text(p, last, "{\"user_id\":");
    p = ngx_http_rp_json_str(p, last, it->user.data, it->user.len);
    p = ngx_http_rp_json_text(p, last, ",\"product_id\":");
    p = ngx_http_rp_json_str(p, last, it->product.data, it->product.len);
    p = ngx_http_rp_json_text(p, last, ",\"repeat_purchase_probability\":");
    p = ngx_http_rp_json_double(p, last, it->prob);

    /* NGX_HTTP_RP_JSON_TIME_LEN: a year of up to 4 digits */
    p = ngx_slprintf(p, last,
                     ",\"confidence\":\"%s\""
                     ",\"prediction_timestamp\":"
                     "\"%4d-%02d-%02dT%02d:%02d:%02d.%06dZ\""
                     ",\"model_version\":",
                     rp_confidence(it->prob),
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (int) tv->tv_usec);

    p = ngx_http_rp_json_str(p, last, (u_char *) version,
                             ngx_strnlen((u_char *) version,
                                         RP_MODEL_VERSION_MAX));

    p = it->source == NGX_HTTP_RP_SRC_STORE
        ? ngx_http_rp_json_text(p, last, ",\"features_source\":\"store\""
                                         ",\"features_used\":")
        : ngx_http_rp_json_text(p, last, ",\"features_source\":\"default\""
                                         ",\"features_used\":");

    p = ngx_http_rp_json_features(p, last, it->f, m->feat_map,
                                  m->hdr->n_features);

    if (it->contrib != NULL) {
        p = ngx_http_rp_json_explanation(p, last, it, m);
    }

    return ngx_http_rp_json_text(p, last, "}");
}
