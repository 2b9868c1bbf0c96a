/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Counters shared by all workers in a shared-memory zone (atomic adds), and
 * the Prometheus text exposition. The zone survives `nginx -s reload`.
 */


#include "ngx_http_rp_module.h"
#include "ngx_http_rp_prom.h"
#include "ngx_http_rp_cluster.h"

#include <time.h>


#define NGX_HTTP_RP_ZONE_SIZE  (64 * 1024)


static ngx_int_t ngx_http_rp_metrics_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_uint_t ngx_http_rp_status_index(ngx_uint_t status);


static ngx_str_t  ngx_http_rp_zone_name = ngx_string("ngx_http_rp_metrics");

static const char  *ngx_http_rp_endpoints[NGX_HTTP_RP_EP_N] = {
    "predict", "predict_batch", "features", "model_info", "health", "metrics"
};

static ngx_uint_t  ngx_http_rp_statuses[NGX_HTTP_RP_STATUSES - 1] = {
    200, 400, 404, 405, 413, 415, 499, 500, 501, 502, 503, 504
};

/* upper bounds in microseconds; the last bucket is +Inf */
static uint64_t  ngx_http_rp_buckets[NGX_HTTP_RP_LAT_BUCKETS - 1] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000
};

static const char  *ngx_http_rp_bucket_names[NGX_HTTP_RP_LAT_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
    "0.025", "0.05", "0.1", "0.25", "+Inf"
};


ngx_int_t
ngx_http_rp_metrics_add_zone(ngx_conf_t *cf, ngx_http_rp_main_conf_t *rmcf)
{
    ngx_shm_zone_t  *zone;

    zone = ngx_shared_memory_add(cf, &ngx_http_rp_zone_name,
                                 NGX_HTTP_RP_ZONE_SIZE, &ngx_http_rp_module);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_http_rp_metrics_init_zone;
    rmcf->shm_zone = zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rp_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    return ngx_http_rp_shm_zone_init(shm_zone, data,
                                     sizeof(ngx_http_rp_metrics_t));
}


/*
 * The init of the module's shared zones: one zeroed struct of size bytes
 * in the slab pool, kept across reloads (data: the old cycle's zone) and
 * found again in a zone that already exists.
 */
ngx_int_t
ngx_http_rp_shm_zone_init(ngx_shm_zone_t *shm_zone, void *data, size_t size)
{
    void             *p;
    ngx_slab_pool_t  *shpool;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    p = ngx_slab_calloc(shpool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    shpool->data = p;
    shm_zone->data = p;

    return NGX_OK;
}


ngx_http_rp_metrics_t *
ngx_http_rp_metrics(void)
{
    ngx_http_rp_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);

    if (rmcf == NULL || rmcf->shm_zone == NULL) {
        return NULL;
    }

    return rmcf->shm_zone->data;
}


void
ngx_http_rp_metrics_inc(ngx_atomic_t *a)
{
    (void) ngx_atomic_fetch_add(a, 1);
}


uint64_t
ngx_http_rp_now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


static ngx_uint_t
ngx_http_rp_status_index(ngx_uint_t status)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_RP_STATUSES - 1; i++) {
        if (ngx_http_rp_statuses[i] == status) {
            return i;
        }
    }

    return NGX_HTTP_RP_STATUSES - 1;
}


/* log phase: count every request of an rp location, with its latency */

ngx_int_t
ngx_http_rp_metrics_log(ngx_http_request_t *r)
{
    uint64_t                 us;
    ngx_uint_t               ep, status, b;
    ngx_time_t              *tp;
    ngx_http_rp_ctx_t       *ctx;
    ngx_http_rp_metrics_t   *m;
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    ep = rlcf->endpoint;
    if (ep == NGX_HTTP_RP_EP_NONE) {
        return NGX_OK;
    }

    m = ngx_http_rp_metrics();
    if (m == NULL) {
        return NGX_OK;
    }

    status = r->err_status ? r->err_status : r->headers_out.status;

    ngx_http_rp_metrics_inc(&m->requests[ep][ngx_http_rp_status_index(status)]);

    ctx = ngx_http_get_module_ctx(r, ngx_http_rp_module);

    if (ctx) {
        us = ngx_http_rp_now_us() - ctx->start_us;

    } else {
        tp = ngx_timeofday();
        us = (uint64_t) ((tp->sec - r->start_sec) * 1000
                         + (tp->msec - r->start_msec)) * 1000;
    }

    for (b = 0; b < NGX_HTTP_RP_LAT_BUCKETS - 1; b++) {
        if (us <= ngx_http_rp_buckets[b]) {
            break;
        }
    }

    ngx_http_rp_metrics_inc(&m->latency[ep][b]);
    (void) ngx_atomic_fetch_add(&m->latency_sum_us[ep], (ngx_atomic_int_t) us);
    ngx_http_rp_metrics_inc(&m->latency_count[ep]);

    return NGX_OK;
}


