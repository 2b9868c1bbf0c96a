/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_model.c: model write -> map -> score round trip, and every refusal
 * of the validator ("malformed model tests").
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "rp_model.h"


/*
 * Two trees over (purchase_count, days_since_last_purchase), base 0.1:
 *   tree 0: f0 < 2.5 ? -1.0 : (f1 < 30 ? 2.0 : 0.5)   (NaN f1 goes left)
 *   tree 1: leaf 0.25
 */
static const char *const names[] = { "purchase_count",
                                     "days_since_last_purchase" };
static const rp_node_t nodes[] = {
    { 0, 2.5f, 2 },
    { RP_NODE_LEAF, -1.0f, 0 },
    { 1 | RP_NODE_DEFAULT_LEFT, 30.0f, 4 },
    { RP_NODE_LEAF, 2.0f, 0 },
    { RP_NODE_LEAF, 0.5f, 0 },
    { RP_NODE_LEAF, 0.25f, 0 },
};
static const uint32_t counts[] = { 5, 1 };


static rp_model_spec_t
spec(void)
{
    rp_model_spec_t  s;

    memset(&s, 0, sizeof(s));
    s.n_features = 2;
    s.feature_names = names;
    s.n_trees = 2;
    s.tree_count = counts;
    s.nodes = nodes;
    s.objective = RP_OBJ_LOGISTIC;
    s.base_margin = 0.1;
    s.version = "test-1";
    s.trained_at = 1700000000;

    return s;
}


static double
sigmoid(double m)
{
    return 1.0 / (1.0 + exp(-m));
}


/* An aligned copy of a fresh image. */
static unsigned char *
image(size_t *len)
{
    rp_model_spec_t   s = spec();
    void             *img;
    char              err[RP_ERR_MAX];

    assert_int_equal(rp_model_serialize(&s, &img, len, err, sizeof(err)), 0);
    return img;
}


static void
recrc(unsigned char *img, size_t len)
{
    rp_model_header_t  *h = (rp_model_header_t *) img;

    h->crc32 = rp_crc32(0, img + sizeof(*h), len - sizeof(*h));
}


static void
test_roundtrip(void **state)
{
    unsigned char  *img;
    size_t          len;
    rp_model_t      m;
    char            err[RP_ERR_MAX];
    float           f[RP_NFEATURES], rows[3 * RP_NFEATURES], x[2];
    double          out[3];

    (void) state;
    img = image(&len);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_int_equal(m.hdr->n_trees, 2);
    assert_int_equal(m.hdr->n_nodes, 6);
    assert_int_equal(m.hdr->max_depth, 2);
    assert_int_equal(m.trees[0].depth, 2);
    assert_int_equal(m.trees[1].depth, 0);
    assert_int_equal(m.feat_map[0], RP_F_PURCHASE_COUNT);
    assert_int_equal(m.feat_map[1], RP_F_DAYS_SINCE_LAST_PURCHASE);
    assert_string_equal(m.hdr->version, "test-1");

    memset(f, 0, sizeof(f));
    f[RP_F_PURCHASE_COUNT] = 3;
    f[RP_F_DAYS_SINCE_LAST_PURCHASE] = 10;
    assert_float_equal(rp_model_score(&m, f), sigmoid(0.1 + 2.0 + 0.25), 1e-12);

    f[RP_F_DAYS_SINCE_LAST_PURCHASE] = 30;     /* not < 30: right */
    assert_float_equal(rp_model_score(&m, f), sigmoid(0.1 + 0.5 + 0.25), 1e-12);
    f[RP_F_DAYS_SINCE_LAST_PURCHASE] = NAN;    /* default left */
    assert_float_equal(rp_model_score(&m, f), sigmoid(0.1 + 2.0 + 0.25), 1e-12);
    f[RP_F_PURCHASE_COUNT] = 2;
    assert_float_equal(rp_model_score(&m, f), sigmoid(0.1 - 1.0 + 0.25), 1e-12);

    x[0] = 3;
    x[1] = 100;
    assert_float_equal(rp_model_score_raw(&m, x), sigmoid(0.85), 1e-12);

    memset(rows, 0, sizeof(rows));
    rows[RP_F_PURCHASE_COUNT] = 3;
    rows[RP_F_DAYS_SINCE_LAST_PURCHASE] = 1;
    rows[RP_NFEATURES + RP_F_PURCHASE_COUNT] = 1;
    rows[2 * RP_NFEATURES + RP_F_PURCHASE_COUNT] = 9;
    rows[2 * RP_NFEATURES + RP_F_DAYS_SINCE_LAST_PURCHASE] = 99;
    rp_model_score_batch(&m, rows, 3, out);
    assert_float_equal(out[0], sigmoid(2.35), 1e-12);
    assert_float_equal(out[1], sigmoid(-0.65), 1e-12);
    assert_float_equal(out[2], sigmoid(0.85), 1e-12);

    rp_model_close(&m);
    free(img);
}


