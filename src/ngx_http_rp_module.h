/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 */


#ifndef _NGX_HTTP_RP_MODULE_H_INCLUDED_
#define _NGX_HTTP_RP_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <cjson/cJSON.h>

#include "rp_event.h"
#include "rp_features.h"
#include "rp_store.h"
#include "rp_model.h"
#include "ngx_http_rp_body.h"


#define NGX_HTTP_RP_EP_PREDICT        0
#define NGX_HTTP_RP_EP_BATCH          1
#define NGX_HTTP_RP_EP_FEATURES       2
#define NGX_HTTP_RP_EP_MODEL_INFO     3
#define NGX_HTTP_RP_EP_HEALTH         4
#define NGX_HTTP_RP_EP_METRICS        5
#define NGX_HTTP_RP_EP_N              6
#define NGX_HTTP_RP_EP_NONE           ((ngx_uint_t) -1)

#define NGX_HTTP_RP_FALLBACK_DEFAULT  0
#define NGX_HTTP_RP_FALLBACK_503      1

#define NGX_HTTP_RP_REDIS_DISCONNECTED  0
#define NGX_HTTP_RP_REDIS_CONNECTING    1
#define NGX_HTTP_RP_REDIS_READY         2

/* where the features of one item came from */
#define NGX_HTTP_RP_SRC_PENDING       0
#define NGX_HTTP_RP_SRC_STORE         1   /* the user is in the store */
#define NGX_HTTP_RP_SRC_UNKNOWN       2   /* Redis answered: no such user */
#define NGX_HTTP_RP_SRC_FAILED        3   /* Redis down, slow or erroring */
#define NGX_HTTP_RP_SRC_CORRUPT       4   /* a stored value did not parse */

#define NGX_HTTP_RP_LAT_BUCKETS       12
#define NGX_HTTP_RP_STATUSES          13


/* a model mapped at configuration time; shared by locations with one path */
typedef struct {
    ngx_str_t                  path;
    rp_model_t                 model;
    ngx_str_t                  meta;       /* model.json text, or empty */
    ngx_str_t                  meta_path;
} ngx_http_rp_model_t;


/* a Redis Cluster: its nodes and slot map (ngx_http_rp_cluster.c) */
typedef struct ngx_http_rp_cluster_s  ngx_http_rp_cluster_t;

/* a request's commands routed over a cluster (ngx_http_rp_cluster_req.c) */
typedef struct ngx_http_rp_cluster_req_s  ngx_http_rp_cluster_req_t;

/* commands queued together on a Redis connection (ngx_http_rp_redis.c) */
typedef struct ngx_http_rp_redis_batch_s  ngx_http_rp_redis_batch_t;

/* reply i (0-based) of a batch of n; reply NULL: lost with the connection.
 * Called only while the batch is attached; after the last (i + 1 == n)
 * the batch is gone. */
typedef void (*ngx_http_rp_redis_reply_pt)(void *data, ngx_uint_t i,
    ngx_uint_t n, redisReply *reply);


/* one persistent connection per worker and per distinct address */
typedef struct {
    ngx_str_t                  addr;       /* as configured */
    ngx_str_t                  host;       /* NUL-terminated IP or path */
    ngx_int_t                  port;       /* 0 for a unix socket */
    ngx_str_t                 *hosts;      /* every address resolved, */
    ngx_uint_t                 nhosts;     /* host is hosts[cur_host] */
    ngx_uint_t                 cur_host;
    ngx_str_t                  password;
    ngx_int_t                  db;
    ngx_msec_t                 connect_timeout;

    redisAsyncContext         *ac;
    ngx_connection_t          *conn;
    ngx_uint_t                 state;
    ngx_uint_t                 ever_ready;  /* ready once since start */
    ngx_uint_t                 setup_pending; /* AUTH/SELECT/PING replies */
    ngx_uint_t                 setup_auth;  /* the next setup reply: AUTH */
    ngx_uint_t                 auth_failed; /* refused since last ready */
    ngx_uint_t                 in_write;    /* inside redisAsyncHandleWrite */
    ngx_msec_t                 backoff;
    ngx_uint_t                 timeouts;   /* requests, no reply between */
    ngx_uint_t                 inflight;   /* commands without a reply */
    ngx_msec_t                 waiting_since; /* last reply, or first
                                                 command after none */
    ngx_event_t                reconnect_ev;
    ngx_event_t                connect_ev;
    ngx_http_rp_redis_batch_t *qhead;      /* batches with commands out, */
    ngx_http_rp_redis_batch_t *qtail;      /* in the order Redis answers */
    ngx_http_rp_redis_batch_t *free;       /* free list of batches */
    ngx_uint_t                 nfree;
    ngx_log_t                 *log;
    ngx_uint_t                 readonly;   /* READONLY in the setup */
    ngx_uint_t                 closed;     /* closed for good: no reconnect */
} ngx_http_rp_redis_t;


