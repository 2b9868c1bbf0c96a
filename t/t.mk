# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# t/t.mk: the module's tests, included by the Makefile.
#
#   test-nginx                the Test::Nginx suites t/*.t: builds the module
#                             and fixtures, starts a throw-away redis-server
#                             (scripts/with-redis, stopped by PID), loads
#                             t/data/events.csv into it with rp-train
#                             materialize (the core store code), runs prove
#   test-nginx-reload         tests/reload-under-load.sh (about 10 s)
#   test-nginx-redis-restart  tests/redis-restart.sh (about 2 s)
#   test-nginx-metrics        tests/module-metrics-test.sh (about 5 s)
#   test-fuzz-request         libFuzzer on the request-body parser
#   test-nginx-valgrind       the suites under valgrind, no errors, no leaks
#   test-nginx-asan           the suites against the module built with ASan
#                             and UBSan (scripts/nginx-asan)
#
#   build/t/model.rpf     tests/mkmodel: 3 trees with known leaves (test-v1)
#   build/t/model-v2.rpf  the same trees, version test-v2 (reload tests)
#   build/t/model-f2.rpf  a model on three features of table v2 (t/001)
#   build/t/model-priors.rpf  a model on product priors, with their table
#   build/t/{truncated,flipped,garbage}.rpf  bad models for t/005

