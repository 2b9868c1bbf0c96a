/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_fit.c: "rp-train fit", training with XGBoost's C API and export.
 *
 * The model trains at T1 (stacking --windows cutoffs T1, T1 - H, ...) and
 * is tested at T2 = T1 + H. The default learner is gradient boosting
 * without class weights, whose log-loss objective makes the probabilities
 * estimates of the observed rate. Its depth and number of rounds are
 * chosen on an earlier window, never on the test window: candidates train
 * at T1 - H and are scored at T1 (labels in (T1, T1 + H]); the depth with
 * the lowest log loss there, stopped at its best round, is retrained at
 * T1. --forest trains the random forest instead (without class weights);
 * its probabilities are mapped by Platt scaling fitted the same way (a
 * forest at T1 - H scored at T1), folded into the leaves and base margin,
 * so every scoring path applies it for free.
 *
 * The trees are converted to rp_node_t (rp_export.c) and the image loaded
 * back with the core loader: our scorer must equal XGBoost's probability
 * on every training row within 1e-6, or nothing is written.
 */

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rp_train.h"
#include "rp_store.h"
#include "rp_xgb.h"


#define RP_PARITY_MAX      1e-6
#define RP_BOOST_ETA       0.1
#define RP_BOOST_SUBSAMPLE 0.8
#define RP_BOOST_ROUNDS    1000     /* upper bound for early stopping */
#define RP_BOOST_PATIENCE  50       /* rounds without a better valid loss */
#define RP_FOREST_TREES    100
#define RP_FOREST_DEPTH    10

/* the depths the selection tries */
static const int  rp_depths[] = { 2, 3, 4, 6 };
#define RP_NDEPTHS  (int) (sizeof(rp_depths) / sizeof(rp_depths[0]))

/*
 * The default feature set: what carries repurchase (the user's activity,
 * the pair's recency and rhythm, the user's breadth and tenure, the
 * product priors), plus the view features for shops that record views.
 * The seed's user amounts are left out: they added nothing measurable.
 */
static const char *const  rp_default_features[] = {
    "event_count", "purchase_count", "product_purchase_count",
    "repeat_purchase_count", "days_since_last_purchase",
    "pp_days_since_last", "pp_days_since_first", "pp_ndays", "pp_mean_gap",
    "pp_recency_ratio", "pp_day_share", "pp_amount",
    "u_ndays", "u_nproducts", "u_days_since_first",
    "prod_buyers", "prod_buyers_30d", "prod_rebuy_rate", "prod_repeat_share",
    "prod_med_interval",
    "view_count", "product_view_count", "view_to_purchase_ratio", NULL
};

/* the 14 features of the first models */
static const char *const  rp_seed_features[] = {
    "event_count", "amount_max", "amount_mean", "amount_min", "amount_sum",
    "total_spend", "avg_transaction_amount", "purchase_count", "view_count",
    "product_view_count", "product_purchase_count", "repeat_purchase_count",
    "view_to_purchase_ratio", "days_since_last_purchase", NULL
};

typedef struct {
    int64_t      cutoff;        /* T1 */
    int64_t      horizon;       /* seconds */
    int64_t      retention;     /* seconds, 0: none (rp_state_at) */
    int64_t      trees;
    int64_t      depth;
    int64_t      windows;
    int64_t      seed;
    int64_t      threads;
    int          forest;
    int          strict;
    int          have_cutoff;
    int          have_trees;
    int          have_depth;
    const char  *out;
    const char  *features;      /* as given, for model.json */
    uint32_t     n_cols;
    uint8_t      cols[RP_NFEATURES];   /* table index of each column */
    int          uses_priors;          /* a column is a product prior */
} rp_fit_opts_t;

/* A learner's settings. */
typedef struct {
    int          forest;
    int          depth;
    int          rounds;        /* boosting rounds, or the forest's trees */
    int          calibrated;    /* Platt scaling folded in */
    double       platt_a;
    double       platt_b;
} rp_learner_t;

/* One candidate of the selection. */
typedef struct {
    int          depth;
    int          rounds;        /* the best round */
    double       loss;          /* its log loss on the validation rows */
    double       last;          /* the log loss after the last round */
    int          stop;          /* stop RP_BOOST_PATIENCE rounds after best */
} rp_cand_t;


static void rp_fit_usage(FILE *f);
static int rp_fit_features(rp_fit_opts_t *o, const char *list);
static void rp_fit_rows(const rp_dataset_t *ds, const rp_fit_opts_t *o,
    int64_t cutoff, int windows, rp_samples_t *s);
