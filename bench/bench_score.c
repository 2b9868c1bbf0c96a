/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * bench_score.c: scoring cost of the core scorer.
 *
 *   bench_score [--portable | --avx2] [--rows MATRIX.csv] [MODEL.rpf ...]
 *   bench_score --explain [--rows MATRIX.csv] [MODEL.rpf ...]
 *
 * --portable forces the portable scorer (no AVX2), --avx2 allows AVX2 but
 * not AVX-512, for comparison.
 *
 * Rows: the feature columns of an `rp-train features` matrix (real feature
 * distributions, hence realistic branch behaviour), repeated to 10,000;
 * without --rows, uniform random values in [0, 100).
 *
 * For each model (the given files, plus a synthetic forest of 100 complete
 * trees of depth 10 over the 14 features), prints ns per row for single
 * rows and for batches of 100 and 10,000 rows, the mean nodes visited per
 * row, the allocations made by the scoring calls (malloc is wrapped at
 * link time and counted) and the size of the tables the loader derives for
 * the AVX-512 batch scorer (rp_model_tables_size).
 *
 * --explain prints instead, for each model with covers (the synthetic
 * forest gets covers that add up), the cost of an explanation per row:
 * Saabas and TreeSHAP (rp_explain, as the module calls it), against the
 * scoring of one row, and the allocations they made.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp_explain.h"
#include "rp_model.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);

static volatile long  allocs;

void *__wrap_malloc(size_t n) { allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t s) { allocs++; return __real_calloc(n, s); }
void *__wrap_realloc(void *p, size_t n) { allocs++; return __real_realloc(p, n); }


static uint64_t
rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}


static double
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);   /* CPU time: immune to preemption by other processes */
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}


/* A complete tree of the given depth in pre-order; returns nodes written.
 * A leaf's cover is a random count, a node's the sum of its children's. */
static uint32_t
grow(rp_node_t *n, float *cover, uint32_t i, int depth, uint64_t *s)
{
    uint32_t  left_size;

    if (depth == 0) {
        n[i] = (rp_node_t) { RP_NODE_LEAF, (float) ((int) (rnd(s) % 200) - 100) / 1000.0f, 0 };
        cover[i] = (float) (1 + rnd(s) % 64);
        return 1;
    }
    n[i].split = (uint32_t) (rnd(s) % RP_NFEATURES);
    n[i].value = (float) (rnd(s) % 100);
    left_size = grow(n, cover, i + 1, depth - 1, s);
    n[i].right = i + 1 + left_size;
    left_size = 1 + left_size + grow(n, cover, n[i].right, depth - 1, s);
    cover[i] = cover[i + 1] + cover[n[i].right];
    return left_size;
}


