/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * A cluster in GET / (the "cluster" object) and in /metrics. The
 * redirects are counted in the shared metrics zone, by every worker; the
 * nodes, their connections and the map are every live worker's views
 * combined (ngx_http_rp_cluster_shm.c), so the answer does not depend on
 * the worker that serves it.
 */


#include "ngx_http_rp_cluster.h"
#include "ngx_http_rp_prom.h"


static const char *ngx_http_rp_cluster_role_name(ngx_uint_t role);
static const char *ngx_http_rp_cluster_conn_name(ngx_uint_t conn);


static const char *
ngx_http_rp_cluster_role_name(ngx_uint_t role)
{
    switch (role) {
    case NGX_HTTP_RP_CLUSTER_PRIMARY:
        return "primary";
    case NGX_HTTP_RP_CLUSTER_REPLICA:
        return "replica";
    default:
        return "unmapped";
    }
}


static const char *
ngx_http_rp_cluster_conn_name(ngx_uint_t conn)
{
    static const char  *names[] = {
        "ready", "not_opened", "connecting", "disconnected", "auth_failed"
    };

    return conn < sizeof(names) / sizeof(names[0]) ? names[conn]
                                                   : "disconnected";
}


/* up: every live worker has a ready connection to the node */

static ngx_uint_t
ngx_http_rp_cluster_vnode_up(ngx_http_rp_cluster_view_t *v,
    ngx_http_rp_cluster_vnode_t *vn)
{
    return v->workers > 0 && vn->ready == v->workers;
}


size_t
ngx_http_rp_cluster_health_len(ngx_http_rp_cluster_view_t *v)
{
    size_t      len;
    ngx_uint_t  i;

    len = sizeof(",\"cluster\":{\"workers\":,\"nodes_known\":"
                 ",\"nodes_connected\":,\"slots_covered\":"
                 ",\"slot_map_age_seconds\":"
                 ",\"redirects\":{\"moved\":,\"ask\":},\"nodes\":[]}")
          + 6 * NGX_ATOMIC_T_LEN;

    for (i = 0; i < v->nnodes; i++) {
        len += sizeof("{\"address\":,\"role\":\"unmapped\",\"up\":false"
                      ",\"ready_workers\":,\"connection\":\"not_opened\"},")
               + NGX_ATOMIC_T_LEN
               + ngx_http_rp_json_str_len(v->nodes[i].addr,
                                          v->nodes[i].addr_len);
    }

    return len;
}


u_char *
ngx_http_rp_cluster_health(u_char *p, u_char *last,
    ngx_http_rp_cluster_view_t *v)
{
    ngx_uint_t                    i;
    ngx_http_rp_metrics_t        *m;
    ngx_http_rp_cluster_vnode_t  *vn;

    m = ngx_http_rp_metrics();

    p = ngx_slprintf(p, last, ",\"cluster\":{\"workers\":%ui"
                     ",\"nodes_known\":%ui"
                     ",\"nodes_connected\":%ui,\"slots_covered\":%ui"
                     ",\"slot_map_age_seconds\":",
                     v->workers, v->known, v->connected, v->covered);

    if (v->map_time) {
        p = ngx_slprintf(p, last, "%T", ngx_max(ngx_time() - v->map_time, 0));

    } else {
        p = ngx_slprintf(p, last, "null");
    }

    p = ngx_slprintf(p, last, ",\"redirects\":{\"moved\":%uA,\"ask\":%uA}"
                     ",\"nodes\":[",
                     m ? m->redirects_moved : 0, m ? m->redirects_ask : 0);

    for (i = 0; i < v->nnodes; i++) {
        vn = &v->nodes[i];

        p = ngx_slprintf(p, last, "%s{\"address\":", i ? "," : "");
        p = ngx_http_rp_json_str(p, last, vn->addr, vn->addr_len);
        p = ngx_slprintf(p, last, ",\"role\":\"%s\",\"up\":%s"
                         ",\"ready_workers\":%ui,\"connection\":\"%s\"}",
                         ngx_http_rp_cluster_role_name(vn->role),
                         ngx_http_rp_cluster_vnode_up(v, vn)
                         ? "true" : "false",
                         vn->ready, ngx_http_rp_cluster_conn_name(vn->conn));
    }

    return ngx_slprintf(p, last, "]}");
}


ngx_http_rp_cluster_view_t **
ngx_http_rp_cluster_views(ngx_http_rp_main_conf_t *rmcf, ngx_pool_t *pool)
{
    ngx_uint_t                    i;
    ngx_http_rp_cluster_t       **clp;
    ngx_http_rp_cluster_view_t  **views;

    views = ngx_palloc(pool, (rmcf->clusters.nelts + 1) * sizeof(void *));
    if (views == NULL) {
        return NULL;
    }

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        views[i] = ngx_http_rp_cluster_view(clp[i], pool);
        if (views[i] == NULL) {
            return NULL;
        }
    }

    return views;
}


