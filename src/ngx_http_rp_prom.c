/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Prometheus text format helpers (see ngx_http_rp_prom.h).
 *
 * The Redis connection state lives in each worker, so a gauge read from
 * the worker that happens to answer a scrape flaps between workers. Each
 * worker records the state of its connections in its own slot of a shared
 * zone (indexed by ngx_worker, tagged with its pid) whenever it changes,
 * and a scrape aggregates the slots of the configured workers. A worker
 * that is shutting down after a reload no longer writes: its successor
 * with the same number owns the slot. Each worker also rewrites its slots
 * every second: an old worker may still write in the moment between its
 * successor's start and its own shutdown, or clear the slot as it exits,
 * and the next rewrite puts the successor's state back.
 */


#include "ngx_http_rp_prom.h"
#include "ngx_http_rp_cluster.h"


typedef struct {
    ngx_atomic_t               pid;
    ngx_atomic_t               state;     /* NGX_HTTP_RP_PROM_* bits */
} ngx_http_rp_prom_slot_t;


typedef struct {
    ngx_http_rp_prom_slot_t    slot[NGX_HTTP_RP_PROM_WORKERS]
                                   [NGX_HTTP_RP_PROM_REDIS];
} ngx_http_rp_prom_shm_t;


#define NGX_HTTP_RP_PROM_READY        1
#define NGX_HTTP_RP_PROM_AUTH_FAILED  2

#define NGX_HTTP_RP_PROM_ZONE_SIZE    (64 * 1024)
#define NGX_HTTP_RP_PROM_REFRESH      1000


static ngx_int_t ngx_http_rp_prom_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_http_rp_prom_shm_t *ngx_http_rp_prom_shm(ngx_cycle_t *cycle);
static void ngx_http_rp_prom_refresh(ngx_event_t *ev);
static void ngx_http_rp_prom_write(ngx_http_rp_redis_t *redis);


static ngx_event_t       ngx_http_rp_prom_refresh_ev;

/* a timer's data is read as a connection by the debug log (its fd) */
static ngx_connection_t  ngx_http_rp_prom_dummy;


static ngx_str_t  ngx_http_rp_prom_zone_name =
    ngx_string("ngx_http_rp_workers");


size_t
ngx_http_rp_prom_escape_len(u_char *s, size_t len)
{
    size_t  n;

    for (n = len; len; len--, s++) {
        if (*s == '\\' || *s == '"' || *s == '\n') {
            n++;
        }
    }

    return n;
}


u_char *
ngx_http_rp_prom_escape(u_char *p, u_char *last, u_char *s, size_t len)
{
    u_char  c;

    for ( /* void */ ; len && p < last; len--) {
        c = *s++;

        if (c == '\\' || c == '"' || c == '\n') {
            if (last - p < 2) {
                break;
            }

            *p++ = '\\';
            *p++ = (c == '\n') ? 'n' : c;
            continue;
        }

        *p++ = c;
    }

    return p;
}


ngx_int_t
ngx_http_rp_prom_add_zone(ngx_conf_t *cf)
{
    ngx_shm_zone_t  *zone;

    zone = ngx_shared_memory_add(cf, &ngx_http_rp_prom_zone_name,
                                 NGX_HTTP_RP_PROM_ZONE_SIZE,
                                 &ngx_http_rp_module);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_http_rp_prom_init_zone;

    /* the clusters' views: the same lifecycle, beside this zone */
    return ngx_http_rp_cluster_add_zone(cf);
}


static ngx_int_t
ngx_http_rp_prom_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    return ngx_http_rp_shm_zone_init(shm_zone, data,
                                     sizeof(ngx_http_rp_prom_shm_t));
}


static ngx_http_rp_prom_shm_t *
ngx_http_rp_prom_shm(ngx_cycle_t *cycle)
{
    return ngx_http_rp_shm_find(cycle, &ngx_http_rp_prom_zone_name);
}


/*
 * The zone of the cycle, looked up rather than remembered: a reload that
 * fails after the zones were set up frees its cycle, and a pointer kept
 * from it would dangle in the master and in every worker forked later.
 */

void *
ngx_http_rp_shm_find(ngx_cycle_t *cycle, ngx_str_t *name)
{
    ngx_uint_t       i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *zone;

    part = &cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == &ngx_http_rp_module
            && zone[i].shm.name.len == name->len
            && ngx_strncmp(zone[i].shm.name.data, name->data, name->len)
               == 0)
        {
            return zone[i].data;
        }
    }
}


/* the slot of this worker, or NULL when it is not tracked */

