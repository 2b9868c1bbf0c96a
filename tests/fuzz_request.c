/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * fuzz_request: libFuzzer target for the module's request-body parsing
 * (src/ngx_http_rp_body.c, the code /predict and /predict/batch run).
 * The first byte picks single or batch and the batch limit; the rest is
 * the body, passed without a NUL terminator as nginx does. Items may carry
 * "explain" (a boolean, anything else refused).
 */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rp_event.h"
#include "ngx_http_rp_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                      batch;
    char                    *body;
    cJSON                   *root, *item, *ex;
    size_t                   n, i, max;
    ngx_http_rp_body_err_t   err;
    ngx_http_rp_body_item_t  it;

    if (size < 1) {
        return 0;
    }

    batch = data[0] & 1;
    max = 1 + (data[0] >> 1);
    size--;

    /* an exact-size copy, so ASan sees any read past the body */
    body = malloc(size ? size : 1);
    if (body == NULL) {
        return 0;
    }

    memcpy(body, data + 1, size);

    root = ngx_http_rp_body_parse(body, size, batch, max, &n, &err);

    if (root == NULL) {
        assert(err.status == 400 || err.status == 413);
        assert(err.error != NULL);
        assert(memchr(err.detail, '\0', sizeof(err.detail)) != NULL);
        free(body);
        return 0;
    }

    assert(n >= 1 && n <= (batch ? max : 1));

    item = batch ? root->child : root;

    for (i = 0; item != NULL && i < n; item = item->next, i++) {
        memset(&it, 0, sizeof(it));

        if (ngx_http_rp_body_item(item, i, batch, &it, &err) != 0) {
            assert(err.status == 400);
            assert(memchr(err.detail, '\0', sizeof(err.detail)) != NULL);
            break;
        }

        assert(rp_id_valid(it.user, it.user_len));
        assert(rp_id_valid(it.product, it.product_len));
        assert(it.user_len <= RP_ID_MAX && it.product_len <= RP_ID_MAX);

        /* explain: set exactly when the item says true, and an item
         * that says anything but a boolean was refused above */
        ex = cJSON_GetObjectItemCaseSensitive(item, "explain");
        assert(it.explain == (ex != NULL && cJSON_IsTrue(ex)));
        assert(ex == NULL || cJSON_IsBool(ex));
    }

    cJSON_Delete(root);
    free(body);

    return 0;
}
