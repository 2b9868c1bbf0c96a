# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# consumer/consumer.mk: rp-consumer, rp-produce, rp-mock-kafka and their tests.
# Included by the top Makefile (CC, BUILD, RP_CPPFLAGS, RP_CFLAGS, LIBRP,
# CORE_LIBS, ALL_TARGETS, TEST_TARGETS, BENCH_TARGETS come from there).

CONSUMER_LIBS := -lrdkafka $(PROG_LIBS) -lpthread
CONSUMER_HDRS := $(wildcard consumer/*.h) $(PROG_HDRS) $(CORE_HDRS)
CONSUMER_CPPFLAGS := $(RP_CPPFLAGS) -Iconsumer

$(BUILD)/consumer/%.o: consumer/%.c $(CONSUMER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CONSUMER_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/rp-consumer: $(BUILD)/consumer/rp_consumer.o \
        $(BUILD)/consumer/rp_consumer_kafka.o \
        $(BUILD)/consumer/rp_consumer_stats.o \
        $(BUILD)/consumer/rp_metrics_http.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(BUILD)/consumer/rp_batch.o \
        $(BUILD)/consumer/rp_plan.o $(BUILD)/consumer/rp_kafka_conf.o \
        $(LIBPROG) $(LIBRP)
	$(CC) $(RP_CFLAGS) $(RP_LDFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

$(BUILD)/rp-produce: $(BUILD)/consumer/rp_produce.o \
        $(BUILD)/consumer/rp_batch.o $(BUILD)/consumer/rp_kafka_conf.o \
        $(LIBPROG) $(LIBRP)
	$(CC) $(RP_CFLAGS) $(RP_LDFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

$(BUILD)/rp-mock-kafka: $(BUILD)/consumer/rp_mock_kafka.o $(LIBPROG) $(LIBRP)
	$(CC) $(RP_CFLAGS) $(RP_LDFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

# cmocka unit tests: option parsing and batch/commit bookkeeping.
$(BUILD)/tests/test_consumer_%.o: tests/test_consumer_%.c $(CONSUMER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CONSUMER_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/test_consumer_units: $(BUILD)/tests/test_consumer_units.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(BUILD)/consumer/rp_batch.o \
        $(BUILD)/consumer/rp_plan.o $(LIBPROG) $(LIBRP)
	$(CC) $(RP_CFLAGS) -o $@ $(filter %.o,$^) -lcmocka $(PROG_LIBS)

# The same under ASan/UBSan (SAN_FLAGS from tests/tests.mk).
CONSUMER_UNIT_SRCS := consumer/rp_consumer_opts.c consumer/rp_batch.c \
                      consumer/rp_plan.c
$(BUILD)/asan/test_consumer_units: tests/test_consumer_units.c \
        $(CONSUMER_UNIT_SRCS) $(CONSUMER_HDRS) $(PROG_SRCS) $(CORE_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(CONSUMER_CPPFLAGS) $(RP_CFLAGS) -O1 $(SAN_FLAGS) -o $@ $< \
	    $(CONSUMER_UNIT_SRCS) $(PROG_SRCS) $(CORE_SRCS) -lcmocka -lhiredis \
	    $(CORE_LIBS)

CONSUMER_PROGS := $(BUILD)/rp-consumer $(BUILD)/rp-produce \
                  $(BUILD)/rp-mock-kafka
ALL_TARGETS += $(CONSUMER_PROGS)
TEST_TARGETS += test-consumer
BENCH_TARGETS += bench-consumer

.PHONY: test-consumer bench-consumer
test-consumer: $(CONSUMER_PROGS) $(BUILD)/test_consumer_units \
        $(BUILD)/asan/test_consumer_units
	$(BUILD)/test_consumer_units
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_consumer_units
	scripts/with-redis tests/consumer-test.sh

bench-consumer: $(CONSUMER_PROGS)
	bench/bench-consumer.sh

# rp-consumer and rp-train materialize|verify on a real Redis Cluster
# (3 primaries + 3 replicas), compared with one Redis key by key.
TEST_TARGETS += test-cluster-programs
.PHONY: test-cluster-programs
test-cluster-programs: $(CONSUMER_PROGS) $(BUILD)/rp-train
	scripts/with-redis scripts/with-redis-cluster tests/cluster-programs-test.sh

# rp-consumer into one Redis and Redis Clusters (1 and 3 primaries, with
# and without replicas), and the cost of WAIT: bench/cluster-consumer.md.
BENCH_TARGETS += bench-cluster-consumer
.PHONY: bench-cluster-consumer
bench-cluster-consumer: $(CONSUMER_PROGS)
	bench/bench-cluster-consumer.sh
