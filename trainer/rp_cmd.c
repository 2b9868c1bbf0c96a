/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cmd.c: "rp-train features", "rp-train eval" and "rp-train inspect".
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "rp_train.h"
#include "rp_model.h"
#include "rp_store.h"
#include "rp_explain.h"
#include "rp_importance.h"


static void rp_features_usage(FILE *f);
static void rp_eval_usage(FILE *f);
static void rp_inspect_usage(FILE *f);
static void rp_inspect_importance(const rp_model_t *m, const double *imp,
    size_t rows, int json);


static void
rp_features_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train features EVENTS.csv --cutoff ISO8601 [--horizon DAYS]"
        "\n                         [--retention S] [--strict] [--max-future S] [-q]"
        "\n                         -o MATRIX.csv\n"
        "  one row per (user, product) bought at or before the cutoff:\n"
        "  user_id,product_id, the %d features (state at the cutoff), label\n"
        "  (1 when bought again in (cutoff, cutoff + horizon]); horizon 30\n"
        "  (a missing feature is written as nan); the product priors are\n"
        "  computed at the cutoff, as fit does for its training rows\n"
        RP_RETENTION_HELP, RP_NFEATURES, RP_STORE_RETENTION_DEF);
}


int
rp_cmd_features(int argc, char **argv)
{
    int            c, rc, strict, i, have_cutoff;
    FILE          *f;
    size_t         r;
    int64_t        cutoff, horizon, retention;
    uint32_t       k;
    const char    *out;
    const float   *x;
    const float  **rows;
    rp_priors_t    pr;
    rp_samples_t   s;
    rp_dataset_t   ds;

    static const struct option  opts[] = {
        { "cutoff", required_argument, NULL, 'c' },
        { "horizon", required_argument, NULL, 'H' },
        { "retention", required_argument, NULL, 'R' },
        { "output", required_argument, NULL, 'o' },
        { "strict", no_argument, NULL, 'S' },
        RP_OPT_MAX_FUTURE
        RP_OPTS_COMMON
    };

    horizon = 30;
    retention = RP_STORE_RETENTION_DEF;
    have_cutoff = 0;
    cutoff = 0;
    strict = 0;
    out = NULL;

    while ((c = rp_getopt(&rp_opt, argc, argv, "o:qvh", opts)) != -1) {
        switch (c) {
        case 'c':
        case 'H':
        case 'R':
            if (rp_window_opt(c, optarg, &cutoff, &have_cutoff,
                              &horizon, &retention) != 0) {
                return 2;
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'S':
            strict = 1;
            break;
        default:
            if ((rc = rp_opt_common(c, rp_features_usage)) >= 0) {
                return rc;
            }
        }
    }

    if (optind != argc - 1 || out == NULL || !have_cutoff) {
        rp_err("features: %s", optind != argc - 1 ? "one EVENTS.csv expected"
               : out == NULL ? "-o MATRIX.csv is required"
               : "--cutoff is required");
        rp_features_usage(stderr);
        return 2;
    }

    if (rp_dataset_load(&ds, argv[optind], strict) != 0) {
        return 1;
    }

    /* the product priors as training computes them at this cutoff */
    rp_priors_compute(&ds, cutoff, &pr);
    rows = rp_priors_rows(&ds, &pr);
    memset(&s, 0, sizeof(s));
    rp_samples_build(&ds, cutoff, horizon * RP_DAY, retention, rows, &s);
    free(rows);
    rp_priors_free(&pr);

    f = strcmp(out, "-") == 0 ? stdout : fopen(out, "w");
    if (f == NULL) {
        rp_err("features: open() \"%s\" failed: %s", out, strerror(errno));
        return 1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);

    fputs("user_id,product_id", f);
    for (i = 0; i < RP_NFEATURES; i++) {
        fprintf(f, ",%s", rp_features[i].name);
    }
    fputs(",label\n", f);

    for (r = 0; r < s.n; r++) {
        k = s.pair[r];
        fprintf(f, "%s,%s", ds.users.names[ds.pair_user[k]],
                ds.products.names[ds.pair_product[k]]);
        x = &s.x[r * RP_NFEATURES];
        for (i = 0; i < RP_NFEATURES; i++) {
            fprintf(f, ",%.9g", x[i]);
        }
        fprintf(f, ",%d\n", s.y[r] > 0.5f);
    }

    if (fflush(f) != 0 || ferror(f) || (f != stdout && fclose(f) != 0)) {
        rp_err("features: write \"%s\" failed: %s", out, strerror(errno));
        return 1;
    }

    rp_log("features: %zu rows, %zu positive (%.1f%%)", s.n, s.pos,
           s.n ? 100.0 * s.pos / s.n : 0.0);

    rp_samples_free(&s);
    rp_dataset_free(&ds);

    return 0;
}


static void
rp_eval_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train eval MODEL.rpf EVENTS.csv [--cutoff ISO8601]\n"
        "                     [--horizon DAYS] [--retention S] [--plot DIR]\n"
        "                     [--strict] [--max-future S] [-q]\n"
        "  scores the samples at the cutoff (default: last event - horizon)\n"
        "  with our scorer and prints one JSON object of metrics on stdout\n"
        "  (ranking, Brier, ECE, a 10-bin reliability table, the observed\n"
        "  rate per confidence band); --plot DIR draws roc.png, pr.png and\n"
        "  reliability.png there with gnuplot. The product priors are the\n"
        "  model file's, frozen when it was trained, as the module uses them.\n"
        RP_RETENTION_HELP, RP_STORE_RETENTION_DEF);
}


