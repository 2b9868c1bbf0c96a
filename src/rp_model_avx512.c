/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model_avx512.c: the AVX-512 (F and CD) batch kernel, and the tables
 * it needs, built at load.
 *
 * Its table scores one row and chunks with the AVX2 kernels: this file
 * only adds the batch path, which wins from RP_FEW_ROWS_AVX512 rows.
 */

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rp_model_kernels.h"

#ifdef RP_AVX_BUILD

#include <immintrin.h>


/* The CPU has AVX-512 F and CD, and AVX2 (the table's single-row path). */
static int
rp_cpu_avx512(void)
{
    __builtin_cpu_init();

    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f")
           && __builtin_cpu_supports("avx512cd");
}


/*
 * Batches with AVX-512 (F and CD): tree-major over a chunk of rows stored
 * feature major (xc[feature << lg | row]), 16 rows per vector.
 *
 * Gathers are slow (several times the cost of as many scalar loads), and
 * a walk needs four a level: slower than the AVX2 walk
 * (bench/scorer-design.md has the measurements). The top of each
 * tree is instead evaluated as in QuickScorer (Lucchese et
 * al., SIGIR 2015): each row keeps a 64-bit set of the tree's "exits",
 * numbered left to right; every internal node where the row goes right
 * removes the exits of its left subtree. The leftmost exit left is the one
 * the walk reaches: the exits left of it lie in left subtrees of nodes
 * where its path went right. Each node costs one compare for 16 rows, with
 * no gather and no branch, and the nodes can go in any order (removals
 * commute).
 *
 * A tree of at most 127 nodes has at most 64 leaves: its exits are its
 * leaves, and the set gives the leaf directly (nearly every tree of a
 * depth-limited forest). A tree of depth 7 to 10 is cut RP_BLK_LEVELS (5)
 * above its bottom (at most 32 exits) and each row finishes in the block
 * of its exit, a padded copy of the subtree below it that one row
 * compares whole, nodes in lanes (rp_qs_block). A deeper tree is cut at
 * depth RP_QS_LEVELS (at most 64 exits: the nodes at that depth and the
 * leaves above it) and its rows walk on from the exit they reached, with
 * gathers (rp_step16).
 *
 * The cut, the block depth and the tables built at load were chosen on a
 * synthetic forest of 100 complete trees of depth 10, against walking
 * below the cut with gathers and against blocks of 4 levels compared as
 * floats (bench/scorer-design.md).
 *
 * In pre-order the exits of a subtree are consecutive, so the exits of
 * node i's left subtree are those numbered from the count before i + 1 to
 * the count before its right child.
 *
 * The leaf values go into acc[] (double) tree after tree, in the same
 * order and precision as the portable path, so the bits are the same.
 */

#define RP_QS_NODES   127         /* trees up to this size: no walk at all */
#define RP_QS_LEVELS  6           /* cut of a bigger tree: 2^6 exits */
#define RP_CHUNK_MAX  256         /* rows per chunk, a power of two */
#define RP_XC_FLOATS  4096        /* the chunk's feature-major buffer */

/* blocks: the bottom RP_BLK_LEVELS levels of a tree, one row at a time */
#define RP_BLK_LEVELS 5
#define RP_BLK_NODES  ((1 << RP_BLK_LEVELS) - 1)
#define RP_BLK_VECS   ((RP_BLK_NODES + 15) / 16)
#define RP_BLK_GROWTH 4           /* blocks <= 4 x the tree's own bytes */
#define RP_BLK_FEATURES 32        /* models of at most 32 features */

typedef char rp_check_chunk[RP_XC_FLOATS / RP_MODEL_MAX_FEATURES >= 64
                            && RP_XC_FLOATS <= 65536
                            && (1 << RP_QS_LEVELS) <= 64
                            && RP_BLK_LEVELS >= 3 && RP_BLK_VECS <= 2 ? 1 : -1];

enum { RP_QS_SMALL, RP_QS_BLOCKS, RP_QS_WALK };

/*
 * One tree's QuickScorer part, built once at load (rp_model_avx512_build)
 * from the validated model: built per call, it cost more than the
 * scoring itself in batches of 100. 1216 bytes a tree.
 */
