/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * A request's feature lookup: one HMGET per item on the location's Redis
 * transport (ngx_http_rp_redis.c), each reply parsed into its item
 * (rp_store_parse_read), bounded by the request's timer. Exactly one of
 *   - the last reply,
 *   - the timer,
 *   - the request going away (ngx_http_rp_lookup_cancel)
 * ends it; the first two call the request's done callback, the batch is
 * detached by whichever comes first, so late replies touch nothing.
 */


#include "ngx_http_rp_module.h"
#include "ngx_http_rp_cluster.h"


static void ngx_http_rp_lookup_reply(void *data, ngx_uint_t i, ngx_uint_t n,
    redisReply *reply);
static void ngx_http_rp_lookup_timeout(ngx_event_t *ev);
static void ngx_http_rp_lookup_finish(ngx_http_rp_ctx_t *ctx);
static void ngx_http_rp_lookup_failed(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_item_t *it, ngx_uint_t source, const char *why, size_t len);
static void ngx_http_rp_lookup_log(ngx_http_rp_ctx_t *ctx);
static size_t ngx_http_rp_lookup_format(u_char *buf, size_t size,
    rp_store_cmd_t *cmd);
static size_t ngx_http_rp_lookup_item_cmd(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_item_t *it, rp_store_cmd_t *cmd, u_char *buf, size_t size);
static void ngx_http_rp_lookup_arm(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done, ngx_msec_t timeout);
static ngx_int_t ngx_http_rp_lookup_start_cluster(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done);
static ngx_str_t *ngx_http_rp_lookup_store_name(ngx_http_rp_loc_conf_t *rlcf);


/* the formatted HMGET of one item: ids of at most RP_ID_MAX bytes and the
 * store's fixed field names fit with room to spare */
#define NGX_HTTP_RP_CMD_MAX  2048


/*
 * NGX_OK: the commands are out and done will be called; NGX_DECLINED:
 * Redis is not ready or sheds (the caller answers with what it has now);
 * NGX_ERROR: out of memory.
 */

ngx_int_t
ngx_http_rp_lookup_start(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done)
{
    u_char                      buf[NGX_HTTP_RP_CMD_MAX];
    size_t                      len;
    ngx_int_t                   rc;
    ngx_uint_t                  i;
    rp_store_cmd_t              cmd;
    ngx_http_request_t         *r = ctx->request;
    ngx_http_rp_loc_conf_t     *rlcf;
    ngx_http_rp_redis_batch_t  *b;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    if (rlcf->cluster) {
        return ngx_http_rp_lookup_start_cluster(ctx, done);
    }

    b = ngx_http_rp_redis_batch_start(rlcf->redis, rlcf->redis_timeout,
                                      ngx_http_rp_lookup_reply, ctx,
                                      r->connection->log, &rc);
    if (b == NULL) {
        return rc;
    }

    for (i = 0; i < ctx->nitems; i++) {
        len = ngx_http_rp_lookup_item_cmd(ctx, &ctx->items[i], &cmd,
                                          buf, sizeof(buf));
        if (len == 0) {
            break;
        }

        if (ngx_http_rp_redis_batch_add(b, (char *) buf, len) != NGX_OK) {
            break;
        }
    }

    /* items past the last queued one keep SRC_PENDING: they fall back */

    if (ngx_http_rp_redis_batch_send(b) != NGX_OK) {
        return NGX_DECLINED;
    }

    ctx->batch = b;
    ngx_http_rp_lookup_arm(ctx, done, rlcf->redis_timeout);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "rp lookup: %ui items, timeout %Mms", ctx->nitems,
                   rlcf->redis_timeout);

    return NGX_OK;
}


/*
 * On a cluster: each item's HMGET goes to the node of its key's slot
 * (ngx_http_rp_cluster_req.c); an item whose node cannot take it keeps
 * SRC_PENDING and falls back. ctx->nout counts the replies to come.
 */