int
rp_cmd_eval(int argc, char **argv)
{
    int            c, rc, strict, have_cutoff;
    char          *text;
    cJSON         *doc;
    double        *p;
    int64_t        cutoff, horizon, retention;
    rp_model_t     m;
    const char    *plot;
    const float  **rows;
    rp_metrics_t   mt;
    rp_samples_t   s;
    rp_dataset_t   ds;
    char           err[RP_ERR_MAX], tbuf[32], title[160];

    static const struct option  opts[] = {
        { "cutoff", required_argument, NULL, 'c' },
        { "horizon", required_argument, NULL, 'H' },
        { "retention", required_argument, NULL, 'R' },
        { "plot", required_argument, NULL, 'P' },
        { "strict", no_argument, NULL, 'S' },
        RP_OPT_MAX_FUTURE
        RP_OPTS_COMMON
    };

    horizon = 30;
    retention = RP_STORE_RETENTION_DEF;
    have_cutoff = 0;
    cutoff = 0;
    strict = 0;
    plot = NULL;

    while ((c = rp_getopt(&rp_opt, argc, argv, "qvh", opts)) != -1) {
        switch (c) {
        case 'c':
        case 'H':
        case 'R':
            if (rp_window_opt(c, optarg, &cutoff, &have_cutoff,
                              &horizon, &retention) != 0) {
                return 2;
            }
            break;
        case 'P':
            plot = optarg;
            break;
        case 'S':
            strict = 1;
            break;
        default:
            if ((rc = rp_opt_common(c, rp_eval_usage)) >= 0) {
                return rc;
            }
        }
    }

    if (optind != argc - 2) {
        rp_err("eval: MODEL.rpf and EVENTS.csv expected");
        rp_eval_usage(stderr);
        return 2;
    }

    if (rp_model_open(&m, argv[optind], err, sizeof(err)) != 0) {
        rp_err("eval: %s: %s", argv[optind], err);
        return 1;
    }

    if (rp_dataset_load(&ds, argv[optind + 1], strict) != 0) {
        rp_model_close(&m);
        return 1;
    }

    if (!have_cutoff) {
        cutoff = ds.last_ts - horizon * RP_DAY;
    }

    /* the model's own prior table, frozen when it was trained */
    rows = rp_model_uses_priors(&m) ? rp_model_prior_rows(&ds, &m) : NULL;
    memset(&s, 0, sizeof(s));
    rp_samples_build(&ds, cutoff, horizon * RP_DAY, retention, rows, &s);
    free(rows);

    p = rp_xalloc((s.n + 1) * sizeof(double));
    rp_model_score_batch(&m, s.x, s.n, p);

    rp_metrics_compute(p, s.y, s.n, &mt);
    rp_time_format(cutoff, tbuf, sizeof(tbuf));

    doc = rp_metrics_to_json(&mt);
    if (doc != NULL) {
        cJSON_AddStringToObject(doc, "cutoff", tbuf);
        cJSON_AddNumberToObject(doc, "horizon_days", (double) horizon);
        cJSON_AddStringToObject(doc, "model_version", m.hdr->version);
    }
    text = doc != NULL ? cJSON_PrintUnformatted(doc) : NULL;
    if (text == NULL) {
        rp_err("eval: out of memory");
        rc = 1;
        goto done;
    }
    printf("%s\n", text);
    cJSON_free(text);

    rc = 0;
    if (s.n == 0) {
        rp_err("eval: no samples at cutoff %s", tbuf);
        rc = 1;

    } else if (plot != NULL) {
        snprintf(title, sizeof(title), "%s, cutoff %s + %lld days",
                 m.hdr->version, tbuf, (long long) horizon);
        if (rp_plot(plot, p, s.y, s.n, &mt, title) != 0) {
            rc = 1;
        }
    }

done:

    cJSON_Delete(doc);
    free(p);
    rp_samples_free(&s);
    rp_dataset_free(&ds);
    rp_model_close(&m);

    return rc;
}