static ngx_http_rp_prom_slot_t *
ngx_http_rp_prom_my_slot(ngx_http_rp_redis_t *redis)
{
    ngx_uint_t                i;
    ngx_http_rp_redis_t     **redisp;
    ngx_http_rp_prom_shm_t   *sh;
    ngx_http_rp_main_conf_t  *rmcf;

    if (ngx_worker >= NGX_HTTP_RP_PROM_WORKERS) {
        return NULL;
    }

    sh = ngx_http_rp_prom_shm((ngx_cycle_t *) ngx_cycle);
    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);

    if (sh == NULL || rmcf == NULL) {
        return NULL;
    }

    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts && i < NGX_HTTP_RP_PROM_REDIS; i++) {
        if (redisp[i] == redis) {
            return &sh->slot[ngx_worker][i];
        }
    }

    return NULL;
}


void
ngx_http_rp_redis_state_changed(ngx_http_rp_redis_t *redis)
{
    ngx_event_t  *ev;

    /* an old worker finishing its requests: its successor owns the slot */

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    ngx_http_rp_prom_write(redis);
    ngx_http_rp_cluster_shm_write_all();

    ev = &ngx_http_rp_prom_refresh_ev;

    if (ev->handler == NULL) {
        ngx_http_rp_prom_dummy.fd = (ngx_socket_t) -1;
        ev->data = &ngx_http_rp_prom_dummy;
        ev->handler = ngx_http_rp_prom_refresh;
        ev->log = redis->log;
        ev->cancelable = 1;
        ngx_add_timer(ev, NGX_HTTP_RP_PROM_REFRESH);
    }
}


static void
ngx_http_rp_prom_refresh(ngx_event_t *ev)
{
    ngx_uint_t                i;
    ngx_http_rp_redis_t     **redisp;
    ngx_http_rp_main_conf_t  *rmcf;

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);
    if (rmcf == NULL) {
        return;
    }

    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts; i++) {
        ngx_http_rp_prom_write(redisp[i]);
    }

    ngx_http_rp_cluster_shm_write_all();

    ngx_add_timer(ev, NGX_HTTP_RP_PROM_REFRESH);
}


static void
ngx_http_rp_prom_write(ngx_http_rp_redis_t *redis)
{
    ngx_atomic_uint_t         st;
    ngx_http_rp_prom_slot_t  *s;

    s = ngx_http_rp_prom_my_slot(redis);
    if (s == NULL) {
        return;
    }

    st = 0;

    if (redis->state == NGX_HTTP_RP_REDIS_READY) {
        st |= NGX_HTTP_RP_PROM_READY;

    } else if (redis->auth_failed) {
        st |= NGX_HTTP_RP_PROM_AUTH_FAILED;
    }

    s->state = st;
    ngx_memory_barrier();
    s->pid = (ngx_atomic_uint_t) ngx_pid;
}


void
ngx_http_rp_prom_worker_exit(ngx_cycle_t *cycle)
{
    ngx_uint_t               i;
    ngx_http_rp_prom_shm_t  *sh;

    ngx_http_rp_cluster_shm_exit(cycle);

    sh = ngx_http_rp_prom_shm(cycle);

    if (sh == NULL || ngx_worker >= NGX_HTTP_RP_PROM_WORKERS) {
        return;
    }

    for (i = 0; i < NGX_HTTP_RP_PROM_REDIS; i++) {
        (void) ngx_atomic_cmp_set(&sh->slot[ngx_worker][i].pid,
                                  (ngx_atomic_uint_t) ngx_pid, 0);
    }
}


/* the workers whose slots count: worker_processes, or 1 without a master */

ngx_uint_t
ngx_http_rp_prom_workers(void)
{
    ngx_core_conf_t  *ccf;

    if (ngx_process == NGX_PROCESS_SINGLE) {
        return 1;
    }

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    if (ccf == NULL || ccf->worker_processes <= 0) {
        return 1;
    }

    return ngx_min((ngx_uint_t) ccf->worker_processes,
                   NGX_HTTP_RP_PROM_WORKERS);
}


size_t
ngx_http_rp_prom_redis_len(ngx_http_rp_main_conf_t *rmcf)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_http_rp_redis_t  **redisp;

    len = 1024;
    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts; i++) {
        len += 3 * (128 + 2 * redisp[i]->addr.len);
    }

    return len;
}


/* how many workers have redis number i ready, and refused */

static void
ngx_http_rp_prom_count(ngx_http_rp_prom_shm_t *sh, ngx_uint_t i,
    ngx_http_rp_redis_t *redis, ngx_uint_t *nw, ngx_uint_t *ready,
    ngx_uint_t *refused)
{
    ngx_uint_t                w, st;
    ngx_http_rp_prom_slot_t  *s;

    *ready = 0;
    *refused = 0;

    if (sh == NULL || i >= NGX_HTTP_RP_PROM_REDIS) {
        /* not tracked: this worker's own connection */
        *nw = 1;
        *ready = (redis->state == NGX_HTTP_RP_REDIS_READY);
        *refused = !*ready && redis->auth_failed;
        return;
    }

    for (w = 0; w < *nw; w++) {
        s = &sh->slot[w][i];
        st = s->pid ? s->state : 0;
        *ready += (st & NGX_HTTP_RP_PROM_READY) ? 1 : 0;
        *refused += (st & NGX_HTTP_RP_PROM_AUTH_FAILED) ? 1 : 0;
    }
}


