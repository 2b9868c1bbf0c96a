#!/bin/sh
# module-cpu.sh: the nginx worker's CPU per request, this revision against
# another one, interleaved in one run; figures go to bench/module-cpu.md.
#
#   RP_BASE_BUILD=DIR scripts/with-redis bench/module-cpu.sh
#   (make bench-module-cpu RP_BASE_BUILD=DIR)
#
# DIR is the build/ directory of the other revision (its
# ngx_http_rp_module.so and rp-train). Each revision's store is filled by
# its own rp-train materialize (its own layout) into its own Redis
# database, from the same generated events. Three nginx instances, one
# worker each, run side by side:
#   base      the other revision's module, a model fitted by its rp-train
#   this      this module, the same model file
#   this-all  this module, a model fitted by this rp-train (every feature
#             of the table: features_used lists all of them)
# Each round runs wrk against each instance in turn (/predict, then
# /predict/batch of 100); worker CPU = user+system ticks of the worker
# (/proc/PID/stat) over the run, divided by the requests wrk completed.
# wrk and Redis share the machine, so absolute figures vary; the rounds
# interleave the builds so that load changes hit all of them.

set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
nginx=${TEST_NGINX_BINARY:-$(command -v nginx || echo /usr/sbin/nginx)}
redis=${TEST_NGINX_REDIS_PORT:?run under scripts/with-redis}
base=${RP_BASE_BUILD:?set RP_BASE_BUILD to the build/ directory of the revision to compare with}
rounds=${RP_BENCH_ROUNDS:-3}
secs=${RP_BENCH_SECONDS:-8}
conns=${RP_BENCH_CONNS:-16}
out=$here/bench/module-cpu.md
dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-cpu.XXXXXX")
pids=

cleanup() {
    for p in $pids; do kill -QUIT "$p" 2>/dev/null || true; done
    sleep 0.3
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

for f in "$base/ngx_http_rp_module.so" "$base/rp-train" \
         "$here/build/ngx_http_rp_module.so" "$here/build/rp-train"; do
    [ -x "$f" ] || [ -f "$f" ] || { echo "module-cpu: $f missing" >&2; exit 1; }
done

"$here/build/rp-train" generate --users 1000 --products 200 --days 120 -q \
    -o "$dir/events.csv"
"$base/rp-train" materialize "$dir/events.csv" --redis "127.0.0.1:$redis" \
    --db 2 -q
"$here/build/rp-train" materialize "$dir/events.csv" \
    --redis "127.0.0.1:$redis" --db 1 -q
"$base/rp-train" fit "$dir/events.csv" -o "$dir/base.rpf" -q > /dev/null
"$here/build/rp-train" fit "$dir/events.csv" -o "$dir/all.rpf" -q > /dev/null
nf_base=$("$here/build/rp-train" inspect "$dir/base.rpf" \
          | sed -n 's/^features *\([0-9]*\).*/\1/p')
nf_all=$("$here/build/rp-train" inspect "$dir/all.rpf" \
         | sed -n 's/^features *\([0-9]*\).*/\1/p')

users=$(cut -d, -f2 "$dir/events.csv" | sed 1d | sort -u | head -100)
printf '{"user_id":"%s","product_id":"prod_0001"}' "$(echo "$users" | head -1)" \
    > "$dir/one.json"
echo "$users" | awk 'BEGIN { printf "[" }
    { printf "%s{\"user_id\":\"%s\",\"product_id\":\"prod_%04d\"}",
      (NR > 1 ? "," : ""), $1, NR }
    END { printf "]" }' > "$dir/batch.json"

start() {   # NAME MODULE MODEL DB -> sets port_NAME, worker_NAME
    mkdir -p "$dir/$1/conf" "$dir/$1/logs"
    p=$("$here/scripts/free-port")
    cat > "$dir/$1/conf/nginx.conf" <<END
load_module $2;
worker_processes 1;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$p backlog=1024;
        rp_model $3;
        rp_redis 127.0.0.1:$redis;
        rp_redis_db $4;
        rp_redis_timeout 100ms;
        location = /predict { rp_predict; }
        location = /predict/batch { rp_predict_batch; }
    }
}
END
    "$nginx" -p "$dir/$1" -c conf/nginx.conf
    sleep 0.3
    m=$(cat "$dir/$1/logs/nginx.pid")
    pids="$pids $m"
    eval "port_$1=$p worker_$1=$(pgrep -P "$m" | head -1)"
    # warm up: the connection to Redis, the first pages
    curl -s -X POST --data-binary @"$dir/one.json" \
        "http://127.0.0.1:$p/predict" > "$dir/$1.first"
}

