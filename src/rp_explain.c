/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_explain.c: TreeSHAP and Saabas attributions (rp_explain.h), and the
 * tables the loader derives for them from the file's covers.
 *
 * TreeSHAP follows Lundberg, Erion and Lee's path-dependent algorithm:
 * going down a tree it keeps, for the unique features split on so far,
 * the fraction of the background (training cover) that follows the path
 * ("zero") and whether the row does ("one"), with the permutation weights
 * of every subset size; at a leaf each feature gets the weighted sum over
 * subsets of its marginal effect. A feature split on twice is first
 * unwound from the path and extended again with the product of its
 * fractions. It is O(leaves x depth^2) a tree; what depends only on the
 * model (each child's share of its parent's cover) is computed at load.
 * Arithmetic is in double, so bias + sum matches the scorer's margin to
 * rounding.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_explain.h"


/* one element of the unique path; w: the permutation weight of the
 * subsets with this element's index of "one" members */
typedef struct {
    int32_t   feature;
    double    zero;
    double    one;
    double    w;
} rp_path_t;


/* one row's walk: what every recursion level shares */
typedef struct {
    const rp_node_t  *nodes;
    const double     *frac;
    const float      *x;
    double           *phi;
} rp_shap_t;


static void rp_path_extend(rp_path_t *p, unsigned d, double zero,
    double one, int32_t feature);
static void rp_path_unwind(rp_path_t *p, unsigned d, unsigned k);
static double rp_path_unwound_sum(const rp_path_t *p, unsigned d,
    unsigned k);
static double rp_path_cold_sum(const rp_path_t *p, unsigned d);
static void rp_shap_node(const rp_shap_t *s, uint32_t i, unsigned d,
    rp_path_t *parent, double zero, double one, int32_t feature);


/* rp_inv[k] = 1 / k: the path weights' integer ratios, multiplied rather
 * than divided (a path holds at most RP_MODEL_MAX_DEPTH + 2 elements) */
static const double  rp_inv[RP_MODEL_MAX_DEPTH + 4] = {
    0, 1.0 / 1, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7, 1.0 /
    8, 1.0 / 9, 1.0 / 10, 1.0 / 11, 1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15,
    1.0 / 16, 1.0 / 17, 1.0 / 18, 1.0 / 19, 1.0 / 20, 1.0 / 21, 1.0 / 22,
    1.0 / 23, 1.0 / 24, 1.0 / 25, 1.0 / 26, 1.0 / 27, 1.0 / 28, 1.0 / 29,
    1.0 / 30, 1.0 / 31, 1.0 / 32, 1.0 / 33, 1.0 / 34, 1.0 / 35, 1.0 / 36,
    1.0 / 37, 1.0 / 38, 1.0 / 39, 1.0 / 40, 1.0 / 41, 1.0 / 42, 1.0 / 43,
    1.0 / 44, 1.0 / 45, 1.0 / 46, 1.0 / 47, 1.0 / 48, 1.0 / 49, 1.0 / 50,
    1.0 / 51, 1.0 / 52, 1.0 / 53, 1.0 / 54, 1.0 / 55, 1.0 / 56, 1.0 / 57,
    1.0 / 58, 1.0 / 59, 1.0 / 60, 1.0 / 61, 1.0 / 62, 1.0 / 63, 1.0 / 64,
    1.0 / 65, 1.0 / 66, 1.0 / 67,
};


static int
rp_explain_fail(char *err, size_t errlen, const char *msg, uint32_t t,
    uint32_t i)
{
    if (err != NULL && errlen > 0) {
        snprintf(err, errlen, "tree %u node %u: %s", t, i, msg);
    }

    return -1;
}


int
rp_explain_available(const rp_model_t *m)
{
    return m->ex != NULL;
}


const char *
rp_explain_method_name(int method)
{
    return method == RP_EXPLAIN_SAABAS ? "saabas" : "tree_shap";
}


size_t
rp_explain_workspace_size(const rp_model_t *m)
{
    size_t  d;

    if (m->ex == NULL) {
        return 0;
    }

    /* level l of the recursion copies at most l + 1 path elements */
    d = (size_t) m->ex->depth + 2;
    return d * (d + 1) / 2 * sizeof(rp_path_t);
}


/* the row goes to the left child (as rp_step: v < threshold, or a
 * missing v and a default-left node) */
static inline int
rp_goes_left(const rp_node_t *n, const float *x)
{
    float  v = x[n->split & RP_NODE_FEATURE_MASK];

    return v < n->value || (isnan(v) && (n->split & RP_NODE_DEFAULT_LEFT));
}


static void
rp_explain_tables_free(struct rp_explain_s *ex)
{
    if (ex != NULL) {
        free(ex->mean);
        free(ex->frac);
        free(ex);
    }
}


void
rp_explain_free(rp_model_t *m)
{
    rp_explain_tables_free(m->ex);
    m->ex = NULL;
}


