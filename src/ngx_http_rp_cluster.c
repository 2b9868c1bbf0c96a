/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * A worker's view of a Redis Cluster: its nodes, each a transport
 * connection (ngx_http_rp_redis.c) opened when a command first needs it,
 * and the slot map, learned without blocking by a CLUSTER SLOTS sent on
 * a node's connection like any command.
 *
 * CLUSTER SLOTS rather than CLUSTER SHARDS: its reply is the map itself
 * (a slot range, its primary, then its replicas, each as IP and port),
 * every Redis since 3.0 answers it, and it leaves out the nodes the
 * cluster marks as failed, which is what routing wants. SHARDS (7.0 and
 * later) gives the same with per-node health to filter by hand.
 *
 * The map is refreshed when a MOVED reply says it is stale, when a node
 * fails or answers CLUSTERDOWN, at most once per
 * NGX_HTTP_RP_CLUSTER_REFRESH_MIN ms, and every
 * NGX_HTTP_RP_CLUSTER_REFRESH_IDLE ms otherwise. The node asked is one
 * that is ready, else any other in turn, seeds included.
 */


#include "ngx_http_rp_cluster.h"


#define NGX_HTTP_RP_CLUSTER_REFRESH_MIN      100
#define NGX_HTTP_RP_CLUSTER_REFRESH_IDLE     30000
#define NGX_HTTP_RP_CLUSTER_REFRESH_TIMEOUT  1000


static ngx_http_rp_cluster_node_t *ngx_http_rp_cluster_node_new(
    ngx_http_rp_cluster_t *cl, u_char *addr, size_t alen, u_char *host,
    size_t hlen, ngx_int_t port);
static ngx_uint_t ngx_http_rp_cluster_down(ngx_http_rp_cluster_node_t *n);
static void ngx_http_rp_cluster_refresh_handler(ngx_event_t *ev);
static void ngx_http_rp_cluster_refresh_timeout(ngx_event_t *ev);
static void ngx_http_rp_cluster_gc(ngx_event_t *ev);
static void ngx_http_rp_cluster_slots_reply(void *data, ngx_uint_t i,
    ngx_uint_t n, redisReply *reply);
static ngx_int_t ngx_http_rp_cluster_slots_valid(redisReply *reply);
static void ngx_http_rp_cluster_slots_apply(ngx_http_rp_cluster_t *cl,
    redisReply *reply);
static ngx_http_rp_cluster_node_t *ngx_http_rp_cluster_map_node(
    ngx_http_rp_cluster_t *cl, redisReply *r);


static const char  ngx_http_rp_cluster_slots_cmd[] =
    "*2\r\n$7\r\nCLUSTER\r\n$5\r\nSLOTS\r\n";


void
ngx_http_rp_cluster_start(ngx_http_rp_cluster_t *cl, ngx_cycle_t *cycle)
{
    ngx_uint_t                   i;
    ngx_http_rp_cluster_seed_t  *seed;
    ngx_http_rp_cluster_node_t  *n;

    cl->log = cycle->log;

    cl->slots = ngx_alloc(NGX_HTTP_RP_CLUSTER_SLOTS * sizeof(uint16_t),
                          cycle->log);
    if (cl->slots == NULL) {
        return;
    }

    for (i = 0; i < NGX_HTTP_RP_CLUSTER_SLOTS; i++) {
        cl->slots[i] = NGX_HTTP_RP_CLUSTER_NONE;
    }

    seed = cl->seeds->elts;

    for (i = 0; i < cl->seeds->nelts; i++) {
        n = ngx_http_rp_cluster_node(cl, seed[i].addr.data, seed[i].addr.len,
                                     0);
        if (n == NULL) {
            n = ngx_http_rp_cluster_node_new(cl, seed[i].addr.data,
                                             seed[i].addr.len,
                                             seed[i].host.data,
                                             seed[i].host.len, seed[i].port);
        }

        if (n) {
            n->seed = 1;
        }
    }

    cl->refresh_ev.handler = ngx_http_rp_cluster_refresh_handler;
    cl->refresh_ev.data = cl;
    cl->refresh_ev.log = cycle->log;
    cl->refresh_ev.cancelable = 1;

    cl->refresh_timeout_ev.handler = ngx_http_rp_cluster_refresh_timeout;
    cl->refresh_timeout_ev.data = cl;
    cl->refresh_timeout_ev.log = cycle->log;
    cl->refresh_timeout_ev.cancelable = 1;

    cl->gc_ev.handler = ngx_http_rp_cluster_gc;
    cl->gc_ev.data = cl;
    cl->gc_ev.log = cycle->log;
    cl->gc_ev.cancelable = 1;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: \"%V\" starting, %ui seeds", &cl->name,
                   cl->nnodes);

    /* learn the map from inside the event loop */
    ngx_add_timer(&cl->refresh_ev, 0);

    ngx_http_rp_cluster_shm_write(cl);
}


