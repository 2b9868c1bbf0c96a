/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_xgb.h: what rp-train's fit shares between its files: XGBoost's trees
 * converted to rp's node array, and writing JSON files safely.
 */

#ifndef RP_XGB_H
#define RP_XGB_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <xgboost/c_api.h>

#include "rp_model.h"


/* The trees of a booster, in rp_model's layout. */
typedef struct {
    rp_node_t  *nodes;
    float      *cover;        /* per node: XGBoost's sum_hessian */
    uint32_t   *count;
    uint32_t    n_trees;
    uint32_t    n_cols;       /* features the booster was trained on */
    size_t      n_nodes;
    size_t      cap;
    double      base_margin;
} rp_forest_t;

#define rp_xgb(call)                                                         \
    do {                                                                     \
        if ((call) != 0) {                                                   \
            rp_err("fit: xgboost: %s", XGBGetLastError());                  \
            goto failed;                                                     \
        }                                                                    \
    } while (0)

/*
 * Saves the booster as JSON and converts every tree to pre-order nodes
 * (split indices are columns of the training matrix, < n_cols). 0 / -1.
 */
int rp_xgb_export(BoosterHandle h, uint32_t n_cols, rp_forest_t *fo);
void rp_forest_free(rp_forest_t *fo);

/* Writes doc to PATH.tmp, fsyncs and renames it to PATH. 0 / -1. */
int rp_write_json(const char *path, cJSON *doc);

#endif /* RP_XGB_H */