static void *
synthetic(size_t *len, uint32_t ntrees, int depth, const char *version)
{
    static const char *names[RP_NFEATURES];
    static const char *pid[1] = { "prod_0001" };
    static const uint32_t plen[1] = { 9 };
    static const float pval[2 * RP_MODEL_PRIOR_N] = {
        0, 0, 0.1f, 0.2f, 10, 30, 5, 0.3f, 0.4f, 20
    };
    rp_model_spec_t    spec;
    uint32_t           counts[100], per = (1u << (depth + 1)) - 1, t;
    rp_node_t         *nodes, *tmp;
    float             *cover, *ctmp;
    uint64_t           s = 1;
    void              *img;
    char               err[RP_ERR_MAX];
    int                i;

    for (i = 0; i < RP_NFEATURES; i++) {
        names[i] = rp_features[i].name;
    }
    nodes = malloc(sizeof(rp_node_t) * per * ntrees);
    tmp = malloc(sizeof(rp_node_t) * per);
    cover = malloc(sizeof(float) * per * ntrees);
    ctmp = malloc(sizeof(float) * per);
    for (t = 0; t < ntrees; t++) {
        counts[t] = grow(tmp, ctmp, 0, depth, &s);
        memcpy(nodes + t * per, tmp, sizeof(rp_node_t) * per);
        memcpy(cover + t * per, ctmp, sizeof(float) * per);
    }
    memset(&spec, 0, sizeof(spec));
    spec.n_features = RP_NFEATURES;
    spec.feature_names = names;
    spec.n_trees = ntrees;
    spec.tree_count = counts;
    spec.nodes = nodes;
    spec.cover = cover;
    spec.objective = RP_OBJ_LOGISTIC;
    spec.version = version;

    /* its trees split on the product priors too: a table comes with them */
    spec.n_priors = 1;
    spec.prior_ids = pid;
    spec.prior_id_lens = plen;
    spec.prior_values = pval;
    if (rp_model_serialize(&spec, &img, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_score: %s\n", err);
        exit(1);
    }
    free(nodes);
    free(tmp);
    free(cover);
    free(ctmp);
    return img;
}


static double
visits(const rp_model_t *m, const float *x)
{
    uint32_t  t, i, s;
    double    v = 0;

    for (t = 0; t < m->hdr->n_trees; t++) {
        const rp_node_t *n = m->nodes + m->trees[t].first;

        for (i = 0; (s = n[i].split) != RP_NODE_LEAF; v++) {
            i = x[m->feat_map[s & RP_NODE_FEATURE_MASK]] < n[i].value ? i + 1 : n[i].right;
        }
        v++;
    }
    return v;
}


enum { NROWS = 10000 };
static float   rows[NROWS * RP_NFEATURES];


/* Loads the 14 feature columns of a features matrix, repeated to NROWS. */
static int
load_rows(const char *path)
{
    FILE   *f = fopen(path, "r");
    char    line[4096], *p, *end;
    long    n = 0, r, i;
    int     col;

    if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
        return -1;
    }
    while (n < NROWS && fgets(line, sizeof(line), f) != NULL) {
        p = line;
        for (col = 0; col < 2; col++) {          /* user_id, product_id */
            p = strchr(p, ',');
            if (p == NULL) {
                return -1;
            }
            p++;
        }
        for (i = 0; i < RP_NFEATURES; i++) {
            rows[n * RP_NFEATURES + i] = strtof(p, &end);
            if (end == p) {
                return -1;
            }
            p = end + 1;
        }
        n++;
    }
    fclose(f);
    if (n == 0) {
        return -1;
    }
    for (r = n; r < NROWS; r++) {
        memcpy(rows + r * RP_NFEATURES, rows + (r % n) * RP_NFEATURES,
               sizeof(float) * RP_NFEATURES);
    }
    return 0;
}


static void
bench(const char *label, const rp_model_t *m)
{
    static double  out[NROWS];
    double         t0, single, b100, b10k, sink = 0, nv = 0;
    long           a0, reps, r, i;
    for (i = 0; i < 1000; i++) {
        nv += visits(m, rows + i * RP_NFEATURES);
    }

    a0 = allocs;
    reps = 200000 / m->hdr->n_trees + 1000;
    t0 = now_ns();
    for (r = 0; r < reps; r++) {
        sink += rp_model_score(m, rows + (r % NROWS) * RP_NFEATURES);
    }
    single = (now_ns() - t0) / reps;

    t0 = now_ns();
    for (r = 0; r < reps / 100 + 1; r++) {
        rp_model_score_batch(m, rows + (r % 100) * 100 * RP_NFEATURES, 100, out);
        sink += out[0];
    }
    b100 = (now_ns() - t0) / ((reps / 100 + 1) * 100.0);

    t0 = now_ns();
    for (r = 0; r < 5; r++) {
        rp_model_score_batch(m, rows, NROWS, out);
        sink += out[1];
    }
    b10k = (now_ns() - t0) / (5.0 * NROWS);

    printf("| %s | %u | %u | %u | %.0f | %.0f | %.0f | %.0f | %.2f | %ld | %.0f |\n",
           label, m->hdr->n_trees, m->hdr->n_nodes, m->hdr->max_depth,
           nv / 1000, single, b100, b10k, single / (nv / 1000), allocs - a0,
           rp_model_tables_size(m) / 1024.0);
    if (sink == 12345.678) {
        puts("");
    }
}