void
ngx_http_rp_cluster_stop(ngx_http_rp_cluster_t *cl)
{
    ngx_uint_t  i;

    /* the nodes' last state changes are not this worker's view any more */
    cl->stopping = 1;

    if (cl->refresh_ev.timer_set) {
        ngx_del_timer(&cl->refresh_ev);
    }

    if (cl->refresh_timeout_ev.timer_set) {
        ngx_del_timer(&cl->refresh_timeout_ev);
    }

    if (cl->gc_ev.timer_set) {
        ngx_del_timer(&cl->gc_ev);
    }

    if (cl->refresh_batch) {
        ngx_http_rp_redis_batch_detach(cl->refresh_batch);
        cl->refresh_batch = NULL;
    }

    for (i = 0; i < cl->nnodes; i++) {
        if (cl->nodes[i]->opened) {
            ngx_http_rp_redis_stop(&cl->nodes[i]->redis);
        }

        ngx_free(cl->nodes[i]);
        cl->nodes[i] = NULL;
    }

    cl->nnodes = 0;

    ngx_free(cl->slots);
    cl->slots = NULL;
}


/* the node of an address, "IP:PORT" as the cluster writes it; created
 * when asked and the address is numeric */

ngx_http_rp_cluster_node_t *
ngx_http_rp_cluster_node(ngx_http_rp_cluster_t *cl, u_char *addr, size_t len,
    ngx_uint_t create)
{
    u_char                      *colon, *host;
    size_t                       hlen;
    ngx_int_t                    port;
    ngx_uint_t                   i;
    struct in6_addr              a6;
    ngx_http_rp_cluster_node_t  *n;
    u_char                       ip[NGX_HTTP_RP_CLUSTER_ADDR_LEN];

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];

        if (n->redis.addr.len == len
            && ngx_strncmp(n->redis.addr.data, addr, len) == 0)
        {
            return n;
        }
    }

    if (!create) {
        return NULL;
    }

    for (colon = addr + len - 1; colon > addr && *colon != ':'; colon--) {
        /* void */
    }

    if (colon == addr) {
        goto bad;
    }

    port = ngx_atoi(colon + 1, addr + len - colon - 1);
    if (port < 1 || port > 65535) {
        goto bad;
    }

    host = addr;
    hlen = colon - addr;

    if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }

    if (hlen >= sizeof(ip)) {
        goto bad;
    }

    ngx_memcpy(ip, host, hlen);
    ip[hlen] = '\0';

    /* hiredis would resolve a name with a blocking getaddrinfo() */

    if (ngx_inet_addr(ip, hlen) == INADDR_NONE
        && inet_pton(AF_INET6, (char *) ip, &a6) != 1)
    {
        goto bad;
    }

    return ngx_http_rp_cluster_node_new(cl, addr, len, ip, hlen, port);

bad:

    ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                  "rp: redis cluster \"%V\": node address \"%*s\" is not "
                  "a numeric IP:PORT (set cluster-preferred-endpoint-type "
                  "ip)", &cl->name, len, addr);

    return NULL;
}


