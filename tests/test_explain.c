/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_explain.c: TreeSHAP and Saabas against XGBoost's own. Each case
 * trains a booster through XGBoost's C API on a random matrix, converts
 * it with the trainer's converter (trainer/rp_export.c), writes and loads
 * it through the model file, and compares every row of a test matrix:
 * TreeSHAP with XGBoost's contributions (prediction type 2) and Saabas
 * with its approximate contributions (type 3) to 1e-5, and bias + sum
 * with the scorer's margin to 1e-6. Also: files without covers, and the
 * loader's refusals of bad covers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include <xgboost/c_api.h>

#include "rp_explain.h"
#include "rp_features.h"
#include "rp_model.h"
#include "rp_xgb.h"
#include "xgb_support.h"


#define NCOLS   8
#define NTRAIN  600
#define NTEST   200


typedef struct {
    const char  *name;
    int          depth;
    int          rounds;
    int          parallel;      /* num_parallel_tree */
    double       missing;       /* share of missing values */
    const char  *base_score;    /* NULL: XGBoost's default */
} xcase_t;


/* rows x NCOLS values, a share missing; some columns few-valued so that
 * trees split on one feature more than once */
static void
make_rows(float *x, size_t n, double missing, uint64_t seed)
{
    size_t  i, j;

    for (i = 0; i < n; i++) {
        for (j = 0; j < NCOLS; j++) {
            x[i * NCOLS + j] = rp_test_unif(&seed) < missing ? NAN
                : (j % 3 == 0 ? (float) (rp_test_rnd(&seed) % 5)
                              : (float) (rp_test_unif(&seed) * 10));
        }
    }
}


static void
make_labels(const float *x, float *y, size_t n, uint64_t seed)
{
    size_t  i;
    double  z;
    float   a, b, c;

    for (i = 0; i < n; i++) {
        a = x[i * NCOLS];
        b = x[i * NCOLS + 1];
        c = x[i * NCOLS + 4];
        z = (isnan(a) ? 0.5 : a - 2) + (isnan(b) ? -1 : (b > 5 ? 1 : -1))
            * (isnan(c) ? 1 : c / 5) + rp_test_unif(&seed) - 0.5;
        y[i] = z > 0;
    }
}


static BoosterHandle
train(const xcase_t *c, DMatrixHandle dm)
{
    BoosterHandle  h;
    char           v[32];
    int            i;

    assert_int_equal(XGBoosterCreate(&dm, 1, &h), 0);
    XGBoosterSetParam(h, "objective", "binary:logistic");
    XGBoosterSetParam(h, "nthread", "1");
    XGBoosterSetParam(h, "seed", "7");
    XGBoosterSetParam(h, "eta", "0.3");
    snprintf(v, sizeof(v), "%d", c->depth);
    XGBoosterSetParam(h, "max_depth", v);
    XGBoosterSetParam(h, "min_child_weight", "0.5");
    if (c->parallel > 1) {
        snprintf(v, sizeof(v), "%d", c->parallel);
        XGBoosterSetParam(h, "num_parallel_tree", v);
        XGBoosterSetParam(h, "subsample", "0.8");
        XGBoosterSetParam(h, "colsample_bynode", "0.7");
    }
    if (c->base_score != NULL) {
        XGBoosterSetParam(h, "base_score", c->base_score);
    }

    for (i = 0; i < c->rounds; i++) {
        assert_int_equal(XGBoosterUpdateOneIter(h, i, dm), 0);
    }

    return h;
}


static const float *
predict(BoosterHandle h, DMatrixHandle dm, int type, size_t n, size_t width)
{
    char              cfg[160];
    bst_ulong         dim;
    const bst_ulong  *shape;
    const float      *res;
    bst_ulong         total, k;

    snprintf(cfg, sizeof(cfg), "{\"type\": %d, \"training\": false, "
             "\"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false}", type);
    assert_int_equal(XGBoosterPredictFromDMatrix(h, dm, cfg, &shape, &dim,
                                                 &res), 0);
    for (total = 1, k = 0; k < dim; k++) {
        total *= shape[k];
    }
    assert_int_equal(total, n * width);
    return res;
}


/* The booster as an rp model file image: model features are the table's
 * first NCOLS (or names), cover included unless with_cover == 0. */
