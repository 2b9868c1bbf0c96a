/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * The Redis transport: one persistent hiredis async connection per worker
 * and address, driven by nginx's event loop through hiredis' adapter hooks.
 * It knows nothing of requests or of the store's layout: a caller queues
 * batches of formatted commands with a reply callback (as nginx's upstream
 * calls u->process_header), and this file owns the connection's states
 * (connecting, setup with AUTH/SELECT/PING, ready, refused, sick), the
 * reply order and load shedding. ngx_http_rp_lookup.c is its caller.
 *
 * hiredis 0.14 has no timeouts: the connect timeout and the callers'
 * timeouts are nginx timers. Both directions are registered
 * level-triggered, so a reply larger than hiredis' 16 KiB read keeps the fd
 * readable and nothing stalls, and the epoll flags of the fd never mix.
 */


#include "ngx_http_rp_module.h"
#include "ngx_http_rp_prom.h"
#include "ngx_http_rp_conf_redis.h"


#define NGX_HTTP_RP_BACKOFF_MIN       50
#define NGX_HTTP_RP_BACKOFF_MAX       5000
#define NGX_HTTP_RP_SICK_TIMEOUTS     16
#define NGX_HTTP_RP_SILENCE           1000
#define NGX_HTTP_RP_SETUP_TIMEOUT     1000
#define NGX_HTTP_RP_FREE_BATCHES      1024


static void ngx_http_rp_redis_connect(ngx_http_rp_redis_t *redis);
static void ngx_http_rp_redis_ready(ngx_http_rp_redis_t *redis);
static void ngx_http_rp_redis_schedule(ngx_http_rp_redis_t *redis);
static void ngx_http_rp_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_rp_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_rp_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_http_rp_redis_on_disconnect(const redisAsyncContext *ac,
    int status);
static void ngx_http_rp_redis_setup_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static void ngx_http_rp_redis_reply(redisAsyncContext *ac, void *r,
    void *privdata);
static ngx_uint_t ngx_http_rp_redis_auth_error(redisReply *reply);
static void ngx_http_rp_redis_progress(ngx_http_rp_redis_t *redis);
static void ngx_http_rp_redis_check(ngx_http_rp_redis_t *redis);
static void ngx_http_rp_redis_refused(ngx_http_rp_redis_t *redis,
    redisAsyncContext *ac, redisReply *reply);
static void ngx_http_rp_redis_read_handler(ngx_event_t *ev);
static void ngx_http_rp_redis_write_handler(ngx_event_t *ev);
static void ngx_http_rp_redis_add_read(void *data);
static void ngx_http_rp_redis_del_read(void *data);
static void ngx_http_rp_redis_add_write(void *data);
static void ngx_http_rp_redis_del_write(void *data);
static void ngx_http_rp_redis_cleanup(void *data);
static void ngx_http_rp_redis_batch_dequeue(ngx_http_rp_redis_batch_t *b);
static void ngx_http_rp_redis_batch_put(ngx_http_rp_redis_batch_t *b);


/* see ngx_http_rp_redis_batch_start */
struct ngx_http_rp_redis_batch_s {
    ngx_http_rp_redis_reply_pt  handler;
    void                       *data;      /* NULL once detached */
    ngx_http_rp_redis_t        *redis;
    ngx_log_t                  *log;       /* the caller's, until detached */
    ngx_uint_t                  pending;   /* commands queued */
    ngx_uint_t                  next;      /* index of the next reply */
    ngx_msec_t                  sent;      /* when they were queued */
    ngx_http_rp_redis_batch_t  *qnext;     /* the next in the reply order */
    ngx_http_rp_redis_batch_t  *link;      /* the free list */
};


static ngx_uint_t  ngx_http_rp_redis_exiting;


