/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * Each worker's view of its clusters in a shared zone, so that GET / and
 * /metrics combine every worker's view instead of showing the answering
 * worker's (each worker learns the map and connects by itself).
 *
 * A worker owns one slot per cluster (indexed by ngx_worker and the
 * cluster's place in the configuration) and rewrites it when its view
 * changes: a node known, a map learned, a connection's state. The map's
 * age is not stored but its time, so nothing needs rewriting as it ages.
 * A slot is written under a sequence number that is odd while it is
 * written; a reader copies it and retries when the number was odd or
 * moved. A worker shutting down after a reload stops writing, as for
 * rp_redis_up (ngx_http_rp_prom.c), and clears its pid on exit.
 */


#include "ngx_http_rp_cluster.h"
#include "ngx_http_rp_prom.h"


typedef struct {
    u_char                      addr[NGX_HTTP_RP_CLUSTER_ADDR_LEN];
    uint16_t                    addr_len;
    uint8_t                     role;
    uint8_t                     conn;      /* NGX_HTTP_RP_CLUSTER_CONN_* */
} ngx_http_rp_cluster_shm_node_t;


typedef struct {
    ngx_atomic_t                pid;
    ngx_atomic_t                seq;       /* odd while written */
    time_t                      map_time;
    uint32_t                    known;
    uint32_t                    connected;
    uint32_t                    covered;
    uint32_t                    state;     /* NGX_HTTP_RP_CLUSTER_ST_* */
    uint32_t                    nnodes;    /* recorded in nodes[] */
    ngx_http_rp_cluster_shm_node_t  nodes[NGX_HTTP_RP_CLUSTER_SHM_NODES];
} ngx_http_rp_cluster_shm_slot_t;


typedef struct {
    ngx_http_rp_cluster_shm_slot_t  slot[NGX_HTTP_RP_PROM_WORKERS]
                                        [NGX_HTTP_RP_CLUSTER_SHM_CLUSTERS];
} ngx_http_rp_cluster_shm_t;


static ngx_int_t ngx_http_rp_cluster_shm_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_rp_cluster_shm_index(ngx_http_rp_cluster_t *cl,
    ngx_http_rp_main_conf_t *rmcf);
static void ngx_http_rp_cluster_shm_fill(ngx_http_rp_cluster_t *cl,
    ngx_http_rp_cluster_shm_slot_t *s);
static ngx_int_t ngx_http_rp_cluster_shm_read(
    ngx_http_rp_cluster_shm_slot_t *from, ngx_http_rp_cluster_shm_slot_t *to);
static void ngx_http_rp_cluster_view_add(ngx_http_rp_cluster_view_t *v,
    ngx_http_rp_cluster_shm_slot_t *s);


static ngx_str_t  ngx_http_rp_cluster_shm_name =
    ngx_string("ngx_http_rp_clusters");


ngx_int_t
ngx_http_rp_cluster_add_zone(ngx_conf_t *cf)
{
    ngx_shm_zone_t           *zone;
    ngx_http_rp_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rp_module);

    /* a configuration without a cluster pays nothing */

    if (rmcf->clusters.nelts == 0) {
        return NGX_OK;
    }

    zone = ngx_shared_memory_add(cf, &ngx_http_rp_cluster_shm_name,
                                 sizeof(ngx_http_rp_cluster_shm_t)
                                 + 64 * 1024,
                                 &ngx_http_rp_module);
    if (zone == NULL) {
        return NGX_ERROR;
    }

    zone->init = ngx_http_rp_cluster_shm_init;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rp_cluster_shm_init(ngx_shm_zone_t *shm_zone, void *data)
{
    return ngx_http_rp_shm_zone_init(shm_zone, data,
                                     sizeof(ngx_http_rp_cluster_shm_t));
}


static ngx_int_t
ngx_http_rp_cluster_shm_index(ngx_http_rp_cluster_t *cl,
    ngx_http_rp_main_conf_t *rmcf)
{
    ngx_uint_t               i;
    ngx_http_rp_cluster_t  **clp;

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        if (clp[i] == cl) {
            return i < NGX_HTTP_RP_CLUSTER_SHM_CLUSTERS ? (ngx_int_t) i : -1;
        }
    }

    return -1;
}


/* this worker's view of cl, as a slot holds it */

