/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * rp_redis_cluster: the feature store on a Redis Cluster. Each worker
 * learns the slot map with CLUSTER SLOTS (ngx_http_rp_cluster.c), keeps
 * one transport connection (ngx_http_rp_redis.c) per node it needs, and
 * routes a request's commands by the slot of their key, following MOVED
 * and ASK (ngx_http_rp_cluster_req.c).
 */


#ifndef _NGX_HTTP_RP_CLUSTER_H_INCLUDED_
#define _NGX_HTTP_RP_CLUSTER_H_INCLUDED_


#include "ngx_http_rp_module.h"


#define NGX_HTTP_RP_CLUSTER_SLOTS      16384
#define NGX_HTTP_RP_CLUSTER_NODES_MAX  64
#define NGX_HTTP_RP_CLUSTER_NONE       0xffff

#define NGX_HTTP_RP_CLUSTER_UNMAPPED   0   /* not in the latest map */
#define NGX_HTTP_RP_CLUSTER_PRIMARY    1
#define NGX_HTTP_RP_CLUSTER_REPLICA    2

/* an address as "IP:PORT" (IPv6 in brackets) or "unix:PATH" */
#define NGX_HTTP_RP_CLUSTER_ADDR_LEN   (NGX_SOCKADDR_STRLEN + 8)

/* clusters, and nodes per worker and cluster, kept in the shared zone
 * (ngx_http_rp_cluster_shm.c); the counts still cover every node */
#define NGX_HTTP_RP_CLUSTER_SHM_CLUSTERS  4
#define NGX_HTTP_RP_CLUSTER_SHM_NODES     32

/* a node's connection, in increasing order of concern */
#define NGX_HTTP_RP_CLUSTER_CONN_READY        0
#define NGX_HTTP_RP_CLUSTER_CONN_NOT_OPENED   1
#define NGX_HTTP_RP_CLUSTER_CONN_CONNECTING   2
#define NGX_HTTP_RP_CLUSTER_CONN_DISCONNECTED 3
#define NGX_HTTP_RP_CLUSTER_CONN_AUTH_FAILED  4

/* a worker's state of the cluster (GET /'s "redis"), same order */
#define NGX_HTTP_RP_CLUSTER_ST_READY          0
#define NGX_HTTP_RP_CLUSTER_ST_CONNECTING     1
#define NGX_HTTP_RP_CLUSTER_ST_DISCONNECTED   2
#define NGX_HTTP_RP_CLUSTER_ST_AUTH_FAILED    3


typedef struct {
    ngx_http_rp_redis_t         redis;     /* addr: "IP:PORT" */
    ngx_http_rp_cluster_t      *cluster;
    ngx_uint_t                  index;
    u_char                      text[NGX_HTTP_RP_CLUSTER_ADDR_LEN];
    u_char                      host_text[NGX_HTTP_RP_CLUSTER_ADDR_LEN];
    ngx_uint_t                  role;
    ngx_uint_t                  primary;   /* a replica's primary (index) */
    ngx_uint_t                  opened;
    ngx_uint_t                  seed;
} ngx_http_rp_cluster_node_t;


/* a seed as configured, resolved when the configuration is read */
typedef struct {
    ngx_str_t                   addr;      /* "IP:PORT" or "unix:PATH" */
    ngx_str_t                   host;      /* NUL-terminated IP or path */
    ngx_int_t                   port;      /* 0 for a unix socket */
} ngx_http_rp_cluster_seed_t;


struct ngx_http_rp_cluster_s {
    ngx_str_t                   name;      /* the seeds as configured */
    ngx_array_t                *seeds;     /* ngx_http_rp_cluster_seed_t */
    ngx_str_t                   password;
    ngx_msec_t                  connect_timeout;
    ngx_flag_t                  replica_reads;
    ngx_log_t                  *log;

    /* each worker's own, from here on */
    ngx_http_rp_cluster_node_t *nodes[NGX_HTTP_RP_CLUSTER_NODES_MAX];
    ngx_uint_t                  nnodes;
    uint16_t                   *slots;     /* the primary of each slot */
    ngx_uint_t                  covered;   /* slots with a primary */
    time_t                      map_time;  /* last map learned, 0: none */
    ngx_msec_t                  refresh_at; /* last refresh sent */
    ngx_uint_t                  refreshing;
    ngx_uint_t                  next_ask;  /* the next node to ask */
    ngx_uint_t                  next_replica;
    ngx_http_rp_redis_batch_t  *refresh_batch;
    ngx_http_rp_cluster_node_t *refresh_node;
    ngx_event_t                 refresh_ev;
    ngx_event_t                 refresh_timeout_ev;
    ngx_event_t                 gc_ev;
    ngx_uint_t                  stopping;
};


/* a node as every live worker sees it */
typedef struct {
    u_char                      addr[NGX_HTTP_RP_CLUSTER_ADDR_LEN];
    size_t                      addr_len;
    ngx_uint_t                  role;      /* in the newest map that has it */
    time_t                      role_time;
    ngx_uint_t                  ready;     /* workers with a ready connection */
    ngx_uint_t                  conn;      /* the worst of the workers' */
    ngx_uint_t                  seen;
} ngx_http_rp_cluster_vnode_t;


