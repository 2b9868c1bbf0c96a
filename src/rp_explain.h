/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_explain.h: why a model scored what it scored. Both methods split a
 * row's margin (log-odds) into a bias, the model's expected margin, and
 * one contribution per model feature, with bias + sum = margin:
 *
 * - TreeSHAP (exact, path-dependent): the Shapley values of the trees
 *   with the training cover as the background distribution; XGBoost's
 *   predict(pred_contribs=True).
 * - Saabas: along the row's path in each tree, each split's feature gets
 *   the change of the expected value from a node to its child; XGBoost's
 *   predict(approx_contribs=True).
 *
 * Both need the cover of every node (the file's optional cover section).
 * The loader derives, once per model, each node's expected value (the
 * cover-weighted mean of its leaves), each node's share of its parent's
 * cover and the bias; rp_model_close frees them. Neither method allocates:
 * TreeSHAP works in a caller's workspace of rp_explain_workspace_size()
 * bytes (a function of the model's depth).
 */

#ifndef RP_EXPLAIN_H
#define RP_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include "rp_model.h"

#define RP_EXPLAIN_TREE_SHAP  0
#define RP_EXPLAIN_SAABAS     1

/* the loader's tables (rp_model_t.ex) */
struct rp_explain_s {
    double    *mean;     /* per node: cover-weighted mean of its leaves */
    double    *frac;     /* per node: its cover / its parent's (root: 1) */
    double     bias;     /* base margin + every tree's root mean */
    uint32_t   depth;    /* the deepest tree's (the header's max_depth
                            is only a bound) */
};

/* 1 when m's file has covers, so both methods work */
int rp_explain_available(const rp_model_t *m);

/* "tree_shap" or "saabas" */
const char *rp_explain_method_name(int method);

/* Bytes of the workspace rp_explain needs for m (8-byte aligned); 0
 * without covers. */
size_t rp_explain_workspace_size(const rp_model_t *m);

/*
 * One row x in model order (n_features floats; NaN is missing and goes
 * the node's default way, as in the scorer): *bias and contrib[0 ..
 * n_features) in margin space. m must have covers.
 */
void rp_explain_tree_shap(const rp_model_t *m, const float *x, void *ws,
    double *bias, double *contrib);
void rp_explain_saabas(const rp_model_t *m, const float *x, double *bias,
    double *contrib);

/* Either method for one row in table order (RP_NFEATURES floats). */
void rp_explain(const rp_model_t *m, int method, const float *features,
    void *ws, double *bias, double *contrib);

/*
 * The loader's part (rp_model_file.c): checks the covers (finite, >= 0,
 * an internal node's positive and the sum of its children's within float
 * rounding) and builds m->ex. 0, or -1 with err.
 */
int rp_explain_build(rp_model_t *m, const float *cover, char *err,
    size_t errlen);
void rp_explain_free(rp_model_t *m);

#endif /* RP_EXPLAIN_H */
