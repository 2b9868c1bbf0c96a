#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# reload-under-load.sh: constant load on /predict while the model is
# swapped (written to a temporary file and renamed into place by
# rp_model_write) and nginx reloaded several times. Passes when every
# response is a 2xx, there are no socket errors, and after each reload
# /model/info reports the new version. Needs TEST_NGINX_REDIS_PORT
# (run it under scripts/with-redis) and a built module and mkmodel.
#
#   scripts/with-redis tests/reload-under-load.sh [RELOADS]

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
reloads=${1:-5}
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
module=$here/build/ngx_http_rp_module.so
mkmodel=$here/build/t/mkmodel
port=$("$here/scripts/free-port")
redis=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-reload.XXXXXX")
pid=

cleanup() {
    if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null || true; sleep 0.3; fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$dir/conf" "$dir/logs"
"$here/build/rp-train" materialize "$here/t/data/events.csv" \
    --redis "127.0.0.1:$redis" -q
"$mkmodel" "$dir/model.rpf" reload-0

cat > "$dir/conf/nginx.conf" <<END
load_module $module;
worker_processes 2;
error_log logs/error.log warn;
pid logs/nginx.pid;
worker_shutdown_timeout 10s;
events { worker_connections 1024; }
http {
    access_log off;
    rp_model $dir/model.rpf;
    rp_redis 127.0.0.1:$redis;
    server {
        listen 127.0.0.1:$port;
        location = /predict { rp_predict; }
        location = /model/info { rp_model_info; }
    }
}
END

"$nginx" -p "$dir" -c conf/nginx.conf
pid=$(cat "$dir/logs/nginx.pid")
sleep 0.3

secs=$((reloads + 3))
wrk -t 2 -c 16 -d "${secs}s" -H 'Connection: close' \
    -s "$here/bench/predict.lua" "http://127.0.0.1:$port/predict" \
    > "$dir/wrk.out" 2>&1 &
wrk_pid=$!

fail=0
i=1
while [ $i -le "$reloads" ]; do
    sleep 0.8
    "$mkmodel" "$dir/model.rpf" "reload-$i"
    "$nginx" -p "$dir" -c conf/nginx.conf -s reload
    sleep 0.4
    got=$(curl -s "http://127.0.0.1:$port/model/info" \
          | sed -n 's/^{"model_version":"\([^"]*\)".*/\1/p')
    if [ "$got" != "reload-$i" ]; then
        echo "reload $i: /model/info says \"$got\", expected reload-$i"
        fail=1
    fi
    i=$((i + 1))
done

wait "$wrk_pid"
cat "$dir/wrk.out"

if grep -q 'Non-2xx' "$dir/wrk.out"; then
    echo "FAIL: non-2xx responses under reload"; fail=1
fi
if grep -q 'Socket errors' "$dir/wrk.out"; then
    echo "FAIL: socket errors under reload"; fail=1
fi
if grep -E '\[(alert|crit|emerg)\]|exited on signal' "$dir/logs/error.log"; then
    echo "FAIL: see the error log lines above"; fail=1
fi

[ $fail -eq 0 ] && echo "reload-under-load: $reloads reloads, all 2xx: ok"
exit $fail
