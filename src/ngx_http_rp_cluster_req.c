/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * A request's commands on a Redis Cluster: each goes to the node of its
 * key's slot (ngx_http_rp_cluster_route), one transport batch per node,
 * all sent in the same event-loop turn, so they travel in parallel. The
 * caller's handler gets one reply per command, whatever the node and in
 * whatever order the nodes answer, with the command's item index.
 *
 * Before the reply reaches the caller:
 *   - MOVED SLOT ADDR: the slot has a new owner. The map learns it, the
 *     command goes again to ADDR (once), and a refresh of the whole map is
 *     scheduled (rate-limited), since a resharding moves many slots.
 *   - ASK SLOT ADDR: the key is being migrated and is already on ADDR:
 *     ASKING and the command go there (once); the map is not changed.
 *   - no reply (the node's connection was lost), CLUSTERDOWN or TRYAGAIN:
 *     the reply goes to the caller as a failure and the map is refreshed.
 * A command whose node cannot take it now (down, shedding) is not sent:
 * its item keeps no reply and falls back, like an item the single-Redis
 * lookup could not queue.
 */


#include "ngx_http_rp_cluster.h"


#define NGX_HTTP_RP_CLUSTER_ASKING  ((ngx_uint_t) -1)


typedef struct ngx_http_rp_cluster_part_s  ngx_http_rp_cluster_part_t;

/* the commands of one request on one node */
struct ngx_http_rp_cluster_part_s {
    ngx_http_rp_cluster_req_t   *req;
    ngx_http_rp_cluster_node_t  *node;
    ngx_http_rp_redis_batch_t   *batch;   /* NULL: replies in, or detached */
    ngx_uint_t                  *items;   /* each command's item */
    ngx_uint_t                   n;
    ngx_http_rp_cluster_part_t  *next;
};


struct ngx_http_rp_cluster_req_s {
    ngx_http_rp_cluster_t       *cluster;
    ngx_http_rp_redis_reply_pt   handler;
    void                        *data;
    ngx_pool_t                  *pool;
    ngx_log_t                   *log;
    ngx_msec_t                   timeout;
    ngx_uint_t                   nitems;
    ngx_str_t                   *cmds;    /* each item's, for a retry */
    u_char                      *redirected;
    ngx_http_rp_cluster_part_t  *parts;   /* every part sent */
    ngx_http_rp_cluster_part_t **building; /* per node, until sent */
};


static ngx_http_rp_cluster_part_t *ngx_http_rp_cluster_part(
    ngx_http_rp_cluster_req_t *req, ngx_http_rp_cluster_node_t *node,
    ngx_uint_t size);
static void ngx_http_rp_cluster_part_reply(void *data, ngx_uint_t j,
    ngx_uint_t n, redisReply *reply);
static ngx_int_t ngx_http_rp_cluster_redirect(ngx_http_rp_cluster_req_t *req,
    ngx_uint_t item, redisReply *reply, ngx_uint_t ask);
static ngx_uint_t ngx_http_rp_cluster_error_is(redisReply *reply,
    const char *code);


static const char  ngx_http_rp_cluster_asking_cmd[] =
    "*1\r\n$6\r\nASKING\r\n";


ngx_http_rp_cluster_req_t *
ngx_http_rp_cluster_req_start(ngx_http_rp_cluster_t *cl, ngx_uint_t nitems,
    ngx_msec_t timeout, ngx_http_rp_redis_reply_pt handler, void *data,
    ngx_pool_t *pool, ngx_log_t *log)
{
    ngx_http_rp_cluster_req_t  *req;

    req = ngx_pcalloc(pool, sizeof(ngx_http_rp_cluster_req_t));
    if (req == NULL) {
        return NULL;
    }

    req->cmds = ngx_pcalloc(pool, nitems * sizeof(ngx_str_t));
    req->redirected = ngx_pcalloc(pool, nitems);
    req->building = ngx_pcalloc(pool, NGX_HTTP_RP_CLUSTER_NODES_MAX
                                      * sizeof(ngx_http_rp_cluster_part_t *));

    if (req->cmds == NULL || req->redirected == NULL
        || req->building == NULL)
    {
        return NULL;
    }

    req->cluster = cl;
    req->handler = handler;
    req->data = data;
    req->pool = pool;
    req->log = log;
    req->timeout = timeout;
    req->nitems = nitems;

    return req;
}


/* a part on node with room for size commands, its batch started; NULL
 * when the node cannot take commands now */

static ngx_http_rp_cluster_part_t *
ngx_http_rp_cluster_part(ngx_http_rp_cluster_req_t *req,
    ngx_http_rp_cluster_node_t *node, ngx_uint_t size)
{
    ngx_http_rp_cluster_part_t  *part;

    part = ngx_pcalloc(req->pool, sizeof(ngx_http_rp_cluster_part_t));
    if (part == NULL) {
        return NULL;
    }

    part->items = ngx_palloc(req->pool, size * sizeof(ngx_uint_t));
    if (part->items == NULL) {
        return NULL;
    }

    part->req = req;
    part->node = node;

    part->batch = ngx_http_rp_cluster_batch_start(node, req->timeout,
                                                  ngx_http_rp_cluster_part_reply,
                                                  part, req->log);
    if (part->batch == NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, req->log, 0,
                       "rp cluster: \"%V\" takes no commands now",
                       &node->redis.addr);

        /* down, or shedding: after a failover the map names another
         * node, and a refresh (rate-limited) finds it */
        ngx_http_rp_cluster_refresh(req->cluster);
        return NULL;
    }

    return part;
}


