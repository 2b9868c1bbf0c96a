/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_xgb_json.c: XGBoost's JSON model format (Booster.save_model("m.json"),
 * XGBoosterSaveModelToBuffer) to rp's model layout, for fit and import.
 *
 * Read from the JSON: the objective and base_score (a probability for the
 * logistic objectives, whose margin is its logit; already a margin for
 * binary:logitraw), num_feature, the feature names when the model has
 * them, and the trees of a gbtree or dart booster (dart's weight_drop
 * folded into each tree's leaves, as XGBoost applies it when predicting).
 * Each tree's arrays are rewritten in depth-first pre-order with the left
 * child next, as rp_model.h wants; leaves keep XGBoost's values, so the
 * margins are the same sums. Nodes XGBoost's pruner deleted are
 * unreachable from the root and skipped (their count must be the tree's
 * num_deleted).
 *
 * The schemas of XGBoost 1.x, 2.x and 3.x differ in details handled here:
 * base_score as "5E-1" or, from 3.1, "[5E-1]"; default_left as 0/1 or
 * booleans; trees ordered by their "id"; split_type and the categories
 * arrays (a categorical split is refused); iteration_indptr (not needed:
 * every tree of one output is summed).
 *
 * Uses only libc and cJSON (no XGBoost), so the fuzzer links it alone.
 */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_xgb.h"


#define RP_XGB_MAX_FEATURES  (1 << 20)


static int rp_xgb_fail(char *err, size_t errlen, const char *fmt, ...);
static const char *rp_xgb_dup_key(const cJSON *it);
static cJSON *rp_xgb_get(const cJSON *obj, const char *key);
static int rp_xgb_param_int(const cJSON *obj, const char *key, long def,
    long lo, long hi, long *out, char *err, size_t errlen);
static int rp_xgb_index(const cJSON *it, long lo, long hi, long *out);
static int rp_xgb_base_score(const cJSON *p, double *out, char *err,
    size_t errlen);
static int rp_xgb_objective(const cJSON *learner, rp_xgb_model_t *x,
    char *err, size_t errlen);
static int rp_xgb_names(const cJSON *learner, rp_xgb_model_t *x, char *err,
    size_t errlen);
static int rp_xgb_trees(const cJSON *gb, rp_xgb_model_t *x, char *err,
    size_t errlen);
static int rp_xgb_tree(const cJSON *tree, long t, float weight,
    rp_forest_t *fo, char *err, size_t errlen);


static int
rp_xgb_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);

    return -1;
}


/*
 * A key that appears twice in one object, anywhere in the document, or
 * NULL. cJSON finds the first of two, XGBoost's reader keeps the last: a
 * file with both could be read as two different models.
 */
static const char *
rp_xgb_dup_key(const cJSON *it)
{
    const char   *k;
    const cJSON  *a, *b;

    for (a = it->child; a != NULL; a = a->next) {
        if (cJSON_IsObject(it)) {
            for (b = a->next; b != NULL; b = b->next) {
                if (strcmp(a->string, b->string) == 0) {
                    return a->string;
                }
            }
        }
        if ((cJSON_IsObject(a) || cJSON_IsArray(a))
            && (k = rp_xgb_dup_key(a)) != NULL)
        {
            return k;
        }
    }

    return NULL;
}


static cJSON *
rp_xgb_get(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key)
                               : NULL;
}


/*
 * XGBoost writes its parameters as strings ("num_feature": "29"); a number
 * is taken too. A missing key gives def (def < lo: required).
 */
