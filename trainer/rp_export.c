/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_export.c: XGBoost's trees to rp's model layout. The booster is saved
 * as JSON; each tree's arrays (left/right children, split indices and
 * conditions, default directions) are rewritten in depth-first pre-order
 * with the left child next, as rp_model.h wants; leaves keep XGBoost's
 * values, so the margins are the same sums.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_train.h"
#include "rp_xgb.h"


static int rp_tree_convert(cJSON *tree, rp_forest_t *fo);


static int
rp_tree_convert(cJSON *tree, rp_forest_t *fo)
{
    int        n, i, top, id, pos, parent;
    cJSON     *lc, *rc, *si, *sc, *dl, *sh, *it;
    int       *left, *right, *stack_id, *stack_parent;
    uint8_t   *seen;
    rp_node_t *nd;

    lc = cJSON_GetObjectItemCaseSensitive(tree, "left_children");
    rc = cJSON_GetObjectItemCaseSensitive(tree, "right_children");
    si = cJSON_GetObjectItemCaseSensitive(tree, "split_indices");
    sc = cJSON_GetObjectItemCaseSensitive(tree, "split_conditions");
    dl = cJSON_GetObjectItemCaseSensitive(tree, "default_left");
    /* each node's cover (sum of hessians), what TreeSHAP weighs paths by */
    sh = cJSON_GetObjectItemCaseSensitive(tree, "sum_hessian");

    if (!cJSON_IsArray(lc) || !cJSON_IsArray(rc) || !cJSON_IsArray(si)
        || !cJSON_IsArray(sc) || !cJSON_IsArray(dl))
    {
        rp_err("fit: xgboost tree without the expected arrays");
        return -1;
    }

    n = cJSON_GetArraySize(lc);
    if (n <= 0 || cJSON_GetArraySize(rc) != n || cJSON_GetArraySize(si) != n
        || cJSON_GetArraySize(sc) != n || cJSON_GetArraySize(dl) != n
        || !cJSON_IsArray(sh) || cJSON_GetArraySize(sh) != n)
    {
        rp_err("fit: xgboost tree arrays of different sizes");
        return -1;
    }

    if (fo->n_nodes + n > fo->cap) {
        fo->cap = (fo->n_nodes + n) * 2;
        fo->nodes = rp_xrealloc(fo->nodes, fo->cap * sizeof(rp_node_t));
        fo->cover = rp_xrealloc(fo->cover, fo->cap * sizeof(float));
    }

    left = rp_xalloc(n * sizeof(int));
    right = rp_xalloc(n * sizeof(int));
    stack_id = rp_xalloc(n * sizeof(int));
    stack_parent = rp_xalloc(n * sizeof(int));
    seen = rp_xalloc(n);

    i = 0;
    cJSON_ArrayForEach(it, lc) { left[i++] = it->valueint; }
    i = 0;
    cJSON_ArrayForEach(it, rc) { right[i++] = it->valueint; }

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

        if (id < 0 || id >= n || seen[id] || pos >= n) {
            rp_err("fit: xgboost tree with a bad child index %d", id);
            goto failed;
        }
        seen[id] = 1;

        if (parent >= 0) {
            nd[parent].right = (uint32_t) pos;
        }

        fo->cover[fo->n_nodes + pos] =
            (float) cJSON_GetArrayItem(sh, id)->valuedouble;

        if (left[id] == -1) {
            nd[pos].split = RP_NODE_LEAF;
            nd[pos].value = (float) cJSON_GetArrayItem(sc, id)->valuedouble;
            nd[pos].right = 0;

        } else {
            i = cJSON_GetArrayItem(si, id)->valueint;
            if (i < 0 || (uint32_t) i >= fo->n_cols || right[id] == -1) {
                rp_err("fit: xgboost node with feature %d", i);
                goto failed;
            }
            it = cJSON_GetArrayItem(dl, id);
            nd[pos].split = (uint32_t) i
                            | ((cJSON_IsTrue(it) || (cJSON_IsNumber(it)
                                                     && it->valueint != 0))
                               ? RP_NODE_DEFAULT_LEFT : 0);
            nd[pos].value = (float) cJSON_GetArrayItem(sc, id)->valuedouble;
            nd[pos].right = 0;

            stack_id[top] = right[id];
            stack_parent[top++] = pos;
            stack_id[top] = left[id];
            stack_parent[top++] = -1;
        }

        pos++;
    }

    if (pos != n) {
        rp_err("fit: xgboost tree with %d unreachable nodes", n - pos);
        goto failed;
    }

    fo->count = rp_xrealloc(fo->count, (fo->n_trees + 1) * sizeof(uint32_t));
    fo->count[fo->n_trees++] = (uint32_t) n;
    fo->n_nodes += (size_t) n;

    free(left);
    free(right);
    free(stack_id);
    free(stack_parent);
    free(seen);
    return 0;

