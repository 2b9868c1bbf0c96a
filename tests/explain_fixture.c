/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * explain_fixture.c: t/019-explain.t's model and the values to expect.
 *
 *   explain_fixture OUT.rpf > explain.json
 *
 * Trains a booster with XGBoost's C API on features of the table (in an
 * order of its own, with product priors), writes it through the trainer's
 * converter and the model writer, and prints, as JSON, XGBoost's margin,
 * TreeSHAP (prediction type 2) and Saabas (type 3) values for the rows the
 * module computes for a user the store does not know and each product
 * (and one the prior table lacks).
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "rp_features.h"
#include "rp_model.h"
#include "rp_xgb.h"
#include "xgb_support.h"


#define FX_NCOLS  8
#define FX_NPROD  4

static const char *const fx_names[FX_NCOLS] = {
    "prod_rebuy_rate", "days_since_last_purchase", "prod_buyers",
    "purchase_count", "pp_mean_gap", "prod_med_interval", "u_ndays",
    "prod_repeat_share"
};

static const char *const fx_products[FX_NPROD + 1] = {
    "fx_a", "fx_b", "fx_c", "fx_d", "fx_unknown"
};


static int
fixture(const char *path)
{
    float          *x, *y, prior[(FX_NPROD + 1) * RP_MODEL_PRIOR_N],
                    f[RP_NFEATURES], rows[(FX_NPROD + 1) * FX_NCOLS];
    int             idx[FX_NCOLS], j, r, k, p, rounds = 12;
    uint32_t        lens[FX_NPROD];
    uint64_t        seed = 77;
    size_t          n = 2000;
    rp_forest_t     fo;
    rp_model_spec_t s;
    rp_model_t      m;
    DMatrixHandle   dm, dq;
    BoosterHandle   h;
    bst_ulong       dim;
    const bst_ulong *shape;
    const float    *res;
    float          *out[3];
    char            err[RP_ERR_MAX];
    const char     *cfg[3] = {
        "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, "
        "\"iteration_end\": 0, \"strict_shape\": false}",
        "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, "
        "\"iteration_end\": 0, \"strict_shape\": false}",
        "{\"type\": 3, \"training\": false, \"iteration_begin\": 0, "
        "\"iteration_end\": 0, \"strict_shape\": false}"
    };

    for (j = 0; j < FX_NCOLS; j++) {
        idx[j] = rp_feature_index(fx_names[j], strlen(fx_names[j]));
        if (idx[j] < 0) {
            fprintf(stderr, "fixture: no feature %s\n", fx_names[j]);
            return 1;
        }
    }

    /* training rows: store features of known and unknown users, priors
     * over the ranges of the products below; missing where the module
     * can have it */
    x = malloc(n * FX_NCOLS * sizeof(float));
    y = malloc(n * sizeof(float));
    for (r = 0; r < (int) n; r++) {
        float *q = x + r * FX_NCOLS;
        int    known = rp_test_unif(&seed) < 0.7;

        q[0] = (float) (rp_test_unif(&seed) * 0.6);
        q[1] = known ? (float) (rp_test_unif(&seed) * 120) : 365;
        q[2] = (float) (rp_test_rnd(&seed) % 50);
        q[3] = known ? (float) (1 + rp_test_rnd(&seed) % 20) : 0;
        q[4] = known && rp_test_unif(&seed) < 0.6 ? (float) (rp_test_unif(&seed) * 40) : NAN;
        q[5] = rp_test_unif(&seed) < 0.7 ? (float) (rp_test_unif(&seed) * 60) : NAN;
        q[6] = known ? (float) (1 + rp_test_rnd(&seed) % 30) : 0;
        q[7] = (float) rp_test_unif(&seed);
        y[r] = (q[0] * 2 + q[7] - (q[1] / 200) + (q[3] > 3)
                + (isnan(q[5]) ? 0 : -q[5] / 60) + rp_test_unif(&seed) - 1.2) > 0;
    }

    if (XGDMatrixCreateFromMat(x, n, FX_NCOLS, NAN, &dm) != 0
        || XGDMatrixSetFloatInfo(dm, "label", y, n) != 0
        || XGBoosterCreate(&dm, 1, &h) != 0)
    {
        fprintf(stderr, "fixture: %s\n", XGBGetLastError());
        return 1;
    }
    XGBoosterSetParam(h, "objective", "binary:logistic");
    XGBoosterSetParam(h, "nthread", "1");
    XGBoosterSetParam(h, "max_depth", "4");
    XGBoosterSetParam(h, "eta", "0.3");
    XGBoosterSetParam(h, "base_score", "0.3");
    for (k = 0; k < rounds; k++) {
        XGBoosterUpdateOneIter(h, k, dm);
    }

    /* the priors: row 0 the default (unknown products), one row each */
    for (p = 0; p <= FX_NPROD; p++) {
        float *q = prior + p * RP_MODEL_PRIOR_N;

        q[0] = (float) (p * 11 % 50);             /* prod_buyers */
        q[1] = (float) (p * 3);                   /* prod_buyers_30d */
        q[2] = 0.05f + 0.12f * p;                 /* prod_rebuy_rate */
        q[3] = 0.9f - 0.2f * p;                   /* prod_repeat_share */
        q[4] = p % 2 ? 7.5f * p : NAN;            /* prod_med_interval */
    }
    for (p = 0; p < FX_NPROD; p++) {
        lens[p] = (uint32_t) strlen(fx_products[p]);
    }

    if (rp_xgb_export(h, FX_NCOLS, &fo) != 0) {
        return 1;
    }
    memset(&s, 0, sizeof(s));
    s.n_features = FX_NCOLS;
    s.feature_names = fx_names;
    s.n_trees = fo.n_trees;
    s.tree_count = fo.count;
    s.nodes = fo.nodes;
    s.cover = fo.cover;
    s.objective = RP_OBJ_LOGISTIC;
    s.base_margin = fo.base_margin;
    s.version = "explain-fixture";
    s.n_priors = FX_NPROD;
    s.prior_ids = fx_products;
    s.prior_id_lens = lens;
    s.prior_values = prior;
    if (rp_model_write(path, &s, err, sizeof(err)) != 0
        || rp_model_open(&m, path, err, sizeof(err)) != 0)
    {
        fprintf(stderr, "fixture: %s\n", err);
        return 1;
    }

    /* the rows the module computes: an unknown user, each product */
    for (p = 0; p <= FX_NPROD; p++) {
        rp_features_compute(NULL, NULL,
                            rp_model_prior(&m, fx_products[p],
                                           strlen(fx_products[p])),
                            (int64_t) 1700000000, f);
        for (j = 0; j < FX_NCOLS; j++) {
            rows[p * FX_NCOLS + j] = f[idx[j]];
        }
    }

    if (XGDMatrixCreateFromMat(rows, FX_NPROD + 1, FX_NCOLS, NAN, &dq) != 0) {
        return 1;
    }
    for (k = 0; k < 3; k++) {
        if (XGBoosterPredictFromDMatrix(h, dq, cfg[k], &shape, &dim, &res)
            != 0)
        {
            fprintf(stderr, "fixture: %s\n", XGBGetLastError());
            return 1;
        }
        out[k] = malloc(sizeof(float) * (FX_NPROD + 1) * (FX_NCOLS + 1));
        memcpy(out[k], res, sizeof(float) * (FX_NPROD + 1)
               * (k == 0 ? 1 : FX_NCOLS + 1));
    }

    printf("{");
    for (p = 0; p <= FX_NPROD; p++) {
        printf("%s\"%s\":{\"margin\":%.9g", p ? "," : "", fx_products[p],
               out[0][p]);
        for (k = 1; k < 3; k++) {
            float *c = out[k] + p * (FX_NCOLS + 1);

            printf(",\"%s\":{\"bias\":%.9g,\"contributions\":{",
                   k == 1 ? "tree_shap" : "saabas", c[FX_NCOLS]);
            for (j = 0; j < FX_NCOLS; j++) {
                printf("%s\"%s\":%.9g", j ? "," : "", fx_names[j], c[j]);
            }
            printf("}}");
        }
        printf("}");
    }
    printf("}\n");

    rp_model_close(&m);
    rp_forest_free(&fo);
    XGBoosterFree(h);
    XGDMatrixFree(dm);
    XGDMatrixFree(dq);
    free(x);
    free(y);
    for (k = 0; k < 3; k++) {
        free(out[k]);
    }
    return 0;
}


int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: explain_fixture OUT.rpf > explain.json\n");
        return 2;
    }

    return fixture(argv[1]);
}
