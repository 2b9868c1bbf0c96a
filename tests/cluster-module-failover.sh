#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# cluster-module-failover.sh: nginx on a Redis Cluster under load, while
#   (a) 2000 slots are resharded from one primary to another
#       (redis-cli --cluster reshard): no wrong answer; the fallbacks to
#       default features and the redirects followed are counted;
#   (b) a primary is killed with SIGKILL (by its PID): answers fall back
#       until the cluster has promoted its replica and the workers have
#       learned the new map, then come from the store again, without a
#       reload; the window (kill to the last fallback) is measured.
# The load is tests/cluster-load.pl (2 clients, keep-alive), which checks
# every answer against a single Redis holding the same store
# (tests/cluster-fill.sh). Prints the figures; exit 1 on a wrong answer,
# on a window over RP_FAILOVER_MAX_MS (10000) or on fallbacks after it.
#
#   scripts/with-redis scripts/with-redis-cluster \
#       tests/cluster-module-failover.sh EVENTS     (make test-nginx-cluster-failover)

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
events=${1:?usage: cluster-module-failover.sh EVENTS}
single=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
cports=${RP_TEST_CLUSTER_PORTS:?run under scripts/with-redis-cluster}
max_window=${RP_FAILOVER_MAX_MS:-10000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-cluster-failover.XXXXXX")
npid=""
failed=0

cleanup() {
    [ -n "$npid" ] && kill -QUIT "$npid" 2>/dev/null
    sleep 0.3
    [ -n "${KEEP_TMP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; failed=1; }
now_ms() { perl -MTime::HiRes=time -e 'printf "%d\n", time * 1000'; }

"$top/tests/cluster-fill.sh" "$events" || exit 1

# each user and a product it has a field for
redis-cli -p "$single" --scan --pattern 'rp:*' | sed 's/^rp:{\(.*\)}$/\1/' \
    | while read -r u; do
        p=$(redis-cli -p "$single" hkeys "rp:{$u}" | sed -n 's/^p://p' | head -1)
        echo "$u ${p:-prod_none}"
    done > "$dir/users"

seed=${cports%% *}
seeds=""
for p in $(echo "$RP_TEST_CLUSTER_SEEDS" | tr , ' '); do seeds="$seeds $p"; done

port=$("$top/scripts/free-port")
mkdir -p "$dir/conf" "$dir/logs"
cat > "$dir/conf/nginx.conf" <<END
load_module $top/build/ngx_http_rp_module.so;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    rp_model $top/build/t/model.rpf;
    rp_redis_timeout 100ms;
    server {
        listen 127.0.0.1:$port;
        location /c/ {
            rp_redis_cluster$seeds;
            location = /c/ { rp_health; }
            location = /c/predict { rp_predict; }
        }
        location = /s/predict {
            rp_redis 127.0.0.1:$single;
            rp_predict;
        }
        location = /metrics { rp_metrics; }
    }
}
END

"$nginx" -p "$dir" -c conf/nginx.conf -e logs/error.log || exit 1
npid=$(cat "$dir/logs/nginx.pid")

i=0
until curl -s "127.0.0.1:$port/c/" | grep -q '"slots_covered":16384'; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "no slot map"; exit 1; }
    sleep 0.05
done

redirects() {
    curl -s "127.0.0.1:$port/metrics" \
        | sed -n "s/^rp_redis_redirects_total{type=\"$1\"} //p"
}

# LOAD SECONDS: two clients; their summed counters in $dir/sum
load() {
    for c in 1 2; do
        perl "$top/tests/cluster-load.pl" "$port" "$1" "$dir/users" \
            > "$dir/load.$c" 2> "$dir/load.$c.err" &
    done
}

load_wait() {
    wait
    cat "$dir"/load.?.err
    awk '{ n += $2; s += $4; d += $6; w += $8;
           if ($10 && (!f || $10 < f)) f = $10; if ($12 > l) l = $12 }
         END { printf "%d %d %d %d %.0f %.0f\n", n, s, d, w, f, l }' "$dir"/load.? > "$dir/sum"
    read -r n s d w first last < "$dir/sum"
}

node_id() { redis-cli -p "$1" cluster myid; }
primaries() {
    for p in $cports; do
        redis-cli -p "$p" role 2>/dev/null | head -1 | grep -q master && echo "$p"
    done
}