static void *
to_image(BoosterHandle h, uint32_t ncols, const char *const *names,
    int with_cover, double platt_a, double platt_b, size_t *len)
{
    rp_forest_t       fo;
    rp_model_spec_t   s;
    const char       *tn[RP_NFEATURES];
    void             *img;
    char              err[RP_ERR_MAX];
    size_t            i;

    assert_int_equal(rp_xgb_export(h, ncols, &fo), 0);

    /* a forest's Platt map folded in as rp-train fit --forest does */
    fo.base_margin = platt_a * fo.base_margin + platt_b;
    for (i = 0; i < fo.n_nodes; i++) {
        if (fo.nodes[i].split == RP_NODE_LEAF) {
            fo.nodes[i].value = (float) (platt_a * fo.nodes[i].value);
        }
    }

    for (i = 0; i < RP_NFEATURES; i++) {
        tn[i] = rp_features[i].name;
    }

    memset(&s, 0, sizeof(s));
    s.n_features = ncols;
    s.feature_names = names != NULL ? names : tn;
    s.n_trees = fo.n_trees;
    s.tree_count = fo.count;
    s.nodes = fo.nodes;
    s.cover = with_cover ? fo.cover : NULL;
    s.objective = RP_OBJ_LOGISTIC;
    s.base_margin = fo.base_margin;
    s.version = "explain-test";

    if (rp_model_serialize(&s, &img, len, err, sizeof(err)) != 0) {
        fail_msg("serialize: %s", err);
    }
    rp_forest_free(&fo);
    return img;
}


static void
check_case(const xcase_t *c)
{
    float           xtrain[NTRAIN * NCOLS], ytrain[NTRAIN],
                    xtest[NTEST * NCOLS], row[RP_NFEATURES];
    double          bias, contrib[NCOLS], margin, sum, err_shap = 0,
                    err_saabas = 0, err_sum = 0, d;
    const float    *xs, *xa, *xm;
    size_t          len, r, j;
    void           *img, *ws;
    rp_model_t      m;
    DMatrixHandle   dtrain, dtest;
    BoosterHandle   h;
    char            err[RP_ERR_MAX];
    float          *cs, *ca, *mg;

    make_rows(xtrain, NTRAIN, c->missing, 11);
    make_labels(xtrain, ytrain, NTRAIN, 12);
    make_rows(xtest, NTEST, c->missing, 13);

    assert_int_equal(XGDMatrixCreateFromMat(xtrain, NTRAIN, NCOLS, NAN,
                                            &dtrain), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(dtrain, "label", ytrain, NTRAIN),
                     0);
    assert_int_equal(XGDMatrixCreateFromMat(xtest, NTEST, NCOLS, NAN,
                                            &dtest), 0);
    h = train(c, dtrain);

    /* XGBoost's buffers live until the next call on the booster: copy */
    cs = malloc(sizeof(float) * NTEST * (NCOLS + 1));
    ca = malloc(sizeof(float) * NTEST * (NCOLS + 1));
    mg = malloc(sizeof(float) * NTEST);
    xs = predict(h, dtest, 2, NTEST, NCOLS + 1);
    memcpy(cs, xs, sizeof(float) * NTEST * (NCOLS + 1));
    xa = predict(h, dtest, 3, NTEST, NCOLS + 1);
    memcpy(ca, xa, sizeof(float) * NTEST * (NCOLS + 1));
    xm = predict(h, dtest, 1, NTEST, 1);
    memcpy(mg, xm, sizeof(float) * NTEST);

    img = to_image(h, NCOLS, NULL, 1, 1, 0, &len);
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
        fail_msg("%s: load: %s", c->name, err);
    }
    assert_true(rp_explain_available(&m));

    /* exactly the size asked for: ASan sees an overrun */
    ws = malloc(rp_explain_workspace_size(&m));

    for (r = 0; r < NTEST; r++) {
        memset(row, 0, sizeof(row));
        memcpy(row, xtest + r * NCOLS, sizeof(float) * NCOLS);
        margin = rp_model_margin(&m, row);
        d = fabs(margin - mg[r]);
        if (d > 1e-5) {
            fail_msg("%s row %zu: margin %.9g, xgboost %.9g", c->name, r,
                     margin, mg[r]);
        }

        rp_explain_tree_shap(&m, xtest + r * NCOLS, ws, &bias, contrib);
        sum = bias;
        for (j = 0; j < NCOLS; j++) {
            sum += contrib[j];
            d = fabs(contrib[j] - cs[r * (NCOLS + 1) + j]);
            err_shap = d > err_shap ? d : err_shap;
        }
        d = fabs(bias - cs[r * (NCOLS + 1) + NCOLS]);
        err_shap = d > err_shap ? d : err_shap;
        d = fabs(sum - margin);
        err_sum = d > err_sum ? d : err_sum;

        rp_explain_saabas(&m, xtest + r * NCOLS, &bias, contrib);
        sum = bias;
        for (j = 0; j < NCOLS; j++) {
            sum += contrib[j];
            d = fabs(contrib[j] - ca[r * (NCOLS + 1) + j]);
            err_saabas = d > err_saabas ? d : err_saabas;
        }
        d = fabs(bias - ca[r * (NCOLS + 1) + NCOLS]);
        err_saabas = d > err_saabas ? d : err_saabas;
        d = fabs(sum - margin);
        err_sum = d > err_sum ? d : err_sum;
    }

    print_message("%s: %u trees, depth %u: max |diff| TreeSHAP %.2g, "
                  "Saabas %.2g, bias + sum - margin %.2g\n", c->name,
                  m.hdr->n_trees, m.hdr->max_depth, err_shap, err_saabas,
                  err_sum);
    if (err_shap > 1e-5 || err_saabas > 1e-5 || err_sum > 1e-6) {
        fail_msg("%s: beyond tolerance", c->name);
    }

    /* the model was trained as deep as asked (a deep case stays deep) */
    assert_true(m.hdr->max_depth >= (uint32_t) (c->depth < 4 ? c->depth : 4));

    rp_model_close(&m);
    free(img);
    free(ws);
    free(cs);
    free(ca);
    free(mg);
    XGBoosterFree(h);
    XGDMatrixFree(dtrain);
    XGDMatrixFree(dtest);
}


