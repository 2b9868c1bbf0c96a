#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# bench/bench-cluster-consumer.sh: rp-consumer into one Redis and into Redis
# Clusters of 1 and 3 primaries, with and without replicas, and the cost of
# WAIT (--min-replicas 0 vs 1).
#
#   make bench-cluster-consumer  (or bench/bench-cluster-consumer.sh [OUT.md])
#
# EVENTS generated events are produced into the mock broker once; each
# setup then drains them with one rp-consumer (a new group: from the
# start) into a fresh store. For each run:
#   events/s      messages / (first message polled .. last batch acknowledged)
#   Redis CPU     user+sys of every redis-server (INFO used_cpu_*), primaries
#                 and replicas apart, over the run, less what the same nodes
#                 used idle (measured for 2 s before) over the same time;
#                 given in microseconds per event
#   batch rtt     the consumer's p50/p99 of one batch's pipeline, WAIT included
# then, at a steady RATE events/s, produce -> applied (and WAIT'ed) p50/p99
# on the 3+3 cluster with --min-replicas 0 and 1.
#
# Writes bench/cluster-consumer.md (or $1). Everything runs on 127.0.0.1;
# servers are stopped by PID (scripts/with-redis-cluster stops its own).

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
EVENTS=${EVENTS:-200000}
RATE=${RATE:-5000}
SECONDS_AT_RATE=${SECONDS_AT_RATE:-6}

# --- inside one store: bench-cluster-consumer.sh --run LABEL MINREP --------
# (under scripts/with-redis-cluster, or with RP_BENCH_REDIS_PORT for one
# Redis); appends one row to $RP_BENCH_ROWS.
cpu_of() {      # PORT: used_cpu_sys + used_cpu_user, seconds
    redis-cli -p "$1" info cpu | tr -d '\r' | awk -F: '
        /^used_cpu_sys:/ || /^used_cpu_user:/ { s += $2 } END { printf "%.6f", s }'
}

sum_cpu() {     # PORT...: the sum of cpu_of
    t=0
    for p in "$@"; do
        t=$(awk -v a="$t" -v b="$(cpu_of "$p")" 'BEGIN { printf "%.6f", a + b }')
    done
    echo "$t"
}