static int
rp_xgb_param_int(const cJSON *obj, const char *key, long def, long lo,
    long hi, long *out, char *err, size_t errlen)
{
    char         *end;
    double        d;
    const cJSON  *p;

    p = rp_xgb_get(obj, key);

    if (p == NULL && def >= lo) {
        *out = def;
        return 0;
    }

    if (cJSON_IsString(p) && p->valuestring[0] != '\0') {
        d = strtod(p->valuestring, &end);
        if (*end != '\0') {
            d = NAN;
        }

    } else if (cJSON_IsNumber(p)) {
        d = p->valuedouble;

    } else {
        return rp_xgb_fail(err, errlen, "%s missing or not a number", key);
    }

    if (!(d >= lo && d <= hi) || d != floor(d)) {
        return rp_xgb_fail(err, errlen, "%s %.17g is not an integer in "
                           "%ld..%ld", key, d, lo, hi);
    }

    *out = (long) d;
    return 0;
}


/* An array element that must be an integer in lo..hi. 0 / -1. */
static int
rp_xgb_index(const cJSON *it, long lo, long hi, long *out)
{
    double  d;

    if (cJSON_IsBool(it)) {
        d = cJSON_IsTrue(it) ? 1 : 0;

    } else if (cJSON_IsNumber(it)) {
        d = it->valuedouble;

    } else {
        return -1;
    }

    if (!(d >= lo && d <= hi) || d != floor(d)) {
        return -1;
    }

    *out = (long) d;
    return 0;
}


/* "5E-1" (up to 3.0) or "[5E-1]" (3.1 and later: one value per output). */
static int
rp_xgb_base_score(const cJSON *p, double *out, char *err, size_t errlen)
{
    int           n;
    char         *end;
    cJSON        *arr;
    double        d;
    const char   *s;

    if (!cJSON_IsString(p)) {
        return rp_xgb_fail(err, errlen, "learner_model_param.base_score "
                           "missing or not a string");
    }

    s = p->valuestring;
    while (*s == ' ') {
        s++;
    }

    if (*s == '[') {
        arr = cJSON_Parse(s);
        n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
        if (n != 1 || !cJSON_IsNumber(cJSON_GetArrayItem(arr, 0))) {
            cJSON_Delete(arr);
            return rp_xgb_fail(err, errlen, "base_score \"%.40s\" is not one "
                               "number%s", p->valuestring,
                               n > 1 ? " (one per output: a multi-output "
                                       "model, which rp does not score)"
                                     : "");
        }
        d = cJSON_GetArrayItem(arr, 0)->valuedouble;
        cJSON_Delete(arr);

    } else {
        d = strtod(s, &end);
        if (end == s || *end != '\0') {
            return rp_xgb_fail(err, errlen, "base_score \"%.40s\" is not a "
                               "number", p->valuestring);
        }
    }

    /* XGBoost keeps it as a float */
    *out = (double) (float) d;
    return 0;
}


