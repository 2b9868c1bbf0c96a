/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * A cluster in GET / (the "cluster" object) and in /metrics. The
 * redirects are counted in the shared metrics zone, by every worker; the
 * nodes, their connections and the map are the answering worker's own
 * view (each worker learns the map and connects by itself).
 */


#include "ngx_http_rp_cluster.h"
#include "ngx_http_rp_prom.h"


static const char *ngx_http_rp_cluster_role_name(ngx_uint_t role);
static void ngx_http_rp_cluster_counts(ngx_http_rp_cluster_t *cl,
    ngx_uint_t *known, ngx_uint_t *connected);


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


/* nodes in the latest map, and nodes with a ready connection */

static void
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


size_t
ngx_http_rp_cluster_health_len(ngx_http_rp_cluster_t *cl)
{
    size_t      len;
    ngx_uint_t  i;

    len = sizeof(",\"cluster\":{\"nodes_known\":,\"nodes_connected\":"
                 ",\"slots_covered\":,\"slot_map_age_seconds\":"
                 ",\"redirects\":{\"moved\":,\"ask\":},\"nodes\":[]}")
          + 5 * NGX_ATOMIC_T_LEN;

    for (i = 0; i < cl->nnodes; i++) {
        len += sizeof("{\"address\":,\"role\":\"unmapped\",\"up\":false"
                      ",\"connection\":\"not_opened\"},")
               + ngx_http_rp_json_str_len(cl->nodes[i]->redis.addr.data,
                                          cl->nodes[i]->redis.addr.len);
    }

    return len;
}


u_char *
ngx_http_rp_cluster_health(u_char *p, u_char *last,
    ngx_http_rp_cluster_t *cl)
{
    ngx_uint_t                   i, known, connected, up;
    ngx_http_rp_metrics_t       *m;
    ngx_http_rp_cluster_node_t  *n;

    ngx_http_rp_cluster_counts(cl, &known, &connected);
    m = ngx_http_rp_metrics();

    p = ngx_slprintf(p, last, ",\"cluster\":{\"nodes_known\":%ui"
                     ",\"nodes_connected\":%ui,\"slots_covered\":%ui"
                     ",\"slot_map_age_seconds\":",
                     known, connected, cl->covered);

    if (cl->map_time) {
        p = ngx_slprintf(p, last, "%T", ngx_time() - cl->map_time);

    } else {
        p = ngx_slprintf(p, last, "null");
    }

    p = ngx_slprintf(p, last, ",\"redirects\":{\"moved\":%uA,\"ask\":%uA}"
                     ",\"nodes\":[",
                     m ? m->redirects_moved : 0, m ? m->redirects_ask : 0);

    for (i = 0; i < cl->nnodes; i++) {
        n = cl->nodes[i];
        up = n->opened && n->redis.state == NGX_HTTP_RP_REDIS_READY;

        p = ngx_slprintf(p, last, "%s{\"address\":", i ? "," : "");
        p = ngx_http_rp_json_str(p, last, n->redis.addr.data,
                                 n->redis.addr.len);
        p = ngx_slprintf(p, last, ",\"role\":\"%s\",\"up\":%s"
                         ",\"connection\":\"%s\"}",
                         ngx_http_rp_cluster_role_name(n->role),
                         up ? "true" : "false",
                         n->opened ? ngx_http_rp_redis_state_name(&n->redis)
                                   : "not_opened");
    }

    return ngx_slprintf(p, last, "]}");
}


size_t
ngx_http_rp_cluster_prom_len(ngx_http_rp_main_conf_t *rmcf)
{
    size_t                  len;
    ngx_uint_t              i;
    ngx_http_rp_cluster_t **clp;

    if (rmcf->clusters.nelts == 0) {
        return 0;
    }

    len = 2048;
    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        len += (4 + clp[i]->nnodes) * (128 + 2 * clp[i]->name.len
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


u_char *
ngx_http_rp_cluster_prom(u_char *p, u_char *last,
    ngx_http_rp_main_conf_t *rmcf)
{
    ngx_uint_t                   i, k, known, connected;
    ngx_http_rp_metrics_t       *m;
    ngx_http_rp_cluster_t      **clp, *cl;
    ngx_http_rp_cluster_node_t  *n;

    if (rmcf->clusters.nelts == 0) {
        return p;
    }

    m = ngx_http_rp_metrics();
    clp = rmcf->clusters.elts;

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_redirects_total Redis Cluster redirections "
        "followed (MOVED, ASK).\n"
        "# TYPE rp_redis_redirects_total counter\n"
        "rp_redis_redirects_total{type=\"moved\"} %uA\n"
        "rp_redis_redirects_total{type=\"ask\"} %uA\n",
        m ? m->redirects_moved : 0, m ? m->redirects_ask : 0);

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_cluster_nodes_known Nodes in the slot map of the "
        "worker that answers.\n"
        "# TYPE rp_redis_cluster_nodes_known gauge\n");

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        cl = clp[i];
        ngx_http_rp_cluster_counts(cl, &known, &connected);
        p = ngx_http_rp_cluster_label(p, last,
                                      "rp_redis_cluster_nodes_known", cl);
        p = ngx_slprintf(p, last, "\"} %ui\n", known);
    }

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_cluster_nodes_connected Nodes the worker that "
        "answers has a ready connection to.\n"
        "# TYPE rp_redis_cluster_nodes_connected gauge\n");

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        cl = clp[i];
        ngx_http_rp_cluster_counts(cl, &known, &connected);
        p = ngx_http_rp_cluster_label(p, last,
                                      "rp_redis_cluster_nodes_connected", cl);
        p = ngx_slprintf(p, last, "\"} %ui\n", connected);
    }

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_cluster_slots_covered Slots with a primary in the "
        "slot map of the worker that answers.\n"
        "# TYPE rp_redis_cluster_slots_covered gauge\n");

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        p = ngx_http_rp_cluster_label(p, last,
                                      "rp_redis_cluster_slots_covered",
                                      clp[i]);
        p = ngx_slprintf(p, last, "\"} %ui\n", clp[i]->covered);
    }

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_cluster_slot_map_age_seconds Time since the "
        "worker that answers last learned the slot map.\n"
        "# TYPE rp_redis_cluster_slot_map_age_seconds gauge\n");

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        if (clp[i]->map_time == 0) {
            continue;
        }

        p = ngx_http_rp_cluster_label(p, last,
                                      "rp_redis_cluster_slot_map_age_seconds",
                                      clp[i]);
        p = ngx_slprintf(p, last, "\"} %T\n", ngx_time() - clp[i]->map_time);
    }

    p = ngx_slprintf(p, last,
        "# HELP rp_redis_cluster_node_up 1 when the worker that answers "
        "has a ready connection to the node.\n"
        "# TYPE rp_redis_cluster_node_up gauge\n");

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        cl = clp[i];

        for (k = 0; k < cl->nnodes; k++) {
            n = cl->nodes[k];

            p = ngx_http_rp_cluster_label(p, last,
                                          "rp_redis_cluster_node_up", cl);
            p = ngx_slprintf(p, last, "\",address=\"");
            p = ngx_http_rp_prom_escape(p, last, n->redis.addr.data,
                                        n->redis.addr.len);
            p = ngx_slprintf(p, last, "\",role=\"%s\"} %d\n",
                             ngx_http_rp_cluster_role_name(n->role),
                             n->opened
                             && n->redis.state == NGX_HTTP_RP_REDIS_READY);
        }
    }

    return p;
}
