#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# cluster-module.sh: the module on a Redis Cluster against one Redis, with
# the same store: worker CPU per request (user + system ticks of the
# workers from /proc/PID/stat over a wrk run, divided by the requests),
# Redis CPU per request (every node of the cluster, or the one server) and
# wrk's p99, interleaved rounds of /predict and /predict/batch (100 users,
# spread over the primaries); then the failover window and the resharding
# fallbacks of tests/cluster-module-failover.sh, run RP_FAILOVER_RUNS
# times. Figures go to bench/cluster-module.md.
#
#   scripts/with-redis scripts/with-redis-cluster bench/cluster-module.sh
#   (make bench-cluster-module)

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
redis=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
cports=${RP_TEST_CLUSTER_PORTS:?run under scripts/with-redis-cluster}
rounds=${RP_BENCH_ROUNDS:-3}
secs=${RP_BENCH_SECONDS:-5}
conns=${RP_BENCH_CONNS:-16}
fruns=${RP_FAILOVER_RUNS:-3}
out=$here/bench/cluster-module.md
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-cluster.XXXXXX")
pids=

cleanup() {
    for p in $pids; do kill -QUIT "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# 200 users over the last year, as bench/module-cpu.sh
start=$(date -u -d '-365 days' +%Y-%m-%dT00:00:00Z)
"$here/build/rp-train" generate --users 200 --products 200 --days 365 \
    --start "$start" -q -o "$dir/events.csv"
"$here/tests/cluster-fill.sh" "$dir/events.csv"
"$here/build/rp-train" fit "$dir/events.csv" -o "$dir/model.rpf" -q > /dev/null

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

redis_pid() { redis-cli -p "$1" INFO server | tr -d '\r' | sed -n 's/^process_id://p'; }
single_pids=$(redis_pid "$redis")
cluster_pids=""
for p in $cports; do cluster_pids="$cluster_pids $(redis_pid "$p")"; done
seeds=$(echo "$RP_TEST_CLUSTER_SEEDS" | tr , ' ')

start() {   # NAME STORE-DIRECTIVES -> port_NAME, master_NAME
    mkdir -p "$dir/$1/conf" "$dir/$1/logs"
    p=$("$here/scripts/free-port")
    cat > "$dir/$1/conf/nginx.conf" <<END
load_module $here/build/ngx_http_rp_module.so;
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$p backlog=1024;
        rp_model $dir/model.rpf;
        $2
        rp_redis_timeout 100ms;
        client_body_buffer_size 64k;
        location = /predict { rp_predict; }
        location = /predict/batch { rp_predict_batch; }
    }
}
END
    "$nginx" -p "$dir/$1" -c conf/nginx.conf
    sleep 0.5
    m=$(cat "$dir/$1/logs/nginx.pid")
    pids="$pids $m"
    eval "port_$1=$p master_$1=$m"
    for f in one batch; do
        ep=/predict; [ $f = one ] || ep=/predict/batch
        curl -s -X POST -H 'Content-Type: application/json' \
            --data-binary @"$dir/$f.json" "http://127.0.0.1:$p$ep" > "$dir/$1.$f"
        if grep -q '"features_source":"default"' "$dir/$1.$f"; then
            echo "cluster-module: $1 $ep answers on default features" >&2
            exit 1
        fi
    done
}

ticks() {   # PID... -> their user + system ticks
    for p in "$@"; do cat "/proc/$p/stat"; done \
        | awk '{ s += $14 + $15 } END { print s + 0 }'
}
hz=$(getconf CLK_TCK)

run() {   # NAME PATH BODY REDIS-PIDS -> "requests/s worker-us redis-us p99-ms"
    eval "p=\$port_$1 m=\$master_$1"
    w=$(pgrep -P "$m" | tr '\n' ' ')
    t0=$(ticks $w) r0=$(ticks $4)
    RP_BODY_FILE=$3 wrk -t 1 -c "$conns" -d "${secs}s" --latency \
        -s "$here/bench/module.lua" "http://127.0.0.1:$p$2" > "$dir/wrk.txt" 2>&1
    t1=$(ticks $w) r1=$(ticks $4)
    reqs=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
    rps=$(sed -n 's/^Requests\/sec: *//p' "$dir/wrk.txt")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
                             else if (v ~ /ms$/) sub(/ms$/, "", v);
                             else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
                             print v }' "$dir/wrk.txt")
    if grep -q 'Non-2xx' "$dir/wrk.txt"; then
        echo "cluster-module: non-2xx replies from $1" >&2; cat "$dir/wrk.txt" >&2
        exit 1
    fi
    awk -v t=$((t1 - t0)) -v r=$((r1 - r0)) -v hz="$hz" -v n="$reqs" \
        -v q="$rps" -v l="$p99" \
        'BEGIN { printf "%.0f %.2f %.2f %.2f\n", q, 1e6 * t / hz / n,
                 1e6 * r / hz / n, l }'
}

