/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * ngx_http_rp_build.h: how this module was built, for GET /model/info.
 */

#ifndef NGX_HTTP_RP_BUILD_H
#define NGX_HTTP_RP_BUILD_H

#include <ngx_config.h>
#include <ngx_core.h>

/* bytes ngx_http_rp_build_json() writes at most */
size_t ngx_http_rp_build_json_len(void);

/*
 * Writes ,"build":{...}: rp's version, the nginx version the module was
 * compiled against, the compiler, nginx's configure arguments (the module's
 * CFLAGS and LDFLAGS are in --with-cc-opt / --with-ld-opt), the scorer
 * paths compiled in and the one this CPU uses: what `nginx -V` tells about
 * nginx itself.
 */
u_char *ngx_http_rp_build_json(u_char *p, u_char *last);

#endif /* NGX_HTTP_RP_BUILD_H */
