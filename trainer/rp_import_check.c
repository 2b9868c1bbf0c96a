/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_import_check.c: rp-train import --check. The rows of a matrix in
 * rp-train features' layout are scored by the converted model, loaded as
 * the module loads it, through its one-row and batch paths, and by
 * XGBoost's C API on the same JSON bytes, missing values as NaN; the
 * worst row is reported with both values.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_train.h"
#include "rp_import.h"


/* the rows of a --check matrix */
typedef struct {
    float     *x;          /* n x RP_NFEATURES, table order */
    size_t    *line;       /* line number of each row */
    char     **product;    /* each row's product_id, when a column has it */
    size_t     n;
    size_t     cap;
    uint8_t    have[RP_NFEATURES];   /* the matrix has the column */
} rp_matrix_t;


static int rp_matrix_read(const char *path, const rp_xgb_model_t *x,
    const uint8_t *cols, rp_matrix_t *mx);
static void rp_matrix_free(rp_matrix_t *mx);
static void rp_matrix_ids(const char *path, size_t line, char *buf,
    size_t size);
static int rp_import_priors_match(const rp_import_opts_t *o,
    const rp_matrix_t *mx, const rp_model_t *m);
static int rp_import_xgb_predict(const char *buf, size_t len,
    const rp_xgb_model_t *x, const uint8_t *cols, const rp_matrix_t *mx,
    double *out);


/*
 * The rows of a matrix in rp-train features' layout: a header naming the
 * columns (user_id, product_id, features, label), then one row a line,
 * "nan" for a missing value. Columns are found by name; every feature of
 * the model must be one of them, the others are ignored.
 */
static int
rp_matrix_read(const char *path, const rp_xgb_model_t *x, const uint8_t *cols,
    rp_matrix_t *mx)
{
    int       rc, *map, nc, c, idx, pcol;
    char     *line, *p, *e, *end;
    FILE     *f;
    float     v;
    size_t    cap, lineno, r;
    ssize_t   got;
    uint32_t  i;
    uint8_t  *have;

    memset(mx, 0, sizeof(*mx));
    have = mx->have;
    pcol = -1;
    line = NULL;
    cap = 0;
    map = NULL;
    rc = -1;

    f = fopen(path, "r");
    if (f == NULL) {
        rp_err("import: --check: cannot open \"%s\": %s", path,
               strerror(errno));
        return -1;
    }

    got = getline(&line, &cap, f);
    if (got <= 0) {
        rp_err("import: --check: \"%s\" is empty", path);
        goto done;
    }

    /* the header: column c holds table feature map[c], or -1 */
    nc = 1;
    for (p = line; *p != '\0'; p++) {
        nc += *p == ',';
    }
    map = rp_xalloc(nc * sizeof(int));

    for (c = 0, p = line; c < nc; c++, p = e + 1) {
        e = p + strcspn(p, ",\r\n");
        idx = rp_feature_index(p, (size_t) (e - p));
        map[c] = idx;
        if (e - p == 10 && memcmp(p, "product_id", 10) == 0) {
            pcol = c;
        }
        if (idx >= 0) {
            if (have[idx]) {
                rp_err("import: --check: \"%s\": column \"%.*s\" twice", path,
                       (int) (e - p), p);
                goto done;
            }
            have[idx] = 1;
        }
        if (*e != ',') {
            nc = c + 1;
            break;
        }
    }

    for (i = 0; i < x->n_names; i++) {
        if (!have[cols[i]]) {
            rp_err("import: --check: \"%s\" has no column \"%s\" (a feature "
                   "of the model)", path, x->names[i]);
            goto done;
        }
    }

    for (lineno = 2; (got = getline(&line, &cap, f)) > 0; lineno++) {
        if (line[0] == '\n' || line[0] == '\r') {
            continue;
        }
        if (mx->n == mx->cap) {
            mx->cap = mx->cap ? mx->cap * 2 : 1024;
            mx->x = rp_xrealloc(mx->x, mx->cap * RP_NFEATURES * sizeof(float));
            mx->line = rp_xrealloc(mx->line, mx->cap * sizeof(size_t));
            mx->product = rp_xrealloc(mx->product, mx->cap * sizeof(char *));
        }
        r = mx->n++;
        mx->line[r] = lineno;
        mx->product[r] = NULL;
        for (c = 0; c < RP_NFEATURES; c++) {
            mx->x[r * RP_NFEATURES + c] = NAN;
        }

        for (c = 0, p = line; ; c++, p = e + 1) {
            e = p + strcspn(p, ",\r\n");
            if (c >= nc) {
                c = nc + 1;         /* more columns than the header */
                break;
            }
            if (c == pcol) {
                mx->product[r] = rp_xalloc((size_t) (e - p) + 1);
                memcpy(mx->product[r], p, (size_t) (e - p));
            }
            if (map[c] >= 0) {
                errno = 0;
                v = strtof(p, &end);
                if (end != e || e == p || errno == ERANGE) {
                    rp_err("import: --check: \"%s\" line %zu: column %d is "
                           "not a number: \"%.*s\"", path, lineno, c + 1,
                           (int) (e - p), p);
                    goto done;
                }
                mx->x[r * RP_NFEATURES + map[c]] = v;
            }
            if (*e != ',') {
                c++;
                break;
            }
        }

        if (c != nc) {
            rp_err("import: --check: \"%s\" line %zu: %s columns than the "
                   "header's %d", path, lineno, c < nc ? "fewer" : "more",
                   nc);
            goto done;
        }
    }

    if (ferror(f)) {
        rp_err("import: --check: read \"%s\" failed: %s", path,
               strerror(errno));
        goto done;
    }

    if (mx->n == 0) {
        rp_err("import: --check: \"%s\" has no rows", path);
        goto done;
    }

    rc = 0;

done:

    free(map);
    free(line);
    fclose(f);
    if (rc != 0) {
        rp_matrix_free(mx);
    }
    return rc;
}