ngx_int_t
ngx_http_rp_metrics_handler(ngx_http_request_t *r)
{
    u_char                       *body, *p, *last;
    size_t                        len;
    ngx_uint_t                    ep, i;
    ngx_atomic_uint_t             cum;
    ngx_http_rp_metrics_t        *m;
    ngx_http_rp_main_conf_t      *rmcf;
    ngx_http_rp_cluster_view_t  **views;

    static ngx_str_t  type = ngx_string("text/plain; version=0.0.4");

    m = ngx_http_rp_metrics();
    rmcf = ngx_http_get_module_main_conf(r, ngx_http_rp_module);

    /* the clusters as every worker sees them, combined once */
    views = ngx_http_rp_cluster_views(rmcf, r->pool);

    if (m == NULL || views == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = 4096 + NGX_HTTP_RP_EP_N * (NGX_HTTP_RP_STATUSES
                                     + NGX_HTTP_RP_LAT_BUCKETS + 2) * 128
          + ngx_http_rp_prom_models_len(rmcf)
          + ngx_http_rp_prom_redis_len(rmcf) + ngx_http_rp_build_prom_len()
          + ngx_http_rp_cluster_prom_len(rmcf, views);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;

    p = ngx_slprintf(p, last,
                     "# HELP rp_requests_total Requests by endpoint and "
                     "status.\n# TYPE rp_requests_total counter\n");

    for (ep = 0; ep < NGX_HTTP_RP_EP_N; ep++) {
        for (i = 0; i < NGX_HTTP_RP_STATUSES; i++) {
            if (m->requests[ep][i] == 0) {
                continue;
            }

            if (i < NGX_HTTP_RP_STATUSES - 1) {
                p = ngx_slprintf(p, last, "rp_requests_total{endpoint=\"%s\","
                                 "code=\"%ui\"} %uA\n",
                                 ngx_http_rp_endpoints[ep],
                                 ngx_http_rp_statuses[i], m->requests[ep][i]);

            } else {
                p = ngx_slprintf(p, last, "rp_requests_total{endpoint=\"%s\","
                                 "code=\"other\"} %uA\n",
                                 ngx_http_rp_endpoints[ep],
                                 m->requests[ep][i]);
            }
        }
    }

    p = ngx_slprintf(p, last,
                     "# HELP rp_request_duration_seconds Time from the "
                     "handler to the log phase.\n"
                     "# TYPE rp_request_duration_seconds histogram\n");

    for (ep = 0; ep < NGX_HTTP_RP_EP_N; ep++) {
        if (m->latency_count[ep] == 0) {
            continue;
        }

        cum = 0;

        for (i = 0; i < NGX_HTTP_RP_LAT_BUCKETS; i++) {
            cum += m->latency[ep][i];
            p = ngx_slprintf(p, last, "rp_request_duration_seconds_bucket{"
                             "endpoint=\"%s\",le=\"%s\"} %uA\n",
                             ngx_http_rp_endpoints[ep],
                             ngx_http_rp_bucket_names[i], cum);
        }

        p = ngx_slprintf(p, last, "rp_request_duration_seconds_sum{"
                         "endpoint=\"%s\"} %uA.%06uA\n"
                         "rp_request_duration_seconds_count{"
                         "endpoint=\"%s\"} %uA\n",
                         ngx_http_rp_endpoints[ep],
                         m->latency_sum_us[ep] / 1000000,
                         m->latency_sum_us[ep] % 1000000,
                         ngx_http_rp_endpoints[ep], m->latency_count[ep]);
    }

    p = ngx_slprintf(p, last,
        "# HELP rp_predictions_total Items scored (a batch counts each).\n"
        "# TYPE rp_predictions_total counter\nrp_predictions_total %uA\n"
        "# HELP rp_redis_errors_total Redis error or missing replies.\n"
        "# TYPE rp_redis_errors_total counter\nrp_redis_errors_total %uA\n"
        "# HELP rp_redis_timeouts_total Requests past rp_redis_timeout.\n"
        "# TYPE rp_redis_timeouts_total counter\n"
        "rp_redis_timeouts_total %uA\n"
        "# HELP rp_redis_connects_total Successful Redis connects.\n"
        "# TYPE rp_redis_connects_total counter\n"
        "rp_redis_connects_total %uA\n"
        "# HELP rp_fallbacks_total Items scored with default features "
        "because Redis failed or a stored value was corrupt.\n"
        "# TYPE rp_fallbacks_total counter\nrp_fallbacks_total %uA\n"
        "# HELP rp_store_corrupt_total Stored values that did not parse.\n"
        "# TYPE rp_store_corrupt_total counter\n"
        "rp_store_corrupt_total %uA\n"
        "# HELP rp_unknown_users_total Items whose user is not stored.\n"
        "# TYPE rp_unknown_users_total counter\n"
        "rp_unknown_users_total %uA\n",
        m->predictions, m->redis_errors, m->redis_timeouts,
        m->redis_reconnects, m->fallbacks + m->store_corrupt,
        m->store_corrupt, m->unknown_users);

    p = ngx_http_rp_prom_models(p, last, rmcf);
    p = ngx_http_rp_prom_redis(p, last, rmcf);
    p = ngx_http_rp_cluster_prom(p, last, rmcf, views);
    p = ngx_http_rp_build_prom(p, last);

    /* the size above is a bound on the fixed text, not exact: the buffer
     * is checked, and a cut reply is refused rather than served */
    return ngx_http_rp_send_reply(r, NGX_HTTP_OK, &type, body, p, last);
}


/*
 * Per worker, at most NGX_HTTP_RP_LOG_BURST lines a second about failed
 * items, timeouts or shedding; the next line allowed says how many were
 * dropped. A Redis in trouble fails every request, and a line per request
 * (let alone per batch item) would flood the log while saying nothing new.
 */

#define NGX_HTTP_RP_LOG_BURST  10

ngx_uint_t
ngx_http_rp_log_allowed(ngx_uint_t *suppressed)
{
    time_t             now;
    static time_t      second;
    static ngx_uint_t  lines, dropped;

    now = ngx_time();

    if (now != second) {
        second = now;
        lines = 0;
    }

    if (lines >= NGX_HTTP_RP_LOG_BURST) {
        dropped++;
        return 0;
    }

    lines++;
    *suppressed = dropped;
    dropped = 0;

    return 1;
}