typedef struct {
    ngx_atomic_t               requests[NGX_HTTP_RP_EP_N]
                                       [NGX_HTTP_RP_STATUSES];
    ngx_atomic_t               latency[NGX_HTTP_RP_EP_N]
                                      [NGX_HTTP_RP_LAT_BUCKETS];
    ngx_atomic_t               latency_sum_us[NGX_HTTP_RP_EP_N];
    ngx_atomic_t               latency_count[NGX_HTTP_RP_EP_N];
    ngx_atomic_t               predictions;
    ngx_atomic_t               redis_errors;
    ngx_atomic_t               redis_timeouts;
    ngx_atomic_t               redis_reconnects;
    ngx_atomic_t               fallbacks;
    ngx_atomic_t               store_corrupt;
    ngx_atomic_t               unknown_users;
    ngx_atomic_t               redirects_moved;
    ngx_atomic_t               redirects_ask;
} ngx_http_rp_metrics_t;


typedef struct {
    ngx_array_t                models;     /* ngx_http_rp_model_t * */
    ngx_array_t                redis;      /* ngx_http_rp_redis_t * */
    ngx_shm_zone_t            *shm_zone;
    ngx_array_t                clusters;   /* ngx_http_rp_cluster_t * */
} ngx_http_rp_main_conf_t;


typedef struct {
    ngx_http_rp_model_t       *model;
    ngx_str_t                  redis_addr;
    ngx_url_t                 *redis_url;  /* redis_addr, resolved */
    ngx_str_t                  redis_password;
    ngx_str_t                  redis_password_file;
    ngx_int_t                  redis_db;
    ngx_msec_t                 redis_connect_timeout;
    ngx_msec_t                 redis_timeout;
    ngx_uint_t                 max_batch;
    ngx_uint_t                 fallback;
    ngx_uint_t                 endpoint;
    ngx_http_rp_redis_t       *redis;
    ngx_uint_t                 explain;    /* RP_EXPLAIN_TREE_SHAP, ... */
    ngx_array_t               *cluster_seeds; /* rp_redis_cluster's */
    ngx_flag_t                 replica_reads;
    ngx_http_rp_cluster_t     *cluster;
} ngx_http_rp_loc_conf_t;


typedef struct {
    ngx_str_t                  user;
    ngx_str_t                  product;
    rp_user_state_t            u;
    rp_pair_state_t            p;
    ngx_uint_t                 source;
    float                      f[RP_NFEATURES];
    double                     prob;
    ngx_uint_t                 explain;    /* asked for an explanation */
    ngx_uint_t                 method;     /* RP_EXPLAIN_TREE_SHAP, ... */
    double                     bias;
    double                    *contrib;    /* n_features, model order;
                                              NULL: no explanation */
} ngx_http_rp_item_t;


typedef struct ngx_http_rp_ctx_s  ngx_http_rp_ctx_t;

/* the lookup of a request's items is over (every reply, or the timeout) */
typedef void (*ngx_http_rp_lookup_done_pt)(ngx_http_rp_ctx_t *ctx);

struct ngx_http_rp_ctx_s {
    ngx_http_request_t        *request;
    ngx_uint_t                 endpoint;
    ngx_http_rp_item_t        *items;
    ngx_uint_t                 nitems;
    ngx_http_rp_redis_batch_t *batch;      /* the lookup's, while out */
    ngx_http_rp_lookup_done_pt lookup_done;
    ngx_event_t                timer;
    cJSON                     *json;
    ngx_uint_t                 done;       /* the response has been sent */
    uint64_t                   start_us;   /* monotonic, for the histogram */
    ngx_uint_t                 want_product;
    ngx_http_rp_body_err_t     berr;

    /* what went wrong with this request's items, logged once at the end */
    ngx_uint_t                 nfailed;    /* error or missing replies */
    ngx_uint_t                 ncorrupt;   /* unparsable or wrong type */
    ngx_str_t                  bad_user;   /* the first such item's user */
    u_char                     bad_why[96];
    size_t                     bad_why_len;

    ngx_http_rp_cluster_req_t *creq;       /* the lookup's, on a cluster */
    ngx_uint_t                 nout;       /* commands without a reply */
};


extern ngx_module_t  ngx_http_rp_module;