static ngx_http_rp_cluster_node_t *
ngx_http_rp_cluster_node_new(ngx_http_rp_cluster_t *cl, u_char *addr,
    size_t alen, u_char *host, size_t hlen, ngx_int_t port)
{
    ngx_http_rp_cluster_node_t  *n;

    if (cl->nnodes == NGX_HTTP_RP_CLUSTER_NODES_MAX
        || alen >= NGX_HTTP_RP_CLUSTER_ADDR_LEN
        || hlen >= NGX_HTTP_RP_CLUSTER_ADDR_LEN)
    {
        ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                      "rp: redis cluster \"%V\": node \"%*s\" not tracked "
                      "(at most %d nodes)", &cl->name, alen, addr,
                      NGX_HTTP_RP_CLUSTER_NODES_MAX);
        return NULL;
    }

    n = ngx_calloc(sizeof(ngx_http_rp_cluster_node_t), cl->log);
    if (n == NULL) {
        return NULL;
    }

    ngx_memcpy(n->text, addr, alen);
    ngx_memcpy(n->host_text, host, hlen);

    n->cluster = cl;
    n->index = cl->nnodes;
    n->role = NGX_HTTP_RP_CLUSTER_UNMAPPED;
    n->primary = NGX_HTTP_RP_CLUSTER_NONE;

    n->redis.addr.data = n->text;
    n->redis.addr.len = alen;
    n->redis.host.data = n->host_text;
    n->redis.host.len = hlen;
    n->redis.hosts = &n->redis.host;
    n->redis.nhosts = 1;
    n->redis.port = port;
    n->redis.password = cl->password;
    n->redis.connect_timeout = cl->connect_timeout;
    n->redis.readonly = cl->replica_reads ? 1 : 0;

    cl->nodes[cl->nnodes++] = n;

    ngx_http_rp_cluster_shm_write(cl);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: node \"%V\" known, %ui nodes",
                   &n->redis.addr, cl->nnodes);

    return n;
}


/* a node this worker connected to and cannot use now */

static ngx_uint_t
ngx_http_rp_cluster_down(ngx_http_rp_cluster_node_t *n)
{
    if (!n->opened) {
        return 0;
    }

    if (n->redis.state == NGX_HTTP_RP_REDIS_READY) {
        return 0;
    }

    return n->redis.ac == NULL || n->redis.ever_ready;
}


/*
 * The node a read of this slot goes to: the slot's primary, or with
 * rp_redis_replica_reads one of its replicas that is not down, in turn.
 * A slot without a primary yet (no map) goes to any node that is not
 * down, whose MOVED will say where it belongs.
 */

ngx_http_rp_cluster_node_t *
ngx_http_rp_cluster_route(ngx_http_rp_cluster_t *cl, ngx_uint_t slot)
{
    ngx_uint_t                   i, k, p;
    ngx_http_rp_cluster_node_t  *n;

    if (cl->nnodes == 0) {
        return NULL;
    }

    p = cl->slots ? cl->slots[slot] : NGX_HTTP_RP_CLUSTER_NONE;

    if (p == NGX_HTTP_RP_CLUSTER_NONE || p >= cl->nnodes) {
        for (i = 0; i < cl->nnodes; i++) {
            n = cl->nodes[(cl->next_ask + i) % cl->nnodes];

            if (!ngx_http_rp_cluster_down(n)) {
                return n;
            }
        }

        return cl->nodes[cl->next_ask % cl->nnodes];
    }

    if (cl->replica_reads) {
        for (k = 0; k < cl->nnodes; k++) {
            n = cl->nodes[(cl->next_replica + k) % cl->nnodes];

            if (n->role == NGX_HTTP_RP_CLUSTER_REPLICA && n->primary == p
                && !ngx_http_rp_cluster_down(n))
            {
                cl->next_replica = n->index + 1;
                return n;
            }
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                       "rp cluster: slot %ui has no replica up, "
                       "reading its primary", slot);
    }

    return cl->nodes[p];
}


