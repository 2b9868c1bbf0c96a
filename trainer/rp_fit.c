/*
 * rp_fit.c: "rp-train fit", training with XGBoost's C API and export.
 *
 * Samples are built at the training cutoff(s) T1, T1 - H, ... and tested at
 * T2 = T1 + H. The default learner is a random forest (one boosting round
 * of num_parallel_tree trees, eta 1, row subsampling, a feature subset per
 * split, balanced class weights); --boost trains gradient boosting. The
 * booster is saved as JSON, its trees are converted to rp_node_t in
 * pre-order, and the image is loaded back with the core loader: our scorer
 * must equal XGBoost's prediction on every training row within 1e-6, or
 * nothing is written.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <xgboost/c_api.h>

#include "rp_train.h"
#include "rp_model.h"
#include "rp_store.h"


#define RP_PARITY_MAX  1e-6

typedef struct {
    int64_t      cutoff;        /* T1 */
    int64_t      horizon;       /* seconds */
    int64_t      retention;     /* seconds, 0: none (rp_state_at) */
    int64_t      trees;
    int64_t      depth;
    int64_t      windows;
    int64_t      seed;
    int64_t      threads;
    int          boost;
    int          strict;
    int          have_cutoff;
    const char  *out;
} rp_fit_opts_t;

typedef struct {
    rp_node_t  *nodes;
    uint32_t   *count;
    uint32_t    n_trees;
    size_t      n_nodes;
    size_t      cap;
    double      base_margin;
} rp_forest_t;


static void rp_fit_usage(FILE *f);
static int rp_xgb_train(const rp_fit_opts_t *o, const rp_samples_t *s,
    BoosterHandle *out);
static int rp_xgb_export(BoosterHandle h, rp_forest_t *fo);
static int rp_tree_convert(cJSON *tree, rp_forest_t *fo);
static const float *rp_xgb_predict(BoosterHandle h, const rp_samples_t *s,
    DMatrixHandle *dm);
static int rp_write_json(const char *path, cJSON *doc);
static void rp_json_metrics(cJSON *parent, const char *key,
    const rp_metrics_t *m);


#define rp_xgb(call)                                                         \
    do {                                                                     \
        if ((call) != 0) {                                                   \
            rp_err("fit: xgboost: %s", XGBGetLastError());                  \
            goto failed;                                                     \
        }                                                                    \
    } while (0)


static void
rp_fit_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train fit EVENTS.csv -o MODEL.rpf [--cutoff ISO8601]\n"
        "         [--horizon DAYS] [--retention S] [--trees N] [--depth N]\n"
        "         [--boost]\n"
        "         [--windows K] [--seed N] [--threads N] [--strict] [-q] [-v]"
        "\n"
        "  trains at --cutoff T1 (default: last event - 2 x horizon),\n"
        "  stacking"
        " K windows T1, T1 - H, ...; tests at T2 = T1 + H; writes MODEL.rpf\n"
        "  (after proving parity with XGBoost to 1e-6) and MODEL.json.\n"
        "  defaults: random forest, --trees 100 --depth 10 --horizon 30,\n"
        "  --boost: gradient boosting, eta 0.1, rounds = trees, depth 6\n"
        RP_RETENTION_HELP, RP_STORE_RETENTION_DEF);
}


