/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_report.c: the metrics as JSON, one shape for "rp-train eval" and for
 * model.json's "metrics" (NaN, e.g. the AUC of a one-class window or the
 * rate of an empty bin, is written as null).
 */

#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "rp_train.h"


static void rp_json_add(cJSON *o, const char *key, double v);
static cJSON *rp_bin_json(const rp_bin_t *b);


static void
rp_json_add(cJSON *o, const char *key, double v)
{
    if (isfinite(v)) {
        cJSON_AddNumberToObject(o, key, v);
    } else {
        cJSON_AddNullToObject(o, key);
    }
}


static cJSON *
rp_bin_json(const rp_bin_t *b)
{
    cJSON  *o, *r;

    o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }

    r = cJSON_AddArrayToObject(o, "range");
    cJSON_AddItemToArray(r, cJSON_CreateNumber(b->lo));
    cJSON_AddItemToArray(r, cJSON_CreateNumber(b->hi));
    cJSON_AddNumberToObject(o, "count", (double) b->count);
    rp_json_add(o, "mean_predicted", b->mean_predicted);
    rp_json_add(o, "observed_rate", b->observed_rate);

    return o;
}


cJSON *
rp_metrics_to_json(const rp_metrics_t *m)
{
    int     k;
    cJSON  *o, *a, *b;

    o = cJSON_CreateObject();
    if (o == NULL) {
        return NULL;
    }

    rp_json_add(o, "auc", m->auc);
    rp_json_add(o, "pr_auc", m->pr_auc);
    rp_json_add(o, "logloss", m->logloss);
    rp_json_add(o, "accuracy", m->accuracy);
    rp_json_add(o, "brier", m->brier);
    rp_json_add(o, "ece", m->ece);
    rp_json_add(o, "positive_rate", m->positive_rate);
    rp_json_add(o, "mean_predicted", m->mean_predicted);
    cJSON_AddNumberToObject(o, "rows", (double) m->rows);

    a = cJSON_AddArrayToObject(o, "reliability");
    for (k = 0; a != NULL && k < RP_REL_BINS; k++) {
        cJSON_AddItemToArray(a, rp_bin_json(&m->rel[k]));
    }

    b = cJSON_AddObjectToObject(o, "bands");
    for (k = 0; b != NULL && k < RP_BANDS; k++) {
        cJSON_AddItemToObject(b, rp_band_names[k], rp_bin_json(&m->band[k]));
    }

    return o;
}