size_t
ngx_http_rp_cluster_prom_len(ngx_http_rp_main_conf_t *rmcf,
    ngx_http_rp_cluster_view_t **views)
{
    size_t                  len;
    ngx_uint_t              i;
    ngx_http_rp_cluster_t **clp;

    if (rmcf->clusters.nelts == 0) {
        return 0;
    }

    len = 4096;
    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        len += (6 + 2 * views[i]->nnodes)
               * (128 + 2 * clp[i]->name.len
                  + 2 * NGX_HTTP_RP_CLUSTER_ADDR_LEN);
    }

    return len;
}


static u_char *
ngx_http_rp_cluster_label(u_char *p, u_char *last, const char *metric,
    ngx_http_rp_cluster_t *cl)
{
    p = ngx_slprintf(p, last, "%s{cluster=\"", metric);
    return ngx_http_rp_prom_escape(p, last, cl->name.data, cl->name.len);
}


/* one gauge per cluster, from the combined views */

static u_char *
ngx_http_rp_cluster_gauge(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf, ngx_http_rp_cluster_view_t **views,
    const char *metric, const char *help, ngx_uint_t what)
{
    ngx_uint_t                   i, value;
    ngx_http_rp_cluster_view_t  *v;

    p = ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s gauge\n",
                     metric, help, metric);

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        v = views[i];

        switch (what) {
        case 0:
            value = v->workers;
            break;
        case 1:
            value = v->known;
            break;
        case 2:
            value = v->connected;
            break;
        case 3:
            value = v->covered;
            break;
        default:
            if (v->map_time == 0) {
                continue;
            }

            value = (ngx_uint_t) ngx_max(ngx_time() - v->map_time, 0);
        }

        p = ngx_http_rp_cluster_label(p, last, metric, v->cl);
        p = ngx_slprintf(p, last, "\"} %ui\n", value);
    }

    return p;
}


u_char *
ngx_http_rp_cluster_prom(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf, ngx_http_rp_cluster_view_t **views)
{
    ngx_uint_t                    i, k, per;
    ngx_http_rp_metrics_t        *m;
    ngx_http_rp_cluster_view_t   *v;
    ngx_http_rp_cluster_vnode_t  *vn;

    static const char  *node_metrics[2] = {
        "rp_redis_cluster_node_up", "rp_redis_cluster_node_ready_workers"
    };

    static const char  *node_help[2] = {
        "1 when every live worker has a ready connection to the node.",
        "Live workers with a ready connection to the node."
    };

    if (rmcf->clusters.nelts == 0) {
        return p;
    }

    m = ngx_http_rp_metrics();

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_redirects_total Redis Cluster redirections "
        "followed (MOVED, ASK).\n"
        "# TYPE rp_redis_redirects_total counter\n"
        "rp_redis_redirects_total{type=\"moved\"} %uA\n"
        "rp_redis_redirects_total{type=\"ask\"} %uA\n",
        m ? m->redirects_moved : 0, m ? m->redirects_ask : 0);

    p = ngx_http_rp_cluster_gauge(p, last, rmcf, views,
            "rp_redis_cluster_workers",
            "Live workers whose views of the cluster are combined below.", 0);
    p = ngx_http_rp_cluster_gauge(p, last, rmcf, views,
            "rp_redis_cluster_nodes_known",
            "Nodes in the slot map, the fewest over the workers.", 1);
    p = ngx_http_rp_cluster_gauge(p, last, rmcf, views,
            "rp_redis_cluster_nodes_connected",
            "Nodes a worker has a ready connection to, the fewest over "
            "the workers.", 2);
    p = ngx_http_rp_cluster_gauge(p, last, rmcf, views,
            "rp_redis_cluster_slots_covered",
            "Slots with a primary in the slot map, the fewest over the "
            "workers.", 3);
    p = ngx_http_rp_cluster_gauge(p, last, rmcf, views,
            "rp_redis_cluster_slot_map_age_seconds",
            "Time since the worker with the oldest slot map learned it.", 4);

    for (per = 0; per < 2; per++) {
        p = ngx_slprintf(p, last, "# HELP %s %s\n# TYPE %s gauge\n",
                         node_metrics[per], node_help[per],
                         node_metrics[per]);

        for (i = 0; i < rmcf->clusters.nelts; i++) {
            v = views[i];

            for (k = 0; k < v->nnodes; k++) {
                vn = &v->nodes[k];

                p = ngx_http_rp_cluster_label(p, last, node_metrics[per],
                                              v->cl);
                p = ngx_slprintf(p, last, "\",address=\"");
                p = ngx_http_rp_prom_escape(p, last, vn->addr, vn->addr_len);
                p = ngx_slprintf(p, last, "\",role=\"%s\"} %ui\n",
                                 ngx_http_rp_cluster_role_name(vn->role),
                                 per ? vn->ready
                                     : ngx_http_rp_cluster_vnode_up(v, vn));
            }
        }
    }

    return p;
}