if [ "${1:-}" = "--run" ]; then
    label=$2 minrep=$3 mode=$4
    if [ -n "${RP_BENCH_REDIS_PORT:-}" ]; then
        pri=$RP_BENCH_REDIS_PORT rep="" store="--redis 127.0.0.1:$pri"
    else
        n=0 pri="" rep=""
        np=${RP_CLUSTER_PRIMARIES:-3}
        for p in $RP_TEST_CLUSTER_PORTS; do
            n=$((n + 1))
            if [ $n -le "$np" ]; then pri="$pri $p"; else rep="$rep $p"; fi
        done
        store="--redis-cluster $RP_TEST_CLUSTER_SEEDS"
    fi
    # shellcheck disable=SC2086
    p0=$(sum_cpu $pri) r0=$(sum_cpu $rep)
    sleep 2
    # shellcheck disable=SC2086
    p1=$(sum_cpu $pri) r1=$(sum_cpu $rep)
    t0=$(date +%s.%N)
    log=$RP_BENCH_TMP/$label.$minrep.$mode.log
    if [ "$mode" = throughput ]; then
        # shellcheck disable=SC2086
        "$bin/rp-consumer" -b "$RP_BENCH_BROKER" -t bench \
            -g "g-$label-$minrep-${RP_BENCH_ROUND:-1}" \
            $store --min-replicas "$minrep" --exit-on-idle 2 \
            --stats-interval 0 > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
    else
        # shellcheck disable=SC2086
        "$bin/rp-consumer" -b "$RP_BENCH_BROKER" -t "lat$minrep" \
            -g "l-$label-$minrep" $store --min-replicas "$minrep" \
            --exit-on-idle 3 --stats-interval 0 -X auto.offset.reset=latest \
            -X fetch.wait.max.ms=10 > "$log" 2>&1 &
        cpid=$!
        i=0
        until grep -qs "assigned" "$log"; do
            i=$((i + 1))
            [ $i -gt 150 ] && { echo "no assignment" >&2; kill "$cpid"; exit 1; }
            sleep 0.1
        done
        sleep 1
        "$bin/rp-produce" -b "$RP_BENCH_BROKER" -t "lat$minrep" -q continuous \
            --rate "$RATE" --duration "$SECONDS_AT_RATE" --seed 5 \
            -X linger.ms=5 2> "$log.prod" || exit 1
        wait "$cpid" || { cat "$log" >&2; exit 1; }
    fi
    t1=$(date +%s.%N)
    # shellcheck disable=SC2086
    p2=$(sum_cpu $pri) r2=$(sum_cpu $rep)
    line=$(grep "acknowledged batch" "$log")
    stats=$(grep "final: .* ev/s, consumed" "$log" | tail -n 1)
    msgs=$(echo "$line" | sed 's/.*final: \([0-9]*\) messages.*/\1/')
    rate=$(echo "$line" | sed 's/.*: \([0-9]*\) ev\/s.*/\1/')
    ccpu=$(echo "$line" | sed 's/.*process CPU \([0-9.]*\) s.*/\1/')
    rtt=$(echo "$stats" | sed 's/.*batch rtt p50\/p99 \([0-9]*\/[0-9]*\) ms.*/\1/')
    e2e=$(echo "$stats" | sed 's/.*produce->applied p50\/p99 \([0-9]*\/[0-9]*\) ms.*/\1/')
    short=$(echo "$stats" | sed 's/.*wait shortfalls \([0-9]*\).*/\1/')
    # CPU of the run less the idle rate over its wall time, us per event
    us() {  # IDLE0 IDLE1 RUN1 -> us/event
        awk -v a="$1" -v b="$2" -v c="$3" -v w0="$t0" -v w1="$t1" -v m="$msgs" '
            BEGIN { idle = (b - a) / 2; run = c - b - idle * (w1 - w0)
                    if (run < 0) run = 0
                    if (m > 0) printf "%.2f", 1e6 * run / m; else print "?" }'
    }
    pus=$(us "$p0" "$p1" "$p2")
    rus=$([ -n "$rep" ] && us "$r0" "$r1" "$r2" || echo "-")
    cus=$(awk -v c="$ccpu" -v m="$msgs" 'BEGIN { printf "%.2f", 1e6 * c / m }')
    # shellcheck disable=SC2086
    set -- $pri
    echo "$mode|$label|$#|$(echo $rep | wc -w)|$minrep|$msgs|$rate|$pus|$rus|$cus|$rtt|$e2e|$short|${RP_BENCH_ROUND:-1}" \
        >> "$RP_BENCH_ROWS"
    echo "bench-cluster-consumer: round ${RP_BENCH_ROUND:-1}: $label --min-replicas $minrep ($mode): $msgs events, $rate events/s, primaries $pus us/event, replicas $rus us/event, consumer $cus us/event, batch rtt p50/p99 $rtt ms, produce->applied p50/p99 $e2e ms, WAIT shortfalls $short"
    exit 0
fi

# --- the driver --------------------------------------------------------------
out=${1:-$top/bench/cluster-consumer.md}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-cluster.XXXXXX")
mock_pid=""
redis_pid=""

