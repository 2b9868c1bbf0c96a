/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_import.h: what rp-train import's two files share: its options, and
 * the parity check against XGBoost (rp_import_check.c).
 */

#ifndef RP_IMPORT_H
#define RP_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "rp_xgb.h"


#define RP_IMPORT_PARITY_MAX  1e-6

typedef struct {
    const char  *in;
    const char  *out;
    const char  *version;
    const char  *check;
    const char  *priors;        /* events the prior table is computed from */
    int64_t      cutoff;        /* ... at this cutoff */
    int          have_cutoff;
} rp_import_opts_t;


/*
 * --check: scores every row of o->check (rp-train features' CSV) with m,
 * by both of the module's paths, and with XGBoost's C API on the JSON in
 * buf; with a prior table in m, the rows' prod_* columns must be the
 * table's. 0 when every probability agrees within RP_IMPORT_PARITY_MAX
 * (*maxd: the largest difference, *rows: the rows checked), else -1
 * after reporting the worst row.
 */
int rp_import_check(const rp_import_opts_t *o, const char *buf, size_t len,
    const rp_xgb_model_t *x, const uint8_t *cols, const rp_model_t *m,
    double *maxd, size_t *rows);

#endif /* RP_IMPORT_H */
