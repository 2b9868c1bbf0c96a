# rp: repeat-purchase scoring at the nginx edge.
#
#   make            build everything into build/
#   make test       every test suite (unit, sanitizers, short fuzz, redis,
#                   kafka, Test::Nginx)
#   make bench      benchmarks; figures go to bench/RESULTS.md
#
# Each part adds itself in its own fragment: tests/tests.mk, trainer/trainer.mk,
# consumer/consumer.mk, module.mk, t/t.mk.

CC       ?= cc
BUILD    := build
CFLAGS   ?= -O2 -g
RP_WARN  := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
RP_CPPFLAGS := -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -Isrc
RP_CFLAGS   := -std=c99 $(RP_WARN) $(CFLAGS)

CORE_SRCS := $(sort $(wildcard src/rp_*.c))
CORE_HDRS := $(sort $(wildcard src/rp_*.h))
CORE_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
LIBRP     := $(BUILD)/librp.a
CORE_LIBS := -lcjson -lm

ALL_TARGETS  := $(LIBRP)
TEST_TARGETS :=
BENCH_TARGETS :=

.PHONY: all test bench clean
all: build-all

$(BUILD)/obj/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(LIBRP): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

-include tests/tests.mk
-include trainer/trainer.mk
-include consumer/consumer.mk
-include module.mk
-include t/t.mk
-include bench/bench.mk
-include docker/docker.mk

.PHONY: build-all
build-all: $(ALL_TARGETS)

# the Debian packages (installed as root, else the apt-get line is printed)
.PHONY: deps
deps:
	@scripts/install-deps

test: deps
	@$(MAKE) --no-print-directory build-all
	@set -e; for t in $(TEST_TARGETS); do \
	    echo "==> make $$t"; $(MAKE) --no-print-directory $$t; done
	@echo "==> all suites passed: $(TEST_TARGETS)"

bench: deps
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory build-all
	@mkdir -p $(BUILD)/bench && rm -f $(BUILD)/bench/figures.tsv
	@set -e; for t in $(BENCH_TARGETS); do \
	    echo "==> make $$t"; $(MAKE) --no-print-directory $$t; done
	bench/collect.sh $(BUILD)/bench/figures.tsv

clean:
	rm -rf $(BUILD) t/servroot

# The whole pipeline on this machine: make demo [SCENARIO=single|batch|...]
.PHONY: demo
demo:
	scripts/demo.sh $(if $(SCENARIO),--scenario $(SCENARIO))