/* a batch on a node, whose connection is opened on its first use */

ngx_http_rp_redis_batch_t *
ngx_http_rp_cluster_batch_start(ngx_http_rp_cluster_node_t *node,
    ngx_msec_t timeout, ngx_http_rp_redis_reply_pt handler, void *data,
    ngx_log_t *log)
{
    ngx_int_t  rc;

    if (!node->opened || node->redis.closed) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0,
                       "rp cluster: opening \"%V\"", &node->redis.addr);

        node->opened = 1;
        ngx_http_rp_redis_open(&node->redis, node->cluster->log);
    }

    return ngx_http_rp_redis_batch_start(&node->redis, timeout, handler,
                                         data, log, &rc);
}


/* a refresh soon: at once, or when the last one is old enough */

void
ngx_http_rp_cluster_refresh(ngx_http_rp_cluster_t *cl)
{
    ngx_msec_t  since, delay;

    if (cl->refreshing || cl->slots == NULL) {
        return;
    }

    since = ngx_current_msec - cl->refresh_at;
    delay = since >= NGX_HTTP_RP_CLUSTER_REFRESH_MIN
            ? 0 : NGX_HTTP_RP_CLUSTER_REFRESH_MIN - since;

    if (cl->refresh_ev.timer_set) {
        if (cl->refresh_ev.timer.key <= ngx_current_msec + delay) {
            return;
        }

        ngx_del_timer(&cl->refresh_ev);
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: map refresh in %Mms", delay);

    ngx_add_timer(&cl->refresh_ev, delay);
}


void
ngx_http_rp_cluster_moved(ngx_http_rp_cluster_t *cl, ngx_uint_t slot,
    ngx_http_rp_cluster_node_t *node)
{
    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: slot %ui moved to \"%V\"", slot,
                   &node->redis.addr);

    if (cl->slots && slot < NGX_HTTP_RP_CLUSTER_SLOTS) {
        if (cl->slots[slot] == NGX_HTTP_RP_CLUSTER_NONE) {
            cl->covered++;
        }

        cl->slots[slot] = (uint16_t) node->index;
        node->role = NGX_HTTP_RP_CLUSTER_PRIMARY;
        ngx_http_rp_cluster_shm_write(cl);
    }

    ngx_http_rp_cluster_refresh(cl);
}


/* asks one node for the map: a ready one first, else the next in turn */

static void
ngx_http_rp_cluster_refresh_handler(ngx_event_t *ev)
{
    ngx_uint_t                   i, k;
    ngx_http_rp_cluster_t       *cl = ev->data;
    ngx_http_rp_cluster_node_t  *n, *pick;
    ngx_http_rp_redis_batch_t   *b;

    if (cl->refreshing || cl->nnodes == 0) {
        return;
    }

    pick = NULL;

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[(cl->next_ask + i) % cl->nnodes];

        if (n->opened && n->redis.state == NGX_HTTP_RP_REDIS_READY) {
            pick = n;
            break;
        }
    }

    for (k = 0; k < cl->nnodes; k++) {

        if (pick == NULL) {
            pick = cl->nodes[cl->next_ask % cl->nnodes];
            cl->next_ask++;

            if (ngx_http_rp_cluster_down(pick)) {
                pick = NULL;
                continue;
            }
        }

        b = ngx_http_rp_cluster_batch_start(pick,
                                            NGX_HTTP_RP_CLUSTER_REFRESH_TIMEOUT,
                                            ngx_http_rp_cluster_slots_reply,
                                            cl, cl->log);

        if (b != NULL
            && ngx_http_rp_redis_batch_add(b, ngx_http_rp_cluster_slots_cmd,
                                           sizeof(ngx_http_rp_cluster_slots_cmd)
                                           - 1)
               == NGX_OK
            && ngx_http_rp_redis_batch_send(b) == NGX_OK)
        {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                           "rp cluster: CLUSTER SLOTS sent to \"%V\"",
                           &pick->redis.addr);

            cl->refreshing = 1;
            cl->refresh_batch = b;
            cl->refresh_node = pick;
            cl->refresh_at = ngx_current_msec;

            ngx_add_timer(&cl->refresh_timeout_ev,
                          NGX_HTTP_RP_CLUSTER_REFRESH_TIMEOUT);
            return;
        }

        pick = NULL;
    }

    /* no node takes commands now (all down, or reconnecting): again
     * later; a node that was down is asked after its backoff */

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: no node to ask for the map, retrying");

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];

        if (n->opened && n->redis.closed) {
            /* a node closed when it left the map: one more try */
            ngx_http_rp_redis_open(&n->redis, cl->log);
        }
    }

    cl->refresh_at = ngx_current_msec;
    ngx_add_timer(&cl->refresh_ev, 5 * NGX_HTTP_RP_CLUSTER_REFRESH_MIN);
}


