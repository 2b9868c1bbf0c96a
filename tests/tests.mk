# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Core library tests: cmocka unit tests, the same under ASan/UBSan, the
# store script against a real redis-server, and short libFuzzer runs.

UNIT_TESTS   := event features store model model_priors synth numfmt
UNIT_BINS    := $(addprefix $(BUILD)/tests/test_,$(UNIT_TESTS))
ASAN_BINS    := $(addprefix $(BUILD)/asan/test_,$(UNIT_TESTS) store_redis)
FUZZ_TARGETS := event model
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 20
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
CLANG        ?= clang

ALL_TARGETS  += $(UNIT_BINS) $(BUILD)/tests/test_store_redis
TEST_TARGETS += test-unit test-store-redis test-asan test-fuzz

$(BUILD)/tests/test_%: tests/test_%.c $(LIBPROG) $(LIBRP)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -Wno-missing-prototypes -o $@ $< \
	    $(PROG_LIBS) -lcmocka

$(BUILD)/asan/test_%: tests/test_%.c $(CORE_SRCS) $(CORE_HDRS) $(PROG_SRCS) \
        $(PROG_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -O1 $(SAN_FLAGS) -Wno-missing-prototypes \
	    -o $@ $< $(PROG_SRCS) $(CORE_SRCS) -lhiredis -lcmocka $(CORE_LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz_%.c $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RP_CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< $(CORE_SRCS) $(CORE_LIBS)

.PHONY: test-unit test-store-redis test-asan test-fuzz fuzz-long
test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

test-store-redis: $(BUILD)/tests/test_store_redis
	scripts/with-redis $(BUILD)/tests/test_store_redis

test-asan: $(ASAN_BINS)
	@set -e; for t in $(filter-out %store_redis,$(ASAN_BINS)); do \
	    ASAN_OPTIONS=detect_leaks=1 $$t; done
	ASAN_OPTIONS=detect_leaks=1 scripts/with-redis $(BUILD)/asan/test_store_redis

# Each target runs FUZZ_SECONDS from the seeds in tests/corpus/; new inputs
# go to a scratch corpus under build/. A crash fails the target and leaves
# the input in build/fuzz/.
test-fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$f tests/corpus/$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	    if ! $(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
	        $(BUILD)/fuzz/corpus-$$f tests/corpus/$$f \
	        > $(BUILD)/fuzz/fuzz_$$f.log 2>&1; then \
	        tail -40 $(BUILD)/fuzz/fuzz_$$f.log; \
	        echo "fuzz_$$f: FAILED (input saved in $(BUILD)/fuzz/)"; exit 1; \
	    fi; \
	    grep -E 'number_of_executed_units|new_units_added' $(BUILD)/fuzz/fuzz_$$f.log; \
	done

fuzz-long:
	$(MAKE) test-fuzz FUZZ_SECONDS=600

# The Test::Nginx::Socket runner in t/lib checks itself against stock nginx.
TEST_TARGETS += test-nginx-runner
.PHONY: test-nginx-runner
test-nginx-runner:
	TEST_NGINX_BINARY=$${TEST_NGINX_BINARY:-$$(command -v nginx || echo /usr/sbin/nginx)} \
	    prove -I t/lib t/selftest/

# The README names only programs, options, targets, directives, variables,
# metrics and endpoints that exist.
TEST_TARGETS += test-readme
.PHONY: test-readme
test-readme: $(BUILD)/rp-train $(BUILD)/rp-consumer $(BUILD)/rp-produce $(BUILD)/rp-mock-kafka
	@mkdir -p $(BUILD)
	@perl tests/readme-test.pl > $(BUILD)/readme-test.log \
	    || { grep -v '^ok' $(BUILD)/readme-test.log; exit 1; }
	@tail -1 $(BUILD)/readme-test.log

# Explanations against XGBoost's own (tests/test_explain.c links XGBoost
# and the trainer's converter), plain and under ASan/UBSan.
# (the converter, and the JSON reader it uses where the tree has one)
XGB_TEST_SRCS     := tests/xgb_support.c \
    $(wildcard trainer/rp_export.c trainer/rp_xgb_json.c)
EXPLAIN_TEST_SRCS := tests/test_explain.c $(XGB_TEST_SRCS)
ALL_TARGETS  += $(BUILD)/tests/test_explain
TEST_TARGETS += test-explain

$(BUILD)/tests/test_explain: $(EXPLAIN_TEST_SRCS) $(LIBRP) $(CORE_HDRS) \
        trainer/rp_xgb.h tests/xgb_support.h
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -Wno-missing-prototypes \
	    -o $@ $(EXPLAIN_TEST_SRCS) $(LIBRP) -lxgboost -lcmocka $(CORE_LIBS)

$(BUILD)/asan/test_explain: $(EXPLAIN_TEST_SRCS) $(CORE_SRCS) $(CORE_HDRS) \
        trainer/rp_xgb.h tests/xgb_support.h
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -O1 $(SAN_FLAGS) \
	    -Wno-missing-prototypes -o $@ $(EXPLAIN_TEST_SRCS) $(CORE_SRCS) \
	    -lxgboost -lcmocka $(CORE_LIBS)

.PHONY: test-explain
test-explain: $(BUILD)/tests/test_explain $(BUILD)/asan/test_explain
	$(BUILD)/tests/test_explain
	ASAN_OPTIONS=detect_leaks=1 $(BUILD)/asan/test_explain
