/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * The request path. Lifecycle of a prediction:
 *
 *   content handler -> read body -> body handler: parse, validate, start
 *   the items' lookup (ngx_http_rp_lookup.c); then exactly one of
 *     - the lookup is over (every reply, or its timer) -> lookup_done
 *     - a client abort (the pool cleanup cancels the lookup)
 *   answers or ends the request.
 */


#include "ngx_http_rp_module.h"
#include "ngx_http_rp_body.h"
#include "ngx_http_rp_build.h"
#include "rp_explain.h"
#include "ngx_http_rp_cluster.h"


static ngx_int_t ngx_http_rp_not_allowed(ngx_http_request_t *r,
    const char *allow);
static ngx_uint_t ngx_http_rp_is_json(ngx_http_request_t *r);
static ngx_http_rp_ctx_t *ngx_http_rp_create_ctx(ngx_http_request_t *r,
    ngx_uint_t endpoint);
static void ngx_http_rp_ctx_cleanup(void *data);
static void ngx_http_rp_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_rp_parse_body(ngx_http_request_t *r,
    ngx_http_rp_ctx_t *ctx, ngx_http_rp_loc_conf_t *rlcf);
static ngx_int_t ngx_http_rp_body_refused(ngx_http_rp_ctx_t *ctx,
    ngx_uint_t status, const char *error, const char *detail);
static ngx_int_t ngx_http_rp_start_lookup(ngx_http_request_t *r,
    ngx_http_rp_ctx_t *ctx);
static void ngx_http_rp_lookup_done(ngx_http_rp_ctx_t *ctx);
static ngx_int_t ngx_http_rp_respond(ngx_http_request_t *r,
    ngx_http_rp_ctx_t *ctx);
static ngx_int_t ngx_http_rp_respond_predict(ngx_http_request_t *r,
    ngx_http_rp_ctx_t *ctx);
static ngx_int_t ngx_http_rp_respond_features(ngx_http_request_t *r,
    ngx_http_rp_ctx_t *ctx);
static ngx_uint_t ngx_http_rp_escapes_valid(u_char *p, size_t len);
static ngx_int_t ngx_http_rp_features_request(ngx_http_request_t *r);
static ngx_int_t ngx_http_rp_health(ngx_http_request_t *r);
static ngx_int_t ngx_http_rp_model_info(ngx_http_request_t *r);
static ngx_int_t ngx_http_rp_send(ngx_http_request_t *r, ngx_uint_t status,
    u_char *body, u_char *p, u_char *last);


static ngx_str_t  ngx_http_rp_json_type = ngx_string("application/json");


ngx_int_t
ngx_http_rp_content_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_http_rp_ctx_t       *ctx;
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    switch (rlcf->endpoint) {

    case NGX_HTTP_RP_EP_PREDICT:
    case NGX_HTTP_RP_EP_BATCH:

        if (r->error_page && r->err_status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE)
        {
            /* back here through the error page the module installs */
            return ngx_http_rp_send_error(r,
                                          NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          "body_too_large",
                                          "request body exceeds "
                                          "client_max_body_size");
        }

        if (r->method != NGX_HTTP_POST) {
            return ngx_http_rp_not_allowed(r, "POST");
        }

        if (!ngx_http_rp_is_json(r)) {
            rc = ngx_http_discard_request_body(r);
            if (rc != NGX_OK) {
                return rc;
            }

            return ngx_http_rp_send_error(r,
                                          NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                          "unsupported_media_type",
                                          "Content-Type must be "
                                          "application/json");
        }

        ctx = ngx_http_rp_create_ctx(r, rlcf->endpoint);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r, ngx_http_rp_body_handler);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;

    case NGX_HTTP_RP_EP_FEATURES:
        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            return ngx_http_rp_not_allowed(r, "GET, HEAD");
        }

        return ngx_http_rp_features_request(r);

    default:
        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            return ngx_http_rp_not_allowed(r, "GET, HEAD");
        }

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (rlcf->endpoint == NGX_HTTP_RP_EP_HEALTH) {
            return ngx_http_rp_health(r);
        }

        if (rlcf->endpoint == NGX_HTTP_RP_EP_MODEL_INFO) {
            return ngx_http_rp_model_info(r);
        }

        return ngx_http_rp_metrics_handler(r);
    }
}


