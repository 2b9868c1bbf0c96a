/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_importance.c: global feature importance for `rp-train inspect
 * --matrix`: the mean absolute TreeSHAP contribution of each model
 * feature over the rows of a features matrix (`rp-train features`), the
 * same explanation the module gives one request, averaged.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"
#include "rp_explain.h"
#include "rp_importance.h"


/* splits line (changed in place) at commas into at most max fields */
static size_t
rp_split(char *line, char **field, size_t max)
{
    size_t  n = 0;
    char   *p = line;

    line[strcspn(line, "\r\n")] = '\0';

    for ( ;; ) {
        if (n == max) {
            return max + 1;
        }
        field[n++] = p;
        p = strchr(p, ',');
        if (p == NULL) {
            return n;
        }
        *p++ = '\0';
    }
}


int
rp_importance(const rp_model_t *m, const char *path, double *mean_abs,
    size_t *nrows)
{
    enum { MAX_COLS = 256 };
    FILE      *f;
    char      *line = NULL, *field[MAX_COLS], *end;
    size_t     cap = 0, ncols, n, rows = 0;
    int        col[RP_MODEL_MAX_FEATURES], rc = -1;
    uint32_t   j, nf = m->hdr->n_features;
    float      x[RP_MODEL_MAX_FEATURES];
    double     bias, contrib[RP_MODEL_MAX_FEATURES];
    void      *ws;
    const char *name;

    if (!rp_explain_available(m)) {
        rp_err("inspect: the model file has no node covers (written before "
               "explanations): it cannot be explained; retrain it");
        return -1;
    }

    f = fopen(path, "r");
    if (f == NULL) {
        rp_err("inspect: cannot open %s: %s", path, strerror(errno));
        return -1;
    }

    ws = rp_xalloc(rp_explain_workspace_size(m));
    memset(mean_abs, 0, nf * sizeof(double));

    if (getline(&line, &cap, f) < 0) {
        rp_err("inspect: %s is empty", path);
        goto done;
    }

    ncols = rp_split(line, field, MAX_COLS);
    if (ncols > MAX_COLS) {
        rp_err("inspect: %s: more than %d columns", path, MAX_COLS);
        goto done;
    }

    /* the model's features by name, in model order */
    for (j = 0; j < nf; j++) {
        name = m->names + (size_t) j * RP_FEATURE_NAME_MAX;
        col[j] = -1;
        for (n = 0; n < ncols; n++) {
            if (strcmp(field[n], name) == 0) {
                col[j] = (int) n;
                break;
            }
        }
        if (col[j] < 0) {
            rp_err("inspect: %s has no column \"%s\", a feature of the "
                   "model", path, name);
            goto done;
        }
    }

    while (getline(&line, &cap, f) >= 0) {
        if (line[0] == '\n' || line[0] == '\0') {
            continue;
        }
        n = rp_split(line, field, MAX_COLS);
        if (n != ncols) {
            rp_err("inspect: %s line %zu: %zu fields, the header has %zu",
                   path, rows + 2, n > MAX_COLS ? (size_t) MAX_COLS : n,
                   ncols);
            goto done;
        }

        /* an empty field is a missing value, as `features` writes it */
        for (j = 0; j < nf; j++) {
            if (field[col[j]][0] == '\0') {
                x[j] = NAN;
                continue;
            }
            x[j] = strtof(field[col[j]], &end);
            if (end == field[col[j]] || *end != '\0') {
                rp_err("inspect: %s line %zu: \"%s\" is not a number",
                       path, rows + 2, field[col[j]]);
                goto done;
            }
        }

        rp_explain_tree_shap(m, x, ws, &bias, contrib);
        for (j = 0; j < nf; j++) {
            mean_abs[j] += fabs(contrib[j]);
        }
        rows++;
    }

    if (rows == 0) {
        rp_err("inspect: %s has no rows", path);
        goto done;
    }

    for (j = 0; j < nf; j++) {
        mean_abs[j] /= (double) rows;
    }
    *nrows = rows;
    rc = 0;

done:

    free(line);
    free(ws);
    fclose(f);
    return rc;
}