static void
ngx_http_rp_cluster_refresh_timeout(ngx_event_t *ev)
{
    ngx_http_rp_cluster_t  *cl = ev->data;

    ngx_log_error(NGX_LOG_WARN, cl->log, 0,
                  "rp: redis cluster \"%V\": CLUSTER SLOTS to \"%V\" not "
                  "answered within %dms, asking another node", &cl->name,
                  &cl->refresh_node->redis.addr,
                  NGX_HTTP_RP_CLUSTER_REFRESH_TIMEOUT);

    if (cl->refresh_batch) {
        ngx_http_rp_redis_batch_detach(cl->refresh_batch);
        cl->refresh_batch = NULL;
    }

    cl->refreshing = 0;
    cl->next_ask = cl->refresh_node->index + 1;
    ngx_http_rp_cluster_refresh(cl);
}


static void
ngx_http_rp_cluster_slots_reply(void *data, ngx_uint_t i, ngx_uint_t n,
    redisReply *reply)
{
    ngx_http_rp_cluster_t  *cl = data;

    cl->refresh_batch = NULL;
    cl->refreshing = 0;

    if (cl->refresh_timeout_ev.timer_set) {
        ngx_del_timer(&cl->refresh_timeout_ev);
    }

    if (reply == NULL || ngx_http_rp_cluster_slots_valid(reply) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, cl->log, 0,
                      "rp: redis cluster \"%V\": CLUSTER SLOTS on \"%V\" "
                      "failed: %*s", &cl->name,
                      &cl->refresh_node->redis.addr,
                      reply == NULL ? sizeof("connection lost") - 1
                      : reply->type == REDIS_REPLY_ERROR ? (size_t) reply->len
                      : sizeof("unexpected reply") - 1,
                      reply == NULL ? "connection lost"
                      : reply->type == REDIS_REPLY_ERROR ? reply->str
                      : "unexpected reply");

        cl->next_ask = cl->refresh_node->index + 1;
        ngx_http_rp_cluster_refresh(cl);
        return;
    }

    ngx_http_rp_cluster_slots_apply(cl, reply);

    if (cl->refresh_ev.timer_set) {
        ngx_del_timer(&cl->refresh_ev);
    }

    /* a map with holes (a primary lost, no replica yet): soon again */

    ngx_add_timer(&cl->refresh_ev,
                  cl->covered < NGX_HTTP_RP_CLUSTER_SLOTS
                  ? 5 * NGX_HTTP_RP_CLUSTER_REFRESH_MIN
                  : NGX_HTTP_RP_CLUSTER_REFRESH_IDLE);
}


/* [[start, end, [ip, port, ...], [ip, port, ...]...], ...] */

