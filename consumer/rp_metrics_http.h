/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_metrics_http.h: rp-consumer's metrics over HTTP (GET /metrics).
 *
 * A thread accepts scrapes; the main loop renders the text. A scrape asks
 * the main loop for a fresh rendering and waits for it at most a second
 * (the loop polls Kafka at least every 100 ms), so it never reads the
 * consumer's counters while the loop changes them.
 */

#ifndef RP_METRICS_HTTP_H
#define RP_METRICS_HTTP_H

#include <stddef.h>

/* Writes the exposition into buf; returns its length (< size). */
typedef size_t (*rp_metrics_render_pt)(void *data, char *buf, size_t size);

/*
 * Listens on host:port and starts the thread. The first rendering is made
 * here. 0, or -1 with err set (the address cannot be bound).
 */
int rp_metrics_http_start(const char *host, int port,
    rp_metrics_render_pt render, void *data, char *err, size_t errlen);

/* Called by the main loop: renders when a scrape waits. Cheap otherwise. */
void rp_metrics_http_poll(void);

/* Closes the socket and joins the thread; a no-op when not started. */
void rp_metrics_http_stop(void);

#endif /* RP_METRICS_HTTP_H */