# (a) resharding under load
set -- $(primaries)
from=$1 to=$2
moved0=$(redirects moved) ask0=$(redirects ask)
load 8
sleep 1
t0=$(now_ms)
redis-cli --cluster reshard "127.0.0.1:$seed" --cluster-from "$(node_id "$from")" \
    --cluster-to "$(node_id "$to")" --cluster-slots 2000 --cluster-yes \
    > "$dir/reshard.log" 2>&1 || { fail "reshard failed"; tail "$dir/reshard.log"; }
t1=$(now_ms)
load_wait
echo "reshard: 2000 slots moved in $((t1 - t0)) ms under load:" \
     "$n requests, $s from the store, $d on default features, $w wrong;" \
     "redirects followed: moved $(( $(redirects moved) - moved0 )), ask $(( $(redirects ask) - ask0 ))"
[ "$w" -eq 0 ] || fail "$w wrong answers during the reshard"
[ "$s" -gt 0 ] || fail "no answer from the store during the reshard"

# (b) a primary killed under load
victim=$(primaries | head -1)
load 10
sleep 2
kill_ms=$(now_ms)
kill -KILL "$(cat "$RP_TEST_CLUSTER_DIR/redis-$victim.pid")"
# when the cluster itself is whole again: 3 primaries, state ok
alive=$(for p in $cports; do [ "$p" = "$victim" ] || echo "$p"; done | head -1)
(
    i=0
    while [ $i -lt 600 ]; do
        i=$((i + 1)) n=0
        for p in $cports; do
            [ "$p" = "$victim" ] && continue
            redis-cli -p "$p" role 2>/dev/null | head -1 | grep -q master \
                && n=$((n + 1))
        done
        [ $n -eq 3 ] && redis-cli -p "$alive" cluster info 2>/dev/null \
            | grep -q 'cluster_state:ok' && break
        sleep 0.05
    done
    now_ms > "$dir/healed"
) &
load_wait
end_ms=$(now_ms)
healed=$(( $(cat "$dir/healed") - kill_ms ))
window=0
[ "$last" -gt 0 ] && window=$((last - kill_ms))
echo "failover: primary $victim killed (SIGKILL) under load: $n requests," \
     "$s from the store, $d on default features, $w wrong;" \
     "fallbacks from +$(( first ? first - kill_ms : 0 )) ms to +$window ms after the kill" \
     "(failover window $window ms; the cluster itself had a new primary and" \
     "state ok at +$healed ms; cluster-node-timeout 1000 ms)"
[ "$w" -eq 0 ] || fail "$w wrong answers during the failover"
[ "$window" -le "$max_window" ] || fail "window $window ms over $max_window ms"
[ "$((end_ms - last))" -ge 3000 ] || fail "still falling back $((end_ms - last)) ms before the end"

# after the window: every user from the store, through the same workers
load 2
load_wait
echo "after the failover: $n requests, $s from the store, $d on default features, $w wrong"
[ "$d" -eq 0 ] && [ "$w" -eq 0 ] || fail "answers after the failover are not all from the store"
[ "$npid" = "$(cat "$dir/logs/nginx.pid")" ] || fail "nginx was restarted"

# GET / as conf/openapi.json describes it
curl -s "127.0.0.1:$port/c/" > "$dir/health.json"
"$top/tests/openapi-test.sh" --validate Health "$dir/health.json" \
    > "$dir/openapi.out" 2>&1 \
    || { fail "GET / does not match the Health schema"; cat "$dir/openapi.out"; }
grep -q '"unmapped"' "$dir/health.json" \
    || fail "the killed primary is not unmapped in GET /"

# the cluster's metrics as Prometheus reads them
curl -s "127.0.0.1:$port/metrics" > "$dir/metrics"
promtool check metrics < "$dir/metrics" > "$dir/promtool.out" 2>&1 \
    || { fail "promtool check metrics"; cat "$dir/promtool.out"; }
grep -q '^rp_redis_cluster_node_up{.*role="primary"} 1$' "$dir/metrics" \
    || fail "no primary up in /metrics"
grep -q '^rp_redis_cluster_slots_covered{.*} 16384$' "$dir/metrics" \
    || fail "the slot map is not whole in /metrics"

grep -E '\[(alert|crit|emerg)\]' "$dir/logs/error.log" && fail "alerts in error.log"

[ "$failed" -eq 0 ] && echo "cluster-module-failover: ok" || exit 1