static void
test_file(void **state)
{
    rp_model_spec_t  s = spec();
    rp_model_t       m;
    char             err[RP_ERR_MAX], path[] = "/tmp/rp-test-model-XXXXXX";
    int              fd;
    float            f[RP_NFEATURES] = { 0 };

    (void) state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    assert_int_equal(rp_model_write(path, &s, err, sizeof(err)), 0);
    assert_int_equal(rp_model_open(&m, path, err, sizeof(err)), 0);
    assert_non_null(m.map);
    f[RP_F_PURCHASE_COUNT] = 1;
    assert_float_equal(rp_model_score(&m, f), sigmoid(-0.65), 1e-12);
    rp_model_close(&m);
    rp_model_close(&m);                         /* idempotent */

    /* truncate the file: refused, never mapped past its end */
    assert_int_equal(truncate(path, 300), 0);
    assert_int_equal(rp_model_open(&m, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "file size"));
    unlink(path);

    assert_int_equal(rp_model_open(&m, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(rp_model_open(&m, "/tmp", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
}


/* Applies a corruption to a fresh image and expects this refusal. */
typedef void (*corrupt_fn)(unsigned char *img, size_t *len);

static void
expect_refusal(corrupt_fn fn, int fix_crc, const char *reason)
{
    unsigned char  *img;
    size_t          len;
    rp_model_t      m;
    char            err[RP_ERR_MAX] = "";

    img = image(&len);
    fn(img, &len);
    if (fix_crc) {
        recrc(img, len);
    }
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != -1
        || strstr(err, reason) == NULL)
    {
        fail_msg("expected refusal \"%s\", got \"%s\"", reason, err);
    }
    free(img);
}

#define HDR(img)    ((rp_model_header_t *) (img))
#define NODES(img)  ((rp_node_t *) ((img) + HDR(img)->nodes_off))
#define TREES(img)  ((rp_tree_t *) ((img) + HDR(img)->trees_off))

static void c_magic(unsigned char *i, size_t *l) { (void) l; i[0] = 'X'; }
static void c_format(unsigned char *i, size_t *l) { (void) l; HDR(i)->format = 9; }
static void c_endian(unsigned char *i, size_t *l) { (void) l; HDR(i)->endian = 0x04030201; }
static void c_hsize(unsigned char *i, size_t *l) { (void) l; HDR(i)->header_size = 128; }
static void c_trunc(unsigned char *i, size_t *l) { (void) i; *l -= 12; }
static void c_short(unsigned char *i, size_t *l) { (void) i; *l = 100; }
static void c_bitflip(unsigned char *i, size_t *l) { i[*l - 3] ^= 0x10; }
static void c_nfeat(unsigned char *i, size_t *l) { (void) l; HDR(i)->n_features = 0; }
static void c_ntrees(unsigned char *i, size_t *l) { (void) l; HDR(i)->n_trees = 3; }
static void c_obj(unsigned char *i, size_t *l) { (void) l; HDR(i)->objective = 7; }
static void c_base(unsigned char *i, size_t *l) { (void) l; HDR(i)->base_margin = NAN; }
static void c_offs(unsigned char *i, size_t *l) { (void) l; HDR(i)->nodes_off += 8; }
static void c_version(unsigned char *i, size_t *l) { (void) l; memset(HDR(i)->version, 'v', RP_MODEL_VERSION_MAX); }
static void c_child_range(unsigned char *i, size_t *l) { (void) l; NODES(i)[0].right = 7; }
static void c_child_back(unsigned char *i, size_t *l) { (void) l; NODES(i)[2].right = 1; }
static void c_child_self(unsigned char *i, size_t *l) { (void) l; NODES(i)[2].right = 3; }
static void c_feature(unsigned char *i, size_t *l) { (void) l; NODES(i)[2].split = 5; }
static void c_nan(unsigned char *i, size_t *l) { (void) l; NODES(i)[0].value = NAN; }
static void c_leaf_inf(unsigned char *i, size_t *l) { (void) l; NODES(i)[1].value = INFINITY; }
static void c_leaf_child(unsigned char *i, size_t *l) { (void) l; NODES(i)[1].right = 2; }
static void c_orphan(unsigned char *i, size_t *l) { (void) l; NODES(i)[0] = (rp_node_t) { RP_NODE_LEAF, 1.0f, 0 }; }
static void c_name(unsigned char *i, size_t *l) { (void) l; memcpy(i + HDR(i)->names_off, "shoe_size\0", 10); }
static void c_dup(unsigned char *i, size_t *l) { (void) l; memcpy(i + HDR(i)->names_off + RP_FEATURE_NAME_MAX, "purchase_count\0", 15); }
static void c_depth(unsigned char *i, size_t *l) { (void) l; TREES(i)[0].depth = 1; }
static void c_tree_range(unsigned char *i, size_t *l) { (void) l; TREES(i)[1].first = 4; }
static void c_tree_empty(unsigned char *i, size_t *l) { (void) l; TREES(i)[1].count = 0; }


static void
test_refusals(void **state)
{
    (void) state;
    expect_refusal(c_magic, 0, "bad magic");
    expect_refusal(c_format, 0, "unsupported format version 9");
    expect_refusal(c_endian, 0, "byte-order");
    expect_refusal(c_hsize, 0, "header size");
    expect_refusal(c_trunc, 0, "file size");
    expect_refusal(c_short, 0, "too short");
    expect_refusal(c_bitflip, 0, "checksum mismatch");
    expect_refusal(c_nfeat, 0, "feature count 0");
    expect_refusal(c_ntrees, 0, "offsets");
    expect_refusal(c_obj, 0, "unknown objective");
    expect_refusal(c_base, 0, "base margin");
    expect_refusal(c_offs, 0, "offsets");
    expect_refusal(c_version, 0, "version");
    expect_refusal(c_child_range, 1, "child index 7 out of range");
    expect_refusal(c_child_back, 1, "not after its parent");
    expect_refusal(c_child_self, 1, "not after its parent");
    expect_refusal(c_feature, 1, "feature index 5 out of range");
    expect_refusal(c_nan, 1, "threshold is NaN");
    expect_refusal(c_leaf_inf, 1, "non-finite");
    expect_refusal(c_leaf_child, 1, "has a child");
    expect_refusal(c_orphan, 1, "not reachable");
    expect_refusal(c_name, 1, "unknown feature \"shoe_size\"");
    expect_refusal(c_dup, 1, "appears twice");
    expect_refusal(c_depth, 1, "recorded depth");
    expect_refusal(c_tree_range, 1, "next slice");
    expect_refusal(c_tree_empty, 1, "next slice");
}


static void
test_every_truncation(void **state)
{
    unsigned char  *img, *copy;
    size_t          len, cut;
    rp_model_t      m;
    char            err[RP_ERR_MAX];

    (void) state;
    img = image(&len);
    for (cut = 0; cut < len; cut++) {
        copy = malloc(cut + 8);
        memcpy(copy, img, cut);
        assert_int_equal(rp_model_load_buffer(&m, copy, cut, err, sizeof(err)), -1);
        free(copy);
    }
    free(img);
}


static void
test_spec_refusals(void **state)
{
    rp_model_spec_t   s = spec();
    void             *img;
    size_t            len;
    char              err[RP_ERR_MAX];
    rp_node_t         bad[5];

    (void) state;
    s.version = "";
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), -1);
    s = spec();
    s.n_trees = 0;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), -1);
    s = spec();
    memcpy(bad, nodes, sizeof(bad));
    bad[0].right = 1;
    s.nodes = bad;
    s.n_trees = 1;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not after its parent"));
    assert_int_equal(rp_model_write("/nonexistent-dir/m.rpf", &s, err,
                                    sizeof(err)), -1);
}