/* item i's command, on the node of key's slot; NGX_DECLINED: not sent */

ngx_int_t
ngx_http_rp_cluster_req_add(ngx_http_rp_cluster_req_t *req, ngx_uint_t i,
    const char *key, size_t klen, const u_char *cmd, size_t len)
{
    ngx_uint_t                   slot;
    ngx_http_rp_cluster_node_t  *node;
    ngx_http_rp_cluster_part_t  *part;

    req->cmds[i].data = ngx_pnalloc(req->pool, len);
    if (req->cmds[i].data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(req->cmds[i].data, cmd, len);
    req->cmds[i].len = len;

    slot = rp_store_key_slot(key, klen);

    node = ngx_http_rp_cluster_route(req->cluster, slot);
    if (node == NULL) {
        return NGX_DECLINED;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, req->log, 0,
                   "rp cluster: item %ui, slot %ui, to \"%V\"", i, slot,
                   &node->redis.addr);

    part = req->building[node->index];

    if (part == NULL) {
        part = ngx_http_rp_cluster_part(req, node, req->nitems);

        if (part == NULL) {
            /* the node's other items are not tried again */
            req->building[node->index] = (void *) -1;
            return NGX_DECLINED;
        }

        req->building[node->index] = part;

    } else if (part == (void *) -1) {
        return NGX_DECLINED;
    }

    if (ngx_http_rp_redis_batch_add(part->batch, (char *) cmd, len)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    part->items[part->n++] = i;

    return NGX_OK;
}


/* the parts leave together; returns how many commands are out */

ngx_uint_t
ngx_http_rp_cluster_req_send(ngx_http_rp_cluster_req_t *req)
{
    ngx_uint_t                   k, out;
    ngx_http_rp_cluster_part_t  *part;

    out = 0;

    for (k = 0; k < NGX_HTTP_RP_CLUSTER_NODES_MAX; k++) {
        part = req->building[k];
        req->building[k] = NULL;

        if (part == NULL || part == (void *) -1) {
            continue;
        }

        if (ngx_http_rp_redis_batch_send(part->batch) != NGX_OK) {
            part->batch = NULL;
            continue;
        }

        part->next = req->parts;
        req->parts = part;
        out += part->n;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, req->log, 0,
                   "rp cluster: %ui commands out", out);

    return out;
}


/* the caller is going away, or has its answer: late replies are dropped */

void
ngx_http_rp_cluster_req_detach(ngx_http_rp_cluster_req_t *req)
{
    ngx_http_rp_cluster_part_t  *part;

    for (part = req->parts; part; part = part->next) {
        if (part->batch) {
            ngx_http_rp_redis_batch_detach(part->batch);
            part->batch = NULL;
        }
    }
}


/*
 * The request's timer fired: each node that still owes replies hears of
 * it (it may re-open a connection that stopped answering), after every
 * part is detached so that nothing reaches the request.
 */

void
ngx_http_rp_cluster_req_timed_out(ngx_http_rp_cluster_req_t *req)
{
    ngx_uint_t                   k, n;
    ngx_http_rp_cluster_node_t  *late[NGX_HTTP_RP_CLUSTER_NODES_MAX];
    ngx_http_rp_cluster_part_t  *part;

    n = 0;

    for (part = req->parts; part; part = part->next) {
        if (part->batch == NULL) {
            continue;
        }

        ngx_http_rp_redis_batch_detach(part->batch);
        part->batch = NULL;

        for (k = 0; k < n && late[k] != part->node; k++) { /* void */ }

        if (k == n && n < NGX_HTTP_RP_CLUSTER_NODES_MAX) {
            late[n++] = part->node;
        }
    }

    for (k = 0; k < n; k++) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, req->log, 0,
                       "rp cluster: \"%V\" did not answer in time",
                       &late[k]->redis.addr);

        ngx_http_rp_redis_timed_out(&late[k]->redis);
    }
}