static void
rp_matrix_free(rp_matrix_t *mx)
{
    size_t  r;

    for (r = 0; mx->product != NULL && r < mx->n; r++) {
        free(mx->product[r]);
    }
    free(mx->product);
    free(mx->x);
    free(mx->line);
    memset(mx, 0, sizeof(*mx));
}


/* "user_id U, product_id P" of a line of the matrix, for a message. */
static void
rp_matrix_ids(const char *path, size_t line, char *buf, size_t size)
{
    char    *l, *e, *p, *q;
    FILE    *f;
    size_t   cap, n;
    ssize_t  got;

    snprintf(buf, size, "?");
    f = fopen(path, "r");
    if (f == NULL) {
        return;
    }

    l = NULL;
    cap = 0;
    for (n = 1; (got = getline(&l, &cap, f)) > 0; n++) {
        if (n == line) {
            e = l + strcspn(l, ",\r\n");
            p = *e == ',' ? e + 1 : e;
            q = p + strcspn(p, ",\r\n");
            snprintf(buf, size, "%.*s, %.*s", (int) (e - l > 128 ? 128 : e - l),
                     l, (int) (q - p > 128 ? 128 : q - p), p);
            break;
        }
    }

    free(l);
    fclose(f);
}


/*
 * The matrix's prod_* columns must be the file's table: --priors and
 * --cutoff the events and cutoff the matrix was made from. 0 / -1.
 */
static int
rp_import_priors_match(const rp_import_opts_t *o, const rp_matrix_t *mx,
    const rp_model_t *m)
{
    int           k;
    float         a, b;
    size_t        r;
    const float  *row;

    for (r = 0; r < mx->n; r++) {
        if (mx->product[r] == NULL) {
            rp_err("import: --check: %s has no product_id column, which the "
                   "product priors are looked up by", o->check);
            return -1;
        }
        row = rp_model_prior(m, mx->product[r], strlen(mx->product[r]));
        for (k = 0; k < RP_PRIOR_N; k++) {
            if (!mx->have[RP_F_PRIOR_FIRST + k]) {
                continue;
            }
            a = mx->x[r * RP_NFEATURES + RP_F_PRIOR_FIRST + k];
            b = row[k];
            if (!(a == b || (isnan(a) && isnan(b)))) {
                rp_err("import: --check: %s line %zu: %s of %s is %.9g in the"
                       " matrix, %.9g in the table from --priors %s: the "
                       "matrix was made from other events or another "
                       "--cutoff", o->check, mx->line[r],
                       rp_features[RP_F_PRIOR_FIRST + k].name, mx->product[r],
                       a, b, o->priors);
                return -1;
            }
        }
    }

    return 0;
}