static void
ngx_http_rp_redis_init(ngx_http_rp_redis_t *redis, ngx_log_t *log)
{
    redis->log = log;
    redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    redis->backoff = 0;
    redis->closed = 0;
    ngx_http_rp_redis_state_changed(redis);

    redis->reconnect_ev.handler = ngx_http_rp_redis_reconnect_handler;
    redis->reconnect_ev.data = redis;
    redis->reconnect_ev.log = log;
    redis->reconnect_ev.cancelable = 1;

    redis->connect_ev.handler = ngx_http_rp_redis_connect_timeout;
    redis->connect_ev.data = redis;
    redis->connect_ev.log = log;
    redis->connect_ev.cancelable = 1;
}


void
ngx_http_rp_redis_start(ngx_http_rp_redis_t *redis, ngx_cycle_t *cycle)
{
    ngx_http_rp_redis_init(redis, cycle->log);

    /* connect from inside the event loop */

    ngx_add_timer(&redis->reconnect_ev, 0);
}


/*
 * A connection opened on demand from inside the event loop (a cluster's
 * node): it connects now, so a batch can be queued on it at once and
 * leaves when the setup is done, as on a worker's first connect.
 */

void
ngx_http_rp_redis_open(ngx_http_rp_redis_t *redis, ngx_log_t *log)
{
    if (redis->log == NULL) {
        ngx_http_rp_redis_init(redis, log);
    }

    redis->closed = 0;
    redis->ever_ready = 0;

    if (redis->reconnect_ev.timer_set) {
        ngx_del_timer(&redis->reconnect_ev);
    }

    if (redis->ac == NULL) {
        ngx_http_rp_redis_connect(redis);
    }
}


/*
 * Closed for good, without reconnecting (a cluster's node that left the
 * slot map): its batches get their NULL replies now; ngx_http_rp_redis_open
 * opens it again.
 */

void
ngx_http_rp_redis_close(ngx_http_rp_redis_t *redis)
{
    redisAsyncContext  *ac;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" closed for good", &redis->addr);

    redis->closed = 1;

    if (redis->reconnect_ev.timer_set) {
        ngx_del_timer(&redis->reconnect_ev);
    }

    if (redis->connect_ev.timer_set) {
        ngx_del_timer(&redis->connect_ev);
    }

    if (redis->ac) {
        ac = redis->ac;
        redis->ac = NULL;
        redisAsyncFree(ac);
    }

    redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(redis);
}


void
ngx_http_rp_redis_stop(ngx_http_rp_redis_t *redis)
{
    ngx_http_rp_redis_batch_t  *b;

    ngx_http_rp_redis_exiting = 1;

    if (redis->reconnect_ev.timer_set) {
        ngx_del_timer(&redis->reconnect_ev);
    }

    if (redis->connect_ev.timer_set) {
        ngx_del_timer(&redis->connect_ev);
    }

    if (redis->ac) {
        redisAsyncFree(redis->ac);
        redis->ac = NULL;
    }

    while (redis->free) {
        b = redis->free;
        redis->free = b->link;
        ngx_free(b);
    }

    redis->nfree = 0;
}


const char *
ngx_http_rp_redis_state_name(ngx_http_rp_redis_t *redis)
{
    if (redis->state != NGX_HTTP_RP_REDIS_READY && redis->auth_failed) {
        return "auth_failed";
    }

    switch (redis->state) {
    case NGX_HTTP_RP_REDIS_READY:
        return "ready";
    case NGX_HTTP_RP_REDIS_CONNECTING:
        return "connecting";
    default:
        return "disconnected";
    }
}