cleanup() {
    for p in $mock_pid $redis_pid; do
        kill "$p" 2>/dev/null
    done
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for p in rp-consumer rp-produce rp-mock-kafka; do
    [ -x "$bin/$p" ] || { echo "bench-cluster-consumer: build/$p missing (make)" >&2; exit 1; }
done

load0=$(cut -d' ' -f1-3 /proc/loadavg)
"$bin/rp-mock-kafka" --partitions 12 --topic bench --topic lat0 --topic lat1 \
    > "$tmp/mock.out" 2> "$tmp/mock.err" &
mock_pid=$!
n=0
until [ -s "$tmp/mock.out" ]; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && { echo "bench-cluster-consumer: no broker" >&2; exit 1; }
    sleep 0.1
done
export RP_BENCH_BROKER
RP_BENCH_BROKER=$(head -n 1 "$tmp/mock.out")
export RP_BENCH_ROWS=$tmp/rows RP_BENCH_TMP=$tmp
: > "$RP_BENCH_ROWS"

"$bin/rp-produce" -b "$RP_BENCH_BROKER" -t bench -q batch --events "$EVENTS" \
    --users 20000 --products 2000 --seed 11 || exit 1
echo "bench-cluster-consumer: $EVENTS events in the broker, $(nproc) CPUs, load $load0"

self=$top/bench/bench-cluster-consumer.sh
run_cluster() {     # PRIMARIES REPLICAS LABEL MINREP MODE
    RP_CLUSTER_PRIMARIES=$1 RP_CLUSTER_REPLICAS=$2 \
        "$top/scripts/with-redis-cluster" "$self" --run "$3" "$4" "$5" \
        || { echo "bench-cluster-consumer: run $3 failed" >&2; exit 1; }
}

# one plain Redis, the single-Redis client: the reference
port=$("$top/scripts/free-port")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" > /dev/null 2>&1 &
redis_pid=$!
until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.1; done
# two rounds, the setups interleaved, so that a burst of the other jobs on
# this machine does not land on one setup only
for round in 1 2; do
    export RP_BENCH_ROUND=$round
    redis-cli -p "$port" flushall > /dev/null
    RP_BENCH_REDIS_PORT=$port "$self" --run one-redis 0 throughput || exit 1
    run_cluster 1 0 cluster-1 0 throughput
    run_cluster 3 0 cluster-3 0 throughput
    run_cluster 3 1 cluster-3+3 0 throughput
    run_cluster 3 1 cluster-3+3 1 throughput
done
kill "$redis_pid"
redis_pid=""
export RP_BENCH_ROUND=1
run_cluster 3 1 cluster-3+3 0 latency
run_cluster 3 1 cluster-3+3 1 latency

# --- the report --------------------------------------------------------------
row() {     # MODE LABEL MINREP FIELD: the mean over the rounds
    awk -F'|' -v m="$1" -v l="$2" -v r="$3" -v f="$4" '
        $1 == m && $2 == l && $5 == r { s += $f; n++ }
        END { if (n > 0 && f == 7) printf "%.0f", s / n
              else if (n > 0) printf "%.2f", s / n }' "$RP_BENCH_ROWS"
}
tp_rows=$(awk -F'|' '$1 == "throughput" {
    printf "| %s | %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s |\n",
        $14, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13 }' "$RP_BENCH_ROWS")
lat_rows=$(awk -F'|' '$1 == "latency" {
    printf "| %s | %s | %s | **%s** | %s | %s |\n", $2, $5, $6, $12, $11, $13 }' \
    "$RP_BENCH_ROWS")

one_rate=$(row throughput one-redis 0 7)
c1_rate=$(row throughput cluster-1 0 7)
c3_rate=$(row throughput cluster-3 0 7)
c1_us=$(row throughput cluster-1 0 8)
c3_us=$(row throughput cluster-3 0 8)
r0_rate=$(row throughput cluster-3+3 0 7)
r1_rate=$(row throughput cluster-3+3 1 7)
r0_us=$(row throughput cluster-3+3 0 8)
rep_us=$(row throughput cluster-3+3 0 9)
con_us=$(row throughput cluster-3 0 10)
l0=$(awk -F'|' '$1 == "latency" && $5 == 0 { print $12 }' "$RP_BENCH_ROWS")
l1=$(awk -F'|' '$1 == "latency" && $5 == 1 { print $12 }' "$RP_BENCH_ROWS")
per_primary=$(awk -v u="$c3_us" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print "?" }')
cores=$(awk -v p="$r0_us" -v r="$rep_us" 'BEGIN { if (p > 0) printf "%.2f", 1 + r / p; else print "?" }')
consumer_max=$(awk -v u="$con_us" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print "?" }')
wait_cost=$(awk -v a="$r0_rate" -v b="$r1_rate" 'BEGIN { if (a > 0) printf "%+.0f%%", 100 * (b - a) / a; else print "?" }')

"$top/bench/figure" cluster-consumer "events/s into a 3-primary cluster vs one Redis (one consumer, 2 shared cores)" \
    "-" "$c3_rate events/s (3 primaries), $c1_rate (1 primary)" "one Redis: $one_rate events/s" \
    "$(awk -v a="$c3_rate" -v b="$one_rate" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
"$top/bench/figure" cluster-consumer "Redis CPU per event per primary; projected events/s per added primary (one core each)" \
    "-" "$c3_us us/event -> about $per_primary events/s per primary core" "1 primary: $c1_us us/event" "-"
"$top/bench/figure" cluster-consumer "cost of WAIT (--min-replicas 1 vs 0, 3+3 cluster)" \
    "-" "$r1_rate vs $r0_rate events/s ($wait_cost); produce->applied p50/p99 $l1 vs $l0 ms" "--min-replicas 0" "-"

cat > "$out" <<EOF
# rp-consumer on Redis Cluster

Run by \`bench/bench-cluster-consumer.sh\` on $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPUs,
load average at the start $load0 (a shared machine: the consumer, the
mock broker and every redis-server share these cores: more processes
bring no more cores, so the events/s below do not show what more machines
would give; the CPU per event does). $EVENTS events (20,000 users, 2,000 products) produced first into
rp-mock-kafka (12 partitions), then drained by one rp-consumer per setup
(--batch 1000, --events-per-call 32). Clusters: scripts/with-redis-cluster
(no persistence, cluster-node-timeout 1 s).

## Throughput

Redis CPU: user+sys of the redis-servers (INFO used_cpu_*) over the run,
less their idle use at the same rate, in microseconds per event; the
primaries' total and the replicas' total. Consumer CPU: rp-consumer's own
per event. batch rtt: one batch's pipeline, WAIT included.

| round | setup | primaries | replicas | --min-replicas | events | events/s | primaries us/event | replicas us/event | consumer us/event | batch rtt p50/p99 ms | WAIT shortfalls |
|---|---|---|---|---|---|---|---|---|---|---|---|
$tp_rows

## Latency at $RATE events/s for $SECONDS_AT_RATE s (3 primaries + 3 replicas)

produce->applied: the message's CreateTime to the end of its batch, which
with --min-replicas 1 includes WAIT (the batch is then safe to commit).

| setup | --min-replicas | events | produce->applied p50/p99 ms | batch rtt p50/p99 ms | WAIT shortfalls |
|---|---|---|---|---|---|
$lat_rows

## Summary (means of the two rounds)

- events/s: one Redis $one_rate; a cluster of 1 primary $c1_rate; of 3
  primaries $c3_rate; of 3 primaries + 3 replicas $r0_rate, and with
  --min-replicas 1 $r1_rate ($wait_cost against --min-replicas 0).
- Redis CPU per event (each event is applied by one primary, its user's
  slot): 1 primary $c1_us us, 3 primaries $c3_us us (all primaries
  together), 3+3 $r0_us us on the primaries and $rep_us us on the replicas.
  At $c3_us us/event a primary with a core of its own would apply about
  $per_primary events/s: the projection for each added primary while the
  users spread evenly over the slots; with its replica, a shard costs
  $cores times its primary's CPU.
- rp-consumer itself: $con_us us/event (its whole process, 3 primaries),
  about $consumer_max events/s for one consumer on one core; beyond that,
  more consumers in the group are needed.
- WAIT: produce->applied p50/p99 at $RATE events/s $l0 ms with
  --min-replicas 0, $l1 ms with 1.
EOF
echo "bench-cluster-consumer: figures written to $out"