/* A random forest of unbalanced trees, grown depth first. */
static uint64_t  rs = 12345;

static uint32_t
rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t) rs;
}


/* Features of the random models: the whole table, or fewer (a model of
 * at most 16 features gets the AVX-512 blocks). */
static uint32_t  nfeat = RP_NFEATURES;


static uint32_t
grow(rp_node_t *n, uint32_t i, int depth)
{
    uint32_t  l;

    if (depth == 0 || rnd() % 4 == 0) {
        n[i] = (rp_node_t) { RP_NODE_LEAF, (float) ((int) (rnd() % 2001) - 1000) / 997.0f, 0 };
        return 1;
    }
    n[i].split = (rnd() % nfeat) | (rnd() % 2 ? RP_NODE_DEFAULT_LEFT : 0);
    n[i].value = (float) (rnd() % 50);
    l = grow(n, i + 1, depth - 1);
    n[i].right = i + 1 + l;
    return 1 + l + grow(n, n[i].right, depth - 1);
}


/*
 * Serializes and loads a forest of nt trees over nfeat features of the
 * table, named in a permuted order (step: 1 keeps the table order; step
 * and RP_NFEATURES coprime) so that the scorers' feature map is
 * exercised. *img must be freed after closing m.
 */
static void
load_forest(rp_model_t *m, void **img, uint32_t nt, uint32_t *tcounts,
    const rp_node_t *forest, int step, double base_margin,
    const char *version)
{
    const char       *fnames[RP_NFEATURES];
    rp_model_spec_t   sp;
    size_t            len;
    char              err[RP_ERR_MAX];
    int               j;

    /* a model on the prior features must carry a prior table */
    static const char      *pid[1] = { "p1" };
    static const uint32_t   plen[1] = { 2 };
    static const float      pval[2 * RP_MODEL_PRIOR_N] = {
        0, 0, 0.1f, 0.2f, 10, 5, 1, 0.3f, 0.4f, 20
    };

    for (j = 0; j < (int) nfeat; j++) {
        fnames[j] = rp_features[(j * step) % RP_NFEATURES].name;
    }

    memset(&sp, 0, sizeof(sp));
    sp.n_features = nfeat;
    sp.feature_names = fnames;
    sp.n_trees = nt;
    sp.tree_count = tcounts;
    sp.nodes = forest;
    sp.objective = RP_OBJ_LOGISTIC;
    sp.base_margin = base_margin;
    sp.version = version;
    sp.n_priors = 1;
    sp.prior_ids = pid;
    sp.prior_id_lens = plen;
    sp.prior_values = pval;
    assert_int_equal(rp_model_serialize(&sp, img, &len, err, sizeof(err)), 0);
    assert_int_equal(rp_model_load_buffer(m, *img, len, err, sizeof(err)), 0);
}


