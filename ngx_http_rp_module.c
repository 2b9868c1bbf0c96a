/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * ngx_http_rp_module: repeat-purchase scoring inside nginx workers.
 * Directives, configuration, process hooks and variables; the request path
 * is in src/ngx_http_rp_handler.c, Redis in src/ngx_http_rp_redis.c.
 */


#include "ngx_http_rp_module.h"
#include "ngx_http_rp_conf_redis.h"
#include "ngx_http_rp_prom.h"
#include "rp_explain.h"
#include "ngx_http_rp_cluster.h"


#define NGX_HTTP_RP_CONNECT_TIMEOUT   100
#define NGX_HTTP_RP_TIMEOUT           20
#define NGX_HTTP_RP_MAX_BATCH         100


static ngx_int_t ngx_http_rp_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_rp_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_rp_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_rp_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_rp_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_rp_json_413(ngx_conf_t *cf);
static char *ngx_http_rp_model(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rp_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rp_handler(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_rp_model_cleanup(void *data);
static ngx_int_t ngx_http_rp_read_meta(ngx_conf_t *cf,
    ngx_http_rp_model_t *rm);
static ngx_int_t ngx_http_rp_init_process(ngx_cycle_t *cycle);
static void ngx_http_rp_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_rp_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_conf_enum_t  ngx_http_rp_fallbacks[] = {
    { ngx_string("default"), NGX_HTTP_RP_FALLBACK_DEFAULT },
    { ngx_string("503"), NGX_HTTP_RP_FALLBACK_503 },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_rp_explain_methods[] = {
    { ngx_string("tree_shap"), RP_EXPLAIN_TREE_SHAP },
    { ngx_string("saabas"), RP_EXPLAIN_SAABAS },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_rp_batch_bounds = {
    ngx_conf_check_num_bounds, 1, 100000
};


static ngx_conf_num_bounds_t  ngx_http_rp_db_bounds = {
    ngx_conf_check_num_bounds, 0, 65535
};


#define NGX_HTTP_RP_CONF                                                      \
    (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)

static ngx_command_t  ngx_http_rp_commands[] = {

    { ngx_string("rp_model"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_http_rp_model,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rp_redis"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_http_rp_redis,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rp_redis_password"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_http_rp_conf_redis_password,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, redis_password),
      NULL },

    { ngx_string("rp_redis_password_file"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_http_rp_conf_redis_password_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rp_redis_db"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, redis_db),
      &ngx_http_rp_db_bounds },

    { ngx_string("rp_redis_connect_timeout"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, redis_connect_timeout),
      NULL },

    { ngx_string("rp_redis_timeout"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, redis_timeout),
      NULL },

    { ngx_string("rp_max_batch"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, max_batch),
      &ngx_http_rp_batch_bounds },

    { ngx_string("rp_fallback"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, fallback),
      &ngx_http_rp_fallbacks },

    { ngx_string("rp_explain"),
      NGX_HTTP_RP_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, explain),
      &ngx_http_rp_explain_methods },

    { ngx_string("rp_redis_cluster"),
      NGX_HTTP_RP_CONF|NGX_CONF_1MORE,
      ngx_http_rp_cluster_directive,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rp_redis_replica_reads"),
      NGX_HTTP_RP_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rp_loc_conf_t, replica_reads),
      NULL },

    { ngx_string("rp_predict"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_PREDICT,
      NULL },

    { ngx_string("rp_predict_batch"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_BATCH,
      NULL },

    { ngx_string("rp_features"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_FEATURES,
      NULL },

    { ngx_string("rp_model_info"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_MODEL_INFO,
      NULL },

    { ngx_string("rp_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_HEALTH,
      NULL },

    { ngx_string("rp_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rp_handler,
      NGX_HTTP_LOC_CONF_OFFSET,
      NGX_HTTP_RP_EP_METRICS,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_rp_module_ctx = {
    ngx_http_rp_add_variables,             /* preconfiguration */
    ngx_http_rp_postconfiguration,         /* postconfiguration */

    ngx_http_rp_create_main_conf,          /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_rp_create_loc_conf,           /* create location configuration */
    ngx_http_rp_merge_loc_conf             /* merge location configuration */
};


ngx_module_t  ngx_http_rp_module = {
    NGX_MODULE_V1,
    &ngx_http_rp_module_ctx,               /* module context */
    ngx_http_rp_commands,                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_rp_init_process,              /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_rp_exit_process,              /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


#define NGX_HTTP_RP_VAR_PROBABILITY   0
#define NGX_HTTP_RP_VAR_VERSION       1
#define NGX_HTTP_RP_VAR_SOURCE        2
#define NGX_HTTP_RP_VAR_CONFIDENCE    3

static ngx_http_variable_t  ngx_http_rp_vars[] = {

    { ngx_string("rp_probability"), NULL, ngx_http_rp_variable,
      NGX_HTTP_RP_VAR_PROBABILITY, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("rp_model_version"), NULL, ngx_http_rp_variable,
      NGX_HTTP_RP_VAR_VERSION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("rp_features_source"), NULL, ngx_http_rp_variable,
      NGX_HTTP_RP_VAR_SOURCE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("rp_confidence"), NULL, ngx_http_rp_variable,
      NGX_HTTP_RP_VAR_CONFIDENCE, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_int_t
ngx_http_rp_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_rp_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_rp_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;
    ngx_http_rp_main_conf_t    *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rp_module);

    if (ngx_http_rp_metrics_add_zone(cf, rmcf) != NGX_OK
        || ngx_http_rp_prom_add_zone(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_rp_metrics_log;

    return NGX_OK;
}


static void *
ngx_http_rp_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_rp_main_conf_t  *rmcf;

    rmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rp_main_conf_t));
    if (rmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&rmcf->models, cf->pool, 2,
                       sizeof(ngx_http_rp_model_t *))
        != NGX_OK)
    {
        return NULL;
    }

    if (ngx_array_init(&rmcf->redis, cf->pool, 2,
                       sizeof(ngx_http_rp_redis_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return rmcf;
}


static void *
ngx_http_rp_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_rp_loc_conf_t  *rlcf;

    rlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rp_loc_conf_t));
    if (rlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rlcf->redis_addr = { 0, NULL };
     *     rlcf->redis = NULL;
     */

    rlcf->model = NGX_CONF_UNSET_PTR;
    rlcf->redis_password.data = NULL;
    rlcf->redis_db = NGX_CONF_UNSET;
    rlcf->redis_connect_timeout = NGX_CONF_UNSET_MSEC;
    rlcf->redis_timeout = NGX_CONF_UNSET_MSEC;
    rlcf->max_batch = NGX_CONF_UNSET_UINT;
    rlcf->fallback = NGX_CONF_UNSET_UINT;
    rlcf->endpoint = NGX_HTTP_RP_EP_NONE;
    rlcf->explain = NGX_CONF_UNSET_UINT;
    rlcf->replica_reads = NGX_CONF_UNSET;

    return rlcf;
}


static char *
ngx_http_rp_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_rp_loc_conf_t *prev = parent;
    ngx_http_rp_loc_conf_t *conf = child;

    ngx_uint_t                i;
    ngx_http_rp_redis_t      *redis, **redisp;
    ngx_http_rp_main_conf_t  *rmcf;

    ngx_conf_merge_ptr_value(conf->model, prev->model, NULL);
    ngx_http_rp_cluster_inherit(prev, conf);

    if (conf->redis_addr.data == NULL) {
        conf->redis_url = prev->redis_url;
    }

    ngx_conf_merge_str_value(conf->redis_addr, prev->redis_addr, "");
    ngx_conf_merge_str_value(conf->redis_password, prev->redis_password, "");
    ngx_conf_merge_value(conf->redis_db, prev->redis_db, 0);
    ngx_conf_merge_msec_value(conf->redis_connect_timeout,
                              prev->redis_connect_timeout,
                              NGX_HTTP_RP_CONNECT_TIMEOUT);
    ngx_conf_merge_msec_value(conf->redis_timeout, prev->redis_timeout,
                              NGX_HTTP_RP_TIMEOUT);
    ngx_conf_merge_uint_value(conf->max_batch, prev->max_batch,
                              NGX_HTTP_RP_MAX_BATCH);
    ngx_conf_merge_uint_value(conf->fallback, prev->fallback,
                              NGX_HTTP_RP_FALLBACK_DEFAULT);
    ngx_conf_merge_uint_value(conf->explain, prev->explain,
                              RP_EXPLAIN_TREE_SHAP);

    if (ngx_http_rp_cluster_merge(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->endpoint == NGX_HTTP_RP_EP_PREDICT
        || conf->endpoint == NGX_HTTP_RP_EP_BATCH
        || conf->endpoint == NGX_HTTP_RP_EP_MODEL_INFO)
    {
        if (conf->model == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "rp: a location with an rp handler needs "
                               "\"rp_model\"");
            return NGX_CONF_ERROR;
        }
    }

    if ((conf->endpoint == NGX_HTTP_RP_EP_PREDICT
         || conf->endpoint == NGX_HTTP_RP_EP_BATCH)
        && ngx_http_rp_json_413(cf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->endpoint == NGX_HTTP_RP_EP_PREDICT
        || conf->endpoint == NGX_HTTP_RP_EP_BATCH
        || conf->endpoint == NGX_HTTP_RP_EP_FEATURES)
    {
        if (conf->redis_addr.len == 0 && conf->cluster == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "rp: a location with an rp handler needs "
                               "\"rp_redis\" or \"rp_redis_cluster\"");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->redis_addr.len == 0) {
        return NGX_CONF_OK;
    }

    /* one connection per distinct address, password and database */

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rp_module);

    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts; i++) {
        redis = redisp[i];

        if (redis->db == conf->redis_db
            && redis->addr.len == conf->redis_addr.len
            && ngx_strncmp(redis->addr.data, conf->redis_addr.data,
                           redis->addr.len) == 0
            && redis->password.len == conf->redis_password.len
            && ngx_strncmp(redis->password.data, conf->redis_password.data,
                           redis->password.len) == 0)
        {
            conf->redis = redis;
            return NGX_CONF_OK;
        }
    }

    redis = ngx_pcalloc(cf->pool, sizeof(ngx_http_rp_redis_t));
    if (redis == NULL) {
        return NGX_CONF_ERROR;
    }

    redis->addr = conf->redis_addr;
    redis->password = conf->redis_password;
    redis->db = conf->redis_db;
    redis->connect_timeout = conf->redis_connect_timeout;

    if (ngx_http_rp_conf_redis_addrs(cf, redis, conf->redis_url) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    redisp = ngx_array_push(&rmcf->redis);
    if (redisp == NULL) {
        return NGX_CONF_ERROR;
    }

    *redisp = redis;
    conf->redis = redis;

    return NGX_CONF_OK;
}


/*
 * A body over client_max_body_size is refused by nginx itself, sometimes
 * before the handler reads a byte (a Content-Length too large) and
 * sometimes while the body streams in (chunked), with its HTML page. The
 * body readers' locations get "error_page 413 =413 $uri": the request
 * comes back to the same location as a GET with err_status 413, and the
 * handler answers JSON. An error_page 413 of the configuration wins.
 */

static ngx_int_t
ngx_http_rp_json_413(ngx_conf_t *cf)
{
    ngx_uint_t                         i, n;
    ngx_array_t                       *pages;
    ngx_http_err_page_t               *ep, *err;
    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_compile_complex_value_t   ccv;

    static ngx_str_t  uri = ngx_string("$uri");

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    n = clcf->error_pages ? clcf->error_pages->nelts : 0;
    ep = n ? clcf->error_pages->elts : NULL;

    for (i = 0; i < n; i++) {
        if (ep[i].status == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
            return NGX_OK;
        }
    }

    /* a copy: the array may be the enclosing level's, shared */

    pages = ngx_array_create(cf->pool, n + 1, sizeof(ngx_http_err_page_t));
    if (pages == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        err = ngx_array_push(pages);
        if (err == NULL) {
            return NGX_ERROR;
        }

        *err = ep[i];
    }

    err = ngx_array_push(pages);
    if (err == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(err, sizeof(ngx_http_err_page_t));

    err->status = NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    err->overwrite = NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &uri;
    ccv.complex_value = &err->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_ERROR;
    }

    clcf->error_pages = pages;

    return NGX_OK;
}


static char *
ngx_http_rp_model(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    char                      err[RP_ERR_MAX];
    ngx_str_t                *value, path;
    ngx_uint_t                i;
    ngx_pool_cleanup_t       *cln;
    ngx_http_rp_model_t      *rm, **rmp;
    ngx_http_rp_main_conf_t  *rmcf;

    if (rlcf->model != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rp_module);

    /* identical paths share one mapping */

    rmp = rmcf->models.elts;

    for (i = 0; i < rmcf->models.nelts; i++) {
        if (rmp[i]->path.len == path.len
            && ngx_strncmp(rmp[i]->path.data, path.data, path.len) == 0)
        {
            rlcf->model = rmp[i];
            return NGX_CONF_OK;
        }
    }

    rm = ngx_pcalloc(cf->pool, sizeof(ngx_http_rp_model_t));
    if (rm == NULL) {
        return NGX_CONF_ERROR;
    }

    rm->path = path;

    /* path from ngx_conf_full_name() is NUL-terminated */

    if (rp_model_open(&rm->model, (char *) path.data, err, sizeof(err)) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_model \"%V\": %s", &path, err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        rp_model_close(&rm->model);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_rp_model_cleanup;
    cln->data = rm;

    if (ngx_http_rp_read_meta(cf, rm) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rmp = ngx_array_push(&rmcf->models);
    if (rmp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rmp = rm;
    rlcf->model = rm;

    return NGX_CONF_OK;
}


static void
ngx_http_rp_model_cleanup(void *data)
{
    ngx_http_rp_model_t  *rm = data;

    rp_model_close(&rm->model);
}


/*
 * model.json beside the model file (PATH with ".rpf" replaced by ".json",
 * or PATH.json): optional; when present it must be a JSON object, and it
 * is kept verbatim (compacted) for /model/info.
 */

static ngx_int_t
ngx_http_rp_read_meta(ngx_conf_t *cf, ngx_http_rp_model_t *rm)
{
    char             *text;
    size_t            n;
    cJSON            *json;
    ssize_t           got;
    ngx_fd_t          fd;
    ngx_err_t         err;
    ngx_str_t         mp;
    ngx_file_info_t   fi;

    mp.len = rm->path.len + sizeof(".json");
    mp.data = ngx_pnalloc(cf->pool, mp.len);
    if (mp.data == NULL) {
        return NGX_ERROR;
    }

    n = rm->path.len;

    if (n > 4 && ngx_strncmp(rm->path.data + n - 4, ".rpf", 4) == 0) {
        n -= 4;
    }

    mp.len = ngx_sprintf(mp.data, "%*s.json%Z", n, rm->path.data) - mp.data
             - 1;
    rm->meta_path = mp;

    fd = ngx_open_file(mp.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        if (err != NGX_ENOENT) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, err,
                               "rp_model: cannot open \"%V\"", &mp);
        }
        return NGX_OK;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || ngx_file_size(&fi) > 1024 * 1024)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "rp_model: \"%V\" is unreadable or over 1 MiB",
                           &mp);
        ngx_close_file(fd);
        return NGX_ERROR;
    }

    n = (size_t) ngx_file_size(&fi);

    text = ngx_pnalloc(cf->temp_pool, n + 1);
    if (text == NULL) {
        ngx_close_file(fd);
        return NGX_ERROR;
    }

    got = ngx_read_fd(fd, text, n);
    ngx_close_file(fd);

    if (got < 0 || (size_t) got != n) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "rp_model: cannot read \"%V\"", &mp);
        return NGX_ERROR;
    }

    text[n] = '\0';

    json = cJSON_Parse(text);
    if (json == NULL || !cJSON_IsObject(json)) {
        cJSON_Delete(json);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_model: \"%V\" is not a JSON object", &mp);
        return NGX_ERROR;
    }

    /* compact it in place: it shrinks or stays */

    cJSON_Delete(json);
    cJSON_Minify(text);

    n = ngx_strlen(text);
    rm->meta.data = ngx_pnalloc(cf->pool, n);
    if (rm->meta.data == NULL) {
        return NGX_ERROR;
    }

    rm->meta.len = n;
    ngx_memcpy(rm->meta.data, text, n);

    return NGX_OK;
}


static char *
ngx_http_rp_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    ngx_str_t  *value;

    if (rlcf->redis_addr.data != NULL) {
        return "is duplicate";
    }

    if (rlcf->cluster_seeds != NULL) {
        return "cannot be used with \"rp_redis_cluster\" in the same block: "
               "the store is one Redis or one cluster";
    }

    value = cf->args->elts;

    /* resolved now, in the master; nginx -t reports a bad address */

    if (ngx_http_rp_conf_redis_resolve(cf, &value[1], &rlcf->redis_url)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    rlcf->redis_addr = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_rp_handler(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (rlcf->endpoint != NGX_HTTP_RP_EP_NONE) {
        return "is duplicate: a location has one rp handler";
    }

    rlcf->endpoint = cmd->offset;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_rp_content_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_rp_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                i;
    ngx_http_rp_redis_t     **redisp;
    ngx_http_rp_cluster_t   **clp;
    ngx_http_rp_main_conf_t  *rmcf;

    /*
     * Redis is for workers only (the cache manager and loader run
     * init_process too), and an unreachable Redis must not fail here: a
     * worker whose init_process fails exits with a fatal code and the
     * master does not respawn it. The connection is made from the event
     * loop and retried with backoff instead.
     */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rp_module);
    if (rmcf == NULL) {
        return NGX_OK;
    }

    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts; i++) {
        ngx_http_rp_redis_start(redisp[i], cycle);
    }

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        ngx_http_rp_cluster_start(clp[i], cycle);
    }

    return NGX_OK;
}


static void
ngx_http_rp_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                i;
    ngx_http_rp_redis_t     **redisp;
    ngx_http_rp_cluster_t   **clp;
    ngx_http_rp_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rp_module);
    if (rmcf == NULL) {
        return;
    }

    redisp = rmcf->redis.elts;

    for (i = 0; i < rmcf->redis.nelts; i++) {
        ngx_http_rp_redis_stop(redisp[i]);
    }

    clp = rmcf->clusters.elts;

    for (i = 0; i < rmcf->clusters.nelts; i++) {
        ngx_http_rp_cluster_stop(clp[i]);
    }

    ngx_http_rp_prom_worker_exit(cycle);
}


static ngx_int_t
ngx_http_rp_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                  *p;
    const char              *s;
    ngx_http_rp_ctx_t       *ctx;
    ngx_http_rp_item_t      *it;
    ngx_http_rp_loc_conf_t  *rlcf;

    v->not_found = 1;

    rlcf = ngx_http_get_module_loc_conf(r, ngx_http_rp_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_rp_module);

    if (data == NGX_HTTP_RP_VAR_VERSION) {
        if (rlcf->model == NULL) {
            return NGX_OK;
        }

        s = rlcf->model->model.hdr->version;
        goto string;
    }

    if (ctx == NULL || !ctx->done || ctx->nitems != 1
        || ctx->endpoint != NGX_HTTP_RP_EP_PREDICT)
    {
        return NGX_OK;
    }

    it = &ctx->items[0];

    switch (data) {

    case NGX_HTTP_RP_VAR_PROBABILITY:
        p = ngx_pnalloc(r->pool, 32);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_http_rp_json_double(p, p + 32, it->prob) - p;
        v->data = p;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;
        return NGX_OK;

    case NGX_HTTP_RP_VAR_SOURCE:
        s = ngx_http_rp_source_name(it->source);
        goto string;

    default: /* NGX_HTTP_RP_VAR_CONFIDENCE */
        s = rp_confidence(it->prob);
        goto string;
    }

string:

    v->len = ngx_strlen(s);
    v->data = (u_char *) s;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
