/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cmd_import.c: "rp-train import", a model trained elsewhere with
 * XGBoost (Python's Booster.save_model("m.json")) into rp's model file.
 *
 * The JSON is read by the converter fit uses (rp_xgb_json.c); the model's
 * feature names must be names of rp's feature table, and the file keeps
 * them in the model's order (the loader maps them to the table). The
 * image is validated by the loader before anything is written. With
 * --check, every row of a matrix (rp-train features' CSV) is scored by the
 * loaded image, through both of the module's paths, and by XGBoost's C API
 * on the same JSON; a difference over 1e-6 in probability writes nothing.
 * The file is written as fit writes it: a temporary file, fsync, rename.
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "rp_train.h"
#include "rp_xgb.h"


#define RP_IMPORT_PARITY_MAX  1e-6
#define RP_IMPORT_MAX_BYTES   (1L << 31)
#define RP_IMPORT_STEM_MAX    40

/* the rows of a --check matrix */
typedef struct {
    float     *x;          /* n x RP_NFEATURES, table order */
    size_t    *line;       /* line number of each row */
    char     **product;    /* each row's product_id, when a column has it */
    size_t     n;
    size_t     cap;
    uint8_t    have[RP_NFEATURES];   /* the matrix has the column */
} rp_matrix_t;

typedef struct {
    const char  *in;
    const char  *out;
    const char  *version;
    const char  *check;
    const char  *priors;        /* events the prior table is computed from */
    int64_t      cutoff;        /* ... at this cutoff */
    int          have_cutoff;
} rp_import_opts_t;


static void rp_import_usage(FILE *f);
static int rp_import_same_json(const rp_import_opts_t *o);
static char *rp_import_read(const char *path, size_t *len);
static int rp_import_names(const rp_xgb_model_t *x, uint8_t *cols,
    int *uses_priors);
static int rp_import_version(const rp_import_opts_t *o, const char *buf,
    size_t len, char *version, size_t size);
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
static int rp_import_check(const rp_import_opts_t *o, const char *buf,
    size_t len, const rp_xgb_model_t *x, const uint8_t *cols,
    const rp_model_t *m, double *maxd, size_t *rows);
static int rp_import_json(const rp_import_opts_t *o, const rp_xgb_model_t *x,
    const char *version, int64_t now, int checked, double maxd, size_t rows);


static void
rp_import_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train import MODEL.json -o OUT.rpf [--version V]\n"
        "                       [--check MATRIX.csv]\n"
        "                       [--priors EVENTS.csv --cutoff ISO8601]\n"
        "                       [--max-future S] [-q]\n"
        "  converts an XGBoost model saved as JSON (Booster.save_model(\n"
        "  \"m.json\"), XGBoost 1.x to 3.x) into rp's model file OUT.rpf and\n"
        "  writes OUT.json beside it. Accepted: gbtree or dart boosters,\n"
        "  random forests (num_parallel_tree), objectives binary:logistic,\n"
        "  reg:logistic and binary:logitraw (served as the logistic of its\n"
        "  margin), any base_score, missing values (default directions).\n"
        "  Refused, with the reason: other objectives, multi-class or\n"
        "  multi-output models, categorical splits, gblinear, a model\n"
        "  without feature names or with a name that is not a feature of\n"
        "  rp's table (rp-train features writes their names).\n"
        "  --priors EVENTS.csv --cutoff ISO8601: the product priors' table,\n"
        "  computed from the events at the cutoff as rp-train features\n"
        "  computes the matrix's prod_* columns; required when the model\n"
        "  uses a prod_* feature (the module looks the table up).\n"
        "  --version V: the version the module reports (default xgb-STEM-CRC:\n"
        "  STEM the file name without .json, CRC the CRC-32 of its bytes);\n"
        "  the file's time is the import's.\n"
        "  --check MATRIX.csv (rp-train features' CSV): scores every row with\n"
        "  rp's scorer and with XGBoost's C API on the same JSON, prints the\n"
        "  rows checked and the largest difference, and writes nothing when a\n"
        "  probability differs by more than %g.\n"
        "  Exit 0 when written, 1 when refused, 2 on bad usage.\n",
        RP_IMPORT_PARITY_MAX);
}


/* -1 (reported) when OUT.json is the input file. */
static int
rp_import_same_json(const rp_import_opts_t *o)
{
    int          same;
    char        *path;
    size_t       plen;
    struct stat  a, b;

    plen = strlen(o->out);
    path = rp_xalloc(plen + 2);
    memcpy(path, o->out, plen - 4);
    memcpy(path + plen - 4, ".json", 6);

    same = stat(path, &a) == 0 && stat(o->in, &b) == 0
           && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    if (same) {
        rp_err("import: -o %s would write %s, the model being imported, "
               "over with the model's description: choose another name",
               o->out, path);
    }

    free(path);
    return same ? -1 : 0;
}