static void
test_depths(void **state)
{
    static const xcase_t  cases[] = {
        { "depth 1", 1, 30, 1, 0, NULL },
        { "depth 2", 2, 30, 1, 0, NULL },
        { "depth 3", 3, 20, 1, 0, NULL },
        { "depth 6", 6, 15, 1, 0, NULL },
        { "depth 8", 8, 10, 1, 0, NULL },
    };
    size_t  i;

    (void) state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(&cases[i]);
    }
}


static void
test_missing(void **state)
{
    static const xcase_t  c3 = { "depth 4, 20% missing", 4, 20, 1, 0.2, NULL };
    static const xcase_t  c6 = { "depth 6, 40% missing", 6, 10, 1, 0.4, NULL };

    (void) state;
    check_case(&c3);
    check_case(&c6);
}


static void
test_forest(void **state)
{
    static const xcase_t  c = { "forest of 4 x 5 rounds, depth 5", 5, 5, 4,
                                0.1, NULL };

    (void) state;
    check_case(&c);
}


static void
test_base_score(void **state)
{
    static const xcase_t  c1 = { "base_score 0.2", 3, 10, 1, 0.1, "0.2" };
    static const xcase_t  c2 = { "base_score 0.85", 4, 10, 1, 0, "0.85" };

    (void) state;
    check_case(&c1);
    check_case(&c2);
}


/*
 * A Platt-calibrated forest (rp-train fit --forest): leaves times a, base
 * margin a x base + b. The explained margin is the scorer's, and the
 * contributions are XGBoost's times a.
 */
static void
test_platt(void **state)
{
    static const xcase_t  c = { "platt", 4, 4, 3, 0.1, NULL };
    float           xtrain[NTRAIN * NCOLS], ytrain[NTRAIN], xt[NCOLS],
                    row[RP_NFEATURES];
    double          bias, contrib[NCOLS], sum, margin, a = 0.37, b = -0.8;
    const float    *xs;
    float          *cs;
    size_t          len, r, j;
    void           *img, *ws;
    rp_model_t      m;
    DMatrixHandle   dtrain;
    BoosterHandle   h;
    char            err[RP_ERR_MAX];

    (void) state;
    make_rows(xtrain, NTRAIN, c.missing, 21);
    make_labels(xtrain, ytrain, NTRAIN, 22);
    assert_int_equal(XGDMatrixCreateFromMat(xtrain, NTRAIN, NCOLS, NAN,
                                            &dtrain), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(dtrain, "label", ytrain, NTRAIN),
                     0);
    h = train(&c, dtrain);
    xs = predict(h, dtrain, 2, NTRAIN, NCOLS + 1);
    cs = malloc(sizeof(float) * NTRAIN * (NCOLS + 1));
    memcpy(cs, xs, sizeof(float) * NTRAIN * (NCOLS + 1));

    img = to_image(h, NCOLS, NULL, 1, a, b, &len);
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
        fail_msg("load: %s", err);
    }
    ws = malloc(rp_explain_workspace_size(&m));

    for (r = 0; r < 50; r++) {
        memcpy(xt, xtrain + r * NCOLS, sizeof(xt));
        memset(row, 0, sizeof(row));
        memcpy(row, xt, sizeof(xt));
        margin = rp_model_margin(&m, row);

        rp_explain_tree_shap(&m, xt, ws, &bias, contrib);
        assert_true(fabs(bias - (a * cs[r * (NCOLS + 1) + NCOLS] + b))
                    < 1e-5);
        for (sum = bias, j = 0; j < NCOLS; j++) {
            assert_true(fabs(contrib[j] - a * cs[r * (NCOLS + 1) + j])
                        < 1e-5);
            sum += contrib[j];
        }
        assert_true(fabs(sum - margin) < 1e-6);

        rp_explain_saabas(&m, xt, &bias, contrib);
        for (sum = bias, j = 0; j < NCOLS; j++) {
            sum += contrib[j];
        }
        assert_true(fabs(sum - margin) < 1e-6);
    }

    rp_model_close(&m);
    free(img);
    free(ws);
    free(cs);
    XGBoosterFree(h);
    XGDMatrixFree(dtrain);
}