static int
rp_xgb_train(const rp_fit_opts_t *o, const rp_samples_t *s,
    BoosterHandle *out)
{
    int            i;
    size_t         r;
    float         *w;
    double         wp, wn, t0;
    DMatrixHandle  dm;
    BoosterHandle  h;
    char           buf[64];

    dm = NULL;
    h = NULL;
    w = rp_xalloc(s->n * sizeof(float));

    /* balanced class weights: n / (2 * n_class) */
    wp = (double) s->n / (2.0 * s->pos);
    wn = (double) s->n / (2.0 * (s->n - s->pos));
    for (r = 0; r < s->n; r++) {
        w[r] = (float) (s->y[r] > 0.5f ? wp : wn);
    }

    rp_xgb(XGDMatrixCreateFromMat_omp(s->x, s->n, RP_NFEATURES, NAN, &dm,
                                      (int) o->threads));
    rp_xgb(XGDMatrixSetFloatInfo(dm, "label", s->y, s->n));
    rp_xgb(XGDMatrixSetFloatInfo(dm, "weight", w, s->n));
    rp_xgb(XGBoosterCreate(&dm, 1, &h));

#define rp_set(k, v)  rp_xgb(XGBoosterSetParam(h, k, v))
#define rp_setn(k, fmt, v)                                                   \
    do { snprintf(buf, sizeof(buf), fmt, v); rp_set(k, buf); } while (0)

    rp_set("booster", "gbtree");
    rp_set("objective", "binary:logistic");
    rp_set("tree_method", "hist");
    rp_set("verbosity", "1");
    rp_setn("nthread", "%d", (int) o->threads);
    rp_setn("seed", "%lld", (long long) o->seed);
    rp_setn("max_depth", "%d", (int) o->depth);

    if (o->boost) {
        rp_set("eta", "0.1");
        rp_set("subsample", "0.8");

    } else {
        rp_set("eta", "1");
        rp_set("subsample", "0.632");
        rp_setn("colsample_bynode", "%.6f", sqrt(RP_NFEATURES) / RP_NFEATURES);
        rp_setn("num_parallel_tree", "%d", (int) o->trees);
    }

    if (o->boost) {
        for (i = 0; i < o->trees; i++) {
            rp_xgb(XGBoosterUpdateOneIter(h, i, dm));
            if ((i + 1) % 20 == 0 || i + 1 == o->trees) {
                rp_log("fit: %d/%d trees built", i + 1, (int) o->trees);
            }
        }

    } else {
        t0 = rp_now_sec();
        rp_log("fit: building %d trees on %d threads", (int) o->trees,
               (int) o->threads);
        rp_xgb(XGBoosterUpdateOneIter(h, 0, dm));
        rp_log("fit: %d trees built in %.2f s", (int) o->trees,
               rp_now_sec() - t0);
    }

#undef rp_set
#undef rp_setn

    XGDMatrixFree(dm);
    free(w);
    *out = h;
    return 0;

failed:

    if (h != NULL) {
        XGBoosterFree(h);
    }
    if (dm != NULL) {
        XGDMatrixFree(dm);
    }
    free(w);
    return -1;
}


