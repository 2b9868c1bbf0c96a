# consumer/consumer.mk: rp-consumer, rp-produce, rp-mock-kafka and their tests.
# Included by the top Makefile (CC, BUILD, RP_CPPFLAGS, RP_CFLAGS, LIBRP,
# CORE_LIBS, ALL_TARGETS, TEST_TARGETS, BENCH_TARGETS come from there).

CONSUMER_LIBS := $(LIBRP) -lrdkafka -lhiredis $(CORE_LIBS) -lpthread
CONSUMER_HDRS := $(wildcard consumer/*.h) $(CORE_HDRS)
CONSUMER_CPPFLAGS := $(RP_CPPFLAGS) -Iconsumer

$(BUILD)/consumer/%.o: consumer/%.c $(CONSUMER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CONSUMER_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/rp-consumer: $(BUILD)/consumer/rp_consumer.o \
        $(BUILD)/consumer/rp_consumer_kafka.o \
        $(BUILD)/consumer/rp_consumer_stats.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(BUILD)/consumer/rp_batch.o \
        $(LIBRP)
	$(CC) $(RP_CFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

$(BUILD)/rp-produce: $(BUILD)/consumer/rp_produce.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(BUILD)/consumer/rp_batch.o \
        $(LIBRP)
	$(CC) $(RP_CFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

$(BUILD)/rp-mock-kafka: $(BUILD)/consumer/rp_mock_kafka.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(LIBRP)
	$(CC) $(RP_CFLAGS) -o $@ $(filter %.o,$^) $(CONSUMER_LIBS)

# cmocka unit tests: option parsing and batch/commit bookkeeping.
$(BUILD)/tests/test_consumer_%.o: tests/test_consumer_%.c $(CONSUMER_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CONSUMER_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/test_consumer_units: $(BUILD)/tests/test_consumer_units.o \
        $(BUILD)/consumer/rp_consumer_opts.o $(BUILD)/consumer/rp_batch.o \
        $(LIBRP)
	$(CC) $(RP_CFLAGS) -o $@ $(filter %.o,$^) $(LIBRP) -lcmocka $(CORE_LIBS)

CONSUMER_PROGS := $(BUILD)/rp-consumer $(BUILD)/rp-produce \
                  $(BUILD)/rp-mock-kafka
ALL_TARGETS += $(CONSUMER_PROGS)
TEST_TARGETS += test-consumer
BENCH_TARGETS += bench-consumer

.PHONY: test-consumer bench-consumer
test-consumer: $(CONSUMER_PROGS) $(BUILD)/test_consumer_units
	$(BUILD)/test_consumer_units
	scripts/with-redis tests/consumer-test.sh

bench-consumer: $(CONSUMER_PROGS)
	bench/bench-consumer.sh