static void rp_fit_rows_frozen(const rp_dataset_t *ds,
    const rp_fit_opts_t *o, int64_t cutoff, const rp_priors_t *frozen,
    rp_samples_t *s);
static float *rp_fit_matrix(const rp_fit_opts_t *o, const rp_samples_t *s);
static int rp_xgb_train(const rp_fit_opts_t *o, const rp_learner_t *l,
    const rp_samples_t *train, const rp_samples_t *valid, BoosterHandle *out,
    rp_cand_t *best);
static int rp_xgb_predict(BoosterHandle h, const rp_fit_opts_t *o,
    const rp_samples_t *s, int margin, double *out);
static int rp_fit_select(const rp_fit_opts_t *o, const rp_samples_t *train,
    const rp_samples_t *valid, rp_learner_t *l, rp_cand_t *cands, int *ncand);
static int rp_fit_platt(const rp_fit_opts_t *o, const rp_samples_t *train,
    const rp_samples_t *valid, rp_learner_t *l);
static void rp_platt_fold(rp_forest_t *fo, const rp_learner_t *l);


static void
rp_fit_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train fit EVENTS.csv -o MODEL.rpf [--cutoff ISO8601]\n"
        "         [--horizon DAYS] [--retention S] [--forest] [--trees N]\n"
        "         [--depth N] [--features default|seed|NAME,...] [--windows K]\n"
        "         [--seed N] [--threads N] [--strict] [--max-future S] [-q] [-v]\n"
        "  trains at --cutoff T1 (default: last event - 2 x horizon),\n"
        "  stacking K windows T1, T1 - H, ...; tests at T2 = T1 + H; writes\n"
        "  MODEL.rpf (after proving parity with XGBoost to 1e-6) and\n"
        "  MODEL.json.\n"
        "  default learner: gradient boosting (eta %.2g, no class weights);\n"
        "  depth (of 2, 3, 4, 6) and rounds (early stopping, up to %d) are\n"
        "  chosen on the earlier window: trained at T1 - H, scored at T1.\n"
        "  --trees/--depth fix them instead (--trees alone: the depth with\n"
        "  the lowest loss after that many rounds). --forest: a random forest\n"
        "  (--trees %d --depth %d) with Platt scaling fitted the same way.\n"
        "  --features seed: the 14 features of the first models.\n"
        RP_RETENTION_HELP, RP_BOOST_ETA, RP_BOOST_ROUNDS, RP_FOREST_TREES,
        RP_FOREST_DEPTH, RP_STORE_RETENTION_DEF);
}


static int
rp_fit_features(rp_fit_opts_t *o, const char *list)
{
    int                 idx;
    size_t              len;
    uint32_t            j;
    const char         *p, *e;
    const char *const  *names;

    o->n_cols = 0;
    names = NULL;

    if (list == NULL || strcmp(list, "default") == 0) {
        names = rp_default_features;
    } else if (strcmp(list, "seed") == 0) {
        names = rp_seed_features;
    }

    if (names != NULL) {
        for (; *names != NULL; names++) {
            idx = rp_feature_index(*names, strlen(*names));
            if (idx < 0) {
                rp_err("fit: unknown feature \"%s\" in a built-in list",
                       *names);
                return -1;
            }
            o->cols[o->n_cols++] = (uint8_t) idx;
        }
        return 0;
    }

    for (p = list; *p != '\0'; p = *e ? e + 1 : e) {
        e = strchr(p, ',');
        if (e == NULL) {
            e = p + strlen(p);
        }
        len = (size_t) (e - p);
        idx = rp_feature_index(p, len);
        if (idx < 0) {
            rp_err("fit: --features: unknown feature \"%.*s\" (rp-train "
                   "features writes the names of all)", (int) len, p);
            return -1;
        }
        for (j = 0; j < o->n_cols; j++) {
            if (o->cols[j] == idx) {
                rp_err("fit: --features: \"%.*s\" given twice", (int) len, p);
                return -1;
            }
        }
        o->cols[o->n_cols++] = (uint8_t) idx;
    }

    if (o->n_cols == 0) {
        rp_err("fit: --features: no feature named");
        return -1;
    }

    return 0;
}


/*
 * The training rows at cutoff, stacked over windows cutoffs H apart; each
 * window's rows carry the product priors computed at its own cutoff.
 */