failed:

    free(left);
    free(right);
    free(stack_id);
    free(stack_parent);
    free(seen);
    return -1;
}


int
rp_xgb_export(BoosterHandle h, uint32_t n_cols, rp_forest_t *fo)
{
    double       bs;
    cJSON       *doc, *p, *trees, *tree;
    bst_ulong    len;
    const char  *buf;

    doc = NULL;
    memset(fo, 0, sizeof(*fo));
    fo->n_cols = n_cols;

    rp_xgb(XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &len,
                                      &buf));

    doc = cJSON_ParseWithLength(buf, len);
    if (doc == NULL) {
        rp_err("fit: cannot parse xgboost's JSON model");
        goto failed;
    }

    p = cJSON_GetObjectItemCaseSensitive(doc, "learner");
    p = cJSON_GetObjectItemCaseSensitive(p, "learner_model_param");
    p = cJSON_GetObjectItemCaseSensitive(p, "base_score");
    if (!cJSON_IsString(p)) {
        rp_err("fit: xgboost JSON without learner_model_param.base_score");
        goto failed;
    }

    bs = strtod(p->valuestring, NULL);
    if (!(bs > 0 && bs < 1)) {
        rp_err("fit: xgboost base_score %s out of (0, 1)", p->valuestring);
        goto failed;
    }
    fo->base_margin = log(bs / (1 - bs));

    trees = cJSON_GetObjectItemCaseSensitive(doc, "learner");
    trees = cJSON_GetObjectItemCaseSensitive(trees, "gradient_booster");
    trees = cJSON_GetObjectItemCaseSensitive(trees, "model");
    trees = cJSON_GetObjectItemCaseSensitive(trees, "trees");
    if (!cJSON_IsArray(trees) || cJSON_GetArraySize(trees) == 0) {
        rp_err("fit: xgboost JSON without trees");
        goto failed;
    }

    cJSON_ArrayForEach(tree, trees) {
        if (rp_tree_convert(tree, fo) != 0) {
            goto failed;
        }
    }

    cJSON_Delete(doc);
    return 0;

failed:

    cJSON_Delete(doc);
    return -1;
}


void
rp_forest_free(rp_forest_t *fo)
{
    free(fo->nodes);
    free(fo->cover);
    free(fo->count);
    memset(fo, 0, sizeof(*fo));
}


int
rp_write_json(const char *path, cJSON *doc)
{
    int     fd;
    char   *text, *tmp;
    size_t  len, plen;

    text = cJSON_Print(doc);
    if (text == NULL) {
        return -1;
    }

    plen = strlen(path);
    tmp = rp_xalloc(plen + 5);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        goto failed;
    }

    len = strlen(text);
    text[len] = '\n';
    if (write(fd, text, len + 1) != (ssize_t) (len + 1) || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        goto failed;
    }

    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        goto failed;
    }

    free(tmp);
    free(text);
    return 0;

failed:

    rp_err("fit: write \"%s\" failed: %s", path, strerror(errno));
    free(tmp);
    free(text);
    return -1;
}
