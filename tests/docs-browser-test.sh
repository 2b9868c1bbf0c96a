#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# docs-browser-test.sh: the /docs/ page as a reader meets it, served by
# conf/nginx.conf (through scripts/local-nginx-conf, as `make demo` runs
# it) in front of a throw-away redis-server holding the default data
# (`rp-train generate` with its defaults):
#   - every user and product id in conf/openapi.json's examples and in
#     docker-compose.yml's curl line exists in the default data;
#   - swagger-ui's CSS and JS come with their MIME types;
#   - in headless chromium (tests/docs-browser.js): the stylesheet applies,
#     the operations are listed, "Try it out" on POST /predict answers a
#     prediction with features_source "store"; a screenshot is left in
#     build/docs-browser/docs.png.
# nginx and redis-server run on free loopback ports and are stopped by PID.
# Needs: the module, rp-train, build/t/model.rpf, `make docs-assets` and
# `make docs-tools` (puppeteer-core), chromium.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
NPM_TOOLS=${RP_NPM_TOOLS:-$ROOT/build/npm-tools}
NGINX=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rp-docs-test.XXXXXX")
chmod 0755 "$TMP"
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
        i=0
        while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$NGINX_PID" 2>/dev/null
    fi
    [ -f "$TMP/redis.pid" ] && kill "$(cat "$TMP/redis.pid")" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for f in build/ngx_http_rp_module.so build/rp-train build/t/model.rpf \
         build/swagger-ui/swagger-ui-bundle.js "$NPM_TOOLS/node_modules/puppeteer-core"; do
    [ -e "$f" ] || { bad "$f is there (make test-docs-browser builds it)"; exit 1; }
done

# the default data, in a throw-away redis-server
build/rp-train generate -q -o "$TMP/events.csv"
rport=$(scripts/free-port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$TMP/redis.pid" --dir "$TMP" \
    --logfile "$TMP/redis.log" > /dev/null 2>&1
i=0
until redis-cli -p "$rport" ping > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
build/rp-train materialize "$TMP/events.csv" --redis "127.0.0.1:$rport" -q \
    || bad "rp-train materialize"

# the ids the examples use
cut -d, -f2 "$TMP/events.csv" | sort -u > "$TMP/users"
cut -d, -f3 "$TMP/events.csv" | sort -u > "$TMP/products"
missing=
for id in $(grep -ohE '\b(user|prod)_[0-9]+\b' conf/openapi.json docker-compose.yml | sort -u); do
    case "$id" in user_*) list=$TMP/users ;; *) list=$TMP/products ;; esac
    grep -qx "$id" "$list" || missing="$missing $id"
done
[ -z "$missing" ] && ok "the example ids of openapi.json and docker-compose.yml are in the default data" \
    || bad "ids not in the default data:$missing"

# conf/nginx.conf as the demo runs it
nport=$(scripts/free-port)
scripts/local-nginx-conf "$TMP/nginx" "$ROOT/build/t/model.rpf" "$rport" "$nport" 1 \
    || { bad "scripts/local-nginx-conf"; exit 1; }
if "$NGINX" -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
       -e "$TMP/nginx/logs/error.log" > "$TMP/nginx-t.out" 2>&1; then
    ok "nginx -t accepts conf/nginx.conf"
else
    bad "nginx -t accepts conf/nginx.conf"; cat "$TMP/nginx-t.out"; exit 1
fi
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log"
i=0
until [ -s "$TMP/nginx/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:$nport/docs/"; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
NGINX_PID=$(cat "$TMP/nginx/nginx.pid" 2>/dev/null)
base=http://127.0.0.1:$nport

ctype() { curl -s -o /dev/null -w '%{content_type}' "$base$1"; }
for p in "/docs/swagger-ui/swagger-ui.css text/css" \
         "/docs/swagger-ui/swagger-ui-bundle.js application/javascript" \
         "/docs/ text/html" "/openapi.json application/json"; do
    set -- $p
    t=$(ctype "$1")
    case "$t" in
        "$2"*) ok "$1 is served as $t" ;;
        *) bad "$1 is served as $2, not \"$t\"" ;;
    esac
done

mkdir -p build/docs-browser
NODE_PATH=$NPM_TOOLS/node_modules node tests/docs-browser.js "$base/docs/" \
    build/docs-browser/docs.png > "$TMP/browser.out" 2>&1
cat "$TMP/browser.out"
pass=$((pass + $(grep -c '^ok' "$TMP/browser.out")))
fail=$((fail + $(grep -c '^FAIL' "$TMP/browser.out")))
grep -q '^ok' "$TMP/browser.out" || bad "the browser checks ran"

echo "docs-browser-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