/* The whole file, NUL-terminated (malloc'ed); NULL after reporting why. */
static char *
rp_import_read(const char *path, size_t *len)
{
    long   size;
    char  *buf;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL) {
        rp_err("import: cannot open \"%s\": %s", path, strerror(errno));
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        rp_err("import: cannot read \"%s\": %s", path, strerror(errno));
        fclose(f);
        return NULL;
    }

    if (size == 0 || size > RP_IMPORT_MAX_BYTES) {
        rp_err("import: \"%s\" is %s", path, size == 0 ? "empty"
               : "over 2 GiB");
        fclose(f);
        return NULL;
    }

    buf = rp_xalloc((size_t) size + 1);
    if (fread(buf, 1, (size_t) size, f) != (size_t) size) {
        rp_err("import: cannot read \"%s\": %s", path,
               ferror(f) ? strerror(errno) : "short read");
        fclose(f);
        free(buf);
        return NULL;
    }

    fclose(f);
    *len = (size_t) size;
    return buf;
}


/* The table index of each model feature (cols), or -1 naming why not. */
static int
rp_import_names(const rp_xgb_model_t *x, uint8_t *cols, int *uses_priors)
{
    int       idx, bad, prior;
    size_t    len;
    uint32_t  i, j;
    char      list[512];

    if (x->n_names == 0) {
        rp_err("import: the model has no feature names: train on a DMatrix "
               "(or DataFrame) whose feature_names are the matrix's column "
               "names, which rp needs to find each feature");
        return -1;
    }

    if (x->n_names > RP_MODEL_MAX_FEATURES) {
        rp_err("import: the model has %u features; rp's table has %d",
               x->n_names, RP_NFEATURES);
        return -1;
    }

    bad = 0;
    prior = -1;
    list[0] = '\0';

    for (i = 0; i < x->n_names; i++) {
        idx = rp_feature_index(x->names[i], strlen(x->names[i]));
        if (idx < 0) {
            len = strlen(list);
            snprintf(list + len, sizeof(list) - len, "%s\"%.40s\"",
                     bad ? ", " : "", x->names[i]);
            bad++;
            continue;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(x->names[i], x->names[j]) == 0) {
                rp_err("import: feature \"%s\" is named twice (columns %u and"
                       " %u)", x->names[i], j, i);
                return -1;
            }
        }
        if (idx >= RP_F_PRIOR_FIRST && idx < RP_F_PRIOR_FIRST + RP_PRIOR_N
            && prior < 0)
        {
            prior = idx;
        }
        cols[i] = (uint8_t) idx;
    }

    if (bad) {
        rp_err("import: %d feature name%s of the model %s not in rp's feature "
               "table: %s (rp-train features writes the names it knows)",
               bad, bad > 1 ? "s" : "", bad > 1 ? "are" : "is", list);
        return -1;
    }

    *uses_priors = prior >= 0;
    return 0;
}


/* --version, or xgb-STEM-CRC (see the usage). */
static int
rp_import_version(const rp_import_opts_t *o, const char *buf, size_t len,
    char *version, size_t size)
{
    size_t       i, n;
    const char  *base, *v;

    if (o->version != NULL) {
        v = o->version;
        n = strlen(v);
        if (n == 0 || n >= RP_MODEL_VERSION_MAX) {
            rp_err("import: --version must be 1 to %d bytes",
                   RP_MODEL_VERSION_MAX - 1);
            return -1;
        }
        for (i = 0; i < n; i++) {
            if (v[i] < 0x21 || v[i] > 0x7e) {
                rp_err("import: --version \"%s\": printable ASCII without "
                       "spaces only", v);
                return -1;
            }
        }
        snprintf(version, size, "%s", v);
        return 0;
    }

    base = strrchr(o->in, '/');
    base = base != NULL ? base + 1 : o->in;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0) {
        n -= 5;
    }
    if (n > RP_IMPORT_STEM_MAX) {
        n = RP_IMPORT_STEM_MAX;
    }

    memcpy(version, "xgb-", 4);
    for (i = 0; i < n; i++) {
        version[4 + i] = (base[i] >= 'a' && base[i] <= 'z')
                         || (base[i] >= 'A' && base[i] <= 'Z')
                         || (base[i] >= '0' && base[i] <= '9')
                         || base[i] == '.' || base[i] == '_' || base[i] == '-'
                         ? base[i] : '_';
    }
    snprintf(version + 4 + n, size - 4 - n, "-%08x",
             rp_crc32(0, buf, len));

    return 0;
}


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


