/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * xgb_train.c: trains an XGBoost model through the C API on a matrix in
 * rp-train features' layout and saves it as XGBoost's JSON, with the
 * matrix's column names as feature names, for the import tests (the
 * models a data scientist would bring, made without Python).
 *
 *   xgb-train MATRIX.csv OUT.json [--features a,b,...] [--rounds N]
 *             [--drop FRAC] [--write-matrix M.csv] [--classes K]
 *             [--no-names] [KEY=VALUE ...]
 *
 * --drop FRAC makes that share of the values missing (NaN, a fixed
 * pseudo-random choice), so both default directions are learned;
 * --write-matrix writes the rows as trained on, for --check. --classes K
 * spreads the labels over K classes (for a multi-class model).
 * KEY=VALUE are XGBoost parameters (objective, base_score, booster,
 * num_parallel_tree, ...).
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#define MAX_COLS  64

static void
die(const char *what)
{
    fprintf(stderr, "xgb-train: %s\n", what);
    exit(1);
}

#define xgb(call)  do { if ((call) != 0) die(XGBGetLastError()); } while (0)


int
main(int argc, char **argv)
{
    int            i, j, nc, rounds, classes, no_names, use[MAX_COLS], nuse;
    char          *line, *p, *e, *names[MAX_COLS], *ids[2];
    const char    *feats, *wm, *fnames[MAX_COLS];
    double         drop;
    float         *x, *y;
    size_t         cap, n, ncap;
    unsigned long  seed;
    FILE          *f, *w;
    BoosterHandle  h;
    DMatrixHandle  dm;

    if (argc < 3) {
        die("usage: xgb-train MATRIX.csv OUT.json [options] [KEY=VALUE ...]");
    }

    feats = NULL;
    wm = NULL;
    rounds = 10;
    drop = 0;
    classes = 0;
    no_names = 0;

    f = fopen(argv[1], "r");
    if (f == NULL) {
        die("cannot open the matrix");
    }

    line = NULL;
    cap = 0;
    if (getline(&line, &cap, f) <= 0) {
        die("empty matrix");
    }
    line[strcspn(line, "\r\n")] = '\0';

    nc = 0;
    for (p = strtok(line, ","); p != NULL && nc < MAX_COLS; p = strtok(NULL, ",")) {
        names[nc++] = strdup(p);
    }
    if (nc < 4 || strcmp(names[nc - 1], "label") != 0) {
        die("the matrix's header must end with label");
    }

    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
            feats = argv[++i];
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--drop") == 0 && i + 1 < argc) {
            drop = atof(argv[++i]);
        } else if (strcmp(argv[i], "--write-matrix") == 0 && i + 1 < argc) {
            wm = argv[++i];
        } else if (strcmp(argv[i], "--classes") == 0 && i + 1 < argc) {
            classes = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--no-names") == 0) {
            no_names = 1;
        }
    }

    /* the columns trained on: --features, or every feature but the
     * product priors (whose table import does not build) */
    nuse = 0;
    for (j = 2; j < nc - 1; j++) {
        if (feats != NULL) {
            size_t  l = strlen(names[j]);
            for (p = (char *) feats; *p; p = *e ? e + 1 : e) {
                e = p + strcspn(p, ",");
                if ((size_t) (e - p) == l && strncmp(p, names[j], l) == 0) {
                    use[nuse++] = j;
                    break;
                }
            }
        } else if (strncmp(names[j], "prod_", 5) != 0) {
            use[nuse++] = j;
        }
    }
    if (nuse == 0) {
        die("no feature column chosen");
    }

    n = 0;
    ncap = 1024;
    x = malloc(ncap * nuse * sizeof(float));
    y = malloc(ncap * sizeof(float));
    seed = 12345;

    w = NULL;
    if (wm != NULL) {
        w = fopen(wm, "w");
        if (w == NULL) {
            die("cannot write --write-matrix");
        }
        fprintf(w, "user_id,product_id");
        for (j = 0; j < nuse; j++) {
            fprintf(w, ",%s", names[use[j]]);
        }
        fprintf(w, ",label\n");
    }

    while (getline(&line, &cap, f) > 0) {
        char  *col[MAX_COLS];
        int    k;

        line[strcspn(line, "\r\n")] = '\0';
        k = 0;
        for (p = line; k < nc; p = e + 1) {
            e = p + strcspn(p, ",");
            col[k++] = p;
            if (*e == '\0') {
                break;
            }
            *e = '\0';
        }
        if (k != nc) {
            die("a row with fewer columns than the header");
        }
        if (n == ncap) {
            ncap *= 2;
            x = realloc(x, ncap * nuse * sizeof(float));
            y = realloc(y, ncap * sizeof(float));
        }
        ids[0] = col[0];
        ids[1] = col[1];
        if (w != NULL) {
            fprintf(w, "%s,%s", ids[0], ids[1]);
        }
        for (j = 0; j < nuse; j++) {
            float  v = strtof(col[use[j]], NULL);
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
            if (drop > 0 && (double) (seed >> 33) / (1UL << 31) < drop) {
                v = NAN;
            }
            x[n * nuse + j] = v;
            if (w != NULL) {
                fprintf(w, ",%.9g", v);
            }
        }
        y[n] = strtof(col[nc - 1], NULL);
        if (classes > 1) {
            y[n] = (float) (((int) y[n] + n) % (size_t) classes);
        }
        if (w != NULL) {
            fprintf(w, ",%d\n", (int) y[n]);
        }
        n++;
    }
    fclose(f);
    if (w != NULL && fclose(w) != 0) {
        die("write --write-matrix failed");
    }

    xgb(XGDMatrixCreateFromMat(x, n, nuse, NAN, &dm));
    xgb(XGDMatrixSetFloatInfo(dm, "label", y, n));
    if (!no_names) {
        for (j = 0; j < nuse; j++) {
            fnames[j] = names[use[j]];
        }
        xgb(XGDMatrixSetStrFeatureInfo(dm, "feature_name", fnames, nuse));
    }

    xgb(XGBoosterCreate(&dm, 1, &h));
    xgb(XGBoosterSetParam(h, "nthread", "2"));
    xgb(XGBoosterSetParam(h, "seed", "1"));
    xgb(XGBoosterSetParam(h, "verbosity", "0"));
    for (i = 3; i < argc; i++) {
        if (strncmp(argv[i], "--", 2) == 0) {
            if (strcmp(argv[i], "--no-names") != 0) {
                i++;
            }
            continue;
        }
        p = strchr(argv[i], '=');
        if (p == NULL) {
            die("parameters are KEY=VALUE");
        }
        *p = '\0';
        xgb(XGBoosterSetParam(h, argv[i], p + 1));
    }

    for (i = 0; i < rounds; i++) {
        xgb(XGBoosterUpdateOneIter(h, i, dm));
    }

    /* what Python's Booster does with a DMatrix's names */
    if (!no_names) {
        xgb(XGBoosterSetStrFeatureInfo(h, "feature_name", fnames, nuse));
    }

    xgb(XGBoosterSaveModel(h, argv[2]));

    XGBoosterFree(h);
    XGDMatrixFree(dm);
    free(x);
    free(y);
    free(line);
    for (j = 0; j < nc; j++) {
        free(names[j]);
    }

    return 0;
}
