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

/* An XGBoost JSON model as rp_xgb_json_read found it (rp_xgb_json.c). */
typedef struct {
    rp_forest_t  fo;              /* n_cols: num_feature; base_margin: the
                                     margin base_score stands for */
    char         objective[64];
    int          margin_output;   /* binary:logitraw: XGBoost's prediction
                                     is the margin, not its logistic */
    double       base_score;      /* as the file has it */
    char         booster[16];     /* gbtree or dart */
    uint32_t     parallel;        /* num_parallel_tree */
    char       **names;           /* the feature names, n_cols of them, or */
    uint32_t     n_names;         /* none (0) */
    long         best_iteration;  /* -1 when the file has none */
    int          xgb_version[3];  /* [0] -1 when the file has none */
} rp_xgb_model_t;

/*
 * Reads XGBoost's JSON model format (1.x to 3.x) from buf: a binary
 * objective (binary:logistic, reg:logistic, binary:logitraw) and a gbtree
 * or dart booster of one output, without categorical splits. 0, or -1
 * with the reason in err (x is then freed).
 */
int rp_xgb_json_read(const char *buf, size_t len, rp_xgb_model_t *x,
    char *err, size_t errlen);
void rp_xgb_model_free(rp_xgb_model_t *x);

/* Writes doc to PATH.tmp, fsyncs and renames it to PATH. 0 / -1. */
int rp_write_json(const char *path, cJSON *doc);

#endif /* RP_XGB_H */