static ngx_int_t
ngx_http_rp_not_allowed(ngx_http_request_t *r, const char *allow)
{
    ngx_int_t         rc;
    ngx_table_elt_t  *h;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Allow");
    h->value.data = (u_char *) allow;
    h->value.len = ngx_strlen(allow);

    return ngx_http_rp_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                  "method_not_allowed", allow);
}


/*
 * The body must be declared JSON: "application/json", any case, with
 * optional parameters ("; charset=utf-8"). Anything else, or no type, is
 * refused: a text/plain POST is a CORS "simple request" that a browser
 * sends cross-site without a preflight.
 */

static ngx_uint_t
ngx_http_rp_is_json(ngx_http_request_t *r)
{
    u_char  *p, *last;
    size_t   n;

    if (r->headers_in.content_type == NULL) {
        return 0;
    }

    p = r->headers_in.content_type->value.data;
    last = p + r->headers_in.content_type->value.len;

    while (p < last && (*p == ' ' || *p == '\t')) {
        p++;
    }

    n = sizeof("application/json") - 1;

    if ((size_t) (last - p) < n
        || ngx_strncasecmp(p, (u_char *) "application/json", n) != 0)
    {
        return 0;
    }

    for (p += n; p < last; p++) {
        if (*p == ';') {
            return 1;
        }

        if (*p != ' ' && *p != '\t') {
            return 0;
        }
    }

    return 1;
}


static ngx_http_rp_ctx_t *
ngx_http_rp_create_ctx(ngx_http_request_t *r, ngx_uint_t endpoint)
{
    ngx_pool_cleanup_t  *cln;
    ngx_http_rp_ctx_t   *ctx;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_rp_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_rp_ctx_cleanup;
    cln->data = ctx;

    ctx->request = r;
    ctx->endpoint = endpoint;
    ctx->start_us = ngx_http_rp_now_us();

    ngx_http_set_ctx(r, ctx, ngx_http_rp_module);

    return ctx;
}


/* runs when the request pool goes: whatever ended the request */

static void
ngx_http_rp_ctx_cleanup(void *data)
{
    ngx_http_rp_ctx_t  *ctx = data;

    ngx_http_rp_lookup_cancel(ctx);

    if (ctx->json) {
        cJSON_Delete(ctx->json);
        ctx->json = NULL;
    }
}


static void
ngx_http_rp_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                rc;
    ngx_http_rp_ctx_t       *ctx;
    ngx_http_rp_loc_conf_t  *rlcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_rp_module);
    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    rc = ngx_http_rp_parse_body(r, ctx, rlcf);

    if (rc == NGX_OK) {
        rc = ngx_http_rp_start_lookup(r, ctx);

    } else if (rc == NGX_DECLINED) {
        rc = ngx_http_rp_send_error(r, (ngx_uint_t) ctx->berr.status,
                                    ctx->berr.error, ctx->berr.detail);
    }

    if (rc == NGX_DONE) {
        return;
    }

    ngx_http_finalize_request(r, rc);
}


/*
 * NGX_OK when the body is good; NGX_DECLINED with the error stored in ctx
 * (the caller sends it); else an HTTP status to finalize with.
 */

