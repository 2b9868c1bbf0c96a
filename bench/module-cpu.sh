#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# module-cpu.sh: CPU per request of the nginx workers and of redis-server,
# bare nginx against the module, this revision against another one,
# interleaved in one run; figures go to bench/module-cpu.md.
#
#   scripts/with-redis bench/module-cpu.sh          (part of make bench-module)
#   RP_BASE_BUILD=DIR scripts/with-redis bench/module-cpu.sh
#   (make bench-module-cpu RP_BASE_BUILD=DIR)
#
# DIR is the build/ directory of the other revision (its
# ngx_http_rp_module.so and rp-train); without it only this revision runs.
# Each revision's store is filled by its own rp-train materialize (its own
# layout) into its own Redis database, from the same generated events, and
# both score the model fitted by this rp-train. Instances, side by side:
#   bare   nginx without the module: POST to `return 200` with a body as
#          long as a prediction
#   base   the other revision's module
#   this   this module
# With 1 worker, then 2: each round runs wrk against each instance in turn
# (/predict of a user with about 400 events, then /predict/batch of 100
# users). CPU per request = user + system ticks (/proc/PID/stat) over the
# run, of all the instance's workers and of redis-server, divided by the
# requests wrk completed. wrk shares the machine: with 2 workers the bare
# side is limited by wrk, so the ratio of throughputs flatters the module
# and the CPU per request is the figure to compare.
#
# RP_BENCH_EXPLAIN=1 adds an instance "explain": this module again, asked
# for explanations ("explain": true on /predict and on every batch item).
# RP_BENCH_OUT=FILE writes the report there instead of bench/module-cpu.md.

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
redis=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
base=${RP_BASE_BUILD:-}
rounds=${RP_BENCH_ROUNDS:-3}
secs=${RP_BENCH_SECONDS:-6}
conns=${RP_BENCH_CONNS:-32}
out=${RP_BENCH_OUT:-$here/bench/module-cpu.md}
explain=${RP_BENCH_EXPLAIN:-}
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-cpu.XXXXXX")
pids=