static void
rp_fit_rows(const rp_dataset_t *ds, const rp_fit_opts_t *o, int64_t cutoff,
    int windows, rp_samples_t *s)
{
    int            c;
    int64_t        cw;
    rp_priors_t    pr;
    const float  **rows;

    for (c = 0; c < windows; c++) {
        cw = cutoff - c * o->horizon;
        rows = NULL;
        if (o->uses_priors) {
            rp_priors_compute(ds, cw, &pr);
            rows = rp_priors_rows(ds, &pr);
        }
        rp_samples_build(ds, cw, o->horizon, o->retention, rows, s);
        if (o->uses_priors) {
            free(rows);
            rp_priors_free(&pr);
        }
    }
}


/*
 * Rows at a later cutoff scored by a model trained at an earlier one: the
 * priors are that model's table, frozen at its training cutoff (frozen),
 * as the module serves them.
 */
static void
rp_fit_rows_frozen(const rp_dataset_t *ds, const rp_fit_opts_t *o,
    int64_t cutoff, const rp_priors_t *frozen, rp_samples_t *s)
{
    const float  **rows;

    rows = o->uses_priors ? rp_priors_rows(ds, frozen) : NULL;
    rp_samples_build(ds, cutoff, o->horizon, o->retention, rows, s);
    free(rows);
}


/* The chosen columns of the rows, n x n_cols (XGBoost's matrix). */
static float *
rp_fit_matrix(const rp_fit_opts_t *o, const rp_samples_t *s)
{
    float     *x;
    size_t     r;
    uint32_t   j;

    x = rp_xalloc((s->n ? s->n : 1) * o->n_cols * sizeof(float));
    for (r = 0; r < s->n; r++) {
        for (j = 0; j < o->n_cols; j++) {
            x[r * o->n_cols + j] = s->x[r * RP_NFEATURES + o->cols[j]];
        }
    }

    return x;
}


/*
 * Trains l on train. With valid (boosting), the log loss on valid is read
 * after every round, training stops RP_BOOST_PATIENCE rounds after the
 * best one, and best gets that round count and loss; the booster returned
 * is the one trained to the end (callers retrain with best->rounds).
 */
static int
rp_xgb_train(const rp_fit_opts_t *o, const rp_learner_t *l,
    const rp_samples_t *train, const rp_samples_t *valid, BoosterHandle *out,
    rp_cand_t *best)
{
    int            i;
    float         *xt, *xv;
    double         loss;
    const char    *res, *at;
    const char    *vname[1] = { "valid" };
    DMatrixHandle  dm[2];
    BoosterHandle  h;
    char           buf[64];

    dm[0] = NULL;
    dm[1] = NULL;
    h = NULL;
    xt = rp_fit_matrix(o, train);
    xv = valid != NULL ? rp_fit_matrix(o, valid) : NULL;

    rp_xgb(XGDMatrixCreateFromMat_omp(xt, train->n, o->n_cols, NAN, &dm[0],
                                      (int) o->threads));
    rp_xgb(XGDMatrixSetFloatInfo(dm[0], "label", train->y, train->n));
    if (valid != NULL) {
        rp_xgb(XGDMatrixCreateFromMat_omp(xv, valid->n, o->n_cols, NAN,
                                          &dm[1], (int) o->threads));
        rp_xgb(XGDMatrixSetFloatInfo(dm[1], "label", valid->y, valid->n));
    }
    rp_xgb(XGBoosterCreate(dm, valid != NULL ? 2 : 1, &h));

#define rp_set(k, v)  rp_xgb(XGBoosterSetParam(h, k, v))
#define rp_setn(k, fmt, v)                                                   \
    do { snprintf(buf, sizeof(buf), fmt, v); rp_set(k, buf); } while (0)

    rp_set("booster", "gbtree");
    rp_set("objective", "binary:logistic");
    rp_set("eval_metric", "logloss");
    rp_set("tree_method", "hist");
    rp_set("verbosity", "1");
    rp_setn("nthread", "%d", (int) o->threads);
    rp_setn("seed", "%lld", (long long) o->seed);
    rp_setn("max_depth", "%d", l->depth);

    /* start from the base rate, not 0.5: the forest's one Newton step
     * then moves from a sensible margin, and boosting needs fewer rounds */
    rp_setn("base_score", "%.9g", (double) train->pos / train->n);

    if (l->forest) {
        rp_set("eta", "1");
        rp_set("subsample", "0.632");
        rp_setn("colsample_bynode", "%.6f", sqrt(o->n_cols) / o->n_cols);
        rp_setn("num_parallel_tree", "%d", l->rounds);
        rp_xgb(XGBoosterUpdateOneIter(h, 0, dm[0]));

    } else {
        rp_setn("eta", "%g", RP_BOOST_ETA);
        rp_setn("subsample", "%g", RP_BOOST_SUBSAMPLE);

        if (best != NULL) {
            best->depth = l->depth;
            best->rounds = 0;
            best->loss = INFINITY;
            best->last = INFINITY;
        }

        for (i = 0; i < l->rounds; i++) {
            rp_xgb(XGBoosterUpdateOneIter(h, i, dm[0]));

            if (valid == NULL || best == NULL) {
                continue;
            }

            rp_xgb(XGBoosterEvalOneIter(h, i, &dm[1], vname, 1, &res));
            at = strstr(res, "valid-logloss:");
            if (at == NULL) {
                rp_err("fit: xgboost evaluation without a log loss: %s", res);
                goto failed;
            }
            loss = strtod(at + sizeof("valid-logloss:") - 1, NULL);
            best->last = loss;
            if (loss < best->loss) {
                best->loss = loss;
                best->rounds = i + 1;
            } else if (best->stop && i + 1 - best->rounds >= RP_BOOST_PATIENCE) {
                break;
            }
        }
    }

#undef rp_set
#undef rp_setn

    XGDMatrixFree(dm[0]);
    if (dm[1] != NULL) {
        XGDMatrixFree(dm[1]);
    }
    free(xt);
    free(xv);
    *out = h;
    return 0;

failed:

    if (h != NULL) {
        XGBoosterFree(h);
    }
    if (dm[0] != NULL) {
        XGDMatrixFree(dm[0]);
    }
    if (dm[1] != NULL) {
        XGDMatrixFree(dm[1]);
    }
    free(xt);
    free(xv);
    return -1;
}


