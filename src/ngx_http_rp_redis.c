
/*
 * Copyright (C) rp authors
 *
 * One persistent hiredis async connection per worker and address, driven
 * by nginx's event loop (the adapter shape of nchan's redis_nginx_adapter,
 * see NOTES.md 1.1). hiredis 0.14 has no timeouts: the connect timeout and
 * per-request timeouts are nginx timers. Both directions are registered
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
#define NGX_HTTP_RP_FREE_WAITERS      1024


static void ngx_http_rp_redis_connect(ngx_http_rp_redis_t *rc);
static void ngx_http_rp_redis_ready(ngx_http_rp_redis_t *rc);
static void ngx_http_rp_redis_schedule(ngx_http_rp_redis_t *rc);
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
static void ngx_http_rp_redis_progress(ngx_http_rp_redis_t *rc);
static void ngx_http_rp_redis_check(ngx_http_rp_redis_t *rc);
static void ngx_http_rp_redis_refused(ngx_http_rp_redis_t *rc,
    redisAsyncContext *ac, redisReply *reply);
static void ngx_http_rp_redis_read_handler(ngx_event_t *ev);
static void ngx_http_rp_redis_write_handler(ngx_event_t *ev);
static void ngx_http_rp_redis_add_read(void *data);
static void ngx_http_rp_redis_del_read(void *data);
static void ngx_http_rp_redis_add_write(void *data);
static void ngx_http_rp_redis_del_write(void *data);
static void ngx_http_rp_redis_cleanup(void *data);
static void ngx_http_rp_waiter_dequeue(ngx_http_rp_waiter_t *w);
static void ngx_http_rp_waiter_put(ngx_http_rp_waiter_t *w);


static ngx_uint_t  ngx_http_rp_redis_exiting;


void
ngx_http_rp_redis_start(ngx_http_rp_redis_t *rc, ngx_cycle_t *cycle)
{
    rc->log = cycle->log;
    rc->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    rc->backoff = 0;
    ngx_http_rp_redis_state_changed(rc);

    rc->reconnect_ev.handler = ngx_http_rp_redis_reconnect_handler;
    rc->reconnect_ev.data = rc;
    rc->reconnect_ev.log = cycle->log;
    rc->reconnect_ev.cancelable = 1;

    rc->connect_ev.handler = ngx_http_rp_redis_connect_timeout;
    rc->connect_ev.data = rc;
    rc->connect_ev.log = cycle->log;
    rc->connect_ev.cancelable = 1;

    /* connect from inside the event loop */

    ngx_add_timer(&rc->reconnect_ev, 0);
}


void
ngx_http_rp_redis_stop(ngx_http_rp_redis_t *rc)
{
    ngx_http_rp_waiter_t  *w;

    ngx_http_rp_redis_exiting = 1;

    if (rc->reconnect_ev.timer_set) {
        ngx_del_timer(&rc->reconnect_ev);
    }

    if (rc->connect_ev.timer_set) {
        ngx_del_timer(&rc->connect_ev);
    }

    if (rc->ac) {
        redisAsyncFree(rc->ac);
        rc->ac = NULL;
    }

    while (rc->free) {
        w = rc->free;
        rc->free = w->link;
        ngx_free(w);
    }

    rc->nfree = 0;
}


const char *
ngx_http_rp_redis_state_name(ngx_http_rp_redis_t *rc)
{
    if (rc->state != NGX_HTTP_RP_REDIS_READY && rc->auth_failed) {
        return "auth_failed";
    }

    switch (rc->state) {
    case NGX_HTTP_RP_REDIS_READY:
        return "ready";
    case NGX_HTTP_RP_REDIS_CONNECTING:
        return "connecting";
    default:
        return "disconnected";
    }
}


