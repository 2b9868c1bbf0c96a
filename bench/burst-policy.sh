#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# burst-policy.sh: what the module's timeout policy does to bursts of
# 100-item batches; the table goes to bench/burst-policy-run.md
# (bench/burst-policy.md compares policies with it).
#
#   scripts/with-redis bench/burst-policy.sh     (make bench-burst-policy)
#   RP_BENCH_MODULE=other.so ...                  another build of the module
#
# nginx (2 workers, the default rp_redis_timeout 20ms), batches of 100
# stored users, three runs:
#   burst      10 rounds of 64 batches sent at the same moment (6,400
#              HMGETs), 0.3 s apart (bench/burst.py);
#   stall      the same while Redis is paused 300 ms every second (CLIENT
#              PAUSE), as a slow command or a fork would stall it;
#   overload   wrk, 64 connections in a closed loop for RP_BENCH_SECONDS
#              (6): more than Redis and nginx can serve on this machine.
# Counted from the answers, /metrics and the error log: items served from
# the store and with default features, request timeouts, Redis errors
# (replies lost when a connection is dropped), connection drops.

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
redis=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
so=${RP_BENCH_MODULE:-$here/build/ngx_http_rp_module.so}
secs=${RP_BENCH_SECONDS:-6}
out=$here/bench/burst-policy-run.md
port=$("$here/scripts/free-port")
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-burst.XXXXXX")
pid=

cleanup() {
    if [ -n "$pid" ]; then kill -QUIT "$pid" 2>/dev/null || true; sleep 0.3; fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

mkdir -p "$dir/conf" "$dir/logs"

"$here/build/rp-train" generate --users 1000 --products 200 --days 60 -q \
    -o "$dir/events.csv"
"$here/build/rp-train" materialize "$dir/events.csv" \
    --redis "127.0.0.1:$redis" -q
cut -d, -f2 "$dir/events.csv" | sed 1d | sort -u | head -100 \
    | awk 'BEGIN { printf "[" }
        { printf "%s{\"user_id\":\"%s\",\"product_id\":\"prod_%04d\"}",
          (NR > 1 ? "," : ""), $1, NR }
        END { printf "]" }' > "$dir/batch.json"

cat > "$dir/conf/nginx.conf" <<END
load_module $so;
worker_processes 2;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    rp_model $here/build/t/model.rpf;
    rp_redis 127.0.0.1:$redis;
    server {
        listen 127.0.0.1:$port backlog=4096;
        client_max_body_size 64k;
        client_body_buffer_size 64k;
        location = /predict/batch { rp_predict_batch; }
        location = /metrics { rp_metrics; }
    }
}
END

metric() {   # name -> value summed over label sets
    awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 }
                   END { printf "%d", s }' "$dir/metrics"
}

run() {   # name: burst | stall | overload
    : > "$dir/logs/error.log"
    "$nginx" -p "$dir" -c conf/nginx.conf
    pid=$(cat "$dir/logs/nginx.pid")
    sleep 0.5
    pauser=
    if [ "$1" = stall ]; then
        ( while :; do sleep 1; redis-cli -p "$redis" CLIENT PAUSE 300 ALL \
              > /dev/null 2>&1 || exit 0; done ) &
        pauser=$!
    fi
    if [ "$1" = overload ]; then
        RP_BODY_FILE=$dir/batch.json wrk -t 2 -c 64 -d "${secs}s" \
            -s "$here/bench/module.lua" \
            "http://127.0.0.1:$port/predict/batch" > "$dir/$1.out" 2>&1
        answers="$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$dir/$1.out") in ${secs} s"
        slowest=$(sed -n 's/^ *Latency *[^ ]* *[^ ]* *\([^ ]*\).*/\1/p' "$dir/$1.out")
    else
        python3 "$here/bench/burst.py" "$port" "$dir/batch.json" 64 10 0.3 \
            > "$dir/$1.out"
        answers=$(sed -n 's/^status \([^ ]*\).*/\1/p' "$dir/$1.out")
        slowest=$(sed -n 's/.*slowest_ms \([^ ]*\).*/\1 ms/p' "$dir/$1.out")
    fi
    if [ -n "$pauser" ]; then kill "$pauser" 2>/dev/null; wait "$pauser" 2>/dev/null || true; fi
    curl -s "http://127.0.0.1:$port/metrics" > "$dir/metrics"
    kill -QUIT "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    pid=

    items=$(metric rp_predictions_total)
    fell=$(($(metric rp_fallbacks_total) - $(metric rp_store_corrupt_total)))
    drops=$(grep -c -e 'timeouts in a row, reconnecting' \
            -e 'timed out in a row, reconnecting' \
            -e 'commands waiting, reconnecting' "$dir/logs/error.log" || true)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$1" "$answers" "$((items - fell))" "$fell" "$slowest" \
        "$(metric rp_redis_timeouts_total)" "$(metric rp_redis_errors_total)" \
        "$drops"
}

{
    echo "| run | answers | items from the store | items on default features | slowest answer (per round; wrk: max) | request timeouts | Redis errors | connection drops |"
    echo "|---|---|---|---|---|---|---|---|"
    run burst
    run stall
    run overload
} > "$dir/table.md"

cat "$dir/table.md"
if [ -z "${RP_BENCH_MODULE:-}" ]; then cp "$dir/table.md" "$out"; fi
