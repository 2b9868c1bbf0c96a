/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_tool.h: the small tools every program needs (rp-train, rp-consumer,
 * rp-produce, rp-mock-kafka): integer option values, HOST:PORT, clocks.
 * One implementation each, so that a bad value is refused the same way
 * by every program.
 */

#ifndef RP_TOOL_H
#define RP_TOOL_H

#include <stddef.h>
#include <stdint.h>

/* A decimal integer in [min, max], the whole string (no sign-only, no
 * trailing bytes, no overflow). 0 / -1. */
int rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* "HOST:PORT" or "[IPV6]:PORT" (the last colon splits; host non-empty
 * and shorter than hostlen, given without brackets; port 1..65535).
 * 0 / -1. */
int rp_parse_hostport(const char *s, char *host, size_t hostlen, int *port);

/* Monotonic time, for intervals: seconds, and milliseconds. */
double rp_clock_sec(void);
int64_t rp_clock_ms(void);

/* Wall-clock milliseconds since the epoch (to compare with Kafka's
 * message timestamps). */
int64_t rp_wall_ms(void);

#endif /* RP_TOOL_H */