static void
ngx_http_rp_redis_connect(ngx_http_rp_redis_t *redis)
{
    size_t              argvlen[2];
    const char         *argv[2];
    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" connecting", &redis->addr);

    if (redis->port) {
        ac = redisAsyncConnect((char *) redis->host.data, (int) redis->port);

    } else {
        ac = redisAsyncConnectUnix((char *) redis->host.data);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": cannot allocate a context",
                      &redis->addr);
        ngx_http_rp_redis_schedule(redis);
        return;
    }

    if (ac->err) {
        ngx_http_rp_redis_connect_failed(redis, ngx_errno, ac->errstr);
        redisAsyncFree(ac);
        ngx_http_rp_redis_schedule(redis);
        return;
    }

    c = ngx_get_connection(ac->c.fd, redis->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_rp_redis_schedule(redis);
        return;
    }

    c->data = redis;
    c->read->handler = ngx_http_rp_redis_read_handler;
    c->write->handler = ngx_http_rp_redis_write_handler;
    c->read->log = redis->log;
    c->write->log = redis->log;

    redis->ac = ac;
    redis->conn = c;
    redis->state = NGX_HTTP_RP_REDIS_CONNECTING;
    ngx_http_rp_redis_state_changed(redis);

    ac->data = redis;
    ac->ev.data = redis;
    ac->ev.addRead = ngx_http_rp_redis_add_read;
    ac->ev.delRead = ngx_http_rp_redis_del_read;
    ac->ev.addWrite = ngx_http_rp_redis_add_write;
    ac->ev.delWrite = ngx_http_rp_redis_del_write;
    ac->ev.cleanup = ngx_http_rp_redis_cleanup;

    redisAsyncSetDisconnectCallback(ac, ngx_http_rp_redis_on_disconnect);

    /* this one arms write interest: the first write event ends connect */
    redisAsyncSetConnectCallback(ac, ngx_http_rp_redis_on_connect);

    /*
     * Queued before any request's command, so they run first; the
     * connection is ready once they all succeeded. The PING proves that
     * the server serves this client: without it a server that requires a
     * password we do not have would look ready, every command would fail
     * NOAUTH, and each reconnect would look like a success.
     */

    redis->setup_pending = (redis->password.len ? 1 : 0)
                           + (redis->db ? 1 : 0)
                           + (redis->readonly ? 1 : 0) + 1;
    redis->setup_auth = redis->password.len ? 1 : 0;

    if (redis->password.len) {
        argv[0] = "AUTH";
        argv[1] = (char *) redis->password.data;
        argvlen[0] = 4;
        argvlen[1] = redis->password.len;

        redisAsyncCommandArgv(ac, ngx_http_rp_redis_setup_reply, redis,
                              2, argv, argvlen);
    }

    if (redis->db) {
        redisAsyncCommand(ac, ngx_http_rp_redis_setup_reply, redis,
                          "SELECT %d", (int) redis->db);
    }

    /* a cluster's replica serves reads of its primary's slots only
     * after READONLY; otherwise it answers MOVED to the primary */

    if (redis->readonly) {
        redisAsyncCommand(ac, ngx_http_rp_redis_setup_reply, redis,
                          "READONLY");
    }

    redisAsyncCommand(ac, ngx_http_rp_redis_setup_reply, redis, "PING");

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" fd %d, %ui setup commands queued",
                   &redis->addr, ac->c.fd, redis->setup_pending);

    redis->inflight = redis->setup_pending;
    redis->waiting_since = ngx_current_msec;

    ngx_add_timer(&redis->connect_ev, redis->connect_timeout);
}


static void
ngx_http_rp_redis_schedule(ngx_http_rp_redis_t *redis)
{
    ngx_msec_t  delay;

    redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(redis);

    if (ngx_http_rp_redis_exiting || ngx_exiting || ngx_terminate
        || ngx_quit || redis->closed)
    {
        return;
    }

    /* capped exponential backoff with jitter in [backoff/2, backoff] */

    if (redis->backoff == 0) {
        redis->backoff = NGX_HTTP_RP_BACKOFF_MIN;

    } else {
        redis->backoff = ngx_min(redis->backoff * 2, NGX_HTTP_RP_BACKOFF_MAX);
    }

    delay = redis->backoff / 2
            + (ngx_msec_t) ngx_random() % (redis->backoff / 2 + 1);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" disconnected, reconnect in %Mms",
                   &redis->addr, delay);

    if (!redis->reconnect_ev.timer_set) {
        ngx_add_timer(&redis->reconnect_ev, delay);
    }
}