static void
rp_inspect_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train inspect MODEL.rpf [--json] [--matrix MATRIX.csv]\n"
        "  validates the file as the module does and prints what it holds;\n"
        "  exit 0 when valid, 1 with the loader's reason otherwise\n"
        "  --matrix: global feature importance, the mean absolute TreeSHAP\n"
        "            contribution of each feature over the rows of a\n"
        "            features matrix (rp-train features), largest first\n");
}


/* the features by decreasing importance (ties in model order) */
static void
rp_inspect_importance(const rp_model_t *m, const double *imp, size_t rows,
    int json)
{
    uint32_t  order[RP_MODEL_MAX_FEATURES], i, k, t, nf;

    nf = m->hdr->n_features;
    for (i = 0; i < nf; i++) {
        order[i] = i;
    }
    for (i = 1; i < nf; i++) {
        for (k = i; k > 0 && imp[order[k]] > imp[order[k - 1]]; k--) {
            t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    }

    if (json) {
        printf(",\"importance\":{\"method\":\"tree_shap\","
               "\"measure\":\"mean_abs_contribution\",\"rows\":%zu,"
               "\"features\":[", rows);
        for (i = 0; i < nf; i++) {
            printf("%s{\"name\":\"%s\",\"mean_abs\":%.9g}", i ? "," : "",
                   m->names + (size_t) order[i] * RP_FEATURE_NAME_MAX,
                   imp[order[i]]);
        }
        printf("]}");
        return;
    }

    printf("importance  mean |TreeSHAP contribution| (log-odds) over %zu "
           "rows:\n", rows);
    for (i = 0; i < nf; i++) {
        printf("  %-26s %.6f\n",
               m->names + (size_t) order[i] * RP_FEATURE_NAME_MAX,
               imp[order[i]]);
    }
}


int
rp_cmd_inspect(int argc, char **argv)
{
    int          c, json;
    size_t       rows;
    uint32_t     i, leaves;
    rp_model_t   m;
    double       imp[RP_MODEL_MAX_FEATURES];
    const char  *matrix;
    char         err[RP_ERR_MAX], tbuf[32];

    static const struct option  opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "matrix", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    json = 0;
    matrix = NULL;
    rows = 0;

    while ((c = rp_getopt(&rp_opt, argc, argv, "qh", opts)) != -1) {
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'm':
            matrix = optarg;
            break;
        case 'q':
            rp_quiet = 1;
            break;
        case 'h':
            rp_inspect_usage(stdout);
            return 0;
        default:
            rp_opt_refuse();
            rp_inspect_usage(stderr);
            return 2;
        }
    }

    if (optind != argc - 1) {
        rp_err("inspect: one MODEL.rpf expected");
        rp_inspect_usage(stderr);
        return 2;
    }

    if (rp_model_open(&m, argv[optind], err, sizeof(err)) != 0) {
        if (json) {
            printf("{\"valid\":false,\"error\":\"");
            for (i = 0; err[i] != '\0'; i++) {
                if (err[i] == '"' || err[i] == '\\') {
                    putchar('\\');
                }
                putchar(err[i] >= 0x20 ? err[i] : '?');
            }
            printf("\"}\n");
        }
        rp_err("inspect: %s: invalid model: %s", argv[optind], err);
        return 1;
    }

    leaves = 0;
    for (i = 0; i < m.hdr->n_nodes; i++) {
        leaves += m.nodes[i].split == RP_NODE_LEAF;
    }

    if (matrix != NULL && rp_importance(&m, matrix, imp, &rows) != 0) {
        rp_model_close(&m);
        return 1;
    }

    rp_time_format(m.hdr->trained_at, tbuf, sizeof(tbuf));

    if (json) {
        printf("{\"valid\":true,\"file_size\":%llu,\"format\":%u,"
               "\"version\":\"%s\",\"trained_at\":\"%s\",\"objective\":\"%s\","
               "\"base_margin\":%.17g,\"trees\":%u,\"nodes\":%u,"
               "\"leaves\":%u,\"max_depth\":%u,\"crc32\":\"%08x\","
               "\"checksum\":\"ok\",\"priors\":%u,\"prior_slots\":%u,"
               "\"priors_bytes\":%zu,\"features\":[",
               (unsigned long long) m.hdr->file_size, m.hdr->format,
               m.hdr->version, tbuf,
               m.hdr->objective == RP_OBJ_LOGISTIC ? "binary:logistic" : "?",
               m.hdr->base_margin, m.hdr->n_trees, m.hdr->n_nodes, leaves,
               m.hdr->max_depth, m.hdr->crc32,
               m.prior_values != NULL ? m.hdr->n_priors : 0,
               m.prior_values != NULL ? m.hdr->prior_slots : 0,
               rp_model_priors_size(&m));
        for (i = 0; i < m.hdr->n_features; i++) {
            printf("%s\"%s\"", i ? "," : "",
                   m.names + (size_t) i * RP_FEATURE_NAME_MAX);
        }
        printf("],\"explainable\":%s", rp_explain_available(&m)
                                        ? "true" : "false");
        if (matrix != NULL) {
            rp_inspect_importance(&m, imp, rows, 1);
        }
        printf("}\n");

    } else {
        printf("file        %s (%llu bytes, format %u)\n", argv[optind],
               (unsigned long long) m.hdr->file_size, m.hdr->format);
        printf("version     %s\n", m.hdr->version);
        printf("trained_at  %s\n", tbuf);
        printf("objective   %s, base margin %.9g\n",
               m.hdr->objective == RP_OBJ_LOGISTIC ? "binary:logistic" : "?",
               m.hdr->base_margin);
        printf("trees       %u, nodes %u (%u leaves), max depth %u\n",
               m.hdr->n_trees, m.hdr->n_nodes, leaves, m.hdr->max_depth);
        printf("checksum    ok (crc32 %08x)\n", m.hdr->crc32);
        if (m.prior_values != NULL) {
            printf("priors      %u products + default row, %u slots "
                   "(longest probe %u), %zu bytes\n", m.hdr->n_priors,
                   m.hdr->prior_slots, m.hdr->prior_probe,
                   rp_model_priors_size(&m));
        } else {
            printf("priors      none\n");
        }
        printf("features    %u:", m.hdr->n_features);
        for (i = 0; i < m.hdr->n_features; i++) {
            printf(" %s", m.names + (size_t) i * RP_FEATURE_NAME_MAX);
        }
        printf("\n");
        printf("explain     %s\n", rp_explain_available(&m)
               ? "yes (node covers: TreeSHAP and Saabas)"
               : "no (no node covers in the file)");
        if (matrix != NULL) {
            rp_inspect_importance(&m, imp, rows, 0);
        }
    }

    rp_model_close(&m);

    return 0;
}
