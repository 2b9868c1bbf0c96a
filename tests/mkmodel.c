/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * mkmodel: writes a tiny deterministic model for the Test::Nginx suites,
 * so that expected probabilities are known exactly.
 *
 *   mkmodel OUT.rpf VERSION     (also writes OUT.json beside it)
 *
 * Features: the seed's 14 of the table, in table order. base margin -1.5;
 *   tree 0: purchase_count < 2          ? -1.0 : +1.0
 *   tree 1: a single leaf                 +0.5
 *   tree 2: product_purchase_count < 1  ? -0.5 :  0.0
 * So a user with >= 2 purchases, >= 1 of this product scores margin 0,
 * p = 0.5; an unknown user -2.5; >= 2 purchases, none of it, -0.5.
 *
 *   mkmodel OUT.rpf VERSION v2  a model on three features of table v2, in
 *   another order than the table's: pp_mean_gap, purchase_count, pp_ndays;
 *   base margin 0, one tree: pp_ndays < 2 ? -1.0 : +1.0.
 *
 *   mkmodel OUT.rpf VERSION priors  a model on product priors (format 2):
 *   features purchase_count, prod_rebuy_rate, prod_buyers,
 *   prod_med_interval; base margin 0, one tree:
 *   prod_rebuy_rate < 0.5 ? -1.0 : +1.0. Its prior table (buyers, buyers
 *   30 d, rebuy rate, repeat share, median interval):
 *     p1       3, 1, 0.75, 0.5, 9.5
 *     p2       1, 0, 0.25, 0,   NaN
 *     default  0, 0, 0.375, 0.25, 12.5
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rp_features.h"
#include "rp_model.h"

int
main(int argc, char **argv)
{
    char              err[RP_ERR_MAX], path[4096];
    const char       *names[RP_F_SEED_N];
    FILE             *f;
    size_t            n;
    int               i;
    rp_model_spec_t   spec;

    static const uint32_t  counts[3] = { 3, 1, 3 };
    static const rp_node_t  nodes[7] = {
        { RP_F_PURCHASE_COUNT, 2.0f, 2 },
        { RP_NODE_LEAF, -1.0f, 0 },
        { RP_NODE_LEAF, 1.0f, 0 },

        { RP_NODE_LEAF, 0.5f, 0 },

        { RP_F_PRODUCT_PURCHASE_COUNT, 1.0f, 2 },
        { RP_NODE_LEAF, -0.5f, 0 },
        { RP_NODE_LEAF, 0.0f, 0 },
    };

    static const uint32_t   v2_count[1] = { 3 };
    static const rp_node_t  v2_nodes[3] = {
        { 2, 2.0f, 2 },
        { RP_NODE_LEAF, -1.0f, 0 },
        { RP_NODE_LEAF, 1.0f, 0 },
    };
    static const char      *v2_names[3] = {
        "pp_mean_gap", "purchase_count", "pp_ndays"
    };

    static const uint32_t   pr_count[1] = { 3 };
    static const rp_node_t  pr_nodes[3] = {
        { 1, 0.5f, 2 },
        { RP_NODE_LEAF, -1.0f, 0 },
        { RP_NODE_LEAF, 1.0f, 0 },
    };
    static const char      *pr_names[4] = {
        "purchase_count", "prod_rebuy_rate", "prod_buyers",
        "prod_med_interval"
    };
    static const char      *pr_ids[2] = { "p1", "p2" };
    static const uint32_t   pr_lens[2] = { 2, 2 };
    static const float      pr_values[3 * RP_MODEL_PRIOR_N] = {
        0, 0, 0.375f, 0.25f, 12.5f,
        3, 1, 0.75f, 0.5f, 9.5f,
        1, 0, 0.25f, 0, NAN,
    };

    if (argc != 3 && !(argc == 4 && (strcmp(argv[3], "v2") == 0
                                      || strcmp(argv[3], "priors") == 0)))
    {
        fprintf(stderr, "usage: mkmodel OUT.rpf VERSION [v2|priors]\n");
        return 2;
    }

    /* the seed's 14 features: models trained on them keep serving */
    for (i = 0; i < RP_F_SEED_N; i++) {
        names[i] = rp_features[i].name;
    }

    memset(&spec, 0, sizeof(spec));
    spec.n_features = RP_F_SEED_N;
    spec.feature_names = names;
    spec.n_trees = 3;
    spec.tree_count = counts;
    spec.nodes = nodes;
    spec.objective = RP_OBJ_LOGISTIC;
    spec.base_margin = -1.5;
    spec.version = argv[2];
    spec.trained_at = 1700000000;

    if (argc == 4 && strcmp(argv[3], "priors") == 0) {
        spec.n_features = 4;
        spec.feature_names = pr_names;
        spec.n_trees = 1;
        spec.tree_count = pr_count;
        spec.nodes = pr_nodes;
        spec.base_margin = 0;
        spec.n_priors = 2;
        spec.prior_ids = pr_ids;
        spec.prior_id_lens = pr_lens;
        spec.prior_values = pr_values;

    } else if (argc == 4) {
        spec.n_features = 3;
        spec.feature_names = v2_names;
        spec.n_trees = 1;
        spec.tree_count = v2_count;
        spec.nodes = v2_nodes;
        spec.base_margin = 0;
    }

    if (rp_model_write(argv[1], &spec, err, sizeof(err)) != 0) {
        fprintf(stderr, "mkmodel: %s: %s\n", argv[1], err);
        return 1;
    }

    n = strlen(argv[1]);
    if (n > 4 && strcmp(argv[1] + n - 4, ".rpf") == 0) {
        n -= 4;
    }

    snprintf(path, sizeof(path), "%.*s.json", (int) n, argv[1]);

    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return 1;
    }

    fprintf(f, "{\n  \"version\": \"%s\",\n  \"trained_at\": "
            "\"2023-11-14T22:13:20Z\",\n  \"parameters\": {\"trees\": 3},\n"
            "  \"metrics\": {\"auc\": 0.5}\n}\n", argv[2]);

    return fclose(f) == 0 ? 0 : 1;
}
