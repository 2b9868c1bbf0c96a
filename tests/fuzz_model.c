/*
 * fuzz_model.c: libFuzzer target for the model loader and scorer.
 *
 * Odd first byte: the rest of the input is a model image as is. Even first
 * byte: a valid image is patched with (offset, byte) pairs from the input,
 * so mutations reach the checks past the checksum (which is recomputed).
 * Whatever loads must score any input without reading out of bounds.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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


static void
score_all(const rp_model_t *m)
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
    rp_model_simd(0);
    rp_model_score_batch(m, rows, NR, ref);
    rp_model_simd(1);
    if (memcmp(out, ref, sizeof(out)) != 0) {
        abort();
    }
    rp_model_simd(2);
    rp_model_score_batch(m, rows, NR, ref);
    rp_model_simd(1);
    if (memcmp(out, ref, sizeof(out)) != 0) {
        abort();
    }

    for (i = 0; i < 4; i++) {
        double p = rp_model_score(m, rows + i * RP_NFEATURES), q;

        if (!(p >= 0 && p <= 1) || fabs(p - out[i]) > 1e-9) {
            abort();
        }

        /* the portable path gives the same bits as the SIMD one */
        rp_model_simd(0);
        q = rp_model_score(m, rows + i * RP_NFEATURES);
        rp_model_simd(1);
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
        rp_model_close(&m);
    } else if (err[0] == '\0') {
        abort();                        /* every refusal names its reason */
    }

    free(buf);
    return 0;
}
