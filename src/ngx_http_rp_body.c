/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */

/*
 * Copyright (C) rp authors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rp_event.h"
#include "ngx_http_rp_body.h"


static cJSON *ngx_http_rp_body_fail(ngx_http_rp_body_err_t *err, int status,
    const char *error, const char *detail);
static int ngx_http_rp_body_controls(const char *p, const char *end,
    ngx_http_rp_body_err_t *err);
static const char *ngx_http_rp_body_dup_key(const cJSON *obj);
static int ngx_http_rp_body_key_cmp(const void *a, const void *b);


static cJSON *
ngx_http_rp_body_fail(ngx_http_rp_body_err_t *err, int status,
    const char *error, const char *detail)
{
    err->status = status;
    err->error = error;
    snprintf(err->detail, sizeof(err->detail), "%s", detail);

    return NULL;
}


static int
ngx_http_rp_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
           || (c >= 'A' && c <= 'F');
}


/* 0, or -1 with err filled: a control character in a string of [p, end) */

static int
ngx_http_rp_body_controls(const char *p, const char *end,
    ngx_http_rp_body_err_t *err)
{
    int                   in_string;
    const unsigned char  *s;

    in_string = 0;

    for (s = (const unsigned char *) p; s < (const unsigned char *) end; s++)
    {
        if (!in_string) {
            in_string = (*s == '"');
            continue;
        }

        if (*s == '"') {
            in_string = 0;
            continue;
        }

        if (*s < 0x20) {
            ngx_http_rp_body_fail(err, 400, "bad_json",
                                  "raw control character in a JSON string");
            return -1;
        }

        if (*s != '\\' || s + 1 >= (const unsigned char *) end) {
            continue;
        }

        s++;    /* the escaped character */

        if (*s == 'u' && (const unsigned char *) end - s >= 5
            && s[1] == '0' && s[2] == '0' && (s[3] == '0' || s[3] == '1')
            && ngx_http_rp_hex(s[4]))
        {
            ngx_http_rp_body_fail(err, 400, "bad_request",
                                  "strings must not contain control "
                                  "characters (\\u0000 to \\u001f)");
            return -1;
        }
    }

    return 0;
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
     * JSON allows no raw byte below 0x20 in a string, yet cJSON accepts
     * them; and it decodes \u0000 into a NUL that would cut a string short
     * ("a\u0000b" must not become the id "a"). Ids and keys are taken
     * with strlen, so every control character, raw or escaped, in any
     * string (key or value) is refused. In a valid document quotes and
     * backslashes delimit strings exactly, so a lexical scan is exact.
     */

    if (ngx_http_rp_body_controls(body, end, err) != 0) {
        cJSON_Delete(root);
        return NULL;
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


static int
ngx_http_rp_body_key_cmp(const void *a, const void *b)
{
    const cJSON  *x = *(const cJSON * const *) a;
    const cJSON  *y = *(const cJSON * const *) b;

    return strcmp(x->string, y->string);
}


/*
 * The duplicated key of obj, or NULL. Parsers disagree on which of two
 * equal keys wins (cJSON's lookup takes the first, Python's json the
 * last), so a request with one is refused rather than read either way.
 * Keys hold no NUL (refused before), so strcmp compares them whole.
 */

static const char *
ngx_http_rp_body_dup_key(const cJSON *obj)
{
    size_t         n, i, j;
    const cJSON   *c, **keys;
    const char    *dup;

    n = 0;
    for (c = obj->child; c; c = c->next) {
        n++;
    }

    if (n < 2) {
        return NULL;
    }

    dup = NULL;
    keys = malloc(n * sizeof(cJSON *));

    if (keys == NULL) {
        /* no memory for the sort: compare every pair instead */

        for (c = obj->child; c && dup == NULL; c = c->next) {
            const cJSON  *d;

            for (d = c->next; d; d = d->next) {
                if (strcmp(c->string, d->string) == 0) {
                    dup = c->string;
                    break;
                }
            }
        }

        return dup;
    }

    i = 0;
    for (c = obj->child; c; c = c->next) {
        keys[i++] = c;
    }

    qsort(keys, n, sizeof(cJSON *), ngx_http_rp_body_key_cmp);

    for (j = 1; j < n; j++) {
        if (strcmp(keys[j - 1]->string, keys[j]->string) == 0) {
            dup = keys[j]->string;
            break;
        }
    }

    free(keys);

    return dup;
}


int
ngx_http_rp_body_item(const cJSON *obj, size_t index, int batch,
    ngx_http_rp_body_item_t *it, ngx_http_rp_body_err_t *err)
{
    int          k, off;
    size_t       len;
    const char  *name, *problem, *dup;
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

    dup = ngx_http_rp_body_dup_key(obj);

    if (dup != NULL) {
        len = strlen(dup);

        if (len <= 32 && rp_id_valid(dup, len)) {
            snprintf(err->detail + off, sizeof(err->detail) - off,
                     "duplicate key \"%s\"", dup);

        } else {
            snprintf(err->detail + off, sizeof(err->detail) - off,
                     "duplicate key");
        }

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

    /* optional, and strictly a boolean: "true", 1 or "yes" would each be
     * read differently by some client */
    v = cJSON_GetObjectItemCaseSensitive(obj, "explain");
    it->explain = 0;

    if (v != NULL) {
        if (!cJSON_IsBool(v)) {
            name = "explain";
            problem = "field \"%s\" must be a JSON boolean";
            goto invalid;
        }

        it->explain = cJSON_IsTrue(v);
    }

    return 0;

invalid:

    snprintf(err->detail + off, sizeof(err->detail) - off, problem, name);

    return -1;
}
