/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * ngx_http_rp_build.c: the module's build information (see
 * ngx_http_rp_build.h).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <nginx.h>

#include "ngx_http_rp_module.h"
#include "ngx_http_rp_build.h"
#include "ngx_http_rp_prom.h"
#include "rp_version.h"

#ifndef NGX_COMPILER
#define NGX_COMPILER  "unknown"
#endif

#ifndef NGX_CONFIGURE
#define NGX_CONFIGURE  ""
#endif

/*
 * The scorer's vector paths exist on x86 with GCC or clang (the same
 * condition as in rp_model_kernels.h); which one runs is chosen from the CPU
 * when a model loads, as reported here.
 */
#if (defined(__x86_64__) || defined(__i386__)) \
    && (defined(__GNUC__) || defined(__clang__))
#define RP_BUILD_SIMD  "[\"portable\",\"avx2\",\"avx512\"]"
#define RP_BUILD_X86   1
#else
#define RP_BUILD_SIMD  "[\"portable\"]"
#endif


static const char *
ngx_http_rp_build_cpu(void)
{
#ifdef RP_BUILD_X86
    __builtin_cpu_init();

    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
        && __builtin_cpu_supports("avx2"))
    {
        return "avx512";
    }

    if (__builtin_cpu_supports("avx2")) {
        return "avx2";
    }
#endif

    return "portable";
}


size_t
ngx_http_rp_build_json_len(void)
{
    return sizeof(",\"build\":{\"version\":,\"nginx_version\":,\"compiler\":"
                  ",\"configure\":,\"simd_compiled\":,\"simd_cpu\":\"\"}")
           + ngx_http_rp_json_str_len((u_char *) rp_version(),
                                      ngx_strlen(rp_version()))
           + ngx_http_rp_json_str_len((u_char *) NGINX_VERSION,
                                      sizeof(NGINX_VERSION) - 1)
           + ngx_http_rp_json_str_len((u_char *) NGX_COMPILER,
                                      sizeof(NGX_COMPILER) - 1)
           + ngx_http_rp_json_str_len((u_char *) NGX_CONFIGURE,
                                      sizeof(NGX_CONFIGURE) - 1)
           + sizeof(RP_BUILD_SIMD) + sizeof("portable");
}


u_char *
ngx_http_rp_build_json(u_char *p, u_char *last)
{
    p = ngx_slprintf(p, last, ",\"build\":{\"version\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) rp_version(),
                             ngx_strlen(rp_version()));
    p = ngx_slprintf(p, last, ",\"nginx_version\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) NGINX_VERSION,
                             sizeof(NGINX_VERSION) - 1);
    p = ngx_slprintf(p, last, ",\"compiler\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) NGX_COMPILER,
                             sizeof(NGX_COMPILER) - 1);
    p = ngx_slprintf(p, last, ",\"configure\":");
    p = ngx_http_rp_json_str(p, last, (u_char *) NGX_CONFIGURE,
                             sizeof(NGX_CONFIGURE) - 1);

    return ngx_slprintf(p, last, ",\"simd_compiled\":%s,\"simd_cpu\":\"%s\"}",
                        RP_BUILD_SIMD, ngx_http_rp_build_cpu());
}


/* the same strings as labels of rp_build_info (configure is left out) */

size_t
ngx_http_rp_build_prom_len(void)
{
    return sizeof("# HELP rp_build_info How the rp module was built.\n"
                  "# TYPE rp_build_info gauge\n"
                  "rp_build_info{version=\"\",nginx_version=\"\","
                  "compiler=\"\",simd_cpu=\"\"} 1\n")
           + 2 * ngx_strlen(rp_version()) + 2 * sizeof(NGINX_VERSION)
           + 2 * sizeof(NGX_COMPILER) + sizeof("portable");
}


u_char *
ngx_http_rp_build_prom(u_char *p, u_char *last)
{
    p = ngx_slprintf(p, last, "# HELP rp_build_info How the rp module was "
                     "built.\n# TYPE rp_build_info gauge\n"
                     "rp_build_info{version=\"");
    p = ngx_http_rp_prom_escape(p, last, (u_char *) rp_version(),
                                ngx_strlen(rp_version()));
    p = ngx_slprintf(p, last, "\",nginx_version=\"");
    p = ngx_http_rp_prom_escape(p, last, (u_char *) NGINX_VERSION,
                                sizeof(NGINX_VERSION) - 1);
    p = ngx_slprintf(p, last, "\",compiler=\"");
    p = ngx_http_rp_prom_escape(p, last, (u_char *) NGX_COMPILER,
                                sizeof(NGX_COMPILER) - 1);

    return ngx_slprintf(p, last, "\",simd_cpu=\"%s\"} 1\n",
                        ngx_http_rp_build_cpu());
}
