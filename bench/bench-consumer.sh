#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# bench/bench-consumer.sh: rp-consumer throughput and latency on this machine.
#
#   make bench-consumer          (or bench/bench-consumer.sh [RESULTS.md])
#
# 1. Throughput: EVENTS generated events are produced into the mock broker
#    first, then one rp-consumer drains them into one local redis-server.
#    events/s = messages / (first message polled .. last batch acknowledged),
#    as printed by rp-consumer's final line. Redis' CPU share = its user+sys
#    time (/proc/PID/stat) over that same window.
# 2. Latency at RATE events/s: rp-produce continuous runs while a consumer is
#    already assigned; rp-consumer reports produce->applied (message
#    CreateTime to Redis' reply) and polled->applied percentiles.
#
# Writes the figures to bench/consumer-results.md (or $1). Everything runs on
# 127.0.0.1; servers are stopped by PID.
#
# RP_BASE_BUILD=DIR (a build/ directory of another revision, e.g. the one
# before a change of the update script) adds, in every round, a run of
# that revision's rp-consumer at --batch 1000 --events-per-call 32 on the
# same events: a before/after comparison interleaved in one run.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
out=${1:-$top/bench/consumer-results.md}
EVENTS=${EVENTS:-300000}
base=${RP_BASE_BUILD:-}
RATE=${RATE:-10000}
SECONDS_AT_RATE=${SECONDS_AT_RATE:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-consumer.XXXXXX")
redis_pid=""
mock_pid=""

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
    [ -x "$bin/$p" ] || { echo "bench-consumer: build/$p missing (make)" >&2; exit 1; }
done

ticks() {    # user+system clock ticks of a PID
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

hz=$(getconf CLK_TCK)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
port=$("$top/scripts/free-port")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" > /dev/null 2>&1 &
redis_pid=$!
"$bin/rp-mock-kafka" --partitions 12 --topic bench --topic lat \
    > "$tmp/mock.out" 2> "$tmp/mock.err" &
mock_pid=$!

n=0
until [ -s "$tmp/mock.out" ] && redis-cli -p "$port" ping > /dev/null 2>&1; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && { echo "bench-consumer: servers did not start" >&2; exit 1; }
    sleep 0.1
done
broker=$(head -n 1 "$tmp/mock.out")

echo "bench-consumer: broker $broker, redis 127.0.0.1:$port, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. throughput -------------------------------------------------------
throughput() {    # BATCH PER_CALL TAG [BUILD] -> prints the run's figures
    redis-cli -p "$port" flushall > /dev/null
    redis-cli -p "$port" config resetstat > /dev/null
    r0=$(ticks "$redis_pid")
    "${4:-$bin}/rp-consumer" -b "$broker" -t bench -g "tp$3" \
        --redis "127.0.0.1:$port" --batch "$1" --events-per-call "$2" \
        --exit-on-idle 2 --stats-interval 0 > "$tmp/tp.$3.log" 2>&1 || {
            echo "bench-consumer: consumer failed" >&2
            cat "$tmp/tp.$3.log" >&2
            exit 1
        }
    r1=$(ticks "$redis_pid")
    line=$(grep "acknowledged batch" "$tmp/tp.$3.log")
    msgs=$(echo "$line" | sed 's/.*final: \([0-9]*\) messages.*/\1/')
    secs=$(echo "$line" | sed 's/.* in \([0-9.]*\) s .*/\1/')
    rate=$(echo "$line" | sed 's/.*: \([0-9]*\) ev\/s.*/\1/')
    share=$(awk -v t=$((r1 - r0)) -v hz="$hz" -v s="$secs" \
        'BEGIN { printf "%.0f", 100 * t / hz / s }')
    ccpu=$(echo "$line" | sed 's/.*process CPU \([0-9.]*\) s.*/\1/')
    keys=$(redis-cli -p "$port" dbsize)
    # Redis' own accounting of the update scripts (INFO commandstats):
    # total microseconds over the events, and events per EVALSHA
    set -- $(redis-cli -p "$port" info commandstats \
        | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),usec=\([0-9]*\),.*/\1 \2/p')
    us=$(awk -v u="${2:-0}" -v m="$msgs" 'BEGIN { if (m > 0 && u > 0) printf "%.2f", u / m; else print "?" }')
    per=$(awk -v c="${1:-0}" -v m="$msgs" 'BEGIN { if (c > 0) printf "%.2f", m / c; else print "?" }')
    echo "$msgs $secs $rate $share $ccpu $keys $us $per"
}

"$bin/rp-produce" -b "$broker" -t bench -q batch --events "$EVENTS" \
    --users 20000 --products 2000 --seed 11 || exit 1

# Two rounds, interleaved: each user's events of a batch in one script call
# (the default), and one call per event (--events-per-call 1) as the
# reference. The summary takes the slower grouped run at --batch 1000 and
# the reference run of the same round.
tp_rows=""
worst=""
run=0
cfgs="1000 1|1000 32|5000 32"
[ -n "$base" ] && cfgs="1000 1|1000 32|1000 32 base|5000 32"
for round in 1 2; do
    IFS='|'
    for cfg in $cfgs; do
        IFS=' '
        set -- $cfg
        b=$1 pc=$2 build=${3:-this}
        run=$((run + 1))
        if [ "$build" = base ]; then
            set -- $(throughput "$b" "$pc" "$run" "$base")
        else
            set -- $(throughput "$b" "$pc" "$run")
        fi
        echo "throughput round $round ($build build) --batch $b --events-per-call $pc: $1 events in $2 s = $3 events/s, redis CPU $4%, consumer CPU $5 s, $6 keys, update script $7 us/event, $8 events/EVALSHA"
        tp_rows="$tp_rows| $round | $build | $b | $pc | $1 | $2 | **$3** | $4% | $7 | $8 | $5 s |
"
        [ "$build" = base ] && continue
        if [ "$b $pc" = "1000 1" ]; then
            ref="$3 $7"
        elif [ "$b $pc" = "1000 32" ]; then
            if [ -z "$worst" ] || [ "$3" -lt "${worst%% *}" ]; then
                worst="$3 $4 $7 $8 $ref"
            fi
        fi
    done
    IFS=' '
done

set -- $worst
w_rate=$1 w_share=$2 w_us=$3 w_per=$4 r_rate=$5 r_us=$6
ceiling=$(awk -v u="$w_us" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print "?" }')
"$top/bench/figure" consumer "events/s, mock broker -> one Redis, one consumer (--batch 1000, slower of 2 runs)" \
    ">= 100000" "$w_rate events/s (Redis CPU $w_share%, $w_us us/event, $w_per events per call)" \
    "one script call per event (same round): $r_rate events/s, $r_us us/event; Redis' ceiling at this grouping: $ceiling events/s" \
    "$(awk -v a="$w_rate" -v r="$r_rate" 'BEGIN { if (r > 0) printf "%.2fx", a / r; else print "-" }')"

# --- 2. latency at a steady rate ------------------------------------------
latency() {    # LINGER_MS TAG -> prints "p2a50 p2a99 e2e50 e2e99 dr50 dr99"
    "$bin/rp-consumer" -b "$broker" -t lat -g "lat$2" \
        --redis "127.0.0.1:$port" --exit-on-idle 3 --stats-interval 0 \
        -X auto.offset.reset=latest -X fetch.wait.max.ms=10 \
        > "$tmp/lat.$2.log" 2>&1 &
    cpid=$!
    n=0
    until grep -q "assigned" "$tmp/lat.$2.log"; do
        n=$((n + 1))
        [ "$n" -gt 150 ] && { echo "bench-consumer: no assignment" >&2; exit 1; }
        sleep 0.1
    done
    sleep 1
    "$bin/rp-produce" -b "$broker" -t lat continuous --rate "$RATE" \
        --duration "$SECONDS_AT_RATE" --seed "$((100 + $2))" \
        -X "linger.ms=$1" 2> "$tmp/prod.$2.log" || exit 1
    wait "$cpid"
    l=$(grep "final: .* ev/s, consumed" "$tmp/lat.$2.log" | tail -n 1)
    p2a=$(echo "$l" | sed 's/.*polled->applied p50\/p99 \([0-9]*\)\/\([0-9]*\) ms.*/\1 \2/')
    e2e=$(echo "$l" | sed 's/.*produce->applied p50\/p99 \([0-9]*\)\/\([0-9]*\) ms.*/\1 \2/')
    dr=$(sed -n 's/.*delivery latency p50\/p99 \([0-9-]*\)\/\([0-9-]*\) ms.*/\1 \2/p' "$tmp/prod.$2.log")
    echo "$p2a $e2e $dr"
}

lat_rows=""
i=0
for linger in 5 50; do
    i=$((i + 1))
    set -- $(latency "$linger" "$i")
    echo "latency at $RATE/s, producer linger.ms=$linger: produce->applied p50 $3 ms p99 $4 ms; polled->applied p50 $1 ms p99 $2 ms; producer delivery p50 $5 ms p99 $6 ms"
    lat_rows="$lat_rows| $linger | $3 | **$4** | $1 | $2 | $5 | $6 |
"
    "$top/bench/figure" consumer "produce -> visible in Redis at $RATE events/s (linger.ms $linger), p50 / p99" \
        "p99 <= 100 ms" "$3 / $4 ms" "consumer's own share (poll -> Redis reply): $1 / $2 ms" "-"
done

cat > "$out" <<EOF
# rp-consumer benchmark

Run by \`bench/bench-consumer.sh\` on $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPUs,
load average at the start $load0 (a shared machine: other
jobs ran at the same time, so treat the figures as a lower bound).
Broker: rp-mock-kafka (librdkafka 2.0.2 mock cluster, 12 partitions), one
local redis-server (no persistence), one rp-consumer. Goals: >= 100,000
events/s; produce -> visible p99 <= 100 ms at 10,000 events/s.

## Throughput ($EVENTS events produced first, then drained)

events/s = messages / (first message polled .. last batch acknowledged by Redis).
Redis CPU = redis-server user+sys time over that window (100% = one core).
"Redis us per event" is Redis' own accounting (INFO commandstats) of the
update scripts' time over the events: 1e6 / that figure is the single-core
ceiling of the store update with this grouping. The consumer sends one
EVALSHA per user per batch (up to 32 events, src/rp_store.h), so the
ceiling rises with the events each user has in a batch.
$( [ -n "$base" ] && echo "Build \"base\": the rp-consumer of another revision (RP_BASE_BUILD), run in the
same rounds on the same events, for a before/after comparison." )

| round | build | --batch | --events-per-call | messages | seconds | events/s | Redis CPU | Redis us per event | events per EVALSHA | consumer CPU |
|---|---|---|---|---|---|---|---|---|---|---|
$tp_rows
In the slower grouped run at --batch 1000 Redis spent $w_us us per event in
the update script, so one Redis core cannot apply more than about $ceiling
events/s at that grouping; with one call per event it spent $r_us us. The
consumer itself used the CPU shown above for all events.

## Latency at $RATE events/s for $SECONDS_AT_RATE s

produce->applied: message CreateTime (set by rp-produce) to the Redis reply
for its batch, i.e. the feature is visible. polled->applied: from the poll that
started the batch to the Redis reply (the consumer's own share). Producer
delivery: produce call to delivery report. The consumer runs with
fetch.wait.max.ms=10. rp-produce waits for the topic's metadata before its
first event (without that, librdkafka 2.0.2 held the first ~10 ms of events
for about a second: that was the whole p99 of earlier runs).

| producer linger.ms | produce->applied p50 ms | p99 ms | polled->applied p50 ms | p99 ms | delivery p50 ms | p99 ms |
|---|---|---|---|---|---|---|
$lat_rows
EOF
echo "bench-consumer: figures written to $out"
