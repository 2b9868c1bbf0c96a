/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_export.c: fit's booster to rp's model layout (saved as JSON and read
 * by rp_xgb_json.c, the converter import uses too), and writing JSON
 * files safely.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rp_train.h"
#include "rp_xgb.h"


int
rp_xgb_export(BoosterHandle h, uint32_t n_cols, rp_forest_t *fo)
{
    bst_ulong       len;
    const char     *buf;
    rp_xgb_model_t  x;
    char            err[RP_ERR_MAX];

    memset(fo, 0, sizeof(*fo));

    rp_xgb(XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &len,
                                      &buf));

    if (rp_xgb_json_read(buf, len, &x, err, sizeof(err)) != 0) {
        rp_err("fit: xgboost's JSON model: %s", err);
        return -1;
    }

    if (x.fo.n_cols != n_cols || x.margin_output) {
        rp_err("fit: xgboost's JSON model has %u features and objective %s,"
               " not %u and binary:logistic", x.fo.n_cols, x.objective,
               n_cols);
        rp_xgb_model_free(&x);
        return -1;
    }

    *fo = x.fo;
    memset(&x.fo, 0, sizeof(x.fo));
    rp_xgb_model_free(&x);
    return 0;

failed:

    return -1;
}


int
rp_write_json(const char *path, cJSON *doc)
{
    int     fd;
    char   *text, *tmp;
    size_t  len, plen;

    text = cJSON_Print(doc);
    if (text == NULL) {
        return -1;
    }

    plen = strlen(path);
    tmp = rp_xalloc(plen + 5);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        goto failed;
    }

    len = strlen(text);
    text[len] = '\n';
    if (write(fd, text, len + 1) != (ssize_t) (len + 1) || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        goto failed;
    }

    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        goto failed;
    }

    free(tmp);
    free(text);
    return 0;

failed:

    rp_err("fit: write \"%s\" failed: %s", path, strerror(errno));
    free(tmp);
    free(text);
    return -1;
}
