
/*
 * Copyright (C) rp authors
 *
 * Hand-written JSON for the fixed-shape responses: bounded writes into one
 * pool buffer, numbers in the shortest form that reads back exactly
 * (%.15g, else %.16g, else %.17g; floats %.7g, else %.9g), NaN and
 * infinities as null, strings escaped with ngx_escape_json().
 */


#include "ngx_http_rp_module.h"

#include <math.h>


static u_char *ngx_http_rp_json_raw(u_char *p, u_char *last, const char *s,
    size_t len);
static u_char *ngx_http_rp_json_fixed(u_char *p, u_char *last,
    int64_t scaled, unsigned k);


static const double  ngx_http_rp_p10[7] = {
    1, 10, 100, 1e3, 1e4, 1e5, 1e6
};


static u_char *
ngx_http_rp_json_raw(u_char *p, u_char *last, const char *s, size_t len)
{
    if (len > (size_t) (last - p)) {
        len = last - p;
    }

    return ngx_cpymem(p, s, len);
}


/* scaled / 10^k with exactly k decimals */

static u_char *
ngx_http_rp_json_fixed(u_char *p, u_char *last, int64_t scaled, unsigned k)
{
    u_char    frac[8];
    int64_t   ip, fp, div;
    unsigned  i;

    if (scaled < 0) {
        p = ngx_slprintf(p, last, "-");
        scaled = -scaled;
    }

    div = (int64_t) ngx_http_rp_p10[k];
    ip = scaled / div;
    fp = scaled % div;

    p = ngx_slprintf(p, last, "%L", ip);

    if (k == 0) {
        return p;
    }

    for (i = k; i > 0; i--) {
        frac[i - 1] = (u_char) ('0' + fp % 10);
        fp /= 10;
    }

    return ngx_slprintf(p, last, ".%*s", (size_t) k, frac);
}


u_char *
ngx_http_rp_json_double(u_char *p, u_char *last, double v)
{
    int   n;
    char  buf[32];

    if (!isfinite(v)) {
        return ngx_http_rp_json_raw(p, last, "null", 4);
    }

    if (v > -1e15 && v < 1e15 && v == (double) (int64_t) v) {
        return ngx_slprintf(p, last, "%L", (int64_t) v);
    }

    n = snprintf(buf, sizeof(buf), "%.15g", v);

    if (strtod(buf, NULL) != v) {
        n = snprintf(buf, sizeof(buf), "%.16g", v);

        if (strtod(buf, NULL) != v) {
            n = snprintf(buf, sizeof(buf), "%.17g", v);
        }
    }

    return ngx_http_rp_json_raw(p, last, buf, (size_t) n);
}


u_char *
ngx_http_rp_json_float(u_char *p, u_char *last, float v)
{
    int       n;
    char      buf[32];
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

    n = snprintf(buf, sizeof(buf), "%.7g", (double) v);

    if (strtof(buf, NULL) != v) {
        n = snprintf(buf, sizeof(buf), "%.9g", (double) v);
    }

    return ngx_http_rp_json_raw(p, last, buf, (size_t) n);
}


size_t
ngx_http_rp_json_str_len(u_char *s, size_t len)
{
    return 2 + len + (size_t) ngx_escape_json(NULL, s, len);
}


/* the caller has room for ngx_http_rp_json_str_len() bytes */

u_char *
ngx_http_rp_json_str(u_char *p, u_char *last, u_char *s, size_t len)
{
    if ((size_t) (last - p) < ngx_http_rp_json_str_len(s, len)) {
        return p;
    }

    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s, len);
    *p++ = '"';

    return p;
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
    ngx_uint_t  i, k;

    p = ngx_slprintf(p, last, "{");

    for (i = 0; i < n; i++) {
        k = map ? map[i] : i;
        p = ngx_slprintf(p, last, "%s\"%s\":", i ? "," : "",
                         rp_features[k].name);
        p = ngx_http_rp_json_float(p, last, f[k]);
    }

    return ngx_slprintf(p, last, "}");
}


size_t
ngx_http_rp_json_item_len(ngx_http_rp_item_t *it)
{
    /* fixed text, at most RP_NFEATURES names of < 32 bytes and numbers of
     * < 16, a 64-byte version escaped */

    return 512 + RP_NFEATURES * (RP_FEATURE_NAME_MAX + 20) + ngx_http_rp_json_str_len(it->user.data, it->user.len)
           + ngx_http_rp_json_str_len(it->product.data, it->product.len);
}


u_char *
ngx_http_rp_json_item(u_char *p, u_char *last, ngx_http_rp_item_t *it,
    rp_model_t *m, struct timeval *tv)
{
    struct tm   tm;
    const char  *version;

    version = m->hdr->version;

    gmtime_r(&tv->tv_sec, &tm);

    p = ngx_slprintf(p, last, "{\"user_id\":");
    p = ngx_http_rp_json_str(p, last, it->user.data, it->user.len);
    p = ngx_slprintf(p, last, ",\"product_id\":");
    p = ngx_http_rp_json_str(p, last, it->product.data, it->product.len);
    p = ngx_slprintf(p, last, ",\"repeat_purchase_probability\":");
    p = ngx_http_rp_json_double(p, last, it->prob);

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

    p = ngx_slprintf(p, last, ",\"features_source\":\"%s\""
                     ",\"features_used\":",
                     ngx_http_rp_source_name(it->source));

    p = ngx_http_rp_json_features(p, last, it->f, m->feat_map,
                                  m->hdr->n_features);

    return ngx_slprintf(p, last, "}");
}