/* XGBoost's probabilities of the rows, from the same JSON. */
static int
rp_import_xgb_predict(const char *buf, size_t len, const rp_xgb_model_t *x,
    const uint8_t *cols, const rp_matrix_t *mx, double *out)
{
    int               rc, v[3];
    float            *xm;
    size_t            r;
    uint32_t          j;
    bst_ulong         dim;
    const float      *res;
    BoosterHandle     h;
    DMatrixHandle     dm;
    const bst_ulong  *shape;

    rc = -1;
    h = NULL;
    dm = NULL;

    /* the model's columns, in its order; NaN is XGBoost's missing value */
    xm = rp_xalloc(mx->n * x->fo.n_cols * sizeof(float));
    for (r = 0; r < mx->n; r++) {
        for (j = 0; j < x->fo.n_cols; j++) {
            xm[r * x->fo.n_cols + j] = mx->x[r * RP_NFEATURES + cols[j]];
        }
    }

/* XGBoost's message, without the stack trace it appends */
#define rp_imp_xgb(call)                                                     \
    do {                                                                     \
        if ((call) != 0) {                                                   \
            rp_err("import: --check: xgboost: %.*s",                         \
                   (int) strcspn(XGBGetLastError(), "\n"),                   \
                   XGBGetLastError());                                       \
            goto done;                                                       \
        }                                                                    \
    } while (0)

    XGBoostVersion(&v[0], &v[1], &v[2]);
    if (x->xgb_version[0] > v[0]
        || (x->xgb_version[0] == v[0] && x->xgb_version[1] > v[1]))
    {
        rp_err("import: --check: warning: the model is of XGBoost %d.%d.%d, "
               "newer than the XGBoost %d.%d.%d that checks it, which may "
               "misread it (3.1 and later write base_score as a vector)",
               x->xgb_version[0], x->xgb_version[1], x->xgb_version[2], v[0],
               v[1], v[2]);
    }

    rp_imp_xgb(XGBoosterCreate(NULL, 0, &h));
    rp_imp_xgb(XGBoosterLoadModelFromBuffer(h, buf, len));
    rp_imp_xgb(XGDMatrixCreateFromMat(xm, mx->n, x->fo.n_cols, NAN, &dm));
    rp_imp_xgb(XGBoosterPredictFromDMatrix(h, dm, "{\"type\": 0, "
                                           "\"training\": false, "
                                           "\"iteration_begin\": 0, "
                                           "\"iteration_end\": 0, "
                                           "\"strict_shape\": false}",
                                           &shape, &dim, &res));

#undef rp_imp_xgb

    if (dim != 1 || shape[0] != mx->n) {
        rp_err("import: --check: xgboost predicted %llu values of %llu "
               "dimensions for %zu rows", (unsigned long long) shape[0],
               (unsigned long long) dim, mx->n);
        goto done;
    }

    for (r = 0; r < mx->n; r++) {
        /* logitraw predicts the margin; rp serves its probability */
        out[r] = x->margin_output ? 1 / (1 + exp(-(double) res[r]))
                                  : (double) res[r];
    }
    rc = 0;

done:

    if (dm != NULL) {
        XGDMatrixFree(dm);
    }
    if (h != NULL) {
        XGBoosterFree(h);
    }
    free(xm);
    return rc;
}


int
rp_import_check(const rp_import_opts_t *o, const char *buf, size_t len,
    const rp_xgb_model_t *x, const uint8_t *cols, const rp_model_t *m,
    double *maxd, size_t *rows)
{
    int          rc;
    double      *ours, *one, *xp, d;
    size_t       r, worst;
    rp_matrix_t  mx;
    char         ids[300];

    if (rp_matrix_read(o->check, x, cols, &mx) != 0) {
        return -1;
    }

    rc = -1;
    ours = rp_xalloc(mx.n * sizeof(double));
    one = rp_xalloc(mx.n * sizeof(double));
    xp = rp_xalloc(mx.n * sizeof(double));

    if ((m->prior_values != NULL && rp_import_priors_match(o, &mx, m) != 0)
        || rp_import_xgb_predict(buf, len, x, cols, &mx, xp) != 0)
    {
        goto done;
    }

    /* both of the module's paths: batches and one row */
    rp_model_score_batch(m, mx.x, mx.n, ours);
    *maxd = 0;
    worst = 0;
    for (r = 0; r < mx.n; r++) {
        one[r] = rp_model_score(m, &mx.x[r * RP_NFEATURES]);
        d = fmax(fabs(ours[r] - xp[r]), fabs(one[r] - xp[r]));
        if (!(d <= *maxd)) {
            *maxd = d;
            worst = r;
        }
    }
    *rows = mx.n;

    rp_matrix_ids(o->check, mx.line[worst], ids, sizeof(ids));

    if (!(*maxd <= RP_IMPORT_PARITY_MAX)) {
        rp_err("import: --check failed: %s line %zu (%s): rp %.9f (one row "
               "%.9f), xgboost %.9f, |diff| %.3g > %g; %zu rows checked; %s "
               "not written", o->check, mx.line[worst], ids, ours[worst],
               one[worst], xp[worst], *maxd, RP_IMPORT_PARITY_MAX, mx.n,
               o->out);
        goto done;
    }

    rp_log("import: --check %s: %zu rows, max |rp - xgboost| = %.3g "
           "(line %zu: %s)", o->check, mx.n, *maxd, mx.line[worst], ids);
    rc = 0;

done:

    free(ours);
    free(one);
    free(xp);
    rp_matrix_free(&mx);
    return rc;
}