/* rp_explain: table order in, model order out (the model's features are
 * not the table's first, nor in its order) */
static void
test_table_order(void **state)
{
    static const xcase_t  c = { "order", 3, 5, 1, 0.1, NULL };
    static const char *const names[NCOLS] = {
        "pp_ndays", "purchase_count", "u_nproducts", "u_ndays",
        "view_count", "event_count", "pp_amount", "amount_max"
    };
    float           xtrain[NTRAIN * NCOLS], ytrain[NTRAIN],
                    feat[RP_NFEATURES];
    double          b1, b2, c1[NCOLS], c2[NCOLS];
    size_t          len, j;
    int             k;
    void           *img, *ws;
    rp_model_t      m;
    DMatrixHandle   dtrain;
    BoosterHandle   h;
    char            err[RP_ERR_MAX];

    (void) state;
    make_rows(xtrain, NTRAIN, c.missing, 31);
    make_labels(xtrain, ytrain, NTRAIN, 32);
    assert_int_equal(XGDMatrixCreateFromMat(xtrain, NTRAIN, NCOLS, NAN,
                                            &dtrain), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(dtrain, "label", ytrain, NTRAIN),
                     0);
    h = train(&c, dtrain);

    img = to_image(h, NCOLS, names, 1, 1, 0, &len);
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != 0) {
        fail_msg("load: %s", err);
    }
    ws = malloc(rp_explain_workspace_size(&m));

    for (j = 0; j < RP_NFEATURES; j++) {
        feat[j] = (float) j * 0.37f;
    }
    for (j = 0; j < NCOLS; j++) {
        k = rp_feature_index(names[j], strlen(names[j]));
        assert_true(k >= 0);
        feat[k] = xtrain[5 * NCOLS + j];
    }

    rp_explain(&m, RP_EXPLAIN_TREE_SHAP, feat, ws, &b1, c1);
    rp_explain_tree_shap(&m, xtrain + 5 * NCOLS, ws, &b2, c2);
    assert_memory_equal(c1, c2, sizeof(c1));
    assert_true(b1 == b2);
    rp_explain(&m, RP_EXPLAIN_SAABAS, feat, ws, &b1, c1);
    rp_explain_saabas(&m, xtrain + 5 * NCOLS, &b2, c2);
    assert_memory_equal(c1, c2, sizeof(c1));

    rp_model_close(&m);
    free(img);
    free(ws);
    XGBoosterFree(h);
    XGDMatrixFree(dtrain);
}


/* a small model with covers, trained here */
static void *
small_image(int with_cover, size_t *len)
{
    static const xcase_t  c = { "small", 3, 3, 1, 0, NULL };
    float           xtrain[NTRAIN * NCOLS], ytrain[NTRAIN];
    void           *img;
    DMatrixHandle   dtrain;
    BoosterHandle   h;

    make_rows(xtrain, NTRAIN, 0, 41);
    make_labels(xtrain, ytrain, NTRAIN, 42);
    assert_int_equal(XGDMatrixCreateFromMat(xtrain, NTRAIN, NCOLS, NAN,
                                            &dtrain), 0);
    assert_int_equal(XGDMatrixSetFloatInfo(dtrain, "label", ytrain, NTRAIN),
                     0);
    h = train(&c, dtrain);
    img = to_image(h, NCOLS, NULL, with_cover, 1, 0, len);
    XGBoosterFree(h);
    XGDMatrixFree(dtrain);
    return img;
}


/* A file without covers (format 1, as before) loads, scores the same and
 * cannot explain. */