static void
ngx_http_rp_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_rp_redis_t  *redis = ev->data;

    if (redis->ac == NULL) {
        ngx_http_rp_redis_connect(redis);
    }
}


static void
ngx_http_rp_redis_connect_timeout(ngx_event_t *ev)
{
    redisAsyncContext    *ac;
    ngx_http_rp_redis_t  *redis = ev->data;

    ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                  "rp: redis \"%V\": %s timed out", &redis->addr,
                  redis->ac && (redis->ac->c.flags & REDIS_CONNECTED)
                  ? "connection setup (AUTH/SELECT/PING)" : "connect");

    if (redis->ac == NULL || !(redis->ac->c.flags & REDIS_CONNECTED)) {
        ngx_http_rp_redis_next_addr(redis);
    }

    if (redis->ac) {
        /* a connected context calls onDisconnect, which reschedules */
        ac = redis->ac;
        redis->ac = NULL;
        redisAsyncFree(ac);
    }

    if (!redis->reconnect_ev.timer_set) {
        ngx_http_rp_redis_schedule(redis);
    }
}


static void
ngx_http_rp_redis_on_connect(const redisAsyncContext *cac, int status)
{
    ngx_err_t               err = ngx_errno;
    redisAsyncContext      *ac = (redisAsyncContext *) cac;
    ngx_http_rp_redis_t    *redis = ac->data;
    ngx_http_rp_metrics_t  *m;

    if (redis->connect_ev.timer_set) {
        ngx_del_timer(&redis->connect_ev);
    }

    if (status != REDIS_OK) {
        /* hiredis left the socket's error (SO_ERROR) in errno */
        ngx_http_rp_redis_connect_failed(redis, err, ac->errstr);

        /* hiredis frees the context after this callback */
        redis->ac = NULL;
        ngx_http_rp_redis_schedule(redis);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, redis->log, 0,
                  "rp: redis \"%V\" connected", &redis->addr);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" connected, waiting for the setup "
                   "replies", &redis->addr);

    m = ngx_http_rp_metrics();
    if (m) {
        ngx_http_rp_metrics_inc(&m->redis_reconnects);
    }

    /* the setup replies are bounded too: a server that accepts and never
     * answers must not leave the connection "connecting" for ever */
    ngx_add_timer(&redis->connect_ev, ngx_max(redis->connect_timeout,
                                           NGX_HTTP_RP_SETUP_TIMEOUT));
}


/*
 * Connected, AUTH/SELECT (if any) and PING accepted. Only now does the backoff
 * start over: a server that refuses AUTH is retried at a growing interval
 * (up to NGX_HTTP_RP_BACKOFF_MAX), not every 50 ms with an error line each.
 */
static void
ngx_http_rp_redis_ready(ngx_http_rp_redis_t *redis)
{
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" ready", &redis->addr);

    redis->state = NGX_HTTP_RP_REDIS_READY;
    redis->ever_ready = 1;
    redis->auth_failed = 0;
    redis->backoff = 0;
    ngx_http_rp_redis_state_changed(redis);

    if (redis->connect_ev.timer_set) {
        ngx_del_timer(&redis->connect_ev);
    }
}


static void
ngx_http_rp_redis_on_disconnect(const redisAsyncContext *cac, int status)
{
    redisAsyncContext    *ac = (redisAsyncContext *) cac;
    ngx_http_rp_redis_t  *redis = ac->data;

    if (status != REDIS_OK && !ngx_http_rp_redis_exiting) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": connection lost: %s",
                      &redis->addr, ac->errstr ? ac->errstr : "closed");
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" closed, status %d", &redis->addr,
                   status);

    redis->ac = NULL;
    ngx_http_rp_redis_schedule(redis);
}


