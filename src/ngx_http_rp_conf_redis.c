/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 *
 * rp_redis's address and the password directives (see
 * ngx_http_rp_conf_redis.h).
 *
 * hiredis resolves a hostname with a blocking getaddrinfo(), which in a
 * worker would stall every request it serves. nginx's own proxy_pass and
 * upstream resolve names when the configuration is read, in the master;
 * rp_redis does the same and hands hiredis numeric addresses only. A name
 * whose addresses change is therefore followed on reload, not before.
 */


#include "ngx_http_rp_conf_redis.h"

#include <sys/stat.h>


/* a password file is a secret of a few dozen bytes, never megabytes */
#define NGX_HTTP_RP_PASSWORD_MAX  4096


ngx_int_t
ngx_http_rp_conf_redis_resolve(ngx_conf_t *cf, ngx_str_t *addr,
    ngx_url_t **url)
{
    ngx_url_t  *u;
    ngx_str_t  *name;

    /* the directive's name: rp_redis, or rp_redis_cluster for a seed */
    name = cf->args->elts;

    u = ngx_pcalloc(cf->pool, sizeof(ngx_url_t));
    if (u == NULL) {
        return NGX_ERROR;
    }

    u->url = *addr;
    u->default_port = NGX_HTTP_RP_REDIS_PORT;

    if (ngx_parse_url(cf->pool, u) != NGX_OK) {
        if (u->err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%V \"%V\": %s", name, addr, u->err);
        }

        return NGX_ERROR;
    }

    if (u->uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\": expected HOST[:PORT] or "
                           "unix:PATH", name, addr);
        return NGX_ERROR;
    }

    if (u->naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%V \"%V\": no address found", name, addr);
        return NGX_ERROR;
    }

    *url = u;

    return NGX_OK;
}


