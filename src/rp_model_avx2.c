/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model_avx2.c: the AVX2 kernels, the walks of rp_model_score.c with 8
 * lanes in one register and four gathers a step (split, threshold, right
 * child, feature value). The leaf values are added in the same order and
 * precision as the portable path, so both give identical bits.
 *
 * The functions carry a target attribute instead of the file being built
 * with -mavx2: the module is built by nginx's build, one set of flags for
 * every file, and the CPU is asked at load (rp_model_kernels_avx2).
 */

#include <stddef.h>
#include <stdint.h>

#include "rp_model_kernels.h"

#ifdef RP_AVX_BUILD

#include <immintrin.h>


/* One step of 8 walks; idx holds absolute node indices, first the roots,
 * xoff each lane's offset into x (0 for one row, row * 64 in a batch). */
RP_AVX2 static inline __m256i
rp_step8(const rp_node_t *nodes, __m256i idx, __m256i first, const float *x,
    __m256i xoff)
{
    const int  *b = (const int *) nodes;
    __m256i     off, split, right, go, next, leaf, dl;
    __m256      thr, v, lt, un;

    off = _mm256_add_epi32(idx, _mm256_slli_epi32(idx, 1));       /* idx * 3 */
    split = _mm256_i32gather_epi32(b, off, 4);
    thr = _mm256_i32gather_ps((const float *) (b + 1), off, 4);
    right = _mm256_i32gather_epi32(b + 2, off, 4);

    v = _mm256_i32gather_ps(x, _mm256_add_epi32(xoff,
                                _mm256_and_si256(split, _mm256_set1_epi32(RP_FMASK))),
                            4);
    lt = _mm256_cmp_ps(v, thr, _CMP_LT_OQ);
    un = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    dl = _mm256_srai_epi32(split, 31);
    go = _mm256_or_si256(_mm256_castps_si256(lt),
                         _mm256_and_si256(_mm256_castps_si256(un), dl));

    next = _mm256_blendv_epi8(_mm256_add_epi32(first, right),
                              _mm256_add_epi32(idx, _mm256_set1_epi32(1)), go);
    leaf = _mm256_cmpeq_epi32(split, _mm256_set1_epi32(-1));

    return _mm256_blendv_epi8(next, idx, leaf);
}


RP_AVX2 static inline void
rp_leaves8(const rp_node_t *nodes, __m256i idx, float out[8])
{
    __m256i  off = _mm256_add_epi32(idx, _mm256_slli_epi32(idx, 1));

    _mm256_storeu_ps(out, _mm256_i32gather_ps(
                              (const float *) ((const int *) nodes + 1), off, 4));
}


#define RP_VECS  3                  /* vectors of 8 walks in flight */

RP_AVX2 double
rp_model_margin_avx2(const rp_model_t *m, const float *x)
{
    const rp_tree_t  *tr = m->trees;
    uint32_t          t, nt = m->hdr->n_trees, k, lanes, d, step, v;
    int32_t           firsts[8 * RP_VECS];
    float             leaves[8 * RP_VECS];
    double            margin = m->hdr->base_margin;
    __m256i           f[RP_VECS], i[RP_VECS], zero = _mm256_setzero_si256();

    /* several vectors of 8 walks at once: their gathers overlap */
    for (t = 0; t < nt; t += lanes) {
        lanes = nt - t < 8 * RP_VECS ? nt - t : 8 * RP_VECS;
        d = 0;

        for (k = 0; k < 8 * RP_VECS; k++) {
            firsts[k] = (int32_t) tr[t + (k < lanes ? k : 0)].first;
            if (k < lanes && tr[t + k].depth > d) {
                d = tr[t + k].depth;
            }
        }

        for (v = 0; v < RP_VECS; v++) {
            f[v] = _mm256_loadu_si256((const __m256i *) (firsts + 8 * v));
            i[v] = f[v];
        }

        for (step = 0; step < d; step++) {
            for (v = 0; v < RP_VECS; v++) {
                i[v] = rp_step8(m->nodes, i[v], f[v], x, zero);
            }
        }

        for (v = 0; v < RP_VECS; v++) {
            rp_leaves8(m->nodes, i[v], leaves + 8 * v);
        }
        for (k = 0; k < lanes; k++) {
            margin += leaves[k];
        }
    }

    return margin;
}


/* A chunk of cn <= 64 rows (x: rows of RP_MODEL_MAX_FEATURES floats),
 * 8 * RP_VECS rows at a time through each tree. */
RP_AVX2 void
rp_model_chunk_avx2(const rp_model_t *m, const float *x, size_t cn,
    double *out)
{
    uint32_t  t, nt = m->hdr->n_trees, d, step, k, v;
    int32_t   xoffs[8 * RP_VECS];
    float     leaves[8 * RP_VECS];
    size_t    r, rr;
    __m256i   first, i[RP_VECS], xo[RP_VECS];

    for (t = 0; t < nt; t++) {
        first = _mm256_set1_epi32((int32_t) m->trees[t].first);
        d = m->trees[t].depth;

        for (r = 0; r < cn; r += 8 * RP_VECS) {
            for (k = 0; k < 8 * RP_VECS; k++) {
                /* spare lanes past the chunk re-walk its last row */
                rr = r + k < cn ? r + k : cn - 1;
                xoffs[k] = (int32_t) (rr * RP_MODEL_MAX_FEATURES);
            }
            for (v = 0; v < RP_VECS; v++) {
                xo[v] = _mm256_loadu_si256((const __m256i *) (xoffs + 8 * v));
                i[v] = first;
            }

            for (step = 0; step < d; step++) {
                for (v = 0; v < RP_VECS; v++) {
                    i[v] = rp_step8(m->nodes, i[v], first, x, xo[v]);
                }
            }

            for (v = 0; v < RP_VECS; v++) {
                rp_leaves8(m->nodes, i[v], leaves + 8 * v);
            }
            for (k = 0; k < 8 * RP_VECS && r + k < cn; k++) {
                out[r + k] += leaves[k];
            }
        }
    }
}


static const rp_model_kernels_t  rp_model_kernels_avx2_table = {
    "avx2", rp_model_margin_avx2, rp_model_chunk_avx2, NULL, RP_FEW_ROWS_AVX2
};


const rp_model_kernels_t *
rp_model_kernels_avx2(void)
{
    __builtin_cpu_init();

    return __builtin_cpu_supports("avx2") ? &rp_model_kernels_avx2_table
                                          : NULL;
}

#else

const rp_model_kernels_t *
rp_model_kernels_avx2(void)
{
    return NULL;                        /* not an x86 build */
}

#endif