/* XGBoost's probabilities (margin 0) or margins (1) of the rows. */
static int
rp_xgb_predict(BoosterHandle h, const rp_fit_opts_t *o, const rp_samples_t *s,
    int margin, double *out)
{
    int               rc;
    float            *x;
    size_t            r;
    bst_ulong         dim;
    const float      *res;
    DMatrixHandle     dm;
    const bst_ulong  *shape;
    char              cfg[160];

    rc = -1;
    dm = NULL;
    x = rp_fit_matrix(o, s);

    snprintf(cfg, sizeof(cfg), "{\"type\": %d, \"training\": false, "
             "\"iteration_begin\": 0, \"iteration_end\": 0, "
             "\"strict_shape\": false}", margin);

    /* a fresh matrix: no prediction cache from training is involved */
    rp_xgb(XGDMatrixCreateFromMat(x, s->n, o->n_cols, NAN, &dm));
    rp_xgb(XGBoosterPredictFromDMatrix(h, dm, cfg, &shape, &dim, &res));

    for (r = 0; r < s->n; r++) {
        out[r] = res[r];
    }
    rc = 0;

failed:

    if (dm != NULL) {
        XGDMatrixFree(dm);
    }
    free(x);
    return rc;
}


/*
 * Boosting: each candidate depth (or the one of --depth) trains on train
 * and is scored on valid after every round; the lowest log loss wins.
 */
static int
rp_fit_select(const rp_fit_opts_t *o, const rp_samples_t *train,
    const rp_samples_t *valid, rp_learner_t *l, rp_cand_t *cands, int *ncand)
{
    int            k, n;
    double         t0, best;
    rp_learner_t   c;
    BoosterHandle  h;

    n = 0;
    for (k = 0; k < RP_NDEPTHS; k++) {
        if (o->have_depth && k > 0) {
            break;
        }

        c = *l;
        c.depth = o->have_depth ? (int) o->depth : rp_depths[k];
        c.rounds = o->have_trees ? (int) o->trees : RP_BOOST_ROUNDS;

        /* --trees fixes the rounds: no early stop, compare the depths
         * after that many rounds */
        cands[n].stop = !o->have_trees;

        t0 = rp_clock_sec();
        if (rp_xgb_train(o, &c, train, valid, &h, &cands[n]) != 0) {
            return -1;
        }
        XGBoosterFree(h);

        rp_log("fit: selection: depth %d: best valid log loss %.5f at "
               "round %d (%.1f s)", cands[n].depth, cands[n].loss,
               cands[n].rounds, rp_clock_sec() - t0);
        n++;
    }

    *ncand = n;

    /* the lowest loss; on a tie the shallower depth (tried first) */
    best = INFINITY;
    for (k = 0; k < n; k++) {
        if (o->have_trees) {
            if (cands[k].last < best) {
                best = cands[k].last;
                l->depth = cands[k].depth;
                l->rounds = (int) o->trees;
            }

        } else if (cands[k].rounds > 0 && cands[k].loss < best) {
            best = cands[k].loss;
            l->depth = cands[k].depth;
            l->rounds = cands[k].rounds;
        }
    }

    if (!(best < INFINITY)) {
        rp_err("fit: the selection found no round that lowers the log loss "
               "on the earlier window");
        return -1;
    }

    return 0;
}


