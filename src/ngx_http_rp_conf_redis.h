/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * rp_redis's address (resolved when the configuration is read) and the
 * Redis password directives.
 */


#ifndef _NGX_HTTP_RP_CONF_REDIS_H_INCLUDED_
#define _NGX_HTTP_RP_CONF_REDIS_H_INCLUDED_


#include "ngx_http_rp_module.h"


#define NGX_HTTP_RP_REDIS_PORT  6379


/*
 * Parses HOST[:PORT], [IPv6][:PORT] or unix:PATH and resolves a hostname,
 * like proxy_pass and upstream do, in the process that reads the
 * configuration (the master), so a worker never waits on DNS.
 */
ngx_int_t ngx_http_rp_conf_redis_resolve(ngx_conf_t *cf, ngx_str_t *addr,
    ngx_url_t **url);

/* rc's address list from a resolved url: host is the first address */
ngx_int_t ngx_http_rp_conf_redis_addrs(ngx_conf_t *cf,
    ngx_http_rp_redis_t *rc, ngx_url_t *url);

/* a connect to rc->host failed: log it, the next connect tries the next */
void ngx_http_rp_redis_connect_failed(ngx_http_rp_redis_t *rc,
    ngx_err_t err, const char *errstr);
void ngx_http_rp_redis_next_addr(ngx_http_rp_redis_t *rc);

char *ngx_http_rp_conf_redis_password(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_rp_conf_redis_password_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


#endif /* _NGX_HTTP_RP_CONF_REDIS_H_INCLUDED_ */