static ngx_int_t
ngx_http_rp_parse_body(ngx_http_request_t *r, ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_loc_conf_t *rlcf)
{
    u_char                   *p, *body;
    size_t                    len, n, i;
    cJSON                    *root, *item;
    ngx_buf_t                *b;
    ngx_chain_t              *cl;
    ngx_http_rp_item_t       *it;
    ngx_http_request_body_t  *rb;
    ngx_http_rp_body_item_t   bi;

    rb = r->request_body;

    if (rb == NULL || rb->bufs == NULL) {
        return ngx_http_rp_body_refused(ctx, NGX_HTTP_BAD_REQUEST,
                                        "bad_json", "empty request body");
    }

    len = 0;

    for (cl = rb->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file || rb->temp_file) {
            return ngx_http_rp_body_refused(ctx,
                                            NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                            "body_too_large",
                                            "request body exceeds "
                                            "client_body_buffer_size");
        }

        len += b->last - b->pos;
    }

    if (rb->bufs->next == NULL) {
        body = rb->bufs->buf->pos;

    } else {
        body = ngx_pnalloc(r->pool, len);
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* a chunked body ends with an empty buffer whose pos is NULL:
         * memcpy from NULL is undefined even for 0 bytes */

        p = body;
        for (cl = rb->bufs; cl; cl = cl->next) {
            if (cl->buf->last != cl->buf->pos) {
                p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
            }
        }
    }

    root = ngx_http_rp_body_parse((char *) body, len,
                                  ctx->endpoint == NGX_HTTP_RP_EP_BATCH,
                                  rlcf->max_batch, &n, &ctx->berr);
    if (root == NULL) {
        return NGX_DECLINED;
    }

    /* freed by the pool cleanup, whatever ends the request */
    ctx->json = root;

    ctx->items = ngx_pcalloc(r->pool, n * sizeof(ngx_http_rp_item_t));
    if (ctx->items == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->nitems = n;
    ctx->want_product = 1;

    i = 0;
    item = (ctx->endpoint == NGX_HTTP_RP_EP_BATCH) ? root->child : root;

    for ( /* void */ ; item && i < n; item = item->next, i++) {

        if (ngx_http_rp_body_item(item, i,
                                  ctx->endpoint == NGX_HTTP_RP_EP_BATCH,
                                  &bi, &ctx->berr)
            != 0)
        {
            return NGX_DECLINED;
        }

        it = &ctx->items[i];
        it->user.data = (u_char *) bi.user;
        it->user.len = bi.user_len;
        it->product.data = (u_char *) bi.product;
        it->product.len = bi.product_len;
        it->explain = bi.explain;

        /* refused before Redis is asked: the answer cannot be given */
        if (bi.explain && !rp_explain_available(&rlcf->model->model)) {
            return ngx_http_rp_body_refused(ctx, NGX_HTTP_NOT_IMPLEMENTED,
                                            "explain_unavailable",
                                            "the model file has no node "
                                            "covers (written before "
                                            "explanations): retrain it to "
                                            "explain");
        }
    }

    return NGX_OK;
}


/* the body cannot be taken: the error the request will be answered */

static ngx_int_t
ngx_http_rp_body_refused(ngx_http_rp_ctx_t *ctx, ngx_uint_t status,
    const char *error, const char *detail)
{
    ctx->berr.status = (int) status;
    ctx->berr.error = error;
    ngx_cpystrn((u_char *) ctx->berr.detail, (u_char *) detail,
                sizeof(ctx->berr.detail));

    return NGX_DECLINED;
}


/* NGX_DONE when waiting for Redis, else a finished response's code */

static ngx_int_t
ngx_http_rp_start_lookup(ngx_http_request_t *r, ngx_http_rp_ctx_t *ctx)
{
    ngx_int_t  rc;

    rc = ngx_http_rp_lookup_start(ctx, ngx_http_rp_lookup_done);

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_DECLINED) {
        /* Redis is not ready: fall back now rather than queue */
        return ngx_http_rp_respond(r, ctx);
    }

    /* notice a client that goes away while we wait */
    r->read_event_handler = ngx_http_test_reading;

    return NGX_DONE;
}


/* every reply is in, or the timer fired: answer and finalize */

