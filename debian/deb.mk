# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# debian/deb.mk: the Debian packages (included by the top Makefile).
#
#   make deb       libnginx-mod-http-rp and rp-tools into build/deb/, built
#                  by dpkg-buildpackage from a copy of this tree with Debian's
#                  packages only (scripts/install-deps installs them);
#                  without the -dbgsym packages (RP_DEB_OPTIONS)
#   make test-deb  tests/deb-test.sh: the packages' contents and metadata,
#                  lintian, the ELF hardening of what they ship; as root it
#                  also installs them, runs nginx -t and one /predict with
#                  the packaged module, and purges them

RP_DEB_DIR     := $(BUILD)/deb
RP_DEB_VERSION := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
RP_DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
RP_DEBS        := $(RP_DEB_DIR)/libnginx-mod-http-rp_$(RP_DEB_VERSION)_$(RP_DEB_ARCH).deb \
                  $(RP_DEB_DIR)/rp-tools_$(RP_DEB_VERSION)_$(RP_DEB_ARCH).deb
RP_DEB_JOBS    ?= 2
RP_DEB_OPTIONS ?= noddebs

TEST_TARGETS += test-deb

.PHONY: deb test-deb
deb: $(RP_DEBS)

# the source tree without build products or the git directory; one recipe
# makes both packages (a grouped target: make -j runs it once)
$(RP_DEBS) &: $(RP_NGX_DEP) $(CORE_SRCS) $(wildcard lib/*.[ch] trainer/*.[ch] consumer/*.[ch] \
        debian/* debian/*/*) Makefile module.mk
	rm -rf $(RP_DEB_DIR)
	mkdir -p $(RP_DEB_DIR)/rp-$(RP_DEB_VERSION)
	tar -cf - --exclude=./build --exclude=./.git --exclude=./run \
	    --exclude='./t/servroot*' --exclude=node_modules . \
	    | tar -xf - -C $(RP_DEB_DIR)/rp-$(RP_DEB_VERSION)
	cd $(RP_DEB_DIR)/rp-$(RP_DEB_VERSION) \
	    && DEB_BUILD_OPTIONS="$(RP_DEB_OPTIONS) $$DEB_BUILD_OPTIONS" \
	       dpkg-buildpackage -b -uc -us -j$(RP_DEB_JOBS) > ../build.log 2>&1 \
	    || { tail -40 $(RP_DEB_DIR)/build.log; exit 1; }
	@ls $(RP_DEBS) > /dev/null

test-deb: $(RP_DEBS)
	tests/deb-test.sh $(RP_DEBS)