static void
ngx_http_rp_redis_connect(ngx_http_rp_redis_t *rc)
{
    size_t              argvlen[2];
    const char         *argv[2];
    ngx_connection_t   *c;
    redisAsyncContext  *ac;

    if (rc->port) {
        ac = redisAsyncConnect((char *) rc->host.data, (int) rc->port);

    } else {
        ac = redisAsyncConnectUnix((char *) rc->host.data);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": cannot allocate a context",
                      &rc->addr);
        ngx_http_rp_redis_schedule(rc);
        return;
    }

    if (ac->err) {
        ngx_http_rp_redis_connect_failed(rc, ngx_errno, ac->errstr);
        redisAsyncFree(ac);
        ngx_http_rp_redis_schedule(rc);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rc->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_rp_redis_schedule(rc);
        return;
    }

    c->data = rc;
    c->read->handler = ngx_http_rp_redis_read_handler;
    c->write->handler = ngx_http_rp_redis_write_handler;
    c->read->log = rc->log;
    c->write->log = rc->log;

    rc->ac = ac;
    rc->conn = c;
    rc->state = NGX_HTTP_RP_REDIS_CONNECTING;
    ngx_http_rp_redis_state_changed(rc);

    ac->data = rc;
    ac->ev.data = rc;
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

    rc->setup_pending = (rc->password.len ? 1 : 0) + (rc->db ? 1 : 0) + 1;
    rc->setup_auth = rc->password.len ? 1 : 0;

    if (rc->password.len) {
        argv[0] = "AUTH";
        argv[1] = (char *) rc->password.data;
        argvlen[0] = 4;
        argvlen[1] = rc->password.len;

        redisAsyncCommandArgv(ac, ngx_http_rp_redis_setup_reply, rc,
                              2, argv, argvlen);
    }

    if (rc->db) {
        redisAsyncCommand(ac, ngx_http_rp_redis_setup_reply, rc,
                          "SELECT %d", (int) rc->db);
    }

    redisAsyncCommand(ac, ngx_http_rp_redis_setup_reply, rc, "PING");

    rc->inflight = rc->setup_pending;
    rc->waiting_since = ngx_current_msec;

    ngx_add_timer(&rc->connect_ev, rc->connect_timeout);
}


static void
ngx_http_rp_redis_schedule(ngx_http_rp_redis_t *rc)
{
    ngx_msec_t  delay;

    rc->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(rc);

    if (ngx_http_rp_redis_exiting || ngx_exiting || ngx_terminate
        || ngx_quit)
    {
        return;
    }

    /* capped exponential backoff with jitter in [backoff/2, backoff] */

    if (rc->backoff == 0) {
        rc->backoff = NGX_HTTP_RP_BACKOFF_MIN;

    } else {
        rc->backoff = ngx_min(rc->backoff * 2, NGX_HTTP_RP_BACKOFF_MAX);
    }

    delay = rc->backoff / 2 + (ngx_msec_t) ngx_random() % (rc->backoff / 2 + 1);

    if (!rc->reconnect_ev.timer_set) {
        ngx_add_timer(&rc->reconnect_ev, delay);
    }
}


static void
ngx_http_rp_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_rp_redis_t  *rc = ev->data;

    if (rc->ac == NULL) {
        ngx_http_rp_redis_connect(rc);
    }
}


static void
ngx_http_rp_redis_connect_timeout(ngx_event_t *ev)
{
    redisAsyncContext    *ac;
    ngx_http_rp_redis_t  *rc = ev->data;

    ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                  "rp: redis \"%V\": %s timed out", &rc->addr,
                  rc->ac && (rc->ac->c.flags & REDIS_CONNECTED)
                  ? "connection setup (AUTH/SELECT/PING)" : "connect");

    if (rc->ac == NULL || !(rc->ac->c.flags & REDIS_CONNECTED)) {
        ngx_http_rp_redis_next_addr(rc);
    }

    if (rc->ac) {
        /* a connected context calls onDisconnect, which reschedules */
        ac = rc->ac;
        rc->ac = NULL;
        redisAsyncFree(ac);
    }

    if (!rc->reconnect_ev.timer_set) {
        ngx_http_rp_redis_schedule(rc);
    }
}


