/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * test_model_priors.c: the model file's product priors (format 2): write
 * -> load -> look up, format 1 files without them, and every refusal of
 * the prior section's validator.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "rp_model.h"


static const char *const names[] = { "purchase_count",
                                     "days_since_last_purchase" };
static const rp_node_t nodes[] = {
    { 0, 2.5f, 2 },
    { RP_NODE_LEAF, -1.0f, 0 },
    { RP_NODE_LEAF, 0.5f, 0 },
};
static const uint32_t counts[] = { 3 };

/* three products and the default row */
static const char *const ids[] = { "prod_a", "prod_b", "p3" };
static const uint32_t id_lens[] = { 6, 6, 2 };
static const float values[4 * RP_MODEL_PRIOR_N] = {
    0, 0, 0.2f, 0.3f, 14,           /* default */
    10, 2, 0.25f, 0.5f, 7,          /* prod_a */
    3, 0, 0.1f, 0, NAN,             /* prod_b: nobody bought it twice */
    1, 1, 0.2f, 1, 30,              /* p3 */
};


static rp_model_spec_t
spec(void)
{
    rp_model_spec_t  s;

    memset(&s, 0, sizeof(s));
    s.n_features = 2;
    s.feature_names = names;
    s.n_trees = 1;
    s.tree_count = counts;
    s.nodes = nodes;
    s.objective = RP_OBJ_LOGISTIC;
    s.version = "priors-1";
    s.n_priors = 3;
    s.prior_ids = ids;
    s.prior_id_lens = id_lens;
    s.prior_values = values;

    return s;
}


static unsigned char *
image(size_t *len)
{
    rp_model_spec_t   s = spec();
    void             *img;
    char              err[RP_ERR_MAX];

    assert_int_equal(rp_model_serialize(&s, &img, len, err, sizeof(err)), 0);
    return img;
}


static void
recrc(unsigned char *img, size_t len)
{
    rp_model_header_t  *h = (rp_model_header_t *) img;

    h->crc32 = rp_crc32(0, img + sizeof(*h), len - sizeof(*h));
}


static void
assert_row(const float *got, const float *want)
{
    int  j;

    for (j = 0; j < RP_MODEL_PRIOR_N; j++) {
        if (isnan(want[j])) {
            assert_true(isnan(got[j]));
        } else {
            assert_true(got[j] == want[j]);
        }
    }
}


static void
test_lookup(void **state)
{
    unsigned char  *img;
    size_t          len;
    rp_model_t      m;
    char            err[RP_ERR_MAX];

    (void) state;
    img = image(&len);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_int_equal(m.hdr->format, 2);
    assert_int_equal(m.hdr->n_priors, 3);
    assert_true(m.hdr->prior_slots > 3);

    /* rows point into the image: mapped, not copied */
    assert_ptr_equal(rp_model_prior(&m, "prod_a", 6),
                     (const float *) (img + m.hdr->priors_off)
                     + RP_MODEL_PRIOR_N);
    assert_row(rp_model_prior(&m, "prod_a", 6), values + 5);
    assert_row(rp_model_prior(&m, "prod_b", 6), values + 10);
    assert_row(rp_model_prior(&m, "p3", 2), values + 15);

    /* unknown ids, a prefix, a longer id, the empty id: the default row */
    assert_row(rp_model_prior(&m, "prod_c", 6), values);
    assert_row(rp_model_prior(&m, "prod_", 5), values);
    assert_row(rp_model_prior(&m, "prod_a1", 7), values);
    assert_row(rp_model_prior(&m, "", 0), values);

    /* the length is what counts, not a NUL */
    assert_row(rp_model_prior(&m, "prod_axyz", 6), values + 5);

    assert_int_equal(rp_model_priors_size(&m),
                     len - m.hdr->priors_off);
    assert_true(rp_model_priors_size(&m) >= 4 * RP_MODEL_PRIOR_N * 4
                + m.hdr->prior_slots * 16 + 14);

    rp_model_close(&m);
    free(img);
}


/* Without priors: format 1, as older builds wrote, and a row of NaN. */
static void
test_without_priors(void **state)
{
    rp_model_spec_t   s = spec();
    void             *img;
    size_t            len;
    rp_model_t        m;
    const float      *row;
    char              err[RP_ERR_MAX];
    int               j;

    (void) state;
    s.prior_values = NULL;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), 0);
    assert_int_equal(((rp_model_header_t *) img)->format, 1);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);

    row = rp_model_prior(&m, "prod_a", 6);
    assert_non_null(row);
    for (j = 0; j < RP_MODEL_PRIOR_N; j++) {
        assert_true(isnan(row[j]));
    }
    assert_int_equal(rp_model_priors_size(&m), 0);
    rp_model_close(&m);

    /* a format 1 file's reserved bytes are not read as a prior section */
    ((rp_model_header_t *) img)->n_priors = 7;
    ((rp_model_header_t *) img)->priors_off = 12345;
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_true(isnan(rp_model_prior(&m, "prod_a", 6)[0]));
    rp_model_close(&m);
    free(img);
}


