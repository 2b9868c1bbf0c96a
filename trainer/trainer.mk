# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# trainer/trainer.mk: rp-train (generate, features, fit, eval, inspect,
# materialize, verify), its test suite and its benchmark.
# Included by the top-level Makefile.

TRAIN_SRCS := $(sort $(wildcard trainer/*.c))
TRAIN_HDRS := $(sort $(wildcard trainer/*.h))
TRAIN_OBJS := $(patsubst trainer/%.c,$(BUILD)/obj/trainer/%.o,$(TRAIN_SRCS))
TRAIN_LIBS := -lxgboost $(PROG_LIBS) -lpthread

ALL_TARGETS   += $(BUILD)/rp-train
TEST_TARGETS  += test-trainer
BENCH_TARGETS += bench-train

$(BUILD)/obj/trainer/%.o: trainer/%.c $(TRAIN_HDRS) $(PROG_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/rp-train: $(TRAIN_OBJS) $(LIBPROG) $(LIBRP)
	$(CC) $(RP_CFLAGS) $(RP_LDFLAGS) -o $@ $(TRAIN_OBJS) $(TRAIN_LIBS)

$(BUILD)/trainer-metrics-test: tests/trainer_metrics.c trainer/rp_eval_metrics.c \
        $(TRAIN_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -o $@ \
	    tests/trainer_metrics.c trainer/rp_eval_metrics.c -lm

$(BUILD)/trainer-priors-test: tests/trainer_priors.c trainer/rp_priors.c \
        $(TRAIN_HDRS) $(LIBRP)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -o $@ \
	    tests/trainer_priors.c trainer/rp_priors.c $(LIBRP) $(CORE_LIBS)

.PHONY: test-trainer bench-train
test-trainer: $(BUILD)/rp-train $(BUILD)/trainer-metrics-test \
        $(BUILD)/trainer-priors-test
	scripts/with-redis tests/trainer-test.sh

bench-train: $(BUILD)/rp-train
	bench/bench-train.sh

# rp-train import: models trained through XGBoost's C API by the test
# (tests/xgb_train.c), hand-written JSON of XGBoost 2.x and 3.x in
# tests/data/xgb/, and every refusal (tests/import-test.sh).
TEST_TARGETS += test-import

$(BUILD)/xgb-train: tests/xgb_train.c
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -Wno-missing-prototypes -o $@ $< \
	    -lxgboost -lm

# the suite runs twice: with rp-train, and with it built with ASan and
# UBSan (a report fails the run)
.PHONY: test-import
test-import: $(BUILD)/rp-train $(BUILD)/xgb-train $(BUILD)/asan/rp-train
	tests/import-test.sh
	ASAN_OPTIONS=detect_leaks=1 RP_TRAIN=$(BUILD)/asan/rp-train \
	    tests/import-test.sh

# the converter under libFuzzer, in make test-fuzz with the core's targets
# (it uses only libc and cJSON; XGBoost's header is read for its types)
$(BUILD)/fuzz/fuzz_xgb_json: tests/fuzz_xgb_json.c trainer/rp_xgb_json.c \
        $(TRAIN_HDRS) $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) $(RP_CPPFLAGS) -Itrainer -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ tests/fuzz_xgb_json.c trainer/rp_xgb_json.c $(CORE_SRCS) \
	    $(CORE_LIBS)

FUZZ_TARGETS += xgb_json
test-fuzz: $(BUILD)/fuzz/fuzz_xgb_json

# rp-train built with ASan and UBSan, for the import tests
ASAN_TRAIN_SRCS := $(TRAIN_SRCS) $(PROG_SRCS) $(CORE_SRCS)
$(BUILD)/asan/rp-train: $(ASAN_TRAIN_SRCS) $(TRAIN_HDRS) $(PROG_HDRS) \
        $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -O1 $(SAN_FLAGS) -o $@ \
	    $(ASAN_TRAIN_SRCS) -lxgboost -lhiredis $(CORE_LIBS) -lpthread

# examples/python-xgboost: a model trained in Python, imported, served by
# nginx, swapped by a reload, equal to Python's predict and its
# explanations to XGBoost's (about 10 s)
TEST_TARGETS += test-examples
.PHONY: test-examples
test-examples: $(BUILD)/rp-train $(BUILD)/ngx_http_rp_module.so
	examples/python-xgboost/run.sh