static void
ngx_http_rp_redis_on_connect(const redisAsyncContext *cac, int status)
{
    ngx_err_t               err = ngx_errno;
    redisAsyncContext      *ac = (redisAsyncContext *) cac;
    ngx_http_rp_redis_t    *rc = ac->data;
    ngx_http_rp_metrics_t  *m;

    if (rc->connect_ev.timer_set) {
        ngx_del_timer(&rc->connect_ev);
    }

    if (status != REDIS_OK) {
        /* hiredis left the socket's error (SO_ERROR) in errno */
        ngx_http_rp_redis_connect_failed(rc, err, ac->errstr);

        /* hiredis frees the context after this callback */
        rc->ac = NULL;
        ngx_http_rp_redis_schedule(rc);
        return;
    }

    ngx_log_error(NGX_LOG_INFO, rc->log, 0,
                  "rp: redis \"%V\" connected", &rc->addr);

    m = ngx_http_rp_metrics();
    if (m) {
        ngx_http_rp_metrics_inc(&m->redis_reconnects);
    }

    /* the setup replies are bounded too: a server that accepts and never
     * answers must not leave the connection "connecting" for ever */
    ngx_add_timer(&rc->connect_ev, ngx_max(rc->connect_timeout,
                                           NGX_HTTP_RP_SETUP_TIMEOUT));
}


/*
 * Connected, AUTH/SELECT (if any) and PING accepted. Only now does the backoff
 * start over: a server that refuses AUTH is retried at a growing interval
 * (up to NGX_HTTP_RP_BACKOFF_MAX), not every 50 ms with an error line each.
 */
static void
ngx_http_rp_redis_ready(ngx_http_rp_redis_t *rc)
{
    rc->state = NGX_HTTP_RP_REDIS_READY;
    rc->ever_ready = 1;
    rc->auth_failed = 0;
    rc->backoff = 0;
    ngx_http_rp_redis_state_changed(rc);

    if (rc->connect_ev.timer_set) {
        ngx_del_timer(&rc->connect_ev);
    }
}


static void
ngx_http_rp_redis_on_disconnect(const redisAsyncContext *cac, int status)
{
    redisAsyncContext    *ac = (redisAsyncContext *) cac;
    ngx_http_rp_redis_t  *rc = ac->data;

    if (status != REDIS_OK && !ngx_http_rp_redis_exiting) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": connection lost: %s",
                      &rc->addr, ac->errstr ? ac->errstr : "closed");
    }

    rc->ac = NULL;
    ngx_http_rp_redis_schedule(rc);
}


static void
ngx_http_rp_redis_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply           *reply = r;
    ngx_http_rp_redis_t  *rc = privdata;
    ngx_uint_t            auth;

    if (reply == NULL) {
        return;                         /* disconnected meanwhile */
    }

    ngx_http_rp_redis_progress(rc);

    /* the first setup reply is AUTH's when a password is configured */
    auth = rc->setup_auth;
    rc->setup_auth = 0;

    if (reply->type == REDIS_REPLY_ERROR) {
        if (rc->state != NGX_HTTP_RP_REDIS_CONNECTING) {
            return;                     /* an earlier one failed already */
        }

        if (auth || ngx_http_rp_redis_auth_error(reply)) {
            rc->auth_failed = 1;
        }

        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": connection setup "
                      "(AUTH/SELECT/PING) failed: %*s",
                      &rc->addr, (size_t) reply->len, reply->str);

        /* no command of a request may go out on this connection */
        rc->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
        ngx_http_rp_redis_state_changed(rc);

        /* deferred by hiredis until this callback returns */
        redisAsyncDisconnect(ac);
        return;
    }

    if (rc->setup_pending > 0 && --rc->setup_pending == 0
        && rc->state == NGX_HTTP_RP_REDIS_CONNECTING)
    {
        ngx_http_rp_redis_ready(rc);
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
ngx_http_rp_redis_refused(ngx_http_rp_redis_t *rc, redisAsyncContext *ac,
    redisReply *reply)
{
    if (rc->state == NGX_HTTP_RP_REDIS_READY) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": authentication failed: %*s; "
                      "reconnecting with backoff",
                      &rc->addr, (size_t) reply->len, reply->str);
    }

    rc->auth_failed = 1;
    rc->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(rc);

    if (!(ac->c.flags & REDIS_DISCONNECTING)) {
        /* waits for the replies still due, then onDisconnect */
        redisAsyncDisconnect(ac);
    }
}