static ngx_int_t
ngx_http_rp_cluster_slots_valid(redisReply *reply)
{
    size_t       i, j;
    redisReply  *e, *nd;

    if (reply->type != REDIS_REPLY_ARRAY) {
        return NGX_ERROR;
    }

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 3
            || e->element[0]->type != REDIS_REPLY_INTEGER
            || e->element[1]->type != REDIS_REPLY_INTEGER
            || e->element[0]->integer < 0
            || e->element[0]->integer > e->element[1]->integer
            || e->element[1]->integer >= NGX_HTTP_RP_CLUSTER_SLOTS)
        {
            return NGX_ERROR;
        }

        for (j = 2; j < e->elements; j++) {
            nd = e->element[j];

            if (nd->type != REDIS_REPLY_ARRAY || nd->elements < 2
                || nd->element[0]->type != REDIS_REPLY_STRING
                || nd->element[1]->type != REDIS_REPLY_INTEGER)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


static void
ngx_http_rp_cluster_slots_apply(ngx_http_rp_cluster_t *cl, redisReply *reply)
{
    size_t                       i, j;
    ngx_int_t                    s;
    ngx_uint_t                   k;
    redisReply                  *e;
    ngx_http_rp_cluster_node_t  *p, *r;

    for (k = 0; k < cl->nnodes; k++) {
        cl->nodes[k]->role = NGX_HTTP_RP_CLUSTER_UNMAPPED;
        cl->nodes[k]->primary = NGX_HTTP_RP_CLUSTER_NONE;
    }

    for (k = 0; k < NGX_HTTP_RP_CLUSTER_SLOTS; k++) {
        cl->slots[k] = NGX_HTTP_RP_CLUSTER_NONE;
    }

    cl->covered = 0;

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        p = ngx_http_rp_cluster_map_node(cl, e->element[2]);
        if (p == NULL) {
            continue;
        }

        p->role = NGX_HTTP_RP_CLUSTER_PRIMARY;

        for (s = e->element[0]->integer; s <= e->element[1]->integer; s++) {
            if (cl->slots[s] == NGX_HTTP_RP_CLUSTER_NONE) {
                cl->covered++;
            }

            cl->slots[s] = (uint16_t) p->index;
        }

        for (j = 3; j < e->elements; j++) {
            r = ngx_http_rp_cluster_map_node(cl, e->element[j]);

            if (r && r->role != NGX_HTTP_RP_CLUSTER_PRIMARY) {
                r->role = NGX_HTTP_RP_CLUSTER_REPLICA;
                r->primary = p->index;
            }
        }
    }

    cl->map_time = ngx_time();

    ngx_http_rp_cluster_shm_write(cl);

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                   "rp cluster: map from \"%V\": %uz ranges, %ui slots "
                   "covered, %ui nodes", &cl->refresh_node->redis.addr,
                   reply->elements, cl->covered, cl->nnodes);

    /* nodes that left the map are closed after this callback */

    if (!cl->gc_ev.timer_set) {
        ngx_add_timer(&cl->gc_ev, 0);
    }
}


/* [ip, port, id, ...]: an empty ip (or "?") is the node that answered */

static ngx_http_rp_cluster_node_t *
ngx_http_rp_cluster_map_node(ngx_http_rp_cluster_t *cl, redisReply *r)
{
    u_char     *p;
    size_t      hlen;
    u_char     *host;
    u_char      addr[NGX_HTTP_RP_CLUSTER_ADDR_LEN + NGX_INT_T_LEN];

    host = (u_char *) r->element[0]->str;
    hlen = r->element[0]->len;

    if (hlen == 0 || (hlen == 1 && host[0] == '?')) {
        host = cl->refresh_node->redis.host.data;
        hlen = cl->refresh_node->redis.host.len;
    }

    if (hlen >= NGX_HTTP_RP_CLUSTER_ADDR_LEN - 8) {
        return NULL;
    }

    p = ngx_sprintf(addr, ngx_strlchr(host, host + hlen, ':') ? "[%*s]:%i"
                                                              : "%*s:%i",
                    hlen, host, (ngx_int_t) r->element[1]->integer);

    return ngx_http_rp_cluster_node(cl, addr, p - addr, 1);
}