/* the cluster as every live worker sees it (ngx_http_rp_cluster_shm.c) */
typedef struct {
    ngx_http_rp_cluster_t      *cl;
    ngx_uint_t                  workers;   /* live workers combined */
    ngx_uint_t                  known;     /* the fewest over workers */
    ngx_uint_t                  connected; /* the fewest over workers */
    ngx_uint_t                  covered;   /* the fewest over workers */
    time_t                      map_time;  /* the oldest; 0: a worker has none */
    ngx_uint_t                  state;     /* the worst */
    ngx_http_rp_cluster_vnode_t *nodes;
    ngx_uint_t                  nnodes;
    ngx_uint_t                  max;
} ngx_http_rp_cluster_view_t;


/* configuration (ngx_http_rp_cluster_conf.c) */
char *ngx_http_rp_cluster_directive(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_rp_cluster_inherit(ngx_http_rp_loc_conf_t *prev,
    ngx_http_rp_loc_conf_t *conf);
ngx_int_t ngx_http_rp_cluster_merge(ngx_conf_t *cf,
    ngx_http_rp_loc_conf_t *conf);

/* the worker's side (ngx_http_rp_cluster.c) */
void ngx_http_rp_cluster_start(ngx_http_rp_cluster_t *cl, ngx_cycle_t *cycle);
void ngx_http_rp_cluster_stop(ngx_http_rp_cluster_t *cl);
ngx_http_rp_cluster_node_t *ngx_http_rp_cluster_node(
    ngx_http_rp_cluster_t *cl, u_char *addr, size_t len, ngx_uint_t create);
ngx_http_rp_cluster_node_t *ngx_http_rp_cluster_route(
    ngx_http_rp_cluster_t *cl, ngx_uint_t slot);
ngx_http_rp_redis_batch_t *ngx_http_rp_cluster_batch_start(
    ngx_http_rp_cluster_node_t *node, ngx_msec_t timeout,
    ngx_http_rp_redis_reply_pt handler, void *data, ngx_log_t *log);
void ngx_http_rp_cluster_refresh(ngx_http_rp_cluster_t *cl);
void ngx_http_rp_cluster_moved(ngx_http_rp_cluster_t *cl, ngx_uint_t slot,
    ngx_http_rp_cluster_node_t *node);
ngx_uint_t ngx_http_rp_cluster_state(ngx_http_rp_cluster_t *cl);
ngx_uint_t ngx_http_rp_cluster_node_conn(ngx_http_rp_cluster_node_t *n);
void ngx_http_rp_cluster_counts(ngx_http_rp_cluster_t *cl,
    ngx_uint_t *known, ngx_uint_t *connected);

/* every worker's view in a shared zone (ngx_http_rp_cluster_shm.c) */
ngx_int_t ngx_http_rp_cluster_add_zone(ngx_conf_t *cf);
void ngx_http_rp_cluster_shm_write(ngx_http_rp_cluster_t *cl);
void ngx_http_rp_cluster_shm_write_all(void);
void ngx_http_rp_cluster_shm_exit(ngx_cycle_t *cycle);
ngx_http_rp_cluster_view_t *ngx_http_rp_cluster_view(
    ngx_http_rp_cluster_t *cl, ngx_pool_t *pool);
const char *ngx_http_rp_cluster_state_name(ngx_uint_t state);

/* GET / and /metrics (ngx_http_rp_cluster_stats.c) */
size_t ngx_http_rp_cluster_health_len(ngx_http_rp_cluster_view_t *v);
u_char *ngx_http_rp_cluster_health(u_char *p, u_char *last,
    ngx_http_rp_cluster_view_t *v);
ngx_http_rp_cluster_view_t **ngx_http_rp_cluster_views(
    ngx_http_rp_main_conf_t *rmcf, ngx_pool_t *pool);
size_t ngx_http_rp_cluster_prom_len(ngx_http_rp_main_conf_t *rmcf,
    ngx_http_rp_cluster_view_t **views);
u_char *ngx_http_rp_cluster_prom(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf, ngx_http_rp_cluster_view_t **views);

/* a request's commands (ngx_http_rp_cluster_req.c); handler gets each
 * command's item index as i, and n = 0 */
ngx_http_rp_cluster_req_t *ngx_http_rp_cluster_req_start(
    ngx_http_rp_cluster_t *cl, ngx_uint_t nitems, ngx_msec_t timeout,
    ngx_http_rp_redis_reply_pt handler, void *data, ngx_pool_t *pool,
    ngx_log_t *log);
ngx_int_t ngx_http_rp_cluster_req_add(ngx_http_rp_cluster_req_t *req,
    ngx_uint_t i, const char *key, size_t klen, const u_char *cmd,
    size_t len);
ngx_uint_t ngx_http_rp_cluster_req_send(ngx_http_rp_cluster_req_t *req);
void ngx_http_rp_cluster_req_detach(ngx_http_rp_cluster_req_t *req);
void ngx_http_rp_cluster_req_timed_out(ngx_http_rp_cluster_req_t *req);


#endif /* _NGX_HTTP_RP_CLUSTER_H_INCLUDED_ */
