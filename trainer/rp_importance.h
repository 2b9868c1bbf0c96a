/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_importance.h: global feature importance (rp_importance.c).
 */

#ifndef RP_IMPORTANCE_H
#define RP_IMPORTANCE_H

#include <stddef.h>
#include "rp_model.h"

/*
 * The mean absolute TreeSHAP contribution of each model feature
 * (mean_abs[0 .. n_features), model order) over the rows of the features
 * matrix at path (columns found by name, empty fields missing); *nrows
 * the rows read. 0, or -1 after printing why (no covers, a missing
 * column, a bad field, no rows).
 */
int rp_importance(const rp_model_t *m, const char *path, double *mean_abs,
    size_t *nrows);

#endif /* RP_IMPORTANCE_H */
