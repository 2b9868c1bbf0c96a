/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_numfmt.h: printf's %.*g for the JSON writers, without printf.
 *
 * glibc's printf converts every double through multi-precision arithmetic;
 * for the values a prediction prints (a probability, features with up to
 * 9 significant digits) the same digits come from one 128-bit product.
 */

#ifndef RP_NUMFMT_H
#define RP_NUMFMT_H

#include <stddef.h>

/* the longest text of rp_numfmt_g, NUL excluded, for prec <= 17 */
#define RP_NUMFMT_G_MAX  24

/*
 * Writes v as snprintf(buf, size, "%.*g", prec, v) would, byte for byte,
 * and returns its length (1 <= prec <= 17, size > RP_NUMFMT_G_MAX). Values
 * printed in plain notation with no exact tie at the last digit take the
 * fast path; others (exponents, ties, NaN) go through snprintf.
 */
size_t rp_numfmt_g(char *buf, size_t size, double v, int prec);

#endif /* RP_NUMFMT_H */
