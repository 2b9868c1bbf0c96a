/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_tool.c: integer values, HOST:PORT and clocks for the programs (see
 * rp_tool.h).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp_tool.h"


int
rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char       *end;
    long long   v;

    if (s == NULL || *s == '\0') {
        return -1;
    }

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        return -1;
    }

    *out = v;
    return 0;
}


int
rp_parse_hostport(const char *s, char *host, size_t hostlen, int *port)
{
    const char  *colon;
    size_t       hlen;
    int64_t      p;

    colon = strrchr(s, ':');
    if (colon == NULL || colon == s) {
        return -1;
    }

    hlen = (size_t) (colon - s);
    if (hlen >= hostlen || rp_parse_i64(colon + 1, 1, 65535, &p) != 0) {
        return -1;
    }

    /* "[::1]:6379": an IPv6 literal without its brackets */
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
        s++;
        hlen -= 2;
    }

    memcpy(host, s, hlen);
    host[hlen] = '\0';
    *port = (int) p;
    return 0;
}


double
rp_clock_sec(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}


int64_t
rp_clock_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


int64_t
rp_wall_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