static void
test_without_covers(void **state)
{
    void        *a, *b;
    size_t       la, lb;
    rp_model_t   ma, mb;
    float        row[RP_NFEATURES];
    char         err[RP_ERR_MAX];
    int          j;

    (void) state;
    a = small_image(1, &la);
    b = small_image(0, &lb);
    assert_int_equal(((rp_model_header_t *) a)->format, RP_MODEL_FORMAT_V3);
    assert_int_equal(((rp_model_header_t *) b)->format, RP_MODEL_FORMAT_V1);
    assert_int_equal((lb + 7) & ~(size_t) 7,
                     ((rp_model_header_t *) a)->cover_off);
    assert_int_equal(rp_model_load_buffer(&ma, a, la, err, sizeof(err)), 0);
    assert_int_equal(rp_model_load_buffer(&mb, b, lb, err, sizeof(err)), 0);
    assert_true(rp_explain_available(&ma));
    assert_false(rp_explain_available(&mb));

    for (j = 0; j < RP_NFEATURES; j++) {
        row[j] = (float) (j % 7);
    }
    assert_true(rp_model_score(&ma, row) == rp_model_score(&mb, row));

    rp_model_close(&ma);
    rp_model_close(&mb);
    free(a);
    free(b);
}


/* The header's max_depth is only a bound the loader checks the trees
 * against: the workspace follows the trees' real depth (a file claiming
 * depth 60 would have every explained request take a huge workspace). */
static void
test_workspace_bound(void **state)
{
    void        *img;
    size_t       len, want;
    rp_model_t   m;
    char         err[RP_ERR_MAX];

    (void) state;
    img = small_image(1, &len);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    want = rp_explain_workspace_size(&m);
    assert_true(want > 0);
    rp_model_close(&m);

    ((rp_model_header_t *) img)->max_depth = 60;
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_int_equal(rp_explain_workspace_size(&m), want);
    rp_model_close(&m);
    free(img);
}


/* the image with node k's cover set to v, the checksum made good again */
static void
set_cover(void *img, size_t len, uint32_t k, float v)
{
    rp_model_header_t  *h = img;

    memcpy((char *) img + h->cover_off + k * sizeof(float), &v, sizeof(v));
    h->crc32 = rp_crc32(0, (char *) img + sizeof(*h), len - sizeof(*h));
}


static void
expect_refused(void *img, size_t len, const char *what)
{
    rp_model_t  m;
    char        err[RP_ERR_MAX];

    err[0] = '\0';
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)),
                     -1);
    if (strstr(err, what) == NULL) {
        fail_msg("error \"%s\" does not say \"%s\"", err, what);
    }
}


static void
test_bad_covers(void **state)
{
    void               *img, *copy;
    size_t              len;
    float               c0, c1;
    rp_model_header_t  *h;
    const float        *cv;
    rp_model_t          m;
    char                err[RP_ERR_MAX];

    (void) state;
    img = small_image(1, &len);
    h = img;
    cv = (const float *) ((char *) img + h->cover_off);
    c0 = cv[0];
    c1 = cv[1];
    copy = malloc(len);

    memcpy(copy, img, len);
    set_cover(copy, len, 1, -1.0f);
    expect_refused(copy, len, "not a finite non-negative");

    memcpy(copy, img, len);
    set_cover(copy, len, 2, NAN);
    expect_refused(copy, len, "not a finite non-negative");

    memcpy(copy, img, len);
    set_cover(copy, len, 0, INFINITY);
    expect_refused(copy, len, "not a finite non-negative");

    /* a root 1% above its children's sum */
    memcpy(copy, img, len);
    set_cover(copy, len, 0, c0 * 1.01f);
    expect_refused(copy, len, "sum of its children");

    /* a split no training row reached */
    memcpy(copy, img, len);
    set_cover(copy, len, 1, 0);
    set_cover(copy, len, 0, c0 - c1);
    assert_int_equal(rp_model_load_buffer(&m, copy, len, err, sizeof(err)),
                     -1);

    /* rounding of the order of a float's is accepted */
    memcpy(copy, img, len);
    set_cover(copy, len, 0, c0 * (1 + 3e-7f));
    assert_int_equal(rp_model_load_buffer(&m, copy, len, err, sizeof(err)),
                     0);
    rp_model_close(&m);

    /* the section must end the file where the header says */
    memcpy(copy, img, len);
    ((rp_model_header_t *) copy)->cover_off += 8;
    expect_refused(copy, len, "cover section offset");

    free(copy);
    free(img);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_depths),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_forest),
        cmocka_unit_test(test_base_score),
        cmocka_unit_test(test_platt),
        cmocka_unit_test(test_table_order),
        cmocka_unit_test(test_without_covers),
        cmocka_unit_test(test_bad_covers),
        cmocka_unit_test(test_workspace_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