/*
 * The AVX2 scorer (where the CPU has it) and the portable one give the
 * same bits, for one row and for batches on both sides of every chunk and
 * lane boundary, NaN inputs included.
 */
static void
test_simd_equals_portable(void **state)
{
    enum { NT = 37, MAXN = 1 << 12, NROWS = 1100 };
    static rp_node_t    forest[NT * MAXN];
    static float        rows[NROWS * RP_NFEATURES];
    static double       a[NROWS], b[NROWS];
    static const size_t sizes[] = { 1, 7, 8, 9, 17, 24, 63, 64, 65, 100, 1023, 1024, 1100 };
    uint32_t            tcounts[NT], t, used = 0;
    rp_model_t          m;
    void               *img;
    size_t              r, z;

    (void) state;
    for (t = 0; t < NT; t++) {
        tcounts[t] = grow(forest + used, 0, 1 + (int) (rnd() % 11));
        used += tcounts[t];
    }
    load_forest(&m, &img, NT, tcounts, forest, 5, -0.25, "simd-test");

    for (r = 0; r < NROWS * RP_NFEATURES; r++) {
        rows[r] = rnd() % 23 == 0 ? NAN : (float) (rnd() % 60) - 5.0f;
    }

    /* the switch really changes the model's kernels, both ways */
    rp_model_simd(&m, 0);
    assert_string_equal(rp_model_kernel_name(&m), "portable");
    rp_model_simd(&m, 1);
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx2")) {
        assert_string_not_equal(rp_model_kernel_name(&m), "portable");
    }