start single "rp_redis 127.0.0.1:$redis;"
start cluster "rp_redis_cluster $seeds;"
start replicas "rp_redis_cluster $seeds; rp_redis_replica_reads on;"

rows=""
for r in $(seq 1 "$rounds"); do
    for ep in predict batch; do
        if [ $ep = predict ]; then path=/predict body=$dir/one.json
        else path=/predict/batch body=$dir/batch.json; fi
        for n in single cluster replicas; do
            rp=$cluster_pids; [ $n = single ] && rp=$single_pids
            set -- $(run $n $path "$body" "$rp")
            echo "round $r $ep $n: $1 req/s, worker $2 us, redis $3 us a" \
                 "request, p99 $4 ms" >&2
            rows="$rows$r $ep $n $1 $2 $3 $4
"
        done
    done
done
echo "$rows" > "$dir/rows"

summary=$(awk '
    function med(k,   n, i, j, t, a) {
        n = c[k]
        for (i = 1; i <= n; i++) a[i] = v[k, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
            if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NF == 7 { for (f = 4; f <= 7; f++) { k = $2 " " $3 " " f; v[k, ++c[k]] = $f } }
    END {
        split("predict batch", e, " "); split("single cluster replicas", b, " ")
        for (i = 1; i <= 2; i++) {
            base = med(e[i] " single 5")
            for (j = 1; j <= 3; j++) {
                k = e[i] " " b[j]
                printf "| %s | %s | %.0f | %.2f | %.2fx | %.2f | %.2f |\n",
                    e[i] == "predict" ? "/predict" : "/predict/batch (100)",
                    b[j], med(k " 4"), med(k " 5"), med(k " 5") / base,
                    med(k " 6"), med(k " 7")
            }
        }
    }' "$dir/rows")

for pid in $pids; do kill -QUIT "$pid" 2>/dev/null || true; done
pids=

# the failover window and the resharding, on fresh clusters, from a
# single Redis holding their events only
"$here/build/rp-train" generate --users 400 --products 100 --days 60 \
    --seed 9 -q -o "$dir/events-load.csv"
redis-cli -p "$redis" flushdb > /dev/null
failover=""
for r in $(seq 1 "$fruns"); do
    TEST_NGINX_REDIS_PORT=$redis "$here/scripts/with-redis-cluster" \
        "$here/tests/cluster-module-failover.sh" "$dir/events-load.csv" \
        > "$dir/failover.$r" 2>&1 || { cat "$dir/failover.$r" >&2; exit 1; }
    failover="$failover$(grep -E '^(reshard|failover|after)' "$dir/failover.$r" \
                          | sed "s/^/- run $r, /")
"
done

cat > "$out" <<END
# The module on a Redis Cluster against one Redis

Generated by \`bench/cluster-module.sh\` (\`make bench-cluster-module\`) on
$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load at the start $load_start
(a shared machine). One store, twice: a single redis-server filled by
\`rp-train materialize\` and a cluster of 3 primaries and 3 replicas
(\`scripts/with-redis-cluster\`, all on this machine) holding a copy of it
(\`tests/cluster-fill.sh\`); 200 users over a year, the model fitted on
them. Three nginx instances of 1 worker, side by side: **single**
(\`rp_redis\`), **cluster** (\`rp_redis_cluster\`, reads on the
primaries), **replicas** (\`rp_redis_cluster\` with
\`rp_redis_replica_reads on\`). /predict asks for \`$user\` ($nev events),
one key on one node; the batch asks for the 100 users with the most
events, split over the three primaries (or their replicas). $rounds rounds,
each running wrk (1 thread, $conns connections, ${secs} s, \`--latency\`)
against every instance in turn. Worker CPU = user + system time of the
worker (/proc/PID/stat) over the run, divided by the requests completed;
Redis CPU the same for redis-server, or for the six nodes of the cluster
together (replication and the cluster bus included). wrk runs on the same
2 CPUs.

Medians over the rounds:

| endpoint | store | requests/s | worker CPU us/request | x single | Redis CPU us/request | p99 ms |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
$summary

Every run (round, endpoint, store, requests/s, worker us, Redis us, p99 ms):

\`\`\`
$(cat "$dir/rows")
\`\`\`

## Resharding and failover under load

\`tests/cluster-module-failover.sh\` (also \`make test-nginx-cluster-failover\`),
$fruns runs, each on a fresh cluster (cluster-node-timeout 1000 ms, Redis'
default cluster-require-full-coverage yes) with 400 users: nginx with 2
workers, two clients posting /predict over keep-alive connections, every
answer checked against the single Redis. (a) \`redis-cli --cluster
reshard\` of 2000 slots from one primary to another; (b) a primary killed
with SIGKILL (by its PID); the window runs from the kill to the last answer
on default features, and the cluster's own recovery is when a poll saw
three primaries and \`cluster_state:ok\` again (polled every 50 ms, plus the
time of redis-cli, so it can come after the module's).

$failover
END

cat "$out"
