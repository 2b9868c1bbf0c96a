# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# docker/docker.mk: deployment checks and the /docs assets (included by the
# top Makefile; BUILD, ALL_TARGETS and TEST_TARGETS come from there).
#
#   make test-deploy   docker-compose.yml, the Dockerfiles and conf/openapi.json
#                      are checked without a Docker engine (Debian's
#                      docker-compose validates the compose file offline)
#   make docs-assets   swagger-ui-dist from the npm registry into
#                      $(BUILD)/swagger-ui/ (not committed; served at /docs)
#   docker compose up --build   (or docker-compose up --build) runs the stack

# an exact version: a floating one changes the page under the tests
SWAGGER_UI_VERSION ?= 5.35.0
RP_SWAGGER_DIR     := $(BUILD)/swagger-ui

TEST_TARGETS += test-deploy

# With the module and the Test::Nginx model built (their make variables,
# when those fragments are there), compose-test.sh also runs
# docker/nginx.conf under this machine's nginx on a loopback port.
.PHONY: test-deploy docs-assets
test-deploy: $(RP_NGX_SO) $(RP_T_MODEL)
	RP_DEPLOY_MODULE=$(RP_NGX_SO) RP_DEPLOY_MODEL=$(RP_T_MODEL) \
	    tests/compose-test.sh
	tests/openapi-test.sh

# npm installs into a scratch prefix; the dist folder is then copied flat so
# that $(BUILD)/swagger-ui/swagger-ui-bundle.js is what /docs/ loads.
docs-assets: $(RP_SWAGGER_DIR)/swagger-ui-bundle.js

$(RP_SWAGGER_DIR)/swagger-ui-bundle.js:
	rm -rf $(BUILD)/swagger-npm $(RP_SWAGGER_DIR).tmp
	@mkdir -p $(BUILD)/swagger-npm
	npm install --prefix $(BUILD)/swagger-npm --no-audit --no-fund \
	    --no-save --loglevel=error swagger-ui-dist@$(SWAGGER_UI_VERSION)
	mkdir -p $(RP_SWAGGER_DIR).tmp
	cp -R $(BUILD)/swagger-npm/node_modules/swagger-ui-dist/. \
	    $(RP_SWAGGER_DIR).tmp/
	rm -rf $(RP_SWAGGER_DIR) $(BUILD)/swagger-npm
	mv $(RP_SWAGGER_DIR).tmp $(RP_SWAGGER_DIR)