static int
rp_xgb_objective(const cJSON *learner, rp_xgb_model_t *x, char *err,
    size_t errlen)
{
    long          v;
    float         bs;
    const cJSON  *mp, *obj;

    mp = rp_xgb_get(learner, "learner_model_param");
    if (!cJSON_IsObject(mp)) {
        return rp_xgb_fail(err, errlen, "no learner.learner_model_param");
    }

    if (rp_xgb_param_int(mp, "num_class", 0, 0, 1L << 30, &v, err, errlen)
        != 0)
    {
        return -1;
    }
    if (v > 1) {
        return rp_xgb_fail(err, errlen, "a multi-class model (num_class %ld):"
                           " rp scores one probability, of a binary "
                           "objective", v);
    }

    if (rp_xgb_param_int(mp, "num_target", 1, 1, 1L << 30, &v, err, errlen)
        != 0)
    {
        return -1;
    }
    if (v > 1) {
        return rp_xgb_fail(err, errlen, "a multi-target model (num_target "
                           "%ld): rp scores one probability", v);
    }

    if (rp_xgb_param_int(mp, "num_feature", -1, 1, RP_XGB_MAX_FEATURES, &v,
                         err, errlen) != 0)
    {
        return -1;
    }
    x->fo.n_cols = (uint32_t) v;

    if (rp_xgb_base_score(rp_xgb_get(mp, "base_score"), &x->base_score, err,
                          errlen) != 0)
    {
        return -1;
    }

    obj = rp_xgb_get(rp_xgb_get(learner, "objective"), "name");
    if (!cJSON_IsString(obj)) {
        return rp_xgb_fail(err, errlen, "no learner.objective.name");
    }
    snprintf(x->objective, sizeof(x->objective), "%s", obj->valuestring);

    bs = (float) x->base_score;

    if (strcmp(obj->valuestring, "binary:logistic") == 0
        || strcmp(obj->valuestring, "reg:logistic") == 0)
    {
        if (!(bs > 0 && bs < 1)) {
            return rp_xgb_fail(err, errlen, "base_score %.9g is not a "
                               "probability in (0, 1), as %s needs",
                               x->base_score, obj->valuestring);
        }
        /* XGBoost's ProbToMargin for the logistic loss, in float */
        x->fo.base_margin = (double) -logf(1.0f / bs - 1.0f) + 0.0;
        x->margin_output = 0;

    } else if (strcmp(obj->valuestring, "binary:logitraw") == 0) {
        if (!isfinite(bs)) {
            return rp_xgb_fail(err, errlen, "base_score %.9g is not finite",
                               x->base_score);
        }
        /* its ProbToMargin is the identity: base_score is a margin */
        x->fo.base_margin = (double) bs;
        x->margin_output = 1;

    } else {
        return rp_xgb_fail(err, errlen, "objective \"%.60s\" is not supported"
                           " (binary:logistic, reg:logistic or "
                           "binary:logitraw: a probability of one event)",
                           obj->valuestring);
    }

    return 0;
}


static int
rp_xgb_names(const cJSON *learner, rp_xgb_model_t *x, char *err,
    size_t errlen)
{
    int           n, i;
    const cJSON  *names, *it;

    names = rp_xgb_get(learner, "feature_names");
    if (names == NULL) {
        return 0;
    }

    if (!cJSON_IsArray(names)) {
        return rp_xgb_fail(err, errlen, "learner.feature_names is not an "
                           "array");
    }

    n = cJSON_GetArraySize(names);
    if (n == 0) {
        return 0;
    }
    if ((uint32_t) n != x->fo.n_cols) {
        return rp_xgb_fail(err, errlen, "%d feature names for num_feature %u",
                           n, x->fo.n_cols);
    }

    x->names = calloc((size_t) n, sizeof(char *));
    if (x->names == NULL) {
        return rp_xgb_fail(err, errlen, "out of memory");
    }

    i = 0;
    cJSON_ArrayForEach(it, names) {
        if (!cJSON_IsString(it)) {
            return rp_xgb_fail(err, errlen, "feature name %d is not a "
                               "string", i);
        }
        x->names[i] = strdup(it->valuestring);
        if (x->names[i] == NULL) {
            return rp_xgb_fail(err, errlen, "out of memory");
        }
        x->n_names = (uint32_t) ++i;
    }

    return 0;
}