ngx_int_t
ngx_http_rp_conf_redis_addrs(ngx_conf_t *cf, ngx_http_rp_redis_t *redis,
    ngx_url_t *url)
{
    u_char              *p;
    size_t               len;
    ngx_uint_t           i;
    struct sockaddr_un  *sun;
    u_char               text[NGX_SOCKADDR_STRLEN];

    redis->hosts = ngx_pcalloc(cf->pool, url->naddrs * sizeof(ngx_str_t));
    if (redis->hosts == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < url->naddrs; i++) {

        if (url->addrs[i].sockaddr->sa_family == AF_UNIX) {
            sun = (struct sockaddr_un *) url->addrs[i].sockaddr;
            p = (u_char *) sun->sun_path;
            len = ngx_strlen(p);

        } else {
            /* numeric, without the port: hiredis takes it apart */
            len = ngx_sock_ntop(url->addrs[i].sockaddr,
                                url->addrs[i].socklen, text,
                                NGX_SOCKADDR_STRLEN, 0);
            p = text;
        }

        redis->hosts[i].data = ngx_pnalloc(cf->pool, len + 1);
        if (redis->hosts[i].data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(redis->hosts[i].data, p, len);
        redis->hosts[i].data[len] = '\0';
        redis->hosts[i].len = len;
    }

    redis->nhosts = url->naddrs;
    redis->cur_host = 0;
    redis->host = redis->hosts[0];
    redis->port = (url->family == AF_UNIX) ? 0 : url->port;

    return NGX_OK;
}


void
ngx_http_rp_redis_next_addr(ngx_http_rp_redis_t *redis)
{
    if (redis->nhosts > 1) {
        redis->cur_host = (redis->cur_host + 1) % redis->nhosts;
        redis->host = redis->hosts[redis->cur_host];
    }
}


/*
 * The errno in nginx's own form, "connect() failed (111: Connection
 * refused)", when hiredis' message is that errno's text; otherwise (an
 * error of hiredis itself, or errno changed meanwhile) hiredis' message.
 */

void
ngx_http_rp_redis_connect_failed(ngx_http_rp_redis_t *redis, ngx_err_t err,
    const char *errstr)
{
    u_char  *p;
    u_char   buf[NGX_MAX_ERROR_STR];

    if (errstr == NULL) {
        errstr = "error";
    }

    if (err != 0) {
        p = ngx_strerror(err, buf, sizeof(buf) - 1);
        *p = '\0';

        if (ngx_strcmp(buf, errstr) != 0) {
            err = 0;
        }
    }

    if (err != 0) {
        ngx_log_error(NGX_LOG_ERR, redis->log, err,
                      "rp: redis \"%V\": connect() to %V failed",
                      &redis->addr, &redis->host);

    } else {
        ngx_log_error(NGX_LOG_ERR, redis->log, 0,
                      "rp: redis \"%V\": connect() to %V failed: %s",
                      &redis->addr, &redis->host, errstr);
    }

    ngx_http_rp_redis_next_addr(redis);
}


char *
ngx_http_rp_conf_redis_password(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    if (rlcf->redis_password_file.data != NULL) {
        return "cannot be used with \"rp_redis_password_file\" in the "
               "same block";
    }

    return ngx_conf_set_str_slot(cf, cmd, conf);
}


/*
 * Read here, by the master, as root on a packaged nginx: the file can be
 * mode 0600 and owned by root while the workers run as www-data.
 */

char *
ngx_http_rp_conf_redis_password_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_rp_loc_conf_t *rlcf = conf;

    u_char           *buf;
    size_t            len;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_str_t        *value, path;
    ngx_file_info_t   fi;

    if (rlcf->redis_password_file.data != NULL) {
        return "is duplicate";
    }

    if (rlcf->redis_password.data != NULL) {
        return "cannot be used with \"rp_redis_password\" in the same block";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "rp_redis_password_file \"%V\": cannot open",
                           &path);
        return NGX_CONF_ERROR;
    }

    buf = NULL;
    n = 0;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "rp_redis_password_file \"%V\": cannot stat",
                           &path);
        goto failed;
    }

    if (!ngx_is_file(&fi) || ngx_file_size(&fi) > NGX_HTTP_RP_PASSWORD_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_redis_password_file \"%V\": not a regular "
                           "file of at most %d bytes", &path,
                           NGX_HTTP_RP_PASSWORD_MAX);
        goto failed;
    }

    if (fi.st_mode & S_IROTH) {
        /* nginx's formats have no %o */
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "rp_redis_password_file \"%V\" is readable by "
                           "every user (mode %d%d%d): make it 0600 or 0640",
                           &path, (int) (fi.st_mode >> 6) & 7,
                           (int) (fi.st_mode >> 3) & 7,
                           (int) fi.st_mode & 7);
    }

    buf = ngx_pnalloc(cf->pool, NGX_HTTP_RP_PASSWORD_MAX + 1);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, buf, NGX_HTTP_RP_PASSWORD_MAX + 1);
    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "rp_redis_password_file \"%V\": cannot read",
                           &path);
        goto failed;
    }

    ngx_close_file(fd);

    len = (size_t) n;

    /* the newline an editor or `echo` leaves is not part of the secret */

    if (len && buf[len - 1] == '\n') {
        len--;

        if (len && buf[len - 1] == '\r') {
            len--;
        }
    }

    if (len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_redis_password_file \"%V\" is empty", &path);
        return NGX_CONF_ERROR;
    }

    if (len > NGX_HTTP_RP_PASSWORD_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "rp_redis_password_file \"%V\": longer than %d "
                           "bytes", &path, NGX_HTTP_RP_PASSWORD_MAX);
        return NGX_CONF_ERROR;
    }

    rlcf->redis_password.data = buf;
    rlcf->redis_password.len = len;
    rlcf->redis_password_file = path;

    return NGX_CONF_OK;

failed:

    ngx_close_file(fd);

    return NGX_CONF_ERROR;
}
