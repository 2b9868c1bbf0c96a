/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_tool.c: the command line, integer values, HOST:PORT and clocks for
 * the programs (see rp_tool.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
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


/*
 * The long option an argument "--name[=value]" names: its index, -1 when
 * none, -2 when the name is the prefix of several (getopt_long's rules:
 * an exact name wins over prefixes).
 */
static int
rp_opt_lookup(const struct option *longopts, const char *arg)
{
    int          i, found = -1;
    size_t       len;
    const char  *eq;

    arg += 2;
    eq = strchr(arg, '=');
    len = eq != NULL ? (size_t) (eq - arg) : strlen(arg);

    for (i = 0; longopts != NULL && longopts[i].name != NULL; i++) {
        if (strncmp(longopts[i].name, arg, len) != 0) {
            continue;
        }
        if (longopts[i].name[len] == '\0') {
            return i;
        }
        found = found == -1 ? i : -2;
    }

    return found;
}


/* Names the option of the error getopt_long just reported. */
static int
rp_opt_error(rp_opt_t *p, int c, char **argv, const struct option *longopts)
{
    int          i;
    const char  *arg;

    /*
     * A long option always takes its whole argument, and getopt_long has
     * moved past it; a short one is named by optopt (it may sit in a
     * cluster such as -qz, and past the previous argument).
     */
    arg = argv[optind - 1];
    i = strncmp(arg, "--", 2) == 0 ? rp_opt_lookup(longopts, arg) : -1;

    if (c == ':') {
        if (i >= 0 && longopts[i].val == optopt) {
            snprintf(p->err, sizeof(p->err), "option \"--%s\" needs a value",
                     longopts[i].name);
        } else {
            snprintf(p->err, sizeof(p->err), "option \"-%c\" needs a value",
                     optopt);
        }
        return '?';
    }

    if (optopt == 0 && i == -2) {
        snprintf(p->err, sizeof(p->err), "ambiguous option \"%s\" (the "
                 "beginning of several)", arg);

    } else if (optopt == 0
               || (i >= 0 && longopts[i].val == optopt
                   && longopts[i].has_arg == no_argument
                   && strchr(arg, '=') != NULL))
    {
        /* unknown, or a flag given "=VALUE" */
        snprintf(p->err, sizeof(p->err), "unknown option \"%s\"", arg);

    } else {
        snprintf(p->err, sizeof(p->err), "unknown option \"-%c\"", optopt);
    }

    return '?';
}


int
rp_getopt(rp_opt_t *p, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
    int   c, li;
    char  opts[128];

    /* ":" first: a missing value is told from an unknown option; "-"
     * (arguments in order) must stay in front of it */
    if (shortopts[0] == '-') {
        snprintf(opts, sizeof(opts), "-:%s", shortopts + 1);
    } else {
        snprintf(opts, sizeof(opts), ":%s", shortopts);
    }

    if (!p->started) {
        optind = 0;             /* glibc: a fresh scan of a new argv */
        p->started = 1;
    }

    opterr = 0;
    li = -1;
    p->name[0] = '\0';

    c = getopt_long(argc, argv, opts, longopts, &li);

    if (c == ':' || c == '?') {
        return rp_opt_error(p, c, argv, longopts);
    }

    if (li >= 0) {
        snprintf(p->name, sizeof(p->name), "--%s", longopts[li].name);
    } else if (c > 1) {
        snprintf(p->name, sizeof(p->name), "-%c", c);
    }

    return c;
}


int
rp_opt_bad(rp_opt_t *p, const char *val, const char *expected)
{
    snprintf(p->err, sizeof(p->err), "option \"%s\": invalid value \"%s\" "
             "(%s)", p->name, val, expected);
    return -1;
}


int
rp_opt_i64(rp_opt_t *p, const char *val, int64_t min, int64_t max,
    int64_t *out)
{
    char  range[80];

    if (rp_parse_i64(val, min, max, out) == 0) {
        return 0;
    }

    if (max >= INT32_MAX) {
        snprintf(range, sizeof(range), "an integer, %" PRId64 " or more",
                 min);
    } else {
        snprintf(range, sizeof(range), "an integer from %" PRId64 " to %"
                 PRId64, min, max);
    }

    if (min == INT64_MIN) {
        snprintf(range, sizeof(range), "an integer");
    }

    return rp_opt_bad(p, val, range);
}


int
rp_opt_hostport(rp_opt_t *p, const char *val, char *host, size_t hostlen,
    int *port)
{
    if (rp_parse_hostport(val, host, hostlen, port) == 0) {
        return 0;
    }

    return rp_opt_bad(p, val, "expected HOST:PORT");
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