RP_T_DIR    := $(BUILD)/t
RP_T_MODEL  := $(RP_T_DIR)/model.rpf
RP_T_NGINX  ?= $(shell command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

TEST_TARGETS += test-nginx

$(RP_T_DIR)/mkmodel: tests/mkmodel.c $(LIBRP) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -o $@ $< $(LIBRP) $(CORE_LIBS)

$(RP_T_MODEL): $(RP_T_DIR)/mkmodel
	$(RP_T_DIR)/mkmodel $@ test-v1
	$(RP_T_DIR)/mkmodel $(RP_T_DIR)/model-v2.rpf test-v2
	$(RP_T_DIR)/mkmodel $(RP_T_DIR)/model-f2.rpf test-f2 v2
	$(RP_T_DIR)/mkmodel $(RP_T_DIR)/model-priors.rpf test-priors priors
	head -c 100 $@ > $(RP_T_DIR)/truncated.rpf
	cp $@ $(RP_T_DIR)/flipped.rpf
	printf '\377' | dd of=$(RP_T_DIR)/flipped.rpf bs=1 seek=400 \
	    conv=notrunc 2>/dev/null
	printf 'not a model' > $(RP_T_DIR)/garbage.rpf

RP_T_ENV := TEST_NGINX_BINARY=$(RP_T_NGINX) \
            TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(RP_NGX_SO) \
            TEST_NGINX_MODEL=$(CURDIR)/$(RP_T_MODEL) \
            TEST_NGINX_MODEL_DIR=$(CURDIR)/$(RP_T_DIR) \
            TEST_NGINX_RP_TRAIN=$(CURDIR)/$(BUILD)/rp-train

.PHONY: test-nginx
test-nginx: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	$(RP_T_ENV) scripts/with-redis sh -c '$(BUILD)/rp-train materialize \
	    t/data/events.csv --redis 127.0.0.1:$$TEST_NGINX_REDIS_PORT -q \
	    && prove -I t/lib t/'

# constant load while the model is swapped and nginx reloaded 5 times
# (about 10 s): zero non-2xx responses, zero socket errors
TEST_TARGETS += test-nginx-reload

.PHONY: test-nginx-reload
test-nginx-reload: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	TEST_NGINX_BINARY=$(RP_T_NGINX) scripts/with-redis \
	    tests/reload-under-load.sh 5

# /metrics under promtool, rp_redis_up the same from both workers, and a
# Redis name with two addresses (tests/module-metrics-test.sh, about 5 s;
# its own redis-servers and nginx, stopped by PID)
TEST_TARGETS += test-nginx-metrics

.PHONY: test-nginx-metrics
test-nginx-metrics: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	TEST_NGINX_BINARY=$(RP_T_NGINX) tests/module-metrics-test.sh

# Redis stopped and restarted under nginx: 200s throughout, reconnects by
# itself (about 2 s; its own redis-server, stopped by PID)
TEST_TARGETS += test-nginx-redis-restart

.PHONY: test-nginx-redis-restart
test-nginx-redis-restart: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	TEST_NGINX_BINARY=$(RP_T_NGINX) tests/redis-restart.sh

# libFuzzer target for the request-body parsing (src/ngx_http_rp_body.c);
# a short run in make test, like the core's fuzz targets
RP_FUZZ_REQ := $(BUILD)/fuzz/fuzz_request
RP_T_CLANG  ?= clang

TEST_TARGETS += test-fuzz-request

$(RP_FUZZ_REQ): tests/fuzz_request.c src/ngx_http_rp_body.c \
                src/ngx_http_rp_body.h $(CORE_SRCS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(RP_T_CLANG) $(RP_CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< src/ngx_http_rp_body.c \
	    $(CORE_SRCS) $(CORE_LIBS)

.PHONY: test-fuzz-request
test-fuzz-request: $(RP_FUZZ_REQ)
	@mkdir -p $(BUILD)/fuzz/corpus-request
	$(RP_FUZZ_REQ) -max_total_time=$(or $(FUZZ_SECONDS),20) \
	    -artifact_prefix=$(BUILD)/fuzz/ -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus-request tests/corpus/request \
	    > $(BUILD)/fuzz/fuzz_request.log 2>&1 \
	    || { tail -40 $(BUILD)/fuzz/fuzz_request.log; exit 1; }
	@grep -E 'number_of_executed_units|new_units_added' \
	    $(BUILD)/fuzz/fuzz_request.log

# the same suites with every nginx under valgrind (243 s measured on this
# shared 2-core machine at load 3): any error
# or definite leak fails its block. nginx's own leaks (pcre2 compile
# context, environ copy) are suppressed in t/lib/Test/Nginx/nginx-core.supp.
TEST_TARGETS += test-nginx-valgrind
.PHONY: test-nginx-valgrind
test-nginx-valgrind: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	$(RP_T_ENV) TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_TIMEOUT=10 \
	    scripts/with-redis sh -c \
	    '$(BUILD)/rp-train materialize t/data/events.csv \
	    --redis 127.0.0.1:$$TEST_NGINX_REDIS_PORT -q \
	    && t/prove-failures $(BUILD)/t-valgrind.log prove -I t/lib t/0*.t'

# The module built with AddressSanitizer and UBSan in its own copy of the
# nginx sources, loaded into the distribution's nginx with libasan
# preloaded (scripts/nginx-asan), and the suites of t/ run against it
# (about 25 s). A sanitizer report aborts nginx (halt_on_error), which
# fails the block that was running; the report is in that block's
# error.log, where nginx sends stderr. Leaks are test-nginx-valgrind's: in
# single-process mode nginx frees its cycle pool at exit and leaves the
# event arrays it allocated unreachable, and in Debian's stripped binary
# LeakSanitizer cannot name that static function to suppress it.
RP_NGX_ASAN_DIR := $(BUILD)/nginx-src-asan
RP_NGX_ASAN_SO  := $(BUILD)/asan/ngx_http_rp_module.so
RP_NGX_ASAN_CC  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined

$(RP_NGX_ASAN_DIR)/.rp-configured: config $(RP_NGX_LIST)
	rm -rf $(RP_NGX_ASAN_DIR)
	@mkdir -p $(RP_NGX_ASAN_DIR)
	cp -R $(NGINX_SRC)/. $(RP_NGX_ASAN_DIR)/
	cd $(RP_NGX_ASAN_DIR) && bash -c ' \
	    if [ -f ./conf_flags ]; then . ./conf_flags; \
	    else NGX_CONF_FLAGS=(--with-compat); fi; \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(RP_NGX_ASAN_CC)" \
	        --with-ld-opt="-fsanitize=address,undefined" \
	        --add-dynamic-module=$(CURDIR)' > configure.log 2>&1 \
	    || { tail -20 $(RP_NGX_ASAN_DIR)/configure.log; exit 1; }
	touch $@

$(RP_NGX_ASAN_SO): $(RP_NGX_ASAN_DIR)/.rp-configured $(RP_NGX_DEP)
	$(MAKE) -C $(RP_NGX_ASAN_DIR) -f objs/Makefile modules
	@mkdir -p $(dir $@)
	cp $(RP_NGX_ASAN_DIR)/objs/ngx_http_rp_module.so $@

TEST_TARGETS += test-nginx-asan
.PHONY: test-nginx-asan
test-nginx-asan: $(RP_NGX_ASAN_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	$(RP_T_ENV) TEST_NGINX_BINARY=$(CURDIR)/scripts/nginx-asan \
	    RP_NGINX=$(RP_T_NGINX) \
	    TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(RP_NGX_ASAN_SO) \
	    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    scripts/with-redis sh -c '$(BUILD)/rp-train materialize \
	    t/data/events.csv --redis 127.0.0.1:$$TEST_NGINX_REDIS_PORT -q \
	    && prove -I t/lib t/0*.t'

# t/019-explain.t: a model trained with XGBoost and XGBoost's explanations
# of the rows the module builds for it (tests/explain_fixture.c)
RP_T_EXPLAIN := $(RP_T_DIR)/model-explain.rpf

$(RP_T_DIR)/explain-fixture: tests/explain_fixture.c $(XGB_TEST_SRCS) \
        $(LIBRP) $(CORE_HDRS) trainer/rp_xgb.h tests/xgb_support.h
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) -Itrainer $(RP_CFLAGS) -o $@ tests/explain_fixture.c \
	    $(XGB_TEST_SRCS) $(LIBRP) -lxgboost $(CORE_LIBS)

$(RP_T_EXPLAIN): $(RP_T_DIR)/explain-fixture
	$(RP_T_DIR)/explain-fixture $@ > $(RP_T_DIR)/explain.json

test-nginx test-nginx-valgrind test-nginx-asan: $(RP_T_EXPLAIN)

# rp_redis_cluster on a real cluster (scripts/with-redis-cluster: 3
# primaries, 3 replicas) holding the store of a single Redis
# (tests/cluster-fill.sh): answers equal, MOVED, ASK, replica reads,
# CLUSTERDOWN, configuration errors (t/cluster/, not in prove t/); each
# file changes the cluster (slots moved, nodes killed), so each gets a
# cluster of its own (about 40 s)
TEST_TARGETS += test-nginx-cluster
RP_T_CLUSTER_EVENTS := $(RP_T_DIR)/cluster-events.csv

$(RP_T_CLUSTER_EVENTS): $(BUILD)/rp-train
	@mkdir -p $(dir $@)
	$(BUILD)/rp-train generate --users 60 --products 40 --days 60 --seed 5 \
	    -q -o $@

.PHONY: test-nginx-cluster
test-nginx-cluster: $(RP_NGX_SO) $(RP_T_MODEL) $(RP_T_CLUSTER_EVENTS)
	for f in t/cluster/*.t; do \
	    $(RP_T_ENV) scripts/with-redis scripts/with-redis-cluster sh -c \
	    'tests/cluster-fill.sh $(RP_T_CLUSTER_EVENTS) \
	    && prove -I t/lib '"$$f" || exit 1; done

# nginx on a cluster under load while 2000 slots are resharded and while a
# primary is killed (tests/cluster-module-failover.sh, about 40 s): no
# wrong answer, the fallbacks counted, the failover window measured
TEST_TARGETS += test-nginx-cluster-failover
RP_T_CLUSTER_EVENTS_LOAD := $(RP_T_DIR)/cluster-events-load.csv

$(RP_T_CLUSTER_EVENTS_LOAD): $(BUILD)/rp-train
	@mkdir -p $(dir $@)
	$(BUILD)/rp-train generate --users 400 --products 100 --days 60 \
	    --seed 9 -q -o $@

.PHONY: test-nginx-cluster-failover
test-nginx-cluster-failover: $(RP_NGX_SO) $(RP_T_MODEL) \
                             $(RP_T_CLUSTER_EVENTS_LOAD)
	TEST_NGINX_BINARY=$(RP_T_NGINX) scripts/with-redis \
	    scripts/with-redis-cluster tests/cluster-module-failover.sh \
	    $(RP_T_CLUSTER_EVENTS_LOAD)

# t/cluster/ against the module built with ASan and UBSan (as
# test-nginx-asan does for t/0*.t; about 40 s, a cluster per file)
TEST_TARGETS += test-nginx-cluster-asan
.PHONY: test-nginx-cluster-asan
test-nginx-cluster-asan: $(RP_NGX_ASAN_SO) $(RP_T_MODEL) $(RP_T_CLUSTER_EVENTS)
	$(RP_T_ENV) TEST_NGINX_BINARY=$(CURDIR)/scripts/nginx-asan \
	    RP_NGINX=$(RP_T_NGINX) \
	    TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(RP_NGX_ASAN_SO) \
	    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    sh -c 'for f in t/cluster/*.t; do \
	    scripts/with-redis scripts/with-redis-cluster sh -c \
	    "tests/cluster-fill.sh $(RP_T_CLUSTER_EVENTS) \
	    && prove -I t/lib $$f" || exit 1; done'
