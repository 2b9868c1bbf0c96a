/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * fuzz_model.c: libFuzzer target for the model loader and scorer.
 *
 * Odd first byte: the rest of the input is a model image as is. Even first
 * byte: a valid image is patched with (offset, byte) pairs from the input,
 * so mutations reach the checks past the checksum (which is recomputed);
 * the valid image carries product priors (format 2), so the prior
 * section's checks are reached too; with bit 2 of the first byte set it
 * carries node covers too (format 3). Whatever loads must score any input
 * and look up any product id without reading out of bounds, and explain
 * any row when it has covers, with bias + sum = margin.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rp_explain.h"
#include "rp_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const char *const names[] = { "purchase_count", "view_count",
                                     "days_since_last_purchase" };
static const rp_node_t nodes[] = {
    { 0, 2.5f, 4 },
    { 1 | RP_NODE_DEFAULT_LEFT, 3.0f, 3 },
    { RP_NODE_LEAF, -1.0f, 0 },
    { RP_NODE_LEAF, 0.1f, 0 },
    { 2, 30.0f, 6 },
    { RP_NODE_LEAF, 2.0f, 0 },
    { RP_NODE_LEAF, 0.5f, 0 },
    { RP_NODE_LEAF, 0.25f, 0 },
};
static const uint32_t counts[] = { 7, 1 };
static const float cover[] = { 10, 6, 4, 2, 4, 3, 1, 5 };
static const char *const prior_ids[] = { "p1", "prod_0002", "x", "p4" };
static const uint32_t prior_lens[] = { 2, 9, 1, 2 };
static const float prior_values[5 * RP_MODEL_PRIOR_N] = {
    0, 0, 0.1f, 0.2f, 9,
    4, 1, 0.3f, 0.5f, 12,
    1, 0, 0.1f, 0, NAN,
    7, 7, 0.9f, 1, 3,
    2, 1, 0.2f, 0.5f, 40,
};


/* Every stored id finds its own row; others the default row. */
static void
lookup_all(const rp_model_t *m, const uint8_t *data, size_t size)
{
    uint32_t                i;
    const float            *row;
    const rp_prior_slot_t  *sl;

    row = rp_model_prior(m, (const char *) data, size > 200 ? 200 : size);
    if (row == NULL) {
        abort();
    }
    if (m->prior_values == NULL) {
        return;
    }
    for (i = 0; i < m->hdr->prior_slots; i++) {
        sl = &m->prior_slots[i];
        if (sl->row != 0
            && rp_model_prior(m, m->prior_ids + sl->id_off, sl->id_len)
               != m->prior_values + (size_t) sl->row * RP_MODEL_PRIOR_N)
        {
            abort();
        }
    }
}


/* both methods on a few rows: sums within rounding of the margin */
static void
explain_all(const rp_model_t *m)
{
    float    row[RP_NFEATURES];
    double   bias, c[RP_MODEL_MAX_FEATURES], sum, mag, margin;
    void    *ws;
    size_t   i, r;
    uint32_t j;
    int      k;

    if (!rp_explain_available(m)) {
        return;
    }
    ws = malloc(rp_explain_workspace_size(m));

    for (r = 0; r < 6; r++) {
        for (i = 0; i < RP_NFEATURES; i++) {
            row[i] = (i + r) % 4 == 0 ? NAN : (float) ((i * 7 + r * 13) % 41)
                                              - 10;
        }
        margin = rp_model_margin(m, row);
        for (k = 0; k < 2; k++) {
            rp_explain(m, k, row, ws, &bias, c);
            sum = bias;
            mag = 1 + fabs(bias);
            for (j = 0; j < m->hdr->n_features; j++) {
                sum += c[j];
                mag += fabs(c[j]);
            }
            if (isfinite(margin) && !(fabs(sum - margin) <= 1e-6 * mag)) {
                abort();
            }
        }
    }
    free(ws);
}


static void
score_all(rp_model_t *m)
{
    enum { NR = 37 };                   /* a group of 32 rows and one of 16 */
    float   rows[NR * RP_NFEATURES];
    double  out[NR], ref[NR];
    size_t  i;

    for (i = 0; i < NR * RP_NFEATURES; i++) {
        rows[i] = i % 5 == 0 ? NAN : (float) (i % 53) - 20;
    }
    rp_model_score_batch(m, rows, NR, out);

    /* every batch path gives the same bits as the portable one */
    rp_model_simd(m, 0);
    rp_model_score_batch(m, rows, NR, ref);
    rp_model_simd(m, 1);
    if (memcmp(out, ref, sizeof(out)) != 0) {
        abort();
    }
    rp_model_simd(m, 2);
    rp_model_score_batch(m, rows, NR, ref);
    rp_model_simd(m, 1);
    if (memcmp(out, ref, sizeof(out)) != 0) {
        abort();
    }

    for (i = 0; i < 4; i++) {
        double p = rp_model_score(m, rows + i * RP_NFEATURES), q;

        if (!(p >= 0 && p <= 1) || fabs(p - out[i]) > 1e-9) {
            abort();
        }

        /* the portable path gives the same bits as the SIMD one */
        rp_model_simd(m, 0);
        q = rp_model_score(m, rows + i * RP_NFEATURES);
        rp_model_simd(m, 1);
        if (memcmp(&p, &q, sizeof(p)) != 0) {
            abort();
        }
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_model_spec_t   s;
    rp_model_t        m;
    char              err[RP_ERR_MAX];
    void             *img;
    uint64_t         *buf;
    size_t            len, i;

    if (size == 0) {
        return 0;
    }

    if (data[0] & 1) {
        len = size - 1;
        buf = malloc(len + 8);
        memcpy(buf, data + 1, len);

    } else {
        memset(&s, 0, sizeof(s));
        s.n_features = 3;
        s.feature_names = names;
        s.n_trees = 2;
        s.tree_count = counts;
        s.nodes = nodes;
        s.objective = RP_OBJ_LOGISTIC;
        s.version = "fuzz";
        s.n_priors = 4;
        s.prior_ids = prior_ids;
        s.prior_id_lens = prior_lens;
        s.prior_values = prior_values;
        s.cover = (data[0] & 4) ? cover : NULL;
        if (rp_model_serialize(&s, &img, &len, err, sizeof(err)) != 0) {
            abort();
        }
        buf = img;
        for (i = 1; i + 2 < size; i += 3) {
            size_t off = ((size_t) data[i] << 8 | data[i + 1]) % len;

            ((uint8_t *) buf)[off] = data[i + 2];
        }
        if (!(data[0] & 2)) {
            ((rp_model_header_t *) buf)->crc32 =
                rp_crc32(0, (uint8_t *) buf + sizeof(rp_model_header_t),
                         len - sizeof(rp_model_header_t));
        }
    }

    if (rp_model_load_buffer(&m, buf, len, err, sizeof(err)) == 0) {
        score_all(&m);
        lookup_all(&m, data, size);
        explain_all(&m);
        rp_model_close(&m);
    } else if (err[0] == '\0') {
        abort();                        /* every refusal names its reason */
    }

    free(buf);
    return 0;
}
