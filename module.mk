# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# module.mk: builds build/ngx_http_rp_module.so (included by the Makefile).
#
# The nginx source tree is copied from Debian's nginx-dev (or NGINX_SRC) to
# build/nginx-src and configured once with the same flags as the packaged
# binary (--with-compat), so the module loads into /usr/sbin/nginx.
# configure runs again only when `config` or the list of sources changes.

NGINX_SRC  ?= /usr/share/nginx/src
RP_NGX_DIR := $(BUILD)/nginx-src
RP_NGX_SO  := $(BUILD)/ngx_http_rp_module.so
RP_NGX_DEP := config ngx_http_rp_module.c $(wildcard src/ngx_http_rp_*.[ch]) \
              $(CORE_SRCS) $(CORE_HDRS)

# Until the core library exists the module cannot link; keep `make` green.
ifneq ($(wildcard src/rp_model_file.c),)
ALL_TARGETS += $(RP_NGX_SO)
endif

$(RP_NGX_DIR)/.rp-copied:
	rm -rf $(RP_NGX_DIR)
	@mkdir -p $(RP_NGX_DIR)
	cp -R $(NGINX_SRC)/. $(RP_NGX_DIR)/
	touch $@

# the source list as a file that changes only when the list does
RP_NGX_LIST := $(BUILD)/ngx_http_rp_srcs.list
RP_NGX_SRCS := $(sort $(wildcard src/ngx_http_rp_*.c src/rp_*.c))
$(shell mkdir -p $(BUILD); echo '$(RP_NGX_SRCS)' | cmp -s - $(RP_NGX_LIST) \
    || echo '$(RP_NGX_SRCS)' > $(RP_NGX_LIST))

# The module gets the same CFLAGS, CPPFLAGS and LDFLAGS as the programs,
# the way Debian's nginx_mod build system passes dpkg-buildflags: appended
# to nginx's own flags with --with-cc-opt / --with-ld-opt (and -fPIC). The
# environment's CFLAGS is kept away from configure, which would otherwise
# use it instead of nginx's warnings. The flags are kept in a file that
# changes only when they do, and configure runs again when it changes.
RP_NGX_FLAGS := $(BUILD)/ngx_http_rp_flags.sh
RP_NGX_FLAGS_TEXT := RP_CC_OPT='$(strip $(CFLAGS) $(CPPFLAGS)) -fPIC -I$(CURDIR)/$(BUILD)/gen'; RP_LD_OPT='$(strip $(LDFLAGS) -fPIC)'
$(shell mkdir -p $(BUILD); echo "$(RP_NGX_FLAGS_TEXT)" | cmp -s - $(RP_NGX_FLAGS) \
    || echo "$(RP_NGX_FLAGS_TEXT)" > $(RP_NGX_FLAGS))

$(RP_NGX_DIR)/.rp-configured: config $(RP_NGX_LIST) $(RP_NGX_FLAGS) \
        $(RP_NGX_DIR)/.rp-copied
	cd $(RP_NGX_DIR) && env -u CFLAGS -u CPPFLAGS -u LDFLAGS bash -c ' \
	    if [ -f ./conf_flags ]; then . ./conf_flags; \
	    else NGX_CONF_FLAGS=(--with-compat); fi; \
	    . $(CURDIR)/$(RP_NGX_FLAGS); \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$$RP_CC_OPT" --with-ld-opt="$$RP_LD_OPT" \
	        --add-dynamic-module=$(CURDIR)' > configure.log 2>&1 \
	    || { tail -20 $(RP_NGX_DIR)/configure.log; exit 1; }
	touch $@

# nginx's Makefile does not know the generated version header: its object
# is rebuilt every time (one small file). Variables set on our command line
# (make CFLAGS=...) must not reach nginx's Makefile, where they would
# replace its CFLAGS (and -fPIC, the include of the module's flags):
# they are in RP_CC_OPT already.
$(RP_NGX_SO): MAKEOVERRIDES :=
$(RP_NGX_SO): $(RP_NGX_DIR)/.rp-configured $(RP_NGX_DEP) $(wildcard $(RP_GIT_H))
	rm -f $(RP_NGX_DIR)/objs/addon/src/rp_version.o
	$(MAKE) -C $(RP_NGX_DIR) -f objs/Makefile modules
	cp $(RP_NGX_DIR)/objs/ngx_http_rp_module.so $@.tmp
	mv -f $@.tmp $@

.PHONY: module
module: $(RP_NGX_SO)

# benchmark: bench/bench-module.sh writes bench/module-results.md
# (throughput, latency), bench/module-cpu.sh bench/module-cpu.md (CPU of
# the workers and of Redis per request, 1 and 2 workers, against bare
# nginx; against another revision too with RP_BASE_BUILD=DIR, its build/)
BENCH_TARGETS += bench-module

.PHONY: bench-module
bench-module: $(RP_NGX_SO) $(BUILD)/rp-train
	scripts/with-redis bench/bench-module.sh
	RP_BASE_BUILD=$(RP_BASE_BUILD) scripts/with-redis bench/module-cpu.sh

# the timeout policy under a burst of 100-item batches, with and without
# Redis stalls: bench/burst-policy.sh writes bench/burst-policy-run.md
# (bench/burst-policy.md compares the policies)
.PHONY: bench-burst-policy
bench-burst-policy: $(RP_NGX_SO) $(RP_T_MODEL) $(BUILD)/rp-train
	scripts/with-redis bench/burst-policy.sh

# only the CPU per request, against another revision's build (RP_BASE_BUILD),
# interleaved in one run: bench/module-cpu.md
.PHONY: bench-module-cpu
bench-module-cpu: $(RP_NGX_SO) $(BUILD)/rp-train
	RP_BASE_BUILD=$(RP_BASE_BUILD) scripts/with-redis bench/module-cpu.sh