/*
 * Issues one HMGET per item of ctx, back to back in this event-loop turn,
 * so they leave in one write (one round trip). Returns NGX_OK when at
 * least one is pending, NGX_DECLINED when Redis is not ready (the caller
 * falls back at once), NGX_ERROR on allocation failure.
 *
 * Not ready means disconnected, or reconnecting after having been ready:
 * during an outage requests never wait. Only the worker's first connect
 * (a few hundred microseconds after start on a local network) takes
 * commands early; hiredis sends them once connected, after AUTH/SELECT,
 * and the request timer bounds the wait as always.
 */

ngx_int_t
ngx_http_rp_redis_read(ngx_http_rp_ctx_t *ctx, ngx_http_rp_redis_t *rc,
    ngx_msec_t timeout)
{
    ngx_uint_t             i, suppressed;
    ngx_msec_t             age;
    rp_store_cmd_t         cmd;
    ngx_http_rp_item_t    *it;
    ngx_http_rp_waiter_t  *w;

    if (rc == NULL || rc->ac == NULL) {
        return NGX_DECLINED;
    }

    if (rc->state != NGX_HTTP_RP_REDIS_READY
        && (rc->state != NGX_HTTP_RP_REDIS_CONNECTING || rc->ever_ready))
    {
        return NGX_DECLINED;
    }

    /*
     * Replies come in order: when the oldest commands out have waited a
     * whole timeout already, these would wait longer still and time out
     * too. Sending them anyway only lengthens the queue (a timed-out
     * request's commands stay in it), so under a burst Redis would spend
     * its time on answers nobody waits for. Shed instead: default features
     * now, until the queue has drained below the timeout.
     */

    if (rc->qhead != NULL) {
        age = ngx_current_msec - rc->qhead->sent;

        if (age >= timeout) {
            if (ngx_http_rp_log_allowed(&suppressed)) {
                ngx_log_error(NGX_LOG_WARN, ctx->request->connection->log,
                              0, "rp: redis \"%V\": the oldest commands "
                              "out wait for %Mms, over rp_redis_timeout: "
                              "default features without asking "
                              "(%ui similar lines suppressed before)",
                              &rc->addr, age, suppressed);
            }

            ngx_http_rp_redis_check(rc);

            return NGX_DECLINED;
        }
    }

    if (rc->free) {
        w = rc->free;
        rc->free = w->link;
        rc->nfree--;

    } else {
        w = ngx_alloc(sizeof(ngx_http_rp_waiter_t), rc->log);
        if (w == NULL) {
            return NGX_ERROR;
        }
    }

    w->ctx = ctx;
    w->redis = rc;
    w->pending = 0;
    w->next = 0;
    w->link = NULL;

    for (i = 0; i < ctx->nitems; i++) {
        it = &ctx->items[i];

        if (rp_store_read_cmd(&cmd, (char *) it->user.data, it->user.len,
                              ctx->want_product ? (char *) it->product.data
                                                : NULL,
                              ctx->want_product ? it->product.len : 0)
            != 0)
        {
            /* ids were validated; treat as a store failure */
            break;
        }

        if (redisAsyncCommandArgv(rc->ac, ngx_http_rp_redis_reply, w,
                                  cmd.argc, cmd.argv, cmd.argvlen)
            != REDIS_OK)
        {
            break;
        }

        if (rc->inflight++ == 0) {
            rc->waiting_since = ngx_current_msec;
        }

        w->pending++;
    }

    if (w->pending == 0) {
        ngx_http_rp_waiter_put(w);
        return NGX_DECLINED;
    }

    /* items past the last queued one keep SRC_PENDING: they fall back */

    w->sent = ngx_current_msec;
    w->qnext = NULL;

    if (rc->qtail) {
        rc->qtail->qnext = w;

    } else {
        rc->qhead = w;
    }

    rc->qtail = w;

    ctx->waiter = w;

    return NGX_OK;
}


/* the request is going away (or has its answer): replies are dropped */

void
ngx_http_rp_waiter_detach(ngx_http_rp_waiter_t *w)
{
    w->ctx = NULL;
}


