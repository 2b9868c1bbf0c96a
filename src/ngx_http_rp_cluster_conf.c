/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * rp_redis_cluster's seeds, resolved when the configuration is read as
 * rp_redis' address is (a worker never waits on DNS), and the cluster
 * object each location points to: one per distinct seed list, password,
 * connect timeout and replica_reads setting.
 */


#include "ngx_http_rp_cluster.h"
#include "ngx_http_rp_conf_redis.h"


static ngx_int_t ngx_http_rp_cluster_add_seeds(ngx_conf_t *cf,
    ngx_array_t *seeds, ngx_url_t *url);


char *
ngx_http_rp_cluster_directive(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    ngx_str_t   *value;
    ngx_url_t   *url;
    ngx_uint_t   i;

    if (rlcf->cluster_seeds != NULL) {
        return "is duplicate";
    }

    if (rlcf->redis_addr.data != NULL) {
        return "cannot be used with \"rp_redis\" in the same block: "
               "the store is one Redis or one cluster";
    }

    rlcf->cluster_seeds = ngx_array_create(cf->pool, cf->args->nelts,
                                           sizeof(ngx_http_rp_cluster_seed_t));
    if (rlcf->cluster_seeds == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_rp_conf_redis_resolve(cf, &value[i], &url) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        if (ngx_http_rp_cluster_add_seeds(cf, rlcf->cluster_seeds, url)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/* every address of a seed: a name may resolve to several nodes */

static ngx_int_t
ngx_http_rp_cluster_add_seeds(ngx_conf_t *cf, ngx_array_t *seeds,
    ngx_url_t *url)
{
    u_char                      *p;
    size_t                       len;
    ngx_uint_t                   i;
    struct sockaddr_un          *sun;
    ngx_http_rp_cluster_seed_t  *s;
    u_char                       text[NGX_SOCKADDR_STRLEN];

    for (i = 0; i < url->naddrs; i++) {
        s = ngx_array_push(seeds);
        if (s == NULL) {
            return NGX_ERROR;
        }

        if (url->addrs[i].sockaddr->sa_family == AF_UNIX) {
            sun = (struct sockaddr_un *) url->addrs[i].sockaddr;
            p = (u_char *) sun->sun_path;
            len = ngx_strlen(p);
            s->port = 0;

            s->addr.data = ngx_pnalloc(cf->pool, len + sizeof("unix:"));
            if (s->addr.data == NULL) {
                return NGX_ERROR;
            }

            s->addr.len = ngx_sprintf(s->addr.data, "unix:%*s", len, p)
                          - s->addr.data;

        } else {
            len = ngx_sock_ntop(url->addrs[i].sockaddr,
                                url->addrs[i].socklen, text,
                                NGX_SOCKADDR_STRLEN, 0);
            p = text;
            s->port = url->port;

            /* IP:PORT, as the cluster names its nodes */
            s->addr.data = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN);
            if (s->addr.data == NULL) {
                return NGX_ERROR;
            }

            s->addr.len = ngx_sock_ntop(url->addrs[i].sockaddr,
                                        url->addrs[i].socklen, s->addr.data,
                                        NGX_SOCKADDR_STRLEN, 1);
        }

        s->host.data = ngx_pnalloc(cf->pool, len + 1);
        if (s->host.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(s->host.data, p, len);
        s->host.data[len] = '\0';
        s->host.len = len;
    }

    return NGX_OK;
}


/*
 * rp_redis and rp_redis_cluster exclude each other: a block that sets one
 * inherits neither from the enclosing level. Called before the other
 * Redis settings are merged.
 */

void
ngx_http_rp_cluster_inherit(ngx_http_rp_loc_conf_t *prev,
    ngx_http_rp_loc_conf_t *conf)
{
    if (conf->cluster_seeds == NULL && conf->redis_addr.data == NULL) {
        conf->cluster_seeds = prev->cluster_seeds;
    }

    if (conf->cluster_seeds != NULL && conf->redis_addr.data == NULL) {
        /* not rp_redis of the enclosing level */
        conf->redis_addr.data = (u_char *) "";
        conf->redis_addr.len = 0;
    }

    ngx_conf_merge_value(conf->replica_reads, prev->replica_reads, 0);
}


/*
 * The location's cluster, once its settings are merged: shared with every
 * location that has the same ones.
 */

ngx_int_t
ngx_http_rp_cluster_merge(ngx_conf_t *cf, ngx_http_rp_loc_conf_t *conf)
{
    u_char                      *p;
    ngx_uint_t                   i;
    ngx_http_rp_cluster_t       *cl, **clp;
    ngx_http_rp_cluster_seed_t  *seed;
    ngx_http_rp_main_conf_t     *rmcf;

    if (conf->cluster_seeds == NULL) {
        return NGX_OK;
    }

    if (conf->redis_db != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_redis_db %i: a Redis Cluster has database 0 "
                           "only", conf->redis_db);
        return NGX_ERROR;
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rp_module);

    if (rmcf->clusters.elts == NULL
        && ngx_array_init(&rmcf->clusters, cf->pool, 2,
                          sizeof(ngx_http_rp_cluster_t *))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        cl = clp[i];

        if (cl->seeds == conf->cluster_seeds
            && cl->replica_reads == conf->replica_reads
            && cl->connect_timeout == conf->redis_connect_timeout
            && cl->password.len == conf->redis_password.len
            && ngx_strncmp(cl->password.data, conf->redis_password.data,
                           cl->password.len) == 0)
        {
            conf->cluster = cl;
            return NGX_OK;
        }
    }

    cl = ngx_pcalloc(cf->pool, sizeof(ngx_http_rp_cluster_t));
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->seeds = conf->cluster_seeds;
    cl->password = conf->redis_password;
    cl->connect_timeout = conf->redis_connect_timeout;
    cl->replica_reads = conf->replica_reads;

    /* the name in logs and labels: the seeds, space-separated */

    seed = cl->seeds->elts;
    cl->name.len = 0;

    for (i = 0; i < cl->seeds->nelts; i++) {
        cl->name.len += seed[i].addr.len + 1;
    }

    cl->name.data = ngx_pnalloc(cf->pool, cl->name.len);
    if (cl->name.data == NULL) {
        return NGX_ERROR;
    }

    p = cl->name.data;

    for (i = 0; i < cl->seeds->nelts; i++) {
        if (i) {
            *p++ = ' ';
        }

        p = ngx_cpymem(p, seed[i].addr.data, seed[i].addr.len);
    }

    cl->name.len = p - cl->name.data;

    clp = ngx_array_push(&rmcf->clusters);
    if (clp == NULL) {
        return NGX_ERROR;
    }

    *clp = cl;
    conf->cluster = cl;

    return NGX_OK;
}
