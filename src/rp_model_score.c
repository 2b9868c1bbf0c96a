/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model_score.c: the portable reference scorer and the dispatch (format
 * and semantics in rp_model.h).
 *
 * Scoring. A walk down one tree is a chain of dependent loads (node, then
 * feature, then the next node), so its cost is memory latency and branch
 * mispredictions, not work. So walks are interleaved and branch-free:
 *
 * - one row goes down RP_LANES trees at once, a batch goes down each tree
 *   RP_LANES rows at a time, so independent loads overlap;
 * - a step is a select, never a branch, and a leaf absorbs (a walk that
 *   reached its leaf stays there), so every lane runs for the group's
 *   recorded depth with no data-dependent exit. The loader proved the
 *   depths, the child indices and the feature indices, so this is safe.
 *
 * The SIMD kernels (rp_model_avx2.c, rp_model_avx512.c) do the same walks
 * and must give the same bits; the loader picks a model's kernels once
 * (rp_model_pick), and the functions here go through that table.
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "rp_model_kernels.h"


#define RP_LANES   8

/* rp_model_simd's cap: 0 portable, 1 up to AVX2, 2 up to AVX-512 */
static int  rp_simd_max = 2;


static inline uint32_t
rp_step(const rp_node_t *n, uint32_t i, const float *x)
{
    uint32_t  s = n[i].split, go, next, leaf;
    float     v = x[s & RP_FMASK];

    /* left iff v < threshold, or v is NaN and the default is left */
    go = (uint32_t) ((v < n[i].value) | ((v != v) & (int) (s >> 31)));
    next = ((i + 1) & (0u - go)) | (n[i].right & (go - 1u));
    leaf = (uint32_t) (s == RP_NODE_LEAF);

    return (i & (0u - leaf)) | (next & (leaf - 1u));
}


/* Margin of one row in model order (x has RP_MODEL_MAX_FEATURES floats). */
static double
rp_model_margin_ref(const rp_model_t *m, const float *x)
{
    const rp_node_t  *n[RP_LANES];
    const rp_tree_t  *tr = m->trees;
    uint32_t          t, nt = m->hdr->n_trees, i[RP_LANES], k, lanes, d, step;
    double            margin = m->hdr->base_margin;

    for (t = 0; t < nt; t += lanes) {
        lanes = nt - t < RP_LANES ? nt - t : RP_LANES;
        d = 0;

        for (k = 0; k < RP_LANES; k++) {
            /* spare lanes re-walk the group's first tree and are ignored */
            n[k] = m->nodes + tr[t + (k < lanes ? k : 0)].first;
            i[k] = 0;
            if (k < lanes && tr[t + k].depth > d) {
                d = tr[t + k].depth;
            }
        }

        for (step = 0; step < d; step++) {
            for (k = 0; k < RP_LANES; k++) {
                i[k] = rp_step(n[k], i[k], x);
            }
        }

        for (k = 0; k < lanes; k++) {
            margin += n[k][i[k]].value;
        }
    }

    return margin;
}


/* cn <= RP_KERNEL_CHUNK rows in model order: trees outside, rows inside,
 * so each tree stays hot across the chunk. */
static void
rp_model_chunk_ref(const rp_model_t *m, const float *x, size_t cn,
    double *out)
{
    const rp_node_t  *nodes;
    uint32_t          t, nt = m->hdr->n_trees, i[RP_LANES], k, d, step;
    size_t            r, rr;

    for (t = 0; t < nt; t++) {
        nodes = m->nodes + m->trees[t].first;
        d = m->trees[t].depth;

        for (r = 0; r < cn; r += RP_LANES) {
            for (k = 0; k < RP_LANES; k++) {
                i[k] = 0;
            }
            for (step = 0; step < d; step++) {
                for (k = 0; k < RP_LANES; k++) {
                    /* spare lanes past the chunk re-walk its last row */
                    rr = r + k < cn ? r + k : cn - 1;
                    i[k] = rp_step(nodes, i[k],
                                   x + rr * RP_MODEL_MAX_FEATURES);
                }
            }
            for (k = 0; k < RP_LANES && r + k < cn; k++) {
                out[r + k] += nodes[i[k]].value;
            }
        }
    }
}


const rp_model_kernels_t  rp_model_kernels_ref = {
    "portable", rp_model_margin_ref, rp_model_chunk_ref, NULL,
    RP_FEW_ROWS_PORTABLE
};


void
rp_model_pick(rp_model_t *m)
{
    const rp_model_kernels_t  *k = NULL;

    if (rp_simd_max >= 2) {
        k = rp_model_kernels_avx512(m);
    }
    if (k == NULL && rp_simd_max >= 1) {
        k = rp_model_kernels_avx2();
    }

    m->kern = k != NULL ? k : &rp_model_kernels_ref;
}