/* The trees of gb (learner.gradient_booster) into x->fo. */
static int
rp_xgb_trees(const cJSON *gb, rp_xgb_model_t *x, char *err, size_t errlen)
{
    int           n, i;
    long          v, id;
    float         w;
    cJSON        *p, *model, *trees, *info, *wd, *tree;
    const cJSON **order;

    p = rp_xgb_get(gb, "name");
    if (!cJSON_IsString(p)) {
        return rp_xgb_fail(err, errlen, "no learner.gradient_booster.name");
    }
    snprintf(x->booster, sizeof(x->booster), "%s", p->valuestring);

    wd = NULL;
    if (strcmp(p->valuestring, "gbtree") == 0) {
        model = rp_xgb_get(gb, "model");

    } else if (strcmp(p->valuestring, "dart") == 0) {
        model = rp_xgb_get(rp_xgb_get(gb, "gbtree"), "model");
        wd = rp_xgb_get(gb, "weight_drop");
        if (!cJSON_IsArray(wd)) {
            return rp_xgb_fail(err, errlen, "a dart booster without "
                               "weight_drop");
        }

    } else if (strcmp(p->valuestring, "gblinear") == 0) {
        return rp_xgb_fail(err, errlen, "booster gblinear is a linear model, "
                           "not trees: rp scores tree models (gbtree, dart)");

    } else {
        return rp_xgb_fail(err, errlen, "booster \"%.40s\" is not supported "
                           "(gbtree, dart)", p->valuestring);
    }

    p = rp_xgb_get(model, "gbtree_model_param");
    if (!cJSON_IsObject(p)) {
        return rp_xgb_fail(err, errlen, "no gbtree_model_param");
    }
    if (rp_xgb_param_int(p, "num_parallel_tree", 1, 1, 1L << 30, &v, err,
                         errlen) != 0)
    {
        return -1;
    }
    x->parallel = (uint32_t) v;
    if (rp_xgb_param_int(p, "size_leaf_vector", 0, 0, 1L << 30, &v, err,
                         errlen) != 0)
    {
        return -1;
    }
    if (v > 1) {
        return rp_xgb_fail(err, errlen, "vector leaves (size_leaf_vector "
                           "%ld): a multi-output model", v);
    }
    if (rp_xgb_param_int(p, "num_trees", -1, 1, RP_MODEL_MAX_TREES, &v, err,
                         errlen) != 0)
    {
        return -1;
    }

    trees = rp_xgb_get(model, "trees");
    if (!cJSON_IsArray(trees) || cJSON_GetArraySize(trees) != v) {
        return rp_xgb_fail(err, errlen, "%d trees for num_trees %ld",
                           cJSON_IsArray(trees) ? cJSON_GetArraySize(trees)
                           : 0, v);
    }
    n = (int) v;

    if (wd != NULL && cJSON_GetArraySize(wd) != n) {
        return rp_xgb_fail(err, errlen, "dart: %d weights for %d trees",
                           cJSON_GetArraySize(wd), n);
    }

    /* every tree of output group 0: one output */
    info = rp_xgb_get(model, "tree_info");
    if (info != NULL) {
        if (!cJSON_IsArray(info) || cJSON_GetArraySize(info) != n) {
            return rp_xgb_fail(err, errlen, "tree_info is not an array of "
                               "%d groups", n);
        }
        i = 0;
        cJSON_ArrayForEach(p, info) {
            if (rp_xgb_index(p, 0, 0, &v) != 0) {
                return rp_xgb_fail(err, errlen, "tree %d is of output group "
                                   "%.17g: a multi-output model", i,
                                   cJSON_IsNumber(p) ? p->valuedouble : -1.0);
            }
            i++;
        }
    }

    /* XGBoost places each tree by its "id" */
    order = calloc((size_t) n, sizeof(cJSON *));
    if (order == NULL) {
        return rp_xgb_fail(err, errlen, "out of memory");
    }

    i = 0;
    cJSON_ArrayForEach(tree, trees) {
        p = rp_xgb_get(tree, "id");
        id = i;
        if (p != NULL && rp_xgb_index(p, 0, n - 1, &id) != 0) {
            free(order);
            return rp_xgb_fail(err, errlen, "tree %d: bad id", i);
        }
        if (order[id] != NULL) {
            free(order);
            return rp_xgb_fail(err, errlen, "tree id %ld given twice", id);
        }
        order[id] = tree;
        i++;
    }

    for (i = 0; i < n; i++) {
        w = 1.0f;
        if (wd != NULL) {
            p = cJSON_GetArrayItem(wd, i);
            if (!cJSON_IsNumber(p) || !isfinite((float) p->valuedouble)) {
                free(order);
                return rp_xgb_fail(err, errlen, "dart: weight_drop[%d] is not"
                                   " a number", i);
            }
            w = (float) p->valuedouble;
        }
        if (rp_xgb_tree(order[i], i, w, &x->fo, err, errlen) != 0) {
            free(order);
            return -1;
        }
    }

    free(order);
    return 0;
}


