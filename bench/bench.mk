# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Benchmarks (make bench runs every BENCH_TARGETS entry, then collects the
# figures into bench/RESULTS.md). Not part of make test.

BENCH_DIR := $(BUILD)/bench
ALL_TARGETS += $(BUILD)/bench_score
BENCH_TARGETS += bench-score

$(BUILD)/bench_score: bench/bench_score.c $(LIBRP)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -Wno-missing-prototypes -o $@ $< $(LIBRP) \
	    $(CORE_LIBS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

# The scorer on the default model (rp-train's defaults) with real feature
# rows, and on a synthetic worst case: 100 complete trees of depth 10.
.PHONY: bench-score
bench-score: $(BUILD)/bench_score $(BUILD)/rp-train
	@mkdir -p $(BENCH_DIR)
	$(BUILD)/rp-train generate -q -o $(BENCH_DIR)/events.csv
	$(BUILD)/rp-train fit -q $(BENCH_DIR)/events.csv -o $(BENCH_DIR)/model.rpf
	$(BUILD)/rp-train features -q $(BENCH_DIR)/events.csv \
	    --cutoff 2025-05-30T00:00:00Z -o $(BENCH_DIR)/matrix.csv
	bench/bench-score.sh $(BUILD)/bench_score $(BENCH_DIR)/matrix.csv \
	    $(BENCH_DIR)/model.rpf > bench/score-results.md
	cat bench/score-results.md

# The feature store's layout: one hash per user vs user hash + pair hashes.
BENCH_TARGETS += bench-store-layout
.PHONY: bench-store-layout
bench-store-layout:
	bench/store-layout.sh > bench/store-layout.md
	cat bench/store-layout.md

# The replay guard's memory per user on a synthetic year (RP_BASE_BUILD=DIR
# adds a row for another revision's rp-train).
BENCH_TARGETS += bench-replay-guard
.PHONY: bench-replay-guard
bench-replay-guard: $(BUILD)/rp-train
	bench/replay-guard.sh > bench/replay-guard.md
	cat bench/replay-guard.md

# produce -> visible in Redis at 1 to 10,000 events/s, against librdkafka's
# default fetch wait as the reference (about 4 minutes).
BENCH_TARGETS += bench-freshness
.PHONY: bench-freshness
bench-freshness: $(BUILD)/rp-consumer $(BUILD)/rp-produce $(BUILD)/rp-mock-kafka
	bench/bench-freshness.sh
	cat bench/freshness-results.md

# Prediction quality before and after calibration and features v2
# (bench/quality.sh): the synthetic shop, and a real one when REAL_EVENTS
# names its events file (e.g. the Complete Journey sample's
# events.csv.gz, kept outside the repository; REAL_T1 its training
# cutoff, 2017-11-01T00:00:00Z by default; REAL_NAME its name in the
# report).
BENCH_TARGETS += bench-quality
.PHONY: bench-quality
bench-quality: $(BUILD)/rp-train
	REAL_NAME="$(REAL_NAME)" bench/quality.sh $(REAL_EVENTS) $(REAL_T1) \
	    > bench/quality.md
	cat bench/quality.md

# The module on a Redis Cluster against one Redis with the same store:
# worker and Redis CPU per /predict and per batch, p99, with replica
# reads; the failover window and the resharding fallbacks
# (bench/cluster-module.sh, about 4 minutes).
BENCH_TARGETS += bench-cluster-module
.PHONY: bench-cluster-module
bench-cluster-module: $(RP_NGX_SO) $(BUILD)/rp-train
	TEST_NGINX_BINARY=$(RP_T_NGINX) scripts/with-redis \
	    scripts/with-redis-cluster bench/cluster-module.sh