static void
ngx_http_rp_lookup_done(ngx_http_rp_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    rc = ngx_http_rp_respond(r, ctx);

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_rp_respond(ngx_http_request_t *r, ngx_http_rp_ctx_t *ctx)
{
    if (ctx->endpoint == NGX_HTTP_RP_EP_FEATURES) {
        return ngx_http_rp_respond_features(r, ctx);
    }

    return ngx_http_rp_respond_predict(r, ctx);
}


static ngx_int_t
ngx_http_rp_respond_predict(ngx_http_request_t *r, ngx_http_rp_ctx_t *ctx)
{
    void                    *ws;
    float                   *rows;
    double                  *probs;
    u_char                  *body, *p, *last;
    size_t                   len, rows_size;
    ngx_uint_t               i, failed;
    const float             *prior;
    struct timeval           tv;
    rp_model_t              *m;
    ngx_http_rp_item_t      *it;
    ngx_http_rp_metrics_t   *mt;
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);
    m = &rlcf->model->model;
    mt = ngx_http_rp_metrics();

    failed = 0;

    for (i = 0; i < ctx->nitems; i++) {
        it = &ctx->items[i];

        if (it->source == NGX_HTTP_RP_SRC_PENDING) {
            it->source = NGX_HTTP_RP_SRC_FAILED;
        }

        if (it->source == NGX_HTTP_RP_SRC_FAILED) {
            failed++;
        }
    }

    if (failed && rlcf->fallback == NGX_HTTP_RP_FALLBACK_503) {
        return ngx_http_rp_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "store_unavailable",
                                      "the feature store did not answer");
    }

    ngx_gettimeofday(&tv);

    /* the longest reply, and one byte to tell a full buffer */
    len = sizeof("{\"predictions\":[],\"count\":,\"model_version\":}")
          + NGX_INT_T_LEN
          + ngx_http_rp_json_str_len((u_char *) m->hdr->version,
                                     ngx_strnlen((u_char *) m->hdr->version,
                                                 RP_MODEL_VERSION_MAX));

    /* rows in table order, scored together: trees outside, rows inside */

    /* the probabilities follow the rows, at a double's alignment: a row
     * of an odd number of floats would leave them misaligned */

    rows_size = ngx_align(ctx->nitems * RP_NFEATURES * sizeof(float),
                          sizeof(double));

    rows = ngx_palloc(r->pool, rows_size + ctx->nitems * sizeof(double));
    if (rows == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    probs = (double *) ((u_char *) rows + rows_size);

    for (i = 0; i < ctx->nitems; i++) {
        it = &ctx->items[i];

        /* the product's priors come from the model file, whatever the
         * store knows of the user */
        prior = rp_model_prior(m, (const char *) it->product.data,
                               it->product.len);

        if (it->source == NGX_HTTP_RP_SRC_STORE) {
            rp_features_compute(&it->u, &it->p, prior, (int64_t) tv.tv_sec,
                                it->f);

        } else {
            rp_features_compute(NULL, NULL, prior, (int64_t) tv.tv_sec,
                                it->f);

            /* corrupt items are counted as store_corrupt already */

            if (mt && it->source == NGX_HTTP_RP_SRC_UNKNOWN) {
                ngx_http_rp_metrics_inc(&mt->unknown_users);

            } else if (mt && it->source == NGX_HTTP_RP_SRC_FAILED) {
                ngx_http_rp_metrics_inc(&mt->fallbacks);
            }
        }

        ngx_memcpy(rows + i * RP_NFEATURES, it->f, sizeof(it->f));
    }

    if (ctx->nitems == 1) {
        probs[0] = rp_model_score(m, rows);

    } else {
        rp_model_score_batch(m, rows, ctx->nitems, probs);
    }

    ws = NULL;

    for (i = 0; i < ctx->nitems; i++) {
        it = &ctx->items[i];
        it->prob = probs[i];

        /* the probability stays the scorer's; the explanation splits
         * the same margin */
        if (it->explain) {
            if (ws == NULL) {
                ws = ngx_palloc(r->pool, rp_explain_workspace_size(m));
                if (ws == NULL) {
                    return NGX_HTTP_INTERNAL_SERVER_ERROR;
                }
            }

            it->contrib = ngx_palloc(r->pool,
                                     m->hdr->n_features * sizeof(double));
            if (it->contrib == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            it->method = rlcf->explain;
            rp_explain(m, (int) it->method, it->f, ws, &it->bias,
                       it->contrib);
        }

        len += ngx_http_rp_json_item_len(it, m) + 1;        /* and a ',' */
    }

    if (mt) {
        ngx_atomic_fetch_add(&mt->predictions, ctx->nitems);
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;

    if (ctx->endpoint == NGX_HTTP_RP_EP_PREDICT) {
        p = ngx_http_rp_json_item(p, last, &ctx->items[0], m, &tv);

    } else {
        p = ngx_slprintf(p, last, "{\"predictions\":[");

        for (i = 0; i < ctx->nitems; i++) {
            if (i) {
                *p++ = ',';
            }

            p = ngx_http_rp_json_item(p, last, &ctx->items[i], m, &tv);
        }

        p = ngx_slprintf(p, last, "],\"count\":%ui,\"model_version\":",
                         ctx->nitems);
        p = ngx_http_rp_json_str(p, last, (u_char *) m->hdr->version,
                                 ngx_strnlen((u_char *) m->hdr->version,
                                             RP_MODEL_VERSION_MAX));
        p = ngx_slprintf(p, last, "}");
    }

    ctx->done = 1;

    return ngx_http_rp_send(r, NGX_HTTP_OK, body, p, last);
}


/* every '%' is followed by two hex digits */

static ngx_uint_t
ngx_http_rp_escapes_valid(u_char *p, size_t len)
{
    u_char  *last;

    for (last = p + len; p < last; p++) {
        if (*p != '%') {
            continue;
        }

        if (last - p < 3 || !isxdigit(p[1]) || !isxdigit(p[2])) {
            return 0;
        }

        p += 2;
    }

    return 1;
}


static ngx_int_t
ngx_http_rp_features_request(ngx_http_request_t *r)
{
    u_char                    *p, *dst;
    ngx_int_t                  rc;
    ngx_str_t                  id, arg;
    ngx_http_rp_ctx_t         *ctx;
    ngx_http_rp_item_t        *it;
    ngx_http_core_loc_conf_t  *clcf;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the user id is what follows the location prefix (or the last '/') */

    id = r->uri;

    if (clcf->name.len && clcf->name.data[clcf->name.len - 1] == '/'
        && r->uri.len >= clcf->name.len
        && ngx_strncmp(r->uri.data, clcf->name.data, clcf->name.len) == 0)
    {
        id.data += clcf->name.len;
        id.len -= clcf->name.len;

    } else {
        for (p = r->uri.data + r->uri.len; p > r->uri.data; p--) {
            if (p[-1] == '/') {
                break;
            }
        }

        id.len = r->uri.data + r->uri.len - p;
        id.data = p;
    }

    if (!rp_id_valid((char *) id.data, id.len)) {
        return ngx_http_rp_send_error(r, NGX_HTTP_BAD_REQUEST, "bad_request",
                                      "invalid user id in the URI");
    }

    ctx = ngx_http_rp_create_ctx(r, NGX_HTTP_RP_EP_FEATURES);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    it = ngx_pcalloc(r->pool, sizeof(ngx_http_rp_item_t));
    if (it == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->items = it;
    ctx->nitems = 1;
    it->user = id;

    if (ngx_http_arg(r, (u_char *) "product_id", 10, &arg) == NGX_OK) {

        /* ngx_unescape_uri copies "%zz" as is: refuse it, not guess */

        if (!ngx_http_rp_escapes_valid(arg.data, arg.len)) {
            return ngx_http_rp_send_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request",
                                          "malformed percent escape in "
                                          "the product_id argument");
        }

        dst = ngx_pnalloc(r->pool, arg.len);
        if (dst == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = dst;
        ngx_unescape_uri(&p, &arg.data, arg.len, NGX_UNESCAPE_URI);

        it->product.data = dst;
        it->product.len = p - dst;

        if (!rp_id_valid((char *) dst, it->product.len)) {
            return ngx_http_rp_send_error(r, NGX_HTTP_BAD_REQUEST,
                                          "bad_request",
                                          "invalid product_id argument");
        }

        ctx->want_product = 1;
    }

    rc = ngx_http_rp_start_lookup(r, ctx);

    if (rc == NGX_DONE) {
        /* no body read holds the request here: the lookup does */
        r->main->count++;
    }

    return rc;
}


static ngx_int_t
ngx_http_rp_respond_features(ngx_http_request_t *r, ngx_http_rp_ctx_t *ctx)
{
    u_char                  *body, *p, *last;
    size_t                   len;
    const float             *prior;
    rp_user_state_t         *u;
    ngx_http_rp_item_t      *it;
    ngx_http_rp_loc_conf_t  *rlcf;

    it = &ctx->items[0];

    switch (it->source) {

    case NGX_HTTP_RP_SRC_STORE:
        break;

    case NGX_HTTP_RP_SRC_UNKNOWN:
        return ngx_http_rp_send_error(r, NGX_HTTP_NOT_FOUND, "not_found",
                                      "unknown user");

    case NGX_HTTP_RP_SRC_CORRUPT:
        return ngx_http_rp_send_error(r, NGX_HTTP_BAD_GATEWAY,
                                      "store_corrupt",
                                      "the stored state is corrupt");

    default:
        return ngx_http_rp_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "store_unavailable",
                                      "the feature store did not answer");
    }

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);
    prior = NULL;
    if (ctx->want_product && rlcf->model != NULL) {
        prior = rp_model_prior(&rlcf->model->model,
                               (const char *) it->product.data,
                               it->product.len);
    }

    rp_features_compute(&it->u, &it->p, prior, (int64_t) ngx_time(), it->f);

    /* the longest reply, and one byte to tell a full buffer */
    len = sizeof("{\"user_id\":,\"product_id\":"
                 ",\"state\":{\"event_count\":,\"amount_sum_cents\":"
                 ",\"amount_min_cents\":,\"amount_max_cents\":"
                 ",\"purchase_count\":,\"purchase_sum_cents\":"
                 ",\"view_count\":,\"repeat_products\":"
                 ",\"last_purchase\":,\"purchase_days\":"
                 ",\"products_bought\":,\"first_purchase_day\":"
                 ",\"product_views\":,\"product_purchases\":"
                 ",\"product_purchase_days\":,\"product_amount_cents\":"
                 ",\"product_first_purchase_day\":"
                 ",\"product_last_purchase_day\":"
                 "},\"features\":}")
          + ngx_http_rp_json_str_len(it->user.data, it->user.len)
          + ngx_http_rp_json_str_len(it->product.data, it->product.len)
          + 15 * NGX_INT64_LEN + 3 * NGX_HTTP_RP_JSON_DAY_LEN
          + ngx_http_rp_json_features_len(NULL, RP_NFEATURES);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;
    u = &it->u;

    p = ngx_slprintf(p, last, "{\"user_id\":");
    p = ngx_http_rp_json_str(p, last, it->user.data, it->user.len);

    if (ctx->want_product) {
        p = ngx_slprintf(p, last, ",\"product_id\":");
        p = ngx_http_rp_json_str(p, last, it->product.data, it->product.len);
    }

    p = ngx_slprintf(p, last,
                     ",\"state\":{\"event_count\":%L,\"amount_sum_cents\":%L"
                     ",\"amount_min_cents\":%L,\"amount_max_cents\":%L"
                     ",\"purchase_count\":%L,\"purchase_sum_cents\":%L"
                     ",\"view_count\":%L,\"repeat_products\":%L"
                     ",\"last_purchase\":%L,\"purchase_days\":%L"
                     ",\"products_bought\":%L,\"first_purchase_day\":",
                     u->event_count, u->amount_sum, u->amount_min,
                     u->amount_max, u->purchase_count, u->purchase_sum,
                     u->view_count, u->repeat_products, u->last_purchase,
                     u->ndays, u->nproducts);
    p = ngx_http_rp_json_day(p, last, u->purchase_count, u->first_day);

    if (ctx->want_product) {
        p = ngx_slprintf(p, last, ",\"product_views\":%L"
                         ",\"product_purchases\":%L"
                         ",\"product_purchase_days\":%L"
                         ",\"product_amount_cents\":%L"
                         ",\"product_first_purchase_day\":",
                         it->p.views, it->p.purchases, it->p.ndays,
                         it->p.amount);
        p = ngx_http_rp_json_day(p, last, it->p.purchases, it->p.first_day);
        p = ngx_slprintf(p, last, ",\"product_last_purchase_day\":");
        p = ngx_http_rp_json_day(p, last, it->p.purchases, it->p.last_day);
    }

    p = ngx_slprintf(p, last, "},\"features\":");
    p = ngx_http_rp_json_features(p, last, it->f, NULL, RP_NFEATURES);
    p = ngx_slprintf(p, last, "}");

    ctx->done = 1;

    return ngx_http_rp_send(r, NGX_HTTP_OK, body, p, last);
}


static ngx_int_t
ngx_http_rp_health(ngx_http_request_t *r)
{
    u_char                      *body, *p, *last;
    size_t                       len;
    const char                  *redis;
    ngx_http_rp_loc_conf_t      *rlcf;
    ngx_http_rp_cluster_view_t  *view;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    /* a cluster: every worker's view combined, not this worker's */
    view = NULL;

    if (rlcf->cluster) {
        view = ngx_http_rp_cluster_view(rlcf->cluster, r->pool);
        if (view == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    redis = rlcf->redis ? ngx_http_rp_redis_state_name(rlcf->redis)
            : view ? ngx_http_rp_cluster_state_name(view->state)
            : "not_configured";

    /* the longest reply, and one byte to tell a full buffer */
    len = sizeof("{\"status\":\"degraded\",\"model_loaded\":false"
                 ",\"model_version\":null,\"redis\":\"\"}")
          + ngx_strlen(redis)
          + (view ? ngx_http_rp_cluster_health_len(view) : 0);

    if (rlcf->model) {
        len += ngx_http_rp_json_str_len(
                   (u_char *) rlcf->model->model.hdr->version,
                   ngx_strnlen((u_char *) rlcf->model->model.hdr->version,
                               RP_MODEL_VERSION_MAX));
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;

    p = ngx_slprintf(p, last, "{\"status\":\"%s\",\"model_loaded\":%s"
                     ",\"model_version\":",
                     (rlcf->model && ngx_strcmp(redis, "ready") == 0)
                     ? "ok" : "degraded",
                     rlcf->model ? "true" : "false");

    if (rlcf->model) {
        p = ngx_http_rp_json_str(p, last,
                                 (u_char *) rlcf->model->model.hdr->version,
                                 ngx_strnlen((u_char *)
                                             rlcf->model->model.hdr->version,
                                             RP_MODEL_VERSION_MAX));

    } else {
        p = ngx_slprintf(p, last, "null");
    }

    p = ngx_slprintf(p, last, ",\"redis\":\"%s\"", redis);

    if (view) {
        p = ngx_http_rp_cluster_health(p, last, view);
    }

    p = ngx_slprintf(p, last, "}");

    return ngx_http_rp_send(r, NGX_HTTP_OK, body, p, last);
}


static ngx_int_t
ngx_http_rp_model_info(ngx_http_request_t *r)
{
    u_char                  *body, *p, *last, *name;
    size_t                   len;
    ngx_uint_t               i;
    rp_model_t              *m;
    ngx_http_rp_model_t     *rm;
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);
    rm = rlcf->model;
    m = &rm->model;

    /* the longest reply, and one byte to tell a full buffer */
    len = sizeof("{\"model_version\":,\"path\":"
                 ",\"mapped\":{\"file_size\":,\"trees\":"
                 ",\"nodes\":,\"max_depth\":,\"format\":"
                 ",\"explainable\":false"
                 ",\"priors\":,\"priors_bytes\":"
                 ",\"objective\":\"binary:logistic\",\"base_margin\":"
                 ",\"checksum\":\"\",\"trained_at\":"
                 ",\"features\":[]},\"scorer_tables_bytes\":,\"metadata\":"
                 "null}")
          + ngx_http_rp_json_str_len((u_char *) m->hdr->version,
                                     ngx_strnlen((u_char *) m->hdr->version,
                                                 RP_MODEL_VERSION_MAX))
          + ngx_http_rp_json_str_len(rm->path.data, rm->path.len)
          + 10 * NGX_INT64_LEN + NGX_HTTP_RP_JSON_DOUBLE_LEN
          + rm->meta.len + ngx_http_rp_build_json_len();

    for (i = 0; i < m->hdr->n_features; i++) {
        name = (u_char *) m->names + i * RP_FEATURE_NAME_MAX;
        len += ngx_http_rp_json_str_len(name,
                                        ngx_strnlen(name, RP_FEATURE_NAME_MAX))
               + 1;
    }

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;

    p = ngx_slprintf(p, last, "{\"model_version\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) m->hdr->version,
                             ngx_strnlen((u_char *) m->hdr->version,
                                         RP_MODEL_VERSION_MAX));
    p = ngx_slprintf(p, last, ",\"path\":");
    p = ngx_http_rp_json_str(p, last, rm->path.data, rm->path.len);

    p = ngx_slprintf(p, last,
                     ",\"mapped\":{\"file_size\":%uL,\"trees\":%uD"
                     ",\"nodes\":%uD,\"max_depth\":%uD,\"format\":%uD"
                     ",\"explainable\":%s"
                     ",\"priors\":%uD,\"priors_bytes\":%uz"
                     ",\"objective\":%s,\"base_margin\":",
                     m->hdr->file_size, m->hdr->n_trees, m->hdr->n_nodes,
                     m->hdr->max_depth, m->hdr->format,
                     rp_explain_available(m) ? "true" : "false",
                     m->prior_values != NULL ? m->hdr->n_priors : 0,
                     rp_model_priors_size(m),
                     m->hdr->objective == RP_OBJ_LOGISTIC
                     ? "\"binary:logistic\"" : "null");
    p = ngx_http_rp_json_double(p, last, m->hdr->base_margin);
    p = ngx_slprintf(p, last, ",\"checksum\":\"%08xD\",\"trained_at\":%L"
                     ",\"features\":[",
                     m->hdr->crc32, m->hdr->trained_at);

    for (i = 0; i < m->hdr->n_features; i++) {
        name = (u_char *) m->names + i * RP_FEATURE_NAME_MAX;

        if (i) {
            p = ngx_slprintf(p, last, ",");
        }

        p = ngx_http_rp_json_str(p, last, name,
                                 ngx_strnlen(name, RP_FEATURE_NAME_MAX));
    }

    p = ngx_slprintf(p, last, "]},\"scorer_tables_bytes\":%uz,\"metadata\":",
                     rp_model_tables_size(m));

    if (rm->meta.len) {
        p = (size_t) (last - p) > rm->meta.len
            ? ngx_cpymem(p, rm->meta.data, rm->meta.len) : last;

    } else {
        p = ngx_slprintf(p, last, "null");
    }

    p = ngx_http_rp_build_json(p, last);
    p = ngx_slprintf(p, last, "}");

    return ngx_http_rp_send(r, NGX_HTTP_OK, body, p, last);
}


ngx_int_t
ngx_http_rp_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *error, const char *detail)
{
    u_char  *body, *p, *last;
    size_t   len;

    len = sizeof("{\"error\":,\"detail\":}")
          + ngx_http_rp_json_str_len((u_char *) error, ngx_strlen(error))
          + ngx_http_rp_json_str_len((u_char *) detail, ngx_strlen(detail));

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = body;
    last = body + len;

    p = ngx_slprintf(p, last, "{\"error\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) error, ngx_strlen(error));
    p = ngx_slprintf(p, last, ",\"detail\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) detail, ngx_strlen(detail));
    p = ngx_slprintf(p, last, "}");

    return ngx_http_rp_send(r, status, body, p, last);
}


static ngx_int_t
ngx_http_rp_send(ngx_http_request_t *r, ngx_uint_t status, u_char *body,
    u_char *p, u_char *last)
{
    return ngx_http_rp_send_reply(r, status, &ngx_http_rp_json_type, body, p,
                                  last);
}


/*
 * A reply built in [body, last). Every builder sizes its buffer one byte
 * past its longest reply, and every writer returns last when its text
 * does not fit (ngx_slprintf stops there silently): so p == last means a
 * reply that may have been cut, which would be malformed JSON or metrics.
 * That is a bug in a size; it is answered 500, and logged.
 */

ngx_int_t
ngx_http_rp_send_reply(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, u_char *p, u_char *last)
{
    if (p >= last) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "rp: a reply did not fit in its %uz-byte buffer "
                      "(a bug): answering 500", (size_t) (last - body));
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_rp_send_body(r, status, type, body, p - body);
}


/* a complete response from one pool buffer: status, type, length, body */

ngx_int_t
ngx_http_rp_send_body(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *body, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_length_n = len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