static void
ngx_http_rp_redis_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply           *reply = r;
    ngx_http_rp_redis_t  *redis = privdata;
    ngx_uint_t            auth;

    if (reply == NULL) {
        return;                         /* disconnected meanwhile */
    }

    ngx_http_rp_redis_progress(redis);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" setup reply, type %d, %ui to come",
                   &redis->addr, reply->type, redis->setup_pending - 1);

    /* the first setup reply is AUTH's when a password is configured */
    auth = redis->setup_auth;
    redis->setup_auth = 0;

    if (reply->type == REDIS_REPLY_ERROR) {
        if (redis->state != NGX_HTTP_RP_REDIS_CONNECTING) {
            return;                     /* an earlier one failed already */
        }

        if (auth || ngx_http_rp_redis_auth_error(reply)) {
            redis->auth_failed = 1;
        }

        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": connection setup "
                      "(AUTH/SELECT/PING) failed: %*s",
                      &redis->addr, (size_t) reply->len, reply->str);

        /* no command of a request may go out on this connection */
        redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
        ngx_http_rp_redis_state_changed(redis);

        /* deferred by hiredis until this callback returns */
        redisAsyncDisconnect(ac);
        return;
    }

    if (redis->setup_pending > 0 && --redis->setup_pending == 0
        && redis->state == NGX_HTTP_RP_REDIS_CONNECTING)
    {
        ngx_http_rp_redis_ready(redis);
    }
}


/* an error reply that means "this client is not allowed" */

static ngx_uint_t
ngx_http_rp_redis_auth_error(redisReply *reply)
{
    static const char  *codes[] = { "NOAUTH", "WRONGPASS", "NOPERM" };
    ngx_uint_t          i;
    size_t              n;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        n = ngx_strlen(codes[i]);

        if ((size_t) reply->len >= n
            && ngx_strncmp(reply->str, codes[i], n) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * A ready connection whose commands come back NOAUTH (the server started
 * to require a password): not ready any more; drop it and reconnect with
 * the backoff, whose setup PING fails until the password matches.
 */

static void
ngx_http_rp_redis_refused(ngx_http_rp_redis_t *redis, redisAsyncContext *ac,
    redisReply *reply)
{
    if (redis->state == NGX_HTTP_RP_REDIS_READY) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": authentication failed: %*s; "
                      "reconnecting with backoff",
                      &redis->addr, (size_t) reply->len, reply->str);
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" refused (NOAUTH), closing",
                   &redis->addr);

    redis->auth_failed = 1;
    redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(redis);

    if (!(ac->c.flags & REDIS_DISCONNECTING)) {
        /* waits for the replies still due, then onDisconnect */
        redisAsyncDisconnect(ac);
    }
}


/*
 * A batch: the commands one request queues in one event-loop turn, so
 * they leave in one write (one round trip), and the callback that gets
 * their replies. It lives outside the request pool, because hiredis keeps
 * it until the replies arrive or the context is freed, which may be after
 * the request is gone: detaching clears data, and the last reply (or the
 * context's end) returns it to the connection's free list.
 *
 * Starting one returns NGX_DECLINED when Redis is not ready: disconnected,
 * or reconnecting after having been ready, so during an outage requests
 * never wait. Only the worker's first connect (a few hundred microseconds
 * after start on a local network) takes commands early; hiredis sends them
 * once connected, after AUTH/SELECT/PING, and the caller's timer bounds the
 * wait as always.
 */

