#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# redis-restart.sh: Redis goes away and comes back while nginx serves
# /predict. Passes when every answer is a 200 (default features while Redis
# is down, within rp_redis_timeout), and the workers reconnect by themselves:
# "features_source":"store" again within a few seconds of the restart.
# Starts its own redis-server on a free loopback port, stops it by PID.
#
#   tests/redis-restart.sh

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
port=$("$here/scripts/free-port")
rport=$("$here/scripts/free-port")
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-restart.XXXXXX")
pid=

redis_start() {
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
        --logfile "$dir/redis.log"
    i=0
    while ! redis-cli -p "$rport" ping > /dev/null 2>&1; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "redis did not start"; exit 1; }
        sleep 0.05
    done
    "$here/build/rp-train" materialize "$here/t/data/events.csv" \
        --redis "127.0.0.1:$rport" -q
}

redis_stop() {
    kill "$(cat "$dir/redis.pid")"
    while redis-cli -p "$rport" ping > /dev/null 2>&1; do sleep 0.05; done
    rm -f "$dir/redis.pid"
}

cleanup() {
    if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null || true; fi
    if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" || true; fi
    sleep 0.3
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

predict() {   # prints "CODE SOURCE"
    curl -s -o "$dir/body" -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' \
        -d '{"user_id":"u_loyal","product_id":"p1"}' \
        "http://127.0.0.1:$port/predict"
    printf ' %s\n' "$(sed -n 's/.*"features_source":"\([a-z]*\)".*/\1/p' \
                      "$dir/body")"
}

mkdir -p "$dir/conf" "$dir/logs"
"$here/build/t/mkmodel" "$dir/model.rpf" restart
redis_start

cat > "$dir/conf/nginx.conf" <<END
load_module $here/build/ngx_http_rp_module.so;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    rp_model $dir/model.rpf;
    rp_redis 127.0.0.1:$rport;
    rp_redis_timeout 50ms;
    server {
        listen 127.0.0.1:$port;
        location = /predict { rp_predict; }
    }
}
END

"$nginx" -p "$dir" -c conf/nginx.conf
pid=$(cat "$dir/logs/nginx.pid")
sleep 0.3

fail=0
check() {   # expected-source label
    got=$(predict)
    case "$got" in
    "200 $1") ;;
    *) echo "FAIL ($2): got \"$got\", expected \"200 $1\""; fail=1 ;;
    esac
}

for i in 1 2 3 4; do check store "before"; done

redis_stop
for i in 1 2 3 4 5 6 7 8; do check default "redis down"; done

redis_start
ok=0
for i in $(seq 1 60); do             # the backoff is capped at 5 s
    got=$(predict)
    case "$got" in
    "200 store") ok=$((ok + 1)); [ $ok -ge 8 ] && break ;;
    "200 default") ;;
    *) echo "FAIL (restart): got \"$got\""; fail=1 ;;
    esac
    sleep 0.1
done
[ $ok -ge 8 ] || { echo "FAIL: no reconnect within 6 s"; fail=1; }

if grep -E '\[(alert|crit|emerg)\]|exited on signal' "$dir/logs/error.log"; then
    echo "FAIL: see the error log lines above"; fail=1
fi
grep -c 'connected' "$dir/logs/error.log" | sed 's/^/connects logged: /'

[ $fail -eq 0 ] && echo "redis-restart: down, up, reconnected: ok"
exit $fail