static void
ngx_http_rp_cluster_shm_fill(ngx_http_rp_cluster_t *cl,
    ngx_http_rp_cluster_shm_slot_t *s)
{
    ngx_uint_t                       i, known, connected;
    ngx_http_rp_cluster_node_t      *n;
    ngx_http_rp_cluster_shm_node_t  *sn;

    ngx_http_rp_cluster_counts(cl, &known, &connected);

    s->map_time = cl->map_time;
    s->known = known;
    s->connected = connected;
    s->covered = cl->covered;
    s->state = ngx_http_rp_cluster_state(cl);
    s->nnodes = ngx_min(cl->nnodes, NGX_HTTP_RP_CLUSTER_SHM_NODES);

    for (i = 0; i < s->nnodes; i++) {
        n = cl->nodes[i];
        sn = &s->nodes[i];

        ngx_memcpy(sn->addr, n->redis.addr.data, n->redis.addr.len);
        sn->addr_len = (uint16_t) n->redis.addr.len;
        sn->role = (uint8_t) n->role;
        sn->conn = (uint8_t) ngx_http_rp_cluster_node_conn(n);
    }
}


void
ngx_http_rp_cluster_shm_write(ngx_http_rp_cluster_t *cl)
{
    ngx_int_t                        i;
    ngx_http_rp_cluster_shm_t       *sh;
    ngx_http_rp_main_conf_t         *rmcf;
    ngx_http_rp_cluster_shm_slot_t  *s;

    /* an old worker finishing its requests: its successor owns the slot */

    if (ngx_exiting || ngx_quit || ngx_terminate || cl->stopping
        || ngx_worker >= NGX_HTTP_RP_PROM_WORKERS)
    {
        return;
    }

    sh = ngx_http_rp_shm_find((ngx_cycle_t *) ngx_cycle,
                              &ngx_http_rp_cluster_shm_name);
    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);
    if (sh == NULL || rmcf == NULL) {
        return;
    }

    i = ngx_http_rp_cluster_shm_index(cl, rmcf);
    if (i < 0) {
        return;
    }

    s = &sh->slot[ngx_worker][i];

    (void) ngx_atomic_fetch_add(&s->seq, 1);
    ngx_memory_barrier();

    ngx_http_rp_cluster_shm_fill(cl, s);

    ngx_memory_barrier();
    (void) ngx_atomic_fetch_add(&s->seq, 1);
    s->pid = (ngx_atomic_uint_t) ngx_pid;
}


void
ngx_http_rp_cluster_shm_write_all(void)
{
    ngx_uint_t                i;
    ngx_http_rp_cluster_t   **clp;
    ngx_http_rp_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);
    if (rmcf == NULL) {
        return;
    }

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        if (clp[i]->slots) {
            ngx_http_rp_cluster_shm_write(clp[i]);
        }
    }
}


void
ngx_http_rp_cluster_shm_exit(ngx_cycle_t *cycle)
{
    ngx_uint_t                  i;
    ngx_http_rp_cluster_shm_t  *sh;

    sh = ngx_http_rp_shm_find(cycle, &ngx_http_rp_cluster_shm_name);

    if (sh == NULL || ngx_worker >= NGX_HTTP_RP_PROM_WORKERS) {
        return;
    }

    for (i = 0; i < NGX_HTTP_RP_CLUSTER_SHM_CLUSTERS; i++) {
        (void) ngx_atomic_cmp_set(&sh->slot[ngx_worker][i].pid,
                                  (ngx_atomic_uint_t) ngx_pid, 0);
    }
}


/* a consistent copy of a slot another worker may be writing */

static ngx_int_t
ngx_http_rp_cluster_shm_read(ngx_http_rp_cluster_shm_slot_t *from,
    ngx_http_rp_cluster_shm_slot_t *to)
{
    ngx_uint_t         try;
    ngx_atomic_uint_t  seq;

    for (try = 0; try < 1000; try++) {
        seq = from->seq;
        ngx_memory_barrier();

        if (seq & 1) {
            ngx_cpu_pause();
            continue;
        }

        ngx_memcpy(to, (void *) from, sizeof(ngx_http_rp_cluster_shm_slot_t));
        ngx_memory_barrier();

        if (from->seq == seq) {
            return to->pid ? NGX_OK : NGX_DECLINED;
        }
    }

    return NGX_DECLINED;
}


/*
 * The view of every live worker combined (see ngx_http_rp_cluster.h), or
 * this worker's own when the cluster has no slots (more clusters than
 * tracked, or a worker number beyond them).
 */