ngx_http_rp_redis_batch_t *
ngx_http_rp_redis_batch_start(ngx_http_rp_redis_t *redis, ngx_msec_t timeout,
    ngx_http_rp_redis_reply_pt handler, void *data, ngx_log_t *log,
    ngx_int_t *rc)
{
    ngx_uint_t                  suppressed;
    ngx_msec_t                  age;
    ngx_http_rp_redis_batch_t  *b;

    *rc = NGX_DECLINED;

    if (redis == NULL || redis->ac == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, log, 0,
                       "rp redis: not connected, no lookup");
        return NULL;
    }

    if (redis->state != NGX_HTTP_RP_REDIS_READY
        && (redis->state != NGX_HTTP_RP_REDIS_CONNECTING || redis->ever_ready))
    {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                       "rp redis: \"%V\" %s, no lookup", &redis->addr,
                       ngx_http_rp_redis_state_name(redis));
        return NULL;
    }

    /*
     * Replies come in order: when the oldest commands out have waited a
     * whole timeout already, these would wait longer still and time out
     * too. Sending them anyway only lengthens the queue (a timed-out
     * request's commands stay in it), so under a burst Redis would spend
     * its time on answers nobody waits for. Shed instead: the caller falls
     * back now, until the queue has drained below the timeout.
     */

    if (redis->qhead != NULL) {
        age = ngx_current_msec - redis->qhead->sent;

        if (age >= timeout) {
            if (ngx_http_rp_log_allowed(&suppressed)) {
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "rp: redis \"%V\": the oldest commands "
                              "out wait for %Mms, over rp_redis_timeout: "
                              "default features without asking "
                              "(%ui similar lines suppressed before)",
                              &redis->addr, age, suppressed);
            }

            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                           "rp redis: shed, oldest batch %Mms old, "
                           "%ui commands out", age, redis->inflight);

            ngx_http_rp_redis_check(redis);

            return NULL;
        }
    }

    if (redis->free) {
        b = redis->free;
        redis->free = b->link;
        redis->nfree--;

    } else {
        b = ngx_alloc(sizeof(ngx_http_rp_redis_batch_t), redis->log);
        if (b == NULL) {
            *rc = NGX_ERROR;
            return NULL;
        }
    }

    b->handler = handler;
    b->data = data;
    b->redis = redis;
    b->pending = 0;
    b->next = 0;
    b->link = NULL;
    b->qnext = NULL;
    b->log = log;

    *rc = NGX_OK;

    return b;
}


/* One command, already in the protocol's format (RESP): hiredis copies it
 * into its output buffer without parsing or formatting it again. */

ngx_int_t
ngx_http_rp_redis_batch_add(ngx_http_rp_redis_batch_t *b, const char *cmd,
    size_t len)
{
    ngx_http_rp_redis_t  *redis = b->redis;

    if (redisAsyncFormattedCommand(redis->ac, ngx_http_rp_redis_reply, b,
                                   cmd, len)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    if (redis->inflight++ == 0) {
        redis->waiting_since = ngx_current_msec;
    }

    b->pending++;

    return NGX_OK;
}


/*
 * The batch joins the reply order: NGX_OK, its callback will run once per
 * command (the replies leave at the end of this event-loop iteration), or
 * NGX_DECLINED when it holds no command (it is freed: the caller falls
 * back).
 */

ngx_int_t
ngx_http_rp_redis_batch_send(ngx_http_rp_redis_batch_t *b)
{
    ngx_http_rp_redis_t  *redis = b->redis;

    if (b->pending == 0) {
        ngx_http_rp_redis_batch_put(b);
        return NGX_DECLINED;
    }

    b->sent = ngx_current_msec;

    if (redis->qtail) {
        redis->qtail->qnext = b;

    } else {
        redis->qhead = b;
    }

    redis->qtail = b;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, b->log, 0,
                   "rp redis: batch %p queued, %ui commands, %ui out",
                   b, b->pending, redis->inflight);

    return NGX_OK;
}


/* the caller is going away (or has its answer): replies are dropped */

void
ngx_http_rp_redis_batch_detach(ngx_http_rp_redis_batch_t *b)
{
    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, b->log, 0,
                   "rp redis: batch %p detached, %ui of %ui replies in",
                   b, b->next, b->pending);

    b->data = NULL;
    b->log = b->redis->log;
}


void
ngx_http_rp_redis_timed_out(ngx_http_rp_redis_t *redis)
{
    ngx_http_rp_metrics_t  *m;

    m = ngx_http_rp_metrics();
    if (m) {
        ngx_http_rp_metrics_inc(&m->redis_timeouts);
    }

    redis->timeouts++;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, redis->log, 0,
                   "rp redis: \"%V\" timeout, %ui in a row",
                   &redis->addr, redis->timeouts);

    ngx_http_rp_redis_check(redis);
}


