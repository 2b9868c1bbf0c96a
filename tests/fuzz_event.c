/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * fuzz_event.c: libFuzzer target for the event parsers (CSV and JSON) and
 * their encoders: whatever parses must encode, and re-parse to the same
 * record.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rp_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
same(const rp_event_t *a, const rp_event_t *b)
{
    if (strcmp(a->event_id, b->event_id) != 0
        || strcmp(a->user_id, b->user_id) != 0
        || strcmp(a->product_id, b->product_id) != 0
        || a->type != b->type || a->amount_cents != b->amount_cents
        || a->ts != b->ts)
    {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_event_t   ev, back;
    char         err[RP_ERR_MAX], out[2048], *line;
    size_t       n;
    int64_t      t;

    line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';

    if (rp_event_from_csv(line, size, &ev, err, sizeof(err)) == 0) {
        n = rp_event_to_csv(&ev, out, sizeof(out));
        if (n == 0 || rp_event_from_csv(out, n - 1, &back, err, sizeof(err)) != 0) {
            abort();
        }
        same(&ev, &back);
    }

    if (rp_event_from_json((const char *) data, size, &ev, err, sizeof(err)) == 0) {
        n = rp_event_to_json(&ev, out, sizeof(out));
        if (n == 0 || rp_event_from_json(out, n, &back, err, sizeof(err)) != 0) {
            abort();
        }
        same(&ev, &back);
    }

    (void) rp_time_parse((const char *) data, size, &t);
    free(line);
    return 0;
}
