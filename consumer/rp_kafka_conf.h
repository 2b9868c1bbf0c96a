/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_kafka_conf.h: the -X key=value options of rp-consumer and rp-produce,
 * passed to librdkafka.
 */

#ifndef RP_KAFKA_CONF_H
#define RP_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

/* -X options a command line takes (rp-consumer's has its own bound, in
 * rp_consumer_opts.h, to stay free of librdkafka's header). */
#define RP_KAFKA_X_MAX  64

/*
 * Sets each "key=value" of x[0..nx) on conf (the parsers checked the '=').
 * A refused one is reported on stderr as "PROG: -X key=value: why".
 * 0 / -1.
 */
int rp_kafka_conf_x(rd_kafka_conf_t *conf, const char *const *x, int nx,
    const char *prog);

#endif /* RP_KAFKA_CONF_H */