u_char *
ngx_http_rp_prom_redis(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf)
{
    ngx_uint_t                i, k, nw, ready, refused, v;
    ngx_http_rp_redis_t     **redisp;
    ngx_http_rp_prom_shm_t   *sh;

    static const char  *heads[3] = {
        "# HELP rp_redis_up 1 when the Redis connection of every worker "
        "is ready.\n# TYPE rp_redis_up gauge\n",
        "# HELP rp_redis_ready_workers Workers whose Redis connection is "
        "ready.\n# TYPE rp_redis_ready_workers gauge\n",
        "# HELP rp_redis_auth_failed 1 when Redis refuses a worker (AUTH, "
        "or NOAUTH) since its last ready connection.\n"
        "# TYPE rp_redis_auth_failed gauge\n"
    };

    static const char  *names[3] = {
        "rp_redis_up", "rp_redis_ready_workers", "rp_redis_auth_failed"
    };

    sh = ngx_http_rp_prom_shm((ngx_cycle_t *) ngx_cycle);
    redisp = rmcf->redis.elts;

    for (k = 0; k < 3; k++) {
        p = ngx_slprintf(p, last, "%s", heads[k]);

        for (i = 0; i < rmcf->redis.nelts; i++) {
            nw = ngx_http_rp_prom_workers();
            ngx_http_rp_prom_count(sh, i, redisp[i], &nw, &ready, &refused);

            v = (k == 0) ? (ready == nw) : (k == 1) ? ready : (refused > 0);

            p = ngx_slprintf(p, last, "%s{address=\"", names[k]);
            p = ngx_http_rp_prom_escape(p, last, redisp[i]->addr.data,
                                        redisp[i]->addr.len);
            p = ngx_slprintf(p, last, "\"} %ui\n", v);
        }
    }

    return p;
}


size_t
ngx_http_rp_prom_models_len(ngx_http_rp_main_conf_t *rmcf)
{
    size_t                 len;
    ngx_uint_t             i;
    ngx_http_rp_model_t  **rmp;

    len = 512;
    rmp = rmcf->models.elts;

    for (i = 0; i < rmcf->models.nelts; i++) {
        len += 2 * (128 + 2 * RP_MODEL_VERSION_MAX + 2 * rmp[i]->path.len);
    }

    return len;
}


static u_char *
ngx_http_rp_prom_model_labels(u_char *p, u_char *last, ngx_http_rp_model_t *rm)
{
    u_char  *v;

    v = (u_char *) rm->model.hdr->version;

    p = ngx_slprintf(p, last, "{version=\"");
    p = ngx_http_rp_prom_escape(p, last, v,
                                ngx_strnlen(v, RP_MODEL_VERSION_MAX));
    p = ngx_slprintf(p, last, "\",path=\"");
    p = ngx_http_rp_prom_escape(p, last, rm->path.data, rm->path.len);

    return ngx_slprintf(p, last, "\"");
}


u_char *
ngx_http_rp_prom_models(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf)
{
    ngx_uint_t             i;
    ngx_http_rp_model_t  **rmp;

    rmp = rmcf->models.elts;

    p = ngx_slprintf(p, last,
                     "# HELP rp_model_info Models mapped by this "
                     "configuration.\n# TYPE rp_model_info gauge\n");

    for (i = 0; i < rmcf->models.nelts; i++) {
        p = ngx_slprintf(p, last, "rp_model_info");
        p = ngx_http_rp_prom_model_labels(p, last, rmp[i]);
        p = ngx_slprintf(p, last, ",trees=\"%uD\"} 1\n",
                         rmp[i]->model.hdr->n_trees);
    }

    p = ngx_slprintf(p, last,
                     "# HELP rp_model_trained_timestamp_seconds When the "
                     "model was trained, in seconds since the epoch.\n"
                     "# TYPE rp_model_trained_timestamp_seconds gauge\n");

    for (i = 0; i < rmcf->models.nelts; i++) {
        p = ngx_slprintf(p, last, "rp_model_trained_timestamp_seconds");
        p = ngx_http_rp_prom_model_labels(p, last, rmp[i]);
        p = ngx_slprintf(p, last, "} %L\n",
                         (int64_t) rmp[i]->model.hdr->trained_at);
    }

    return p;
}