static ngx_int_t
ngx_http_rp_lookup_start_cluster(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done)
{
    u_char                      buf[NGX_HTTP_RP_CMD_MAX];
    size_t                      len;
    ngx_int_t                   rc;
    ngx_uint_t                  i;
    rp_store_cmd_t              cmd;
    ngx_http_request_t         *r = ctx->request;
    ngx_http_rp_loc_conf_t     *rlcf;
    ngx_http_rp_cluster_req_t  *req;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);

    req = ngx_http_rp_cluster_req_start(rlcf->cluster, ctx->nitems,
                                        rlcf->redis_timeout,
                                        ngx_http_rp_lookup_reply, ctx,
                                        r->pool, r->connection->log);
    if (req == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < ctx->nitems; i++) {
        len = ngx_http_rp_lookup_item_cmd(ctx, &ctx->items[i], &cmd,
                                          buf, sizeof(buf));
        if (len == 0) {
            continue;
        }

        /* argv[1] is the key, rp:{USER} */
        rc = ngx_http_rp_cluster_req_add(req, i, cmd.argv[1],
                                         cmd.argvlen[1], buf, len);
        if (rc == NGX_ERROR) {
            ngx_http_rp_cluster_req_send(req);
            ngx_http_rp_cluster_req_detach(req);
            return NGX_ERROR;
        }
    }

    ctx->nout = ngx_http_rp_cluster_req_send(req);

    if (ctx->nout == 0) {
        return NGX_DECLINED;
    }

    ctx->creq = req;
    ngx_http_rp_lookup_arm(ctx, done, rlcf->redis_timeout);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "rp lookup: %ui items, %ui on the cluster, timeout %Mms",
                   ctx->nitems, ctx->nout, rlcf->redis_timeout);

    return NGX_OK;
}


/*
 * The HMGET of one item, formatted into buf: its length, or 0 when it
 * cannot be built (the item then keeps SRC_PENDING and falls back). Ids
 * were validated, so neither should happen.
 */

static size_t
ngx_http_rp_lookup_item_cmd(ngx_http_rp_ctx_t *ctx, ngx_http_rp_item_t *it,
    rp_store_cmd_t *cmd, u_char *buf, size_t size)
{
    size_t  len;

    if (rp_store_read_cmd(cmd, (char *) it->user.data, it->user.len,
                          ctx->want_product ? (char *) it->product.data
                                            : NULL,
                          ctx->want_product ? it->product.len : 0)
        != 0)
    {
        return 0;
    }

    len = ngx_http_rp_lookup_format(buf, size, cmd);

    if (len == 0) {
        ngx_log_error(NGX_LOG_ALERT, ctx->request->connection->log, 0,
                      "rp: an HMGET of more than %uz bytes", size);
    }

    return len;
}


/* The commands are out: done is called by the last reply or the timer. */

static void
ngx_http_rp_lookup_arm(ngx_http_rp_ctx_t *ctx,
    ngx_http_rp_lookup_done_pt done, ngx_msec_t timeout)
{
    ctx->lookup_done = done;

    ctx->timer.handler = ngx_http_rp_lookup_timeout;
    ctx->timer.data = ctx;
    ctx->timer.log = ctx->request->connection->log;

    ngx_add_timer(&ctx->timer, timeout);
}


/* The request is going away: no callback, no timer. */

void
ngx_http_rp_lookup_cancel(ngx_http_rp_ctx_t *ctx)
{
    if (ctx->batch) {
        ngx_http_rp_redis_batch_detach(ctx->batch);
        ctx->batch = NULL;
    }

    if (ctx->creq) {
        ngx_http_rp_cluster_req_detach(ctx->creq);
        ctx->creq = NULL;
    }

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }
}


/*
 * RESP: *argc, then each argument as $len and its bytes. 0 when it does
 * not fit in size bytes.
 */

