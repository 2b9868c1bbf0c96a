/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model.h: the model file (model.rpf), its writer, loader and scorer.
 *
 * File layout, little-endian only, every section 8-byte aligned so it can
 * be used straight from mmap:
 *
 *   header     rp_model_header_t (256 bytes)
 *   names      n_features x char[RP_FEATURE_NAME_MAX], NUL padded
 *   trees      n_trees x rp_tree_t
 *   nodes      n_nodes x rp_node_t (12 bytes)
 *   priors     format 2 only, when the model carries product priors:
 *     values   (n_priors + 1) x prior_n floats; row 0 is the default row
 *              (unknown products), row k > 0 a product's
 *     slots    prior_slots x rp_prior_slot_t, an open-addressing table of
 *              the products' id hashes (linear probing, at most
 *              prior_probe steps from an id's home slot); row 0 = empty
 *     ids      prior_ids_len bytes: the product ids, for the exact compare
 *   covers     format 3 only: n_nodes floats at cover_off, each node's
 *              training cover (sum of hessians), what explanations weigh
 *              branches by (rp_explain.h); format 3 has priors only when
 *              priors_off != 0
 *
 * crc32 (IEEE, zlib's) covers every byte after the header. The writer
 * writes format 3 when it is given covers, else format 2 with priors and
 * format 1 without, so files without covers stay readable by older
 * builds; this build reads all three.
 *
 * Trees are stored in depth-first pre-order with node indices relative to
 * the tree's first node: an internal node's left ("yes") child is the next
 * node (i + 1), its right child is `right` (> i + 1). Hence every child
 * index exceeds its parent's, no cycle is possible, and a walk ends in at
 * most node_count steps.
 *
 * Semantics (XGBoost's): at an internal node go left iff
 * x[feature] < value; a NaN input goes left iff the node's default_left bit
 * is set. The margin is base_margin + sum of the reached leaf values, and
 * RP_OBJ_LOGISTIC turns it into a probability with the logistic function.
 */

#ifndef RP_MODEL_H
#define RP_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "rp_features.h"

#define RP_MODEL_MAGIC          "RPRF"
#define RP_MODEL_FORMAT         2u         /* with priors */
#define RP_MODEL_FORMAT_V1      1u         /* without priors */
#define RP_MODEL_FORMAT_V3      3u         /* with covers: the newest read */
#define RP_MODEL_ENDIAN         0x01020304u
#define RP_MODEL_MAX_FEATURES   64
#define RP_MODEL_MAX_DEPTH      64
#define RP_MODEL_MAX_TREES      100000u
#define RP_MODEL_MAX_NODES      (1u << 26)
#define RP_MODEL_VERSION_MAX    64         /* including the NUL */

#define RP_MODEL_PRIOR_N        5          /* floats a product prior row */
#define RP_MODEL_MAX_PRIORS     (1u << 24)
#define RP_MODEL_PRIOR_PROBE_MAX 32        /* longest probe sequence */

#define RP_OBJ_LOGISTIC         1u         /* p = 1 / (1 + exp(-margin)) */

#define RP_NODE_LEAF            0xffffffffu
#define RP_NODE_DEFAULT_LEFT    0x80000000u
#define RP_NODE_FEATURE_MASK    0x7fffffffu

typedef struct {
    uint32_t split;   /* RP_NODE_LEAF, or feature index | RP_NODE_DEFAULT_LEFT */
    float    value;   /* threshold, or the leaf value */
    uint32_t right;   /* right child (relative to the tree), 0 in leaves */
} rp_node_t;

typedef struct {
    uint32_t first;   /* index of the root in the node array */
    uint32_t count;   /* nodes of this tree */
    uint32_t depth;   /* longest root-to-leaf path, in edges */
    uint32_t reserved;
} rp_tree_t;

/* One slot of the prior table; row 0: empty (then every field is 0). */
typedef struct {
    uint32_t hash;    /* low 32 bits of the id's hash (rp_model_prior_hash) */
    uint32_t row;     /* 1..n_priors */
    uint32_t id_off;  /* in the ids pool */
    uint32_t id_len;  /* 1..RP_ID_MAX */
} rp_prior_slot_t;

typedef struct {
    char     magic[4];
    uint32_t format;
    uint32_t endian;
    uint32_t header_size;
    uint64_t file_size;
    uint32_t n_features;
    uint32_t n_trees;
    uint32_t n_nodes;
    uint32_t objective;
    double   base_margin;
    uint32_t names_off;
    uint32_t trees_off;
    uint32_t nodes_off;
    uint32_t crc32;
    int64_t  trained_at;
    uint32_t max_depth;
    uint32_t reserved0;
    char     version[RP_MODEL_VERSION_MAX];
    /* format 2, all 0 without priors */
    uint32_t priors_off;
    uint32_t n_priors;
    uint32_t prior_n;         /* RP_MODEL_PRIOR_N */
    uint32_t prior_slots;     /* a power of two > n_priors */
    uint32_t prior_probe;     /* longest probe sequence of the table */
    uint32_t prior_ids_len;
    /* format 3 */
    uint32_t cover_off;       /* the cover section */
    uint32_t reserved1;
    uint8_t  reserved[80];
} rp_model_header_t;

struct rp_qs_s;

/* the explanation tables built at load (rp_explain.h) */
struct rp_explain_s;

/* the scoring kernels chosen at load (rp_model_kernels.h) */
typedef struct rp_model_kernels_s  rp_model_kernels_t;

/* A validated model, mapped or borrowed. */
typedef struct {
    const rp_model_header_t *hdr;
    const char              *names;   /* n_features x RP_FEATURE_NAME_MAX */
    const rp_tree_t         *trees;
    const rp_node_t         *nodes;
    uint8_t                  feat_map[RP_MODEL_MAX_FEATURES]; /* model j -> table index */
    void                    *map;      /* mmap base, NULL when borrowed */
    size_t                   map_len;
    struct rp_qs_s          *qs;       /* the AVX-512 batch scorer's tables,
                                          built at load; NULL without AVX-512 */
    const float             *prior_values;   /* NULL without priors */
    const rp_prior_slot_t   *prior_slots;
    const char              *prior_ids;
    const rp_model_kernels_t *kern;    /* chosen at load */
    struct rp_explain_s     *ex;       /* built at load from the covers;
                                          NULL without them */
} rp_model_t;

/* What the writer needs. nodes are per tree, pre-order, relative indices. */
typedef struct {
    uint32_t           n_features;
    const char *const *feature_names;
    uint32_t           n_trees;
    const uint32_t    *tree_count;     /* nodes per tree; trees are concatenated */
    const rp_node_t   *nodes;
    const float       *cover;          /* per node (as nodes), the training
                                          cover (sum of hessians) that
                                          explanations weigh by; NULL = none */
    uint32_t           objective;
    double             base_margin;
    const char        *version;
    int64_t            trained_at;
    /* product priors (optional: prior_values NULL = none) */
    uint32_t           n_priors;
    const char *const *prior_ids;      /* n_priors ids, distinct */
    const uint32_t    *prior_id_lens;
    const float       *prior_values;   /* (n_priors + 1) x RP_MODEL_PRIOR_N,
                                          row 0 the default */
} rp_model_spec_t;

/* CRC-32 (IEEE, zlib's crc32()) of buf, continuing crc (0 to start). */
uint32_t rp_crc32(uint32_t crc, const void *buf, size_t len);

/*
 * Serializes a spec into a malloc'ed image (*out, *len). Computes depths,
 * offsets and the checksum. Does not validate beyond what it needs; the
 * loader is the judge. 0 / -1 with err.
 */
int rp_model_serialize(const rp_model_spec_t *spec, void **out, size_t *len,
    char *err, size_t errlen);

/* Serialize, write PATH.tmp, fsync, rename to PATH, fsync the directory. */
int rp_model_write(const char *path, const rp_model_spec_t *spec,
    char *err, size_t errlen);

/*
 * Validates an image in memory (buf must stay valid and be 8-byte aligned)
 * and fills m, borrowing buf. Every refusal names its reason in err. On a
 * CPU with AVX-512 it also allocates the batch scorer's tables (m->qs):
 * rp_model_close frees them.
 */
int rp_model_load_buffer(rp_model_t *m, const void *buf, size_t len,
    char *err, size_t errlen);

/* open + fstat + mmap(PROT_READ, MAP_PRIVATE) + validate. 0 / -1 with err. */
int rp_model_open(rp_model_t *m, const char *path, char *err, size_t errlen);

/* munmap when mapped, free the tables; safe on a zeroed or closed model. */
void rp_model_close(rp_model_t *m);

/* Bytes of m->qs: 1216 a tree, plus 320 per block of a tree of depth 7 to
 * 10 with more than 127 nodes (up to 32 blocks a tree). */
size_t rp_model_tables_size(const rp_model_t *m);

/* The margin (log-odds) of one row in table order, as rp_model_score. */
double rp_model_margin(const rp_model_t *m, const float *features);

/* Probability for one row of features in model order (n_features floats). */
double rp_model_score_raw(const rp_model_t *m, const float *x);

/* Probability for one row in table order (RP_NFEATURES floats). Allocates nothing. */
double rp_model_score(const rp_model_t *m, const float *features);

/* n rows in table order (n x RP_NFEATURES floats, contiguous) -> out[n]. */
void rp_model_score_batch(const rp_model_t *m, const float *rows, size_t n,
    double *out);

/*
 * Scoring uses AVX2 when the CPU has it, and AVX-512 (F and CD) for batches
 * when it has that too (same results, to the bit, as the portable path);
 * the loader chooses once per model. rp_model_simd(m, 0) forces the
 * portable path, (m, 2) allows AVX2 but not AVX-512, (m, 1) restores the
 * automatic choice: for the models loaded from then on, and m's choice is
 * made again (m may be NULL). For tests and benchmarks.
 */
void rp_model_simd(rp_model_t *m, int on);

/* The name of m's kernels: "portable", "avx2" or "avx512". */
const char *rp_model_kernel_name(const rp_model_t *m);

/*
 * The prior row of a product (RP_MODEL_PRIOR_N floats): its own row, the
 * model's default row for a product the table does not hold, or a row of
 * NaN for a model without priors. Never NULL; O(1) (at most prior_probe
 * slots compared); allocates nothing.
 */
const float *rp_model_prior(const rp_model_t *m, const char *product_id,
    size_t len);

/* Bytes of the prior section (values, slots, ids); 0 without priors. */
size_t rp_model_priors_size(const rp_model_t *m);

/* The 64-bit hash of the prior table (FNV-1a, then mixed). */
uint64_t rp_model_prior_hash(const char *s, size_t len);

/* Confidence bucket: "low" (< 0.3), "medium" (< 0.7), "high". */
#define RP_CONF_MEDIUM  0.3
#define RP_CONF_HIGH    0.7
const char *rp_confidence(double p);

#endif /* RP_MODEL_H */