ngx_http_rp_cluster_view_t *
ngx_http_rp_cluster_view(ngx_http_rp_cluster_t *cl, ngx_pool_t *pool)
{
    ngx_int_t                        i;
    ngx_uint_t                       w, nw;
    ngx_http_rp_cluster_shm_t       *sh;
    ngx_http_rp_main_conf_t         *rmcf;
    ngx_http_rp_cluster_view_t      *v;
    ngx_http_rp_cluster_shm_slot_t  *s;

    v = ngx_pcalloc(pool, sizeof(ngx_http_rp_cluster_view_t));
    s = ngx_palloc(pool, sizeof(ngx_http_rp_cluster_shm_slot_t));
    if (v == NULL || s == NULL) {
        return NULL;
    }

    v->cl = cl;

    sh = ngx_http_rp_shm_find((ngx_cycle_t *) ngx_cycle,
                              &ngx_http_rp_cluster_shm_name);
    rmcf = ngx_http_cycle_get_module_main_conf(((ngx_cycle_t *) ngx_cycle),
                                               ngx_http_rp_module);
    i = rmcf ? ngx_http_rp_cluster_shm_index(cl, rmcf) : -1;
    nw = ngx_http_rp_prom_workers();

    if (sh == NULL || i < 0) {
        nw = 1;
    }

    v->max = nw * NGX_HTTP_RP_CLUSTER_SHM_NODES;
    v->nodes = ngx_palloc(pool, v->max * sizeof(ngx_http_rp_cluster_vnode_t));
    if (v->nodes == NULL) {
        return NULL;
    }

    if (sh == NULL || i < 0) {
        ngx_memzero(s, sizeof(ngx_http_rp_cluster_shm_slot_t));
        ngx_http_rp_cluster_shm_fill(cl, s);
        ngx_http_rp_cluster_view_add(v, s);
        return v;
    }

    for (w = 0; w < nw; w++) {
        if (ngx_http_rp_cluster_shm_read(&sh->slot[w][i], s) == NGX_OK) {
            ngx_http_rp_cluster_view_add(v, s);
        }
    }

    return v;
}


/*
 * Adds one worker's view: the fewest nodes known and connected and slots
 * covered, the oldest map (none when a worker has none), the worst
 * state; per node (by address) the workers ready to it, the worst
 * connection (a worker that does not know the node: "not_opened") and
 * the role in the newest map that has it.
 */

static void
ngx_http_rp_cluster_view_add(ngx_http_rp_cluster_view_t *v,
    ngx_http_rp_cluster_shm_slot_t *s)
{
    ngx_uint_t                        i, k;
    ngx_http_rp_cluster_vnode_t      *vn;
    ngx_http_rp_cluster_shm_node_t   *sn;

    if (v->workers == 0) {
        v->known = s->known;
        v->connected = s->connected;
        v->covered = s->covered;
        v->map_time = s->map_time;
        v->state = s->state;

    } else {
        v->known = ngx_min(v->known, s->known);
        v->connected = ngx_min(v->connected, s->connected);
        v->covered = ngx_min(v->covered, s->covered);
        v->state = ngx_max(v->state, s->state);

        if (v->map_time && (s->map_time == 0 || s->map_time < v->map_time)) {
            v->map_time = s->map_time;
        }
    }

    /* nodes this worker does not know: one more worker not connected */

    for (k = 0; k < v->nnodes; k++) {
        vn = &v->nodes[k];
        vn->seen = 0;
    }

    for (i = 0; i < s->nnodes; i++) {
        sn = &s->nodes[i];
        vn = NULL;

        for (k = 0; k < v->nnodes; k++) {
            if (v->nodes[k].addr_len == sn->addr_len
                && ngx_memcmp(v->nodes[k].addr, sn->addr, sn->addr_len) == 0)
            {
                vn = &v->nodes[k];
                break;
            }
        }

        if (vn == NULL) {
            if (v->nnodes == v->max) {
                continue;
            }

            vn = &v->nodes[v->nnodes++];
            ngx_memcpy(vn->addr, sn->addr, sn->addr_len);
            vn->addr_len = sn->addr_len;
            vn->role = sn->role;
            vn->role_time = s->map_time;
            vn->ready = 0;
            vn->conn = (v->workers > 0) ? NGX_HTTP_RP_CLUSTER_CONN_NOT_OPENED
                                        : NGX_HTTP_RP_CLUSTER_CONN_READY;
        }

        vn->seen = 1;
        vn->ready += (sn->conn == NGX_HTTP_RP_CLUSTER_CONN_READY);
        vn->conn = ngx_max(vn->conn, sn->conn);

        if (s->map_time > vn->role_time) {
            vn->role = sn->role;
            vn->role_time = s->map_time;
        }
    }

    for (k = 0; k < v->nnodes; k++) {
        vn = &v->nodes[k];

        if (!vn->seen) {
            vn->conn = ngx_max(vn->conn, NGX_HTTP_RP_CLUSTER_CONN_NOT_OPENED);
        }
    }

    v->workers++;
}