void
ngx_http_rp_redis_timed_out(ngx_http_rp_redis_t *rc)
{
    ngx_http_rp_metrics_t  *m;

    m = ngx_http_rp_metrics();
    if (m) {
        ngx_http_rp_metrics_inc(&m->redis_timeouts);
    }

    rc->timeouts++;

    ngx_http_rp_redis_check(rc);
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
ngx_http_rp_redis_check(ngx_http_rp_redis_t *rc)
{
    ngx_msec_t  silent;

    if (rc->ac == NULL) {
        return;
    }

    silent = ngx_current_msec - rc->waiting_since;

    if (rc->timeouts >= NGX_HTTP_RP_SICK_TIMEOUTS) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": %ui requests timed out in a row, "
                      "reconnecting", &rc->addr, rc->timeouts);

    } else if (rc->inflight && silent >= NGX_HTTP_RP_SILENCE) {
        ngx_log_error(NGX_LOG_ERR, rc->log, 0,
                      "rp: redis \"%V\": no reply for %Mms with %ui "
                      "commands waiting, reconnecting",
                      &rc->addr, silent, rc->inflight);

    } else {
        return;
    }

    rc->timeouts = 0;

    /* runs pending callbacks with NULL, cleanup, then onDisconnect */
    redisAsyncFree(rc->ac);
    rc->ac = NULL;

    if (!rc->reconnect_ev.timer_set
        && rc->state != NGX_HTTP_RP_REDIS_DISCONNECTED)
    {
        ngx_http_rp_redis_schedule(rc);
    }
}


/* a reply came: the connection is alive */

static void
ngx_http_rp_redis_progress(ngx_http_rp_redis_t *rc)
{
    if (rc->inflight) {
        rc->inflight--;
    }

    rc->waiting_since = ngx_current_msec;
    rc->timeouts = 0;
}


static void
ngx_http_rp_redis_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    char                    err[RP_ERR_MAX];
    size_t                  i, j, n;
    redisReply             *reply = r;
    rp_store_val_t          vals[RP_STORE_READ_FIELDS];
    ngx_http_rp_ctx_t      *ctx;
    ngx_http_rp_item_t     *it;
    ngx_http_rp_waiter_t   *w = privdata;
    ngx_http_rp_metrics_t  *m;
    int                     found;

    ctx = w->ctx;
    i = w->next++;

    if (reply != NULL) {
        ngx_http_rp_redis_progress(w->redis);

        /*
         * NOAUTH is about the connection, whether or not a request waits.
         * NOPERM (an ACL that denies HMGET) is not: the setup PING would
         * pass again and every reconnect would fail the same way; it is a
         * Redis error like any other.
         */

        if (reply->type == REDIS_REPLY_ERROR
            && (size_t) reply->len >= sizeof("NOAUTH") - 1
            && ngx_strncmp(reply->str, "NOAUTH", sizeof("NOAUTH") - 1) == 0)
        {
            ngx_http_rp_redis_refused(w->redis, ac, reply);
        }
    }

    if (w->next == w->pending) {
        ngx_http_rp_waiter_dequeue(w);
    }

    if (ctx == NULL || ngx_http_rp_redis_exiting) {
        /* detached, or the worker is exiting: touch no request */

        if (w->next == w->pending) {
            ngx_http_rp_waiter_put(w);
        }

        return;
    }

    it = &ctx->items[i];
    m = ngx_http_rp_metrics();

    if (reply == NULL) {
        ngx_http_rp_item_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
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
            ngx_http_rp_item_failed(ctx, it, NGX_HTTP_RP_SRC_CORRUPT,
                                    reply->str, (size_t) reply->len);

            if (m) {
                ngx_http_rp_metrics_inc(&m->store_corrupt);
            }

            goto next;
        }

        ngx_http_rp_item_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
                                reply->str, (size_t) reply->len);

        if (m) {
            ngx_http_rp_metrics_inc(&m->redis_errors);
        }

        goto next;
    }

    if (reply->type != REDIS_REPLY_ARRAY) {
        ngx_http_rp_item_failed(ctx, it, NGX_HTTP_RP_SRC_FAILED,
                                "unexpected reply type",
                                sizeof("unexpected reply type") - 1);

        if (m) {
            ngx_http_rp_metrics_inc(&m->redis_errors);
        }

        goto next;
    }

    n = ngx_min(reply->elements, RP_STORE_READ_FIELDS);

    for (j = 0; j < n; j++) {
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

    if (rp_store_parse_read(vals, n, &it->u, &it->p, &found, err, sizeof(err))
        != 0)
    {
        ngx_http_rp_item_failed(ctx, it, NGX_HTTP_RP_SRC_CORRUPT,
                                err, ngx_strlen(err));

        if (m) {
            ngx_http_rp_metrics_inc(&m->store_corrupt);
        }

        goto next;
    }

    it->source = found ? NGX_HTTP_RP_SRC_STORE : NGX_HTTP_RP_SRC_UNKNOWN;

next:

    if (w->next < w->pending) {
        return;
    }

    /* the last reply: the waiter is done; answer the request */

    ctx->waiter = NULL;
    ngx_http_rp_waiter_put(w);

    ngx_http_rp_items_ready(ctx);
}