static void
ngx_http_rp_cluster_part_reply(void *data, ngx_uint_t j, ngx_uint_t n,
    redisReply *reply)
{
    ngx_uint_t                   item;
    ngx_http_rp_cluster_part_t  *part = data;
    ngx_http_rp_cluster_req_t   *req;

    req = part->req;

    if (j + 1 == n) {
        part->batch = NULL;
    }

    item = part->items[j];

    if (item == NGX_HTTP_RP_CLUSTER_ASKING) {
        /* an ASKING refused leaves its command to fail on its own */
        return;
    }

    if (reply == NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, req->log, 0,
                       "rp cluster: \"%V\" lost a reply", &part->node->redis.addr);

        ngx_http_rp_cluster_refresh(req->cluster);

    } else if (reply->type == REDIS_REPLY_ERROR) {

        if (ngx_http_rp_cluster_error_is(reply, "MOVED")
            || ngx_http_rp_cluster_error_is(reply, "ASK"))
        {
            if (!req->redirected[item]
                && ngx_http_rp_cluster_redirect(req, item, reply,
                       ngx_http_rp_cluster_error_is(reply, "ASK"))
                   == NGX_OK)
            {
                return;
            }

        } else if (ngx_http_rp_cluster_error_is(reply, "CLUSTERDOWN")
                   || ngx_http_rp_cluster_error_is(reply, "TRYAGAIN"))
        {
            ngx_log_debug3(NGX_LOG_DEBUG_HTTP, req->log, 0,
                           "rp cluster: \"%V\": %*s",
                           &part->node->redis.addr,
                           (size_t) reply->len, reply->str);

            ngx_http_rp_cluster_refresh(req->cluster);
        }
    }

    /* the last reply may end the request: req is not touched after it */

    req->handler(req->data, item, 0, reply);
}


/* "MOVED 3999 127.0.0.1:6381", "ASK 3999 127.0.0.1:6381" */

static ngx_int_t
ngx_http_rp_cluster_redirect(ngx_http_rp_cluster_req_t *req, ngx_uint_t item,
    redisReply *reply, ngx_uint_t ask)
{
    u_char                      *p, *last, *sp;
    ngx_int_t                    slot;
    ngx_http_rp_cluster_t       *cl = req->cluster;
    ngx_http_rp_metrics_t       *m;
    ngx_http_rp_cluster_node_t  *node;
    ngx_http_rp_cluster_part_t  *part;

    p = (u_char *) reply->str;
    last = p + reply->len;

    p = ngx_strlchr(p, last, ' ');
    if (p == NULL) {
        return NGX_DECLINED;
    }

    p++;
    sp = ngx_strlchr(p, last, ' ');
    if (sp == NULL) {
        return NGX_DECLINED;
    }

    slot = ngx_atoi(p, sp - p);
    if (slot < 0 || slot >= NGX_HTTP_RP_CLUSTER_SLOTS || sp + 1 >= last) {
        return NGX_DECLINED;
    }

    node = ngx_http_rp_cluster_node(cl, sp + 1, last - sp - 1, 1);
    if (node == NULL) {
        return NGX_DECLINED;
    }

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, req->log, 0,
                   "rp cluster: item %ui %s slot %i, to \"%V\"", item,
                   ask ? "ASK" : "MOVED", slot, &node->redis.addr);

    if (!ask) {
        ngx_http_rp_cluster_moved(cl, (ngx_uint_t) slot, node);
    }

    part = ngx_http_rp_cluster_part(req, node, 2);
    if (part == NULL) {
        return NGX_DECLINED;
    }

    if (ask) {
        if (ngx_http_rp_redis_batch_add(part->batch,
                                        ngx_http_rp_cluster_asking_cmd,
                                        sizeof(ngx_http_rp_cluster_asking_cmd)
                                        - 1)
            != NGX_OK)
        {
            goto failed;
        }

        part->items[part->n++] = NGX_HTTP_RP_CLUSTER_ASKING;
    }

    if (ngx_http_rp_redis_batch_add(part->batch, (char *) req->cmds[item].data,
                                    req->cmds[item].len)
        != NGX_OK)
    {
        goto failed;
    }

    part->items[part->n++] = item;

    if (ngx_http_rp_redis_batch_send(part->batch) != NGX_OK) {
        return NGX_DECLINED;
    }

    part->next = req->parts;
    req->parts = part;
    req->redirected[item] = 1;

    m = ngx_http_rp_metrics();
    if (m) {
        ngx_http_rp_metrics_inc(ask ? &m->redirects_ask
                                    : &m->redirects_moved);
    }

    return NGX_OK;

failed:

    /* a command already queued (ASKING) will be answered: the batch
     * keeps its place in the reply order, detached; an empty one is
     * freed by the send */
    if (ngx_http_rp_redis_batch_send(part->batch) == NGX_OK) {
        ngx_http_rp_redis_batch_detach(part->batch);
    }

    return NGX_DECLINED;
}


static ngx_uint_t
ngx_http_rp_cluster_error_is(redisReply *reply, const char *code)
{
    size_t  n;

    n = ngx_strlen(code);

    return (size_t) reply->len > n && reply->str[n] == ' '
           && ngx_strncmp(reply->str, code, n) == 0;
}
