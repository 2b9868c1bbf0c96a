/*
 * mkmodel: writes a tiny deterministic model for the Test::Nginx suites,
 * so that expected probabilities are known exactly.
 *
 *   mkmodel OUT.rpf VERSION     (also writes OUT.json beside it)
 *
 * Features: the 14 of the table, in table order. base margin -1.5;
 *   tree 0: purchase_count < 2          ? -1.0 : +1.0
 *   tree 1: a single leaf                 +0.5
 *   tree 2: product_purchase_count < 1  ? -0.5 :  0.0
 * So a user with >= 2 purchases, >= 1 of this product scores margin 0,
 * p = 0.5; an unknown user -2.5; >= 2 purchases, none of it, -0.5.
 */

#include <stdio.h>
#include <string.h>

#include "rp_features.h"
#include "rp_model.h"

int
main(int argc, char **argv)
{
    char              err[RP_ERR_MAX], path[4096];
    const char       *names[RP_NFEATURES];
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

    if (argc != 3) {
        fprintf(stderr, "usage: mkmodel OUT.rpf VERSION\n");
        return 2;
    }

    for (i = 0; i < RP_NFEATURES; i++) {
        names[i] = rp_features[i].name;
    }

    memset(&spec, 0, sizeof(spec));
    spec.n_features = RP_NFEATURES;
    spec.feature_names = names;
    spec.n_trees = 3;
    spec.tree_count = counts;
    spec.nodes = nodes;
    spec.objective = RP_OBJ_LOGISTIC;
    spec.base_margin = -1.5;
    spec.version = argv[2];
    spec.trained_at = 1700000000;

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