void
rp_model_simd(rp_model_t *m, int on)
{
    rp_simd_max = on == 0 ? 0 : (on == 2 ? 1 : 2);

    if (m != NULL && m->hdr != NULL) {
        rp_model_pick(m);
    }
}


const char *
rp_model_kernel_name(const rp_model_t *m)
{
    return m->kern != NULL ? m->kern->name : "none";
}


double
rp_model_score_raw(const rp_model_t *m, const float *x)
{
    float     buf[RP_MODEL_MAX_FEATURES];
    uint32_t  j;

    for (j = 0; j < RP_MODEL_MAX_FEATURES; j++) {
        buf[j] = j < m->hdr->n_features ? x[j] : 0;
    }

    return rp_sigmoid(m->kern->margin(m, buf));
}


/* Table order -> model order, padded to RP_MODEL_MAX_FEATURES floats. */
static inline void
rp_model_gather(const rp_model_t *m, const float *features, float *x)
{
    uint32_t  j;

    for (j = 0; j < m->hdr->n_features; j++) {
        x[j] = features[m->feat_map[j]];
    }
    for (; j < RP_MODEL_MAX_FEATURES; j++) {
        x[j] = 0;
    }
}


double
rp_model_margin(const rp_model_t *m, const float *features)
{
    float  x[RP_MODEL_MAX_FEATURES];

    rp_model_gather(m, features, x);

    return m->kern->margin(m, x);
}


double
rp_model_score(const rp_model_t *m, const float *features)
{
    float  x[RP_MODEL_MAX_FEATURES];

    rp_model_gather(m, features, x);

    return rp_sigmoid(m->kern->margin(m, x));
}


/*
 * Large batches (thousands of rows, the trainer's evaluation) without a
 * batch kernel: each tree is walked by every row in turn, so the tree
 * stays in L1 for the whole pass and the plain branchy walk wins over the
 * padded branch-free lanes (bench/RESULTS.md has the measurements behind
 * RP_WIDE_BATCH).
 */

#define RP_WIDE_BATCH  1024

static void
rp_model_score_wide(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    const rp_node_t  *nodes;
    const float      *x;
    uint32_t          t, i, s;
    size_t            r;
    float             v;

    for (r = 0; r < n; r++) {
        out[r] = m->hdr->base_margin;
    }

    for (t = 0; t < m->hdr->n_trees; t++) {
        nodes = m->nodes + m->trees[t].first;

        for (r = 0; r < n; r++) {
            x = rows + r * RP_NFEATURES;
            i = 0;
            while ((s = nodes[i].split) != RP_NODE_LEAF) {
                v = x[m->feat_map[s & RP_NODE_FEATURE_MASK]];
                /* a real branch: mostly predictable here, and
                 * speculation cuts the chain of dependent loads */
                if (v < nodes[i].value || (isnan(v) && (s & RP_NODE_DEFAULT_LEFT))) {
                    i++;
                } else {
                    i = nodes[i].right;
                }
            }
            out[r] += nodes[i].value;
        }
    }

    for (r = 0; r < n; r++) {
        out[r] = rp_sigmoid(out[r]);
    }
}


void
rp_model_score_batch(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    const rp_model_kernels_t  *k = m->kern;
    float                      x[RP_KERNEL_CHUNK][RP_MODEL_MAX_FEATURES];
    size_t                     c, r, cn;

    /* A few rows: one at a time through the single-row path, whose lanes
     * are trees; the batch paths' lanes are rows and would mostly idle. */
    if (n < k->few) {
        for (r = 0; r < n; r++) {
            out[r] = rp_model_score(m, rows + r * RP_NFEATURES);
        }
        return;
    }

    if (k->batch != NULL) {
        k->batch(m, rows, n, out);
        return;
    }

    if (n >= RP_WIDE_BATCH) {
        rp_model_score_wide(m, rows, n, out);
        return;
    }

    for (c = 0; c < n; c += RP_KERNEL_CHUNK) {
        cn = n - c < RP_KERNEL_CHUNK ? n - c : RP_KERNEL_CHUNK;

        for (r = 0; r < cn; r++) {
            rp_model_gather(m, rows + (c + r) * RP_NFEATURES, x[r]);
            out[c + r] = m->hdr->base_margin;
        }

        k->chunk(m, &x[0][0], cn, out + c);
    }

    for (r = 0; r < n; r++) {
        out[r] = rp_sigmoid(out[r]);
    }
}


const char *
rp_confidence(double p)
{
    return p < RP_CONF_MEDIUM ? "low" : (p < RP_CONF_HIGH ? "medium" : "high");
}