/*
 * One tree, appended to fo in pre-order. weight multiplies its leaves
 * (dart; 1 otherwise): XGBoost adds leaf * weight, in float, and so does
 * the product stored here.
 */
static int
rp_xgb_tree(const cJSON *tree, long t, float weight, rp_forest_t *fo,
    char *err, size_t errlen)
{
    int          n, i, top, id, pos, parent, rc;
    long         v, lv, deleted;
    void        *grow;
    double       d;
    cJSON       *lc, *rc_, *si, *sc, *dl, *sh, *st, *cn, *it;
    int         *left, *right, *stack_id, *stack_parent;
    uint8_t     *seen;
    rp_node_t   *nd;

#define rp_tree_fail(...)                                                    \
    do { rp_xgb_fail(err, errlen, __VA_ARGS__); goto failed; } while (0)

    left = NULL;
    right = NULL;
    stack_id = NULL;
    stack_parent = NULL;
    seen = NULL;
    rc = -1;

    lc = rp_xgb_get(tree, "left_children");
    rc_ = rp_xgb_get(tree, "right_children");
    si = rp_xgb_get(tree, "split_indices");
    sc = rp_xgb_get(tree, "split_conditions");
    dl = rp_xgb_get(tree, "default_left");
    /* each node's cover (sum of hessians), what TreeSHAP weighs paths by */
    sh = rp_xgb_get(tree, "sum_hessian");
    st = rp_xgb_get(tree, "split_type");
    cn = rp_xgb_get(tree, "categories_nodes");

    if (!cJSON_IsArray(lc) || !cJSON_IsArray(rc_) || !cJSON_IsArray(si)
        || !cJSON_IsArray(sc) || !cJSON_IsArray(dl) || !cJSON_IsArray(sh))
    {
        rp_tree_fail("tree %ld without the arrays left_children, "
                     "right_children, split_indices, split_conditions, "
                     "default_left and sum_hessian", t);
    }

    n = cJSON_GetArraySize(lc);
    if (n <= 0 || (uint32_t) n > RP_MODEL_MAX_NODES
        || cJSON_GetArraySize(rc_) != n || cJSON_GetArraySize(si) != n
        || cJSON_GetArraySize(sc) != n || cJSON_GetArraySize(dl) != n
        || cJSON_GetArraySize(sh) != n
        || (st != NULL && (!cJSON_IsArray(st) || cJSON_GetArraySize(st) != n)))
    {
        rp_tree_fail("tree %ld: its node arrays have different sizes", t);
    }

    /* a categorical split tests set membership, which rp's nodes cannot */
    i = 0;
    cJSON_ArrayForEach(it, st) {
        if (rp_xgb_index(it, 0, 0, &v) != 0) {
            rp_tree_fail("tree %ld node %d: a categorical split (split_type "
                         "%.17g), which rp does not support: train with "
                         "numeric features only", t, i,
                         cJSON_IsNumber(it) ? it->valuedouble : -1.0);
        }
        i++;
    }
    if (cJSON_IsArray(cn) && cJSON_GetArraySize(cn) > 0) {
        it = cJSON_GetArrayItem(cn, 0);
        rp_tree_fail("tree %ld node %.17g: a categorical split, which rp "
                     "does not support: train with numeric features only", t,
                     cJSON_IsNumber(it) ? it->valuedouble : -1.0);
    }

    if (fo->n_nodes + n > fo->cap) {
        fo->cap = (fo->n_nodes + n) * 2;
        grow = realloc(fo->nodes, fo->cap * sizeof(rp_node_t));
        if (grow == NULL) {
            rp_tree_fail("out of memory");
        }
        fo->nodes = grow;
        grow = realloc(fo->cover, fo->cap * sizeof(float));
        if (grow == NULL) {
            rp_tree_fail("out of memory");
        }
        fo->cover = grow;
    }
    grow = realloc(fo->count, (fo->n_trees + 1) * sizeof(uint32_t));
    if (grow == NULL) {
        rp_tree_fail("out of memory");
    }
    fo->count = grow;

    left = malloc(n * sizeof(int));
    right = malloc(n * sizeof(int));
    /* a node is popped once, so at most n + 1 entries wait */
    stack_id = malloc((2 * (size_t) n + 2) * sizeof(int));
    stack_parent = malloc((2 * (size_t) n + 2) * sizeof(int));
    seen = calloc(n, 1);
    if (left == NULL || right == NULL || stack_id == NULL
        || stack_parent == NULL || seen == NULL)
    {
        rp_tree_fail("out of memory");
    }

    i = 0;
    cJSON_ArrayForEach(it, lc) {
        if (rp_xgb_index(it, -1, n - 1, &v) != 0) {
            rp_tree_fail("tree %ld node %d: bad left child", t, i);
        }
        left[i++] = (int) v;
    }
    i = 0;
    cJSON_ArrayForEach(it, rc_) {
        if (rp_xgb_index(it, -1, n - 1, &v) != 0) {
            rp_tree_fail("tree %ld node %d: bad right child", t, i);
        }
        right[i++] = (int) v;
    }

    nd = fo->nodes + fo->n_nodes;
    pos = 0;
    top = 0;
    stack_id[top] = 0;
    stack_parent[top++] = -1;

    /* pre-order: a node, its left subtree, then its right subtree */
    while (top > 0) {
        top--;
        id = stack_id[top];
        parent = stack_parent[top];

        if (seen[id]) {
            rp_tree_fail("tree %ld node %d: reached twice (not a tree)", t,
                         id);
        }
        seen[id] = 1;

        if (parent >= 0) {
            nd[parent].right = (uint32_t) pos;
        }

        it = cJSON_GetArrayItem(sh, id);
        d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
        if (!isfinite((float) d)) {
            rp_tree_fail("tree %ld node %d: sum_hessian is not a number", t,
                         id);
        }
        fo->cover[fo->n_nodes + pos] = (float) d;

        it = cJSON_GetArrayItem(sc, id);
        d = cJSON_IsNumber(it) ? it->valuedouble : NAN;
        if (!isfinite((float) d)) {
            rp_tree_fail("tree %ld node %d: split_conditions value is not a "
                         "finite float", t, id);
        }

        nd[pos].right = 0;

        if (left[id] == -1) {
            if (right[id] != -1) {
                rp_tree_fail("tree %ld node %d: a right child without a left "
                             "one", t, id);
            }
            nd[pos].split = RP_NODE_LEAF;
            nd[pos].value = (float) d * weight;
            if (!isfinite(nd[pos].value)) {
                rp_tree_fail("tree %ld node %d: leaf times dart weight is not"
                             " finite", t, id);
            }

        } else {
            if (right[id] == -1) {
                rp_tree_fail("tree %ld node %d: a left child without a right "
                             "one", t, id);
            }
            if (rp_xgb_index(cJSON_GetArrayItem(si, id), 0,
                             (long) fo->n_cols - 1, &v) != 0)
            {
                rp_tree_fail("tree %ld node %d: split index is not a feature "
                             "(0..%u)", t, id, fo->n_cols - 1);
            }
            if (rp_xgb_index(cJSON_GetArrayItem(dl, id), 0, 1, &lv) != 0) {
                rp_tree_fail("tree %ld node %d: default_left is not 0 or 1",
                             t, id);
            }
            nd[pos].split = (uint32_t) v | (lv ? RP_NODE_DEFAULT_LEFT : 0);
            nd[pos].value = (float) d;

            stack_id[top] = right[id];
            stack_parent[top++] = pos;
            stack_id[top] = left[id];
            stack_parent[top++] = -1;
        }

        pos++;
    }

    /* what the pruner deleted stays in the arrays, unreachable */
    if (rp_xgb_param_int(rp_xgb_get(tree, "tree_param"), "num_deleted", 0, 0,
                         n - 1, &deleted, err, errlen) != 0)
    {
        rp_tree_fail("tree %ld: tree_param.num_deleted is not a count", t);
    }
    if (n - pos != deleted) {
        rp_tree_fail("tree %ld: %d nodes unreachable from the root, but "
                     "num_deleted is %ld", t, n - pos, deleted);
    }

    fo->count[fo->n_trees++] = (uint32_t) pos;
    fo->n_nodes += (size_t) pos;
    rc = 0;

failed:

#undef rp_tree_fail

    free(left);
    free(right);
    free(stack_id);
    free(stack_parent);
    free(seen);
    return rc;
}


