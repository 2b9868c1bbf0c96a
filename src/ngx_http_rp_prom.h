/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Prometheus text format helpers: label escaping, the Redis state of every
 * worker in a shared zone, and the metrics built from them.
 */


#ifndef _NGX_HTTP_RP_PROM_H_INCLUDED_
#define _NGX_HTTP_RP_PROM_H_INCLUDED_


#include "ngx_http_rp_module.h"


/* workers and distinct Redis connections tracked in the shared zone */
#define NGX_HTTP_RP_PROM_WORKERS  64
#define NGX_HTTP_RP_PROM_REDIS    16


/*
 * A label value as the text format wants it: only backslash, double quote
 * and newline are escaped (as \\, \" and \n); every other byte, a tab or a
 * UTF-8 sequence included, is written as it is.
 */
size_t ngx_http_rp_prom_escape_len(u_char *s, size_t len);
u_char *ngx_http_rp_prom_escape(u_char *p, u_char *last, u_char *s,
    size_t len);

ngx_int_t ngx_http_rp_prom_add_zone(ngx_conf_t *cf);

/* a shared zone of this module in cycle, by name, or NULL */
void *ngx_http_rp_shm_find(ngx_cycle_t *cycle, ngx_str_t *name);

/* the workers whose slots count: worker_processes (at most
 * NGX_HTTP_RP_PROM_WORKERS), or 1 without a master */
ngx_uint_t ngx_http_rp_prom_workers(void);

/* records rc's state in this worker's slot; called at every change */
void ngx_http_rp_redis_state_changed(ngx_http_rp_redis_t *rc);

/* this worker leaves: its slots no longer count */
void ngx_http_rp_prom_worker_exit(ngx_cycle_t *cycle);

/* rp_redis_up, rp_redis_ready_workers, rp_redis_auth_failed */
size_t ngx_http_rp_prom_redis_len(ngx_http_rp_main_conf_t *rmcf);
u_char *ngx_http_rp_prom_redis(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf);

/* rp_model_info and rp_model_trained_timestamp_seconds */
size_t ngx_http_rp_prom_models_len(ngx_http_rp_main_conf_t *rmcf);
u_char *ngx_http_rp_prom_models(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf);

/* ngx_http_rp_build.c: rp_build_info{...} 1 */
size_t ngx_http_rp_build_prom_len(void);
u_char *ngx_http_rp_build_prom(u_char *p, u_char *last);


#endif /* _NGX_HTTP_RP_PROM_H_INCLUDED_ */
