/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model_kernels.h: what the scorer's files share, inside the core
 * library only (the public API is rp_model.h).
 *
 * rp_model_file.c (format, loader), rp_model_score.c (the portable
 * reference scorer and the dispatch), rp_model_avx2.c and
 * rp_model_avx512.c (the kernels). The loader picks one kernel table per
 * model (rp_model_pick), so that a call to score goes through one pointer
 * and never asks the CPU again; every table gives the same bits as the
 * reference, which the tests check by switching tables (rp_model_simd).
 */

#ifndef RP_MODEL_KERNELS_H
#define RP_MODEL_KERNELS_H

#include <math.h>
#include <stddef.h>
#include "rp_model.h"

/*
 * A leaf's split is all ones: its feature index masked with RP_FMASK reads
 * x[63], which is why every row buffer given to a kernel has
 * RP_MODEL_MAX_FEATURES floats.
 */
#define RP_FMASK   (RP_MODEL_MAX_FEATURES - 1)

typedef char rp_check_fmask[(RP_MODEL_MAX_FEATURES & RP_FMASK) == 0 ? 1 : -1];

/* the largest chunk of rows a chunk kernel is given */
#define RP_KERNEL_CHUNK  64

struct rp_model_kernels_s {
    const char  *name;

    /* the margin of one row in model order (RP_MODEL_MAX_FEATURES floats) */
    double     (*margin)(const rp_model_t *m, const float *x);

    /* adds the trees' leaves to out[0..cn) for cn <= RP_KERNEL_CHUNK rows
     * in model order, RP_MODEL_MAX_FEATURES floats a row */
    void       (*chunk)(const rp_model_t *m, const float *x, size_t cn,
                        double *out);

    /* a whole batch in table order, probabilities into out; NULL when the
     * kernel has none (the dispatch then goes by chunks) */
    void       (*batch)(const rp_model_t *m, const float *rows, size_t n,
                        double *out);

    /* below this many rows a batch is scored row by row: the batch paths'
     * lanes are rows and would mostly idle (bench/scorer-design.md) */
    size_t       few;
};

extern const rp_model_kernels_t  rp_model_kernels_ref;

/* The AVX2 table, or NULL when this build or this CPU has no AVX2. */
const rp_model_kernels_t *rp_model_kernels_avx2(void);

/* The AVX-512 table, or NULL when this build or this CPU has no AVX-512
 * (F and CD) or m has no tables (rp_model_avx512_build). */
const rp_model_kernels_t *rp_model_kernels_avx512(const rp_model_t *m);

/* Builds m->qs when the CPU has AVX-512 (else leaves it NULL): 0, or -1
 * when out of memory. */
int rp_model_avx512_build(rp_model_t *m);

/* Sets m->kern: the fastest table the CPU has, within rp_model_simd's cap. */
void rp_model_pick(rp_model_t *m);

/* inline: batches call it once a row, next to a few ns of tree work */
static inline double
rp_sigmoid(double margin)
{
    return 1.0 / (1.0 + exp(-margin));
}

/* below this many rows a batch goes row by row (bench/scorer-design.md) */
#define RP_FEW_ROWS_PORTABLE  24
#define RP_FEW_ROWS_AVX2      24
#define RP_FEW_ROWS_AVX512    3

/*
 * The SIMD files are compiled on x86 with GCC or clang only, their
 * functions with target attributes (one set of flags builds every file of
 * the module); elsewhere they define their getters to return NULL.
 */
#if (defined(__x86_64__) || defined(__i386__)) \
    && (defined(__GNUC__) || defined(__clang__))

#define RP_AVX_BUILD  1
#define RP_AVX2       __attribute__((target("avx2")))
#define RP_AVX512     __attribute__((target("avx512f,avx512cd")))

/* the AVX2 kernels, which the AVX-512 table shares */
double rp_model_margin_avx2(const rp_model_t *m, const float *x);
void rp_model_chunk_avx2(const rp_model_t *m, const float *x, size_t cn,
    double *out);

#endif

#endif /* RP_MODEL_KERNELS_H */