/* Many products: every one found, its own row; the probe bound holds. */
static void
test_many(void **state)
{
    enum { N = 20000 };
    rp_model_spec_t   s = spec();
    void             *img;
    size_t            len;
    rp_model_t        m;
    char            **mids, err[RP_ERR_MAX], buf[32];
    uint32_t         *lens, k;
    float            *vals;
    const float      *row;

    (void) state;
    mids = malloc(N * sizeof(char *));
    lens = malloc(N * sizeof(uint32_t));
    vals = calloc((N + 1) * RP_MODEL_PRIOR_N, sizeof(float));
    for (k = 0; k < N; k++) {
        snprintf(buf, sizeof(buf), "%u", k * 7919u);
        mids[k] = strdup(buf);
        lens[k] = (uint32_t) strlen(buf);
        vals[(k + 1) * RP_MODEL_PRIOR_N] = (float) k;
    }
    vals[0] = -0.0f;

    s.n_priors = N;
    s.prior_ids = (const char *const *) mids;
    s.prior_id_lens = lens;
    s.prior_values = vals;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), 0);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_true(m.hdr->prior_probe <= RP_MODEL_PRIOR_PROBE_MAX);
    assert_true(m.hdr->prior_slots >= 2 * N);

    for (k = 0; k < N; k++) {
        row = rp_model_prior(&m, mids[k], lens[k]);
        assert_true(row[0] == (float) k);
    }
    for (k = 0; k < 1000; k++) {
        snprintf(buf, sizeof(buf), "%u", k * 7919u + 1);
        row = rp_model_prior(&m, buf, strlen(buf));
        assert_ptr_equal(row, m.prior_values);
    }

    rp_model_close(&m);

    /* a bound below the real longest probe hides products: refused */
    ((rp_model_header_t *) img)->prior_probe = 0;
    recrc(img, len);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "not found by a lookup"));

    free(img);
    for (k = 0; k < N; k++) {
        free(mids[k]);
    }
    free(mids);
    free(lens);
    free(vals);
}


typedef void (*corrupt_fn)(unsigned char *img, size_t *len);

#define HDR(img)    ((rp_model_header_t *) (img))
#define VALUES(img) ((float *) ((img) + HDR(img)->priors_off))
#define SLOTS(img)  ((rp_prior_slot_t *) ((img) + HDR(img)->priors_off       \
                     + ((4 * RP_MODEL_PRIOR_N * sizeof(float) + 7) & ~7u)))

/* the slot holding row r */
static rp_prior_slot_t *
slot_of(unsigned char *img, uint32_t r)
{
    uint32_t  i;

    for (i = 0; i < HDR(img)->prior_slots; i++) {
        if (SLOTS(img)[i].row == r) {
            return &SLOTS(img)[i];
        }
    }
    fail_msg("no slot for row %u", r);
    return NULL;
}

static rp_prior_slot_t *
empty_slot(unsigned char *img)
{
    return slot_of(img, 0);
}

static void c_prior_n(unsigned char *i, size_t *l) { (void) l; HDR(i)->prior_n = 4; }
static void c_slots_pow2(unsigned char *i, size_t *l) { (void) l; HDR(i)->prior_slots = 6; }
static void c_slots_few(unsigned char *i, size_t *l) { (void) l; HDR(i)->prior_slots = 2; }
static void c_probe(unsigned char *i, size_t *l) { (void) l; HDR(i)->prior_probe = RP_MODEL_PRIOR_PROBE_MAX + 1; }
static void c_ids_len(unsigned char *i, size_t *l) { (void) l; HDR(i)->prior_ids_len = 3 * RP_ID_MAX + 1; }
static void c_poff(unsigned char *i, size_t *l) { (void) l; HDR(i)->priors_off += 8; }
static void c_count(unsigned char *i, size_t *l) { (void) l; HDR(i)->n_priors = 2; }
static void c_inf(unsigned char *i, size_t *l) { (void) l; VALUES(i)[7] = INFINITY; }
static void c_neg(unsigned char *i, size_t *l) { (void) l; VALUES(i)[5] = -1; }
static void c_nan_rate(unsigned char *i, size_t *l) { (void) l; VALUES(i)[2] = NAN; }
static void c_row_range(unsigned char *i, size_t *l) { (void) l; slot_of(i, 2)->row = 4; }
static void c_row_twice(unsigned char *i, size_t *l) { (void) l; slot_of(i, 2)->row = 1; }
static void c_id_out(unsigned char *i, size_t *l) { (void) l; slot_of(i, 3)->id_off = 13; }
static void c_id_empty(unsigned char *i, size_t *l) { (void) l; slot_of(i, 3)->id_len = 0; }
static void c_hash(unsigned char *i, size_t *l) { (void) l; slot_of(i, 1)->hash ^= 1; }
static void c_dirty(unsigned char *i, size_t *l) { (void) l; empty_slot(i)->id_len = 2; }