/*
 * Closes the connections of nodes that left the map (a primary that
 * failed and was replaced): they would otherwise reconnect for ever. A
 * seed stays, to ask for the map when every other node is gone.
 */

static void
ngx_http_rp_cluster_gc(ngx_event_t *ev)
{
    ngx_uint_t                   i;
    ngx_http_rp_cluster_t       *cl = ev->data;
    ngx_http_rp_cluster_node_t  *n;

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];

        if (n->role == NGX_HTTP_RP_CLUSTER_UNMAPPED && n->opened
            && !n->seed && !n->redis.closed && n != cl->refresh_node)
        {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, cl->log, 0,
                           "rp cluster: \"%V\" left the map, closing",
                           &n->redis.addr);

            ngx_http_rp_redis_close(&n->redis);
        }
    }
}


/*
 * "ready": a full map and no primary in it that this worker found down;
 * "connecting": no map yet; "auth_failed": a node refuses the password;
 * "disconnected" otherwise.
 */

ngx_uint_t
ngx_http_rp_cluster_state(ngx_http_rp_cluster_t *cl)
{
    ngx_uint_t                   i;
    ngx_http_rp_cluster_node_t  *n;

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];

        if (n->opened && n->redis.auth_failed
            && n->redis.state != NGX_HTTP_RP_REDIS_READY)
        {
            return NGX_HTTP_RP_CLUSTER_ST_AUTH_FAILED;
        }
    }

    if (cl->map_time == 0) {
        return NGX_HTTP_RP_CLUSTER_ST_CONNECTING;
    }

    if (cl->covered < NGX_HTTP_RP_CLUSTER_SLOTS) {
        return NGX_HTTP_RP_CLUSTER_ST_DISCONNECTED;
    }

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];

        if (n->role == NGX_HTTP_RP_CLUSTER_PRIMARY
            && ngx_http_rp_cluster_down(n))
        {
            return NGX_HTTP_RP_CLUSTER_ST_DISCONNECTED;
        }
    }

    return NGX_HTTP_RP_CLUSTER_ST_READY;
}


const char *
ngx_http_rp_cluster_state_name(ngx_uint_t state)
{
    static const char  *names[] = {
        "ready", "connecting", "disconnected", "auth_failed"
    };

    return state < sizeof(names) / sizeof(names[0]) ? names[state]
                                                    : "disconnected";
}


ngx_uint_t
ngx_http_rp_cluster_node_conn(ngx_http_rp_cluster_node_t *n)
{
    if (!n->opened) {
        return NGX_HTTP_RP_CLUSTER_CONN_NOT_OPENED;
    }

    if (n->redis.state == NGX_HTTP_RP_REDIS_READY) {
        return NGX_HTTP_RP_CLUSTER_CONN_READY;
    }

    if (n->redis.auth_failed) {
        return NGX_HTTP_RP_CLUSTER_CONN_AUTH_FAILED;
    }

    return n->redis.state == NGX_HTTP_RP_REDIS_CONNECTING
           ? NGX_HTTP_RP_CLUSTER_CONN_CONNECTING
           : NGX_HTTP_RP_CLUSTER_CONN_DISCONNECTED;
}


/* nodes in the latest map, and nodes with a ready connection */

void
ngx_http_rp_cluster_counts(ngx_http_rp_cluster_t *cl, ngx_uint_t *known,
    ngx_uint_t *connected)
{
    ngx_uint_t  i;

    *known = 0;
    *connected = 0;

    for (i = 0; i < cl->nnodes; i++) {
        if (cl->nodes[i]->role != NGX_HTTP_RP_CLUSTER_UNMAPPED) {
            (*known)++;
        }

        if (cl->nodes[i]->opened
            && cl->nodes[i]->redis.state == NGX_HTTP_RP_REDIS_READY)
        {
            (*connected)++;
        }
    }
}