/*
 * Re-opens a connection that is sick: NGX_HTTP_RP_SICK_TIMEOUTS requests
 * timed out in a row with no reply at all between them, or commands have
 * waited NGX_HTTP_RP_SILENCE ms without any reply. Closing is also the
 * only way to cancel the commands already sent: under an overload Redis
 * would otherwise spend its time answering requests that timed out
 * (bench/burst-policy.md measures both policies). Called when a request
 * times out and when one is shed, so a connection that went silent is
 * re-opened even when no request waits on it any more.
 */

static void
ngx_http_rp_redis_check(ngx_http_rp_redis_t *redis)
{
    ngx_msec_t  silent;

    if (redis->ac == NULL) {
        return;
    }

    silent = ngx_current_msec - redis->waiting_since;

    if (redis->timeouts >= NGX_HTTP_RP_SICK_TIMEOUTS) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": %ui requests timed out in a row, "
                      "reconnecting", &redis->addr, redis->timeouts);

    } else if (redis->inflight && silent >= NGX_HTTP_RP_SILENCE) {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": no reply for %Mms with %ui "
                      "commands waiting, reconnecting",
                      &redis->addr, silent, redis->inflight);

    } else {
        return;
    }

    redis->timeouts = 0;

    /* runs pending callbacks with NULL, cleanup, then onDisconnect */
    redisAsyncFree(redis->ac);
    redis->ac = NULL;

    if (!redis->reconnect_ev.timer_set
        && redis->state != NGX_HTTP_RP_REDIS_DISCONNECTED)
    {
        ngx_http_rp_redis_schedule(redis);
    }
}


/* a reply came: the connection is alive */

static void
ngx_http_rp_redis_progress(ngx_http_rp_redis_t *redis)
{
    if (redis->inflight) {
        redis->inflight--;
    }

    redis->waiting_since = ngx_current_msec;
    redis->timeouts = 0;
}


static void
ngx_http_rp_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    void                       *data;
    redisReply                 *reply = r;
    ngx_uint_t                  i, n;
    ngx_http_rp_redis_batch_t  *b = privdata;
    ngx_http_rp_redis_reply_pt  handler;

    i = b->next++;
    n = b->pending;
    data = b->data;
    handler = b->handler;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, b->log, 0,
                   "rp redis: batch %p reply %ui of %ui%s", b, i + 1, n,
                   reply == NULL ? " lost" : "");

    if (reply != NULL) {
        ngx_http_rp_redis_progress(b->redis);

        /*
         * NOAUTH is about the connection, whether or not a request waits.
         * NOPERM (an ACL that denies HMGET) is not: the setup PING would
         * pass again and every reconnect would fail the same way; it is a
         * Redis error like any other, for the caller.
         */

        if (reply->type == REDIS_REPLY_ERROR
            && (size_t) reply->len >= sizeof("NOAUTH") - 1
            && ngx_strncmp(reply->str, "NOAUTH", sizeof("NOAUTH") - 1) == 0)
        {
            ngx_http_rp_redis_refused(b->redis, ac, reply);
        }
    }

    if (b->next == b->pending) {
        /* the last reply: the batch leaves the order and is free again,
         * before the callback, which may start another */
        ngx_http_rp_redis_batch_dequeue(b);
        ngx_http_rp_redis_batch_put(b);
    }

    if (data == NULL || ngx_http_rp_redis_exiting) {
        /* detached, or the worker is exiting: no callback */
        return;
    }

    handler(data, i, n, reply);
}


/* all of b's replies are in: it leaves the reply order (at its head) */