/* all of w's replies are in: it leaves the reply order (at its head) */

static void
ngx_http_rp_waiter_dequeue(ngx_http_rp_waiter_t *w)
{
    ngx_http_rp_redis_t   *rc = w->redis;
    ngx_http_rp_waiter_t  *p;

    if (rc->qhead == w) {
        rc->qhead = w->qnext;

    } else {
        for (p = rc->qhead; p && p->qnext != w; p = p->qnext) { /* void */ }

        if (p == NULL) {
            return;
        }

        p->qnext = w->qnext;
    }

    if (rc->qtail == w) {
        for (p = rc->qhead; p && p->qnext; p = p->qnext) { /* void */ }
        rc->qtail = p;
    }

    w->qnext = NULL;
}


static void
ngx_http_rp_waiter_put(ngx_http_rp_waiter_t *w)
{
    ngx_http_rp_redis_t  *rc = w->redis;

    if (ngx_http_rp_redis_exiting || rc->nfree >= NGX_HTTP_RP_FREE_WAITERS) {
        ngx_free(w);
        return;
    }

    w->ctx = NULL;
    w->link = rc->free;
    rc->free = w;
    rc->nfree++;
}


static void
ngx_http_rp_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t     *c = ev->data;
    ngx_http_rp_redis_t  *rc = c->data;

    if (rc->ac) {
        redisAsyncHandleRead(rc->ac);
    }
}


static void
ngx_http_rp_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t     *c = ev->data;
    ngx_http_rp_redis_t  *rc = c->data;

    if (rc->ac) {
        rc->in_write = 1;
        redisAsyncHandleWrite(rc->ac);
        rc->in_write = 0;
    }
}


/* hiredis event hooks: idempotent, level-triggered in both directions */

static void
ngx_http_rp_redis_add_read(void *data)
{
    ngx_http_rp_redis_t  *rc = data;

    if (rc->conn && !rc->conn->read->active) {
        if (ngx_add_event(rc->conn->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rc->log, 0,
                          "rp: redis: cannot add read event");
        }
    }
}


static void
ngx_http_rp_redis_del_read(void *data)
{
    ngx_http_rp_redis_t  *rc = data;

    if (rc->conn && rc->conn->read->active) {
        ngx_del_event(rc->conn->read, NGX_READ_EVENT, NGX_LEVEL_EVENT);
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
    ngx_http_rp_redis_t  *rc = data;

    if (rc->conn == NULL) {
        return;
    }

    if (rc->state == NGX_HTTP_RP_REDIS_READY && !rc->in_write) {
        ngx_post_event(rc->conn->write, &ngx_posted_events);
        return;
    }

    if (!rc->conn->write->active) {
        if (ngx_add_event(rc->conn->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
            != NGX_OK)
        {
            ngx_log_error(NGX_LOG_ALERT, rc->log, 0,
                          "rp: redis: cannot add write event");
        }
    }
}


static void
ngx_http_rp_redis_del_write(void *data)
{
    ngx_http_rp_redis_t  *rc = data;

    if (rc->conn && rc->conn->write->active) {
        ngx_del_event(rc->conn->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT);
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
    ngx_http_rp_redis_t  *rc = data;
    ngx_connection_t     *c;

    c = rc->conn;
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

    rc->conn = NULL;
    rc->inflight = 0;
    rc->state = NGX_HTTP_RP_REDIS_DISCONNECTED;
    ngx_http_rp_redis_state_changed(rc);
}