/* --check: 0 when every row agrees within RP_IMPORT_PARITY_MAX. */
static int
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


/* OUT.json beside OUT.rpf: what the module's /model/info shows. */
static int
rp_import_json(const rp_import_opts_t *o, const rp_xgb_model_t *x,
    const char *version, int64_t now, int checked, double maxd, size_t rows)
{
    int        rc;
    char      *path;
    cJSON     *doc, *arr, *obj;
    size_t     plen;
    uint32_t   i;
    char       stamp[32], xv[48];

    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "version", version);
    rp_time_format(now, stamp, sizeof(stamp));
    cJSON_AddStringToObject(doc, "trained_at", stamp);
    cJSON_AddStringToObject(doc, "model_file", o->out);
    cJSON_AddStringToObject(doc, "objective", "binary:logistic");
    cJSON_AddNumberToObject(doc, "base_margin", x->fo.base_margin);
    cJSON_AddNumberToObject(doc, "trees", x->fo.n_trees);
    cJSON_AddNumberToObject(doc, "nodes", (double) x->fo.n_nodes);

    obj = cJSON_AddObjectToObject(doc, "imported");
    cJSON_AddStringToObject(obj, "from", o->in);
    cJSON_AddStringToObject(obj, "imported_at", stamp);
    if (x->xgb_version[0] >= 0) {
        snprintf(xv, sizeof(xv), "%d.%d.%d", x->xgb_version[0],
                 x->xgb_version[1], x->xgb_version[2]);
        cJSON_AddStringToObject(obj, "xgboost_version", xv);
    }
    cJSON_AddStringToObject(obj, "objective", x->objective);
    cJSON_AddStringToObject(obj, "booster", x->booster);
    cJSON_AddNumberToObject(obj, "num_parallel_tree", x->parallel);
    cJSON_AddNumberToObject(obj, "base_score", x->base_score);
    cJSON_AddStringToObject(obj, "version_from", o->version != NULL
                            ? "--version" : "file name and CRC-32");

    arr = cJSON_AddArrayToObject(doc, "feature_names");
    for (i = 0; i < x->n_names; i++) {
        cJSON_AddItemToArray(arr, cJSON_CreateString(x->names[i]));
    }

    if (checked) {
        cJSON_AddStringToObject(doc, "parity_matrix", o->check);
        cJSON_AddNumberToObject(doc, "parity_max_abs_diff", maxd);
        cJSON_AddNumberToObject(doc, "parity_rows", (double) rows);
    }

    plen = strlen(o->out);
    path = rp_xalloc(plen + 2);
    memcpy(path, o->out, plen - 4);
    memcpy(path + plen - 4, ".json", 6);

    rc = rp_write_json(path, doc);

    free(path);
    cJSON_Delete(doc);
    return rc;
}