typedef struct {
    uint64_t  bits[64];           /* node k: the exits of its left subtree */
    float     thr[64];
    uint16_t  off[64];            /* its feature's column in the chunk */
    int32_t   exit[64];           /* SMALL: the leaf value's bits;
                                     BLOCKS: the block's byte offset;
                                     WALK: the node */
    uint16_t  n[2];               /* nodes [0, n[0]) are default right,
                                     the n[1] next default left */
    uint16_t  kind;
    uint16_t  walk;               /* WALK: levels left below the cut */
    uint32_t  first;              /* the tree's root */
} __attribute__((aligned(64))) rp_qs_tree_t;

/*
 * BLOCKS: the subtree below one exit, padded to complete depth
 * RP_BLK_LEVELS (a leaf above the bottom becomes a node whose two sides
 * both lead to copies of it, so any shape fits), in breadth-first order:
 * node p's children are 2p + 1 and 2p + 2, leaf q is node RP_BLK_NODES + q.
 * A row compares all its nodes at once, lanes are nodes (rp_qs_block).
 *
 * The compares are on integer keys (rp_key: ordered like the floats, and
 * a NaN is below or above every key), so that one compare serves both
 * NaN rules: idx[p] picks the row's key with NaN low for a default-left
 * node, high for any other.
 */
typedef struct {
    int32_t   tk[16 * RP_BLK_VECS];       /* the thresholds' keys */
    float     leaf[1 << RP_BLK_LEVELS];
    uint8_t   idx[16 * RP_BLK_VECS];      /* the feature in model order,
                                             + RP_BLK_FEATURES unless
                                             default left */
} __attribute__((aligned(64))) rp_qs_block_t;

typedef char rp_check_qs_sizes[sizeof(rp_qs_tree_t) == 1216
                               && sizeof(rp_qs_block_t) == 320 ? 1 : -1];

/* the tables' header; the trees follow at 64 bytes, then the blocks */
struct rp_qs_s {
    rp_qs_tree_t   *trees;
    rp_qs_block_t  *blocks;
    size_t          nblocks;
    uint32_t        lg;           /* the chunk's row stride, 1 << lg */
    size_t          size;         /* bytes, this header included */
};

typedef char rp_check_qs_head[sizeof(struct rp_qs_s) <= 64 ? 1 : -1];

/* The build's working copy: nodes in two lists, exits relative. */
typedef struct {
    uint32_t  n[2];
    uint16_t  off[2][64];
    float     thr[2][64];
    uint64_t  bits[2][64];
    uint32_t  nexits;
    uint32_t  exit[64];
    float     leaf[64];
    uint32_t  lg;
} rp_qs_tmp_t;


/* Breadth-first node index at level 3 from the turns (bit p: node p goes
 * right) at levels 0-2: one load instead of three dependent steps. */
static const uint8_t  rp_blk_walk3[128] = {
     7, 11,  9, 11,  7, 13,  9, 13,  8, 11,  9, 11,  8, 13,  9, 13,
     7, 11, 10, 11,  7, 13, 10, 13,  8, 11, 10, 11,  8, 13, 10, 13,
     7, 12,  9, 12,  7, 13,  9, 13,  8, 12,  9, 12,  8, 13,  9, 13,
     7, 12, 10, 12,  7, 13, 10, 13,  8, 12, 10, 12,  8, 13, 10, 13,
     7, 11,  9, 11,  7, 14,  9, 14,  8, 11,  9, 11,  8, 14,  9, 14,
     7, 11, 10, 11,  7, 14, 10, 14,  8, 11, 10, 11,  8, 14, 10, 14,
     7, 12,  9, 12,  7, 14,  9, 14,  8, 12,  9, 12,  8, 14,  9, 14,
     7, 12, 10, 12,  7, 14, 10, 14,  8, 12, 10, 12,  8, 14, 10, 14
};


/* Rows per chunk: as many as the buffer holds for nf features, a power of
 * two (the build stores the column offsets for it). */
static uint32_t
rp_chunk_lg(uint32_t nf)
{
    uint32_t  lg;

    for (lg = 0; (2u << lg) <= RP_CHUNK_MAX && (2u << lg) * nf <= RP_XC_FLOATS; lg++) {
        /* void */
    }

    return lg;
}


/* A float's key: x < y iff key(x) < key(y) for any x, y but NaN
 * (-0 is made +0 first, they compare equal). */
