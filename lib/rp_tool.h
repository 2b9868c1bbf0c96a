/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_tool.h: the small tools every program needs (rp-train, rp-consumer,
 * rp-produce, rp-mock-kafka): the command line (getopt_long with rp's
 * messages), integer option values, HOST:PORT, clocks. One implementation
 * each, so that a bad command line is refused the same way by every
 * program.
 */

#ifndef RP_TOOL_H
#define RP_TOOL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal integer in [min, max], the whole string (no sign-only, no
 * trailing bytes, no overflow). 0 / -1. */
int rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* "HOST:PORT" or "[IPV6]:PORT" (the last colon splits; host non-empty
 * and shorter than hostlen, given without brackets; port 1..65535).
 * 0 / -1. */
int rp_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/*
 * The command line, one way for every program: getopt_long (short and
 * long forms, "--name=VALUE", clusters such as -qv, "--" ends the
 * options, unique prefixes of long names), without getopt's own messages:
 * rp_getopt writes rp's into err, so that every program says the same
 * thing and a parser can be tested without its output.
 */
typedef struct {
    char  name[64];     /* the option just returned: "--port" or "-p" */
    char  err[256];     /* why the command line was refused */
    int   started;
} rp_opt_t;

/* The help option every program takes, in its long option table. */
#define RP_OPT_HELP  { "help", no_argument, NULL, 'h' }

/*
 * The next option (zero p first, once per command line): its val, as
 * getopt_long returns it, with optarg set; with shortopts starting with
 * "-", 1 for each argument that is not an option (optarg), in order;
 * -1 at the end of the options (optind: the first argument left); '?'
 * with p->err set ('unknown option "--x"', 'option "--x" needs a
 * value').
 */
int rp_getopt(rp_opt_t *p, int argc, char **argv, const char *shortopts,
    const struct option *longopts);

/*
 * The value of the option just returned, checked; 0, or -1 with p->err
 * naming the option and the value: 'option "--port": invalid value "x"
 * (...)'. rp_opt_i64 wants a decimal integer in [min, max] (the message
 * gives the range), rp_opt_hostport HOST:PORT (rp_parse_hostport);
 * rp_opt_bad only writes the message, with what was expected.
 */
int rp_opt_i64(rp_opt_t *p, const char *val, int64_t min, int64_t max,
    int64_t *out);
int rp_opt_hostport(rp_opt_t *p, const char *val, char *host, size_t hostlen,
    int *port);
int rp_opt_bad(rp_opt_t *p, const char *val, const char *expected);

/* Monotonic time, for intervals: seconds, and milliseconds. */
double rp_clock_sec(void);
int64_t rp_clock_ms(void);

/* Wall-clock milliseconds since the epoch (to compare with Kafka's
 * message timestamps). */
int64_t rp_wall_ms(void);

#endif /* RP_TOOL_H */