static int
rp_tree_convert(cJSON *tree, rp_forest_t *fo)
{
    int        n, i, top, id, pos, parent;
    cJSON     *lc, *rc, *si, *sc, *dl, *it;
    int       *left, *right, *stack_id, *stack_parent;
    uint8_t   *seen;
    rp_node_t *nd;

    lc = cJSON_GetObjectItemCaseSensitive(tree, "left_children");
    rc = cJSON_GetObjectItemCaseSensitive(tree, "right_children");
    si = cJSON_GetObjectItemCaseSensitive(tree, "split_indices");
    sc = cJSON_GetObjectItemCaseSensitive(tree, "split_conditions");
    dl = cJSON_GetObjectItemCaseSensitive(tree, "default_left");

    if (!cJSON_IsArray(lc) || !cJSON_IsArray(rc) || !cJSON_IsArray(si)
        || !cJSON_IsArray(sc) || !cJSON_IsArray(dl))
    {
        rp_err("fit: xgboost tree without the expected arrays");
        return -1;
    }

    n = cJSON_GetArraySize(lc);
    if (n <= 0 || cJSON_GetArraySize(rc) != n || cJSON_GetArraySize(si) != n
        || cJSON_GetArraySize(sc) != n || cJSON_GetArraySize(dl) != n)
    {
        rp_err("fit: xgboost tree arrays of different sizes");
        return -1;
    }

    if (fo->n_nodes + n > fo->cap) {
        fo->cap = (fo->n_nodes + n) * 2;
        fo->nodes = rp_xrealloc(fo->nodes, fo->cap * sizeof(rp_node_t));
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

        if (left[id] == -1) {
            nd[pos].split = RP_NODE_LEAF;
            nd[pos].value = (float) cJSON_GetArrayItem(sc, id)->valuedouble;
            nd[pos].right = 0;

        } else {
            i = cJSON_GetArrayItem(si, id)->valueint;
            if (i < 0 || i >= RP_NFEATURES || right[id] == -1) {
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


static int
rp_xgb_export(BoosterHandle h, rp_forest_t *fo)
{
    double       bs;
    cJSON       *doc, *p, *trees, *tree;
    bst_ulong    len;
    const char  *buf;

    doc = NULL;
    memset(fo, 0, sizeof(*fo));

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


static const float *
rp_xgb_predict(BoosterHandle h, const rp_samples_t *s, DMatrixHandle *dm)
{
    bst_ulong         dim;
    const float      *res;
    const bst_ulong  *shape;

    res = NULL;

    /* a fresh matrix: no prediction cache from training is involved */
    rp_xgb(XGDMatrixCreateFromMat(s->x, s->n, RP_NFEATURES, NAN, dm));
    rp_xgb(XGBoosterPredictFromDMatrix(h, *dm,
               "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
               "\"iteration_end\": 0, \"strict_shape\": false}",
               &shape, &dim, &res));

failed:

    return res;
}


static int
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


static void
rp_json_metrics(cJSON *parent, const char *key, const rp_metrics_t *m)
{
    cJSON  *o;

#define rp_jn(k, v)                                                          \
    if (isfinite(v)) {                                                       \
        cJSON_AddNumberToObject(o, k, v);                                    \
    } else {                                                                 \
        cJSON_AddNullToObject(o, k);                                         \
    }

    o = cJSON_AddObjectToObject(parent, key);
    rp_jn("auc", m->auc);
    rp_jn("pr_auc", m->pr_auc);
    rp_jn("logloss", m->logloss);
    rp_jn("accuracy", m->accuracy);
    rp_jn("brier", m->brier);
    rp_jn("positive_rate", m->positive_rate);
    cJSON_AddNumberToObject(o, "rows", (double) m->rows);

#undef rp_jn
}


int
rp_cmd_fit(int argc, char **argv)
{
    int               c, rc;
    char             *json_path;
    void             *img;
    size_t            r, img_len, plen;
    double           *p, d, maxd, t0;
    int64_t           t1, t2, tw;
    uint32_t          i, crc;
    const float      *xp;
    time_t            now;
    struct tm         tm;
    rp_model_t        m;
    rp_forest_t       fo;
    rp_metrics_t      mtrain, mtest;
    rp_samples_t      train, test;
    rp_dataset_t      ds;
    rp_fit_opts_t     o;
    rp_model_spec_t   spec;
    BoosterHandle     h;
    DMatrixHandle     pdm;
    cJSON            *doc, *obj, *arr;
    const char       *names[RP_NFEATURES];
    char              err[RP_ERR_MAX], version[RP_MODEL_VERSION_MAX],
                      tb1[32], tb2[32], stamp[32];

    static const struct option  opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "cutoff", required_argument, NULL, 'c' },
        { "horizon", required_argument, NULL, 'H' },
        { "retention", required_argument, NULL, 'R' },
        { "trees", required_argument, NULL, 't' },
        { "depth", required_argument, NULL, 'd' },
        { "boost", no_argument, NULL, 'b' },
        { "windows", required_argument, NULL, 'w' },
        { "seed", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 'j' },
        { "strict", no_argument, NULL, 'S' },
        RP_OPTS_COMMON
    };

    memset(&o, 0, sizeof(o));
    o.horizon = 30;
    o.retention = RP_STORE_RETENTION_DEF;
    o.trees = 100;
    o.depth = -1;
    o.windows = 1;
    o.seed = 42;
    o.threads = rp_nthreads();

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 'c':
        case 'H':
        case 'R':
            if (rp_window_opt("fit", c, optarg, &o.cutoff,
                              &o.have_cutoff, &o.horizon, &o.retention) != 0) {
                return 2;
            }
            break;
        case 't':
            if (rp_parse_i64(optarg, 1, 5000, &o.trees) != 0) {
                rp_err("fit: bad --trees \"%s\" (1..5000)", optarg);
                return 2;
            }
            break;
        case 'd':
            if (rp_parse_i64(optarg, 1, 20, &o.depth) != 0) {
                rp_err("fit: bad --depth \"%s\" (1..20)", optarg);
                return 2;
            }
            break;
        case 'b':
            o.boost = 1;
            break;
        case 'w':
            if (rp_parse_i64(optarg, 1, 100, &o.windows) != 0) {
                rp_err("fit: bad --windows \"%s\" (1..100)", optarg);
                return 2;
            }
            break;
        case 's':
            if (rp_parse_i64(optarg, 0, INT32_MAX, &o.seed) != 0) {
                rp_err("fit: bad --seed \"%s\"", optarg);
                return 2;
            }
            break;
        case 'j':
            if (rp_parse_i64(optarg, 1, 1024, &o.threads) != 0) {
                rp_err("fit: bad --threads \"%s\"", optarg);
                return 2;
            }
            break;
        case 'S':
            o.strict = 1;
            break;
        default:
            if ((rc = rp_opt_common(c, rp_fit_usage)) >= 0) {
                return rc;
            }
        }
    }

    if (optind != argc - 1 || o.out == NULL) {
        rp_err("fit: %s", o.out == NULL ? "-o MODEL.rpf is required"
                                        : "one EVENTS.csv expected");
        rp_fit_usage(stderr);
        return 2;
    }

    plen = strlen(o.out);
    if (plen < 5 || strcmp(o.out + plen - 4, ".rpf") != 0) {
        rp_err("fit: the model path must end in .rpf (MODEL.json goes "
               "beside it)");
        return 2;
    }

    if (o.depth < 0) {
        o.depth = o.boost ? 6 : 10;
    }
    o.horizon *= RP_DAY;

    t0 = rp_now_sec();
    if (rp_dataset_load(&ds, argv[optind], o.strict) != 0) {
        return 1;
    }

    t1 = o.have_cutoff ? o.cutoff : ds.last_ts - 2 * o.horizon;
    t2 = t1 + o.horizon;
    tw = t1 - (o.windows - 1) * o.horizon;
    rp_time_format(t1, tb1, sizeof(tb1));
    rp_time_format(t2, tb2, sizeof(tb2));

    if (tw <= ds.first_ts || t2 + o.horizon > ds.last_ts) {
        rp_time_format(ds.first_ts, tb1, sizeof(tb1));
        rp_time_format(ds.last_ts, tb2, sizeof(tb2));
        rp_err("fit: data too short: events span %s .. %s (%.1f days); "
               "%d training window(s) and a test window of %d days need "
               "about %d days after the first event (use more --days, a "
               "smaller --horizon or --windows, or another --cutoff)",
               tb1, tb2, (ds.last_ts - ds.first_ts) / (double) RP_DAY,
               (int) o.windows, (int) (o.horizon / RP_DAY),
               (int) ((o.windows + 1) * o.horizon / RP_DAY + 1));
        rp_dataset_free(&ds);
        return 1;
    }

    memset(&train, 0, sizeof(train));
    memset(&test, 0, sizeof(test));

    for (c = 0; c < o.windows; c++) {
        rp_samples_build(&ds, t1 - c * o.horizon, o.horizon, o.retention,
                         &train);
    }
    rp_samples_build(&ds, t2, o.horizon, o.retention, &test);

    rp_log("fit: train cutoff %s (%d window%s): %zu rows, %.1f%% positive; "
           "test cutoff %s: %zu rows", tb1, (int) o.windows,
           o.windows > 1 ? "s" : "", train.n,
           train.n ? 100.0 * train.pos / train.n : 0.0, tb2, test.n);

    if (train.n < 10 || train.pos == 0 || train.pos == train.n) {
        rp_err("fit: cannot train on %zu rows with %zu positives", train.n,
               train.pos);
        rp_samples_free(&train);
        rp_samples_free(&test);
        rp_dataset_free(&ds);
        return 1;
    }

    h = NULL;
    pdm = NULL;
    img = NULL;
    doc = NULL;
    json_path = NULL;
    p = NULL;
    rc = 1;
    memset(&fo, 0, sizeof(fo));
    memset(&m, 0, sizeof(m));

    if (rp_xgb_train(&o, &train, &h) != 0 || rp_xgb_export(h, &fo) != 0) {
        goto done;
    }

    /* the model image, as the module will see it */
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    crc = rp_crc32(0, fo.nodes, fo.n_nodes * sizeof(rp_node_t));
    snprintf(version, sizeof(version), "%s-%s-%08x",
             o.boost ? "gb" : "rf", stamp, crc);

    for (i = 0; i < RP_NFEATURES; i++) {
        names[i] = rp_features[i].name;
    }

    memset(&spec, 0, sizeof(spec));
    spec.n_features = RP_NFEATURES;
    spec.feature_names = names;
    spec.n_trees = fo.n_trees;
    spec.tree_count = fo.count;
    spec.nodes = fo.nodes;
    spec.objective = RP_OBJ_LOGISTIC;
    spec.base_margin = fo.base_margin;
    spec.version = version;
    spec.trained_at = (int64_t) now;

    if (rp_model_serialize(&spec, &img, &img_len, err, sizeof(err)) != 0
        || rp_model_load_buffer(&m, img, img_len, err, sizeof(err)) != 0)
    {
        rp_err("fit: the exported model is refused: %s", err);
        goto done;
    }

    /* parity on every training row */
    xp = rp_xgb_predict(h, &train, &pdm);
    if (xp == NULL) {
        goto done;
    }

    /* both scoring paths of the module: one row, and batches */
    p = rp_xalloc(train.n * sizeof(double));
    rp_model_score_batch(&m, train.x, train.n, p);
    maxd = 0;
    for (r = 0; r < train.n; r++) {
        d = fabs(p[r] - (double) xp[r]);
        if (!(d <= maxd)) {
            maxd = d;
        }
        p[r] = rp_model_score(&m, &train.x[r * RP_NFEATURES]);
        d = fabs(p[r] - (double) xp[r]);
        if (!(d <= maxd)) {
            maxd = d;
        }
    }

    rp_log("fit: parity on %zu training rows: max |ours - xgboost| = %.3g",
           train.n, maxd);

    if (!(maxd <= RP_PARITY_MAX)) {
        rp_err("fit: parity check failed: max abs diff %.3g > %g; "
               "the model is not written", maxd, RP_PARITY_MAX);
        goto done;
    }

    rp_metrics_compute(p, train.y, train.n, &mtrain);

    p = rp_xrealloc(p, (test.n + 1) * sizeof(double));
    rp_model_score_batch(&m, test.x, test.n, p);
    rp_metrics_compute(p, test.y, test.n, &mtest);

    if (rp_model_write(o.out, &spec, err, sizeof(err)) != 0) {
        rp_err("fit: %s: %s", o.out, err);
        goto done;
    }

    /* MODEL.json */
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "version", version);
    rp_time_format((int64_t) now, stamp, sizeof(stamp));
    cJSON_AddStringToObject(doc, "trained_at", stamp);
    cJSON_AddStringToObject(doc, "model_file", o.out);
    cJSON_AddStringToObject(doc, "objective", "binary:logistic");
    cJSON_AddNumberToObject(doc, "base_margin", fo.base_margin);
    cJSON_AddNumberToObject(doc, "trees", fo.n_trees);
    cJSON_AddNumberToObject(doc, "nodes", (double) fo.n_nodes);

    obj = cJSON_AddObjectToObject(doc, "parameters");
    cJSON_AddStringToObject(obj, "algorithm",
                            o.boost ? "gradient_boosting" : "random_forest");
    cJSON_AddStringToObject(obj, "library", "xgboost");
    cJSON_AddStringToObject(obj, "tree_method", "hist");
    cJSON_AddNumberToObject(obj, "trees", (double) o.trees);
    cJSON_AddNumberToObject(obj, "max_depth", (double) o.depth);
    cJSON_AddNumberToObject(obj, "eta", o.boost ? 0.1 : 1.0);
    cJSON_AddNumberToObject(obj, "subsample", o.boost ? 0.8 : 0.632);
    cJSON_AddNumberToObject(obj, "colsample_bynode", o.boost ? 1.0
                            : sqrt(RP_NFEATURES) / RP_NFEATURES);
    cJSON_AddStringToObject(obj, "class_weight", "balanced");
    cJSON_AddNumberToObject(obj, "horizon_days",
                            (double) (o.horizon / RP_DAY));
    cJSON_AddNumberToObject(obj, "windows", (double) o.windows);
    cJSON_AddNumberToObject(obj, "seed", (double) o.seed);
    cJSON_AddNumberToObject(obj, "threads", (double) o.threads);

    obj = cJSON_AddObjectToObject(doc, "data");
    cJSON_AddStringToObject(obj, "events_file", argv[optind]);
    cJSON_AddNumberToObject(obj, "events", (double) ds.n);
    cJSON_AddNumberToObject(obj, "bad_rows", (double) ds.bad);
    cJSON_AddNumberToObject(obj, "users", ds.users.n);
    cJSON_AddNumberToObject(obj, "products", ds.products.n);
    rp_time_format(ds.first_ts, stamp, sizeof(stamp));
    cJSON_AddStringToObject(obj, "first_event", stamp);
    rp_time_format(ds.last_ts, stamp, sizeof(stamp));
    cJSON_AddStringToObject(obj, "last_event", stamp);
    cJSON_AddStringToObject(obj, "train_cutoff", tb1);
    cJSON_AddStringToObject(obj, "test_cutoff", tb2);
    cJSON_AddNumberToObject(obj, "train_rows", (double) train.n);
    cJSON_AddNumberToObject(obj, "test_rows", (double) test.n);

    obj = cJSON_AddObjectToObject(doc, "metrics");
    rp_json_metrics(obj, "train", &mtrain);
    rp_json_metrics(obj, "test", &mtest);

    arr = cJSON_AddArrayToObject(doc, "feature_names");
    for (i = 0; i < RP_NFEATURES; i++) {
        cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
    }
    cJSON_AddNumberToObject(doc, "parity_max_abs_diff", maxd);
    cJSON_AddNumberToObject(doc, "parity_rows", (double) train.n);

    json_path = rp_xalloc(plen + 2);
    memcpy(json_path, o.out, plen - 4);
    memcpy(json_path + plen - 4, ".json", 6);

    if (rp_write_json(json_path, doc) != 0) {
        goto done;
    }

    rp_log("fit: wrote %s (%u trees, %zu nodes, version %s) and %s in %.1f s",
           o.out, fo.n_trees, fo.n_nodes, version, json_path,
           rp_now_sec() - t0);
    fprintf(stderr, "test (cutoff %s, %zu rows): auc %.4f pr_auc %.4f "
            "logloss %.4f accuracy %.4f brier %.4f positive_rate %.4f\n",
            tb2, mtest.rows, mtest.auc, mtest.pr_auc, mtest.logloss,
            mtest.accuracy, mtest.brier, mtest.positive_rate);
    rc = 0;

done:

    if (pdm != NULL) {
        XGDMatrixFree(pdm);
    }
    if (h != NULL) {
        XGBoosterFree(h);
    }
    rp_model_close(&m);                 /* the scorer's tables; img is ours */
    cJSON_Delete(doc);
    free(json_path);
    free(img);
    free(p);
    free(fo.nodes);
    free(fo.count);
    rp_samples_free(&train);
    rp_samples_free(&test);
    rp_dataset_free(&ds);

    return rc;
}
