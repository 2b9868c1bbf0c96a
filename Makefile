# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
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
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line
# (dpkg-buildflags' hardening flags in the Debian build) reach every compile
# and link, the module's included (module.mk)
RP_CPPFLAGS := -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 -Isrc -Ilib \
               -I$(BUILD)/gen \
               $(CPPFLAGS)
RP_CFLAGS   := -std=c99 $(RP_WARN) $(CFLAGS)
RP_LDFLAGS  := $(LDFLAGS)

CORE_SRCS := $(sort $(wildcard src/rp_*.c))
CORE_HDRS := $(sort $(wildcard src/rp_*.h))
CORE_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))
LIBRP     := $(BUILD)/librp.a
CORE_LIBS := -lcjson -lz -lm

# lib/: the programs' library, linked by rp-train, rp-consumer, rp-produce
# and rp-mock-kafka, never by the module: what they share beyond the core
# (option values, host:port, clocks, the synthetic shop, the events ->
# Redis pipeline). It may use hiredis; the core stays libc + cJSON.
PROG_SRCS := $(sort $(wildcard lib/rp_*.c))
PROG_HDRS := $(sort $(wildcard lib/rp_*.h))
PROG_OBJS := $(patsubst lib/%.c,$(BUILD)/obj/lib/%.o,$(PROG_SRCS))
LIBPROG   := $(BUILD)/librp-prog.a
PROG_LIBS := $(LIBPROG) $(LIBRP) -lhiredis $(CORE_LIBS)

# the git description of this checkout, for --version and /model/info:
# rewritten only when it changes, so that it rebuilds only rp_version.o
# (a tree without .git, such as the Debian build's copy, has none)
RP_GIT_H := $(BUILD)/gen/rp_version_git.h
RP_GIT_DESCRIBE := $(shell [ -e .git ] && git describe --always --dirty 2>/dev/null)
ifneq ($(RP_GIT_DESCRIBE),)
$(shell mkdir -p $(BUILD)/gen; \
    echo '#define RP_GIT_DESCRIBE "$(RP_GIT_DESCRIBE)"' | cmp -s - $(RP_GIT_H) \
    || echo '#define RP_GIT_DESCRIBE "$(RP_GIT_DESCRIBE)"' > $(RP_GIT_H))
endif

ALL_TARGETS  := $(LIBRP) $(LIBPROG)
TEST_TARGETS :=
BENCH_TARGETS :=

.PHONY: all test bench clean
all: build-all

$(BUILD)/obj/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(BUILD)/obj/rp_version.o: $(wildcard $(RP_GIT_H))

$(LIBRP): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj/lib/%.o: lib/%.c $(PROG_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(RP_CPPFLAGS) $(RP_CFLAGS) -c -o $@ $<

$(LIBPROG): $(PROG_OBJS)
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
-include tests/release.mk
-include debian/deb.mk

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

# make install [PREFIX=/usr/local] [DESTDIR=...]: the four programs into
# BINDIR, their man pages (help2man, from --help and --version) into
# MANDIR, the module into the directory the nginx it was built against
# loads modules from (that nginx's --modules-path; Debian's is
# /usr/lib/nginx/modules), whatever PREFIX is.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
NGINX_MODULES_DIR ?= $(or $(shell sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p' \
                       $(NGINX_SRC)/conf_flags 2>/dev/null),$(PREFIX)/lib/nginx/modules)
RP_PROGS := rp-train rp-consumer rp-produce rp-mock-kafka
RP_MANS  := $(patsubst %,$(BUILD)/man/%.1,$(RP_PROGS))
RP_MAN_NAME_rp-train      := generate events, train, evaluate and export rp's model
RP_MAN_NAME_rp-consumer   := apply shop events from Kafka to rp's Redis feature store
RP_MAN_NAME_rp-produce    := produce shop events to Kafka
RP_MAN_NAME_rp-mock-kafka := a local Kafka broker for rp's tests and demo

$(BUILD)/man/%.1: $(BUILD)/%
	@mkdir -p $(dir $@)
	help2man --no-info --name="$(RP_MAN_NAME_$*)" --output=$@.tmp $<
	mv -f $@.tmp $@

.PHONY: man install install-programs install-module
man: $(RP_MANS)

install: install-programs install-module

install-programs: $(addprefix $(BUILD)/,$(RP_PROGS)) $(RP_MANS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(addprefix $(BUILD)/,$(RP_PROGS)) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(RP_MANS) $(DESTDIR)$(MANDIR)/man1/

install-module: $(RP_NGX_SO)
	install -d $(DESTDIR)$(NGINX_MODULES_DIR)
	install -m 0644 $(RP_NGX_SO) $(DESTDIR)$(NGINX_MODULES_DIR)/