static int32_t
rp_key(float x)
{
    uint32_t  b;

    if (x == 0) {
        x = 0;
    }
    memcpy(&b, &x, 4);

    return (int32_t) (b & 0x80000000u ? b ^ 0x7fffffffu : b);
}


/* Exits of the top of a tree cut at depth cut. */
static uint32_t
rp_qs_count(const rp_node_t *n, uint32_t i, uint32_t d, uint32_t cut)
{
    if (n[i].split == RP_NODE_LEAF || d == cut) {
        return 1;
    }

    return rp_qs_count(n, i + 1, d + 1, cut) + rp_qs_count(n, n[i].right, d + 1, cut);
}


/*
 * SMALL: every leaf an exit. BLOCKS: a tree deeper than a block, cut
 * RP_BLK_LEVELS above its depth (at most 32 exits, 32-bit sets), unless
 * its blocks would take more than RP_BLK_GROWTH times its own bytes (a
 * sparse tree). WALK: cut at RP_QS_LEVELS, gathers below.
 */
static uint32_t
rp_qs_kind(const rp_model_t *m, uint32_t t, int blocks)
{
    const rp_tree_t  *tr = &m->trees[t];
    uint32_t          cut;

    if (tr->count <= RP_QS_NODES) {
        return RP_QS_SMALL;
    }

    /* the block reads the row's features (model order) from two vectors */
    if (blocks && m->hdr->n_features <= RP_BLK_FEATURES
        && tr->depth > RP_BLK_LEVELS
        && tr->depth <= RP_BLK_LEVELS + 5)
    {
        cut = tr->depth - RP_BLK_LEVELS;
        if (rp_qs_count(m->nodes + tr->first, 0, 0, cut) * sizeof(rp_qs_block_t)
            <= RP_BLK_GROWTH * tr->count * sizeof(rp_node_t))
        {
            return RP_QS_BLOCKS;
        }
    }

    return RP_QS_WALK;
}


/* Pre-order walk of the top of a tree, numbering the exits. */
static void
rp_qs_add(const rp_node_t *n, uint32_t i, uint32_t d, uint32_t cut,
    rp_qs_tmp_t *q)
{
    uint32_t  lo, k, dl;

    if (n[i].split == RP_NODE_LEAF || d == cut) {
        q->exit[q->nexits] = i;
        q->leaf[q->nexits] = n[i].value;
        q->nexits++;
        return;
    }

    lo = q->nexits;
    rp_qs_add(n, i + 1, d + 1, cut, q);

    /* the left subtree's exits are [lo, q->nexits), fewer than 64 */
    dl = n[i].split >> 31;
    k = q->n[dl]++;
    q->off[dl][k] = (uint16_t) ((n[i].split & RP_FMASK) << q->lg);
    q->thr[dl][k] = n[i].value;
    q->bits[dl][k] = ((UINT64_C(1) << (q->nexits - lo)) - 1) << lo;

    rp_qs_add(n, n[i].right, d + 1, cut, q);
}


/* One exit's block: node i of the tree at breadth-first position p. */
static void
rp_qs_fill(const rp_model_t *m, const rp_node_t *n, uint32_t i, uint32_t p,
    rp_qs_block_t *b)
{
    if (p >= RP_BLK_NODES) {
        b->leaf[p - RP_BLK_NODES] = n[i].value;   /* a leaf: depth checked */
        return;
    }

    if (n[i].split == RP_NODE_LEAF) {
        rp_qs_fill(m, n, i, 2 * p + 1, b);        /* tk[p], idx[p]: any */
        rp_qs_fill(m, n, i, 2 * p + 2, b);
        return;
    }

    b->tk[p] = rp_key(n[i].value);
    b->idx[p] = (uint8_t) ((n[i].split & RP_FMASK)
                           + (n[i].split & RP_NODE_DEFAULT_LEFT
                              ? 0 : RP_BLK_FEATURES));
    rp_qs_fill(m, n, i + 1, 2 * p + 1, b);
    rp_qs_fill(m, n, n[i].right, 2 * p + 2, b);
}