/* ns per row of each method, and of scoring one row, for the same rows */
static void
bench_explain(const char *label, const rp_model_t *m)
{
    double   t0, score, saabas, shap, sink = 0, bias,
             contrib[RP_MODEL_MAX_FEATURES];
    long     a0, a1, r, reps;
    void    *ws;

    if (!rp_explain_available(m)) {
        printf("| %s | %u | %u | - | - | - | no covers | - |\n", label,
               m->hdr->n_trees, m->hdr->max_depth);
        return;
    }

    ws = malloc(rp_explain_workspace_size(m));

    reps = 2000000 / m->hdr->n_nodes + 200;

    t0 = now_ns();
    for (r = 0; r < reps; r++) {
        sink += rp_model_score(m, rows + (r % NROWS) * RP_NFEATURES);
    }
    score = (now_ns() - t0) / reps;

    a0 = allocs;
    t0 = now_ns();
    for (r = 0; r < reps; r++) {
        rp_explain(m, RP_EXPLAIN_SAABAS, rows + (r % NROWS) * RP_NFEATURES,
                   ws, &bias, contrib);
        sink += contrib[0];
    }
    saabas = (now_ns() - t0) / reps;

    /* TreeSHAP is orders of magnitude slower: fewer rows */
    reps = reps / 50 + 20;
    t0 = now_ns();
    for (r = 0; r < reps; r++) {
        rp_explain(m, RP_EXPLAIN_TREE_SHAP, rows + (r % NROWS) * RP_NFEATURES,
                   ws, &bias, contrib);
        sink += contrib[0];
    }
    shap = (now_ns() - t0) / reps;
    a1 = allocs;

    printf("| %s | %u | %u | %.0f | %.0f | %.1f | %.2f | %ld |\n", label,
           m->hdr->n_trees, m->hdr->max_depth, score, saabas, shap / 1000,
           rp_explain_workspace_size(m) / 1024.0, a1 - a0);
    free(ws);
    if (sink == 12345.678) {
        puts("");
    }
}


int
main(int argc, char **argv)
{
    rp_model_t  m;
    char        err[RP_ERR_MAX];
    void       *img;
    size_t      len;
    int         i = 1;
    uint64_t    s = 99;
    long        k;
    int         explain = 0;

    for (k = 0; k < NROWS * RP_NFEATURES; k++) {
        rows[k] = (float) (rnd(&s) % 100);
    }
    if (argc > 1 && strcmp(argv[1], "--explain") == 0) {
        explain = 1;
        argv++;
        argc--;
    }
    if (argc > 1 && strcmp(argv[1], "--portable") == 0) {
        rp_model_simd(NULL, 0);
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "--avx2") == 0) {
        rp_model_simd(NULL, 2);
        argv++;
        argc--;
    }
    if (argc > 2 && strcmp(argv[1], "--rows") == 0) {
        if (load_rows(argv[2]) != 0) {
            fprintf(stderr, "bench_score: cannot read feature rows from %s\n", argv[2]);
            return 1;
        }
        i = 3;
    }

    if (explain) {
        printf("| model | trees | max depth | ns/row scoring | ns/row Saabas | "
               "us/row TreeSHAP | workspace (KiB) | allocations while "
               "explaining |\n");
        printf("|---|---|---|---|---|---|---|---|\n");
        for (; i < argc; i++) {
            if (rp_model_open(&m, argv[i], err, sizeof(err)) != 0) {
                fprintf(stderr, "bench_score: %s: %s\n", argv[i], err);
                return 1;
            }
            bench_explain(m.hdr->version, &m);
            rp_model_close(&m);
        }
        img = synthetic(&len, 100, 10, "synthetic-100x10");
        if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
            fprintf(stderr, "bench_score: synthetic: %s\n", err);
            return 1;
        }
        bench_explain("synthetic 100 trees x depth 10", &m);
        rp_model_close(&m);
        free(img);
        return 0;
    }

    printf("| model | trees | nodes | max depth | nodes visited/row | ns/row single | "
           "ns/row batch 100 | ns/row batch 10k | ns/node visit (single) | "
           "allocations while scoring | scorer tables (KiB) |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");

    for (; i < argc; i++) {
        if (rp_model_open(&m, argv[i], err, sizeof(err)) != 0) {
            fprintf(stderr, "bench_score: %s: %s\n", argv[i], err);
            return 1;
        }
        bench(m.hdr->version, &m);
        rp_model_close(&m);
    }

    img = synthetic(&len, 100, 10, "synthetic-100x10");
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_score: synthetic: %s\n", err);
        return 1;
    }
    bench("synthetic 100 trees x depth 10", &m);
    rp_model_close(&m);
    free(img);

    /* the floor: the same scorer on a forest small enough to stay in L1
     * (24 complete trees of depth 6, 36 KiB; 24 fills the AVX2 path's
     * lanes): the cost of a node visit without cache misses */
    img = synthetic(&len, 24, 6, "floor-24x6");
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
        fprintf(stderr, "bench_score: floor: %s\n", err);
        return 1;
    }
    bench("floor: 24 trees x depth 6 (L1-resident)", &m);
    rp_model_close(&m);
    free(img);

    return 0;
}