#endif

    for (r = 0; r < NROWS; r++) {
        rp_model_simd(&m, 0);
        a[r] = rp_model_score(&m, rows + r * RP_NFEATURES);
        rp_model_simd(&m, 1);
        b[r] = rp_model_score(&m, rows + r * RP_NFEATURES);
        assert_memory_equal(&a[r], &b[r], sizeof(double));
    }

    for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        rp_model_simd(&m, 0);
        rp_model_score_batch(&m, rows, sizes[z], a);
        rp_model_simd(&m, 1);
        rp_model_score_batch(&m, rows, sizes[z], b);
        assert_memory_equal(a, b, sizes[z] * sizeof(double));
        for (r = 0; r < sizes[z]; r++) {
            /* a batch equals single rows (up to the order of additions) */
            assert_float_equal(b[r], rp_model_score(&m, rows + r * RP_NFEATURES), 1e-12);
        }
    }

    rp_model_close(&m);
    free(img);
}


/* A random tree with leaves at rate 1/leaf1 (0: a complete tree), some
 * infinite thresholds; returns its node count. */
static uint32_t
grow_tree(rp_node_t *n, uint32_t i, int depth, uint32_t leaf1)
{
    uint32_t  l, r;

    if (depth == 0 || (leaf1 && rnd() % leaf1 == 0)) {
        n[i] = (rp_node_t) { RP_NODE_LEAF, (float) ((int) (rnd() % 2001) - 1000) / 997.0f, 0 };
        return 1;
    }
    n[i].split = (rnd() % nfeat) | (rnd() % 2 ? RP_NODE_DEFAULT_LEFT : 0);
    r = rnd() % 64;
    n[i].value = r == 0 ? -INFINITY : r == 1 ? INFINITY : r == 2 ? -0.0f
                 : r == 3 ? 0.0f : (float) (rnd() % 50) - 0.5f;
    l = grow_tree(n, i + 1, depth - 1, leaf1);
    n[i].right = i + 1 + l;
    return 1 + l + grow_tree(n, n[i].right, depth - 1, leaf1);
}


/*
 * Every batch path (AVX-512 where the CPU has it, AVX2, portable) gives
 * the same bits, and the same bits as one row at a time: small trees
 * (<= 127 nodes, all leaves in one 64-bit set), trees just past that,
 * trees of depth 7 to 10 (cut above their bottom 5 levels, blocks), depth
 * 10 sparse ones (too many blocks for their size: walked) and complete,
 * depth 11 and deeper (cut and walked on), one-leaf trees; NaN, infinite
 * and signed zero inputs and thresholds, default-left nodes; batches on
 * both sides of every group and chunk boundary.
 */
