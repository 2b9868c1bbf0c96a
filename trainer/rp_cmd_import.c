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
 * --check (rp_import_check.c), every row of a matrix is scored by the
 * loaded image and by XGBoost on the same JSON; a difference over 1e-6 in
 * probability writes nothing.
 * The file is written as fit writes it: a temporary file, fsync, rename.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "rp_train.h"
#include "rp_import.h"


#define RP_IMPORT_MAX_BYTES   (1L << 31)
#define RP_IMPORT_STEM_MAX    40


static void rp_import_usage(FILE *f);
static int rp_import_same_json(const rp_import_opts_t *o);
static char *rp_import_read(const char *path, size_t *len);
static int rp_import_names(const rp_xgb_model_t *x, uint8_t *cols,
    int *uses_priors);
static int rp_import_version(const rp_import_opts_t *o, const char *buf,
    size_t len, char *version, size_t size);
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

    while ((c = rp_getopt(&rp_opt, argc, argv, "o:qvh", opts)) != -1) {
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
            if (rp_opt_time(optarg, &o.cutoff) != 0) {
                return rp_opt_refuse();
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
