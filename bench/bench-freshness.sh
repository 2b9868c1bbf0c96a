#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# bench/bench-freshness.sh: how long an event takes from rp-produce to being
# visible in Redis, at rates from 1 to 10,000 events/s.
#
#   make bench-freshness    (or bench/bench-freshness.sh [RESULTS.md])
#
# For each rate, a fresh rp-consumer is assigned first, then rp-produce
# continuous sends events at that rate (default producer settings unless
# PRODUCER_X adds -X options). The consumer measures every event from its Kafka CreateTime
# (stamped by rp-produce when it hands the event to librdkafka) to Redis'
# reply for the batch that applied it: at that moment the event is visible.
# That includes the producer's own wait, so it is at least the time from
# "rp-produce custom" returning to the event being visible.
#
#   RATES="1 10 100 1000 10000"   events/s
#   MIN_EVENTS=60                 each rate runs long enough for this many
#   MIN_SECONDS=10                ... and at least this long
#   CONSUMER_X="-X fetch.wait.max.ms=500"   only this consumer
#                                 configuration (default: librdkafka's
#                                 default fetch wait as the reference, then
#                                 rp-consumer's own defaults)
#   TAG=...                       the table's title with CONSUMER_X
#   PRODUCER_X="-X linger.ms=5"   producer options
#
# Writes the tables to bench/freshness-results.md (or $1, "-" for stdout
# only). Everything runs on 127.0.0.1; servers are stopped by PID.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
out=${1:-$top/bench/freshness-results.md}
RATES=${RATES:-1 10 100 1000 10000}
MIN_EVENTS=${MIN_EVENTS:-60}
MIN_SECONDS=${MIN_SECONDS:-10}

PRODUCER_X=${PRODUCER_X:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-bench-freshness.XXXXXX")
redis_pid=""
mock_pid=""
cpid=""

cleanup() {
    for p in $cpid $mock_pid $redis_pid; do
        kill "$p" 2>/dev/null
    done
    sleep 0.2
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for p in rp-consumer rp-produce rp-mock-kafka; do
    [ -x "$bin/$p" ] || { echo "bench-freshness: build/$p missing (make)" >&2; exit 1; }
done

port=$("$top/scripts/free-port")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" > /dev/null 2>&1 &
redis_pid=$!
"$bin/rp-mock-kafka" --partitions 3 --topic fresh > "$tmp/mock.out" \
    2> "$tmp/mock.err" &
mock_pid=$!

n=0
until [ -s "$tmp/mock.out" ] && redis-cli -p "$port" ping > /dev/null 2>&1; do
    n=$((n + 1))
    [ "$n" -gt 100 ] && { echo "bench-freshness: servers did not start" >&2; exit 1; }
    sleep 0.1
done
broker=$(head -n 1 "$tmp/mock.out")
echo "bench-freshness: broker $broker, redis 127.0.0.1:$port"

# run_config TAG CONSUMER_X: every rate with one consumer configuration;
# appends a table to $tables and records the worst p99 as a figure.
run_config() {
    TAG=$1
    CONSUMER_X=$2
    echo "bench-freshness: $TAG"
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    rows=""
    worst=0
    for rate in $RATES; do
        i=$((i + 1))
        secs=$(awk -v r="$rate" -v e="$MIN_EVENTS" -v s="$MIN_SECONDS" \
            'BEGIN { d = e / r; if (d < s) d = s; printf "%d", d + 0.999 }')
        # shellcheck disable=SC2086
        "$bin/rp-consumer" -b "$broker" -t fresh -g "fresh$i" \
            --redis "127.0.0.1:$port" --exit-on-idle 2 --stats-interval 0 \
            -X auto.offset.reset=latest $CONSUMER_X > "$tmp/c.$i.log" 2>&1 &
        cpid=$!
        n=0
        until grep -q "assigned" "$tmp/c.$i.log" 2> /dev/null; do
            n=$((n + 1))
            [ "$n" -gt 300 ] && { echo "bench-freshness: no assignment" >&2; cat "$tmp/c.$i.log" >&2; exit 1; }
            sleep 0.1
        done
        sleep 1
        # shellcheck disable=SC2086
        "$bin/rp-produce" -b "$broker" -t fresh continuous --rate "$rate" \
            --duration "$secs" --seed "$((200 + i))" $PRODUCER_X \
            2> "$tmp/p.$i.log" || { cat "$tmp/p.$i.log" >&2; exit 1; }
        wait "$cpid"
        cpid=""
        l=$(grep "final: .* ev/s, consumed" "$tmp/c.$i.log" | tail -n 1)
        applied=$(echo "$l" | sed 's/.* applied \([0-9]*\),.*/\1/')
        set -- $(echo "$l" | sed 's/.*produce->applied p50\/p99 \([0-9-]*\)\/\([0-9-]*\) ms.*/\1 \2/')
        e50=$1 e99=$2
        set -- $(sed -n 's/.*delivery latency p50\/p99 \([0-9-]*\)\/\([0-9-]*\) ms.*/\1 \2/p' "$tmp/p.$i.log")
        echo "rate $rate/s for $secs s: $applied events, produce->visible p50 $e50 ms, p99 $e99 ms (producer delivery p50 $1 ms, p99 $2 ms)"
        rows="$rows| $rate | $secs | $applied | $e50 | **$e99** | $1 | $2 |
"
        [ "$e99" -gt "$worst" ] && worst=$e99
    done

    table="### $TAG

Measured $(date -u +%Y-%m-%dT%H:%MZ), load average at the start $load0.
Consumer options: \`${CONSUMER_X:-none}\`; producer options: \`${PRODUCER_X:-none}\`.

| events/s | seconds | events | produce->visible p50 ms | p99 ms | producer delivery p50 ms | p99 ms |
|---|---|---|---|---|---|---|
$rows
Worst p99: $worst ms.
"
    tables="$tables$table
"

    "$top/bench/figure" consumer "produce -> visible in Redis at 1 to 10,000 events/s ($TAG), worst p99" \
        "p99 <= 100 ms" "$worst ms" "-" "-"
}

tables=""
i=0
if [ -n "${CONSUMER_X+set}" ]; then
    run_config "${TAG:-consumer options: $CONSUMER_X}" "$CONSUMER_X"
else
    # the reference: librdkafka's default fetch wait, which rp-consumer
    # used before it set its own
    run_config "reference: -X fetch.wait.max.ms=500 (librdkafka's default)" \
        "-X fetch.wait.max.ms=500"
    run_config "rp-consumer's defaults" ""
fi

report="# Freshness: produce -> visible in Redis

Run by \`bench/bench-freshness.sh\` (\`make bench-freshness\`): $(nproc) CPUs
shared with other jobs. rp-mock-kafka (3 partitions), one local
redis-server, one rp-consumer per rate (assigned before the producer
starts), rp-produce continuous at each rate. produce->visible: from the
event's Kafka CreateTime (rp-produce handing it to librdkafka) to Redis'
reply for the batch that applied it. Goal: p99 <= 100 ms at every rate.

$tables"
if [ "$out" = "-" ]; then
    printf '%s\n' "$report"
else
    printf '%s\n' "$report" > "$out"
    echo "bench-freshness: written to $out"
fi