/* One tree's part; *nb counts the blocks used so far. */
static void
rp_qs_tree(const rp_model_t *m, uint32_t t, rp_qs_tmp_t *w, rp_qs_tree_t *q,
    rp_qs_block_t *blocks, size_t *nb)
{
    const rp_tree_t  *tr = &m->trees[t];
    const rp_node_t  *n = m->nodes + tr->first;
    uint32_t          i, k, l, cut;
    float             zero = 0;

    memset(w->n, 0, sizeof(w->n));
    w->nexits = 0;
    q->kind = (uint16_t) rp_qs_kind(m, t, blocks != NULL);
    q->first = tr->first;
    q->walk = 0;

    /* a small tree is cut below its deepest leaf (at most 64 leaves) */
    cut = q->kind == RP_QS_SMALL ? RP_MODEL_MAX_DEPTH
          : q->kind == RP_QS_BLOCKS ? tr->depth - RP_BLK_LEVELS : RP_QS_LEVELS;
    rp_qs_add(n, 0, 0, cut, w);

    for (l = 0, k = 0; l < 2; l++) {
        q->n[l] = (uint16_t) w->n[l];
        for (i = 0; i < w->n[l]; i++, k++) {
            q->off[k] = w->off[l][i];
            q->thr[k] = w->thr[l][i];
            q->bits[k] = w->bits[l][i];
        }
    }

    for (k = 0; k < 64; k++) {
        i = k < w->nexits ? k : 0;         /* lanes past the rows read these */

        switch (q->kind) {
        case RP_QS_SMALL:
            memcpy(&q->exit[k], k < w->nexits ? &w->leaf[k] : &zero, 4);
            break;
        case RP_QS_BLOCKS:
            q->exit[k] = (int32_t) ((*nb + i) * sizeof(rp_qs_block_t));
            break;
        default:
            q->exit[k] = (int32_t) (tr->first + w->exit[i]);
        }
    }

    if (q->kind == RP_QS_BLOCKS) {
        for (k = 0; k < w->nexits; k++) {
            rp_qs_fill(m, n, w->exit[k], 0, &blocks[*nb + k]);
        }
        *nb += w->nexits;
    }

    if (q->kind == RP_QS_WALK) {
        q->walk = (uint16_t) (tr->depth - RP_QS_LEVELS);
    }
}


/*
 * rp_model_t.qs: the QuickScorer parts of every tree and the blocks, in
 * one allocation, for the AVX-512 batch path (NULL without AVX-512). The
 * blocks are addressed by int32 byte offsets: with more than 2 GB of them
 * the deep trees walk instead.
 */
int
rp_model_avx512_build(rp_model_t *m)
{
    struct rp_qs_s   *qs;
    rp_qs_tmp_t       w;
    size_t            size, nb = 0, k;
    uint32_t          t, nt = m->hdr->n_trees;
    void             *p;

    if (!rp_cpu_avx512()) {
        return 0;                       /* the batch path will not run */
    }

    for (t = 0; t < nt; t++) {
        if (rp_qs_kind(m, t, 1) == RP_QS_BLOCKS) {
            nb += rp_qs_count(m->nodes + m->trees[t].first, 0, 0,
                              m->trees[t].depth - RP_BLK_LEVELS);
        }
    }
    if (nb * sizeof(rp_qs_block_t) > INT32_MAX) {
        nb = 0;
    }

    size = 64 + (size_t) nt * sizeof(rp_qs_tree_t) + nb * sizeof(rp_qs_block_t);
    if (posix_memalign(&p, 64, size) != 0) {
        return -1;
    }
    memset(p, 0, size);

    qs = p;
    qs->trees = (rp_qs_tree_t *) ((char *) p + 64);
    qs->blocks = (rp_qs_block_t *) (qs->trees + nt);
    qs->lg = rp_chunk_lg(m->hdr->n_features);
    qs->size = size;

    w.lg = qs->lg;
    k = 0;
    for (t = 0; t < nt; t++) {
        rp_qs_tree(m, t, &w, &qs->trees[t], nb ? qs->blocks : NULL, &k);
    }
    qs->nblocks = k;

    m->qs = qs;
    return 0;
}


size_t
rp_model_tables_size(const rp_model_t *m)
{
    return m->qs != NULL ? m->qs->size : 0;
}


/* One masked step of 16 walks below the exits; returns those still
 * walking. A lane that reads a leaf's split leaves the mask. */
