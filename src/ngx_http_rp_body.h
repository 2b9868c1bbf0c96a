/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Request-body parsing for /predict and /predict/batch. Plain C over cJSON
 * and the core library (no nginx), so tests/fuzz_request.c can drive the
 * exact code the module runs.
 */


#ifndef _NGX_HTTP_RP_BODY_H_INCLUDED_
#define _NGX_HTTP_RP_BODY_H_INCLUDED_


#include <stddef.h>
#include <cjson/cJSON.h>


typedef struct {
    int          status;        /* HTTP status: 400 or 413 */
    const char  *error;         /* "bad_json", "bad_request", ... */
    char         detail[128];
} ngx_http_rp_body_err_t;


typedef struct {
    const char  *user;          /* point into the cJSON tree */
    size_t       user_len;
    const char  *product;
    size_t       product_len;
    int          explain;       /* "explain": true */
} ngx_http_rp_body_item_t;


/*
 * Parses len bytes (no NUL needed): exactly one JSON value, whitespace
 * around it allowed. batch == 0 wants an object (*n = 1); batch != 0 a
 * non-empty array of at most max_batch elements (*n = its size). Returns
 * the tree (free it with cJSON_Delete) or NULL with err filled.
 */
cJSON *ngx_http_rp_body_parse(const char *body, size_t len, int batch,
    size_t max_batch, size_t *n, ngx_http_rp_body_err_t *err);

/*
 * Validates one request object: "user_id" and "product_id" present
 * (case-sensitive), strings, valid ids (rp_id_valid); "explain", when
 * present, a JSON boolean. index names the item in a batch's error
 * detail. 0, or -1 with err filled.
 */
int ngx_http_rp_body_item(const cJSON *obj, size_t index, int batch,
    ngx_http_rp_body_item_t *it, ngx_http_rp_body_err_t *err);


#endif /* _NGX_HTTP_RP_BODY_H_INCLUDED_ */