int
rp_cmd_import(int argc, char **argv)
{
    int               c, rc;
    char             *buf;
    void             *img;
    size_t            len, img_len, plen, rows;
    double            maxd;
    time_t            now;
    uint32_t          crc;
    rp_model_t        m, back;
    rp_xgb_model_t    x;
    rp_model_spec_t   spec;
    rp_import_opts_t  o;
    int               uses_priors;
    rp_priors_t       pr;
    rp_dataset_t      ds;
    uint8_t           cols[RP_MODEL_MAX_FEATURES];
    char              err[RP_ERR_MAX], version[RP_MODEL_VERSION_MAX];

    static const struct option  opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "version", required_argument, NULL, 'V' },
        { "check", required_argument, NULL, 'C' },
        { "priors", required_argument, NULL, 'P' },
        { "cutoff", required_argument, NULL, 'c' },
        RP_OPT_MAX_FUTURE
        RP_OPTS_COMMON
    };

    memset(&o, 0, sizeof(o));

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 'V':
            o.version = optarg;
            break;
        case 'C':
            o.check = optarg;
            break;
        case 'P':
            o.priors = optarg;
            break;
        case 'c':
            if (rp_parse_time_arg(optarg, &o.cutoff) != 0) {
                rp_err("import: bad --cutoff \"%s\"", optarg);
                return 2;
            }
            o.have_cutoff = 1;
            break;
        default:
            if ((rc = rp_opt_common(c, rp_import_usage)) >= 0) {
                return rc;
            }
        }
    }

    if (optind != argc - 1 || o.out == NULL) {
        rp_err("import: %s", o.out == NULL ? "-o OUT.rpf is required"
                                           : "one MODEL.json expected");
        rp_import_usage(stderr);
        return 2;
    }
    o.in = argv[optind];

    if ((o.priors != NULL) != o.have_cutoff) {
        rp_err("import: --priors EVENTS.csv and --cutoff go together");
        return 2;
    }

    plen = strlen(o.out);
    if (plen < 5 || strcmp(o.out + plen - 4, ".rpf") != 0) {
        rp_err("import: the output must end in .rpf (OUT.json goes beside "
               "it)");
        return 2;
    }

    /* OUT.json is written beside OUT.rpf: never over the model read */
    if (rp_import_same_json(&o) != 0) {
        return 2;
    }

    buf = rp_import_read(o.in, &len);
    if (buf == NULL) {
        return 1;
    }

    rc = 1;
    img = NULL;
    memset(&m, 0, sizeof(m));
    memset(&back, 0, sizeof(back));
    memset(&spec, 0, sizeof(spec));
    memset(&pr, 0, sizeof(pr));
    memset(&ds, 0, sizeof(ds));

    if (rp_xgb_json_read(buf, len, &x, err, sizeof(err)) != 0) {
        rp_err("import: %s: %s", o.in, err);
        free(buf);
        return 1;
    }

    if (rp_import_names(&x, cols, &uses_priors) != 0
        || rp_import_version(&o, buf, len, version, sizeof(version)) != 0)
    {
        goto done;
    }

    if (uses_priors && o.priors == NULL) {
        rp_err("import: the model uses the product priors (prod_*), whose "
               "table the model file must carry: give --priors EVENTS.csv "
               "--cutoff T, the events and the cutoff of the matrix it was "
               "trained on");
        goto done;
    }

    /* the table as rp-train features computed the matrix's columns */
    if (uses_priors) {
        if (rp_dataset_load(&ds, o.priors, 0) != 0) {
            goto done;
        }
        rp_priors_compute(&ds, o.cutoff, &pr);
        rp_priors_spec(&ds, &pr, &spec);
        rp_log("import: product priors of %u products at the cutoff, from "
               "%s", spec.n_priors, o.priors);

    } else if (o.priors != NULL) {
        rp_log("import: note: the model uses no prod_* feature; --priors "
               "ignored");
    }

    if (x.best_iteration >= 0
        && (uint64_t) x.best_iteration + 1 < x.fo.n_trees / x.parallel)
    {
        rp_log("import: note: the model records best_iteration %ld; every "
               "one of its %u rounds is imported, as Booster.predict uses "
               "them (slice the booster before saving to keep fewer)",
               x.best_iteration, x.fo.n_trees / x.parallel);
    }

    now = time(NULL);

    spec.n_features = x.n_names;
    spec.feature_names = (const char *const *) x.names;
    spec.n_trees = x.fo.n_trees;
    spec.tree_count = x.fo.count;
    spec.nodes = x.fo.nodes;
    spec.cover = x.fo.cover;
    spec.objective = RP_OBJ_LOGISTIC;
    spec.base_margin = x.fo.base_margin;
    spec.version = version;
    spec.trained_at = (int64_t) now;

    if (rp_model_serialize(&spec, &img, &img_len, err, sizeof(err)) != 0
        || rp_model_load_buffer(&m, img, img_len, err, sizeof(err)) != 0)
    {
        rp_err("import: %s: the converted model is refused: %s", o.in, err);
        goto done;
    }

    maxd = 0;
    rows = 0;
    if (o.check != NULL
        && rp_import_check(&o, buf, len, &x, cols, &m, &maxd, &rows) != 0)
    {
        goto done;
    }

    if (rp_model_write(o.out, &spec, err, sizeof(err)) != 0) {
        rp_err("import: %s: %s", o.out, err);
        goto done;
    }

    /* what was written is what was checked */
    crc = ((const rp_model_header_t *) img)->crc32;
    if (rp_model_open(&back, o.out, err, sizeof(err)) != 0
        || back.hdr->crc32 != crc)
    {
        rp_err("import: %s reads back %s", o.out,
               back.hdr == NULL ? err : "with another checksum");
        goto done;
    }

    if (rp_import_json(&o, &x, version, (int64_t) now, o.check != NULL, maxd,
                       rows) != 0)
    {
        goto done;
    }

    rp_log("import: wrote %s (version %s): %s %s of XGBoost %d.%d.%d, %u "
           "trees (num_parallel_tree %u), %zu nodes, %u features, base "
           "margin %.9g", o.out, version, x.objective, x.booster,
           x.xgb_version[0], x.xgb_version[1], x.xgb_version[2],
           x.fo.n_trees, x.parallel, x.fo.n_nodes, x.n_names,
           x.fo.base_margin);
    rc = 0;

done:

    rp_model_close(&back);
    rp_model_close(&m);
    free(img);
    free(buf);
    rp_priors_spec_free(&spec);
    rp_priors_free(&pr);
    rp_dataset_free(&ds);
    rp_xgb_model_free(&x);
    return rc;
}