RP_AVX512 static inline __mmask16
rp_step16(const int *b, __m512i *idx, __m512i *split, __mmask16 k,
    __m512i first, const float *xc, __m512i row, __m512i lg)
{
    __m512i    off, right, fo, next;
    __m512     thr, v;
    __mmask16  go, un, dl;

    off = _mm512_add_epi32(*idx, _mm512_slli_epi32(*idx, 1));     /* idx * 3 */

    *split = _mm512_mask_i32gather_epi32(*split, k, off, b, 4);
    k = _mm512_mask_cmpneq_epi32_mask(k, *split, _mm512_set1_epi32(-1));

    thr = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, off, b + 1, 4);
    right = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k, off, b + 2, 4);

    fo = _mm512_add_epi32(row, _mm512_sllv_epi32(
             _mm512_and_si512(*split, _mm512_set1_epi32(RP_FMASK)), lg));
    v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, fo, xc, 4);

    /* left iff v < threshold, or v is NaN and the default is left */
    go = _mm512_mask_cmp_ps_mask(k, v, thr, _CMP_LT_OQ);
    un = _mm512_mask_cmp_ps_mask(k, v, v, _CMP_UNORD_Q);
    dl = _mm512_mask_test_epi32_mask(k, *split,
                                     _mm512_set1_epi32((int) RP_NODE_DEFAULT_LEFT));
    go = _mm512_kor(go, _mm512_kand(un, dl));

    next = _mm512_mask_blend_epi32(go, _mm512_add_epi32(first, right),
                                   _mm512_add_epi32(*idx, _mm512_set1_epi32(1)));
    *idx = _mm512_mask_mov_epi32(*idx, k, next);

    return k;
}


/* A row's keys for the blocks (rp_key, vectorized) from its nf <= 32
 * features in model order (row holds 32 floats): [0, 32) with NaN below
 * every key, [32, 64) above. */
RP_AVX512 static inline void
rp_row_keys(const float *row, uint32_t nf, int32_t *rk)
{
    __m512     x;
    __m512i    b, k;
    __mmask16  nan;
    uint32_t   h, left;

    for (h = 0; h < 2; h++) {
        left = nf > 16 * h ? nf - 16 * h : 0;
        x = _mm512_maskz_loadu_ps((__mmask16) (left >= 16 ? 0xffff
                                               : (1u << left) - 1),
                                  row + 16 * h);
        x = _mm512_add_ps(x, _mm512_setzero_ps());               /* -0 -> +0 */
        b = _mm512_castps_si512(x);
        k = _mm512_xor_si512(b, _mm512_srli_epi32(_mm512_srai_epi32(b, 31), 1));
        nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);

        _mm512_storeu_si512(rk + 16 * h,
            _mm512_mask_mov_epi32(k, nan, _mm512_set1_epi32(INT32_MIN)));
        _mm512_storeu_si512(rk + RP_BLK_FEATURES + 16 * h,
            _mm512_mask_mov_epi32(k, nan, _mm512_set1_epi32(INT32_MAX)));
    }
}


RP_AVX512 static inline __m512i rp_lookup64(const void *t, __m512i idx);


/*
 * The leaf of one row (its keys rk) in one block: each vector of nodes
 * picks its keys from the row's 64 (rp_lookup64: 32 features, both NaN
 * rules) and compares once; then the walk down
 * the mask of right turns, the first three levels by table. About 33
 * instructions a row and tree and no gather, well below 4 levels of
 * gathers or the same on floats (two compares for the two NaN rules).
 */
RP_AVX512 static inline float
rp_qs_block(const rp_qs_block_t *b, const int32_t *rk)
{
    __m512i   x;
    uint32_t  r = 0, i, v;

    _Pragma("GCC unroll 2")
    for (v = 0; v < RP_BLK_VECS; v++) {
        x = rp_lookup64(rk, _mm512_cvtepu8_epi32(
                _mm_loadu_si128((const __m128i *) (b->idx + 16 * v))));
        r |= (uint32_t) _mm512_cmpge_epi32_mask(x,
                 _mm512_loadu_si512(b->tk + 16 * v)) << (16 * v);
    }

    i = rp_blk_walk3[r & 127];

    _Pragma("GCC unroll 4")
    for (v = 3; v < RP_BLK_LEVELS; v++) {
        i = 2 * i + 1 + ((r >> i) & 1);
    }

    return b->leaf[i - RP_BLK_NODES];
}