int
rp_explain_build(rp_model_t *m, const float *cover, char *err, size_t errlen)
{
    double               *mean, *frac, c, cl, cr;
    uint32_t              t, i, l, r, first;
    const rp_node_t      *nd;
    const float          *cv;
    struct rp_explain_s  *ex;

    for (i = 0; i < m->hdr->n_nodes; i++) {
        if (!isfinite(cover[i]) || cover[i] < 0) {
            if (err != NULL && errlen > 0) {
                snprintf(err, errlen, "node %u: cover is not a finite "
                         "non-negative number", i);
            }
            return -1;
        }
    }

    ex = calloc(1, sizeof(*ex));
    if (ex != NULL) {
        ex->mean = malloc((size_t) m->hdr->n_nodes * sizeof(double));
        ex->frac = malloc((size_t) m->hdr->n_nodes * sizeof(double));
    }

    if (ex == NULL || ex->mean == NULL || ex->frac == NULL) {
        rp_explain_tables_free(ex);
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "out of memory for the explanation tables");
        }
        return -1;
    }

    ex->bias = m->hdr->base_margin;

    for (t = 0; t < m->hdr->n_trees; t++) {
        first = m->trees[t].first;
        nd = m->nodes + first;
        cv = cover + first;
        mean = ex->mean + first;
        frac = ex->frac + first;

        frac[0] = 1;

        /* children come after their parent: bottom-up is backwards */
        for (i = m->trees[t].count; i-- > 0; ) {
            if (nd[i].split == RP_NODE_LEAF) {
                mean[i] = nd[i].value;
                continue;
            }

            l = i + 1;
            r = nd[i].right;
            c = cv[i];
            cl = cv[l];
            cr = cv[r];

            /*
             * TreeSHAP divides by a node's cover and reads its children's
             * as shares of it: a split nothing reached cannot be weighed,
             * and shares that do not add up to one are not a distribution.
             * XGBoost stores each cover as a float rounded from a double
             * sum, hence the relative tolerance.
             */
            if (!(c > 0)) {
                rp_explain_tables_free(ex);
                return rp_explain_fail(err, errlen, "a split with no cover",
                                       t, i);
            }
            if (fabs(c - (cl + cr)) > 1e-4 * c) {
                rp_explain_tables_free(ex);
                return rp_explain_fail(err, errlen, "cover differs from the "
                                       "sum of its children's", t, i);
            }

            mean[i] = (mean[l] * cl + mean[r] * cr) / c;
            frac[l] = cl / c;
            frac[r] = cr / c;
        }

        ex->bias += mean[0];
        if (m->trees[t].depth > ex->depth) {
            ex->depth = m->trees[t].depth;
        }
    }

    m->ex = ex;
    return 0;
}


void
rp_explain_saabas(const rp_model_t *m, const float *x, double *bias,
    double *contrib)
{
    uint32_t          t, i, next;
    const double     *mean;
    const rp_node_t  *nd;

    memset(contrib, 0, m->hdr->n_features * sizeof(double));
    *bias = m->ex->bias;

    /* each step's change of expected value goes to the split's feature;
     * a leaf's mean is its value, so the last step ends on it */
    for (t = 0; t < m->hdr->n_trees; t++) {
        nd = m->nodes + m->trees[t].first;
        mean = m->ex->mean + m->trees[t].first;

        for (i = 0; nd[i].split != RP_NODE_LEAF; i = next) {
            next = rp_goes_left(&nd[i], x) ? i + 1 : nd[i].right;
            contrib[nd[i].split & RP_NODE_FEATURE_MASK] += mean[next] - mean[i];
        }
    }
}


/* adds an element (fractions zero and one, feature) at index d */
static void
rp_path_extend(rp_path_t *p, unsigned d, double zero, double one,
    int32_t feature)
{
    int  i;

    p[d].feature = feature;
    p[d].zero = zero;
    p[d].one = one;
    p[d].w = d == 0 ? 1 : 0;

    for (i = (int) d - 1; i >= 0; i--) {
        p[i + 1].w += one * p[i].w * (i + 1) * rp_inv[d + 1];
        p[i].w = zero * p[i].w * (d - i) * rp_inv[d + 1];
    }
}


/* removes element k of a path of d + 1 elements (the inverse of extend) */
static void
rp_path_unwind(rp_path_t *p, unsigned d, unsigned k)
{
    int     i;
    double  one = p[k].one, zero = p[k].zero, next = p[d].w, tmp, r;

    r = one != 0 ? 1 / one : 1 / zero;

    for (i = (int) d - 1; i >= 0; i--) {
        if (one != 0) {
            tmp = p[i].w;
            p[i].w = next * (d + 1) * rp_inv[i + 1] * r;
            next = tmp - p[i].w * zero * (d - i) * rp_inv[d + 1];

        } else {
            p[i].w = p[i].w * (d + 1) * rp_inv[d - i] * r;
        }
    }

    for (i = (int) k; i < (int) d; i++) {
        p[i].feature = p[i + 1].feature;
        p[i].zero = p[i + 1].zero;
        p[i].one = p[i + 1].one;
    }
}