/*
 * The forest's Platt scaling: a forest trained on train, its margins on
 * valid, the a, b that map them to probabilities with the least log loss.
 */
static int
rp_fit_platt(const rp_fit_opts_t *o, const rp_samples_t *train,
    const rp_samples_t *valid, rp_learner_t *l)
{
    int            rc;
    double        *mv;
    BoosterHandle  h;

    if (rp_xgb_train(o, l, train, NULL, &h, NULL) != 0) {
        return -1;
    }

    mv = rp_xalloc((valid->n + 1) * sizeof(double));
    rc = rp_xgb_predict(h, o, valid, 1, mv);
    XGBoosterFree(h);

    if (rc == 0 && rp_platt_fit(mv, valid->y, valid->n, &l->platt_a,
                                &l->platt_b) != 0)
    {
        rp_err("fit: Platt scaling cannot be fitted on the earlier window "
               "(%zu rows, %zu positive)", valid->n, valid->pos);
        rc = -1;
    }

    if (rc == 0) {
        l->calibrated = 1;
        rp_log("fit: Platt scaling on the earlier window: p = sigmoid(%.4f "
               "x margin %+.4f)", l->platt_a, l->platt_b);
    }

    free(mv);
    return rc;
}


/* sigmoid(a (base + sum leaves) + b) = sigmoid(a base + b + sum a leaves) */
static void
rp_platt_fold(rp_forest_t *fo, const rp_learner_t *l)
{
    size_t  i;

    fo->base_margin = l->platt_a * fo->base_margin + l->platt_b;
    for (i = 0; i < fo->n_nodes; i++) {
        if (fo->nodes[i].split == RP_NODE_LEAF) {
            fo->nodes[i].value = (float) (l->platt_a * fo->nodes[i].value);
        }
    }
}