static void
batch_paths_equal(void)
{
    enum { NT = 72, MAXN = 1 << 13, NROWS = 5000 };
    static rp_node_t    forest[NT * MAXN];
    static float        rows[NROWS * RP_NFEATURES];
    static double       p[NROWS], a[NROWS], b[NROWS], one;
    static const size_t sizes[] = { 1, 2, 3, 4, 7, 15, 16, 17, 33, 48, 63, 64,
                                    65, 100, 255, 256, 257, 511, 512, 513, 1023,
                                    1024, 5000 };
    uint32_t            tcounts[NT], t, used = 0, small = 0, big = 0, c;
    rp_model_t          m;
    void               *img;
    size_t              r, z;
    int                 j;

    for (t = 0; t < NT; t++) {
        switch (t % 9) {
        case 0:  c = grow_tree(forest + used, 0, 6, 0); break;       /* 127 */
        case 1:  c = grow_tree(forest + used, 0, 7, 0); break;       /* 255 */
        case 2:  c = grow_tree(forest + used, 0, 1 + (int) (rnd() % 12), 3); break;
        case 3:  c = grow_tree(forest + used, 0, 12, 6); break;      /* deep */
        case 4:  c = grow_tree(forest + used, 0, t % 4 ? 10 : 0, 2); break;
        case 5:  c = grow_tree(forest + used, 0, 10, 0); break;      /* 2047 */
        case 6:  c = grow_tree(forest + used, 0, 11, 0); break;      /* 4095 */
        case 7:  c = grow_tree(forest + used, 0, 8, 9); break;
        default: c = grow_tree(forest + used, 0, 9, 4); break;
        }
        tcounts[t] = c;
        small += c <= 127;
        big += c > 127;
        used += c;
    }
    assert_true(small >= 10 && big >= 10);

    load_forest(&m, &img, NT, tcounts, forest, 3, 0.125, "batch-paths");

    for (r = 0; r < NROWS * RP_NFEATURES; r++) {
        j = (int) (rnd() % 40);
        rows[r] = j == 0 ? NAN : j == 1 ? INFINITY : j == 2 ? -INFINITY
                  : j == 3 ? -0.0f : (float) (rnd() % 60) - 5.0f;
    }

    for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        /* the rows start at an odd offset too */
        const float *x = rows + (z % 2) * RP_NFEATURES;
        size_t       n = sizes[z] < NROWS ? sizes[z] : NROWS - 1;

        rp_model_simd(&m, 0);
        rp_model_score_batch(&m, x, n, p);
        rp_model_simd(&m, 2);
        rp_model_score_batch(&m, x, n, a);
        rp_model_simd(&m, 1);
        rp_model_score_batch(&m, x, n, b);
        assert_memory_equal(p, a, n * sizeof(double));
        assert_memory_equal(p, b, n * sizeof(double));

        for (r = 0; r < n; r += 1 + r / 8) {
            one = rp_model_score(&m, x + r * RP_NFEATURES);
            assert_memory_equal(&one, &b[r], sizeof(double));
        }
    }

    rp_model_close(&m);
    free(img);
}


static void
test_batch_paths_equal(void **state)
{
    (void) state;
    nfeat = RP_NFEATURES;
    batch_paths_equal();
}


/* The same with a model of the seed's 14 features, named out of table
 * order (indices above 16 among them): the blocks take their features in
 * model order. */
static void
test_batch_paths_equal_14(void **state)
{
    (void) state;
    nfeat = RP_F_SEED_N;
    batch_paths_equal();
    nfeat = RP_NFEATURES;
}


/* The file's CRC-32 is IEEE 802.3's: the check value of the catalogue, in
 * one call and continued across calls (files written before keep loading). */
static void
test_crc32(void **state)
{
    static const char  digits[] = "123456789";

    (void) state;
    assert_int_equal(rp_crc32(0, digits, 9), 0xcbf43926u);
    assert_int_equal(rp_crc32(rp_crc32(0, digits, 4), digits + 4, 5),
                     0xcbf43926u);
    assert_int_equal(rp_crc32(0, digits, 0), 0);
}


static void
test_confidence(void **state)
{
    (void) state;
    assert_string_equal(rp_confidence(0.0), "low");
    assert_string_equal(rp_confidence(0.2999), "low");
    assert_string_equal(rp_confidence(0.3), "medium");
    assert_string_equal(rp_confidence(0.6999), "medium");
    assert_string_equal(rp_confidence(0.7), "high");
    assert_string_equal(rp_confidence(1.0), "high");
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_spec_refusals),
        cmocka_unit_test(test_simd_equals_portable),
        cmocka_unit_test(test_batch_paths_equal),
        cmocka_unit_test(test_batch_paths_equal_14),
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_confidence),
    };

    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
