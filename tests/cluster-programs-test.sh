#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# tests/cluster-programs-test.sh: rp-consumer and rp-train materialize|verify
# on a real Redis Cluster (3 primaries, 3 replicas), against the same events
# materialized into one plain Redis (the reference).
#
#   scripts/with-redis scripts/with-redis-cluster tests/cluster-programs-test.sh
#   (make test-cluster-programs)
#
# Every scenario ends with the cluster's keys (read on each primary) equal to
# the reference key by key. Servers started here are stopped by PID. Prints
# "N passed, M failed"; exit 1 on failure.

set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build
RP=${RP_TEST_REDIS_PORT:?run me under scripts/with-redis}
PORTS=${RP_TEST_CLUSTER_PORTS:?run me under scripts/with-redis-cluster}
SEEDS=$RP_TEST_CLUSTER_SEEDS
CDIR=$RP_TEST_CLUSTER_DIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-cluster-programs.XXXXXX")
. "$top/tests/tap.sh"
pids=""
mock_pid=""
mock1_pid=""
replica_pid=""

# the dead member of a SIGKILLed consumer is evicted after 6 s
KX="-X session.timeout.ms=6000 -X heartbeat.interval.ms=500"

cleanup() {
    for p in $pids $mock_pid $mock1_pid $replica_pid; do
        kill "$p" 2>/dev/null
    done
    sleep 0.2
    for p in $pids $mock_pid $mock1_pid $replica_pid; do
        kill -9 "$p" 2>/dev/null
    done
    if [ -n "${KEEP_TMP:-}" ]; then
        echo "logs kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM



# One node's keys, each with its sorted content; a user's field r (where
# the events came from: Kafka offsets or a file's lines) is left out.
DUMP_LUA='
local out = {}
for _, k in ipairs(redis.call("KEYS", "*")) do
  local h = redis.call("HGETALL", k)
  local f = {}
  for i = 1, #h, 2 do
    if h[i] ~= "r" then f[#f + 1] = h[i] .. "=" .. h[i + 1] end
  end
  table.sort(f)
  out[#out + 1] = k .. " " .. table.concat(f, " ")
end
return out'

primaries() {   # the nodes that answer as primaries now
    for p in $PORTS; do
        if redis-cli -p "$p" role 2>/dev/null | head -n 1 | grep -q master; then
            echo "$p"
        fi
    done
}

dump_cluster() {
    for p in $(primaries); do
        redis-cli -p "$p" EVAL "$DUMP_LUA" 0
    done | sort
}

flush_cluster() {
    for p in $(primaries); do
        redis-cli -p "$p" FLUSHALL > /dev/null
    done
}

# same_store NAME: the cluster against the reference, key by key.
same_store() {
    dump_cluster > "$tmp/$1.dump"
    if [ ! -s "$tmp/$1.dump" ]; then
        echo "# $1: the cluster is empty"
        return 1
    fi
    if ! cmp -s "$tmp/ref.dump" "$tmp/$1.dump"; then
        echo "# $1: cluster differs from the reference ($(wc -l < "$tmp/$1.dump") vs $(wc -l < "$tmp/ref.dump") keys):"
        diff "$tmp/ref.dump" "$tmp/$1.dump" | head -n 6 | cut -c1-200 | sed 's/^/#   /'
        return 1
    fi
    return 0
}

# a number from the consumer's last stats line ("... NAME N")
stat_field() {
    sed -n "s/.* $2 \([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1
}

consumer() {    # TOPIC GROUP LOG [options...]: in the background, on the cluster
    t=$1 g=$2 log=$3
    shift 3
    # shellcheck disable=SC2086
    "$bin/rp-consumer" -b "$BROKER" -t "$t" -g "$g" --redis-cluster "$SEEDS" \
        --stats-interval 1 $KX "$@" > "$log" 2>&1 &
    cpid=$!
    pids="$pids $cpid"
}

wait_pid() {    # PID SECONDS: waits for the process; 124 on timeout
    n=0
    while kill -0 "$1" 2>/dev/null; do
        n=$((n + 1))
        if [ "$n" -gt $(($2 * 10)) ]; then
            kill -9 "$1" 2>/dev/null
            wait "$1" 2>/dev/null
            return 124
        fi
        sleep 0.1
    done
    wait "$1"
}

wait_for() {    # SECONDS COMMAND...: polls until COMMAND succeeds
    s=$1
    shift
    n=0
    until "$@"; do
        n=$((n + 1))
        [ "$n" -gt $((s * 10)) ] && return 1
        sleep 0.1
    done
}

cluster_ok() {  # every slot served, as a node other than $1 sees it
    for p in $PORTS; do
        [ "$p" = "$1" ] && continue
        redis-cli -p "$p" cluster info 2>/dev/null \
            | grep -q "cluster_state:ok" && return 0
    done
    return 1
}

failed_over() {    # a replica of $1 took its slots over
    [ "$(primaries | grep -cvx "$1")" -eq 3 ] && cluster_ok "$1"
}

for p in rp-consumer rp-produce rp-mock-kafka rp-train; do
    if [ ! -x "$bin/$p" ]; then
        echo "cluster-programs-test: $bin/$p is missing (make first)" >&2
        exit 1
    fi
done

"$bin/rp-mock-kafka" --partitions 3 --topic c1 --topic c2 --topic c3 \
    --topic c4 > "$tmp/mock.out" 2> "$tmp/mock.err" &
mock_pid=$!
if ! wait_for 10 test -s "$tmp/mock.out"; then
    echo "cluster-programs-test: rp-mock-kafka did not start" >&2
    cat "$tmp/mock.err" >&2
    exit 1
fi
BROKER=$(head -n 1 "$tmp/mock.out")

if ! "$bin/rp-train" generate --users 400 --products 80 --days 60 --seed 11 \
        -q -o "$tmp/events.csv" 2> "$tmp/gen.err"; then
    echo "cluster-programs-test: rp-train generate failed" >&2
    cat "$tmp/gen.err" >&2
    exit 1
fi
N=$(($(wc -l < "$tmp/events.csv") - 1))
echo "# $N events, broker $BROKER, redis 127.0.0.1:$RP, cluster $SEEDS"

# The reference: the same events materialized into one Redis (db 1).
if ! "$bin/rp-train" materialize "$tmp/events.csv" --redis "127.0.0.1:$RP" \
        --db 1 -q > "$tmp/ref.log" 2>&1; then
    echo "cluster-programs-test: materialize into one redis failed" >&2
    cat "$tmp/ref.log" >&2
    exit 1
fi
redis-cli -p "$RP" -n 1 EVAL "$DUMP_LUA" 0 | sort > "$tmp/ref.dump"

# --- 1. materialize into the cluster, verify through it --------------------
if "$bin/rp-train" materialize "$tmp/events.csv" --redis-cluster "$SEEDS" \
        > "$tmp/m1.log" 2>&1 \
    && "$bin/rp-train" verify "$tmp/events.csv" --redis-cluster "$SEEDS" \
        > "$tmp/v1.log" 2>&1 \
    && same_store m1
then
    nodes=0
    for p in $(primaries); do
        [ "$(redis-cli -p "$p" dbsize)" -gt 0 ] && nodes=$((nodes + 1))
    done
    if [ "$nodes" -eq 3 ]; then
        ok "materialize --redis-cluster: verify OK, keys on all 3 primaries, each equal to one Redis' materialize"
    else
        not_ok "materialize --redis-cluster: keys on $nodes primaries, not 3"
    fi
else
    not_ok "materialize/verify --redis-cluster" "$tmp/m1.log" "$tmp/v1.log"
fi

# verify can fail: one user's key removed, then put back by a new run
victim=$(head -n 1 "$tmp/ref.dump" | cut -d' ' -f1)
redis-cli -c -p "${SEEDS##*:}" DEL "$victim" > /dev/null
if "$bin/rp-train" verify "$tmp/events.csv" --redis-cluster "$SEEDS" \
        > "$tmp/v2.log" 2>&1; then
    not_ok "verify --redis-cluster missed a deleted key ($victim)" "$tmp/v2.log"
elif "$bin/rp-train" materialize "$tmp/events.csv" --redis-cluster "$SEEDS" \
        -q > "$tmp/m2.log" 2>&1 \
    && "$bin/rp-train" verify "$tmp/events.csv" --redis-cluster "$SEEDS" \
        > "$tmp/v3.log" 2>&1 && same_store m2
then
    ok "verify --redis-cluster fails without $victim; a second materialize restores it alone"
else
    not_ok "materialize again after a deleted key" "$tmp/m2.log" "$tmp/v3.log"
fi

"$bin/rp-consumer" -b x --redis h:1 --redis-cluster "$SEEDS" \
    > "$tmp/x.log" 2>&1
xrc=$?
"$bin/rp-train" verify "$tmp/events.csv" --redis h:1 --redis-cluster "$SEEDS" \
    >> "$tmp/x.log" 2>&1
yrc=$?
if [ "$xrc" -eq 2 ] && [ "$yrc" -eq 2 ] \
        && [ "$(grep -c "exclude each other" "$tmp/x.log")" -eq 2 ]; then
    ok "--redis with --redis-cluster: refused (exit 2) by rp-consumer and rp-train"
else
    not_ok "--redis with --redis-cluster (exit $xrc, $yrc)" "$tmp/x.log"
fi

# --- 2. the consumer into the cluster ---------------------------------------
flush_cluster
if "$bin/rp-produce" -b "$BROKER" -t c1 -q --from "$tmp/events.csv" \
        2> "$tmp/p1.log"; then
    consumer c1 g1 "$tmp/c1.log" --exit-on-idle 3
    wait_pid "$cpid" 60
    rc=$?
    applied=$(stat_field "$tmp/c1.log" applied)
    if [ "$rc" -eq 0 ] && [ "${applied:-0}" -eq "$N" ] \
            && grep -q "min replicas 1" "$tmp/c1.log" && same_store c1; then
        ok "consumer --redis-cluster: $N events applied (WAIT for 1 replica), store equals the reference"
    else
        not_ok "consumer --redis-cluster (exit $rc, applied ${applied:-?} of $N)" "$tmp/c1.log"
    fi
else
    not_ok "rp-produce for test 2 failed" "$tmp/p1.log"
fi

# --- 3. slots resharded while the consumer runs: MOVED ----------------------
flush_cluster
set -- $(primaries)
from=$1 to=$2
from_id=$(redis-cli -p "$from" cluster myid)
to_id=$(redis-cli -p "$to" cluster myid)
"$bin/rp-produce" -b "$BROKER" -t c2 -q --from "$tmp/events.csv" \
    --rate 600 2> "$tmp/p2.log" &
ppid=$!
pids="$pids $ppid"
consumer c2 g2 "$tmp/c2.log" --exit-on-idle 4 --batch 100
wait_for 30 grep -q "min replicas" "$tmp/c2.log"
wait_for 30 sh -c "grep -q 'applied [1-9]' '$tmp/c2.log'"
redis-cli --cluster reshard "127.0.0.1:$from" --cluster-from "$from_id" \
    --cluster-to "$to_id" --cluster-slots 2500 --cluster-yes \
    > "$tmp/reshard.log" 2>&1
rrc=$?
wait_pid "$ppid" 60
prc=$?
wait_pid "$cpid" 60
rc=$?
redirects=$(stat_field "$tmp/c2.log" redirects)
if [ "$rrc" -eq 0 ] && [ "$prc" -eq 0 ] && [ "$rc" -eq 0 ] \
        && [ "${redirects:-0}" -gt 0 ] && same_store c2; then
    ok "2500 slots resharded mid-stream: $redirects redirect(s) followed, store equals the reference"
else
    not_ok "reshard mid-stream (reshard $rrc, producer $prc, consumer $rc, redirects ${redirects:-?})" \
        "$tmp/c2.log" "$tmp/reshard.log"
fi

# --- 4. a primary and the consumer killed with SIGKILL mid-stream -----------
# The primary's replica takes over; it has no replica of its own until the
# killed node comes back (as its replica), so the restarted consumer's WAIT
# falls short on that shard: nothing is committed there until then.
flush_cluster
"$bin/rp-produce" -b "$BROKER" -t c3 -q --from "$tmp/events.csv" \
    --rate 600 2> "$tmp/p3.log" &
ppid=$!
pids="$pids $ppid"
consumer c3 g3 "$tmp/c3a.log" --batch 50 --test-commit-delay 200
wait_for 30 sh -c "grep -q 'applied [1-9]' '$tmp/c3a.log'"
victim=$(primaries | head -n 1)
t0=$(date +%s.%N)
kill -9 "$(cat "$CDIR/redis-$victim.pid")"
sleep 1
kill -9 "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
wait_for 20 failed_over "$victim"
t1=$(date +%s.%N)
consumer c3 g3 "$tmp/c3b.log" --exit-on-idle 4
wait_for 40 grep -q "assigned" "$tmp/c3b.log"
wait_for 20 grep -q "fewer than 1 replica" "$tmp/c3b.log"
redis-server "$CDIR/redis-$victim.conf" > /dev/null 2>&1
wait_pid "$ppid" 60
prc=$?
wait_pid "$cpid" 90
rc=$?
shortfalls=$(stat_field "$tmp/c3b.log" shortfalls)
replays=$(stat_field "$tmp/c3b.log" replays)
failover=$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }')
if [ "$prc" -eq 0 ] && [ "$rc" -eq 0 ] && [ "${shortfalls:-0}" -gt 0 ] \
        && same_store c3; then
    ok "primary $victim and the consumer SIGKILLed mid-stream: failover in ${failover} s, $shortfalls WAIT shortfall(s) until the node rejoined, $replays replays, store equals the reference"
else
    not_ok "primary and consumer killed (producer $prc, consumer $rc, shortfalls ${shortfalls:-?})" \
        "$tmp/c3a.log" "$tmp/c3b.log"
fi

# --- 5. WAIT on one Redis without a replica: nothing committed --------------
# The events are applied, but no replica acknowledges them: the offsets are
# not committed, so the next member of the group gets every message again
# (all replays); with a replica attached, WAIT passes and it commits.
"$bin/rp-produce" -b "$BROKER" -t c4 -q --from "$tmp/events.csv" \
    2> "$tmp/p4.log"
"$bin/rp-consumer" -b "$BROKER" -t c4 -g g4 --redis "127.0.0.1:$RP" --db 2 \
    --min-replicas 1 --min-replicas-timeout 100 --stats-interval 1 $KX \
    > "$tmp/c4a.log" 2>&1 &
cpid=$!
pids="$pids $cpid"
wait_for 30 grep -q "fewer than 1 replica" "$tmp/c4a.log"
sleep 1
kill "$cpid"
wait_pid "$cpid" 30
arc=$?
R2=$("$top/scripts/free-port")
redis-server --port "$R2" --bind 127.0.0.1 --save '' --appendonly no \
    --replicaof 127.0.0.1 "$RP" --logfile "$tmp/replica.log" > /dev/null 2>&1 &
replica_pid=$!
wait_for 20 sh -c "redis-cli -p $R2 info replication 2>/dev/null | grep -q 'master_link_status:up'"
"$bin/rp-consumer" -b "$BROKER" -t c4 -g g4 --redis "127.0.0.1:$RP" --db 2 \
    --min-replicas 1 --stats-interval 1 --exit-on-idle 3 $KX \
    > "$tmp/c4b.log" 2>&1 &
cpid=$!
pids="$pids $cpid"
wait_pid "$cpid" 60
brc=$?
short_a=$(stat_field "$tmp/c4a.log" shortfalls)
replays=$(stat_field "$tmp/c4b.log" replays)
consumed=$(stat_field "$tmp/c4b.log" consumed)
short_b=$(stat_field "$tmp/c4b.log" shortfalls)
if [ "$arc" -eq 0 ] && [ "$brc" -eq 0 ] && [ "${short_a:-0}" -gt 0 ] \
        && [ "${consumed:-0}" -eq "$N" ] && [ "${replays:-0}" -gt 0 ] \
        && [ "${short_b:-1}" -eq 0 ]; then
    ok "--min-replicas 1 without a replica: $short_a shortfall(s), nothing committed (the next member got all $N again, $replays of them replays); with one, committed"
else
    not_ok "WAIT before commit (exit $arc/$brc, shortfalls ${short_a:-?}/${short_b:-?}, consumed ${consumed:-?} of $N, replays ${replays:-?})" \
        "$tmp/c4a.log" "$tmp/c4b.log"
fi

# --- 6. a new connection that only replays still waits for the replicas ---
# The replica stops acknowledging (SIGSTOP). A first member applies the
# 100 events of a one-partition topic; WAIT falls short; it leaves without
# committing. The next member's batch is the same 100 events: replays,
# nothing written on its new connection. Its WAIT must still cover the
# first member's writes (Redis sets a connection's WAIT point after each
# command it runs), so it is not committed either.
"$bin/rp-mock-kafka" --partitions 1 --topic d1 > "$tmp/mock1.out" \
    2> "$tmp/mock1.err" &
mock1_pid=$!
wait_for 10 test -s "$tmp/mock1.out"
B1=$(head -n 1 "$tmp/mock1.out")
head -n 101 "$tmp/events.csv" > "$tmp/first100.csv"
"$bin/rp-produce" -b "$B1" -t d1 -q --from "$tmp/first100.csv" 2> "$tmp/p5.log"
kill -STOP "$replica_pid"
member() {      # LOG [options]: one member of group g5 on db 3, until WAIT falls short
    log=$1
    shift
    # shellcheck disable=SC2086
    "$bin/rp-consumer" -b "$B1" -t d1 -g g5 --redis "127.0.0.1:$RP" --db 3 \
        --stats-interval 1 --batch 100 $KX "$@" > "$log" 2>&1 &
    cpid=$!
    pids="$pids $cpid"
}
member "$tmp/c5a.log" --min-replicas 1 --min-replicas-timeout 100
wait_for 30 grep -q "fewer than 1 replica" "$tmp/c5a.log"
kill "$cpid"
wait_pid "$cpid" 30
events_a=$(redis-cli -p "$RP" -n 3 EVAL "local n = 0
for _, k in ipairs(redis.call('KEYS', '*')) do
  n = n + tonumber(string.match(redis.call('HGET', k, 'u'), '^[0-9]+'))
end
return n" 0)
member "$tmp/c5b.log" --min-replicas 1 --min-replicas-timeout 100
wait_for 30 grep -q "fewer than 1 replica" "$tmp/c5b.log"
brc=0
grep -q "fewer than 1 replica" "$tmp/c5b.log" || brc=1
kill "$cpid"
wait_pid "$cpid" 30
kill -CONT "$replica_pid"
member "$tmp/c5c.log" --min-replicas 0 -e
wait_pid "$cpid" 60
crc=$?
consumed=$(stat_field "$tmp/c5c.log" consumed)
replays=$(stat_field "$tmp/c5c.log" replays)
if [ "$events_a" = 100 ] && [ "$brc" -eq 0 ] && [ "$crc" -eq 0 ] \
        && [ "${consumed:-0}" -eq 100 ] && [ "${replays:-0}" -eq 100 ]; then
    ok "a member that only replays on a new connection waits for the replicas too: nothing committed (the next got all 100 again)"
else
    not_ok "replays on a new connection (first member applied ${events_a:-?} of 100, second fell short $((1 - brc)), last consumed ${consumed:-?} replays ${replays:-?})" \
        "$tmp/c5a.log" "$tmp/c5b.log" "$tmp/c5c.log"
fi

# --- 7. a slot being migrated: ASK -----------------------------------------
# One user's slot is set MIGRATING on its primary and IMPORTING on another;
# the key does not exist yet, so its primary answers ASK: materialize and
# verify must follow it (ASKING, then the command on the importing node).
flush_cluster
user=$(sed -n '2p' "$tmp/events.csv" | cut -d, -f2)
{ head -n 1 "$tmp/events.csv"; grep ",$user," "$tmp/events.csv"; } > "$tmp/one.csv"
slot=$(redis-cli -p "${SEEDS##*:}" cluster keyslot "rp:{$user}")
set -- $(primaries)
src="" dst=""
for p in "$@"; do       # its primary answers; the others redirect
    case $(redis-cli -p "$p" exists "rp:{$user}" 2>&1) in
        *MOVED*) ;;
        *) src=$p ;;
    esac
done
for p in "$@"; do [ "$p" != "$src" ] && { dst=$p; break; }; done
src_id=$(redis-cli -p "$src" cluster myid)
dst_id=$(redis-cli -p "$dst" cluster myid)
redis-cli -p "$dst" cluster setslot "$slot" importing "$src_id" > /dev/null
redis-cli -p "$src" cluster setslot "$slot" migrating "$dst_id" > /dev/null
"$bin/rp-train" materialize "$tmp/one.csv" --redis-cluster "$SEEDS" \
    > "$tmp/m7.log" 2>&1
mrc=$?
"$bin/rp-train" verify "$tmp/one.csv" --redis-cluster "$SEEDS" \
    > "$tmp/v7.log" 2>&1
vrc=$?
on_dst=$(printf 'ASKING\nEXISTS rp:{%s}\n' "$user" | redis-cli -p "$dst" | tail -n 1)
# the migrating node, without the key, sends its readers on with ASK
on_src=$(redis-cli -p "$src" exists "rp:{$user}" 2>&1 | cut -d' ' -f1)
asks=$(sed -n 's/.*redirects followed: \([0-9]*\)).*/\1/p' "$tmp/m7.log")
for p in "$@"; do
    redis-cli -p "$p" cluster setslot "$slot" node "$dst_id" > /dev/null
done
if [ "$mrc" -eq 0 ] && [ "$vrc" -eq 0 ] && [ "${asks:-0}" -gt 0 ] \
        && [ "$on_dst" = 1 ] && [ "$on_src" = ASK ]; then
    ok "slot $slot migrating: materialize followed $asks ASK(s), the key is on the importing node, verify read it there"
else
    not_ok "ASK during a migration (materialize $mrc, verify $vrc, redirects ${asks:-?}, on the importing node $on_dst, the migrating node answered $on_src)" \
        "$tmp/m7.log" "$tmp/v7.log"
fi

tap_end