static size_t
ngx_http_rp_lookup_format(u_char *buf, size_t size, rp_store_cmd_t *cmd)
{
    u_char  *p, *last;
    int      i;

    p = buf;
    last = buf + size;

    p = ngx_slprintf(p, last, "*%d\r\n", cmd->argc);

    for (i = 0; i < cmd->argc; i++) {
        if ((size_t) (last - p) < NGX_SIZE_T_LEN + 5 + cmd->argvlen[i]) {
            return 0;
        }

        p = ngx_sprintf(p, "$%uz\r\n", cmd->argvlen[i]);
        p = ngx_cpymem(p, cmd->argv[i], cmd->argvlen[i]);
        *p++ = '\r';
        *p++ = '\n';
    }

    return p - buf;
}


static void
ngx_http_rp_lookup_reply(void *data, ngx_uint_t i, ngx_uint_t n,
    redisReply *reply)
{
    char                    err[RP_ERR_MAX];
    size_t                  j, nv;
    rp_store_val_t          vals[RP_STORE_READ_FIELDS];
    ngx_http_rp_ctx_t      *ctx = data;
    ngx_http_rp_item_t     *it;
    ngx_http_rp_metrics_t  *m;
    int                     found;
    ngx_uint_t              last;

    /* on a cluster the replies come in any order, each with its item */
    last = ctx->creq ? (--ctx->nout == 0) : (i + 1 == n);

    if (last && ctx->creq == NULL) {
        /* the transport is done with the batch */
        ctx->batch = NULL;
    }

    it = &ctx->items[i];
    m = ngx_http_rp_metrics();

    if (reply == NULL) {
        ngx_http_rp_lookup_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
                                  "no reply (connection lost)",
                                  sizeof("no reply (connection lost)") - 1);

        if (m) {
            ngx_http_rp_metrics_inc(&m->redis_errors);
        }

        goto next;
    }

    if (reply->type == REDIS_REPLY_ERROR) {

        /*
         * WRONGTYPE is about this user's key (rp:{USER} is not a hash):
         * corrupt data for this user, not an outage. Every other error
         * (LOADING, BUSY, NOAUTH, ...) is about the server.
         */

        if ((size_t) reply->len >= sizeof("WRONGTYPE") - 1
            && ngx_strncmp(reply->str, "WRONGTYPE",
                           sizeof("WRONGTYPE") - 1) == 0)
        {
            ngx_http_rp_lookup_failed(ctx, it, NGX_HTTP_RP_SRC_CORRUPT,
                                      reply->str, (size_t) reply->len);

            if (m) {
                ngx_http_rp_metrics_inc(&m->store_corrupt);
            }

            goto next;
        }

        ngx_http_rp_lookup_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
                                  reply->str, (size_t) reply->len);

        if (m) {
            ngx_http_rp_metrics_inc(&m->redis_errors);
        }

        goto next;
    }

    if (reply->type != REDIS_REPLY_ARRAY) {
        ngx_http_rp_lookup_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
                                  "unexpected reply type",
                                  sizeof("unexpected reply type") - 1);

        if (m) {
            ngx_http_rp_metrics_inc(&m->redis_errors);
        }

        goto next;
    }

    nv = ngx_min(reply->elements, RP_STORE_READ_FIELDS);

    for (j = 0; j < nv; j++) {
        if (reply->element[j]->type == REDIS_REPLY_STRING) {
            vals[j].str = reply->element[j]->str;
            vals[j].len = reply->element[j]->len;

        } else if (reply->element[j]->type == REDIS_REPLY_NIL) {
            vals[j].str = NULL;
            vals[j].len = 0;

        } else {
            /* an integer or nested reply where a string belongs */
            vals[j].str = "?";
            vals[j].len = 1;
        }
    }

    found = 0;

    if (rp_store_parse_read(vals, nv, &it->u, &it->p, &found, err,
                            sizeof(err))
        != 0)
    {
        ngx_http_rp_lookup_failed(ctx, it, NGX_HTTP_RP_SRC_CORRUPT,
                                  err, ngx_strlen(err));

        if (m) {
            ngx_http_rp_metrics_inc(&m->store_corrupt);
        }

        goto next;
    }

    it->source = found ? NGX_HTTP_RP_SRC_STORE : NGX_HTTP_RP_SRC_UNKNOWN;