static void
ngx_http_rp_redis_batch_dequeue(ngx_http_rp_redis_batch_t *b)
{
    ngx_http_rp_redis_t        *redis = b->redis;
    ngx_http_rp_redis_batch_t  *p;

    if (redis->qhead == b) {
        redis->qhead = b->qnext;

    } else {
        for (p = redis->qhead; p && p->qnext != b; p = p->qnext) { /* void */ }

        if (p == NULL) {
            return;
        }

        p->qnext = b->qnext;
    }

    if (redis->qtail == b) {
        for (p = redis->qhead; p && p->qnext; p = p->qnext) { /* void */ }
        redis->qtail = p;
    }

    b->qnext = NULL;
}


static void
ngx_http_rp_redis_batch_put(ngx_http_rp_redis_batch_t *b)
{
    ngx_http_rp_redis_t  *redis = b->redis;

    if (ngx_http_rp_redis_exiting || redis->nfree >= NGX_HTTP_RP_FREE_BATCHES) {
        ngx_free(b);
        return;
    }

    b->data = NULL;
    b->link = redis->free;
    redis->free = b;
    redis->nfree++;
}


static void
ngx_http_rp_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t     *c = ev->data;
    ngx_http_rp_redis_t  *redis = c->data;

    if (redis->ac) {
        redisAsyncHandleRead(redis->ac);
    }
}


static void
ngx_http_rp_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t     *c = ev->data;
    ngx_http_rp_redis_t  *redis = c->data;

    if (redis->ac) {
        redis->in_write = 1;
        redisAsyncHandleWrite(redis->ac);
        redis->in_write = 0;
    }
}


/* hiredis event hooks: idempotent, level-triggered in both directions */

static void
ngx_http_rp_redis_add_read(void *data)
{
    ngx_http_rp_redis_t  *redis = data;

    if (redis->conn && !redis->conn->read->active) {
        if (ngx_add_event(redis->conn->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, redis->log, 0,
                          "rp: redis: cannot add read event");
        }
    }
}


static void
ngx_http_rp_redis_del_read(void *data)
{
    ngx_http_rp_redis_t  *redis = data;

    if (redis->conn && redis->conn->read->active) {
        ngx_del_event(redis->conn->read, NGX_READ_EVENT, NGX_LEVEL_EVENT);
    }
}


/*
 * On a ready connection a command to send is not an epoll registration but
 * a posted event: every command queued in this event-loop iteration, by all
 * requests, leaves in one write() at its end. Only a write that could not
 * finish (a full socket buffer) or a connect waits for epoll.
 */

static void
ngx_http_rp_redis_add_write(void *data)
{
    ngx_http_rp_redis_t  *redis = data;

    if (redis->conn == NULL) {
        return;
    }

    if (redis->state == NGX_HTTP_RP_REDIS_READY && !redis->in_write) {
        ngx_post_event(redis->conn->write, &ngx_posted_events);
        return;
    }

    if (!redis->conn->write->active) {
        if (ngx_add_event(redis->conn->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, redis->log, 0,
                          "rp: redis: cannot add write event");
        }
    }
}


static void
ngx_http_rp_redis_del_write(void *data)
{
    ngx_http_rp_redis_t  *redis = data;

    if (redis->conn && redis->conn->write->active) {
        ngx_del_event(redis->conn->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
    }
}


/*
 * Called by hiredis while it frees the context, before it closes the fd:
 * drop our events and the nginx connection but leave the fd to hiredis.
 * fd = -1 on the nginx side makes any stale event of this loop iteration
 * be ignored.
 */

static void
ngx_http_rp_redis_cleanup(void *data)
{
    ngx_http_rp_redis_t  *redis = data;
    ngx_connection_t     *c;

    c = redis->conn;
    if (c == NULL) {
        return;
    }

    if (c->read->active) {
        ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }

    if (c->write->active) {
        ngx_del_event(c->write, NGX_WRITE_EVENT, 0);
    }

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    c->fd = (ngx_socket_t) -1;
    ngx_free_connection(c);

    redis->conn = NULL;
    redis->inflight = 0;
    redis->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(redis);
}