/* The exit (0..63) of each lane: the lowest bit left, 63 - lzcnt(m & -m). */
RP_AVX512 static inline __m512i
rp_qs_exit(__m512i lo, __m512i hi)
{
    lo = _mm512_and_si512(lo, _mm512_sub_epi64(_mm512_setzero_si512(), lo));
    hi = _mm512_and_si512(hi, _mm512_sub_epi64(_mm512_setzero_si512(), hi));
    lo = _mm512_sub_epi64(_mm512_set1_epi64(63), _mm512_lzcnt_epi64(lo));
    hi = _mm512_sub_epi64(_mm512_set1_epi64(63), _mm512_lzcnt_epi64(hi));

    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                              _mm512_cvtepi64_epi32(hi), 1);
}


/* t[idx] for a 64-entry table of 32-bit values: two 32-entry lookups, and
 * bit 5 of idx picks one. */
RP_AVX512 static inline __m512i
rp_lookup64(const void *t, __m512i idx)
{
    const int  *p = t;
    __m512i     a, b;

    a = _mm512_permutex2var_epi32(_mm512_loadu_si512(p), idx,
                                  _mm512_loadu_si512(p + 16));
    b = _mm512_permutex2var_epi32(_mm512_loadu_si512(p + 32), idx,
                                  _mm512_loadu_si512(p + 48));

    return _mm512_mask_blend_epi32(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(32)),
                                   a, b);
}


RP_AVX512 static inline void
rp_acc16(double *acc, __m512 val)
{
    _mm512_storeu_pd(acc, _mm512_add_pd(_mm512_loadu_pd(acc),
                         _mm512_cvtps_pd(_mm512_castps512_ps256(val))));
    _mm512_storeu_pd(acc + 8, _mm512_add_pd(_mm512_loadu_pd(acc + 8),
                         _mm512_cvtps_pd(_mm256_castpd_ps(
                             _mm512_extractf64x4_pd(_mm512_castps_pd(val), 1)))));
}


/* Exit sets of nv x 16 rows from r: 2 x 8 lanes of 64 bits per vector;
 * nodes [from, to) of the tree, all with the same compare. */
#define RP_QS_APPLY(from, to, pred)                                          \
    for (i = from; i < to; i++) {                                            \
        x = xc + q->off[i] + r;                                              \
        thr = _mm512_set1_ps(q->thr[i]);                                     \
        bits = _mm512_set1_epi64((long long) q->bits[i]);                    \
        _Pragma("GCC unroll 8")                                              \
        for (v = 0; v < nv; v++) {                                           \
            go = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16 * v), thr, pred); \
            ms[2 * v] = _mm512_mask_andnot_epi64(ms[2 * v], (__mmask8) go,   \
                                                 bits, ms[2 * v]);           \
            ms[2 * v + 1] = _mm512_mask_andnot_epi64(ms[2 * v + 1],          \
                                (__mmask8) (go >> 8), bits, ms[2 * v + 1]);  \
        }                                                                    \
    }

/* The same with at most 32 exits: one vector of 16 sets of 32 bits. */
#define RP_QS_APPLY32(from, to, pred)                                        \
    for (i = from; i < to; i++) {                                            \
        x = xc + q->off[i] + r;                                              \
        thr = _mm512_set1_ps(q->thr[i]);                                     \
        bits = _mm512_set1_epi32((int) (uint32_t) q->bits[i]);               \
        _Pragma("GCC unroll 8")                                              \
        for (v = 0; v < nv; v++) {                                           \
            go = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16 * v), thr, pred); \
            ms[v] = _mm512_mask_andnot_epi32(ms[v], go, bits, ms[v]);        \
        }                                                                    \
    }

/*
 * Adds one tree's leaves for rows [r, r + 16 nv) to acc (nv is a constant
 * where this is inlined, so the sets stay in registers). Lanes past cn
 * compute garbage that is never read.
 */