cleanup() {
    for p in $pids; do kill -QUIT "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

builds="this"
[ -z "$base" ] || builds="base this"
[ -z "$explain" ] || builds="$builds explain"

for f in "$here/build/ngx_http_rp_module.so" "$here/build/rp-train" \
         ${base:+"$base/ngx_http_rp_module.so" "$base/rp-train"}; do
    [ -f "$f" ] || { echo "module-cpu: $f missing" >&2; exit 1; }
done

redis_pid=$(redis-cli -p "$redis" INFO server | tr -d '\r' \
            | sed -n 's/^process_id://p')

# 200 users over the last year: the heaviest have hundreds of events
start=$(date -u -d '-365 days' +%Y-%m-%dT00:00:00Z)
"$here/build/rp-train" generate --users 200 --products 200 --days 365 \
    --start "$start" -q -o "$dir/events.csv"
"$here/build/rp-train" materialize "$dir/events.csv" \
    --redis "127.0.0.1:$redis" --db 1 -q
[ -z "$base" ] || "$base/rp-train" materialize "$dir/events.csv" \
    --redis "127.0.0.1:$redis" --db 2 -q
"$here/build/rp-train" fit "$dir/events.csv" -o "$dir/model.rpf" -q > /dev/null
# the other revision scores the same trees written by its own rp-train
# (an older build may not read this one's file format)
[ -z "$base" ] || "$base/rp-train" fit "$dir/events.csv" -o "$dir/model-base.rpf" \
    -q > /dev/null
nf=$("$here/build/rp-train" inspect "$dir/model.rpf" \
     | sed -n 's/^features *\([0-9]*\).*/\1/p')

# the user whose event count is nearest 400, and one of its products
counts=$(cut -d, -f2 "$dir/events.csv" | sed 1d | sort | uniq -c)
set -- $(echo "$counts" | awk '{ d = $1 - 400; d = d < 0 ? -d : d;
                                 if (NR == 1 || d < b) { b = d; u = $2; n = $1 } }
                               END { print u, n }')
user=$1 nev=$2
product=$(awk -F, -v u="$user" '$2 == u && $4 == "purchase" { p = $3 } END { print p }' \
          "$dir/events.csv")
printf '{"user_id":"%s","product_id":"%s"}' "$user" "$product" > "$dir/one.json"
echo "$counts" | sort -rn | head -100 | awk 'BEGIN { printf "[" }
    { printf "%s{\"user_id\":\"%s\",\"product_id\":\"prod_%04d\"}",
      (NR > 1 ? "," : ""), $2, NR }
    END { printf "]" }' > "$dir/batch.json"
sed 's/}/,"explain":true}/g' "$dir/one.json" > "$dir/one-explain.json"
sed 's/}/,"explain":true}/g' "$dir/batch.json" > "$dir/batch-explain.json"

start() {   # NAME WORKERS [MODULE DB [MODEL]] -> sets port_NAME, master_NAME
    rm -rf "$dir/$1"
    mkdir -p "$dir/$1/conf" "$dir/$1/logs"
    p=$("$here/scripts/free-port")
    {
        [ -z "${3:-}" ] || echo "load_module $3;"
        cat <<END
worker_processes $2;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$p backlog=1024;
END
        if [ -n "${3:-}" ]; then
            cat <<END
        rp_model ${5:-$dir/model.rpf};
        rp_redis 127.0.0.1:$redis;
        rp_redis_db $4;
        rp_redis_timeout 100ms;
        client_body_buffer_size 64k;
        location = /predict { rp_predict; }
        location = /predict/batch { rp_predict_batch; }
END
        else
            cat <<END
        location = /predict { return 200 '$bare_one'; }
END
        fi
        echo "    }"
        echo "}"
    } > "$dir/$1/conf/nginx.conf"
    "$nginx" -p "$dir/$1" -c conf/nginx.conf
    sleep 0.3
    m=$(cat "$dir/$1/logs/nginx.pid")
    pids="$pids $m"
    eval "port_$1=$p master_$1=$m"
    curl -s -X POST -H 'Content-Type: application/json' \
        --data-binary @"$dir/one.json" "http://127.0.0.1:$p/predict" \
        > "$dir/$1.first"
}

stop() {   # NAME
    eval "m=\$master_$1"
    kill -QUIT "$m" 2>/dev/null || true
    while kill -0 "$m" 2>/dev/null; do sleep 0.1; done
}

ticks() {   # PID... -> their user + system ticks
    for p in "$@"; do cat "/proc/$p/stat"; done \
        | awk '{ s += $14 + $15 } END { print s + 0 }'
}
hz=$(getconf CLK_TCK)

run() {   # NAME PATH BODY THREADS -> "requests/s worker-us redis-us"
    eval "p=\$port_$1 m=\$master_$1"
    w=$(pgrep -P "$m" | tr '\n' ' ')
    t0=$(ticks $w) r0=$(ticks "$redis_pid")
    RP_BODY_FILE=$3 wrk -t "$4" -c "$conns" -d "${secs}s" \
        -s "$here/bench/module.lua" "http://127.0.0.1:$p$2" > "$dir/wrk.txt" 2>&1
    t1=$(ticks $w) r1=$(ticks "$redis_pid")
    reqs=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
    rps=$(sed -n 's/^Requests\/sec: *//p' "$dir/wrk.txt")
    if grep -q 'Non-2xx' "$dir/wrk.txt"; then
        echo "module-cpu: non-2xx replies from $1" >&2; cat "$dir/wrk.txt" >&2
        exit 1
    fi
    awk -v t=$((t1 - t0)) -v r=$((r1 - r0)) -v hz="$hz" -v n="$reqs" -v q="$rps" \
        'BEGIN { printf "%.0f %.2f %.2f\n", q, 1e6 * t / hz / n, 1e6 * r / hz / n }'
}

# the bare answers are as long as this module's
bare_one=x
start probe 1 "$here/build/ngx_http_rp_module.so" 1
grep -q '"features_source":"store"' "$dir/probe.first" \
    || { echo "module-cpu: the module does not read the store:" >&2; cat "$dir/probe.first" >&2; exit 1; }
bare_one=$(head -c "$(wc -c < "$dir/probe.first")" /dev/zero | tr '\0' x)
stop probe

rows=""
for nw in 1 2; do
    start bare "$nw"
    start this "$nw" "$here/build/ngx_http_rp_module.so" 1
    [ -z "$base" ] || start base "$nw" "$base/ngx_http_rp_module.so" 2 \
        "$dir/model-base.rpf"
    [ -z "$explain" ] || start explain "$nw" "$here/build/ngx_http_rp_module.so" 1
    for n in $builds; do
        grep -q '"features_source":"store"' "$dir/$n.first" \
            || { echo "module-cpu: $n does not read the store:" >&2; cat "$dir/$n.first" >&2; exit 1; }
    done
    for r in $(seq 1 "$rounds"); do
        for ep in predict batch; do
            if [ $ep = predict ]; then
                path=/predict body=$dir/one.json all="bare $builds"
            else
                path=/predict/batch body=$dir/batch.json all=$builds
            fi
            for n in $all; do
                b=$body
                [ "$n" != explain ] || b=${body%.json}-explain.json
                set -- $(run $n $path "$b" "$nw")
                echo "workers $nw round $r $ep $n: $1 req/s, worker $2 us," \
                     "redis $3 us a request" >&2
                rows="$rows$nw $r $ep $n $1 $2 $3
"
            done
        done
    done
    stop bare; stop this; [ -z "$base" ] || stop base
    [ -z "$explain" ] || stop explain
done

echo "$rows" > "$dir/rows"

# medians over the rounds; worker CPU and throughput against bare
summary=$(awk -v builds="$builds" '
    function med(k,   n, i, j, t, a) {
        n = c[k]
        for (i = 1; i <= n; i++) a[i] = v[k, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
            if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NF == 7 {
        for (f = 5; f <= 7; f++) { k = $1 " " $3 " " $4 " " f; v[k, ++c[k]] = $f }
    }
    END {
        for (w = 1; w <= 2; w++) {
            nb = split("bare " builds, b, " ")
            bw = med(w " predict bare 6"); bq = med(w " predict bare 5")
            for (i = 1; i <= nb; i++) {
                k = w " predict " b[i]
                printf "| %d | /predict | %s | %.0f | %.1f%% | %.2f | %.2fx | %.2f |\n",
                    w, b[i], med(k " 5"), 100 * med(k " 5") / bq, med(k " 6"),
                    med(k " 6") / bw, med(k " 7")
            }
            nb = split(builds, b, " ")
            for (i = 1; i <= nb; i++) {
                k = w " batch " b[i]
                printf "| %d | /predict/batch (100) | %s | %.0f | - | %.2f | - | %.2f |\n",
                    w, b[i], med(k " 5"), med(k " 6"), med(k " 7")
            }
        }
    }' "$dir/rows")

cat > "$out" <<END
# CPU per request: nginx workers and Redis, bare nginx and the module

Generated by \`bench/module-cpu.sh\` (\`make bench-module\`, or
\`make bench-module-cpu RP_BASE_BUILD=DIR\` for a before/after) on
$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load at the start
$(cut -d' ' -f1-3 /proc/loadavg) (a shared machine).
Instances side by side: **bare**, nginx \`return 200\` with a body as long
as the module's /predict answer (for /predict only: a batch's answer does
not fit in an nginx.conf string); **this**, this module;$([ -z "$base" ] || echo " **base**, the module of the
revision in RP_BASE_BUILD (its own store layout);") the model fitted by this
rp-train on 200 users over a year ($nf features). /predict asks for
\`$user\`, who has $nev events; the batch asks for the 100 users with the
most events. With 1 worker, then 2; $rounds rounds each running wrk
(as many threads as workers, $conns connections, ${secs} s) against every
instance in turn. CPU = user + system time (/proc/PID/stat) over the run of
all the workers, and of redis-server, divided by the requests completed.
With 2 workers wrk competes for the same 2 CPUs and limits the bare side:
compare the CPU per request, not the throughput ratio.

Medians over the rounds:

| workers | endpoint | build | requests/s | of bare | worker CPU us/request | x bare | Redis CPU us/request |
| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |
$summary

Every run:

| workers | round | endpoint | build | requests/s | worker us/request | Redis us/request |
| ---: | ---: | --- | --- | ---: | ---: | ---: |
$(awk 'NF == 7 { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$dir/rows")
END
cat "$out"
