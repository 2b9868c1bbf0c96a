/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * xgb_support.h: tests/xgb_support.c.
 */

#ifndef XGB_SUPPORT_H
#define XGB_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/* rp-train's, as trainer/rp_export.c calls them */
void rp_err(const char *fmt, ...);
void *rp_xalloc(size_t n);
void *rp_xrealloc(void *p, size_t n);

/* splitmix64 from *s; a double uniform in [0, 1) */
uint64_t rp_test_rnd(uint64_t *s);
double rp_test_unif(uint64_t *s);

#endif /* XGB_SUPPORT_H */