next:

    if (last) {
        ngx_http_rp_lookup_finish(ctx);
    }
}


static void
ngx_http_rp_lookup_timeout(ngx_event_t *ev)
{
    ngx_uint_t               suppressed;
    ngx_http_rp_ctx_t       *ctx = ev->data;
    ngx_http_rp_redis_t     *redis;
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_http_get_module_loc_conf(ctx->request, ngx_http_rp_module);
    redis = rlcf->redis;

    if (ngx_http_rp_log_allowed(&suppressed)) {
        ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                      "rp: redis \"%V\" did not answer within %Mms "
                      "(%ui similar lines suppressed)",
                      ngx_http_rp_lookup_store_name(rlcf),
                      rlcf->redis_timeout, suppressed);
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "rp lookup: timed out after %Mms", rlcf->redis_timeout);

    if (ctx->creq) {
        /* detaches the parts first: nothing reaches this request */
        ngx_http_rp_cluster_req_timed_out(ctx->creq);
        ngx_http_rp_lookup_finish(ctx);
        return;
    }

    ngx_http_rp_lookup_finish(ctx);

    /* after the request is done: this may reset the connection */
    ngx_http_rp_redis_timed_out(redis);
}


/* every reply is in, or the timer fired */

static void
ngx_http_rp_lookup_finish(ngx_http_rp_ctx_t *ctx)
{
    ngx_http_rp_lookup_cancel(ctx);
    ngx_http_rp_lookup_log(ctx);

    ctx->lookup_done(ctx);
}


/* an item that gets default features; the request logs them at the end */

static void
ngx_http_rp_lookup_failed(ngx_http_rp_ctx_t *ctx, ngx_http_rp_item_t *it,
    ngx_uint_t source, const char *why, size_t len)
{
    it->source = source;

    if (source == NGX_HTTP_RP_SRC_CORRUPT) {
        ctx->ncorrupt++;

    } else {
        ctx->nfailed++;
    }

    if (ctx->bad_user.data == NULL) {
        ctx->bad_user = it->user;
        ctx->bad_why_len = ngx_min(len, sizeof(ctx->bad_why));
        ngx_memcpy(ctx->bad_why, why, ctx->bad_why_len);
    }
}


static void
ngx_http_rp_lookup_log(ngx_http_rp_ctx_t *ctx)
{
    ngx_uint_t               suppressed;
    ngx_http_rp_loc_conf_t  *rlcf;

    if (ctx->nfailed + ctx->ncorrupt == 0
        || !ngx_http_rp_log_allowed(&suppressed))
    {
        return;
    }

    rlcf = ngx_http_get_module_loc_conf(ctx->request, ngx_http_rp_module);

    ngx_log_error(NGX_LOG_ERR, ctx->request->connection->log, 0,
                  "rp: redis \"%V\": %ui of %ui items got default "
                  "features: %ui Redis errors or lost replies, %ui corrupted "
                  "store values; first: user \"%V\": %*s "
                  "(%ui similar lines suppressed before)",
                  ngx_http_rp_lookup_store_name(rlcf),
                  ctx->nfailed + ctx->ncorrupt,
                  ctx->nitems, ctx->nfailed, ctx->ncorrupt, &ctx->bad_user,
                  ctx->bad_why_len, ctx->bad_why, suppressed);
}


/* the store in log lines: rp_redis' address, or rp_redis_cluster's seeds */

static ngx_str_t *
ngx_http_rp_lookup_store_name(ngx_http_rp_loc_conf_t *rlcf)
{
    return rlcf->cluster ? &rlcf->cluster->name : &rlcf->redis->addr;
}