start base "$base/ngx_http_rp_module.so" "$dir/base.rpf" 2
start this "$here/build/ngx_http_rp_module.so" "$dir/base.rpf" 1
start all "$here/build/ngx_http_rp_module.so" "$dir/all.rpf" 1

for n in base this all; do
    grep -q '"features_source":"store"' "$dir/$n.first" \
        || { echo "module-cpu: $n does not read the store:" >&2; cat "$dir/$n.first" >&2; exit 1; }
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

run() {   # NAME ENDPOINT BODY -> "requests/s us-per-request"
    eval "p=\$port_$1 w=\$worker_$1"
    t0=$(ticks "$w")
    RP_BODY_FILE=$3 wrk -t 2 -c "$conns" -d "${secs}s" \
        -s "$here/bench/module.lua" "http://127.0.0.1:$p$2" > "$dir/wrk.txt" 2>&1
    t1=$(ticks "$w")
    reqs=$(awk '/requests in/ { print $1 }' "$dir/wrk.txt")
    rps=$(sed -n 's/^Requests\/sec: *//p' "$dir/wrk.txt")
    bad=$(grep -c 'Non-2xx' "$dir/wrk.txt" || true)
    [ "$bad" -eq 0 ] || { echo "module-cpu: non-2xx replies from $1" >&2; cat "$dir/wrk.txt" >&2; exit 1; }
    awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$reqs" -v r="$rps" \
        'BEGIN { printf "%.0f %.2f\n", r, 1e6 * t / hz / n }'
}

rows=""
for r in $(seq 1 "$rounds"); do
    for ep in predict batch; do
        if [ $ep = predict ]; then path=/predict body=$dir/one.json
        else path=/predict/batch body=$dir/batch.json; fi
        for n in base this all; do
            set -- $(run $n $path "$body")
            echo "round $r $ep $n: $1 req/s, worker CPU $2 us/request" >&2
            rows="$rows$r $ep $n $1 $2
"
        done
    done
done

echo "$rows" > "$dir/rows"

# medians over the rounds, and the ratio to base
summary=$(awk '
    NF == 5 { k = $2 " " $3; v[k, ++c[k]] = $5 }
    END {
        for (k in c) {
            n = c[k]
            for (i = 1; i <= n; i++) a[i] = v[k, i]
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            m[k] = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        for (e = 1; e <= 2; e++) {
            ep = e == 1 ? "predict" : "batch"
            b = m[ep " base"]
            printf "| %s | %.2f | %.2f (%+.1f%%) | %.2f (%+.1f%%) |\n", ep == "predict" ? "/predict" : "/predict/batch (100)",
                b, m[ep " this"], 100 * (m[ep " this"] / b - 1),
                m[ep " all"], 100 * (m[ep " all"] / b - 1)
        }
    }' "$dir/rows")

cat > "$out" <<END
# nginx worker CPU per request: before and after

Generated by \`bench/module-cpu.sh\` (\`make bench-module-cpu\`) on $(date -u +%Y-%m-%dT%H:%MZ),
$(nproc) CPUs, load at the start $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine).
Three nginx instances with one worker each, side by side: **base**, the module
of the revision in RP_BASE_BUILD with a model fitted by its rp-train
($nf_base features) and its store layout; **this**, this module with the same
model file and this store layout; **all**, this module with a model fitted by
this rp-train on every feature of the table ($nf_all features: features_used lists all
of them, the prior features as null). $rounds rounds, each running wrk
(2 threads, $conns connections, ${secs} s) against base, this, all in turn.
Worker CPU = user + system time of the worker process (/proc/PID/stat)
over the run / requests completed.

Medians over the rounds, microseconds of worker CPU per request:

| endpoint | base | this | all |
| --- | ---: | ---: | ---: |
$summary

Every run:

| round | endpoint | build | requests/s | worker CPU us per request |
| --- | --- | --- | ---: | ---: |
$(awk 'NF == 5 { printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$dir/rows")
END
cat "$out"
