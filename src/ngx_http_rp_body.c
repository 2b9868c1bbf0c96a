
/*
 * Copyright (C) rp authors
 */


#include <stdio.h>
#include <string.h>

#include "rp_event.h"
#include "ngx_http_rp_body.h"


static cJSON *ngx_http_rp_body_fail(ngx_http_rp_body_err_t *err, int status,
    const char *error, const char *detail);


static cJSON *
ngx_http_rp_body_fail(ngx_http_rp_body_err_t *err, int status,
    const char *error, const char *detail)
{
    err->status = status;
    err->error = error;
    snprintf(err->detail, sizeof(err->detail), "%s", detail);

    return NULL;
}


cJSON *
ngx_http_rp_body_parse(const char *body, size_t len, int batch,
    size_t max_batch, size_t *n, ngx_http_rp_body_err_t *err)
{
    char        detail[128];
    cJSON      *root;
    size_t      size;
    const char  *end, *p;

    if (len == 0) {
        return ngx_http_rp_body_fail(err, 400, "bad_json",
                                     "empty request body");
    }

    end = NULL;
    root = cJSON_ParseWithLengthOpts(body, len, &end, 0);

    if (root == NULL) {
        return ngx_http_rp_body_fail(err, 400, "bad_json",
                                     "request body is not valid JSON");
    }

    for (p = end; p < body + len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            cJSON_Delete(root);
            return ngx_http_rp_body_fail(err, 400, "bad_json",
                                         "trailing data after the JSON "
                                         "value");
        }
    }

    /*
     * cJSON decodes \u0000 into a NUL that would silently cut a string:
     * "a\u0000b" must not become the id "a". Backslashes occur only in
     * strings of a valid document, so a lexical scan is exact.
     */

    for (p = body; p + 1 < end; p++) {
        if (*p != '\\') {
            continue;
        }

        if (p[1] == 'u' && end - p >= 6
            && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0')
        {
            cJSON_Delete(root);
            return ngx_http_rp_body_fail(err, 400, "bad_request",
                                         "strings must not contain "
                                         "\\u0000");
        }

        p++;    /* the escaped character */
    }

    if (!batch) {
        if (!cJSON_IsObject(root)) {
            cJSON_Delete(root);
            return ngx_http_rp_body_fail(err, 400, "bad_request",
                                         "request body must be a JSON "
                                         "object");
        }

        *n = 1;
        return root;
    }

    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return ngx_http_rp_body_fail(err, 400, "bad_request",
                                     "request body must be a JSON array");
    }

    size = (size_t) cJSON_GetArraySize(root);

    if (size == 0) {
        cJSON_Delete(root);
        return ngx_http_rp_body_fail(err, 400, "bad_request", "empty batch");
    }

    if (size > max_batch) {
        cJSON_Delete(root);
        snprintf(detail, sizeof(detail),
                 "batch of %zu items exceeds rp_max_batch %zu",
                 size, max_batch);
        return ngx_http_rp_body_fail(err, 413, "batch_too_large", detail);
    }

    *n = size;

    return root;
}


int
ngx_http_rp_body_item(const cJSON *obj, size_t index, int batch,
    ngx_http_rp_body_item_t *it, ngx_http_rp_body_err_t *err)
{
    int          k, off;
    size_t       len;
    const char  *name, *problem;
    cJSON       *v;

    static const char  *names[] = { "user_id", "product_id" };

    err->status = 400;
    err->error = "bad_request";

    off = batch ? snprintf(err->detail, sizeof(err->detail), "item %zu: ",
                           index)
                : 0;

    if (!cJSON_IsObject(obj)) {
        snprintf(err->detail + off, sizeof(err->detail) - off, "%s",
                 batch ? "not a JSON object" : "body must be a JSON object");
        return -1;
    }

    for (k = 0; k < 2; k++) {
        name = names[k];

        v = cJSON_GetObjectItemCaseSensitive(obj, name);

        if (v == NULL) {
            problem = "missing field \"%s\"";
            goto invalid;
        }

        if (!cJSON_IsString(v) || v->valuestring == NULL) {
            problem = "field \"%s\" must be a string";
            goto invalid;
        }

        len = strlen(v->valuestring);

        if (!rp_id_valid(v->valuestring, len)) {
            problem = "invalid \"%s\": 1 to 128 printable ASCII characters";
            goto invalid;
        }

        if (k == 0) {
            it->user = v->valuestring;
            it->user_len = len;

        } else {
            it->product = v->valuestring;
            it->product_len = len;
        }
    }

    return 0;

invalid:

    snprintf(err->detail + off, sizeof(err->detail) - off, problem, name);

    return -1;
}