/* prod_b renamed prod_a (its hash fixed): a lookup finds the first only */
static void
c_dup_id(unsigned char *i, size_t *l)
{
    rp_prior_slot_t  *a = slot_of(i, 1), *b = slot_of(i, 2);
    char             *pool = (char *) (SLOTS(i) + HDR(i)->prior_slots);

    (void) l;
    memcpy(pool + b->id_off, "prod_a", 6);
    b->hash = a->hash;
}

/* an id moved to a slot before its home: a lookup cannot reach it */
static void
c_moved(unsigned char *i, size_t *l)
{
    rp_prior_slot_t  *a = slot_of(i, 1), tmp;
    uint32_t          home, want, n = HDR(i)->prior_slots;
    char             *pool = (char *) (SLOTS(i) + n);

    (void) l;
    home = (uint32_t) (rp_model_prior_hash(pool + a->id_off, a->id_len) >> 32)
           & (n - 1);
    want = (home + n - 1) & (n - 1);
    tmp = SLOTS(i)[want];
    SLOTS(i)[want] = *a;
    *a = tmp;
}


static void
expect_refusal(corrupt_fn fn, const char *reason)
{
    unsigned char  *img;
    size_t          len;
    rp_model_t      m;
    char            err[RP_ERR_MAX] = "";

    img = image(&len);
    fn(img, &len);
    recrc(img, len);
    if (rp_model_load_buffer(&m, img, len, err, sizeof(err)) != -1
        || strstr(err, reason) == NULL)
    {
        fail_msg("expected refusal \"%s\", got \"%s\"", reason, err);
    }
    free(img);
}


static void
test_refusals(void **state)
{
    (void) state;
    expect_refusal(c_prior_n, "prior rows of 4 values");
    expect_refusal(c_slots_pow2, "prior table of 6 slots");
    expect_refusal(c_slots_few, "prior table of 2 slots");
    expect_refusal(c_probe, "probe bound");
    expect_refusal(c_ids_len, "prior ids of");
    expect_refusal(c_poff, "does not follow the nodes");
    expect_refusal(c_count, "sections need");
    expect_refusal(c_inf, "prior row 1 value 2");
    expect_refusal(c_neg, "prior row 1 value 0");
    expect_refusal(c_nan_rate, "prior row 0 value 2");
    expect_refusal(c_row_range, "row 4 out of range");
    expect_refusal(c_row_twice, "row 1 out of range or in two slots");
    expect_refusal(c_id_out, "outside the pool");
    expect_refusal(c_id_empty, "outside the pool");
    expect_refusal(c_hash, "hash does not match");
    expect_refusal(c_dirty, "empty but not zero");
    expect_refusal(c_dup_id, "not found by a lookup");
    expect_refusal(c_moved, "not found by a lookup");
}


static void
test_every_truncation(void **state)
{
    unsigned char  *img, *copy;
    size_t          len, cut;
    rp_model_t      m;
    char            err[RP_ERR_MAX];

    (void) state;
    img = image(&len);
    for (cut = 0; cut < len; cut++) {
        copy = malloc(cut + 8);
        memcpy(copy, img, cut);
        assert_int_equal(rp_model_load_buffer(&m, copy, cut, err,
                                              sizeof(err)), -1);
        free(copy);
    }

    /* and a flipped bit in the prior section breaks the checksum */
    img[len - 1] ^= 1;
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "checksum"));
    free(img);
}


static void
test_spec_refusals(void **state)
{
    rp_model_spec_t   s = spec();
    void             *img;
    size_t            len;
    char              err[RP_ERR_MAX];
    uint32_t          bad_lens[3] = { 6, 0, 2 };
    const char       *dup[3] = { "prod_a", "p3", "prod_a" };

    (void) state;
    s.prior_id_lens = bad_lens;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad length"));

    s = spec();
    s.prior_ids = dup;
    bad_lens[1] = 2;
    bad_lens[2] = 6;
    s.prior_id_lens = bad_lens;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "\"prod_a\" appears twice"));
}


/* A model on a prior feature without a prior table: refused at load. */
static void
test_prior_feature_needs_table(void **state)
{
    rp_model_spec_t   s = spec();
    void             *img;
    size_t            len;
    rp_model_t        m;
    char              err[RP_ERR_MAX];
    const char       *fn[2] = { "purchase_count", "prod_rebuy_rate" };

    (void) state;
    s.feature_names = fn;
    s.prior_values = NULL;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), 0);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "\"prod_rebuy_rate\" but has no prior "
                                "table"));
    free(img);

    /* with the table it loads, and the lookup feeds the feature */
    s = spec();
    s.feature_names = fn;
    assert_int_equal(rp_model_serialize(&s, &img, &len, err, sizeof(err)), 0);
    assert_int_equal(rp_model_load_buffer(&m, img, len, err, sizeof(err)), 0);
    assert_int_equal(m.feat_map[1], RP_F_PROD_REBUY_RATE);
    rp_model_close(&m);
    free(img);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_without_priors),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_spec_refusals),
        cmocka_unit_test(test_prior_feature_needs_table),
    };

    return cmocka_run_group_tests_name("model priors", tests, NULL, NULL);
}