int
rp_cmd_fit(int argc, char **argv)
{
    int               c, rc, nc, ncand, sel_windows;
    char             *json_path;
    void             *img;
    size_t            r, img_len, plen;
    double           *p, *xp, d, maxd, t0, t1s;
    int64_t           t1, t2, ts, tw;
    uint32_t          i, crc;
    time_t            now;
    struct tm         tm;
    rp_cand_t         cands[RP_NDEPTHS];
    rp_model_t        m;
    rp_forest_t       fo;
    rp_learner_t      l;
    rp_metrics_t      mtrain, mtest;
    rp_samples_t      train, test, strain, svalid;
    rp_priors_t       prior1, priors;
    rp_dataset_t      ds;
    rp_fit_opts_t     o;
    rp_model_spec_t   spec;
    BoosterHandle     h;
    cJSON            *doc, *obj, *arr, *it;
    const char       *names[RP_NFEATURES];
    char              err[RP_ERR_MAX], version[RP_MODEL_VERSION_MAX],
                      tb1[32], tb2[32], tbs[32], stamp[32];

    static const struct option  opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "cutoff", required_argument, NULL, 'c' },
        { "horizon", required_argument, NULL, 'H' },
        { "retention", required_argument, NULL, 'R' },
        { "trees", required_argument, NULL, 't' },
        { "depth", required_argument, NULL, 'd' },
        { "forest", no_argument, NULL, 'F' },
        { "boost", no_argument, NULL, 'b' },
        { "features", required_argument, NULL, 'f' },
        { "windows", required_argument, NULL, 'w' },
        { "seed", required_argument, NULL, 's' },
        { "threads", required_argument, NULL, 'j' },
        { "strict", no_argument, NULL, 'S' },
        RP_OPT_MAX_FUTURE
        RP_OPTS_COMMON
    };

    memset(&o, 0, sizeof(o));
    o.horizon = 30;
    o.retention = RP_STORE_RETENTION_DEF;
    o.windows = 1;
    o.seed = 42;
    o.threads = rp_nthreads();

    while ((c = rp_getopt(&rp_opt, argc, argv, "o:qvh", opts)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 'c':
        case 'H':
        case 'R':
            if (rp_window_opt(c, optarg, &o.cutoff,
                              &o.have_cutoff, &o.horizon, &o.retention) != 0) {
                return 2;
            }
            break;
        case 't':
            if (rp_opt_i64(&rp_opt, optarg, 1, 5000, &o.trees) != 0) {
                return rp_opt_refuse();
            }
            o.have_trees = 1;
            break;
        case 'd':
            if (rp_opt_i64(&rp_opt, optarg, 1, 20, &o.depth) != 0) {
                return rp_opt_refuse();
            }
            o.have_depth = 1;
            break;
        case 'F':
            o.forest = 1;
            break;
        case 'b':
            o.forest = 0;          /* the default; kept for old scripts */
            break;
        case 'f':
            o.features = optarg;
            break;
        case 'w':
            if (rp_opt_i64(&rp_opt, optarg, 1, 100, &o.windows) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 's':
            if (rp_opt_i64(&rp_opt, optarg, 0, INT32_MAX, &o.seed) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'j':
            if (rp_opt_i64(&rp_opt, optarg, 1, 1024, &o.threads) != 0) {
                return rp_opt_refuse();
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

    if (rp_fit_features(&o, o.features) != 0) {
        return 2;
    }
    for (i = 0; i < o.n_cols; i++) {
        o.uses_priors |= o.cols[i] >= RP_F_PRIOR_FIRST
                         && o.cols[i] < RP_F_PRIOR_FIRST + RP_PRIOR_N;
    }

    memset(&l, 0, sizeof(l));
    l.forest = o.forest;
    l.platt_a = 1;
    if (o.forest) {
        l.depth = o.have_depth ? (int) o.depth : RP_FOREST_DEPTH;
        l.rounds = o.have_trees ? (int) o.trees : RP_FOREST_TREES;
    } else {
        l.depth = (int) o.depth;
        l.rounds = (int) o.trees;
    }

    /* boosting with both settings given needs no earlier window */
    sel_windows = (!o.forest && o.have_trees && o.have_depth) ? 0 : 1;
    o.horizon *= RP_DAY;

    t0 = rp_clock_sec();
    if (rp_dataset_load(&ds, argv[optind], o.strict) != 0) {
        return 1;
    }

    t1 = o.have_cutoff ? o.cutoff : ds.last_ts - 2 * o.horizon;
    t2 = t1 + o.horizon;
    ts = t1 - o.horizon;
    tw = t1 - (o.windows - 1 + sel_windows) * o.horizon;
    rp_time_format(t1, tb1, sizeof(tb1));
    rp_time_format(t2, tb2, sizeof(tb2));
    rp_time_format(ts, tbs, sizeof(tbs));

    if (tw <= ds.first_ts || t2 + o.horizon > ds.last_ts) {
        rp_time_format(ds.first_ts, tb1, sizeof(tb1));
        rp_time_format(ds.last_ts, tb2, sizeof(tb2));
        rp_err("fit: data too short: events span %s .. %s (%.1f days); "
               "%d training window(s)%s and a test window of %d days need "
               "about %d days after the first event (use more --days, a "
               "smaller --horizon or --windows, or another --cutoff)",
               tb1, tb2, (ds.last_ts - ds.first_ts) / (double) RP_DAY,
               (int) o.windows, sel_windows ? ", the earlier one the "
               "settings are chosen on" : "", (int) (o.horizon / RP_DAY),
               (int) ((o.windows + 1 + sel_windows) * o.horizon / RP_DAY
                      + 1));
        rp_dataset_free(&ds);
        return 1;
    }

    memset(&train, 0, sizeof(train));
    memset(&test, 0, sizeof(test));
    memset(&strain, 0, sizeof(strain));
    memset(&svalid, 0, sizeof(svalid));

    /* the model's priors are frozen at T1, the selection's at T1 - H */
    memset(&prior1, 0, sizeof(prior1));
    memset(&priors, 0, sizeof(priors));
    if (o.uses_priors) {
        rp_priors_compute(&ds, t1, &prior1);
        rp_priors_compute(&ds, ts, &priors);
    }

    rp_fit_rows(&ds, &o, t1, (int) o.windows, &train);
    rp_fit_rows_frozen(&ds, &o, t2, &prior1, &test);
    if (sel_windows) {
        rp_fit_rows(&ds, &o, ts, (int) o.windows, &strain);
        rp_fit_rows_frozen(&ds, &o, t1, &priors, &svalid);
    }

    rp_log("fit: train cutoff %s (%d window%s): %zu rows, %.1f%% positive; "
           "test cutoff %s: %zu rows", tb1, (int) o.windows,
           o.windows > 1 ? "s" : "", train.n,
           train.n ? 100.0 * train.pos / train.n : 0.0, tb2, test.n);

    h = NULL;
    img = NULL;
    doc = NULL;
    memset(&spec, 0, sizeof(spec));
    json_path = NULL;
    p = NULL;
    xp = NULL;
    rc = 1;
    ncand = 0;
    memset(&fo, 0, sizeof(fo));
    memset(&m, 0, sizeof(m));

    if (train.n < 10 || train.pos == 0 || train.pos == train.n
        || (sel_windows && (strain.n < 10 || strain.pos == 0
                            || strain.pos == strain.n || svalid.pos == 0
                            || svalid.pos == svalid.n)))
    {
        rp_err("fit: cannot train on %zu rows with %zu positives (the "
               "earlier window: %zu rows, %zu positives; scored on %zu rows, "
               "%zu positives)", train.n, train.pos, strain.n, strain.pos,
               svalid.n, svalid.pos);
        goto done;
    }

    if (sel_windows) {
        rp_log("fit: choosing settings on the earlier window: trained at %s "
               "(%zu rows), scored at %s (%zu rows, %.1f%% positive)", tbs,
               strain.n, tb1, svalid.n, 100.0 * svalid.pos / svalid.n);
    }

    if (o.forest) {
        if (rp_fit_platt(&o, &strain, &svalid, &l) != 0) {
            goto done;
        }

    } else if (sel_windows) {
        if (rp_fit_select(&o, &strain, &svalid, &l, cands, &ncand) != 0) {
            goto done;
        }
        rp_log("fit: chosen: depth %d, %d rounds", l.depth, l.rounds);
    }

    nc = (int) o.n_cols;
    t1s = rp_clock_sec();
    if (rp_xgb_train(&o, &l, &train, NULL, &h, NULL) != 0
        || rp_xgb_export(h, (uint32_t) nc, &fo) != 0)
    {
        goto done;
    }
    rp_log("fit: %u trees built in %.2f s on %d threads", fo.n_trees,
           rp_clock_sec() - t1s, (int) o.threads);
    if (l.calibrated) {
        rp_platt_fold(&fo, &l);
    }

    /* the model image, as the module will see it */
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    crc = rp_crc32(0, fo.nodes, fo.n_nodes * sizeof(rp_node_t));
    snprintf(version, sizeof(version), "%s-%s-%08x",
             o.forest ? "rf" : "gb", stamp, crc);

    for (i = 0; i < o.n_cols; i++) {
        names[i] = rp_features[o.cols[i]].name;
    }

    memset(&spec, 0, sizeof(spec));

    /* the priors the model carries: the products bought by T1 */
    if (o.uses_priors) {
        rp_priors_spec(&ds, &prior1, &spec);
    }

    spec.n_features = o.n_cols;
    spec.feature_names = names;
    spec.n_trees = fo.n_trees;
    spec.tree_count = fo.count;
    spec.nodes = fo.nodes;
    spec.cover = fo.cover;
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

    /* parity on every training row: XGBoost's probability, or its margin
     * through the Platt map */
    xp = rp_xalloc((train.n + 1) * sizeof(double));
    if (rp_xgb_predict(h, &o, &train, l.calibrated, xp) != 0) {
        goto done;
    }
    if (l.calibrated) {
        for (r = 0; r < train.n; r++) {
            xp[r] = 1 / (1 + exp(-(l.platt_a * xp[r] + l.platt_b)));
        }
    }

    /* both scoring paths of the module: one row, and batches */
    p = rp_xalloc((train.n + 1) * sizeof(double));
    rp_model_score_batch(&m, train.x, train.n, p);
    maxd = 0;
    for (r = 0; r < train.n; r++) {
        d = fabs(p[r] - xp[r]);
        if (!(d <= maxd)) {
            maxd = d;
        }
        p[r] = rp_model_score(&m, &train.x[r * RP_NFEATURES]);
        d = fabs(p[r] - xp[r]);
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
                            o.forest ? "random_forest" : "gradient_boosting");
    cJSON_AddStringToObject(obj, "library", "xgboost");
    cJSON_AddStringToObject(obj, "tree_method", "hist");
    cJSON_AddNumberToObject(obj, "trees", fo.n_trees);
    cJSON_AddNumberToObject(obj, "max_depth", l.depth);
    cJSON_AddNumberToObject(obj, "eta", o.forest ? 1.0 : RP_BOOST_ETA);
    cJSON_AddNumberToObject(obj, "subsample",
                            o.forest ? 0.632 : RP_BOOST_SUBSAMPLE);
    cJSON_AddNumberToObject(obj, "colsample_bynode", o.forest
                            ? sqrt(o.n_cols) / o.n_cols : 1.0);
    cJSON_AddStringToObject(obj, "class_weight", "none");
    cJSON_AddStringToObject(obj, "features",
                            o.features != NULL ? o.features : "default");
    cJSON_AddNumberToObject(obj, "horizon_days",
                            (double) (o.horizon / RP_DAY));
    cJSON_AddNumberToObject(obj, "retention_seconds", (double) o.retention);
    cJSON_AddNumberToObject(obj, "windows", (double) o.windows);
    cJSON_AddNumberToObject(obj, "seed", (double) o.seed);
    cJSON_AddNumberToObject(obj, "threads", (double) o.threads);

    obj = cJSON_AddObjectToObject(doc, "calibration");
    if (l.calibrated) {
        cJSON_AddStringToObject(obj, "method", "platt");
        cJSON_AddNumberToObject(obj, "a", l.platt_a);
        cJSON_AddNumberToObject(obj, "b", l.platt_b);
        cJSON_AddStringToObject(obj, "applied", "folded into the leaves "
                                "and base margin");
    } else {
        cJSON_AddStringToObject(obj, "method", "none (log loss, no class "
                                "weights)");
    }

    if (sel_windows) {
        obj = cJSON_AddObjectToObject(doc, "selection");
        cJSON_AddStringToObject(obj, "train_cutoff", tbs);
        cJSON_AddStringToObject(obj, "valid_cutoff", tb1);
        cJSON_AddNumberToObject(obj, "train_rows", (double) strain.n);
        cJSON_AddNumberToObject(obj, "valid_rows", (double) svalid.n);
        arr = cJSON_AddArrayToObject(obj, "candidates");
        for (c = 0; c < ncand; c++) {
            it = cJSON_CreateObject();
            cJSON_AddNumberToObject(it, "max_depth", cands[c].depth);
            cJSON_AddNumberToObject(it, "rounds", cands[c].rounds);
            cJSON_AddNumberToObject(it, "valid_logloss", cands[c].loss);
            cJSON_AddNumberToObject(it, "valid_logloss_last", cands[c].last);
            cJSON_AddItemToArray(arr, it);
        }
    }

    obj = cJSON_AddObjectToObject(doc, "priors");
    cJSON_AddNumberToObject(obj, "products", (double) spec.n_priors);
    if (o.uses_priors) {
        cJSON_AddStringToObject(obj, "cutoff", tb1);
        cJSON_AddNumberToObject(obj, "bytes",
                                (double) rp_model_priors_size(&m));
    }

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
    cJSON_AddItemToObject(obj, "train", rp_metrics_to_json(&mtrain));
    cJSON_AddItemToObject(obj, "test", rp_metrics_to_json(&mtest));

    arr = cJSON_AddArrayToObject(doc, "feature_names");
    for (i = 0; i < o.n_cols; i++) {
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
           rp_clock_sec() - t0);
    fprintf(stderr, "test (cutoff %s, %zu rows): auc %.4f pr_auc %.4f "
            "logloss %.4f brier %.4f ece %.4f positive_rate %.4f "
            "mean_predicted %.4f\n", tb2, mtest.rows, mtest.auc,
            mtest.pr_auc, mtest.logloss, mtest.brier, mtest.ece,
            mtest.positive_rate, mtest.mean_predicted);
    rc = 0;

done:

    if (h != NULL) {
        XGBoosterFree(h);
    }
    rp_model_close(&m);                 /* the scorer's tables; img is ours */
    cJSON_Delete(doc);
    free(json_path);
    free(img);
    free(p);
    free(xp);
    rp_forest_free(&fo);
    rp_priors_spec_free(&spec);
    rp_priors_free(&prior1);
    rp_priors_free(&priors);
    rp_samples_free(&train);
    rp_samples_free(&test);
    rp_samples_free(&strain);
    rp_samples_free(&svalid);
    rp_dataset_free(&ds);

    return rc;
}