RP_AVX512 static inline __attribute__((always_inline)) void
rp_qs_group(const rp_model_t *m, const rp_qs_tree_t *q, const float *xc,
    size_t r, size_t cn, uint32_t nv, double *acc)
{
    const int    *b = (const int *) m->nodes;
    const float  *x;
    uint32_t      i, v, step;
    __m512i       ms[8], bits, idx[4], split[4], lane, row[4], lg, first;
    __m512        thr;
    __mmask16     go, k[4], any;

    _Pragma("GCC unroll 8")
    for (v = 0; v < 2 * nv; v++) {
        ms[v] = _mm512_set1_epi64(-1);
    }

    /* the NaN rule is in the compare: a default-left node goes right iff
     * x >= threshold (false for NaN), any other iff !(x < threshold) */
    RP_QS_APPLY(0, q->n[0], _CMP_NLT_UQ)
    RP_QS_APPLY(q->n[0], q->n[0] + q->n[1], _CMP_GE_OQ)

    if (q->kind == RP_QS_SMALL) {
        _Pragma("GCC unroll 8")
        for (v = 0; v < nv; v++) {
            idx[v] = rp_qs_exit(ms[2 * v], ms[2 * v + 1]);
            rp_acc16(acc + r + 16 * v,
                     _mm512_castsi512_ps(rp_lookup64(q->exit, idx[v])));
        }
        return;
    }

    /* a cut tree: walk on from the exits (nodes or leaves) */
    lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    lg = _mm512_set1_epi32((int32_t) m->qs->lg);
    first = _mm512_set1_epi32((int32_t) q->first);

    _Pragma("GCC unroll 8")
    for (v = 0; v < nv; v++) {
        idx[v] = rp_lookup64(q->exit, rp_qs_exit(ms[2 * v], ms[2 * v + 1]));
        split[v] = _mm512_set1_epi32(-1);
        row[v] = _mm512_add_epi32(lane, _mm512_set1_epi32((int32_t) (r + 16 * v)));
        k[v] = _mm512_cmplt_epu32_mask(row[v], _mm512_set1_epi32((int32_t) cn));
    }

    for (step = 0; step < q->walk; step++) {
        any = 0;
        _Pragma("GCC unroll 8")
        for (v = 0; v < nv; v++) {
            k[v] = rp_step16(b, &idx[v], &split[v], k[v], first, xc, row[v], lg);
            any = _mm512_kor(any, k[v]);
        }
        if (any == 0) {
            break;                          /* all lanes at leaves */
        }
    }

    _Pragma("GCC unroll 8")
    for (v = 0; v < nv; v++) {
        idx[v] = _mm512_add_epi32(idx[v], _mm512_slli_epi32(idx[v], 1));
        rp_acc16(acc + r + 16 * v, _mm512_i32gather_ps(idx[v], b + 1, 4));
    }
}


/*
 * The same for a BLOCKS tree: the top (at most 32 exits) as above, then
 * each row through the block of its exit. rk: the rows' keys.
 */
RP_AVX512 static inline __attribute__((always_inline)) void
rp_qs_blocks(const rp_model_t *m, const rp_qs_tree_t *q, const float *xc,
    const int32_t *rk, size_t r, size_t cn, uint32_t nv, double *acc)
{
    const char   *bl = (const char *) m->qs->blocks;
    const float  *x;
    uint32_t      i, v, end;
    int32_t       off[64];
    __m512i       ms[4], bits, e;
    __m512        thr;
    __mmask16     go;

    _Pragma("GCC unroll 4")
    for (v = 0; v < nv; v++) {
        ms[v] = _mm512_set1_epi32(-1);
    }

    RP_QS_APPLY32(0, q->n[0], _CMP_NLT_UQ)
    RP_QS_APPLY32(q->n[0], q->n[0] + q->n[1], _CMP_GE_OQ)

    _Pragma("GCC unroll 4")
    for (v = 0; v < nv; v++) {
        e = _mm512_and_si512(ms[v], _mm512_sub_epi32(_mm512_setzero_si512(), ms[v]));
        e = _mm512_sub_epi32(_mm512_set1_epi32(31), _mm512_lzcnt_epi32(e));
        _mm512_storeu_si512(off + 16 * v, _mm512_permutex2var_epi32(
            _mm512_loadu_si512(q->exit), e, _mm512_loadu_si512(q->exit + 16)));
    }

    end = cn - r < 16 * nv ? (uint32_t) (cn - r) : 16 * nv;
    for (i = 0; i < end; i++) {
        acc[r + i] += rp_qs_block((const rp_qs_block_t *) (bl + off[i]),
                                  rk + (r + i) * 2 * RP_BLK_FEATURES);
    }
}


