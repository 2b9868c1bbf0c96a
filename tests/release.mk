# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# tests/release.mk: what an operator or a distribution checks before
# shipping (included by the top Makefile).
#
#   test-version          every program answers --version with the one
#                         RP_VERSION (src/rp_version.h), the same as
#                         debian/changelog's
#   test-licence-script   scripts/licence-headers on a scratch copy of the
#                         tree: complete, idempotent, nothing broken
#   test-licence          every source file of this tree has the SPDX and
#                         copyright lines (scripts/licence-headers adds
#                         them to a new file); RP_TEST_LICENCE=0 leaves it
#                         out of `make test`
#   test-hardening        the module built by module.mk with dpkg-buildflags'
#                         hardening flags (into build/hardened/): BIND_NOW,
#                         RELRO, fortified calls, stack protector (the
#                         programs are checked in the packages, test-deb)
#   test-openapi-lint     `redocly lint` of conf/openapi.json: no error, no
#                         warning
#   test-docs-browser     tests/docs-browser-test.sh: /docs/ served by
#                         conf/nginx.conf, in headless chromium
#   docs-tools            the npm tools of those two (exact versions) into
#                         build/npm-tools/; puppeteer-core drives Debian's
#                         chromium, it downloads no browser

RP_TEST_LICENCE ?= 1
TEST_TARGETS += test-version test-licence-script test-hardening \
                test-openapi-lint test-docs-browser
ifeq ($(RP_TEST_LICENCE),1)
TEST_TARGETS += test-licence
endif

RP_VERSION_H := $(shell sed -n 's/^\#define RP_VERSION  *"\(.*\)"/\1/p' src/rp_version.h)

.PHONY: test-version test-licence-script test-licence test-hardening
test-version: $(BUILD)/rp-train $(BUILD)/rp-consumer $(BUILD)/rp-produce \
        $(BUILD)/rp-mock-kafka
	@set -e; test -n "$(RP_VERSION_H)"; \
	deb=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	if [ "$$deb" != "$(RP_VERSION_H)" ]; then \
	    echo "FAIL - debian/changelog says $$deb, src/rp_version.h $(RP_VERSION_H)"; \
	    exit 1; fi; \
	for p in rp-train rp-consumer rp-produce rp-mock-kafka; do \
	    out=$$($(BUILD)/$$p --version) \
	        || { echo "FAIL - $$p --version exits non-zero"; exit 1; }; \
	    case "$$(echo "$$out" | head -1)" in \
	        "$$p $(RP_VERSION_H)"|"$$p $(RP_VERSION_H) (git "*")") \
	            echo "ok   - $$(echo "$$out" | head -1)" ;; \
	        *) echo "FAIL - $$p --version: $$out"; exit 1 ;; \
	    esac; \
	done

test-licence-script:
	tests/licence-test.sh

test-licence:
	scripts/licence-headers --check

RP_HARDENED := $(BUILD)/hardened
RP_HARDEN_FLAGS = CFLAGS="$$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)" \
    CPPFLAGS="$$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)" \
    LDFLAGS="$$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)"

test-hardening:
	@$(MAKE) --no-print-directory BUILD=$(RP_HARDENED) $(RP_HARDEN_FLAGS) \
	    $(RP_HARDENED)/ngx_http_rp_module.so > $(BUILD)/hardened.log 2>&1 \
	    || { tail -30 $(BUILD)/hardened.log; exit 1; }
	tests/elf-hardening.sh $(RP_HARDENED)/ngx_http_rp_module.so

RP_NPM_TOOLS := $(BUILD)/npm-tools
REDOCLY_VERSION   ?= 1.34.20
PUPPETEER_VERSION ?= 22.15.0

.PHONY: docs-tools test-openapi-lint test-docs-browser
docs-tools: $(RP_NPM_TOOLS)/.installed

$(RP_NPM_TOOLS)/.installed:
	@mkdir -p $(RP_NPM_TOOLS)
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix $(RP_NPM_TOOLS) --no-audit \
	    --no-fund --no-save --loglevel=error @redocly/cli@$(REDOCLY_VERSION) \
	    puppeteer-core@$(PUPPETEER_VERSION)
	touch $@

test-openapi-lint: $(RP_NPM_TOOLS)/.installed
	@$(RP_NPM_TOOLS)/node_modules/.bin/redocly lint --format=stylish \
	    conf/openapi.json > $(BUILD)/openapi-lint.log 2>&1 \
	    || { cat $(BUILD)/openapi-lint.log; exit 1; }
	@if grep -Eq '(error|warning) +[a-z-]+' $(BUILD)/openapi-lint.log; then \
	    cat $(BUILD)/openapi-lint.log; echo "FAIL - redocly lint warns"; exit 1; fi
	@echo "ok   - redocly lint: conf/openapi.json has no error and no warning"

test-docs-browser: $(RP_NPM_TOOLS)/.installed $(RP_NGX_SO) $(RP_T_MODEL) \
        $(BUILD)/rp-train docs-assets
	tests/docs-browser-test.sh