/* ngx_http_rp_redis.c */
void ngx_http_rp_redis_start(ngx_http_rp_redis_t *redis, ngx_cycle_t *cycle);
void ngx_http_rp_redis_stop(ngx_http_rp_redis_t *redis);
ngx_http_rp_redis_batch_t *ngx_http_rp_redis_batch_start(
    ngx_http_rp_redis_t *redis, ngx_msec_t timeout,
    ngx_http_rp_redis_reply_pt handler, void *data, ngx_log_t *log,
    ngx_int_t *rc);
ngx_int_t ngx_http_rp_redis_batch_add(ngx_http_rp_redis_batch_t *b,
    const char *cmd, size_t len);
ngx_int_t ngx_http_rp_redis_batch_send(ngx_http_rp_redis_batch_t *b);
void ngx_http_rp_redis_batch_detach(ngx_http_rp_redis_batch_t *b);
void ngx_http_rp_redis_timed_out(ngx_http_rp_redis_t *redis);
const char *ngx_http_rp_redis_state_name(ngx_http_rp_redis_t *redis);
void ngx_http_rp_redis_open(ngx_http_rp_redis_t *redis, ngx_log_t *log);
void ngx_http_rp_redis_close(ngx_http_rp_redis_t *redis);

/* ngx_http_rp_lookup.c */
ngx_int_t ngx_http_rp_lookup_start(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done);
void ngx_http_rp_lookup_cancel(ngx_http_rp_ctx_t *ctx);

/* ngx_http_rp_handler.c */
ngx_int_t ngx_http_rp_content_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_rp_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *detail);
ngx_int_t ngx_http_rp_send_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len);
ngx_int_t ngx_http_rp_send_reply(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, u_char *p, u_char *last);

/* ngx_http_rp_json.c; the longest texts of its number writers: */

/* ngx_http_rp_json_double: %.17g of the longest negative subnormal */
#define NGX_HTTP_RP_JSON_DOUBLE_LEN  (sizeof("-2.2250738585072014e-308") - 1)

/* ngx_http_rp_json_float: 6 decimals below 1e9, else %.9g (shorter) */
#define NGX_HTTP_RP_JSON_FLOAT_LEN   (sizeof("-999999999.999999") - 1)

/* ngx_http_rp_json_day: a year of up to an int's digits */
#define NGX_HTTP_RP_JSON_DAY_LEN     (sizeof("\"-2147483648-12-31\"") - 1)

/* the prediction timestamp, years 0 to 9999 */
#define NGX_HTTP_RP_JSON_TIME_LEN    (sizeof("2026-12-01T12:00:00.000000Z") - 1)

u_char *ngx_http_rp_json_double(u_char *p, u_char *last, double v);
u_char *ngx_http_rp_json_float(u_char *p, u_char *last, float v);
u_char *ngx_http_rp_json_str(u_char *p, u_char *last, u_char *s,
    size_t len);
size_t ngx_http_rp_json_str_len(u_char *s, size_t len);
u_char *ngx_http_rp_json_esc(u_char *p, u_char *last, u_char *s,
    size_t len);
u_char *ngx_http_rp_json_item(u_char *p, u_char *last,
    ngx_http_rp_item_t *it, rp_model_t *m, struct timeval *tv);
size_t ngx_http_rp_json_item_len(ngx_http_rp_item_t *it, rp_model_t *m);
size_t ngx_http_rp_json_explanation_len(rp_model_t *m);
size_t ngx_http_rp_json_features_len(const uint8_t *map, ngx_uint_t n);
u_char *ngx_http_rp_json_day(u_char *p, u_char *last, int64_t n,
    int64_t day);
u_char *ngx_http_rp_json_features(u_char *p, u_char *last, const float *f,
    const uint8_t *map, ngx_uint_t n);
const char *ngx_http_rp_source_name(ngx_uint_t source);

/* ngx_http_rp_metrics.c */
ngx_int_t ngx_http_rp_shm_zone_init(ngx_shm_zone_t *shm_zone, void *data,
    size_t size);
ngx_int_t ngx_http_rp_metrics_add_zone(ngx_conf_t *cf,
    ngx_http_rp_main_conf_t *rmcf);
ngx_http_rp_metrics_t *ngx_http_rp_metrics(void);
uint64_t ngx_http_rp_now_us(void);
ngx_uint_t ngx_http_rp_log_allowed(ngx_uint_t *suppressed);
void ngx_http_rp_metrics_inc(ngx_atomic_t *a);
ngx_int_t ngx_http_rp_metrics_log(ngx_http_request_t *r);
ngx_int_t ngx_http_rp_metrics_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_RP_MODULE_H_INCLUDED_ */