int
rp_xgb_json_read(const char *buf, size_t len, rp_xgb_model_t *x, char *err,
    size_t errlen)
{
    int           i;
    long          v;
    cJSON        *doc, *learner, *p, *it;
    const char   *at;

    memset(x, 0, sizeof(*x));
    x->best_iteration = -1;
    x->xgb_version[0] = -1;

    doc = cJSON_ParseWithLength(buf, len);
    if (doc == NULL) {
        at = cJSON_GetErrorPtr();
        rp_xgb_fail(err, errlen, "not valid JSON (an error at byte %ld of "
                    "%zu%s)", at != NULL && at >= buf && at <= buf + len
                              ? (long) (at - buf) : -1L, len,
                    at != NULL && len > 1 && at >= buf + len - 1
                    ? ": the file ends early, truncated?"
                    : memchr(buf, '\0', len < 64 ? len : 64) != NULL
                    ? ": XGBoost's binary or UBJSON format? Save the model "
                      "under a name ending in .json" : "");
        return -1;
    }

    at = rp_xgb_dup_key(doc);
    if (at != NULL) {
        rp_xgb_fail(err, errlen, "key \"%.60s\" twice in one object (XGBoost "
                    "would read the last, rp the first)", at);
        goto failed;
    }

    learner = rp_xgb_get(doc, "learner");
    if (!cJSON_IsObject(learner)) {
        rp_xgb_fail(err, errlen, "no \"learner\" object: not an XGBoost JSON "
                    "model (Booster.save_model(\"m.json\"))");
        goto failed;
    }

    p = rp_xgb_get(doc, "version");
    if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 3) {
        i = 0;
        cJSON_ArrayForEach(it, p) {
            x->xgb_version[i++] = rp_xgb_index(it, 0, 1000000, &v) == 0
                                  ? (int) v : -1;
        }
    }

    p = rp_xgb_get(rp_xgb_get(learner, "attributes"), "best_iteration");
    if (p != NULL && rp_xgb_param_int(rp_xgb_get(learner, "attributes"),
                                      "best_iteration", 0, 0, 1L << 30, &v,
                                      err, errlen) == 0)
    {
        x->best_iteration = v;
    }

    if (rp_xgb_objective(learner, x, err, errlen) != 0
        || rp_xgb_names(learner, x, err, errlen) != 0
        || rp_xgb_trees(rp_xgb_get(learner, "gradient_booster"), x, err,
                        errlen) != 0)
    {
        goto failed;
    }

    cJSON_Delete(doc);
    return 0;

failed:

    cJSON_Delete(doc);
    rp_xgb_model_free(x);
    return -1;
}


void
rp_xgb_model_free(rp_xgb_model_t *x)
{
    uint32_t  i;

    for (i = 0; i < x->n_names; i++) {
        free(x->names[i]);
    }
    free(x->names);
    x->names = NULL;
    x->n_names = 0;
    rp_forest_free(&x->fo);
}


void
rp_forest_free(rp_forest_t *fo)
{
    free(fo->nodes);
    free(fo->cover);
    free(fo->count);
    memset(fo, 0, sizeof(*fo));
}