/* A chunk of cn rows, feature major (row stride 1 << m->qs->lg) in xc,
 * into acc. */
RP_AVX512 static void
rp_model_chunk_avx512(const rp_model_t *m, const float *xc, size_t cn,
    double *acc)
{
    const rp_qs_tree_t  *q;
    uint32_t             t, j, nt = m->hdr->n_trees, nf = m->hdr->n_features;
    size_t               r;
    int32_t              rk[RP_CHUNK_MAX * 2 * RP_BLK_FEATURES];
    float                xr[RP_BLK_FEATURES];

    if (m->qs->nblocks != 0) {
        /* blocks exist only for models of at most RP_BLK_FEATURES */
        for (r = 0; r < cn; r++) {
            for (j = 0; j < nf; j++) {
                xr[j] = xc[(j << m->qs->lg) + r];
            }
            rp_row_keys(xr, nf, rk + r * 2 * RP_BLK_FEATURES);
        }
    }

    for (t = 0; t < nt; t++) {
        q = &m->qs->trees[t];

        /* groups of 64 rows, the rest by 32 and 16: no idle vector */
        if (q->kind == RP_QS_BLOCKS) {
            for (r = 0; r + 64 <= cn; r += 64) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 4, acc);
            }
            for (; r + 16 < cn; r += 32) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 2, acc);
            }
            if (r < cn) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 1, acc);
            }
            continue;
        }

        for (r = 0; r + 64 <= cn; r += 64) {
            rp_qs_group(m, q, xc, r, cn, 4, acc);
        }
        for (; r + 16 < cn; r += 32) {
            rp_qs_group(m, q, xc, r, cn, 2, acc);
        }
        if (r < cn) {
            rp_qs_group(m, q, xc, r, cn, 1, acc);
        }
    }
}


/*
 * The AVX-512 batch: rows go feature major into chunks (see rp_qs_group),
 * as many rows as the buffer holds for the model's features, in a power
 * of two, so that per-tree work is shared by many rows. (Larger chunks
 * only cost stack: bench/scorer-design.md.)
 */
static void
rp_model_score_batch512(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    float     xc[RP_XC_FLOATS];
    double    acc[RP_CHUNK_MAX];
    uint32_t  j, nf = m->hdr->n_features, lg = m->qs->lg;
    size_t    c, r, cn, ch, pad;

    ch = (size_t) 1 << lg;

    for (c = 0; c < n; c += ch) {
        cn = n - c < ch ? n - c : ch;
        pad = (cn + 15) / 16 * 16;

        for (j = 0; j < nf; j++) {
            for (r = 0; r < cn; r++) {
                xc[(j << lg) + r] = rows[(c + r) * RP_NFEATURES + m->feat_map[j]];
            }
            for (; r < pad; r++) {
                xc[(j << lg) + r] = 0;       /* whole vectors are read */
            }
        }
        for (r = 0; r < pad; r++) {
            acc[r] = m->hdr->base_margin;
        }

        rp_model_chunk_avx512(m, xc, cn, acc);

        for (r = 0; r < cn; r++) {
            out[c + r] = rp_sigmoid(acc[r]);
        }
    }
}


static const rp_model_kernels_t  rp_model_kernels_avx512_table = {
    "avx512", rp_model_margin_avx2, rp_model_chunk_avx2,
    rp_model_score_batch512, RP_FEW_ROWS_AVX512
};


const rp_model_kernels_t *
rp_model_kernels_avx512(const rp_model_t *m)
{
    return m->qs != NULL && rp_cpu_avx512() ? &rp_model_kernels_avx512_table
                                            : NULL;
}

#else

/* not an x86 build: no tables, no kernel */

int
rp_model_avx512_build(rp_model_t *m)
{
    (void) m;
    return 0;
}


size_t
rp_model_tables_size(const rp_model_t *m)
{
    (void) m;
    return 0;
}


const rp_model_kernels_t *
rp_model_kernels_avx512(const rp_model_t *m)
{
    (void) m;
    return NULL;
}

#endif
