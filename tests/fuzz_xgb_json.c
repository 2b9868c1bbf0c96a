/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * fuzz_xgb_json.c: libFuzzer target for the XGBoost JSON converter that
 * rp-train fit and import share (trainer/rp_xgb_json.c). Whatever it
 * accepts must be a forest the model writer serializes and the loader
 * either refuses with a reason or scores without reading out of bounds.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rp_xgb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              i;
    void            *img;
    size_t           len;
    uint32_t         k;
    rp_model_t       m;
    rp_xgb_model_t   x;
    rp_model_spec_t  spec;
    const char      *names[RP_MODEL_MAX_FEATURES];
    float            row[RP_NFEATURES];
    char             err[160];

    if (rp_xgb_json_read((const char *) data, size, &x, err, sizeof(err))
        != 0)
    {
        if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
            abort();
        }
        return 0;
    }

    if (x.fo.n_trees == 0 || x.fo.count == NULL || x.fo.n_cols == 0) {
        abort();
    }

    /* the model's columns as the first features of the table */
    if (x.fo.n_cols <= RP_NFEATURES) {
        for (k = 0; k < x.fo.n_cols; k++) {
            names[k] = rp_features[k].name;
        }

        memset(&spec, 0, sizeof(spec));
        spec.n_features = x.fo.n_cols;
        spec.feature_names = names;
        spec.n_trees = x.fo.n_trees;
        spec.tree_count = x.fo.count;
        spec.nodes = x.fo.nodes;
        spec.cover = x.fo.cover;
        spec.objective = RP_OBJ_LOGISTIC;
        spec.base_margin = x.fo.base_margin;
        spec.version = "fuzz";

        img = NULL;
        if (rp_model_serialize(&spec, &img, &len, err, sizeof(err)) == 0
            && rp_model_load_buffer(&m, img, len, err, sizeof(err)) == 0)
        {
            for (i = 0; i < RP_NFEATURES; i++) {
                row[i] = (i & 1) ? NAN : (float) i;
            }
            if (isnan(rp_model_score(&m, row))) {
                abort();
            }
            rp_model_close(&m);
        }
        free(img);
    }

    rp_xgb_model_free(&x);
    return 0;
}
