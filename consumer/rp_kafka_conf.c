/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_kafka_conf.c: the -X options, passed to librdkafka (rp_kafka_conf.h).
 */

#include <stdio.h>
#include <string.h>

#include "rp_kafka_conf.h"


int
rp_kafka_conf_x(rd_kafka_conf_t *conf, const char *const *x, int nx,
    const char *prog)
{
    int          i;
    char         errstr[512], key[256];
    size_t       klen;
    const char  *eq;

    for (i = 0; i < nx; i++) {
        eq = strchr(x[i], '=');
        klen = eq != NULL ? (size_t) (eq - x[i]) : 0;
        if (eq == NULL || klen >= sizeof(key)) {
            fprintf(stderr, "%s: -X %s: expected key=value with a key "
                    "shorter than %zu bytes\n", prog, x[i], sizeof(key));
            return -1;
        }
        memcpy(key, x[i], klen);
        key[klen] = '\0';

        if (rd_kafka_conf_set(conf, key, eq + 1, errstr, sizeof(errstr))
            != RD_KAFKA_CONF_OK)
        {
            fprintf(stderr, "%s: -X %s: %s\n", prog, x[i], errstr);
            return -1;
        }
    }

    return 0;
}