/* the total permutation weight with element k unwound, path unchanged */
static double
rp_path_unwound_sum(const rp_path_t *p, unsigned d, unsigned k)
{
    int     i;
    double  one = p[k].one, zero = p[k].zero, next = p[d].w, total = 0, tmp,
            r;

    if (one != 0) {
        /* one is 1 (the row follows one branch): r costs one division */
        r = 1 / one;
        for (i = (int) d - 1; i >= 0; i--) {
            tmp = next * (d + 1) * rp_inv[i + 1] * r;
            total += tmp;
            next = p[i].w - tmp * zero * (d - i) * rp_inv[d + 1];
        }

    } else if (zero != 0) {
        total = rp_path_cold_sum(p, d) / zero;
    }

    return total;
}


/* rp_path_unwound_sum of an element whose one fraction is 0, times its
 * zero fraction (which it then divides by) */
static double
rp_path_cold_sum(const rp_path_t *p, unsigned d)
{
    int     i;
    double  total = 0;

    for (i = (int) d - 1; i >= 0; i--) {
        total += p[i].w * (d + 1) * rp_inv[d - i];
    }

    return total;
}


/*
 * Node i, reached with the path parent[0 .. d) and the edge into i
 * (fractions zero and one, the parent's feature; -1 at the root). The
 * path is copied one level up, so that the caller's stays intact for the
 * sibling.
 */
static void
rp_shap_node(const rp_shap_t *s, uint32_t i, unsigned d, rp_path_t *parent,
    double zero, double one, int32_t feature)
{
    int               have;
    double            in_zero, in_one, w, v, sum = 0;
    int32_t           f;
    uint32_t          hot, cold;
    unsigned          k;
    rp_path_t        *p;
    const rp_node_t  *n = &s->nodes[i];

    p = parent + d + 1;
    memcpy(p, parent, (d + 1) * sizeof(rp_path_t));
    rp_path_extend(p, d, zero, one, feature);

    if (n->split == RP_NODE_LEAF) {
        v = n->value;
        have = 0;
        for (k = 1; k <= d; k++) {
            if (p[k].one != 0) {
                w = rp_path_unwound_sum(p, d, k);

            } else if (p[k].zero != 0) {
                /* a cold element's unwound sum is a sum over the path
                 * that does not depend on it, divided by its zero
                 * fraction: computed once for every cold element */
                if (!have) {
                    sum = rp_path_cold_sum(p, d);
                    have = 1;
                }
                w = sum / p[k].zero;

            } else {
                continue;
            }

            s->phi[p[k].feature] += w * (p[k].one - p[k].zero) * v;
        }
        return;
    }

    f = (int32_t) (n->split & RP_NODE_FEATURE_MASK);

    if (rp_goes_left(n, s->x)) {
        hot = i + 1;
        cold = n->right;

    } else {
        hot = n->right;
        cold = i + 1;
    }

    in_zero = 1;
    in_one = 1;

    /* a feature already on the path: undo its element, redo it below
     * with both splits' fractions */
    for (k = 0; k <= d; k++) {
        if (p[k].feature == f) {
            in_zero = p[k].zero;
            in_one = p[k].one;
            rp_path_unwind(p, d, k);
            d--;
            break;
        }
    }

    /* a side that neither the background (no cover) nor the row
     * reaches has every weight 0: skipped (its unwinding would divide 0
     * by 0) */
    if (s->frac[hot] * in_zero != 0 || in_one != 0) {
        rp_shap_node(s, hot, d + 1, p, s->frac[hot] * in_zero, in_one, f);
    }
    if (s->frac[cold] * in_zero != 0) {
        rp_shap_node(s, cold, d + 1, p, s->frac[cold] * in_zero, 0, f);
    }
}


void
rp_explain_tree_shap(const rp_model_t *m, const float *x, void *ws,
    double *bias, double *contrib)
{
    uint32_t   t;
    rp_shap_t  s;

    memset(contrib, 0, m->hdr->n_features * sizeof(double));
    *bias = m->ex->bias;

    s.x = x;
    s.phi = contrib;

    for (t = 0; t < m->hdr->n_trees; t++) {
        s.nodes = m->nodes + m->trees[t].first;
        s.frac = m->ex->frac + m->trees[t].first;
        rp_shap_node(&s, 0, 0, ws, 1, 1, -1);
    }
}


void
rp_explain(const rp_model_t *m, int method, const float *features, void *ws,
    double *bias, double *contrib)
{
    float     x[RP_MODEL_MAX_FEATURES];
    uint32_t  j;

    for (j = 0; j < m->hdr->n_features; j++) {
        x[j] = features[m->feat_map[j]];
    }

    if (method == RP_EXPLAIN_SAABAS) {
        rp_explain_saabas(m, x, bias, contrib);

    } else {
        rp_explain_tree_shap(m, x, ws, bias, contrib);
    }
}
